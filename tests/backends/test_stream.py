"""Streaming stores of the CPU forward kernels (refneuron.backends._stream).

A call streams its kept float64 records only when every row segment a block
writes starts on a 64-byte boundary (a misaligned vector streaming store
faults) and the records are large (:data:`cpu.STREAM_MIN_BYTES`).  Here the
size threshold is lowered so that small runs stream, and every kernel must
give the same bits with and without streaming; the conditions are tested
one by one, and the assembly must hold the streaming stores and the fence.
"""

from __future__ import annotations

import platform
import re

import numba
import numpy as np
import pytest

import refneuron as rn
from refneuron import buffers
from refneuron.backends import _stream, cpu, specs

from ._cases import all_cases, inputs_for

X86 = platform.machine().lower() in ("x86_64", "amd64")
pytestmark = pytest.mark.skipif(not X86, reason="only x86-64 kernels stream")

#: cpu.STREAM as the module set it, before the fixture below
DEFAULT_STREAM = cpu.STREAM


def _one_case_per_kernel():
    seen = {}
    for name, model in all_cases():
        spec = specs.spec_for(model)
        if spec.kernel is not None and spec.runner is None and spec.unsupported(model) is None:
            seen.setdefault(spec.kernel, (name, model))
    return seen


@pytest.fixture(autouse=True)
def _streaming_allowed(monkeypatch):
    """These tests check the mechanism on any x86-64 CPU, whatever this one's default
    (:data:`cpu.STREAM`, :func:`_stream.pays`)."""
    monkeypatch.setattr(cpu, "STREAM", True)


def test_the_default_is_where_streaming_pays():
    import llvmlite.binding as llvm
    from numba.core import config

    assert DEFAULT_STREAM == _stream.pays()
    if config.CPU_NAME is None and config.CPU_FEATURES is None:
        # the host's own feature list, read independently of _vector.has_avx512
        assert _stream.pays() == ("+avx512f" in llvm.get_host_cpu_features().flatten().split(","))


def test_no_avx512_named_means_no_streaming(monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2,+fma")
    assert not _stream.pays()
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2,+avx512f")
    assert _stream.pays()
    monkeypatch.setattr(config, "CPU_FEATURES", None)
    monkeypatch.setattr(config, "CPU_NAME", "generic")
    assert not _stream.pays()


CASES = _one_case_per_kernel()
KERNELS = sorted(CASES)

#: kernels with one, two and three streamed records: tested on every x86-64 CPU.  Every
#: other kernel is tested where streaming is the default (_stream.pays: AVX-512); on
#: other CPUs no call streams unless cpu.STREAM is set, and compiling the streaming
#: variant of all 36 kernels there would double this file's share of the suite's time
REPRESENTATIVE = ("leaky", "synaptic", "alpha", "adex")


def _kernels_to_test(kernels):
    return [
        k if k in REPRESENTATIVE or DEFAULT_STREAM
        else pytest.param(k, marks=pytest.mark.skip(reason="streaming is off by default on this CPU "
                                                       "(no AVX-512); tested here on " + ", ".join(REPRESENTATIVE)))
        for k in kernels
    ]


def test_every_forward_kernel_is_covered():
    """The cases reach every kernel of cpu.py that takes ``stream``."""
    import inspect

    takes = {n for n, f in vars(cpu).items()
             if hasattr(f, "py_func") and "stream" in inspect.signature(f.py_func).parameters}  # fmt: skip
    assert len(takes) == 18
    assert set(KERNELS) == takes


def _spy(monkeypatch):
    """Record what :func:`cpu._streams` decides in each call."""
    seen = []
    real = cpu._streams

    def spy(kept, block):
        seen.append(real(kept, block))
        return seen[-1]

    monkeypatch.setattr(cpu, "_streams", spy)
    return seen


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint64) if a.dtype == np.float64 else a


def _same_run(a, b, what):
    for x, y, part in ((a.output, b.output, "output"), *((a.states[k], b.states[k], k) for k in (a.states or {}))):
        if x is None:
            assert y is None
            continue
        assert x.shape == y.shape and x.dtype == y.dtype, f"{what} {part}"
        assert np.array_equal(_bits(x), _bits(y)), f"{what} {part}: streaming changed a value"
    for name in type(a.final_state).names():
        assert np.array_equal(_bits(getattr(a.final_state, name)), _bits(getattr(b.final_state, name))), what


@pytest.mark.parametrize("kernel", _kernels_to_test(KERNELS))
def test_streaming_gives_the_same_bits(kernel, monkeypatch):
    name, model = CASES[kernel]
    # N = 200 on 2 threads: blocks of 104 and 96 neurons (multiples of 8: every block starts on a line)
    x = inputs_for(model, (9, 200), seed=21)
    sdt = "uint8" if specs.binary_output(model) else "float64"
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    seen = _spy(monkeypatch)
    runs = {}
    for flag in (False, True):
        monkeypatch.setattr(cpu, "STREAM", flag)
        runs[flag] = rn.run(model, x, backend="cpu", spike_dtype=sdt)
        assert seen[-1] is flag, f"{name}: streaming {'not ' if flag else ''}used"
    _same_run(runs[False], runs[True], name)
    # and a float64 0/1 output alone (record="output"; two kernels, each mode compiles anew)
    if kernel in ("leaky", "adex"):
        a = rn.run(model, x, backend="cpu", record="output")
        assert seen[-1] is True
        monkeypatch.setattr(cpu, "STREAM", False)
        b = rn.run(model, x, backend="cpu", record="output")
        assert np.array_equal(a.output, b.output), name


def test_streaming_chunked_and_multidimensional(monkeypatch):
    model = rn.canonical.AdEx()
    x = inputs_for(model, (23, 4, 30), seed=22)  # 120 neurons: two blocks of 64 and 56
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    seen = _spy(monkeypatch)
    streamed = rn.run(model, x, backend="cpu", chunk_steps=5)
    assert seen and all(seen)
    monkeypatch.setattr(cpu, "STREAM", False)
    plain = rn.run(model, x, backend="cpu")
    _same_run(plain, streamed, "AdEx chunked")


def _aligned(shape):
    a = buffers.empty(shape)
    a[...] = 0.0
    return a


def test_what_streams():
    big = cpu.STREAM_MIN_BYTES // 8  # float64 elements in the threshold
    T, N = big // 64 + 1, 64
    tr = _aligned((T, N))
    spikes = np.zeros((T, N), dtype=np.uint8)
    assert tr.ctypes.data % 64 == 0
    assert cpu._streams([spikes, tr], None)
    assert cpu._streams([tr], 128)
    # a block that does not start every block on a line
    assert not cpu._streams([tr], 100)
    # too small
    assert not cpu._streams([tr[:10]], None)
    # nothing float64 kept
    assert not cpu._streams([spikes], None)
    # a row length that is no multiple of 64 bytes (N % 8 != 0)
    odd = buffers.empty((T, N + 4))
    assert not cpu._streams([odd], None)
    # an address off the line
    raw = buffers.empty((T * N + 8,))
    shifted = raw[1 : 1 + T * N].reshape(T, N)
    assert shifted.ctypes.data % 64 == 8
    assert not cpu._streams([shifted], None)
    assert not cpu._streams([tr, shifted], None)  # one misaligned record stops the lot
    # not contiguous
    wide = buffers.empty((T, 2 * N))
    assert not cpu._streams([wide[:, :N]], None)


def test_misaligned_caller_buffers_are_written_without_streaming(monkeypatch):
    model = rn.snntorch.Leaky(beta=0.9)
    x = inputs_for(model, (11, 64), seed=23)
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    seen = _spy(monkeypatch)
    raw = np.zeros(11 * 64 + 8)
    off = (-raw.ctypes.data % 64) // 8 + 1  # one element past a line
    mem = raw[off : off + 11 * 64].reshape(11, 64)
    got = rn.run(model, x, backend="cpu", out={"output": np.empty((11, 64)), "mem": mem}, check_finite=False)
    assert seen == [False]
    ref = rn.run(model, x, backend="numpy")
    np.testing.assert_array_equal(got.states["mem"], ref.states["mem"])
    np.testing.assert_array_equal(got.output, ref.output)


@pytest.mark.parametrize("shape", [(3,), (1000, 7), (2**21 + 3,)])
def test_buffers_are_line_aligned(shape):
    for dtype in (np.float64, np.uint8):
        a = buffers.empty(shape, dtype)
        assert a.ctypes.data % buffers.ALIGN == 0
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable


def test_the_kernel_holds_streaming_stores_and_the_fence(monkeypatch):
    """Compiled anew (inspection needs a kernel that was not loaded from the cache)."""
    original = cpu.leaky
    options = {k: v for k, v in original.targetoptions.items() if k != "nopython"}
    options["cache"] = False
    twin = numba.njit(**options)(original.py_func)
    monkeypatch.setattr(cpu, "leaky", twin)
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    model = rn.snntorch.Leaky(beta=0.9)
    x = inputs_for(model, (5, 128), seed=24)
    rn.run(model, x, backend="cpu", spike_dtype="uint8")
    asm = "\n".join(twin.inspect_asm().values())
    # a vector streaming store of the membrane trace (packed: the loop was vectorised) and the fence
    assert re.search(r"\bv?movntpd\b", asm), "no vector streaming store"
    assert re.search(r"\bsfence\b", asm), "no sfence"


# --- the backward kernels stream the input gradient where STREAM_GRADIENT says so ---------


def test_backward_does_not_stream_by_default(monkeypatch):
    """The input gradient is written with ordinary stores unless
    ``cpu_vjp.STREAM_GRADIENT`` is set (the cpu_vjp docstring says why),
    even where the forward records are streamed."""
    from refneuron import gradients
    from refneuron.backends import cpu_vjp

    assert cpu_vjp.STREAM_GRADIENT is False
    model = rn.snntorch.Leaky(beta=0.9)
    x = inputs_for(model, (9, 200), seed=27)
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(cpu, "STREAM", True)
    seen = _spy(monkeypatch)
    gradients.vjp(model, x, {"output": np.ones(x.shape)}, backend="cpu")
    assert seen[-1] is False
    monkeypatch.setattr(cpu_vjp, "STREAM_GRADIENT", True)
    gradients.vjp(model, x, {"output": np.ones(x.shape)}, backend="cpu")
    assert seen[-1] is _stream.available()


def _one_backward_case_per_kernel():
    from refneuron.backends import vjp

    seen = {}
    for name, model in all_cases():
        bspec = vjp.BACKWARD.get(model.name)
        if bspec is not None and bspec.kernel in CASES:  # the recurrent models have kernels of their own
            seen.setdefault(bspec.kernel, (name, model))
    return seen


BACKWARD_CASES = _one_backward_case_per_kernel()


def test_every_backward_kernel_is_covered():
    import inspect

    from refneuron.backends import cpu_vjp

    takes = {n for n, f in vars(cpu_vjp).items()
             if hasattr(f, "py_func") and "stream" in inspect.signature(f.py_func).parameters}  # fmt: skip
    assert len(takes) == 18
    assert set(BACKWARD_CASES) == takes


@pytest.mark.parametrize("kernel", _kernels_to_test(sorted(BACKWARD_CASES)))
def test_backward_streaming_gives_the_same_bits(kernel, monkeypatch):
    from refneuron import gradients
    from refneuron.backends import cpu_vjp

    name, model = BACKWARD_CASES[kernel]
    x = inputs_for(model, (9, 200), seed=25)
    rng = np.random.default_rng(26)
    # upstream on the output and the first state, as tests/backends/test_backward.py
    # gives it, so that the kernel without streaming is the one that file compiles
    up = {nm: rng.normal(size=x.shape) for nm in ("output", *model.State.names()[:1])}
    monkeypatch.setattr(cpu, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(cpu_vjp, "STREAM_GRADIENT", True)
    seen = _spy(monkeypatch)
    grads = {}
    for flag in (False, True):
        monkeypatch.setattr(cpu, "STREAM", flag)
        grads[flag] = gradients.vjp(model, x, up, backend="cpu")
        assert seen[-1] is flag, f"{name}: streaming {'not ' if flag else ''}used"
    a, b = grads[False], grads[True]
    assert np.array_equal(_bits(a.inputs), _bits(b.inputs)), f"{name}: streaming changed the input gradient"
    for k in a.params:
        assert np.array_equal(_bits(a.params[k]), _bits(b.params[k])), f"{name} gradient of {k}"
    for k in a.initial_state:
        assert np.array_equal(_bits(a.initial_state[k]), _bits(b.initial_state[k])), f"{name} initial {k}"
