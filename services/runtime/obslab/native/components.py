"""The native runtime's component list: the same servers compose.yaml runs, as local processes.

Every command, port and config file is derived from LabSettings, so `.env` moves them all at once.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from obslab.native import s3_snapshot
from obslab.native.component import Component
from obslab.settings import REPO_ROOT, LabSettings, child_environ

VENV_BIN = Path(sys.executable).parent
LOCALSTACK_PYTHON = REPO_ROOT / ".venv-localstack" / "bin" / "python"
BUCKETS_SCRIPT = "localstack/init/ready.d/10-buckets.sh"
LOCALSTACK_NATIVE_ENV = REPO_ROOT / "localstack" / "native.env"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


# ---- PostgreSQL ------------------------------------------------------------------------------
def _postgres_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def _traversable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def postgres_dirs(settings: LabSettings) -> tuple[Path, Path, Path]:
    """(data folder as seen from .lab, real data folder, socket folder). As root, Postgres runs as
    `postgres`, which must reach them; when the checkout sits under a private folder (e.g. /root),
    they live under ~postgres/obslab/<hash>/ and .lab/data/postgres is a symlink there (made by
    `prepare`), so `down --clean` still finds everything from .lab/."""
    link = settings.data_dir / "postgres"
    if _postgres_user() and not _traversable_by_others(settings.obslab_home.parent):
        key = hashlib.sha256(str(settings.obslab_home).encode()).hexdigest()[:10]
        outside = Path(pwd.getpwnam("postgres").pw_dir) / "obslab" / key
        return link, outside / "data", outside / "run"
    return link, link, settings.obslab_home / "run" / "postgres"


def _chown_to(path: Path, user: str | None) -> None:
    if user:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def postgres(settings: LabSettings) -> Component:
    user = _postgres_user()
    link, data, run = postgres_dirs(settings)
    port = settings.port("POSTGRES_PORT")

    def prepare() -> None:
        for d in (data, run):
            d.mkdir(parents=True, exist_ok=True)
            _chown_to(d, user)
        if link != data and not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(link, ignore_errors=True)
            link.symlink_to(data)
        os.chmod(data, 0o700)
        if not (data / "PG_VERSION").exists():
            cmd = [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-instructions"]
            kwargs = {}
            if user:
                pw = pwd.getpwnam(user)
                kwargs = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
            subprocess.run(cmd, check=True, capture_output=True, cwd="/", **kwargs)

    def post_start() -> None:
        import psycopg2

        conn = psycopg2.connect(host=str(run), port=port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.postgres_user,))
            if not cur.fetchone():
                cur.execute(f'CREATE ROLE "{settings.postgres_user}" LOGIN PASSWORD %s',
                            (settings.postgres_password,))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.postgres_db,))
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{settings.postgres_db}" OWNER "{settings.postgres_user}"')
        conn.close()

    return Component(
        name="postgres",
        command=[str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port),
                 "-c", f"listen_addresses={settings.host}", "-c", f"unix_socket_directories={run}",
                 "-c", "max_connections=120"],
        ports={"POSTGRES_PORT": port},
        health=f"tcp://{settings.host}:{port}",
        url=f"postgresql://{settings.postgres_user}@{settings.host}:{port}/{settings.postgres_db}",
        run_as=user,
        cwd=Path("/"),
        prepare=prepare,
        post_start=post_start,
        stop_signal=signal.SIGINT,
        ready_timeout_s=30,
    )


# ---- LocalStack ------------------------------------------------------------------------------
def localstack(settings: LabSettings) -> Component:
    port = settings.port("LOCALSTACK_PORT")
    fs_root = settings.data_dir / "localstack"
    env = {
        "GATEWAY_LISTEN": f"{settings.host}:{port}",
        # The default gateway binds 0.0.0.0 whatever GATEWAY_LISTEN says; hypercorn honours it.
        "GATEWAY_SERVER": "hypercorn",
        "OVERRIDE_IN_DOCKER": "0",
        # Its own folder, never LocalStack's shared default under /tmp.
        "FILESYSTEM_ROOT": str(fs_root),
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
        "LOCALSTACK_HOST": f"{settings.host}:{port}",
        "AWS_DEFAULT_REGION": settings.aws_region,
        **_read_env_file(LOCALSTACK_NATIVE_ENV),
    }

    def prepare() -> None:
        fs_root.mkdir(parents=True, exist_ok=True)

    def post_start() -> None:
        # The same hook LocalStack's container runs from /etc/localstack/init/ready.d under Compose.
        aws = LOCALSTACK_PYTHON.parent / "aws"
        env = {**child_environ(), **settings.aws_env(), "ARTIFACTS_BUCKET": settings.artifacts_bucket,
               "DATA_BUCKET": settings.data_bucket, "AWS_CLI": f"{aws} --endpoint-url {settings.localstack_url}"}
        subprocess.run(["sh", str(REPO_ROOT / BUCKETS_SCRIPT)], check=True, env=env, capture_output=True)
        s3_snapshot.restore(settings)

    return Component(
        name="localstack",
        command=[str(LOCALSTACK_PYTHON), "-m", "localstack.runtime.main"],
        env=env,
        ports={"LOCALSTACK_PORT": port},
        health=f"{settings.localstack_url}/_localstack/health",
        url=settings.localstack_url,
        config_files=[BUCKETS_SCRIPT],
        prepare=prepare,
        post_start=post_start,
        pre_stop=lambda: s3_snapshot.save(settings),
        # It has been seen ignoring SIGTERM for 20 s: bounded wait, then SIGKILL.
        stop_timeout_s=8,
    )


# ---- Pushgateway -----------------------------------------------------------------------------
def pushgateway(settings: LabSettings) -> Component:
    port = settings.port("PUSHGATEWAY_PORT")
    data = settings.data_dir / "pushgateway"
    return Component(
        name="pushgateway",
        command=["prometheus-pushgateway", f"--web.listen-address={settings.host}:{port}",
                 f"--persistence.file={data / 'metrics'}", "--persistence.interval=5s"],
        ports={"PUSHGATEWAY_PORT": port},
        health=f"{settings.pushgateway_url}/-/ready",
        url=settings.pushgateway_url,
        prepare=lambda: data.mkdir(parents=True, exist_ok=True),
    )


# ---- MLflow ----------------------------------------------------------------------------------
def mlflow(settings: LabSettings) -> Component:
    port = settings.port("MLFLOW_PORT")
    metrics_dir = settings.data_dir / "mlflow-metrics"
    return Component(
        name="mlflow",
        command=[str(VENV_BIN / "mlflow"), "server", "--host", settings.host, "--port", str(port),
                 # Defaults (4 workers + an 8-process job runner) cost 3.5 GB RSS; this costs ~0.6 GB.
                 "--workers", "1",
                 "--backend-store-uri", settings.postgres_dsn,
                 "--artifacts-destination", f"s3://{settings.artifacts_bucket}/mlflow",
                 "--serve-artifacts",
                 "--expose-prometheus", str(metrics_dir)],
        env={**settings.aws_env(), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        ports={"MLFLOW_PORT": port},
        health=f"{settings.mlflow_url}/health",
        url=settings.mlflow_url,
        # Not on LocalStack: artifacts are only touched per request, so both can start together.
        depends_on=["postgres"],
        prepare=lambda: metrics_dir.mkdir(parents=True, exist_ok=True),
        ready_timeout_s=90,
    )


# ---- serving ---------------------------------------------------------------------------------
def serving_env(settings: LabSettings) -> dict[str, str]:
    env = {
        **settings.aws_env(),
        "MLFLOW_TRACKING_URI": settings.mlflow_url,
        "MODEL_NAME": settings.model_name,
        "MODEL_ALIAS": "champion",
        "DATA_BUCKET": settings.data_bucket,
        "SPOOL_DIR": str(settings.data_dir / "serving-spool"),
        "SERVING_MEMORY_LIMIT_MB": str(settings.serving_memory_limit_mb),
        "OTEL_SERVICE_NAME": os.environ.get("OTEL_SERVICE_NAME", "serving"),
        # Natively, traces go to the lab's OTLP receiver (Jaeger's OTLP port under Compose). Parent-based
        # 10 % sampling: a sampled caller (locust with --otel, a traceparent header) is always followed.
        "OTEL_EXPORTER_OTLP_ENDPOINT": os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", settings.url("OTLP_HTTP_PORT")),
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_SAMPLER": os.environ.get("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        "OTEL_TRACES_SAMPLER_ARG": os.environ.get("OTEL_TRACES_SAMPLER_ARG", "0.1"),
    }
    if settings.api_key:
        env["API_KEY"] = settings.api_key
        env["REQUIRE_API_KEY_FOR_PREDICT"] = str(settings.require_api_key_for_predict).lower()
    return env


def serving(settings: LabSettings) -> Component:
    port = settings.port("SERVING_PORT")
    return Component(
        name="serving",
        command=[str(VENV_BIN / "uvicorn"), "serving.main:app", "--host", settings.host, "--port", str(port),
                 "--workers", "1", "--no-access-log"],
        env=serving_env(settings),
        ports={"SERVING_PORT": port},
        health=f"{settings.serving_url}/health",
        url=f"{settings.serving_url}/docs",
        depends_on=["mlflow", "localstack"],
    )


def training_env(settings: LabSettings) -> dict[str, str]:
    return {
        **settings.aws_env(),
        "MLFLOW_TRACKING_URI": settings.mlflow_url,
        "MODEL_NAME": settings.model_name,
        "DATA_BUCKET": settings.data_bucket,
        "PUSHGATEWAY_URL": settings.pushgateway_url,
    }


def build_components(settings: LabSettings) -> list[Component]:
    """Every native component, in a start order that respects depends_on."""
    from obslab.observability.components import observability_components

    comps = [postgres(settings), localstack(settings), pushgateway(settings), mlflow(settings), serving(settings)]
    return comps + observability_components(settings)
