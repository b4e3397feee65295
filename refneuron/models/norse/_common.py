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

import dataclasses

import numpy as np

from ... import _checks
from ..._math import indicator
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
    return indicator(x > 0)


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


# ---------------------------------------------------------------------------
# gradient support (hand-derived backward passes, refneuron.gradients)


def surrogate(model):
    """The surrogate record of norse's ``threshold(x, model.method, model.alpha)``."""
    from ...surrogates.norse import norse_method

    return norse_method(model.method, model.alpha)


def fire(model, u):
    r"""The spikes of one step from the threshold argument ``u``: ``(z, z_reset)``.

    ``z`` is the spike that carries gradient (the output, the recurrent spike
    and, where norse does not detach it, the reset); ``z_reset`` the spike
    the reset (and the LSNN threshold jump) uses.

    Normally both are :math:`H^{>}(u)` (the same values).  In the smoothed
    forward (:meth:`~refneuron.models._base.Model.smoothed`, for gradient
    checks only) ``z`` is the surrogate's primitive :math:`g(u)`, with
    :math:`g' = \sigma'` exactly; ``z_reset`` is :math:`g(u)` too unless the
    model's ``reset_detached`` is True (``lif_step``, ``lsnn_step``), where it
    stays :math:`H^{>}(u)`, whose derivative is zero almost everywhere, as
    ``.detach()`` makes it in norse.  ``method="heaviside"`` has no gradient
    in norse (its spike does not require grad), so its smoothed forward keeps
    the hard step everywhere.
    """
    hard = spike_gt(u)
    if not model.is_smoothed or model.method == "heaviside":
        return hard, hard
    z = np.asarray(surrogate(model).primitive(u), dtype=np.float64)
    return z, (hard if model.reset_detached else z)


def spike_derivative(model, u):
    r""":math:`\sigma'(u)`, the derivative norse's backward gives the spike
    :math:`H^{>}(u)` (zeros for ``method="heaviside"``)."""
    return np.asarray(surrogate(model).derivative(u), dtype=np.float64)


def reset(v_decayed, z, v_reset):
    """norse's reset ``(1 - z) * v* + z * v_reset`` (the same expression as the updates)."""
    return (1.0 - z) * v_decayed + z * v_reset


def weight_grad(g, x):
    r""":math:`\sum_\text{batch} \bar J^\top X`: the gradient of ``x @ w.T`` with
    respect to ``w`` ``(n_out, n_in)`` for the upstream ``g`` ``(*batch, n_out)``.

    ``numpy.einsum`` without ``optimize`` sums in a fixed loop order (no
    BLAS, no threads), so the result does not depend on the machine's thread
    count; the driver then adds the per-step matrices in reverse time order.
    """
    rows = int(np.prod(np.shape(g)[:-1], dtype=np.int64))  # explicit: -1 is ambiguous for 0 neurons or inputs
    g2 = np.reshape(g, (rows, np.shape(g)[-1]))
    x2 = np.reshape(x, (rows, np.shape(x)[-1]))
    return np.einsum("bo,bi->oi", g2, x2)


def recurrent_jump_adjoint(model, g_jump, x, z_prev):
    r"""Adjoint of :math:`J = X W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`.

    Returns ``(g_x, g_z_prev, g_weights)`` with
    :math:`\bar X = \bar J W_\text{in}`, :math:`\bar z_{t-1} = \bar J W_\text{rec}`,
    :math:`\bar W_\text{in} = \sum_\text{batch} \bar J^\top X`,
    :math:`\bar W_\text{rec} = \sum_\text{batch} \bar J^\top z_{t-1}`.
    With ``autapses=False`` the diagonal of :math:`\bar W_\text{rec}` is zero:
    the forward uses the diagonal as zero, and norse's ``SNNRecurrent``
    registers a hook that zeroes the diagonal of the gradient.
    """
    g_x = g_jump @ model.input_weights
    g_z_prev = g_jump @ model.recurrent_weights
    g_w_rec = weight_grad(g_jump, z_prev)
    if not model.autapses:
        np.fill_diagonal(g_w_rec, 0.0)
    return g_x, g_z_prev, {"input_weights": weight_grad(g_jump, x), "recurrent_weights": g_w_rec}


@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class Recurrent:
    """The recurrent part shared by ``LIFRecurrent``, ``LIFAdExRecurrent`` and
    ``LSNNRecurrent``: the weight fields, their checks, and the neuron shape
    ``(*batch, n_out)`` fed by inputs ``(T, *batch, n_in)``.  Listed first
    among the bases, so the weights follow the model's own parameters."""

    input_weights: object = input_weights()
    recurrent_weights: object = recurrent_weights()
    autapses: bool = autapses()

    def _check(self):
        check_weights(self)
        super()._check()

    def neuron_shape(self, item_shape):
        return recurrent_neuron_shape(self, item_shape)
