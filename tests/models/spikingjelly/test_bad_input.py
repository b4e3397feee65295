"""spikingjelly neurons: bad input (specification, bad-inputs rows 1-4, 7-12, 16)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron._records import flag
from refneuron.errors import (
    InputError,
    InputTypeError,
    OptionError,
    ParameterError,
    ShapeError,
    StateError,
    UnstableDiscretisationWarning,
)
from refneuron.registry import get, names
from refneuron.surrogates import Surrogate

sj = rn.spikingjelly
ALL = names("spikingjelly")
TAU_MODELS = [sj.LIF, sj.QIF, sj.EIF, sj.Izhikevich, sj.LIAF, sj.KLIF]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    "field,value,exc",
    [
        ("v_threshold", float("nan"), ParameterError),  # row 2
        ("v_threshold", float("inf"), ParameterError),
        ("v_reset", float("nan"), ParameterError),
        ("v_reset", "zero", InputTypeError),  # row 12
        ("v_threshold", 1 + 0j, InputTypeError),
        ("v_threshold", True, InputTypeError),  # row 10: bool is not a number here
        ("v_threshold", np.ones(3), ShapeError),  # scalar-only, as spikingjelly asserts floats
        ("detach_reset", "no", InputTypeError),
        ("surrogate_function", "sigmoid", TypeError),
    ],
)
def test_common_fields(name, field, value, exc):
    with pytest.raises(exc, match=field):
        get(name)(**{field: value})


@pytest.mark.parametrize("cls", TAU_MODELS)
@pytest.mark.parametrize("tau", [1.0, 0.5, -2.0, float("nan"), float("inf")])
def test_tau_must_exceed_one(cls, tau):
    # row 4: spikingjelly asserts isinstance(tau, float) and tau > 1
    with pytest.raises(ParameterError, match="tau: must"):
        cls(tau=tau)


@pytest.mark.parametrize("cls", TAU_MODELS)
def test_int_tau_accepted(cls):
    # spikingjelly's assert refuses tau=2 (an int); refneuron converts it exactly
    assert cls(tau=2).tau == 2.0 and isinstance(cls(tau=2).tau, float)


def test_parametric_lif_rules():
    for init_tau in (1.0, 0.3, float("nan")):  # w = -ln(init_tau - 1) needs init_tau > 1
        with pytest.raises(ParameterError, match="init_tau"):
            sj.ParametricLIF(init_tau=init_tau)
    with pytest.raises(ParameterError, match="w: must be finite"):
        sj.ParametricLIF(w=float("nan"))
    with pytest.raises(ShapeError, match="w"):
        sj.ParametricLIF(w=np.zeros(2))


def test_qif_eif_rules():
    for cls, name in ((sj.QIF, "a0"), (sj.EIF, "delta_T")):
        for bad in (0.0, -1.0, float("nan")):
            with pytest.raises(ParameterError, match=name):
                cls(**{name: bad})
        # row 7: spikingjelly asserts v_threshold > v_reset and v_rest >= v_reset (hard reset)
        with pytest.raises(ParameterError, match="v_threshold - v_reset"):
            cls(v_threshold=0.5, v_reset=0.5, v_rest=0.6)
        with pytest.raises(ParameterError, match="v_rest - v_reset"):
            cls(v_rest=-0.2, v_reset=-0.1)
        # the soft reset has no such rule (spikingjelly asserts only when v_reset is a float)
        cls(v_threshold=0.5, v_rest=-3.0, v_reset=None)


def test_izhikevich_rules():
    with pytest.raises(ParameterError, match="a0"):
        sj.Izhikevich(a0=0.0)
    for tau_w in (0.0, -2.0, float("nan")):  # row 3
        with pytest.raises(ParameterError, match="tau_w"):
            sj.Izhikevich(tau_w=tau_w)
    with pytest.raises(ParameterError, match="tau_w"):  # row 5: 1/tau_w >= 2 diverges
        sj.Izhikevich(tau_w=0.4)
    with pytest.warns(UnstableDiscretisationWarning, match="tau_w"):  # 1 <= 1/tau_w < 2
        sj.Izhikevich(tau_w=0.8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sj.Izhikevich(tau_w=2.0)


def test_klif_and_liaf_rules():
    with pytest.raises(ParameterError, match="k: must be != 0"):
        sj.KLIF(scale_reset=True, k=0.0)
    sj.KLIF(k=0.0)  # without scale_reset nothing divides by k
    with pytest.raises(ParameterError, match="k"):
        sj.KLIF(k=float("inf"))
    with pytest.raises(OptionError, match="act"):  # row 8
        sj.LIAF(act="gelu")
    with pytest.raises(InputTypeError, match="threshold_related"):
        sj.LIAF(threshold_related=1)


def test_spiking_false_needs_a_primitive():
    @dataclasses.dataclass(frozen=True, eq=False)
    class NoPrimitive(Surrogate):
        comparison = ">="
        spiking: bool = flag(False)

    with pytest.raises(OptionError, match="surrogate_function: spiking=False"):
        sj.IF(surrogate_function=NoPrimitive())


@pytest.mark.parametrize("name", ALL)
def test_inputs_and_states(name):
    model = get(name)()
    x = np.zeros((5, 3))
    with pytest.raises(InputError, match="first non-finite"):  # row 1
        model.run(np.array([[0.0, np.nan, 0.0]] * 2))
    with pytest.raises(InputError, match="empty time axis"):  # row 14
        model.run(np.zeros((0, 3)))
    with pytest.raises(InputTypeError):  # row 12
        model.run(x.astype(complex))
    bad = {n: np.zeros(3) for n in model.State.names()}
    bad["v"] = np.full(3, np.inf)
    with pytest.raises(ParameterError, match="finite"):  # row 2 (initial state)
        model.run(x, state=bad)
    with pytest.raises(StateError):  # row 16: a state of another model
        other = sj.Izhikevich() if name != "spikingjelly.Izhikevich" else sj.IF()
        model.run(x, state=other.initial_state((3,)))
    with pytest.raises(ShapeError):  # row 9
        model.run(x, state={n: np.zeros(4) for n in model.State.names()})
    # rows 10, 11, 13, 19: bool/float32 inputs converted, strided views accepted, inputs untouched
    xb = np.ones((5, 3), dtype=bool)
    np.testing.assert_array_equal(model.run(xb).output, model.run(xb.astype(np.float64)).output)
    xf = np.random.default_rng(0).normal(0.5, 0.5, size=(5, 6))
    before = xf.copy()
    np.testing.assert_array_equal(model.run(xf[:, ::2]).output, model.run(np.ascontiguousarray(xf[:, ::2])).output)
    np.testing.assert_array_equal(xf, before)
    # row 14: N == 0 gives empty results without warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.run(np.zeros((4, 0))).output.shape == (4, 0)
