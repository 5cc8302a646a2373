"""Alertmanager and Prometheus configs as the runtimes render them: valid, routed, secrets handled."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from obslab.observability import alertmanager as am
from obslab.observability import prometheus as prom
from obslab.observability.components import observability_components
from obslab.settings import REPO_ROOT, LabSettings

SECRETS = {"pagerduty_routing_key": "0123456789abcdef0123456789abcdef",
           "slack_webhook_url": "https://hooks.slack.example/services/T0/B0/X",
           "alert_webhook_url": "http://127.0.0.1:9/obslab-hook"}


def _settings(tmp_path: Path, **kw) -> LabSettings:
    # _env_file=None: a developer's .env must not change what the test sees.
    base = {"pagerduty_routing_key": None, "slack_webhook_url": None, "alert_webhook_url": None}
    return LabSettings(_env_file=None, obslab_home=tmp_path / "home", obslab_port_offset=300, **{**base, **kw})


def _amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["amtool", *args], capture_output=True, text=True)


def _receivers(cfg_file: Path, **labels: str) -> list[str]:
    r = _amtool("config", "routes", "test", f"--config.file={cfg_file}", *[f"{k}={v}" for k, v in labels.items()])
    assert r.returncode == 0, r.stderr
    return sorted(r.stdout.strip().split(","))


@pytest.mark.parametrize("runtime", ["native", "compose"])
@pytest.mark.parametrize("with_secrets", [False, True])
def test_rendered_alertmanager_config_passes_amtool(tmp_path, runtime, with_secrets):
    out = tmp_path / "am.yml"
    am.write_config(_settings(tmp_path, **(SECRETS if with_secrets else {})), out, runtime=runtime)
    r = _amtool("check-config", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("5 receivers" if with_secrets else "2 receivers") in r.stdout


def test_routes_by_severity_with_every_secret_set(tmp_path):
    out = tmp_path / "am.yml"
    am.write_config(_settings(tmp_path, **SECRETS), out)
    assert _receivers(out, alertname="HighErrorRate", severity="critical", environment="lab") == \
        ["email-critical", "pagerduty", "webhook"]
    assert _receivers(out, alertname="HighCPU", severity="warning", environment="lab") == \
        ["email-warning", "slack", "webhook"]
    assert _receivers(out, alertname="HighCPU", severity="warning", environment="prod") == \
        ["email-warning", "slack", "webhook"]


def test_unset_secrets_drop_their_receivers_and_routes(tmp_path):
    out = tmp_path / "am.yml"
    dropped = am.write_config(_settings(tmp_path, slack_webhook_url="  "), out)
    assert dropped == ["pagerduty", "slack", "webhook"]
    text = out.read_text()
    assert "${" not in text and "pagerduty" not in text.split("receivers:")[1] and "hooks.slack" not in text
    assert _receivers(out, severity="critical", environment="lab") == ["email-critical"]
    assert _receivers(out, severity="warning", environment="lab") == ["email-warning"]


def test_lab_route_flushes_fast_and_email_goes_to_the_catcher(tmp_path):
    s = _settings(tmp_path)
    cfg, _ = am.render(am.values_for(s))
    assert cfg["global"]["smtp_smarthost"] == f"127.0.0.1:{s.mail_smtp_port}"
    assert cfg["global"]["smtp_require_tls"] is False
    lab = next(r for r in cfg["route"]["routes"] if r.get("matchers") == ['environment="lab"'])
    assert lab["group_wait"] == "1s" and lab["group_interval"] == "1s"
    inhibit = cfg["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['alertname="ServingTargetDown"']
    assert "HighLatency" in inhibit["target_matchers"][0] and "HighErrorRate" in inhibit["target_matchers"][0]


def test_templates_render_with_runbook(tmp_path):
    """amtool renders the email template against a sample alert: subject and runbook link present."""
    out = tmp_path / "am.yml"
    am.write_config(_settings(tmp_path), out)
    r = _amtool("template", "render", f"--template.glob={am.TEMPLATES_DIR}/*.tmpl",
                "--template.text={{ template \"obslab.subject\" . }}|{{ template \"obslab.text\" . }}")
    assert r.returncode == 0, r.stderr
    # amtool's sample data has status "alertstatus" and no annotations.
    subject, text = r.stdout.split("|", 1)
    assert subject.startswith("[ALERTSTATUS]")
    assert "Runbook:" in text and "Silence or inspect: https://example.com" in text


def test_native_prometheus_config_is_valid_and_points_at_lab_ports(tmp_path):
    s = _settings(tmp_path)
    cfg_path = prom.write_config(s)
    r = subprocess.run(["promtool", "check", "config", str(cfg_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    targets = yaml.safe_load((cfg_path.parent / "targets" / "targets.yml").read_text())
    by_job = {g["labels"]["job"]: g["targets"][0] for g in targets}
    assert by_job["serving"] == f"127.0.0.1:{s.serving_port}"
    assert by_job["postgres"] == f"127.0.0.1:{s.postgres_exporter_port}"
    compose = yaml.safe_load(prom.COMPOSE_TARGETS.read_text())
    assert sorted(by_job) == sorted(g["labels"]["job"] for g in compose)


def test_prod_profile_render_uses_prod_rules_and_intervals(tmp_path):
    s = _settings(tmp_path, alert_profile="prod")
    cfg = yaml.safe_load(prom.write_config(s).read_text())
    assert cfg["global"]["scrape_interval"] == "15s" and cfg["global"]["external_labels"]["environment"] == "prod"
    assert cfg["rule_files"][0].endswith("prod.rules.yml")


def test_components_bind_localhost_and_name_existing_files(tmp_path):
    s = _settings(tmp_path)
    comps = {c.name: c for c in observability_components(s)}
    assert {"prometheus", "alertmanager", "maildev", "postgres-exporter"} <= set(comps)
    for c in comps.values():
        for f in c.config_files:
            assert (REPO_ROOT / f).is_file(), f"{c.name}: {f} missing"
        for port in c.ports.values():
            joined = " ".join(c.command)
            assert "0.0.0.0" not in joined
            assert str(port) in joined, f"{c.name} does not pass its port {port}"
        assert c.health and c.health.startswith("http://127.0.0.1:")
    assert "--cluster.listen-address=" in comps["alertmanager"].command
    assert "--enable-feature=exemplar-storage" in comps["prometheus"].command
    assert comps["postgres-exporter"].depends_on == ["postgres"]
    comps["prometheus"].prepare()
    comps["alertmanager"].prepare()
    assert (s.obslab_home / "config" / "alertmanager" / "alertmanager.yml").is_file()


@pytest.mark.integration
def test_target_down_inhibits_latency_and_errors_in_the_running_alertmanager(lab):
    """Posts alerts straight to the lab's Alertmanager, in an environment of their own (inhibition needs an
    equal `environment`, so the lab's real alerts are untouched), then resolves them."""
    import time
    from datetime import UTC, datetime, timedelta

    import httpx

    env = f"inhibit-test-{int(time.time())}"
    now = datetime.now(UTC)

    def alert(name: str, ends: datetime) -> dict:
        return {"labels": {"alertname": name, "severity": "critical", "environment": env},
                "annotations": {"summary": "inhibition test"}, "startsAt": now.isoformat(), "endsAt": ends.isoformat()}

    api = f"{lab.alertmanager_url}/api/v2/alerts"
    names = ["ServingTargetDown", "HighLatency", "HighErrorRate", "HighCPU"]
    r = httpx.post(api, json=[alert(n, now + timedelta(minutes=5)) for n in names], timeout=10)
    assert r.status_code == 200, r.text
    try:
        def states() -> dict[str, dict]:
            got = httpx.get(api, params={"filter": f'environment="{env}"'}, timeout=10).json()
            return {a["labels"]["alertname"]: a["status"] for a in got}

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            st = states()
            if len(st) == 4 and all(st[n]["state"] == "suppressed" for n in ("HighLatency", "HighErrorRate")):
                break
            time.sleep(0.5)
        assert st["HighLatency"]["state"] == "suppressed" and st["HighLatency"]["inhibitedBy"], st
        assert st["HighErrorRate"]["state"] == "suppressed" and st["HighErrorRate"]["inhibitedBy"], st
        assert st["ServingTargetDown"]["state"] == "active" and st["HighCPU"]["state"] == "active", st
    finally:
        httpx.post(api, json=[alert(n, datetime.now(UTC) - timedelta(seconds=1)) for n in names], timeout=10)
