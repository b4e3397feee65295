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

import dataclasses
import functools
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

@dataclasses.dataclass(frozen=True)
class Case:
    """One backward configuration.

    ``make()`` builds the model; ``per_neuron`` names parameters made
    per-neuron (``(name, lo, hi)``: a ramp over the neurons of each problem's
    shape).  ``upstream`` says which upstream gradients are given: ``"first"``
    the output's and the first state variable's, ``"output"`` the output's
    alone (a loss on the spikes), ``"all"`` the output's and every state
    variable's, ``"states"`` every state variable's and none on the output.  ``s0`` draws a non-default initial state ``(rng, neurons)``.
    ``exp``: the step or the surrogate calls ``exp``, so 1 ulp of it
    propagates (module docstring); ``analog_exp``: the output itself goes
    through ``exp``/``tanh``.

    Each configuration of option codes, parameter kinds (scalar or per
    neuron) and upstream pattern is a kernel of its own, compiled once (10-15
    s), so the cases cover each option value, the per-neuron parameters and
    the upstream patterns of every kernel without taking their product.
    """

    name: str
    make: object
    scale: float
    upstream: str = "first"
    per_neuron: tuple = ()
    s0: object = None
    exp: bool = False
    analog_exp: bool = False

    def model(self, neurons):
        """The model, with the ``per_neuron`` parameters ramped over ``neurons``."""
        model = self.make()
        count = int(np.prod(neurons))
        ramps = {p: np.linspace(lo, hi, count).reshape(neurons) for p, lo, hi in self.per_neuron}
        return model.replace(**ramps) if ramps else model


def _norse_s0(rng, neurons, names):
    # every state off its default: the adaptation a, the threshold b, the current i enter the carried gradients
    s0 = {nm: rng.uniform(-0.3, 0.3, neurons) for nm in names}
    if "b" in s0:
        s0["b"] = s0["b"] + 1.0  # LSNN's adaptive threshold, which starts at v_th (1 by default)
    return s0


def _adex_s0(rng, neurons):
    return {"V": rng.uniform(-70.0, -45.0, neurons), "w": rng.uniform(0.0, 80.0, neurons)}


def _lif_adex_s0(rng, neurons):
    return _norse_s0(rng, neurons, N.LIFAdEx.State.names())


def _encoder_s0(rng, neurons):
    return _norse_s0(rng, neurons, N.LIFAdExCurrentEncoder.State.names())


def _lsnn_s0(rng, neurons):
    return _norse_s0(rng, neurons, N.LSNN.State.names())


C = Case
CASES = [
    C("leaky default", lambda: Leaky(beta=0.9), 0.6, upstream="output"),
    C("leaky zero immediate f32 sigmoid", lambda: Leaky(beta=0.8, reset_mechanism="zero", reset_delay=False,
                                                        threshold=0.35, spike_grad=st.Sigmoid(slope=5.0)), 0.5, exp=True),
    C("leaky subtract immediate graded disable per-neuron", lambda: Leaky(beta=0.85, reset_delay=False, graded_spikes_factor=1.7,
                                                                          spike_grad=st.Sigmoid(), surrogate_disable=True),
      0.6, per_neuron=(("beta", 0.5, 0.95),)),
    C("leaky none f64 fastsigmoid", lambda: Leaky(beta=0.7, reset_mechanism="none", float32_spikes=False,
                                                  spike_grad=st.FastSigmoid()), 0.6),
    C("sj hard", lambda: SJLIF(), 1.2, exp=True),
    C("sj soft detach atan", lambda: SJLIF(v_reset=None, detach_reset=True, decay_input=False, tau=3.0,
                                           surrogate_function=sj.ATan()), 0.8),
    C("norse default", lambda: NLIF(), 8.0),
    C("norse v_th 0.3 alpha 20", lambda: NLIF(v_th=0.3, method="super", alpha=20.0), 8.0),
    C("norse heaviside per-neuron", lambda: NLIF(method="heaviside"), 8.0, per_neuron=(("v_th", 0.2, 0.8),)),
    C("izh figure2004", lambda: Izh(), 15.0),
    C("izh network2003 accommodation detach", lambda: Izh(scheme="network2003", u_rule="accommodation",
                                                          detach_reset=True), 15.0),
    C("izh euler fastsigmoid per-neuron", lambda: Izh(scheme="euler", surrogate=st.FastSigmoid(slope=1.0)), 15.0,
      per_neuron=(("a", 0.02, 0.1), ("d", 2.0, 8.0))),
    C("adex default", lambda: AdEx(), 1500.0, exp=True),
    C("adex detach sj-sigmoid states", lambda: AdEx(detach_reset=True, surrogate=sj.Sigmoid(alpha=0.5)), 1500.0,
      upstream="states", s0=_adex_s0, exp=True),
    C("synaptic default", lambda: S.Synaptic(alpha=0.7, beta=0.8), 0.5),
    C("synaptic zero immediate sigmoid", lambda: S.Synaptic(alpha=0.6, beta=0.9, reset_mechanism="zero",
                                                            reset_delay=False, spike_grad=st.Sigmoid()), 0.5, exp=True),
    C("synaptic f64 none per-neuron", lambda: S.Synaptic(alpha=0.3, beta=0.9, float32_spikes=False, reset_mechanism="none"), 0.5,
      per_neuron=(("alpha", 0.1, 0.9), ("threshold", 0.5, 1.5))),
    C("alpha subtract", lambda: S.Alpha(alpha=0.8, beta=0.6), 0.5),
    C("alpha zero f64 fastsigmoid per-neuron", lambda: S.Alpha(alpha=0.9, beta=0.5, reset_mechanism="zero", float32_spikes=False,
                                                               spike_grad=st.FastSigmoid()), 0.5,
      per_neuron=(("beta", 0.3, 0.8), ("threshold", 0.6, 1.2))),
    C("lapicque beta", lambda: S.Lapicque(beta=0.9), 1.5),
    C("lapicque beta R zero", lambda: S.Lapicque(beta=0.9, R=2.0, reset_mechanism="zero"), 1.5),
    C("lapicque R C", lambda: S.Lapicque(R=2.0, C=0.5, time_step=0.3), 1.5),
    C("sj if soft detach atan", lambda: J.IF(v_reset=None, detach_reset=True, surrogate_function=sj.ATan()), 0.5),
    C("sj eif", lambda: J.EIF(), 0.6, exp=True),
    C("sj qif atan", lambda: J.QIF(surrogate_function=sj.ATan()), 0.6),
    C("sj izhikevich atan", lambda: J.Izhikevich(a=0.3, b=0.2, surrogate_function=sj.ATan()), 0.7),
    C("sj klif scale_reset atan", lambda: J.KLIF(k=1.3, scale_reset=True, surrogate_function=sj.ATan()), 1.5),
    C("sj klif soft detach atan", lambda: J.KLIF(k=0.8, v_reset=None, detach_reset=True, surrogate_function=sj.ATan()), 1.5),
    C("sj plif atan", lambda: J.ParametricLIF(init_tau=3.0, decay_input=False, surrogate_function=sj.ATan()), 1.5),
    C("sj liaf relu atan", lambda: J.LIAF(act="relu", surrogate_function=sj.ATan()), 1.5),
    C("sj liaf tanh", lambda: J.LIAF(act="tanh", v_reset=None), 1.5, exp=True, analog_exp=True),
    C("norse adex default", lambda: N.LIFAdEx(), 8.0, exp=True),
    C("norse adex custom alpha 20 per-neuron all", lambda: N.LIFAdEx(adaptation_current=1.0, tau_ada_inv=5.0, v_th=0.8,
                                                                     v_reset=-0.2, alpha=20.0), 8.0,
      per_neuron=(("delta_T", 0.2, 0.6), ("adaptation_spike", 0.0, 1.0)), upstream="all", s0=_lif_adex_s0, exp=True),
    C("norse adex heaviside states", lambda: N.LIFAdEx(method="heaviside", v_leak=-0.1), 8.0, upstream="states",
      s0=_lif_adex_s0, exp=True),
    C("norse encoder released all", lambda: N.LIFAdExCurrentEncoder(tau_ada_inv=0.5), 8.0, upstream="all",
      s0=_encoder_s0, exp=True),
    C("norse encoder corrected per-neuron", lambda: N.LIFAdExCurrentEncoder(corrected_adaptation=True,
                                                                            adaptation_spike=0.3), 8.0,
      per_neuron=(("v_th", 0.7, 1.3),), exp=True),
    C("norse encoder corrected heaviside states", lambda: N.LIFAdExCurrentEncoder(corrected_adaptation=True,
                                                                                  method="heaviside"), 8.0,
      upstream="states", s0=_encoder_s0, exp=True),
    C("norse lsnn default", lambda: N.LSNN(), 8.0),
    C("norse lsnn custom alpha 20 per-neuron all", lambda: N.LSNN(v_reset=-0.1, alpha=20.0), 8.0,
      per_neuron=(("beta", 0.1, 2.0), ("v_th", 0.6, 1.2), ("tau_adapt_inv", 1.0, 60.0)), upstream="all", s0=_lsnn_s0),
    C("norse lsnn heaviside states", lambda: N.LSNN(method="heaviside", beta=0.2), 8.0, upstream="states", s0=_lsnn_s0),
]  # fmt: skip
BY_NAME = {c.name: c for c in CASES}


def problem(model, scale, shape, seed, upstream="first"):
    """Inputs ``(T, *neurons)`` uniform on ``[0, 2 scale)`` and standard normal
    upstream gradients on the outputs and states that ``upstream`` names (see
    :class:`Case`)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2.0, shape) * scale
    neuron = model.neuron_shape(shape[1:])
    full = (shape[0], *neuron)
    names = {"first": model.State.names()[:1], "output": (), "all": model.State.names(),
             "states": model.State.names()}[upstream]  # fmt: skip
    up = {} if upstream == "states" else {"output": rng.standard_normal(full)}
    for nm in names:
        up[nm] = rng.standard_normal(full)
    return x, up


def case_problem(case, shape, seed):
    """``case``'s model for inputs of ``shape``, the inputs, the upstream
    gradients and the initial state (None: the default)."""
    model = case.model(tuple(shape[1:]))
    x, up = problem(model, case.scale, shape, seed, case.upstream)
    s0 = case.s0(np.random.default_rng(seed + 1000), tuple(shape[1:])) if case.s0 else None
    return model, x, up, s0


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


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cpu_backward_matches_numpy(case):
    model, x, up, s0 = case_problem(case, (60, 2, 37), seed=3)
    ref = gradients.vjp(model, x, up, s0)
    got = gradients.vjp(model, x, up, s0, backend="cpu")
    if case.name.startswith("sj liaf"):  # analog output: the spikes are in the reset
        assert (ref.forward.states["v"] == model.v_leak).any() or model.v_reset is None
    else:
        assert ref.forward.output.any(), "the case must spike, or the reset branches are not exercised"
    # no exp: bitwise (same functions, same order); exp: 1 ulp of exp propagated, see the module docstring
    _compare(case.name, ref, got, 1e-13 if case.exp else 0.0, case.analog_exp)


PER_NEURON = [c for c in CASES if c.per_neuron]


@pytest.mark.parametrize("case", PER_NEURON, ids=[c.name for c in PER_NEURON])
def test_per_neuron_parameters_and_awkward_shapes(case):
    # per-neuron parameters reach the kernel as flat arrays whatever the neuron shape (the
    # kernel compiled for test_cpu_backward_matches_numpy), and scalar gradients are sums
    for shape in [(1, 7), (9, 1), (33, 1, 7), (5, 3, 7), (17, 5, 4)]:  # one step, one neuron, 1 x 7, 3 x 7, 5 x 4
        model, x, up, s0 = case_problem(case, shape, seed=4)
        _compare(f"{case.name} {shape}", gradients.vjp(model, x, up, s0),
                 gradients.vjp(model, x, up, s0, backend="cpu"), 1e-13 if case.exp else 0.0)  # fmt: skip


def test_many_neurons_and_noncontiguous_inputs():
    # a neuron count that is no multiple of anything (blocks and their remainder), non-contiguous inputs
    case = BY_NAME["leaky subtract immediate graded disable per-neuron"]
    model, x, up, s0 = case_problem(case, (9, 4099), seed=7)
    assert not x[:, ::-1].flags.c_contiguous
    _compare("leaky 4099 per-neuron", gradients.vjp(model, x[:, ::-1], up),
             gradients.vjp(model, x[:, ::-1], up, backend="cpu"), 0.0)  # fmt: skip


def test_every_upstream_pattern_is_covered():
    # the upstream patterns are kernels of their own (compile-time flags): every kernel of the
    # norse models, whose adaptation or threshold state enters the carried gradients directly,
    # meets three, with a non-default initial state for the two that give every state one; the
    # output's gradient alone (also test_upstream_checks' and the threading tests' kernel) is Leaky's
    from refneuron.backends.vjp import BACKWARD

    patterns = {}
    for case in CASES:
        patterns.setdefault(BACKWARD[case.make().name].kernel, set()).add((case.upstream, case.s0 is not None))
    for name in ("norse.LIFAdEx", "norse.LIFAdExCurrentEncoder", "norse.LSNN"):
        assert patterns[BACKWARD[name].kernel] == {("first", False), ("all", True), ("states", True)}, name
    assert ("states", True) in patterns[BACKWARD["canonical.AdEx"].kernel]
    assert ("output", False) in patterns[BACKWARD["snntorch.Leaky"].kernel]


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
        kernel = BACKWARD[case.make().name].kernel
        if kernel not in seen and case.upstream in ("first", "all"):  # the output and the first state
            seen.add(kernel)
            cases.append(case)
    return cases


KERNEL_CASES = _first_case_per_kernel()


def _vjp_input_error(model, x, up, s0=None, **kw):
    with pytest.raises(rn.errors.InputError) as info:
        gradients.vjp(model, x, up, s0, **kw)
    return str(info.value)


@pytest.mark.parametrize("case", KERNEL_CASES, ids=[c.name for c in KERNEL_CASES])
def test_nonfinite_inputs_and_upstream_are_rejected_like_numpy(case):
    """The CPU backward kernels test the inputs and the upstream gradients as
    they read them instead of a scan of each before the run; a flagged value
    must give the NumPy reference's error word for word, wherever it is (first
    or last step, the first neuron, the last of a block remainder: 74 neurons
    are blocks of 64 and 10) and in whichever array, the inputs taking
    precedence as they do in the reference."""
    model, x, up, s0 = case_problem(case, (60, 2, 37), seed=3)
    first = model.State.names()[0]  # a state that gets an upstream gradient (see problem)
    spots = [("inputs", 0, (0, 0), np.nan), ("inputs", 59, (1, 36), np.inf), ("output", 31, (1, 27), -np.inf),
             ("output", 59, (0, 0), np.nan), (first, 0, (1, 36), np.nan), (first, 17, (0, 5), np.inf)]  # fmt: skip
    for where, t, idx, bad in spots:
        xb, ub = x.copy(), {k: v.copy() for k, v in up.items()}
        (xb if where == "inputs" else ub[where])[(t, *idx)] = bad
        ref = _vjp_input_error(model, xb, ub, s0)
        assert f"(t={t}, neuron={idx})" in ref and (where == "inputs" or f"upstream[{where!r}]" in ref), ref
        assert _vjp_input_error(model, xb, ub, s0, backend="cpu") == ref
    # a bad input and a bad upstream gradient: the input is reported, as by the reference
    xb, ub = x.copy(), {k: v.copy() for k, v in up.items()}
    xb[40, 1, 3] = np.nan
    ub["output"][2, 0, 0] = np.nan
    ref = _vjp_input_error(model, xb, ub, s0)
    assert ref.startswith("inputs") and _vjp_input_error(model, xb, ub, s0, backend="cpu") == ref


def test_nonfinite_upstream_propagates_without_check_finite():
    # check_finite=False: a NaN upstream gradient flows through the recursion as in the reference,
    # and the forward (whose states stay finite) reports no non-finite state
    model = Leaky(beta=0.9)
    x, up = problem(model, 0.6, (60, 2, 37), seed=3, upstream="output")  # the kernel of "leaky default"
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
    for name in BY_NAME:
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
    up = {"output": np.ones_like(x), "v": np.zeros_like(x)}  # the upstream pattern of the "sj eif" case: its kernel
    with np.errstate(all="ignore"):
        ref = gradients.vjp(model, x, up, check_finite=False)
        got = gradients.vjp(model, x, up, backend="cpu", check_finite=False)
    assert ref.forward.nonfinite is not None
    assert got.forward.nonfinite == ref.forward.nonfinite
    fine = gradients.vjp(model, np.full((12, 3, 5), 0.5), up, backend="cpu")
    assert fine.forward.nonfinite is None


@functools.cache
def _serial_adex_loop():
    """The canonical AdEx forward and reverse loops, one neuron-step at a time, with
    the steps that compute the exp in the reverse step again (adex_step, adex_back);
    compiled once for the cases that use it."""
    import numba

    from refneuron.backends._backward import adex_back
    from refneuron.backends._steps import adex_step

    @numba.njit(error_model="numpy")
    def serial(x, gy, V0, w0, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach, sg, sp0, sp1):
        T, N = x.shape
        V, w = np.empty((T + 1, N)), np.empty((T + 1, N))
        V[0], w[0] = V0, w0
        for t in range(T):
            for j in range(N):
                _, V[t + 1, j], w[t + 1, j] = adex_step(
                    V[t, j], w[t, j], x[t, j], C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt
                )
        gx, gV, gw, gP = np.empty((T, N)), np.zeros(N), np.zeros(N), np.zeros((10, N))
        for t in range(T - 1, -1, -1):
            for j in range(N):
                r = adex_back(
                    V[t, j], w[t, j], x[t, j], gy[t, j], gV[j], gw[j], C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b,
                    V_reset, V_peak, dt, detach, sg, sp0, sp1,
                )  # fmt: skip
                gx[t, j], gV[j], gw[j] = r[0], r[1], r[2]
                for k in range(10):
                    gP[k, j] += r[3 + k]
        return gx, {"V": gV, "w": gw}, {"V": V[1:], "w": w[1:]}, gP

    return serial


def _serial_adex(x, gy, s0, params):
    return _serial_adex_loop()(x, gy, s0.V, s0.w, *params)


@functools.cache
def _serial_sj_eif_loop():
    """spikingjelly EIF's loops as :func:`_serial_adex_loop` (sj_eif_step, sj_eif_back)."""
    import numba

    from refneuron.backends._backward import sj_eif_back
    from refneuron.backends._steps import sj_eif_step

    @numba.njit(error_model="numpy")
    def serial(x, gy, v0, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
        T, N = x.shape
        v = np.empty((T + 1, N))
        v[0] = v0
        for t in range(T):
            for j in range(N):
                _, v[t + 1, j] = sj_eif_step(v[t, j], x[t, j], tau, v_rest, theta_rh, delta_T, v_threshold, v_leak,
                                             reset)  # fmt: skip
        gx, gv = np.empty((T, N)), np.zeros(N)
        for t in range(T - 1, -1, -1):
            for j in range(N):
                gx[t, j], gv[j] = sj_eif_back(
                    v[t, j], x[t, j], gy[t, j], gv[j], tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset,
                    detach, sg, sp0, sp1,
                )  # fmt: skip
        return gx, {"v": gv}, {"v": v[1:]}, np.zeros((0, N))  # no parameter gradient rows

    return serial


def _serial_sj_eif(x, gy, s0, params):
    return _serial_sj_eif_loop()(x, gy, s0.v, *params)


@functools.cache
def _serial_norse_lif_adex_loop():
    """norse LIFAdEx's loops as :func:`_serial_adex_loop` (norse_lif_adex_step, norse_lif_adex_back);
    parameters scalar or per-neuron (``at``)."""
    import numba

    from refneuron.backends._backward import norse_lif_adex_back
    from refneuron.backends._jit import at
    from refneuron.backends._steps import norse_lif_adex_step

    @numba.njit(error_model="numpy")
    def serial(x, gy, v0, i0, a0, tsi, tmi, tai, vl, vth, vr, dT, kappa, bump, dt, sg, sp0, sp1):
        T, N = x.shape
        v, i, a = np.empty((T + 1, N)), np.empty((T + 1, N)), np.empty((T + 1, N))
        v[0], i[0], a[0] = v0, i0, a0
        for t in range(T):
            for j in range(N):
                _, v[t + 1, j], i[t + 1, j], a[t + 1, j] = norse_lif_adex_step(
                    v[t, j], i[t, j], a[t, j], x[t, j], at(tsi, j), at(tmi, j), at(tai, j), at(vl, j), at(vth, j),
                    at(vr, j), at(dT, j), at(kappa, j), at(bump, j), dt,
                )  # fmt: skip
        gx, gv, gi, ga, gP = np.empty((T, N)), np.zeros(N), np.zeros(N), np.zeros(N), np.zeros((9, N))
        for t in range(T - 1, -1, -1):
            for j in range(N):
                r = norse_lif_adex_back(
                    v[t, j], i[t, j], a[t, j], x[t, j], gy[t, j], gv[j], gi[j], ga[j], at(tsi, j), at(tmi, j),
                    at(tai, j), at(vl, j), at(vth, j), at(vr, j), at(dT, j), at(kappa, j), at(bump, j), dt, sg, sp0,
                    sp1,
                )  # fmt: skip
                gx[t, j], gv[j], gi[j], ga[j] = r[0], r[1], r[2], r[3]
                for k in range(9):
                    gP[k, j] += r[4 + k]
        return gx, {"v": gv, "i": gi, "a": ga}, {"v": v[1:], "i": i[1:], "a": a[1:]}, gP

    return serial


def _serial_norse_lif_adex(x, gy, s0, params):
    return _serial_norse_lif_adex_loop()(x, gy, s0.v, s0.i, s0.a, *params)


@functools.cache
def _serial_norse_encoder_loop():
    """norse LIFAdExCurrentEncoder's loops as :func:`_serial_adex_loop` (norse_encoder_step,
    norse_encoder_back); parameters scalar or per-neuron (``at``)."""
    import numba

    from refneuron.backends._backward import norse_encoder_back
    from refneuron.backends._jit import at
    from refneuron.backends._steps import norse_encoder_step

    @numba.njit(error_model="numpy")
    def serial(x, gy, v0, a0, tmi, tai, vl, vth, vr, dT, kappa, bump, dt, corrected, sg, sp0, sp1):
        T, N = x.shape
        v, a = np.empty((T + 1, N)), np.empty((T + 1, N))
        v[0], a[0] = v0, a0
        for t in range(T):
            for j in range(N):
                _, v[t + 1, j], a[t + 1, j] = norse_encoder_step(
                    v[t, j], a[t, j], x[t, j], at(tmi, j), at(tai, j), at(vl, j), at(vth, j), at(vr, j), at(dT, j),
                    at(kappa, j), at(bump, j), dt, corrected,
                )  # fmt: skip
        gx, gv, ga, gP = np.empty((T, N)), np.zeros(N), np.zeros(N), np.zeros((8, N))
        for t in range(T - 1, -1, -1):
            for j in range(N):
                r = norse_encoder_back(
                    v[t, j], a[t, j], x[t, j], gy[t, j], gv[j], ga[j], at(tmi, j), at(tai, j), at(vl, j), at(vth, j),
                    at(vr, j), at(dT, j), at(kappa, j), at(bump, j), dt, corrected, sg, sp0, sp1,
                )  # fmt: skip
                gx[t, j], gv[j], ga[j] = r[0], r[1], r[2]
                for k in range(8):
                    gP[k, j] += r[3 + k]
        return gx, {"v": gv, "a": ga}, {"v": v[1:], "a": a[1:]}, gP

    return serial


def _serial_norse_encoder(x, gy, s0, params):
    return _serial_norse_encoder_loop()(x, gy, s0.v, s0.a, *params)


@pytest.mark.parametrize(
    "name, serial", [("adex default", _serial_adex), ("adex detach sj-sigmoid states", _serial_adex),
                     ("sj eif", _serial_sj_eif), ("norse adex default", _serial_norse_lif_adex),
                     ("norse adex custom alpha 20 per-neuron all", _serial_norse_lif_adex),
                     ("norse encoder released all", _serial_norse_encoder),
                     ("norse encoder corrected per-neuron", _serial_norse_encoder)],  # fmt: skip
)
def test_kernels_keep_the_exp_without_changing_a_bit(name, serial):
    # The CPU kernels of AdEx, spikingjelly EIF, norse LIFAdEx and its encoder keep each step's exp in the
    # input-gradient buffer from their forward pass to their reverse pass (refneuron/backends/cpu_vjp.py).
    # A serial compiled loop over the model's own steps that computes the exp again in the reverse step
    # (what the CUDA kernels do) must give the same bits: the kept value is the one the reverse step would
    # compute.
    # The parameter gradients are compared per neuron, before the driver sums them over the neurons
    # (vjp_compiled's rows), each summed over the steps in the kernel's order.
    from refneuron.backends import cpu_vjp  # noqa: F401  (registers the steps with Numba)
    from refneuron.backends.vjp import kernel_args, vjp_compiled

    model, x, up, _ = case_problem(BY_NAME[name], (60, 74), seed=5)
    # an upstream gradient on the output, also for the cases whose own upstream is on the states only
    gy = up["output"] if "output" in up else np.random.default_rng(6).standard_normal(x.shape)
    got = gradients.vjp(model, x, {"output": gy}, backend="cpu")
    assert got.forward.output.any() and not got.forward.output.all()  # both branches of the reset
    _, params = kernel_args(model, "cpu", (74,))
    s0 = model.initial_state((74,))
    gx, gS0, states, gP = serial(x, gy, s0, params)
    for k in states:
        np.testing.assert_array_equal(got.forward.states[k], states[k])
        np.testing.assert_array_equal(got.initial_state[k], gS0[k])
    np.testing.assert_array_equal(got.inputs, gx)
    rows = vjp_compiled(model, x, (74,), s0, gy, dict.fromkeys(model.State.names()), "cpu")[2]
    np.testing.assert_array_equal(rows, gP)
