"""`make bench-drift`: speed and exactness of the vectorised KS against a per-dimension
scipy.stats.ks_2samp loop, false-positive rate under no shift, detection rate on shifts of growing
size, and the job's peak memory at 1x and 10x production volume. Last line: one JSON object.

Times are CPU seconds of this process (time.process_time; both sides single-threaded), so other
load on the machine does not skew the ratio; wall seconds are printed too.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

from drift.config import Thresholds
from drift.detector import DriftDetector
from drift.ks import ks_2samp_columns, prepare_reference

N_REF, N_CUR, DIM = 100_000, 10_000, 384
ALPHA = 0.05


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - w


def make_mixer(rng, d):
    """Anisotropic, correlated embeddings with a non-zero centroid (like real ones)."""
    scales = np.geomspace(1.0, 0.1, d)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (q * scales) @ q.T, rng.uniform(0, 0.5, d)


def sample(rng, n, mixer, dtype=np.float32):
    m, mu = mixer
    return (rng.standard_normal((n, m.shape[0])) @ m + mu).astype(dtype)


def bench_ks(rng) -> dict:
    """Two current samples against one reference: no shift, and a quarter of the dims shifted by
    0.03 std (p-values spread over (0, 1], including scipy's slow exact-Smirnov range)."""
    mixer = make_mixer(rng, DIM)
    ref = sample(rng, N_REF, mixer)
    ref_t, fit_cpu, fit_wall = timed(lambda: prepare_reference(ref))
    out = {"fit_cpu_s": fit_cpu, "fit_wall_s": fit_wall, "cases": {}}
    for case in ("no_shift", "shifted"):
        cur = sample(rng, N_CUR, mixer)
        if case == "shifted":
            cur[:, : DIM // 4] += 0.03 * ref[:, : DIM // 4].std(axis=0)
        res, ours_cpu, ours_wall = timed(lambda: ks_2samp_columns(ref_t, cur))  # noqa: B023

        def loop():
            return [stats.ks_2samp(ref[:, j], cur[:, j]) for j in range(DIM)]  # noqa: B023

        sc, scipy_cpu, scipy_wall = timed(loop)
        p = np.array([s.pvalue for s in sc])
        st = np.array([s.statistic for s in sc])
        out["cases"][case] = {
            "ours_cpu_s": ours_cpu, "ours_wall_s": ours_wall, "scipy_cpu_s": scipy_cpu, "scipy_wall_s": scipy_wall,
            "pvalue_max_abs_diff": float(np.max(np.abs(p - res.pvalue))),
            "statistic_max_abs_diff": float(np.max(np.abs(st - res.statistic))),
            "method": res.method, "pvalue_min": float(p.min()), "pvalue_max": float(p.max()),
        }
    cases = out["cases"].values()
    ours = sum(c["ours_cpu_s"] for c in cases)
    theirs = sum(c["scipy_cpu_s"] for c in cases)
    out["ks_speedup"] = theirs / ours
    out["ks_speedup_incl_fit"] = theirs / (ours + fit_cpu)
    out["pvalue_max_abs_diff"] = max(c["pvalue_max_abs_diff"] for c in cases)
    return out


def shifted(kind: str, size: float, cur: np.ndarray, ref_std: np.ndarray, rng) -> np.ndarray:
    cur = cur.copy()
    if kind == "mean":  # every dimension moved by size * its reference std
        cur += size * ref_std
    elif kind == "variance":  # spread scaled by `size` around the centroid
        mu = cur.mean(axis=0)
        cur = (cur - mu) * size + mu
    elif kind == "rotation":  # the 8 highest-variance directions rotated by `size` degrees in pairs
        a = math.radians(size)
        rot = np.eye(cur.shape[1])
        for k in range(0, 8, 2):
            rot[k:k + 2, k:k + 2] = [[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]
        cur = cur @ rot.T
    elif kind == "corrupted_rows":  # a fraction of rows zeroed (a broken upstream batch)
        n = int(round(size * len(cur)))
        cur[rng.choice(len(cur), n, replace=False)] = 0.0
    return cur


SHIFTS = {
    "mean": [0.02, 0.05, 0.1, 0.2],
    "variance": [1.02, 1.05, 1.1, 1.2],
    "rotation": [2, 5, 10, 20],
    "corrupted_rows": [0.005, 0.01, 0.02, 0.05],
}


def bench_stats(rng, trials_null=200, trials_shift=20, n_ref=20_000, n_cur=2_000, d=64) -> dict:
    # rotation acts on the leading coordinates, so use an axis-aligned anisotropic mixer there
    mixer = make_mixer(rng, d)
    axis = (np.diag(np.geomspace(1.0, 0.1, d)), rng.uniform(0, 0.5, d))
    ks_only = Thresholds(alpha=ALPHA, ks_statistic=0.0)
    fp = fp_ks = 0
    for _ in range(trials_null):
        ref, cur = sample(rng, n_ref, mixer), sample(rng, n_cur, mixer)
        det = DriftDetector(ref)
        s = det.score(cur)
        fp += det.decide(s)[0]
        fp_ks += s["ks_pvalue_min_adjusted"] < ALPHA
    power = {}
    for kind, sizes in SHIFTS.items():
        mx = axis if kind == "rotation" else mixer
        ref = sample(rng, n_ref, mx)
        det, det_ks = DriftDetector(ref), DriftDetector(ref, ks_only)
        std = ref.std(axis=0)
        for size in sizes:
            hit = hit_ks = 0
            for _ in range(trials_shift):
                cur = shifted(kind, size, sample(rng, n_cur, mx), std, rng)
                s = det.score(cur)
                hit += det.decide(s)[0]
                hit_ks += det_ks.decide(s)[0]
            power[(kind, size)] = (hit / trials_shift, hit_ks / trials_shift)
    return {"fpr": fp / trials_null, "fpr_ks_only": fp_ks / trials_null, "trials_null": trials_null,
            "power": power, "trials_shift": trials_shift, "sizes": (n_ref, n_cur, d)}


# ---- memory: the job's S3 path at 1x and 10x production volume, each in a fresh process ----------
class DirS3:
    """The two S3 calls the job makes (list_objects_v2 pages, get_object), served from a folder, so
    the measurement is the job's own memory and not an S3 server's."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get_paginator(self, _name):
        root = self.root

        class P:
            def paginate(self, Bucket, Prefix):  # noqa: N803 - boto3's names
                keys = sorted(str(p.relative_to(root / Bucket)) for p in (root / Bucket).rglob("*")
                              if p.is_file() and str(p.relative_to(root / Bucket)).startswith(Prefix))
                for i in range(0, len(keys), 1000):
                    yield {"Contents": [{"Key": k, "Size": 0} for k in keys[i:i + 1000]]}

        return P()

    def get_object(self, Bucket, Key):  # noqa: N803
        import io

        return {"Body": io.BytesIO((self.root / Bucket / Key).read_bytes())}

    def put_object(self, Bucket, Key, Body, **_):  # noqa: N803
        p = self.root / Bucket / Key
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(Body)


def _memory_child(root: str) -> None:
    import tracemalloc

    from drift.config import JobConfig
    from drift.job import run_job

    tracemalloc.start()
    r = run_job({"date": "2026-01-01"}, s3=DirS3(Path(root)), cfg=JobConfig(data_bucket="b"))
    _, peak = tracemalloc.get_traced_memory()
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    # VmHWM, not ru_maxrss: Linux carries the forking parent's RSS into a child's ru_maxrss
    print(json.dumps({"tracemalloc_peak": peak, "maxrss_kb": hwm,
                      "rows_seen": r["production"]["rows_seen"], "status": r["status"]}))


def bench_memory(rng, rows_1x=20_000, batch=100, d=DIM) -> dict:
    out = {}
    mixer = make_mixer(rng, d)
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as tmp:
        for mult in (1, 10):
            root = Path(tmp) / f"x{mult}"
            b = root / "b"
            (b / "training_embeddings").mkdir(parents=True)
            np.save(b / "training_embeddings" / "embeddings.npy", sample(rng, 20_000, mixer))
            day = b / "production_embeddings" / "2026" / "01" / "01"
            day.mkdir(parents=True)
            block = sample(rng, batch, mixer)
            for i in range(rows_1x * mult // batch):
                np.save(day / f"{i:06d}-00000000.npy", block + np.float32(i % 7) * 1e-3)
            code = f"from drift.bench import _memory_child; _memory_child({str(root)!r})"
            p = subprocess.run([sys.executable, "-c", code],
                               capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
            out[mult] = json.loads(p.stdout.strip().splitlines()[-1])
            import shutil

            shutil.rmtree(root)
    return out


def main() -> None:
    rng = np.random.default_rng(20261126)
    t0 = time.perf_counter()
    print(f"drift benchmark: KS on {N_REF} x {DIM} reference vs {N_CUR} x {DIM} current, float32")
    ks = bench_ks(rng)
    print(f"  reference sorted once (detector constructor): {ks['fit_cpu_s']:.3f} s CPU")
    print(f"  {'case':<10} {'vectorised':>12} {'scipy loop':>12} {'ratio':>7}  max|p diff|  max|D diff|  p range")
    for case, c in ks["cases"].items():
        ratio = c["scipy_cpu_s"] / c["ours_cpu_s"]
        print(f"  {case:<10} {c['ours_cpu_s']:>10.3f} s {c['scipy_cpu_s']:>10.3f} s {ratio:>6.1f}x"
              f"  {c['pvalue_max_abs_diff']:>10.2g}  {c['statistic_max_abs_diff']:>10.2g}  "
              f"{c['pvalue_min']:.2g}..{c['pvalue_max']:.2g} ({c['method']})")
    print(f"  speedup over both cases {ks['ks_speedup']:.1f}x (counting the one-off reference sort too: "
          f"{ks['ks_speedup_incl_fit']:.1f}x); CPU seconds, wall: " + ", ".join(
              f"{k} {c['ours_wall_s']:.2f} vs {c['scipy_wall_s']:.2f} s" for k, c in ks["cases"].items()))
    st = bench_stats(rng)
    n_ref, n_cur, d = st["sizes"]
    print(f"\ndetector on {n_ref} x {d} reference vs {n_cur} x {d} current, alpha {ALPHA}, Bonferroni")
    print(f"  false-positive rate, no shift ({st['trials_null']} trials): decision {st['fpr']:.3f}, "
          f"KS test alone {st['fpr_ks_only']:.3f}")
    print(f"  detection rate ({st['trials_shift']} trials each)   decision   KS alone")
    for (kind, size), (p, pk) in st["power"].items():
        unit = {"mean": "x std", "variance": "x spread", "rotation": " deg", "corrupted_rows": " of rows"}[kind]
        print(f"    {kind:<15} {size:>6}{unit:<9}   {p:>8.2f}   {pk:>8.2f}")
    mem = bench_memory(rng)
    r1, r10 = mem[1], mem[10]
    ratio = r10["tracemalloc_peak"] / r1["tracemalloc_peak"]
    print(f"\njob peak memory (reservoir of 10000 rows, 20000-row reference, {DIM} dims)")
    for m in (1, 10):
        print(f"  {m:>2}x volume ({mem[m]['rows_seen']} rows): "
              f"traced peak {mem[m]['tracemalloc_peak'] / 2**20:.1f} MiB, "
              f"process max RSS {mem[m]['maxrss_kb'] / 1024:.1f} MiB")
    print(f"  ratio 10x/1x: traced {ratio:.3f}, RSS {r10['maxrss_kb'] / r1['maxrss_kb']:.3f}")
    print(f"total {time.perf_counter() - t0:.1f} s")
    print(json.dumps({"ks_speedup": round(ks["ks_speedup"], 2), "pvalue_max_abs_diff": ks["pvalue_max_abs_diff"],
                      "fpr": st["fpr"], "peak_mem_ratio_10x": round(ratio, 4)}))


if __name__ == "__main__":
    main()
