"""Shared fixtures. `lab` starts the real native lab once per test session, on its own home and ports
(so a developer's running lab is untouched), and stops it, removing its data, at the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from obslab.native.components import build_components
from obslab.native.supervisor import Supervisor
from obslab.settings import REPO_ROOT, LabSettings, child_environ, get_settings

OBSLAB = str(Path(sys.executable).parent / "obslab")
TEST_HOME = REPO_ROOT / ".lab-test"
TEST_PORT_OFFSET = int(os.environ.get("OBSLAB_TEST_PORT_OFFSET", "20000"))


def _lab_env() -> dict[str, str]:
    env = child_environ()
    env.update(OBSLAB_HOME=str(TEST_HOME), OBSLAB_PORT_OFFSET=str(TEST_PORT_OFFSET))
    return env


@pytest.fixture(scope="session")
def lab() -> Iterator[LabSettings]:
    """A running native lab (all components healthy, a champion model served). Set OBSLAB_TEST_REUSE=1
    to run against the lab described by the current environment/.env instead (not stopped after)."""
    if os.environ.get("OBSLAB_TEST_REUSE") == "1":
        yield get_settings()
        return
    env = _lab_env()
    subprocess.run([OBSLAB, "down", "--clean"], env=env, capture_output=True)  # leftovers of a killed run
    t0 = time.monotonic()
    proc = subprocess.run([OBSLAB, "up"], env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        subprocess.run([OBSLAB, "down", "--clean"], env=env, capture_output=True)
        pytest.fail(f"obslab up failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    print(f"\n[lab] native lab up in {time.monotonic() - t0:.1f} s at offset {TEST_PORT_OFFSET}")
    saved = {k: os.environ.get(k) for k in ("OBSLAB_HOME", "OBSLAB_PORT_OFFSET")}
    os.environ.update(OBSLAB_HOME=str(TEST_HOME), OBSLAB_PORT_OFFSET=str(TEST_PORT_OFFSET))
    os.environ.pop("AWS_CA_BUNDLE", None)
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        settings = LabSettings(obslab_home=TEST_HOME, obslab_port_offset=TEST_PORT_OFFSET)
        ports = [p for c in build_components(settings) for p in c.ports.values()]
        down = subprocess.run([OBSLAB, "down", "--clean"], env=env, capture_output=True, text=True)
        print(f"\n[lab] {down.stdout.strip()}")
        # `make down` must leave no listening port behind.
        assert down.returncode == 0, f"obslab down failed:\n{down.stdout}\n{down.stderr}"
        still_open = [p for p in ports if Supervisor.port_open("127.0.0.1", p)]
        assert not still_open, f"ports still listening after obslab down: {still_open}\n{down.stdout}"


@pytest.fixture(scope="session")
def lab_env(lab: LabSettings) -> dict[str, str]:
    """Environment for a subprocess that should talk to the test lab (obslab CLI, locust, terraform)."""
    env = child_environ()
    env.update(OBSLAB_HOME=str(lab.obslab_home), OBSLAB_PORT_OFFSET=str(lab.obslab_port_offset))
    return env


@pytest.fixture(scope="session")
def obslab_cli() -> str:
    return OBSLAB
