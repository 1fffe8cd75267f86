"""A child process exports to a real OTLP receiver on loopback, over HTTP and over gRPC, configured
only by ``OTEL_*`` variables; the receiver decodes the protobuf and the test checks what arrived."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tests.otel.conftest import GrpcReceiver, HttpReceiver, Received

ROOT = Path(__file__).resolve().parents[2]


def value(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def attrs(pairs: Any) -> dict[str, Any]:
    return {kv.key: value(kv.value) for kv in pairs if isinstance(kv, KeyValue)}


def spans(received: Received) -> list[dict[str, Any]]:
    found = []
    for request in received.traces:
        for resource_spans in request.resource_spans:
            resource = attrs(resource_spans.resource.attributes)
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    found.append(
                        {
                            "name": span.name,
                            "attributes": attrs(span.attributes),
                            "status": span.status.code,
                            "parent": span.parent_span_id,
                            "id": span.span_id,
                            "scope": scope.scope.name,
                            "resource": resource,
                        }
                    )
    return found


def metric_points(received: Received) -> dict[str, list[tuple[dict[str, Any], float, int]]]:
    """metric name → [(attributes, sum, count)], from the last export of each metric."""
    found: dict[str, list[tuple[dict[str, Any], float, int]]] = {}
    for request in received.metrics:
        for resource_metrics in request.resource_metrics:
            for scope in resource_metrics.scope_metrics:
                for metric in scope.metrics:
                    kind = metric.WhichOneof("data")
                    points = []
                    for p in getattr(metric, kind).data_points:
                        if kind == "histogram":
                            points.append((attrs(p.attributes), p.sum, p.count))
                        else:
                            total = (
                                p.as_double if p.WhichOneof("value") == "as_double" else p.as_int
                            )
                            points.append((attrs(p.attributes), total, 1))
                    found[metric.name] = sorted(points, key=lambda t: sorted(t[0].items()))
    return found


def emit(endpoint: str, protocol: str, **extra: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
            "OTEL_SERVICE_NAME": "codeloop-test",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            **extra,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.otel.emit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def check(received: Received) -> None:
    found = spans(received)
    assert [s["name"] for s in found] == [
        "chat echo",
        "chat echo",
        "sandbox.run",
        "lint python",
        "tests python",
        "codeloop.run gen",
    ]
    root = found[-1]
    assert all(s["parent"] == root["id"] for s in found[:-1])
    assert root["resource"]["service.name"] == "codeloop-test"
    assert root["resource"]["service.version"] == "0.1.0"
    assert root["resource"]["deployment.environment"] == "ci"
    assert root["scope"] == "codeloop"
    chat, failed = found[0], found[1]
    assert chat["attributes"] == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "scripted",
        "gen_ai.request.model": "echo",
        "gen_ai.request.temperature": 0.0,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.stop_sequences": ["```"],
        "gen_ai.response.model": "echo",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.response.finish_reasons": ["stop"],
        "codeloop.cost_usd": 0.25,
    }
    assert chat["status"] == 0  # unset
    assert failed["status"] == 2  # error

    metrics = metric_points(received)
    model = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "scripted",
        "gen_ai.request.model": "echo",
    }
    duration = metrics["gen_ai.client.operation.duration"]
    assert len(duration) == 2
    assert (model, 1) in [(a, n) for a, _, n in duration]
    assert ({**model, "error.type": "codeloop.errors.ModelTimeout"}, 1) in [
        (a, n) for a, _, n in duration
    ]
    assert metrics["gen_ai.client.token.usage"] == [
        ({**model, "gen_ai.token.type": "input"}, 12.0, 1),
        ({**model, "gen_ai.token.type": "output"}, 5.0, 1),
    ]
    assert metrics["codeloop.model.cost"] == [(model, 0.25, 1)]
    assert metrics["codeloop.sandbox.runs"] == [({"outcome": "limit"}, 1, 1)]
    assert [n for _, _, n in metrics["codeloop.sandbox.duration"]] == [1]
    assert metrics["codeloop.lint.checks"] == [({"clean": True}, 1, 1)]
    assert metrics["codeloop.tests"] == [
        ({"outcome": "failed"}, 1, 1),
        ({"outcome": "passed"}, 3, 1),
    ]


def test_export_over_http(http_receiver: HttpReceiver) -> None:
    emit(http_receiver.endpoint, "http/protobuf")
    assert sorted(set(http_receiver.paths)) == ["/v1/metrics", "/v1/traces"]
    check(http_receiver)


def test_export_over_grpc(grpc_receiver: GrpcReceiver) -> None:
    emit(grpc_receiver.endpoint, "grpc")
    assert sorted(set(grpc_receiver.paths)) == ["MetricsService/Export", "TraceService/Export"]
    check(grpc_receiver)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_unreachable_collector_does_not_fail_the_command(protocol: str) -> None:
    started = time.monotonic()
    emit("http://127.0.0.1:9", protocol, OTEL_EXPORTER_OTLP_TIMEOUT="1")
    assert time.monotonic() - started < 12  # bounded by the exporter timeout, not hung


def test_the_model_wrapper_exports_its_calls(http_receiver: HttpReceiver) -> None:
    emit(http_receiver.endpoint, "http/protobuf", CODELOOP_EMIT="wrapper")
    chat = [s for s in spans(http_receiver) if s["name"].startswith("chat ")]
    assert len(chat) == 1
    attributes = chat[0]["attributes"]
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "scripted"
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    output_tokens = attributes["gen_ai.usage.output_tokens"]
    assert output_tokens > 0
    tokens = metric_points(http_receiver)["gen_ai.client.token.usage"]
    assert sorted(a["gen_ai.token.type"] for a, _, _ in tokens) == ["input", "output"]
    assert next(t for a, t, _ in tokens if a["gen_ai.token.type"] == "output") == output_tokens
