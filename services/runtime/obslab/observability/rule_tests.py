"""Generates `promtool test rules` files for every alert in alerts.yaml, per profile.

Each alert gets three checks, built from its own threshold, window and `for` (so changing alerts.yaml
never leaves the tests behind): it fires after the condition has held for `for` (and not earlier),
stays silent just below the threshold, and resolves once the window holds only normal data.

promtool compares annotations verbatim and ours print `$value`, so the test runs on a copy of the
rendered rule file without annotations: expr, for and labels are tested exactly as committed.
The series builders below know each alert's metrics; a new alert without a builder fails the test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from obslab.observability.alerts import Alert, duration_s, load_alerts, profiles, rules_path

# Serving's latency buckets (contract in notes/common.md); HighLatency's threshold must be one of them.
LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10]

# Per-step states: "ok" normal traffic, "hi" breaching, "lo" just below the threshold.
States = list[str]
Series = list[dict[str, str]]


def _labels(name: str, **labels: str) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{name}{{{inner}}}"


def _values(points: list[float]) -> str:
    return " ".join(repr(round(p, 6)) for p in points)


def _counter(increments: list[float]) -> list[float]:
    out, total = [], 0.0
    for inc in increments:
        total += inc
        out.append(total)
    return out


def _latency(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    t = a.threshold
    if t not in LATENCY_BUCKETS or t == LATENCY_BUCKETS[-1]:
        raise ValueError(f"HighLatency threshold {t} must be an inner bucket bound of {LATENCY_BUCKETS}")
    i = LATENCY_BUCKETS.index(t)
    lower = LATENCY_BUCKETS[i - 1] if i else 0.0
    value = {"hi": (t + LATENCY_BUCKETS[i + 1]) / 2,  # p95 interpolates inside (t, next]: > t
             "lo": (lower + t) / 2,                    # p95 inside (lower, t]: <= t, just below
             "ok": LATENCY_BUCKETS[0] / 2}
    series = []
    for handler, per_state in (("/predict", value), ("/health", {s: 9.0 for s in value})):
        # 10 requests per step; /health is always slow and must not count (the rule watches /predict).
        for le in [*LATENCY_BUCKETS, math.inf]:
            incs = [10.0 if per_state[s] <= le else 0.0 for s in states]
            le_s = "+Inf" if le == math.inf else repr(float(le))
            series.append({"series": _labels("http_request_duration_seconds_bucket", job="serving",
                                             handler=handler, method="POST", le=le_s),
                           "values": _values(_counter(incs))})
    return series, {"handler": "/predict"}


def _errors(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    per_window = a.window_s / step
    rate = {"hi": 2 * a.threshold, "lo": 0.8 * a.threshold, "ok": 0.0}  # 5xx per window
    series = []
    for handler in ("/predict", "/predict/batch"):  # two series: the rule must sum them
        incs = [rate[s] / per_window / 2 for s in states]
        series.append({"series": _labels("http_requests_total", job="serving", handler=handler,
                                         method="POST", status="5xx"), "values": _values(_counter(incs))})
    # Plenty of successes all along: only 5xx count.
    series.append({"series": _labels("http_requests_total", job="serving", handler="/predict", method="POST",
                                     status="2xx"), "values": _values(_counter([100.0] * len(states)))})
    return series, {}


SERVING = {"job": "serving", "instance": "serving:8000"}


def _cpu(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    pct = {"hi": 1.2 * a.threshold, "lo": 0.98 * a.threshold, "ok": 0.3 * a.threshold}
    incs = [pct[s] / 100 * step for s in states]
    return [{"series": _labels("process_cpu_seconds_total", **SERVING), "values": _values(_counter(incs))}], SERVING


def _memory(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    limit = 2.0e9
    pct = {"hi": 1.1 * a.threshold, "lo": 0.98 * a.threshold, "ok": 0.3 * a.threshold}
    return [
        {"series": _labels("process_resident_memory_bytes", **SERVING),
         "values": _values([pct[s] / 100 * limit for s in states])},
        {"series": _labels("obslab_memory_limit_bytes", **SERVING), "values": _values([limit] * len(states))},
    ], SERVING


def _pg_connections(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    total = {"hi": a.threshold + 1, "lo": a.threshold, "ok": a.threshold / 4}  # `>`: exactly T is silent
    labels = {"job": "postgres", "instance": "postgres-exporter:9187", "datname": "mlflow"}
    return [
        {"series": _labels("pg_stat_activity_count", state="active", **labels),
         "values": _values([math.floor(total[s] / 2) for s in states])},
        {"series": _labels("pg_stat_activity_count", state="idle", **labels),
         "values": _values([total[s] - math.floor(total[s] / 2) for s in states])},
    ], {}


def _training(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    value = {"hi": a.threshold, "lo": a.threshold + 1, "ok": a.threshold + 1}  # 0 = failed, 1 = success
    labels = {"job": "training", "instance": ""}
    return [{"series": _labels("obslab_training_last_run_success", **labels),
             "values": _values([value[s] for s in states])}], {"job": "training"}


def _drift(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    value = {"hi": a.threshold + 1, "lo": a.threshold, "ok": a.threshold}
    return [
        {"series": _labels("obslab_drift_detected", job="drift", model="a"),
         "values": _values([value[s] for s in states])},
        {"series": _labels("obslab_drift_detected", job="drift", model="b"), "values": _values([0] * len(states))},
    ], {}


def _target_down(a: Alert, states: States, step: float) -> tuple[Series, dict[str, str]]:
    value = {"hi": a.threshold, "lo": a.threshold + 1, "ok": a.threshold + 1}
    return [
        {"series": _labels("up", **SERVING), "values": _values([value[s] for s in states])},
        {"series": _labels("up", job="mlflow", instance="mlflow:5000"), "values": _values([0] * len(states))},
    ], SERVING


BUILDERS: dict[str, Callable[[Alert, States, float], tuple[Series, dict[str, str]]]] = {
    "HighLatency": _latency,
    "HighErrorRate": _errors,
    "HighCPU": _cpu,
    "HighMemory": _memory,
    "PostgresHighConnections": _pg_connections,
    "TrainingJobFailed": _training,
    "DataDriftDetected": _drift,
    "ServingTargetDown": _target_down,
}


def _fmt(seconds: float) -> str:
    return f"{int(round(seconds * 1000))}ms"


def cases(a: Alert, step: float) -> list[dict[str, Any]]:
    if a.name not in BUILDERS:
        raise KeyError(f"no promtool case for alert {a.name}: add a builder to {__name__}.BUILDERS")
    build = BUILDERS[a.name]
    w, f = math.ceil(a.window_s / step), math.ceil(a.for_s / step)
    n0, n1, n2 = w + 2, w + f + 3, w + 3  # baseline, breach, back to normal
    labels = {"severity": a.severity, "group": a.group}
    t_breach, t_fired, t_end = n0 * step, (n0 + n1 - 1) * step, (n0 + n1 + n2 - 1) * step

    series, result_labels = build(a, ["ok"] * n0 + ["hi"] * n1 + ["ok"] * n2, step)
    checks = [{"eval_time": _fmt((n0 - 1) * step), "alertname": a.name, "exp_alerts": []}]
    if a.for_s >= step:  # pending, not yet firing, one step before `for` has elapsed
        checks.append({"eval_time": _fmt(t_breach + a.for_s - step), "alertname": a.name, "exp_alerts": []})
    checks.append({"eval_time": _fmt(t_fired), "alertname": a.name,
                   "exp_alerts": [{"exp_labels": {**result_labels, **labels}}]})
    checks.append({"eval_time": _fmt(t_end), "alertname": a.name, "exp_alerts": []})
    fires = {"name": f"{a.name}: fires after {a.for_}, resolves", "interval": _fmt(step),
             "input_series": series, "alert_rule_test": checks}

    series, _ = build(a, ["ok"] * n0 + ["lo"] * (n1 + n2), step)
    silent = {"name": f"{a.name}: silent just below {a.threshold:g}", "interval": _fmt(step),
              "input_series": series,
              "alert_rule_test": [{"eval_time": _fmt(t), "alertname": a.name, "exp_alerts": []}
                                  for t in (t_fired, t_end)]}
    return [fires, silent]


def write_tests(profile: str, out_dir: Path) -> Path:
    """Writes <out_dir>/<profile>.rules.yml (annotations stripped) and <profile>.test.yml; returns the test."""
    prof = profiles()[profile]
    step = duration_s(prof["evaluation_interval"])
    if duration_s(prof["scrape_interval"]) != step:
        raise ValueError("the generated tests assume scrape_interval == evaluation_interval")
    rules = yaml.safe_load(rules_path(profile).read_text())
    for g in rules["groups"]:
        for r in g["rules"]:
            r.pop("annotations", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    rule_file = out_dir / f"{profile}.rules.yml"
    rule_file.write_text(yaml.safe_dump(rules, sort_keys=False))
    tests = [c for a in load_alerts(profile) for c in cases(a, step)]
    test_file = out_dir / f"{profile}.test.yml"
    test_file.write_text(yaml.safe_dump({"rule_files": [rule_file.name], "evaluation_interval": _fmt(step),
                                         "tests": tests}, sort_keys=False, width=200))
    return test_file
