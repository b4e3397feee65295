"""Bad parameters and options: refneuron's errors, naming the parameter and the rule."""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.errors import InputTypeError, OptionError, ParameterError, ShapeError
from refneuron.surrogates import SURROGATES, all_surrogates, get, norse_method
from refneuron.surrogates import norse as nr
from refneuron.surrogates import snntorch as st
from refneuron.surrogates import spikingjelly as sj

from ._cases import PARAMS


@pytest.mark.parametrize(
    "cls, kw, match",
    [
        (sj.SoftSign, {"alpha": 0.0}, r"alpha: must be > 0 \(got 0.0\)"),
        (sj.SoftSign, {"alpha": -1.0}, r"alpha: must be > 0"),
        (sj.PiecewiseLeakyReLU, {"w": 0.0}, r"w: must be > 0"),
        (sj.PiecewiseQuadratic, {"alpha": -2.0}, r"alpha: must be > 0"),
        (sj.NonzeroSignLogAbs, {"alpha": 0.0}, r"alpha: must be > 0"),
        (sj.Rect, {"alpha": 0.0}, r"alpha: must be > 0"),
        (sj.QPseudoSpike, {"alpha": 1.0}, r"alpha: must be > 1"),
        (sj.SquarewaveFourierSeries, {"T_period": 0.0}, r"T_period: must be > 0"),
        (sj.SquarewaveFourierSeries, {"n": 0}, r"n: must be >= 1"),
        (sj.SuperSpike, {"spiking": False}, r"spiking: must be True"),
        (st.LSO, {}, r"fixed: must be True; snntorch 1.0.0's LSO"),
        (st.SSO, {"seed": -1}, r"seed: must be >= 0"),
        (sj.PoissonPass, {"seed": -3}, r"seed: must be >= 0"),
    ],
)
def test_rules(cls, kw, match):
    with pytest.raises(ParameterError, match=match):
        cls(**kw)


@pytest.mark.parametrize("fw, name, cls", all_surrogates(), ids=[f"{f}.{n}" for f, n, _ in all_surrogates()])
def test_nan_and_inf_parameters_fail(fw, name, cls):
    # every float parameter of every surrogate rejects NaN and inf
    base = dict(PARAMS.get((fw, name), [{}])[0])
    floats = [k for k, v in cls(**base).as_dict().items() if isinstance(v, float)]
    for k in floats:
        for bad in (np.nan, np.inf, -np.inf):
            with pytest.raises(ParameterError, match=rf"{k}: must be finite"):
                cls(**{**base, k: bad})


@pytest.mark.parametrize(
    "cls, kw, err",
    [
        (st.ATan, {"alpha": "2"}, InputTypeError),
        (st.ATan, {"alpha": True}, InputTypeError),
        (st.ATan, {"alpha": 1 + 2j}, InputTypeError),
        (st.ATan, {"alpha": np.ones(3)}, ShapeError),
        (sj.Sigmoid, {"spiking": "False"}, InputTypeError),
        (sj.Sigmoid, {"spiking": 0}, InputTypeError),
        (sj.SquarewaveFourierSeries, {"n": 2.0}, InputTypeError),
        (sj.SquarewaveFourierSeries, {"n": True}, InputTypeError),
        (nr.SuperSpike, {"alpha_fixed": 1}, InputTypeError),
        (st.CustomSurrogate, {"function": 3.0}, InputTypeError),
    ],
)
def test_types(cls, kw, err):
    with pytest.raises(err, match=next(iter(kw))):
        cls(**kw)


def test_unknown_norse_method_lists_the_allowed_names():
    with pytest.raises(OptionError) as exc:
        norse_method("logistic", 100.0)
    msg = str(exc.value)
    assert msg.startswith("method: must be one of")
    for m in ("heaviside", "super", "triangle", "tanh", "circ", "heavi_erfc"):
        assert repr(m) in msg
    assert "'logistic'" in msg
    with pytest.raises(OptionError):
        norse_method("Super")
    with pytest.raises(OptionError):
        norse_method(None)
    with pytest.raises(ParameterError, match="alpha: must be finite"):
        norse_method("tanh", np.nan)


def test_registry_lookup():
    assert get("snntorch", "atan") is st.ATan
    assert get("norse", "super") is nr.SuperSpike
    with pytest.raises(OptionError, match="framework: must be one of"):
        get("brian2", "atan")
    with pytest.raises(OptionError, match="name: must be one of"):
        get("spikingjelly", "atan")
    assert sum(len(t) for t in SURROGATES.values()) == 11 + 18 + 6


@pytest.mark.parametrize("x", ["1.0", np.array([1 + 1j]), np.array(["a"]), object()])
def test_bad_x(x):
    with pytest.raises(InputTypeError, match="x: "):
        st.ATan().derivative(x)


def test_poisson_probability_out_of_range():
    # torch.bernoulli needs 0 <= p <= 1; refneuron says so before drawing
    with pytest.raises(ParameterError, match=r"x: must lie in \[0, 1\]"):
        sj.PoissonPass().forward(np.array([0.2, 1.5]))
    with pytest.raises(ParameterError, match="x: must be finite"):
        sj.PoissonPass().forward(np.array([np.nan]))
