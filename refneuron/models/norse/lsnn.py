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
        z, v, i, b = self._update(state.v, state.i, state.b)
        return z, LSNNFeedForwardState(v=v, i=i + x, b=b)


@register
@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class LSNNRecurrent(LSNN):
    __doc__ = (
        r"""norse ``LSNNRecurrent`` (``lsnn_step``), reproduced in float64.

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

    input_weights: object = c.input_weights()
    recurrent_weights: object = c.recurrent_weights()
    autapses: bool = c.autapses()

    def _check(self):
        c.check_weights(self)
        super()._check()

    def neuron_shape(self, item_shape):
        return c.recurrent_neuron_shape(self, item_shape)

    def initial_state(self, neuron_shape):
        return LSNNState(
            z=self.full(0.0, neuron_shape),
            v=self.full(self.v_leak, neuron_shape),
            i=self.full(0.0, neuron_shape),
            b=self.full(self.v_th, neuron_shape),
        )

    def _step(self, state, x):
        z, v, i, b = self._update(state.v, state.i, state.b)
        i = (i + c.linear(x, self.input_weights)) + c.linear(state.z, self.recurrent_weights)
        return z, LSNNState(z=z, v=v, i=i, b=b)


__all__ = ["LSNN", "LSNNRecurrent", "LSNNFeedForwardState", "LSNNState", "lsnn_update"]
