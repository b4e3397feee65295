r"""spikingjelly ``ParametricLIFNode``: LIF with a learnable decay ``k = sigmoid(w)``.

Source: spikingjelly 2.0.0, ``activation_based/neuron/plif.py``
(``ParametricLIFNode``) and ``_ops/plif/reference.py`` (``step``).
"""

from __future__ import annotations

import dataclasses
import math

from ... import _checks
from ...registry import register
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    SpikingJellyNode,
    VState,
    _sj_fire_back,
    decay_input_field,
    detach_reset_field,
    spike_ge,
    surrogate_field,
    v_reset_field,
    v_threshold_field,
    voltage_reset,
)
from ..._records import other, param


@dataclasses.dataclass(frozen=True, eq=False)
class ParametricLIFState(VState):
    """State of :class:`ParametricLIF`: the post-reset membrane ``v``."""


def plif_charge(v, x, k, v_leak, decay_input):
    """PLIF charge with ``k = sigmoid(w)`` (element-wise).

    ``decay_input`` True: ``v + (x - (v - v_leak)) * k``;
    False: ``v - (v - v_leak) * k + x``.
    """
    if decay_input:
        return v + (x - (v - v_leak)) * k
    return v - (v - v_leak) * k + x


def plif_charge_adjoint(g_h, v, x, k, v_leak, decay_input):
    r"""Adjoint of :func:`plif_charge`: ``(g_v, g_x, g_w)`` from :math:`\bar H`
    (element-wise): :math:`\partial H/\partial V = 1 - k`,
    :math:`\partial H/\partial X = k` (decay_input) or 1, and
    :math:`\bar w = \bar H\,(\partial H/\partial k)\,k(1 - k)` with
    :math:`\partial H/\partial k = X - (V - V_r')` (decay_input) or :math:`-(V - V_r')`."""
    g_v = g_h * (1.0 - k)
    if decay_input:
        g_x, dh_dk = g_h * k, x - (v - v_leak)
    else:
        g_x, dh_dk = g_h * 1.0, -(v - v_leak)
    return g_v, g_x, g_h * dh_dk * (k * (1.0 - k))


def sigmoid_scalar(w):
    """``1 / (1 + exp(-w))`` for a Python float.

    Bit-identical to ``torch.sigmoid`` of a 0-dim float64 tensor (checked on
    5,000 values including every ``-ln(init_tau - 1)`` of a grid of init_tau;
    the vectorised NumPy form differs by 1 ulp on ~2% of them).  Where
    ``exp(-w)`` overflows (``w < -709.78``) torch's ``1/(1 + inf)`` is 0.0;
    ``math.exp`` raises there instead, so that case returns 0.0 explicitly.
    """
    try:
        return 1.0 / (1.0 + math.exp(-w))
    except OverflowError:
        return 0.0


def _as_w(name, value):
    if value is None:
        return None
    return _checks.as_float_param(name, value, None, per_neuron=False)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class ParametricLIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``ParametricLIFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_plif_step`, reverse step :func:`sj_plif_back` (both
    in this file).

    .. math::

        k &= \mathrm{sigmoid}(w) = 1/(1 + e^{-w}),\qquad
             w = -\ln(\tau_0 - 1) \text{ at construction (so } k = 1/\tau_0)\\
        H_t &= V_{t-1} + \bigl(X_t - (V_{t-1} - V_r')\bigr)\,k
              &&\text{decay\_input=True}\\
        H_t &= V_{t-1} - (V_{t-1} - V_r')\,k + X_t
              &&\text{decay\_input=False}\\
        S_t &= H^{\ge}(H_t - \theta), \quad \text{reset as LIF}

    :math:`V_r' = V_r`, or 0 for the soft reset.  Forward Euler
    (:math:`\Delta t = 1`) of :math:`\tau\,dV/dt = -(V - V_r') + X` with
    :math:`1/\tau = k`, a single scalar for the whole layer.

    Parameters
    ----------
    init_tau : float, > 1
        spikingjelly asserts ``isinstance(init_tau, float) and init_tau > 1``;
        refneuron accepts ints too and refuses ``init_tau <= 1``
        (:math:`w = -\ln(\tau_0 - 1)` needs it).
    decay_input : bool
    w : float or None
        The learnable scalar (e.g. a trained value read from
        ``node.w.item()``); None (default) derives it from ``init_tau``
        exactly as spikingjelly does (``-math.log(init_tau - 1.0)``).  When
        given, it overrides ``init_tau``.
"""
        + COMMON_DOC
        + r"""
    Notes
    -----
    ``k`` is computed once, as ``1/(1 + math.exp(-w))``, which is bit-identical
    to ``torch.sigmoid`` of spikingjelly's 0-dim float64 ``w``.  spikingjelly
    creates ``w`` in torch's default dtype: build the node under float64
    default dtype to get these values (models §0.2).

    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/plif.py``
    (``ParametricLIFNode``), ``_ops/plif/reference.py``; Fang et al. (2021),
    "Incorporating learnable membrane time constant to enhance learning of
    spiking neural networks", ICCV.
    """
    )

    name = "spikingjelly.ParametricLIF"
    reference = "spikingjelly/activation_based/neuron/plif.py"
    State = ParametricLIFState
    quirks = COMMON_QUIRKS + ("spikingjelly_vreset_leak", "spikingjelly_learnable_dtype")

    init_tau: float = param(2.0, unit="steps", doc="initial time constant (> 1); w = -ln(init_tau - 1)",
                            rule=">1", per_neuron=False)
    decay_input: bool = decay_input_field()
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()
    w: object = other(None, doc="learnable scalar w (None: -ln(init_tau - 1))", convert=_as_w)

    @property
    def w_value(self):
        """The ``w`` in use: the given one, else ``-ln(init_tau - 1)``."""
        return -math.log(self.init_tau - 1.0) if self.w is None else self.w

    @property
    def k(self):
        """``sigmoid(w)``, the per-step decay (= 1/tau)."""
        return sigmoid_scalar(self.w_value)

    def _step(self, state, x):
        h = plif_charge(state.v, x, self.k, self.v_leak, self.decay_input)
        s, s_r = self._spikes(h)
        return s, ParametricLIFState(v=self._reset(h, s_r))

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order: :math:`k = \mathrm{sigmoid}(w)`, :math:`H` = the
        charge above, :math:`S = s(H - \theta)`, :math:`V_t = \mathrm{reset}(H, S_r)`
        (:math:`S_r = S`, detached with ``detach_reset``).  Adjoint, in reverse
        order, with :math:`\sigma = \sigma'(H - \theta)` and
        :math:`\sigma_r = \sigma` (0 with ``detach_reset``):

        .. math::

            \bar H &= \bar S\,\sigma + \bar V_t \bigl((1 - S_r) + (V_r - H)\sigma_r\bigr)
                  \ \text{(hard)}, \quad \bar S\,\sigma + \bar V_t (1 - \theta\sigma_r)
                  \ \text{(soft)}\\
            \bar V_{t-1} &= \bar H\,(1 - k), \qquad
            \bar X = \bar H\,k \ \text{(decay\_input)}, \ \bar H \ \text{(otherwise)}\\
            \bar w &\mathrel{+}= \bar H\,\frac{\partial H}{\partial k}\,k(1 - k), \quad
            \frac{\partial H}{\partial k} = X - (V_{t-1} - V_r')
            \ \text{(decay\_input)}, \ -(V_{t-1} - V_r') \ \text{(otherwise)}

        using :math:`\mathrm{sigmoid}'(w) = k(1 - k)`.  ``w`` is spikingjelly's
        only learnable parameter of this node; its gradient is returned per
        neuron (the driver sums it to the scalar, as autograd does).
        """
        k = self.k
        v = state_prev.v
        h = plif_charge(v, x, k, self.v_leak, self.decay_input)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_h = g_output * ds + self._reset_adjoint(h, s_r, ds, g_state["v"])
        g_v, g_x, g_w = plif_charge_adjoint(g_h, v, x, k, self.v_leak, self.decay_input)
        return g_x, {"v": g_v}, {"w": g_w}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_plif_step(v, x, k, v_leak, decay_input, v_threshold, reset):
    """spikingjelly ``ParametricLIFNode`` (``ParametricLIF._step``, ``k = sigmoid(w)``)."""
    h = plif_charge(v, x, k, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_plif_back(v, x, gy, gv, k, v_leak, decay_input, v_threshold, reset, detach, sg, sp0, sp1):
    """spikingjelly ``ParametricLIF._vjp_step``: ``(g_x, g_v, g_w)``."""
    h = plif_charge(v, x, k, v_leak, decay_input)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x, g_w = plif_charge_adjoint(g_h, v, x, k, v_leak, decay_input)
    return g_x, g_v, g_w


__all__ = [
    "ParametricLIF",
    "ParametricLIFState",
    "plif_charge",
    "plif_charge_adjoint",
    "sigmoid_scalar",
    "sj_plif_step",
    "sj_plif_back",
]
