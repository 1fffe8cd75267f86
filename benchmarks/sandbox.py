"""Sandbox latency and primitive throughput, against baselines measured in the same run.

(a) warm pool hand-over, (b) cold bubblewrap start, (c) plain ``subprocess`` Python, (d) in-process
``exec``: p50/p95 of a trivial program. Then ``map_async`` of N ``llm_query`` calls against a model
answering in 50 ms at concurrency 20, against the ideal N / 20 x 50 ms.

    python -m benchmarks.sandbox            # small: 30 runs each, 1,000 calls
    python -m benchmarks.sandbox --full     # 300 runs each
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from codeloop.models.types import ModelRequest, ModelResponse
from codeloop.sandbox import IsolatedSandbox, Limits
from codeloop.sandbox.hosting import model_functions

PROGRAM = "finish(sum(range(10)))"
RESULTS = Path(__file__).parent / "results" / "sandbox.json"


class SlowModel:
    """Answers every request after ``delay`` seconds, like a remote model."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def complete(self, request: ModelRequest) -> ModelResponse:
        await asyncio.sleep(self.delay)
        return ModelResponse(text="ok", model="scripted:slow")


def quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
        "n": len(ordered),
    }


async def warm(n: int) -> list[float]:
    samples = []
    async with IsolatedSandbox(pool_size=1) as box:
        for _ in range(n):
            await box.start()
            started = time.perf_counter()
            result = await box.run(PROGRAM)
            samples.append(time.perf_counter() - started)
            assert (result.value, result.usage.worker) == (45, "warm"), result
    return samples


async def cold(n: int) -> list[float]:
    samples = []
    async with IsolatedSandbox(pool_size=0) as box:
        for _ in range(n):
            started = time.perf_counter()
            result = await box.run(PROGRAM)
            samples.append(time.perf_counter() - started)
            assert (result.value, result.usage.worker) == (45, "cold"), result
    return samples


async def plain_subprocess(n: int) -> list[float]:
    samples = []
    code = "print(sum(range(10)))"
    for _ in range(n):
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", "-c", code, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await proc.communicate()
        samples.append(time.perf_counter() - started)
        assert out.strip() == b"45"
    return samples


def in_process(n: int) -> list[float]:
    samples = []
    code = "result = sum(range(10))"
    for _ in range(n):
        started = time.perf_counter()
        namespace: dict[str, object] = {}
        exec(compile(code, "<program>", "exec"), namespace)
        samples.append(time.perf_counter() - started)
        assert namespace["result"] == 45
    return samples


async def fan_out(calls: int, concurrency: int, delay: float) -> dict[str, float]:
    host = model_functions(SlowModel(delay), concurrency=concurrency)
    program = (
        f"r = map_async(lambda i: llm_query('q', i), list(range({calls})),"
        f" max_concurrency={concurrency})\nfinish([len(r), sum(1 for x in r if x == 'ok')])"
    )
    limits = Limits(wall_s=120, cpu_s=60)
    async with IsolatedSandbox(pool_size=1) as box:
        await box.start()
        started = time.perf_counter()
        result = await box.run(program, host=host, limits=limits)
        wall = time.perf_counter() - started
    assert result.value == [calls, calls], result
    ideal = calls / concurrency * delay
    return {"calls": calls, "concurrency": concurrency, "wall_s": round(wall, 3),
            "ideal_s": ideal, "ratio_to_ideal": round(wall / ideal, 3),
            "worker_cpu_s": result.usage.cpu_s}  # fmt: skip


async def main(full: bool) -> None:
    n = 300 if full else 30
    report: dict[str, object] = {"size": "full" if full else "small"}
    latency = {
        "warm_pool": quantiles(await warm(n)),
        "cold_bwrap": quantiles(await cold(n)),
        "plain_subprocess": quantiles(await plain_subprocess(n)),
        "in_process_exec": quantiles(in_process(n)),
    }
    report["latency"] = latency
    warm_p50 = latency["warm_pool"]["p50_ms"]
    report["warm_over_cold_p50"] = round(warm_p50 / latency["cold_bwrap"]["p50_ms"], 4)
    report["map_async"] = await fan_out(1000, 20, 0.05)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"{'path':<18}{'p50 ms':>10}{'p95 ms':>10}")
    for name, q in latency.items():
        print(f"{name:<18}{q['p50_ms']:>10.3f}{q['p95_ms']:>10.3f}")
    print(f"warm/cold p50 ratio: {report['warm_over_cold_p50']}")
    fan = report["map_async"]
    assert isinstance(fan, dict)
    print(
        f"map_async {fan['calls']} llm_query @ {fan['concurrency']}: {fan['wall_s']} s"
        f" (ideal {fan['ideal_s']} s, ratio {fan['ratio_to_ideal']})"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="300 runs per path instead of 30")
    asyncio.run(main(parser.parse_args().full))
