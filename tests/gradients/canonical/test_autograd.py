"""Hand-derived backward passes of canonical.Izhikevich and canonical.AdEx
against torch autograd of an independent float64 re-statement of the same
discrete updates (``_autograd.py``), with the same surrogate and the same
``detach_reset``.

Every case fires many times (counts asserted), carries upstream gradients on
the output and on both state traces (loss = sum(w_y S) + sum(w_1 Z1) +
sum(w_2 Z2) with random weights), and compares the gradients of the inputs,
the initial state and every learnable parameter (scalar and per-neuron).

Tolerance: ``grad_rtol(n)`` = 10 n u of the largest |gradient| of each array,
n = T x neurons (tests/_oracle.py, with the derivation).  Both sides evaluate
the same expressions in float64 (the forwards agree: spikes exactly, states
bitwise for Izhikevich and to a few ulp for AdEx, asserted, see FORWARD_REL),
so they differ only by the rounding of the adjoint sums (autograd adds the
contributions of a node in graph order, the hand recursion in its own order)
and, for AdEx, by a possible 1-ulp difference between torch.exp and
numpy.exp.  Measured: at most 7.5e-14 (Izhikevich d; AdEx 6.1e-14, V_T),
printed at the end of pytest ("grad canonical.*", with the fraction of the
tolerance used, "err/tol"); a missing or wrong adjoint term would be of the
order of the gradient itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import refneuron as rn
from refneuron.gradients import vjp
from refneuron.surrogates.norse import SuperSpike
from refneuron.surrogates.snntorch import ATan
from refneuron.surrogates.spikingjelly import Sigmoid

from ..._oracle import grad_rtol, record, record_used

pytestmark = pytest.mark.frameworks

# without the 'frameworks' extra the whole module is skipped at collection (the conftest's
# skip of items marked 'frameworks' cannot reach a module whose import fails)
torch = pytest.importorskip("torch")

from ._autograd import ADEX_PARAMS, IZH_PARAMS, adex_torch, izhikevich_torch  # noqa: E402  (needs torch)

# The forward guard (the gradients must be compared along the same trajectory).
# Izhikevich: the torch oracle performs the same + - * / in the same order, each correctly
# rounded in IEEE float64 on any CPU (separate torch kernels, no exp, nothing fused), so the
# traces must be bitwise equal (measured: identical in all 12 cases).
# AdEx: torch.exp and numpy.exp are each within 1 ulp, so they may differ by 2 ulp of the
# exponential term.  On a recorded (sub-peak or reset) step that term's contribution
# dt g_L Delta_T e^.../C_m is at most of the size of the trace, so each step injects
# <= 2 u |V|max (u = 1.1e-16); the leak damps it below the upstroke, and on the few upstroke
# steps before a spike it grows until the reset sets both sides to the same V_reset exactly;
# w picks it up only through a dt/tau_w factor.  FORWARD_REL = 1e-14 relative to the
# trace's max |value| (~45 u) covers that growth over a few steps and is 1e5 times tighter
# than a different trajectory would need.  Measured: max |diff| / max|V| = 2.2e-16
# (1.4e-14 mV, one ulp of 68 mV), w identical (printed as "fwd canonical.AdEx").
FORWARD_REL = 1e-14

SURROGATES = [ATan(), Sigmoid(alpha=0.5), SuperSpike()]


def _rel(ref, got):
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    assert ref.shape == got.shape, (ref.shape, got.shape)
    scale = float(np.max(np.abs(ref)))
    diff = float(np.max(np.abs(ref - got)))
    return diff / scale if scale > 0 else diff, scale


def _check(key, ref, got, n, spikes=None):
    rel, scale = _rel(ref, got)
    tol = grad_rtol(n)  # n = T x neurons
    record(key, 0.0, rel, spikes=spikes)  # the recorded "max |diff|" is the relative error
    record_used(key, rel, tol)
    assert rel <= tol, f"{key}: max rel err {rel:.3e} > {tol:.1e} (scale {scale:.3e})"
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
    # the two forwards must be the same trajectory (see FORWARD_REL)
    np.testing.assert_array_equal(S.detach().numpy(), fwd.output)
    for n, Z in zip(state_names, (Z1, Z2)):
        z, ref = Z.detach().numpy(), fwd.states[n]
        if name == "canonical.Izhikevich":
            np.testing.assert_array_equal(z, ref, err_msg=f"{name} {n}: the torch forward differs")
        else:
            scale = float(np.max(np.abs(ref)))
            record(f"fwd {name} {n} (rel. to max|{n}|)", z / scale, ref / scale)
            np.testing.assert_allclose(z, ref, rtol=0, atol=FORWARD_REL * scale, err_msg=f"{name} {n}")
    loss = (torch.from_numpy(up["output"]) * S).sum()
    for n, Z in zip(state_names, (Z1, Z2)):
        loss = loss + (torch.from_numpy(up[n]) * Z).sum()
    leaves = [xt, z1, z2] + [p[n] for n in param_names]
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    g = {n: (t if t is not None else torch.zeros_like(leaf)) for n, t, leaf in zip(["x", *state_names, *param_names], grads, leaves)}

    n = fwd.output.size
    scale = _check(f"grad {name} input", g["x"].numpy(), got.inputs, n, spikes=fwd.output)
    assert scale > 0
    for v in state_names:
        _check(f"grad {name} initial {v}", g[v].numpy(), got.initial_state[v], n)
    for p in param_names:
        ref = g[p].numpy()
        mine = np.asarray(got.params[p], dtype=np.float64).reshape(ref.shape)
        _check(f"grad {name} param {p}", ref, mine, n)
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
