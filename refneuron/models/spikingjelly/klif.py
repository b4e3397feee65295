r"""spikingjelly ``KLIFNode``: LIF whose charged membrane is scaled by a learnable ``k`` and rectified.

Source: spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
(``KLIFNode``) and ``activation_based/functional/neuron.py`` (``klif_step``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ... import _checks
from ..._records import flag, param
from ...registry import register
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    HARD,
    SpikingJellyNode,
    VState,
    decay_input_field,
    detach_reset_field,
    lif_charge,
    surrogate_field,
    tau_field,
    v_reset_field,
    v_threshold_field,
)


@dataclasses.dataclass(frozen=True, eq=False)
class KLIFState(VState):
    """State of :class:`KLIF`: the post-reset membrane ``v``."""


def klif_rectify(h, k):
    """``ReLU(k * h)`` (element-wise; NaN propagates as in ``torch.relu``)."""
    return np.maximum(k * h, 0.0)


def klif_reset(h, s, k, v_threshold, v_reset, reset, scale_reset):
    """KLIF reset: as :func:`voltage_reset` on ``h``, or with ``scale_reset`` on
    ``h / k`` with the threshold ``v_threshold / k`` (hard:
    ``s*v_reset + (1 - s)*(h/k)``; soft: ``h/k - s*(v_threshold/k)``).

    Self-contained (it calls no other Python function) so that Numba can
    compile it on its own.
    """
    if scale_reset:
        h = h / k
        v_threshold = v_threshold / k
    if reset == HARD:
        return s * v_reset + (1.0 - s) * h
    return h - s * v_threshold


@register
@dataclasses.dataclass(frozen=True, eq=False)
class KLIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``KLIFNode`` (2.0.0), reproduced in float64.

    Per step:

    .. math::

        H'_t &= \text{LIF charge of } V_{t-1}, X_t \text{ (see } \texttt{LIF}\text{)}\\
        H_t &= \mathrm{ReLU}(k\,H'_t)\\
        S_t &= H^{\ge}(H_t - \theta)\\
        V_t &= S_t V_r + (1 - S_t) H_t \ \text{(hard)}, \quad H_t - S_t\theta \ \text{(soft)}
            &&\text{scale\_reset=False}\\
        V_t &= S_t V_r + (1 - S_t)(H_t/k) \ \text{(hard)}, \quad H_t/k - S_t(\theta/k) \ \text{(soft)}
            &&\text{scale\_reset=True}

    The LIF part is forward Euler (:math:`\Delta t = 1`) of
    :math:`\tau\,dV/dt = -(V - V_r') + X` (:math:`V_r' = V_r`, 0 if soft);
    the rectified scaling has no continuous counterpart.  Dimensionless.

    Parameters
    ----------
    scale_reset : bool
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    decay_input : bool
    k : float
        The learnable scalar (spikingjelly initialises it to 1.0; pass a
        trained ``node.k.item()`` here).  Must be != 0 with ``scale_reset``
        (the reset divides by it).
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
    (``KLIFNode``), ``functional/neuron.py`` (``klif_step``); Jiang and Zhang
    (2023), "KLIF: an optimized spiking neuron unit for tuning surrogate
    gradient slope and membrane potential", ICASSP.
    """
    )

    name = "spikingjelly.KLIF"
    reference = "spikingjelly/activation_based/neuron/lif_variants.py"
    State = KLIFState
    quirks = COMMON_QUIRKS + ("spikingjelly_vreset_leak", "spikingjelly_learnable_dtype")

    scale_reset: bool = flag(False, doc="reset H/k with threshold theta/k")
    tau: float = tau_field()
    decay_input: bool = decay_input_field()
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()
    k: float = param(1.0, unit="1", doc="learnable scale of the charged membrane", per_neuron=False)

    def _check(self):
        super()._check()
        if self.scale_reset:
            _checks.check_rule("k", self.k, "!=0")

    def _step(self, state, x):
        h = klif_rectify(lif_charge(state.v, x, self.tau, self.v_leak, self.decay_input), self.k)
        s = self._fire(h)
        v = klif_reset(h, s, self.k, self.v_threshold, self.v_leak, self.reset_code, self.scale_reset)
        return s, KLIFState(v=v)


__all__ = ["KLIF", "KLIFState", "klif_rectify", "klif_reset"]
