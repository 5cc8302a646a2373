"""The vectorised KS gives scipy.stats.ks_2samp's statistics and p-values (method='auto')."""

import numpy as np
import pytest
from scipy import stats

from drift.ks import ks_2samp_columns, prepare_reference

CASES = [  # n_ref, n_cur, dims, dtype, round_to (ties), shift
    (200, 150, 12, np.float64, None, 0.2),
    (1797, 500, 8, np.float32, 1, 0.1),  # exact, heavy ties
    (40, 40, 10, np.float64, None, 0.5),  # n1 == n2 exact path
    (30, 31, 6, np.float64, 0, 0.0),  # few distinct values
    (5000, 3000, 4, np.float32, None, 0.05),
    (12000, 400, 6, np.float32, None, 0.1),  # asymp (max n > 10000)
    (20000, 15000, 3, np.float64, 2, 0.02),  # asymp with ties
    (20000, 12000, 4, np.float32, None, 0.15),  # asymp, p-values in the < 1e-10 tail
    (30000, 800, 4, np.float32, None, 0.3),
    (60, 7, 5, np.float64, None, 1.0),
    (10000, 10000, 2, np.float32, None, 0.03),  # largest exact case
]


@pytest.mark.parametrize("n1,n2,d,dtype,rnd,shift", CASES)
def test_matches_scipy(n1, n2, d, dtype, rnd, shift):
    rng = np.random.default_rng(n1 * 7 + n2)
    ref = rng.standard_normal((n1, d))
    cur = rng.standard_normal((n2, d)) * (1 + shift) + shift
    if rnd is not None:
        ref, cur = np.round(ref, rnd), np.round(cur, rnd)
    ref, cur = ref.astype(dtype), cur.astype(dtype)
    res = ks_2samp_columns(prepare_reference(ref), cur)
    for j in range(d):
        s = stats.ks_2samp(ref[:, j], cur[:, j])
        assert abs(res.statistic[j] - s.statistic) <= 1e-9, (j, res.statistic[j], s.statistic)
        assert abs(res.pvalue[j] - s.pvalue) <= 1e-9, (j, res.pvalue[j], s.pvalue)
    assert res.method == ("asymp" if max(n1, n2) > 10000 else "exact")


def test_identical_and_disjoint_samples():
    x = np.arange(100, dtype=np.float64).reshape(50, 2)
    same = ks_2samp_columns(prepare_reference(x), x)
    assert np.all(same.statistic == 0) and np.all(same.pvalue == 1)
    far = ks_2samp_columns(prepare_reference(x), x + 1000)
    assert np.all(far.statistic == 1) and np.all(far.pvalue < 1e-20)


def test_empty_sample_rejected():
    with pytest.raises(ValueError):
        ks_2samp_columns(prepare_reference(np.zeros((5, 2))), np.zeros((0, 2)))


@pytest.mark.parametrize("n", [141, 1000, 9091])
def test_vectorised_smirnov_matches_scipy(n):
    from scipy import special

    from drift.ks import _smirnov

    x = np.sqrt(np.linspace(2.2, 369.0, 25) / n)
    x = x[x < 0.5]
    np.testing.assert_allclose(_smirnov(n, x), special.smirnov(n, x), rtol=1e-9, atol=1e-13)


def test_mixed_dtypes_compare_in_the_wider_type():
    rng = np.random.default_rng(9)
    ref = rng.standard_normal((300, 3)).astype(np.float32)
    cur = ref[:100].astype(np.float64) + 1e-9  # equal in float32, different in float64
    res = ks_2samp_columns(prepare_reference(ref), cur)
    for j in range(3):
        s = stats.ks_2samp(ref[:, j], cur[:, j])
        assert abs(res.statistic[j] - s.statistic) <= 1e-12 and abs(res.pvalue[j] - s.pvalue) <= 1e-9


@pytest.mark.parametrize("n", [141, 1818, 9091, 200000])
def test_vectorised_pelz_good_matches_scipy(n):
    from drift.ks import _asymp_pvalues

    d = np.sqrt(np.linspace(0.05, 2.19, 60) / n)  # the Pelz-Good range of nx^2 (and DMTW below it)
    # _asymp_pvalues takes (stat, n1, n2) with en = round(n1 n2 / (n1 + n2)); n1 = n2 = 2n gives n
    np.testing.assert_allclose(_asymp_pvalues(d, 2 * n, 2 * n), stats.kstwo.sf(d, n), rtol=1e-10, atol=1e-14)
