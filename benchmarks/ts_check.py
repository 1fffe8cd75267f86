"""TypeScript checking cost: the tsc and prettier CLIs (a node start per check) against the
long-lived checker process (``tools/ts/tscd.mjs``), in the same run, interleaved source by source.

For each of N distinct small sources (clean code, type errors, unused locals, classes, generics)
it does what the pipeline does per candidate: check the code alone, check it with a node:test
file (the emitted JavaScript is what the tests run), and format it. Reported per operation: mean
and median seconds per call on each path, the daemon's first call (its start-up: node, the
compiler, the lib and @types files) apart from the warm calls, the ratio CLI / daemon, and
whether both paths gave the same diagnostics, JavaScript and formatting.

Then one TypeScript task of the task set (ts-uniq) through the whole pipeline on the scripted
model (a greedy candidate with an unused local, three samples, generated tests), a fresh
pipeline per run as ``codeloop gen`` makes one, alternating CLI and daemon: non-model seconds.

    python -m benchmarks.ts_check            # 20 sources, 3 pipeline runs per path
    python -m benchmarks.ts_check --n 3 --runs 1      # smoke
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks._report import format_table, write_result
from codeloop.lang import RustSupport, SandboxRunner, TypeScriptSupport
from codeloop.models import ScriptedModel
from codeloop.pipeline import Pipeline, PipelineOptions

TEST_HEADER = 'import { test } from "node:test";\nimport assert from "node:assert/strict";\n'
TEMPLATES = (
    "export function total{i}(xs: number[]): number {{\n  let sum = {i};\n"
    "  for (const x of xs) sum += x;\n  return sum;\n}}\n",
    "export function size{i}(s: string): number {{\n  return s.length + '{i}';\n}}\n",
    "export function half{i}(a: number): number {{\n  const unused = a * {i};\n"
    "  return a / 2;\n}}\n",
    "export class Counter{i} {{\n  private n = {i};\n"
    "  inc(): number {{\n    return ++this.n;\n  }}\n}}\n",
    "export function pick{i}<T extends {{ id: number }}>(items: T[]): T | undefined {{\n"
    "  return items.find((item) => item.id === {i});\n}}\n",
)
OPERATIONS = ("check", "check_with_tests", "format")
UNIQ = (
    "A TypeScript function uniq(items: number[]): number[] removing duplicates and keeping first"
    " occurrences in order: uniq([1, 2, 1, 3]) == [1, 2, 3]"
)
UNIQ_LOOP = (
    "  const out: number[] = [];\n  for (const item of items) {\n    if (!seen.has(item)) {\n"
    "      seen.add(item);\n      out.push(item);\n    }\n  }\n  return out;\n}\n"
)
UNIQ_REPLIES = tuple(
    f"```typescript\n{code}```\n"
    for code in (
        "export function uniq(items: number[]): number[] {\n  const seen = new Set<number>();\n"
        "  const unused = items.length;\n" + UNIQ_LOOP,
        "/** Removes duplicates. */\nexport function uniq(items: number[]): number[] {\n"
        "  const seen = new Set<number>();\n" + UNIQ_LOOP,
        "export function uniq(items: number[]): number[] {\n"
        '  return Array.from(new Set(items)).join(",");\n}\n',
        "/** Removes duplicates. */\nexport function uniq(items: number[]): number[] {\n"
        "  return items.filter((item, index) => items.indexOf(item) === index);\n}\n",
        TEST_HEADER + 'import { uniq } from "./uniq";\n\n'
        'test("order", () => {\n  assert.deepStrictEqual(uniq([1, 2, 1, 3]), [1, 2, 3]);\n});\n'
        'test("empty", () => {\n  assert.deepStrictEqual(uniq([]), []);\n});\n',
    )
)


def sources(n: int) -> list[tuple[str, str]]:
    """``(module, code)`` pairs, all distinct (so no memo hits), cycling through the templates."""
    return [(f"mod{i}", TEMPLATES[i % len(TEMPLATES)].format(i=i)) for i in range(n)]


def tests_for(module: str) -> str:
    return (
        TEST_HEADER + f'import * as m from "./{module}";\n\n'
        f'test("{module} loads", () => {{\n  assert.ok(m);\n}});\n'
    )


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await call()
    return result, time.perf_counter() - started


async def one_source(
    lang: TypeScriptSupport, module: str, code: str
) -> tuple[dict[str, float], list[Any]]:
    files = {f"{module}.ts": code, f"{module}.test.ts": tests_for(module)}
    checked, check_s = await timed(lambda: lang._compile({"code.ts": code}))
    with_tests, tests_s = await timed(lambda: lang._compile(files))
    formatted, format_s = await timed(lambda: lang.format(code))
    seconds = {"check": check_s, "check_with_tests": tests_s, "format": format_s}
    return seconds, [checked[:2], with_tests[:2], formatted]


def summarize(op: str, cli: list[float], daemon: list[float]) -> dict[str, Any]:
    warm = daemon[1:] or daemon
    return {
        "operation": op,
        "cli_mean_s": round(statistics.fmean(cli), 4),
        "cli_median_s": round(statistics.median(cli), 4),
        "daemon_first_s": round(daemon[0], 4),
        "daemon_warm_mean_s": round(statistics.fmean(warm), 4),
        "daemon_warm_median_s": round(statistics.median(warm), 4),
        "ratio_mean": round(statistics.fmean(cli) / statistics.fmean(warm), 1),
    }


async def run(n: int) -> dict[str, Any]:
    cli, daemon = TypeScriptSupport(daemon=False), TypeScriptSupport()
    if not cli.tools()["tsc"] or not cli.tools()["node"] or not cli.tools()["prettier"]:
        raise SystemExit("typescript is not installed: npm ci --prefix tools/ts")
    times: dict[str, dict[str, list[float]]] = {
        "cli": {op: [] for op in OPERATIONS},
        "daemon": {op: [] for op in OPERATIONS},
    }
    totals = {"cli": 0.0, "daemon": 0.0}
    mismatches: list[str] = []
    diagnostics = 0
    try:
        for module, code in sources(n):
            results = {}
            for name, lang in (("cli", cli), ("daemon", daemon)):
                started = time.perf_counter()
                seconds, results[name] = await one_source(lang, module, code)
                totals[name] += time.perf_counter() - started
                for op, value in seconds.items():
                    times[name][op].append(value)
            if results["cli"] != results["daemon"]:
                mismatches.append(module)
            diagnostics += len(results["cli"][0][0])
    finally:
        await daemon.aclose()
    rows = [summarize(op, times["cli"][op], times["daemon"][op]) for op in OPERATIONS]
    return {
        "sources": n,
        "rows": rows,
        "total_cli_s": round(totals["cli"], 3),
        "total_daemon_s": round(totals["daemon"], 3),
        "total_ratio": round(totals["cli"] / totals["daemon"], 1),
        "diagnostics_seen": diagnostics,
        "mismatches": mismatches,
    }


async def pipeline_runs(runs: int) -> dict[str, Any]:
    """Non-model seconds of the ts-uniq task on each path; every run must end ``ok``."""
    runner = SandboxRunner(read_only=RustSupport().runtime_paths())
    seconds: dict[str, list[float]] = {"cli": [], "daemon": []}
    for _ in range(runs):
        for name, daemon in (("cli", False), ("daemon", True)):
            model = ScriptedModel(list(UNIQ_REPLIES))
            pipeline = Pipeline(
                model,
                runner,
                options=PipelineOptions(samples=4, rounds=1),
                languages={"typescript": TypeScriptSupport(daemon=daemon)},
            )
            try:
                report = await pipeline.run(UNIQ, language="typescript")
            finally:
                await pipeline.aclose()
            if report.status != "ok" or len(report.candidates) != 4:
                raise SystemExit(f"the scripted ts-uniq run went wrong: {report.message}")
            seconds[name].append(report.seconds - report.model_seconds)
    cli, daemon = statistics.median(seconds["cli"]), statistics.median(seconds["daemon"])
    return {
        "task": "ts-uniq (scripted model: 4 candidates, generated tests)",
        "runs_per_path": runs,
        "non_model_s": {k: [round(v, 3) for v in values] for k, values in seconds.items()},
        "cli_median_s": round(cli, 3),
        "daemon_median_s": round(daemon, 3),
        "ratio": round(cli / daemon, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="distinct sources")
    parser.add_argument("--runs", type=int, default=3, help="pipeline runs per path")
    args = parser.parse_args()
    result = asyncio.run(run(args.n))
    result["pipeline"] = asyncio.run(pipeline_runs(args.runs))
    print(format_table(result["rows"], list(result["rows"][0])))
    print(
        f"{args.n} sources x {len(OPERATIONS)} operations: CLI {result['total_cli_s']} s, "
        f"daemon {result['total_daemon_s']} s (start-up included), {result['total_ratio']}x; "
        f"{result['diagnostics_seen']} diagnostics, mismatches: {result['mismatches'] or 'none'}"
    )
    gen = result["pipeline"]
    print(
        f"{gen['task']}, non-model seconds (median of {args.runs}): CLI {gen['cli_median_s']} s,"
        f" daemon {gen['daemon_median_s']} s, {gen['ratio']}x"
    )
    write_result("ts_check", {"args": vars(args), **result})


if __name__ == "__main__":
    main()
