"""Train the digits classifier, register it as the `champion`, publish its training embeddings.

Exit code 0 on success, 1 on failure; either way the outcome and duration are pushed to the
Pushgateway (job="training") so Prometheus can alert on a failed run.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from datetime import UTC, datetime

import numpy as np

from training.config import TrainingSettings

log = logging.getLogger("training")
ALIAS = "champion"


def load_dataset() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits ships inside the package: nothing is downloaded. Pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16.0).astype(np.float32), y.astype(np.int64)


def push_outcome(cfg: TrainingSettings, success: bool, duration_s: float, accuracy: float | None) -> None:
    if not cfg.pushgateway_url:
        return
    from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

    reg = CollectorRegistry()
    now = time.time()
    Gauge("obslab_training_last_run_success", "1 if the last training run succeeded, else 0",
          registry=reg).set(1 if success else 0)
    Gauge("obslab_training_duration_seconds", "duration of the last training run", registry=reg).set(duration_s)
    Gauge("obslab_training_last_run_timestamp_seconds", "end time of the last run", registry=reg).set(now)
    if success:
        Gauge("obslab_training_last_success_timestamp_seconds", "end time of the last successful run",
              registry=reg).set(now)
        Gauge("obslab_training_accuracy", "test accuracy of the last model", registry=reg).set(accuracy or 0)
    # push_to_gateway replaces the whole group; a failure must not erase the last success time,
    # so failures use pushadd (only the gauges above are replaced).
    from prometheus_client import pushadd_to_gateway

    (push_to_gateway if success else pushadd_to_gateway)(cfg.pushgateway_url, job="training", registry=reg)


def write_embeddings(cfg: TrainingSettings, x: np.ndarray, model_version: str) -> str:
    import boto3

    s3 = boto3.client("s3", endpoint_url=cfg.aws_endpoint_url)
    buf = io.BytesIO()
    np.save(buf, x.astype(np.float32), allow_pickle=False)
    s3.put_object(Bucket=cfg.data_bucket, Key="training_embeddings/embeddings.npy", Body=buf.getvalue())
    manifest = {
        "dimension": int(x.shape[1]), "count": int(x.shape[0]), "dtype": "float32",
        "model_name": cfg.model_name, "model_version": model_version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    s3.put_object(Bucket=cfg.data_bucket, Key="training_embeddings/manifest.json",
                  Body=json.dumps(manifest, indent=2).encode(), ContentType="application/json")
    return f"s3://{cfg.data_bucket}/training_embeddings/"


def train(cfg: TrainingSettings) -> tuple[str, float]:
    import mlflow
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    mlflow.set_tracking_uri(cfg.mlflow_tracking_uri)
    mlflow.set_experiment(cfg.experiment_name)
    x, y = load_dataset()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=cfg.test_size, random_state=cfg.seed, stratify=y)
    with mlflow.start_run(run_name=f"digits-{datetime.now(UTC):%Y%m%d-%H%M%S}") as run:
        params = {"model": "LogisticRegression", "C": cfg.c, "max_iter": cfg.max_iter,
                  "test_size": cfg.test_size, "seed": cfg.seed, "n_train": len(x_tr), "input_dim": x.shape[1]}
        mlflow.log_params(params)
        log.info("training on %d rows of %d features", len(x_tr), x.shape[1])
        if cfg.training_fault:
            raise RuntimeError("TRAINING_FAULT is set: failing on purpose (rehearsal)")
        model = LogisticRegression(C=cfg.c, max_iter=cfg.max_iter).fit(x_tr, y_tr)
        pred = model.predict(x_te)
        accuracy = float(accuracy_score(y_te, pred))
        mlflow.log_metrics({"accuracy": accuracy, "f1_macro": float(f1_score(y_te, pred, average="macro"))})
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(x_tr[:5], model.predict(x_tr[:5])),
            input_example=x_tr[:2], registered_model_name=cfg.model_name,
        )
        version = str(info.registered_model_version)
        client = MlflowClient()
        client.set_registered_model_alias(cfg.model_name, ALIAS, version)
        client.set_model_version_tag(cfg.model_name, version, "accuracy", f"{accuracy:.4f}")
        where = write_embeddings(cfg, x_tr, version)
        mlflow.set_tag("training_embeddings", where)
        log.info("run %s: accuracy %.4f, registered %s v%s as @%s; embeddings at %s",
                 run.info.run_id, accuracy, cfg.model_name, version, ALIAS, where)
    return version, accuracy


def log_outcome(cfg: TrainingSettings, success: bool, duration_s: float, version: str | None = None,
                accuracy: float | None = None) -> None:
    """One JSON line per run: CloudWatch Logs metric filters in AWS count successes and failures from it
    (terraform/modules/monitoring: `{ $.event = "training_run" && $.status = "failure" }`)."""
    print(json.dumps({"event": "training_run", "status": "success" if success else "failure",
                      "model_name": cfg.model_name, "version": version, "duration_s": round(duration_s, 2),
                      "accuracy": None if accuracy is None else round(accuracy, 4)}),
          flush=True)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s training %(levelname)s %(message)s")
    cfg = TrainingSettings()
    t0 = time.monotonic()
    try:
        version, accuracy = train(cfg)
    except Exception as exc:  # the outcome must reach Prometheus whatever went wrong
        log.error("training failed: %s", exc)
        push_outcome(cfg, False, time.monotonic() - t0, None)
        log_outcome(cfg, False, time.monotonic() - t0)
        return 1
    push_outcome(cfg, True, time.monotonic() - t0, accuracy)
    log_outcome(cfg, True, time.monotonic() - t0, version, accuracy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
