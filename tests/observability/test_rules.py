"""Alert rules: rendered from alerts.yaml, committed fresh, valid, and behaving per promtool tests."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obslab.observability import alerts as al
from obslab.observability.prometheus import CONFIG as PROM_CONFIG
from obslab.observability.rule_tests import BUILDERS, write_tests


@pytest.mark.parametrize("profile", sorted(al.profiles()))
def test_committed_rule_files_match_a_fresh_render(profile):
    assert al.rules_path(profile).read_text() == al.rules_text(profile), "run `make rules`"


def test_every_alert_in_both_profiles_with_the_same_threshold():
    lab, prod = al.load_alerts("lab"), al.load_alerts("prod")
    assert [a.name for a in lab] == [a.name for a in prod]
    assert [a.threshold for a in lab] == [a.threshold for a in prod]
    for a in lab:
        assert a.for_s + a.window_s <= 30, f"{a.name}: lab profile must rehearse in seconds"


@pytest.mark.parametrize("profile", sorted(al.profiles()))
def test_rendered_rules_pass_promtool_check(profile):
    r = subprocess.run(["promtool", "check", "rules", str(al.rules_path(profile))], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{len(al.load_alerts(profile))} rules found" in r.stdout


def test_thresholds_reach_the_rendered_expressions():
    rendered = {r["alert"]: r for g in al.render_rules("prod")["groups"] for r in g["rules"]}
    for a in al.load_alerts("prod"):
        r = rendered[a.name]
        assert "{threshold}" not in r["expr"] and "{window}" not in r["expr"]
        assert r["for"] == a.raw["for"]["prod"]
        assert r["labels"]["severity"] == a.severity
        assert r["annotations"]["runbook_url"] == a.runbook
    assert "[5m]" in rendered["HighLatency"]["expr"] and rendered["HighLatency"]["expr"].endswith("> 1")


def test_every_alert_has_a_promtool_case():
    missing = {a.name for a in al.load_alerts("lab")} - set(BUILDERS)
    assert not missing, f"add promtool cases for {missing}"


@pytest.mark.parametrize("profile", sorted(al.profiles()))
def test_promtool_unit_tests_fire_stay_silent_and_resolve(profile, tmp_path):
    test_file = write_tests(profile, tmp_path)
    tests = yaml.safe_load(test_file.read_text())["tests"]
    assert len(tests) == 2 * len(al.load_alerts(profile))
    r = subprocess.run(["promtool", "test", "rules", test_file.name], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_cases_catch_a_wrong_comparison(tmp_path):
    """The generated tests are not vacuous: `>=` instead of `>` or a lost `for` makes them fail."""
    test_file = write_tests("lab", tmp_path)
    rules = tmp_path / "lab.rules.yml"
    text = rules.read_text()
    mutated = text.replace("sum(pg_stat_activity_count) > 80", "sum(pg_stat_activity_count) >= 80")
    mutated = mutated.replace("for: 3s", "for: 0s")
    assert mutated != text
    rules.write_text(mutated)
    r = subprocess.run(["promtool", "test", "rules", test_file.name], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode != 0
    assert "PostgresHighConnections: silent just below" in r.stdout + r.stderr
    assert "ServingTargetDown: fires after" in r.stdout + r.stderr


def test_committed_prometheus_config_uses_the_lab_profile():
    cfg = yaml.safe_load(PROM_CONFIG.read_text())
    lab = al.profiles()["lab"]
    assert cfg["global"]["scrape_interval"] == lab["scrape_interval"]
    assert cfg["global"]["evaluation_interval"] == lab["evaluation_interval"]
    assert cfg["global"]["external_labels"]["environment"] == "lab"
    assert cfg["rule_files"] == ["rules/lab.rules.yml"]
    jobs = [s["job_name"] for s in cfg["scrape_configs"]]
    assert sorted(jobs) == ["alertmanager", "mlflow", "postgres", "prometheus", "pushgateway", "serving"]


def test_bad_alerts_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "alerts.yaml"
    bad.write_text("profiles: {lab: {}}\nalerts:\n  - name: X\n    severity: page\n")
    with pytest.raises(al.AlertsFileError, match="alert X lacks"):
        al.load_alerts("lab", bad)
    with pytest.raises(al.AlertsFileError, match="unknown alert profile"):
        al.load_alerts("staging")


def test_every_alert_has_a_runbook_section():
    import re

    from obslab.settings import REPO_ROOT

    for a in al.load_alerts("prod"):
        path, _, anchor = a.runbook.partition("#")
        text = (REPO_ROOT / path).read_text()
        anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
                   for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
        assert anchor in anchors, f"{a.name}: no section for #{anchor} in {path}"
