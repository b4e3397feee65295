r"""spikingjelly ``LIFNode``: leaky integrate-and-fire, leaking toward ``v_reset``.

Source: spikingjelly 2.0.0, ``activation_based/neuron/lif.py`` (``LIFNode``)
and ``_ops/lif/reference.py`` (``charge``, ``step``).
"""

from __future__ import annotations

import dataclasses

from ...registry import register
from ...surrogates._codes import surrogate_slope
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    SpikingJellyNode,
    VState,
    decay_input_field,
    detach_reset_field,
    lif_charge,
    lif_charge_adjoint,
    reset_adjoint,
    spike_ge,
    surrogate_field,
    tau_field,
    v_reset_field,
    v_threshold_field,
    voltage_reset,
)

LIF_DOC = r"""
    .. math::

        H_t &= V_{t-1} + \bigl(X_t - (V_{t-1} - V_r')\bigr)/\tau
              &&\text{decay\_input=True}\\
        H_t &= V_{t-1} - (V_{t-1} - V_r')/\tau + X_t
              &&\text{decay\_input=False}

    with :math:`V_r' = V_r`, or 0 for the soft reset: ``v_reset`` doubles as
    the resting (leak) potential (quirk ``spikingjelly_vreset_leak``).  This is
    forward Euler (:math:`\Delta t = 1` step) of
    :math:`\tau\,dV/dt = -(V - V_r') + X` (resp. :math:`+\,\tau X`).
    The brackets are evaluated in this order (bit-exactness depends on it).
"""


@dataclasses.dataclass(frozen=True, eq=False)
class LIFState(VState):
    """State of :class:`LIF`: the post-reset membrane ``v``."""


@register
@dataclasses.dataclass(frozen=True, eq=False)
class LIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``LIFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_lif_step`, reverse step :func:`sj_lif_back` (both
    in this file).

    Per step: charge, fire :math:`S_t = H^{\ge}(H_t - \theta)`, reset
    (hard :math:`V_t = S_t V_r + (1 - S_t) H_t`, soft :math:`V_t = H_t - S_t\theta`).
"""
        + LIF_DOC
        + r"""
    Parameters
    ----------
    tau : float, > 1
        Membrane time constant in steps.  spikingjelly asserts
        ``isinstance(tau, float) and tau > 1``; refneuron accepts ints too and
        refuses ``tau <= 1`` with a ParameterError.
    decay_input : bool
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/lif.py`` (``LIFNode``),
    ``_ops/lif/reference.py``, ``_ops/reset.py``.
    """
    )

    name = "spikingjelly.LIF"
    reference = "spikingjelly/activation_based/neuron/lif.py"
    State = LIFState
    quirks = COMMON_QUIRKS + ("spikingjelly_vreset_leak",)

    tau: float = tau_field()
    decay_input: bool = decay_input_field()
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _step(self, state, x):
        h = lif_charge(state.v, x, self.tau, self.v_leak, self.decay_input)
        s, s_r = self._spikes(h)
        return s, LIFState(v=self._reset(h, s_r))

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order: :math:`H` = the charge above, :math:`S = s(H - \theta)`,
        :math:`V_t = \mathrm{reset}(H, S_r)` (:math:`S_r = S`, detached with
        ``detach_reset``).  Adjoint, in reverse order, with
        :math:`\sigma = \sigma'(H - \theta)` and :math:`\sigma_r = \sigma`
        (0 with ``detach_reset``):

        .. math::

            \bar H &= \bar S\,\sigma + \bar V_t \bigl((1 - S_r) + (V_r - H)\sigma_r\bigr)
                  \ \text{(hard)}, \quad \bar S\,\sigma + \bar V_t (1 - \theta\sigma_r)
                  \ \text{(soft)}\\
            \bar V_{t-1} &= \bar H\,(1 - 1/\tau), \qquad
            \bar X = \bar H/\tau \ \text{(decay\_input)}, \ \bar H \ \text{(otherwise)}

        spikingjelly's ``tau`` is a Python float, not learnable: no parameter
        gradients.  This is the probe of the specification (models §3.9): one
        supra-threshold step from rest gives
        :math:`dV/dX = ((1 - S) + (V_r - H)\sigma)/\tau` (hard, attached).
        """
        h = lif_charge(state_prev.v, x, self.tau, self.v_leak, self.decay_input)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_h = g_output * ds + self._reset_adjoint(h, s_r, ds, g_state["v"])
        g_v, g_x = lif_charge_adjoint(g_h, self.tau, self.decay_input)
        return g_x, {"v": g_v}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_lif_step(v, x, tau, v_leak, v_threshold, decay_input, reset):
    """spikingjelly ``LIFNode`` (``LIF._step`` with the ``>=`` Heaviside)."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_lif_back(v, x, gy, gv, tau, v_leak, v_threshold, decay_input, reset, detach, sg, sp0, sp1):
    """spikingjelly ``LIF._vjp_step``: ``(g_x, g_v)``."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    g_h = gy * ds + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)
    g_v, g_x = lif_charge_adjoint(g_h, tau, decay_input)
    return g_x, g_v


__all__ = ["LIF", "LIFState", "LIF_DOC", "lif_charge", "sj_lif_step", "sj_lif_back"]
