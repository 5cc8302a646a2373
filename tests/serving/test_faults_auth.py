"""/admin/faults (real 500s, latency, expiry, validation) and the Bearer API key."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROW = [0.5] * 64
KEY = "s3cret-key-for-tests"


def status_counts(client) -> dict:
    return {s.labels["status"]: s.value for f in text_string_to_metric_families(client.get("/metrics").text)
            for s in f.samples if s.name == "http_requests_total" and s.labels["handler"] == "/predict"}


def test_error_fault_gives_real_500s_counted_as_5xx(client):
    assert client.get("/admin/faults").json()["active"] is False
    r = client.post("/admin/faults", json={"error_rate": 1.0})
    assert r.status_code == 200 and r.json()["active"] and r.json()["error_rate"] == 1.0
    for _ in range(12):
        r = client.post("/predict", json={"instances": [ROW]})
        assert r.status_code == 500 and "injected" in r.json()["detail"]
    assert status_counts(client)["5xx"] == 12
    assert client.get("/admin/faults").json()["injected_errors"] == 12
    assert client.delete("/admin/faults").json()["active"] is False
    assert client.post("/predict", json={"instances": [ROW]}).status_code == 200


def test_partial_error_rate(client):
    client.post("/admin/faults", json={"error_rate": 0.5})
    codes = [client.post("/predict", json={"instances": [ROW]}).status_code for _ in range(200)]
    assert set(codes) == {200, 500}
    assert 50 < codes.count(500) < 150


def test_latency_fault_and_expiry(client):
    client.post("/admin/faults", json={"latency_ms": 300, "duration_s": 1.5})
    t0 = time.monotonic()
    assert client.post("/predict", json={"instances": [ROW]}).status_code == 200
    assert time.monotonic() - t0 >= 0.3
    text = client.get("/metrics").text
    assert 'http_request_duration_seconds_bucket{handler="/predict",le="0.25",method="POST"} 0.0' in text
    st = client.get("/admin/faults").json()
    assert st["active"] and 0 < st["remaining_s"] <= 1.5
    time.sleep(1.6)
    assert client.get("/admin/faults").json()["active"] is False
    t0 = time.monotonic()
    client.post("/predict", json={"instances": [ROW]})
    assert time.monotonic() - t0 < 0.3


@pytest.mark.parametrize("spec", [
    {"error_rate": 1.5}, {"error_rate": -0.1}, {"latency_ms": -1}, {"latency_ms": "slow"},
    {"duration_s": 0}, {"latency_ms": 10, "bogus": 1}, [],
])
def test_invalid_fault_spec_is_422(client, spec):
    r = client.post("/admin/faults", json=spec)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]
    assert client.get("/admin/faults").json()["active"] is False


def test_admin_requires_the_key_when_set(app_client):
    with app_client(api_key=KEY) as c:
        assert c.get("/admin/faults").status_code == 401
        assert c.get("/admin/faults", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/admin/faults", headers={"Authorization": f"Basic {KEY}"}).status_code == 401
        r = c.post("/admin/faults", json={"error_rate": 1.0})
        assert r.status_code == 401 and "API key" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"
        ok = c.get("/admin/faults", headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200 and ok.json()["active"] is False
        # predict stays open unless REQUIRE_API_KEY_FOR_PREDICT
        assert c.post("/predict", json={"instances": [ROW]}).status_code == 200


def test_predict_requires_the_key_when_configured(app_client):
    with app_client(api_key=KEY, require_api_key_for_predict=True) as c:
        assert c.post("/predict", json={"instances": [ROW]}).status_code == 401
        r = c.post("/predict", json={"instances": [ROW]}, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401
        r = c.post("/predict", json={"instances": [ROW]}, headers={"Authorization": f"Bearer {KEY}"})
        assert r.status_code == 200


def test_admin_open_without_a_key(client):
    # lab mode: API_KEY unset -> /admin is open (a warning is logged at startup)
    assert client.get("/admin/faults").status_code == 200
