"""The recurrent norse models (LIFRecurrent, LIFAdExRecurrent, LSNNRecurrent)
on the compiled backends (refneuron/backends/recurrent.py, cuda_recurrent.py)
against the NumPy reference: forward and backward, shapes, options, threads,
chunks, refusals, and the CUDA forward and backward (against NumPy) under
the simulator.

Tolerance.  The kernels sum ``X_t W_in^T`` (one GEMM over many steps) and
``z_{t-1} W_rec^T`` (in index order) in another order than the reference's
per-step BLAS products.  Two orders of a sum of ``n`` terms differ by at most
about ``(n - 1) eps sum|terms|`` (eps = 2**-53 ~ 1.1e-16): with ``n <= 40``
here, ~4e-15 of the input scale per step.  The decays (factors <= 0.9 per
step) sum such perturbations to at most ~10 of them, and LIFAdEx's ``exp``
adds an ulp of its own (NumPy's vectorised against the compiled scalar
``exp``): ~1e-13 of the state scale at worst.  The bound below is 1e-12 of
each array's scale (its max |value|), ten times that; the measured values
are recorded (printed at the end of pytest): <= 4.5e-16 (LIFAdEx ``i``).  Gradients go
through the same recursion backward (upstream on every step, T <= 60) and
the weight gradients are sums of T x rows terms in GEMM order against the
reference's per-step einsum: same bound, 1e-12 of the scale (measured:
<= 4.1e-14 for the scalar parameter gradients, whose own value is a
cancelling sum over neurons and steps; <= 5.4e-15 for the input, weight and
initial-state gradients; <= 4.7e-16 for per-neuron parameter gradients).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

import refneuron as rn
from refneuron import gradients
from refneuron.errors import BackendUnavailable, InputError, NonFiniteStateWarning

from .. import _oracle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = {"LIFRecurrent": rn.norse.LIFRecurrent, "LIFAdExRecurrent": rn.norse.LIFAdExRecurrent,
           "LSNNRecurrent": rn.norse.LSNNRecurrent}  # fmt: skip
NAMES = list(CLASSES)

#: relative bound of every state and gradient, of each array's scale (module docstring)
REL = 1e-12


def make(name, n_in=7, n_out=37, seed=0, autapses=False, **kw):
    """A model with random weights: n_out = 37 is not a multiple of any block
    (blocks are >= 16 neurons; 37 = 2 x 16 + 5)."""
    rng = np.random.default_rng(seed)
    w_in = rng.normal(0.0, 2.0, (n_out, n_in))
    w_rec = rng.normal(0.0, 0.5, (n_out, n_out))
    return CLASSES[name](input_weights=w_in, recurrent_weights=w_rec, autapses=autapses, **kw)


def inputs(model, T, batch, seed=1):
    n_in = model.input_weights.shape[1]
    return np.random.default_rng(seed).normal(0.5, 3.0, (T, *batch, n_in))


def rel_diff(ref, got):
    """max |ref - got| over the scale max |ref| (0 for equal arrays)."""
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    diff = float(np.max(np.abs(ref - got))) if ref.size else 0.0
    return diff / scale if scale > 0 else diff


def assert_close_run(model, ref, got, label):
    np.testing.assert_array_equal(got.output, ref.output)  # spikes: identical
    assert np.any(ref.output != 0)  # the comparison covers spikes and resets
    for k in ref.states:
        d = rel_diff(ref.states[k], got.states[k])
        _oracle.record(f"recurrent cpu vs numpy, relative: {model.name} {k} ({label})", [d], [0.0])
        assert d <= REL, (k, d)
        assert rel_diff(getattr(ref.final_state, k), getattr(got.final_state, k)) <= REL


# --- forward ----------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)], ids=["()", "(3,)", "(2,2)"])
@pytest.mark.parametrize("autapses", [False, True], ids=["no-autapses", "autapses"])
@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_numpy(name, autapses, batch):
    model = make(name, autapses=autapses)
    x = inputs(model, 120, batch)
    ref = rn.run(model, x)
    got = rn.run(model, x, backend="cpu")
    assert got.output.shape == ref.output.shape == (120, *batch, 37)
    assert_close_run(model, ref, got, f"batch {batch}")


@pytest.mark.parametrize("name", NAMES)
def test_per_neuron_parameters_initial_state_and_noncontiguous_input(name):
    rng = np.random.default_rng(5)
    batch, n_out = (3,), 21
    per = {"v_th": rng.uniform(0.8, 1.2, (n_out,)), "tau_mem_inv": rng.uniform(80.0, 120.0, (*batch, n_out)),
           "v_leak": rng.uniform(-0.1, 0.1, (*batch, n_out))}  # fmt: skip
    model = make(name, n_out=n_out, **per)  # the parameter kinds of the backward test below
    big = inputs(model, 90, (6,), seed=6)
    x = big[:, ::2]  # non-contiguous (every other batch row)
    assert not x.flags.c_contiguous
    s0 = model.initial_state((*batch, n_out))
    state = {k: np.array(getattr(s0, k)) for k in model.State.names()}
    state["v"] = rng.uniform(-0.5, 0.9, (*batch, n_out))
    state["z"] = (rng.uniform(size=(*batch, n_out)) < 0.3) * 1.0  # spikes before the first step
    # uint8 spikes, as the backward's forward keeps them: with the parameter kinds, one kernel for both tests
    ref = rn.run(model, x, state, spike_dtype="uint8")
    got = rn.run(model, x, state, backend="cpu", spike_dtype="uint8")
    assert got.output.dtype == np.uint8
    assert_close_run(model, ref, got, "per-neuron, initial state, strided input")
    assert not np.shares_memory(got.states["v"], x)
    np.testing.assert_array_equal(x, big[:, ::2])  # the inputs are not written


@pytest.mark.parametrize("name", NAMES)
def test_records_spike_dtypes_out_and_chunks(name):
    model = make(name, n_out=19)
    x = inputs(model, 300, (2,))  # 300 > 256 steps: two input-projection segments
    full = rn.run(model, x, backend="cpu")
    for chunk in (1, 7, 256, 299):
        got = rn.run(model, x, backend="cpu", chunk_steps=chunk)
        np.testing.assert_array_equal(got.output, full.output)  # bitwise, not just close
        for k in full.states:
            assert got.states[k].tobytes() == full.states[k].tobytes(), (chunk, k)
    out = rn.run(model, x, backend="cpu", record="output", spike_dtype="uint8", chunk_steps=50)
    assert out.states is None and out.output.dtype == np.uint8
    np.testing.assert_array_equal(out.output, full.output)
    fin = rn.run(model, x, backend="cpu", record="final")
    assert fin.output is None and fin.states is None
    for k in full.states:
        assert getattr(fin.final_state, k).tobytes() == full.states[k][-1].tobytes()
    bufs = {"output": np.empty(full.output.shape, dtype=bool), "v": np.empty(full.output.shape)}
    r = rn.run(model, x, backend="cpu", spike_dtype="bool", out=bufs)
    assert r.output is bufs["output"] and r.states["v"] is bufs["v"]
    np.testing.assert_array_equal(bufs["output"], full.output.astype(bool))
    np.testing.assert_array_equal(bufs["v"], full.states["v"])


def test_nonfinite_is_reported_like_the_reference():
    # LIFAdEx with v_reset = 400: after the first spike exp((400 - 1) / 0.5) overflows
    # to inf, v* = inf fires and the reset 0 * inf gives NaN (as in norse); only the
    # driven row spikes.  The run reports the first (t, variable, neuron).
    model = make("LIFAdExRecurrent", n_out=9, n_in=3, v_reset=400.0)
    x = np.zeros((30, 2, 3))
    x[4:, 1, 0] = 50.0
    with pytest.warns(NonFiniteStateWarning), np.errstate(all="ignore"):
        ref = rn.run(model, x)
    with pytest.warns(NonFiniteStateWarning) as rec:
        got = rn.run(model, x, backend="cpu", chunk_steps=6)
    assert ref.nonfinite is not None and got.nonfinite == ref.nonfinite
    assert str(ref.nonfinite[0]) in str(rec[0].message)
    for k in ref.states:
        fin = np.isfinite(ref.states[k])
        np.testing.assert_array_equal(np.isfinite(got.states[k]), fin)  # inf/NaN in the same places
        assert rel_diff(np.where(fin, ref.states[k], 0.0), np.where(fin, got.states[k], 0.0)) <= REL


@pytest.mark.parametrize("name", NAMES)
def test_check_finite(name):
    model = make(name, n_out=6, n_in=3)
    x = inputs(model, 20, (2,))
    x[5, 1, 2] = np.nan
    with pytest.raises(InputError, match="t=5"):
        rn.run(model, x, backend="cpu")
    with pytest.warns(NonFiniteStateWarning), np.errstate(all="ignore"):
        ref = rn.run(model, x, check_finite=False)
    with pytest.warns(NonFiniteStateWarning):
        got = rn.run(model, x, backend="cpu", check_finite=False)
    assert got.nonfinite == ref.nonfinite and ref.nonfinite[0] == 5
    np.testing.assert_array_equal(got.output, ref.output)
    for k in ref.states:
        np.testing.assert_array_equal(np.isnan(got.states[k]), np.isnan(ref.states[k]))


def _digest_script():
    return (
        "import hashlib, numpy as np\n"
        "from refneuron import gradients, run\n"
        "from tests.backends.test_recurrent import NAMES, make, inputs\n"
        "import numba\n"
        "from refneuron.backends import recurrent\n"
        "recurrent.NEURON_PARALLEL_WORK = 0  # neuron blocks whenever rows < threads, even for small rows\n"
        "h = hashlib.sha256()\n"
        "for name in NAMES:\n"
        "    for batch in [(), (3,)]:\n"
        "        m = make(name, n_out=37)\n"
        "        x = inputs(m, 80, batch)\n"
        "        r = run(m, x, backend='cpu')\n"
        "        h.update(r.output.tobytes()); [h.update(r.states[k].tobytes()) for k in r.states]\n"
        "        up = {'output': np.cos(np.arange(r.output.size)).reshape(r.output.shape)}\n"
        "        g = gradients.vjp(m, x, up, backend='cpu')\n"
        "        h.update(g.inputs.tobytes()); [h.update(np.asarray(v).tobytes()) for v in g.params.values()]\n"
        "        [h.update(v.tobytes()) for v in g.initial_state.values()]\n"
        "print(numba.get_num_threads(), h.hexdigest())\n"
    )


def test_threads_do_not_change_results():
    """NUMBA_NUM_THREADS=1 and 2 in separate processes give identical bytes,
    forward and backward.  With one batch row, 2 threads run parallel over
    neuron blocks (forced for these small rows) and 1 thread over rows: both
    layouts are covered."""
    digests = {}
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        res = subprocess.run([sys.executable, "-c", _digest_script()], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=600)  # fmt: skip
        assert res.returncode == 0, res.stderr[-3000:]
        n, digest = res.stdout.split()[-2:]
        assert n == threads
        digests[threads] = digest
    assert digests["1"] == digests["2"]


def test_layouts_agree_in_process():
    """Parallel over rows and over neuron blocks (forced, any block size) give
    the same bytes: each neuron's arithmetic is the same scalar sequence."""
    from refneuron.backends import recurrent

    model = make("LSNNRecurrent", n_out=37)
    x = inputs(model, 60, (3,))
    base = rn.run(model, x, backend="cpu")
    orig = recurrent.layout
    try:
        for forced in [(True, 16), (False, 16), (False, 5), (False, 64)]:
            recurrent.layout = lambda rows, n_out, threads=None, f=forced: f
            got = rn.run(model, x, backend="cpu")
            for k in base.states:
                assert got.states[k].tobytes() == base.states[k].tobytes(), (forced, k)
            up = {"output": np.sin(np.arange(base.output.size)).reshape(base.output.shape)}
            g = gradients.vjp(model, x, up, backend="cpu")
            if forced == (True, 16):
                g0 = g
            else:
                assert g.inputs.tobytes() == g0.inputs.tobytes()
                for k in g.params:
                    assert np.asarray(g.params[k]).tobytes() == np.asarray(g0.params[k]).tobytes(), (forced, k)
    finally:
        recurrent.layout = orig


# --- backward ---------------------------------------------------------------------------


def _assert_close_grads(model, ref, got, label):
    assert type(got) is type(ref)
    assert list(got.params) == list(ref.params)  # same names, same order
    assert list(got.initial_state) == list(ref.initial_state)
    assert got.inputs.shape == ref.inputs.shape
    np.testing.assert_array_equal(got.forward.output, ref.forward.output)
    for k in ref.forward.states:
        assert rel_diff(ref.forward.states[k], got.forward.states[k]) <= REL
    pieces = {"inputs": (ref.inputs, got.inputs)}
    pieces.update({f"d{k}_0": (ref.initial_state[k], got.initial_state[k]) for k in ref.initial_state})
    pieces.update({k: (ref.params[k], got.params[k]) for k in ref.params})
    for key, (r, g) in pieces.items():
        assert np.shape(r) == np.shape(g), key
        d = rel_diff(r, g)
        _oracle.record(f"recurrent vjp cpu vs numpy, relative: {model.name} {key} ({label})", [d], [0.0])
        assert d <= REL, (key, d)


def _upstream(model, shape, seed, states=True):
    rng = np.random.default_rng(seed)
    up = {"output": rng.normal(size=shape)}
    if states:
        up.update({k: rng.normal(size=shape) for k in model.State.names()})
    return up


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)], ids=["()", "(3,)", "(2,2)"])
@pytest.mark.parametrize("autapses", [False, True], ids=["no-autapses", "autapses"])
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_numpy(name, autapses, batch):
    model = make(name, n_in=5, n_out=23, autapses=autapses)
    x = inputs(model, 60, batch, seed=2)
    up = _upstream(model, (60, *batch, 23), seed=3, states=batch != ())
    ref = gradients.vjp(model, x, up)
    got = gradients.vjp(model, x, up, backend="cpu")
    assert int(np.sum(ref.forward.output)) > 0
    if not autapses:
        assert np.all(np.diag(got.params["recurrent_weights"]) == 0.0)
    else:
        assert np.any(np.diag(got.params["recurrent_weights"]) != 0.0)
    _assert_close_grads(model, ref, got, f"batch {batch}")


@pytest.mark.parametrize("method", ["super", "heaviside"])
@pytest.mark.parametrize("name", NAMES)
def test_backward_per_neuron_initial_state_noncontiguous(name, method):
    rng = np.random.default_rng(8)
    batch, n_out = (2,), 13
    model = make(name, n_in=4, n_out=n_out, method=method, v_th=rng.uniform(0.8, 1.2, (n_out,)),
                 tau_mem_inv=rng.uniform(80.0, 120.0, (*batch, n_out)), v_leak=rng.uniform(-0.1, 0.1, (*batch, n_out)))  # fmt: skip
    x = inputs(model, 80, (4,), seed=9)[:, ::2]
    s0 = model.initial_state((*batch, n_out))
    state = {k: np.array(getattr(s0, k)) for k in model.State.names()}
    state["z"] = (rng.uniform(size=(*batch, n_out)) < 0.5) * 1.0
    state["i"] = rng.normal(size=(*batch, n_out))
    up = _upstream(model, (80, *batch, n_out), seed=10)
    ref = gradients.vjp(model, x, up, state)
    got = gradients.vjp(model, x, up, state, backend="cpu")
    assert got.params["v_th"].shape == (n_out,) and got.params["v_leak"].shape == (*batch, n_out)
    assert got.params["tau_mem_inv"].shape == (*batch, n_out)
    _assert_close_grads(model, ref, got, f"per-neuron, {method}")


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_refusals_name_the_reason(name):
    x = np.ones((4, 2, 3))
    up = {"output": np.ones((4, 2, 5))}
    with pytest.raises(BackendUnavailable, match="smoothed"):
        rn.run(make(name, n_in=3, n_out=5).smoothed(), x, backend="cpu")
    with pytest.raises(BackendUnavailable, match="smoothed"):
        gradients.vjp(make(name, n_in=3, n_out=5).smoothed(), x, up, backend="cpu")
    for method, cls in (("triangle", "Triangle"), ("tanh", "Tanh"), ("circ", "Circ")):
        model = make(name, n_in=3, n_out=5, method=method)
        rn.run(model, x, backend="cpu")  # the forward does not use the surrogate
        with pytest.raises(BackendUnavailable, match=f"{name}.*{cls}.*no compiled derivative"):
            gradients.vjp(model, x, up, backend="cpu")


def test_cuda_backward_is_refused():
    model = make("LIFRecurrent", n_in=3, n_out=5)
    with pytest.raises(BackendUnavailable, match="cuda"):
        gradients.vjp(model, np.ones((4, 3)), {"output": np.ones((4, 5))}, backend="cuda")


# --- CUDA forward under the simulator ---------------------------------------------------

_CUDASIM = r"""
import numpy as np, refneuron as rn
from numba import cuda
from refneuron import gradients
from refneuron.errors import BackendUnavailable
from tests.backends.test_recurrent import NAMES, make, inputs, rel_diff, REL
worst = 0.0
for name in NAMES:
    for batch, autapses in (((), False), ((2,), True)):
        m = make(name, n_in=3, n_out=7, autapses=autapses)
        x = inputs(m, 12, batch)
        ref = rn.run(m, x)
        got = rn.run(m, x, backend="cuda", chunk_steps=5)
        np.testing.assert_array_equal(got.output, ref.output)
        assert ref.output.sum() > 0
        for k in ref.states:
            d = rel_diff(ref.states[k], got.states[k])
            assert d <= REL, (name, k, d)
            worst = max(worst, d)
        fin = rn.run(m, x, backend="cuda", record="final")
        for k in ref.states:
            assert getattr(fin.final_state, k).tobytes() == getattr(got.final_state, k).tobytes()
        o8 = rn.run(m, x, backend="cuda", record="output", spike_dtype="uint8")
        np.testing.assert_array_equal(o8.output, ref.output)
        print("OK", name, batch)
m = make("LIFAdExRecurrent", n_in=3, n_out=4, v_reset=400.0)
x = np.zeros((10, 2, 3)); x[3:, 1, 0] = 50.0
import warnings
with warnings.catch_warnings(), np.errstate(all="ignore"):
    warnings.simplefilter("ignore")
    ref = rn.run(m, x)
    got = rn.run(m, x, backend="cuda", chunk_steps=4)
assert ref.nonfinite is not None and got.nonfinite == ref.nonfinite, (ref.nonfinite, got.nonfinite)
print("OK nonfinite")
print("OK refusals")  # device-array inputs: test_cuda_device_inputs_under_the_simulator
print("WORST", worst)
"""


@pytest.mark.cudasim
def test_cuda_forward_under_the_simulator():
    # NUMBA_ENABLE_CUDASIM must be set before numba is imported: a fresh process.  The
    # simulator runs the kernel's scalar sequence in Python (refneuron._math's NumPy
    # forms of exp), so it agrees with the reference as the CPU does (same bound).
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", _CUDASIM], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    oks = [ln for ln in res.stdout.splitlines() if ln.startswith("OK ")]
    assert len(oks) == 8, res.stdout
    worst = float([ln for ln in res.stdout.splitlines() if ln.startswith("WORST")][0].split()[1])
    _oracle.record("recurrent cuda-simulator vs numpy, relative: all states", [worst], [0.0])


# --- CUDA backward under the simulator --------------------------------------------------

_CUDASIM_BACKWARD = r"""
import numpy as np, refneuron as rn
from refneuron import gradients
from refneuron.errors import BackendUnavailable
from tests.backends.test_recurrent import NAMES, make, inputs, rel_diff, REL
worst = {}
for name in NAMES:
    for autapses in (False, True):
        rng = np.random.default_rng(4)
        kw = {"v_th": rng.uniform(0.8, 1.2, (7,))} if autapses else {}  # per-neuron parameter in one case
        m = make(name, n_in=5, n_out=7, autapses=autapses, **kw)
        x = inputs(m, 12, (2,), seed=2)
        s0 = m.initial_state((2, 7))
        state = {k: np.array(getattr(s0, k)) for k in m.State.names()}
        state["z"] = (rng.uniform(size=(2, 7)) < 0.5) * 1.0  # spikes before the first step
        state["i"] = rng.normal(size=(2, 7))
        up = {"output": rng.normal(size=(12, 2, 7)), **{k: rng.normal(size=(12, 2, 7)) for k in m.State.names()}}
        ref = gradients.vjp(m, x, up, state)
        got = gradients.vjp(m, x, up, state, backend="cuda")
        assert ref.forward.output.sum() > 0
        np.testing.assert_array_equal(got.forward.output, ref.forward.output)  # spikes identical
        assert list(got.params) == list(ref.params) and list(got.initial_state) == list(ref.initial_state)
        diag = np.diag(got.params["recurrent_weights"])
        assert np.all(diag == 0.0) if not autapses else np.any(diag != 0.0)
        pieces = {"inputs": (ref.inputs, got.inputs)}
        pieces.update({"forward " + k: (ref.forward.states[k], got.forward.states[k]) for k in ref.forward.states})
        pieces.update({"d%s_0" % k: (ref.initial_state[k], got.initial_state[k]) for k in ref.initial_state})
        pieces.update({k: (ref.params[k], got.params[k]) for k in ref.params})
        for key, (r, g) in pieces.items():
            assert np.shape(r) == np.shape(g), (name, key)
            d = rel_diff(r, g)
            assert d <= REL, (name, autapses, key, d)
            worst[name] = max(worst.get(name, 0.0), d)
        print("OK", name, autapses)
x = np.ones((4, 2, 3))
up = {"output": np.ones((4, 2, 5))}
for name in NAMES:
    try:
        gradients.vjp(make(name, n_in=3, n_out=5, method="triangle"), x, up, backend="cuda")
    except BackendUnavailable as exc:
        assert "Triangle" in str(exc) and "no compiled derivative" in str(exc), str(exc)
    else:
        raise AssertionError("cuda backward ran with a surrogate without compiled derivative")
    try:
        gradients.vjp(make(name, n_in=3, n_out=5).smoothed(), x, up, backend="cuda")
    except BackendUnavailable as exc:
        assert "smoothed" in str(exc), str(exc)
    else:
        raise AssertionError("cuda backward ran on a smoothed model")
    print("OK refusals", name)
for name in NAMES:
    print("WORST", name, worst[name])
"""


@pytest.mark.cudasim
def test_cuda_backward_under_the_simulator():
    """gradients.vjp(backend="cuda") against the NumPy reference for the three
    models (T = 12, batch (2,), n_in 5, n_out 7; upstream on the output and
    every state; initial spikes and current; autapses off, and on with a
    per-neuron threshold), and the refusals that remain.

    Bound: ``REL`` = 1e-12 of each array's scale, the module's bound for the
    compiled recurrent backends against NumPy.  The simulator runs each
    thread's scalar sequence in Python with the CPU kernels' IEEE float64
    operations in their order (the sum dL/dJ_{t+1} W_rec in increasing index
    from 0.0, where NumPy's reference multiplies by BLAS; the parameter sums in
    reverse time; the weight and input gradients through the host GEMMs of
    recurrent.gradients_from_tape), and LIFAdEx's ``exp`` is NumPy's there.
    Measured under the simulator: at most 2.7e-15 (LIFRecurrent; LSNN 1.2e-15,
    LIFAdEx 4.1e-16), printed at the end of pytest.  (The CPU backend is held
    to the same bound by test_backward_matches_numpy; comparing with NumPy
    here spares this process compiling the CPU kernels.)  On a GPU (FMA
    contraction, libdevice exp) agreement within round-off is expected, not
    measured here (no GPU)."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", _CUDASIM_BACKWARD], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    lines = res.stdout.splitlines()
    assert len([ln for ln in lines if ln.startswith("OK ")]) == 9, res.stdout
    for ln in lines:
        if ln.startswith("WORST"):
            _, name, d = ln.split()
            _oracle.record(f"recurrent vjp cuda-simulator vs numpy, relative: {name} (all gradients)", [float(d)], [0.0])


_CUDASIM_DEVICE = r"""
import numpy as np, refneuron as rn
from numba import cuda
from refneuron.errors import InputError, InputTypeError, ShapeError
from tests.backends.test_recurrent import NAMES, make, inputs
for name in NAMES:
    m = make(name, n_in=5, n_out=7, autapses=True)
    x = inputs(m, 12, (2,))
    host = rn.run(m, x, backend="cuda", chunk_steps=5)
    dev = rn.run(m, cuda.to_device(x), backend="cuda", chunk_steps=5)
    assert not isinstance(dev.output, np.ndarray) and not isinstance(dev.states["v"], np.ndarray)
    assert host.output.sum() > 0
    assert dev.output.copy_to_host().tobytes() == host.output.tobytes()
    for k in host.states:
        assert dev.states[k].copy_to_host().tobytes() == host.states[k].tobytes(), (name, k)
        assert getattr(dev.final_state, k).tobytes() == getattr(host.final_state, k).tobytes(), (name, k)
    o = {"output": cuda.device_array(host.output.shape, dtype=np.uint8)}
    r = rn.run(m, cuda.to_device(x), backend="cuda", record="output", spike_dtype="uint8", out=o)
    assert r.output is o["output"] and r.states is None
    np.testing.assert_array_equal(o["output"].copy_to_host(), host.output)
    print("OK", name)
bad = inputs(m, 12, (2,))
bad[3, 1, 2] = np.nan
for arr, err, text in (
    (bad, InputError, "t=3"),
    (np.ones((4, 2, 4)), ShapeError, "n_in = 5"),
    (np.ones((4, 2, 5), dtype=np.float32), InputTypeError, "float64"),
):
    try:
        rn.run(m, cuda.to_device(arr), backend="cuda")
    except err as exc:
        assert text in str(exc), str(exc)
    else:
        raise AssertionError("bad device input accepted")
print("OK bad inputs")
"""


@pytest.mark.cudasim
def test_cuda_device_inputs_under_the_simulator():
    """Device-array inputs of the recurrent models on backend="cuda": the input
    is copied to the host for the input-projection GEMM, so the results equal
    those of the same host input to the bit (asserted bytewise: spikes,
    states, final state; out= with device buffers); the records are device
    arrays; bad inputs raise the host path's errors."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", _CUDASIM_DEVICE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert len([ln for ln in res.stdout.splitlines() if ln.startswith("OK ")]) == 4, res.stdout
