"""The MCP HTTP server under load: concurrent clients call ``run_program`` on loopback for a
bounded time. Throughput and latency percentiles against a one-client baseline in the same run,
errors, leaked sandbox workers and the server's memory; then the same with 10 % hostile programs
(endless loops, memory bombs, forbidden imports, output floods, file reads).

    python -m benchmarks.load            # 20 clients, 10 s per phase
    python -m benchmarks.load --full     # 200 clients, 60 s per phase

An error is a call that did not come back as the right report: a transport failure, a timeout,
a benign program that did not return its value, or a hostile one that was not refused (an output
flood is contained rather than refused: its reply must carry no more than the server's output cap);
and a session that could not be opened or closed.

All clients share one HTTP connection pool (without a limit): a client each would spend ~45 ms of
CPU building its own TLS context, which on a small machine starves the server being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import psutil
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from benchmarks._report import percentile, table, write
from codeloop.config import ServeSettings

BENIGN = "finish(context['n'] * 2)"
HOSTILE = {
    "endless loop": "while True:\n    pass",
    "memory bomb": "x = [0] * (10 ** 10)",
    "forbidden import": "import os\nos.system('echo pwned')",
    "output flood": "print('x' * 10_000_000)",
    "file read": "finish(open('/etc/passwd').read())",
}
CALL_TIMEOUT_S = 60.0


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def judge(kind: str, n: int, result: Any) -> str | None:
    """None when the reply is right; else why it is wrong."""
    report = result.structured_content
    if kind == "benign":
        if result.is_error or not report or report.get("value") != 2 * n:
            return f"benign program got {report or result.content}"
        return None
    if kind == "output flood":
        # contained, not refused: the reply carries at most the server's output cap
        stdout = (report or {}).get("stdout") or ""
        if result.is_error or len(stdout) > ServeSettings().max_output_bytes + 200:
            return f"output flood was not capped ({len(stdout)} characters came back)"
        return None
    if report is not None and report.get("ok"):
        return f"hostile {kind} was not refused"
    return None


class CallFailed(Exception):
    """A call already counted as an error; the client opens a new session."""


def uncounted(exc: BaseException) -> BaseException | None:
    """The part of a session's failure not already counted as a failed call."""
    if isinstance(exc, CallFailed):
        return None
    if isinstance(exc, BaseExceptionGroup):
        _, rest = exc.split(CallFailed)
        while isinstance(rest, BaseExceptionGroup) and len(rest.exceptions) == 1:
            rest = rest.exceptions[0]
        return rest
    return exc


async def client(
    http: httpx2.AsyncClient,
    url: str,
    deadline: float,
    hostile_share: float,
    seed: int,
    phase: Phase,
) -> None:
    rng = random.Random(seed)
    n = seed * 1_000_000
    while time.monotonic() < deadline:
        try:
            async with (
                streamable_http_client(url, http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await asyncio.wait_for(session.initialize(), CALL_TIMEOUT_S)
                while time.monotonic() < deadline:
                    n += 1
                    kind = rng.choice(list(HOSTILE)) if rng.random() < hostile_share else "benign"
                    source = BENIGN if kind == "benign" else HOSTILE[kind]
                    started = time.monotonic()
                    try:
                        result = await asyncio.wait_for(
                            session.call_tool(
                                "run_program", {"source": source, "context": json.dumps({"n": n})}
                            ),
                            CALL_TIMEOUT_S,
                        )
                    except Exception as exc:
                        phase.errors[f"{kind}: {type(exc).__name__}: {str(exc)[:80]}"] += 1
                        raise CallFailed from exc
                    phase.latencies.append(time.monotonic() - started)
                    problem = judge(kind, n, result)
                    if problem:
                        phase.errors[problem[:120]] += 1
                    else:
                        report = result.structured_content or {}
                        phase.outcomes[f"{kind}: {report.get('status', 'tool error')}"] += 1
        except Exception as exc:  # a broken session is counted (once) and reopened
            if (rest := uncounted(exc)) is not None:
                phase.errors[f"session: {type(rest).__name__}: {str(rest)[:80]}"] += 1
            await asyncio.sleep(0.1)


async def run_phase(url: str, name: str, clients: int, seconds: float, hostile: float) -> Phase:
    phase = Phase(name)
    started = time.monotonic()
    deadline = started + seconds
    timeout = httpx2.Timeout(CALL_TIMEOUT_S, read=300.0)
    limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx2.AsyncClient(timeout=timeout, limits=limits) as http:
        await asyncio.gather(
            *(client(http, url, deadline, hostile, i + 1, phase) for i in range(clients))
        )
    phase.seconds = time.monotonic() - started
    return phase


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def workers(server: psutil.Process) -> int:
    return sum(1 for p in server.children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE)


async def settle(server: psutil.Process) -> tuple[int, float]:
    await asyncio.sleep(3)
    return workers(server), server.memory_info().rss / 2**20


def summary(phase: Phase) -> dict[str, Any]:
    calls = len(phase.latencies)
    return {
        "calls": calls,
        "errors": sum(phase.errors.values()),
        "throughput_per_s": round(calls / phase.seconds, 2) if phase.seconds else 0.0,
        "p50_ms": round(percentile(phase.latencies, 50) * 1000, 1) if calls else None,
        "p99_ms": round(percentile(phase.latencies, 99) * 1000, 1) if calls else None,
        "outcomes": dict(phase.outcomes),
        "error_kinds": dict(phase.errors),
    }


async def main(clients: int, seconds: float, root: Path) -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PYTHONPATH": str(root / "src"),
            "CODELOOP_HOME": home,
            "CODELOOP_ORCHESTRATE__PROGRAM_CPU_S": "1",
            "CODELOOP_ORCHESTRATE__PROGRAM_WALL_S": "5",
            # every client here shares 127.0.0.1, so the per-address rate limit is lifted
            "CODELOOP_SERVE__RATE_PER_MINUTE": "100000000",
            "CODELOOP_SERVE__BURST": "100000",
        }
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "codeloop", "serve", "--http", "--port", str(port)],
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        server = psutil.Process(process.pid)
        try:
            for _ in range(300):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
            await run_phase(url, "warm-up", 1, 2.0, 0.0)
            before = await settle(server)
            baseline = await run_phase(url, "baseline", 1, seconds / 2, 0.0)
            loaded = await run_phase(url, "load", clients, seconds, 0.0)
            after_load = await settle(server)
            hostile = await run_phase(url, "hostile", clients, seconds, 0.10)
            after = await settle(server)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
    phases = {p.name: summary(p) for p in (baseline, loaded, hostile)}
    results = {
        "clients": clients,
        "seconds_per_phase": seconds,
        "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
        "phases": phases,
        "workers": {"idle_before": before[0], "after_load": after_load[0], "after": after[0]},
        "leaked_workers": max(0, after[0] - before[0]),
        "server_rss_mb": {
            "before": round(before[1], 1),
            "after_load": round(after_load[1], 1),
            "after_hostile": round(after[1], 1),
        },
    }
    path = write("load", results)
    rows: list[tuple[str, str, str]] = []
    for name, p in phases.items():
        rows += [
            (f"{name}: calls / errors", f"{p['calls']} / {p['errors']}", "errors 0"),
            (f"{name}: throughput", f"{p['throughput_per_s']}/s", ""),
            (f"{name}: p50 / p99", f"{p['p50_ms']} / {p['p99_ms']} ms", ""),
        ]
    base = phases["baseline"]
    if base["throughput_per_s"] and phases["load"]["throughput_per_s"]:
        rows.append(
            (
                f"throughput {clients} clients vs 1",
                f"{phases['load']['throughput_per_s'] / base['throughput_per_s']:.2f}x",
                "",
            )
        )
    rows += [
        ("leaked workers", str(results["leaked_workers"]), "0"),
        ("server RSS before → after (MB)", f"{before[1]:.0f} → {after[1]:.0f}", "flat"),
        ("load average (1 min)", f"{os.getloadavg()[0]:.1f}", f"cpus: {os.cpu_count()}"),
    ]
    table(rows)
    for name, p in phases.items():
        for kind, count in p["error_kinds"].items():
            print(f"  {name} error ×{count}: {kind}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200 clients, 60 s per phase")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 20, full 200)")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 10, full 60)")
    arguments = parser.parse_args()
    clients = arguments.clients or (200 if arguments.full else 20)
    seconds = arguments.seconds or (60.0 if arguments.full else 10.0)
    sys.exit(asyncio.run(main(clients, seconds, Path(__file__).resolve().parents[1])))
