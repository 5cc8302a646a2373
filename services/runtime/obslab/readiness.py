"""Checks both runtimes make after their servers are healthy: is there a model to serve, is it served."""

from __future__ import annotations

import time

import httpx

from obslab.settings import LabSettings


def champion_loadable(settings: LabSettings) -> bool:
    """The registry has a `champion` AND its artifacts exist. The registry (Postgres) outlives S3 when
    LocalStack's state was lost (community LocalStack keeps none), so the alias alone proves nothing."""
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(settings.mlflow_url)
    try:
        mv = MlflowClient().get_model_version_by_alias(settings.model_name, "champion")
        files = mlflow.artifacts.list_artifacts(artifact_uri=f"models:/{settings.model_name}/{mv.version}")
    except MlflowException:
        return False
    return any(f.path.endswith("MLmodel") for f in files)


def wait_serving_ready(settings: LabSettings, timeout_s: float) -> bool:
    """True once serving's /ready answers 200 (a model is loaded), False after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{settings.serving_url}/ready", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False
