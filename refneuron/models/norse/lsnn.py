r"""norse ``LSNN`` and ``LSNNRecurrent``: LIF with an adaptive threshold
(long short-term memory spiking neurons, Bellec et al. 2018), forward Euler.

Source: norse 1.1.0, ``norse/torch/functional/lsnn.py`` (``lsnn_feed_forward_step``,
``lsnn_step``) and ``norse/torch/module/lsnn.py``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..._records import State, param
from ...registry import register
from ...surrogates._codes import surrogate_slope
from .._base import Model
from . import _common as c
from ._common import spike_gt


@dataclasses.dataclass(frozen=True, eq=False)
class LSNNFeedForwardState(State):
    """State of :class:`LSNN`: membrane ``v`` (post-reset), synaptic current
    ``i`` (including this step's input), threshold ``b``."""

    v: object
    i: object
    b: object


@dataclasses.dataclass(frozen=True, eq=False)
class LSNNState(State):
    """State of :class:`LSNNRecurrent`: previous spikes ``z``, ``v``, ``i``, ``b``."""

    z: object
    v: object
    i: object
    b: object


def lsnn_update(v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt):
    """One LSNN step before the input arrives (steps 1-6 of the update).

    The membrane integrates the *old* current ``i``; the caller adds this
    step's input to the returned ``i_decayed`` afterwards (step 7).
    Element-wise, branch-free, on arrays and Python floats.
    Returns ``(z, v_new, i_decayed, b_new)``.
    """
    v_decayed = v + (dt * tau_mem_inv) * ((v_leak - v) + i)
    i_decayed = i + ((-dt) * tau_syn_inv) * i
    b_decayed = b + (dt * tau_adapt_inv) * (v_th - b)
    z = spike_gt(v_decayed - b_decayed)
    v_new = (1.0 - z) * v_decayed + z * v_reset
    b_new = b_decayed + z * beta
    return z, v_new, i_decayed, b_new



def lsnn_decay(v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, dt):
    """``(v*, i*, b*)``: the expressions of :func:`lsnn_update` before the
    spike; used by the smoothed forward and the backward pass."""
    v_decayed = v + (dt * tau_mem_inv) * ((v_leak - v) + i)
    i_decayed = i + ((-dt) * tau_syn_inv) * i
    b_decayed = b + (dt * tau_adapt_inv) * (v_th - b)
    return v_decayed, i_decayed, b_decayed


def lsnn_update_adjoint(
    v, i, b, v_decayed, z_r, sigma, g_z, g_v_new, g_i_decayed, g_b_new, tau_syn_inv, tau_mem_inv,
    tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, reset_detached,
):  # fmt: skip
    r"""Adjoint of one :func:`lsnn_update` step, element-wise (arrays or scalars).

    ``v_decayed`` is :math:`v^*`, ``z_r`` the spike of the reset and the
    threshold jump, ``sigma`` the surrogate derivative at
    :math:`u = v^* - b^*`, ``g_i_decayed`` the gradient of :math:`i^*` (that
    of the stored :math:`i_t`: the input is added after the update); the
    derivation is in the class docstring (``_DOC_GRADIENT``).  Returns
    ``(g_v, g_i, g_b, g_tau_mem_inv, g_tau_syn_inv, g_tau_adapt_inv,
    g_v_leak, g_v_th, g_v_reset, g_beta)``.
    """
    g_zr = g_v_new * (v_reset - v_decayed) + g_b_new * beta
    g_u = (g_z if reset_detached else g_z + g_zr) * sigma
    g_vd = g_v_new * (1.0 - z_r) + g_u
    g_bd = g_b_new - g_u
    m = dt * tau_mem_inv
    s = (-dt) * tau_syn_inv
    p = dt * tau_adapt_inv
    g_i = g_i_decayed * (1.0 + s) + g_vd * m
    return (
        g_vd * (1.0 - m), g_i, g_bd * (1.0 - p), (g_vd * ((v_leak - v) + i)) * dt, -(g_i_decayed * i) * dt,
        (g_bd * (v_th - b)) * dt, g_vd * m, g_bd * p, g_v_new * z_r, g_b_new * z_r,
    )  # fmt: skip


_DOC_GRADIENT = r"""
    Backward pass (``_vjp_step``, driven by :func:`refneuron.gradients.vjp`).
    Forward of step :math:`t` in order, with :math:`m = \Delta t\,\tau_m^{-1}`,
    :math:`s = -\Delta t\,\tau_s^{-1}`, :math:`p = \Delta t\,\tau_b^{-1}`,
    :math:`u = v^* - b^*`, :math:`\sigma = \sigma'(u)` and :math:`z^r` the
    spike in the reset and the threshold jump (:math:`z_t` in
    ``lsnn_feed_forward_step``, ``z_new.detach()`` in ``lsnn_step``):

    .. math::

        v^* &= v + m((v_\text{leak} - v) + i), \quad i^* = i + s i, \quad
        b^* = b + p (v_\text{th} - b), \quad z_t = H^{>}(u), \\
        v_t &= (1 - z^r) v^* + z^r v_\text{reset}, \quad b_t = b^* + z^r \beta, \quad
        i_t = i^* + J.

    Adjoint, in reverse order, from :math:`\bar z_t` (output, plus the state
    ``z`` of the recurrent model), :math:`\bar v_t`, :math:`\bar\imath_t`,
    :math:`\bar b_t`:

    .. math::

        \bar J &= \bar\imath^* = \bar\imath_t, \quad
        \bar z^r = \bar v_t (v_\text{reset} - v^*) + \bar b_t \beta, \quad
        \bar v_\text{reset} = \bar v_t z^r, \quad \bar\beta = \bar b_t z^r, \\
        \bar u &= (\bar z_t + \bar z^r)\,\sigma \ \text{(attached)}, \quad
                  \bar z_t\,\sigma \ \text{(detached)}, \\
        \bar v^* &= \bar v_t (1 - z^r) + \bar u, \quad \bar b^* = \bar b_t - \bar u, \\
        \bar b &= \bar b^* (1 - p), \quad \bar v_\text{th} = \bar b^* p, \quad
        \overline{\tau_b^{-1}} = \Delta t\,\bar b^* (v_\text{th} - b), \\
        \bar\imath &= \bar\imath^* (1 + s) + \bar v^* m, \quad
        \overline{\tau_s^{-1}} = -\Delta t\,\bar\imath^* i, \\
        \bar v &= \bar v^* (1 - m), \quad \bar v_\text{leak} = \bar v^* m, \quad
        \overline{\tau_m^{-1}} = \Delta t\,\bar v^* ((v_\text{leak} - v) + i).

    Feed-forward: :math:`\bar X = \bar J`.  Recurrent
    (:math:`J = X W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`, the
    *previous* spikes): :math:`\bar X = \bar J W_\text{in}`,
    :math:`\bar z_{t-1} = \bar J W_\text{rec}`, weight gradients
    :math:`\sum_\text{batch} \bar J^\top X` and
    :math:`\sum_\text{batch} \bar J^\top z_{t-1}` (diagonal zero without
    autapses).  Every float parameter of ``LSNNParameters`` gets a gradient
    (the three rates, ``v_leak``, ``v_th``, ``v_reset``, ``beta``); ``alpha``
    and ``dt`` are Python floats in norse.  In the smoothed forward
    :math:`z_t = g(u)` (and :math:`z^r = g(u)` unless detached).
"""


_DOC_EQUATIONS = r"""
    With :math:`H^{>}(u) = 1` if :math:`u > 0` else 0, per step :math:`t`
    (:math:`v, i, b` the values stored after step :math:`t-1`):

    .. math::

        v^* &= v + (\Delta t\,\tau_m^{-1})\,((v_\text{leak} - v) + i) \\
        i^* &= i + (-\Delta t\,\tau_s^{-1})\,i \\
        b^* &= b + (\Delta t\,\tau_b^{-1})\,(v_\text{th} - b) \\
        z_t &= H^{>}(v^* - b^*) \\
        v_t &= (1 - z_t)\,v^* + z_t\,v_\text{reset} \\
        b_t &= b^* + z_t\,\beta \\
        i_t &= i^* + J_t

    :math:`b` is the whole threshold, relaxing toward ``v_th`` and raised by
    :math:`\beta` at each spike; the membrane integrates the *old* current,
    so an input reaches ``v`` one step later than in :class:`~.lif.LIF`
    (quirks ``norse_lsnn_threshold``, ``norse_lsnn_input_delay``).  Explicit
    Euler of

    .. math::

        \tau_m \dot v = v_\text{leak} - v + i, \quad \tau_s \dot i = -i, \quad
        \tau_b \dot b = v_\text{th} - b,

    spike when :math:`v > b`; on a spike :math:`v \leftarrow v_\text{reset}`,
    :math:`b \leftarrow b + \beta`.  norse's docstring
    (:math:`z = \Theta(v - v_\text{th} + b)`, :math:`\dot b = -b/\tau_b`)
    is not what runs.  With the defaults :math:`\tau_b = 800` s, so
    :math:`b` relaxes by 1.25e-6 per step and the threshold stays close to
    :math:`1 + 1.8 \times` (number of spikes).  ``dt`` times each of
    ``tau_mem_inv``, ``tau_syn_inv``, ``tau_adapt_inv`` must be < 2 (refused)
    and should be < 1 (warned).

    Units: rates per second with ``dt = 0.001`` for the defaults (quirk
    ``norse_units``).  Initial state: :math:`v = v_\text{leak}`, :math:`i = 0`,
    :math:`b = v_\text{th}` (as every norse LSNN module builds it; a zero
    ``b`` would fire as soon as :math:`v^* > 0`).
"""

_DOC_PARAMETERS = r"""
    tau_syn_inv, tau_mem_inv, tau_adapt_inv : float or array, > 0
        Inverse time constants (defaults 200, 100, 1/800).
    v_leak, v_th, v_reset : float or array
        (defaults 0, 1, 0); ``v_th`` is the resting value of the threshold b.
    beta : float or array
        Threshold increment per spike (default 1.8).
    method : {"super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc"}
        Surrogate gradient of :math:`H^{>}(v^* - b^*)` (gradient only).
    alpha : float
        Surrogate parameter (default 100.0).
    dt : float, > 0
        Time step (default 0.001)."""


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LSNN(Model):
    __doc__ = (
        r"""norse ``LSNN`` (``lsnn_feed_forward_step``), reproduced in float64.

    Compiled kernels: one-neuron step :func:`norse_lsnn_step`, reverse step :func:`norse_lsnn_back`
    (both in this file).

    The input :math:`J_t = X_t` is a current added to the synaptic current
    at the *end* of the step.
"""
        + _DOC_EQUATIONS
        + """
    Parameters
    ----------"""
        + _DOC_PARAMETERS
        + """

    Notes
    -----
    Gradient path: ``lsnn_feed_forward_step`` does not detach the spike in the
    reset of v or in the threshold jump (``reset_detached = False``).
"""
        + _DOC_GRADIENT
        + """

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lsnn.py`` (``lsnn_feed_forward_step``),
    ``norse/torch/module/lsnn.py`` (``LSNN``, ``LSNNCell``);
    G. Bellec et al. (2018), Long short-term memory and learning-to-learn in
    networks of spiking neurons, NeurIPS 31.
    """
    )

    name = "norse.LSNN"
    framework = "norse 1.1.0"
    reference = "norse/torch/functional/lsnn.py (lsnn_feed_forward_step)"
    State = LSNNFeedForwardState
    quirks = ("norse_lsnn_threshold", "norse_lsnn_input_delay", "norse_units", "norse_superspike_alpha")
    reset_detached: ClassVar[bool] = False

    tau_syn_inv: float = c.tau_syn_inv()
    tau_mem_inv: float = c.tau_mem_inv()
    tau_adapt_inv: float = param(
        1.0 / 800.0, unit=c.RATE_UNIT, doc="inverse threshold-adaptation time constant 1/tau_b", rule=">0"
    )
    v_leak: float = c.v_leak()
    v_th: float = c.v_th(doc="resting threshold; initial b")
    v_reset: float = c.v_reset()
    beta: float = param(1.8, unit="voltage", doc="threshold increment per spike")
    method: str = c.method()
    alpha: float = c.alpha()
    dt: float = c.dt()

    def _check(self):
        c.check_rates(self, "tau_mem_inv", "tau_syn_inv", "tau_adapt_inv")

    def initial_state(self, neuron_shape):
        return LSNNFeedForwardState(
            v=self.full(self.v_leak, neuron_shape), i=self.full(0.0, neuron_shape), b=self.full(self.v_th, neuron_shape)
        )

    def _update(self, v, i, b):
        return lsnn_update(
            v, i, b, self.tau_syn_inv, self.tau_mem_inv, self.tau_adapt_inv, self.v_leak, self.v_th,
            self.v_reset, self.beta, self.dt,
        )  # fmt: skip

    def _step(self, state, x):
        if self.is_smoothed:
            z, v, i, b = self._smooth_update(state.v, state.i, state.b)
        else:
            z, v, i, b = self._update(state.v, state.i, state.b)
        return z, LSNNFeedForwardState(v=v, i=i + x, b=b)

    # -- gradient support --------------------------------------------------------------
    def _parts(self, v, i, b):
        """Forward intermediates: ``(v*, i*, b*, u, z, z_reset, v_t, b_t)``."""
        v_decayed, i_decayed, b_decayed = lsnn_decay(
            v, i, b, self.tau_syn_inv, self.tau_mem_inv, self.tau_adapt_inv, self.v_leak, self.v_th, self.dt
        )
        u = v_decayed - b_decayed
        z, z_r = c.fire(self, u)
        v_new = c.reset(v_decayed, z_r, self.v_reset)
        return v_decayed, i_decayed, b_decayed, u, z, z_r, v_new, b_decayed + z_r * self.beta

    def _smooth_update(self, v, i, b):
        """``(z, v_t, i*, b_t)`` through :meth:`_parts` (smoothed forward)."""
        _, i_decayed, _, _, z, _, v_new, b_new = self._parts(v, i, b)
        return z, v_new, i_decayed, b_new

    def _update_adjoint(self, v, i, b, g_z, g_v_new, g_i_decayed, g_b_new):
        """Adjoint of steps 1-6 (class docstring): ``(g_v, g_i, g_b, g_params)``."""
        v_decayed, _, _, u, _, z_r, _, _ = self._parts(v, i, b)
        sigma = c.spike_derivative(self, u)
        g_v, g_i, g_b, g_tm, g_ts, g_tb, g_vl, g_vth, g_vr, g_beta = lsnn_update_adjoint(
            v, i, b, v_decayed, z_r, sigma, g_z, g_v_new, g_i_decayed, g_b_new, self.tau_syn_inv, self.tau_mem_inv,
            self.tau_adapt_inv, self.v_leak, self.v_th, self.v_reset, self.beta, self.dt, self.reset_detached,
        )  # fmt: skip
        params = {
            "tau_mem_inv": g_tm, "tau_syn_inv": g_ts, "tau_adapt_inv": g_tb, "v_leak": g_vl, "v_th": g_vth,
            "v_reset": g_vr, "beta": g_beta,
        }  # fmt: skip
        return g_v, g_i, g_b, params

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass; derivation in the class docstring."""
        g_v, g_i, g_b, params = self._update_adjoint(
            state_prev.v, state_prev.i, state_prev.b, g_output, g_state["v"], g_state["i"], g_state["b"]
        )
        return g_state["i"], {"v": g_v, "i": g_i, "b": g_b}, params


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LSNNRecurrent(c.Recurrent, LSNN):
    __doc__ = (
        r"""norse ``LSNNRecurrent`` (``lsnn_step``), reproduced in float64.

    Compiled kernels: :mod:`refneuron.backends.recurrent` (CPU) and ``cuda_recurrent`` (CUDA
    forward), around this file's :func:`lsnn_update` and :func:`lsnn_update_adjoint`.

    Inputs ``(T, *batch, n_in)``, neurons ``(*batch, n_out)``; the input
    added at the end of step :math:`t` is
    :math:`J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top` with the
    spikes of the *previous* step, evaluated as ``(i* + X W_in^T) + z W_rec^T``
    (matrix products agree with torch to a few 1e-15, BLAS summation order).
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
        True: the matrix as given, as ``lsnn_step`` called directly."""
        + _DOC_PARAMETERS
        + """

    Notes
    -----
    Initial state: z = 0, v = v_leak, i = 0, b = v_th.  Gradient path:
    ``lsnn_step`` detaches the spike in the reset of v and in the threshold
    jump (``reset_detached = True``).
"""
        + _DOC_GRADIENT
        + """

    References
    ----------
    norse 1.1.0, ``norse/torch/functional/lsnn.py`` (``lsnn_step``),
    ``norse/torch/module/lsnn.py`` (``LSNNRecurrent``),
    ``norse/torch/module/snn.py`` (``SNNRecurrent``).
    """
    )

    name = "norse.LSNNRecurrent"
    reference = "norse/torch/functional/lsnn.py (lsnn_step)"
    State = LSNNState
    quirks = LSNN.quirks + ("norse_autapses_in_place",)
    reset_detached: ClassVar[bool] = True

    def initial_state(self, neuron_shape):
        return LSNNState(
            z=self.full(0.0, neuron_shape),
            v=self.full(self.v_leak, neuron_shape),
            i=self.full(0.0, neuron_shape),
            b=self.full(self.v_th, neuron_shape),
        )

    def _step(self, state, x):
        if self.is_smoothed:
            z, v, i, b = self._smooth_update(state.v, state.i, state.b)
        else:
            z, v, i, b = self._update(state.v, state.i, state.b)
        i = (i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        return z, LSNNState(z=z, v=v, i=i, b=b)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        """One step of the backward pass (class docstring); the output and the
        state ``z`` are the same spikes, so their upstream gradients add."""
        g_v, g_i, g_b, params = self._update_adjoint(
            state_prev.v, state_prev.i, state_prev.b, g_output + g_state["z"], g_state["v"], g_state["i"], g_state["b"]
        )
        g_x, g_z_prev, g_weights = c.recurrent_jump_adjoint(self, g_state["i"], x, state_prev.z)
        params.update(g_weights)
        return g_x, {"z": g_z_prev, "v": g_v, "i": g_i, "b": g_b}, params


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def norse_lsnn_step(v, i, b, x, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt):
    """norse ``LSNN`` (``lsnn_feed_forward_step``: ``LSNN._step``): the update
    integrates the old current, then this step's input jumps in."""
    z, v_new, i_decayed, b_new = lsnn_update(
        v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt
    )
    return z, v_new, i_decayed + x, b_new


def norse_lsnn_back(
    v, i, b, x, gz, gv, gi, gb, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
    sg, sp0, sp1,
):  # fmt: skip
    """norse ``LSNN._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_b,
    g_tau_mem_inv, g_tau_syn_inv, g_tau_adapt_inv, g_v_leak, g_v_th,
    g_v_reset, g_beta)``.  The input is added to the current after the
    update, so its gradient is that of the stored current, ``gi``."""
    v_decayed, _, b_decayed = lsnn_decay(v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, dt)
    u = v_decayed - b_decayed
    z = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_i, g_b, g_tm, g_ts, g_tb, g_vl, g_vth, g_vr, g_beta = lsnn_update_adjoint(
        v, i, b, v_decayed, z, sigma, gz, gv, gi, gb, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th,
        v_reset, beta, dt, False,
    )  # fmt: skip
    return gi * 1.0, g_v, g_i, g_b, g_tm, g_ts, g_tb, g_vl, g_vth, g_vr, g_beta


__all__ = [
    "LSNN",
    "LSNNRecurrent",
    "LSNNFeedForwardState",
    "LSNNState",
    "lsnn_update",
    "lsnn_decay",
    "lsnn_update_adjoint",
    "norse_lsnn_step",
    "norse_lsnn_back",
]
