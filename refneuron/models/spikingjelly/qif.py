r"""spikingjelly ``QIFNode``: quadratic integrate-and-fire (Euler, one step = 1).

Source: spikingjelly 2.0.0, ``activation_based/neuron/nonlinear_if.py``
(``QIFNode``) and ``_ops/qif/reference.py`` (``step``).
"""

from __future__ import annotations

import dataclasses

from ... import _checks
from ..._records import param
from ...registry import register
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    SpikingJellyNode,
    VState,
    _sj_fire_back,
    detach_reset_field,
    spike_ge,
    surrogate_field,
    tau_field,
    v_reset_field,
    v_threshold_field,
    voltage_reset,
)


@dataclasses.dataclass(frozen=True, eq=False)
class QIFState(VState):
    """State of :class:`QIF`: the post-reset membrane ``v``."""


def qif_charge(v, x, tau, a0, v_rest, v_c):
    """QIF charge ``v + (x + a0*(v - v_rest)*(v - v_c)) / tau`` (element-wise).

    The product is evaluated left to right, ``(a0*(v - v_rest))*(v - v_c)``.
    """
    return v + (x + a0 * (v - v_rest) * (v - v_c)) / tau


def qif_charge_adjoint(g_h, v, tau, a0, v_rest, v_c):
    r"""Adjoint of :func:`qif_charge`: ``(g_v, g_x)`` from :math:`\bar H`
    (element-wise): :math:`\partial H/\partial V = 1 + a_0((V - V_c) + (V - V_\mathrm{rest}))/\tau`,
    :math:`\partial H/\partial X = 1/\tau`."""
    return g_h * (1.0 + a0 * ((v - v_c) + (v - v_rest)) / tau), g_h / tau


def check_reset_below(model):
    """spikingjelly's asserts for a hard reset: ``v_threshold > v_reset`` and
    ``v_rest >= v_reset`` (QIF and EIF)."""
    if model.v_reset is not None:
        _checks.check_rule("v_threshold - v_reset", model.v_threshold - model.v_reset, ">0")
        _checks.check_rule("v_rest - v_reset", model.v_rest - model.v_reset, ">=0")


@register
@dataclasses.dataclass(frozen=True, eq=False)
class QIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``QIFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_qif_step`, reverse step :func:`sj_qif_back` (both
    in this file).

    .. math::

        H_t &= V_{t-1} + \bigl(X_t + a_0 (V_{t-1} - V_\mathrm{rest})(V_{t-1} - V_c)\bigr)/\tau\\
        S_t &= H^{\ge}(H_t - \theta), \quad
        V_t = S_t V_r + (1 - S_t) H_t \text{ (hard)}, \ H_t - S_t\theta \text{ (soft)}

    Forward Euler (:math:`\Delta t = 1` step) of
    :math:`\tau\,dV/dt = a_0 (V - V_\mathrm{rest})(V - V_c) + X`
    (dimensionless; :math:`V_c` is the critical voltage above which V
    self-excites).  Initial V = ``v_reset`` (-0.1 by default), 0.0 for the
    soft reset.

    Parameters
    ----------
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    v_c : float
        Critical voltage :math:`V_c`.
    a0 : float, > 0
        Sharpness of the quadratic (asserted ``> 0``).
    v_threshold : float
    v_rest : float
    v_reset : float or None
        Default -0.1.  With a hard reset, ``v_threshold > v_reset`` and
        ``v_rest >= v_reset`` (spikingjelly's asserts; a ParameterError here).
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/nonlinear_if.py``
    (``QIFNode``), ``_ops/qif/reference.py``; Gerstner, Kistler, Naud and
    Paninski (2014), *Neuronal Dynamics*, §5.3.
    """
    )

    name = "spikingjelly.QIF"
    reference = "spikingjelly/activation_based/neuron/nonlinear_if.py"
    State = QIFState
    quirks = COMMON_QUIRKS

    tau: float = tau_field()
    v_c: float = param(0.8, unit="same as V", doc="critical voltage V_c", per_neuron=False)
    a0: float = param(1.0, unit="1/V", doc="sharpness of the quadratic", rule=">0", per_neuron=False)
    v_threshold: float = v_threshold_field()
    v_rest: float = param(0.0, unit="same as V", doc="resting potential", per_neuron=False)
    v_reset: object = v_reset_field(-0.1)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _check(self):
        super()._check()
        check_reset_below(self)

    def _step(self, state, x):
        h = qif_charge(state.v, x, self.tau, self.a0, self.v_rest, self.v_c)
        s, s_r = self._spikes(h)
        return s, QIFState(v=self._reset(h, s_r))

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
            \bar V_{t-1} &= \bar H\,\Bigl(1 + a_0\bigl((V_{t-1} - V_c)
                  + (V_{t-1} - V_\mathrm{rest})\bigr)/\tau\Bigr), \qquad
            \bar X = \bar H/\tau

        No learnable parameters (spikingjelly's are Python floats).
        """
        v = state_prev.v
        h = qif_charge(v, x, self.tau, self.a0, self.v_rest, self.v_c)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_h = g_output * ds + self._reset_adjoint(h, s_r, ds, g_state["v"])
        g_v, g_x = qif_charge_adjoint(g_h, v, self.tau, self.a0, self.v_rest, self.v_c)
        return g_x, {"v": g_v}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_qif_step(v, x, tau, a0, v_rest, v_c, v_threshold, v_leak, reset):
    """spikingjelly ``QIFNode`` (``QIF._step`` with the ``>=`` Heaviside)."""
    h = qif_charge(v, x, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_qif_back(v, x, gy, gv, tau, a0, v_rest, v_c, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """spikingjelly ``QIF._vjp_step``: ``(g_x, g_v)``."""
    h = qif_charge(v, x, tau, a0, v_rest, v_c)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x = qif_charge_adjoint(g_h, v, tau, a0, v_rest, v_c)
    return g_x, g_v


__all__ = ["QIF", "QIFState", "qif_charge", "qif_charge_adjoint", "check_reset_below", "sj_qif_step", "sj_qif_back"]
