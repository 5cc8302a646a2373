"""Embedding logger: buffer -> S3, spool on failure, flush by size/time/shutdown, counters.

S3 is unreachable here (a closed local port, real botocore errors); the upload path against a real S3
(LocalStack) and the spool -> S3 recovery are in test_embeddings_s3.py (integration)."""

from __future__ import annotations

import re
import time

import numpy as np
from prometheus_client.parser import text_string_to_metric_families

from serving.embeddings import EmbeddingLogger, make_s3_client
from tests.serving.conftest import free_port, spool_files

NAME = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{6}-[0-9a-f]{8}\.npy$")


def metric(client, name):
    return [s.value for f in text_string_to_metric_families(client.get("/metrics").text)
            for s in f.samples if s.name == name][0]


def test_s3_down_rows_are_spooled_and_requests_unaffected(app_client, tmp_path, digits_xy):
    x = digits_xy[0][:30]
    with app_client() as c:
        t0 = time.monotonic()
        for i in range(0, 30, 3):
            assert c.post("/predict", json={"instances": x[i:i + 3].tolist()}).status_code == 200
        assert time.monotonic() - t0 < 5
        st = c.post("/admin/embeddings/flush").json()
        assert st["buffered_rows"] == 0 and st["spooled_rows"] == 30 and st["dropped_rows"] == 0
        assert st["last_error"]
        assert metric(c, "obslab_embeddings_spooled_rows") == 30
        assert metric(c, "obslab_embeddings_dropped_total") == 0
        assert metric(c, "obslab_embeddings_logged_total") == 0
    files = spool_files(tmp_path / "spool")
    assert len(files) == 1
    assert NAME.match(files[0].relative_to(tmp_path / "spool").as_posix())
    arr = np.load(files[0])
    assert arr.dtype == np.float32 and arr.shape == (30, 64)
    assert np.array_equal(arr, x)


def test_size_and_time_triggered_flush(app_client, tmp_path):
    with app_client(embeddings_flush_rows=5, embeddings_flush_seconds=3600) as c:
        c.post("/predict", json={"instances": [[0.1] * 64] * 5})
        deadline = time.monotonic() + 10
        while not spool_files(tmp_path / "spool") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(spool_files(tmp_path / "spool")) == 1, "size-triggered flush"
    with app_client(embeddings_flush_rows=10_000, embeddings_flush_seconds=0.3) as c:
        c.post("/predict", json={"instances": [[0.2] * 64]})
        deadline = time.monotonic() + 10
        while len(spool_files(tmp_path / "spool")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(spool_files(tmp_path / "spool")) == 2, "time-triggered flush"


def test_shutdown_flushes_the_buffer(app_client, tmp_path):
    with app_client() as c:
        c.post("/predict", json={"instances": [[0.3] * 64] * 7})
        assert not spool_files(tmp_path / "spool")
    files = spool_files(tmp_path / "spool")
    assert len(files) == 1 and np.load(files[0]).shape == (7, 64)


def test_buffer_cap_drops_and_counts(app_client):
    with app_client(embeddings_max_buffer_rows=10) as c:
        for _ in range(4):
            c.post("/predict", json={"instances": [[0.1] * 64] * 3})
        assert metric(c, "obslab_embeddings_dropped_total") == 3
        assert c.get("/admin/embeddings").json()["buffered_rows"] == 9


def test_spool_left_by_an_earlier_run_is_counted(tmp_path):
    spool = tmp_path / "spool"
    (spool / "2026/01/02").mkdir(parents=True)
    np.save(spool / "2026/01/02/010203-abcdef12.npy", np.zeros((4, 64), np.float32))
    np.save(spool / "2026/01/02/010204-abcdef13.npy", np.zeros((6, 64), np.float32))
    closed = free_port()
    logger = EmbeddingLogger(bucket="b", prefix="production_embeddings", spool_dir=spool, flush_rows=10,
                             flush_seconds=3600, max_buffer_rows=100, retry_seconds=0.01,
                             s3_client_factory=lambda: make_s3_client(f"http://127.0.0.1:{closed}",
                                                                      "us-east-1", 0.5))
    logger.start()
    try:
        assert logger.spooled_rows == 10
        logger.flush_now()                      # S3 still down: the files stay
        assert logger.spooled_rows == 10 and len(spool_files(spool)) == 2
        assert logger.logged_rows == 0 and logger.dropped_rows == 0
    finally:
        logger.stop()


def test_unwritable_spool_counts_drops(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    closed = free_port()
    logger = EmbeddingLogger(bucket="b", prefix="p", spool_dir=blocker / "spool", flush_rows=10,
                             flush_seconds=3600, max_buffer_rows=100, retry_seconds=60,
                             s3_client_factory=lambda: make_s3_client(f"http://127.0.0.1:{closed}",
                                                                      "us-east-1", 0.5))
    logger.append(np.ones((3, 64)))
    logger.flush_now()
    assert logger.dropped_rows == 3 and logger.spooled_rows == 0
