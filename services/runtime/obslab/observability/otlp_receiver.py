"""A tiny, real OTLP/HTTP trace receiver: what Jaeger does for the lab where no Jaeger binary exists.

POST /v1/traces accepts `application/x-protobuf` (decoded with opentelemetry-proto) or
`application/json` (OTLP/JSON), gzip or not, and answers an ExportTraceServiceResponse, as the spec
asks. Spans are kept in memory (bounded) and served back:
  GET    /api/traces              -> [{"trace_id", "spans", "services", "root"}]  (newest last)
  GET    /api/traces/<trace_id>   -> {"trace_id", "spans": [...]}                 (404 if unknown)
  DELETE /api/traces              -> forget everything
  GET    /healthz                 -> ok
/v1/metrics and /v1/logs are accepted and dropped so an exporter pointed here never logs errors.

Run: python -m obslab.observability.otlp_receiver --port 4318   (or use OTLPReceiver in tests)
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

MAX_TRACES = 5000
_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, kind)


def flatten(req: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """One plain dict per span, with its resource's service.name."""
    spans = []
    for rs in req.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in rs.resource.attributes}
        for ss in rs.scope_spans:
            for s in ss.spans:
                spans.append({
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": s.parent_span_id.hex() or None,
                    "name": s.name,
                    "kind": _KINDS.get(s.kind, str(s.kind)),
                    "service": resource.get("service.name"),
                    "scope": ss.scope.name,
                    "start_unix_nano": s.start_time_unix_nano,
                    "end_unix_nano": s.end_time_unix_nano,
                    "duration_ms": (s.end_time_unix_nano - s.start_time_unix_nano) / 1e6,
                    "status_code": s.status.code,
                    "attributes": {kv.key: _value(kv.value) for kv in s.attributes},
                })
    return spans


class TraceStore:
    def __init__(self, max_traces: int = MAX_TRACES) -> None:
        self._traces: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_traces = max_traces

    def add(self, spans: list[dict[str, Any]]) -> None:
        with self._lock:
            for s in spans:
                self._traces.setdefault(s["trace_id"], []).append(s)
                self._traces.move_to_end(s["trace_id"])
            while len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)

    def trace(self, trace_id: str) -> list[dict[str, Any]] | None:
        with self._lock:
            spans = self._traces.get(trace_id.lower())
            return list(spans) if spans is not None else None

    def summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            out = []
            for tid, spans in self._traces.items():
                ids = {s["span_id"] for s in spans}
                roots = [s["name"] for s in spans if not s["parent_span_id"] or s["parent_span_id"] not in ids]
                out.append({"trace_id": tid, "spans": len(spans),
                            "services": sorted({s["service"] or "" for s in spans}),
                            "root": roots[0] if roots else None})
            return out

    def clear(self) -> None:
        with self._lock:
            self._traces.clear()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: one line per request is noise
        pass

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj: Any) -> None:
        self._send(code, json.dumps(obj).encode(), "application/json")

    def do_GET(self) -> None:
        if self.path == "/healthz":
            return self._send(200, b"ok\n", "text/plain")
        if self.path.rstrip("/") == "/api/traces":
            return self._json(200, self.server.store.summaries())
        if self.path.startswith("/api/traces/"):
            tid = self.path.rsplit("/", 1)[1]
            spans = self.server.store.trace(tid)
            if spans is None:
                return self._json(404, {"error": f"no trace {tid}"})
            return self._json(200, {"trace_id": tid, "spans": spans})
        self._json(404, {"error": f"no route {self.path}; see GET /api/traces, POST /v1/traces"})

    def do_DELETE(self) -> None:
        if self.path.rstrip("/") == "/api/traces":
            self.server.store.clear()
            return self._json(200, {"cleared": True})
        self._json(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except OSError:
                return self._json(400, {"error": "Content-Encoding gzip but body is not gzip"})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        responses = {"/v1/traces": ExportTraceServiceResponse, "/v1/metrics": ExportMetricsServiceResponse,
                     "/v1/logs": ExportLogsServiceResponse}
        if self.path not in responses:
            return self._json(404, {"error": f"no route {self.path}"})
        if self.path == "/v1/traces":
            req = ExportTraceServiceRequest()
            try:
                if ctype == "application/json":
                    json_format.Parse(body.decode(), req, ignore_unknown_fields=True)
                elif ctype == "application/x-protobuf":
                    req.ParseFromString(body)
                else:
                    return self._json(415, {"error": "Content-Type must be application/x-protobuf or application/json"})
            except (DecodeError, json_format.ParseError, UnicodeDecodeError) as exc:
                return self._json(400, {"error": f"not an ExportTraceServiceRequest: {exc}"})
            self.server.store.add(flatten(req))
        resp = responses[self.path]()
        if ctype == "application/json":
            return self._send(200, json_format.MessageToJson(resp).encode(), "application/json")
        self._send(200, resp.SerializeToString(), "application/x-protobuf")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    store: TraceStore


class OTLPReceiver:
    """In-process receiver for tests: `with OTLPReceiver() as r: ... r.endpoint, r.store`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.store = TraceStore()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> TraceStore:
        return self._server.store

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OTLPReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OTLPReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4318)
    a = p.parse_args()
    srv = _Server((a.host, a.port), _Handler)
    srv.store = TraceStore()
    print(f"OTLP/HTTP receiver on http://{a.host}:{a.port} (POST /v1/traces, GET /api/traces)", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
