"""The foundation end to end, against the real native lab: every server up on loopback, the champion
served, embeddings landing in S3, and serving riding out MLflow and S3 outages."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime

import boto3
import httpx
import numpy as np
import psutil
import pytest

from obslab.native.components import build_components
from obslab.native.supervisor import Supervisor
from obslab.settings import LabSettings

pytestmark = pytest.mark.integration


def _s3(lab: LabSettings):
    return boto3.client("s3", endpoint_url=lab.localstack_url, region_name=lab.aws_region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def _wait(predicate, timeout_s: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _ready(lab: LabSettings) -> int:
    try:
        return httpx.get(f"{lab.serving_url}/ready", timeout=2).status_code
    except httpx.HTTPError:
        return 0


def _digits_rows(n: int) -> list[list[float]]:
    from sklearn.datasets import load_digits

    x, _ = load_digits(return_X_y=True)
    return (x[:n] / 16.0).tolist()


def _today_keys(lab: LabSettings) -> list[str]:
    prefix = f"production_embeddings/{datetime.now(UTC):%Y/%m/%d}/"
    resp = _s3(lab).list_objects_v2(Bucket=lab.data_bucket, Prefix=prefix)
    return [o["Key"] for o in resp.get("Contents", [])]


def _rows_in(lab: LabSettings, keys: list[str]) -> int:
    import io

    s3 = _s3(lab)
    return sum(np.load(io.BytesIO(s3.get_object(Bucket=lab.data_bucket, Key=k)["Body"].read())).shape[0]
               for k in keys)


def test_every_component_healthy_and_bound_to_loopback(lab: LabSettings, obslab_cli, lab_env):
    out = subprocess.run([obslab_cli, "status"], env=lab_env, capture_output=True, text=True, check=True).stdout
    sup = Supervisor(lab)
    comps = build_components(lab)
    for c in comps:
        assert sup.healthy(c), f"{c.name} unhealthy:\n{out}"
        assert c.name in out
    ours = {c.name: sup.running_pid(c.name) for c in comps}
    ports = {p for c in comps for p in c.ports.values()}
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port in ports:
            assert conn.laddr.ip == "127.0.0.1", f"port {conn.laddr.port} bound to {conn.laddr.ip}"
    assert all(ours.values()), ours


def test_training_registered_champion_and_embeddings(lab: LabSettings):
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(lab.mlflow_url)
    mv = MlflowClient().get_model_version_by_alias(lab.model_name, "champion")
    served = httpx.get(f"{lab.serving_url}/model", timeout=5).json()
    assert served["name"] == lab.model_name
    assert served["version"] == mv.version
    assert served["input_dim"] == 64
    manifest = json.loads(_s3(lab).get_object(Bucket=lab.data_bucket,
                                              Key="training_embeddings/manifest.json")["Body"].read())
    assert manifest["dimension"] == 64 and manifest["count"] > 1000
    assert manifest["model_version"] == mv.version
    pushed = httpx.get(f"{lab.pushgateway_url}/metrics", timeout=5).text
    assert 'obslab_training_last_run_success{instance="",job="training"} 1' in pushed


def test_failed_training_exits_nonzero_and_is_pushed_for_the_alert(lab: LabSettings, obslab_cli, lab_env):
    def pushed() -> str:
        return httpx.get(f"{lab.pushgateway_url}/metrics", timeout=5).text

    r = subprocess.run([obslab_cli, "train", "--fail"], env=lab_env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 1
    assert "failing on purpose" in r.stdout + r.stderr
    # The line CloudWatch's metric filter counts in AWS.
    outcome = [json.loads(line) for line in r.stdout.splitlines() if line.startswith('{"event": "training_run"')]
    assert outcome and outcome[-1]["status"] == "failure"
    text = pushed()
    assert 'obslab_training_last_run_success{instance="",job="training"} 0' in text
    # A failure must not erase when the last good run happened (the training dashboard shows it).
    assert "obslab_training_last_success_timestamp_seconds{" in text
    ok = subprocess.run([obslab_cli, "train"], env=lab_env, capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert 'obslab_training_last_run_success{instance="",job="training"} 1' in pushed()


def test_predict_serves_champion_and_embeddings_land_in_s3(lab: LabSettings):
    before = _today_keys(lab)
    rows = _digits_rows(40)
    resp = httpx.post(f"{lab.serving_url}/predict", json={"instances": rows}, timeout=10)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert len(body["predictions"]) == 40
    # The digits model is ~95 % accurate on these training rows: a broken model would not be.
    from sklearn.datasets import load_digits

    _, y = load_digits(return_X_y=True)
    assert np.mean(np.array(body["predictions"]) == y[:40]) > 0.9
    new = _wait(lambda: [k for k in _today_keys(lab) if k not in before], 40, "embeddings in S3")
    assert all(k.endswith(".npy") for k in new)
    assert _rows_in(lab, new) >= 40


def test_bad_input_is_a_4xx_with_a_reason(lab: LabSettings):
    url = f"{lab.serving_url}/predict"
    cases = {
        "not json": dict(content=b"{nope", headers={"content-type": "application/json"}),
        "wrong dim": dict(json={"instances": [[0.1] * 63]}),
        "empty": dict(json={"instances": []}),
        "nan": dict(content=b'{"instances": [[NaN' + b", 0" * 63 + b"]]}",
                    headers={"content-type": "application/json"}),
        "strings": dict(json={"instances": [["a"] * 64]}),
    }
    for name, kw in cases.items():
        r = httpx.post(url, timeout=10, **kw)
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        assert r.text, name


def _component(lab: LabSettings, name: str):
    return next(c for c in build_components(lab) if c.name == name)


def _restart(lab: LabSettings, name: str) -> None:
    sup, comp = Supervisor(lab), _component(lab, name)
    sup.start(comp)
    _wait(lambda: sup.healthy(comp), comp.ready_timeout_s, f"{name} healthy")
    if comp.post_start:
        comp.post_start()


def test_mlflow_down_at_start_then_ready_when_it_returns(lab: LabSettings):
    sup = Supervisor(lab)
    serving, mlflow = _component(lab, "serving"), _component(lab, "mlflow")
    try:
        sup.stop("serving")
        sup.stop("mlflow", timeout_s=mlflow.stop_timeout_s)
        sup.start(serving)
        _wait(lambda: sup.healthy(serving), 30, "serving /health while MLflow is down")
        assert _ready(lab) == 503
        time.sleep(3)
        assert _ready(lab) == 503, "ready without a model"
        _restart(lab, "mlflow")
        t0 = time.monotonic()
        _wait(lambda: _ready(lab) == 200, 60, "serving ready after MLflow returned")
        print(f"serving ready {time.monotonic() - t0:.1f} s after MLflow returned")
    finally:
        if not sup.healthy(mlflow):
            _restart(lab, "mlflow")
        if not sup.healthy(serving):
            _restart(lab, "serving")
    r = httpx.post(f"{lab.serving_url}/predict", json={"instances": _digits_rows(1)}, timeout=10)
    assert r.status_code == 200


def test_s3_down_predictions_succeed_then_spool_flushes(lab: LabSettings, obslab_cli, lab_env):
    """LocalStack stopped (S3 unreachable): requests are unaffected and rows are spooled; once it is back,
    every spooled row reaches S3. LocalStack keeps no state across restarts, so the buckets are
    recreated and the model retrained afterwards to leave the lab as it was."""
    sup = Supervisor(lab)
    try:
        sup.stop("localstack", timeout_s=_component(lab, "localstack").stop_timeout_s)
        rows = _digits_rows(25)
        for _ in range(4):
            r = httpx.post(f"{lab.serving_url}/predict", json={"instances": rows}, timeout=10)
            assert r.status_code == 200, r.text
        spool = lab.data_dir / "serving-spool"
        _wait(lambda: list(spool.rglob("*.npy")), 40, "spooled batches on disk")
    finally:
        _restart(lab, "localstack")
    # The buckets came back empty: every row found under today's prefix was spooled during the outage.
    _wait(lambda: _today_keys(lab) and _rows_in(lab, _today_keys(lab)) >= 100, 60, "spool flushed to S3")
    assert not list((lab.data_dir / "serving-spool").rglob("*.npy"))
    subprocess.run([obslab_cli, "train"], env=lab_env, check=True, capture_output=True, timeout=180)


def test_down_keeps_data_and_up_serves_the_same_champion(lab: LabSettings, obslab_cli, lab_env):
    """`make down` then `make up`: same champion, no retraining, S3 objects still there (LocalStack
    itself forgets everything; the lab snapshots its buckets on the way down)."""
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(lab.mlflow_url)
    # The registry's champion (serving may still be on the previous one until its next alias poll).
    version = MlflowClient().get_model_version_by_alias(lab.model_name, "champion").version
    keys_before = _today_keys(lab)
    down = subprocess.run([obslab_cli, "down"], env=lab_env, capture_output=True, text=True, timeout=180)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not Supervisor.port_open("127.0.0.1", lab.port("SERVING_PORT"))
    up = subprocess.run([obslab_cli, "up"], env=lab_env, capture_output=True, text=True, timeout=600)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    assert "training one" not in up.stdout, f"retrained after down/up:\n{down.stdout}\n{up.stdout[-2000:]}"
    assert httpx.get(f"{lab.serving_url}/model", timeout=5).json()["version"] == version
    assert set(keys_before) <= set(_today_keys(lab))
    manifest = _s3(lab).get_object(Bucket=lab.data_bucket, Key="training_embeddings/manifest.json")
    assert json.loads(manifest["Body"].read())["model_version"] == version
