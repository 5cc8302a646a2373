"""Production-embedding logger: every /predict input row ends up in S3, off the request path.

Requests append their (n, D) array to an in-memory buffer (a list append under a lock). A background
thread flushes the buffer when it holds EMBEDDINGS_FLUSH_ROWS rows or EMBEDDINGS_FLUSH_SECONDS have
passed, as one float32 2-D .npy per batch at
    s3://<DATA_BUCKET>/<prefix>/YYYY/MM/DD/<HHMMSS>-<uuid8>.npy      (UTC, time of the flush).
If the upload fails, the batch is written to SPOOL_DIR/<YYYY>/<MM>/<DD>/<HHMMSS>-<uuid8>.npy (same
relative key, written to a temp name then renamed) and uploaded later, oldest first, once S3 answers
again; after a failure, S3 is not retried for EMBEDDINGS_RETRY_SECONDS (batches go straight to the
spool), so an outage costs requests nothing. Files already in the spool at start are picked up.
Rows are dropped (and counted) only if the in-memory buffer exceeds its cap or the spool is unwritable.
On shutdown the buffer is flushed (to S3 or the spool).

Tracing: each batch write is a span `embeddings.flush` whose parent is the first sampled request whose
rows it carries (so that request's trace shows the S3 PutObject as a descendant), linking the others.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from opentelemetry import trace
from opentelemetry.trace import Link, SpanContext

log = logging.getLogger("serving.embeddings")
tracer = trace.get_tracer("serving.embeddings")
MAX_LINKS = 32


class EmbeddingLogger:
    def __init__(self, *, bucket: str, prefix: str, spool_dir: Path, flush_rows: int,
                 flush_seconds: float, max_buffer_rows: int, retry_seconds: float,
                 s3_client_factory, metrics=None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.spool_dir = Path(spool_dir)
        self.flush_rows, self.flush_seconds = flush_rows, flush_seconds
        self.max_buffer_rows, self.retry_seconds = max_buffer_rows, retry_seconds
        self._s3_factory = s3_client_factory
        self._s3 = None
        self.metrics = metrics
        self._lock = threading.Lock()
        self._buf: list[np.ndarray] = []
        self._ctxs: list[SpanContext] = []
        self._rows = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()    # one writer at a time (thread vs shutdown/flush_now)
        self._s3_down_until = 0.0
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.spooled_rows = 0
        self.logged_rows = 0
        self.dropped_rows = 0

    # -- request path --------------------------------------------------------------------------
    def append(self, rows: np.ndarray) -> None:
        """Called per request: O(1), never blocks on I/O."""
        n = rows.shape[0]
        ctx = trace.get_current_span().get_span_context()
        with self._lock:
            if self._rows + n > self.max_buffer_rows:
                self._count_dropped(n)
                return
            self._buf.append(rows)
            if ctx.trace_flags.sampled and len(self._ctxs) < MAX_LINKS:
                self._ctxs.append(ctx)
            self._rows += n
            full = self._rows >= self.flush_rows
        if full:
            self._wake.set()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Create the spool, count what an earlier run left there, start the flusher thread."""
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._recount_spool()
        self._thread = threading.Thread(target=self._run, name="embeddings-flusher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread, then flush what is buffered (to S3, else the spool)."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.flush_now(drain_spool=True)

    @property
    def buffered_rows(self) -> int:
        return self._rows

    def status(self) -> dict:
        return {"bucket": self.bucket, "prefix": self.prefix, "buffered_rows": self._rows,
                "spooled_rows": self.spooled_rows, "logged_rows": self.logged_rows,
                "dropped_rows": self.dropped_rows, "spool_dir": str(self.spool_dir),
                "s3_backoff_s": max(0.0, round(self._s3_down_until - time.monotonic(), 1)),
                "last_error": self.last_error}

    # -- flushing ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.flush_now(drain_spool=True)
            except Exception:  # never let the flusher die
                log.exception("embedding flush failed")

    def _take(self) -> tuple[np.ndarray | None, list[SpanContext]]:
        with self._lock:
            buf, ctxs = self._buf, self._ctxs
            self._buf, self._ctxs, self._rows = [], [], 0
        if not buf:
            return None, []
        return np.ascontiguousarray(np.concatenate(buf, axis=0), dtype=np.float32), ctxs

    def flush_now(self, drain_spool: bool = True) -> None:
        with self._flush_lock:
            batch, ctxs = self._take()
            if batch is not None:
                self._write_batch(batch, ctxs)
            if drain_spool and self.spooled_rows and self._s3_available():
                self._drain_spool()

    def _new_relkey(self) -> str:
        now = datetime.now(UTC)
        return f"{now:%Y/%m/%d}/{now:%H%M%S}-{uuid.uuid4().hex[:8]}.npy"

    def _write_batch(self, batch: np.ndarray, ctxs: list[SpanContext]) -> None:
        relkey = self._new_relkey()
        parent = trace.set_span_in_context(trace.NonRecordingSpan(ctxs[0])) if ctxs else None
        links = [Link(c) for c in ctxs[1:]]
        with tracer.start_as_current_span("embeddings.flush", context=parent, links=links) as span:
            span.set_attribute("embeddings.rows", int(batch.shape[0]))
            data = _npy_bytes(batch)
            if self._s3_available() and self._put(relkey, data):
                span.set_attribute("embeddings.outcome", "s3")
                self._count_logged(batch.shape[0])
                self._count_flush("s3")
                return
            if self._spool(relkey, data, batch.shape[0]):
                span.set_attribute("embeddings.outcome", "spool")
                self._count_flush("spool")
            else:
                span.set_attribute("embeddings.outcome", "dropped")
                self._count_flush("failed")
                self._count_dropped(batch.shape[0])

    def _s3_available(self) -> bool:
        return time.monotonic() >= self._s3_down_until

    def _client(self):
        if self._s3 is None:
            self._s3 = self._s3_factory()
        return self._s3

    def _put(self, relkey: str, data: bytes) -> bool:
        key = f"{self.prefix}/{relkey}"
        try:
            self._client().put_object(Bucket=self.bucket, Key=key, Body=data,
                                      ContentType="application/octet-stream")
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {str(exc)[:200]}"
            self._s3_down_until = time.monotonic() + self.retry_seconds
            log.warning("S3 write of s3://%s/%s failed (%s); spooling for %.0fs",
                        self.bucket, key, self.last_error, self.retry_seconds)
            return False
        self.last_error = None
        return True

    def _spool(self, relkey: str, data: bytes, rows: int) -> bool:
        path = self.spool_dir / relkey
        tmp = path.with_name(path.name + ".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.error("spool write %s failed: %s; %d rows dropped", path, exc, rows)
            return False
        self.spooled_rows += rows
        self._set_spool_gauge()
        return True

    def spool_files(self) -> list[Path]:
        if not self.spool_dir.is_dir():
            return []
        return sorted(p for p in self.spool_dir.rglob("*.npy") if p.is_file())

    def _drain_spool(self) -> None:
        for path in self.spool_files():
            relkey = path.relative_to(self.spool_dir).as_posix()
            try:
                data = path.read_bytes()
                rows = _npy_rows(data)
            except (OSError, ValueError) as exc:
                log.error("unreadable spool file %s (%s): moved aside", path, exc)
                path.rename(path.with_suffix(".corrupt"))
                continue
            with tracer.start_as_current_span("embeddings.spool_upload") as span:
                span.set_attribute("embeddings.rows", rows)
                if not self._put(relkey, data):
                    return
            path.unlink(missing_ok=True)
            self.spooled_rows = max(0, self.spooled_rows - rows)
            self._set_spool_gauge()
            self._count_logged(rows)
            log.info("spooled batch %s (%d rows) uploaded", relkey, rows)

    def _recount_spool(self) -> None:
        total = 0
        for path in self.spool_files():
            try:
                total += int(np.load(path, mmap_mode="r").shape[0])
            except (OSError, ValueError):
                pass
        self.spooled_rows = total
        self._set_spool_gauge()

    # -- metrics -------------------------------------------------------------------------------
    def _set_spool_gauge(self) -> None:
        if self.metrics:
            self.metrics.embeddings_spooled.set(self.spooled_rows)

    def _count_logged(self, n: int) -> None:
        self.logged_rows += n
        if self.metrics:
            self.metrics.embeddings_logged.inc(n)

    def _count_dropped(self, n: int) -> None:
        self.dropped_rows += n
        if self.metrics:
            self.metrics.embeddings_dropped.inc(n)

    def _count_flush(self, outcome: str) -> None:
        if self.metrics:
            self.metrics.embeddings_flushes.labels(outcome=outcome).inc()


def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _npy_rows(data: bytes) -> int:
    a = np.load(io.BytesIO(data), allow_pickle=False)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D array, got shape {a.shape}")
    return int(a.shape[0])


def make_s3_client(endpoint_url: str | None, region: str, timeout_s: float):
    import boto3
    from botocore.config import Config

    cfg = Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 1},
                 s3={"addressing_style": "path"})
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=cfg)
