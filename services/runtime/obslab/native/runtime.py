"""`obslab up/down/status` for the native runtime: dependency-ordered start, health waits, clean stop."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live
from rich.table import Table

from obslab.native.component import Component
from obslab.native.components import build_components, training_env
from obslab.native.supervisor import Supervisor
from obslab.readiness import wait_serving_ready
from obslab.settings import LabSettings, child_environ


class LabStartError(RuntimeError):
    """A component did not become healthy; the message names it, its log and the log's last lines."""


@dataclass
class Row:
    comp: Component
    status: str = "waiting"
    pid: int | None = None
    started_at: float | None = None
    elapsed: float = 0.0


def _table(rows: list[Row], title: str) -> Table:
    t = Table(title=title, show_lines=False)
    for col in ("component", "status", "pid", "seconds", "url"):
        t.add_column(col)
    colors = {"healthy": "green", "failed": "red", "starting": "yellow", "waiting": "dim"}
    for r in rows:
        t.add_row(r.comp.name, f"[{colors.get(r.status, 'white')}]{r.status}[/]", str(r.pid or ""),
                  f"{r.elapsed:.1f}" if r.started_at else "", r.comp.url or "")
    return t


def _failure(sup: Supervisor, comp: Component, why: str) -> LabStartError:
    log = sup.log_file(comp.name)
    return LabStartError(f"{comp.name} {why}. Log: {log}\n--- last lines ---\n{sup.tail(comp.name)}")


def up(settings: LabSettings, console: Console | None = None,
       comps: list[Component] | None = None) -> list[Component]:
    console = console or Console()
    sup = Supervisor(settings)
    comps = comps if comps is not None else build_components(settings)
    rows = {c.name: Row(c) for c in comps}
    deadline = time.monotonic() + settings.up_timeout_s
    t0 = time.monotonic()
    def render() -> Table:
        return _table(list(rows.values()), "obslab up (native)")

    with Live(render(), console=console, refresh_per_second=4) as live:

        def fail(r: Row, why: str) -> LabStartError:
            r.status = "failed"
            live.update(render())
            return _failure(sup, r.comp, why)

        while True:
            for r in rows.values():
                if r.status in ("healthy", "failed"):
                    continue
                deps_ok = all(rows[d].status == "healthy" for d in r.comp.depends_on if d in rows)
                if r.status == "waiting" and deps_ok:
                    already = sup.running_pid(r.comp.name)
                    r.pid = sup.start(r.comp)
                    r.status, r.started_at = "starting", time.monotonic()
                    if already and sup.healthy(r.comp):
                        r.status = "healthy"
                if r.status == "starting":
                    r.elapsed = time.monotonic() - (r.started_at or t0)
                    if sup.healthy(r.comp):
                        if r.comp.post_start:
                            r.comp.post_start()
                        r.status = "healthy"
                        if not console.is_terminal:  # CI logs get one line per component
                            console.print(f"{r.comp.name} healthy after {r.elapsed:.1f} s")
                    elif sup.exited(r.comp.name):
                        raise fail(r, "exited during start")
                    elif r.elapsed > r.comp.ready_timeout_s or time.monotonic() > deadline:
                        raise fail(r, f"was not healthy after {r.elapsed:.0f} s")
            live.update(render())
            if all(r.status == "healthy" for r in rows.values()):
                break
            time.sleep(0.25)
    console.print(f"all {len(comps)} components healthy in {time.monotonic() - t0:.1f} s")
    return comps


def train(settings: LabSettings, extra_env: dict[str, str] | None = None) -> int:
    """Run the training job as its own process, as `make train` does; returns its exit code."""
    env = child_environ()
    env.update(training_env(settings), **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "training.train"], env=env).returncode


def wait_ready(settings: LabSettings, timeout_s: float = 90) -> None:
    if not wait_serving_ready(settings, timeout_s):
        raise LabStartError(f"serving did not become ready within {timeout_s:.0f} s (no loadable champion? "
                            f"`make train`). Log: {settings.logs_dir}/serving.log\n--- last lines ---\n"
                            f"{Supervisor(settings).tail('serving', 3)}")


def down(settings: LabSettings, clean: bool = False, console: Console | None = None) -> list[str]:
    console = console or Console()
    sup = Supervisor(settings)
    comps = {c.name: c for c in build_components(settings)}
    # Reverse start order; then anything else we have a PID file for (a component since removed).
    order = [n for n in reversed(list(comps)) if n in sup.known_components()]
    order += [n for n in sup.known_components() if n not in order]
    stopped = []
    for name in order:
        c = comps.get(name)
        if c and c.pre_stop and not clean and sup.running_pid(name) and sup.healthy(c):
            try:
                c.pre_stop()
            except Exception as e:  # never block a stop; say what was not saved
                console.print(f"[yellow]warning:[/] {name}: could not save state before stopping: {e}")
        kw = {"timeout_s": c.stop_timeout_s, "stop_signal": c.stop_signal} if c else {}
        if sup.stop(name, **kw):
            stopped.append(name)
            console.print(f"stopped {name}")
    if clean and settings.obslab_home.exists():
        data = settings.data_dir / "postgres"
        if data.is_symlink():  # Postgres data kept outside a private checkout: remove the target too
            shutil.rmtree(data.resolve().parent, ignore_errors=True)
        shutil.rmtree(settings.obslab_home, ignore_errors=True)
        console.print(f"removed {settings.obslab_home}")
    return stopped


def status(settings: LabSettings) -> list[dict]:
    sup = Supervisor(settings)
    out = []
    for c in build_components(settings):
        pid = sup.running_pid(c.name)
        health = "healthy" if pid and sup.healthy(c) else ("unhealthy" if pid else "stopped")
        out.append({"component": c.name, "pid": pid, "health": health, "url": c.url or ""})
    return out


def print_urls(settings: LabSettings, comps: list[Component], console: Console) -> None:
    t = Table(title="obslab is up")
    t.add_column("component")
    t.add_column("url")
    for c in comps:
        t.add_row(c.name, c.url or "")
    console.print(t)
    console.print(f"predict: curl -XPOST {settings.serving_url}/predict -H 'content-type: application/json' "
                  f"-d '{{\"instances\": [[0, 0.3, ...64 numbers]]}}'")
    console.print(f"logs: {settings.logs_dir}  stop: make down")


