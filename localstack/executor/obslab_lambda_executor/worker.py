"""Local Lambda worker: one process per execution environment, one invocation at a time.

Runs under the interpreter LocalStack gives it (stdlib only here). Imports the handler from
LAMBDA_TASK_ROOT (the unzipped function code, first on sys.path) named by _HANDLER, serves
POST /invoke, and reports results to LOCALSTACK_RUNTIME_ENDPOINT.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

ENDPOINT = os.environ["LOCALSTACK_RUNTIME_ENDPOINT"]
RUNTIME_ID = os.environ["LOCALSTACK_RUNTIME_ID"]
TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
HANDLER = os.environ.get("_HANDLER", "")
_lock = threading.Lock()
_handler_fn = None
_log_buffer = threading.local()


def post(path: str, body: bytes, content_type: str = "application/json") -> None:
    req = urllib.request.Request(f"{ENDPOINT}{path}", data=body, method="POST",
                                 headers={"Content-Type": content_type})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=30) as r:
        r.read()


class _Capture(io.TextIOBase):
    """stdout/stderr during an invocation: to the invocation's log buffer and the worker log."""

    def __init__(self, real):
        self.real = real

    def write(self, s):
        buf = getattr(_log_buffer, "buf", None)
        if buf is not None:
            buf.write(s)
        return self.real.write(s)

    def flush(self):
        self.real.flush()


class LambdaContext:
    def __init__(self, request_id: str, arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _peak_rss_mb() -> int:
    """Peak RSS of this process image (VmHWM). ru_maxrss would include the RSS LocalStack had
    when it forked us, since Linux carries it across exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _load_handler():
    global _handler_fn
    if _handler_fn is None:
        module_name, _, fn = HANDLER.rpartition(".")
        if not module_name:
            raise ImportError(f"bad handler {HANDLER!r}: expected module.function")
        _handler_fn = getattr(importlib.import_module(module_name.replace("/", ".")), fn)
    return _handler_fn


def _error_payload(e: BaseException, error_type: str | None = None) -> bytes:
    return json.dumps({
        "errorMessage": str(e),
        "errorType": error_type or type(e).__name__,
        "requestId": "",
        "stackTrace": traceback.format_exception(e)[1:],
    }).encode()


def run_invocation(inv: dict) -> None:
    with _lock:
        request_id = inv["invoke-id"]
        buf = io.StringIO()
        _log_buffer.buf = buf
        timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
        t0 = time.time()
        print(f"START RequestId: {request_id} Version: {os.environ.get('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')}")
        ok, body = True, b"null"
        try:
            try:
                fn = _load_handler()
            except Exception as e:  # noqa: BLE001
                ok, body = False, _error_payload(e, "Runtime.ImportModuleError")
                traceback.print_exc()
            else:
                try:
                    event = json.loads(inv.get("payload") or "null")
                    result = fn(event, LambdaContext(request_id, inv.get("invoked-function-arn", ""),
                                                     t0 + timeout))
                    body = json.dumps(result).encode()
                except Exception as e:  # noqa: BLE001
                    ok, body = False, _error_payload(e)
                    print(f"[ERROR] {type(e).__name__}: {e}", file=sys.stderr)
                    traceback.print_exc()
        finally:
            ms = (time.time() - t0) * 1000
            max_mb = _peak_rss_mb()
            print(f"END RequestId: {request_id}")
            print(f"REPORT RequestId: {request_id}\tDuration: {ms:.2f} ms\tBilled Duration: "
                  f"{int(ms) + 1} ms\tMemory Size: {os.environ.get('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '128')} MB"
                  f"\tMax Memory Used: {max_mb} MB")
            _log_buffer.buf = None
        try:
            post(f"/invocations/{request_id}/logs", json.dumps({"logs": buf.getvalue()}).encode())
            post(f"/invocations/{request_id}/{'response' if ok else 'error'}", body)
        except Exception:  # noqa: BLE001 - LocalStack gone; nothing else to tell
            traceback.print_exc()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        if self.path.rstrip("/") != "/invoke":
            self.send_error(404)
            return
        inv = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        threading.Thread(target=run_invocation, args=(inv,), daemon=True).start()

    def log_message(self, fmt, *args):  # keep the worker log for the function's own output
        pass


def main() -> None:
    sys.path.insert(0, TASK_ROOT)
    os.chdir(TASK_ROOT)
    sys.stdout, sys.stderr = _Capture(sys.stdout), _Capture(sys.stderr)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="[%(levelname)s]\t%(asctime)s\t%(name)s\t%(message)s", force=True)
    server = HTTPServer((os.environ.get("LOCAL_WORKER_HOST", "127.0.0.1"),
                         int(os.environ["LOCAL_WORKER_PORT"])), Handler)
    post(f"/status/{RUNTIME_ID}/ready", b"{}")
    server.serve_forever()


if __name__ == "__main__":
    main()
