"""call_kernel: the compiled version it calls directly is the dispatcher's own."""

import numpy as np
import pytest

import refneuron as rn

pytest.importorskip("numba")


def _run_all(model, x, **kw):
    ref = rn.run(model, x, backend="numpy", **kw)
    got = rn.run(model, x, backend="cpu", **kw)
    return ref, got


@pytest.mark.parametrize("spike_dtype", ["uint8", "bool", "float64", "uint8"])
def test_types_and_options_select_the_right_version(spike_dtype):
    """Alternating argument types and option codes in one process: each call
    must reach the version compiled for exactly those (a wrong entry point
    would misread memory or apply the wrong reset)."""
    rng = np.random.default_rng(5)
    x = rng.normal(0.3, 0.5, (50, 37))
    for reset in ("subtract", "zero", "none", "subtract"):
        model = rn.snntorch.Leaky(beta=0.8, reset_mechanism=reset)
        ref, got = _run_all(model, x, spike_dtype=spike_dtype)
        assert np.array_equal(ref.output, got.output)
        # bitwise: Leaky has no transcendental function (see test_cpu)
        assert np.array_equal(ref.states["mem"], got.states["mem"])


def test_read_only_and_broadcast_inputs():
    model = rn.spikingjelly.LIF(tau=2.0)
    x = np.random.default_rng(6).normal(0.6, 0.5, (40, 23))
    ro = x.copy()
    ro.setflags(write=False)
    ref, got = _run_all(model, ro)
    assert np.array_equal(ref.states["v"], got.states["v"])
    row = np.broadcast_to(x[:, :1], (40, 23))  # zero stride, read-only
    ref, got = _run_all(model, row)
    assert np.array_equal(ref.states["v"], got.states["v"])


def test_per_neuron_and_scalar_parameters_in_one_process():
    rng = np.random.default_rng(7)
    x = rng.normal(0.3, 0.5, (30, 16))
    for beta in (0.9, rng.uniform(0.5, 0.95, 16), 0.7):
        model = rn.snntorch.Leaky(beta=beta)
        ref, got = _run_all(model, x)
        assert np.array_equal(ref.states["mem"], got.states["mem"])
