"""POST /predict against the real registered model: predictions, shapes and every kind of bad input."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from serving.model import make_predict


def test_predictions_match_the_registered_model(client, mlflow_store, digits_xy):
    x, _ = digits_xy
    mlflow.set_registry_uri(mlflow_store["uri"])
    mlflow.set_tracking_uri(mlflow_store["uri"])
    estimator = mlflow.sklearn.load_model(f"models:/obslab-digits/{mlflow_store['version']}")
    expected = estimator.predict(x[:512]).tolist()
    got = []
    for start in range(0, 512, 256):
        r = client.post("/predict", json={"instances": x[start:start + 256].tolist()})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["model_version"] == mlflow_store["version"]
        got += body["predictions"]
    assert got == expected
    # the model is decent: this guards against a fast path that predicts garbage consistently
    assert np.mean(np.array(got) == digits_xy[1][:512]) > 0.9


def test_linear_fast_path_is_identical_to_sklearn(digits_xy):
    from sklearn.linear_model import LogisticRegression

    x, y = digits_xy
    est = LogisticRegression(max_iter=300).fit(x, y)
    predict, fast = make_predict(est, 64)
    assert fast
    rng = np.random.default_rng(1)
    probe = np.vstack([x, rng.normal(0, 5, (2000, 64))]).astype(np.float64)
    assert np.array_equal(predict(probe), est.predict(probe))


def test_non_linear_model_uses_estimator_predict(digits_xy):
    x, y = digits_xy
    est = DecisionTreeClassifier(max_depth=5, random_state=0).fit(x, y)
    predict, fast = make_predict(est, 64)
    assert not fast
    assert np.array_equal(predict(x.astype(np.float64)), est.predict(x))


def test_curl_default_form_content_type_is_accepted(client):
    # `curl -d '{...}'` sends application/x-www-form-urlencoded: the body is still KServe JSON.
    body = json.dumps({"instances": [[0.5] * 64]})
    r = client.post("/predict", content=body,
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert len(r.json()["predictions"]) == 1


ROW = [0.25] * 64
BAD = [
    ("not-json", b"{instances: [", 400, "not valid JSON"),
    ("empty-body", b"", 400, "not valid JSON"),
    ("top-level-list", json.dumps([ROW]).encode(), 422, "object"),
    ("missing-instances", json.dumps({"inputs": [ROW]}).encode(), 422, "missing field"),
    ("instances-not-list", json.dumps({"instances": 3}).encode(), 422, "instances"),
    ("flat-row", json.dumps({"instances": ROW}).encode(), 422, "instances[0]"),
    ("empty-batch", json.dumps({"instances": []}).encode(), 422, "empty batch"),
    ("empty-row", json.dumps({"instances": [[]]}).encode(), 422, "instances[0]"),
    ("wrong-dim", json.dumps({"instances": [[0.1] * 63]}).encode(), 422, "expects 64"),
    ("ragged", json.dumps({"instances": [ROW, [0.1] * 65]}).encode(), 422, "instances[1] has 65 values"),
    ("string", json.dumps({"instances": [["0.1"] * 64]}).encode(), 422, "valid number"),
    ("bool", json.dumps({"instances": [[True] * 64]}).encode(), 422, "valid number"),
    ("null", json.dumps({"instances": [[None] * 64]}).encode(), 422, "valid number"),
    ("nested", json.dumps({"instances": [[[0.1]] * 64]}).encode(), 422, "valid number"),
    ("nan", b'{"instances": [[NaN' + b", 0.1" * 63 + b"]]}", 422, "finite number"),
    ("inf", b'{"instances": [[Infinity' + b", 0.1" * 63 + b"]]}", 422, "finite number"),
    ("overflow", b'{"instances": [[1e400' + b", 0.1" * 63 + b"]]}", 422, "finite number"),
    ("beyond-float32", b'{"instances": [[1e39' + b", 0.1" * 63 + b"]]}", 422, "less than or equal"),
    ("oversized-batch", json.dumps({"instances": [ROW] * 257}).encode(), 422, "MAX_BATCH_SIZE"),
]


@pytest.mark.parametrize("body,status,needle", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_4xx_with_a_reason(client, body, status, needle):
    r = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert needle in r.json()["detail"]


def test_oversized_body_is_413(app_client):
    with app_client(max_body_bytes=4096) as c:
        big = json.dumps({"instances": [ROW] * 40}).encode()
        assert len(big) > 4096
        r = c.post("/predict", content=big)
        assert r.status_code == 413 and "MAX_BODY_BYTES" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit is enforced while reading
            for i in range(0, len(big), 1000):
                yield big[i:i + 1000]

        r = c.post("/predict", content=chunks())
        assert r.status_code == 413, r.text
        # still serving after that
        assert c.post("/predict", json={"instances": [ROW]}).status_code == 200


def test_health_ready_model_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["status"] == "ready"
    m = client.get("/model").json()
    assert m["name"] == "obslab-digits" and m["input_dim"] == 64 and m["version"]
    assert m["classes"] == list(range(10)) and m["fast_path"] is True and m["max_batch_size"] == 256
    spec = client.get("/openapi.json").json()
    req = spec["components"]["schemas"]["PredictRequest"]
    rows = req["properties"]["instances"]
    assert rows["maxItems"] == 256 and rows["items"]["minItems"] == rows["items"]["maxItems"] == 64
    assert {"/predict", "/health", "/ready", "/model", "/metrics", "/admin/faults"} <= set(spec["paths"])
