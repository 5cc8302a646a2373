"""`obslab drift ...`: check two .npy files, or run the nightly job against the lab's S3."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from drift.config import CORRECTIONS, Thresholds

app = typer.Typer(help="Embedding drift: compare samples, run the nightly job.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _load(path: Path, what: str) -> np.ndarray:
    if not path.is_file():
        _fail(f"{what} file not found: {path} (give a .npy file saved with numpy.save)")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        _fail(f"{what} file {path} is not a readable .npy array: {e}")


@app.command()
def check(
    reference: Annotated[Path, typer.Option(help="reference embeddings, .npy (rows, dims)")],
    current: Annotated[Path, typer.Option(help="current embeddings, .npy (rows, dims)")],
    alpha: Annotated[float | None, typer.Option(help="significance level (default DRIFT_ALPHA or 0.05)")] = None,
    correction: Annotated[str | None, typer.Option(help=f"one of {', '.join(CORRECTIONS)}")] = None,
    min_rows: Annotated[int | None, typer.Option(help="minimum rows in each sample")] = None,
    per_dim: Annotated[bool, typer.Option(help="include per-dimension statistics")] = False,
) -> None:
    """Compare CURRENT with REFERENCE; prints one JSON object (exit 2 on bad input)."""
    from drift.detector import DriftDetector, DriftInputError

    try:
        th = Thresholds.from_env(alpha=alpha, correction=correction, min_rows=min_rows)
    except ValueError as e:
        _fail(str(e))
    ref, cur = _load(reference, "reference"), _load(current, "current")
    try:
        out = DriftDetector(ref, th).predict(cur, return_per_dim=per_dim)
    except DriftInputError as e:
        _fail(str(e))
    typer.echo(json.dumps({**out["data"], "meta": out["meta"]}))


@app.command()
def run(
    date: Annotated[str | None, typer.Option(help="day to analyse, YYYY-MM-DD (default: yesterday, UTC)")] = None,
    days: Annotated[int, typer.Option(help="window length in days ending at --date")] = 1,
) -> None:
    """Run the Lambda's job in-process against the lab's LocalStack S3; prints the result JSON."""
    import boto3

    from drift.config import JobConfig
    from drift.job import run_job
    from obslab.settings import get_settings

    s = get_settings()
    event: dict = {}
    if date:
        try:
            end = dt.date.fromisoformat(date)
        except ValueError:
            _fail(f"--date: expected YYYY-MM-DD, got {date!r}")
        if days < 1:
            _fail("--days must be >= 1")
        event = {"start_date": (end - dt.timedelta(days=days - 1)).isoformat(), "end_date": end.isoformat()}
    elif days != 1:
        event = {"days": days}
    env = s.aws_env()
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                    region_name=s.aws_region)
    clients = {n: session.client(n, endpoint_url=s.localstack_url) for n in ("s3", "cloudwatch", "sns")}
    import os

    cfg = JobConfig.from_env({**os.environ, "DATA_BUCKET": os.environ.get("DATA_BUCKET", s.data_bucket),
                              "PUSHGATEWAY_URL": os.environ.get("PUSHGATEWAY_URL", s.pushgateway_url)})
    try:
        result = run_job(event, s3=clients["s3"], cloudwatch=clients["cloudwatch"], sns=clients["sns"],
                         cfg=cfg, thresholds=Thresholds.from_env())
    except ValueError as e:
        _fail(str(e))
    except Exception as e:  # botocore connection errors etc.
        _fail(f"could not reach the lab's S3 at {s.localstack_url} ({type(e).__name__}: {e}); "
              "is the lab up? run `make up`")
    typer.echo(json.dumps(result))


FUNCTION_ENV = "DRIFT_FUNCTION_NAME"
DEFAULT_FUNCTION = "obslab-drift-detector"


def deploy_function(lam, name: str, zip_path: Path, env_vars: dict[str, str]) -> None:
    """Create (or update) the drift Lambda in LocalStack from the built zip."""
    code = zip_path.read_bytes()
    try:
        lam.create_function(FunctionName=name, Runtime="python3.13", Architectures=["x86_64"],
                            Role="arn:aws:iam::000000000000:role/obslab-drift-lambda",
                            Handler="drift.handler.lambda_handler", Code={"ZipFile": code},
                            Timeout=300, MemorySize=1024, Environment={"Variables": env_vars})
    except lam.exceptions.ResourceConflictException:
        lam.update_function_code(FunctionName=name, ZipFile=code)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env_vars})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


@app.command()
def invoke(
    date: Annotated[str | None, typer.Option(help="day to analyse, YYYY-MM-DD (default: today, UTC)")] = None,
    deploy: Annotated[bool, typer.Option(help="deploy build/drift-lambda.zip when the function is missing")] = True,
    function: Annotated[str | None, typer.Option(
        help=f"function name (default ${FUNCTION_ENV} or {DEFAULT_FUNCTION})")] = None,
) -> None:
    """Invoke the deployed drift Lambda through LocalStack (as `make drift` does); prints its result."""
    import base64
    import os

    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from obslab.settings import REPO_ROOT, get_settings

    s = get_settings()
    name = function or os.environ.get(FUNCTION_ENV, DEFAULT_FUNCTION)
    day = date or dt.datetime.now(dt.UTC).date().isoformat()
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        _fail(f"--date: expected YYYY-MM-DD, got {day!r}")
    env = s.aws_env()
    lam = boto3.client("lambda", endpoint_url=s.localstack_url, region_name=s.aws_region,
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                       config=Config(read_timeout=900, retries={"max_attempts": 1}))
    try:
        try:
            deployed = lam.get_function(FunctionName=name)["Configuration"].get("CodeSha256")
            local = REPO_ROOT / "build" / "drift-lambda.zip"
            if local.exists() and deployed:
                import hashlib

                if base64.b64encode(hashlib.sha256(local.read_bytes()).digest()).decode() != deployed:
                    typer.echo(f"note: the deployed {name!r} differs from {local}; `make tf-local` updates it",
                               err=True)
        except lam.exceptions.ResourceNotFoundException:
            zip_path = REPO_ROOT / "build" / "drift-lambda.zip"
            if not deploy:
                _fail(f"Lambda {name!r} is not deployed in LocalStack: run `make tf-local` (or `make drift`)")
            if not zip_path.exists():
                _fail(f"{zip_path} missing: run `make drift-zip` first")
            typer.echo(f"Lambda {name!r} not deployed (`make tf-local` deploys it): deploying {zip_path}", err=True)
            env_vars = {"DATA_BUCKET": s.data_bucket, "PUSHGATEWAY_URL": s.pushgateway_url}
            if os.environ.get("SNS_TOPIC_ARN"):
                env_vars["SNS_TOPIC_ARN"] = os.environ["SNS_TOPIC_ARN"]
            deploy_function(lam, name, zip_path, env_vars)
        r = lam.invoke(FunctionName=name, Payload=json.dumps({"date": day}).encode(), LogType="Tail")
    except (BotoCoreError, ClientError) as e:
        _fail(f"LocalStack at {s.localstack_url}: {e} (is the lab up? `make up`)")
    payload = r["Payload"].read().decode()
    if r.get("FunctionError"):
        logs = base64.b64decode(r.get("LogResult", "")).decode(errors="replace")
        typer.echo(f"error: the drift Lambda failed: {payload}\n{logs}", err=True)
        raise typer.Exit(1)
    typer.echo(payload)
