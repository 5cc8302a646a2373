"""The lab's settings: every port, bucket and name is defined here once.

Values come from the environment, then `.env` at the repository root, then the defaults below.
compose.yaml repeats the defaults as `${NAME:-default}`; tests/compose checks the two agree.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]

# One entry per listening port: env name -> default. OBSLAB_PORT_OFFSET shifts every default so
# several labs (or a developer's lab and the test suite) can run side by side.
DEFAULT_PORTS: dict[str, int] = {
    "SERVING_PORT": 8000,
    "MLFLOW_PORT": 5000,
    "POSTGRES_PORT": 5432,
    "LOCALSTACK_PORT": 4566,
    "PROMETHEUS_PORT": 9090,
    "ALERTMANAGER_PORT": 9093,
    "PUSHGATEWAY_PORT": 9091,
    "POSTGRES_EXPORTER_PORT": 9187,
    "MAIL_SMTP_PORT": 1025,
    "MAIL_UI_PORT": 1080,
    "GRAFANA_PORT": 3000,
    "JAEGER_UI_PORT": 16686,
    "OTLP_HTTP_PORT": 4318,
}


class LabSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    obslab_home: Path = Field(default=REPO_ROOT / ".lab", description="state, data and logs")
    obslab_port_offset: int = 0
    host: str = "127.0.0.1"

    serving_port: int | None = None
    mlflow_port: int | None = None
    postgres_port: int | None = None
    localstack_port: int | None = None
    prometheus_port: int | None = None
    alertmanager_port: int | None = None
    pushgateway_port: int | None = None
    postgres_exporter_port: int | None = None
    mail_smtp_port: int | None = None
    mail_ui_port: int | None = None
    grafana_port: int | None = None
    jaeger_ui_port: int | None = None
    otlp_http_port: int | None = None

    postgres_user: str = "mlflow"
    postgres_password: str = "mlflow"
    postgres_db: str = "mlflow"

    aws_region: str = "us-east-1"
    artifacts_bucket: str = "obslab-artifacts"
    data_bucket: str = "obslab-data"
    model_name: str = "obslab-digits"
    alert_profile: str = "lab"
    up_timeout_s: float = 180.0
    # The memory serving may use, as its Fargate task (and compose mem_limit) would cap it: the
    # HighMemory alert compares resident memory with it. Natively nothing enforces it.
    serving_memory_limit_mb: int = 1024

    # Secrets: only ever from the environment or the ignored .env (see .env.example).
    api_key: str | None = None
    require_api_key_for_predict: bool = False
    pagerduty_routing_key: str | None = None
    slack_webhook_url: str | None = None
    alert_webhook_url: str | None = None
    alert_email_to: str = "oncall@obslab.local"

    @model_validator(mode="after")
    def _fill_ports(self) -> LabSettings:
        for env_name, default in DEFAULT_PORTS.items():
            field = env_name.lower()
            if getattr(self, field) is None:
                setattr(self, field, default + self.obslab_port_offset)
        return self

    def port(self, env_name: str) -> int:
        return int(getattr(self, env_name.lower()))

    def url(self, env_name: str, path: str = "") -> str:
        return f"http://{self.host}:{self.port(env_name)}{path}"

    @property
    def localstack_url(self) -> str:
        return self.url("LOCALSTACK_PORT")

    @property
    def mlflow_url(self) -> str:
        return self.url("MLFLOW_PORT")

    @property
    def serving_url(self) -> str:
        return self.url("SERVING_PORT")

    @property
    def pushgateway_url(self) -> str:
        return self.url("PUSHGATEWAY_PORT")

    @property
    def prometheus_url(self) -> str:
        return self.url("PROMETHEUS_PORT")

    @property
    def alertmanager_url(self) -> str:
        return self.url("ALERTMANAGER_PORT")

    @property
    def postgres_dsn(self) -> str:
        return (
            f"postgresql+psycopg2://{self.postgres_user}:{self.postgres_password}"
            f"@{self.host}:{self.postgres_port}/{self.postgres_db}"
        )

    @property
    def state_dir(self) -> Path:
        return self.obslab_home / "state"

    @property
    def logs_dir(self) -> Path:
        return self.obslab_home / "logs"

    @property
    def data_dir(self) -> Path:
        return self.obslab_home / "data"

    def aws_env(self) -> dict[str, str]:
        """Environment that points boto3 (and MLflow's S3 client) at the lab's LocalStack."""
        return {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": self.aws_region,
            "AWS_REGION": self.aws_region,
            "AWS_ENDPOINT_URL": self.localstack_url,
            "MLFLOW_S3_ENDPOINT_URL": self.localstack_url,
        }


def child_environ() -> dict[str, str]:
    """This process' environment for a lab child process. AWS_CA_BUNDLE is dropped: LocalStack fails to
    start with it set (even empty), and boto3 needs no CA bundle for the lab's plain-HTTP endpoint."""
    return {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}


@lru_cache
def get_settings() -> LabSettings:
    return LabSettings()
