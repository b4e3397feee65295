r"""norse ``LIFAdEx``, ``LIFAdExRecurrent`` and the LIFAdEx current encoder:
adaptive exponential integrate-and-fire, forward Euler, reset in the same step.

Source: norse 1.1.0, ``norse/torch/functional/lif_adex.py``
(``lif_adex_feed_forward_step``, ``lif_adex_step``, ``lif_adex_current_encoder``)
and ``norse/torch/module/lif_adex.py``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from ..._math import exp
from ..._records import State, flag, param
from ...registry import register
from ...surrogates._codes import surrogate_slope
from .._base import Model
from . import _common as c
from ._common import spike_gt


@dataclasses.dataclass(frozen=True, eq=False)
class LIFAdExFeedForwardState(State):
    """State of :class:`LIFAdEx`: membrane ``v`` (post-reset), synaptic current
    ``i``, adaptation current ``a``."""

    v: object
    i: object
    a: object


@dataclasses.dataclass(frozen=True, eq=False)
class LIFAdExState(State):
    """State of :class:`LIFAdExRecurrent`: previous spikes ``z``, ``v``, ``i``, ``a``."""

    z: object
    v: object
    i: object
    a: object


@dataclasses.dataclass(frozen=True, eq=False)
class LIFAdExEncoderState(State):
    """State of :class:`LIFAdExCurrentEncoder`: membrane ``v`` and adaptation ``a``."""

    v: object
    a: object


def adex_exp(v, v_th, delta_T):
    """The exponential factor of the membrane equation, ``e = exp((v - v_th)/delta_T)``
    (dimensionless).  Element-wise on arrays and Python floats
    (:func:`refneuron._math.exp`)."""
    return exp((v - v_th) / delta_T)


def adex_dv_of_exp(v, current, a, e, tau_mem_inv, v_leak, delta_T, dt):
    """:func:`adex_dv` given the exponential factor ``e`` (:func:`adex_exp` of ``v``):
    ``(dt*tau_mem_inv) * ((((v_leak - v) + delta_T*e) + current) - a)``."""
    return (dt * tau_mem_inv) * ((((v_leak - v) + delta_T * e) + current) - a)


def adex_dv(v, current, a, tau_mem_inv, v_leak, v_th, delta_T, dt):
    """The Euler increment of ``v``, in norse's order:
    ``(dt*tau_mem_inv) * ((((v_leak - v) + delta_T*exp((v - v_th)/delta_T)) + current) - a)``
    (:func:`adex_dv_of_exp` with :func:`adex_exp`).  Element-wise on arrays and Python floats."""
    return adex_dv_of_exp(v, current, a, adex_exp(v, v_th, delta_T), tau_mem_inv, v_leak, delta_T, dt)


def lif_adex_update_and_exp(
    v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """:func:`lif_adex_update` that also returns the step's exponential factor
    ``e`` (:func:`adex_exp` of the old ``v``): ``(z, v, i, a, e)``.  The CPU
    backward kernel keeps ``e`` from its forward pass for the reverse step
    (:func:`norse_lif_adex_back_of_exp`) instead of computing the ``exp`` twice."""
    e = adex_exp(v, v_th, delta_T)
    v_decayed, i_decayed, a_decayed = lif_adex_decay_of_exp(
        v, i_jump, a, e, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, delta_T, adaptation_current, dt,
    )  # fmt: skip
    z = spike_gt(v_decayed - v_th)
    v_new = (1.0 - z) * v_decayed + z * v_reset
    a_new = a_decayed + z * adaptation_spike
    return z, v_new, i_decayed, a_new, e


def lif_adex_update(
    v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """One LIFAdEx step after the current jump (steps 2-7 of the update).

    ``i_jump`` is ``i + x`` (feed-forward) or ``i + x W_in^T + z W_rec^T``
    (recurrent).  The adaptation uses the *old* ``v``.  Element-wise,
    branch-free, on arrays and Python floats.  Returns ``(z, v, i, a)``
    (the arithmetic is :func:`lif_adex_update_and_exp`'s).
    """
    z, v_new, i_decayed, a_new, _ = lif_adex_update_and_exp(
        v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
        delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip
    return z, v_new, i_decayed, a_new


def adex_dv_adjoint(g_vd, v, current, a, tau_mem_inv, v_leak, v_th, delta_T, dt):
    r"""Adjoint of :math:`v^* = v + ` :func:`adex_dv`: ``(g_v, g_current, g_a, g_params)``.

    With :math:`m = \Delta t\,\tau_m^{-1}`, :math:`w = (v - v_\text{th})/\Delta_T`,
    :math:`e = e^{w}`, :math:`E = \Delta_T e` and
    :math:`B = (((v_\text{leak} - v) + E) + I) - a`, so that :math:`v^* = v + m B`:

    .. math::

        \bar B &= \bar v^* m, \qquad \overline{\tau_m^{-1}} = \Delta t\,\bar v^* B, \\
        \bar v &= \bar v^* + \bar B\,(e - 1), \quad \bar I = \bar B, \quad \bar a = -\bar B, \\
        \bar v_\text{leak} &= \bar B, \quad \bar v_\text{th} = -\bar B\,e, \quad
        \bar\Delta_T = \bar B\,e\,(1 - w)

    (:math:`\partial E/\partial v = e`, :math:`\partial E/\partial v_\text{th} = -e`,
    :math:`\partial E/\partial\Delta_T = e + \Delta_T e \cdot (-w/\Delta_T) = e(1 - w)`).
    The arithmetic is :func:`adex_dv_adjoint_parts`.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        g_v, g_cur, g_a, g_tm, g_vl, g_vth, g_dT = adex_dv_adjoint_parts(
            g_vd, v, current, a, adex_exp(v, v_th, delta_T), tau_mem_inv, v_leak, v_th, delta_T, dt
        )
    return g_v, g_cur, g_a, {"tau_mem_inv": g_tm, "v_leak": g_vl, "v_th": g_vth, "delta_T": g_dT}


def adex_dv_adjoint_parts(g_vd, v, current, a, e, tau_mem_inv, v_leak, v_th, delta_T, dt):
    """:func:`adex_dv_adjoint` as a tuple, element-wise (arrays or scalars; the
    compiled backward kernels call it), given the step's exponential factor
    ``e`` (:func:`adex_exp` of ``v``): ``(g_v, g_current, g_a, g_tau_mem_inv,
    g_v_leak, g_v_th, g_delta_T)``.  Overflow of ``exp`` gives inf/NaN (the
    NumPy callers silence the warning)."""
    w = (v - v_th) / delta_T
    b_sum = (((v_leak - v) + delta_T * e) + current) - a
    g_b = g_vd * (dt * tau_mem_inv)
    g_v = g_vd + g_b * (e - 1.0)
    return g_v, g_b, -g_b, (g_vd * b_sum) * dt, g_b, -(g_b * e), g_b * e * (1.0 - w)


def lif_adex_decay_of_exp(
    v, i_jump, a, e, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, delta_T, adaptation_current, dt,
):  # fmt: skip
    """``(v*, i_t, a*)``, the decay of one step before the spike, given the
    step's exponential factor ``e`` (:func:`adex_exp` of ``v``):
    ``v* = v + adex_dv``, ``i_t = i_jump + (-dt*tau_syn_inv)*i_jump``,
    ``a* = a + (dt*tau_ada_inv)*(adaptation_current*(v - v_leak) - a)``."""
    v_decayed = v + adex_dv_of_exp(v, i_jump, a, e, tau_mem_inv, v_leak, delta_T, dt)
    i_decayed = i_jump + ((-dt) * tau_syn_inv) * i_jump
    a_decayed = a + (dt * tau_ada_inv) * (adaptation_current * (v - v_leak) - a)
    return v_decayed, i_decayed, a_decayed


def lif_adex_decay(
    v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, delta_T, adaptation_current, dt,
):  # fmt: skip
    """``(v*, i_t, a*)``: the expressions of :func:`lif_adex_update` before the
    spike (:func:`lif_adex_decay_of_exp` with :func:`adex_exp`); used by the
    smoothed forward and the backward pass."""
    return lif_adex_decay_of_exp(
        v, i_jump, a, adex_exp(v, v_th, delta_T), tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, delta_T,
        adaptation_current, dt,
    )  # fmt: skip


def adaptation_adjoint(g_ad, v, a, tau_ada_inv, v_leak, adaptation_current, dt):
    r"""Adjoint of :math:`a^* = a + q\,(\kappa (v - v_\text{leak}) - a)`,
    :math:`q = \Delta t\,\tau_a^{-1}`: ``(g_v, g_a, g_params)`` with

    .. math::

        \bar a = \bar a^* (1 - q), \quad \bar v = \bar a^* q\kappa, \quad
        \bar v_\text{leak} = -\bar a^* q\kappa, \quad
        \bar\kappa = \bar a^* q (v - v_\text{leak}), \quad
        \overline{\tau_a^{-1}} = \Delta t\,\bar a^* (\kappa (v - v_\text{leak}) - a).

    The arithmetic is :func:`adaptation_adjoint_parts`.
    """
    g_v, g_a, g_ta, g_k, g_vl = adaptation_adjoint_parts(g_ad, v, a, tau_ada_inv, v_leak, adaptation_current, dt)
    return g_v, g_a, {"tau_ada_inv": g_ta, "adaptation_current": g_k, "v_leak": g_vl}


def adaptation_adjoint_parts(g_ad, v, a, tau_ada_inv, v_leak, adaptation_current, dt):
    """:func:`adaptation_adjoint` as a tuple, element-wise (arrays or scalars):
    ``(g_v, g_a, g_tau_ada_inv, g_adaptation_current, g_v_leak)``."""
    q = dt * tau_ada_inv
    g_qk = g_ad * (q * adaptation_current)
    return (
        g_qk,
        g_ad * (1.0 - q),
        (g_ad * (adaptation_current * (v - v_leak) - a)) * dt,
        g_ad * (q * (v - v_leak)),
        -g_qk,
    )


def lif_adex_update_adjoint(
    v, i_jump, a, e, v_decayed, z, sigma, g_z, g_v_new, g_i_new, g_a_new, tau_syn_inv, tau_mem_inv, tau_ada_inv,
    v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    r"""Adjoint of one :func:`lif_adex_update` step, element-wise (arrays or scalars).

    ``e`` is the step's exponential factor (:func:`adex_exp` of ``v``),
    ``v_decayed`` is :math:`v^*`, ``z`` the step's spike (never detached in
    norse's LIFAdEx steps), ``sigma`` the surrogate derivative at
    :math:`u = v^* - v_\text{th}`; the derivation is in the class docstring
    (``_DOC_GRADIENT``).  Returns ``(g_v, g_i_jump, g_a, g_tau_mem_inv,
    g_v_leak, g_v_th, g_delta_T, g_tau_ada_inv, g_adaptation_current,
    g_tau_syn_inv, g_v_reset, g_adaptation_spike)``.
    """
    g_u = (g_z + g_v_new * (v_reset - v_decayed) + g_a_new * adaptation_spike) * sigma
    g_vd = g_v_new * (1.0 - z) + g_u
    g_v, g_cur, g_a, g_tm, g_vl, g_vth, g_dT = adex_dv_adjoint_parts(
        g_vd, v, i_jump, a, e, tau_mem_inv, v_leak, v_th, delta_T, dt
    )
    g_v_ada, g_a_ada, g_ta, g_k, g_vl_ada = adaptation_adjoint_parts(
        g_a_new, v, a, tau_ada_inv, v_leak, adaptation_current, dt
    )
    s = (-dt) * tau_syn_inv
    g_jump = g_cur + g_i_new * (1.0 + s)
    return (
        g_v + g_v_ada, g_jump, g_a + g_a_ada, g_tm, g_vl + g_vl_ada, g_vth - g_u, g_dT, g_ta, g_k,
        -(g_i_new * i_jump) * dt, g_v_new * z, g_a_new * z,
    )  # fmt: skip


def lif_adex_encoder_adjoint(
    v, current, a, e, v_star, z, v_new, sigma, g_z, g_v_new, g_a_new, tau_mem_inv, tau_ada_inv, v_leak, v_th,
    v_reset, delta_T, adaptation_current, adaptation_spike, dt, corrected,
):  # fmt: skip
    r"""Adjoint of one :func:`lif_adex_encoder_update` step, element-wise.

    ``e`` is the step's exponential factor (:func:`adex_exp` of ``v``),
    ``v_star`` is :math:`v^*`, ``z`` the spike, ``v_new`` the post-reset
    :math:`v_t`, ``sigma`` the surrogate derivative at :math:`v^* - v_\text{th}`;
    ``corrected`` the option code of :func:`lif_adex_encoder_update` (the
    only branch).  Derivation in :class:`LIFAdExCurrentEncoder`'s docstring.
    Returns ``(g_current, g_v, g_a, g_tau_ada_inv, g_adaptation_current,
    g_v_leak, g_tau_mem_inv, g_v_th, g_delta_T, g_v_reset, g_adaptation_spike)``.
    """
    if corrected:
        g_v_old, g_a, g_ta, g_k, g_vl = adaptation_adjoint_parts(
            g_a_new, v, a, tau_ada_inv, v_leak, adaptation_current, dt
        )
        g_vt = g_v_new
    else:
        k_r = tau_ada_inv * adaptation_current
        g_vt = g_v_new + g_a_new * k_r
        g_v_old = 0.0
        g_a = -(g_a_new * tau_ada_inv)
        g_ta = g_a_new * (adaptation_current * (v_new - v_leak) - a)
        g_k = g_a_new * (tau_ada_inv * (v_new - v_leak))
        g_vl = -(g_a_new * k_r)
    g_u = (g_z + g_a_new * adaptation_spike - g_vt * (v_star - v_reset)) * sigma
    g_vs = g_vt * (1.0 - z) + g_u
    g_v, g_x, g_a_dv, g_tm, g_vl_dv, g_vth, g_dT = adex_dv_adjoint_parts(
        g_vs, v, current, a, e, tau_mem_inv, v_leak, v_th, delta_T, dt
    )
    return (
        g_x, g_v + g_v_old, g_a + g_a_dv, g_ta, g_k, g_vl + g_vl_dv, g_tm, g_vth - g_u, g_dT, g_vt * z,
        g_a_new * z,
    )  # fmt: skip


def lif_adex_encoder_update_and_exp(
    v, current, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt, corrected,
):  # fmt: skip
    """:func:`lif_adex_encoder_update` that also returns the step's exponential
    factor ``e`` (:func:`adex_exp` of the old ``v``): ``(z, v, a, e)``, for the
    CPU backward kernel as :func:`lif_adex_update_and_exp`."""
    e = adex_exp(v, v_th, delta_T)
    v_star = v + adex_dv_of_exp(v, current, a, e, tau_mem_inv, v_leak, delta_T, dt)
    z = spike_gt(v_star - v_th)
    v_new = v_star - z * (v_star - v_reset)
    if corrected:
        a_new = (a + (dt * tau_ada_inv) * (adaptation_current * (v - v_leak) - a)) + z * adaptation_spike
    else:
        a_new = tau_ada_inv * (adaptation_current * (v_new - v_leak) - a) + z * adaptation_spike
    return z, v_new, a_new, e


def lif_adex_encoder_update(
    v, current, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt, corrected,
):  # fmt: skip
    """One step of the LIFAdEx current encoder; returns ``(z, v, a)`` (the
    arithmetic is :func:`lif_adex_encoder_update_and_exp`'s).

    ``corrected`` is 0 (norse 1.1.0 as released) or 1 (proper Euler step of
    ``a``); the only branch is on that option code.  Element-wise on arrays
    and Python floats.
    """
    z, v_new, a_new, _ = lif_adex_encoder_update_and_exp(
        v, current, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
        delta_T, adaptation_current, adaptation_spike, dt, corrected,
    )  # fmt: skip
    return z, v_new, a_new


# -- fields declared once --------------------------------------------------------------


def _adaptation_current():
    return param(4.0, unit="conductance (current / voltage)", doc="subthreshold adaptation coupling kappa")


def _adaptation_spike():
    return param(0.02, unit="current", doc="spike-triggered adaptation increment b")


def _delta_T():
    return param(0.5, unit=c.V_UNIT, doc="sharpness of the exponential", rule=">0")


def _tau_ada_inv():
    return param(2.0, unit=c.RATE_UNIT, doc="inverse adaptation time constant 1/tau_ada", rule=">0")


_DOC_EQUATIONS = r"""
    With :math:`H^{>}(u) = 1` if :math:`u > 0` else 0, per step :math:`t`:

    .. math::

        I^*   &= i_{t-1} + J_t \\
        v^*   &= v + (\Delta t\,\tau_m^{-1})\,((((v_\text{leak} - v)
                 + \Delta_T e^{(v - v_\text{th})/\Delta_T}) + I^*) - a) \\
        i_t   &= I^* + (-\Delta t\,\tau_s^{-1})\,I^* \\
        a^*   &= a + (\Delta t\,\tau_a^{-1})\,(\kappa\,(v - v_\text{leak}) - a) \\
        z_t   &= H^{>}(v^* - v_\text{th}) \\
        v_t   &= (1 - z_t)\,v^* + z_t\,v_\text{reset} \\
        a_t   &= a^* + z_t\,b

    with :math:`v = v_{t-1}`, :math:`a = a_{t-1}` (the adaptation uses the old
    membrane), :math:`\kappa` = ``adaptation_current``, :math:`b` =
    ``adaptation_spike``.  The exponential's rheobase is ``v_th`` itself
    (quirk ``norse_adex_rheobase``).  Explicit Euler of

    .. math::

        \tau_m \dot v &= v_\text{leak} - v + \Delta_T e^{(v - v_\text{th})/\Delta_T} + i - a \\
        \tau_a \dot a &= \kappa\,(v - v_\text{leak}) - a, \qquad \tau_s \dot i = -i,

    inputs as jumps of :math:`i`; on a spike :math:`v \leftarrow v_\text{reset}`,
    :math:`a \leftarrow a + b`.  ``dt`` times each of ``tau_mem_inv``,
    ``tau_syn_inv``, ``tau_ada_inv`` must be < 2 (refused) and should be < 1
    (warned).  A large ``v`` overflows ``exp`` to inf and then NaN, as in
    norse; the run reports it (``RunResult.nonfinite`` and a warning).

    Units: as norse's LIF, the defaults are rates per second with
    ``dt = 0.001`` (quirk ``norse_units``); voltages, currents and ``a``
    share one unit.  Initial state: :math:`v = v_\text{leak}`, :math:`i = 0`,
    :math:`a = 0`.
"""

_DOC_PARAMETERS = r"""
    adaptation_current : float or array
        :math:`\kappa` (default 4; an int64 tensor in norse, 4.0 here).
    adaptation_spike : float or array
        :math:`b` (default 0.02).
    delta_T : float or array, > 0
        Sharpness of the exponential (default 0.5).
    tau_ada_inv, tau_syn_inv, tau_mem_inv : float or array, > 0
        Inverse time constants (defaults 2, 200, 100).
    v_leak, v_th, v_reset : float or array
        (defaults 0, 1, 0).
    method : {"super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc"}
        Surrogate gradient (gradient only; the forward is :math:`H^{>}`).
    alpha : float
        Surrogate parameter (default 100.0).
    dt : float, > 0
        Time step (default 0.001)."""


_DOC_GRADIENT = r"""
    Backward pass (``_vjp_step``, driven by :func:`refneuron.gradients.vjp`).
    Forward of step :math:`t` in order, with :math:`m = \Delta t\,\tau_m^{-1}`,
    :math:`s = -\Delta t\,\tau_s^{-1}`, :math:`q = \Delta t\,\tau_a^{-1}`,
    :math:`E = \Delta_T e^{w}`, :math:`w = (v - v_\text{th})/\Delta_T`,
    :math:`u = v^* - v_\text{th}` and :math:`\sigma = \sigma'(u)` (norse's
    surrogate); neither ``lif_adex_feed_forward_step`` nor ``lif_adex_step``
    detaches the spike:

    .. math::

        I^* &= i + J, \quad B = (((v_\text{leak} - v) + E) + I^*) - a, \quad v^* = v + m B, \\
        i_t &= I^* + s I^*, \quad a^* = a + q\,(\kappa (v - v_\text{leak}) - a), \\
        z_t &= H^{>}(u), \quad v_t = (1 - z_t) v^* + z_t v_\text{reset}, \quad a_t = a^* + z_t b.

    Adjoint, in reverse order, from :math:`\bar z_t` (output, plus the state
    ``z`` of the recurrent model), :math:`\bar v_t`, :math:`\bar\imath_t`,
    :math:`\bar a_t`:

    .. math::

        \bar u &= \bigl(\bar z_t + \bar v_t (v_\text{reset} - v^*) + \bar a_t b\bigr)\,\sigma, \quad
        \bar b = \bar a_t z_t, \quad \bar v_\text{reset} = \bar v_t z_t, \\
        \bar v^* &= \bar v_t (1 - z_t) + \bar u, \quad \bar a^* = \bar a_t, \quad
        \bar v_\text{th} = -\bar u + (\text{from } E), \\
        \bar B &= \bar v^* m, \quad \overline{\tau_m^{-1}} = \Delta t\,\bar v^* B, \quad
        \bar I^* = \bar B + \bar\imath_t (1 + s), \quad
        \overline{\tau_s^{-1}} = -\Delta t\,\bar\imath_t I^*, \\
        \bar v &= \bar v^* + \bar B (e^{w} - 1) + \bar a^* q\kappa, \quad
        \bar a = -\bar B + \bar a^* (1 - q), \\
        \bar v_\text{leak} &= \bar B - \bar a^* q\kappa, \quad
        \bar v_\text{th} \mathrel{+}= -\bar B e^{w}, \quad
        \bar\Delta_T = \bar B e^{w} (1 - w), \\
        \bar\kappa &= \bar a^* q (v - v_\text{leak}), \quad
        \overline{\tau_a^{-1}} = \Delta t\,\bar a^* (\kappa (v - v_\text{leak}) - a), \quad
        \bar\imath = \bar J = \bar I^*.

    Feed-forward: :math:`\bar X = \bar J`.  Recurrent: as
    :class:`~refneuron.models.norse.lif.LIFRecurrent`
    (:math:`\bar X = \bar J W_\text{in}`, :math:`\bar z_{t-1} = \bar J W_\text{rec}`,
    weight gradients :math:`\sum_\text{batch} \bar J^\top X` and
    :math:`\sum_\text{batch} \bar J^\top z_{t-1}`, diagonal zero without
    autapses).  Every float parameter of ``LIFAdExParameters`` gets a
    gradient (:math:`\kappa` = ``adaptation_current``, :math:`b` =
    ``adaptation_spike``, ``delta_T``, the three rates, ``v_leak``, ``v_th``,
    ``v_reset``); ``alpha`` and ``dt`` are Python floats in norse.  In the
    smoothed forward :math:`z_t = g(u)` in all three places.
"""


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdEx(Model):
    __doc__ = (
        r"""norse ``LIFAdEx`` (``lif_adex_feed_forward_step``), reproduced in float64.

    Compiled kernels: one-neuron step :func:`norse_lif_adex_step`, reverse step
    :func:`norse_lif_adex_back` (both in this file; the CPU backward kernel calls
    their forms that pass the step's ``exp`` along, :func:`norse_lif_adex_step_and_exp`
    and :func:`norse_lif_adex_back_of_exp`).

    The input :math:`J_t = X_t` is a current added to the synaptic current.
"""
        + _DOC_EQUATIONS
        + """
    Parameters
    ----------"""
        + _DOC_PARAMETERS
        + """

    Notes
    -----
    Gradient path: the reset is not detached (``reset_detached = False``).
"""
        + _DOC_GRADIENT
        + r"""

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lif_adex.py``
    (``lif_adex_feed_forward_step``), ``norse/torch/module/lif_adex.py``
    (``LIFAdEx``, ``LIFAdExCell``).
    """
    )

    name = "norse.LIFAdEx"
    framework = "norse 1.1.0"
    reference = "norse/torch/functional/lif_adex.py (lif_adex_feed_forward_step)"
    State = LIFAdExFeedForwardState
    quirks = ("norse_adex_rheobase", "norse_units", "norse_superspike_alpha")
    reset_detached: ClassVar[bool] = False

    adaptation_current: float = _adaptation_current()
    adaptation_spike: float = _adaptation_spike()
    delta_T: float = _delta_T()
    tau_ada_inv: float = _tau_ada_inv()
    tau_syn_inv: float = c.tau_syn_inv()
    tau_mem_inv: float = c.tau_mem_inv()
    v_leak: float = c.v_leak()
    v_th: float = c.v_th()
    v_reset: float = c.v_reset()
    method: str = c.method()
    alpha: float = c.alpha()
    dt: float = c.dt()

    def _check(self):
        c.check_rates(self, "tau_mem_inv", "tau_syn_inv", "tau_ada_inv")

    def initial_state(self, neuron_shape):
        return LIFAdExFeedForwardState(
            v=self.full(self.v_leak, neuron_shape), i=self.full(0.0, neuron_shape), a=self.full(0.0, neuron_shape)
        )

    def _update(self, v, i_jump, a):
        with np.errstate(over="ignore", invalid="ignore"):  # inf/NaN reproduced and reported by the run
            return lif_adex_update(
                v, i_jump, a, self.tau_syn_inv, self.tau_mem_inv, self.tau_ada_inv, self.v_leak, self.v_th,
                self.v_reset, self.delta_T, self.adaptation_current, self.adaptation_spike, self.dt,
            )  # fmt: skip

    def _step(self, state, x):
        if self.is_smoothed:
            z, v, i, a = self._smooth_update(state.v, state.i + x, state.a)
        else:
            z, v, i, a = self._update(state.v, state.i + x, state.a)
        return z, LIFAdExFeedForwardState(v=v, i=i, a=a)

    # -- gradient support --------------------------------------------------------------
    def _parts(self, v, i_jump, a):
        """Forward intermediates: ``(v*, i_t, a*, u, z, v_t, a_t)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            v_decayed, i_decayed, a_decayed = lif_adex_decay(
                v, i_jump, a, self.tau_syn_inv, self.tau_mem_inv, self.tau_ada_inv, self.v_leak, self.v_th,
                self.delta_T, self.adaptation_current, self.dt,
            )  # fmt: skip
            u = v_decayed - self.v_th
            z, _ = c.fire(self, u)  # never detached in norse's LIFAdEx steps
            v_new = c.reset(v_decayed, z, self.v_reset)
            a_new = a_decayed + z * self.adaptation_spike
        return v_decayed, i_decayed, a_decayed, u, z, v_new, a_new

    def _smooth_update(self, v, i_jump, a):
        """``(z, v_t, i_t, a_t)`` through :meth:`_parts` (smoothed forward)."""
        _, i_decayed, _, _, z, v_new, a_new = self._parts(v, i_jump, a)
        return z, v_new, i_decayed, a_new

    def _update_adjoint(self, v, i_jump, a, g_z, g_v_new, g_i_new, g_a_new):
        """Adjoint of steps 2-7 (class docstring): ``(g_v, g_i_jump, g_a, g_params)``."""
        v_decayed, _, _, u, z, _, _ = self._parts(v, i_jump, a)
        sigma = c.spike_derivative(self, u)
        with np.errstate(over="ignore", invalid="ignore"):
            g_v, g_jump, g_a, g_tm, g_vl, g_vth, g_dT, g_ta, g_k, g_ts, g_vr, g_b = lif_adex_update_adjoint(
                v, i_jump, a, adex_exp(v, self.v_th, self.delta_T), v_decayed, z, sigma, g_z, g_v_new, g_i_new,
                g_a_new, self.tau_syn_inv, self.tau_mem_inv, self.tau_ada_inv, self.v_leak, self.v_th, self.v_reset,
                self.delta_T, self.adaptation_current, self.adaptation_spike, self.dt,
            )  # fmt: skip
        params = {
            "tau_mem_inv": g_tm, "v_leak": g_vl, "v_th": g_vth, "delta_T": g_dT, "tau_ada_inv": g_ta,
            "adaptation_current": g_k, "tau_syn_inv": g_ts, "v_reset": g_vr, "adaptation_spike": g_b,
        }  # fmt: skip
        return g_v, g_jump, g_a, params

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass; derivation in the class docstring."""
        g_v, g_jump, g_a, params = self._update_adjoint(
            state_prev.v, state_prev.i + x, state_prev.a, g_output, g_state["v"], g_state["i"], g_state["a"]
        )
        return g_jump, {"v": g_v, "i": g_jump, "a": g_a}, params


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdExRecurrent(c.Recurrent, LIFAdEx):
    __doc__ = (
        r"""norse ``LIFAdExRecurrent`` (``lif_adex_step``), reproduced in float64.

    Compiled kernels: :mod:`refneuron.backends.recurrent` (CPU) and ``cuda_recurrent`` (CUDA
    forward), around this file's :func:`lif_adex_update` and :func:`lif_adex_update_adjoint`.

    Inputs ``(T, *batch, n_in)``, neurons ``(*batch, n_out)``; the current
    jump is :math:`J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`,
    evaluated as ``(i + X W_in^T) + z W_rec^T`` (matrix products agree with
    torch to a few 1e-15, BLAS summation order).
"""
        + _DOC_EQUATIONS
        + r"""
    Parameters
    ----------
    input_weights : array (n_out, n_in)
    recurrent_weights : array (n_out, n_out)
    autapses : bool
        False (default, as norse's module): the diagonal of
        ``recurrent_weights`` is used as zero (quirk ``norse_autapses_in_place``).
        True: the matrix as given, as ``lif_adex_step`` called directly."""
        + _DOC_PARAMETERS
        + """

    Notes
    -----
    Initial state: z = 0, v = v_leak, i = 0, a = 0.  Gradient path: unlike
    ``lif_step``, ``lif_adex_step`` does not detach the reset
    (``reset_detached = False``).
"""
        + _DOC_GRADIENT
        + r"""

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lif_adex.py`` (``lif_adex_step``),
    ``norse/torch/module/lif_adex.py`` (``LIFAdExRecurrent``),
    ``norse/torch/module/snn.py`` (``SNNRecurrent``).
    """
    )

    name = "norse.LIFAdExRecurrent"
    reference = "norse/torch/functional/lif_adex.py (lif_adex_step)"
    State = LIFAdExState
    quirks = LIFAdEx.quirks + ("norse_autapses_in_place",)
    reset_detached: ClassVar[bool] = False

    def initial_state(self, neuron_shape):
        return LIFAdExState(
            z=self.full(0.0, neuron_shape),
            v=self.full(self.v_leak, neuron_shape),
            i=self.full(0.0, neuron_shape),
            a=self.full(0.0, neuron_shape),
        )

    def _step(self, state, x):
        i_jump = (state.i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        if self.is_smoothed:
            z, v, i, a = self._smooth_update(state.v, i_jump, state.a)
        else:
            z, v, i, a = self._update(state.v, i_jump, state.a)
        return z, LIFAdExState(z=z, v=v, i=i, a=a)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass (class docstring); the output and the
        state ``z`` are the same spikes, so their upstream gradients add."""
        i_jump = (state_prev.i + c.linear(x, self.input_weights)) + c.linear(state_prev.z, self.recurrent_weights)
        g_v, g_jump, g_a, params = self._update_adjoint(
            state_prev.v, i_jump, state_prev.a, g_output + g_state["z"], g_state["v"], g_state["i"], g_state["a"]
        )
        g_x, g_z_prev, g_weights = c.recurrent_jump_adjoint(self, g_jump, x, state_prev.z)
        params.update(g_weights)
        return g_x, {"z": g_z_prev, "v": g_v, "i": g_jump, "a": g_a}, params


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdExCurrentEncoder(Model):
    r"""norse ``lif_adex_current_encoder``, reproduced in float64 (bug included).

    Compiled kernels: one-neuron step :func:`norse_encoder_step`, reverse step
    :func:`norse_encoder_back` (both in this file; the CPU backward kernel calls
    :func:`norse_encoder_step_and_exp` and :func:`norse_encoder_back_of_exp`).

    The input :math:`I_t` is the membrane current itself (no synaptic
    current).  Per step, with :math:`v = v_{t-1}`, :math:`a = a_{t-1}`:

    .. math::

        v^* &= v + (\Delta t\,\tau_m^{-1})\,((((v_\text{leak} - v)
               + \Delta_T e^{(v - v_\text{th})/\Delta_T}) + I_t) - a) \\
        z_t &= H^{>}(v^* - v_\text{th}) \\
        v_t &= v^* - z_t\,(v^* - v_\text{reset})

    and, as released (``corrected_adaptation=False``, the default),

    .. math::

        a_t = \tau_a^{-1}\,(\kappa\,(v_t - v_\text{leak}) - a) + z_t\,b

    — no :math:`\Delta t`, no :math:`a +`, and the post-reset membrane: ``a``
    is replaced by a multiple of its own derivative (quirk
    ``norse_adex_encoder``).  The coefficient of :math:`a_{t-1}` is
    :math:`-\tau_a^{-1} = -2` with the defaults, and the coupling through
    :math:`v` makes it grow faster still: ``a`` alternates in sign and
    diverges within a few tens of steps.  Reproduce it only to validate
    against norse.

    ``corrected_adaptation=True`` gives the explicit-Euler step

    .. math::

        a_t = (a + (\Delta t\,\tau_a^{-1})\,(\kappa\,(v - v_\text{leak}) - a)) + z_t\,b

    with the **old** membrane :math:`v = v_{t-1}`: forward Euler evaluates the
    whole right-hand side at the start of the step, exactly as
    ``lif_adex_feed_forward_step`` and ``lif_adex_step`` do, so the corrected
    encoder is the same scheme as :class:`LIFAdEx` with the input taken as the
    current (using the post-reset :math:`v_t` would make a spike drag ``a``
    toward :math:`\kappa(v_\text{reset} - v_\text{leak})`, a semi-implicit
    variant no norse step uses).  ODE: that of :class:`LIFAdEx` without the
    synaptic filter.

    Parameters
    ----------
    adaptation_current, adaptation_spike, delta_T, tau_ada_inv, tau_mem_inv,
    v_leak, v_th, v_reset, method, alpha, dt
        As :class:`LIFAdEx` (norse's ``LIFAdExParameters``; its
        ``tau_syn_inv`` is not used by the encoder and is not a field here).
    corrected_adaptation : bool
        False (default): norse 1.1.0's update; True: the explicit-Euler update.

    Notes
    -----
    ``dt*tau_mem_inv`` is checked for forward-Euler stability (row 5), and
    ``dt*tau_ada_inv`` too when ``corrected_adaptation=True``; the released
    update has no ``dt`` and is unstable by construction.
    Initial state: v = v_leak, a = 0.  Gradient path: not detached.

    Backward pass (``_vjp_step``).  Forward in order, with :math:`B`,
    :math:`E`, :math:`e^{w}`, :math:`m`, :math:`q` as in :class:`LIFAdEx`,
    :math:`u = v^* - v_\text{th}`, :math:`\sigma = \sigma'(u)`:
    :math:`v^* = v + m B(v, I_t, a)`, :math:`z_t = H^{>}(u)`,
    :math:`v_t = v^* - z_t (v^* - v_\text{reset})`, then :math:`a_t` as above.
    Adjoint from :math:`\bar z_t, \bar v_t, \bar a_t`; first the adaptation:

    .. math::

        \text{released: } & \hat v_t = \bar v_t + \bar a_t \tau_a^{-1}\kappa, \quad
            \bar a = -\bar a_t \tau_a^{-1}, \quad
            \overline{\tau_a^{-1}} = \bar a_t (\kappa (v_t - v_\text{leak}) - a), \\
            & \bar\kappa = \bar a_t \tau_a^{-1} (v_t - v_\text{leak}), \quad
            \bar v_\text{leak} = -\bar a_t \tau_a^{-1}\kappa; \\
        \text{corrected: } & \hat v_t = \bar v_t, \quad \bar a = \bar a_t (1 - q), \quad
            \bar v = \bar a_t q\kappa, \quad
            \overline{\tau_a^{-1}} = \Delta t\,\bar a_t (\kappa (v - v_\text{leak}) - a), \\
            & \bar\kappa = \bar a_t q (v - v_\text{leak}), \quad
            \bar v_\text{leak} = -\bar a_t q\kappa;

    then the spike and the membrane (both variants):

    .. math::

        \bar u &= \bigl(\bar z_t + \bar a_t b - \hat v_t (v^* - v_\text{reset})\bigr)\,\sigma, \quad
        \bar b = \bar a_t z_t, \quad \bar v_\text{reset} = \hat v_t z_t, \\
        \bar v^* &= \hat v_t (1 - z_t) + \bar u, \quad \bar v_\text{th} = -\bar u - \bar B e^{w}, \\
        \bar B &= \bar v^* m, \quad \bar v \mathrel{+}= \bar v^* + \bar B (e^{w} - 1), \quad
        \bar I_t = \bar B, \quad \bar a \mathrel{+}= -\bar B, \\
        \bar v_\text{leak} &\mathrel{+}= \bar B, \quad \bar\Delta_T = \bar B e^{w}(1 - w), \quad
        \overline{\tau_m^{-1}} = \Delta t\,\bar v^* B.

    The released update feeds :math:`v_t` (post-reset) into :math:`a_t`, so
    the reset's gradient also reaches the adaptation.  Parameter gradients:
    every float field (``tau_syn_inv`` is not one here: the encoder does not
    use it, and norse's autograd leaves it ``None``).

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lif_adex.py``
    (``lif_adex_current_encoder``; no module wraps it).
    """

    name = "norse.LIFAdExCurrentEncoder"
    framework = "norse 1.1.0"
    reference = "norse/torch/functional/lif_adex.py (lif_adex_current_encoder)"
    State = LIFAdExEncoderState
    quirks = ("norse_adex_encoder", "norse_adex_rheobase", "norse_units", "norse_superspike_alpha")
    reset_detached: ClassVar[bool] = False

    adaptation_current: float = _adaptation_current()
    adaptation_spike: float = _adaptation_spike()
    delta_T: float = _delta_T()
    tau_ada_inv: float = _tau_ada_inv()
    tau_mem_inv: float = c.tau_mem_inv()
    v_leak: float = c.v_leak()
    v_th: float = c.v_th()
    v_reset: float = c.v_reset()
    method: str = c.method()
    alpha: float = c.alpha()
    dt: float = c.dt()
    corrected_adaptation: bool = flag(False, doc="explicit-Euler adaptation instead of norse 1.1.0's (quirk)")

    def _check(self):
        c.check_rates(self, "tau_mem_inv")
        if self.corrected_adaptation:
            c.check_rates(self, "tau_ada_inv")

    def initial_state(self, neuron_shape):
        return LIFAdExEncoderState(v=self.full(self.v_leak, neuron_shape), a=self.full(0.0, neuron_shape))

    def _step(self, state, x):
        if self.is_smoothed:
            return self._smooth_step(state, x)
        with np.errstate(over="ignore", invalid="ignore"):  # inf/NaN reproduced and reported by the run
            z, v, a = lif_adex_encoder_update(
                state.v, x, state.a, self.tau_mem_inv, self.tau_ada_inv, self.v_leak, self.v_th, self.v_reset,
                self.delta_T, self.adaptation_current, self.adaptation_spike, self.dt,
                1 if self.corrected_adaptation else 0,
            )  # fmt: skip
        return z, LIFAdExEncoderState(v=v, a=a)

    # -- gradient support --------------------------------------------------------------
    def _parts(self, v, current, a):
        """Forward intermediates: ``(v*, u, z, v_t, a_t)`` (smoothed spikes if smoothed)."""
        with np.errstate(over="ignore", invalid="ignore"):
            v_star = v + adex_dv(v, current, a, self.tau_mem_inv, self.v_leak, self.v_th, self.delta_T, self.dt)
            u = v_star - self.v_th
            z, _ = c.fire(self, u)
            v_new = v_star - z * (v_star - self.v_reset)
            if self.corrected_adaptation:
                a_new = (a + (self.dt * self.tau_ada_inv) * (self.adaptation_current * (v - self.v_leak) - a)) + (
                    z * self.adaptation_spike
                )
            else:
                a_new = self.tau_ada_inv * (self.adaptation_current * (v_new - self.v_leak) - a) + (
                    z * self.adaptation_spike
                )
        return v_star, u, z, v_new, a_new

    def _smooth_step(self, state, x):
        _, _, z, v, a = self._parts(state.v, x, state.a)
        return z, LIFAdExEncoderState(v=v, a=a)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass; derivation in the class docstring."""
        v, a = state_prev.v, state_prev.a
        v_star, u, z, v_new, _ = self._parts(v, x, a)
        sigma = c.spike_derivative(self, u)
        with np.errstate(over="ignore", invalid="ignore"):
            g_x, g_v, g_a, g_ta, g_k, g_vl, g_tm, g_vth, g_dT, g_vr, g_b = lif_adex_encoder_adjoint(
                v, x, a, adex_exp(v, self.v_th, self.delta_T), v_star, z, v_new, sigma, g_output, g_state["v"], g_state["a"], self.tau_mem_inv,
                self.tau_ada_inv, self.v_leak, self.v_th, self.v_reset, self.delta_T, self.adaptation_current,
                self.adaptation_spike, self.dt, 1 if self.corrected_adaptation else 0,
            )  # fmt: skip
        params = {
            "tau_ada_inv": g_ta, "adaptation_current": g_k, "v_leak": g_vl, "tau_mem_inv": g_tm, "v_th": g_vth,
            "delta_T": g_dT, "v_reset": g_vr, "adaptation_spike": g_b,
        }  # fmt: skip
        return g_x, {"v": g_v, "a": g_a}, params


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def norse_lif_adex_step_and_exp(
    v, i, a, x, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """:func:`norse_lif_adex_step` that also returns the step's exponential
    factor: ``(z, v, i, a, e)`` (:func:`lif_adex_update_and_exp`).  The CPU
    backward kernel keeps ``e`` for :func:`norse_lif_adex_back_of_exp`."""
    return lif_adex_update_and_exp(
        v, i + x, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
        delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip


def norse_lif_adex_step(
    v, i, a, x, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """norse ``LIFAdEx`` (``lif_adex_feed_forward_step``: ``LIFAdEx._step``)."""
    return lif_adex_update(
        v, i + x, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
        delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip


def norse_encoder_step_and_exp(
    v, a, x, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    corrected,
):  # fmt: skip
    """:func:`norse_encoder_step` that also returns the step's exponential
    factor: ``(z, v, a, e)`` (:func:`lif_adex_encoder_update_and_exp`)."""
    return lif_adex_encoder_update_and_exp(
        v, x, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike,
        dt, corrected,
    )  # fmt: skip


def norse_encoder_step(
    v, a, x, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    corrected,
):  # fmt: skip
    """norse ``LIFAdExCurrentEncoder`` (``LIFAdExCurrentEncoder._step``)."""
    return lif_adex_encoder_update(
        v, x, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike,
        dt, corrected,
    )  # fmt: skip


def norse_lif_adex_back_of_exp(
    v, i, a, x, e, gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
    adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
):  # fmt: skip
    """:func:`norse_lif_adex_back` given the step's exponential factor ``e``
    (:func:`adex_exp` of ``v``, as :func:`norse_lif_adex_step_and_exp` returns it)."""
    i_jump = i + x
    v_decayed = lif_adex_decay_of_exp(
        v, i_jump, a, e, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, delta_T, adaptation_current, dt,
    )[0]  # fmt: skip
    u = v_decayed - v_th
    z = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_jump, g_a, g_tm, g_vl, g_vth, g_dT, g_ta, g_k, g_ts, g_vr, g_b = lif_adex_update_adjoint(
        v, i_jump, a, e, v_decayed, z, sigma, gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th,
        v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip
    return g_jump, g_v, g_jump, g_a, g_tm, g_vl, g_vth, g_dT, g_ta, g_k, g_ts, g_vr, g_b


def norse_lif_adex_back(
    v, i, a, x, gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
    adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
):  # fmt: skip
    """norse ``LIFAdEx._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_a,
    g_tau_mem_inv, g_v_leak, g_v_th, g_delta_T, g_tau_ada_inv,
    g_adaptation_current, g_tau_syn_inv, g_v_reset, g_adaptation_spike)``."""
    return norse_lif_adex_back_of_exp(
        v, i, a, x, adex_exp(v, v_th, delta_T), gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak,
        v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
    )  # fmt: skip


def norse_encoder_back_of_exp(
    v, a, x, e, gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
    adaptation_spike, dt, corrected, sg, sp0, sp1,
):  # fmt: skip
    """:func:`norse_encoder_back` given the step's exponential factor ``e``
    (:func:`adex_exp` of ``v``, as :func:`norse_encoder_step_and_exp` returns it)."""
    v_star = v + adex_dv_of_exp(v, x, a, e, tau_mem_inv, v_leak, delta_T, dt)
    u = v_star - v_th
    z = spike_gt(u)
    v_new = v_star - z * (v_star - v_reset)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    return lif_adex_encoder_adjoint(
        v, x, a, e, v_star, z, v_new, sigma, gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
        adaptation_current, adaptation_spike, dt, corrected,
    )  # fmt: skip


def norse_encoder_back(
    v, a, x, gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
    adaptation_spike, dt, corrected, sg, sp0, sp1,
):  # fmt: skip
    """norse ``LIFAdExCurrentEncoder._vjp_step``: ``(g_x, g_v, g_a,
    g_tau_ada_inv, g_adaptation_current, g_v_leak, g_tau_mem_inv, g_v_th,
    g_delta_T, g_v_reset, g_adaptation_spike)``."""
    return norse_encoder_back_of_exp(
        v, a, x, adex_exp(v, v_th, delta_T), gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
        adaptation_current, adaptation_spike, dt, corrected, sg, sp0, sp1,
    )  # fmt: skip


__all__ = [
    "LIFAdEx",
    "LIFAdExRecurrent",
    "LIFAdExCurrentEncoder",
    "LIFAdExFeedForwardState",
    "LIFAdExState",
    "LIFAdExEncoderState",
    "lif_adex_update",
    "lif_adex_update_and_exp",
    "lif_adex_encoder_update",
    "lif_adex_encoder_update_and_exp",
    "adex_exp",
    "adex_dv_of_exp",
    "adex_dv",
    "adex_dv_adjoint",
    "lif_adex_decay",
    "lif_adex_decay_of_exp",
    "adaptation_adjoint",
    "adex_dv_adjoint_parts",
    "adaptation_adjoint_parts",
    "lif_adex_update_adjoint",
    "lif_adex_encoder_adjoint",
    "norse_lif_adex_step",
    "norse_lif_adex_step_and_exp",
    "norse_encoder_step",
    "norse_encoder_step_and_exp",
    "norse_lif_adex_back",
    "norse_lif_adex_back_of_exp",
    "norse_encoder_back",
    "norse_encoder_back_of_exp",
]
