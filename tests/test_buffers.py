"""refneuron.buffers: records reused between calls, never while still viewed."""

import gc
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import refneuron as rn
from refneuron import buffers
from refneuron.errors import InputError, ParameterError


@pytest.fixture(autouse=True)
def _empty_pool():
    buffers.release()
    old = buffers.max_bytes()
    yield
    buffers.set_max_bytes(old)
    buffers.release()


SHAPE = (buffers.MIN_BYTES // 8 // 1000 + 1, 1000)  # just above the pooling threshold


def test_small_requests_are_not_pooled():
    a = buffers.empty((10, 10))
    assert a.shape == (10, 10) and a.dtype == np.float64 and a.flags.c_contiguous
    assert a.ctypes.data % buffers.ALIGN == 0
    assert buffers.pooled_bytes() == 0


def test_buffer_is_reused_only_when_no_view_is_alive():
    a = buffers.empty(SHAPE)
    first = id(a.base)  # an id, not a reference: a reference would keep the buffer in use
    a[:] = 1.0
    view = a[5:, ::2]  # a view of the view keeps the buffer in use
    del a
    b = buffers.empty(SHAPE)
    assert id(b.base) != first, "a buffer still viewed by a live array was handed out again"
    assert np.all(view == 1.0)
    del view, b
    c = buffers.empty(SHAPE)
    assert id(c.base) == first  # the first idle buffer of the right size is reused
    assert buffers.pooled_bytes() == 2 * c.base.nbytes
    del c


def test_dtype_shape_layout():
    a = buffers.empty(SHAPE, np.uint8)
    assert a.shape == SHAPE and a.dtype == np.uint8 and a.flags.c_contiguous and a.flags.writeable
    b = buffers.empty((3,) + SHAPE, np.float64)
    assert b.shape == (3,) + SHAPE and b.flags.c_contiguous


def test_capacity_and_release():
    buffers.set_max_bytes(0)
    a = buffers.empty(SHAPE)
    assert buffers.pooled_bytes() == 0 and a.ctypes.data % buffers.ALIGN == 0  # pooling off: an ordinary array
    buffers.set_max_bytes(10 * buffers.MIN_BYTES)
    b = buffers.empty(SHAPE)
    # the pooled buffer: the request and room to start on a line
    assert buffers.pooled_bytes() == b.base.nbytes == b.nbytes + buffers.ALIGN
    del b
    assert buffers.idle_bytes() > 0
    buffers.release()
    assert buffers.pooled_bytes() == 0


def test_full_pool_falls_back_to_plain_allocation():
    buffers.set_max_bytes(int(1.5 * (8 * SHAPE[0] * SHAPE[1] + buffers.ALIGN)))  # room for one
    a = buffers.empty(SHAPE)
    b = buffers.empty(SHAPE)  # no room while ``a`` is in use
    assert buffers.pooled_bytes() == a.base.nbytes  # only ``a`` is pooled
    assert b.base is not a.base and b.ctypes.data % buffers.ALIGN == 0


def test_pool_keeps_at_most_max_buffers(monkeypatch):
    monkeypatch.setattr(buffers, "MAX_BUFFERS", 3)
    held = [buffers.empty(SHAPE) for _ in range(3)]
    extra = buffers.empty(SHAPE)  # three buffers in use: an ordinary allocation
    assert len(buffers._buffers) == 3 and not any(extra.base is b for b in buffers._buffers)
    oldest, second = weakref.ref(held[0].base), weakref.ref(held[1].base)  # no reference held
    del held[0], held[0]  # the two oldest become idle
    bigger = buffers.empty((3 * SHAPE[0], SHAPE[1]))  # fits no idle buffer: the oldest idle one makes room
    assert len(buffers._buffers) == 3
    assert oldest() is None, "the oldest idle buffer was kept"
    assert second() is not None and any(second() is b for b in buffers._buffers)
    assert any(bigger.base is b for b in buffers._buffers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="minor page faults counted by getrusage on Linux")
def test_repeated_runs_do_not_page_fault_records():
    """Records of 2 MiB (T = 256, N = 1024) come from the pool on repeated
    calls, in a fresh process where glibc would hand each call fresh pages
    (about 1000 minor faults per call for the two records when only requests of
    16 MiB and more were pooled; see refneuron.buffers)."""
    code = textwrap.dedent(
        """
        import resource
        import numpy as np
        import refneuron as rn
        model = rn.snntorch.Leaky(beta=0.9)
        x = np.random.default_rng(0).normal(0.3, 0.5, (256, 1024))
        rn.run(model, x, backend="numpy")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(10):
            r = rn.run(model, x, backend="numpy")
            del r
        print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    faults_per_call = float(done.stdout.split()[-1])
    # one record alone is 512 pages of 4 KiB; the Python work of a call faults a few at most
    assert faults_per_call < 32, faults_per_call


def test_repeated_cpu_runs_do_not_page_fault():
    """The CPU backend's working arrays come from the pool too: the state the
    kernel updates, its first-bad-step record and the final state's arrays
    (T = 8, N = 65536: 608 minor faults per call in a fresh process when only
    the records were pooled, 0 with all of them; see refneuron.simulate._run_cpu)."""
    code = textwrap.dedent(
        """
        import resource
        import numpy as np
        import refneuron as rn
        model = rn.snntorch.Leaky(beta=0.9)
        x = np.random.default_rng(0).normal(0.3, 0.5, (8, 65536))
        for _ in range(2):
            rn.run(model, x, backend="cpu", spike_dtype="uint8")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(10):
            r = rn.run(model, x, backend="cpu", spike_dtype="uint8")
            del r
        print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    faults_per_call = float(done.stdout.split()[-1])
    # the state alone is 128 pages of 4 KiB, the first-bad-step record 256
    assert faults_per_call < 32, faults_per_call


def _at_page_offset(shape, offset):
    """A float64 array of ``shape`` whose data start ``offset`` bytes into a page."""
    raw = np.empty(8 * int(np.prod(shape)) + 2 * buffers.PAGE, dtype=np.uint8)
    start = (offset - raw.ctypes.data) % buffers.PAGE
    return raw[start : start + 8 * int(np.prod(shape))].view(np.float64).reshape(shape)


@pytest.mark.parametrize(
    "offset, expected",
    # the offset rounded up to a line, plus half a page, within a page
    [(0, 2048), (16, 2112), (64, 2112), (2047, 0), (2048, 0), (2112, 64), (4088, 2048)],
)
def test_page_offset_away_from(offset, expected):
    assert buffers.page_offset_away_from(_at_page_offset((4,), offset)) == expected % buffers.PAGE


def test_away_from_must_be_an_array():
    with pytest.raises(TypeError, match="away_from: must be a NumPy array"):
        buffers.empty((4,), away_from=[1.0, 2.0])


@pytest.mark.parametrize("shape", [(10, 10), SHAPE])  # not pooled, pooled
@pytest.mark.parametrize("offset", [16, 2112, 4088])
def test_empty_away_from_places_the_data(shape, offset):
    x = _at_page_offset(shape, offset)
    for _ in range(2):  # a new buffer, then (pooled) the same one again
        a = buffers.empty(shape, np.uint8, away_from=x)
        assert a.shape == shape and a.flags.c_contiguous and a.flags.writeable
        assert a.ctypes.data % buffers.PAGE == buffers.page_offset_away_from(x)
        assert a.ctypes.data % buffers.ALIGN == 0
        a[...] = 7  # the whole array lies in its buffer
        del a


@pytest.mark.parametrize("backend", ["numpy", "cpu"])
def test_records_lie_half_a_page_from_the_inputs(backend):
    """``run`` and ``gradients.vjp`` place their records away from the inputs within
    a page (``refneuron.buffers``, "4 KiB aliasing"): for inputs 16 bytes into a
    page (NumPy's large arrays), 2112 bytes in."""
    from refneuron import gradients

    model = rn.canonical.Izhikevich()
    shape = (SHAPE[0], 2 * SHAPE[1])
    x = _at_page_offset(shape, 16)
    x[...] = np.random.default_rng(5).normal(10.0, 5.0, shape)
    r = rn.run(model, x, backend=backend, spike_dtype="uint8")
    for a in (r.output, *r.states.values()):
        assert a.ctypes.data % buffers.PAGE == 2112
    g = gradients.vjp(model, x, {"output": np.ones(shape)}, backend=backend)
    if backend == "cpu":  # the NumPy reference's arrays are not the kernel's records
        assert g.inputs.ctypes.data % buffers.PAGE == 2112
        assert g.forward.output.ctypes.data % buffers.PAGE == 2112
    # a non-contiguous input: the kernel reads a contiguous copy, and the records lie away from it
    wide = _at_page_offset((shape[0], 2 * shape[1]), 16)
    wide[...] = np.repeat(x, 2, axis=1)
    r2 = rn.run(model, wide[:, ::2], backend=backend, spike_dtype="uint8")
    assert r2.states["v"].ctypes.data % buffers.ALIGN == 0
    assert np.array_equal(r2.states["v"], r.states["v"])


def test_set_max_bytes_validates():
    with pytest.raises(ParameterError, match="n_bytes"):
        buffers.set_max_bytes(-1)
    with pytest.raises(Exception, match="n_bytes"):
        buffers.set_max_bytes(1.5)


@pytest.mark.parametrize("backend", ["numpy", "cpu"])
def test_run_results_survive_later_runs(backend):
    """Records of an earlier run keep their values while a later run reuses
    the pool (the earlier result is alive, so its buffers are not reused)."""
    model = rn.snntorch.Leaky(beta=0.9)
    rng = np.random.default_rng(3)
    n = SHAPE[1] * 2
    x1 = rng.normal(0.3, 0.5, (SHAPE[0], n))
    x2 = rng.normal(0.3, 0.5, (SHAPE[0], n))
    r1 = rn.run(model, x1, backend=backend)
    keep = r1.states["mem"].copy()
    r2 = rn.run(model, x2, backend=backend)
    assert np.array_equal(r1.states["mem"], keep)
    assert not np.shares_memory(r1.states["mem"], r2.states["mem"])
    del r1
    gc.collect()
    r3 = rn.run(model, x1, backend=backend)  # reuses r1's buffers: same values as a fresh run
    assert np.array_equal(r3.states["mem"], keep)


def test_kernel_call_keeps_no_reference_to_the_records():
    """A compiled run leaves its buffers idle once its result is dropped,
    without waiting for the garbage collector (Numba's literal dispatch
    used to keep the arguments in a reference cycle)."""
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.random.default_rng(4).normal(0.3, 0.5, (SHAPE[0], SHAPE[1] * 2))
    for _ in range(3):
        r = rn.run(model, x, backend="cpu", spike_dtype="uint8")
        del r
        assert buffers.idle_bytes() == buffers.pooled_bytes() > 0
