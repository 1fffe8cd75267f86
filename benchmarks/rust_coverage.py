"""What Rust coverage costs: a plain sandboxed test run vs the instrumented run with llvm-cov.

Hand-written reference programs for 8 Rust tasks of the task set, each with that task's hidden
tests (``benchmarks/taskset/rust.toml``); no model. Baseline in the same run: ``RustSupport.test``
(one rustc build + the tests), against ``RustSupport.coverage`` (one ``-C instrument-coverage``
build + the tests + llvm-profdata merge + llvm-cov export). The two alternate, task by task.

    python -m benchmarks.rust_coverage            # 3 rounds
    python -m benchmarks.rust_coverage --smoke    # 1 round, 2 tasks, nothing written
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tomllib
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from benchmarks._report import format_table, median, write
from codeloop.lang import ProcessLimits, RustSupport, SandboxRunner, TestRun

HERE = Path(__file__).parent

REFERENCE = {
    "rs-gcd": """pub fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        return a;
    }
    gcd(b, a % b)
}
""",
    "rs-is-prime": """pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}
""",
    "rs-fibonacci": """pub fn fibonacci(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a + b;
        a = b;
        b = next;
    }
    a
}
""",
    "rs-count-char": """pub fn count_char(s: &str, c: char) -> usize {
    s.chars().filter(|&x| x == c).count()
}
""",
    "rs-max-subarray": """pub fn max_subarray(v: &[i64]) -> i64 {
    let mut best = v[0];
    let mut current = 0i64;
    for &x in v {
        current = if current > 0 { current + x } else { x };
        best = best.max(current);
    }
    best
}
""",
    "rs-snake-case": """pub fn to_snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
""",
    "rs-error-enum": """use std::fmt;

#[derive(Debug)]
pub enum ParseError {
    Empty,
    Invalid(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "empty input"),
            ParseError::Invalid(text) => write!(f, "invalid: {text}"),
        }
    }
}

impl std::error::Error for ParseError {}
""",
    "rs-iterator": """pub struct Countdown {
    n: u32,
}

impl Countdown {
    pub fn new(n: u32) -> Self {
        Countdown { n }
    }
}

impl Iterator for Countdown {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(self.n + 1)
    }
}
""",
}


def hidden_tests() -> dict[str, str]:
    data = tomllib.loads((HERE / "taskset" / "rust.toml").read_text(encoding="utf-8"))
    return {t["id"]: "use super::*;\n" + t["hidden"] for t in data["tasks"] if t["id"] in REFERENCE}


async def timed(call: Awaitable[TestRun]) -> tuple[TestRun, float]:
    started = time.perf_counter()
    run = await call
    return run, time.perf_counter() - started


async def measure(rounds: int, task_ids: list[str]) -> list[dict[str, Any]]:
    rs = RustSupport()
    runner = SandboxRunner(read_only=rs.runtime_paths())
    limits = ProcessLimits(wall_s=60, cpu_s=60, memory_mb=4096)
    tests = hidden_tests()
    rows = []
    for task_id in task_ids:
        code, module = REFERENCE[task_id], task_id.removeprefix("rs-").replace("-", "_")
        plain_s, cov_s = [], []
        percent: float | None = None
        for _ in range(rounds):
            plain, seconds = await timed(
                rs.test(code, tests[task_id], module=module, runner=runner, limits=limits)
            )
            plain_s.append(seconds)
            covered, seconds = await timed(
                rs.coverage(code, tests[task_id], module=module, runner=runner, limits=limits)
            )
            cov_s.append(seconds)
            if plain.outcomes != covered.outcomes or not plain.ok:
                sys.exit(f"{task_id}: outcomes differ or fail: {plain.outcomes} {covered.outcomes}")
            percent = covered.coverage_percent
        rows.append(
            {
                "task": task_id,
                "test_s": round(median(plain_s), 3),
                "coverage_s": round(median(cov_s), 3),
                "extra_s": round(median(cov_s) - median(plain_s), 3),
                "ratio": round(median(cov_s) / median(plain_s), 2),
                "coverage_percent": percent,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="1 round on 2 tasks, no results file")
    args = parser.parse_args()
    llvm = RustSupport().llvm_tools()
    if llvm is None:
        sys.exit("no llvm-profdata/llvm-cov of rustc's LLVM major: run scripts/system-deps.sh")
    task_ids = list(REFERENCE)[:2] if args.smoke else list(REFERENCE)
    rows = asyncio.run(measure(1 if args.smoke else args.rounds, task_ids))
    columns = ["task", "test_s", "coverage_s", "extra_s", "ratio", "coverage_percent"]
    print(format_table(rows, columns))
    summary = {
        "tasks": len(rows),
        "median_test_s": median([r["test_s"] for r in rows]),
        "median_coverage_s": median([r["coverage_s"] for r in rows]),
        "median_extra_s": median([r["extra_s"] for r in rows]),
        "median_ratio": median([r["ratio"] for r in rows]),
        "median_coverage_percent": median(
            [r["coverage_percent"] for r in rows if r["coverage_percent"] is not None] or [0.0]
        ),
        "not_measured": [r["task"] for r in rows if r["coverage_percent"] is None],
        "llvm": {"major": llvm.major, "cov": Path(llvm.cov).name},
    }
    print(summary)
    if not args.smoke:
        path = write("rust_coverage", {"rounds": args.rounds, "rows": rows, "summary": summary})
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
