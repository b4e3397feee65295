"""Bad-input row 14, ``N == 0``: correctly shaped empty results, without
warnings, on every backend, forward and backward; here for the recurrent norse
models, whose neuron count is ``batch x n_out`` and whose input size ``n_in``
may be 0 as well (a network driven only by its recurrent weights).

Before: every backend failed on these shapes (``reshape(-1, ...)`` of an empty
array, ``n // n_out``), and the CUDA host driver failed on any N == 0 run (a
zero-size copy; a GPU also refuses a launch of zero blocks).  The element-wise
models' N == 0 runs on NumPy are in the models' bad-input tests; here the CPU
backend's, which run no kernel.

Comparisons: the CPU kernels against the NumPy reference with the recurrent
tolerance of tests/backends/test_recurrent.py (the recurrent sum runs in
another order than BLAS): 1e-12 of each array's scale; spikes exactly.  With
n_out = 0 every array is empty and only shapes are compared.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron import gradients

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REL = 1e-12

MODELS = (rn.norse.LIFRecurrent, rn.norse.LIFAdExRecurrent, rn.norse.LSNNRecurrent)
SHAPES = ((0, 3), (4, 0), (0, 0))  # (n_out, n_in)


def _case(cls, n_out, n_in, batch):
    m = cls(input_weights=np.full((n_out, n_in), 0.5), recurrent_weights=np.full((n_out, n_out), 0.3))
    x = np.ones((6, *batch, n_in))
    # v above threshold (1.0): the n_in = 0 nets spike at once, then run on their recurrent input
    s0 = {k: np.full((*batch, n_out), 1.5 if k == "v" else 0.0) for k in m.State.names()}
    return m, x, s0


def _close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    assert np.all(np.abs(a - b) <= REL * scale), (a, b)


@pytest.mark.parametrize("n_out,n_in", SHAPES, ids=[f"out{o}-in{i}" for o, i in SHAPES])
@pytest.mark.parametrize("cls", MODELS, ids=[c.__name__ for c in MODELS])
def test_recurrent_without_neurons_or_inputs(cls, n_out, n_in):
    for batch in ((), (2,), (0,)):
        m, x, s0 = _case(cls, n_out, n_in, batch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ref = rn.run(m, x, state=s0)
            got = rn.run(m, x, state=s0, backend="cpu")
            up = {"output": np.ones(ref.output.shape), **{k: np.ones(ref.output.shape) for k in m.State.names()}}
            gref = gradients.vjp(m, x, up, s0)
            gcpu = gradients.vjp(m, x, up, s0, backend="cpu")
        assert ref.output.shape == (6, *batch, n_out)
        if n_out and batch != (0,):
            assert ref.output.any()  # the recurrent-only nets (n_in = 0) do spike
        np.testing.assert_array_equal(got.output, ref.output)
        for k in m.State.names():
            _close(got.states[k], ref.states[k])
            _close(gcpu.initial_state[k], gref.initial_state[k])
        assert gref.inputs.shape == x.shape
        _close(gcpu.inputs, gref.inputs)
        assert gref.params["input_weights"].shape == (n_out, n_in)
        assert gref.params["recurrent_weights"].shape == (n_out, n_out)
        for k in gref.params:
            _close(gcpu.params[k], gref.params[k])


def _elementwise_models():
    from ._cases import all_cases

    seen = {}
    for _, m in all_cases():
        seen.setdefault(m.name, m)
    return list(seen.values())


@pytest.mark.parametrize("model", _elementwise_models(), ids=lambda m: m.name)
def test_elementwise_without_neurons(model):
    # the reference's N == 0 run is in the models' bad-input tests; here the CPU
    # backend, forward and backward, gives the same empty shapes without
    # compiling a kernel (there is nothing to compute)
    for shape in ((5, 0), (5, 3, 0)):
        x = np.ones(shape)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ref = rn.run(model, x)
            got = rn.run(model, x, backend="cpu")
            up = {"output": np.ones(shape)}
            gref = gradients.vjp(model, x, up)
            gcpu = gradients.vjp(model, x, up, backend="cpu")
        assert got.output.shape == ref.output.shape == shape and got.output.dtype == ref.output.dtype
        for k in model.State.names():
            assert got.states[k].shape == shape and getattr(got.final_state, k).shape == shape[1:]
        assert gcpu.inputs.shape == gref.inputs.shape == shape
        assert set(gcpu.params) == set(gref.params)
        for k in gref.params:
            assert np.shape(gcpu.params[k]) == np.shape(gref.params[k])
            np.testing.assert_array_equal(gcpu.params[k], gref.params[k])  # sums over no neurons: 0


_CUDASIM = r"""
import warnings
import numpy as np, refneuron as rn
from numba import cuda
from refneuron import gradients
from tests.backends.test_empty import MODELS, SHAPES, _case, _close
warnings.simplefilter("error")
for m, x in ((rn.snntorch.Leaky(beta=0.9), np.ones((6, 0))), (rn.canonical.AdEx(), np.ones((6, 3, 0)))):
    ref = rn.run(m, x)
    for got in (rn.run(m, x, backend="cuda"), rn.run(m, cuda.to_device(x), backend="cuda")):
        out = got.output if isinstance(got.output, np.ndarray) else got.output.copy_to_host()
        assert out.shape == ref.output.shape and out.dtype == ref.output.dtype
        assert got.final_state.V.shape == x.shape[1:] if hasattr(got.final_state, "V") else True
    g = gradients.vjp(m, x, {"output": np.ones(x.shape)}, backend="cuda")
    assert g.inputs.shape == x.shape
    print("OK", m.name, x.shape)
for cls in MODELS:
    for n_out, n_in in SHAPES:
        for batch in ((), (2,), (0,)):
            m, x, s0 = _case(cls, n_out, n_in, batch)
            ref = rn.run(m, x, state=s0)
            got = rn.run(m, x, state=s0, backend="cuda")
            dev = rn.run(m, cuda.to_device(x), state=s0, backend="cuda")
            np.testing.assert_array_equal(got.output, ref.output)
            np.testing.assert_array_equal(dev.output.copy_to_host(), ref.output)
            for k in m.State.names():
                _close(got.states[k], ref.states[k])
            up = {"output": np.ones(ref.output.shape)}
            gref, gcuda = gradients.vjp(m, x, up, s0), gradients.vjp(m, x, up, s0, backend="cuda")
            _close(gcuda.inputs, gref.inputs)
            for k in gref.params:
                _close(gcuda.params[k], gref.params[k])
            print("OK", cls.__name__, n_out, n_in, batch)
"""


@pytest.mark.cudasim
def test_cuda_without_neurons_under_the_simulator():
    # the simulator runs each thread in Python; it checks the drivers' shapes and
    # copies, not a GPU's launch rules (a launch of zero blocks is avoided by
    # construction: cuda._grid gives at least one block)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", _CUDASIM], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert len([ln for ln in r.stdout.splitlines() if ln.startswith("OK ")]) == 2 + len(MODELS) * len(SHAPES) * 3
