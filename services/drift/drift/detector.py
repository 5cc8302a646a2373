"""Embedding drift detector: reference in the constructor, `score()` for raw statistics,
`predict()` for the decision as `{"meta": ..., "data": ...}` (alibi-detect's shape).

Methods (all per current batch against the reference):
- `ks`: two-sample KS per dimension (vectorised, scipy-identical; see ks.py), p-values corrected
  for multiple testing (Bonferroni by default, or Benjamini-Hochberg).
- `centroid_cosine_similarity`: cosine of the angle between the two centroids.
- `mean_shift`: ||mean_cur - mean_ref|| / sqrt(trace(cov_ref)), i.e. centroid distance in units
  of the reference's RMS distance to its centroid (0 = same centroid; under no drift it is about
  sqrt(1/n_ref + 1/n_cur)).
- `std_ratio`: per-dimension std_cur / std_ref, summarised by its geometric mean (also min/max).

Decision rule: drift_detected = ks_drift AND material, where
- ks_drift: some dimension's corrected p-value < alpha (for Bonferroni: min p < alpha / D);
- material: any of ks_statistic_max >= ks_statistic, mean_shift >= mean_shift,
  centroid_cosine_similarity <= cosine_similarity, std_ratio outside [1/std_ratio, std_ratio].
Because drift is only flagged when the KS test rejects, the detector's false-positive rate under
no drift is at most the test's family-wise error, <= alpha (Bonferroni holds under any dependence).
The materiality gate keeps huge samples from alarming on statistically significant but negligible
shifts (e.g. a 0.02-sd move that 100k x 10k rows make significant); ks_statistic=0 gives the
pure test. Defaults: D >= 0.05, mean_shift >= 0.1, cosine <= 0.99, std ratio beyond 1.1x.
"""

from __future__ import annotations

import math

import numpy as np

from drift._version import __version__
from drift.config import Thresholds
from drift.ks import ks_2samp_columns, prepare_reference


class DriftInputError(ValueError):
    """Input that cannot be tested (shape, NaN, too few rows, dimension mismatch)."""


def check_array(x, name: str, min_rows: int, dim: int | None = None) -> np.ndarray:
    """Validate a (rows, dims) numeric array; raises DriftInputError naming the problem."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise DriftInputError(f"{name}: expected a numeric array, got dtype {x.dtype}")
    if x.ndim != 2:
        raise DriftInputError(f"{name}: expected a 2-D array (rows, dims), got shape {x.shape}")
    if x.shape[1] == 0:
        raise DriftInputError(f"{name}: has 0 dimensions")
    if dim is not None and x.shape[1] != dim:
        raise DriftInputError(
            f"{name}: dimension mismatch, {x.shape[1]} columns but the reference has {dim}")
    if x.shape[0] < min_rows:
        raise DriftInputError(f"{name}: {x.shape[0]} rows, fewer than the minimum {min_rows}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        raise DriftInputError(f"{name}: {bad} rows contain NaN or infinite values")
    return x


def adjust_pvalues(p: np.ndarray, correction: str) -> np.ndarray:
    """Multiple-testing adjusted p-values (compare with alpha)."""
    p = np.asarray(p, dtype=np.float64)
    m = p.size
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0)
    if correction == "bh":  # Benjamini-Hochberg step-up adjusted p-values
        order = np.argsort(p)
        ranked = p[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        out = np.empty_like(p)
        out[order] = np.minimum(ranked, 1.0)
        return out
    raise ValueError(f"unknown correction {correction!r}")


def _f(v: float) -> float | None:
    """JSON-safe float (None for NaN, large sentinel kept as inf -> None)."""
    v = float(v)
    return v if math.isfinite(v) else None


class DriftDetector:
    name = "DriftDetector"

    def __init__(self, x_ref, thresholds: Thresholds | None = None, **overrides) -> None:
        self.thresholds = thresholds or Thresholds()
        if overrides:
            self.thresholds = Thresholds(**{**self.thresholds.as_dict(), **overrides})
        x_ref = check_array(x_ref, "reference", self.thresholds.min_rows)
        self.n_ref, self.dim = x_ref.shape
        self._ref_sorted_t = prepare_reference(x_ref)
        ref64 = x_ref.astype(np.float64, copy=False)
        self._mean = ref64.mean(axis=0)
        self._std = ref64.std(axis=0)
        self._spread = float(np.sqrt(np.sum(self._std**2)))  # sqrt(trace(cov)) (population)

    @property
    def config(self) -> dict:
        return {"n_reference": self.n_ref, "dimension": self.dim, **self.thresholds.as_dict()}

    def score(self, x) -> dict:
        """Raw statistics: per-dimension arrays plus summaries."""
        t = self.thresholds
        x = check_array(x, "current", t.min_rows, self.dim)
        ks = ks_2samp_columns(self._ref_sorted_t, x)
        p_adj = adjust_pvalues(ks.pvalue, t.correction)
        x64 = x.astype(np.float64, copy=False)
        mean = x64.mean(axis=0)
        std = x64.std(axis=0)
        nr, nc = np.linalg.norm(self._mean), np.linalg.norm(mean)
        cosine = float(self._mean @ mean / (nr * nc)) if nr > 0 and nc > 0 else float("nan")
        dist = float(np.linalg.norm(mean - self._mean))
        if self._spread > 0:
            mean_shift = dist / self._spread
        else:
            mean_shift = 0.0 if dist == 0 else float("inf")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self._std > 0, std / np.where(self._std > 0, self._std, 1.0),
                             np.where(std > 0, np.inf, 1.0))
        finite = ratio[np.isfinite(ratio) & (ratio > 0)]
        std_ratio = float(np.exp(np.mean(np.log(finite)))) if finite.size else float("nan")
        return {
            "n_reference": self.n_ref,
            "n_current": int(x.shape[0]),
            "dimension": self.dim,
            "ks_method": ks.method,
            "ks_statistic": ks.statistic,
            "ks_pvalue": ks.pvalue,
            "ks_pvalue_adjusted": p_adj,
            "ks_pvalue_min": float(ks.pvalue.min()),
            "ks_pvalue_min_adjusted": float(p_adj.min()),
            "ks_statistic_max": float(ks.statistic.max()),
            "ks_drifted_fraction": float(np.mean(p_adj < t.alpha)),
            "centroid_cosine_similarity": cosine,
            "mean_shift": mean_shift,
            "std_ratio_per_dim": ratio,
            "std_ratio": std_ratio,
            "std_ratio_min": float(ratio.min()),
            "std_ratio_max": float(ratio.max()),
        }

    def decide(self, s: dict) -> tuple[bool, bool, list[str]]:
        """(drift_detected, ks_drift, reasons) from a score() dict."""
        t = self.thresholds
        ks_drift = s["ks_pvalue_min_adjusted"] < t.alpha
        reasons = []
        if s["ks_statistic_max"] >= t.ks_statistic:
            reasons.append("ks_statistic")
        if s["mean_shift"] >= t.mean_shift:
            reasons.append("mean_shift")
        cos = s["centroid_cosine_similarity"]
        if math.isfinite(cos) and cos <= t.cosine_similarity:
            reasons.append("centroid_cosine_similarity")
        sr = s["std_ratio"]
        if math.isfinite(sr) and (sr >= t.std_ratio or sr <= 1 / t.std_ratio):
            reasons.append("std_ratio")
        return bool(ks_drift and reasons), bool(ks_drift), reasons

    def predict(self, x, return_per_dim: bool = False) -> dict:
        s = self.score(x)
        drift, ks_drift, reasons = self.decide(s)
        data = {
            "drift_detected": drift,
            "is_drift": int(drift),
            "ks_drift": ks_drift,
            "reasons": reasons if drift else [],
            "material": reasons,
            "threshold": self.thresholds.alpha,
            "correction": self.thresholds.correction,
        }
        for k, v in s.items():
            if isinstance(v, np.ndarray):
                if return_per_dim:
                    data[k] = [_f(a) for a in v]
            elif isinstance(v, float):
                data[k] = _f(v)
            else:
                data[k] = v
        meta = {"name": self.name, "version": __version__, "detector_type": "drift",
                "data_type": "embeddings", "online": False, "config": self.config}
        return {"meta": meta, "data": data}
