"""Serving test fixtures: a REAL MLflow registry (sqlite + local artifacts in a temp dir) holding the
contract's model (LogisticRegression on digits), and app clients built with `create_app(Settings)`."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.config import Settings
from serving.demo_model import digits, register_digits_model
from serving.main import create_app

MODEL_NAME = "obslab-digits"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory) -> dict:
    """One registered model for the whole session: {uri, version, root}."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root}/mlflow.db"
    version = register_digits_model(uri, MODEL_NAME, artifact_root=str(root / "artifacts"))
    return {"uri": uri, "version": version, "root": root}


@pytest.fixture(scope="session")
def digits_xy():
    return digits()


@pytest.fixture
def make_settings(mlflow_store, tmp_path) -> Callable[..., Settings]:
    closed_port = free_port()   # nothing listens there: S3 is "down" unless a test says otherwise

    def _make(**overrides) -> Settings:
        values = dict(
            mlflow_tracking_uri=mlflow_store["uri"], model_name=MODEL_NAME, model_poll_seconds=0,
            spool_dir=tmp_path / "spool", aws_endpoint_url=f"http://127.0.0.1:{closed_port}",
            embeddings_flush_seconds=3600, embeddings_flush_rows=100_000, api_key=None,
            require_api_key_for_predict=False, s3_timeout_seconds=1.0, obslab_instrumentation=True,
        )
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return _make


def wait_ready(client: TestClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/ready").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"app not ready after {timeout}s: {client.get('/ready').json()}")


@pytest.fixture
def app_client(make_settings) -> Callable[..., Iterator[TestClient]]:
    """`with app_client(**settings) as c:` -> a TestClient whose app has loaded the model."""

    @contextmanager
    def _client(ready: bool = True, **overrides) -> Iterator[TestClient]:
        app = create_app(make_settings(**overrides))
        with TestClient(app) as client:
            if ready:
                wait_ready(client)
            yield client

    return _client


@pytest.fixture
def client(app_client) -> Iterator[TestClient]:
    with app_client() as c:
        yield c


def spool_files(spool: Path) -> list[Path]:
    return sorted(spool.rglob("*.npy"))


@contextmanager
def uvicorn_server(env: dict, log_path: Path, timeout: float = 90.0) -> Iterator[str]:
    """`serving.main:app` under uvicorn on a free 127.0.0.1 port; yields its base URL once /ready."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    full_env.update(env)
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    proc = subprocess.Popen([uvicorn, "serving.main:app", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1", "--no-access-log"],
                            env=full_env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
