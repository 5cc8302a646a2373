"""The observability servers of the native runtime, as `Component`s.

Each renders its config from the committed files under observability/ into the lab's home in
`prepare`, binds 127.0.0.1 only, and lists the repository files it reads in `config_files` (the same
files compose.yaml mounts; Prometheus' targets file is the one deliberate difference: the native
runtime fills targets/native.yml, Compose mounts targets/compose.yml).
"""

from __future__ import annotations

import sys
from pathlib import Path

from obslab.native.component import Component
from obslab.observability import alertmanager as am
from obslab.observability import prometheus as prom
from obslab.observability.alerts import rules_path
from obslab.settings import REPO_ROOT, LabSettings

MAILDEV = REPO_ROOT / ".tools" / "bin" / "maildev"


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def prometheus(settings: LabSettings) -> Component:
    port = settings.port("PROMETHEUS_PORT")
    data = settings.data_dir / "prometheus"
    cfg = prom.config_dir(settings) / "prometheus.yml"

    def prepare() -> None:
        data.mkdir(parents=True, exist_ok=True)
        prom.write_config(settings)

    return Component(
        name="prometheus",
        command=["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                 f"--web.listen-address={settings.host}:{port}", f"--web.external-url={settings.prometheus_url}",
                 "--enable-feature=exemplar-storage", "--web.enable-lifecycle",
                 "--storage.tsdb.retention.time=7d"],
        ports={"PROMETHEUS_PORT": port},
        health=f"{settings.prometheus_url}/-/ready",
        url=settings.prometheus_url,
        config_files=[_rel(prom.CONFIG), _rel(rules_path(settings.alert_profile))],
        prepare=prepare,
    )


def alertmanager(settings: LabSettings) -> Component:
    port = settings.port("ALERTMANAGER_PORT")
    data = settings.data_dir / "alertmanager"
    cfg = settings.obslab_home / "config" / "alertmanager" / "alertmanager.yml"

    def prepare() -> None:
        data.mkdir(parents=True, exist_ok=True)
        am.write_config(settings, cfg, runtime="native")

    return Component(
        name="alertmanager",
        command=["prometheus-alertmanager", f"--config.file={cfg}", f"--storage.path={data}",
                 f"--web.listen-address={settings.host}:{port}", f"--web.external-url={settings.alertmanager_url}",
                 # Single node: no gossip port (it would bind 0.0.0.0:9094).
                 "--cluster.listen-address="],
        ports={"ALERTMANAGER_PORT": port},
        health=f"{settings.alertmanager_url}/-/ready",
        url=settings.alertmanager_url,
        config_files=list(am.CONFIG_FILES),
        depends_on=["maildev"],
        prepare=prepare,
    )


def maildev(settings: LabSettings) -> Component:
    smtp, web = settings.port("MAIL_SMTP_PORT"), settings.port("MAIL_UI_PORT")
    mail_dir = settings.data_dir / "maildev"
    ui = settings.url("MAIL_UI_PORT")
    return Component(
        name="maildev",
        command=[str(MAILDEV), "--ip", settings.host, "--smtp", str(smtp), "--web-ip", settings.host,
                 "--web", str(web), "--mail-directory", str(mail_dir)],
        ports={"MAIL_SMTP_PORT": smtp, "MAIL_UI_PORT": web},
        health=f"{ui}/api/healthz",
        url=ui,
        prepare=lambda: mail_dir.mkdir(parents=True, exist_ok=True),
    )


def postgres_exporter(settings: LabSettings) -> Component:
    port = settings.port("POSTGRES_EXPORTER_PORT")
    dsn = (f"postgresql://{settings.postgres_user}:{settings.postgres_password}@{settings.host}:"
           f"{settings.postgres_port}/{settings.postgres_db}?sslmode=disable")
    url = settings.url("POSTGRES_EXPORTER_PORT")
    return Component(
        name="postgres-exporter",
        command=["prometheus-postgres-exporter", f"--web.listen-address={settings.host}:{port}"],
        env={"DATA_SOURCE_NAME": dsn},
        ports={"POSTGRES_EXPORTER_PORT": port},
        health=f"{url}/",
        url=f"{url}/metrics",
        depends_on=["postgres"],
    )


def otlp_receiver(settings: LabSettings) -> Component:
    """Stands in for Jaeger natively: accepts OTLP/HTTP traces and serves them back as JSON."""
    port = settings.port("OTLP_HTTP_PORT")
    url = settings.url("OTLP_HTTP_PORT")
    return Component(
        name="otlp-receiver",
        command=[sys.executable, "-m", "obslab.observability.otlp_receiver", "--host", settings.host,
                 "--port", str(port)],
        ports={"OTLP_HTTP_PORT": port},
        health=f"{url}/healthz",
        url=f"{url}/api/traces",
    )


def observability_components(settings: LabSettings) -> list[Component]:
    return [maildev(settings), alertmanager(settings), prometheus(settings), postgres_exporter(settings),
            otlp_receiver(settings)]
