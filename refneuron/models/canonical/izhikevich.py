r"""The Izhikevich (2003) simple model in physical units (mV, ms).

.. math::

    \frac{dv}{dt} = p_2 v^2 + p_1 v + p_0 - u + I, \qquad
    \frac{du}{dt} = a\,(b v - u), \qquad
    v \ge v_\text{peak}:\; v \leftarrow c,\; u \leftarrow u + d

with :math:`(p_2, p_1, p_0) = (0.04, 5, 140)` (panels G and L of the 2004
figure use :math:`4.1 v + 108`).  Panel R (accommodation) uses
:math:`du/dt = a\,b\,(v + 65)` (``u_rule="accommodation"``).

Three discrete schemes are offered, each exactly as published:

``"figure2004"`` (default) — the 2004 figure script, per step of ``dt``:
    ``v <- v + dt*(p2*v^2 + p1*v + p0 - u + I_k)``;
    ``u <- u + dt*a*(b*v - u)`` with the **new** v;
    ``if v > v_peak: v <- c; u <- u + d`` (strict test after the update).
``"network2003"`` — the 2003 paper's network code: test ``v >= v_peak``
    *before* the update (spike recorded at this step, reset), then two half
    steps of ``dt/2`` for v with u held, then u with the new v and the full dt.
``"euler"`` — plain forward Euler of both equations from the old (v, u),
    then the strict test ``v > v_peak`` and the reset.

Inputs are the current samples ``I_k = I(t_k)``, ``t_k = k*dt``, held over the
step (zero-order hold).  Units: v, c, v_peak in mV; t, dt in ms; I, u, d in
mV/ms; a, b in 1/ms.

References
----------
E.M. Izhikevich (2003), IEEE Trans. Neural Netw. 14(6):1569-1572;
E.M. Izhikevich (2004), IEEE Trans. Neural Netw. 15(5):1063-1070 (figure1.m).
"""

from __future__ import annotations

import dataclasses

from ..._records import State, option, param
from ...registry import register
from .._base import Model

SCHEMES = ("figure2004", "network2003", "euler")
U_RULES = ("standard", "accommodation")


@dataclasses.dataclass(frozen=True, eq=False)
class IzhikevichState(State):
    """State of :class:`Izhikevich`: membrane ``v`` (mV, post-reset), recovery ``u`` (mV/ms)."""

    v: object
    u: object


def izhikevich_dv(v, u, i, p2, p1, p0):
    """Right-hand side of v (mV/ms), written in the script's order."""
    return p2 * v * v + p1 * v + p0 - u + i


def izhikevich_du(v, u, a, b, u_rule):
    """Right-hand side of u."""
    if u_rule == 0:
        return a * (b * v - u)
    return a * b * (v + 65.0)


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Izhikevich(Model):
    __doc__ = __doc__

    name = "canonical.Izhikevich"
    framework = "Izhikevich (2003, 2004)"
    reference = "Izhikevich 2003 IEEE TNN 14:1569; 2004 IEEE TNN 15:1063, figure1.m"
    State = IzhikevichState

    a: float = param(0.02, unit="1/ms", doc="recovery rate")
    b: float = param(0.2, unit="1/ms", doc="sensitivity of u to v")
    c: float = param(-65.0, unit="mV", doc="reset potential")
    d: float = param(2.0, unit="mV/ms", doc="after-spike increment of u")
    v_peak: float = param(30.0, unit="mV", doc="spike cut-off (apex)")
    dt: float = param(0.25, unit="ms", doc="time step", rule=">0", per_neuron=False)
    p2: float = param(0.04, unit="1/(mV ms)", doc="quadratic coefficient")
    p1: float = param(5.0, unit="1/ms", doc="linear coefficient")
    p0: float = param(140.0, unit="mV/ms", doc="constant term")
    scheme: str = option("figure2004", SCHEMES, doc="discrete scheme (see Notes)")
    u_rule: str = option("standard", U_RULES, doc="'accommodation': du/dt = a*b*(v+65) (2004 panel R)")
    v0: float = param(-65.0, unit="mV", doc="initial v")
    u0: float | None = None  # initial u; None means b*v0

    def _check(self):
        from ... import _checks

        if self.u0 is not None:
            object.__setattr__(self, "u0", _checks.as_float_param("u0", self.u0))

    def initial_state(self, neuron_shape):
        u0 = self.b * self.v0 if self.u0 is None else self.u0
        return IzhikevichState(v=self.full(self.v0, neuron_shape), u=self.full(u0, neuron_shape))

    def _step(self, state, i):
        v, u = state.v, state.u
        rule = U_RULES.index(self.u_rule)
        dt = self.dt
        if self.scheme == "network2003":
            s = (v >= self.v_peak) * 1.0
            v = s * self.c + (1.0 - s) * v
            u = u + s * self.d
            h = 0.5 * dt
            v = v + h * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            v = v + h * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            u = u + dt * izhikevich_du(v, u, self.a, self.b, rule)
            return s, IzhikevichState(v=v, u=u)
        if self.scheme == "figure2004":
            v = v + dt * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            u = u + dt * izhikevich_du(v, u, self.a, self.b, rule)
        else:  # euler
            v, u = (
                v + dt * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0),
                u + dt * izhikevich_du(v, u, self.a, self.b, rule),
            )
        s = (v > self.v_peak) * 1.0
        v = s * self.c + (1.0 - s) * v
        u = u + s * self.d
        return s, IzhikevichState(v=v, u=u)
