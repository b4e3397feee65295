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


def test_bool_spikes_use_the_uint8_version():
    """A bool output record reaches the kernel as a uint8 view of its memory
    (0/1, the same bytes), so the two 0/1 dtypes share one compiled version."""
    from numba.core import types

    from refneuron.backends import cpu

    x = np.random.default_rng(8).normal(0.3, 0.5, (20, 11))
    model = rn.snntorch.Leaky(beta=0.8)
    ref, got = _run_all(model, x, spike_dtype="bool")
    assert got.output.dtype == np.bool_ and np.array_equal(ref.output, got.output)
    out_types = {sig[2] for sig in cpu.leaky.overloads}  # (x, S, out, ...)
    assert types.Array(types.uint8, 2, "C") in out_types
    assert not any(isinstance(t, types.Array) and t.dtype == types.boolean for t in out_types)


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


def _arrays_of_every_kind():
    """Arrays that differ in each thing a Numba array type is made of."""
    base = np.arange(48.0).reshape(6, 8)
    ro = base.copy()
    ro.setflags(write=False)
    raw = np.zeros(8 * 49 + 1, dtype=np.uint8)
    misaligned = raw[1:].view(np.float64).reshape(7, 7)  # not 8-byte aligned
    return [
        base,  # C
        np.asfortranarray(base),  # F
        base[:, ::2],  # neither (layout A)
        base[:, :1],  # a column: C and F at once
        ro,  # read-only
        np.broadcast_to(base[:1], (6, 8)),  # zero stride, read-only
        misaligned,
        base.reshape(-1),  # 1-D
        base.reshape(2, 3, 8),  # 3-D
        base.astype(np.uint8),
        base.astype(bool),
        base.astype(np.int64),
        np.empty((5, 0)),  # a record that is not kept
        np.float64(1.5),
        np.int64(3),
        np.bool_(True),
        1.5,
        2,
        True,
    ]


def test_the_argument_key_separates_what_numba_types_separate():
    """call_kernel caches entry points by a cheap key read from each
    argument (:func:`refneuron.backends._jit._arg_key`).  Two arguments with
    the same key must have the same Numba type (else a cached entry point
    could be called with data of another layout or dtype); the Python
    int/bool option codes are also told apart by value."""
    from numba import typeof

    from refneuron.backends._jit import _arg_key

    items = _arrays_of_every_kind()
    assert not items[6].flags.aligned
    for a in items:
        for b in items:
            if _arg_key(a) == _arg_key(b):
                assert typeof(a) == typeof(b), (a, b)
    assert _arg_key(2) != _arg_key(3)
    assert _arg_key(True) != _arg_key(False)
    assert _arg_key(1) != _arg_key(True)
