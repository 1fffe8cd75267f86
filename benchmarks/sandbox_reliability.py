"""Consecutive sandbox runs, 10 % hostile (bombs, infinite loops, crashes): every run must come
back with the right status, no process may leak, and the host's memory must stay flat.

    python -m benchmarks.sandbox_reliability           # 200 runs
    python -m benchmarks.sandbox_reliability --full    # 2,000 runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from collections import Counter
from pathlib import Path

from codeloop.sandbox import IsolatedSandbox, Limits, RunResult
from codeloop.sandbox._procfs import descendants

RESULTS = Path(__file__).parent / "results" / "sandbox_reliability.json"
HOSTILE = [
    ("memory-bomb", "x = bytearray(10 ** 10)", "limit"),
    ("memory-growth", "xs = []\nwhile True:\n    xs.append(bytearray(10 ** 7))", "limit"),
    ("infinite-loop", "while True:\n    pass", "limit"),
    ("sleep", "import time\ntime.sleep(30)", "limit"),
    ("recursion", "def f():\n    f()\nf()", "limit"),
    ("fork-bomb", "import os\nwhile True:\n    os.fork()", "error"),
    ("thread-bomb", "import threading, time\nwhile True:\n"
     "    threading.Thread(target=time.sleep, args=(9,)).start()", "error"),
    ("segfault", "import ctypes\nctypes.string_at(0)", "error"),
    ("hard-exit", "import os\nos._exit(3)", "error"),
    ("output-flood", "finish('x' * 10 ** 7)", "limit"),
]  # fmt: skip


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_for_no_children(timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := descendants(os.getpid())) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


async def main(runs: int) -> None:
    limits = Limits(cpu_s=0.5, wall_s=1.5, memory_mb=256, output_bytes=65536)
    wrong: list[dict[str, object]] = []
    outcomes: Counter[str] = Counter()
    rss: list[float] = []
    started = time.perf_counter()
    async with IsolatedSandbox(limits=limits, pool_size=2, validate=False) as box:
        for i in range(runs):
            if i % 10 == 9:
                name, program, expected = HOSTILE[(i // 10) % len(HOSTILE)]
                result: RunResult = await box.run(program)
                ok = result.status == expected
            else:
                name, expected = "benign", "finished"
                result = await box.run(f"finish(sum(range({i})))")
                ok = result.status == "finished" and result.value == sum(range(i))
            outcomes[f"{name}:{result.status}"] += 1
            if not ok:
                wrong.append({"run": i, "name": name, "expected": expected,
                              "got": result.model_dump(mode="json")})  # fmt: skip
            if i % 50 == 0:
                rss.append(rss_mb())
    seconds = time.perf_counter() - started
    leaked = wait_for_no_children()
    report = {
        "runs": runs,
        "hostile": sum(1 for i in range(runs) if i % 10 == 9),
        "wrong_status": len(wrong),
        "wrong": wrong[:20],
        "leaked_processes": len(leaked),
        "rss_mb_first": round(rss[0], 1),
        "rss_mb_last": round(rss[-1], 1),
        "rss_mb_max": round(max(rss), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(seconds, 1),
        "runs_per_s": round(runs / seconds, 1),
        "outcomes": dict(sorted(outcomes.items())),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    for key in ("runs", "hostile", "wrong_status", "leaked_processes", "rss_mb_first",
                "rss_mb_last", "rss_mb_max", "seconds", "runs_per_s"):  # fmt: skip
        print(f"{key:<18}{report[key]}")
    for key, count in report["outcomes"].items():  # type: ignore[attr-defined]
        print(f"  {key:<28}{count}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="2,000 runs instead of 200")
    asyncio.run(main(2000 if parser.parse_args().full else 200))
