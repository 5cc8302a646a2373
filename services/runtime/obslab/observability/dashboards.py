"""Grafana dashboards as code: builds observability/grafana/dashboards/*.json (committed; Grafana's
provisioning loads them). Regenerate with `make dashboards`; tests check the files are fresh, that
they type-check against @grafana/schema, and that every query returns data from a live Prometheus.

Panels query the Prometheus datasource by its fixed uid; latency panels request exemplars, which the
Prometheus datasource links to the Jaeger datasource through `exemplarTraceIdDestinations`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from obslab.observability import OBS_DIR
from obslab.observability.alerts import load_alerts

DASHBOARDS_DIR = OBS_DIR / "grafana" / "dashboards"
PROM = {"type": "prometheus", "uid": "prometheus"}
RI = "$__rate_interval"
SCHEMA_VERSION = 41


class _Board:
    def __init__(self, uid: str, title: str, description: str, tags: list[str]) -> None:
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = 0
        self._row_h = 0

    def _place(self, w: int, h: int) -> dict[str, int]:
        if self._x + w > 24:
            self._x, self._y = 0, self._y + self._row_h
            self._row_h = 0
        pos = {"x": self._x, "y": self._y, "w": w, "h": h}
        self._x += w
        self._row_h = max(self._row_h, h)
        return pos

    def panel(self, kind: str, title: str, targets: list[tuple[str, str]], *, unit: str = "short",
              w: int = 12, h: int = 8, description: str = "", exemplars: bool = False,
              thresholds: list[tuple[float, str]] | None = None, instant: bool = False,
              options: dict[str, Any] | None = None, decimals: int | None = None) -> None:
        defaults: dict[str, Any] = {"unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": "green", "value": None}] +
                                      [{"color": c, "value": v} for v, c in thresholds]}
        if kind == "timeseries":
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                                  **({"thresholdsStyle": {"mode": "line"}} if thresholds else {})}
            opts = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True,
                               "calcs": []},
                    "tooltip": {"mode": "multi", "sort": "desc"}}
        else:  # stat
            opts = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "value", "graphMode": "none", "textMode": "auto", "justifyMode": "auto",
                    "orientation": "auto", "showPercentChange": False, "percentChangeColorMode": "standard",
                    "wideLayout": True}
        opts.update(options or {})
        tgts = []
        for i, (expr, legend) in enumerate(targets):
            t: dict[str, Any] = {"datasource": PROM, "refId": chr(ord("A") + i), "expr": expr,
                                 "legendFormat": legend or "__auto", "range": not instant, "instant": instant}
            if exemplars:
                t["exemplar"] = True
            tgts.append(t)
        self.panels.append({
            "id": len(self.panels) + 1, "type": kind, "title": title, "description": description,
            "datasource": PROM, "gridPos": self._place(w, h),
            "fieldConfig": {"defaults": defaults, "overrides": []}, "options": opts, "targets": tgts,
        })

    def row(self, title: str) -> None:
        self._x, self._y = 0, self._y + self._row_h
        self._row_h = 1
        self.panels.append({"id": len(self.panels) + 1, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"x": 0, "y": self._y, "w": 24, "h": 1}, "panels": []})
        self._x, self._y, self._row_h = 0, self._y + 1, 0

    def build(self) -> dict[str, Any]:
        return {
            "uid": self.uid, "title": self.title, "description": self.description, "tags": ["obslab", *self.tags],
            "editable": True, "graphTooltip": 1, "schemaVersion": SCHEMA_VERSION, "version": 1,
            "refresh": "10s", "time": {"from": "now-30m", "to": "now"}, "timezone": "browser",
            "fiscalYearStartMonth": 0, "liveNow": False,
            "timepicker": {"refresh_intervals": ["5s", "10s", "30s", "1m", "5m"]},
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                "type": "dashboard"}]},
            "templating": {"list": []},
            "links": [{"title": "obslab dashboards", "type": "dashboards", "tags": ["obslab"], "asDropdown": True,
                       "includeVars": False, "keepTime": True, "targetBlank": False, "icon": "external link",
                       "tooltip": "", "url": ""}],
            "panels": self.panels,
        }


def _threshold(name: str) -> float:
    return next(a.threshold for a in load_alerts("prod") if a.name == name)


def _quantiles(metric: str, by: str) -> list[tuple[str, str]]:
    group = f"le, {by}" if by else "le"
    suffix = f" {{{{{by}}}}}" if by else ""
    return [(f"histogram_quantile({q}, sum by ({group}) (rate({metric}[{RI}])))", f"p{int(q * 100)}{suffix}")
            for q in (0.5, 0.95, 0.99)]


def serving() -> dict[str, Any]:
    b = _Board("obslab-serving", "obslab / Serving (RED)",
               "Rate, errors and duration of the FastAPI serving API, by handler. Latency panels carry "
               "exemplars: click a dot to open its trace in Jaeger.", ["serving", "red"])
    lat = _threshold("HighLatency")
    all_req = f'sum by (handler) (rate(http_requests_total{{job="serving"}}[{RI}]))'
    err_req = f'sum by (handler) (rate(http_requests_total{{job="serving", status="5xx"}}[{RI}]))'
    b.panel("stat", "Requests / s", [(f'sum(rate(http_requests_total{{job="serving"}}[{RI}]))', "req/s")],
            unit="reqps", w=6, h=4, decimals=1)
    b.panel("stat", "5xx ratio", [(f'(sum(rate(http_requests_total{{job="serving", status="5xx"}}[{RI}])) or '
                                   f'vector(0)) / sum(rate(http_requests_total{{job="serving"}}[{RI}]))', "5xx")],
            unit="percentunit", w=6, h=4, thresholds=[(0.01, "orange"), (0.05, "red")])
    b.panel("stat", "p95 /predict", [(f'histogram_quantile(0.95, sum by (le) (rate('
                                      f'http_request_duration_seconds_bucket{{job="serving", handler="/predict"}}'
                                      f'[{RI}])))', "p95")],
            unit="s", w=6, h=4, thresholds=[(lat * 0.5, "orange"), (lat, "red")])
    b.panel("stat", "Faults injected", [('max(obslab_faults_active{job="serving"})', "active")], w=6, h=4,
            thresholds=[(1, "red")], description="1 while POST /admin/faults is in effect")
    b.row("Rate and errors")
    b.panel("timeseries", "Request rate by handler", [(all_req, "{{handler}}")], unit="reqps")
    b.panel("timeseries", "Responses by status class", [
        (f'sum by (status) (rate(http_requests_total{{job="serving"}}[{RI}]))', "{{status}}")], unit="reqps")
    b.panel("timeseries", "Error ratio (5xx) by handler",
            [(f"({err_req} or {all_req} * 0) / {all_req}", "{{handler}}")], unit="percentunit",
            thresholds=[(0.05, "red")])
    b.panel("timeseries", "5xx in the alert window",
            [('sum(increase(http_requests_total{job="serving", status="5xx"}[5m])) or vector(0)', "5xx / 5m")],
            thresholds=[(_threshold("HighErrorRate"), "red")],
            description="HighErrorRate fires above the red line (prod window)")
    b.row("Duration")
    b.panel("timeseries", "Latency by handler (p50 / p95 / p99)",
            _quantiles('http_request_duration_seconds_bucket{job="serving"}', "handler"), unit="s", w=24,
            exemplars=True, thresholds=[(lat, "red")],
            description="Exemplars (trace_id) link each bucket sample to its trace in Jaeger")
    return b.build()


def model() -> dict[str, Any]:
    b = _Board("obslab-model", "obslab / Model", "What the model predicts, which version serves, how long "
               "inference takes, and the embedding log that feeds drift detection.", ["model"])
    b.panel("stat", "Serving version", [('max by (name, version) (obslab_model_info{job="serving"})',
                                         "{{name}} v{{version}}")], w=8, h=4, instant=True,
            options={"textMode": "name"})
    b.panel("stat", "Model ready", [('min(obslab_model_ready{job="serving"})', "ready")], w=8, h=4,
            thresholds=[(0, "red"), (1, "green")])
    b.panel("stat", "Predictions / s", [(f'sum(rate(obslab_predictions_total{{job="serving"}}[{RI}]))', "rows/s")],
            unit="short", w=8, h=4, decimals=1)
    b.panel("timeseries", "Predictions by class", [
        (f'sum by (predicted_class) (rate(obslab_predictions_total{{job="serving"}}[{RI}]))', "{{predicted_class}}")],
        unit="short", options={"legend": {"displayMode": "table", "placement": "right", "showLegend": True,
                                          "calcs": ["mean"]}})
    b.panel("timeseries", "Predictions by model version", [
        (f'sum by (model_version) (rate(obslab_predictions_total{{job="serving"}}[{RI}]))', "v{{model_version}}")])
    b.panel("timeseries", "Inference time (p50 / p95 / p99)",
            _quantiles('obslab_inference_seconds_bucket{job="serving"}', ""), unit="s", exemplars=True)
    b.panel("timeseries", "Embeddings logged / dropped", [
        (f'sum(rate(obslab_embeddings_logged_total{{job="serving"}}[{RI}]))', "logged"),
        (f'sum(rate(obslab_embeddings_dropped_total{{job="serving"}}[{RI}]))', "dropped")], unit="short")
    b.panel("timeseries", "Embeddings spooled (not yet in S3)",
            [('sum(obslab_embeddings_spooled_rows{job="serving"})', "rows")], w=24)
    return b.build()


def drift() -> dict[str, Any]:
    b = _Board("obslab-drift", "obslab / Drift", "Results of the nightly drift job (pushed to the Pushgateway "
               "as job=\"drift\"): latest score per method and its history.", ["drift"])
    b.panel("stat", "Drift detected", [('max(obslab_drift_detected{job="drift"})', "drift")], w=6, h=4,
            thresholds=[(1, "red")])
    b.panel("stat", "Last run", [('max(obslab_drift_last_run_timestamp_seconds{job="drift"}) * 1000', "last run")],
            unit="dateTimeFromNow", w=6, h=4)
    b.panel("stat", "Data status", [('max by (status) (obslab_drift_data_status{job="drift"}) == 1', "{{status}}")],
            w=12, h=4, instant=True, options={"textMode": "name"})
    b.panel("stat", "Latest score per method", [('max by (method) (obslab_drift_score{job="drift"})', "{{method}}")],
            w=24, h=5, decimals=3, instant=True)
    b.panel("timeseries", "Score history per method",
            [('max by (method) (obslab_drift_score{job="drift"})', "{{method}}")], w=24)
    b.panel("timeseries", "Drift detected over time", [('max(obslab_drift_detected{job="drift"})', "drift")], w=24,
            thresholds=[(1, "red")])
    return b.build()


def training() -> dict[str, Any]:
    b = _Board("obslab-training", "obslab / Training", "The training job's pushed metrics (job=\"training\"): "
               "last success, duration, accuracy and failures.", ["training"])
    b.panel("stat", "Last success", [(
        'max(obslab_training_last_success_timestamp_seconds{job="training"}) * 1000', "last success")],
        unit="dateTimeFromNow", w=6, h=4)
    b.panel("stat", "Last run", [('max(obslab_training_last_run_success{job="training"})', "last run")], w=6, h=4,
            thresholds=[(0, "red"), (1, "green")], options={"colorMode": "background"},
            description="1 = succeeded, 0 = failed (TrainingJobFailed fires on 0)")
    b.panel("stat", "Accuracy", [('max(obslab_training_accuracy{job="training"})', "accuracy")],
            unit="percentunit", w=6, h=4, decimals=2)
    b.panel("stat", "Duration", [('max(obslab_training_duration_seconds{job="training"})', "duration")],
            unit="s", w=6, h=4)
    b.panel("timeseries", "Run result (1 ok / 0 failed)",
            [('max(obslab_training_last_run_success{job="training"})', "result")],
            thresholds=[(0.5, "green")])
    b.panel("timeseries", "Duration and age of last success", [
        ('max(obslab_training_duration_seconds{job="training"})', "duration"),
        ('time() - max(obslab_training_last_success_timestamp_seconds{job="training"})', "age of last success")],
        unit="s")
    b.panel("timeseries", "Failures (runs that failed, per day)", [(
        'count_over_time((max(obslab_training_last_run_success{job="training"}) == 0)[1d:1m]) or vector(0)',
        "failed minutes")], w=24,
        description="Minutes in the last day whose latest training run had failed")
    return b.build()


def infra() -> dict[str, Any]:
    b = _Board("obslab-infra", "obslab / Infrastructure", "CPU and memory of the lab's processes, Postgres "
               "connections and scrape health.", ["infra"])
    cpu, mem = _threshold("HighCPU"), _threshold("HighMemory")
    b.panel("timeseries", "CPU by job (% of one core)",
            [(f"100 * sum by (job) (rate(process_cpu_seconds_total[{RI}]))", "{{job}}")], unit="percent",
            thresholds=[(cpu, "red")])
    b.panel("timeseries", "Resident memory by job", [("sum by (job) (process_resident_memory_bytes)", "{{job}}")],
            unit="bytes")
    b.panel("timeseries", "Serving memory (% of its limit)", [(
        '100 * process_resident_memory_bytes{job="serving"} / on(instance, job) '
        'obslab_memory_limit_bytes{job="serving"}', "serving")], unit="percent", thresholds=[(mem, "red")])
    b.panel("timeseries", "Postgres connections by state",
            [("sum by (state) (pg_stat_activity_count)", "{{state}}"), ("sum(pg_stat_activity_count)", "total")],
            thresholds=[(_threshold("PostgresHighConnections"), "red")])
    b.panel("stat", "Targets up", [("up", "{{job}}")], w=24, h=4, instant=True,
            thresholds=[(0, "red"), (1, "green")], options={"colorMode": "background", "textMode": "value_and_name"})
    return b.build()


BUILDERS = {"serving": serving, "model": model, "drift": drift, "training": training, "infra": infra}


def render() -> dict[str, str]:
    """file name -> JSON text."""
    return {f"{name}.json": json.dumps(fn(), indent=2) + "\n" for name, fn in BUILDERS.items()}


def write() -> list[Path]:
    DASHBOARDS_DIR.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in render().items():
        p = DASHBOARDS_DIR / name
        p.write_text(text)
        out.append(p)
    return out


def queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) for every Prometheus target of a dashboard."""
    return [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])
            if t.get("datasource", p.get("datasource", {})).get("type") == "prometheus"]


# ---- type-checking against Grafana's own schema (npm @grafana/schema, tsc --strict) --------------------
_TS_HEADER = """// GENERATED by obslab.observability.dashboards for `tsc --noEmit --strict`: each dashboard JSON as a
// Grafana `Dashboard`, each panel's options/field config as its plugin's types, each target as PromQuery.
import type { Dashboard } from "@grafana/schema";
import type { Options as TimeSeriesOptions, FieldConfig as TimeSeriesFieldConfig }
  from "@grafana/schema/dist/types/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import type { Options as StatOptions }
  from "@grafana/schema/dist/types/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";

// Dashboard JSON spells enums as their string values; Grafana's types use TS string enums. Json<T> maps
// every enum to the union of its values (`${E}`) and leaves everything else as strict as it was.
type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T
  : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

interface PromQuery {
  datasource: { type: "prometheus"; uid: string };
  refId: string;
  expr: string;
  legendFormat?: string;
  range?: boolean;
  instant?: boolean;
  exemplar?: boolean;
}
"""


# Negative controls, one line each: tsc must reject them, or `@ts-expect-error` itself is an error. They
# prove the check is not vacuous (a misspelt key, a wrong type, a stat option that does not exist).
_TS_CONTROLS = """
// @ts-expect-error misspelt gridPos
export const _bad1: Json<Dashboard> = { schemaVersion: 41, panels: [{ type: "timeseries", gridpos: { x: 0 } }] };
// @ts-expect-error title must be a string
export const _bad2: Json<Dashboard> = { schemaVersion: 41, title: 5 };
// @ts-expect-error no such colorMode
export const _bad3: Json<StatOptions>["colorMode"] = "rainbow";
"""


def typescript_source(boards: dict[str, dict[str, Any]]) -> str:
    """One .ts module checking every dashboard; `boards` maps a name to dashboard JSON (as data)."""
    out = [_TS_HEADER, _TS_CONTROLS]
    for name, d in boards.items():
        ident = "".join(c if c.isalnum() else "_" for c in name)
        out.append(f"export const {ident}: Json<Dashboard> = {json.dumps(d, indent=2)};\n")
        for p in d.get("panels", []):
            pid = f"{ident}_panel{p.get('id')}"
            if p.get("type") == "timeseries":
                out.append(f"export const {pid}_options: Json<TimeSeriesOptions> = {json.dumps(p.get('options', {}))};")
                custom = p.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
                out.append(f"export const {pid}_custom: Json<TimeSeriesFieldConfig> = {json.dumps(custom)};")
            elif p.get("type") == "stat":
                out.append(f"export const {pid}_options: Json<StatOptions> = {json.dumps(p.get('options', {}))};")
            if "targets" in p:
                out.append(f"export const {pid}_targets: PromQuery[] = {json.dumps(p['targets'])};")
        out.append("")
    return "\n".join(out)
