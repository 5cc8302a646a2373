"""End to end on the native lab: locust load, fault switched on, alert fires, email arrives, fault off,
resolved email arrives. Bounds are generous (2 shared CI cores); the lab target is <= 20 s each."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from obslab.settings import REPO_ROOT

pytestmark = pytest.mark.integration
BOUND_S = 90


@pytest.mark.parametrize("scenario,alert", [("errors", "HighErrorRate"), ("latency", "HighLatency")])
def test_scenario_alert_reaches_the_inbox_and_resolves(lab, lab_env, scenario, alert):
    r = subprocess.run([sys.executable, str(REPO_ROOT / "loadtests" / "run.py"), scenario, "--bound", str(BOUND_S)],
                       env=lab_env, capture_output=True, text=True, timeout=3 * BOUND_S + 120)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["scenario"] == scenario and result["alert"] == alert
    assert 0 < result["firing_s"] <= result["email_s"] <= BOUND_S
    assert 0 < result["resolved_s"] <= BOUND_S

    # The emails really are in the catcher, with the template's content.
    mails = httpx.get(f"{lab.url('MAIL_UI_PORT')}/api/email").json()
    subjects = [m["subject"] for m in mails if f"] {alert} " in (m.get("subject") or "")]
    assert any(s.startswith("[FIRING") for s in subjects), subjects
    assert any(s.startswith("[RESOLVED") for s in subjects), subjects
    firing = next(m for m in mails if (m.get("subject") or "").startswith("[FIRING") and f"] {alert} " in m["subject"])
    assert "Runbook:" in firing.get("text", "") and "runbooks.md#" in firing.get("text", "")
    assert "environment" in firing["subject"] or "lab" in firing["subject"]
