"""Structured logging (loguru) and OpenTelemetry spans.

The OpenTelemetry API is always used; without an SDK configured its spans cost next to nothing. The
edges call :func:`configure_logging` once; library code only logs and opens spans.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from loguru import logger
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

__all__ = ["configure_logging", "logger", "span"]

AttributeValue = str | int | float | bool

_TRACER_NAME = "codeloop"


class _ToLoguru(logging.Handler):
    """Sends the standard library's records (the MCP SDK, uvicorn) to loguru's sink.

    Without it the MCP SDK installs a rich handler on the root logger at INFO: a server then
    spent ~85 ms of CPU rendering each logged traceback, most of its time under 200 clients.
    """

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelname if record.levelname in _STD_LEVELS else record.levelno
        logger.opt(exception=record.exc_info).log(level, "{}: {}", record.name, record.getMessage())


_STD_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})


def configure_logging(level: str = "WARNING", *, json: bool = False) -> None:
    """Send logs, codeloop's and the libraries', to stderr as text or one JSON object per line."""
    logger.remove()
    logger.add(sys.stderr, level=level.upper(), serialize=json, backtrace=False, diagnose=False)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _ToLoguru)] + [_ToLoguru()]
    root.setLevel(level.upper())


@contextmanager
def span(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Iterator[Span]:
    """Open a span; an exception marks it as an error and propagates."""
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(name, record_exception=True) as current:
        if attributes:
            current.set_attributes(dict(attributes))
        try:
            yield current
        except BaseException as exc:
            current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
