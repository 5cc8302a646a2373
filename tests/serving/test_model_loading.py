"""Model loading: MLflow down at start -> app up, /ready 503, retry with backoff -> ready when MLflow
comes back (a real `mlflow server`), without a restart; a new champion version is hot-swapped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from serving.demo_model import register_digits_model
from tests.serving.conftest import MODEL_NAME, free_port

ROW = [0.5] * 64


def start_mlflow_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    mlflow_bin = str(Path(sys.executable).parent / "mlflow")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    return subprocess.Popen(
        [mlflow_bin, "server", "--backend-store-uri", f"sqlite:///{db}", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.mark.slow
def test_mlflow_down_then_up_then_new_champion(app_client, tmp_path):
    db = tmp_path / "registry.db"
    register_digits_model(f"sqlite:///{db}", MODEL_NAME, artifact_root=str(tmp_path / "artifacts"))
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    with app_client(ready=False, mlflow_tracking_uri=uri, model_retry_max_seconds=1.0,
                    model_poll_seconds=1.0) as c:
        time.sleep(1.5)
        assert c.get("/health").status_code == 200
        r = c.get("/ready")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        assert "Connection" in r.json()["detail"] or "connect" in r.json()["detail"].lower()
        r = c.post("/predict", json={"instances": [ROW]})
        assert r.status_code == 503 and "not loaded" in r.json()["detail"]
        assert c.get("/model").status_code == 503
        assert "obslab_model_ready 0.0" in c.get("/metrics").text
        attempts = c.app.state.obslab.holder.attempts
        assert attempts >= 2, "retrying with backoff"

        server = start_mlflow_server(db, port, tmp_path / "mlflow.log")
        try:
            deadline = time.monotonic() + 90
            while c.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, (tmp_path / "mlflow.log").read_text()[-2000:]
                time.sleep(0.25)
            assert c.get("/model").json()["version"] == "1"
            assert c.post("/predict", json={"instances": [ROW]}).json()["model_version"] == "1"
            assert "obslab_model_ready 1.0" in c.get("/metrics").text

            # a new champion (registered through the server) is picked up by the alias poll
            register_digits_model(uri, MODEL_NAME, max_iter=50)
            deadline = time.monotonic() + 30
            while c.get("/model").json()["version"] != "2":
                assert time.monotonic() < deadline
                time.sleep(0.25)
            assert c.post("/predict", json={"instances": [ROW]}).json()["model_version"] == "2"
            text = c.get("/metrics").text
            assert 'obslab_model_info{name="obslab-digits",version="2"} 1.0' in text
            assert 'version="1"' not in text.split("obslab_model_info", 1)[1].split("# HELP", 1)[0]

            # MLflow down again: the loaded model keeps serving
            stop(server)
            time.sleep(1.5)
            assert c.get("/ready").status_code == 200
            assert c.post("/predict", json={"instances": [ROW]}).status_code == 200
        finally:
            stop(server)
    with httpx.Client() as h:
        with pytest.raises(httpx.ConnectError):
            h.get(f"{uri}/health", timeout=2)
