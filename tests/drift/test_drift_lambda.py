"""The real zip, deployed with create_function and invoked BY LocalStack through the local-process
runtime executor plugin (localstack/executor, selected by localstack/native.env)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import time
import urllib.request
import uuid

import numpy as np
import pytest

from obslab.settings import REPO_ROOT

pytestmark = pytest.mark.integration
ZIP = REPO_ROOT / "build" / "drift-lambda.zip"


def _npy(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


@pytest.fixture(scope="module")
def deployed(lab):
    import boto3
    from botocore.config import Config

    subprocess.run(["make", "-s", "drift-zip"], cwd=REPO_ROOT, check=True, timeout=600)
    env = lab.aws_env()
    kw = dict(endpoint_url=lab.localstack_url, region_name=lab.aws_region,
              aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3 = boto3.client("s3", **kw)
    lam = boto3.client("lambda", config=Config(read_timeout=300, retries={"max_attempts": 1}), **kw)
    logs = boto3.client("logs", **kw)
    bucket = f"drift-lambda-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    rng = np.random.default_rng(0)
    s3.put_object(Bucket=bucket, Key="training_embeddings/embeddings.npy",
                  Body=_npy((rng.standard_normal((2000, 64)) * 0.3 + 0.2).astype(np.float32)))
    name = f"obslab-drift-test-{uuid.uuid4().hex[:6]}"
    lam.create_function(FunctionName=name, Runtime="python3.13", Architectures=["x86_64"],
                        Role="arn:aws:iam::000000000000:role/drift", Handler="drift.handler.lambda_handler",
                        Code={"ZipFile": ZIP.read_bytes()}, Timeout=300, MemorySize=1024,
                        Environment={"Variables": {"DATA_BUCKET": bucket,
                                                   "PUSHGATEWAY_URL": lab.pushgateway_url}})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    yield {"lam": lam, "s3": s3, "logs": logs, "bucket": bucket, "name": name, "rng": rng}
    lam.delete_function(FunctionName=name)
    # leave no obslab_drift_detected=1 behind for other areas' alert tests
    req = urllib.request.Request(f"{lab.pushgateway_url}/metrics/job/drift", method="DELETE")
    urllib.request.urlopen(req, timeout=5).read()


def test_lambda_runs_the_zip_in_localstack(deployed):
    lam, s3, bucket, rng = deployed["lam"], deployed["s3"], deployed["bucket"], deployed["rng"]
    day = dt.date(2026, 2, 1)
    for i in range(4):
        s3.put_object(Bucket=bucket, Key=f"production_embeddings/{day:%Y/%m/%d}/00000{i}-{uuid.uuid4().hex[:8]}.npy",
                      Body=_npy((rng.standard_normal((100, 64)) * 0.3 + 0.5).astype(np.float32)))
    t0 = time.monotonic()
    r = lam.invoke(FunctionName=deployed["name"], Payload=json.dumps({"date": day.isoformat()}).encode())
    cold = time.monotonic() - t0
    payload = json.loads(r["Payload"].read())
    assert r["StatusCode"] == 200 and "FunctionError" not in r, payload
    assert payload["status"] == "ok" and payload["drift_detected"] is True
    assert payload["publish"]["pushgateway"] == "ok"
    stored = json.loads(s3.get_object(Bucket=bucket, Key=f"drift_results/{day:%Y/%m/%d}/result.json")["Body"].read())
    assert stored["n_current"] == 400
    t0 = time.monotonic()
    r = lam.invoke(FunctionName=deployed["name"], Payload=json.dumps({"date": "2026-02-02"}).encode())
    warm = time.monotonic() - t0
    assert json.loads(r["Payload"].read())["status"] == "missing"
    print(f"\n[drift lambda] cold invoke {cold:.2f} s, warm {warm:.2f} s")
    # the handler's log lines reach CloudWatch Logs
    group = f"/aws/lambda/{deployed['name']}"
    for _ in range(20):
        events = deployed["logs"].filter_log_events(logGroupName=group).get("events", [])
        if any("drift_result" in e["message"] for e in events):
            break
        time.sleep(0.5)
    assert any("drift_result" in e["message"] for e in events)
    assert any(e["message"].startswith("REPORT RequestId") for e in events)


def test_async_invoke_as_eventbridge_does(deployed):
    """EventBridge schedules invoke asynchronously with a scheduled-event payload: the job analyses
    the day before the event's time and writes its result."""
    s3, bucket, rng = deployed["s3"], deployed["bucket"], deployed["rng"]
    day = dt.date(2026, 3, 1)
    s3.put_object(Bucket=bucket, Key=f"production_embeddings/{day:%Y/%m/%d}/000000-{uuid.uuid4().hex[:8]}.npy",
                  Body=_npy((rng.standard_normal((300, 64)) * 0.3 + 0.2).astype(np.float32)))
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
             "time": f"{day + dt.timedelta(days=1)}T02:00:00Z", "detail": {}}
    r = deployed["lam"].invoke(FunctionName=deployed["name"], InvocationType="Event",
                               Payload=json.dumps(event).encode())
    assert r["StatusCode"] == 202
    key = f"drift_results/{day:%Y/%m/%d}/result.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            stored = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            break
        except s3.exceptions.NoSuchKey:
            time.sleep(1)
    else:
        pytest.fail(f"{key} not written within 120 s of the async invoke")
    assert stored["status"] == "ok" and stored["drift_detected"] is False and stored["n_current"] == 300


def test_handler_error_is_an_invocation_error(deployed):
    r = deployed["lam"].invoke(FunctionName=deployed["name"], Payload=b'{"date": "not-a-date"}')
    body = json.loads(r["Payload"].read())
    assert r.get("FunctionError") and "expected YYYY-MM-DD" in body["errorMessage"]


def test_obslab_drift_invoke(deployed, lab_env, obslab_cli):
    """What `make drift` runs: invoke the deployed function through LocalStack, print its result."""
    env = {**lab_env, "DRIFT_FUNCTION_NAME": deployed["name"]}
    p = subprocess.run([obslab_cli, "drift", "invoke", "--date", "2026-02-01", "--no-deploy"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["date"] == "2026-02-01"
    p = subprocess.run([obslab_cli, "drift", "invoke", "--function", "nope-" + uuid.uuid4().hex[:4],
                        "--no-deploy"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "make tf-local" in p.stderr


def _tiny_zip(files: dict[str, str]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_executor_reports_handler_output_and_import_errors(deployed):
    """The executor plugin on its own: printed output reaches the invocation's log tail; an import
    error is an invocation error of type Runtime.ImportModuleError, not a hung invoke."""
    import base64

    lam = deployed["lam"]
    good = f"obslab-exec-ok-{uuid.uuid4().hex[:6]}"
    bad = f"obslab-exec-bad-{uuid.uuid4().hex[:6]}"
    code = {good: {"app.py": "import os\ndef handler(event, context):\n    print('hello from', context.function_name)\n"
                             "    return {'echo': event, 'endpoint': os.environ.get('AWS_ENDPOINT_URL')}\n"},
            bad: {"app.py": "raise RuntimeError('broken at import')\n"}}
    try:
        for name, files in code.items():
            lam.create_function(FunctionName=name, Runtime="python3.13", Role="arn:aws:iam::000000000000:role/x",
                                Handler="app.handler", Code={"ZipFile": _tiny_zip(files)}, Timeout=30)
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
        r = lam.invoke(FunctionName=good, Payload=b'{"a": 1}', LogType="Tail")
        body = json.loads(r["Payload"].read())
        # OTel's botocore instrumentation (active in this process once an in-process serving app set it up)
        # adds {"headers": {"traceparent": ...}} to Lambda payloads, as it would in AWS: allow exactly that.
        body["echo"].pop("headers", None)
        assert "FunctionError" not in r and body["echo"] == {"a": 1}
        assert body["endpoint"].startswith("http://127.0.0.1:")
        assert f"hello from {good}" in base64.b64decode(r["LogResult"]).decode()
        r = lam.invoke(FunctionName=bad, Payload=b"{}")
        body = json.loads(r["Payload"].read())
        assert r.get("FunctionError") and body["errorType"] == "Runtime.ImportModuleError"
        assert "broken at import" in body["errorMessage"]
    finally:
        for name in code:
            lam.delete_function(FunctionName=name)
