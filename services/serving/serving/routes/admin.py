"""/admin/*: fault injection, model reload, embedding flush. Bearer API_KEY when it is set."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from serving.deps import AdminAuth
from serving.faults import FaultSpec, FaultStatus
from serving.schemas import ErrorResponse, ModelResponse

log = logging.getLogger("serving.admin")
_auth = {401: {"model": ErrorResponse, "description": "API_KEY set and Bearer token missing/wrong"}}
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminAuth], responses=_auth)


@router.get("/faults", response_model=FaultStatus, summary="Current fault injection")
async def get_faults(request: Request) -> FaultStatus:
    return request.app.state.obslab.faults.status()


@router.post("/faults", response_model=FaultStatus, summary="Inject latency and/or HTTP 500s into /predict")
async def set_faults(spec: FaultSpec, request: Request) -> FaultStatus:
    faults = request.app.state.obslab.faults
    faults.set(spec)
    log.warning("fault injection on: latency_ms=%d error_rate=%.3f duration_s=%s",
                spec.latency_ms, spec.error_rate, spec.duration_s)
    return faults.status()


@router.delete("/faults", response_model=FaultStatus, summary="Clear fault injection")
async def clear_faults(request: Request) -> FaultStatus:
    faults = request.app.state.obslab.faults
    faults.clear()
    log.warning("fault injection off")
    return faults.status()


@router.post("/reload", response_model=ModelResponse, summary="Load the alias' current version now",
             responses={503: {"model": ErrorResponse, "description": "MLflow unreachable or no such model"}})
async def reload_model(request: Request):
    state = request.app.state.obslab
    try:
        model = await run_in_threadpool(state.holder.load_now)
    except Exception as exc:
        return JSONResponse({"detail": f"reload failed: {type(exc).__name__}: {str(exc)[:300]}"},
                            status_code=503)
    return {**model.describe(), "max_batch_size": state.settings.max_batch_size}


@router.get("/embeddings", summary="Embedding logger status (buffer, spool, counters)")
async def embeddings_status(request: Request) -> dict:
    emb = request.app.state.obslab.embeddings
    return {"enabled": emb is not None, **(emb.status() if emb else {})}


@router.post("/embeddings/flush", summary="Flush buffered embeddings (and the spool) now")
async def embeddings_flush(request: Request) -> dict:
    emb = request.app.state.obslab.embeddings
    if emb is None:
        return {"enabled": False}
    await run_in_threadpool(emb.flush_now, True)
    return {"enabled": True, **emb.status()}
