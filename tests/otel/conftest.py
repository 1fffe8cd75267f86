"""Real OTLP receivers on loopback: an HTTP one (protobuf bodies on /v1/traces and /v1/metrics)
and a gRPC one (the collector's TraceService and MetricsService)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as msvc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc as msvc_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as tsvc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as tsvc_grpc


class Received:
    def __init__(self) -> None:
        self.traces: list[tsvc.ExportTraceServiceRequest] = []
        self.metrics: list[msvc.ExportMetricsServiceRequest] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()


class HttpReceiver(Received):
    def __init__(self) -> None:
        super().__init__()
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with received.lock:
                    received.paths.append(self.path)
                    if self.path == "/v1/traces":
                        received.traces.append(tsvc.ExportTraceServiceRequest.FromString(body))
                        reply = tsvc.ExportTraceServiceResponse().SerializeToString()
                    elif self.path == "/v1/metrics":
                        received.metrics.append(msvc.ExportMetricsServiceRequest.FromString(body))
                        reply = msvc.ExportMetricsServiceResponse().SerializeToString()
                    else:
                        self.send_error(404)
                        return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"


class GrpcReceiver(Received):
    def __init__(self) -> None:
        super().__init__()
        received = self

        class Traces(tsvc_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with received.lock:
                    received.paths.append("TraceService/Export")
                    received.traces.append(request)
                return tsvc.ExportTraceServiceResponse()

        class Metrics(msvc_grpc.MetricsServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                with received.lock:
                    received.paths.append("MetricsService/Export")
                    received.metrics.append(request)
                return msvc.ExportMetricsServiceResponse()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        tsvc_grpc.add_TraceServiceServicer_to_server(Traces(), self.server)
        msvc_grpc.add_MetricsServiceServicer_to_server(Metrics(), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{port}"


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def grpc_receiver() -> Iterator[GrpcReceiver]:
    receiver = GrpcReceiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop(grace=None).wait(5)
