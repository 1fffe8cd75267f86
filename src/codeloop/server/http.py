"""The MCP server over streamable HTTP, behind the same guard as the dashboard: no tool runs, and
so no program, for a client without the token; request sizes and per-client rates are limited."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from mcp.server.mcpserver import MCPServer

from codeloop.config import ServeSettings
from codeloop.errors import UserInputError
from codeloop.web import Guard, bind, guard_policy, url_for

__all__ = ["serve_http"]


async def serve_http(
    server: MCPServer,
    *,
    host: str,
    port: int,
    settings: ServeSettings,
    announce: Callable[[str], None],
) -> None:
    """Serve until cancelled; ``announce`` gets the endpoint (and a made-up token, if any)."""
    policy = guard_policy(settings, host)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise UserInputError(
            f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port or --host"
        ) from exc
    app = server.streamable_http_app(host=host, max_request_body_size=settings.max_body_bytes)
    endpoint = url_for(host, sock.getsockname()[1], "/mcp")
    if policy.token and not settings.token:
        announce(
            f"MCP endpoint {endpoint}  (send the header: Authorization: Bearer {policy.token})"
        )
    else:
        announce(f"MCP endpoint {endpoint}")
    config = uvicorn.Config(
        Guard(app, policy),
        log_level="warning",
        access_log=False,
        server_header=False,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
    )
    try:
        await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        sock.close()
