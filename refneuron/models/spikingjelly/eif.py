r"""spikingjelly ``EIFNode``: exponential integrate-and-fire (Euler, one step = 1).

Source: spikingjelly 2.0.0, ``activation_based/neuron/nonlinear_if.py``
(``EIFNode``) and ``_ops/eif/reference.py`` (``step``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._math import exp
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
from .qif import check_reset_below


@dataclasses.dataclass(frozen=True, eq=False)
class EIFState(VState):
    """State of :class:`EIF`: the post-reset membrane ``v``."""


def eif_exp(v, theta_rh, delta_T):
    r"""The exponential factor of the charge, :math:`E = e^{(V - \theta_\mathrm{rh})/\Delta_T}`."""
    return exp((v - theta_rh) / delta_T)


def eif_charge_of_exp(v, x, tau, v_rest, delta_T, e):
    """EIF charge given the exponential factor ``e`` (:func:`eif_exp` of ``v``):
    ``v + (x + v_rest - v + delta_T*e) / tau``, the bracket evaluated left to right."""
    return v + (x + v_rest - v + delta_T * e) / tau


def eif_charge(v, x, tau, v_rest, theta_rh, delta_T):
    """EIF charge ``v + (x + v_rest - v + delta_T*exp((v - theta_rh)/delta_T)) / tau``
    (:func:`eif_charge_of_exp` with :func:`eif_exp`).

    Element-wise, evaluated left to right inside the bracket:
    ``((x + v_rest) - v) + delta_T*exp(...)``.  ``np.exp`` overflows to inf
    for arguments above 709.78 (then H = inf, and NaN after the reset), as
    ``torch.exp`` does.
    """
    return eif_charge_of_exp(v, x, tau, v_rest, delta_T, eif_exp(v, theta_rh, delta_T))


def eif_charge_adjoint_of_exp(g_h, e, tau):
    r"""Adjoint of :func:`eif_charge` given its exponential factor ``e`` (:func:`eif_exp`
    of ``v``): ``(g_v, g_x)`` from :math:`\bar H` (element-wise),
    :math:`\partial H/\partial V = 1 + (E - 1)/\tau` (the derivative through ``e``
    included), :math:`\partial H/\partial X = 1/\tau`."""
    return g_h * (1.0 + (e - 1.0) / tau), g_h / tau


def eif_charge_adjoint(g_h, v, tau, theta_rh, delta_T):
    """Adjoint of :func:`eif_charge`: ``(g_v, g_x)``, :func:`eif_charge_adjoint_of_exp`
    with :func:`eif_exp`."""
    return eif_charge_adjoint_of_exp(g_h, eif_exp(v, theta_rh, delta_T), tau)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class EIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``EIFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_eif_step`, reverse step :func:`sj_eif_back` (both
    in this file; the CPU backward kernel calls their forms that pass the step's ``exp`` along,
    :func:`sj_eif_step_and_exp` and :func:`sj_eif_back_of_exp`).

    .. math::

        H_t &= V_{t-1} + \Bigl(X_t + V_\mathrm{rest} - V_{t-1}
               + \Delta_T \exp\bigl((V_{t-1} - \theta_\mathrm{rh})/\Delta_T\bigr)\Bigr)/\tau\\
        S_t &= H^{\ge}(H_t - \theta), \quad
        V_t = S_t V_r + (1 - S_t) H_t \text{ (hard)}, \ H_t - S_t\theta \text{ (soft)}

    Forward Euler (:math:`\Delta t = 1` step) of
    :math:`\tau\,dV/dt = -(V - V_\mathrm{rest}) + \Delta_T e^{(V - \theta_\mathrm{rh})/\Delta_T} + X`
    (dimensionless).  Initial V = ``v_reset`` (-0.1 by default), 0.0 for
    the soft reset.

    Overflow: like spikingjelly, nothing bounds the exponential.  Once
    :math:`(V - \theta_\mathrm{rh})/\Delta_T > 709.78` it is inf, so
    :math:`H_t = \infty`, the neuron fires, and the hard reset
    :math:`V_r + 0\cdot\infty` is NaN (soft: inf, then NaN a step later); a
    NaN membrane never fires again.  :func:`refneuron.run` reproduces this,
    warns ``NonFiniteStateWarning`` once and reports ``RunResult.nonfinite``.

    Parameters
    ----------
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    delta_T : float, > 0
        Sharpness :math:`\Delta_T` (asserted ``> 0``).
    theta_rh : float
        Rheobase threshold :math:`\theta_\mathrm{rh}` (default 0.8).
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
    (``EIFNode``), ``_ops/eif/reference.py``; Fourcaud-Trocmé, Hansel,
    van Vreeswijk and Brunel (2003), J. Neurosci. 23(37):11628.
    """
    )

    name = "spikingjelly.EIF"
    reference = "spikingjelly/activation_based/neuron/nonlinear_if.py"
    State = EIFState
    quirks = COMMON_QUIRKS

    tau: float = tau_field()
    delta_T: float = param(1.0, unit="same as V", doc="sharpness Delta_T", rule=">0", per_neuron=False)
    theta_rh: float = param(0.8, unit="same as V", doc="rheobase threshold", per_neuron=False)
    v_threshold: float = v_threshold_field()
    v_rest: float = param(0.0, unit="same as V", doc="resting potential", per_neuron=False)
    v_reset: object = v_reset_field(-0.1)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _check(self):
        super()._check()
        check_reset_below(self)

    def _step(self, state, x):
        # overflow of exp and inf - inf are reproduced, not reported here: the run
        # loop reports the first non-finite state once.
        with np.errstate(over="ignore", invalid="ignore"):
            h = eif_charge(state.v, x, self.tau, self.v_rest, self.theta_rh, self.delta_T)
            s, s_r = self._spikes(h)
            v = self._reset(h, s_r)
        return s, EIFState(v=v)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order: :math:`E = \exp((V_{t-1} - \theta_\mathrm{rh})/\Delta_T)`,
        :math:`H` = the charge above, :math:`S = s(H - \theta)`,
        :math:`V_t = \mathrm{reset}(H, S_r)` (:math:`S_r = S`, detached with
        ``detach_reset``).  Adjoint, in reverse order, with
        :math:`\sigma = \sigma'(H - \theta)` and :math:`\sigma_r = \sigma`
        (0 with ``detach_reset``):

        .. math::

            \bar H &= \bar S\,\sigma + \bar V_t \bigl((1 - S_r) + (V_r - H)\sigma_r\bigr)
                  \ \text{(hard)}, \quad \bar S\,\sigma + \bar V_t (1 - \theta\sigma_r)
                  \ \text{(soft)}\\
            \bar V_{t-1} &= \bar H\,\bigl(1 + (E - 1)/\tau\bigr), \qquad
            \bar X = \bar H/\tau

        (:math:`d(\Delta_T E)/dV = E`).  No learnable parameters.
        """
        v = state_prev.v
        with np.errstate(over="ignore", invalid="ignore"):
            h = eif_charge(v, x, self.tau, self.v_rest, self.theta_rh, self.delta_T)
            _, s_r = self._spikes(h)
            ds = self._spike_grad(h)
            g_h = g_output * ds + self._reset_adjoint(h, s_r, ds, g_state["v"])
            g_v, g_x = eif_charge_adjoint(g_h, v, self.tau, self.theta_rh, self.delta_T)
        return g_x, {"v": g_v}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_eif_step_and_exp(v, x, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset):
    """:func:`sj_eif_step` that also returns the step's exponential factor
    (:func:`eif_exp`): ``(s, v, e)``.  The CPU backward kernel keeps ``e``
    from its forward pass for the reverse step (:func:`sj_eif_back_of_exp`)."""
    e = eif_exp(v, theta_rh, delta_T)
    h = eif_charge_of_exp(v, x, tau, v_rest, delta_T, e)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset), e


def sj_eif_step(v, x, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset):
    """spikingjelly ``EIFNode`` (``EIF._step`` with the ``>=`` Heaviside)."""
    s, v_new, _ = sj_eif_step_and_exp(v, x, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset)
    return s, v_new


def sj_eif_back_of_exp(
    v, x, e, gy, gv, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    """:func:`sj_eif_back` given the step's exponential factor ``e`` (:func:`eif_exp`
    of ``v``, as :func:`sj_eif_step_and_exp` returns it)."""
    h = eif_charge_of_exp(v, x, tau, v_rest, delta_T, e)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x = eif_charge_adjoint_of_exp(g_h, e, tau)
    return g_x, g_v


def sj_eif_back(v, x, gy, gv, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """spikingjelly ``EIF._vjp_step``: ``(g_x, g_v)``."""
    return sj_eif_back_of_exp(
        v, x, eif_exp(v, theta_rh, delta_T), gy, gv, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset,
        detach, sg, sp0, sp1,
    )  # fmt: skip


__all__ = [
    "EIF", "EIFState", "eif_exp", "eif_charge_of_exp", "eif_charge", "eif_charge_adjoint_of_exp", "eif_charge_adjoint",
    "sj_eif_step_and_exp", "sj_eif_step", "sj_eif_back_of_exp", "sj_eif_back",
]  # fmt: skip
