r"""The adaptive exponential integrate-and-fire model (Brette & Gerstner 2005)
in physical units (pF, nS, mV, ms, pA).

.. math::

    C\,\frac{dV}{dt} &= -g_L (V - E_L) + g_L \Delta_T
        \exp\!\Big(\frac{\min(V, V_\text{peak}) - V_T}{\Delta_T}\Big) - w + I \\
    \tau_w \frac{dw}{dt} &= a (V - E_L) - w \\
    V > V_\text{peak}: &\quad V \leftarrow V_\text{reset},\; w \leftarrow w + b

The exponent uses :math:`\min(V, V_\text{peak})` (NEST's rule), so it never
exceeds :math:`(V_\text{peak} - V_T)/\Delta_T`; that bound is refused when
``exp`` of it would come within 1e20 of overflow (NEST's parameter rule).

Discrete scheme (``scheme="euler"``, as Brian2's Naud et al. example):
forward Euler of both equations from the old (V, w) with step ``dt``, then
the strict test ``V > V_peak`` and the reset.  Inputs are the current samples
``I_k = I(t_k)`` in pA, held over the step.

Units: pA / pF = mV/ms, nS * mV = pA, so ``dt`` is in ms.

References
----------
R. Brette, W. Gerstner (2005), J. Neurophysiol. 94:3637-3642;
R. Naud, N. Marcille, C. Clopath, W. Gerstner (2008), Biol. Cybern. 99:335-347.
"""

from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np

from ... import _checks
from ..._records import State, option, param
from ...errors import ParameterError
from ...registry import register
from .._base import Model

#: NEST's bound: (V_peak - V_T)/Delta_T must stay below log(DBL_MAX / 1e20)
EXP_ARG_LIMIT = math.log(sys.float_info.max / 1e20)


@dataclasses.dataclass(frozen=True, eq=False)
class AdExState(State):
    """State of :class:`AdEx`: membrane ``V`` (mV, post-reset), adaptation ``w`` (pA)."""

    V: object
    w: object


def adex_dV(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak):
    """dV/dt in mV/ms (the exponent uses min(V, V_peak)).

    The minimum is written arithmetically, ``s*V_peak + (1 - s)*V`` with
    ``s = (V > V_peak)``, so that the same function runs on NumPy arrays and,
    compiled by Numba, on scalars; for finite V it equals ``np.minimum``
    bit for bit (one term is an exact zero).  For ``V = +inf`` it gives NaN
    where ``np.minimum`` gives ``V_peak`` (``0*inf``); a run never reaches
    that state, since V is reset whenever it passes ``V_peak``.
    """
    s = (V > V_peak) * 1.0
    Vc = s * V_peak + (1.0 - s) * V
    return (-g_L * (V - E_L) + g_L * Delta_T * np.exp((Vc - V_T) / Delta_T) - w + i) / C_m


def adex_dw(V, w, a, E_L, tau_w):
    """dw/dt in pA/ms."""
    return (a * (V - E_L) - w) / tau_w


@register
@dataclasses.dataclass(frozen=True, eq=False)
class AdEx(Model):
    __doc__ = __doc__

    name = "canonical.AdEx"
    framework = "Brette & Gerstner (2005)"
    reference = "Brette & Gerstner 2005 J Neurophysiol 94:3637; Naud et al. 2008 Biol Cybern 99:335"
    State = AdExState

    C_m: float = param(281.0, unit="pF", doc="membrane capacitance", rule=">0")
    g_L: float = param(30.0, unit="nS", doc="leak conductance", rule=">0")
    E_L: float = param(-70.6, unit="mV", doc="leak reversal potential")
    V_T: float = param(-50.4, unit="mV", doc="threshold (rheobase) potential")
    Delta_T: float = param(2.0, unit="mV", doc="slope factor", rule=">0")
    tau_w: float = param(144.0, unit="ms", doc="adaptation time constant", rule=">0")
    a: float = param(4.0, unit="nS", doc="subthreshold adaptation")
    b: float = param(80.5, unit="pA", doc="spike-triggered adaptation")
    V_reset: float = param(-70.6, unit="mV", doc="reset potential")
    V_peak: float = param(20.0, unit="mV", doc="spike cut")
    dt: float = param(0.1, unit="ms", doc="time step", rule=">0", per_neuron=False)
    scheme: str = option("euler", ("euler",), doc="forward Euler")
    V0: float | None = None  # initial V; None means E_L
    w0: float = param(0.0, unit="pA", doc="initial adaptation current")

    def _check(self):
        if self.V0 is not None:
            object.__setattr__(self, "V0", _checks.as_float_param("V0", self.V0))
        if not np.all(np.asarray(self.V_peak) >= np.asarray(self.V_T)):
            raise ParameterError(f"V_peak, V_T: V_peak >= V_T required (got {self.V_peak!r}, {self.V_T!r})")
        if not np.all(np.asarray(self.V_reset) < np.asarray(self.V_peak)):
            raise ParameterError(
                f"V_reset, V_peak: V_reset < V_peak required (got {self.V_reset!r}, {self.V_peak!r})"
            )
        arg = (np.asarray(self.V_peak) - np.asarray(self.V_T)) / np.asarray(self.Delta_T)
        if not np.all(arg < EXP_ARG_LIMIT):
            raise ParameterError(
                f"V_peak, V_T, Delta_T: (V_peak - V_T)/Delta_T must be < {EXP_ARG_LIMIT:.2f} so that "
                f"exp cannot overflow (got {float(np.max(arg))!r})"
            )

    def initial_state(self, neuron_shape):
        V0 = self.E_L if self.V0 is None else self.V0
        return AdExState(V=self.full(V0, neuron_shape), w=self.full(self.w0, neuron_shape))

    def _step(self, state, i):
        V, w = state.V, state.w
        dt = self.dt
        V_new = V + dt * adex_dV(V, w, i, self.C_m, self.g_L, self.E_L, self.V_T, self.Delta_T, self.V_peak)
        w_new = w + dt * adex_dw(V, w, self.a, self.E_L, self.tau_w)
        s = (V_new > self.V_peak) * 1.0
        V_new = np.where(s > 0, self.V_reset, V_new)
        w_new = w_new + s * self.b
        return s, AdExState(V=V_new, w=w_new)
