from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from codeloop.errors import ConfigError
from codeloop.otel import ExportPlan, configure_otel, export_plan
from codeloop.otel import conventions as cv
from codeloop.otel._metrics import SpanMetrics


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ExportPlan("none", "none", "http/protobuf", "http/protobuf")),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
            ExportPlan("otlp", "otlp", "http/protobuf", "http/protobuf"),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "GRPC",
            },
            ExportPlan("otlp", "none", "grpc", "grpc"),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
                "OTEL_METRICS_EXPORTER": "console",
            },
            ExportPlan("otlp", "console", "grpc", "http/protobuf"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"},
            ExportPlan("none", "otlp", "http/protobuf", "http/protobuf"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"},
            ExportPlan("none", "none", "http/protobuf", "http/protobuf"),
        ),
    ],
)
def test_export_plan(environ: dict[str, str], expected: ExportPlan) -> None:
    assert export_plan(environ) == expected


def test_nothing_configured_installs_nothing() -> None:
    assert configure_otel({}) is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported:"
            " use one of http/protobuf, grpc",
        ),
        (
            {"OTEL_TRACES_EXPORTER": "zipkin"},
            "OTEL_TRACES_EXPORTER='zipkin' is not supported: use one of otlp, console, none",
        ),
    ],
)
def test_bad_settings_name_the_fix(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        export_plan(environ)
    assert str(caught.value) == message


def test_span_metrics_ignore_spans_without_known_attributes() -> None:
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SpanMetrics(meter_provider.get_meter("t")))
    tracer = tracer_provider.get_tracer("t")
    with tracer.start_as_current_span("plain"):
        pass
    with tracer.start_as_current_span("zero", attributes={cv.TESTS_PASSED: 0, cv.COST_USD: 0.0}):
        pass
    with tracer.start_as_current_span(
        "chat m", attributes=cv.request_attributes("m", temperature=0.2, max_tokens=8)
    ):
        pass
    data = reader.get_metrics_data()
    assert data is not None
    names = [m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    assert names == ["gen_ai.client.operation.duration"]
    meter_provider.shutdown()
    tracer_provider.shutdown()


@pytest.mark.parametrize(
    ("name", "span_name", "provider", "model"),
    [
        ("openai:gpt-4.1", "chat gpt-4.1", "openai", "gpt-4.1"),
        (
            "openai:http://localhost:8000/v1#m",
            "chat http://localhost:8000/v1#m",
            "openai",
            "http://localhost:8000/v1#m",
        ),
        ("bare", "chat bare", "bare", "bare"),
    ],
)
def test_model_names_split_into_provider_and_model(
    name: str, span_name: str, provider: str, model: str
) -> None:
    assert cv.chat_span_name(name) == span_name
    attributes = cv.request_attributes(name, temperature=0.0, max_tokens=1, seed=7)
    assert attributes[cv.GEN_AI_PROVIDER] == provider
    assert attributes[cv.GEN_AI_REQUEST_MODEL] == model
    assert attributes[cv.GEN_AI_REQUEST_SEED] == 7
    assert cv.GEN_AI_REQUEST_STOP not in attributes
