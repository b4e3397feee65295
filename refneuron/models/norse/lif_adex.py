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

from ..._records import State, flag, param
from ...registry import register
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


def adex_dv(v, current, a, tau_mem_inv, v_leak, v_th, delta_T, dt):
    """The Euler increment of ``v``, in norse's order:
    ``(dt*tau_mem_inv) * ((((v_leak - v) + delta_T*exp((v - v_th)/delta_T)) + current) - a)``.
    Element-wise on arrays and Python floats (``np.exp``)."""
    dv_exp = delta_T * np.exp((v - v_th) / delta_T)
    return (dt * tau_mem_inv) * ((((v_leak - v) + dv_exp) + current) - a)


def lif_adex_update(
    v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """One LIFAdEx step after the current jump (steps 2-7 of the update).

    ``i_jump`` is ``i + x`` (feed-forward) or ``i + x W_in^T + z W_rec^T``
    (recurrent).  The adaptation uses the *old* ``v``.  Element-wise,
    branch-free, on arrays and Python floats.  Returns ``(z, v, i, a)``.
    """
    v_decayed = v + adex_dv(v, i_jump, a, tau_mem_inv, v_leak, v_th, delta_T, dt)
    i_decayed = i_jump + ((-dt) * tau_syn_inv) * i_jump
    a_decayed = a + (dt * tau_ada_inv) * (adaptation_current * (v - v_leak) - a)
    z = spike_gt(v_decayed - v_th)
    v_new = (1.0 - z) * v_decayed + z * v_reset
    a_new = a_decayed + z * adaptation_spike
    return z, v_new, i_decayed, a_new


def lif_adex_encoder_update(
    v, current, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt, corrected,
):  # fmt: skip
    """One step of the LIFAdEx current encoder; returns ``(z, v, a)``.

    ``corrected`` is 0 (norse 1.1.0 as released) or 1 (proper Euler step of
    ``a``); the only branch is on that option code.  Element-wise on arrays
    and Python floats.
    """
    v_star = v + adex_dv(v, current, a, tau_mem_inv, v_leak, v_th, delta_T, dt)
    z = spike_gt(v_star - v_th)
    v_new = v_star - z * (v_star - v_reset)
    if corrected:
        a_new = (a + (dt * tau_ada_inv) * (adaptation_current * (v - v_leak) - a)) + z * adaptation_spike
    else:
        a_new = tau_ada_inv * (adaptation_current * (v_new - v_leak) - a) + z * adaptation_spike
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


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdEx(Model):
    __doc__ = (
        r"""norse ``LIFAdEx`` (``lif_adex_feed_forward_step``), reproduced in float64.

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
        z, v, i, a = self._update(state.v, state.i + x, state.a)
        return z, LIFAdExFeedForwardState(v=v, i=i, a=a)


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdExRecurrent(LIFAdEx):
    __doc__ = (
        r"""norse ``LIFAdExRecurrent`` (``lif_adex_step``), reproduced in float64.

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

    input_weights: object = c.input_weights()
    recurrent_weights: object = c.recurrent_weights()
    autapses: bool = c.autapses()

    def _check(self):
        c.check_weights(self)
        super()._check()

    def neuron_shape(self, item_shape):
        return c.recurrent_neuron_shape(self, item_shape)

    def initial_state(self, neuron_shape):
        return LIFAdExState(
            z=self.full(0.0, neuron_shape),
            v=self.full(self.v_leak, neuron_shape),
            i=self.full(0.0, neuron_shape),
            a=self.full(0.0, neuron_shape),
        )

    def _step(self, state, x):
        i_jump = (state.i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        z, v, i, a = self._update(state.v, i_jump, state.a)
        return z, LIFAdExState(z=z, v=v, i=i, a=a)


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFAdExCurrentEncoder(Model):
    r"""norse ``lif_adex_current_encoder``, reproduced in float64 (bug included).

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
        with np.errstate(over="ignore", invalid="ignore"):  # inf/NaN reproduced and reported by the run
            z, v, a = lif_adex_encoder_update(
                state.v, x, state.a, self.tau_mem_inv, self.tau_ada_inv, self.v_leak, self.v_th, self.v_reset,
                self.delta_T, self.adaptation_current, self.adaptation_spike, self.dt,
                1 if self.corrected_adaptation else 0,
            )  # fmt: skip
        return z, LIFAdExEncoderState(v=v, a=a)


__all__ = [
    "LIFAdEx",
    "LIFAdExRecurrent",
    "LIFAdExCurrentEncoder",
    "LIFAdExFeedForwardState",
    "LIFAdExState",
    "LIFAdExEncoderState",
    "lif_adex_update",
    "lif_adex_encoder_update",
    "adex_dv",
]
