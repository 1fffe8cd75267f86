"""Batch work on the local executor vs Ray with 1 and 2 workers, in one run: wall time, scaling
efficiency, identical results.

Each task has the shape of a bench item without the model: check a candidate program (compile it,
run it against a few thousand reference answers). It measures what the executors add; with the
embedded model in the task, two cores are saturated by llama.cpp alone, and the batch commands
(``gen --batch``, ``bench``) load one model per worker process (``codeloop.cli._worker``).

    python -m benchmarks.ray            # 40 tasks (under a minute)
    python -m benchmarks.ray --full     # 200 tasks
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

from benchmarks._report import table, write
from codeloop.executors import Executor, LocalExecutor, RayExecutor

CANDIDATE = """
def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True
"""


def check_candidate(seed: int) -> dict[str, Any]:
    """Compile the candidate and test it on 20,000 numbers against a sieve: one bench item."""
    namespace: dict[str, Any] = {}
    exec(compile(CANDIDATE, f"candidate_{seed}.py", "exec"), namespace)
    start, count = seed * 1000, 20_000
    sieve = [True] * (start + count)
    sieve[0:2] = [False, False]
    for i in range(2, int((start + count) ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = [False] * len(sieve[i * i :: i])
    passed = sum(namespace["is_prime"](n) == sieve[n] for n in range(start, start + count))
    return {"task": seed, "passed": passed, "total": count}


async def timed(executor: Executor, items: list[int]) -> tuple[float, float, list[Any]]:
    """Seconds for a first batch of 4 (start-up included) and for the whole batch after it."""
    started = time.perf_counter()
    await executor.map(check_candidate, items[:4])
    warm = time.perf_counter()
    results = await executor.map(check_candidate, items)
    done = time.perf_counter()
    await executor.aclose()
    return warm - started, done - warm, results


async def main(tasks: int, root: Path) -> None:
    items = list(range(tasks))
    env = {"env_vars": {"PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])}}
    runs: dict[str, tuple[float, float, list[Any]]] = {}
    started = time.perf_counter()
    serial = [check_candidate(i) for i in items]
    runs["serial loop"] = (0.0, time.perf_counter() - started, serial)
    runs["local"] = await timed(LocalExecutor(concurrency=2), items)
    for workers in (1, 2):
        executor = RayExecutor(num_cpus=workers, runtime_env=env)
        runs[f"ray-{workers}"] = await timed(executor, items)
    baseline = serial
    identical = all(r[2] == baseline for r in runs.values())
    assert all(r["passed"] == r["total"] for r in baseline), "the candidate is correct"
    serial_s, ray1_s, ray2_s = runs["serial loop"][1], runs["ray-1"][1], runs["ray-2"][1]
    efficiency = ray1_s / (2 * ray2_s)
    results = {
        "tasks": tasks,
        "cpus_on_machine": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
        "seconds": {name: round(r[1], 3) for name, r in runs.items()},
        "startup_seconds": {name: round(r[0], 3) for name, r in runs.items()},
        "tasks_per_second": {name: round(tasks / r[1], 2) for name, r in runs.items()},
        "speedup_ray2_vs_serial": round(serial_s / ray2_s, 3),
        "speedup_local_vs_serial": round(serial_s / runs["local"][1], 3),
        "scaling_efficiency_1_to_2_workers": round(efficiency, 3),
        "identical_results": identical,
    }
    path = write("ray", results)
    rows = [(f"{name} wall (s)", f"{r[1]:.2f}", "") for name, r in runs.items()]
    rows += [(f"{name} start + first 4 (s)", f"{r[0]:.2f}", "") for name, r in runs.items()]
    rows += [
        ("ray-2 vs serial speed-up", f"{serial_s / ray2_s:.2f}x", "near 2x on an idle 2-core box"),
        ("local (threads) vs serial", f"{serial_s / runs['local'][1]:.2f}x", "~1x: the GIL"),
        ("scaling efficiency 1→2 workers", f"{efficiency:.0%}", "near 100% when CPUs are free"),
        ("identical results", str(identical), "True"),
        ("load average (1 min)", f"{os.getloadavg()[0]:.1f}", f"cpus: {os.cpu_count()}"),
    ]
    table(rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200 tasks instead of 40")
    arguments = parser.parse_args()
    asyncio.run(main(200 if arguments.full else 40, Path(__file__).resolve().parents[1]))
