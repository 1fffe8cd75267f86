"""codeloop as an MCP server (the official ``mcp`` SDK), over stdio or streamable HTTP."""

from codeloop.server.app import ServerServices, build_server

__all__ = ["ServerServices", "build_server"]
