"""Request/response bodies of the serving API (KServe V1 `instances` / `predictions`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, Strict, TypeAdapter

FLOAT32_MAX = 3.4028234663852886e38
# A feature: a JSON number (not a string or bool), finite, representable as float32 (embeddings are
# stored as float32).
Feature = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=-FLOAT32_MAX, le=FLOAT32_MAX)]


def predict_request_model(max_batch_size: int) -> type[BaseModel]:
    class PredictRequest(BaseModel):
        """KServe V1 request: `instances` is a batch of rows, each with exactly `input_dim` numbers
        (see GET /model)."""

        instances: Annotated[list[Annotated[list[Feature], Field(min_length=1)]],
                             Field(min_length=1, max_length=max_batch_size)]

    return PredictRequest


def predict_request_adapter(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(model)


class PredictResponse(BaseModel):
    predictions: list[int | float | str] = Field(description="one predicted class per instance")
    model_version: str


class ErrorResponse(BaseModel):
    detail: str = Field(description="what was wrong and how to fix it")


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    model_version: str | None = None
    detail: str | None = None


class ModelResponse(BaseModel):
    name: str
    version: str
    alias: str
    uri: str
    input_dim: int
    classes: list[Any]
    run_id: str | None = None
    flavor: str
    fast_path: bool
    loaded_at: float
    max_batch_size: int


def err(description: str) -> dict:
    return {"model": ErrorResponse, "description": description}
