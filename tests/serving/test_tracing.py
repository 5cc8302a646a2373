"""OpenTelemetry end to end without the lab: uvicorn + OTLP/HTTP export to a real receiver
(obslab.observability.otlp_receiver, decoding the protobuf). The trace of a /predict request carries
the caller's trace id, its server span is the caller's child, and the embedding flush it triggered
(with its S3 call) hangs below it; log lines are JSON with the same trace id."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from obslab.observability.otlp_receiver import OTLPReceiver
from tests.serving.conftest import MODEL_NAME, free_port, uvicorn_server

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"


def wait_for(fn, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    return fn()


@pytest.mark.slow
def test_traces_exported_with_propagated_context(mlflow_store, tmp_path):
    with OTLPReceiver(port=0) as receiver:
        env = {
            "MLFLOW_TRACKING_URI": mlflow_store["uri"], "MODEL_NAME": MODEL_NAME, "MODEL_POLL_SECONDS": "0",
            "SPOOL_DIR": str(tmp_path / "spool"), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
            "EMBEDDINGS_FLUSH_ROWS": "2", "API_KEY": "",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SERVICE_NAME": "serving-under-test",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.0",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        log = tmp_path / "serving.log"
        with uvicorn_server(env, log) as url:
            # ratio 0 at the root, but a sampled parent is honoured (parent-based sampler)
            r = httpx.post(f"{url}/predict", json={"instances": [[0.5] * 64, [0.1] * 64]},
                           headers={"traceparent": f"00-{TRACE_ID}-{PARENT}-01"})
            assert r.status_code == 200
            for _ in range(5):   # unsampled roots: not exported
                httpx.post(f"{url}/predict", json={"instances": [[0.5] * 64]})
            spans = wait_for(lambda: (t := receiver.store.trace(TRACE_ID)) and
                             any(s["name"].startswith("S3.") for s in t) and
                             any(s["name"] == "POST /predict" for s in t) and t)
            assert spans, f"trace not received; traces: {receiver.store.summaries()}"
            by_name = {s["name"]: s for s in spans}
            server = by_name["POST /predict"]
            assert server["kind"] == "SERVER" and server["parent_span_id"] == PARENT
            assert server["service"] == "serving-under-test"
            assert server["attributes"]["http.route"] == "/predict"
            assert server["attributes"]["http.response.status_code"] == 200
            flush = by_name["embeddings.flush"]
            assert flush["parent_span_id"] == server["span_id"]
            assert flush["attributes"]["embeddings.rows"] == 2
            assert flush["attributes"]["embeddings.outcome"] == "spool"
            s3 = next(s for s in spans if s["name"].startswith("S3."))
            assert s3["kind"] == "CLIENT" and s3["parent_span_id"] == flush["span_id"]
            assert s3["status_code"] == 2, "the failed PutObject is an error span"
            # no ASGI receive/send sub-spans
            assert not [s for s in spans if s["name"].endswith((" http receive", " http send"))]
            time.sleep(1)
            assert all(t["trace_id"] == TRACE_ID or t["root"] != "POST /predict"
                       for t in receiver.store.summaries()), "unsampled roots must not be exported"
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        spool_lines = [x for x in lines if "spooling" in x["message"]]
        assert spool_lines and spool_lines[0]["trace_id"] == TRACE_ID and len(spool_lines[0]["span_id"]) == 16
