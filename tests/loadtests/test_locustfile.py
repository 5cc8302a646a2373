"""The load scenarios without a lab: the locustfile loads, the runner rejects bad input cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from obslab.observability.alerts import load_alerts
from obslab.settings import REPO_ROOT

LOADTESTS = REPO_ROOT / "loadtests"
sys.path.insert(0, str(LOADTESTS))
import scenarios  # noqa: E402

BIN = Path(sys.executable).parent


def test_scenarios_name_real_alerts():
    alerts = {a.name for a in load_alerts("lab")}
    assert set(scenarios.SCENARIOS) == {"baseline", "latency", "errors", "drift"}
    for sc in scenarios.SCENARIOS.values():
        assert sc.alert is None or sc.alert in alerts


def test_locustfile_loads_with_its_scenario_option():
    r = subprocess.run([str(BIN / "locust"), "-f", str(LOADTESTS / "locustfile.py"), "--list"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "PredictUser" in r.stdout


def test_runner_rejects_unknown_scenario():
    r = subprocess.run([sys.executable, str(LOADTESTS / "run.py"), "nosuch"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "unknown scenario 'nosuch'" in r.stderr and "Traceback" not in r.stderr


def test_runner_names_the_fix_when_the_lab_is_down(tmp_path):
    env = {**os.environ, "OBSLAB_HOME": str(tmp_path), "OBSLAB_PORT_OFFSET": "31000"}
    r = subprocess.run([sys.executable, str(LOADTESTS / "run.py"), "errors"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 2
    assert "make up" in r.stderr and "Traceback" not in r.stderr
