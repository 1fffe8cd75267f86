"""``codeloop serve --http`` beyond localhost: a client without the token gets 401 and no program
runs; with the token a real MCP client runs one; bodies over the limit are refused."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from codeloop.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def serving(home: Path, *argv: str) -> AsyncIterator[tuple[str, str | None]]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "CODELOOP_HOME": str(home)}
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "codeloop", "serve", "--http", "--port", "0", *argv],
        env=env,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stderr is not None
        line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        found = re.search(r"MCP endpoint http://[^:]+:(\d+)/mcp(?:.*Bearer (\S+)\))?", line)
        assert found, line
        yield f"http://127.0.0.1:{found.group(1)}/mcp", found.group(2)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


def runs(home: Path) -> int:
    store = Store(home / "codeloop.db")
    try:
        return len(store.runs.list_runs())
    finally:
        store.close()


async def test_no_program_runs_without_the_token(tmp_path: Path) -> None:
    home = tmp_path / "home"
    async with serving(home, "--host", "0.0.0.0") as (url, token):
        assert token is not None
        async with httpx.AsyncClient() as client:
            denied = await client.post(url, json=INITIALIZE, headers=HEADERS)
            assert denied.status_code == 401
            call = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "run_program", "arguments": {"source": "finish(1)"}},
            }
            forged = await client.post(
                url, json=call, headers={**HEADERS, "Authorization": "Bearer not-the-token-at-all"}
            )
            assert forged.status_code == 401
            huge = await client.post(
                url,
                content=b"x" * (5 * 1024 * 1024),
                headers={**HEADERS, "Authorization": f"Bearer {token}"},
            )
            assert huge.status_code == 413
        assert runs(home) == 0

        http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with (
            http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool(
                "run_program", {"source": "finish(context * 2)", "context": "21"}
            )
            assert result.is_error is False
            assert result.structured_content["value"] == 42
    assert runs(home) == 1


async def test_loopback_needs_no_token_but_a_loopback_host_name(tmp_path: Path) -> None:
    async with serving(tmp_path / "home") as (url, token):
        assert token is None
        async with httpx.AsyncClient() as client:
            rebound = await client.post(
                url, json=INITIALIZE, headers={**HEADERS, "Host": "attacker.example"}
            )
            assert rebound.status_code == 421
            ok = await client.post(url, json=INITIALIZE, headers=HEADERS)
            assert ok.status_code == 200
