"""Run one load scenario end to end and time the alert path:

  fault on -> alert firing in Alertmanager -> email in the mail catcher; fault off -> resolved email.

Usage: python loadtests/run.py SCENARIO [--bound S] [--warmup S] [--users N]
(`make load SCENARIO=errors`). Talks to the lab described by the environment/.env (LabSettings).
Prints the three times and, as its last line, one JSON object:
  {"scenario", "alert", "firing_s", "email_s", "resolved_s"}   (seconds from the fault switch)
Exit 0 when every expected step arrived within --bound, 1 when one did not, 2 on bad input or a lab
that is not up.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenarios  # noqa: E402

from obslab.settings import REPO_ROOT, get_settings  # noqa: E402

HERE = Path(__file__).resolve().parent
POLL_S = 0.25
# Drift: how long the shifted rows are sent before the drift job runs (they must outweigh the day's
# normal rows in the job's sample).
DRIFT_LOAD_S = float(os.environ.get("DRIFT_LOAD_S", 30))


class LabNotReady(RuntimeError):
    pass


def _say(msg: str) -> None:
    print(f"[load] {msg}", flush=True)


class Lab:
    def __init__(self) -> None:
        self.s = get_settings()
        self.http = httpx.Client(timeout=5.0)
        self.mail_url = self.s.url("MAIL_UI_PORT")
        self.admin_headers = {"authorization": f"Bearer {self.s.api_key}"} if self.s.api_key else {}

    def check(self) -> None:
        for name, url in [("serving", f"{self.s.serving_url}/ready"),
                          ("alertmanager", f"{self.s.alertmanager_url}/-/ready"),
                          ("prometheus", f"{self.s.prometheus_url}/-/ready"),
                          ("mail catcher", f"{self.mail_url}/api/healthz")]:
            try:
                r = self.http.get(url)
            except httpx.HTTPError as exc:
                raise LabNotReady(f"{name} not reachable at {url} ({exc}); start the lab: make up") from exc
            if r.status_code != 200:
                raise LabNotReady(f"{name} at {url} answered {r.status_code}; see `make status`")

    def predict_rate(self) -> float:
        """/predict requests per second as Prometheus sees them (0 before locust's traffic is scraped)."""
        q = 'sum(rate(http_requests_total{job="serving", handler="/predict"}[3s]))'
        r = self.http.get(f"{self.s.prometheus_url}/api/v1/query", params={"query": q})
        res = r.json()["data"]["result"] if r.status_code == 200 else []
        return float(res[0]["value"][1]) if res else 0.0

    def set_fault(self, spec: dict | None) -> None:
        url = f"{self.s.serving_url}/admin/faults"
        r = (self.http.post(url, json=spec, headers=self.admin_headers) if spec
             else self.http.delete(url, headers=self.admin_headers))
        if r.status_code >= 400:
            raise LabNotReady(f"{'POST' if spec else 'DELETE'} /admin/faults -> {r.status_code}: {r.text[:200]} "
                              "(set API_KEY in the environment or .env if serving requires one)")

    def firing(self, alert: str) -> bool:
        r = self.http.get(f"{self.s.alertmanager_url}/api/v2/alerts",
                          params={"filter": f'alertname="{alert}"', "active": "true", "silenced": "false",
                                  "inhibited": "false"})
        return r.status_code == 200 and any(a["status"]["state"] == "active" for a in r.json())

    def email_ids(self) -> set[str]:
        return {m["id"] for m in self.http.get(f"{self.mail_url}/api/email").json()}

    def email(self, alert: str, status: str, exclude: set[str]) -> dict | None:
        """A new email (id not in `exclude`) whose subject is `[STATUS...] <alert> ...`."""
        for m in self.http.get(f"{self.mail_url}/api/email").json():
            subj = m.get("subject") or ""
            if m["id"] not in exclude and subj.startswith(f"[{status}") and f"] {alert} " in subj:
                return m
        return None


def wait_for(what: str, cond, bound_s: float, t0: float) -> float | None:
    deadline = t0 + bound_s
    while time.monotonic() < deadline:
        if cond():
            dt = time.monotonic() - t0
            _say(f"{what}: {dt:.1f} s")
            return round(dt, 2)
        time.sleep(POLL_S)
    _say(f"{what}: NOT within {bound_s:.0f} s")
    return None


def start_locust(sc: scenarios.Scenario, lab: Lab, run_time_s: int, users: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LOCUST_SCENARIO": sc.name}
    if lab.s.api_key:
        env["API_KEY"] = lab.s.api_key
    cmd = [str(Path(sys.executable).parent / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
           "--host", lab.s.serving_url, "-u", str(users), "-r", str(users), "--run-time", f"{run_time_s}s",
           "--scenario", sc.name, "--only-summary", "--stop-timeout", "3"]
    log.parent.mkdir(parents=True, exist_ok=True)
    _say(f"locust: {users} users, scenario {sc.name}, at most {run_time_s} s (log {log})")
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                            start_new_session=True)


def stop_locust(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run(sc: scenarios.Scenario, bound_s: float, warmup_s: float, users: int) -> dict:
    lab = Lab()
    lab.check()
    result = {"scenario": sc.name, "alert": sc.alert, "firing_s": None, "email_s": None, "resolved_s": None}
    lab.set_fault(None)
    if sc.alert and sc.fault:
        # A previous run's alert must be gone first, or "firing" would be measured too early.
        t = time.monotonic()
        if wait_for(f"{sc.alert} not active before start", lambda: not lab.firing(sc.alert), bound_s, t) is None:
            raise LabNotReady(f"{sc.alert} is still firing from an earlier run; wait and retry")
    log = lab.s.logs_dir / f"locust-{sc.name}.log"
    proc = start_locust(sc, lab, int(warmup_s + 2 * bound_s + 30), users, log)
    try:
        # Locust needs a few seconds to start; the warm-up counts from traffic Prometheus has seen.
        if wait_for("locust traffic seen by Prometheus", lambda: proc.poll() is not None or lab.predict_rate() > 0,
                    max(bound_s, 60), time.monotonic()) is None or proc.poll() is not None:
            raise LabNotReady(f"locust sent no traffic (exit {proc.poll()}); see {log}")
        time.sleep(warmup_s)
        _say(f"baseline: {lab.predict_rate():.0f} /predict req/s")
        if not sc.fault:
            if sc.alert:  # drift: the traffic itself is the fault; the drift job must notice it
                _say(f"sending shifted rows for {DRIFT_LOAD_S:.0f} s, then flushing embeddings and running "
                     "the drift job on today's data")
                time.sleep(DRIFT_LOAD_S)
                stop_locust(proc)
                lab.http.post(f"{lab.s.serving_url}/admin/embeddings/flush", headers=lab.admin_headers, timeout=60)
                seen = lab.email_ids()
                t0 = time.monotonic()
                today = time.strftime("%Y-%m-%d", time.gmtime())
                job = subprocess.run([str(Path(sys.executable).parent / "obslab"), "drift", "run", "--date", today],
                                     capture_output=True, text=True, timeout=max(bound_s, 120))
                out = job.stdout.strip().splitlines()[-1] if job.stdout.strip() else job.stderr
                _say(f"drift job (exit {job.returncode}): {out[:300]}")
                result["firing_s"] = wait_for(f"{sc.alert} firing", lambda: lab.firing(sc.alert), bound_s, t0)
                result["email_s"] = wait_for("firing email", lambda: lab.email(sc.alert, "FIRING", seen),
                                             bound_s, t0)
            else:
                time.sleep(warmup_s)
            return result
        # Safety net: the fault clears by itself if this runner dies.
        # Emails already there (including a late "resolved" from an earlier run) are not ours.
        seen = lab.email_ids()
        lab.set_fault({**sc.fault, "duration_s": 2 * bound_s + warmup_s + 30})
        t0 = time.monotonic()
        _say(f"fault on: {json.dumps(sc.fault)}")
        result["firing_s"] = wait_for(f"{sc.alert} firing in Alertmanager", lambda: lab.firing(sc.alert),
                                      bound_s, t0)
        result["email_s"] = wait_for("firing email in the mail catcher",
                                     lambda: lab.email(sc.alert, "FIRING", seen), bound_s, t0)
        lab.set_fault(None)
        t1 = time.monotonic()
        _say("fault off")
        if result["firing_s"] is not None:
            result["resolved_s"] = wait_for("resolved email in the mail catcher",
                                            lambda: lab.email(sc.alert, "RESOLVED", seen), bound_s, t1)
        return result
    finally:
        try:
            lab.set_fault(None)
        except (httpx.HTTPError, LabNotReady):
            pass
        stop_locust(proc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run a load scenario and time its alert.")
    p.add_argument("scenario", nargs="?", default=os.environ.get("SCENARIO", "errors"))
    p.add_argument("--bound", type=float, default=float(os.environ.get("LOAD_BOUND_S", 60)),
                   help="seconds each step may take before the run fails (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of normal traffic before the fault")
    p.add_argument("--users", type=int, default=None)
    a = p.parse_args(argv)
    try:
        sc = scenarios.get(a.scenario)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        result = run(sc, a.bound, a.warmup, a.users or sc.users)
    except LabNotReady as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if sc.alert:
        _say(f"fault on -> firing: {result['firing_s']} s, -> email: {result['email_s']} s; "
             f"fault off -> resolved email: {result['resolved_s']} s")
    print(json.dumps(result), flush=True)
    expected = ["firing_s", "email_s"] + (["resolved_s"] if sc.fault else []) if sc.alert else []
    return 1 if any(result[k] is None for k in expected) else 0


if __name__ == "__main__":
    sys.exit(main())
