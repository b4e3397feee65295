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

Tolerance: ``grad_rtol(n)`` = 10 n u relative to the largest |gradient| of
each array, n = T x neurons (tests/_oracle.py, with the derivation).  Both
sides run the same float64 forward (the spikes are checked equal) and
evaluate the same chain rule; only the association order of the adjoint sums
differs (e.g. autograd adds the reset and spike paths in its own order, and
BLAS sums the recurrent products in its own order).  Measured: at most
3.4e-14 (LIFAdEx delta_T), for parameter gradients, which sum over all
neurons and steps; printed in the summary, with the fraction of the
tolerance used ("err/tol").  A wrong or missing term of the chain rule
changes the result by the order of the largest entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.gradients import vjp

from ..._oracle import grad_rtol, record, record_used
from ._autograd import norse_grads
from ._cases import METHODS, NAMES, make_case

CASES = [(name, method, k) for name in NAMES for k, method in enumerate(METHODS)]


def _check(key, ref, got, n, spikes=None):
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"{key}: shape {got.shape} != {ref.shape}"
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    scale = scale if scale > 0 else 1.0  # all-zero reference (heaviside): compare absolutely
    err = record(f"grad {key}", ref / scale, got / scale, spikes)
    tol = grad_rtol(n)
    record_used(f"grad {key}", err, tol)
    assert err <= tol, f"{key}: max relative error {err:.3e} > {tol:.1e}"


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
    n = z.size  # T x neurons
    _check(f"{model.name} input", ref["inputs"], g.inputs, n, z)
    for v in model.State.names():
        _check(f"{model.name} state {v}", ref["initial_state"][v], g.initial_state[v], n)
    assert set(g.params) == set(ref["params"])  # every learnable parameter of norse, and only those
    for p in ref["params"]:
        _check(f"{model.name} param {p}", ref["params"][p], g.params[p], n)
