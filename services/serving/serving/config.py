"""Serving settings: every knob of the serving app, read once from the environment (and `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Latency buckets (seconds) of http_request_duration_seconds: the contract in notes/common.md. Fine
# enough around 1 s that a "p95 > 1 s" alert can fire (the instrumentator's default 0.1/0.5/1 cannot).
LATENCY_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
)
# Inference is numpy on one core: microseconds to milliseconds.
INFERENCE_BUCKETS: tuple[float, ...] = (
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
)


class Settings(BaseSettings):
    """Environment names are the field names upper-cased (MODEL_NAME, MAX_BATCH_SIZE, ...)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Model registry
    mlflow_tracking_uri: str = Field(default="http://127.0.0.1:5000",
                                     description="MLflow tracking server (or sqlite:/// store)")
    model_name: str = "obslab-digits"
    model_alias: str = "champion"
    model_poll_seconds: float = Field(
        default=30.0, ge=0, description="re-check the alias this often and hot-swap a new version; 0 = never")
    model_retry_max_seconds: float = Field(default=15.0, gt=0, description="cap of the load-retry backoff")

    # Request limits
    max_batch_size: int = Field(default=256, ge=1)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)

    # Production embeddings -> S3
    embeddings_enabled: bool = True
    data_bucket: str = "obslab-data"
    embeddings_prefix: str = "production_embeddings"
    aws_endpoint_url: str | None = Field(default=None, description="LocalStack; unset = real AWS")
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_DEFAULT_REGION")
    embeddings_flush_rows: int = Field(default=1000, ge=1)
    embeddings_flush_seconds: float = Field(default=10.0, gt=0)
    embeddings_max_buffer_rows: int = Field(
        default=200_000, ge=1, description="rows kept in memory at most; beyond that rows are dropped")
    embeddings_retry_seconds: float = Field(
        default=5.0, gt=0, description="after an S3 failure, go straight to the spool for this long")
    s3_timeout_seconds: float = Field(default=3.0, gt=0)
    spool_dir: Path = Path(".lab/spool/serving")

    # Security
    api_key: SecretStr | None = None
    require_api_key_for_predict: bool = False

    # Resources / telemetry
    serving_memory_limit_mb: int | None = Field(default=None, ge=1)
    obslab_instrumentation: bool = Field(
        default=True, description="off = no Prometheus middleware, no OpenTelemetry (benchmark baseline)")
    obslab_tracing_middleware: str = Field(
        default="lean", pattern="^(lean|contrib)$",
        description="lean = serving.tracing.TracingMiddleware; contrib = opentelemetry-instrumentation-fastapi")
    otel_service_name: str = "obslab-serving"
    log_level: str = "INFO"

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("aws_endpoint_url", "serving_memory_limit_mb", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("obslab_instrumentation", mode="before")
    @classmethod
    def _on_off(cls, v: object) -> object:
        if isinstance(v, str) and v.strip().lower() in ("on", "off"):
            return v.strip().lower() == "on"
        return v


@lru_cache
def get_settings() -> Settings:
    return Settings()
