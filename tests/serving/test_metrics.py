"""/metrics: the contract's names and buckets, ML metrics, exemplars in OpenMetrics."""

from __future__ import annotations

import re

from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.parser import text_string_to_metric_families as text_families

from serving.config import LATENCY_BUCKETS

ROW = [0.5] * 64
CONTRACT_LE = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "0.75", "1.0", "1.5", "2.0",
               "3.0", "5.0", "10.0", "+Inf"]


def samples(text: str) -> list:
    return [s for fam in text_families(text) for s in fam.samples]


def test_contract_metric_names_labels_and_buckets(client):
    preds = client.post("/predict", json={"instances": [ROW, [0.0] * 64, ROW]}).json()["predictions"]
    client.post("/predict", json={"instances": []})
    client.get("/ready")
    text = client.get("/metrics").text
    s = samples(text)
    names = {x.name for x in s}
    for name in ["http_requests_total", "http_request_duration_seconds_bucket", "obslab_predictions_total",
                 "obslab_model_info", "obslab_model_ready", "obslab_inference_seconds_bucket",
                 "obslab_embeddings_logged_total", "obslab_embeddings_dropped_total",
                 "obslab_embeddings_spooled_rows", "obslab_memory_limit_bytes",
                 "process_resident_memory_bytes", "process_cpu_seconds_total"]:
        assert name in names, name
    req = {(x.labels["handler"], x.labels["status"]): x.value for x in s if x.name == "http_requests_total"}
    assert req[("/predict", "2xx")] == 1 and req[("/predict", "4xx")] == 1
    assert not any(h in ("/ready", "/health", "/metrics") for h, _ in req), "probes must not be counted"
    les = [x.labels["le"] for x in s if x.name == "http_request_duration_seconds_bucket"
           and x.labels["handler"] == "/predict"]
    assert les == CONTRACT_LE
    assert [float(v) for v in CONTRACT_LE[:-1]] == list(LATENCY_BUCKETS)
    lat = {x.labels["handler"]: x.labels.keys() for x in s if x.name == "http_request_duration_seconds_count"}
    assert set(lat["/predict"]) == {"handler", "method"}
    by_class = {x.labels["predicted_class"]: x.value for x in s if x.name == "obslab_predictions_total"}
    assert sum(by_class.values()) == 3
    for p in preds:
        assert by_class[str(p)] >= 1
    info = [x for x in s if x.name == "obslab_model_info"]
    assert len(info) == 1 and info[0].labels == {"name": "obslab-digits", "version": "1"} and info[0].value == 1
    assert [x.value for x in s if x.name == "obslab_model_ready"] == [1.0]


def test_memory_limit_from_setting(app_client):
    with app_client(serving_memory_limit_mb=512) as c:
        v = [x.value for x in samples(c.get("/metrics").text) if x.name == "obslab_memory_limit_bytes"]
        assert v == [512 * 1024 * 1024]


def test_openmetrics_exemplars_carry_the_trace_id(client):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    r = client.post("/predict", json={"instances": [ROW]},
                    headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert r.status_code == 200
    om = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    assert om.text.rstrip().endswith("# EOF")
    families = {f.name: f for f in text_string_to_metric_families(om.text)}   # strict parser
    ex = [s.exemplar for s in families["http_request_duration_seconds"].samples
          if s.exemplar and s.labels.get("handler") == "/predict"]
    assert ex and ex[0].labels["trace_id"] == trace_id, "incoming traceparent -> exemplar trace_id"
    # plain text format (Prometheus without exemplar support) has none and is still parseable
    plain = client.get("/metrics")
    assert plain.headers["content-type"].startswith("text/plain")
    assert "# {" not in plain.text and samples(plain.text)


def test_unsampled_parent_gives_no_exemplar(client):
    client.post("/predict", json={"instances": [ROW]},
                headers={"traceparent": "00-11111111111111111111111111111111-00f067aa0ba902b7-00"})
    om = client.get("/metrics", headers={"Accept": "application/openmetrics-text"}).text
    assert "11111111111111111111111111111111" not in om
    assert not re.search(r'handler="/predict".*# \{', om)


def test_uninstrumented_mode_still_predicts(app_client):
    with app_client(obslab_instrumentation=False) as c:
        assert c.post("/predict", json={"instances": [ROW]}).status_code == 200
        assert "disabled" in c.get("/metrics").text
