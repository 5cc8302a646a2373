"""Smoke test of the prod-only modules' API shapes: networking, ECR, RDS, ALB + ACM + WAFv2 and ECS
(X-Ray sidecar, Cloud Map) applied to ministack, which serves the APIs LocalStack Community answers
501 for. ministack 1.5.33 has no Application Auto Scaling (the smoke root turns it off; the mocked
`terraform test` covers it) and its re-plans are not empty (emulator fidelity), so only the apply and
what the APIs then report are checked."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import boto3
import httpx
import pytest

from obslab.settings import REPO_ROOT

from .conftest import explain, run, tf_env

MINISTACK = REPO_ROOT / ".venv-ministack" / "bin" / "ministack"
SMOKE_ROOT = Path(__file__).parent / "ministack"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ministack(tmp_path: Path):
    if not MINISTACK.exists():
        pytest.fail(f"{MINISTACK} missing: run make install (scripts/install.d/terraform.sh installs it)")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    env.update(BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port))
    log = (tmp_path / "ministack.log").open("w")
    proc = subprocess.Popen([str(MINISTACK)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/_ministack/health", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"ministack did not start: {(tmp_path / 'ministack.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.slow
def test_prod_only_modules_apply_to_ministack(ministack: str, tmp_path: Path, terraform_bin: str) -> None:
    env = tf_env(tmp_path / "tfdata", {"TF_VAR_endpoint": ministack})
    init = run([terraform_bin, "init", "-input=false", f"-backend-config=path={tmp_path / 'smoke.tfstate'}"],
               cwd=SMOKE_ROOT, env=env)
    assert init.returncode == 0, explain(init)
    t0 = time.monotonic()
    apply = run([terraform_bin, "apply", "-auto-approve", "-input=false"], cwd=SMOKE_ROOT, env=env, timeout=900)
    assert apply.returncode == 0, explain(apply)
    state = run([terraform_bin, "state", "list"], cwd=SMOKE_ROOT, env=env).stdout.split()
    print(f"\n[terraform] prod-only modules on ministack: {len(state)} resources in {time.monotonic() - t0:.0f} s")
    assert len(state) >= 80, state

    aws = dict(endpoint_url=ministack, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ecs = boto3.client("ecs", **aws)
    cluster = ecs.describe_clusters(clusters=["mstest-prod"], include=["SETTINGS"])["clusters"][0]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    family = ecs.describe_task_definition(taskDefinition="mstest-prod-serving")["taskDefinition"]
    assert {c["name"] for c in family["containerDefinitions"]} == {"serving", "xray-daemon"}
    elb = boto3.client("elbv2", **aws)
    lb = elb.describe_load_balancers(Names=["mstest-prod"])["LoadBalancers"][0]
    listeners = {x["Port"]: x for x in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    assert listeners[443]["Protocol"] == "HTTPS" and listeners[443]["Certificates"]
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    waf = boto3.client("wafv2", **aws)
    acl = waf.get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"])["WebACL"]
    assert any("RateBasedStatement" in r["Statement"] for r in acl["Rules"]), json.dumps(acl["Rules"])[:500]
    db = boto3.client("rds", **aws).describe_db_instances(DBInstanceIdentifier="mstest-prod")["DBInstances"][0]
    assert db["StorageEncrypted"] and not db["PubliclyAccessible"]
