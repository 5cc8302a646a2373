"""POST /predict: validate a KServe V1 batch, predict on numpy, log the rows as embeddings."""

from __future__ import annotations

import asyncio
import hmac
import json
import time

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from serving.schemas import PredictResponse, err

router = APIRouter(tags=["inference"])
MAX_REPORTED_ERRORS = 5


def _error(status: int, detail: str, headers: dict | None = None) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type="application/json",
                    headers=headers)


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _validation_detail(exc: ValidationError) -> tuple[int, str]:
    errors = exc.errors(include_url=False, include_input=False)
    if errors and errors[0]["type"] == "json_invalid":
        return 400, f"body is not valid JSON: {errors[0]['msg'].removeprefix('Invalid JSON: ')}"
    parts = []
    for e in errors[:MAX_REPORTED_ERRORS]:
        msg = e["msg"]
        if e["type"] == "too_long" and e["loc"] == ("instances",):
            msg = f"batch too large: {msg} (MAX_BATCH_SIZE)"
        elif e["type"] == "too_short" and e["loc"] == ("instances",):
            msg = "empty batch: send at least one instance"
        elif e["type"] == "missing":
            msg = 'missing field; expected {"instances": [[...], ...]}'
        parts.append(f"{_loc(e['loc'])}: {msg}")
    more = len(errors) - MAX_REPORTED_ERRORS
    return 422, "; ".join(parts) + (f"; and {more} more errors" if more > 0 else "")


def _check_rows(rows: list, dim: int) -> str | None:
    for i, row in enumerate(rows):
        if len(row) != dim:
            return (f"instances[{i}] has {len(row)} values, the model expects {dim} "
                    f"(shape must be [n, {dim}])")
    return None


@router.post(
    "/predict",
    response_model=PredictResponse,
    summary="Predict classes for a batch of input rows (KServe V1)",
    responses={
        400: err("body is not valid JSON"),
        401: err("API key required (REQUIRE_API_KEY_FOR_PREDICT) and missing or wrong"),
        413: err("body larger than MAX_BODY_BYTES"),
        422: err("wrong shape or dimension, non-numbers, NaN/inf, empty or oversized batch"),
        500: err("injected fault (POST /admin/faults)"),
        503: err("no model loaded yet (see GET /ready)"),
    },
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/PredictRequest"}}}}},
)
async def predict(request: Request) -> Response:
    state = request.app.state.obslab
    if state.settings.require_api_key_for_predict and state.settings.api_key is not None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), state.settings.api_key.get_secret_value().encode()):
            return _error(401, "missing or wrong API key: send 'Authorization: Bearer <API_KEY>'",
                          {"WWW-Authenticate": "Bearer"})

    fault = state.faults.current()
    if fault is not None:
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if state.faults.should_fail(fault):
            return _error(500, "injected fault: error_rate set via /admin/faults")

    model = state.holder.model
    if model is None:
        return _error(503, f"model not loaded yet ({state.holder.last_error or 'loading'}); see GET /ready",
                      {"Retry-After": "2"})

    body = await request.body()   # size already bounded by BodyLimitMiddleware (413)
    try:
        rows = state.request_adapter.validate_json(body).instances
    except ValidationError as exc:
        status, detail = _validation_detail(exc)
        return _error(status, detail)
    problem = _check_rows(rows, model.input_dim)
    if problem:
        return _error(422, problem)

    x = np.asarray(rows, dtype=np.float64)
    t0 = time.perf_counter()
    preds = model.predict(x)
    elapsed = time.perf_counter() - t0
    m = state.metrics
    if m is not None:
        m.inference.observe(elapsed)   # the exemplar (trace_id) is on http_request_duration_seconds
        m.batch_rows.observe(x.shape[0])
        m.count_predictions(model.version, preds)
    if state.embeddings is not None:
        state.embeddings.append(x)
    return Response(json.dumps({"predictions": preds.tolist(), "model_version": model.version}),
                    media_type="application/json")
