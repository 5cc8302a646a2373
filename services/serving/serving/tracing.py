"""OpenTelemetry: one TracerProvider per process, configured only by the standard OTEL_* variables.

- OTEL_SDK_DISABLED=true -> nothing is set up (no provider, no instrumentation).
- OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT unset -> spans are made (ids for
  logs and exemplars) but not exported.
- OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default) or grpc.
- Sampler from OTEL_TRACES_SAMPLER(_ARG); the SDK default is parentbased_always_on. The lab runs
  parentbased_traceidratio with 0.1: an incoming sampled `traceparent` is always honoured.
- OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES name the service.
FastAPI server spans exclude the ASGI receive/send sub-spans (they halve throughput); /metrics,
/health and /ready are not traced. MLflow's HTTP calls (requests) and S3 calls (botocore) become
child spans of whatever span is current (model.load, embeddings.flush).
"""

from __future__ import annotations

import logging
import os
import threading

from opentelemetry import trace

log = logging.getLogger("serving.tracing")
_lock = threading.Lock()
_provider = None
EXCLUDED_URLS = "/metrics,/health,/ready"


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def setup_tracing(default_service_name: str):
    """Create and register the process' TracerProvider once; return it (None when disabled)."""
    global _provider
    if _truthy("OTEL_SDK_DISABLED"):
        return None
    with _lock:
        if _provider is not None:
            return _provider
        from opentelemetry.sdk.resources import OTEL_SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        attrs = {} if os.environ.get(OTEL_SERVICE_NAME) else {"service.name": default_service_name}
        provider = TracerProvider(resource=Resource.create(attrs))  # sampler from OTEL_TRACES_SAMPLER
        endpoint = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                    or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        if endpoint:
            protocol = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
            if protocol == "grpc":
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
            else:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            log.info("OTLP trace export to %s (%s), sampler %s", endpoint, protocol, provider.sampler)
        else:
            log.info("no OTEL_EXPORTER_OTLP_ENDPOINT: spans are not exported")
        trace.set_tracer_provider(provider)
        _instrument_clients(provider)
        _provider = provider
        return provider


def _instrument_clients(provider) -> None:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    if not RequestsInstrumentor().is_instrumented_by_opentelemetry:
        RequestsInstrumentor().instrument(tracer_provider=provider)
    if not BotocoreInstrumentor().is_instrumented_by_opentelemetry:
        BotocoreInstrumentor().instrument(tracer_provider=provider)


def instrument_app(app, provider) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS,
                                       exclude_spans=["receive", "send"])


def shutdown_tracing() -> None:
    """Flush pending spans (called on app shutdown; the provider stays for other apps in-process)."""
    if _provider is not None:
        try:
            _provider.force_flush(5000)
        except Exception:  # exporter down: nothing to do
            pass
