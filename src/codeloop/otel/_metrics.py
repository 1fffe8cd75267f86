"""Metrics derived from finished spans: one place that turns span attributes into histograms and
counters, so model calls, sandbox runs and checks are measured without extra calls at each site."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.context import Context
from opentelemetry.metrics import Meter
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from codeloop.otel import conventions as cv

__all__ = ["SpanMetrics"]

_NS = 1e-9
# Bucket boundaries from the GenAI conventions' advice.
_DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)


class SpanMetrics(SpanProcessor):
    """Records, for every ended span:

    - model calls (spans with ``gen_ai.operation.name``): ``gen_ai.client.operation.duration``,
      ``gen_ai.client.token.usage`` (by ``gen_ai.token.type``), ``codeloop.model.cost``;
    - sandbox runs (``codeloop.sandbox.outcome``): ``codeloop.sandbox.runs`` by outcome and
      ``codeloop.sandbox.duration``;
    - lint checks (``codeloop.lint.clean``): ``codeloop.lint.checks`` by ``clean``;
    - test runs (``codeloop.tests.passed``/``failed``): ``codeloop.tests`` by ``outcome``.
    """

    def __init__(self, meter: Meter) -> None:
        self._duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="Duration of model calls",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Tokens used per model call",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self._cost = meter.create_counter(
            "codeloop.model.cost", unit="USD", description="Money spent on model calls"
        )
        self._sandbox_runs = meter.create_counter(
            "codeloop.sandbox.runs", unit="{run}", description="Sandboxed program runs by outcome"
        )
        self._sandbox_duration = meter.create_histogram(
            "codeloop.sandbox.duration",
            unit="s",
            description="Duration of sandboxed program runs",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._lint = meter.create_counter(
            "codeloop.lint.checks", unit="{check}", description="Lint checks, clean or not"
        )
        self._tests = meter.create_counter(
            "codeloop.tests", unit="{test}", description="Tests run on generated code by outcome"
        )

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return

    def on_end(self, span: ReadableSpan) -> None:
        attributes = dict(span.attributes or {})
        seconds = (
            (span.end_time - span.start_time) * _NS
            if span.end_time is not None and span.start_time is not None
            else 0.0
        )
        if cv.GEN_AI_OPERATION in attributes:
            self._model_call(attributes, seconds, _error_type(span))
        outcome = attributes.get(cv.SANDBOX_OUTCOME)
        if isinstance(outcome, str):
            self._sandbox_runs.add(1, {"outcome": outcome})
            self._sandbox_duration.record(seconds, {"outcome": outcome})
        clean = attributes.get(cv.LINT_CLEAN)
        if isinstance(clean, bool):
            self._lint.add(1, {"clean": clean})
        for key, label in ((cv.TESTS_PASSED, "passed"), (cv.TESTS_FAILED, "failed")):
            count = attributes.get(key)
            if isinstance(count, int) and count > 0:
                self._tests.add(count, {"outcome": label})

    def _model_call(
        self, attributes: Mapping[str, object], seconds: float, error_type: str | None
    ) -> None:
        common: dict[str, str] = {
            key: value
            for key in (cv.GEN_AI_OPERATION, cv.GEN_AI_PROVIDER, cv.GEN_AI_REQUEST_MODEL)
            if isinstance(value := attributes.get(key), str)
        }
        timed = {**common, "error.type": error_type} if error_type else common
        self._duration.record(seconds, timed)
        for key, kind in (
            (cv.GEN_AI_USAGE_INPUT_TOKENS, "input"),
            (cv.GEN_AI_USAGE_OUTPUT_TOKENS, "output"),
        ):
            value = attributes.get(key)
            if isinstance(value, int):
                self._tokens.record(value, {**common, "gen_ai.token.type": kind})
        cost = attributes.get(cv.COST_USD)
        if isinstance(cost, int | float) and cost > 0:
            self._cost.add(float(cost), common)

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _error_type(span: ReadableSpan) -> str | None:
    """The recorded exception's class name (low cardinality, as ``error.type`` wants), or
    ``_OTHER`` for a span marked failed without one; None for a span that did not fail."""
    if span.status.status_code is not StatusCode.ERROR:
        return None
    for event in span.events:
        name = (event.attributes or {}).get("exception.type")
        if event.name == "exception" and isinstance(name, str):
            return name
    return "_OTHER"
