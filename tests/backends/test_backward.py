"""Compiled backward passes (gradients.vjp with backend="cpu"/"cuda") against
the NumPy reference loop over ``_vjp_step``.

Tolerances: the kernels call the models' own element-wise adjoint functions
in the same order as ``_vjp_step`` and sum each neuron's parameter gradient
in the same reverse time order, so without ``exp`` every gradient is equal
bit for bit (asserted as 0 difference).  Where ``exp`` enters (AdEx; the
Sigmoid surrogates through ``exp``/``expit``; norse's LIFAdEx and its
current encoder) NumPy's vectorised ``exp``
and the kernels' ``exp`` (backends/_fastexp, within 1 ulp) may differ by 1 ulp; the recursion
propagates such a difference through at most ``T`` multiplications by
factors of order one, so we allow 1e-13 relative to the array's scale
(measured: below 1e-15, see the printed table).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import refneuron as rn
from refneuron import gradients
from refneuron.errors import BackendUnavailable
from refneuron.surrogates import snntorch as st
from refneuron.surrogates import spikingjelly as sj
from refneuron.surrogates import norse as sn

from .._oracle import record

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

Leaky = rn.snntorch.Leaky
SJLIF = rn.spikingjelly.LIF
NLIF = rn.norse.LIF
Izh = rn.canonical.Izhikevich
AdEx = rn.canonical.AdEx
S, J, N = rn.snntorch, rn.spikingjelly, rn.norse

#: (name, factory, input scale, uses exp)
CASES = [
    ("leaky default", lambda: Leaky(beta=0.9), 0.6),
    ("leaky zero immediate f32", lambda: Leaky(beta=0.8, reset_mechanism="zero", reset_delay=False, threshold=0.35), 0.5),
    ("leaky subtract immediate graded", lambda: Leaky(beta=0.85, reset_delay=False, graded_spikes_factor=1.7), 0.6),
    ("leaky none f64 fastsigmoid", lambda: Leaky(beta=0.7, reset_mechanism="none", float32_spikes=False,
                                                  spike_grad=st.FastSigmoid()), 0.6),
    ("leaky sigmoid disable", lambda: Leaky(beta=0.9, spike_grad=st.Sigmoid(), surrogate_disable=True), 0.6),
    ("leaky sigmoid", lambda: Leaky(beta=0.9, spike_grad=st.Sigmoid(slope=5.0)), 0.6),
    ("sj hard", lambda: SJLIF(), 1.2),
    ("sj soft detach", lambda: SJLIF(v_reset=None, detach_reset=True, decay_input=False, tau=3.0), 0.8),
    ("sj atan", lambda: SJLIF(surrogate_function=sj.ATan(), tau=1.5), 1.2),
    ("norse default", lambda: NLIF(), 8.0),
    ("norse v_th 0.3 alpha 20", lambda: NLIF(v_th=0.3, method="super", alpha=20.0), 8.0),
    ("norse heaviside", lambda: NLIF(method="heaviside"), 8.0),
    ("izh figure2004", lambda: Izh(), 15.0),
    ("izh network2003 accommodation detach", lambda: Izh(scheme="network2003", u_rule="accommodation",
                                                           detach_reset=True), 15.0),
    ("izh euler fastsigmoid", lambda: Izh(scheme="euler", surrogate=st.FastSigmoid(slope=1.0)), 15.0),
    ("adex default", lambda: AdEx(), 1500.0),
    ("adex detach sj-sigmoid", lambda: AdEx(detach_reset=True, surrogate=sj.Sigmoid(alpha=0.5)), 1500.0),
    ("synaptic default", lambda: S.Synaptic(alpha=0.7, beta=0.8), 0.5),
    ("synaptic zero immediate sigmoid", lambda: S.Synaptic(alpha=0.6, beta=0.9, reset_mechanism="zero",
                                                           reset_delay=False, spike_grad=st.Sigmoid()), 0.5),
    ("synaptic f64 none", lambda: S.Synaptic(alpha=0.3, beta=0.9, float32_spikes=False, reset_mechanism="none"), 0.5),
    ("alpha subtract", lambda: S.Alpha(alpha=0.8, beta=0.6), 0.5),
    ("alpha zero f64 fastsigmoid", lambda: S.Alpha(alpha=0.9, beta=0.5, reset_mechanism="zero", float32_spikes=False,
                                                   spike_grad=st.FastSigmoid()), 0.5),
    ("lapicque beta", lambda: S.Lapicque(beta=0.9), 1.5),
    ("lapicque beta R zero", lambda: S.Lapicque(beta=0.9, R=2.0, reset_mechanism="zero"), 1.5),
    ("lapicque R C", lambda: S.Lapicque(R=2.0, C=0.5, time_step=0.3), 1.5),
    ("sj if soft detach atan", lambda: J.IF(v_reset=None, detach_reset=True, surrogate_function=sj.ATan()), 0.5),
    ("sj eif", lambda: J.EIF(), 0.6),
    ("sj qif atan", lambda: J.QIF(surrogate_function=sj.ATan()), 0.6),
    ("sj izhikevich atan", lambda: J.Izhikevich(a=0.3, b=0.2, surrogate_function=sj.ATan()), 0.7),
    ("sj klif scale_reset atan", lambda: J.KLIF(k=1.3, scale_reset=True, surrogate_function=sj.ATan()), 1.5),
    ("sj klif soft detach atan", lambda: J.KLIF(k=0.8, v_reset=None, detach_reset=True, surrogate_function=sj.ATan()), 1.5),
    ("sj plif atan", lambda: J.ParametricLIF(init_tau=3.0, decay_input=False, surrogate_function=sj.ATan()), 1.5),
    ("sj liaf relu atan", lambda: J.LIAF(act="relu", surrogate_function=sj.ATan()), 1.5),
    ("sj liaf tanh", lambda: J.LIAF(act="tanh", v_reset=None), 1.5),
    ("norse adex default", lambda: N.LIFAdEx(), 8.0),
    ("norse adex custom alpha 20", lambda: N.LIFAdEx(adaptation_current=1.0, adaptation_spike=0.5, delta_T=0.3,
                                                     tau_ada_inv=5.0, v_th=0.8, v_reset=-0.2, alpha=20.0), 8.0),
    ("norse adex heaviside", lambda: N.LIFAdEx(method="heaviside", v_leak=-0.1), 8.0),
    ("norse encoder released", lambda: N.LIFAdExCurrentEncoder(tau_ada_inv=0.5), 8.0),
    ("norse encoder corrected", lambda: N.LIFAdExCurrentEncoder(corrected_adaptation=True, adaptation_spike=0.3), 8.0),
    ("norse encoder corrected heaviside", lambda: N.LIFAdExCurrentEncoder(corrected_adaptation=True,
                                                                          method="heaviside"), 8.0),
    ("norse lsnn default", lambda: N.LSNN(), 8.0),
    ("norse lsnn custom alpha 20", lambda: N.LSNN(beta=0.5, tau_adapt_inv=50.0, v_th=0.8, v_reset=-0.1, alpha=20.0), 8.0),
    ("norse lsnn heaviside", lambda: N.LSNN(method="heaviside", beta=0.2), 8.0),
]
EXP = {"leaky sigmoid", "sj hard", "sj soft detach", "adex default", "adex detach sj-sigmoid",
       "synaptic zero immediate sigmoid", "sj eif", "sj liaf tanh", "norse adex default",
       "norse adex custom alpha 20", "norse adex heaviside", "norse encoder released", "norse encoder corrected",
       "norse encoder corrected heaviside"}
#: analog outputs through exp/tanh: the forward output itself may differ by 1 ulp
ANALOG_EXP = {"sj liaf tanh"}


def problem(model, scale, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2.0, shape) * scale
    neuron = model.neuron_shape(shape[1:])
    full = (shape[0], *neuron)
    up = {"output": rng.standard_normal(full)}
    for nm in model.State.names()[:1]:  # one state gets an upstream gradient, the others none
        up[nm] = rng.standard_normal(full)
    return x, up


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, 1e-300)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def _compare(name, ref, got, bound, analog_exp=False):
    worst = 0.0
    for k in ref.initial_state:
        worst = max(worst, _rel(ref.initial_state[k], got.initial_state[k]))
    assert set(ref.params) == set(got.params)
    for k in ref.params:
        assert np.shape(ref.params[k]) == np.shape(got.params[k])
        worst = max(worst, _rel(ref.params[k], got.params[k]))
    worst = max(worst, _rel(ref.inputs, got.inputs))
    assert got.inputs.shape == ref.inputs.shape
    if analog_exp:  # LIAF's act(h): 1 ulp of tanh on a bitwise-equal argument (module docstring)
        assert _rel(ref.forward.output, got.forward.output) <= bound
    else:
        np.testing.assert_array_equal(np.asarray(got.forward.output, dtype=np.float64), ref.forward.output)
    for k in ref.forward.states:
        assert _rel(ref.forward.states[k], got.forward.states[k]) <= bound
    record(f"vjp compiled vs numpy, relative: {name}", [worst], [0.0])
    assert worst <= bound, (name, worst)
    return worst


@pytest.mark.parametrize("name,make,scale", CASES, ids=[c[0] for c in CASES])
def test_cpu_backward_matches_numpy(name, make, scale):
    model = make()
    x, up = problem(model, scale, (60, 2, 37), seed=3)
    ref = gradients.vjp(model, x, up)
    got = gradients.vjp(model, x, up, backend="cpu")
    if name.startswith("sj liaf"):  # analog output: the spikes are in the reset
        assert (ref.forward.states["v"] == model.v_leak).any() or model.v_reset is None
    else:
        assert ref.forward.output.any(), "the case must spike, or the reset branches are not exercised"
    # no exp: bitwise (same functions, same order); exp: 1 ulp of exp propagated, see the module docstring
    _compare(name, ref, got, 1e-13 if name in EXP else 0.0, name in ANALOG_EXP)


def test_per_neuron_parameters_and_awkward_shapes():
    # per-neuron parameters reach the kernel as flat arrays; scalar gradients are sums
    model = Izh(a=np.linspace(0.02, 0.1, 7), d=np.linspace(2.0, 8.0, 7))
    for shape in [(1, 7), (33, 1, 7), (5, 3, 7)]:
        x, up = problem(model, 15.0, shape, seed=4)
        _compare(f"izh per-neuron {shape}", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 0.0)
    model = NLIF(v_th=np.linspace(0.2, 0.8, 5)[:, None] * np.ones((5, 4)))
    x, up = problem(model, 8.0, (17, 5, 4), seed=6)
    _compare("norse per-neuron 2d", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 0.0)
    # per-neuron alpha/beta/threshold (with thr_d and Alpha's dc/dalpha, dc/dbeta per neuron)
    model = S.Synaptic(alpha=np.linspace(0.1, 0.9, 7), beta=0.9, threshold=np.linspace(0.5, 1.5, 7))
    x, up = problem(model, 0.5, (30, 3, 7), seed=9)
    _compare("synaptic per-neuron", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 0.0)
    model = S.Alpha(alpha=0.9, beta=np.linspace(0.3, 0.8, 7), threshold=np.linspace(0.6, 1.2, 7))
    x, up = problem(model, 0.5, (30, 3, 7), seed=10)
    _compare("alpha per-neuron", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 0.0)
    # norse LSNN (no exp: bitwise) and LIFAdEx (exp: 1 ulp propagated, module docstring) per neuron
    model = N.LSNN(beta=np.linspace(0.1, 2.0, 6), v_th=np.linspace(0.6, 1.2, 6), tau_adapt_inv=np.linspace(1.0, 60.0, 6))
    x, up = problem(model, 8.0, (40, 3, 6), seed=11)
    _compare("norse lsnn per-neuron", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 0.0)
    model = N.LIFAdEx(delta_T=np.linspace(0.2, 0.6, 6), adaptation_spike=np.linspace(0.0, 1.0, 6))
    x, up = problem(model, 8.0, (40, 3, 6), seed=12)
    _compare("norse adex per-neuron", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"), 1e-13)
    model = N.LIFAdExCurrentEncoder(corrected_adaptation=True, v_th=np.linspace(0.7, 1.3, 6))
    x, up = problem(model, 8.0, (40, 3, 6), seed=13)
    _compare("norse encoder per-neuron", gradients.vjp(model, x, up), gradients.vjp(model, x, up, backend="cpu"),
             1e-13)  # fmt: skip
    # a neuron count that is no multiple of anything, and non-contiguous inputs
    model = Leaky(beta=np.linspace(0.5, 0.95, 4099))
    x, up = problem(model, 0.6, (9, 4099), seed=7)
    _compare("leaky 4099 per-neuron", gradients.vjp(model, x[:, ::-1], up),
             gradients.vjp(model, x[:, ::-1], up, backend="cpu"), 0.0)  # fmt: skip


def test_no_upstream_and_initial_state():
    model = AdEx()
    x, up = problem(model, 1500.0, (40, 9), seed=8)
    s0 = {"V": np.linspace(-70.0, -45.0, 9), "w": np.linspace(0.0, 80.0, 9)}
    up = {"w": up["output"]}  # no output gradient at all
    _compare("adex state-only upstream", gradients.vjp(model, x, up, s0), gradients.vjp(model, x, up, s0, backend="cpu"), 1e-13)


@pytest.mark.parametrize("make,bound", [
    (lambda: N.LIFAdEx(v_leak=-0.1), 1e-13),  # exp: 1 ulp propagated (module docstring)
    (lambda: N.LIFAdExCurrentEncoder(tau_ada_inv=0.5), 1e-13),
    (lambda: N.LIFAdExCurrentEncoder(corrected_adaptation=True), 1e-13),
    (lambda: N.LSNN(beta=0.5, tau_adapt_inv=50.0), 0.0),  # no exp: bitwise
], ids=["adex", "encoder released", "encoder corrected", "lsnn"])  # fmt: skip
def test_norse_every_state_upstream_and_initial_state(make, bound):
    # an upstream gradient on every state variable (the adaptation a, the
    # threshold b, the current i enter the carried gradients directly), and a
    # non-default initial state
    model = make()
    rng = np.random.default_rng(21)
    x = rng.uniform(0.0, 16.0, (50, 2, 5))
    up = {nm: rng.standard_normal((50, 2, 5)) for nm in ("output", *model.State.names())}
    s0 = {nm: rng.uniform(-0.3, 0.3, (2, 5)) for nm in model.State.names()}
    if "b" in s0:
        s0["b"] = s0["b"] + 1.0
    ref = gradients.vjp(model, x, up, s0)
    assert ref.forward.output.any()
    name = model.name + (" corrected" if getattr(model, "corrected_adaptation", False) else "")
    _compare(f"{name} all states upstream", ref, gradients.vjp(model, x, up, s0, backend="cpu"), bound)
    # no output gradient at all
    del up["output"]
    _compare(f"{name} state-only upstream", gradients.vjp(model, x, up, s0),
             gradients.vjp(model, x, up, s0, backend="cpu"), bound)  # fmt: skip


def test_refusals_name_the_reason():
    x = np.ones((3, 2, 4))
    with pytest.raises(BackendUnavailable, match="inhibition"):
        gradients.vjp(Leaky(beta=0.9, inhibition=True), x, {"output": np.ones((3, 2, 4))}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="SSO"):
        gradients.vjp(Leaky(beta=0.9, spike_grad=st.SSO()), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="smoothed"):
        gradients.vjp(Izh().smoothed(), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="PiecewiseQuadratic"):
        gradients.vjp(J.QIF(surrogate_function=sj.PiecewiseQuadratic()), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="spiking=False"):
        gradients.vjp(J.KLIF(surrogate_function=sj.ATan(spiking=False)), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="inhibition"):
        gradients.vjp(S.Synaptic(alpha=0.5, beta=0.5, inhibition=True), x, {"output": np.ones((3, 2, 4))}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="Triangle"):
        gradients.vjp(NLIF(method="triangle"), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="Triangle"):
        gradients.vjp(N.LIFAdEx(method="triangle"), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="Tanh"):
        gradients.vjp(N.LSNN(method="tanh"), x, {}, backend="cpu")
    with pytest.raises(BackendUnavailable, match="smoothed"):
        gradients.vjp(N.LIFAdExCurrentEncoder().smoothed(), x, {}, backend="cpu")
    with pytest.raises(rn.errors.OptionError, match="backend"):
        gradients.vjp(Izh(), x, {}, backend="gpu")


def _first_case_per_kernel():
    from refneuron.backends.vjp import BACKWARD

    seen, cases = set(), []
    for case in CASES:
        kernel = BACKWARD[case[1]().name].kernel
        if kernel not in seen:
            seen.add(kernel)
            cases.append(case)
    return cases


KERNEL_CASES = _first_case_per_kernel()


def _vjp_input_error(model, x, up, **kw):
    with pytest.raises(rn.errors.InputError) as info:
        gradients.vjp(model, x, up, **kw)
    return str(info.value)


@pytest.mark.parametrize("name,make,scale", KERNEL_CASES, ids=[c[0] for c in KERNEL_CASES])
def test_nonfinite_inputs_and_upstream_are_rejected_like_numpy(name, make, scale):
    """The CPU backward kernels test the inputs and the upstream gradients as
    they read them instead of a scan of each before the run; a flagged value
    must give the NumPy reference's error word for word, wherever it is (first
    or last step, the first neuron, the last of a block remainder: 74 neurons
    are blocks of 64 and 10) and in whichever array, the inputs taking
    precedence as they do in the reference."""
    model = make()
    x, up = problem(model, scale, (60, 2, 37), seed=3)
    first = model.State.names()[0]  # the state that gets an upstream gradient (see problem)
    spots = [("inputs", 0, (0, 0), np.nan), ("inputs", 59, (1, 36), np.inf), ("output", 31, (1, 27), -np.inf),
             ("output", 59, (0, 0), np.nan), (first, 0, (1, 36), np.nan), (first, 17, (0, 5), np.inf)]  # fmt: skip
    for where, t, idx, bad in spots:
        xb, ub = x.copy(), {k: v.copy() for k, v in up.items()}
        (xb if where == "inputs" else ub[where])[(t, *idx)] = bad
        ref = _vjp_input_error(model, xb, ub)
        assert f"(t={t}, neuron={idx})" in ref and (where == "inputs" or f"upstream[{where!r}]" in ref), ref
        assert _vjp_input_error(model, xb, ub, backend="cpu") == ref
    # a bad input and a bad upstream gradient: the input is reported, as by the reference
    xb, ub = x.copy(), {k: v.copy() for k, v in up.items()}
    xb[40, 1, 3] = np.nan
    ub["output"][2, 0, 0] = np.nan
    ref = _vjp_input_error(model, xb, ub)
    assert ref.startswith("inputs") and _vjp_input_error(model, xb, ub, backend="cpu") == ref


def test_nonfinite_upstream_propagates_without_check_finite():
    # check_finite=False: a NaN upstream gradient flows through the recursion as in the reference,
    # and the forward (whose states stay finite) reports no non-finite state
    model = Leaky(beta=0.9)
    x, up = problem(model, 0.6, (60, 2, 37), seed=3)
    up["output"][30, 1, 20] = np.nan
    ref = gradients.vjp(model, x, up, check_finite=False)
    got = gradients.vjp(model, x, up, backend="cpu", check_finite=False)
    assert np.isnan(ref.inputs).any() and ref.forward.nonfinite is None and got.forward.nonfinite is None
    np.testing.assert_array_equal(got.inputs, ref.inputs)  # NaN where the reference has NaN, bitwise elsewhere
    for k in ref.params:
        np.testing.assert_array_equal(got.params[k], ref.params[k])


def test_nonfinite_inputs_are_reported_before_a_missing_kernel():
    # the scan the kernel stands in for comes first, as without the fused test: a bad input to a
    # configuration the CPU backend cannot run is an InputError, not BackendUnavailable
    x = np.ones((3, 2, 4))
    x[1, 0, 2] = np.nan
    model = Leaky(beta=0.9, spike_grad=st.SSO())
    ref = _vjp_input_error(model, x, {})
    assert _vjp_input_error(model, x, {}, backend="cpu") == ref
    with pytest.raises(BackendUnavailable, match="SSO"):
        gradients.vjp(model, np.ones((3, 2, 4)), {}, backend="cpu")


def _digest(env_extra, backend, path=None):
    env = dict(os.environ, **env_extra)
    r = subprocess.run(
        [sys.executable, "-m", "tests.backends._backward_script", backend] + ([str(path)] if path else []),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return [ln for ln in r.stdout.splitlines() if ln.startswith("DIGEST")][0]


def test_thread_count_does_not_change_results():
    # per-neuron partial sums reduced after the loop: 1 and 2 threads give the same bits
    assert _digest({"NUMBA_NUM_THREADS": "1"}, "cpu") == _digest({"NUMBA_NUM_THREADS": "2"}, "cpu")


def test_cuda_simulator_matches_cpu(tmp_path):
    # The simulator runs the kernel's scalar sequence as Python code: with exp it
    # evaluates refneuron._math's NumPy forms (np.exp / scipy's expit on scalars)
    # instead of libm's, and Python's float ``x ** 2`` is libm's pow, which differs
    # from the compiled x*x in the last bit for ~0.1 % of arguments (measured on
    # 1e6 uniforms), so the surrogates with ``** 2`` (snntorch ATan/FastSigmoid,
    # norse SuperSpike) may move by an ulp too.  1 ulp propagated: 1e-13 of the
    # scale, as in the CPU comparison (measured <= 3e-16).
    from tests.backends._backward_script import flat_gradients

    _digest({"NUMBA_ENABLE_CUDASIM": "1"}, "cuda", tmp_path / "sim.npz")
    sim = np.load(tmp_path / "sim.npz")
    cpu = flat_gradients("cpu", (23, 3, 11))
    for name, _, _ in CASES:
        worst = _rel(cpu[name], sim[name])
        record(f"vjp cuda-simulator vs cpu, relative: {name}", [worst], [0.0])
        assert worst <= 1e-13, (name, worst)


def test_nonfinite_state_is_reported_like_numpy():
    """The kernels flag blocks whose states became non-finite; the first one
    is then located exactly as the NumPy backend reports it (and a run that
    stays finite reports none, without a scan of the tape)."""
    # a threshold out of reach: a membrane pushed above ~710 makes exp((v - theta_rh)/delta_T) overflow
    model = J.EIF(delta_T=1.0, theta_rh=0.8, tau=2.0, v_threshold=1e6)
    x = np.full((12, 3, 5), 0.5)
    x[4, 2, 3] = 2000.0  # h = v + (x - ...)/tau ~ 1000 at step 4: exp overflows at step 5
    up = {"output": np.ones_like(x)}
    with np.errstate(all="ignore"):
        ref = gradients.vjp(model, x, up, check_finite=False)
        got = gradients.vjp(model, x, up, backend="cpu", check_finite=False)
    assert ref.forward.nonfinite is not None
    assert got.forward.nonfinite == ref.forward.nonfinite
    fine = gradients.vjp(model, np.full((12, 3, 5), 0.5), up, backend="cpu")
    assert fine.forward.nonfinite is None
