"""Two-sample Kolmogorov-Smirnov test, vectorised across dimensions.

`ks_2samp_columns(ref_sorted_T, cur)` gives, for every column, the same two-sided statistic and
p-value as `scipy.stats.ks_2samp(ref[:, j], cur[:, j])` with scipy's default `method='auto'`
(exact when both samples have <= 10000 rows, else asymptotic; an exact computation that fails falls
back to asymptotic, as scipy does).

How it avoids a per-dimension `ks_2samp` loop:
- The reference is sorted once per column (in `prepare_reference`, normally in a detector's
  constructor) and kept transposed, so each column is contiguous.
- The current sample is sorted once (all columns in one `np.sort`).
- Both empirical CDFs only change at data points, so the statistic needs only, for each sorted
  current value c_i (i = 0..n2-1), the number of reference values < c_i (L_i) and <= c_i (R_i):
      D+ = max(0, max_i L_i/n1 - i/n2)        D- = max(0, max_i (i+1)/n2 - R_i/n1)
  (ties inside the current sample are handled because the first/last occurrence of a tied value
  gives the exact value and the others give smaller ones). L and R come from `np.searchsorted` on
  the pre-sorted reference; R is recomputed only where a current value equals a reference value.
- p-values: asymptotic ones are `scipy.stats.kstwo.sf(d, round(n1*n2/(n1+n2)))` in one vectorised
  call; exact ones depend only on (n1, n2, h = round(d * lcm)), so they are computed once per
  distinct h with scipy's own exact routine.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

try:  # scipy's exact two-sided routine (same code ks_2samp uses); pinned scipy in venv and zip.
    from scipy.stats._stats_py import _attempt_exact_2kssamp as _scipy_exact
except ImportError:  # pragma: no cover - only if scipy moves it; then p-values fall back to asymp
    _scipy_exact = None

MAX_AUTO_N = 10000  # scipy's threshold for method='auto'


@dataclass(frozen=True)
class KSResult:
    statistic: np.ndarray  # (D,) float64
    pvalue: np.ndarray  # (D,) float64
    method: str  # "exact", "asymp" or "mixed" (exact with per-column asymp fallbacks)


def prepare_reference(x_ref: np.ndarray) -> np.ndarray:
    """Sort each column of a (n, D) array once; returns a C-contiguous (D, n) array."""
    ref_t = np.ascontiguousarray(np.asarray(x_ref).T)
    ref_t.sort(axis=1)
    return ref_t


def ks_statistics(ref_sorted_t: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Two-sided KS statistic per column; `ref_sorted_t` from `prepare_reference`."""
    d, n1 = ref_sorted_t.shape
    cur_t = np.ascontiguousarray(np.asarray(cur, dtype=ref_sorted_t.dtype).T)
    cur_t.sort(axis=1)
    n2 = cur_t.shape[1]
    i = np.arange(n2)
    up = i / n2  # i/n2 (count of current values strictly below the i-th, for its first occurrence)
    up1 = (i + 1) / n2
    stat = np.empty(d, dtype=np.float64)
    for j in range(d):  # one C-level binary search per column (no per-column ks_2samp)
        col = ref_sorted_t[j]
        c = cur_t[j]
        left = np.searchsorted(col, c, side="left")
        # R_i differs from L_i only where c_i equals some reference value.
        inside = left < n1
        eq = np.zeros(n2, dtype=bool)
        eq[inside] = col[left[inside]] == c[inside]
        if eq.any():
            right = left.copy()
            right[eq] = np.searchsorted(col, c[eq], side="right")
        else:
            right = left
        # Same float expressions as scipy (count/n1 - count/n2) so values match bit for bit.
        d_plus = max(float(np.max(left / n1 - up)), 0.0)
        d_minus = min(max(float(np.max(up1 - right / n1)), 0.0), 1.0)
        stat[j] = d_minus if d_minus > d_plus else d_plus
    return stat


def _asymp_pvalues(stat: np.ndarray, n1: int, n2: int) -> np.ndarray:
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return np.clip(stats.kstwo.sf(stat, np.round(en)), 0, 1)


def ks_pvalues(stat: np.ndarray, n1: int, n2: int) -> tuple[np.ndarray, np.ndarray, str]:
    """p-values as scipy's ks_2samp(method='auto', alternative='two-sided') computes them.

    Returns (statistic, pvalue, method); in exact mode scipy reports the statistic rounded to h/lcm,
    so the statistic is returned too.
    """
    stat = np.asarray(stat, dtype=np.float64)
    g = math.gcd(n1, n2)
    exact = max(n1, n2) <= MAX_AUTO_N and _scipy_exact is not None
    if not exact:
        return stat, _asymp_pvalues(stat, n1, n2), "asymp"
    lcm = (n1 // g) * n2
    h = np.round(stat * lcm).astype(np.int64)
    out_stat = h * 1.0 / lcm
    pval = np.empty_like(out_stat)
    fallback = np.zeros(len(stat), dtype=bool)
    for hv in np.unique(h):  # exact p depends only on (n1, n2, h): compute once per distinct h
        sel = h == hv
        ok, _, p = _scipy_exact(n1, n2, g, float(hv) / lcm, "two-sided")
        if ok:
            pval[sel] = p
        else:
            fallback[sel] = True
    if fallback.any():
        warnings.warn("ks: exact calculation unsuccessful for some columns; using asymp there",
                      RuntimeWarning, stacklevel=2)
        pval[fallback] = _asymp_pvalues(out_stat[fallback], n1, n2)
    return out_stat, np.clip(pval, 0, 1), "mixed" if fallback.any() else "exact"


def ks_2samp_columns(ref_sorted_t: np.ndarray, cur: np.ndarray) -> KSResult:
    """Per-column two-sided KS test of `cur` (n2, D) against a prepared reference."""
    n1 = ref_sorted_t.shape[1]
    n2 = np.asarray(cur).shape[0]
    if n1 == 0 or n2 == 0:
        raise ValueError("KS needs at least one row in each sample")
    stat, pval, method = ks_pvalues(ks_statistics(ref_sorted_t, cur), n1, n2)
    return KSResult(statistic=stat, pvalue=pval, method=method)
