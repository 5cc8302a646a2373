"""The serving app: `uvicorn serving.main:app` (or `create_app()` for tests and the benchmark)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from serving import tracing
from serving.config import Settings, get_settings
from serving.embeddings import EmbeddingLogger, make_s3_client
from serving.faults import FaultState
from serving.logs import setup_logging
from serving.metrics import ServingMetrics
from serving.middleware import BodyLimitMiddleware
from serving.model import ModelHolder
from serving.routes import admin, health, predict
from serving.schemas import predict_request_adapter, predict_request_model

log = logging.getLogger("serving")
# Probes and scrapes are not counted: a /ready 503 while the model loads must not look like a 5xx
# burst to the HighErrorRate alert.
EXCLUDED_HANDLERS = ["^/metrics$", "^/health$", "^/ready$"]


@dataclass
class AppState:
    settings: Settings
    holder: ModelHolder
    faults: FaultState
    metrics: ServingMetrics | None
    embeddings: EmbeddingLogger | None
    request_model: type
    request_adapter: object


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings.log_level)
    instrumented = settings.obslab_instrumentation

    metrics = ServingMetrics(settings.serving_memory_limit_mb) if instrumented else None

    def on_model_change(old, new) -> None:
        if metrics is not None:
            metrics.set_model(old.version if old else None, new.name, new.version)

    holder = ModelHolder(settings.mlflow_tracking_uri, settings.model_name, settings.model_alias,
                         poll_seconds=settings.model_poll_seconds,
                         retry_max_seconds=settings.model_retry_max_seconds, on_change=on_model_change)
    faults = FaultState(on_change=(lambda on: metrics.faults_active.set(int(on))) if metrics else None)
    embeddings = None
    if settings.embeddings_enabled:
        embeddings = EmbeddingLogger(
            bucket=settings.data_bucket, prefix=settings.embeddings_prefix, spool_dir=settings.spool_dir,
            flush_rows=settings.embeddings_flush_rows, flush_seconds=settings.embeddings_flush_seconds,
            max_buffer_rows=settings.embeddings_max_buffer_rows,
            retry_seconds=settings.embeddings_retry_seconds,
            s3_client_factory=lambda: make_s3_client(settings.aws_endpoint_url, settings.aws_region,
                                                     settings.s3_timeout_seconds),
            metrics=metrics)
    request_model = predict_request_model(settings.max_batch_size)
    state = AppState(settings, holder, faults, metrics, embeddings, request_model,
                     predict_request_adapter(request_model))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.api_key is None:
            log.warning("API_KEY is not set: /admin/* is open (lab mode); set API_KEY to protect it")
        holder.start()
        if embeddings is not None:
            embeddings.start()
        try:
            yield
        finally:
            holder.stop()
            if embeddings is not None:
                embeddings.stop()
            tracing.shutdown_tracing()

    app = FastAPI(
        title="obslab serving",
        version="0.1.0",
        description="Digits classifier served from the MLflow registry (KServe V1 /predict), with "
                    "Prometheus metrics, OpenTelemetry traces, embedding logging and fault injection.",
        lifespan=lifespan,
        # FastAPI's own (0.16x) OpenTelemetry support would add a server span plus operation spans per
        # request as soon as a global tracer provider exists; tracing is done by serving.tracing.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.obslab = state
    # Routes go straight into the app's list, /predict first: FastAPI's router, the instrumentator and
    # the OTel middleware each resolve the route by scanning this list in order on every request
    # (include_router would add wrapper objects each of them flattens per request).
    app.router.routes[:0] = [*predict.router.routes, *health.router.routes, *admin.router.routes]
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

    if instrumented:
        from prometheus_fastapi_instrumentator import Instrumentator
        from prometheus_fastapi_instrumentator import metrics as pfi_metrics

        Instrumentator(
            should_group_status_codes=True, should_group_untemplated=True,
            excluded_handlers=EXCLUDED_HANDLERS, registry=metrics.registry,
        ).add(
            pfi_metrics.requests(should_include_handler=True, should_include_method=True,
                                 should_include_status=True, registry=metrics.registry),
            metrics.latency_instrumentation(),
        ).instrument(app)
        provider = tracing.setup_tracing(settings.otel_service_name)
        if provider is not None:
            tracing.instrument_app(app, provider, settings.obslab_tracing_middleware)

    _install_allow_header(app)
    _install_openapi(app, state)
    return app


def _install_allow_header(app: FastAPI) -> None:
    """405 answers list every method of the path (Starlette lists only the first route's methods,
    and /admin/faults is three routes)."""
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    methods_by_path: dict[str, set[str]] = {}
    for route in app.router.routes:
        if getattr(route, "path", None) and getattr(route, "methods", None):
            methods_by_path.setdefault(route.path, set()).update(route.methods)

    @app.exception_handler(StarletteHTTPException)
    async def _http_exception(request, exc):
        methods = methods_by_path.get(request.url.path)
        if exc.status_code == 405 and methods:
            return JSONResponse({"detail": f"method {request.method} not allowed on {request.url.path}"},
                                status_code=405, headers={"Allow": ", ".join(sorted(methods))})
        return await http_exception_handler(request, exc)


def _install_openapi(app: FastAPI, state: AppState) -> None:
    """OpenAPI with the PredictRequest schema; once the model is loaded, rows are pinned to input_dim."""
    cache: dict = {}

    def openapi() -> dict:
        dim = state.holder.model.input_dim if state.holder.model else None
        if dim in cache:
            return cache[dim]
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        req = state.request_model.model_json_schema(ref_template="#/components/schemas/{model}")
        req.pop("$defs", None)
        if dim:
            row = req["properties"]["instances"]["items"]
            row["minItems"] = row["maxItems"] = dim
        schemas["PredictRequest"] = req
        # Security as configured: no API_KEY -> nothing is protected, so the spec claims nothing;
        # REQUIRE_API_KEY_FOR_PREDICT -> /predict needs the Bearer key too.
        if state.settings.api_key is None:
            for path_item in spec["paths"].values():
                for op in path_item.values():
                    op.pop("security", None)
                    op.get("responses", {}).pop("401", None)
            spec["components"].pop("securitySchemes", None)
        elif state.settings.require_api_key_for_predict:
            spec["paths"]["/predict"]["post"]["security"] = [{"HTTPBearer": []}]
        if not (state.settings.api_key and state.settings.require_api_key_for_predict):
            spec["paths"]["/predict"]["post"]["responses"].pop("401", None)
        cache[dim] = spec
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
