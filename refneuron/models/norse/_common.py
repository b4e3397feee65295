"""Machinery shared by the norse 1.1.0 neurons (``norse/torch/functional/``).

* The firing rule: ``threshold(x, method, alpha)`` is ``H>(x)`` (strict) in
  the forward pass for every accepted ``method``; the method only chooses the
  surrogate gradient (specification, surrogates §3).
* Parameter fields with norse's names, defaults and metadata, declared once
  here and used by every model file.  norse's defaults are 0-dim float32
  tensors; refneuron holds the exact decimal values in float64.
* Recurrent weights: ``input_weights`` ``(n_out, n_in)`` and
  ``recurrent_weights`` ``(n_out, n_out)``, applied as
  ``torch.nn.functional.linear`` does (``x @ W.T``).
* Forward-Euler stability of every rate (bad-inputs row 5).
"""

from __future__ import annotations

import numpy as np

from ... import _checks
from ..._records import flag, matrix, option, param
from ...errors import ShapeError

#: the method names ``norse.torch.functional.threshold.threshold`` accepts
METHODS = ("super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc")

RATE_UNIT = "1/time (time unit of dt)"
V_UNIT = "same as v_th"


def spike_gt(x):
    """norse's forward spike ``H>(x)``: 1.0 where ``x > 0`` else 0.0.

    Element-wise on arrays and Python floats alike (no branch on values).
    """
    return (x > 0) * 1.0


# ---------------------------------------------------------------------------
# parameter fields (one definition of each name, default and rule)


def tau_syn_inv():
    return param(200.0, unit=RATE_UNIT, doc="inverse synaptic time constant 1/tau_syn", rule=">0")


def tau_mem_inv():
    return param(100.0, unit=RATE_UNIT, doc="inverse membrane time constant 1/tau_mem", rule=">0")


def v_leak():
    return param(0.0, unit=V_UNIT, doc="leak (resting) potential; initial v")


def v_th(doc="threshold potential"):
    return param(1.0, unit="voltage", doc=doc)


def v_reset():
    return param(0.0, unit=V_UNIT, doc="reset potential")


def method():
    return option("super", METHODS, doc="surrogate gradient of the spike (gradient only; forward is H>)")


def alpha():
    return param(100.0, doc="surrogate-gradient parameter (gradient only)", per_neuron=False)


def dt():
    return param(0.001, unit="time (s for norse's defaults)", doc="forward-Euler step", rule=">0", per_neuron=False)


def input_weights():
    return matrix(doc="input weights (n_out, n_in), applied as x @ input_weights.T")


def recurrent_weights():
    return matrix(doc="recurrent weights (n_out, n_out), applied to the previous spikes z")


def autapses():
    return flag(
        False,
        doc="keep the diagonal of recurrent_weights; False (norse's module default) uses it as zero",
    )


# ---------------------------------------------------------------------------
# validation helpers


def check_rates(model, *names):
    """Row 5: ``dt*rate`` must be < 2 (rejected) and should be < 1 (warned)."""
    for name in names:
        _checks.check_euler_decay(name, "dt", model.dt * np.asarray(getattr(model, name), dtype=np.float64))


def check_weights(model):
    """Row 9 for the weight matrices; zero the diagonal unless ``autapses``.

    ``input_weights`` must be ``(n_out, n_in)`` and ``recurrent_weights``
    ``(n_out, n_out)``.  norse's recurrent modules zero the diagonal of the
    recurrent matrix when ``autapses=False`` (their default); refneuron does
    the same on its own copy (the caller's array is never written).
    """
    w_in, w_rec = model.input_weights, model.recurrent_weights
    n_out = w_in.shape[0]
    if w_rec.shape != (n_out, n_out):
        raise ShapeError(
            f"recurrent_weights: must have shape (n_out, n_out) = {(n_out, n_out)} to match "
            f"input_weights of shape {w_in.shape} (got shape {w_rec.shape})"
        )
    if not model.autapses:
        w = np.array(w_rec)
        np.fill_diagonal(w, 0.0)
        w.setflags(write=False)
        object.__setattr__(model, "recurrent_weights", w)


def recurrent_neuron_shape(model, item_shape):
    """Neurons ``(*batch, n_out)`` fed by inputs ``(T, *batch, n_in)`` (row 9)."""
    n_out, n_in = model.input_weights.shape
    item_shape = tuple(item_shape)
    if len(item_shape) < 1 or item_shape[-1] != n_in:
        raise ShapeError(
            f"inputs: each step must have shape (*batch, n_in) with n_in = {n_in} "
            f"(input_weights has shape {model.input_weights.shape}) (got step shape {item_shape})"
        )
    return (*item_shape[:-1], n_out)


def linear(x, w):
    """``torch.nn.functional.linear(x, w)`` without bias: ``x @ w.T``."""
    return x @ w.T
