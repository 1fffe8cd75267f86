"""OpenTelemetry export: SDK set-up from the standard ``OTEL_*`` variables (OTLP over HTTP or
gRPC), GenAI semantic-convention attributes for model calls, and metrics derived from spans.

Library code keeps using :func:`codeloop.telemetry.span`; only the edges call :func:`exporting`.
"""

from __future__ import annotations

from codeloop.otel import conventions
from codeloop.otel._setup import ExportPlan, OtelSession, configure_otel, export_plan, exporting

__all__ = ["ExportPlan", "OtelSession", "configure_otel", "conventions", "export_plan", "exporting"]
