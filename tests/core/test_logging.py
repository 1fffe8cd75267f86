"""Library logs (the MCP SDK, uvicorn) go through codeloop's one loguru sink, plainly."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from mcp.server.mcpserver import MCPServer

from codeloop.telemetry import configure_logging, logger


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers, root.level = handlers, level
    configure_logging()


def test_library_records_reach_the_loguru_sink_not_a_rich_handler(
    root_logging: logging.Logger,
) -> None:
    root_logging.handlers = []  # as in a fresh process (pytest adds its capture handlers)
    configure_logging("WARNING")
    configure_logging("WARNING")  # once per CLI invocation: no second handler
    (handler,) = root_logging.handlers
    MCPServer(name="t")  # the SDK's logging set-up would install a rich handler at INFO
    assert root_logging.handlers == [handler]
    assert root_logging.level == logging.WARNING

    lines: list[str] = []
    sink = logger.add(lines.append, format="{level} {message}")
    try:
        logging.getLogger("mcp.server.streamable_http").info("Created new transport")
        try:
            raise RuntimeError("closed")
        except RuntimeError:
            logging.getLogger("mcp.server.streamable_http").exception("Error handling POST")
    finally:
        logger.remove(sink)
    assert len(lines) == 1
    assert lines[0].startswith("ERROR mcp.server.streamable_http: Error handling POST\n")
    assert "RuntimeError: closed" in lines[0]
