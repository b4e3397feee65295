r"""spikingjelly ``IFNode``: the integrate-and-fire neuron (ideal integrator).

Source: spikingjelly 2.0.0, ``activation_based/neuron/integrate_and_fire.py``
(``IFNode``) and ``_ops/if_/reference.py`` (the float64 path).
"""

from __future__ import annotations

import dataclasses

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
    v_reset_field,
    v_threshold_field,
    voltage_reset,
)


@dataclasses.dataclass(frozen=True, eq=False)
class IFState(VState):
    """State of :class:`IF`: the post-reset membrane ``v``."""


def if_charge(v, x):
    """IF charge ``H = V + X`` (element-wise)."""
    return v + x


@register
@dataclasses.dataclass(frozen=True, eq=False)
class IF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``IFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_if_step`, reverse step :func:`sj_if_back` (both in
    this file).

    Per step, with :math:`H^{\ge}(u) = 1` if :math:`u \ge 0` else 0:

    .. math::

        H_t &= V_{t-1} + X_t\\
        S_t &= H^{\ge}(H_t - \theta)\\
        V_t &= S_t V_r + (1 - S_t) H_t \ \text{(hard)}, \qquad
        V_t = H_t - S_t\theta \ \text{(soft, v\_reset=None)}

    Output :math:`S_t`; state: post-reset :math:`V_t`.  Forward Euler with
    :math:`\Delta t = 1` of :math:`dV/dt = X(t)` (no leak); V and X share the
    unit of the threshold (dimensionless).
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/integrate_and_fire.py``
    (``IFNode``), ``_ops/if_/reference.py`` (``step``), ``_ops/reset.py``.
    """
    )

    name = "spikingjelly.IF"
    reference = "spikingjelly/activation_based/neuron/integrate_and_fire.py"
    State = IFState
    quirks = COMMON_QUIRKS

    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _step(self, state, x):
        h = if_charge(state.v, x)
        s, s_r = self._spikes(h)
        return s, IFState(v=self._reset(h, s_r))

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order: :math:`H = V_{t-1} + X`, :math:`S = s(H - \theta)`,
        :math:`V_t = \mathrm{reset}(H, S_r)` (:math:`S_r = S`, detached with
        ``detach_reset``).  Adjoint, in reverse order, with
        :math:`\sigma = \sigma'(H - \theta)`:

        .. math::

            \bar H &= \bar S\,\sigma + \bar V_t\,\partial V_t/\partial H
                  \quad(\text{hard: } (1 - S_r) + (V_r - H)\sigma_r,
                  \ \text{soft: } 1 - \theta\sigma_r)\\
            \bar V_{t-1} &= \bar H, \qquad \bar X = \bar H

        :math:`\sigma_r = \sigma`, or 0 with ``detach_reset``.  No learnable
        parameters.
        """
        h = if_charge(state_prev.v, x)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_h = g_output * ds + self._reset_adjoint(h, s_r, ds, g_state["v"])
        return g_h * 1.0, {"v": g_h * 1.0}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_if_step(v, x, v_leak, v_threshold, reset):
    """spikingjelly ``IFNode`` (``IF._step`` with the ``>=`` Heaviside)."""
    h = if_charge(v, x)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_if_back(v, x, gy, gv, v_leak, v_threshold, reset, detach, sg, sp0, sp1):
    """spikingjelly ``IF._vjp_step``: ``(g_x, g_v)``."""
    g_h = _sj_fire_back(if_charge(v, x), gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    return g_h * 1.0, g_h * 1.0


__all__ = ["IF", "IFState", "if_charge", "sj_if_step", "sj_if_back"]
