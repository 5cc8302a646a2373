"""What compose.yaml and the native runtime each run, reduced to comparable facts, and their differences.

`parity_problems(compose, components, training_env)` returns one readable line per difference; the tests
assert it is empty for the real files and non-empty for deliberately broken copies (so it can fail).
Every allowed difference is listed here, with its reason; anything else is a bug in one runtime.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from obslab.settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "compose.yaml"
PORT_REF = re.compile(r"\$\{(\w+):-([^}]*)\}")

# No Jaeger or Grafana binary can be installed outside Docker here; natively a small OTLP receiver takes
# Jaeger's place on the same OTLP_HTTP_PORT.
COMPOSE_ONLY_COMPONENTS = {"jaeger", "grafana"}
NATIVE_ONLY_COMPONENTS = {"otlp-receiver"}

# Env names that belong to how a component runs (host process vs container), by component.
NATIVE_ONLY_ENV = {
    # LocalStack as a host process: bind address, server, data folder, no DNS, no Docker detection.
    # Natively Lambdas run through a host-process executor plugin; in the container, as sibling containers.
    "localstack": {"GATEWAY_LISTEN", "GATEWAY_SERVER", "OVERRIDE_IN_DOCKER", "FILESYSTEM_ROOT", "DNS_ADDRESS",
                   "LOCALSTACK_HOST", "LAMBDA_RUNTIME_EXECUTOR"},
}
COMPOSE_ONLY_ENV = {
    # The official image creates the role and database from these; natively post_start does it.
    "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"},
    # Inputs of the bucket hook, which the container runs itself (natively post_start passes them);
    # the network Lambda containers join.
    "localstack": {"ARTIFACTS_BUCKET", "DATA_BUCKET", "LAMBDA_DOCKER_NETWORK"},
}
# Command-line flags that differ by runtime, by component (flag names only; values differ anyway).
NATIVE_ONLY_FLAGS = {
    # Natively: data folder and port as flags; in the image: PGDATA and the default port.
    "postgres": {"-D", "-p"},
    # Natively: bind address, ports and mail folder as flags; the image's defaults are the same ports.
    "maildev": {"--ip", "--web-ip", "--smtp", "--web", "--mail-directory"},
}
COMPOSE_ONLY_FLAGS = {
    # Host header and CORS allow-lists for the compose network's service name (natively only localhost).
    "mlflow": {"--allowed-hosts", "--cors-allowed-origins"},
}
# Components whose native command is an interpreter call rather than the server's own command line.
FLAGS_NOT_COMPARED = {"localstack"}
# Prometheus' target list is the one config file that differs (service names vs 127.0.0.1 ports).
RUNTIME_SPECIFIC_FILES = {"observability/prometheus/targets/compose.yml", "observability/prometheus/targets/native.yml"}


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def long_running(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services `docker compose up` starts (one-shot jobs sit in profiles)."""
    return {n: s for n, s in compose["services"].items() if not s.get("profiles")}


def jobs(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose["services"].items() if s.get("profiles")}


def port_names(service: dict[str, Any]) -> list[str]:
    """Settings env names of a service's published ports, from `127.0.0.1:${NAME:-default}:target`."""
    return [m.group(1) for p in service.get("ports", []) for m in [PORT_REF.search(str(p))] if m]


def env_names(service: dict[str, Any]) -> set[str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {e.split("=", 1)[0] for e in env}
    return set(env)


def command_flags(service: dict[str, Any]) -> set[str]:
    cmd = service.get("command") or []
    if isinstance(cmd, str):
        cmd = cmd.split()
    return {str(a).split("=", 1)[0] for a in cmd if str(a).startswith("-")}


def _bind_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host path relative to the repo, container path) of each bind mount of a repo path."""
    out = []
    for v in service.get("volumes", []):
        src, _, rest = str(v).partition(":")
        if src.startswith("./"):
            out.append((src[2:].rstrip("/"), rest.split(":")[0]))
    return out


def _host_path(mounts: list[tuple[str, str]], container_path: str) -> str | None:
    """The repository path a container path comes from, through the longest matching bind mount."""
    best = None
    for src, target in mounts:
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            if best is None or len(target) > len(best[1]):
                best = (src, target)
    if best is None:
        return None
    return best[0] + container_path[len(best[1]):]


def _prometheus_files(mounts: list[tuple[str, str]]) -> set[str]:
    """What Prometheus reads: /etc/prometheus/prometheus.yml, and the rule and file_sd files it names
    (relative to its folder), each traced back to the repository file mounted there."""
    cfg_host = _host_path(mounts, "/etc/prometheus/prometheus.yml")
    if cfg_host is None:
        return set()
    cfg = yaml.safe_load((REPO_ROOT / cfg_host).read_text())
    refs = set(cfg.get("rule_files", []))
    for section in [*cfg.get("scrape_configs", []), *cfg.get("alerting", {}).get("alertmanagers", [])]:
        for sd in section.get("file_sd_configs", []):
            refs.update(sd.get("files", []))
    files = {cfg_host}
    for ref in refs:
        host = _host_path(mounts, ref if ref.startswith("/") else f"/etc/prometheus/{ref}")
        if host is None:
            files.add(f"<not mounted: {ref}>")
            continue
        matches = sorted(REPO_ROOT.glob(host)) if any(ch in host for ch in "*?[") else [REPO_ROOT / host]
        files.update(str(m.relative_to(REPO_ROOT)) for m in matches)
    return files


def config_files(name: str, service: dict[str, Any]) -> set[str]:
    """Repository files a compose service reads: bind-mounted files, the files it reads from bind-mounted
    folders (Prometheus: what prometheus.yml names; others: every file in the folder), and templates
    obslab renders for it (`x-rendered-from`)."""
    files = set(service.get("x-rendered-from", []))
    mounts = _bind_mounts(service)
    if name == "prometheus":
        files |= _prometheus_files(mounts)
    for src, _target in mounts:
        host = REPO_ROOT / src
        if not host.is_dir():
            files.add(src)
        elif name != "prometheus":
            files |= {str(p.relative_to(REPO_ROOT)) for p in sorted(host.rglob("*")) if p.is_file()}
    return files


def parity_problems(compose: dict[str, Any], components: list[Any], training_env: dict[str, str]) -> list[str]:
    problems: list[str] = []
    native = {c.name: c for c in components}
    svcs = long_running(compose)

    # Components.
    only_compose = set(svcs) - set(native) - COMPOSE_ONLY_COMPONENTS
    only_native = set(native) - set(svcs) - NATIVE_ONLY_COMPONENTS
    problems += [f"component {n!r} runs under Compose only (add it to the native runtime)"
                 for n in sorted(only_compose)]
    problems += [f"component {n!r} runs natively only (add it to compose.yaml)" for n in sorted(only_native)]
    for n in sorted(COMPOSE_ONLY_COMPONENTS - set(svcs)):
        problems.append(f"allowed Compose-only component {n!r} is gone: update COMPOSE_ONLY_COMPONENTS")
    for n in sorted(NATIVE_ONLY_COMPONENTS - set(native)):
        problems.append(f"allowed native-only component {n!r} is gone: update NATIVE_ONLY_COMPONENTS")

    # Ports: the same settings names on the same components, and the same set overall.
    for n in sorted(set(svcs) & set(native)):
        c_ports, n_ports = set(port_names(svcs[n])), set(native[n].ports)
        if c_ports != n_ports:
            problems.append(f"{n}: ports differ: compose {sorted(c_ports)} vs native {sorted(n_ports)}")
    all_compose = {p for n, s in svcs.items() if n not in COMPOSE_ONLY_COMPONENTS for p in port_names(s)}
    all_native = {p for n, c in native.items() if n not in NATIVE_ONLY_COMPONENTS for p in c.ports}
    if all_compose != all_native:
        problems.append(f"published ports differ: compose {sorted(all_compose)} vs native {sorted(all_native)}")
    native_alt = {p for n in NATIVE_ONLY_COMPONENTS if n in native for p in native[n].ports}
    compose_alt = {p for n in COMPOSE_ONLY_COMPONENTS if n in svcs for p in port_names(svcs[n])}
    if not native_alt <= compose_alt:
        problems.append(f"native-only components' ports {sorted(native_alt - compose_alt)} are not served under "
                        "Compose by the components that replace them")

    # Env names.
    for n in sorted(set(svcs) & set(native)):
        c_env = env_names(svcs[n]) - COMPOSE_ONLY_ENV.get(n, set())
        n_env = set(native[n].env) - NATIVE_ONLY_ENV.get(n, set())
        if c_env != n_env:
            problems.append(f"{n}: env names differ: compose-only {sorted(c_env - n_env)}, "
                            f"native-only {sorted(n_env - c_env)}")
    job = jobs(compose).get("training")
    if job is None:
        problems.append("no one-shot `training` service in compose.yaml")
    elif env_names(job) != set(training_env):
        problems.append(f"training: env names differ: compose-only {sorted(env_names(job) - set(training_env))}, "
                        f"native-only {sorted(set(training_env) - env_names(job))}")

    # Command-line flags.
    for n in sorted(set(svcs) & set(native) - FLAGS_NOT_COMPARED):
        c_flags = command_flags(svcs[n]) - COMPOSE_ONLY_FLAGS.get(n, set())
        n_flags = {a.split("=", 1)[0] for a in native[n].command if a.startswith("-")} - NATIVE_ONLY_FLAGS.get(n, set())
        if c_flags != n_flags:
            problems.append(f"{n}: command flags differ: compose-only {sorted(c_flags - n_flags)}, "
                            f"native-only {sorted(n_flags - c_flags)}")

    # Config files.
    for n in sorted(set(svcs) & set(native)):
        c_files = config_files(n, svcs[n]) - RUNTIME_SPECIFIC_FILES
        n_files = set(native[n].config_files) - RUNTIME_SPECIFIC_FILES
        if c_files != n_files:
            problems.append(f"{n}: config files differ: compose-only {sorted(c_files - n_files)}, "
                            f"native-only {sorted(n_files - c_files)}")

    # Start order: whatever a native component waits for, its container waits for too (healthy).
    for n in sorted(set(svcs) & set(native)):
        deps = svcs[n].get("depends_on") or {}
        for d in native[n].depends_on:
            if d not in deps:
                problems.append(f"{n}: natively waits for {d!r}, compose.yaml does not")
            elif isinstance(deps, dict) and deps[d].get("condition") != "service_healthy":
                problems.append(f"{n}: depends on {d!r} without condition service_healthy")
    return problems
