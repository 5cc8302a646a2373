"""compose.yaml checks that need no Docker engine: the real Compose v2 binary validates it, and its
images, healthchecks, ports, defaults, volumes and mounts follow the lab's rules."""

from __future__ import annotations

import re
import subprocess
import typing

import pytest
from compose_parity import PORT_REF, jobs, load_compose, long_running

from obslab.settings import DEFAULT_PORTS, REPO_ROOT, LabSettings

COMPOSE_BIN = REPO_ROOT / ".tools" / "bin" / "docker-compose"
DEFAULT_REF = re.compile(r"\$\{(\w+):-([^}]*)\}")


@pytest.fixture(scope="module")
def compose():
    return load_compose()


@pytest.fixture(scope="module")
def compose_bin():
    assert COMPOSE_BIN.exists(), "no Compose v2 binary: run `make install` (scripts/install.d/compose.sh)"
    out = subprocess.run([str(COMPOSE_BIN), "version"], capture_output=True, text=True, check=True).stdout
    assert "v2." in out, out
    return str(COMPOSE_BIN)


def _config(compose_bin: str, path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([compose_bin, "--project-directory", str(REPO_ROOT), "-f", str(path), *args],
                          capture_output=True, text=True, timeout=60)


def test_compose_config_is_valid_with_every_profile(compose_bin):
    proc = _config(compose_bin, REPO_ROOT / "compose.yaml", "--profile", "jobs", "config", "-q")
    assert proc.returncode == 0, proc.stderr


def test_the_compose_binary_really_validates(compose_bin, tmp_path):
    """The PyPI wrapper exits 0 whatever happens; the binary we call must reject a broken file."""
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    image: nginx:1.27.3\n    ports: 8080\n    depends_on: [nope]\n")
    proc = _config(compose_bin, broken, "config", "-q")
    assert proc.returncode != 0
    assert proc.stderr.strip()


def test_every_image_is_pinned(compose):
    for name, svc in compose["services"].items():
        image = svc.get("image")
        assert image, f"{name}: no image (built services name their tag too)"
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
        assert "${" not in image, f"{name}: image tag comes from a variable and could be anything"


def test_built_images_use_the_repo_root_as_context_and_existing_dockerfiles(compose):
    built = {n: s["build"] for n, s in compose["services"].items() if "build" in s}
    assert set(built) == {"serving", "training", "mlflow"}
    for name, build in built.items():
        assert build["context"] == "."
        assert (REPO_ROOT / build["dockerfile"]).is_file(), build["dockerfile"]
        assert compose["services"][name]["image"].startswith("obslab/")


def test_long_running_services_have_healthchecks_and_wait_for_healthy_dependencies(compose):
    for name, svc in long_running(compose).items():
        hc = svc.get("healthcheck")
        assert hc and hc.get("test"), f"{name}: no healthcheck"
        assert not hc.get("disable"), f"{name}: healthcheck disabled"
        assert svc.get("restart") == "unless-stopped", f"{name}: restart policy"
    for name, svc in compose["services"].items():
        deps = svc.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: depends_on must name a condition"
        for dep, spec in deps.items():
            assert dep in long_running(compose), f"{name} depends on {dep}, which `up` does not start"
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}: {spec}"


def test_every_service_has_a_memory_limit(compose):
    for name, svc in compose["services"].items():
        assert re.fullmatch(r"(\d+|\$\{\w+:-\d+\})[mg]", str(svc.get("mem_limit", ""))), f"{name}: mem_limit"


def test_training_is_a_one_shot_job(compose):
    assert set(jobs(compose)) == {"training"}
    training = compose["services"]["training"]
    assert training["restart"] == "no"
    assert "ports" not in training and "healthcheck" not in training


def test_ports_bind_loopback_and_defaults_equal_settings(compose):
    published = set()
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            m = re.fullmatch(r"127\.0\.0\.1:\$\{(\w+):-(\d+)\}:(\d+)", str(port))
            assert m, f"{name}: port {port!r} must be 127.0.0.1:${{NAME:-default}}:container"
            env_name, default, container = m.group(1), int(m.group(2)), int(m.group(3))
            assert env_name in DEFAULT_PORTS, f"{name}: {env_name} is not a port in obslab/settings.py"
            assert default == DEFAULT_PORTS[env_name], f"{name}: {env_name} default {default}"
            # Inside the network every service listens on its default port (targets, URLs rely on it).
            assert container == DEFAULT_PORTS[env_name], f"{name}: container port {container}"
            published.add(env_name)
    assert published == set(DEFAULT_PORTS), f"ports never published: {sorted(set(DEFAULT_PORTS) - published)}"


def test_every_variable_default_equals_the_settings_default():
    text = (REPO_ROOT / "compose.yaml").read_text()
    fields = LabSettings.model_fields
    checked = 0
    for env_name, default in DEFAULT_REF.findall(text):
        if env_name in DEFAULT_PORTS:
            assert int(default) == DEFAULT_PORTS[env_name], env_name
            checked += 1
        elif env_name.lower() in fields:
            expected = fields[env_name.lower()].default
            as_text = "" if expected is None else str(expected).lower() if isinstance(expected, bool) else str(expected)
            assert default == as_text, f"{env_name}: {default!r} vs {expected!r}"
            checked += 1
    assert checked >= len(DEFAULT_PORTS)


def test_no_variable_without_a_default(compose):
    """`docker compose` works without a .env: every ${VAR} has a default (secrets default to empty)."""
    text = (REPO_ROOT / "compose.yaml").read_text()
    bare = re.findall(r"\$\{(\w+)\}", text)
    assert bare == [], f"variables without a default: {bare}"


def test_volumes_are_named_and_mounts_exist(compose):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, svc in compose["services"].items():
        for v in svc.get("volumes", []):
            src, target, *mode = str(v).split(":")
            if src.startswith("./"):
                assert (REPO_ROOT / src).exists(), f"{name}: mounts {src}, which does not exist"
                assert mode == ["ro"], f"{name}: repository files are mounted read-only ({v})"
            elif src.startswith(("/", "${")):
                assert v == "${DOCKER_SOCK:-/var/run/docker.sock}:/var/run/docker.sock" and name == "localstack", \
                    f"{name}: host path {v}"
            else:
                assert src in declared, f"{name}: volume {src} is not declared at the top level"
                used.add(src)
    assert used == declared, f"declared but unused volumes: {sorted(declared - used)}"


def test_shared_blocks_are_anchors():
    text = (REPO_ROOT / "compose.yaml").read_text()
    for anchor in ("&logging", "&healthcheck", "&aws-env"):
        assert anchor in text
    assert text.count("*aws-env") >= 3 and text.count("*logging") >= 10


def test_port_offset_moves_every_published_port(compose_bin):
    from obslab import compose_runtime

    settings = LabSettings(_env_file=None, obslab_port_offset=100)
    cfg: dict[str, typing.Any] = compose_runtime.config(settings)
    seen = {}
    for name, svc in cfg["services"].items():
        for p in svc.get("ports", []):
            assert p["host_ip"] == "127.0.0.1"
            seen[(name, p["target"])] = int(p["published"])
    raw = load_compose()
    for name, svc in raw["services"].items():
        for port in svc.get("ports", []):
            env_name = PORT_REF.search(port).group(1)
            target = int(str(port).rsplit(":", 1)[1])
            assert seen[(name, target)] == DEFAULT_PORTS[env_name] + 100, (name, env_name)


def test_grafana_image_matches_the_schema_the_dashboards_are_checked_against(compose):
    import json

    pkg = REPO_ROOT / "observability/grafana/typecheck/package.json"
    schema = json.loads(pkg.read_text())["dependencies"]["@grafana/schema"]
    tag = compose["services"]["grafana"]["image"].rsplit(":", 1)[1]
    assert tag == schema, f"compose runs Grafana {tag}, dashboards are type-checked against {schema}"


def test_grafana_provisioning_points_at_compose_services_and_mounts(compose):
    import yaml

    grafana = compose["services"]["grafana"]
    targets = {str(v).split(":")[1] for v in grafana["volumes"]}
    providers = yaml.safe_load((REPO_ROOT / "observability/grafana/provisioning/dashboards/dashboards.yml")
                               .read_text())["providers"]
    for p in providers:
        assert p["options"]["path"] in targets, f"dashboards provider reads {p['options']['path']}, not mounted"
    sources = yaml.safe_load((REPO_ROOT / "observability/grafana/provisioning/datasources/datasources.yml")
                             .read_text())["datasources"]
    for ds in sources:
        m = re.fullmatch(r"http://([\w-]+):(\d+)", ds["url"])
        assert m, ds["url"]
        host, port = m.groups()
        assert host in compose["services"], f"datasource {ds['name']}: no compose service {host}"
        container_ports = {str(p).rsplit(":", 1)[1] for p in compose["services"][host].get("ports", [])}
        assert port in container_ports or host == "jaeger" and port == "16686", ds["url"]


def test_compose_config_accepts_the_example_env_file(compose_bin):
    example = REPO_ROOT / ".env.example"
    proc = _config(compose_bin, REPO_ROOT / "compose.yaml", "--env-file", str(example), "--profile", "jobs",
                   "config", "-q")
    assert proc.returncode == 0, proc.stderr
