"""The parallel CPU kernels against the NumPy reference: every model, every
option, awkward shapes, chunking, threads, and bad input."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron import _checks
from refneuron.errors import (
    BackendUnavailable,
    InputError,
    InputTypeError,
    InsufficientMemory,
    NonFiniteStateWarning,
    OptionError,
    ParameterError,
    ShapeError,
)

from .. import _oracle
from ._cases import USES_EXP, adex_cases, analog_output_uses_libm, all_cases, inputs_for, izhikevich_cases, leaky_cases, norse_cases, per_neuron
from ._compare import assert_same_run

CASES = all_cases()
IDS = [c[0] for c in CASES]
MODELS = [c[1] for c in CASES]


def _first_of_each_kernel():
    """One configuration per kernel (the first case of each model class)."""
    seen = {}
    for name, model in CASES:
        seen.setdefault(model.name, (name, model))
    return list(seen.values())


KERNEL_REPS = _first_of_each_kernel()
REP_IDS = [c[0] for c in KERNEL_REPS]
REP_MODELS = [c[1] for c in KERNEL_REPS]
NEW_REPS = [c for c in KERNEL_REPS if c[1].name not in ("snntorch.Leaky", "canonical.Izhikevich", "canonical.AdEx")]


def _record_diff(model, ref, got, label):
    if model.name in USES_EXP and ref.states is not None:
        for k in ref.states:
            r, g = ref.states[k], got.states[k]
            fin = np.isfinite(r)
            r, g = np.where(fin, r, 0.0), np.where(fin, g, 0.0)
            scale = float(np.max(np.abs(r)))
            what = k
            if scale > 1e6:  # diverging states (norse encoder, quirk): report relative to their scale
                r, g, what = r / scale, g / scale, f"{k}/max|{k}|"
            _oracle.record(f"backend cpu vs numpy: {model.name} {what} ({label})", r, g, ref.output)
    if analog_output_uses_libm(model):
        _oracle.record(f"backend cpu vs numpy: {model.name} {model.act} output ({label})", ref.output, got.output)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_kernel_matches_reference(model):
    x = inputs_for(model, (300, 257))  # 257: not a multiple of any block size
    ref = rn.run(model, x)
    got = rn.run(model, x, backend="cpu")
    assert np.any(ref.output != 0)  # the comparison covers spikes (or analog outputs) and resets
    if model.name == "spikingjelly.LIAF":  # analog output: count the spikes through the charge
        from refneuron.models.spikingjelly import LIF

        twin = LIF(tau=model.tau, decay_input=model.decay_input, v_threshold=model.v_threshold, v_reset=model.v_reset)
        assert rn.run(twin, x).output.sum() > 0
        np.testing.assert_array_equal(rn.run(twin, x).states["v"], ref.states["v"])  # same charge and reset
    assert_same_run(model, ref, got)
    _record_diff(model, ref, got, "T=300, N=257")


@pytest.mark.parametrize("model", [leaky_cases()[0][1], izhikevich_cases()[0][1], adex_cases()[0][1]], ids=["Leaky", "Izhikevich", "AdEx"])
@pytest.mark.parametrize(
    "shape",
    [(50, 1), (60, 4099), (40, 3, 5, 7), "noncontiguous"],
    ids=["N=1", "N=4099", "3x5x7", "noncontiguous"],
)
def test_awkward_shapes(model, shape):
    _check_awkward_shape(model, shape)


@pytest.mark.parametrize("model", [c[1] for c in NEW_REPS], ids=[c[0] for c in NEW_REPS])
@pytest.mark.parametrize("shape", [(50, 1), (30, 4099), (20, 3, 5, 7), "noncontiguous"], ids=["N=1", "N=4099", "3x5x7", "noncontiguous"])
def test_awkward_shapes_every_kernel(model, shape):
    _check_awkward_shape(model, shape)


def _check_awkward_shape(model, shape):
    if shape == "noncontiguous":
        full = inputs_for(model, (80, 40, 6), seed=3)
        x = full[::2, :, ::3]  # strided in time and neurons
        assert not x.flags.c_contiguous
    else:
        x = inputs_for(model, shape, seed=2)
    ref = rn.run(model, x)
    got = rn.run(model, x, backend="cpu")
    assert got.output.shape == x.shape
    assert_same_run(model, ref, got)


@pytest.mark.parametrize(
    "model",
    [leaky_cases()[0][1], izhikevich_cases()[0][1], adex_cases()[0][1], norse_cases()[1][1]]
    + [m for m in REP_MODELS if m.name in ("snntorch.Alpha", "snntorch.Lapicque", "norse.LIFAdEx", "norse.LIFAdExCurrentEncoder", "norse.LSNN", "spikingjelly.Izhikevich")],
    ids=["Leaky", "Izhikevich", "AdEx", "norseLIF", "Alpha", "Lapicque", "sjIzhikevich", "norseLIFAdEx", "norseEncoder", "norseLSNN"],
)
def test_per_neuron_parameters_and_initial_state(model):
    shape = (4, 33)
    pm = per_neuron(model, shape)
    x = inputs_for(pm, (120, *shape), seed=4)
    names = pm.State.names()
    rng = np.random.default_rng(5)
    init = pm.initial_state(shape)
    state = {n: getattr(init, n) + rng.normal(0.0, 0.1, shape) for n in names}
    ref = rn.run(pm, x, state)
    got = rn.run(pm, x, state, backend="cpu")
    assert_same_run(pm, ref, got)


def _assert_record_modes_agree(model, x, backend):
    """record="output" and "final" give the output and final state of
    record="all", whose final state is its last recorded state; returns the
    record="all" result."""
    full = rn.run(model, x, backend=backend)
    out_only = rn.run(model, x, backend=backend, record="output")
    final = rn.run(model, x, backend=backend, record="final")
    assert out_only.states is None and final.output is None and final.states is None
    np.testing.assert_array_equal(out_only.output, full.output)
    for n in model.State.names():
        np.testing.assert_array_equal(getattr(out_only.final_state, n), getattr(full.final_state, n))
        np.testing.assert_array_equal(getattr(final.final_state, n), getattr(full.final_state, n))
        np.testing.assert_array_equal(getattr(full.final_state, n), full.states[n][-1])
    return full


# the kernel representatives of test_records_not_kept_change_nothing_else_every_kernel (record modes and option
# codes are compile-time constants: the same configurations compile once for the three tests)
@pytest.mark.parametrize("model", [leaky_cases()[0][1], izhikevich_cases()[0][1], adex_cases()[1][1]], ids=["Leaky", "Izhikevich", "AdEx"])
@pytest.mark.parametrize("backend", ["numpy", "cpu"])
def test_record_modes_and_spike_dtypes(model, backend):
    x = inputs_for(model, (100, 70), seed=6)
    full = _assert_record_modes_agree(model, x, backend)
    for dt in ("uint8", "bool"):
        r = rn.run(model, x, backend=backend, record="output", spike_dtype=dt)
        assert r.output.dtype == np.dtype(dt)
        np.testing.assert_array_equal(r.output.astype(np.float64), full.output)


@pytest.mark.parametrize("model", REP_MODELS, ids=REP_IDS)
def test_records_not_kept_change_nothing_else_every_kernel(model):
    """record="output" and "final" against "all", every kernel: the same
    output and final state.  (Each record mode compiles its own loop, with
    the stores of the records that are not kept removed; see
    refneuron.backends.cpu.)  N = 70 makes two blocks of unequal size."""
    _assert_record_modes_agree(model, inputs_for(model, (60, 70), seed=8), "cpu")


def test_block_size_rule():
    """The block rule (refneuron.backends.cpu.block_size), worked by hand for 2
    threads: k = ceil(N / (2 cap)) blocks per thread of ceil(N / 2k) neurons."""
    from refneuron.backends import cpu

    assert cpu.block_size(10_000, threads=2) == 5_000  # one block per thread: under either cap
    assert cpu.block_size(100_000, threads=2) == 12_500  # backward cap 16384: 4 blocks per thread
    assert cpu.block_size(100_000, threads=2, max_block=cpu.FORWARD_MAX_BLOCK) == 50_000
    assert cpu.block_size(1_000_000, threads=2) == 16_130  # 31 per thread: ceil(1e6 / 62)
    assert cpu.block_size(1_000_000, threads=2, max_block=cpu.FORWARD_MAX_BLOCK) == 250_000
    assert cpu.block_size(67, threads=2) == 64  # the minimum


@pytest.mark.parametrize("model", [leaky_cases()[0][1], izhikevich_cases()[0][1], adex_cases()[0][1]], ids=["Leaky", "Izhikevich", "AdEx"])
def test_forward_block_cap_changes_no_value(model, monkeypatch):
    """The forward kernels' block cap (cpu.FORWARD_MAX_BLOCK) at the 64-neuron
    minimum, so that 700 neurons make 11 blocks (ten of 64 and one of 60),
    against the default (one block per thread): the same records and final
    state bit for bit."""
    from refneuron.backends import cpu

    x = inputs_for(model, (40, 700), seed=3)
    whole = rn.run(model, x, backend="cpu", check_finite=False)
    monkeypatch.setattr(cpu, "FORWARD_MAX_BLOCK", 64)
    chosen, rule = [], cpu.block_size
    monkeypatch.setattr(cpu, "block_size", lambda *a, **k: chosen.append(rule(*a, **k)) or chosen[-1])
    small = rn.run(model, x, backend="cpu", check_finite=False)
    assert chosen == [64]  # the run's one chunk took the forward cap
    np.testing.assert_array_equal(small.output, whole.output)
    for n in model.State.names():
        np.testing.assert_array_equal(small.states[n], whole.states[n])
        np.testing.assert_array_equal(getattr(small.final_state, n), getattr(whole.final_state, n))


@pytest.mark.parametrize("model", [leaky_cases()[0][1], izhikevich_cases()[0][1], adex_cases()[0][1]], ids=["Leaky", "Izhikevich", "AdEx"])
@pytest.mark.parametrize("backend", ["numpy", "cpu"])
@pytest.mark.parametrize("record", ["all", "output", "final"])
def test_chunked_equals_unchunked(model, backend, record):
    _check_chunked(model, backend, record)


@pytest.mark.parametrize("model", [c[1] for c in NEW_REPS], ids=[c[0] for c in NEW_REPS])
def test_chunked_equals_unchunked_every_kernel(model):
    _check_chunked(model, "cpu", "all")


def _check_chunked(model, backend, record):
    x = inputs_for(model, (101, 3, 11), seed=7)
    whole = rn.run(model, x, backend=backend, record=record)
    for chunk in (1, 7, 100, 101, 500):
        part = rn.run(model, x, backend=backend, record=record, chunk_steps=chunk)
        if record != "final":
            np.testing.assert_array_equal(part.output, whole.output)
        if record == "all":
            for n in whole.states:
                np.testing.assert_array_equal(part.states[n], whole.states[n])
        for n in model.State.names():
            np.testing.assert_array_equal(getattr(part.final_state, n), getattr(whole.final_state, n))


@pytest.mark.parametrize("backend", ["numpy", "cpu"])
def test_out_buffers_are_filled_and_returned(backend):
    model = rn.canonical.Izhikevich()
    x = inputs_for(model, (64, 2, 9), seed=8)
    ref = rn.run(model, x)
    bufs = {"output": np.full(x.shape, 7, dtype=np.uint8), "v": np.full(x.shape, np.nan), "u": np.full(x.shape, np.nan)}
    got = rn.run(model, x, backend=backend, spike_dtype="uint8", out=bufs, chunk_steps=10)
    assert got.output is bufs["output"] and got.states["v"] is bufs["v"] and got.states["u"] is bufs["u"]
    np.testing.assert_array_equal(bufs["output"], ref.output)
    np.testing.assert_array_equal(bufs["v"], ref.states["v"])
    np.testing.assert_array_equal(bufs["u"], ref.states["u"])
    # a partial set: only the output given, the traces allocated
    part = rn.run(model, x, backend=backend, out={"output": np.empty(x.shape)})
    np.testing.assert_array_equal(part.states["u"], ref.states["u"])


def test_inputs_and_state_are_not_written():
    model = rn.canonical.AdEx()
    x = inputs_for(model, (30, 5))
    x_copy = x.copy()
    state = {"V": np.full(5, -65.0), "w": np.zeros(5)}
    rn.run(model, x, state, backend="cpu")
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(state["V"], -65.0)


def test_nonfinite_state_is_reported_like_the_reference():
    # Izhikevich, 2003 scheme, huge current: the second half step squares
    # v ~ 1e199 to inf, u follows, and the next reset 0*inf gives NaN (inputs stay finite)
    model = rn.canonical.Izhikevich(scheme="network2003")
    x = np.zeros((20, 3, 4))
    x[2:, 1, 2] = 1e200
    x[5:, 2, 0] = 1e200
    with pytest.warns(NonFiniteStateWarning), np.errstate(over="ignore", invalid="ignore"):
        ref = rn.run(model, x)  # NumPy's own overflow warnings silenced
    with pytest.warns(NonFiniteStateWarning) as rec:
        got = rn.run(model, x, backend="cpu", chunk_steps=3)
    assert ref.nonfinite is not None and got.nonfinite == ref.nonfinite
    assert str(ref.nonfinite[0]) in str(rec[0].message)
    np.testing.assert_array_equal(got.states["v"], ref.states["v"])  # inf/NaN in the same places


def test_threads_do_not_change_results(tmp_path):
    """NUMBA_NUM_THREADS=1 and 2 in separate processes give identical bytes."""
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, numpy as np, refneuron as rn\n"
        "from tests.backends._cases import all_cases, inputs_for\n"
        "h = hashlib.sha256()\n"
        "for name, m in all_cases()[::3]:\n"
        "    r = rn.run(m, inputs_for(m, (150, 5000), seed=9), backend='cpu')\n"
        "    h.update(r.output.tobytes())\n"
        "    [h.update(r.states[k].tobytes()) for k in r.states]\n"
        "import numba; print(numba.get_num_threads(), h.hexdigest())\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    digests = {}
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        res = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        n, digest = res.stdout.split()[-2:]
        assert n == threads
        digests[threads] = digest
    assert digests["1"] == digests["2"]


# --- bad input ------------------------------------------------------------------------


def test_bad_options():
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.zeros((5, 3))
    with pytest.raises(OptionError, match="spike_dtype"):
        rn.run(model, x, backend="cpu", spike_dtype="int16")
    with pytest.raises(OptionError, match="spike_dtype"):
        rn.run(model, x, backend="cpu", spike_dtype="not a dtype")
    with pytest.raises(OptionError, match="graded"):
        rn.run(rn.snntorch.Leaky(beta=0.9, graded_spikes_factor=0.5), x, backend="cpu", spike_dtype="uint8")
    with pytest.raises(ParameterError, match="chunk_steps"):
        rn.run(model, x, backend="cpu", chunk_steps=0)
    for bad in (1.5, True, "3"):
        with pytest.raises(InputTypeError, match="chunk_steps"):
            rn.run(model, x, backend="cpu", chunk_steps=bad)
    with pytest.raises(OptionError, match="backend"):
        rn.run(model, x, backend="gpu")


def _input_error(model, x, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is warned before the error
        with pytest.raises(InputError) as info:
            rn.run(model, x, **kw)
    return str(info.value)


@pytest.mark.parametrize("model", REP_MODELS, ids=REP_IDS)
def test_nonfinite_inputs_are_rejected_like_the_reference(model):
    # The CPU kernels test each input as they read it instead of scanning the
    # inputs first (run_chunk): the error must be the reference's, word for
    # word, wherever the bad value is (first or last step, last neuron of a
    # block remainder, in a later chunk) and whatever it is.
    shape = (9, 67)  # 67 neurons: blocks of 64 and 3 with block_size's minimum
    x = inputs_for(model, shape)
    for t, j, bad in ((0, 0, np.nan), (8, 66, np.inf), (5, 64, -np.inf), (3, 1, np.nan)):
        xb = x.copy()
        xb[t, j] = bad
        ref = _input_error(model, xb, backend="numpy")
        assert f"(t={t}, neuron=({j},))" in ref
        assert _input_error(model, xb, backend="cpu") == ref
        assert _input_error(model, xb, backend="cpu", chunk_steps=4) == ref
        assert _input_error(model, xb, backend="cpu", record="final") == ref
        assert _input_error(model, xb.astype(np.float32), backend="cpu") == _input_error(
            model, xb.astype(np.float32), backend="numpy"
        )


def test_nonfinite_inputs_multidimensional_and_strided():
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.zeros((6, 4, 5, 3))
    x[4, 2, 3, 1] = np.nan
    ref = _input_error(model, x, backend="numpy")
    assert "(t=4, neuron=(2, 3, 1))" in ref
    assert _input_error(model, x, backend="cpu") == ref
    xs = np.zeros((6, 4, 10, 3))[:, :, ::2]  # non-contiguous: the kernel reads a copy
    xs[1, 0, 4, 2] = -np.inf
    assert _input_error(model, xs, backend="cpu") == _input_error(model, xs, backend="numpy")


def test_nonfinite_inputs_with_out_buffers_leave_them_untouched():
    # with out= the inputs are scanned before the run, so the caller's buffers
    # are not written when the inputs are bad
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.full((5, 3), 0.7)
    x[4, 2] = np.nan
    buf = np.full((5, 3), -7.0)
    msg = _input_error(model, x, backend="cpu", out={"mem": buf})
    assert msg == _input_error(model, x, backend="numpy")
    assert np.all(buf == -7.0)


def test_nonfinite_inputs_propagate_without_check_finite():
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.full((5, 3), 0.2)
    x[2, 1] = np.nan
    with pytest.warns(NonFiniteStateWarning):
        ref = rn.run(model, x, backend="numpy", check_finite=False)
    with pytest.warns(NonFiniteStateWarning):
        got = rn.run(model, x, backend="cpu", check_finite=False)
    assert_same_run(model, ref, got)
    assert got.nonfinite == ref.nonfinite == (2, "mem", (1,))


def test_infinite_input_resets_like_the_reference():
    # AdEx: an infinite current makes V infinite and the spike's reset r*V_reset + (1 - r)*V
    # gives NaN (0*inf), in the kernel's step as in the reference (a select would reset to V_reset)
    model = rn.canonical.AdEx()
    x = np.full((6, 3), 500.0)
    x[2, 1] = np.inf
    with pytest.warns(NonFiniteStateWarning), np.errstate(invalid="ignore"):
        ref = rn.run(model, x, backend="numpy", check_finite=False)
    with pytest.warns(NonFiniteStateWarning):
        got = rn.run(model, x, backend="cpu", check_finite=False)
    assert np.isnan(ref.states["V"][2, 1])
    assert_same_run(model, ref, got)
    assert got.nonfinite == ref.nonfinite


def test_bad_out_buffers():
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.zeros((5, 3))
    with pytest.raises(ShapeError, match=r"out\['output'\]"):
        rn.run(model, x, backend="cpu", out={"output": np.empty((5, 4))})
    with pytest.raises(InputTypeError, match="dtype"):
        rn.run(model, x, backend="cpu", out={"output": np.empty((5, 3), dtype=np.float32)})
    with pytest.raises(OptionError, match="not recorded"):
        rn.run(model, x, backend="cpu", record="output", out={"mem": np.empty((5, 3))})
    with pytest.raises(InputError, match="contiguous"):
        rn.run(model, x, backend="cpu", out={"output": np.empty((5, 6))[:, ::2]})
    with pytest.raises(InputError, match="share memory"):
        buf = np.empty((5, 3))
        rn.run(model, buf, backend="cpu", check_finite=False, out={"output": buf})
    with pytest.raises(InputTypeError):
        rn.run(model, x, backend="cpu", out=[np.empty((5, 3))])


def test_inhibition_has_no_kernel():
    model = rn.snntorch.Leaky(beta=0.9, inhibition=True)
    with pytest.raises(BackendUnavailable, match="inhibition"):
        rn.run(model, np.zeros((4, 2, 3)), backend="cpu")


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="Linux /proc/meminfo")
def test_available_memory_is_memavailable():
    """The memory check reads MemAvailable (kB) from /proc/meminfo; compared with
    the line read here by other means, within what a few milliseconds of other
    processes' allocations can move it (64 MiB)."""
    with open("/proc/meminfo") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    number, unit = fields["MemAvailable"].split()
    assert unit == "kB"
    assert abs(_checks.available_memory_bytes() - 1024 * int(number)) < 64 * 2**20


def test_memory_check_counts_only_what_is_recorded(monkeypatch):
    # pretend 1 MiB is available: T*N = 1e4*1e3 float64 records need 80 MB per array
    monkeypatch.setattr(_checks, "available_memory_bytes", lambda: 2**20)
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.broadcast_to(np.float64(0.1), (10_000, 1_000))  # no memory behind it
    for record in ("all", "output"):
        with pytest.raises(InsufficientMemory, match="chunk_steps"):
            rn.run(model, x, backend="cpu", record=record)
    with pytest.raises(InsufficientMemory):
        rn.run(model, x, backend="cpu", record="output", spike_dtype="uint8")  # 10 MB of uint8
    # final state only: nothing of size T*N is allocated (the strided input is
    # copied for the kernel, so give a contiguous one that needs no copy)
    xc = np.full((200, 1_000), 0.1)
    res = rn.run(model, xc, backend="cpu", record="final")
    assert res.output is None
    # buffers supplied by the caller are not counted
    bufs = {"output": np.empty(xc.shape, dtype=np.uint8)}
    rn.run(model, xc, backend="cpu", record="output", spike_dtype="uint8", out=bufs)


def test_smoothed_models_have_no_kernel():
    for model in (rn.snntorch.Leaky(beta=0.9), rn.spikingjelly.LIF(), rn.norse.LSNN()):
        with pytest.raises(BackendUnavailable, match="smoothed"):
            rn.run(model.smoothed(), np.zeros((4, 3)), backend="cpu")


@pytest.mark.parametrize(
    "model",
    [rn.snntorch.Alpha(alpha=0.9, beta=0.8, inhibition=True), rn.snntorch.Lapicque(beta=0.9, inhibition=True)],
    ids=["Alpha", "Lapicque"],
)
def test_snntorch_inhibition_has_no_kernel(model):
    with pytest.raises(BackendUnavailable, match="inhibition"):
        rn.run(model, np.zeros((4, 2, 3)), backend="cpu")


def test_spikingjelly_analog_spikes_have_no_kernel():
    from refneuron.surrogates import Sigmoid

    for cls in (rn.spikingjelly.EIF, rn.spikingjelly.KLIF, rn.spikingjelly.LIAF):
        model = cls(surrogate_function=Sigmoid(spiking=False))
        with pytest.raises(BackendUnavailable, match="spiking=False"):
            rn.run(model, np.zeros((4, 3)), backend="cpu")


def test_nonfinite_exp_overflow_is_reported_like_the_reference():
    # spikingjelly EIF, soft reset: a large input carries v far above theta_rh,
    # exp overflows to inf, h - inf -> NaN the step after (reproduced, reported)
    model = rn.spikingjelly.EIF(v_reset=None)
    x = np.zeros((12, 2, 3))
    x[3:, 1, 2] = 2000.0
    with pytest.warns(NonFiniteStateWarning), np.errstate(over="ignore", invalid="ignore"):
        ref = rn.run(model, x)
    with pytest.warns(NonFiniteStateWarning):
        got = rn.run(model, x, backend="cpu", chunk_steps=5)
    assert ref.nonfinite is not None and got.nonfinite == ref.nonfinite
    np.testing.assert_array_equal(got.states["v"], ref.states["v"])


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_leaky_per_neuron_graded_spikes_immediate_reset(reset):
    # per-neuron g with the scalar threshold 0.7 (not a float32 value) under
    # float32_spikes and reset_delay=False: snntorch's D = S - R is float64
    # there, so the immediate reset subtracts the exact 0.7 while the delayed
    # one subtracts float32(0.7); the kernel must keep the two apart (a single
    # threshold gave 7.9e-8 differences in the membrane)
    g = np.linspace(0.5, 2.0, 57)
    model = rn.snntorch.Leaky(beta=0.9, threshold=0.7, graded_spikes_factor=g, reset_delay=False, reset_mechanism=reset)
    x = inputs_for(model, (200, 57), seed=14)
    ref = rn.run(model, x)
    assert ref.output.sum() > 0
    assert_same_run(model, ref, rn.run(model, x, backend="cpu"))


@pytest.mark.parametrize(
    "g", [1.0, np.ones(57), np.r_[np.ones(56), 0.5], 0.5], ids=["scalar 1", "ones", "one neuron 0.5", "scalar 0.5"]
)
def test_leaky_spike_factor_of_exactly_one_is_a_constant_in_the_kernel(g):
    # specs._leaky_params sets graded=False when every g is exactly 1, and the kernels
    # then multiply the spike by the constant 1.0 instead of g: the values must not change
    from refneuron.backends.specs import spec_for

    model = rn.snntorch.Leaky(beta=0.9, threshold=0.7, graded_spikes_factor=g)
    graded = spec_for(model).params(model, (57,))[-1]
    assert graded is (not np.all(np.asarray(g) == 1.0))
    x = inputs_for(model, (200, 57), seed=15)
    ref = rn.run(model, x)
    assert ref.output.sum() > 0
    assert_same_run(model, ref, rn.run(model, x, backend="cpu"))
    if not graded:
        got = rn.run(model, x, backend="cpu", spike_dtype="uint8")
        np.testing.assert_array_equal(got.output, ref.output.astype(np.uint8))
        np.testing.assert_array_equal(got.states["mem"], ref.states["mem"])
