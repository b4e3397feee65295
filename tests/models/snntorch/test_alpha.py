"""snntorch Alpha: tau_alpha, the difference-of-exponentials closed form,
hand-computed resets, conformance with snntorch 1.0.0 in float64, and bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import InputTypeError, OptionError, ParameterError, ShapeError, StateError
from refneuron.models.snntorch._common import RESET_CODE
from refneuron.models.snntorch.alpha import alpha_charge

from ..._oracle import assert_conform
from ._framework import min_margin, snntorch_run

Alpha = rn.snntorch.Alpha


# --- tau_alpha ---------------------------------------------------------------------


def test_tau_alpha_equals_the_time_constant_ratio():
    # c = ln a/(ln b - ln a) + 1 = ln b/(ln b - ln a) = tau_a/(tau_a - tau_b), tau_x = -1/ln x
    c = Alpha(alpha=0.9, beta=0.8).tau_alpha
    ta, tb = -1 / math.log(0.9), -1 / math.log(0.8)
    # three algebraically equal forms, each a few roundings apart (values ~1.9)
    assert abs(c - math.log(0.8) / (math.log(0.8) - math.log(0.9))) < 1e-14
    assert abs(c - ta / (ta - tb)) < 1e-14
    # snntorch's docstring form log(a)/log(b) - log(a) + 1 is something else
    assert abs(c - (math.log(0.9) / math.log(0.8) - math.log(0.9) + 1)) > 0.1


def test_tau_alpha_special_values():
    # a = 0.5, b = 0.25: ln b = 2 ln a exactly (correctly rounded log, exact doubling): c = 2
    assert Alpha(alpha=0.5, beta=0.25).tau_alpha == 2.0
    # b = 0: ln 0 = -inf, c = ln a/(-inf) + 1 = 1 exactly, as torch gives
    assert Alpha(alpha=0.7, beta=0.0).tau_alpha == 1.0
    c = Alpha(alpha=np.array([0.9, 0.5]), beta=np.array([0.8, 0.25])).tau_alpha
    assert c[1] == 2.0 and c.shape == (2,)


# --- closed form and hand-computed steps --------------------------------------------


def _kernel_sum(x, a, b, c, start):
    """c * sum_{start <= k <= t} X_k (a^(t-k) - b^(t-k)) for every t >= start."""
    T = x.shape[0]
    out = np.full(x.shape, np.nan)
    for t in range(start, T):
        lag = t - np.arange(start, t + 1)
        out[t] = c * np.sum(x[start : t + 1] * (a**lag - b**lag)[:, None], axis=0)
    return out


def test_closed_form_without_reset():
    # models §2.4: U_t = c sum_k X_k (a^(t-k) - b^(t-k)) from a zero state
    rng = np.random.default_rng(4)
    a, b, T = 0.9, 0.7, 60
    x = rng.normal(size=(T, 5))
    m = Alpha(alpha=a, beta=b, reset_mechanism="none")
    res = m.run(x)
    expected = _kernel_sum(x, a, b, m.tau_alpha, 0)
    # E and N each carry a few ulp of O(|E| <= 25) per step, bounded by the decay;
    # U = c (E + N) with c ~ 1.5: a bound of 1e-12 covers both sides' rounding
    np.testing.assert_allclose(res.states["mem"], expected, rtol=0, atol=1e-12)
    assert np.max(np.abs(expected)) > 2


def test_closed_form_between_zero_resets():
    # zero reset: a reset at step t0 (R_t0 = 1, i.e. a spike at t0 - 1) clears E*, N*
    # including X_t0, so afterwards U_t = c sum_{t0 < k <= t} X_k (a^(t-k) - b^(t-k))
    rng = np.random.default_rng(8)
    a, b, T = 0.85, 0.6, 80
    x = rng.normal(0.5, 0.6, size=(T, 1))
    m = Alpha(alpha=a, beta=b)
    res = m.run(x)
    spikes = res.output[:, 0]
    assert spikes.sum() >= 3
    starts = [0] + [t + 2 for t in np.flatnonzero(spikes[:-1])]  # first k after each reset
    checked = 0
    for lo, nxt in zip(starts, starts[1:] + [T + 1]):
        end = nxt - 1  # the reset step (R = 1), or T after the last reset
        segment = _kernel_sum(x, a, b, m.tau_alpha, lo)[lo:end]
        np.testing.assert_allclose(res.states["mem"][lo:end], segment, rtol=0, atol=1e-12)
        checked += segment.size
        if end < T:  # at the reset step everything is exactly zero (E* - E*·1)
            assert res.states["mem"][end, 0] == res.states["syn_exc"][end, 0] == res.states["syn_inh"][end, 0] == 0
    assert checked > T // 2


def test_probe_resets():
    # a = 0.5, b = 0.25 (c = 2 exactly), theta = 1, X = [3, 0, 0, 0]:
    # t1: E = 3, N = -3, U = 0 (the input of a step never reaches U in that step)
    # t2: E = 1.5, N = -0.75, U = 1.5 -> spike
    # t3 (R = 1): E* = 0.75, N* = -0.1875, U* = 1.125
    #   subtract: E = 0.75 - 1 = -0.25, N = 0, U = 1.125 + N_2 = 0.375
    #   zero:     E = N = U = 0
    # t4: subtract: E = -0.125, N = 0, U = -0.25; zero: all 0
    x = np.array([3.0, 0.0, 0.0, 0.0])[:, None]
    sub = Alpha(alpha=0.5, beta=0.25, reset_mechanism="subtract").run(x)
    np.testing.assert_array_equal(sub.output[:, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(sub.states["syn_exc"][:, 0], [3, 1.5, -0.25, -0.125])
    np.testing.assert_array_equal(sub.states["syn_inh"][:, 0], [-3, -0.75, 0, 0])
    np.testing.assert_array_equal(sub.states["mem"][:, 0], [0, 1.5, 0.375, -0.25])
    zero = Alpha(alpha=0.5, beta=0.25).run(x)  # default reset is "zero"
    np.testing.assert_array_equal(zero.states["syn_exc"][:, 0], [3, 1.5, 0, 0])
    np.testing.assert_array_equal(zero.states["syn_inh"][:, 0], [-3, -0.75, 0, 0])
    np.testing.assert_array_equal(zero.states["mem"][:, 0], [0, 1.5, 0, 0])


def test_float32_threshold_quirk_and_switch():
    # subtract: syn_exc loses float32(theta) at the step after a spike (probe above)
    x = np.array([3.0, 0.0, 0.0])[:, None]
    kw = dict(alpha=0.5, beta=0.25, threshold=0.7, reset_mechanism="subtract")
    assert Alpha(**kw).run(x).states["syn_exc"][2, 0] == 0.75 - float(np.float32(0.7))
    assert Alpha(**kw, float32_spikes=False).run(x).states["syn_exc"][2, 0] == 0.75 - 0.7


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_update_function_same_on_floats_and_arrays(reset):
    rng = np.random.default_rng(13)
    n = 200
    e, nn, mem, x = rng.normal(size=(4, n)) * 1.5
    m = Alpha(alpha=rng.uniform(0.6, 0.95, n), beta=rng.uniform(0.0, 0.55, n))
    code = RESET_CODE[reset]
    thr_sub = float(np.float32(0.7))
    out_a = alpha_charge(e, nn, mem, x, m.alpha, m.beta, m.tau_alpha, 0.7, thr_sub, code)
    for j in range(n):
        out = alpha_charge(
            float(e[j]), float(nn[j]), float(mem[j]), float(x[j]), float(m.alpha[j]), float(m.beta[j]),
            float(m.tau_alpha[j]), 0.7, thr_sub, code,
        )  # fmt: skip
        assert out == tuple(v[j] for v in out_a)
    assert 0 < out_a[0].sum() < n


# --- conformance with snntorch 1.0.0 ------------------------------------------------

SHAPES = [(7,), (3, 5), (2, 3, 4)]
CASES = list(
    itertools.product(
        ["zero", "subtract", "none"],  # reset_mechanism
        [1.0, 0.7, "array"],  # threshold
        ["scalar", "per-neuron"],  # alpha, beta
    )
)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,threshold,params", CASES)
def test_conformance(reset, threshold, params):
    idx = CASES.index((reset, threshold, params))
    rng = np.random.default_rng(3000 + idx)
    shape = SHAPES[idx % 3]
    T = 80
    pshape = (shape if idx % 2 else shape[-1:]) if params == "per-neuron" else ()
    alpha = rng.uniform(0.6, 0.97, size=pshape)
    beta = alpha - rng.uniform(0.1, 0.5, size=pshape).clip(max=alpha)  # alpha - beta >= 0.1, beta >= 0
    if params == "scalar":
        alpha, beta = float(alpha), float(beta)
    thr = rng.uniform(0.5, 1.5, size=shape) if threshold == "array" else threshold
    model = Alpha(alpha=alpha, beta=beta, threshold=thr, reset_mechanism=reset)
    # steady-state gain of U per unit input: c (1/(1-a) - 1/(1-b)); aim at ~2 thresholds
    gain = model.tau_alpha * (1 / (1 - np.asarray(alpha)) - 1 / (1 - np.asarray(beta)))
    x = rng.normal(1.0, 1.0, size=(T, *shape)) * 2.0 / gain
    state0 = {n: rng.normal(0, 0.5, size=shape) for n in ("syn_exc", "syn_inh", "mem")}
    kwargs = dict(alpha=alpha, beta=beta, threshold=thr, reset_mechanism=reset)
    spk_ref, ref = snntorch_run("Alpha", kwargs, x, state0, ("syn_exc", "syn_inh", "mem"))
    res = model.run(x, state=state0)
    key = f"snntorch.Alpha reset={reset} params={params}"
    assert spk_ref.sum() > 0.05 * spk_ref.size, "input must make the neurons fire often"
    assert_conform(key + " spikes", spk_ref, res.output, spikes=True)
    for n in ("syn_exc", "syn_inh", "mem"):
        assert_conform(f"{key} {n}", ref[n], res.states[n])
    assert min_margin(res.states["mem"], thr) > 1e-9


@pytest.mark.frameworks
def test_conformance_inhibition():
    rng = np.random.default_rng(79)
    shape = (4, 6)
    x = rng.normal(0.4, 0.4, size=(60, *shape))
    kwargs = dict(alpha=0.9, beta=0.8, inhibition=True)
    names = ("syn_exc", "syn_inh", "mem")
    with pytest.warns(UserWarning):
        spk_ref, ref = snntorch_run("Alpha", kwargs, x, {n: np.zeros(shape) for n in names}, names)
    res = Alpha(**kwargs).run(x)
    assert_conform("snntorch.Alpha inhibition spikes", spk_ref, res.output, spikes=True)
    for n in names:
        assert_conform(f"snntorch.Alpha inhibition {n}", ref[n], res.states[n])
    assert np.all(res.output.sum(axis=2) <= 1) and res.output.sum() > 20


@pytest.mark.frameworks
def test_snntorch_refuses_what_refneuron_refuses():
    import snntorch

    for kw in (dict(alpha=0.5, beta=0.7), dict(alpha=1.0, beta=1.0)):
        with pytest.raises(ValueError):
            snntorch.Alpha(**kw)
        with pytest.raises(ParameterError):
            Alpha(**kw)


@pytest.mark.frameworks
def test_snntorch_cannot_build_learn_alpha():
    # observed in 1.0.0 (quirk snntorch_alpha_learn_alpha): the construction-time
    # clamp assigns a plain tensor to the alpha Parameter. refneuron records the flag.
    import snntorch

    with pytest.raises(TypeError, match="parameter 'alpha'"):
        snntorch.Alpha(alpha=0.9, beta=0.8, learn_alpha=True)
    assert Alpha(alpha=0.9, beta=0.8, learn_alpha=True).learn_alpha is True


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,exc,fragment",
    [
        (dict(alpha=0.5, beta=0.7), ParameterError, "alpha must be > beta"),
        (dict(alpha=0.5, beta=0.5), ParameterError, "alpha must be > beta"),
        (dict(alpha=np.array([0.9, 0.5]), beta=np.array([0.8, 0.6])), ParameterError, "alpha=0.5, beta=0.6"),
        (dict(alpha=1.0, beta=1.0), ParameterError, "beta: must be != 1"),
        (dict(alpha=1.2, beta=0.5), ParameterError, "alpha"),
        (dict(alpha=0.9, beta=-0.1), ParameterError, "beta"),
        (dict(alpha=float("nan"), beta=0.5), ParameterError, "alpha"),
        (dict(alpha=0.9, beta=0.5, threshold=-np.inf), ParameterError, "threshold"),
        (dict(alpha=np.full(3, 0.9), beta=np.full(4, 0.5)), ShapeError, "alpha, beta"),
        (dict(alpha=0.9, beta=0.5, reset_mechanism="reset"), OptionError, "reset_mechanism"),
        (dict(alpha=0.9, beta=0.5, inhibition=1), InputTypeError, "inhibition"),
        (dict(alpha="0.9", beta=0.5), InputTypeError, "alpha"),
    ],
)
def test_bad_parameters(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Alpha(**kwargs)


def test_bad_shapes_and_state():
    with pytest.raises(ShapeError, match="alpha"):
        Alpha(alpha=np.full(4, 0.9), beta=0.5).run(np.zeros((10, 3)))
    with pytest.raises(ShapeError, match="inhibition"):
        Alpha(alpha=0.9, beta=0.5, inhibition=True).run(np.zeros((10, 2, 2, 2)))
    m = Alpha(alpha=0.9, beta=0.5)
    with pytest.raises(StateError, match="syn_inh"):
        m.run(np.zeros((10, 3)), state={"syn_exc": np.zeros(3), "mem": np.zeros(3)})
    with pytest.raises(StateError, match="AlphaState"):
        m.run(np.zeros((10, 3)), state=rn.snntorch.SynapticState(syn=np.zeros(3), mem=np.zeros(3)))
