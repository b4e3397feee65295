"""Hand-derived backward passes of the norse models against norse 1.1.0's own
autograd, in float64.

Every case: random scalar or per-neuron parameters, a random initial state,
inputs that make the neurons fire often (at least 5% of neuron-steps), and
random upstream gradients on the output and on every state trace.  Compared:
the gradient of the inputs, of every initial state variable and of every
learnable parameter (every float field of norse's parameter NamedTuple, and
both weight matrices of the recurrent steps).  Each method of norse's
``threshold`` runs on each model; shapes, dt, autapses and scalar/per-neuron
parameters vary across cases.

Tolerance: 1e-10 relative to the largest |gradient| of each array.  Both sides
run the same float64 forward (the spikes are checked equal) and evaluate the
same chain rule; only the association order of the adjoint sums differs
(e.g. autograd adds the reset and spike paths in its own order, and BLAS sums
the recurrent products in its own order), so each step adds a few ulp and the
40-step recursion (per-step gains of order 1) keeps the result within about
1e-13 relative (measured: at most 3.2e-14, for parameter gradients, which
sum over all neurons and steps; printed in the summary).  A wrong or
missing term of the chain rule changes the result by far more than 1e-10 of
the largest entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.gradients import vjp

from ..._oracle import record
from ._autograd import norse_grads
from ._cases import METHODS, NAMES, make_case

RTOL = 1e-10  # see the module docstring
CASES = [(name, method, k) for name in NAMES for k, method in enumerate(METHODS)]


def _check(key, ref, got, spikes=None):
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"{key}: shape {got.shape} != {ref.shape}"
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    scale = scale if scale > 0 else 1.0  # all-zero reference (heaviside): compare absolutely
    err = record(f"grad {key}", ref / scale, got / scale, spikes)
    assert err <= RTOL, f"{key}: max relative error {err:.3e}"


@pytest.mark.frameworks
@pytest.mark.parametrize("per_neuron", [False, True], ids=["scalar", "per_neuron"])
@pytest.mark.parametrize("name,method,k", CASES)
def test_vjp_equals_norse_autograd(name, method, k, per_neuron):
    model, x, state, upstream = make_case(name, method, k, per_neuron, T=40 if "Encoder" not in name else 12)
    g = vjp(model, x, upstream, state)
    ref = norse_grads(model, x, state, upstream)
    z = g.forward.output
    np.testing.assert_array_equal(z, ref["output"])  # the same forward, spike for spike
    assert z.sum() >= 0.05 * z.size, f"inputs must make the neurons fire ({z.sum()} spikes)"
    _check(f"{model.name} input", ref["inputs"], g.inputs, z)
    for n in model.State.names():
        _check(f"{model.name} state {n}", ref["initial_state"][n], g.initial_state[n])
    assert set(g.params) == set(ref["params"])  # every learnable parameter of norse, and only those
    for p in ref["params"]:
        _check(f"{model.name} param {p}", ref["params"][p], g.params[p])
