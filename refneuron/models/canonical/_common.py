r"""Spike, surrogate and reset shared by the canonical models (forward and backward).

The canonical models fire on the argument :math:`x = v - v_\text{peak}` (mV)
with their own comparison (strict ``>`` for the 2004 figure script, forward
Euler and AdEx; ``>=`` for the 2003 network code).  For gradients the spike
is differentiable through a surrogate :math:`\sigma` (a refneuron surrogate
record, field ``surrogate``): :math:`\partial S/\partial x = \sigma'(x)`,
``surrogate.derivative(x)``, with ``x`` in mV.  Only ``derivative`` and
``primitive`` of the surrogate are used; its own comparison is not (the
model's comparison decides the spike).

The reset is written arithmetically in the spike :math:`R`,

.. math:: v \leftarrow R\,c + (1 - R)\,v, \qquad u \leftarrow u + R\,d,

which for :math:`R \in \{0, 1\}` and finite :math:`v` is the published
assignment bit for bit (one of the two products is an exact zero), and lets
the gradient flow through the spike into the reset.  With
``detach_reset=True``, :math:`R` is the spike detached from the graph (its
derivative is zero); the emitted spike still carries the surrogate gradient.

Smoothed forward (:meth:`~refneuron.models._base.Model.smoothed`, for
gradient checks only): the gradient-carrying spike is the surrogate's
primitive :math:`g(x)` (with :math:`g' = \sigma'`) instead of the step; a
detached reset spike stays the hard step.
"""

from __future__ import annotations

import numpy as np

from ..._math import indicator
from ...errors import ParameterError


def hard_spike(v, v_peak, strict):
    """The model's spike ``[v > v_peak]`` (``strict``) or ``[v >= v_peak]`` as 0.0 / 1.0."""
    return indicator(v > v_peak) if strict else indicator(v >= v_peak)


def reset_v(r, c, v):
    """``r*c + (1 - r)*v``: the reset of the membrane by the spike ``r``."""
    return r * c + (1.0 - r) * v


def reset_u(r, d, u):
    """``u + r*d``: the after-spike increment of the recovery/adaptation variable."""
    return u + r * d


def spikes(model, v, v_peak, strict):
    """``(S, R)``: the emitted (gradient-carrying) spike and the reset spike.

    Normally both are the model's hard spike :func:`hard_spike` (the same
    array).  In the smoothed forward ``S`` is the surrogate's primitive of
    ``v - v_peak``, and so is ``R`` unless the reset is detached.
    """
    hard = hard_spike(v, v_peak, strict)
    if not model.is_smoothed:
        return hard, hard
    g = model.surrogate.primitive(v - v_peak)
    if g is None:
        raise ParameterError(
            f"surrogate: {type(model.surrogate).__name__} has no primitive, so there is no smoothed forward"
        )
    g = np.asarray(g, dtype=np.float64)
    return g, (hard if model.detach_reset else g)


def slope(model, x):
    r"""The surrogate derivative :math:`\sigma'(x)` (float64 array)."""
    return np.asarray(model.surrogate.derivative(x), dtype=np.float64)
