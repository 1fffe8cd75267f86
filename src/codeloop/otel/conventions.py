"""Attribute names on codeloop's spans: the OpenTelemetry GenAI semantic conventions for model
calls, and codeloop's own names for sandbox runs and checks. Metrics are derived from these
attributes (see :class:`codeloop.otel.SpanMetrics`), so a span that carries them is counted
without any other call."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "COST_USD",
    "GEN_AI_OPERATION",
    "GEN_AI_PROVIDER",
    "GEN_AI_REQUEST_MAX_TOKENS",
    "GEN_AI_REQUEST_MODEL",
    "GEN_AI_REQUEST_SEED",
    "GEN_AI_REQUEST_STOP",
    "GEN_AI_REQUEST_TEMPERATURE",
    "GEN_AI_RESPONSE_FINISH_REASONS",
    "GEN_AI_RESPONSE_MODEL",
    "GEN_AI_USAGE_INPUT_TOKENS",
    "GEN_AI_USAGE_OUTPUT_TOKENS",
    "LINT_CLEAN",
    "SANDBOX_OUTCOME",
    "SANDBOX_OUTCOMES",
    "TESTS_FAILED",
    "TESTS_PASSED",
    "chat_span_name",
    "request_attributes",
    "response_attributes",
]

GEN_AI_OPERATION = "gen_ai.operation.name"
GEN_AI_PROVIDER = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature"
GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_STOP = "gen_ai.request.stop_sequences"
GEN_AI_REQUEST_SEED = "gen_ai.request.seed"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"

COST_USD = "codeloop.cost_usd"
# One of SANDBOX_OUTCOMES, on the span of every sandboxed program run.
SANDBOX_OUTCOME = "codeloop.sandbox.outcome"
SANDBOX_OUTCOMES = ("ok", "error", "policy", "limit", "timeout")
# A bool on the span of every lint check.
LINT_CLEAN = "codeloop.lint.clean"
# Counts on the span of every test run.
TESTS_PASSED = "codeloop.tests.passed"
TESTS_FAILED = "codeloop.tests.failed"

Attributes = dict[str, str | int | float | bool | Sequence[str]]


def chat_span_name(model_name: str) -> str:
    """``chat {model}``, the span name the GenAI conventions give a chat completion."""
    return f"chat {split_model(model_name)[1]}"


def split_model(model_name: str) -> tuple[str, str]:
    """``backend:name`` → (provider, model); a name without a backend is its own provider."""
    provider, _, model = model_name.partition(":")
    return (provider, model) if model else (model_name, model_name)


def request_attributes(
    model_name: str,
    *,
    temperature: float,
    max_tokens: int,
    stop: Sequence[str] = (),
    seed: int | None = None,
) -> Attributes:
    """The request side of a ``chat`` span."""
    provider, model = split_model(model_name)
    attributes: Attributes = {
        GEN_AI_OPERATION: "chat",
        GEN_AI_PROVIDER: provider,
        GEN_AI_REQUEST_MODEL: model,
        GEN_AI_REQUEST_TEMPERATURE: temperature,
        GEN_AI_REQUEST_MAX_TOKENS: max_tokens,
    }
    if stop:
        attributes[GEN_AI_REQUEST_STOP] = list(stop)
    if seed is not None:
        attributes[GEN_AI_REQUEST_SEED] = seed
    return attributes


def response_attributes(
    *,
    model: str,
    input_tokens: int,
    output_tokens: int,
    finish_reason: str,
    cost_usd: float,
) -> Attributes:
    """The response side of a ``chat`` span, codeloop's cost included."""
    return {
        GEN_AI_RESPONSE_MODEL: model,
        GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
        GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
        GEN_AI_RESPONSE_FINISH_REASONS: [finish_reason],
        COST_USD: cost_usd,
    }
