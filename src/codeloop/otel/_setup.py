"""Exporting spans and metrics with the OpenTelemetry SDK, configured by the standard ``OTEL_*``
variables. codeloop exports nothing unless an OTLP endpoint or an exporter is named, so a plain
CLI call never tries to reach a collector that is not there.

Read here: ``OTEL_SDK_DISABLED``, ``OTEL_TRACES_EXPORTER``, ``OTEL_METRICS_EXPORTER`` (``otlp``,
``console`` or ``none``), ``OTEL_EXPORTER_OTLP[_TRACES|_METRICS]_ENDPOINT`` and ``..._PROTOCOL``
(``http/protobuf``, the default, or ``grpc``). The exporters themselves read the rest (headers,
timeout, compression, certificates, ``OTEL_METRIC_EXPORT_INTERVAL``), and the resource reads
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from codeloop import __version__
from codeloop.errors import ConfigError, MissingDependency

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["ExportPlan", "OtelSession", "configure_otel", "export_plan", "exporting"]

ExporterKind = Literal["otlp", "console", "none"]
OtlpProtocol = Literal["http/protobuf", "grpc"]
_KINDS: tuple[ExporterKind, ...] = ("otlp", "console", "none")
_PROTOCOLS: tuple[OtlpProtocol, ...] = ("http/protobuf", "grpc")
_INSTALL = "pip install 'codeloop[otel]'"
_T = TypeVar("_T", bound=str)


@dataclass(frozen=True)
class ExportPlan:
    traces: ExporterKind
    metrics: ExporterKind
    traces_protocol: OtlpProtocol
    metrics_protocol: OtlpProtocol

    @property
    def active(self) -> bool:
        return self.traces != "none" or self.metrics != "none"


def export_plan(environ: Mapping[str, str]) -> ExportPlan:
    """What to export, decided from ``OTEL_*`` variables; a bad value raises ``ConfigError``."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ExportPlan("none", "none", "http/protobuf", "http/protobuf")
    kinds: dict[str, ExporterKind] = {}
    protocols: dict[str, OtlpProtocol] = {}
    for signal in ("TRACES", "METRICS"):
        endpoint = environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        kinds[signal] = _choice(
            f"OTEL_{signal}_EXPORTER",
            environ.get(f"OTEL_{signal}_EXPORTER") or ("otlp" if endpoint else "none"),
            _KINDS,
        )
        name = f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"
        if not environ.get(name):
            name = "OTEL_EXPORTER_OTLP_PROTOCOL"
        protocols[signal] = _choice(name, environ.get(name) or "http/protobuf", _PROTOCOLS)
    return ExportPlan(kinds["TRACES"], kinds["METRICS"], protocols["TRACES"], protocols["METRICS"])


def _choice(name: str, value: str, allowed: tuple[_T, ...]) -> _T:
    cleaned = value.strip().lower()
    for option in allowed:
        if cleaned == option:
            return option
    raise ConfigError(f"{name}={value!r} is not supported: use one of {', '.join(allowed)}")


class OtelSession:
    """The providers installed globally; ``shutdown()`` flushes what is still buffered."""

    def __init__(self, plan: ExportPlan, tracer: TracerProvider, meter: MeterProvider) -> None:
        self.plan = plan
        self.tracer_provider = tracer
        self.meter_provider = meter

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def configure_otel(environ: Mapping[str, str] | None = None) -> OtelSession | None:
    """Install SDK providers with the exporters the environment asks for; None when it asks for
    none. Call once per process, at an edge."""
    plan = export_plan(os.environ if environ is None else environ)
    if not plan.active:
        return None
    try:
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from codeloop.otel._metrics import SpanMetrics
    except ImportError as exc:
        raise MissingDependency("the OpenTelemetry SDK", _INSTALL) from exc
    resource = _resource()
    readers = (
        [PeriodicExportingMetricReader(_metric_exporter(plan.metrics, plan.metrics_protocol))]
        if plan.metrics != "none"
        else []
    )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SpanMetrics(meter_provider.get_meter("codeloop")))
    if plan.traces != "none":
        exporter = _span_exporter(plan.traces, plan.traces_protocol)
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    return OtelSession(plan, tracer_provider, meter_provider)


@contextmanager
def exporting(environ: Mapping[str, str] | None = None) -> Iterator[OtelSession | None]:
    """``configure_otel`` for the length of a block, flushing at its end."""
    session = configure_otel(environ)
    try:
        yield session
    finally:
        if session is not None:
            session.shutdown()


def _resource() -> Resource:
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource

    resource = Resource.create({SERVICE_VERSION: __version__})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "codeloop"}))
    return resource


def _span_exporter(kind: ExporterKind, protocol: OtlpProtocol) -> SpanExporter:
    try:
        if kind == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            return ConsoleSpanExporter()
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter as GrpcSpanExporter,
            )

            return GrpcSpanExporter()
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    except ImportError as exc:
        raise MissingDependency(f"the OTLP {protocol} span exporter", _INSTALL) from exc


def _metric_exporter(kind: ExporterKind, protocol: OtlpProtocol) -> MetricExporter:
    try:
        if kind == "console":
            from opentelemetry.sdk.metrics.export import ConsoleMetricExporter

            return ConsoleMetricExporter()
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
                OTLPMetricExporter as GrpcMetricExporter,
            )

            return GrpcMetricExporter()
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter()
    except ImportError as exc:
        raise MissingDependency(f"the OTLP {protocol} metric exporter", _INSTALL) from exc
