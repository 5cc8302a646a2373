"""Offline checks of terraform/: formatting, validation of both envs, `terraform test` with a mocked
aws provider (what prod must contain), and the checkov scan. No AWS, no LocalStack."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import CHECKOV, TF_ROOT, TF_SH, explain, run, tf_env


def test_fmt(terraform_bin: str) -> None:
    proc = run([terraform_bin, "fmt", "-check", "-recursive", "-diff"], cwd=TF_ROOT, env=tf_env())
    assert proc.returncode == 0, f"fmt would change files (run terraform fmt -recursive terraform): {explain(proc)}"


@pytest.mark.parametrize("env_dir", ["envs/local", "envs/prod"])
def test_validate(terraform_bin: str, initialised: dict, env_dir: str) -> None:
    proc = run([terraform_bin, "validate", "-json"], cwd=TF_ROOT / env_dir, env=initialised[env_dir])
    result = json.loads(proc.stdout)
    assert result["valid"], f"{env_dir} is invalid: {json.dumps(result['diagnostics'], indent=1)}"
    assert result["error_count"] == 0


def test_every_module_has_the_standard_files() -> None:
    for module in sorted((TF_ROOT / "modules").iterdir()):
        files = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
        missing = [f for f in files if not (module / f).is_file()]
        assert not missing, f"modules/{module.name} lacks {missing}"
        text = (module / "variables.tf").read_text()
        blocks = re.findall(r'variable "(\w+)" \{(.*?)\n\}', text, re.S)
        assert blocks, f"modules/{module.name}/variables.tf declares no variables"
        for name, body in blocks:
            assert "description" in body and "type" in body, f"modules/{module.name}: {name} needs type + description"


def test_prod_contents_with_mocked_provider(terraform_bin: str, initialised: dict) -> None:
    """envs/prod/tests/prod.tftest.hcl: ALB 443 + ACM, 80 -> 301, health checks, WAF rate rule,
    X-Ray sidecar + IAM, 80 % CPU autoscaling, alarms == observability/alerts.yaml ..."""
    proc = run([terraform_bin, "test", "-var-file=prod.tfvars"], cwd=TF_ROOT / "envs/prod",
               env=initialised["envs/prod"])
    assert proc.returncode == 0, explain(proc)
    assert "1 passed, 0 failed" in proc.stdout


def test_monitoring_module(terraform_bin: str, initialised: dict) -> None:
    proc = run([terraform_bin, "test"], cwd=TF_ROOT / "modules/monitoring", env=initialised["modules/monitoring"])
    assert proc.returncode == 0, explain(proc)
    assert "3 passed, 0 failed" in proc.stdout


def test_checkov_has_no_failures_and_every_skip_has_a_reason() -> None:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} missing: run make install (scripts/install.d/terraform.sh)")
    proc = run([str(TF_SH), "checkov", "-o", "json"], cwd=TF_ROOT, env=tf_env())
    assert "prismacloud" not in proc.stdout + proc.stderr, "checkov tried to reach Prisma Cloud"
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [(c["check_id"], c["resource"], c["file_path"]) for r in reports for c in r["results"]["failed_checks"]]
    assert not failed, f"checkov failures: {failed}"
    assert sum(r["summary"]["passed"] for r in reports) > 100, "checkov scanned suspiciously little"
    # Inline skips: #checkov:skip=ID:reason, with a reason of some substance.
    for tf in TF_ROOT.rglob("*.tf"):
        if ".terraform" in tf.parts:
            continue
        for m in re.finditer(r"#checkov:skip=([A-Z0-9_]+)(?::(.*))?", tf.read_text()):
            reason = (m.group(2) or "").strip()
            assert len(reason) > 20, f"{tf.relative_to(TF_ROOT)}: skip {m.group(1)} has no reason"
    # Global skips: each preceded by a comment.
    lines = (TF_ROOT / ".checkov.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s+- CKV", line):
            assert lines[i - 1].strip().startswith("#"), f".checkov.yaml: {line.strip()} has no reason above it"
