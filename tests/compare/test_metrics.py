"""Spike-train and state-error metrics on hand-worked examples and known limits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from refneuron.compare import metrics
from refneuron.errors import ParameterError, ShapeError


def train(T, *times):
    """A (T, n) train; ``times[n]`` lists the spike steps of neuron n."""
    s = np.zeros((T, len(times)))
    for n, ts in enumerate(times):
        s[list(ts), n] = 1.0
    return s


def test_spike_counts_and_times():
    s = train(10, [0, 3, 9], [], [4])
    s[3, 0] = 1.7  # a graded spike counts once
    np.testing.assert_array_equal(metrics.spike_counts(s), [3, 0, 1])
    times = metrics.spike_times(s)
    np.testing.assert_array_equal(times[0], [0, 3, 9])
    assert times[1].size == 0


def test_coincidences_hand_worked():
    # a = {0, 5, 9}, b = {1, 5, 12}: k=0 pairs (5,5); k=1 adds (0,1); k=3 adds (9,12)
    a, b = train(15, [0, 5, 9]), train(15, [1, 5, 12])
    assert metrics.coincidences(a, b, 0)[0] == 1
    assert metrics.coincidences(a, b, 1)[0] == 2
    assert metrics.coincidences(a, b, 3)[0] == 3
    # one-to-one: a = {3}, b = {2, 4} within 1 step -> one pair, not two
    assert metrics.coincidences(train(6, [3]), train(6, [2, 4]), 1)[0] == 1
    # rate = 2*N_c/(N_a+N_b): 2*2/6 for k=1; silent neurons agree by definition
    assert metrics.coincidence_rate(a, b, 1)[0] == pytest.approx(4 / 6, abs=0)
    assert metrics.coincidence_rate(train(5, []), train(5, []), 0)[0] == 1.0


def test_coincidences_equal_a_maximum_bipartite_matching():
    # independent check of the greedy matching: the assignment problem on |ta - tb| <= k
    rng = np.random.default_rng(1)
    for _ in range(60):
        T = 30
        a = (rng.random((T, 1)) < 0.25) * 1.0
        b = (rng.random((T, 1)) < 0.25) * 1.0
        k = int(rng.integers(0, 4))
        ta, tb = np.flatnonzero(a[:, 0]), np.flatnonzero(b[:, 0])
        best = 0
        if ta.size and tb.size:
            ok = np.abs(ta[:, None] - tb[None, :]) <= k
            r, c = linear_sum_assignment(-ok.astype(float))
            best = int(ok[r, c].sum())
        assert metrics.coincidences(a, b, k)[0] == best


def _vr_numeric(ta, tb, tau, T):
    """(2/tau) * integral of (f_a - f_b)^2 on a fine grid (trapezoid), to T + 40 tau."""
    t = np.linspace(0.0, T + 40 * tau, 400_001)

    def f(ts):
        return sum(np.where(t >= s, np.exp(-(t - s) / tau), 0.0) for s in ts) if len(ts) else 0 * t

    return np.sqrt(2.0 / tau * np.trapezoid((f(ta) - f(tb)) ** 2, t))


def test_van_rossum_hand_worked_and_numeric():
    tau = 4.0
    # one spike against none: D = 1 (the normalisation)
    assert metrics.van_rossum_distance(train(5, [2]), train(5, []), tau)[0] == pytest.approx(1.0, rel=1e-15)
    # identical trains: 0
    assert metrics.van_rossum_distance(train(9, [1, 4]), train(9, [1, 4]), tau)[0] == 0.0
    # one spike shifted by d: D^2 = 1 + 1 - 2 e^{-d/tau}
    d = 3
    expect = np.sqrt(2 - 2 * np.exp(-d / tau))
    got = metrics.van_rossum_distance(train(9, [1]), train(9, [1 + d]), tau)[0]
    assert got == pytest.approx(expect, rel=1e-14)  # same closed form, a few ulp of summation order
    # against a numerical integral of the filtered traces (trapezoid on a 1e-3-step grid:
    # the kernel jumps at each spike, which costs O(grid step) = 1e-3 relative)
    ta, tb = [0, 3, 9], [1, 7]
    num = _vr_numeric(ta, tb, tau, 12)
    got = metrics.van_rossum_distance(train(12, ta), train(12, tb), tau)[0]
    assert got == pytest.approx(num, rel=2e-3)


def test_van_rossum_limits():
    a, b = train(20, [0, 5, 9, 14]), train(20, [5, 10])
    # tau -> 0: D^2 = number of spikes without a partner at the same step = 4 + 2 - 2*1
    assert metrics.van_rossum_distance(a, b, 1e-3)[0] ** 2 == pytest.approx(4.0, rel=1e-12)
    # tau -> infinity: D^2 -> (N_a - N_b)^2 = 4; the correction is O(spread/tau) = O(1e-8)
    assert metrics.van_rossum_distance(a, b, 1e9)[0] ** 2 == pytest.approx(4.0, rel=1e-6)


def test_victor_purpura_hand_worked():
    a, b = train(25, [0]), train(25, [1])
    assert metrics.victor_purpura_distance(a, b, 1.0)[0] == 1.0  # shift by 1 step at cost 1
    assert metrics.victor_purpura_distance(a, b, 0.5)[0] == 0.5
    assert metrics.victor_purpura_distance(a, b, 3.0)[0] == 2.0  # delete + insert is cheaper
    # a = {0, 10}, b = {1, 20}, q = 0.2: shift 0->1 (0.2); 10->20 would cost 2.0, equal to
    # delete + insert (2): total 2.2.  The crossed plan 10->1 (1.8) + delete 0 + insert 20 is 3.8.
    a, b = train(25, [0, 10]), train(25, [1, 20])
    assert metrics.victor_purpura_distance(a, b, 0.2)[0] == pytest.approx(2.2, abs=1e-15)
    # q = 0.1: both shifts (0.1 + 1.0)
    assert metrics.victor_purpura_distance(a, b, 0.1)[0] == pytest.approx(1.1, abs=1e-15)


def test_victor_purpura_limits_and_metric_properties():
    rng = np.random.default_rng(2)
    trains = [(rng.random((40, 1)) < 0.2) * 1.0 for _ in range(5)]
    for a, b in itertools.product(trains, repeat=2):
        na, nb = a.sum(), b.sum()
        c0 = float(((a != 0) & (b != 0)).sum())
        assert metrics.victor_purpura_distance(a, b, 0.0)[0] == abs(na - nb)  # q = 0: counts only
        assert metrics.victor_purpura_distance(a, b, 2.5)[0] == na + nb - 2 * c0  # q > 2: exact matches only
        dab = metrics.victor_purpura_distance(a, b, 0.3)[0]
        assert dab == metrics.victor_purpura_distance(b, a, 0.3)[0]
    for a, b, c in itertools.combinations(trains, 3):
        d = lambda x, y: metrics.victor_purpura_distance(x, y, 0.3)[0]  # noqa: E731
        assert d(a, c) <= d(a, b) + d(b, c) + 1e-12  # triangle inequality (1e-12: float sums of 0.3*k)


def test_first_divergence_and_state_error_before():
    a = train(12, [2, 7], [4], [])
    b = a.copy()
    b[7, 0] = 0.0  # neuron 0 misses its spike at step 7
    b[9, 2] = 1.0
    va = np.zeros((12, 3))
    vb = va.copy()
    vb[6, 1] = 3e-9  # the state error at the step before the divergence
    vb[3, 2] = -1e-8  # a larger error earlier
    div = metrics.first_divergence(a, b, {"v": va}, {"v": vb})
    assert div.step == 7 and div.neuron == (0,) and div.n_neurons == 1
    assert div.state_error_before == {"v": 3e-9}
    assert div.max_state_error_before == {"v": 1e-8}
    assert metrics.first_divergence(a, a.copy()) is None
    # at step 0 there is no step before
    b0 = a.copy()
    b0[0, 1] = 1.0
    assert metrics.first_divergence(a, b0, {"v": va}, {"v": vb}).state_error_before == {"v": None}


def test_state_errors():
    d = np.array([[1.0, 0.0], [2.0, -4.0], [0.0, 0.0]])
    a = d + np.array([[1e-3, 0.0], [0.0, 2e-3], [0.0, 1e-9]])
    abs_t, rel_t = metrics.state_error_over_time(a, d)
    np.testing.assert_allclose(abs_t, [1e-3, 2e-3, 1e-9], rtol=1e-12)  # 1e-12: the additions above round
    assert rel_t[0] == pytest.approx(1e-3, rel=1e-12) and rel_t[1] == pytest.approx(5e-4, rel=1e-12)
    assert rel_t[2] == np.inf  # the reference is 0 there and the value is not
    err = metrics.state_errors(a, d)
    assert err["max_abs"] == pytest.approx(2e-3, rel=1e-12) and err["at"] == (1, 1)
    assert metrics.state_errors(a, d, until=1)["max_abs"] == pytest.approx(1e-3, rel=1e-12)
    assert metrics.state_errors(d, d.copy())["at"] is None


def test_bad_arguments():
    a = train(5, [1])
    with pytest.raises(ShapeError, match="shapes differ"):
        metrics.coincidences(a, train(6, [1]))
    with pytest.raises(ParameterError, match="tau: must be > 0"):
        metrics.van_rossum_distance(a, a, 0.0)
    with pytest.raises(ParameterError, match="tau"):
        metrics.van_rossum_distance(a, a, float("nan"))
    with pytest.raises(ParameterError, match="q: must be >= 0"):
        metrics.victor_purpura_distance(a, a, -1.0)
    with pytest.raises(ParameterError, match="k: must be an integer >= 0"):
        metrics.coincidences(a, a, -1)
    with pytest.raises(ParameterError, match="k"):
        metrics.coincidences(a, a, 1.5)


def _vr_pairwise(ta, tb, tau):
    """The pairwise closed form: sum e^{-|ai-aj|/tau} + sum e^{-|bi-bj|/tau} - 2 sum e^{-|ai-bj|/tau}."""
    def s(x, y):
        return float(np.sum(np.exp(-np.abs(np.subtract.outer(x, y)) / tau))) if len(x) and len(y) else 0.0
    return np.sqrt(max(s(ta, ta) + s(tb, tb) - 2 * s(ta, tb), 0.0))


def _vp_naive(ta, tb, q):
    """The textbook O(n_a n_b) table, cell by cell."""
    g = np.zeros((len(ta) + 1, len(tb) + 1))
    g[:, 0] = np.arange(len(ta) + 1)
    g[0, :] = np.arange(len(tb) + 1)
    for i in range(1, len(ta) + 1):
        for j in range(1, len(tb) + 1):
            g[i, j] = min(g[i - 1, j] + 1, g[i, j - 1] + 1, g[i - 1, j - 1] + q * abs(ta[i - 1] - tb[j - 1]))
    return g[-1, -1]


def test_fast_forms_equal_the_textbook_forms():
    rng = np.random.default_rng(4)
    T, n = 60, 12
    a = (rng.random((T, n)) < 0.2) * 1.0
    b = (rng.random((T, n)) < 0.2) * 1.0
    b[:, 0] = 0.0  # an empty train
    u = np.finfo(float).eps / 2
    for tau in (0.5, 3.0, 25.0):
        got = metrics.van_rossum_distance(a, b, tau)
        for k in range(n):
            ta, tb = np.flatnonzero(a[:, k]), np.flatnonzero(b[:, k])
            want = _vr_pairwise(ta, tb, tau)
            # D^2 is a signed sum of the N = (n_a + n_b)^2 pair terms e^{-|t_i - t_j|/tau},
            # S = sum of their |values|.  The pairwise form rounds each exp and sums N terms:
            # <= N u S (Higham, Thm 4.4).  The filter form applies e^{-1/tau} (1 ulp) up to
            # T times per pair term and sums T squares: <= 3 T u S.  So |D_got^2 - D_want^2|
            # <= (N + 3T) u S, and |D_got - D_want| = |D_got^2 - D_want^2| / (D_got + D_want).
            # Measured: at most 5.3e-15 (1.7e-15 relative), at most 5 % of this bound.
            pairs = [(ta, ta), (tb, tb), (ta, tb), (ta, tb)]
            S = sum(float(np.sum(np.exp(-np.abs(np.subtract.outer(x, y)) / tau))) for x, y in pairs)
            bound = (len(ta) + len(tb)) ** 2 * u * S + 3 * T * u * S
            diff = abs(got[k] - want)
            assert diff == 0 or diff <= bound / (got[k] + want), (tau, k, diff, bound)
    for q in (0.0, 0.07, 0.5, 1.3, 3.0):
        got = metrics.victor_purpura_distance(a, b, q)
        want = [_vp_naive(np.flatnonzero(a[:, k]), np.flatnonzero(b[:, k]), q) for k in range(n)]
        # same candidate sums, possibly added in another order: a few ulp of values <= 2T
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
