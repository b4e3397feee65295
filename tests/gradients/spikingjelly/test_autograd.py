"""Hand-derived backward passes of the spikingjelly models against
spikingjelly 2.0.0's own autograd, in float64.

For every model and option (hard reset at 0 and elsewhere, soft reset,
``detach_reset``, ``decay_input``, ``scale_reset``, every LIAF activation,
surrogates Sigmoid (the default), ATan, PiecewiseQuadratic and two
``spiking=False`` forms, three shapes), random inputs that make the neurons
fire many times, random initial states and random upstream gradients on the
output and on every state trace: the gradients with respect to the inputs,
the initial state and the learnable parameters (PLIF ``w``, KLIF ``k``) must
agree with autograd to ``grad_rtol`` relative to the largest |gradient| of the
array.

Tolerance: ``grad_rtol(n)`` = 10 n u, n = T x neurons (tests/_oracle.py, with
the derivation).  Both sides evaluate the same local derivatives in float64,
only in a different association order (autograd multiplies the chain factor
by factor; refneuron folds them, e.g. ``g*(1 - 1/tau)`` for ``g - g/tau``), so
each step adds a few ulp relative to the gradient's scale and the adjoint
recursion carries them over T = 40 steps with factors of order one, also
through the expanding QIF/EIF/Izhikevich charges (measured: about 2e-15 for
the arrays, up to 8.0e-14 for the scalars w and k, which are sums of
T x neurons terms with cancellation; printed at the end of pytest with the
fraction of the tolerance used, "err/tol").  Any wrong term (a missing reset
path, a detached spike that should not be, the wrong kink convention) is of
the order of the gradient itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import refneuron as rn
from refneuron.gradients import vjp
from refneuron.models.spikingjelly._common import lif_charge

from ..._oracle import grad_rtol, record, record_used
from ._cases import (
    RESETS,
    SHAPES,
    SURROGATES,
    framework_grads,
    learnable,
    make_input,
    make_model,
    make_state,
    make_upstream,
    rng_for,
)

T = 40


def _rel(ref, got):
    ref = np.asarray(ref, dtype=np.float64)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    return ref / scale if scale > 0 else ref, np.asarray(got, dtype=np.float64) / (scale if scale > 0 else 1.0)


def check_against_autograd(name, key, **opts):
    """One model class and option set, every surrogate and shape."""
    for i, surrogate in enumerate(SURROGATES):
        shape = SHAPES[i % len(SHAPES)]
        rng = rng_for(name, key, i)
        model = make_model(name, rng, surrogate, **dict(opts))
        x = make_input(model, rng, T, shape)
        state0 = make_state(model, rng, shape)
        up = make_upstream(model, rng, T, shape)
        g = vjp(model, x, up, state=state0)
        gx, gz0, gp = framework_grads(model, x, state0, up)
        fired = _fired(model, x, state0, g.forward)
        if model.spiking:
            assert np.sum(fired) >= 0.05 * fired.size, f"{name} {key}: the input must make the neurons fire"
        else:
            # the analog reset pulls v down at every step; what matters is that the
            # primitive is exercised over its range, where the gradient varies
            y = g.forward.output
            assert np.ptp(y) > 0.3, f"{name} {key}: the analog output must vary"
        label = f"grad spikingjelly.{name}"
        pairs = [("input", gx, g.inputs)] + [(f"initial {n}", gz0[n], g.initial_state[n]) for n in gz0]
        pairs += [(p, gp[p], g.params[p]) for p in learnable(model)]
        tol = grad_rtol(g.forward.output.size)  # n = T x neurons
        for what, ref, got in pairs:
            assert np.all(np.isfinite(ref)), f"{name} {key} {what}: the framework's gradient is not finite"
            r, q = _rel(ref, got)
            err = record(f"{label} {what}", r, q, spikes=fired if what == "input" else None)
            record_used(f"{label} {what}", err, tol)
            assert err <= tol, f"{name} {key} surrogate={surrogate!r} {what}: rel. error {err:.3e} > {tol:.1e}"
        assert set(g.params) == set(learnable(model))


def _fired(model, x, state0, forward):
    """Where the charged membrane reached the threshold (H - theta >= 0).

    Spiking: the output itself.  ``spiking=False``: the output is the
    increasing primitive g(H - theta), so H >= theta where it is >= g(0).
    LIAF (analog output): H recomputed from the recorded v trace with the
    model's own charge function.
    """
    if model.name == "spikingjelly.LIAF":
        v_prev = np.concatenate([np.asarray(state0["v"])[None], forward.states["v"][:-1]])
        h = lif_charge(v_prev, x, model.tau, model.v_leak, model.decay_input)
        return (h - model.v_threshold >= 0) * 1.0
    return (forward.output >= model.surrogate_function.forward(0.0)) * 1.0


def _keys(**axes):
    names = list(axes)
    return [dict(zip(names, v)) for v in itertools.product(*axes.values())]


def _id(d):
    return ",".join(f"{k}={v}" for k, v in d.items())


BASIC = _keys(reset=RESETS, detach_reset=[False, True])
LIF_LIKE = _keys(reset=RESETS, detach_reset=[False, True], decay_input=[True, False])


@pytest.mark.frameworks
@pytest.mark.parametrize("opts", BASIC, ids=_id)
@pytest.mark.parametrize("name", ["IF", "QIF", "EIF", "Izhikevich"])
def test_basic_nodes(name, opts):
    check_against_autograd(name, _id(opts), **opts)


@pytest.mark.frameworks
@pytest.mark.parametrize("opts", LIF_LIKE, ids=_id)
@pytest.mark.parametrize("name", ["LIF", "ParametricLIF"])
def test_lif_nodes(name, opts):
    check_against_autograd(name, _id(opts), **opts)


@pytest.mark.frameworks
@pytest.mark.parametrize("opts", _keys(reset=RESETS, detach_reset=[False, True], decay_input=[True, False],
                                       scale_reset=[False, True]), ids=_id)
def test_klif(opts):
    check_against_autograd("KLIF", _id(opts), **opts)


@pytest.mark.frameworks
@pytest.mark.parametrize("opts", _keys(act=rn.spikingjelly.ACTIVATIONS, threshold_related=[True, False]), ids=_id)
def test_liaf(opts):
    # resets and detach_reset rotate with the activation so that every one meets each
    k = rn.spikingjelly.ACTIVATIONS.index(opts["act"])
    opts = dict(opts, reset=RESETS[k % 3], detach_reset=bool(k % 2), decay_input=bool(k % 4 < 2))
    check_against_autograd("LIAF", _id(opts), **opts)
