"""Bad input for every norse model: the applicable rows of the specification's
bad-inputs table.  Every rejection names the parameter and the rule."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import (
    InputError,
    InputTypeError,
    NonFiniteStateWarning,
    OptionError,
    ParameterError,
    ShapeError,
    StateError,
    UnstableDiscretisationWarning,
)

W_IN = np.ones((3, 2))  # n_out = 3, n_in = 2
W_REC = np.zeros((3, 3))

FF = ["norse.LIF", "norse.LIFAdEx", "norse.LIFAdExCurrentEncoder", "norse.LSNN"]
REC = ["norse.LIFRecurrent", "norse.LIFAdExRecurrent", "norse.LSNNRecurrent"]
ALL = FF + REC

# the inverse time constants of each model, i.e. the forward-Euler rates
RATES = {
    "norse.LIF": ["tau_mem_inv", "tau_syn_inv"],
    "norse.LIFRecurrent": ["tau_mem_inv", "tau_syn_inv"],
    "norse.LIFAdEx": ["tau_mem_inv", "tau_syn_inv", "tau_ada_inv"],
    "norse.LIFAdExRecurrent": ["tau_mem_inv", "tau_syn_inv", "tau_ada_inv"],
    "norse.LIFAdExCurrentEncoder": ["tau_mem_inv", "tau_ada_inv"],
    "norse.LSNN": ["tau_mem_inv", "tau_syn_inv", "tau_adapt_inv"],
    "norse.LSNNRecurrent": ["tau_mem_inv", "tau_syn_inv", "tau_adapt_inv"],
}


def make(name, **kw):
    if name in REC:
        kw = {"input_weights": W_IN, "recurrent_weights": W_REC, **kw}
    return rn.registry.get(name)(**kw)


def item(name):
    """The shape of one input step: (4,) neurons, or batch 4 of n_in = 2."""
    return (4, 2) if name in REC else (4,)


def test_defaults_construct_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ALL:
            make(name)


# -- rows 2, 3, 17: non-finite and out-of-range parameters, dt -------------------------


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0.0, -1.0])
def test_rates_and_dt_must_be_positive_and_finite(name, bad):
    for field in RATES[name] + ["dt"]:
        with pytest.raises(ParameterError, match=field):
            make(name, **{field: bad})


@pytest.mark.parametrize("name", ALL)
def test_nonfinite_parameters_rejected(name):
    fields = ["v_leak", "v_th", "v_reset", "alpha"]
    fields += {"A": ["delta_T", "adaptation_current", "adaptation_spike"], "S": ["beta"]}.get(
        "A" if "AdEx" in name else "S" if "LSNN" in name else "-", []
    )
    for field in fields:
        for bad in (float("nan"), float("-inf")):
            with pytest.raises(ParameterError, match=f"{field}: must be finite"):
                make(name, **{field: bad})
        if field != "alpha":  # alpha is a scalar (test_dt_is_a_scalar)
            with pytest.raises(ParameterError, match=field):
                make(name, **{field: np.array([0.5, np.nan])})


@pytest.mark.parametrize("name", ["norse.LIFAdEx", "norse.LIFAdExRecurrent", "norse.LIFAdExCurrentEncoder"])
@pytest.mark.parametrize("bad", [0.0, -0.5])
def test_delta_T_must_be_positive(name, bad):
    with pytest.raises(ParameterError, match=r"delta_T: must be > 0"):
        make(name, delta_T=bad)


@pytest.mark.parametrize("name", ALL)
def test_dt_is_a_scalar(name):
    with pytest.raises(ShapeError, match="dt"):
        make(name, dt=np.array([0.001, 0.002]))
    with pytest.raises(ShapeError, match="alpha"):
        make(name, alpha=np.array([1.0, 2.0]))


# -- row 5: forward-Euler decay ---------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_euler_decay_unstable_rejected_oscillating_warned(name):
    rates = RATES[name]
    if name == "norse.LIFAdExCurrentEncoder":
        rates = ["tau_mem_inv"]  # tau_ada_inv is checked only with corrected_adaptation
    for rate in rates:
        with pytest.raises(ParameterError, match=f"dt, {rate}: dt\\*{rate} must be < 2"):
            make(name, **{rate: 2.0 / 0.001})  # dt*rate = 2
        with pytest.raises(ParameterError, match=f"dt, {rate}"):
            make(name, **{rate: np.array([10.0, 2250.0])})  # per-neuron: the worst dt*rate, 2.25, counts
        with pytest.warns(UnstableDiscretisationWarning, match=rate):
            make(name, **{rate: 1.5 / 0.001})  # dt*rate = 1.5: sign-alternating decay


def test_encoder_adaptation_rate_checked_only_when_corrected():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rn.norse.LIFAdExCurrentEncoder(tau_ada_inv=5000.0)  # the released update has no dt
    with pytest.raises(ParameterError, match="tau_ada_inv"):
        rn.norse.LIFAdExCurrentEncoder(tau_ada_inv=5000.0, corrected_adaptation=True)
    with pytest.warns(UnstableDiscretisationWarning, match="tau_ada_inv"):
        rn.norse.LIFAdExCurrentEncoder(tau_ada_inv=1500.0, corrected_adaptation=True)


# -- row 8: options, flags ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_unknown_method_lists_allowed(name):
    with pytest.raises(OptionError, match=r"method: must be one of 'super', 'heaviside'.*\(got 'superspike'\)"):
        make(name, method="superspike")
    for m in ("super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc"):
        assert make(name, method=m).method == m


def test_flags_must_be_bool():
    with pytest.raises(InputTypeError, match="autapses"):
        rn.norse.LIFRecurrent(input_weights=W_IN, recurrent_weights=W_REC, autapses="no")
    with pytest.raises(InputTypeError, match="corrected_adaptation"):
        rn.norse.LIFAdExCurrentEncoder(corrected_adaptation=1)


@pytest.mark.parametrize("name", ["norse.LIF", "norse.LSNNRecurrent"])
def test_arguments_are_keyword_only(name):
    with pytest.raises(TypeError):
        rn.registry.get(name)(200.0)


# -- row 9: shapes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_per_neuron_parameter_must_broadcast(name):
    model = make(name, v_th=np.full(5, 1.0))
    with pytest.raises(ShapeError, match=r"v_th: shape \(5,\) does not broadcast to the neuron shape"):
        model.run(np.zeros((3, *item(name))))
    # broadcasting over the last axis is fine; over time is never possible
    model = make(name, v_th=np.full(3 if name in REC else 4, 1.0))
    assert model.run(np.zeros((3, *item(name)))).output.shape[0] == 3


@pytest.mark.parametrize("name", REC)
def test_weight_shapes(name):
    cls = rn.registry.get(name)
    with pytest.raises(ShapeError, match=r"input_weights: must have 2 dimensions \(got shape \(3,\)\)"):
        cls(input_weights=np.ones(3), recurrent_weights=W_REC)
    expected = r"recurrent_weights: must have shape \(n_out, n_out\) = \(3, 3\).*got shape \(3, 2\)"
    with pytest.raises(ShapeError, match=expected):
        cls(input_weights=W_IN, recurrent_weights=np.ones((3, 2)))
    with pytest.raises(ParameterError, match="recurrent_weights: must be finite"):
        cls(input_weights=W_IN, recurrent_weights=np.full((3, 3), np.nan))
    with pytest.raises(InputTypeError, match="input_weights"):
        cls(input_weights=W_IN.astype(complex), recurrent_weights=W_REC)
    model = cls(input_weights=W_IN, recurrent_weights=W_REC)
    expected = r"inputs: each step must have shape \(\*batch, n_in\) with n_in = 2.*got step shape \(4, 3\)"
    with pytest.raises(ShapeError, match=expected):
        model.run(np.zeros((5, 4, 3)))
    with pytest.raises(ShapeError, match="n_in = 2"):
        model.run(np.zeros(5))  # (T,): no input axis
    with pytest.raises(ShapeError, match="n_in = 2"):
        model.step(None, np.zeros(3))


# -- rows 1, 10-14, 19: inputs ----------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_nonfinite_inputs(name):
    model = make(name)
    x = np.ones((6, *item(name)))
    x[3, 1] = np.nan
    with pytest.raises(InputError, match=r"t=3, neuron=\(1"):
        model.run(x)
    # check_finite=False propagates NaN as norse does: NaN never fires, and the run reports it
    with pytest.warns(NonFiniteStateWarning):
        res = model.run(x, check_finite=False)
    assert res.nonfinite is not None and res.nonfinite[0] >= 3
    bad_v = ~np.isfinite(res.states["v"])
    assert bad_v[-1].any() and not bad_v[:3].any()
    assert np.all(res.output[bad_v] == 0.0)  # H>(NaN) = 0: a NaN membrane never fires


@pytest.mark.parametrize("name", ALL)
def test_int_bool_float32_inputs_converted(name):
    model = make(name)
    rng = np.random.default_rng(0)
    xb = rng.random((20, *item(name))) < 0.5
    ref = model.run(xb.astype(np.float64))
    for x in (xb, (xb * 3).astype(np.int32), (xb * 3).astype(np.float32)):
        scale = 3.0 if x.dtype != bool else 1.0
        got = model.run(x)
        want = model.run(xb * scale) if scale != 1.0 else ref
        assert got.output.dtype == np.float64
        np.testing.assert_array_equal(got.output, want.output)
        for n in model.State.names():
            np.testing.assert_array_equal(got.states[n], want.states[n])


@pytest.mark.parametrize("name", ALL)
def test_bad_input_types(name):
    model = make(name)
    with pytest.raises(InputTypeError, match="complex"):
        model.run(np.zeros((3, *item(name)), dtype=complex))
    with pytest.raises(InputTypeError):
        model.run(np.zeros((3, *item(name)), dtype=object))
    with pytest.raises(InputTypeError, match="masked"):
        model.run(np.ma.masked_array(np.zeros((3, *item(name)))))
    with pytest.raises(InputTypeError, match="v_th"):
        make(name, v_th=True)
    with pytest.raises(InputTypeError, match="v_th"):
        make(name, v_th=1.0 + 0j)
    with pytest.raises(InputTypeError, match="v_th"):
        make(name, v_th="1.0")


@pytest.mark.parametrize("name", ALL)
def test_non_contiguous_inputs_same_result(name):
    model = make(name)
    rng = np.random.default_rng(1)
    big = rng.normal(2.0, 2.0, size=(40, 4, 2 * item(name)[-1]))
    x = big[::2, :, ::2] if name in REC else big[::2, 0, ::2][:, :4]
    assert not x.flags.c_contiguous
    keep = x.copy()
    a, b = model.run(x), model.run(np.ascontiguousarray(x))
    np.testing.assert_array_equal(a.output, b.output)
    for n in model.State.names():
        np.testing.assert_array_equal(a.states[n], b.states[n])
    np.testing.assert_array_equal(x, keep)  # row 19: inputs never written


@pytest.mark.parametrize("name", ALL)
def test_empty(name):
    model = make(name)
    with pytest.raises(InputError, match="empty time axis"):
        model.run(np.zeros((0, *item(name))))
    empty = (0, 2) if name in REC else (0,)  # no neurons (a batch of 0 for the recurrent models)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = model.run(np.zeros((5, *empty)))
    assert res.output.shape == ((5, 0, 3) if name in REC else (5, 0))


# -- row 16: states ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_state_of_another_model_or_incomplete(name):
    model = make(name)
    x = np.zeros((3, *item(name)))
    other = "norse.LSNN" if name != "norse.LSNN" else "norse.LIF"
    foreign = make(other).initial_state((4,))
    with pytest.raises(StateError, match=model.State.__name__):
        model.run(x, state=foreign)
    names = model.State.names()
    with pytest.raises(StateError, match="missing"):
        model.run(x, state={n: 0.0 for n in names[:-1]})
    with pytest.raises(ParameterError, match="initial state must be finite"):
        model.run(x, state={n: np.nan for n in names})
    with pytest.raises(ShapeError, match="does not broadcast"):
        model.run(x, state={n: np.zeros(7) for n in names})


@pytest.mark.parametrize("name", ALL)
def test_user_state_not_modified(name):
    model = make(name)
    n_shape = model.neuron_shape(item(name))
    state = {n: np.full(n_shape, 0.5) for n in model.State.names()}
    keep = {n: a.copy() for n, a in state.items()}
    model.run(np.full((5, *item(name)), 3.0), state=state)
    for n in state:
        np.testing.assert_array_equal(state[n], keep[n])
