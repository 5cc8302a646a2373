"""The CLI's failure paths: a message naming the fix and exit 1, never a stack trace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OBSLAB = str(Path(sys.executable).parent / "obslab")


def _run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "OBSLAB_HOME": str(tmp_path / "lab"), **env}
    return subprocess.run([OBSLAB, *args], env=full, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(subprocess.run(["docker", "info"], capture_output=True).returncode == 0,
                    reason="a Docker engine answers here")
def test_compose_runtime_without_engine_says_how_to_proceed(tmp_path):
    r = _run("status", "--runtime", "compose", tmp_path=tmp_path)
    assert r.returncode == 1
    assert "RUNTIME=native" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_logs_of_unknown_component_lists_known_ones(tmp_path):
    (tmp_path / "lab" / "logs").mkdir(parents=True)
    (tmp_path / "lab" / "logs" / "serving.log").write_text("hello\n")
    r = _run("logs", "nosuch", "--runtime", "native", tmp_path=tmp_path)
    assert r.returncode == 1
    assert "no log for 'nosuch'" in r.stdout and "serving" in r.stdout
    ok = _run("logs", "serving", "--runtime", "native", tmp_path=tmp_path)
    assert ok.returncode == 0 and "hello" in ok.stdout


def test_down_with_nothing_running_is_harmless(tmp_path):
    r = _run("down", "--runtime", "native", tmp_path=tmp_path)
    assert r.returncode == 0
    assert "nothing was running" in r.stdout
