"""compose.yaml and the native runtime run the same lab: components, ports, env names, config files.

The comparison lives in compose_parity.py; these tests run it on the real definitions (no differences
allowed beyond the ones listed there) and on broken copies (it must notice).
"""

from __future__ import annotations

import copy
import dataclasses

import pytest
import yaml
from compose_parity import (
    COMPOSE_ONLY_COMPONENTS,
    NATIVE_ONLY_COMPONENTS,
    config_files,
    load_compose,
    long_running,
    parity_problems,
    port_names,
)

from obslab.native.component import Component
from obslab.native.components import build_components, training_env
from obslab.settings import REPO_ROOT, LabSettings


@pytest.fixture(scope="module")
def settings() -> LabSettings:
    # API_KEY set so the native serving env lists it (compose always passes it, empty by default).
    return LabSettings(_env_file=None, api_key="parity-test-key")


@pytest.fixture(scope="module")
def native(settings):
    return build_components(settings)


@pytest.fixture(scope="module")
def compose():
    return load_compose()


def test_compose_and_native_run_the_same_lab(compose, native, settings):
    problems = parity_problems(compose, native, training_env(settings))
    assert problems == [], "compose.yaml and the native runtime differ:\n" + "\n".join(problems)


def test_the_allowed_exceptions_are_the_documented_ones(compose, native):
    assert COMPOSE_ONLY_COMPONENTS == {"jaeger", "grafana"}
    assert NATIVE_ONLY_COMPONENTS <= {"otlp-receiver"}
    # Natively the OTLP receiver stands in for Jaeger on the same port.
    jaeger_ports = set(port_names(long_running(compose)["jaeger"]))
    otlp = {c.name: c for c in native}.get("otlp-receiver")
    if otlp:
        assert set(otlp.ports) <= jaeger_ports


# ---- the comparison must fail when one runtime gains something the other lacks ---------------------------
def test_a_component_added_to_compose_only_is_caught(compose, native, settings):
    broken = copy.deepcopy(compose)
    broken["services"]["redis"] = {"image": "redis:7.4.1", "ports": ["127.0.0.1:${REDIS_PORT:-6379}:6379"]}
    problems = parity_problems(broken, native, training_env(settings))
    assert any("'redis'" in p and "Compose only" in p for p in problems), problems


def test_a_component_added_natively_only_is_caught(compose, native, settings):
    extra = Component(name="redis", command=["redis-server"], ports={"REDIS_PORT": 6379})
    problems = parity_problems(compose, [*native, extra], training_env(settings))
    assert any("'redis'" in p and "natively only" in p for p in problems), problems


def test_a_config_file_mounted_under_compose_only_is_caught(compose, native, settings):
    broken = copy.deepcopy(compose)
    broken["services"]["prometheus"]["volumes"].append("./observability/alerts.yaml:/etc/alerts.yaml:ro")
    problems = parity_problems(broken, native, training_env(settings))
    assert any("prometheus: config files differ" in p and "alerts.yaml" in p for p in problems), problems


def test_a_config_file_read_natively_only_is_caught(compose, native, settings):
    changed = [dataclasses.replace(c, config_files=[*c.config_files, "observability/alerts.yaml"])
               if c.name == "alertmanager" else c for c in native]
    problems = parity_problems(compose, changed, training_env(settings))
    assert any("alertmanager: config files differ" in p and "native-only ['observability/alerts.yaml']" in p
               for p in problems), problems


def test_port_and_env_drift_is_caught(compose, native, settings):
    broken = copy.deepcopy(compose)
    serving = broken["services"]["serving"]
    serving["ports"].append("127.0.0.1:${SERVING_ADMIN_PORT:-8001}:8001")
    serving["environment"]["NEW_KNOB"] = "1"
    problems = parity_problems(broken, native, {**training_env(settings), "EXTRA": "1"})
    assert any(p.startswith("serving: ports differ") for p in problems), problems
    assert any(p.startswith("serving: env names differ") and "NEW_KNOB" in p for p in problems), problems
    assert any(p.startswith("training: env names differ") and "EXTRA" in p for p in problems), problems


def test_a_flag_added_to_one_runtime_is_caught(compose, native, settings):
    broken = copy.deepcopy(compose)
    broken["services"]["prometheus"]["command"].append("--query.timeout=30s")
    problems = parity_problems(broken, native, training_env(settings))
    assert any(p.startswith("prometheus: command flags differ") and "--query.timeout" in p for p in problems)


def test_a_rule_file_added_to_prometheus_yml_is_seen(compose):
    """Files read from a mounted folder count: Prometheus reads what prometheus.yml names."""
    files = config_files("prometheus", long_running(compose)["prometheus"])
    cfg = yaml.safe_load((REPO_ROOT / "observability/prometheus/prometheus.yml").read_text())
    for rule in cfg["rule_files"]:
        assert f"observability/prometheus/{rule}" in files


# ---- cross-file facts both runtimes rely on ---------------------------------------------------------------
def test_compose_scrape_targets_are_compose_services_on_their_container_ports(compose):
    targets = yaml.safe_load((REPO_ROOT / "observability/prometheus/targets/compose.yml").read_text())
    services = compose["services"]
    for group in targets:
        for target in group["targets"]:
            host, port = target.rsplit(":", 1)
            service = group["labels"]["job"] if host == "localhost" else host
            assert service in services, f"target {target}: no compose service {service!r}"
            container_ports = {str(p).rsplit(":", 1)[1] for p in services[service].get("ports", [])}
            assert port in container_ports, f"target {target}: {service} listens on {sorted(container_ports)}"


def test_both_target_files_list_the_same_jobs():
    def jobs(name: str) -> list[str]:
        groups = yaml.safe_load((REPO_ROOT / f"observability/prometheus/targets/{name}.yml").read_text())
        return sorted(g["labels"]["job"] for g in groups)

    assert jobs("compose") == jobs("native")


def test_alertmanager_mail_host_resolves_on_the_compose_network(compose, settings):
    from obslab import compose_runtime

    cfg = yaml.safe_load(compose_runtime.alertmanager_config(settings))
    host, port = cfg["global"]["smtp_smarthost"].rsplit(":", 1)
    names = {}
    for name, svc in compose["services"].items():
        names[name] = svc
        for alias in ((svc.get("networks") or {}).get("default") or {}).get("aliases", []):
            names[alias] = svc
    assert host in names, f"Alertmanager sends mail to {host!r}, which is no compose service or alias"
    assert port in {str(p).rsplit(":", 1)[1] for p in names[host]["ports"]}
