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
        z, v, i = self._update(state.v, state.i + x)
        return z, LIFFeedForwardState(v=v, i=i)


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LIFRecurrent(LIF):
    __doc__ = (
        r"""norse ``LIFRecurrent`` (``lif_step``), reproduced in float64.

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

    input_weights: object = c.input_weights()
    recurrent_weights: object = c.recurrent_weights()
    autapses: bool = c.autapses()

    def _check(self):
        c.check_weights(self)
        super()._check()

    def neuron_shape(self, item_shape):
        return c.recurrent_neuron_shape(self, item_shape)

    def initial_state(self, neuron_shape):
        return LIFState(
            z=self.full(0.0, neuron_shape), v=self.full(self.v_leak, neuron_shape), i=self.full(0.0, neuron_shape)
        )

    def _step(self, state, x):
        i_jump = (state.i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        z, v, i = self._update(state.v, i_jump)
        return z, LIFState(z=z, v=v, i=i)


__all__ = ["LIF", "LIFRecurrent", "LIFFeedForwardState", "LIFState", "lif_update"]
