"""The `obslab` command line: lab lifecycle plus each area's sub-commands."""

from __future__ import annotations

import os
from enum import Enum

import typer
from rich.console import Console
from rich.table import Table

from obslab.settings import get_settings

app = typer.Typer(help="obslab: a local-first observability lab for an ML serving stack.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()


class Runtime(str, Enum):
    auto = "auto"
    native = "native"
    compose = "compose"


def _pick(runtime: Runtime) -> str:
    if runtime != Runtime.auto:
        return runtime.value
    forced = os.environ.get("RUNTIME")
    if forced in ("native", "compose"):
        return forced
    from obslab.compose_runtime import docker_engine_available

    return "compose" if docker_engine_available() else "native"


def _fail(message: str) -> None:
    console.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)


@app.command()
def up(runtime: Runtime = typer.Option(Runtime.auto, help="auto: Compose when a Docker engine answers"),
       train_if_needed: bool = typer.Option(True, "--train/--no-train",
                                            help="train once when the registry has no champion")) -> None:
    """Start the lab and wait until every component is healthy; prints each UI's URL."""
    settings = get_settings()
    if _pick(runtime) == "compose":
        from obslab import compose_runtime

        try:
            compose_runtime.up(settings, train_if_needed=train_if_needed)
        except RuntimeError as e:  # ComposeError: no engine, unhealthy service, old Compose
            _fail(str(e))
        return
    from obslab.native import runtime as native
    from obslab.readiness import champion_loadable

    try:
        comps = native.up(settings, console)
        if train_if_needed and not champion_loadable(settings):
            console.print("no loadable `champion` model in the registry: training one (about 20 s)")
            if native.train(settings) != 0:
                _fail(f"training failed; rerun `make train` to see why (logs: {settings.logs_dir})")
        native.wait_ready(settings)
    except (native.LabStartError, RuntimeError) as e:
        _fail(str(e))
    native.print_urls(settings, comps, console)


@app.command()
def down(clean: bool = typer.Option(False, "--clean", help="also remove data, state and logs (.lab/)"),
         runtime: Runtime = typer.Option(Runtime.auto)) -> None:
    """Stop every process the lab started (by PID), keeping data unless --clean."""
    settings = get_settings()
    if _pick(runtime) == "compose":
        from obslab import compose_runtime

        try:
            compose_runtime.down(settings, clean)
        except RuntimeError as e:
            _fail(str(e))
        return
    from obslab.native import runtime as native

    stopped = native.down(settings, clean=clean, console=console)
    console.print(f"stopped {len(stopped)} component(s)" if stopped else "nothing was running")


@app.command()
def status(runtime: Runtime = typer.Option(Runtime.auto)) -> None:
    """Show each component with its PID, health and URL."""
    settings = get_settings()
    if _pick(runtime) == "compose":
        from obslab import compose_runtime

        try:
            rows = compose_runtime.status(settings)
        except RuntimeError as e:
            _fail(str(e))
    else:
        from obslab.native import runtime as native

        rows = native.status(settings)
    t = Table(title="obslab status")
    for col in ("component", "pid", "health", "url"):
        t.add_column(col)
    for r in rows:
        color = {"healthy": "green", "unhealthy": "red"}.get(str(r.get("health")), "dim")
        t.add_row(str(r["component"]), str(r.get("pid") or ""), f"[{color}]{r.get('health')}[/]", str(r.get("url", "")))
    console.print(t)


@app.command()
def logs(component: str = typer.Argument(None, help="component name; all when omitted"),
         lines: int = typer.Option(50, "-n"), runtime: Runtime = typer.Option(Runtime.auto)) -> None:
    """Show the last lines of a component's log (native: .lab/logs/<component>.log)."""
    settings = get_settings()
    if _pick(runtime) == "compose":
        from obslab import compose_runtime

        try:
            compose_runtime.logs(settings, component, lines=lines)
        except RuntimeError as e:
            _fail(str(e))
        return
    from obslab.native.supervisor import Supervisor

    sup = Supervisor(settings)
    names = [component] if component else sorted(p.stem for p in settings.logs_dir.glob("*.log"))
    for name in names:
        if not sup.log_file(name).exists():
            _fail(f"no log for {name!r}; known: {', '.join(p.stem for p in settings.logs_dir.glob('*.log'))}")
        console.rule(f"{name} ({sup.log_file(name)})")
        console.print(sup.tail(name, lines), markup=False, highlight=False)


@app.command()
def train(fail: bool = typer.Option(False, "--fail", help="rehearsal: fail on purpose (TrainingJobFailed)")) -> None:
    """Train the classifier, register it in MLflow and point the `champion` alias at it."""
    from obslab.native import runtime as native

    raise typer.Exit(native.train(get_settings(), {"TRAINING_FAULT": "1"} if fail else None))

from drift.cli import app as drift_app  # noqa: E402

app.add_typer(drift_app, name="drift")
