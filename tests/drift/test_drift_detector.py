"""Detector statistics with fixed seeds: calibration under no drift, power on clear shifts, API."""

import math

import numpy as np
import pytest
from scipy import stats

from drift.config import Thresholds
from drift.detector import DriftDetector, DriftInputError, adjust_pvalues
from drift.sampling import Reservoir

ALPHA = 0.05


def _embeddings(rng, n, d=16, mean=0.5):
    """Correlated, anisotropic, non-centred rows (like real embeddings)."""
    mix = np.linspace(1.0, 0.2, d)[:, None] * rng.standard_normal((d, d)) / math.sqrt(d) + np.eye(d)
    return rng.standard_normal((n, d)) @ mix + mean


@pytest.mark.parametrize("correction", ["bonferroni", "bh"])
@pytest.mark.parametrize("rule", ["ks_only", "default"])
def test_calibrated_under_null(correction, rule):
    """Same distribution: the detector flags drift in <= alpha of trials (upper 99% binomial bound)."""
    rng = np.random.default_rng(2024)
    mix = np.eye(12) + 0.5 * rng.standard_normal((12, 12)) / math.sqrt(12)
    th = Thresholds(alpha=ALPHA, correction=correction,
                    **({"ks_statistic": 0.0} if rule == "ks_only" else {}))
    trials, hits = 300, 0
    for _ in range(trials):
        ref = rng.standard_normal((400, 12)) @ mix + 1.0
        cur = rng.standard_normal((150, 12)) @ mix + 1.0
        hits += DriftDetector(ref, th).predict(cur)["data"]["drift_detected"]
    fpr = hits / trials
    # one-sided: the true FPR <= alpha is consistent with what we saw only if hits is not too large
    assert stats.binom.sf(hits - 1, trials, ALPHA) > 0.01, f"FPR {fpr:.3f} > alpha {ALPHA}"
    assert fpr <= ALPHA + 0.03


@pytest.mark.parametrize("shift", ["mean", "variance", "corrupted_rows", "rotation"])
def test_power_on_clear_shifts(shift):
    rng = np.random.default_rng(7)
    d = 16
    detected = 0
    for _ in range(10):
        ref = _embeddings(np.random.default_rng(1), 2000, d)
        cur = _embeddings(rng, 500, d)
        if shift == "mean":
            cur = cur + 0.3 * ref.std(axis=0)
        elif shift == "variance":
            cur = (cur - cur.mean(0)) * 1.5 + cur.mean(0)
        elif shift == "corrupted_rows":
            cur[: len(cur) // 10] = 0.0
        elif shift == "rotation":  # rotate a 4-d subspace by 60 degrees
            c, s = math.cos(math.pi / 3), math.sin(math.pi / 3)
            rot = np.eye(d)
            for i in (0, 2):
                rot[i:i + 2, i:i + 2] = [[c, -s], [s, c]]
            cur = (cur - 0.5) @ rot.T + 0.5 + np.arange(d) * 0.1 @ (rot.T - np.eye(d))
        detected += DriftDetector(ref).predict(cur)["data"]["drift_detected"]
    assert detected == 10


def test_predict_shape_and_metrics():
    rng = np.random.default_rng(0)
    ref = _embeddings(rng, 1000)
    det = DriftDetector(ref, alpha=0.01)
    out = det.predict(_embeddings(rng, 300) + 1.0, return_per_dim=True)
    assert set(out) == {"meta", "data"}
    assert out["meta"]["name"] == "DriftDetector" and out["meta"]["config"]["alpha"] == 0.01
    d = out["data"]
    assert d["drift_detected"] is True and d["is_drift"] == 1
    for k in ("ks_pvalue_min", "ks_drifted_fraction", "centroid_cosine_similarity", "mean_shift",
              "std_ratio", "n_reference", "n_current"):
        assert k in d
    assert len(d["ks_pvalue"]) == 16 and d["n_reference"] == 1000 and d["n_current"] == 300
    same = det.score(ref[:300])
    assert same["centroid_cosine_similarity"] > 0.99 and same["mean_shift"] < 0.1
    assert abs(same["std_ratio"] - 1) < 0.1


def test_mean_shift_scale():
    """mean_shift = centroid distance / sqrt(trace(cov_ref)): shifting every dim by k*std gives k."""
    rng = np.random.default_rng(3)
    ref = rng.standard_normal((20000, 8)) * np.arange(1, 9)
    det = DriftDetector(ref)
    s = det.score(ref[:5000] + 0.5 * ref.std(axis=0))
    assert abs(s["mean_shift"] - 0.5) < 0.03
    s = det.score(ref[:5000] * 2)
    assert abs(s["std_ratio"] - 2) < 0.05


def test_materiality_gate_suppresses_negligible_but_significant_shift():
    rng = np.random.default_rng(5)
    ref = rng.standard_normal((100000, 4)) + 3
    cur = rng.standard_normal((10000, 4)) + 3.06  # tiny shift, significant at this n
    det = DriftDetector(ref, mean_shift=0.5)
    d = det.predict(cur)["data"]
    assert d["ks_drift"] is True and d["drift_detected"] is False
    assert DriftDetector(ref, ks_statistic=0.0).predict(cur)["data"]["drift_detected"]


def test_bh_matches_scipy_and_bonferroni():
    p = np.random.default_rng(0).uniform(size=50) ** 3
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), stats.false_discovery_control(p), rtol=1e-12)
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), np.minimum(p * 50, 1))


@pytest.mark.parametrize("cur,msg", [
    (np.zeros((50, 3, 2)), "2-D"),
    (np.zeros(50), "2-D"),
    (np.zeros((50, 5)), "dimension mismatch"),
    (np.full((50, 4), np.nan), "NaN"),
    (np.zeros((5, 4)), "fewer than the minimum"),
    (np.array([["a"] * 4] * 50), "numeric"),
])
def test_bad_input(cur, msg):
    det = DriftDetector(np.random.default_rng(0).standard_normal((100, 4)))
    with pytest.raises(DriftInputError, match=msg):
        det.predict(cur)


def test_bad_thresholds():
    with pytest.raises(ValueError, match="alpha"):
        Thresholds(alpha=1.5)
    with pytest.raises(ValueError, match="correction"):
        Thresholds(correction="holm")


def test_thresholds_from_env():
    th = Thresholds.from_env({"DRIFT_ALPHA": "0.01", "DRIFT_CORRECTION": "BH", "DRIFT_MIN_ROWS": "10"})
    assert th.alpha == 0.01 and th.correction == "bh" and th.min_rows == 10


def test_reservoir_is_uniform_and_bounded():
    """Each of N rows is kept with probability k/N, whatever the batch sizes."""
    n, k, reps = 200, 20, 2000
    counts = np.zeros(n)
    rng = np.random.default_rng(0)
    for seed in range(reps):
        res = Reservoir(k, 1, seed=seed, dtype=np.int64)
        start = 0
        while start < n:
            b = int(rng.integers(1, 30))
            res.add(np.arange(start, min(n, start + b))[:, None])
            start += b
        s = res.sample[:, 0]
        assert len(s) == k and len(set(s)) == k
        counts[s] += 1
    expected = reps * k / n
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, n - 1) > 0.001
    assert res.seen == n and res._buf.shape == (k, 1)
