"""A real MCP client (the SDK's) starts ``codeloop serve`` over stdio, lists the tools and calls
each one; scripted models stand in for the real ones."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

SRC = Path(__file__).resolve().parents[2] / "src"

PLAN = """```python
# strategy: C
warm = [r for r in context if r["temp"] > 10]
final_report = ", ".join(llm_query("One word for this weather.", r) for r in warm)
```"""
RLM_TURN = """```python
finish(context.count("needle"))
```"""
ANALYSIS = """```python
final_report = max(r["temp"] for r in context)
```"""
ADD = """```python
def add(a: int, b: int) -> int:
    return a + b
```"""
ADD_TESTS = """```python
from solution import add

def test_zero():
    assert add(0, 0) == 0

def test_wrong():
    assert add(2, 2) == 5
```"""


def _script(path: Path, replies: list[str]) -> str:
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def _server(tmp_path: Path) -> StdioServerParameters:
    env = {
        "PYTHONPATH": str(SRC),
        "CODELOOP_HOME": str(tmp_path / "home"),
        "CODELOOP_MODELS__PLANNER": _script(tmp_path / "planner.json", [PLAN, RLM_TURN]),
        "CODELOOP_MODELS__CODER": _script(tmp_path / "coder.json", [ANALYSIS, ADD, ADD_TESTS]),
        "CODELOOP_MODELS__WORKER": _script(tmp_path / "worker.json", ["balmy"]),
    }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "codeloop", "serve"], env=env, cwd=str(tmp_path)
    )


def _data(result: Any) -> Any:
    assert result.is_error is False, result.content
    return result.structured_content


async def test_mcp_client_lists_and_calls_every_tool(tmp_path: Path) -> None:
    rows = json.dumps([{"city": "Oslo", "temp": 3}, {"city": "Rome", "temp": 18}])
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with (
        stdio_client(_server(tmp_path)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        assert sorted(t.name for t in tools.tools) == [
            "analyze", "generate", "get_codegen_reference", "orchestrate", "rlm", "run_program"
        ]  # fmt: skip

        reference = await session.call_tool("get_codegen_reference", {"language": "scheme"})
        assert "(llm-query #:instruction" in reference.content[0].text

        scheme = await session.call_tool(
            "run_program",
            {
                "source": '(define s (py-eval "sum(context)")) (display "hi") (finish (* s 2))',
                "language": "scheme",
                "context": "[1, 2, 3]",
            },
        )
        ran = _data(scheme)
        assert (ran["value"], ran["stdout"], ran["status"]) == (12, "hi", "finished")

        analysis = _data(
            await session.call_tool(
                "analyze", {"data": rows, "task": "hottest temperature"},
                progress_callback=on_progress,
            )
        )  # fmt: skip
        assert (analysis["ok"], analysis["value"]) == (True, 18)
        assert progress[0] == (1, "model_call: generate")

        flood = _data(await session.call_tool("run_program", {"source": 'print("x" * 5_000_000)'}))
        assert flood["status"] == "finished"  # output past the cap is cut, not an error
        assert 200_000 < len(flood["stdout"]) <= 256 * 1024 + 200

        generated = _data(
            await session.call_tool(
                "generate",
                {"description": "Write add(a, b) that adds two integers: add(1, 2) == 3",
                 "samples": 1, "rounds": 0},
            )
        )  # fmt: skip
        assert generated["status"] == "ok"
        assert "return a + b" in generated["files"]["add.py"]
        assert (generated["public_passed"], generated["public_total"]) == (1, 1)
        assert generated["tests_kept"] == ["test_example_1", "test_zero"]
        assert [t["name"] for t in generated["tests_discarded"]] == ["test_wrong"]
        bad = await session.call_tool("generate", {"description": "x", "samples": 99})
        assert bad.is_error is True
        assert "bad generation options: samples: Input should be less than or equal to 16" in (
            bad.content[0].text
        )

        plan = _data(
            await session.call_tool(
                "orchestrate", {"data": rows, "goal": "describe warm places", "max_calls": 5}
            )
        )
        assert (plan["value"], plan["strategy"], plan["calls"]) == ("balmy", "C", 2)
        assert plan["budget"]["max_calls"] == 5

        answer = _data(
            await session.call_tool(
                "rlm", {"context": "hay needle hay needle", "question": "how many needles?"}
            )
        )
        assert (answer["answer"], answer["finished"]) == (2, True)

        refused = await session.call_tool(
            "orchestrate", {"data": rows, "goal": "x", "max_calls": 0}
        )
        assert refused.is_error is False
        assert refused.structured_content["ok"] is False
        assert "budget exceeded: calls limit 0" in refused.structured_content["error"]
    assert (tmp_path / "home" / "codeloop.db").stat().st_size > 0


async def test_mcp_client_over_streamable_http(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    params = _server(tmp_path)
    env = {**os.environ, **(params.env or {})}
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "codeloop", "serve", "--http", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # the server may start slowly on a loaded machine
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.1)
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = await session.list_tools()
            assert "rlm" in {t.name for t in tools.tools}
            result = await session.call_tool(
                "run_program", {"source": "print(sum(context))", "context": "[4, 5]"}
            )
            assert _data(result)["stdout"] == "9\n"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
