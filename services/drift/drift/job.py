"""The nightly drift job: S3 in, result JSON + CloudWatch + SNS + Pushgateway out.

Used by the Lambda handler (drift.handler) and by `obslab drift run`. Data problems (missing,
empty, corrupt) end in a result that says so and a metric, never an exception.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
import urllib.request

import numpy as np

from drift._version import __version__
from drift.config import JobConfig, Thresholds
from drift.detector import DriftDetector, DriftInputError
from drift.sampling import Reservoir

log = logging.getLogger("drift")

STATUSES = ("ok", "missing", "empty", "corrupt")
# result key -> (CloudWatch metric name, Pushgateway obslab_drift_score{method}); one per method.
METHOD_METRICS = {
    "ks_pvalue_min": "KsPValueMin",
    "ks_drifted_fraction": "KsDriftedFraction",
    "centroid_cosine_similarity": "CentroidCosineSimilarity",
    "mean_shift": "MeanShift",
    "std_ratio": "StdRatio",
}


class DataProblem(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def resolve_window(event: dict, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Dates to analyse: event {"date"} or {"start_date","end_date"} or {"days": N}; else the day
    before the run (for an EventBridge event, the day before its "time")."""
    def parse(v: str, key: str) -> dt.date:
        try:
            return dt.date.fromisoformat(str(v)[:10])
        except ValueError as e:
            raise ValueError(f"event {key!r}: expected YYYY-MM-DD, got {v!r}") from e

    if event.get("time"):
        now = dt.datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    if event.get("date"):
        d = parse(event["date"], "date")
        return d, d
    if event.get("start_date") or event.get("end_date"):
        end = parse(event.get("end_date") or event["start_date"], "end_date")
        start = parse(event.get("start_date") or end.isoformat(), "start_date")
        if start > end:
            raise ValueError(f"event: start_date {start} is after end_date {end}")
        if (end - start).days > 366:
            raise ValueError("event: window longer than 366 days")
        return start, end
    end = now.date() - dt.timedelta(days=1)
    days = int(event.get("days") or 1)
    if not 1 <= days <= 366:
        raise ValueError(f"event 'days': expected 1..366, got {days}")
    return end - dt.timedelta(days=days - 1), end


def day_prefix(prefix: str, d: dt.date) -> str:
    return f"{prefix}{d:%Y/%m/%d}/"


def _iter_keys(s3, bucket: str, prefix: str):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            yield obj["Key"], obj.get("Size", 0)


def _load_npy(s3, bucket: str, key: str) -> np.ndarray:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return np.load(io.BytesIO(body), allow_pickle=False)


def load_reference(s3, cfg: JobConfig, min_rows: int) -> tuple[np.ndarray, dict]:
    keys = sorted(k for k, _ in _iter_keys(s3, cfg.data_bucket, cfg.reference_prefix))
    manifest = {}
    if f"{cfg.reference_prefix}manifest.json" in keys:
        try:
            manifest = json.loads(
                s3.get_object(Bucket=cfg.data_bucket, Key=f"{cfg.reference_prefix}manifest.json")
                ["Body"].read())
        except ValueError:
            manifest = {"error": "manifest.json is not valid JSON"}
    npys = [k for k in keys if k.endswith(".npy")]
    if not npys:
        raise DataProblem("missing", f"no reference: s3://{cfg.data_bucket}/{cfg.reference_prefix}*.npy")
    parts = []
    for k in npys:
        try:
            a = _load_npy(s3, cfg.data_bucket, k)
        except (ValueError, OSError, EOFError) as e:
            raise DataProblem("corrupt", f"reference {k} is not a readable .npy: {e}") from e
        if a.ndim != 2 or a.dtype.kind not in "fiu":
            raise DataProblem("corrupt", f"reference {k}: expected a numeric 2-D array, got "
                              f"{a.dtype} {a.shape}")
        parts.append(a)
    if len({p.shape[1] for p in parts}) > 1:
        raise DataProblem("corrupt", "reference files disagree on the dimension")
    ref = np.concatenate(parts) if len(parts) > 1 else parts[0]
    ref = ref[np.isfinite(ref).all(axis=1)]
    if ref.shape[0] == 0:
        raise DataProblem("empty", "reference has no finite rows")
    if ref.shape[0] < min_rows:
        raise DataProblem("empty", f"reference has {ref.shape[0]} rows, fewer than {min_rows}")
    if ref.shape[0] > cfg.max_reference_rows:
        idx = np.sort(np.random.default_rng(cfg.seed).choice(ref.shape[0], cfg.max_reference_rows,
                                                             replace=False))
        ref = ref[idx]
    if manifest.get("dimension") not in (None, ref.shape[1]):
        raise DataProblem("corrupt", f"manifest says dimension {manifest['dimension']}, "
                          f"embeddings.npy has {ref.shape[1]}")
    return ref, manifest


def sample_production(s3, cfg: JobConfig, start: dt.date, end: dt.date, dim: int) -> tuple[np.ndarray, dict]:
    """Streams every batch file of the window through a reservoir (memory O(max_current_rows))."""
    res = Reservoir(cfg.max_current_rows, dim, seed=cfg.seed)
    stats = {"files": 0, "corrupt_files": 0, "dropped_rows": 0, "rows_seen": 0, "corrupt_keys": []}
    d = start
    while d <= end:
        for key, _size in _iter_keys(s3, cfg.data_bucket, day_prefix(cfg.production_prefix, d)):
            if not key.endswith(".npy"):
                continue
            stats["files"] += 1
            try:
                a = _load_npy(s3, cfg.data_bucket, key)
                if a.ndim == 1 and a.shape[0] == dim:
                    a = a[None, :]
                if a.ndim != 2 or a.shape[1] != dim or a.dtype.kind not in "fiu":
                    raise ValueError(f"expected (rows, {dim}) numbers, got {a.dtype} {a.shape}")
            except (ValueError, OSError, EOFError) as e:
                stats["corrupt_files"] += 1
                if len(stats["corrupt_keys"]) < 10:
                    stats["corrupt_keys"].append(f"{key}: {e}")
                continue
            ok = np.isfinite(a).all(axis=1)
            stats["dropped_rows"] += int((~ok).sum())
            res.add(a[ok])
        d += dt.timedelta(days=1)
    stats["rows_seen"] = res.seen
    return res.sample.copy(), stats


def prometheus_text(result: dict) -> str:
    lines = []

    def g(name: str, help_: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} gauge")
        for labels, v in samples:
            lines.append(f"{name}{labels} {float(v):.17g}" if np.isfinite(v) else f"{name}{labels} NaN")

    g("obslab_drift_detected", "1 if the last drift run detected drift",
      [("", int(bool(result.get("drift_detected"))))])
    scores = [(f'{{method="{m}"}}', result[m]) for m in METHOD_METRICS if result.get(m) is not None]
    if scores:
        g("obslab_drift_score", "drift statistic of the last run per method", scores)
    g("obslab_drift_last_run_timestamp_seconds", "unix time of the last drift run", [("", result["run_timestamp"])])
    g("obslab_drift_data_status", "1 for the data status of the last run",
      [(f'{{status="{s}"}}', int(result["status"] == s)) for s in STATUSES])
    return "\n".join(lines) + "\n"


def push_metrics(url: str, result: dict, timeout: float = 5.0) -> None:
    req = urllib.request.Request(f"{url.rstrip('/')}/metrics/job/drift", method="PUT",
                                 data=prometheus_text(result).encode(),
                                 headers={"Content-Type": "text/plain; version=0.0.4"})
    with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (configured URL)
        r.read()


def cloudwatch_metrics(result: dict) -> list[dict]:
    ts = dt.datetime.fromtimestamp(result["run_timestamp"], tz=dt.UTC)
    data = [{"MetricName": "DriftDetected", "Value": float(bool(result.get("drift_detected"))),
             "Unit": "Count", "Timestamp": ts},
            {"MetricName": "DataStatus", "Dimensions": [{"Name": "Status", "Value": result["status"]}],
             "Value": 1.0, "Unit": "Count", "Timestamp": ts},
            {"MetricName": "DataOk", "Value": float(result["status"] == "ok"), "Unit": "Count",
             "Timestamp": ts}]
    for key, name in METHOD_METRICS.items():
        v = result.get(key)
        if v is not None:
            data.append({"MetricName": name, "Value": float(v), "Unit": "None", "Timestamp": ts})
    return data


def run_job(event: dict | None, *, s3, cloudwatch=None, sns=None, cfg: JobConfig | None = None,
            thresholds: Thresholds | None = None, now: dt.datetime | None = None) -> dict:
    event = event or {}
    cfg = cfg or JobConfig.from_env()
    thresholds = thresholds or Thresholds.from_env()
    now = now or dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    start, end = resolve_window(event, now)
    result: dict = {
        "date": end.isoformat(),
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "bucket": cfg.data_bucket,
        "status": "ok",
        "message": "",
        "drift_detected": False,
        "run_timestamp": time.time(),
        "created_at": now.isoformat(),
        "version": __version__,
        "thresholds": thresholds.as_dict(),
        "sampling": f"uniform reservoir sample of at most {cfg.max_current_rows} production rows "
                    f"over the window; reference subsampled to at most {cfg.max_reference_rows} rows",
    }
    try:
        ref, manifest = load_reference(s3, cfg, thresholds.min_rows)
        result["reference"] = {k: manifest.get(k) for k in ("model_name", "model_version", "count",
                                                             "dimension", "created_at")}
        cur, pstats = sample_production(s3, cfg, start, end, ref.shape[1])
        result["production"] = pstats
        if pstats["files"] == 0:
            raise DataProblem("missing", "no production embeddings under s3://"
                              f"{cfg.data_bucket}/{day_prefix(cfg.production_prefix, start)}"
                              + ("" if start == end else f" .. {end:%Y/%m/%d}/"))
        if pstats["files"] == pstats["corrupt_files"]:
            raise DataProblem("corrupt", f"all {pstats['files']} production files are unreadable")
        if cur.shape[0] < thresholds.min_rows:
            raise DataProblem("empty", f"{cur.shape[0]} valid production rows, fewer than the "
                              f"minimum {thresholds.min_rows}")
        out = DriftDetector(ref, thresholds).predict(cur)["data"]
        result.update({k: v for k, v in out.items() if k not in ("threshold",)})
        result["message"] = ("drift detected: " + ", ".join(out["reasons"])) if out["drift_detected"] \
            else "no drift"
    except DataProblem as e:
        result["status"], result["message"] = e.status, str(e)
    except DriftInputError as e:
        result["status"], result["message"] = "corrupt", str(e)
    result["duration_seconds"] = round(time.monotonic() - t0, 3)
    result["publish"] = publish(result, cfg, cloudwatch=cloudwatch, sns=sns)
    key = f"{day_prefix(cfg.results_prefix, end)}result.json"
    s3.put_object(Bucket=cfg.data_bucket, Key=key, Body=json.dumps(result, indent=2).encode(),
                  ContentType="application/json")
    result["result_key"] = key
    log.info(json.dumps({"drift_result": {k: result.get(k) for k in (
        "date", "status", "drift_detected", "message", "ks_pvalue_min", "result_key")}}))
    return result


def publish(result: dict, cfg: JobConfig, *, cloudwatch=None, sns=None) -> dict:
    """Side channels; a failure is recorded in the result, not raised."""
    out: dict = {}
    if cloudwatch is not None:
        try:
            cloudwatch.put_metric_data(Namespace=cfg.metric_namespace, MetricData=cloudwatch_metrics(result))
            out["cloudwatch"] = "ok"
        except Exception as e:  # noqa: BLE001 - keep the run's result whatever the side channel does
            out["cloudwatch"] = f"error: {e}"
    if result.get("drift_detected"):
        if not cfg.sns_topic_arn or sns is None:
            out["sns"] = "skipped: SNS_TOPIC_ARN not set"
        else:
            try:
                summary = {k: result.get(k) for k in ("date", "message", *METHOD_METRICS, "n_current")}
                sns.publish(TopicArn=cfg.sns_topic_arn, Subject=f"obslab: data drift detected on {result['date']}",
                            Message=json.dumps(summary, indent=2))
                out["sns"] = "published"
            except Exception as e:  # noqa: BLE001
                out["sns"] = f"error: {e}"
    if cfg.pushgateway_url:
        try:
            push_metrics(cfg.pushgateway_url, result)
            out["pushgateway"] = "ok"
        except Exception as e:  # noqa: BLE001
            out["pushgateway"] = f"error: {e}"
    return out
