"""Hand-derived backward passes of canonical.Izhikevich and canonical.AdEx
against torch autograd of an independent float64 re-statement of the same
discrete updates (``_autograd.py``), with the same surrogate and the same
``detach_reset``.

Every case fires many times (counts asserted), carries upstream gradients on
the output and on both state traces (loss = sum(w_y S) + sum(w_1 Z1) +
sum(w_2 Z2) with random weights), and compares the gradients of the inputs,
the initial state and every learnable parameter (scalar and per-neuron).

Tolerance: REL_TOL = 1e-10 of the largest |gradient| of each array.  Both
sides evaluate the same expressions in float64 (the forwards agree: spikes
exactly, states to a few ulp — asserted), so they differ only by the
rounding of the adjoint sums (autograd adds the contributions of a node in
graph order, the hand recursion in its own order) and, for AdEx, by a
possible 1-ulp difference between torch.exp and numpy.exp.  Each of the
T <= 500 steps adds O(u) = 1.1e-16 relative error to the gradient it
carries, so the accumulated error is about T u kappa with kappa the growth
of the backward recursion relative to the largest gradient; 1e-10 allows
kappa ~ 1e3 and is still six orders below the size of any missing or wrong
adjoint term (which would be of the order of the gradient itself).
Measured maxima are printed at the end of pytest ("grad canonical.*").
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import refneuron as rn
from refneuron.gradients import vjp
from refneuron.surrogates.norse import SuperSpike
from refneuron.surrogates.snntorch import ATan
from refneuron.surrogates.spikingjelly import Sigmoid

from ..._oracle import record
from ._autograd import ADEX_PARAMS, IZH_PARAMS, adex_torch, izhikevich_torch

REL_TOL = 1e-10

SURROGATES = [ATan(), Sigmoid(alpha=0.5), SuperSpike()]


def _rel(ref, got):
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    assert ref.shape == got.shape, (ref.shape, got.shape)
    scale = float(np.max(np.abs(ref)))
    diff = float(np.max(np.abs(ref - got)))
    return diff / scale if scale > 0 else diff, scale


def _check(key, ref, got, spikes=None):
    rel, scale = _rel(ref, got)
    record(key, 0.0, rel, spikes=spikes)  # the recorded "max |diff|" is the relative error
    assert rel <= REL_TOL, f"{key}: max rel err {rel:.3e} > {REL_TOL:.0e} (scale {scale:.3e})"
    return scale


def _compare(name, model, x, state0, state_names, torch_run, param_names, rng):
    T = x.shape[0]
    fwd = model.run(x, state0, record="all")
    shape = fwd.output.shape[1:]
    up = {"output": rng.normal(size=(T, *shape))}
    for n in state_names:
        up[n] = rng.normal(size=(T, *shape))
    got = vjp(model, x, up, state0)

    p, xt, z1, z2, S, Z1, Z2 = torch_run(model, x, state0[state_names[0]], state0[state_names[1]])
    # the two forwards must be the same trajectory
    np.testing.assert_array_equal(S.detach().numpy(), fwd.output)
    for n, Z in zip(state_names, (Z1, Z2)):
        np.testing.assert_allclose(Z.detach().numpy(), fwd.states[n], rtol=1e-12, atol=1e-9)
    loss = (torch.from_numpy(up["output"]) * S).sum()
    for n, Z in zip(state_names, (Z1, Z2)):
        loss = loss + (torch.from_numpy(up[n]) * Z).sum()
    leaves = [xt, z1, z2] + [p[n] for n in param_names]
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    g = {n: (t if t is not None else torch.zeros_like(leaf)) for n, t, leaf in zip(["x", *state_names, *param_names], grads, leaves)}

    scale = _check(f"grad {name} input", g["x"].numpy(), got.inputs, spikes=fwd.output)
    assert scale > 0
    for n in state_names:
        _check(f"grad {name} initial {n}", g[n].numpy(), got.initial_state[n])
    for n in param_names:
        ref = g[n].numpy()
        mine = np.asarray(got.params[n], dtype=np.float64).reshape(ref.shape)
        _check(f"grad {name} param {n}", ref, mine)
    return int(fwd.output.sum())


# --- Izhikevich ----------------------------------------------------------------------

IZH_CASES = [
    (scheme, rule, detach)
    for scheme in ("figure2004", "network2003", "euler")
    for rule in ("standard", "accommodation")
    for detach in (False, True)
]


@pytest.mark.parametrize("scheme,rule,detach", IZH_CASES)
def test_izhikevich_matches_autograd(scheme, rule, detach):
    k = IZH_CASES.index((scheme, rule, detach))
    rng = np.random.default_rng(100 + k)
    shape = [(7,), (3, 4), (2, 2, 3)][k % 3]
    n = int(np.prod(shape))
    kw = dict(scheme=scheme, u_rule=rule, detach_reset=detach, surrogate=SURROGATES[k % 3], dt=0.25)
    if rule == "accommodation":
        kw.update(a=0.02, b=1.0, c=-55.0, d=4.0)  # 2004 panel R
    if k % 2 == 1:  # per-neuron parameters
        kw.update(
            a=rng.uniform(0.01, 0.1, size=shape),
            d=rng.uniform(0.5, 8.0, size=shape),
            c=rng.uniform(-68.0, -50.0, size=shape[-1:]),  # broadcast over the last axis
            p1=rng.uniform(4.8, 5.2, size=shape),
        )
    model = rn.canonical.Izhikevich(**kw)
    T = 300
    hi = 60.0 if rule == "accommodation" else 25.0  # u grows with v there: a stronger drive
    x = rng.uniform(2.0, hi, size=(T, *shape))
    state0 = {"v": rng.uniform(-72.0, -50.0, size=shape), "u": rng.uniform(-16.0, -8.0, size=shape)}
    spikes = _compare("canonical.Izhikevich", model, x, state0, ("v", "u"), izhikevich_torch, IZH_PARAMS, rng)
    assert spikes >= 3 * n, f"only {spikes} spikes for {n} neurons"


# --- AdEx ----------------------------------------------------------------------------

ADEX_CASES = [(detach, k) for detach in (False, True) for k in range(3)]


@pytest.mark.parametrize("detach,k", ADEX_CASES)
def test_adex_matches_autograd(detach, k):
    rng = np.random.default_rng(200 + 3 * detach + k)
    shape = [(5,), (2, 3), (4,)][k]
    n = int(np.prod(shape))
    kw = dict(detach_reset=detach, surrogate=SURROGATES[k])
    if k == 1:  # per-neuron parameters
        kw.update(
            a=rng.uniform(0.0, 8.0, size=shape),
            b=rng.uniform(0.0, 100.0, size=shape),
            tau_w=rng.uniform(30.0, 200.0, size=shape),
            V_reset=rng.uniform(-72.0, -48.0, size=shape[-1:]),
            Delta_T=rng.uniform(0.8, 3.0, size=shape),
        )
    if k == 2:  # a tamer cut-off (the crossing overshoots by mV, not 1e13 mV)
        kw.update(V_peak=-40.0)
    model = rn.canonical.AdEx(**kw)
    T = 500
    x = rng.uniform(800.0, 3000.0, size=(T, *shape))
    state0 = {"V": rng.uniform(-72.0, -55.0, size=shape), "w": rng.uniform(0.0, 100.0, size=shape)}
    spikes = _compare("canonical.AdEx", model, x, state0, ("V", "w"), adex_torch, ADEX_PARAMS, rng)
    assert spikes >= 3 * n, f"only {spikes} spikes for {n} neurons"
