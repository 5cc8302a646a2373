"""Training job settings, all from the environment (the native runtime and compose.yaml set them)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class TrainingSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    mlflow_tracking_uri: str
    model_name: str
    data_bucket: str
    experiment_name: str = "obslab-digits"
    pushgateway_url: str | None = None
    aws_endpoint_url: str | None = None
    # Model hyper-parameters (logged to MLflow).
    c: float = 1.0
    max_iter: int = 2000
    test_size: float = 0.2
    seed: int = 42
    # Rehearsal switch: fail on purpose after the run starts, to exercise the TrainingJobFailed alert.
    training_fault: bool = False
