"""GET /health, /ready, /model, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from serving.schemas import ErrorResponse, HealthResponse, ModelResponse, ReadyResponse

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthResponse, summary="The process is alive")
async def health() -> dict:
    return {"status": "ok"}


@router.get("/ready", response_model=ReadyResponse, summary="200 once a model is loaded, else 503",
            responses={503: {"model": ReadyResponse, "description": "no model loaded yet"}})
async def ready(request: Request):
    holder = request.app.state.obslab.holder
    if holder.model is None:
        return JSONResponse({"status": "loading", "model_version": None,
                             "detail": holder.last_error or "model loading"}, status_code=503,
                            headers={"Retry-After": "2"})
    return {"status": "ready", "model_version": holder.model.version, "detail": None}


@router.get("/model", response_model=ModelResponse, summary="The model being served",
            responses={503: {"model": ErrorResponse, "description": "no model loaded yet"}})
async def model_info(request: Request):
    state = request.app.state.obslab
    if state.holder.model is None:
        return JSONResponse({"detail": f"model not loaded yet ({state.holder.last_error or 'loading'})"},
                            status_code=503)
    return {**state.holder.model.describe(), "max_batch_size": state.settings.max_batch_size}


@router.get("/metrics", summary="Prometheus metrics (OpenMetrics with exemplars if Accept asks)",
            response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}},
                                         "application/openmetrics-text": {"schema": {"type": "string"}}},
                             "description": "exposition"}})
async def metrics(request: Request) -> Response:
    m = request.app.state.obslab.metrics
    if m is None:
        return Response("# metrics disabled (OBSLAB_INSTRUMENTATION=off)\n", media_type="text/plain")
    body, content_type = m.expose(request.headers.get("accept"))
    return Response(body, headers={"Content-Type": content_type})
