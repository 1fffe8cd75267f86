"""Run in a child process by the export tests: configure export from the environment, open the
spans codeloop opens, and flush on exit."""

from __future__ import annotations

import asyncio
import os

from codeloop.errors import ModelTimeout
from codeloop.otel import conventions as cv
from codeloop.otel import exporting
from codeloop.telemetry import span


def wrapper() -> None:
    """One call through the real model wrapper, as every capability makes it."""
    from codeloop.models import ModelRequest
    from codeloop.models.backends.scripted import ScriptedModel
    from codeloop.models.wrapper import ManagedModel

    model = ManagedModel("scripted:echo", ScriptedModel(["def add(a, b):\n    return a + b"]))
    with exporting() as session:
        assert session is not None
        asyncio.run(model.complete(ModelRequest.of("write add")))


def spans() -> None:
    with exporting() as session:
        assert session is not None
        model = "scripted:echo"
        with span("codeloop.run gen", {"codeloop.run.kind": "gen"}):
            attributes = cv.request_attributes(model, temperature=0.0, max_tokens=64, stop=["```"])
            with span(cv.chat_span_name(model), attributes) as current:
                current.set_attributes(
                    cv.response_attributes(
                        model="echo",
                        input_tokens=12,
                        output_tokens=5,
                        finish_reason="stop",
                        cost_usd=0.25,
                    )
                )
            try:
                with span(cv.chat_span_name(model), attributes):
                    raise ModelTimeout("no answer in 1s")
            except ModelTimeout:
                pass
            with span("sandbox.run", {cv.SANDBOX_OUTCOME: "limit"}):
                pass
            with span("lint python", {cv.LINT_CLEAN: True}):
                pass
            with span("tests python", {cv.TESTS_PASSED: 3, cv.TESTS_FAILED: 1}):
                pass


if __name__ == "__main__":
    wrapper() if os.environ.get("CODELOOP_EMIT") == "wrapper" else spans()
