"""envs/local applied for real to the test lab's LocalStack through terraform/tf.sh (what
`make tf-local` runs): the lab's buckets are imported, the rest created, a second plan is empty, the
resources answer in LocalStack, and destroy keeps the lab's buckets. State and .terraform live in a
temporary folder; resources get their own names so nothing collides with other tests."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml

from obslab.settings import REPO_ROOT, LabSettings

from .conftest import TF_SH, explain, run, tf_env

ALERTS = yaml.safe_load((REPO_ROOT / "observability" / "alerts.yaml").read_text())["alerts"]
FUNCTION = "obslab-tftest-drift"
PROJECT = "obslabtftest"


def _zip(tmp: Path) -> Path:
    """The drift package from `make drift-zip` when built; otherwise a stand-in in the temp folder."""
    real = REPO_ROOT / "build" / "drift-lambda.zip"
    if real.exists():
        return real
    stand_in = tmp / "drift-lambda.zip"
    with zipfile.ZipFile(stand_in, "w") as z:
        z.writestr("drift/__init__.py", "")
        z.writestr("drift/handler.py", "def lambda_handler(event, context):\n    return {'status': 'stand-in'}\n")
    return stand_in


@pytest.mark.integration
@pytest.mark.slow
def test_local_apply_is_idempotent_and_destroy_keeps_lab_buckets(
    lab: LabSettings, lab_env: dict[str, str], tmp_path: Path, terraform_bin: str,
) -> None:
    env = tf_env(tmp_path / "tfdata", {
        **{k: v for k, v in lab_env.items() if k.startswith("OBSLAB_")},
        "TF_LOCAL_STATE": str(tmp_path / "terraform.tfstate"),
        "TF_VAR_project": PROJECT,
        "TF_VAR_drift_function_name": FUNCTION,
        "TF_VAR_lambda_zip_path": str(_zip(tmp_path)),
    })
    aws = dict(endpoint_url=lab.localstack_url, region_name=lab.aws_region,
               aws_access_key_id="test", aws_secret_access_key="test")
    s3 = boto3.client("s3", **aws)
    for bucket in (lab.artifacts_bucket, lab.data_bucket):
        s3.head_bucket(Bucket=bucket)  # the lab made them: tf.sh must import, not create

    t0 = time.monotonic()
    apply = run([str(TF_SH), "local-apply"], cwd=REPO_ROOT, env=env, timeout=900)
    took = time.monotonic() - t0
    try:
        assert apply.returncode == 0, explain(apply)
        out = apply.stdout
        assert "2 imported" in out, "the lab's buckets must be imported, not created"
        assert "no changes;" in out, "tf.sh must confirm the second plan is empty"
        print(f"\n[terraform] local apply + no-change plan: {took:.0f} s")

        # What the 'done when' lists, checked in LocalStack itself.
        lam = boto3.client("lambda", **aws)
        fn = lam.get_function(FunctionName=FUNCTION)["Configuration"]
        assert fn["State"] == "Active" and fn["Runtime"] == "python3.13"
        assert fn["Handler"] == "drift.handler.lambda_handler"
        assert fn["Environment"]["Variables"]["DATA_BUCKET"] == lab.data_bucket
        assert fn["Environment"]["Variables"]["AWS_ENDPOINT_URL"] == lab.localstack_url
        events = boto3.client("events", **aws)
        rule = events.describe_rule(Name=f"{FUNCTION}-schedule")
        assert rule["ScheduleExpression"] == "cron(0 2 * * ? *)"
        assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]] == [fn["FunctionArn"]]
        topic = f"arn:aws:sns:{lab.aws_region}:000000000000:{PROJECT}-local-alerts"
        assert fn["Environment"]["Variables"]["SNS_TOPIC_ARN"] == topic
        boto3.client("sns", **aws).get_topic_attributes(TopicArn=topic)
        cw = boto3.client("cloudwatch", **aws)
        alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=f"{PROJECT}-local-")["MetricAlarms"]}
        assert len(alarms) == len(ALERTS)
        for alert in ALERTS:
            alarm = alarms[f"{PROJECT}-local-{alert['name']}"]
            assert alarm["Threshold"] == float(alert["threshold"]), alert["name"]
            assert alarm["ComparisonOperator"] == alert["cloudwatch"]["comparison"]
            assert alarm["MetricName"] == alert["cloudwatch"]["metric_name"]
        assert s3.get_bucket_versioning(Bucket=lab.data_bucket)["Status"] == "Enabled"
    finally:
        t1 = time.monotonic()
        destroy = run([str(TF_SH), "local-destroy"], cwd=REPO_ROOT, env=env, timeout=900)
        print(f"[terraform] local destroy: {time.monotonic() - t1:.0f} s")
    assert destroy.returncode == 0, explain(destroy)
    assert "bucket kept" in destroy.stdout
    for bucket in (lab.artifacts_bucket, lab.data_bucket):
        s3.head_bucket(Bucket=bucket)  # still there: the lab owns its data
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=FUNCTION)
