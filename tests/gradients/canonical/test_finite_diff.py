"""Hand-derived backward passes of canonical.Izhikevich and canonical.AdEx
against central finite differences, without any framework.

Loss L = sum(w_y S) + sum(w_1 Z1) + sum(w_2 Z2) with random upstream weights;
derivatives along a random direction of the inputs, a random direction of
the initial state (each variable) and along every scalar learnable
parameter (relative step).

1. Smoothed forward (``model.smoothed()``): the emitted spike, and the reset
   spike unless ``detach_reset``, are the surrogate's primitive (default
   ATan, alpha = 2), so L is a smooth function and the backward pass must be
   its exact derivative.  Kinks that remain (the detached hard reset, AdEx's
   clamp min(V, V_peak)) are kept at least MARGIN = 2 mV (AdEx: 0.5 mV) from every spike
   argument x = v - v_peak and every start-of-step V of the run (a draw that
   comes closer is redrawn; the perturbations move x by << 1e-3 mV).

   Conditioning.  With the reset attached, each crossing multiplies the
   sensitivity by about (c - v) sigma'(x), up to ~95/mV near the cut-off for
   Izhikevich, so higher derivatives of L grow fast with the number of
   spikes.  The Izhikevich runs are therefore short (T = 30 steps, a few
   spikes per neuron), the margin keeps |x| >= 2 mV (sigma' <= 0.025/mV), and
   the difference is the 4th-order one,
   D(h) = [8(L(h) - L(-h)) - (L(2h) - L(-2h))] / (12 h),
   with truncation error h^4/30 |L^(5)| and round-off 1.5 delta / h, where
   delta bounds the error of one evaluation of L (the weights 8, 8, 1, 1 over
   12 h sum to 18/12).  h = 1e-6 (relative to the parameter, or along a
   unit-variance direction) for Izhikevich (T = 30), h = 1e-4 for AdEx
   (smaller curvature, larger S); a scan over h = 1e-3 ... 1e-7 showed these
   at the bottom of the error curve.  The assertion is
   |D - hand| <= REL_TOL |hand| + 1.5 delta / h, REL_TOL = 1e-6, with delta
   the larger of eps S (eps = 2.2e-16, S = sum of |terms| of L, ~1e3-1e4
   here: L rounded once) and 4 sigma, sigma the round-off noise of L measured
   along the same direction (:func:`_noise`, Moré and Wild's difference
   table).  The forward's round-offs are amplified on their way to L (each
   crossing multiplies the sensitivity as above), so eps S alone is not a
   bound: measured sigma up to 26 eps S for the smoothed Izhikevich runs
   (0.2-1 eps S for AdEx); which comparison needs most depends on the last
   bits of the trajectory (Izhikevich's initial v needed ~8 eps S once v^2
   was grouped as the scripts group it, 0.05 eps S before).  Measured
   (printed): the comparisons use at most 13 % of the round-off term; a
   wrong or missing adjoint term changes the derivative by O(1) relative
   (checked below by breaking the
   detach flag).
2. Subthreshold runs of the real (non-smoothed) forward: with the compact
   surrogate PiecewiseQuadratic(alpha=1) (sigma'(x) = 0 for |x| > 1 mV) and
   every spike argument below -1 - MARGIN mV (asserted), no spike fires, the
   reset terms are multiplied by R = 0 and the surrogate contributes exactly
   zero, so the backward pass must equal the derivative of the real forward
   (a polynomial / exponential recursion: the same 4th-order difference
   with h = 1e-4, measured <= 6e-7 relative).  Parameters that enter only
   through R = 0 or sigma' = 0 have a zero gradient, and L must not change
   with them at all (asserted exactly).
Measured relative errors are printed at the end of pytest ("fd canonical.*").
"""

from __future__ import annotations

import numpy as np
import pytest

import refneuron as rn
import refneuron.models.canonical.adex as adex_module
import refneuron.models.canonical.izhikevich as izh_module
from refneuron.gradients import vjp
from refneuron.surrogates.spikingjelly import PiecewiseQuadratic

from ..._oracle import record

H = 1e-6  # smoothed Izhikevich (see the module docstring)
H_ADEX = 1e-4  # smoothed AdEx: smaller curvature, larger |L| (round-off u|L|/h dominates below)
H_SUB = 1e-4  # subthreshold real forward: smooth, |L| ~ 1e3 and derivatives down to ~1e-2
REL_TOL = 1e-6
MARGIN = 2.0  # mV
ADEX_MARGIN = 0.5  # mV: AdEx approaches V_peak in ever larger steps, 2 mV is rarely free

IZH_PARAMS = ("a", "b", "c", "d", "v_peak", "p2", "p1", "p0")
ADEX_PARAMS = ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak")


@pytest.fixture
def spike_args(monkeypatch):
    """Records every spike argument x = v - v_peak the forward computes."""
    seen = []
    for module in (izh_module, adex_module):
        original = module.spikes

        def spy(model, v, v_peak, strict, _original=original):
            seen.append(np.array(v - v_peak, dtype=np.float64))
            return _original(model, v, v_peak, strict)

        monkeypatch.setattr(module, "spikes", spy)
    return seen


def _loss(model, x, state0, up, names):
    r = model.run(x, state0, record="all")
    return float(np.sum(up["output"] * r.output) + sum(np.sum(up[n] * r.states[n]) for n in names))


def _central(f, h, order):
    if order == 2:
        return (f(h) - f(-h)) / (2 * h)
    return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)


def _noise(f, s, m=9):
    """The round-off noise of one evaluation of ``f`` near 0, measured (Moré and Wild, "Estimating
    computational noise", SIAM J. Sci. Comput. 33, 2011): ``f`` at m equally spaced points
    ``j*s`` so close together (``s`` ~ 1e-4 h) that their smooth variation is a line plus
    negligible curvature; the k-th differences of the values then hold only the noise, and
    sigma_k^2 = gamma_k mean((Delta^k f)^2), gamma_k = (k!)^2/(2k)!.  Returns the largest of
    sigma_3 ... sigma_5."""
    import math

    vals = np.array([f(j * s) for j in range(m)])
    out = 0.0
    for k in (3, 4, 5):
        dk = np.diff(vals, n=k)
        gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
        out = max(out, math.sqrt(gamma * float(np.mean(dk * dk))))
    return out


def _check_all(key, model, x, state0, names, params, rng, order, rebuild, h_rel=None):
    """Directional derivatives of L against the hand-derived gradients."""
    up = {"output": rng.normal(size=x.shape)}
    for n in names:
        up[n] = rng.normal(size=x.shape)
    g = vjp(model, x, up, state0)
    H_ = H if h_rel is None else h_rel
    r0 = model.run(x, state0, record="all")
    scale = float(np.sum(np.abs(up["output"] * r0.output)) + sum(np.sum(np.abs(up[n] * r0.states[n])) for n in names))
    worst = 0.0

    def compare(what, fd, hand, h, f):
        nonlocal worst
        if hand == 0:
            # subthreshold: c, d, v_peak (b, V_reset, V_peak) enter only through
            # R = 0 and sigma' = 0, so L does not depend on them at all (0*c is
            # an exact zero): the difference must vanish exactly too.
            assert fd == 0, f"{key} {what}: backward gives 0, finite difference {fd!r}"
            return
        rel = abs(fd - hand) / abs(hand)
        record(f"fd {key} {what}", 0.0, rel)
        worst = max(worst, rel)
        # round-off of the difference quotient: 1.5 delta / h, delta the error of one evaluation
        # of L: at least eps S (S = sum of |terms| of L), and 4 sigma of the noise measured along
        # the same direction (module docstring)
        sigma = _noise(f, 1e-4 * h)
        record(f"fd {key} {what} measured noise / (eps S)", 0.0, sigma / (np.finfo(float).eps * scale))
        roundoff = 1.5 * max(np.finfo(float).eps * scale, 4.0 * sigma) / h
        # how much of the round-off term the comparison needed (0 when REL_TOL sufficed)
        record(f"fd {key} {what} round-off term used", 0.0, max(0.0, abs(fd - hand) - REL_TOL * abs(hand)) / roundoff)
        assert abs(fd - hand) <= REL_TOL * abs(hand) + roundoff, (
            f"{key} {what}: finite difference {fd!r} vs backward {hand!r} (rel {rel:.2e}, round-off {roundoff:.1e})"
        )

    d = rng.normal(size=x.shape)

    def along_input(e):
        return _loss(model, x + e * d, state0, up, names)

    compare("input", _central(along_input, H_, order), np.sum(g.inputs * d), H_, along_input)
    for n in names:
        dn = rng.normal(size=state0[n].shape)

        def shifted(e, n=n, dn=dn):
            return _loss(model, x, {**state0, n: state0[n] + e * dn}, up, names)

        compare(f"initial {n}", _central(shifted, H_, order), np.sum(g.initial_state[n] * dn), H_, shifted)
    for p in params:
        value = getattr(model, p)
        h = H_ * abs(value)

        def along_param(e, p=p, value=value):
            return _loss(rebuild(model, p, value + e), x, state0, up, names)

        compare(f"param {p}", _central(along_param, h, order), g.params[p], h, along_param)
    return worst


def _smooth_rebuild(model, p, value):
    return model.replace(**{p: value}).smoothed()


def _draw(make, seen, rng, margin=MARGIN, tries=200):
    """Draw (x, state0) until every spike argument is ``margin`` away from 0."""
    for _ in range(tries):
        x, state0, model = make(rng)
        seen.clear()
        model.run(x, state0)
        xs = np.concatenate([np.ravel(a) for a in seen])
        starts = model.run(x, state0, record="all").states
        clamp_ok = True
        if "V" in starts:  # AdEx clamp min(V, V_peak) at the start of each step
            clamp_ok = np.all(np.abs(starts["V"] - model.V_peak) > margin)
        if np.min(np.abs(xs)) > margin and clamp_ok:
            return x, state0
    raise AssertionError("no draw kept the kinks MARGIN away")


# --- 1. smoothed forward --------------------------------------------------------------

IZH_SMOOTH = [(s, r, d) for s in ("figure2004", "network2003", "euler") for r in ("standard", "accommodation") for d in (False, True)]


@pytest.mark.parametrize("scheme,rule,detach", IZH_SMOOTH)
def test_izhikevich_smoothed_finite_differences(scheme, rule, detach, spike_args):
    rng = np.random.default_rng(300 + IZH_SMOOTH.index((scheme, rule, detach)))
    kw = dict(scheme=scheme, u_rule=rule, detach_reset=detach)
    if rule == "accommodation":
        kw.update(a=0.02, b=1.0, c=-55.0, d=4.0)
    model = rn.canonical.Izhikevich(**kw).smoothed()
    hi = 60.0 if rule == "accommodation" else 25.0

    def make(rng):
        x = rng.uniform(5.0, hi, size=(30, 3))
        return x, {"v": rng.uniform(-70.0, -55.0, size=3), "u": rng.uniform(-15.0, -10.0, size=3)}, model

    x, state0 = _draw(make, spike_args, rng)
    spikes = rn.canonical.Izhikevich(**kw).run(x, state0).output.sum()
    assert spikes >= 3, f"only {spikes} spikes"
    _check_all("canonical.Izhikevich smoothed", model, x, state0, ("v", "u"), IZH_PARAMS, rng, 4, _smooth_rebuild)


@pytest.mark.parametrize("detach", [False, True])
def test_adex_smoothed_finite_differences(detach, spike_args):
    rng = np.random.default_rng(400 + detach)
    # V_peak = V_T + 5.2 Delta_T: the crossing overshoots by mV, not by 1e13 mV
    # as with V_peak = 20 mV (exp(35)), so L stays well conditioned.
    model = rn.canonical.AdEx(V_peak=-40.0, detach_reset=detach).smoothed()

    def make(rng):
        x = rng.uniform(800.0, 3000.0, size=(120, 2))
        return x, {"V": rng.uniform(-70.0, -55.0, size=2), "w": rng.uniform(0.0, 50.0, size=2)}, model

    x, state0 = _draw(make, spike_args, rng, margin=ADEX_MARGIN)
    spikes = rn.canonical.AdEx(V_peak=-40.0).run(x, state0).output.sum()
    assert spikes >= 4, f"only {spikes} spikes"
    _check_all("canonical.AdEx smoothed", model, x, state0, ("V", "w"), ADEX_PARAMS, rng, 4, _smooth_rebuild, H_ADEX)


def test_breaking_the_detach_flag_is_caught(spike_args):
    """The check can fail: the backward of the attached reset differs from the
    finite differences of the detached smoothed forward by O(1)."""
    rng = np.random.default_rng(7)
    attached = rn.canonical.Izhikevich().smoothed()
    detached = rn.canonical.Izhikevich(detach_reset=True).smoothed()
    x = rng.uniform(5.0, 25.0, size=(40, 3))
    state0 = {"v": rng.uniform(-70.0, -55.0, size=3), "u": rng.uniform(-15.0, -10.0, size=3)}
    up = {"output": rng.normal(size=x.shape), "v": rng.normal(size=x.shape), "u": rng.normal(size=x.shape)}
    d = rng.normal(size=x.shape)
    fd = _central(lambda e: _loss(detached, x + e * d, state0, up, ("v", "u")), H, 4)
    wrong = np.sum(vjp(attached, x, up, state0).inputs * d)
    assert abs(fd - wrong) / abs(fd) > 1e-2


# --- 2. subthreshold, real forward ----------------------------------------------------

COMPACT = PiecewiseQuadratic(alpha=1.0)  # sigma'(x) = 0 for |x| > 1 mV


def _real_rebuild(model, p, value):
    return model.replace(**{p: value})


@pytest.mark.parametrize("scheme", ["figure2004", "network2003", "euler"])
@pytest.mark.parametrize("detach", [False, True])
def test_izhikevich_subthreshold_finite_differences(scheme, detach, spike_args):
    rng = np.random.default_rng(500 + 2 * ["figure2004", "network2003", "euler"].index(scheme) + detach)
    model = rn.canonical.Izhikevich(scheme=scheme, detach_reset=detach, surrogate=COMPACT)
    x = rng.uniform(0.0, 3.0, size=(120, 3))  # below the rheobase (~3.8 for these parameters)
    state0 = {"v": rng.uniform(-70.0, -60.0, size=3), "u": rng.uniform(-14.0, -12.0, size=3)}
    spike_args.clear()
    res = model.run(x, state0)
    assert not np.any(res.output)
    assert max(np.max(a) for a in spike_args) < -1.0 - MARGIN  # outside the surrogate's support
    _check_all("canonical.Izhikevich subthreshold", model, x, state0, ("v", "u"), IZH_PARAMS, rng, 4, _real_rebuild, H_SUB)


@pytest.mark.parametrize("detach", [False, True])
def test_adex_subthreshold_finite_differences(detach, spike_args):
    rng = np.random.default_rng(600 + detach)
    model = rn.canonical.AdEx(detach_reset=detach, surrogate=COMPACT)
    x = rng.uniform(0.0, 450.0, size=(300, 3))  # below the rheobase g_L (V_T - E_L - Delta_T) = 546 pA
    state0 = {"V": rng.uniform(-72.0, -60.0, size=3), "w": rng.uniform(0.0, 30.0, size=3)}
    spike_args.clear()
    res = model.run(x, state0)
    assert not np.any(res.output)
    assert max(np.max(a) for a in spike_args) < -1.0 - MARGIN
    _check_all("canonical.AdEx subthreshold", model, x, state0, ("V", "w"), ADEX_PARAMS, rng, 4, _real_rebuild, H_SUB)
