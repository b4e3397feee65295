"""Hand-derived backward passes of the spikingjelly models against central
finite differences, without any framework.

1. The smoothed forward (``model.smoothed()``: gradient-carrying spikes are
   the surrogate's primitive, detached reset spikes stay hard steps) is a
   differentiable function of the inputs, the initial state and the learnable
   parameters, and the backward pass must be its exact derivative.
2. Subthreshold runs of the real forward: with a surrogate of compact support
   (PiecewiseQuadratic, alpha = 2: zero derivative for |H - theta| > 1/2) and
   every charged membrane more than 1/2 + MARGIN below threshold, no spike
   fires and the surrogate contributes exactly zero, so the backward pass must
   equal the derivative of the real, non-smoothed forward.

The loss is L = sum(g_out * Y) + sum(g_z * Z) with random upstream weights;
derivatives are taken along random directions (inputs, initial state) and
along each scalar learnable parameter (PLIF ``w``, KLIF ``k``).

Step and tolerance.  The central difference (L(p + eps d) - L(p - eps d))/(2 eps)
has truncation error eps^2/6 |L'''| and round-off error about
u |L| / eps (u = 1.1e-16).  Here |L| <= ~1e3 and |L'''| along a unit-scale
direction is at most ~1e3 times the derivative (steepest primitive: Sigmoid
alpha = 4, g''' <= alpha^3/8 = 8 per step, compounded over the recursion), so
with EPS = 1e-6 both terms are below ~1e-9 relative to derivatives of order
1-100 (measured: printed at the end of pytest).  REL_TOL = 1e-6 leaves three
orders of magnitude; a wrong adjoint term is of the order of the derivative.
Non-smooth points (hard detached resets, PiecewiseQuadratic's kinks, ReLU /
hardtanh / leaky ReLU kinks) are kept at least KINK_MARGIN away from every
charged membrane of the run (a perturbation of EPS moves H by ~EPS*10 << 1e-4);
a draw that comes closer is redrawn (at most a few times, asserted).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import refneuron as rn
from refneuron.gradients import vjp
from refneuron.models.spikingjelly._common import lif_charge
from refneuron.surrogates.spikingjelly import ATan, PiecewiseQuadratic, Sigmoid

from ..._oracle import record
from ._cases import RESETS, SHAPES, learnable, make_input, make_model, make_state, make_upstream, rng_for

EPS = 1e-6
REL_TOL = 1e-6
KINK_MARGIN = 1e-4
U = np.finfo(float).eps / 2  # unit round-off of float64
T = 25

SMOOTH_SURROGATES = [Sigmoid(), ATan(alpha=1.7), PiecewiseQuadratic(alpha=0.8), Sigmoid(alpha=2.5, spiking=False)]


# --- helpers ------------------------------------------------------------------------


def _spy(model):
    """A copy of ``model`` that records every charged membrane H passed to the fire step."""
    seen = []
    original = model._spikes

    def spikes(h):
        seen.append(np.array(h, dtype=np.float64))
        return original(h)

    object.__setattr__(model, "_spikes", spikes)
    return model, seen


def _kinks(model):
    """Values of u = H - theta near which the forward is not smooth, and the
    extra variables (besides H - theta) whose kinks matter."""
    s = model.surrogate_function
    pts = []
    if model.detach_reset or not model.is_smoothed:
        pts.append(0.0)  # the hard step
    if isinstance(s, PiecewiseQuadratic):
        pts += [0.0, 1.0 / s.alpha, -1.0 / s.alpha]
    return pts


def _distance_to_kinks(model, x, state0):
    """Smallest distance of the run's charged membranes (and KLIF's k*H', LIAF's
    activation argument) to a point where the forward is not smooth."""
    m, seen = _spy(dataclasses.replace(model).smoothed() if model.is_smoothed else dataclasses.replace(model))
    res = m.run(x, state=state0)
    h = np.array(seen)
    u = h - model.v_threshold
    d = [np.min(np.abs(u - k)) for k in _kinks(model)]
    if model.name in ("spikingjelly.KLIF", "spikingjelly.LIAF"):
        v_prev = np.concatenate([np.asarray(state0["v"])[None], res.states["v"][:-1]])
        hc = lif_charge(v_prev, x, model.tau, model.v_leak, model.decay_input)
        if model.name == "spikingjelly.KLIF":
            d.append(np.min(np.abs(model.k * hc)))  # ReLU(k H')
        else:
            a = hc - model.v_threshold if model.threshold_related else hc
            kinks = {"relu": [0.0], "leaky_relu": [0.0], "hardtanh": [-1.0, 1.0]}.get(model.act, [])
            d += [np.min(np.abs(a - k)) for k in kinks]
    return min(d) if d else np.inf, res


def _loss(model, x, state0, up):
    r = model.run(x, state=state0, check_finite=False)
    L = float(np.sum(up["output"] * r.output))
    for n in model.State.names():
        L += float(np.sum(up[n] * r.states[n]))
    return L


def _central(f, eps=EPS):
    return (f(eps) - f(-eps)) / (2 * eps)


def _rebuild(model, **change):
    m = dataclasses.replace(model, **change)
    return m.smoothed() if model.is_smoothed else m


class _TooSmall(Exception):
    """A derivative of this draw is below the round-off floor of the central difference."""


def check_fd(model, x, state0, up, label, expect_zero=()):
    """Directional derivatives of L vs the hand-derived gradients; returns the errors.

    Round-off: each evaluation of L rounds at about u*S, S = sum|g*Y| + sum|g*Z|
    (measured: the central difference's error is ~0.1 u S / EPS, 1e-9
    absolute here), so a derivative below FLOOR = 2 u S / (EPS REL_TOL)
    (~2e-2) cannot be resolved to REL_TOL; such a draw is rejected
    (``_TooSmall``) rather than tested with a looser bound.  Parameters in
    ``expect_zero`` must have a backward gradient of 0 (to round-off) and a
    finite difference below the round-off floor times REL_TOL.
    """
    g = vjp(model, x, up, state=state0)
    r = g.forward
    S = float(np.sum(np.abs(up["output"] * r.output)))
    S += sum(float(np.sum(np.abs(up[n] * r.states[n]))) for n in model.State.names())
    floor = 2 * U * S / (EPS * REL_TOL)
    rng = np.random.default_rng(len(label))
    pending = []  # (what, analytic, finite-difference thunk)
    dx = rng.normal(size=x.shape)
    pending.append(("input", float(np.sum(g.inputs * dx)), lambda e: _loss(model, x + e * dx, state0, up)))
    for n in model.State.names():
        dz = rng.normal(size=np.shape(state0[n]))
        pending.append((f"initial {n}", float(np.sum(g.initial_state[n] * dz)),
                        lambda e, n=n, dz=dz: _loss(model, x, dict(state0, **{n: state0[n] + e * dz}), up)))
    for p in learnable(model):
        p0 = getattr(model, p)
        if p in expect_zero:
            # the backward gives it as a sum of terms that cancel pairwise (KLIF:
            # g_V H'/k from the ReLU path against -g_V ReLU(k H')/k^2 from the scaled
            # reset), each pair rounding to at most ~2 ulp of each of its two terms.  The
            # terms sum to about sum_t |g_V,t| |H'_t| / k, and the adjoint g_V,t gathers the
            # upstream weights of the following steps decayed by 1 - 1/tau (gain <= tau),
            # with |H'_t| ~ |V_t|: sum|terms| <= tau S / k.  So |gradient| <= 4 u tau S / k
            # (10 to 11 u S here); measured <= 0.13 u S.
            zero_bound = 4 * U * S * model.tau / model.k
            assert abs(g.params[p]) <= zero_bound, f"{label} {p}: gradient {g.params[p]!r} != 0 (> {zero_bound:.1e})"
            fd = _central(lambda e, p=p, p0=p0: _loss(_rebuild(model, **{p: p0 + e}), x, state0, up))
            assert abs(fd) <= floor * REL_TOL, f"{label} {p}: finite difference {fd!r}, expected 0"
            continue
        pending.append((p, float(g.params[p]),
                        lambda e, p=p, p0=p0: _loss(_rebuild(model, **{p: p0 + e}), x, state0, up)))
    if any(abs(an) < floor for _, an, _ in pending):
        raise _TooSmall
    out = {}
    for what, an, f in pending:
        fd = _central(f)
        rel = abs(fd - an) / abs(an)
        record(f"{label} {what}", rel, 0.0)
        assert rel <= REL_TOL, f"{label} {what}: finite difference {fd!r} vs backward {an!r} (rel {rel:.2e})"
        out[what] = rel
    return out


def run_fd(name, key, surrogate, opts, *, smoothed, label, make_x=make_input, make_s=make_state, transform=None,
           tries=8, accept=None, expect_zero=()):
    """Draw cases until one keeps KINK_MARGIN from every non-smooth point and
    has derivatives above the round-off floor, then check it."""
    for attempt in range(tries):
        rng = rng_for(name, key, attempt)
        shape = SHAPES[attempt % len(SHAPES)]
        model = make_model(name, rng, surrogate, **dict(opts))
        if transform is not None:
            model = transform(model)
        if smoothed:
            model = model.smoothed()
        x = make_x(model, rng, T, shape)
        state0 = make_s(model, rng, shape)
        up = make_upstream(model, rng, T, shape)
        dist, res = _distance_to_kinks(model, x, state0)
        if dist <= KINK_MARGIN:
            continue
        if accept is not None and not accept(model, x, state0, res):
            continue
        try:
            return check_fd(model, x, state0, up, label, expect_zero)
        except _TooSmall:
            continue
    raise AssertionError(f"{name} {key}: no usable draw in {tries} (kinks within {KINK_MARGIN}, tiny derivatives "
                         "or not accepted)")


# --- 1. smoothed forward ----------------------------------------------------------


def _keys(**axes):
    names = list(axes)
    return [dict(zip(names, v)) for v in itertools.product(*axes.values())]


def _id(d):
    return ",".join(f"{k}={v}" for k, v in d.items())


CASES = (
    [("IF", o) for o in _keys(reset=RESETS, detach_reset=[False, True])]
    + [("QIF", o) for o in _keys(reset=RESETS, detach_reset=[False, True])]
    + [("EIF", o) for o in _keys(reset=RESETS, detach_reset=[False, True])]
    + [("Izhikevich", o) for o in _keys(reset=RESETS, detach_reset=[False, True])]
    + [("LIF", o) for o in _keys(reset=RESETS, detach_reset=[False, True], decay_input=[True, False])]
    + [("ParametricLIF", o) for o in _keys(reset=RESETS, detach_reset=[False, True], decay_input=[True, False])]
    + [("KLIF", o) for o in _keys(reset=RESETS, detach_reset=[False, True], scale_reset=[False, True],
                                  decay_input=[True])]
    + [("KLIF", dict(reset="hard", detach_reset=False, scale_reset=True, decay_input=False))]
    + [("LIAF", dict(act=a, threshold_related=a != "tanh", reset=RESETS[i % 3], detach_reset=bool(i % 2),
                     decay_input=i % 4 < 2)) for i, a in enumerate(rn.spikingjelly.ACTIVATIONS)]
)


@pytest.mark.parametrize("name,opts", CASES, ids=[f"{n}-{_id(o)}" for n, o in CASES])
def test_smoothed_forward(name, opts):
    for j, surrogate in enumerate(SMOOTH_SURROGATES):
        if not surrogate.spiking and opts.get("detach_reset"):
            # spikingjelly's detached reset spike is then the analog primitive: a
            # value that depends on H but carries no gradient, so no forward has
            # the backward as its derivative (the autograd tests cover this case)
            continue
        run_fd(name, (_id(opts), j), surrogate, opts, smoothed=True, label=f"fd smoothed spikingjelly.{name}",
               accept=lambda model, *_: model.is_smoothed or pytest.fail("not smoothed"))


def test_smoothed_changes_only_gradient_carrying_spikes():
    """Normal runs are untouched; the smoothed output is the primitive; with
    detach_reset the smoothed reset still uses the hard step."""
    rng = rng_for("smooth-hook")
    x = rng.normal(0.8, 0.6, size=(30, 5))
    for detach in (False, True):
        m = rn.spikingjelly.LIF(tau=2.0, v_reset=None, detach_reset=detach)
        r, rs = m.run(x), m.smoothed().run(x)
        assert set(np.unique(r.output)) == {0.0, 1.0}
        assert not m.is_smoothed and m.smoothed().is_smoothed
        # the first step starts from the same state: output = sigmoid(4 (H - 1)), H = x/2
        h1 = x[0] / 2.0
        np.testing.assert_allclose(rs.output[0], 1.0 / (1.0 + np.exp(-4.0 * (h1 - 1.0))), rtol=1e-15, atol=0)
        # soft reset of step 1: H - S_r * theta with S_r the hard step (detached) or the primitive
        s_r = (h1 >= 1.0) * 1.0 if detach else rs.output[0]
        np.testing.assert_array_equal(rs.states["v"][0], h1 - s_r * 1.0)


# --- 2. subthreshold, real forward -----------------------------------------------

SUB_SURROGATE = PiecewiseQuadratic(alpha=2.0)  # derivative exactly 0 for |H - theta| > 0.5
SUB_MARGIN = 0.05


def _subthreshold_input(model, rng, T, shape):
    """Small drives: the membrane stays near rest (QIF/EIF/Izhikevich below
    their critical voltage, so the nonlinear charge is exercised without runaway)."""
    mean, sd = {"IF": (0.0, 0.05), "QIF": (0.05, 0.1), "EIF": (0.05, 0.1), "Izhikevich": (0.05, 0.1)}.get(
        model.name.split(".")[1], (0.3, 0.3))
    if not getattr(model, "decay_input", True):  # the input is not divided by tau
        mean, sd = mean / 3, sd / 3
    return rng.normal(mean, sd, size=(T, *shape))


def _subthreshold_state(model, rng, shape):
    state = {"v": rng.uniform(-0.2, 0.3, size=shape)}
    if "w" in model.State.names():
        state["w"] = rng.normal(0.0, 0.2, size=shape)
    return state


def _raise_threshold(model):
    """The drawn model with its threshold 1.2 higher (v_reset stays below it)."""
    return dataclasses.replace(model, v_threshold=model.v_threshold + 1.2)


SUB_CASES = (
    [(n, dict(reset=r)) for n in ("IF", "QIF", "EIF", "Izhikevich") for r in RESETS]
    + [(n, dict(reset=r, decay_input=d)) for n in ("LIF", "ParametricLIF") for r in RESETS for d in (True, False)]
    + [("KLIF", dict(reset=r, scale_reset=sr)) for r in RESETS for sr in (False, True)]
    + [("LIAF", dict(act=a, threshold_related=tr, reset="hard")) for a, tr in
       (("tanh", True), ("sigmoid", True), ("tanh", False), ("relu", False), ("leaky_relu", False))]
)


def _subthreshold(model, x, state0, res):
    """Accept a draw only if it never fires and stays out of the surrogate's support."""
    assert not model.is_smoothed
    m, seen = _spy(dataclasses.replace(model))
    m.run(x, state=state0)
    top = float(np.max(np.array(seen) - model.v_threshold))
    # no spike, and the surrogate's support (|H - theta| <= 1/alpha) is never reached
    ok = top < -1.0 / SUB_SURROGATE.alpha - SUB_MARGIN
    if ok and model.output_kind == "spikes":
        assert not np.any(res.output)
    return ok


@pytest.mark.parametrize("name,opts", SUB_CASES, ids=[f"{n}-{_id(o)}" for n, o in SUB_CASES])
def test_subthreshold_real_forward(name, opts):
    run_fd(name, _id(opts), SUB_SURROGATE, opts, smoothed=False, label=f"fd subthreshold spikingjelly.{name}",
           make_x=_subthreshold_input, make_s=_subthreshold_state, transform=_raise_threshold,
           accept=_subthreshold,
           # KLIF with scale_reset and no spike: V = ReLU(k H')/k = H' for H' > 0, independent of k
           expect_zero=("k",) if opts.get("scale_reset") else ())
