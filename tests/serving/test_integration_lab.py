"""Serving against the real native lab (`lab` fixture): the champion from the lab's MLflow server,
embeddings in LocalStack S3 under today's prefix, S3 outage -> spool -> flushed when S3 returns, and
MLflow/S3 calls as child spans in the request's trace (OTLP to a real receiver)."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

import boto3
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from obslab.observability.otlp_receiver import OTLPReceiver
from serving.config import Settings
from serving.main import create_app
from tests.serving.conftest import uvicorn_server, wait_ready
from tests.serving.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def aws_env(lab, monkeypatch):
    for k, v in lab.aws_env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    return lab.aws_env()


def s3_keys(s3, bucket: str, prefix: str) -> set[str]:
    out = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out |= {o["Key"] for o in page.get("Contents", [])}
    return out


def load_npy(s3, bucket: str, key: str) -> np.ndarray:
    return np.load(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()), allow_pickle=False)


def test_embeddings_land_in_s3_and_survive_an_outage(lab, aws_env, tmp_path):
    s3 = boto3.client("s3", endpoint_url=lab.localstack_url, region_name=lab.aws_region)
    prefix = f"production_embeddings/{datetime.now(UTC):%Y/%m/%d}/"
    before = s3_keys(s3, lab.data_bucket, prefix)
    ls = urlparse(lab.localstack_url)
    proxy = TcpProxy(ls.hostname, ls.port).start()
    settings = Settings(
        _env_file=None, mlflow_tracking_uri=lab.mlflow_url, model_name=lab.model_name,
        data_bucket=lab.data_bucket, aws_endpoint_url=proxy.url, spool_dir=tmp_path / "spool",
        embeddings_flush_rows=100_000, embeddings_flush_seconds=3600, embeddings_retry_seconds=0.5,
        s3_timeout_seconds=2, model_poll_seconds=0, api_key=None)
    try:
        with TestClient(create_app(settings)) as c:
            wait_ready(c, timeout=120)
            rng = np.random.default_rng(0)
            up_rows = rng.random((5, 64)).astype(np.float32)
            assert c.post("/predict", json={"instances": up_rows.tolist()}).status_code == 200
            st = c.post("/admin/embeddings/flush").json()
            assert st["logged_rows"] == 5 and st["spooled_rows"] == 0, st
            new = s3_keys(s3, lab.data_bucket, prefix) - before
            assert len(new) == 1
            arr = load_npy(s3, lab.data_bucket, new.pop())
            assert arr.dtype == np.float32 and np.array_equal(arr, up_rows)

            proxy.stop()                                          # S3 unreachable
            down_rows = rng.random((7, 64)).astype(np.float32)
            t0 = time.monotonic()
            for row in down_rows:
                assert c.post("/predict", json={"instances": [row.tolist()]}).status_code == 200
            assert time.monotonic() - t0 < 5, "requests must not wait for S3"
            st = c.post("/admin/embeddings/flush").json()
            assert st["spooled_rows"] == 7 and st["logged_rows"] == 5 and st["dropped_rows"] == 0, st

            proxy.start()                                         # S3 back (same port)
            time.sleep(0.6)                                       # past embeddings_retry_seconds
            st = c.post("/admin/embeddings/flush").json()
            assert st["spooled_rows"] == 0 and st["logged_rows"] == 12, st
            keys = s3_keys(s3, lab.data_bucket, prefix) - before
            rows = np.vstack([load_npy(s3, lab.data_bucket, k) for k in sorted(keys)])
            assert rows.shape == (12, 64)
            assert {r.tobytes() for r in rows} == {r.tobytes() for r in np.vstack([up_rows, down_rows])}
            m = c.get("/metrics").text
            assert "obslab_embeddings_logged_total 12.0" in m and "obslab_embeddings_spooled_rows 0.0" in m
    finally:
        proxy.stop()


def test_mlflow_and_s3_calls_are_child_spans(lab, aws_env, tmp_path):
    with OTLPReceiver(port=0) as receiver:
        env = {**aws_env, "MLFLOW_TRACKING_URI": lab.mlflow_url, "MODEL_NAME": lab.model_name,
               "DATA_BUCKET": lab.data_bucket, "SPOOL_DIR": str(tmp_path / "spool"),
               "EMBEDDINGS_FLUSH_ROWS": "1", "MODEL_POLL_SECONDS": "0", "API_KEY": "",
               "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SERVICE_NAME": "serving-it",
               "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
               "OTEL_BSP_SCHEDULE_DELAY": "200"}
        with uvicorn_server(env, tmp_path / "serving.log", timeout=120) as url:
            reload_trace, predict_trace = "1" * 31 + "a", "2" * 31 + "b"
            r = httpx.post(f"{url}/admin/reload", timeout=60,
                           headers={"traceparent": f"00-{reload_trace}-00f067aa0ba902b7-01"})
            assert r.status_code == 200, r.text
            r = httpx.post(f"{url}/predict", json={"instances": [[0.5] * 64]},
                           headers={"traceparent": f"00-{predict_trace}-00f067aa0ba902b7-01"})
            assert r.status_code == 200

            def spans_of(tid, want):
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    spans = receiver.store.trace(tid) or []
                    if want(spans):
                        return spans
                    time.sleep(0.3)
                raise AssertionError(f"{tid}: {receiver.store.trace(tid)}")

            def descends(spans, child, ancestor_id):
                by_id = {s["span_id"]: s for s in spans}
                p = child["parent_span_id"]
                while p:
                    if p == ancestor_id:
                        return True
                    p = by_id.get(p, {}).get("parent_span_id")
                return False

            # spans arrive in export batches: wait for the server span and its children
            spans = spans_of(reload_trace, lambda s: any(x["kind"] == "CLIENT" for x in s)
                             and any(x["name"] == "POST /admin/reload" for x in s))
            server = next(s for s in spans if s["name"] == "POST /admin/reload")
            mlflow_calls = [s for s in spans if s["kind"] == "CLIENT"]
            assert mlflow_calls and all(descends(spans, s, server["span_id"]) for s in mlflow_calls)
            assert any(str(lab.port("MLFLOW_PORT")) in str(s["attributes"]) for s in mlflow_calls)
            assert any(s["name"] == "model.load" for s in spans)

            spans = spans_of(predict_trace, lambda s: any(x["name"].startswith("S3.") for x in s)
                             and any(x["name"] == "POST /predict" for x in s))
            server = next(s for s in spans if s["name"] == "POST /predict")
            put = next(s for s in spans if s["name"] == "S3.PutObject")
            assert descends(spans, put, server["span_id"]) and put["status_code"] != 2
