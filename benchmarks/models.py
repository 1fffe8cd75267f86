"""Model layer benchmark: wrapper overhead, cache hits, fan-out against a loopback server, and the
embedded model's speed. Ratios against a baseline measured in the same run.

    python -m benchmarks.models            # full size
    python -m benchmarks.models --smoke    # a few seconds, used by CI-style checks
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._report import median, percentile, table, write
from codeloop.config import ModelSettings, Settings
from codeloop.models import (
    DEFAULT_EMBEDDED,
    EMBEDDED_MODELS,
    LlamaRuntime,
    ManagedModel,
    ModelFactory,
    ModelRequest,
    ScriptedModel,
    ensure_gguf,
)
from codeloop.store import Store


async def wrapper_overhead(calls: int) -> dict[str, float]:
    request = ModelRequest.of("q", temperature=0.5)
    raw = ScriptedModel(["answer"], cycle=True)
    wrapped = ManagedModel("scripted:s", ScriptedModel(["answer"], cycle=True))
    for _ in range(200):  # warm-up
        await raw.complete(request)
        await wrapped.complete(request)
    started = time.perf_counter()
    for _ in range(calls):
        await raw.complete(request)
    raw_s = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for _ in range(calls):
        await wrapped.complete(request)
    wrapped_s = (time.perf_counter() - started) / calls
    return {
        "raw_ms": raw_s * 1e3,
        "wrapped_ms": wrapped_s * 1e3,
        "overhead_ms": (wrapped_s - raw_s) * 1e3,
        "calls": calls,
    }


async def cache_hits(calls: int, home: Path) -> dict[str, float]:
    store = Store(home / "bench.db")
    model = ManagedModel("scripted:s", ScriptedModel(["answer"]), cache=store.cache)
    request = ModelRequest.of("the same greedy question")
    await model.complete(request)
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        response = await model.complete(request)
        latencies.append(time.perf_counter() - started)
        assert response.cached
    return {"p50_ms": median(latencies) * 1e3, "p95_ms": percentile(latencies, 95) * 1e3}


async def _fan_out(port: int, calls: int, concurrency: int, home: Path) -> tuple[float, float]:
    factory = ModelFactory(
        ModelSettings(concurrency=concurrency, cache=False, max_retries=0), model_dir=home
    )
    model = factory.build(f"openai:http://127.0.0.1:{port}/v1#fake")
    await model.complete(ModelRequest.of("warm-up"))
    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(model.complete(ModelRequest.of(f"q{i}")) for i in range(calls)))
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    await factory.aclose()
    return wall, client_cpu


def fan_out(calls: int, concurrency: int, delay_s: float, home: Path) -> dict[str, float]:
    """The server is its own process on loopback, as a real one would be."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.models.fake_server", str(delay_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        wall, client_cpu = asyncio.run(_fan_out(port, calls, concurrency, home))
    finally:
        server.kill()
        server.wait()
    ideal = calls / concurrency * delay_s
    return {
        "calls": calls,
        "concurrency": concurrency,
        "wall_s": wall,
        "ideal_s": ideal,
        "ratio": wall / ideal,
        "client_cpu_s": client_cpu,
        "client_cpu_ms_per_call": client_cpu / calls * 1e3,
    }


def embedded(generate_tokens: int) -> dict[str, Any]:
    path = ensure_gguf(Settings().model_dir, EMBEDDED_MODELS[DEFAULT_EMBEDDED])
    runtime = LlamaRuntime(n_ctx=4096)
    started = time.perf_counter()
    loaded = runtime.get(path)
    load_s = time.perf_counter() - started
    llama = loaded.llama
    prompt = "def f(x):\n    return x\n" * 60
    tokens = llama.tokenize(prompt.encode())
    llama.reset()
    started = time.perf_counter()
    llama.eval(tokens)
    prompt_s = time.perf_counter() - started
    factory = ModelFactory(ModelSettings(cache=False), model_dir=path.parent, runtime=runtime)
    model = factory.build(f"local:{DEFAULT_EMBEDDED}")
    request = ModelRequest.of(
        "Write a long Python module with ten small documented functions.",
        max_tokens=generate_tokens,
    )
    started = time.perf_counter()
    response = asyncio.run(model.complete(request))
    gen_s = time.perf_counter() - started
    return {
        "load_s": load_s,
        "prompt_tokens": len(tokens),
        "prompt_tokens_per_s": len(tokens) / prompt_s,
        "generated_tokens": response.usage.output_tokens,
        "generation_tokens_per_s": response.usage.output_tokens / gen_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded model")
    args = parser.parse_args()
    calls = 500 if args.smoke else 5000
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        overhead = asyncio.run(wrapper_overhead(calls))
        cache = asyncio.run(cache_hits(200 if args.smoke else 2000, home))
        fan = fan_out(100 if args.smoke else 500, 25, 0.1, home)
    results: dict[str, Any] = {
        "smoke": args.smoke,
        "wrapper_overhead": overhead,
        "cache_hit": cache,
        "fan_out": fan,
    }
    rows = [
        ("wrapper overhead per call (ms)", f"{overhead['overhead_ms']:.3f}", "< 0.5"),
        ("cache hit p50 (ms)", f"{cache['p50_ms']:.3f}", "< 1"),
        (
            f"{fan['calls']} calls @ {fan['concurrency']} vs ideal",
            f"{fan['ratio']:.3f}x",
            "<= 1.10",
        ),
    ]
    if not args.no_embedded:
        model = embedded(32 if args.smoke else 256)
        results["embedded"] = model
        rows += [
            ("embedded load (s)", f"{model['load_s']:.2f}", ""),
            ("embedded prompt tok/s", f"{model['prompt_tokens_per_s']:.0f}", ""),
            ("embedded generation tok/s", f"{model['generation_tokens_per_s']:.1f}", ""),
            ("peak RSS (MB)", f"{model['peak_rss_mb']:.0f}", ""),
        ]
    table(rows)
    print(f"written to {write('models', results)}")


if __name__ == "__main__":
    main()
