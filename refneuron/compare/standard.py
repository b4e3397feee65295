"""The standard comparison set: every framework model with default options,
on an input that makes it fire often.

Models whose framework constructor has required arguments get fixed,
documented values (snntorch ``beta``/``alpha``; random weights for the
recurrent norse models).  Each input is Gaussian noise with a mean chosen
from the model's steady state so that a sizeable fraction of steps fire
(the firing rate of every case is checked by the tests):

* snntorch: Leaky/Synaptic/Alpha settle at ``X/(1-beta)`` (times
  ``1/(1-alpha)`` with a synaptic current), Lapicque at ``R X`` with R = 1;
* spikingjelly: ``decay_input`` LIF nodes settle at ``X``; IF integrates;
  QIF, EIF and Izhikevich need ``X`` above their rheobase (~1 for the
  defaults) without running away between resets;
* norse: the current settles at ``X/(dt tau_syn_inv) = 5 X`` (v_th = 1);
  the current encoder receives the current directly.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["STANDARD", "StandardCase", "standard_cases", "standard_input", "standard_model"]

T_STEPS = 200
BATCH, N = 4, 8  # neurons (BATCH, N); recurrent models map N_IN inputs to N neurons
N_IN = 6
SEED = 20240601


@dataclasses.dataclass(frozen=True)
class StandardCase:
    """One model of the matrix: how to build it and its input's (mean, std)."""

    name: str
    kwargs: dict
    loc: float
    scale: float
    note: str = ""


def _recurrent_weights(seed=SEED):
    rng = np.random.default_rng(seed)
    # input weights ~ 1/sqrt(N_IN) keep the summed current O(1); recurrent weights small
    # (0.1/sqrt(N)) so that the network fires from its input, not from runaway feedback
    return {
        "input_weights": rng.normal(0.0, 1.0 / np.sqrt(N_IN), size=(N, N_IN)),
        "recurrent_weights": rng.normal(0.0, 0.1 / np.sqrt(N), size=(N, N)),
    }


STANDARD = {
    c.name: c
    for c in [
        StandardCase("snntorch.Leaky", {"beta": 0.9}, 0.15, 0.5, "steady state X/(1-beta) = 1.5 > threshold 1"),
        StandardCase("snntorch.Synaptic", {"alpha": 0.8, "beta": 0.9}, 0.04, 0.3, "steady state X/((1-a)(1-b)) = 2"),
        StandardCase("snntorch.Lapicque", {"beta": 0.9}, 2.0, 1.5, "R = 1: steady state X = 2"),
        StandardCase("snntorch.Alpha", {"alpha": 0.9, "beta": 0.8}, 0.3, 0.5, "zero reset (default)"),
        StandardCase("spikingjelly.IF", {}, 0.3, 0.6, "integrates the mean 0.3 per step"),
        StandardCase("spikingjelly.LIF", {}, 1.3, 0.8, "decay_input: steady state X"),
        StandardCase("spikingjelly.ParametricLIF", {}, 1.3, 0.8, "as LIF (init_tau = 2)"),
        StandardCase("spikingjelly.QIF", {}, 1.0, 0.5, ""),
        StandardCase("spikingjelly.EIF", {}, 1.0, 0.5, ""),
        StandardCase("spikingjelly.Izhikevich", {}, 1.0, 0.5, ""),
        StandardCase("spikingjelly.LIAF", {}, 1.3, 0.8, "analog output relu(H - theta)"),
        StandardCase("spikingjelly.KLIF", {}, 1.3, 0.8, ""),
        StandardCase("norse.LIF", {}, 0.3, 0.5, "current settles at 5 X"),
        StandardCase("norse.LIFRecurrent", {"weights": True}, 0.5, 0.8, "input through random weights"),
        StandardCase("norse.LIFAdEx", {}, 0.3, 0.5, ""),
        StandardCase("norse.LIFAdExRecurrent", {"weights": True}, 0.5, 0.8, ""),
        StandardCase("norse.LIFAdExCurrentEncoder", {}, 2.0, 1.0,
                     "the adaptation diverges as (-2)^t with the defaults (quirk norse_adex_encoder)"),
        StandardCase("norse.LSNN", {}, 1.0, 0.5, "b grows by beta = 1.8 per spike and hardly decays: few spikes"),
        StandardCase("norse.LSNNRecurrent", {"weights": True}, 1.5, 0.8, ""),
    ]
}


def standard_model(name):
    """The model record of the standard case ``name`` (default options)."""
    from .. import registry

    case = STANDARD[name]
    kwargs = dict(case.kwargs)
    if kwargs.pop("weights", False):
        kwargs.update(_recurrent_weights())
    return registry.get(name)(**kwargs)


def standard_input(name, steps=T_STEPS, seed=SEED):
    """The standard input of case ``name``: ``(steps, BATCH, N or N_IN)`` float64."""
    case = STANDARD[name]
    width = N_IN if STANDARD[name].kwargs.get("weights") else N
    return np.random.default_rng(seed).normal(case.loc, case.scale, size=(steps, BATCH, width))


def standard_cases(names=None, steps=T_STEPS):
    """``[(name, model, inputs)]`` for ``names`` (default: every standard case)."""
    names = list(STANDARD) if names is None else list(names)
    return [(n, standard_model(n), standard_input(n, steps)) for n in names]
