"""The surrogate records the tests iterate over: every class of the registry
with its framework defaults and with non-default parameters."""

from __future__ import annotations

import dataclasses

import numpy as np

from refneuron.surrogates import all_surrogates


def fast_sigmoid_numpy(x, grad, spikes):
    """A user backward for CustomSurrogate: snntorch's fast sigmoid, k = 25."""
    return grad / (25 * np.abs(x) + 1.0) ** 2


# framework, name -> keyword sets (the first is the framework default); a class
# missing here is built once with its defaults
PARAMS = {
    ("snntorch", "atan"): [{}, {"alpha": 3.7}],
    ("snntorch", "fast_sigmoid"): [{}, {"slope": 5.0}],
    ("snntorch", "sigmoid"): [{}, {"slope": 7.3}],
    ("snntorch", "triangular"): [{}, {"threshold": 0.35}],
    ("snntorch", "spike_rate_escape"): [{}, {"beta": 2.5, "slope": 3.3}],
    ("snntorch", "SFS"): [{}, {"slope": 4.0, "B": -0.25}],
    ("snntorch", "SSO"): [{}, {"mean": 0.3, "variance": 0.5}],
    ("snntorch", "LSO"): [{"fixed": True}, {"fixed": True, "slope": 0.37}],
    ("snntorch", "custom_surrogate"): [{"function": fast_sigmoid_numpy}],
    ("spikingjelly", "Sigmoid"): [{}, {"alpha": 1.3}],
    ("spikingjelly", "ATan"): [{}, {"alpha": 0.6}],
    ("spikingjelly", "PiecewiseQuadratic"): [{}, {"alpha": 2.5}],
    ("spikingjelly", "PiecewiseExp"): [{}, {"alpha": 3.1}],
    ("spikingjelly", "SoftSign"): [{}, {"alpha": 0.7}],
    ("spikingjelly", "SuperSpike"): [{}, {"alpha": 2.2}],
    ("spikingjelly", "Erf"): [{}, {"alpha": 0.9}],
    ("spikingjelly", "NonzeroSignLogAbs"): [{}, {"alpha": 3.0}],
    ("spikingjelly", "PiecewiseLeakyReLU"): [{}, {"w": 0.4, "c": 0.2}, {"w": 0.7, "c": 0.0}],
    ("spikingjelly", "SquarewaveFourierSeries"): [{}, {"n": 5, "T_period": 3.3}],
    ("spikingjelly", "S2NN"): [{}, {"alpha": 1.5, "beta": 0.6}],
    ("spikingjelly", "QPseudoSpike"): [{}, {"alpha": 3.5}],
    ("spikingjelly", "LeakyKReLU"): [{}, {"leak": 0.1, "k": 0.8}],
    ("spikingjelly", "FakeNumericalGradient"): [{}, {"alpha": 1.7}],
    ("spikingjelly", "LogTailedReLU"): [{}, {"alpha": 0.05}],
    ("spikingjelly", "Rect"): [{}, {"alpha": 0.8}],
    ("norse", "heaviside"): [{}],
    ("norse", "super"): [{}, {"alpha": 4.0, "alpha_fixed": True}],
    ("norse", "triangle"): [{}, {"alpha": 0.3}],
    ("norse", "tanh"): [{}, {"alpha": 2.5}],
    ("norse", "circ"): [{}, {"alpha": 0.3}],
    ("norse", "heavi_erfc"): [{}, {"alpha": 2.5}, {"alpha": 2.5, "float32_pi": False}],
}


def _has_spiking_flag(cls):
    return any(f.name == "spiking" for f in dataclasses.fields(cls))


def cases():
    """``(id, framework, record)`` for every surrogate and parameter set; the
    spikingjelly classes with a ``spiking`` flag also with ``spiking=False``
    (except SuperSpike, which has no primitive there)."""
    out = []
    for fw, name, cls in all_surrogates():
        for kw in PARAMS.get((fw, name), [{}]):
            variants = [kw]
            if fw == "spikingjelly" and _has_spiking_flag(cls) and name != "SuperSpike":
                variants.append({**kw, "spiking": False})
            for v in variants:
                shown = ", ".join(f"{k}={getattr(val, '__name__', val)}" for k, val in v.items())
                out.append((f"{fw}.{name}({shown})", fw, cls(**v)))
    return out


CASES = cases()


def kinks(rec):
    """Points where ``derivative`` is not smooth (finite differences of the
    primitive must stay clear of them)."""
    p = {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}
    k = [0.0]
    name = type(rec).__name__
    if name == "SpikeRateEscape":
        k.append(1.0)
    if name == "SFS":
        k.append(p["B"])
    if name == "PiecewiseQuadratic":
        k += [1 / p["alpha"], -1 / p["alpha"]]
    if name == "PiecewiseLeakyReLU":
        k += [p["w"], -p["w"]]
    if name == "S2NN":
        k.append(-1.0)
    if name == "LogTailedReLU":
        k.append(1.0)
    if name == "Rect":
        k += [0.5 / p["alpha"], -0.5 / p["alpha"]]
    if name == "Triangle":
        k += [1.0, -1.0]
    return np.array(k)


def grid():
    """The specification's grid: 601 points k/100 in [-3, 3] (0, +-0.5, +-1 exact)
    plus +-1e-300."""
    return np.concatenate([np.arange(-300, 301) / 100.0, [1e-300, -1e-300]])


def extended_grid():
    """Points where overflow, signed zero and far tails matter."""
    return np.array([-0.0, -14.3, -28.3, -29.0, -40.0, -1e3, 30.0, 1e3, 5.0, -5.0])
