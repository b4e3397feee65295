r"""norse ``LIF`` and ``LIFRecurrent``: current-based leaky integrate-and-fire,
forward Euler, reset in the same step.

Source: norse 1.1.0, ``norse/torch/functional/lif.py`` (``lif_feed_forward_step``,
``lif_step``) and ``norse/torch/module/lif.py`` (``LIF``, ``LIFRecurrent``).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..._records import State
from ...registry import register
from ...surrogates._codes import surrogate_slope
from .._base import Model
from . import _common as c
from ._common import spike_gt


@dataclasses.dataclass(frozen=True, eq=False)
class LIFFeedForwardState(State):
    """State of :class:`LIF`: membrane ``v`` (post-reset) and synaptic current ``i``."""

    v: object
    i: object


@dataclasses.dataclass(frozen=True, eq=False)
class LIFState(State):
    """State of :class:`LIFRecurrent`: previous spikes ``z``, membrane ``v``
    (post-reset) and synaptic current ``i``."""

    z: object
    v: object
    i: object


def lif_update(v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    """One LIF step after the current jump (steps 2-5 of the update).

    ``i_jump`` is the current after this step's input has jumped in
    (``i + x``, or ``i + x W_in^T + z W_rec^T``).  Element-wise on arrays and
    on Python floats, branch-free, in norse's order of operations.
    Returns ``(z, v_new, i_new)``.
    """
    v_decayed = v + (dt * tau_mem_inv) * ((v_leak - v) + i_jump)
    i_decayed = i_jump + ((-dt) * tau_syn_inv) * i_jump
    z = spike_gt(v_decayed - v_th)
    v_new = (1.0 - z) * v_decayed + z * v_reset
    return z, v_new, i_decayed


def lif_decay(v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt):
    """``(v*, i_t)``: the decayed membrane and current of :func:`lif_update`
    (the same expressions, before the spike); used by the smoothed forward
    and the backward pass."""
    v_decayed = v + (dt * tau_mem_inv) * ((v_leak - v) + i_jump)
    i_decayed = i_jump + ((-dt) * tau_syn_inv) * i_jump
    return v_decayed, i_decayed


def lif_decay_adjoint(g_vd, g_id, v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt):
    r"""Adjoint of :func:`lif_decay`: ``(g_v, g_i_jump, g_params)``.

    With :math:`m = \Delta t\,\tau_m^{-1}`, :math:`s = -\Delta t\,\tau_s^{-1}`,
    :math:`v^* = v + m\,((v_\text{leak} - v) + I^*)`, :math:`i_t = I^* + s I^*`:

    .. math::

        \bar v = \bar v^* (1 - m), \quad
        \bar I^* = \bar v^* m + \bar\imath_t (1 + s), \quad
        \bar v_\text{leak} = \bar v^* m, \\
        \overline{\tau_m^{-1}} = \Delta t\,\bar v^* ((v_\text{leak} - v) + I^*), \quad
        \overline{\tau_s^{-1}} = -\Delta t\,\bar\imath_t I^*.
    """
    g_v, g_jump, g_tm, g_vl, g_ts = lif_decay_adjoint_parts(g_vd, g_id, v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt)
    return g_v, g_jump, {"tau_mem_inv": g_tm, "v_leak": g_vl, "tau_syn_inv": g_ts}


def lif_decay_adjoint_parts(g_vd, g_id, v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt):
    """:func:`lif_decay_adjoint` as a tuple, element-wise (arrays or scalars;
    the compiled backward kernels call it): ``(g_v, g_i_jump, g_tau_mem_inv,
    g_v_leak, g_tau_syn_inv)``."""
    m = dt * tau_mem_inv
    s = (-dt) * tau_syn_inv
    g_v = g_vd * (1.0 - m)
    g_jump = g_vd * m + g_id * (1.0 + s)
    return g_v, g_jump, (g_vd * ((v_leak - v) + i_jump)) * dt, g_vd * m, -(g_id * i_jump) * dt


def lif_update_adjoint(
    v, i_jump, v_decayed, z_r, sigma, g_z, g_v_new, g_i_new, tau_syn_inv, tau_mem_inv, v_leak, v_reset, dt,
    reset_detached,
):  # fmt: skip
    r"""Adjoint of one :func:`lif_update` step, element-wise (arrays or scalars).

    ``v_decayed`` is :math:`v^*`, ``z_r`` the reset's spike, ``sigma`` the
    surrogate derivative at :math:`u = v^* - v_\text{th}`; the derivation is
    in the class docstring (``_DOC_GRADIENT``).  Returns ``(g_v, g_i_jump,
    g_tau_mem_inv, g_v_leak, g_tau_syn_inv, g_v_th, g_v_reset)``.
    """
    g_zr = g_v_new * (v_reset - v_decayed)
    g_u = (g_z if reset_detached else g_z + g_zr) * sigma
    g_vd = g_v_new * (1.0 - z_r) + g_u
    g_v, g_jump, g_tm, g_vl, g_ts = lif_decay_adjoint_parts(
        g_vd, g_i_new, v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt
    )
    return g_v, g_jump, g_tm, g_vl, g_ts, -g_u, g_v_new * z_r


_DOC_GRADIENT = r"""
    Backward pass (``_vjp_step``, driven by :func:`refneuron.gradients.vjp`).
    Forward of step :math:`t` in order, with :math:`m = \Delta t\,\tau_m^{-1}`,
    :math:`s = -\Delta t\,\tau_s^{-1}`, :math:`u = v^* - v_\text{th}`,
    :math:`z_t = H^{>}(u)` with norse's surrogate derivative
    :math:`\sigma = \sigma'(u)`, and :math:`z^r` the spike in the reset
    (:math:`z^r = z_t` in ``lif_feed_forward_step``, ``z_new.detach()`` in
    ``lif_step``):

    .. math::

        I^* = i + J,\; v^* = v + m((v_\text{leak} - v) + I^*),\;
        i_t = I^* + s I^*,\; z_t = H^{>}(u),\; v_t = (1 - z^r) v^* + z^r v_\text{reset}.

    Adjoint, in reverse order, from :math:`\bar z_t` (output, plus the state
    ``z`` of the recurrent model), :math:`\bar v_t`, :math:`\bar\imath_t`:

    .. math::

        \bar z^r &= \bar v_t (v_\text{reset} - v^*), \qquad
        \bar v_\text{reset} = \bar v_t z^r, \\
        \bar u &= (\bar z_t + \bar z^r)\,\sigma \ \text{(attached)}, \quad
                 \bar z_t\,\sigma \ \text{(detached)}, \\
        \bar v^* &= \bar v_t (1 - z^r) + \bar u, \qquad \bar v_\text{th} = -\bar u, \\
        \bar v &= \bar v^* (1 - m), \quad
        \bar I^* = \bar v^* m + \bar\imath_t (1 + s), \quad
        \bar\imath = \bar J = \bar I^*, \\
        \bar v_\text{leak} &= \bar v^* m, \quad
        \overline{\tau_m^{-1}} = \Delta t\,\bar v^* ((v_\text{leak} - v) + I^*), \quad
        \overline{\tau_s^{-1}} = -\Delta t\,\bar\imath_t I^*.

    Feed-forward: :math:`\bar X = \bar J`.  Recurrent
    (:math:`J = X W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`):
    :math:`\bar X = \bar J W_\text{in}`,
    :math:`\bar z_{t-1} = \bar J W_\text{rec}`,
    :math:`\bar W_\text{in} = \sum_\text{batch} \bar J^\top X`,
    :math:`\bar W_\text{rec} = \sum_\text{batch} \bar J^\top z_{t-1}` (diagonal
    zero without autapses, as norse's gradient hook makes it).  Every float
    parameter of norse's ``LIFParameters`` gets a gradient (``tau_syn_inv``,
    ``tau_mem_inv``, ``v_leak``, ``v_th``, ``v_reset``); ``alpha`` gets none
    (norse's surrogates return ``None`` for it) and ``dt`` is a Python float.
    The weight gradients are whole matrices per step, which the driver adds
    in reverse time order.  In the smoothed forward :math:`z_t = g(u)`
    (and :math:`z^r = g(u)` unless detached), so the same recursion is its
    exact derivative.
"""


_DOC_COMMON = r"""
    With :math:`H^{>}(u) = 1` if :math:`u > 0` else 0, per step :math:`t`:

    .. math::

        I^*   &= i_{t-1} + J_t \\
        v^*   &= v_{t-1} + (\Delta t\,\tau_m^{-1})\,((v_\text{leak} - v_{t-1}) + I^*) \\
        i_t   &= I^* + (-\Delta t\,\tau_s^{-1})\,I^* \\
        z_t   &= H^{>}(v^* - v_\text{th}) \\
        v_t   &= (1 - z_t)\,v^* + z_t\,v_\text{reset}

    The membrane already sees this step's input (through :math:`I^*`); the
    spike and its reset happen in the same step, and the stored :math:`v_t`
    is post-reset.  This is the explicit-Euler step of

    .. math::

        \tau_m \dot v = v_\text{leak} - v + i, \qquad \tau_s \dot i = -i,

    with the inputs as instantaneous jumps of :math:`i`; on a spike
    (:math:`v > v_\text{th}`) :math:`v \leftarrow v_\text{reset}`.
    ``dt*tau_mem_inv`` and ``dt*tau_syn_inv`` must be < 2 (else the decay is
    unstable: refused) and should be < 1 (else it alternates in sign: warned).

    Units: norse's docstrings quote mV and 1/ms, but the defaults
    (``tau_mem_inv = 100``, ``dt = 0.001``) are rates in 1/s: per step
    ``dt*tau_mem_inv = 0.1`` and ``dt*tau_syn_inv = 0.2``.  Voltages and
    currents share one unit (the current enters the voltage equation
    directly).

    Initial state: :math:`v = v_\text{leak}`, :math:`i = 0`.  norse's ``LIF``
    module builds this as a float32 tensor (quirk
    ``norse_lif_float32_initial_state``); refneuron starts from the exact
    float64 ``v_leak``.
"""


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIF(Model):
    __doc__ = (
        r"""norse ``LIF`` (``lif_feed_forward_step``), reproduced in float64.

    Compiled kernels: one-neuron step :func:`norse_lif_step`, reverse step :func:`norse_lif_back`
    (both in this file).

    The input :math:`J_t = X_t` is a current (the output of any layer),
    added to the synaptic current.
"""
        + _DOC_COMMON
        + r"""
    Parameters
    ----------
    tau_syn_inv, tau_mem_inv : float or array, > 0
        Inverse synaptic and membrane time constants (defaults 200, 100).
    v_leak, v_th, v_reset : float or array
        Leak, threshold and reset potentials (defaults 0, 1, 0).
    method : {"super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc"}
        Surrogate gradient (gradient only; the forward is :math:`H^{>}`).
    alpha : float
        Surrogate parameter (default 100; ignored by "super" in norse 1.1.0).
    dt : float, > 0
        Time step (default 0.001).

    Notes
    -----
    Gradient path: the reset is *not* detached in ``lif_feed_forward_step``
    (``reset_detached = False``).
"""
        + _DOC_GRADIENT
        + r"""

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lif.py`` (``lif_feed_forward_step``),
    ``norse/torch/module/lif.py`` (``LIF``, ``LIFCell``).
    """
    )

    name = "norse.LIF"
    framework = "norse 1.1.0"
    reference = "norse/torch/functional/lif.py (lif_feed_forward_step)"
    State = LIFFeedForwardState
    quirks = ("norse_units", "norse_superspike_alpha", "norse_lif_float32_initial_state")
    #: whether the framework detaches the spike in the reset (gradient only)
    reset_detached: ClassVar[bool] = False

    tau_syn_inv: float = c.tau_syn_inv()
    tau_mem_inv: float = c.tau_mem_inv()
    v_leak: float = c.v_leak()
    v_th: float = c.v_th()
    v_reset: float = c.v_reset()
    method: str = c.method()
    alpha: float = c.alpha()
    dt: float = c.dt()

    def _check(self):
        c.check_rates(self, "tau_mem_inv", "tau_syn_inv")

    def initial_state(self, neuron_shape):
        return LIFFeedForwardState(v=self.full(self.v_leak, neuron_shape), i=self.full(0.0, neuron_shape))

    def _update(self, v, i_jump):
        return lif_update(
            v, i_jump, self.tau_syn_inv, self.tau_mem_inv, self.v_leak, self.v_th, self.v_reset, self.dt
        )

    def _step(self, state, x):
        if self.is_smoothed:
            z, _, v, i = self._smooth_update(state.v, state.i + x)
        else:
            z, v, i = self._update(state.v, state.i + x)
        return z, LIFFeedForwardState(v=v, i=i)

    # -- gradient support --------------------------------------------------------------
    def _parts(self, v, i_jump):
        """Forward intermediates of one step: ``(v*, i_t, u, z, z_reset, v_t)``."""
        v_decayed, i_decayed = lif_decay(v, i_jump, self.tau_syn_inv, self.tau_mem_inv, self.v_leak, self.dt)
        u = v_decayed - self.v_th
        z, z_r = c.fire(self, u)
        return v_decayed, i_decayed, u, z, z_r, c.reset(v_decayed, z_r, self.v_reset)

    def _smooth_update(self, v, i_jump):
        """``(z, z_reset, v_t, i_t)`` through :meth:`_parts` (smoothed forward)."""
        _, i_decayed, _, z, z_r, v_new = self._parts(v, i_jump)
        return z, z_r, v_new, i_decayed

    def _update_adjoint(self, v, i_jump, g_z, g_v_new, g_i_new):
        """Adjoint of steps 2-5 (see the class docstring): ``(g_v, g_i_jump, g_params)``."""
        v_decayed, _, u, _, z_r, _ = self._parts(v, i_jump)
        sigma = c.spike_derivative(self, u)
        g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr = lif_update_adjoint(
            v, i_jump, v_decayed, z_r, sigma, g_z, g_v_new, g_i_new,
            self.tau_syn_inv, self.tau_mem_inv, self.v_leak, self.v_reset, self.dt, self.reset_detached,
        )  # fmt: skip
        params = {"tau_mem_inv": g_tm, "v_leak": g_vl, "tau_syn_inv": g_ts, "v_th": g_vth, "v_reset": g_vr}
        return g_v, g_jump, params

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass; derivation in the class docstring."""
        g_v, g_jump, params = self._update_adjoint(state_prev.v, state_prev.i + x, g_output, g_state["v"], g_state["i"])
        return g_jump, {"v": g_v, "i": g_jump}, params


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFRecurrent(c.Recurrent, LIF):
    __doc__ = (
        r"""norse ``LIFRecurrent`` (``lif_step``), reproduced in float64.

    Compiled kernels: :mod:`refneuron.backends.recurrent` (CPU) and ``cuda_recurrent`` (CUDA
    forward), around this file's :func:`lif_update` and :func:`lif_update_adjoint`.

    The input of step :math:`t` is :math:`X_t` of shape ``(*batch, n_in)``;
    the neurons have shape ``(*batch, n_out)``, and the current jump is

    .. math::

        J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top,

    evaluated as ``(i + X W_in^T) + z W_rec^T`` (norse's order; the matrix
    products themselves sum in BLAS order, so results agree with torch to a
    few 1e-15, not bit for bit).
"""
        + _DOC_COMMON
        + r"""
    Parameters
    ----------
    input_weights : array (n_out, n_in)
    recurrent_weights : array (n_out, n_out)
    autapses : bool
        False (default, as norse's ``LIFRecurrent`` module): the diagonal of
        ``recurrent_weights`` is used as zero (norse zeroes it in place in the
        caller's tensor, quirk ``norse_autapses_in_place``; refneuron zeroes
        its own copy).  True: the matrix as given, as ``lif_step`` called
        directly.
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, method, alpha, dt
        As :class:`LIF`.

    Notes
    -----
    Initial state: :math:`z = 0`, :math:`v = v_\text{leak}`, :math:`i = 0`.
    Gradient path: ``lif_step`` detaches the spike in the reset
    (``reset_detached = True``), unlike ``lif_feed_forward_step``.
"""
        + _DOC_GRADIENT
        + r"""

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lif.py`` (``lif_step``),
    ``norse/torch/module/lif.py`` (``LIFRecurrent``, ``LIFRecurrentCell``),
    ``norse/torch/module/snn.py`` (``SNNRecurrent``: weights and autapses).
    """
    )

    name = "norse.LIFRecurrent"
    reference = "norse/torch/functional/lif.py (lif_step)"
    State = LIFState
    quirks = LIF.quirks + ("norse_autapses_in_place",)
    reset_detached: ClassVar[bool] = True

    def initial_state(self, neuron_shape):
        return LIFState(
            z=self.full(0.0, neuron_shape), v=self.full(self.v_leak, neuron_shape), i=self.full(0.0, neuron_shape)
        )

    def _step(self, state, x):
        i_jump = (state.i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        if self.is_smoothed:
            z, _, v, i = self._smooth_update(state.v, i_jump)
        else:
            z, v, i = self._update(state.v, i_jump)
        return z, LIFState(z=z, v=v, i=i)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass; derivation in the class docstring.

        The output and the state ``z`` are the same spikes: their upstream
        gradients add.
        """
        i_jump = (state_prev.i + c.linear(x, self.input_weights)) + c.linear(state_prev.z, self.recurrent_weights)
        g_v, g_jump, params = self._update_adjoint(
            state_prev.v, i_jump, g_output + g_state["z"], g_state["v"], g_state["i"]
        )
        g_x, g_z_prev, g_weights = c.recurrent_jump_adjoint(self, g_jump, x, state_prev.z)
        params.update(g_weights)
        return g_x, {"z": g_z_prev, "v": g_v, "i": g_jump}, params


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def norse_lif_step(v, i, x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    """norse ``LIF`` (``lif_feed_forward_step``: ``LIF._step``)."""
    z, v_new, i_new = lif_update(v, i + x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt)
    return z, v_new, i_new


def norse_lif_back(v, i, x, gz, gv, gi, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1):
    """norse ``LIF._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_tau_mem_inv,
    g_v_leak, g_tau_syn_inv, g_v_th, g_v_reset)``."""
    i_jump = i + x
    v_decayed, _ = lif_decay(v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt)
    u = v_decayed - v_th
    z = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr = lif_update_adjoint(
        v, i_jump, v_decayed, z, sigma, gz, gv, gi, tau_syn_inv, tau_mem_inv, v_leak, v_reset, dt, False
    )
    return g_jump, g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr


__all__ = [
    "LIF",
    "LIFRecurrent",
    "LIFFeedForwardState",
    "LIFState",
    "lif_update",
    "lif_decay",
    "lif_decay_adjoint",
    "norse_lif_step",
    "norse_lif_back",
]
