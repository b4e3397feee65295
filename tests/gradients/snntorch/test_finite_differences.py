"""Hand-derived snntorch gradients against central finite differences of
refneuron's own forward (no framework needed).

* Spiking runs: the forward of ``model.smoothed()`` (gradient-carrying spikes
  replaced by the surrogate's primitive, detached resets kept as hard steps)
  is differentiable, and ``vjp`` of the smoothed model must be its exact
  derivative.
* Subthreshold runs: the real forward, where no neuron fires and no surrogate
  term can contribute (see :func:`test_subthreshold_real_forward`).

Directional derivatives along random directions are compared for the inputs,
every initial state and every differentiable parameter.
"""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.gradients import vjp
from refneuron.models.snntorch._common import spike_gt

from ._cases import DIFFERENTIABLE, STATES, make_case, option_grid, seed
from ._harness import directional, loss, record

# Central difference with step eps: truncation error (eps^2/6)|L'''| and round-off
# ~ u|L|/eps (u = 1.1e-16).  Here |L| ~ 1e2, |L'| ~ 1e1..1e3 and |L'''| ~ 1e3 (the ATan
# primitive's third derivative is O(pi^2 alpha^2) per term), so eps = 1e-6 gives
# ~2e-10 truncation and ~1e-8 / |L'| round-off: relative error ~1e-9 or less.  The
# tolerance 1e-6 (relative to sum |g_i d_i|, the size of the terms of the directional
# derivative, so that a cancelling sum is not judged against ~0) is 1000x that, while a
# missing or wrong term of the recursion is an O(1e-2..1) relative error.
EPS = 1e-6
TOL = 1e-6

MODELS = ("Leaky", "Synaptic", "Lapicque", "Alpha")


def _hard_signals(model, res):
    """The detached, piecewise-constant parts of a run: the delayed reset signals
    and, under inhibition, the arg-max mask.  They must not change between the
    +eps and -eps runs, or the difference quotient would straddle a jump."""
    mem = res.states["mem"]
    out = [spike_gt(mem, model.threshold)]
    if model.inhibition:
        out.append(np.argmax(mem - model.threshold, axis=-1))
    return out


def _check(key, model, case, rng):
    """Directional derivatives for the inputs, each state and each parameter."""
    g = vjp(model, case.x, case.upstream, state=case.state0)
    probes = []
    dx = rng.normal(size=case.x.shape)
    probes.append(("input", float(np.sum(g.inputs * dx)), float(np.sum(np.abs(g.inputs * dx))),
                   lambda e: (model, dict(x=case.x + e * dx))))  # fmt: skip
    for n in STATES[case.cls_name]:
        d = rng.normal(size=case.state0[n].shape)
        s0 = lambda e, n=n, d=d: {**case.state0, n: case.state0[n] + e * d}  # noqa: E731
        gn = g.initial_state[n]
        probes.append((f"state {n}", float(np.sum(gn * d)), float(np.sum(np.abs(gn * d))),
                       lambda e, s0=s0: (model, dict(state0=s0(e)))))  # fmt: skip
    for p in DIFFERENTIABLE[case.cls_name]:
        value = getattr(model, p)
        d = rng.normal(size=np.shape(value)) if isinstance(value, np.ndarray) else 1.0
        gp = np.asarray(g.params[p])
        smoothed = model.is_smoothed

        def perturbed(e, p=p, value=value, d=d, smoothed=smoothed):
            m = model.replace(**{p: value + e * d})
            return (m.smoothed() if smoothed else m), {}

        probes.append((f"param {p}", float(np.sum(gp * d)), float(np.sum(np.abs(gp * d))), perturbed))
    for what, analytic, size, make in probes:
        runs = {}

        def f(e, make=make, runs=runs):
            m, kw = make(e)
            runs[e] = (m, m.run(kw.get("x", case.x), state=kw.get("state0", case.state0), check_finite=False))
            return loss(m, case, **kw)

        fd = directional(f, EPS)
        for a, b in zip(_hard_signals(*runs[EPS]), _hard_signals(*runs[-EPS])):
            assert np.array_equal(a, b), f"{key} {what}: a detached reset flips within +-eps; choose another seed"
        scale = max(size, 1e-300)
        err = abs(fd - analytic) / scale
        record(f"grad-fd {key} {what.split(' ')[0]}", fd / scale, analytic / scale)
        assert err <= TOL, f"{key} {what}: finite difference {fd!r} vs hand-derived {analytic!r} (rel {err:.2e})"


def _case_away_from_ties(cls_name, rng, **kw):
    """A case whose smoothed run keeps every membrane at least 1e-4 from the threshold
    (tolerances, mechanism 5: near-ties are avoided, not ignored).  A perturbation of
    eps = 1e-6 moves a membrane by ~eps * |dU/dp| << 1e-4, so no detached reset can
    flip; _check still verifies that directly.  Redraws at most 20 times."""
    for _ in range(20):
        case = make_case(cls_name, rng, **kw)
        res = case.model().smoothed().run(case.x, state=case.state0)
        if np.min(np.abs(res.states["mem"] - case.kwargs["threshold"])) > 1e-4:
            return case
    raise AssertionError("no draw without a near-tie")


FD_GRID = [(m, *opts) for m in MODELS for opts in option_grid(m)]


@pytest.mark.parametrize("cls_name,reset,delay,inhibition", FD_GRID)
def test_smoothed_forward(cls_name, reset, delay, inhibition):
    rng = np.random.default_rng(seed(cls_name, reset, delay, inhibition, "fd"))
    case = _case_away_from_ties(cls_name, rng, T=30, reset=reset, delay=delay, inhibition=inhibition,
                                per_neuron=True)  # fmt: skip
    model = case.model().smoothed()
    hard = case.model().run(case.x, state=case.state0)
    assert np.count_nonzero(hard.output) > 20, "the real forward must fire many times"
    _check(f"snntorch.{cls_name} smoothed", model, case, rng)


@pytest.mark.parametrize("cls_name", MODELS)
def test_smoothed_scalar_parameters(cls_name):
    rng = np.random.default_rng(seed(cls_name, "fd-scalar"))
    delay = cls_name not in ("Leaky", "Synaptic")
    case = _case_away_from_ties(cls_name, rng, T=30, delay=delay, per_neuron=False)
    _check(f"snntorch.{cls_name} smoothed", case.model().smoothed(), case, rng)


def test_smoothed_forward_differs_from_real():
    # the smoothing hook must actually change the spikes (a check that could fail if
    # the flag were ignored) and leave the non-smoothed forward untouched
    rng = np.random.default_rng(0)
    case = make_case("Leaky", rng)
    real = case.model().run(case.x, state=case.state0)
    smooth = case.model().smoothed().run(case.x, state=case.state0)
    assert set(np.unique(real.output)) <= {0.0, *np.unique(case.kwargs["graded_spikes_factor"])}
    assert np.any((smooth.output > 0) & (smooth.output < real.output.max())), "smoothed spikes are not graded"


# (cls_name, reset, reset_delay, surrogate_disable): see the comment in the test for
# why the surrogate must be disabled when the immediate reset (reset_delay=False) is on
SUB_GRID = [
    (m, r, d, sd)
    for m in MODELS
    for r in ("subtract", "zero", "none")
    for d in ((True, False) if m in ("Leaky", "Synaptic") else (True,))
    for sd in ((False, True) if d else (True,))
]


@pytest.mark.parametrize("cls_name,reset,delay,surrogate_disable", SUB_GRID)
def test_subthreshold_real_forward(cls_name, reset, delay, surrogate_disable):
    # Weak inputs keep every membrane at least 0.4 below threshold, so no spike fires
    # and no reset occurs (asserted).  The real forward is then smooth in everything,
    # but the hand-derived gradient still contains surrogate terms sigma'(U - theta)
    # (0.06..0.2 for ATan at U - theta in [-1.2, -0.4]) times the gradient reaching the
    # spike; the finite difference of the real forward sees none.  These terms vanish
    # exactly when (a) no upstream gradient reaches the spike: output upstream zero and
    # no immediate reset (reset_delay=True), or (b) surrogate_disable=True.  With the
    # immediate reset and the surrogate on, the two derivatives legitimately differ,
    # so that combination is not in the grid.
    rng = np.random.default_rng(seed(cls_name, reset, delay, surrogate_disable, "sub"))
    case = make_case(cls_name, rng, T=40, reset=reset, delay=delay, per_neuron=True,
                     upstream_output=surrogate_disable)  # fmt: skip
    # zero-mean weak drive (Synaptic's gain 1/((1-alpha)(1-beta)) reaches ~200)
    case.x = rng.normal(0.0, 0.01, size=case.x.shape)
    for n in case.state0:
        case.state0[n] *= 0.1
    case.kwargs["threshold"] = np.full(case.x.shape[1:], 1.0)
    if surrogate_disable:
        case.kwargs["surrogate_disable"] = True
    model = case.model()
    res = model.run(case.x, state=case.state0)
    assert np.max(res.states["mem"]) < 1.0 - 0.4, "must stay subthreshold"
    assert not np.any(res.output)
    _check(f"snntorch.{cls_name} subthreshold", model, case, rng)
