"""`make bench`: the serving app's throughput and latency against a bare numpy endpoint, side by side.

Variants, each its own uvicorn process (1 worker, --no-access-log) on a free 127.0.0.1 port, all
started at once and loaded one after the other with wrk (1 thread, 32 connections, BENCH_SECONDS each
after a short warm-up), body = one digits row (64 floats):

  L        bare FastAPI endpoint: json.loads -> numpy matmul/argmax (same weights), nothing else
  plain    obslab /predict, OBSLAB_INSTRUMENTATION=off and OTEL_SDK_DISABLED=true (validation,
           model holder, embedding logger still on)
  full     obslab with everything: instrumentator + exemplar histogram + OTel (receive/send spans
           excluded) sampling 10 % parent-based, OTLP/HTTP export to a local receiver
  full100  the same at 100 % sampling
  optional (BENCH_VARIANTS=L,plain,full,full100,metrics-only,full-contrib):
  metrics-only  instrumentator + exemplar histogram, OTEL_SDK_DISABLED=true (splits full's cost)
  full-contrib  full, but server spans from opentelemetry-instrumentation-fastapi (receive/send
           excluded) instead of serving.tracing.TracingMiddleware

The model is registered by this script in its own sqlite MLflow store (no lab needed); the OTLP
receiver is a minimal OTLP/HTTP endpoint in this process (decodes the protobuf, counts spans).
The embedding logger in the obslab variants points at an unreachable S3 endpoint and spools to a
temp dir (the worst case: every batch is written to local disk).

Besides req/s and latency, the server's CPU time per request is read from /proc (all its threads,
so span export and embedding flushes count): `cpu L/x` = L's CPU-us/req over the variant's, which
does not move with other load on the machine the way wall-clock req/s does.

Prints a table, then one JSON line: {"L_rps", "full_rps", "full_ratio", "full_p99_ratio",
"full100_ratio", ...}. Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_ROUNDS (2),
BENCH_VARIANTS. With several rounds the variants are interleaved and medians reported.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import Response

DEFAULT_VARIANTS = ("L", "plain", "full", "full100")
TARGETS = {"full_ratio": 0.5, "full_p99_ratio": 3.0, "full100_ratio": 0.35}
WRK_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("BENCH_BODY_FILE"), "r")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    errors, summary.errors.status))
end
"""


# ---- the baseline app (uvicorn --factory serving.bench:bare_app) --------------------------------
def bare_app():
    weights = np.load(os.environ["BENCH_WEIGHTS"])
    w, b, classes = weights["w"], weights["b"], weights["classes"]
    app = FastAPI()

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready"}

    @app.post("/predict")
    async def predict(request: Request) -> Response:
        x = np.asarray(json.loads(await request.body())["instances"], dtype=np.float64)
        preds = classes[np.argmax(x @ w + b, axis=1)]
        return Response(json.dumps({"predictions": preds.tolist(), "model_version": "bare"}),
                        media_type="application/json")

    return app


# ---- harness ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver():
    """A minimal OTLP/HTTP trace sink: decodes each ExportTraceServiceRequest and counts its spans.

    (obslab.observability.otlp_receiver also stores and indexes spans, bounded to its last 5000
    traces; the benchmark only needs an exporter target that does real protobuf work and a count.)"""
    return _MiniSink().start()


class _MiniSink:
    """POST /v1/traces: decode ExportTraceServiceRequest, count spans, answer the empty response."""

    def start(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        sink = self
        sink.spans = 0

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    import gzip
                    data = gzip.decompress(data)
                req = ExportTraceServiceRequest.FromString(data)
                sink.spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
                body = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.stop = self.server.shutdown
        return self, f"http://127.0.0.1:{self.server.server_address[1]}", lambda: sink.spans


def prepare_model(work: Path) -> tuple[str, Path]:
    from serving.demo_model import register_digits_model

    uri = f"sqlite:///{work}/mlflow.db"
    register_digits_model(uri, "obslab-digits", artifact_root=str(work / "artifacts"))
    import mlflow

    mlflow.set_registry_uri(uri)
    est = mlflow.sklearn.load_model("models:/obslab-digits@champion")
    weights = work / "weights.npz"
    np.savez(weights, w=np.ascontiguousarray(est.coef_.T.astype(np.float64)),
             b=est.intercept_.astype(np.float64), classes=est.classes_)
    return uri, weights


def variants(uri: str, weights: Path, otlp: str, work: Path) -> dict[str, dict]:
    common = {
        "MLFLOW_TRACKING_URI": uri, "MODEL_NAME": "obslab-digits", "MODEL_POLL_SECONDS": "0",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "LOG_LEVEL": "WARNING",
        "API_KEY": "", "REQUIRE_API_KEY_FOR_PREDICT": "false",
    }
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_SERVICE_NAME": "obslab-serving-bench"}
    return {
        "L": {"app": "serving.bench:bare_app", "factory": True, "env": {"BENCH_WEIGHTS": str(weights)}},
        "plain": {"app": "serving.main:app", "env": {**common, "OBSLAB_INSTRUMENTATION": "off",
                                                     "OTEL_SDK_DISABLED": "true",
                                                     "SPOOL_DIR": str(work / "spool-plain")}},
        "full": {"app": "serving.main:app", "env": {
            **common, **otel, "OBSLAB_INSTRUMENTATION": "on", "SPOOL_DIR": str(work / "spool-full"),
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}},
        "full100": {"app": "serving.main:app", "env": {
            **common, **otel, "OBSLAB_INSTRUMENTATION": "on", "SPOOL_DIR": str(work / "spool-full100"),
            "OTEL_TRACES_SAMPLER": "parentbased_always_on"}},
        "metrics-only": {"app": "serving.main:app", "env": {
            **common, "OBSLAB_INSTRUMENTATION": "on", "OTEL_SDK_DISABLED": "true",
            "SPOOL_DIR": str(work / "spool-metrics")}},
        "full-contrib": {"app": "serving.main:app", "env": {
            **common, **otel, "OBSLAB_INSTRUMENTATION": "on", "SPOOL_DIR": str(work / "spool-contrib"),
            "OBSLAB_TRACING_MIDDLEWARE": "contrib",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}},
    }


def start_server(name: str, spec: dict, work: Path) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OBSLAB_INSTR"))}
    env.update(spec["env"])
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    cmd = [uvicorn, spec["app"], "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
           "--no-access-log", "--log-level", "warning"] + (["--factory"] if spec.get("factory") else [])
    log = (work / f"{name}.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=work)
    return {"name": name, "proc": proc, "url": f"http://127.0.0.1:{port}", "log": work / f"{name}.log"}


def wait_ready(servers: list[dict], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for s in list(pending):
            if s["proc"].poll() is not None:
                raise SystemExit(f"{s['name']} exited: {s['log'].read_text()[-2000:]}")
            try:
                if httpx.get(s["url"] + "/ready", timeout=2).status_code == 200:
                    pending.remove(s)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise SystemExit(f"not ready after {timeout}s: {[s['name'] for s in pending]}")
        time.sleep(0.2)


def run_wrk(url: str, seconds: float, connections: int, lua: Path, body: Path) -> dict:
    cmd = [shutil.which("wrk") or "/usr/bin/wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s",
           "--timeout", "5s", "-s", str(lua), url + "/predict"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BENCH_BODY_FILE": str(body)},
                         timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    r = json.loads(line.removeprefix("BENCH_JSON "))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (it and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_servers(servers: list[dict]) -> None:
    for s in servers:
        if s["proc"].poll() is None:
            os.killpg(s["proc"].pid, signal.SIGTERM)
    for s in servers:
        try:
            s["proc"].wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(s["proc"].pid, signal.SIGKILL)
            s["proc"].wait(5)


def main() -> int:
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "32"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "2"))
    if not (shutil.which("wrk") or Path("/usr/bin/wrk").exists()):
        print("wrk not found: run `make install` (Debian package wrk)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="obslab-bench-"))
    servers: list[dict] = []
    receiver = None
    try:
        print(f"[bench] registering the digits model in {work} ...", flush=True)
        uri, weights = prepare_model(work)
        from serving.demo_model import digits

        body = work / "body.json"
        body.write_text(json.dumps({"instances": [digits()[0][0].tolist()]}))
        lua = work / "post.lua"
        lua.write_text(WRK_LUA)
        receiver, otlp, span_count = start_receiver()
        wanted = os.environ.get("BENCH_VARIANTS", ",".join(DEFAULT_VARIANTS)).split(",")
        specs = {k: v for k, v in variants(uri, weights, otlp, work).items() if k in wanted}
        missing = set(DEFAULT_VARIANTS) - set(specs)
        if missing:
            raise SystemExit(f"BENCH_VARIANTS must include {sorted(missing)}")
        servers = [start_server(name, spec, work) for name, spec in specs.items()]
        t0 = time.monotonic()
        wait_ready(servers)
        print(f"[bench] servers ready in {time.monotonic() - t0:.1f}s", flush=True)
        for s in servers:  # sanity: every variant answers the same prediction
            r = httpx.post(s["url"] + "/predict", content=body.read_bytes(), timeout=5)
            assert r.status_code == 200, (s["name"], r.text)
            s["check"] = r.json()["predictions"]
        assert len({tuple(s["check"]) for s in servers}) == 1, [s["check"] for s in servers]
        print(f"[bench] {len(servers)} variants ready; wrk -t1 -c{connections} {seconds:g}s each, "
              f"{rounds} round(s)", flush=True)
        results: dict[str, list[dict]] = {s["name"]: [] for s in servers}
        for _ in range(rounds):
            for s in servers:
                run_wrk(s["url"], 2, connections, lua, body)                 # warm-up
                cpu0 = cpu_seconds(s["proc"].pid)
                res = run_wrk(s["url"], seconds, connections, lua, body)
                res["cpu_us"] = (cpu_seconds(s["proc"].pid) - cpu0) / max(res["requests"], 1) * 1e6
                res["load1"] = os.getloadavg()[0]
                results[s["name"]].append(res)
                print(f"[bench] {s['name']:<12} {res['rps']:>8.0f} req/s  p99 {res['p99_us'] / 1000:>7.2f} ms  "
                      f"{res['cpu_us']:>6.0f} CPU-us/req  (load average {res['load1']:.1f})", flush=True)
        time.sleep(2)   # let the batch span processors export
        spans = span_count()
    finally:
        stop_servers(servers)
        if receiver is not None:
            receiver.stop()

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    L_rps, L_p99, L_cpu = med("L", "rps"), med("L", "p99_us"), med("L", "cpu_us")
    print()
    print(f"{'variant':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'rps/L':>7} {'p99/L':>7} "
          f"{'CPU-us/req':>11} {'cpu L/x':>8} {'errors':>7}")
    for name in results:
        print(f"{name:<12} {med(name, 'rps'):>8.0f} {med(name, 'p50_us') / 1000:>8.2f} "
              f"{med(name, 'p99_us') / 1000:>8.2f} {med(name, 'rps') / L_rps:>7.2f} "
              f"{med(name, 'p99_us') / L_p99:>7.2f} {med(name, 'cpu_us'):>11.0f} "
              f"{L_cpu / med(name, 'cpu_us'):>8.2f} {int(sum(r['errors'] for r in results[name])):>7}")
    load = statistics.mean(r["load1"] for rs in results.values() for r in rs)
    summary = {
        "L_rps": round(L_rps, 1), "full_rps": round(med("full", "rps"), 1),
        "full_ratio": round(med("full", "rps") / L_rps, 3),
        "full_p99_ratio": round(med("full", "p99_us") / L_p99, 3),
        "full100_ratio": round(med("full100", "rps") / L_rps, 3),
        "plain_ratio": round(med("plain", "rps") / L_rps, 3),
        "full100_p99_ratio": round(med("full100", "p99_us") / L_p99, 3),
        "full_cpu_ratio": round(L_cpu / med("full", "cpu_us"), 3),
        "full100_cpu_ratio": round(L_cpu / med("full100", "cpu_us"), 3),
        "load_average": round(load, 2), "spans_received": spans,
    }
    ok = (summary["full_ratio"] >= TARGETS["full_ratio"] and summary["full_p99_ratio"] <= TARGETS["full_p99_ratio"]
          and summary["full100_ratio"] >= TARGETS["full100_ratio"])
    print("\nrps/L and p99/L are the wall-clock ratios the targets refer to; 'cpu L/x' is the server's CPU\n"
          "time per request of L divided by the variant's (threads included): the throughput ratio one\n"
          f"idle core would give, robust to other load on the machine (load average here {load:.1f}).")
    print(f"\ntargets: full >= {TARGETS['full_ratio']} L with p99 <= {TARGETS['full_p99_ratio']}x L; "
          f"100% sampling >= {TARGETS['full100_ratio']} L -> {'met' if ok else 'NOT met'}; "
          f"spans received by the OTLP receiver: {spans}")
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
