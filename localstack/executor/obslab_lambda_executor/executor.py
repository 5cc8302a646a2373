"""RuntimeExecutor that starts worker.py as a child process instead of a Docker container.

Protocol (LocalStack's runtime-init protocol, as the Docker executor's init binary speaks it):
- the worker serves POST /invoke on 127.0.0.1:<port>; LocalStack posts
  {"invoke-id", "invoked-function-arn", "payload", "trace-id"} there (ExecutorEndpoint.invoke);
- the worker posts to LOCALSTACK_RUNTIME_ENDPOINT (= this executor's endpoint on the gateway):
  /status/<executor id>/ready once listening, then per invocation /invocations/<id>/logs and
  /invocations/<id>/response or /invocations/<id>/error.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)
from localstack.utils.net import get_free_tcp_port

from localstack import config

LOG = logging.getLogger(__name__)
WORKER = Path(__file__).with_name("worker.py")
HOST = "127.0.0.1"
# Environment passed through from LocalStack's own process (everything else comes from LocalStack's
# Lambda env vars, so LocalStack's own settings never leak into the function).
PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE")


def _python() -> str:
    return os.environ.get("LAMBDA_LOCAL_PYTHON") or sys.executable


class LocalProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ExecutorEndpoint(self.id)
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = Path(tempfile.gettempdir()) / "lambda-local" / f"{self.id}.log"

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        runtime = str(self.function_version.config.runtime or "")
        if not runtime.startswith("python"):
            raise LambdaRuntimeException(
                f"executor '{config.LAMBDA_RUNTIME_EXECUTOR}' runs Python handlers only, got runtime {runtime!r}")
        code_dir = self.function_version.config.code.get_unzipped_code_location()
        self.executor_endpoint.start()
        self.port = get_free_tcp_port()
        env = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
        env.update({k: str(v) for k, v in env_vars.items()})
        env.update({
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LOCAL_WORKER_HOST": HOST,
            "LOCAL_WORKER_PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
        })
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        LOG.debug("starting local Lambda worker %s for %s on port %s", self.id,
                  self.function_version.qualified_arn, self.port)
        self.process = subprocess.Popen(
            [_python(), "-I", "-u", str(WORKER)], cwd=str(code_dir), env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()
        self.executor_endpoint.container_address = HOST
        self.executor_endpoint.container_port = self.port
        threading.Thread(target=self._watch_startup, name=f"lambda-local-watch-{self.id}",
                         daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _watch_startup(self) -> None:
        """Fail startup (instead of hanging) when the worker exits before saying ready."""
        proc, fut = self.process, self.executor_endpoint.startup_future
        while proc is not None and fut is not None and not fut.done():
            try:
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            if not fut.done():
                fut.set_exception(LambdaRuntimeException(
                    f"local Lambda worker exited with {proc.returncode} before it was ready: "
                    f"{self.get_logs()[-2000:]}"))
            return

    def stop(self) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # the worker's own session only
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        try:
            self.executor_endpoint.shutdown()
        except Exception as e:  # noqa: BLE001 - same tolerance as the Docker executor
            LOG.debug("error stopping executor endpoint %s: %s", self.id, e)

    # --- addresses -------------------------------------------------------------------------
    def get_address(self) -> str:
        return HOST

    def get_endpoint_from_executor(self) -> str:
        return HOST

    def get_runtime_endpoint(self) -> str:
        return (f"http://{HOST}:{config.GATEWAY_LISTEN[0].port}"
                f"{self.executor_endpoint.get_endpoint_prefix()}")

    # --- invocations -----------------------------------------------------------------------
    def invoke(self, payload: dict[str, str]):
        return self.executor_endpoint.invoke(payload)

    def get_logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # --- versions --------------------------------------------------------------------------
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()  # unzips the code once

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        if not shutil.which(_python()) and not Path(_python()).exists():
            LOG.warning("LAMBDA_LOCAL_PYTHON=%s not found", _python())
            return False
        return True
