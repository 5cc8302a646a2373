"""Train and register the contract's model (LogisticRegression on digits scaled to [0, 1]).

Used by the tests and the benchmark to get a real registered model in a throwaway MLflow store
without the lab; the lab's own model comes from services/training.
"""

from __future__ import annotations

import numpy as np


def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16.0).astype(np.float32), y


def register_digits_model(tracking_uri: str, name: str = "obslab-digits", alias: str = "champion",
                          max_iter: int = 200, artifact_root: str | None = None) -> str:
    """Fit, log with a signature, register, point `alias` at the new version; return the version.

    `artifact_root` (a directory) keeps artifacts out of ./mlruns for a sqlite store."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    x, y = digits()
    model = LogisticRegression(max_iter=max_iter).fit(x, y)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    experiment = f"{name}-demo"
    if artifact_root and mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=str(artifact_root))
    mlflow.set_experiment(experiment)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(x[:5], model.predict(x[:5])),
            registered_model_name=name, pip_requirements=["scikit-learn", "numpy"])
    version = str(info.registered_model_version)
    MlflowClient(tracking_uri=tracking_uri).set_registered_model_alias(name, alias, version)
    return version
