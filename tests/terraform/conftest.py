"""Helpers for the Terraform tests: run terraform (and terraform/tf.sh) with the repository's CLI
config, provider plugin cache and a private TF_DATA_DIR, so no test touches a developer's
`.terraform` folder or state."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from obslab.settings import REPO_ROOT

TF_ROOT = REPO_ROOT / "terraform"
TF_SH = TF_ROOT / "tf.sh"
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def tf_env(data_dir: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_CA_BUNDLE", "TF_CLI_ARGS")}
    out = subprocess.run([str(TF_SH), "env"], capture_output=True, text=True, check=True).stdout
    for assignment in out.split()[1:]:  # "export A=1 B=2 ..."
        k, _, v = assignment.partition("=")
        env[k] = v
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_CLI_ARGS"] = "-no-color"
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.fail("terraform not found on PATH: install Terraform >= 1.7 (make install checks it)")
    return path


@pytest.fixture(scope="session")
def initialised(terraform_bin: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """`terraform init -backend=false` once per root that the static tests use, each in its own
    TF_DATA_DIR; returns the environment to use per root (relative path under terraform/)."""
    envs = {}
    for rel in ("envs/local", "envs/prod", "modules/monitoring"):
        env = tf_env(tmp_path_factory.mktemp(rel.replace("/", "-")))
        proc = run([terraform_bin, "init", "-input=false", "-backend=false"], cwd=TF_ROOT / rel, env=env)
        assert proc.returncode == 0, f"terraform init in {rel} failed: {explain(proc)}"
        envs[rel] = env
    return envs
