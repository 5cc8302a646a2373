"""The drift job against the lab's real LocalStack S3 (seed layout in a bucket of its own), plus its
side channels: CloudWatch metrics, SNS (delivered to an SQS queue), Pushgateway."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.request
import uuid

import numpy as np
import pytest

from drift.config import JobConfig, Thresholds
from drift.job import run_job

pytestmark = pytest.mark.integration
DAY = dt.date(2026, 1, 15)


def _npy(a: np.ndarray) -> bytes:
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def _delete_drift_group(pushgateway_url: str) -> None:
    """Leave no obslab_drift_detected=1 behind for other areas' alert tests."""
    req = urllib.request.Request(f"{pushgateway_url}/metrics/job/drift", method="DELETE")
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except OSError:
        pass


@pytest.fixture(scope="module", autouse=True)
def _clean_pushgateway(lab):
    yield
    _delete_drift_group(lab.pushgateway_url)


@pytest.fixture(scope="module")
def aws(lab):
    import boto3

    env = lab.aws_env()
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    region_name=lab.aws_region)
    return {n: session.client(n, endpoint_url=lab.localstack_url)
            for n in ("s3", "cloudwatch", "sns", "sqs")}


@pytest.fixture()
def bucket(aws):
    """A fresh bucket in the seed's layout: reference embeddings + manifest."""
    name = f"drift-test-{uuid.uuid4().hex[:8]}"
    s3 = aws["s3"]
    s3.create_bucket(Bucket=name)
    rng = np.random.default_rng(0)
    ref = (rng.standard_normal((3000, 32)) * 0.2 + 0.4).astype(np.float32)
    s3.put_object(Bucket=name, Key="training_embeddings/embeddings.npy", Body=_npy(ref))
    s3.put_object(Bucket=name, Key="training_embeddings/manifest.json", Body=json.dumps(
        {"dimension": 32, "count": 3000, "model_name": "obslab-digits", "model_version": "3",
         "dtype": "float32", "created_at": "2026-01-01T00:00:00Z"}))
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for o in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=o["Key"])
    s3.delete_bucket(Bucket=name)


def _put_day(s3, bucket, day, batches):
    for i, a in enumerate(batches):
        key = f"production_embeddings/{day:%Y/%m/%d}/{i:06d}-{uuid.uuid4().hex[:8]}.npy"
        s3.put_object(Bucket=bucket, Key=key, Body=a if isinstance(a, bytes) else _npy(a))


def _run(aws, bucket, event, **cfg):
    return run_job(event, s3=aws["s3"], cloudwatch=aws["cloudwatch"], sns=aws["sns"],
                   cfg=JobConfig(data_bucket=bucket, **cfg), thresholds=Thresholds())


def _stored(aws, bucket, day):
    body = aws["s3"].get_object(Bucket=bucket, Key=f"drift_results/{day:%Y/%m/%d}/result.json")["Body"]
    return json.loads(body.read())


def test_no_drift_then_drift_idempotent(aws, bucket):
    rng = np.random.default_rng(1)
    _put_day(aws["s3"], bucket, DAY, [(rng.standard_normal((100, 32)) * 0.2 + 0.4).astype(np.float32)
                                      for _ in range(8)])
    r = _run(aws, bucket, {"date": DAY.isoformat()})
    assert r["status"] == "ok" and r["drift_detected"] is False, r["message"]
    assert r["production"]["files"] == 8 and r["n_current"] == 800 and r["n_reference"] == 3000
    assert r["reference"]["model_version"] == "3"
    assert _stored(aws, bucket, DAY)["drift_detected"] is False
    # drifted traffic the same day, rerun: the same key is overwritten
    _put_day(aws["s3"], bucket, DAY, [(rng.standard_normal((100, 32)) * 0.3 + 0.7).astype(np.float32)
                                      for _ in range(20)])
    r2 = _run(aws, bucket, {"date": DAY.isoformat()})
    assert r2["drift_detected"] is True and r2["result_key"] == r["result_key"]
    stored = _stored(aws, bucket, DAY)
    assert stored["drift_detected"] is True and stored["production"]["files"] == 28
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket, Prefix="drift_results/")["Contents"]]
    assert keys == [f"drift_results/{DAY:%Y/%m/%d}/result.json"]
    assert r2["publish"]["cloudwatch"] == "ok"


def test_default_window_is_the_day_before_the_event(aws, bucket):
    rng = np.random.default_rng(2)
    _put_day(aws["s3"], bucket, DAY, [(rng.standard_normal((60, 32)) * 0.2 + 0.4).astype(np.float32)])
    # an EventBridge scheduled event carries its time: the job analyses the previous day
    r = _run(aws, bucket, {"time": f"{DAY + dt.timedelta(days=1)}T02:00:00Z", "source": "aws.events"})
    assert r["date"] == DAY.isoformat() and r["status"] == "ok"


def test_bounded_sample_over_a_window(aws, bucket):
    rng = np.random.default_rng(3)
    for k in range(3):
        _put_day(aws["s3"], bucket, DAY - dt.timedelta(days=k),
                 [(rng.standard_normal((150, 32)) * 0.2 + 0.4).astype(np.float32) for _ in range(3)])
    r = _run(aws, bucket, {"start_date": (DAY - dt.timedelta(days=2)).isoformat(), "end_date": DAY.isoformat()},
             max_current_rows=500)
    assert r["production"]["rows_seen"] == 1350 and r["n_current"] == 500
    assert r["window"] == {"start": (DAY - dt.timedelta(days=2)).isoformat(), "end": DAY.isoformat()}


@pytest.mark.parametrize("case,status", [("missing", "missing"), ("empty", "empty"),
                                          ("corrupt", "corrupt"), ("few_rows", "empty"),
                                          ("no_reference", "missing"), ("wrong_dim", "corrupt")])
def test_data_problems_give_a_result_not_a_crash(aws, bucket, case, status):
    s3 = aws["s3"]
    if case == "empty":
        _put_day(s3, bucket, DAY, [np.zeros((0, 32), np.float32)] * 3)
    elif case == "corrupt":
        _put_day(s3, bucket, DAY, [b"garbage", b"\x93NUMPY truncated"])
    elif case == "few_rows":
        _put_day(s3, bucket, DAY, [np.zeros((5, 32), np.float32), np.full((40, 32), np.nan, np.float32)])
    elif case == "no_reference":
        s3.delete_object(Bucket=bucket, Key="training_embeddings/embeddings.npy")
        _put_day(s3, bucket, DAY, [np.zeros((50, 32), np.float32)])
    elif case == "wrong_dim":
        _put_day(s3, bucket, DAY, [np.zeros((50, 16), np.float32)])
    r = _run(aws, bucket, {"date": DAY.isoformat()})
    assert r["status"] == status and r["drift_detected"] is False and r["message"]
    assert _stored(aws, bucket, DAY)["status"] == status
    if case == "few_rows":
        assert r["production"]["dropped_rows"] == 40


def test_partly_corrupt_day_still_tested(aws, bucket):
    rng = np.random.default_rng(4)
    _put_day(aws["s3"], bucket, DAY, [b"garbage"] + [(rng.standard_normal((80, 32)) * 0.2 + 0.4)
                                                     .astype(np.float32) for _ in range(3)])
    r = _run(aws, bucket, {"date": DAY.isoformat()})
    assert r["status"] == "ok" and r["production"]["corrupt_files"] == 1 and r["n_current"] == 240


def test_side_channels(aws, bucket, lab):
    """Drift publishes CloudWatch metrics, an SNS message, and the Pushgateway group job="drift"."""
    topic = aws["sns"].create_topic(Name=f"drift-alerts-{uuid.uuid4().hex[:6]}")["TopicArn"]
    q = aws["sqs"].create_queue(QueueName=f"drift-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    qarn = aws["sqs"].get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    rng = np.random.default_rng(5)
    _put_day(aws["s3"], bucket, DAY, [(rng.standard_normal((200, 32)) * 0.2 + 0.6).astype(np.float32)])
    r = _run(aws, bucket, {"date": DAY.isoformat()}, sns_topic_arn=topic, pushgateway_url=lab.pushgateway_url)
    assert r["drift_detected"] is True
    assert r["publish"] == {"cloudwatch": "ok", "sns": "published", "pushgateway": "ok"}
    msgs = aws["sqs"].receive_message(QueueUrl=q, WaitTimeSeconds=5).get("Messages", [])
    assert msgs and "drift detected" in json.loads(msgs[0]["Body"])["Message"]
    names = {m["MetricName"] for m in aws["cloudwatch"].list_metrics(Namespace="obslab/Drift")["Metrics"]}
    assert {"DriftDetected", "KsPValueMin", "MeanShift", "CentroidCosineSimilarity", "StdRatio",
            "KsDriftedFraction", "DataStatus"} <= names
    text = urllib.request.urlopen(f"{lab.pushgateway_url}/metrics", timeout=5).read().decode()
    lines = [line for line in text.splitlines() if line.startswith("obslab_drift") and 'job="drift"' in line]
    assert any(line.startswith("obslab_drift_detected{") and line.endswith(" 1") for line in lines)
    for method in ("ks_pvalue_min", "ks_drifted_fraction", "centroid_cosine_similarity", "mean_shift", "std_ratio"):
        assert any(f'method="{method}"' in line for line in lines), method
    assert any('obslab_drift_data_status{' in line and 'status="ok"' in line and line.endswith(" 1")
               for line in lines)
    # missing data the next day: status metric flips, no drift
    r = _run(aws, bucket, {"date": (DAY + dt.timedelta(days=1)).isoformat()}, pushgateway_url=lab.pushgateway_url)
    text = urllib.request.urlopen(f"{lab.pushgateway_url}/metrics", timeout=5).read().decode()
    assert any(line.startswith("obslab_drift_data_status{") and 'status="missing"' in line and line.endswith(" 1")
               for line in text.splitlines())
    assert any(line.startswith("obslab_drift_detected{") and line.endswith(" 0") for line in text.splitlines())
    # unset topic: skipped cleanly
    _put_day(aws["s3"], bucket, DAY, [(rng.standard_normal((200, 32)) * 0.2 + 0.6).astype(np.float32)])
    r = _run(aws, bucket, {"date": DAY.isoformat()})
    assert r["publish"]["sns"].startswith("skipped")


def test_bad_event_is_rejected_with_a_message(aws, bucket):
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        _run(aws, bucket, {"date": "yesterday"})
