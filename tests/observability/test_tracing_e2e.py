"""Trace export end to end against a real OTLP/HTTP receiver (obslab.observability.otlp_receiver, which
decodes the protobuf with opentelemetry-proto): one trace links the locust request (its client span,
propagated as `traceparent`), serving's server span, the embeddings flush with its S3 PutObject, and
a model reload with its MLflow HTTP calls.

The lab's MLflow/LocalStack are used; serving runs as a second process pointed at the test's receiver
(standard OTEL_* variables only), so the test does not depend on how the lab's serving exports.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from obslab.native.components import serving_env
from obslab.observability.otlp_receiver import OTLPReceiver
from obslab.settings import REPO_ROOT

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(spans: list[dict], root_id: str) -> list[dict]:
    children: dict[str, list[dict]] = {}
    for s in spans:
        children.setdefault(s["parent_span_id"] or "", []).append(s)
    out, todo = [], [root_id]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c["span_id"])
    return out


def _wait(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def traced_serving(lab, tmp_path):
    with OTLPReceiver() as receiver:
        port = _free_port()
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_TRACES_SAMPLER": "parentbased_always_on", "OTEL_BSP_SCHEDULE_DELAY": "200",
                "OTEL_SERVICE_NAME": "serving"}
        env = {**{k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}, **serving_env(lab), **otel,
               "SPOOL_DIR": str(tmp_path / "spool"), "EMBEDDINGS_FLUSH_SECONDS": "3600"}
        log = (tmp_path / "serving.log").open("w")
        proc = subprocess.Popen([str(BIN / "uvicorn"), "serving.main:app", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", "1", "--no-access-log"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=REPO_ROOT)
        url = f"http://127.0.0.1:{port}"
        try:
            def ready():
                if proc.poll() is not None:
                    pytest.fail(f"serving exited {proc.returncode}: {(tmp_path / 'serving.log').read_text()[-3000:]}")
                try:
                    return httpx.get(f"{url}/ready", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False
            _wait(ready, 120, "the traced serving process to be ready")
            yield url, receiver, otel
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def test_one_trace_links_locust_serving_s3_and_mlflow(lab, traced_serving):
    url, receiver, otel = traced_serving
    admin = {"authorization": f"Bearer {lab.api_key}"} if lab.api_key else {}
    httpx.post(f"{url}/admin/embeddings/flush", headers=admin, timeout=30)  # empty buffer: our rows come next
    receiver.store.clear()

    # Locust, exporting its own client spans to the same receiver.
    env = {**os.environ, **otel, "OTEL_SERVICE_NAME": "locust", "LOCUST_SCENARIO": "baseline"}
    if lab.api_key:
        env["API_KEY"] = lab.api_key
    r = subprocess.run([str(BIN / "locust"), "-f", str(REPO_ROOT / "loadtests" / "locustfile.py"), "--headless",
                        "-u", "1", "-r", "1", "--run-time", "3s", "--host", url, "--only-summary"],
                       env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    flush = httpx.post(f"{url}/admin/embeddings/flush", headers=admin, timeout=30)
    assert flush.status_code == 200, flush.text

    def linked_trace():
        for t in receiver.store.summaries():
            spans = receiver.store.trace(t["trace_id"]) or []
            for root in (s for s in spans if s["service"] == "locust" and s["parent_span_id"] is None):
                below = _descendants(spans, root["span_id"])
                server = [s for s in below if s["service"] == "serving" and s["kind"] == "SERVER"
                          and s["parent_span_id"] == root["span_id"]]
                flushes = [s for s in below if s["name"] == "embeddings.flush"]
                s3 = [s for f in flushes for s in _descendants(spans, f["span_id"])
                      if s["attributes"].get("rpc.service") == "S3"]
                if server and flushes and s3:
                    return root, server[0], s3[0]
        return None

    root, server, s3 = _wait(linked_trace, 30, "a locust -> serving -> embeddings.flush -> S3 trace")
    assert "/predict" in server["name"]
    assert s3["kind"] == "CLIENT" and "PutObject" in s3["name"]

    # A model reload joined to the same trace: model.load and its HTTP calls to MLflow.
    tp = f"00-{root['trace_id']}-{root['span_id']}-01"
    rl = httpx.post(f"{url}/admin/reload", headers={**admin, "traceparent": tp}, timeout=120)
    assert rl.status_code == 200, rl.text
    mlflow_port = str(lab.port("MLFLOW_PORT"))

    def mlflow_spans():
        spans = receiver.store.trace(root["trace_id"]) or []
        loads = [s for s in spans if s["name"] == "model.load"]
        calls = [s for ld in loads for s in _descendants(spans, ld["span_id"])
                 if s["kind"] == "CLIENT" and mlflow_port in str(s["attributes"].get("url.full")
                                                                  or s["attributes"].get("http.url", ""))]
        return calls or None

    calls = _wait(mlflow_spans, 30, "model.load's MLflow HTTP spans in the same trace")
    assert {s["trace_id"] for s in calls} == {root["trace_id"]}
