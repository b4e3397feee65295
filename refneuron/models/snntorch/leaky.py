r"""snntorch ``Leaky``: first-order leaky integrate-and-fire with a delayed reset.

Source: snntorch 1.0.0, ``snntorch/_neurons/leaky.py`` and ``neurons.py``.
"""

from __future__ import annotations

import dataclasses

from ..._records import State, flag, option, other, param
from ...registry import register
from ...surrogates import ATan, as_surrogate
from .._base import Model
from ._common import (
    NONE,
    RESET_CODE,
    RESETS,
    SUBTRACT,
    ZERO,
    check_inhibition_shape,
    float32_rounded,
    inhibit,
    spike_gt,
)


@dataclasses.dataclass(frozen=True, eq=False)
class LeakyState(State):
    """State of :class:`Leaky`: the membrane ``mem`` (pre-reset, as stored by snntorch)."""

    mem: object


def leaky_charge(mem, x, beta, threshold, threshold_sub, reset):
    """Delayed reset signal and new membrane (steps 1-2 of the update).

    Works element-wise on arrays and on scalars (branches only on the option
    code ``reset``).  Returns ``(r, mem_new)``.
    """
    r = spike_gt(mem, threshold)
    if reset == SUBTRACT:
        m = (beta * mem + x) - r * threshold_sub
    elif reset == ZERO:
        m = beta * ((1.0 - r) * mem) + x
    else:
        m = beta * mem + x
    return r, m


def leaky_immediate_reset(m, s, r, threshold_sub, reset):
    """``reset_delay=False``: the compensating immediate reset ``D = S - R``."""
    d = s - r
    if reset == SUBTRACT:
        return m - d * threshold_sub
    if reset == ZERO:
        return m - d * m
    return m


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Leaky(Model):
    r"""snntorch ``Leaky`` neuron (1.0.0), reproduced in float64.

    Per call :math:`t` (default ``reset_delay=True``), with
    :math:`H^{>}(u) = 1` if :math:`u > 0` else 0:

    .. math::

        R_t &= H^{>}(U_{t-1} - \theta) \quad\text{(from the stored membrane)}\\
        U_t &= (\beta U_{t-1} + X_t) - R_t\,\theta_{32}  &&\text{subtract}\\
        U_t &= \beta\,((1 - R_t) U_{t-1}) + X_t          &&\text{zero}\\
        U_t &= \beta U_{t-1} + X_t                       &&\text{none}\\
        S_t &= g\,H^{>}(U_t - \theta)

    The returned and stored :math:`U_t` is pre-reset (it may exceed
    :math:`\theta`); the reset of a spike is applied at the next step, not
    decayed.  ``reset_delay=False`` adds :math:`D_t = S_t/g - R_t` and
    :math:`U_t \leftarrow U_t - D_t\theta_{32}` (subtract) or
    :math:`U_t - D_t U_t` (zero), so :math:`U_t` is post-reset.
    :math:`\theta_{32}` is the threshold rounded to float32 when it is a
    scalar and ``float32_spikes`` is on (snntorch 1.0.0's float32 spikes).

    Continuous-time reading: exact exponential decay
    :math:`\beta = e^{-\Delta t/\tau}` of :math:`\tau\,dU/dt = -U`, the input
    added as an instantaneous jump each step (no input scaling).
    Units: dimensionless (U and X share the unit of the threshold).

    Parameters
    ----------
    beta : float or array, in [0, 1]
        Membrane decay per step (snntorch clamps it silently; refneuron refuses
        values outside [0, 1]).
    threshold : float or array
    spike_grad : Surrogate
        ``ATan(alpha=2)`` by default; the forward is always :math:`H^{>}`.
    surrogate_disable, learn_beta, learn_threshold, learn_graded_spikes_factor : bool
        Gradient-only switches, recorded for the backward pass.
    inhibition : bool
        Only the arg-max neuron of dimension 1 spikes (inputs ``(T, batch, n)``);
        the reset is not masked.
    reset_mechanism : {"subtract", "zero", "none"}
    graded_spikes_factor : float or array
        Output spikes are ``g`` times the step.
    reset_delay : bool
    float32_spikes : bool
        Reproduce snntorch 1.0.0's float32 spikes (default).  False gives the
        behaviour of snntorch master after PR #432.

    References
    ----------
    snntorch 1.0.0, ``snntorch/_neurons/leaky.py`` (``forward``,
    ``_base_sub``, ``_base_zero``) and ``neurons.py`` (``fire``,
    ``fire_inhibition``, ``mem_reset``).
    """

    name = "snntorch.Leaky"
    framework = "snntorch 1.0.0"
    reference = "snntorch/_neurons/leaky.py"
    State = LeakyState
    quirks = (
        "snntorch_delayed_reset",
        "snntorch_float32_spikes",
        "snntorch_leaky_zero_reset",
        "snntorch_clamp",
        "snntorch_inhibition_reset",
    )

    beta: float = param(unit="1", doc="membrane decay factor per step", rule="[0,1]")
    threshold: float = param(1.0, unit="same as U", doc="firing threshold")
    spike_grad: object = other(default_factory=ATan, doc="surrogate gradient", convert=as_surrogate)
    surrogate_disable: bool = flag(False, doc="no gradient through the spike (gradient only)")
    inhibition: bool = flag(False, doc="only the arg-max neuron of dim 1 spikes")
    learn_beta: bool = flag(False, doc="beta is learnable (gradient only)")
    learn_threshold: bool = flag(False, doc="threshold is learnable (gradient only)")
    reset_mechanism: str = option("subtract", RESETS, doc="reset applied after a spike")
    graded_spikes_factor: float = param(1.0, doc="output spike amplitude g")
    learn_graded_spikes_factor: bool = flag(False, doc="g is learnable (gradient only)")
    reset_delay: bool = flag(True, doc="apply the reset at the next step (snntorch default)")
    float32_spikes: bool = flag(True, doc="snntorch 1.0.0 float32 spikes (quirk)")

    def check_neuron_shape(self, neuron_shape):
        super().check_neuron_shape(neuron_shape)
        check_inhibition_shape(self, neuron_shape)

    def initial_state(self, neuron_shape):
        return LeakyState(mem=self.full(0.0, neuron_shape))

    def _spike_constants(self):
        if self.float32_spikes:
            return float32_rounded(self.threshold), float32_rounded(self.graded_spikes_factor)
        return self.threshold, self.graded_spikes_factor

    def _step(self, state, x):
        thr_sub, g = self._spike_constants()
        reset = RESET_CODE[self.reset_mechanism]
        r, m = leaky_charge(state.mem, x, self.beta, self.threshold, thr_sub, reset)
        s = spike_gt(m, self.threshold)
        if self.inhibition:
            s = inhibit(s, m - self.threshold)
        if not self.reset_delay and reset != NONE:
            m = leaky_immediate_reset(m, s, r, thr_sub, reset)
        return s * g, LeakyState(mem=m)


__all__ = ["Leaky", "LeakyState", "leaky_charge", "leaky_immediate_reset", "ZERO"]
