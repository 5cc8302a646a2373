"""Prometheus metrics of the serving app (names are the contract in notes/common.md).

Each app gets its own CollectorRegistry (several apps can live in one test process). HTTP metrics come
from prometheus-fastapi-instrumentator: `http_requests_total` via its `requests()` metric and
`http_request_duration_seconds` via our own instrumentation function, because the instrumentator has
no exemplar support: ours observes the contract's buckets with an exemplar {trace_id} whenever the
request's span is sampled. /metrics serves OpenMetrics (where exemplars live) when the scraper's
Accept asks for it, the plain text format otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psutil
from opentelemetry import trace
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client import exposition as _expo
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from serving.config import INFERENCE_BUCKETS, LATENCY_BUCKETS

# `_created` series double the exposition for no use here.
disable_created_metrics()


def memory_limit_bytes(limit_mb: int | None) -> int:
    """SERVING_MEMORY_LIMIT_MB if set, else the cgroup limit (v2, then v1), else physical memory."""
    if limit_mb:
        return limit_mb * 1024 * 1024
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(path).read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < (1 << 60):  # v1 "unlimited" is a huge number
            return int(raw)
    return int(psutil.virtual_memory().total)


class ServingMetrics:
    def __init__(self, memory_limit_mb: int | None = None, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.http_latency = Histogram(
            "http_request_duration_seconds", "Latency of HTTP requests by handler (exemplar: trace_id)",
            ["handler", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.predictions = Counter(
            "obslab_predictions", "Predictions served, by model version and predicted class",
            ["model_version", "predicted_class"], registry=r)
        self.model_info = Gauge("obslab_model_info", "The model being served (value 1)",
                                ["name", "version"], registry=r)
        self.model_ready = Gauge("obslab_model_ready", "1 when a model is loaded and /ready is 200",
                                 registry=r)
        self.inference = Histogram("obslab_inference_seconds", "Model inference time per batch",
                                   buckets=INFERENCE_BUCKETS, registry=r)
        self.batch_rows = Histogram("obslab_batch_rows", "Rows per /predict request",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), registry=r)
        self.embeddings_logged = Counter(
            "obslab_embeddings_logged", "Embedding rows written to S3 (directly or from the spool)",
            registry=r)
        self.embeddings_dropped = Counter(
            "obslab_embeddings_dropped", "Embedding rows lost (buffer full or spool unwritable)",
            registry=r)
        self.embeddings_spooled = Gauge(
            "obslab_embeddings_spooled_rows", "Embedding rows waiting in the local spool for S3",
            registry=r)
        self.embeddings_flushes = Counter(
            "obslab_embeddings_flushes", "Embedding batch writes by outcome (s3, spool, failed)",
            ["outcome"], registry=r)
        self.memory_limit = Gauge("obslab_memory_limit_bytes",
                                  "Memory limit of the serving process (cgroup or SERVING_MEMORY_LIMIT_MB)",
                                  registry=r)
        self.memory_limit.set(memory_limit_bytes(memory_limit_mb))
        self.faults_active = Gauge("obslab_faults_active", "1 while a fault injection is active",
                                   registry=r)
        self.model_ready.set(0)
        self._class_children: dict[tuple[str, str], Counter] = {}

    def set_model(self, old_version: str | None, name: str, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(name=name, version=version).set(1)
        self.model_ready.set(1)

    def count_predictions(self, version: str, predictions) -> None:
        """Count predicted classes; label children are cached (labels() costs a lock + dict lookup)."""
        children = self._class_children
        if len(predictions) > 8:
            values, counts = np.unique(predictions, return_counts=True)
            for cls, n in zip(values.tolist(), counts.tolist(), strict=True):
                self.predictions.labels(model_version=version, predicted_class=str(cls)).inc(n)
            return
        for cls in predictions:
            key = (version, cls)
            child = children.get(key)
            if child is None:
                child = children[key] = self.predictions.labels(model_version=version,
                                                                predicted_class=str(cls))
            child.inc()

    # -- instrumentator hook -------------------------------------------------------------------
    def latency_instrumentation(self):
        hist = self.http_latency

        def instrumentation(info) -> None:
            ctx = trace.get_current_span().get_span_context()
            child = hist.labels(info.modified_handler, info.method)
            if ctx.trace_flags.sampled:
                child.observe(info.modified_duration, exemplar={"trace_id": format(ctx.trace_id, "032x")})
            else:
                child.observe(info.modified_duration)

        return instrumentation

    def expose(self, accept: str | None) -> tuple[bytes, str]:
        encoder, content_type = _expo.choose_encoder(accept or "")
        return encoder(self.registry), content_type
