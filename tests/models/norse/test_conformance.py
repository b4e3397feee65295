"""Randomised conformance of every refneuron norse model with norse 1.1.0 in
float64: functional steps and modules, several neuron shapes, scalar and
per-neuron parameters, random initial states, three dt values, inputs that
fire often.

Spikes must agree exactly.  States are compared with tests._oracle.STATE_ATOL
(1e-12 absolute): feed-forward models evaluate the same operations in the
same order as norse (np.exp and torch.exp give identical bits on this machine,
measured), so they agree bit for bit; the recurrent models' matrix products
sum in BLAS order rather than torch's, which gives differences of a few 1e-15
(measured max printed at the end of the run).
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

import refneuron as rn

from ..._oracle import assert_conform
from ._norse import RECURRENT, random_state, run_functional, run_module

FF_SHAPES = [(6,), (3, 5), (2, 3, 4)]
REC_SHAPES = [((4,), 5), ((3, 4), 5), ((2, 2, 3), 6)]  # (input item shape, n_out)
DTS = [0.001, 0.0005, 0.002]
MODES = ["scalar", "per_neuron"]
NAMES = [
    "norse.LIF",
    "norse.LIFRecurrent",
    "norse.LIFAdEx",
    "norse.LIFAdExRecurrent",
    "norse.LIFAdExCurrentEncoder",
    "norse.LSNN",
    "norse.LSNNRecurrent",
]
CASES = [(name, k, mode) for name in NAMES for k in range(3) for mode in MODES]


def _seed(*parts):
    return zlib.crc32(repr(parts).encode())


def _draw(rng, lo, hi, mode, neuron_shape, k):
    """A scalar, or per-neuron values of the full shape or of the last axis only (broadcast)."""
    if mode == "scalar":
        return float(rng.uniform(lo, hi))
    shape = neuron_shape if k % 2 == 0 else neuron_shape[-1:]
    return rng.uniform(lo, hi, size=shape)


def _params(name, mode, neuron_shape, dt, k, rng):
    d = lambda lo, hi: _draw(rng, lo, hi, mode, neuron_shape, k)  # noqa: E731
    p = dict(
        dt=dt,
        tau_mem_inv=d(0.05, 0.5) / dt,  # dt*tau_mem_inv in [0.05, 0.5]: stable, no warning
        v_th=d(0.9, 1.4),
        v_reset=d(-0.3, 0.3),
        # scalar v_leak on a 1/16 grid (float32-representable: norse's LIF module builds v0 in float32)
        v_leak=float(np.round(rng.uniform(-0.3, 0.2) * 16) / 16) if mode == "scalar" else d(-0.3, 0.2),
    )
    if name != "norse.LIFAdExCurrentEncoder":
        p["tau_syn_inv"] = d(0.05, 0.6) / dt
    if "AdEx" in name:
        p.update(delta_T=d(0.2, 1.0), adaptation_current=d(0.0, 5.0), adaptation_spike=d(0.0, 0.5))
        # the released encoder has no dt in its adaptation: tau_ada_inv is the per-step factor itself
        p["tau_ada_inv"] = d(0.3, 3.0) if "Encoder" in name else d(0.002, 0.3) / dt
    if "LSNN" in name:
        p.update(tau_adapt_inv=d(1e-4, 0.1) / dt, beta=d(0.1, 2.0))
    return p


def _case(name, k, mode):
    rng = np.random.default_rng(_seed(name, k, mode))
    dt = DTS[k]
    T = 25 if "Encoder" in name else 100  # the released encoder diverges (|a| ~ 1e8 after 25 steps)
    if name in RECURRENT:
        item, n_out = REC_SHAPES[k]
        n_in = item[-1]
        neuron_shape = (*item[:-1], n_out)
        p = _params(name, mode, neuron_shape, dt, k, rng)
        p["input_weights"] = rng.normal(0.6, 1.0, (n_out, n_in)) / np.sqrt(n_in)
        p["recurrent_weights"] = rng.normal(0.0, 1.5, (n_out, n_out)) / np.sqrt(n_out)
        p["autapses"] = bool(k % 2)
    else:
        neuron_shape = FF_SHAPES[k]
        item = neuron_shape
        p = _params(name, mode, neuron_shape, dt, k, rng)
    model = rn.registry.get(name)(**p)
    mean = {"LIF": 0.8, "AdE": 2.0, "LSN": 2.5}[name.split(".")[1][:3]]
    x = rng.normal(mean, 1.5, size=(T, *item))
    state = random_state(model, neuron_shape, rng)
    return model, x, state, neuron_shape


def _compare(key, model, res, z_ref, s_ref, *, relative=False):
    assert_conform(f"{key} spikes", z_ref, res.output, spikes=True)
    for n in model.State.names():
        ref, got = s_ref[n], res.states[n]
        if relative:  # diverging encoder states: compare relative to their size
            scale = np.maximum(1.0, np.abs(ref))
            ref, got = ref / scale, got / scale
        assert_conform(f"{key} {n}", ref, got)


@pytest.mark.frameworks
@pytest.mark.parametrize("name,k,mode", CASES)
def test_functional_and_module(name, k, mode):
    model, x, state, neuron_shape = _case(name, k, mode)
    res = model.run(x, state=state)
    n_spikes = res.output.sum()
    assert n_spikes >= 0.05 * res.output.size, f"inputs must make the neurons fire ({n_spikes} spikes)"
    enc = "Encoder" in name
    z_ref, s_ref = run_functional(model, x, state)
    _compare(f"{name} functional", model, res, z_ref, s_ref, relative=enc)
    if enc:
        return  # no norse module wraps lif_adex_current_encoder
    z_mod, s_mod = run_module(model, x, state)
    _compare(f"{name} module", model, res, z_mod, s_mod)
    if mode == "scalar":  # the module's own initial state
        z_def, s_def = run_module(model, x)
        _compare(f"{name} module default state", model, model.run(x), z_def, s_def)


@pytest.mark.parametrize("name", NAMES)
def test_step_equals_run(name):
    # Model.step (validated, one step) gives the same as run's first steps
    model, x, state, _ = _case(name, 0, "per_neuron")
    res = model.run(x[:3], state=state)
    st = state
    for t in range(3):
        z, st = model.step(st, x[t])
        np.testing.assert_array_equal(z, res.output[t])
        for n in model.State.names():
            np.testing.assert_array_equal(getattr(st, n), res.states[n][t])
    assert dataclasses.is_dataclass(st) and type(st) is model.State


@pytest.mark.frameworks
@pytest.mark.parametrize("name", [n for n in NAMES if n in RECURRENT])
@pytest.mark.parametrize("n_out,n_in", [(4, 0), (0, 3)], ids=["no inputs", "no neurons"])
def test_recurrent_without_inputs_or_neurons(name, n_out, n_in):
    # a net driven only by its recurrent weights (norse builds it: torch's empty
    # GEMMs give 0), and one with no neurons (bad-input row 14): the reference
    # agrees with norse's functional step and module as in the cases above
    rng = np.random.default_rng(_seed(name, n_out, n_in))
    model = rn.registry.get(name)(input_weights=rng.normal(0.0, 1.0, (n_out, n_in)),
                                  recurrent_weights=rng.normal(0.0, 0.6, (n_out, n_out)))  # fmt: skip
    x = rng.normal(0.0, 1.0, (30, 2, n_in))
    state = dataclasses.replace(model.initial_state((2, n_out)), v=rng.uniform(0.5, 1.5, (2, n_out)))
    res = model.run(x, state=state)
    assert res.output.shape == (30, 2, n_out)
    if n_out:
        assert res.output.any(), "the initial membranes above threshold must start the recurrent activity"
    _compare(f"{name} functional ({n_out} out, {n_in} in)", model, res, *run_functional(model, x, state))
    _compare(f"{name} module ({n_out} out, {n_in} in)", model, res, *run_module(model, x, state))
