"""Schemathesis (every check) against the app's own OpenAPI spec, served by uvicorn: no 5xx, no
response violating the spec, invalid input rejected, valid input accepted. Two configurations: the
lab's (no API key) and a keyed one (admin and /predict behind the Bearer key).

POST /admin/faults is left out of the fuzzing on purpose: a random valid fault spec makes later
/predict calls answer 500 or wait minutes, which is the feature; it is covered in test_faults_auth.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving.conftest import MODEL_NAME, free_port, uvicorn_server

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
KEY = "schemathesis-key"


def run_schemathesis(url: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [SCHEMATHESIS, "run", f"{url}/openapi.json", "--checks", "all",
           "--exclude-operation-id", "set_faults_admin_faults_post",
           "--max-examples", "25", "--workers", "1", "--request-timeout", "10",
           "--suppress-health-check", "too_slow", "--seed", "1", *extra]
    # cwd: schemathesis keeps a .schemathesis/ cache in its working directory
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=workdir)


@pytest.mark.slow
@pytest.mark.parametrize("keyed", [False, True], ids=["lab-no-key", "api-key"])
def test_schemathesis_finds_nothing(mlflow_store, tmp_path, keyed):
    env = {
        "MLFLOW_TRACKING_URI": mlflow_store["uri"], "MODEL_NAME": MODEL_NAME, "MODEL_POLL_SECONDS": "0",
        "SPOOL_DIR": str(tmp_path / "spool"), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
        "OTEL_SDK_DISABLED": "true", "LOG_LEVEL": "WARNING", "API_KEY": KEY if keyed else "",
        "REQUIRE_API_KEY_FOR_PREDICT": "true" if keyed else "false",
    }
    with uvicorn_server(env, tmp_path / "serving.log") as url:
        extra = ("-H", f"Authorization: Bearer {KEY}") if keyed else ()
        out = run_schemathesis(url, tmp_path, *extra)
    report = out.stdout[-6000:] + out.stderr[-2000:]
    assert out.returncode == 0, report
    assert "No issues found" in out.stdout and "Tested: 10" in out.stdout, report
