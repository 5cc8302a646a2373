"""`obslab up/down/status/logs` under Docker Compose: the same lab as the native runtime, as containers.

Every call shells out to Docker Compose v2 with the repository's compose.yaml. Ports, bucket and model names
are passed from LabSettings (which already read the environment and `.env`), so OBSLAB_PORT_OFFSET and
`.env` overrides move the published ports exactly as they move the native ones. After `up`, the same
post-start steps as the native runtime run: the buckets come from LocalStack's ready.d hook (the script the
native runtime runs itself), training runs once as `docker compose run --rm training` when the registry has
no `champion`, and `up` returns when serving is ready.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import yaml

from obslab.readiness import champion_loadable, wait_serving_ready
from obslab.settings import DEFAULT_PORTS, REPO_ROOT, LabSettings

COMPOSE_FILE = REPO_ROOT / "compose.yaml"
BUNDLED_COMPOSE = REPO_ROOT / ".tools" / "bin" / "docker-compose"
# Profiles holding one-shot jobs; `down` must name them too or their containers would be left behind.
JOB_PROFILES = ("jobs",)
_PORT_REF = re.compile(r"\$\{(\w+):-[^}]*\}")


class ComposeError(RuntimeError):
    """A Compose step failed; the message says which and what to do about it."""


def docker_engine_available() -> bool:
    """True when a Docker engine answers `docker info` (not just when the CLI is installed)."""
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def compose_command() -> list[str]:
    """The Compose v2 command line prefix: the docker CLI plugin, else the copy `make install` puts in
    .tools/bin, else a `docker-compose` on PATH."""
    if shutil.which("docker"):
        try:
            if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=10).returncode == 0:
                return ["docker", "compose"]
        except (OSError, subprocess.TimeoutExpired):
            pass
    if os.access(BUNDLED_COMPOSE, os.X_OK):
        return [str(BUNDLED_COMPOSE)]
    found = shutil.which("docker-compose")
    if found:
        return [found]
    raise ComposeError("Docker Compose v2 not found: install Docker's compose plugin, or run `make install` "
                       "(it puts a Compose binary in .tools/bin)")


def compose_env(settings: LabSettings) -> dict[str, str]:
    """The environment compose.yaml is interpolated with: the caller's, plus every value LabSettings owns."""
    env = dict(os.environ)
    env.update({name: str(settings.port(name)) for name in DEFAULT_PORTS})
    env.update({
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password,
        "POSTGRES_DB": settings.postgres_db,
        "AWS_REGION": settings.aws_region,
        "ARTIFACTS_BUCKET": settings.artifacts_bucket,
        "DATA_BUCKET": settings.data_bucket,
        "MODEL_NAME": settings.model_name,
    })
    api_key = getattr(settings, "api_key", None)
    if api_key:
        env["API_KEY"] = api_key
        env["REQUIRE_API_KEY_FOR_PREDICT"] = str(getattr(settings, "require_api_key_for_predict", False)).lower()
    env["ALERTMANAGER_CONFIG"] = alertmanager_config(settings)
    return env


def alertmanager_config(settings: LabSettings) -> str:
    """observability/alertmanager/alertmanager.yml rendered for the compose network (mail catcher `maildev`,
    templates mounted at /etc/alertmanager/templates), the same template the native runtime renders.
    compose.yaml hands it to the container as a config from this variable, so secrets stay off the disk."""
    from obslab.observability import alertmanager as am

    text, _dropped = am.render_text(settings, runtime="compose")
    return text


def _run(settings: LabSettings, args: list[str], *, jobs: bool = False, capture: bool = True,
         check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """Run one Compose command. `jobs` also enables the job profiles (for build, down and config; never for
    `up`, which would start the one-shot jobs)."""
    profiles = [a for p in JOB_PROFILES for a in ("--profile", p)] if jobs else []
    cmd = [*compose_command(), "--project-directory", str(REPO_ROOT), "-f", str(COMPOSE_FILE), *profiles, *args]
    try:
        proc = subprocess.run(cmd, env=compose_env(settings), text=True, timeout=timeout,
                              capture_output=capture, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired as e:
        raise ComposeError(f"`{' '.join(cmd[-len(args):])}` did not finish within {timeout:.0f} s") from e
    if check and proc.returncode != 0:
        tail = "\n".join(((proc.stderr or "") + (proc.stdout or "")).strip().splitlines()[-20:])
        raise ComposeError(f"`docker compose {' '.join(args)}` failed (exit {proc.returncode})"
                           + (f":\n{tail}" if tail else ""))
    return proc


# compose.yaml hands Alertmanager its config through `configs: environment:` (Compose 2.23.1+).
MIN_COMPOSE_VERSION = (2, 23, 1)


def compose_version() -> tuple[int, ...]:
    out = subprocess.run([*compose_command(), "version", "--short"], capture_output=True, text=True).stdout
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def _require_compose_version() -> None:
    have = compose_version()
    if have < MIN_COMPOSE_VERSION:
        want = ".".join(map(str, MIN_COMPOSE_VERSION))
        raise ComposeError(f"Docker Compose {'.'.join(map(str, have))} is too old: the lab needs {want} or newer "
                           "(update Docker Desktop / the docker-compose-plugin package)")


def _require_engine() -> None:
    if not docker_engine_available():
        raise ComposeError("no Docker engine answers `docker info`: start Docker, or use the native runtime "
                           "(`make up RUNTIME=native`)")


def config(settings: LabSettings) -> dict[str, Any]:
    """compose.yaml as Compose resolves it with these settings (needs no engine)."""
    return json.loads(_run(settings, ["config", "--format", "json"], jobs=True).stdout)


# ---- URLs, straight from compose.yaml: each service's published port names its settings variable -------
def _service_port_names() -> dict[str, list[str]]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    out: dict[str, list[str]] = {}
    for name, svc in raw["services"].items():
        names = []
        for port in svc.get("ports", []):
            m = _PORT_REF.search(str(port))
            if m:
                names.append(m.group(1))
        out[name] = names
    return out


def service_url(settings: LabSettings, service: str) -> str:
    names = _service_port_names().get(service, [])
    if not names:
        return ""
    name = next((n for n in names if n.endswith("_UI_PORT")), names[0])
    if name == "POSTGRES_PORT":
        return f"postgresql://{settings.postgres_user}@{settings.host}:{settings.port(name)}/{settings.postgres_db}"
    return settings.url(name, "/docs" if service == "serving" else "")


# ---- lifecycle ---------------------------------------------------------------------------------------
def _say(message: str) -> None:
    print(f"[compose] {message}", file=sys.stderr, flush=True)


def up(settings: LabSettings, train_if_needed: bool = True) -> list[dict[str, Any]]:
    """Build the images, start every long-running service, wait until all are healthy, train once if the
    registry has no champion, wait for serving to be ready. Returns `status()` rows."""
    _require_engine()
    _require_compose_version()
    t0 = time.monotonic()
    _say("building images (first time: a few minutes)")
    _run(settings, ["build"], jobs=True, capture=False)
    _say("starting services and waiting for their healthchecks")
    proc = _run(settings, ["up", "--detach", "--remove-orphans", "--wait",
                           "--wait-timeout", str(int(settings.up_timeout_s))], capture=False, check=False)
    if proc.returncode != 0:
        unhealthy = [r["component"] for r in status(settings) if r["health"] not in ("healthy", "running")]
        raise ComposeError(f"not every service became healthy within {settings.up_timeout_s:.0f} s"
                           + (f" ({', '.join(unhealthy)})" if unhealthy else "")
                           + ": see `make status` and `make logs C=<service>`")
    if train_if_needed and not champion_loadable(settings):
        _say("no `champion` model in the registry: training one")
        proc = _run(settings, ["run", "--rm", "training"], capture=False, check=False)
        if proc.returncode != 0:
            raise ComposeError("training failed; rerun `docker compose run --rm training` to see why")
    if not wait_serving_ready(settings, timeout_s=90):
        raise ComposeError("serving did not become ready within 90 s; see `make logs C=serving`")
    rows = status(settings)
    _say(f"all {len(rows)} services up in {time.monotonic() - t0:.1f} s")
    for r in rows:
        _say(f"  {r['component']:<18} {r['health']:<10} {r['url']}")
    return rows


def down(settings: LabSettings, clean: bool = False) -> None:
    """Stop and remove the lab's containers; `clean` also removes its named volumes (all data)."""
    _require_engine()
    _run(settings, ["down", "--remove-orphans", *(["--volumes"] if clean else [])], jobs=True, capture=False)


def status(settings: LabSettings) -> list[dict[str, Any]]:
    """One row per long-running service: component, pid (the container's main PID), health, url."""
    _require_engine()
    services = [s for s in _run(settings, ["config", "--services"]).stdout.split() if s]
    jobs = {name for name, svc in yaml.safe_load(COMPOSE_FILE.read_text())["services"].items()
            if svc.get("profiles")}
    out = _run(settings, ["ps", "--all", "--format", "json"]).stdout.strip()
    # Compose >= 2.21 prints one JSON object per line; older releases print one JSON array.
    entries = json.loads(out) if out.startswith("[") else [json.loads(line) for line in out.splitlines() if line]
    by_service = {e.get("Service"): e for e in entries}
    rows = []
    for name in services:
        if name in jobs and name not in by_service:
            continue
        e = by_service.get(name)
        if e is None:
            health = "stopped"
        elif e.get("State") != "running":
            health = str(e.get("State") or "stopped")
        else:
            health = e.get("Health") or "running"
        rows.append({"component": name, "pid": _container_pid(e.get("ID")) if e else None, "health": health,
                     "url": service_url(settings, name), "container": (e or {}).get("Name", "")})
    return rows


def _container_pid(container_id: str | None) -> int | None:
    if not container_id:
        return None
    proc = subprocess.run(["docker", "inspect", "--format", "{{.State.Pid}}", container_id],
                          capture_output=True, text=True)
    pid = proc.stdout.strip()
    return int(pid) if proc.returncode == 0 and pid.isdigit() and pid != "0" else None


def logs(settings: LabSettings, component: str | None = None, lines: int = 200) -> None:
    """Print the last `lines` log lines of one service (all when None)."""
    _require_engine()
    if component:
        services = _run(settings, ["config", "--services"]).stdout.split()
        if component not in services:
            raise ComposeError(f"no service {component!r} in compose.yaml; known: {', '.join(services)}")
    _run(settings, ["logs", "--no-color", "--tail", str(lines), *([component] if component else [])],
         capture=False)


__all__ = ["ComposeError", "compose_command", "compose_env", "config", "docker_engine_available", "down",
           "logs", "passthrough", "service_url", "status", "up"]


def passthrough(args: list[str]) -> int:
    """Run any Compose command with the lab's settings (what `make compose ARGS="..."` calls), e.g.
    `ps`, `logs -f serving`, `run --rm training`, `exec postgres psql -U mlflow`."""
    cmd = [*compose_command(), "--project-directory", str(REPO_ROOT), "-f", str(COMPOSE_FILE), *args]
    return subprocess.run(cmd, env=compose_env(_settings()), cwd=REPO_ROOT).returncode


def _settings() -> LabSettings:
    from obslab.settings import get_settings

    return get_settings()


if __name__ == "__main__":  # python -m obslab.compose_runtime <compose args>
    try:
        sys.exit(passthrough(sys.argv[1:]))
    except ComposeError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
