r"""The Izhikevich (2003) simple model in physical units (mV, ms).

Compiled kernels: one-neuron step :func:`izhikevich_step`, reverse step :func:`izhikevich_back`
(both in this file).

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

Gradients (``refneuron.gradients.vjp``): the spike is differentiable in
:math:`x = v - v_\text{peak}` through ``surrogate`` (default snntorch's
``ATan(alpha=2)``: :math:`\sigma'(x) = 1/(1 + (\pi x)^2)` per mV, peak 1 at
the cut-off; its primitive is a normalised step in (0, 1), so the smoothed
reset stays a convex combination of ``c`` and ``v``, and its heavy tails keep
a gradient when the crossing overshoots by tens of mV).  The reset is
written arithmetically, ``v <- S*c + (1 - S)*v``, ``u <- u + S*d`` (bitwise
the published assignment for S in {0, 1}), so the gradient flows through the
spike into the reset unless ``detach_reset=True``.  Learnable: ``a, b, c, d,
p2, p1, p0`` and ``v_peak`` (through the spike only); ``v0``/``u0`` are the
initial state, whose gradient ``vjp`` returns separately.  The backward
recursion of each scheme is derived in :meth:`Izhikevich._vjp_step`.

References
----------
E.M. Izhikevich (2003), IEEE Trans. Neural Netw. 14(6):1569-1572;
E.M. Izhikevich (2004), IEEE Trans. Neural Netw. 15(5):1063-1070 (figure1.m).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ... import _checks
from ..._math import indicator
from ..._records import State, flag, option, other, param
from ...registry import register
from ...surrogates import ATan, as_surrogate
from ...surrogates._codes import surrogate_slope
from .._base import Model
from ._common import hard_spike, reset_u, reset_v, slope, spikes

SCHEMES = ("figure2004", "network2003", "euler")
#: scheme codes of the compiled step (index in ``SCHEMES``)
FIGURE2004, NETWORK2003, EULER = 0, 1, 2
U_RULES = ("standard", "accommodation")

#: parameters that receive a gradient (v_peak only through the spike)
LEARNABLE = ("a", "b", "c", "d", "v_peak", "p2", "p1", "p0")


@dataclasses.dataclass(frozen=True, eq=False)
class IzhikevichState(State):
    """State of :class:`Izhikevich`: membrane ``v`` (mV, post-reset), recovery ``u`` (mV/ms)."""

    v: object
    u: object


def izhikevich_dv(v, u, i, p2, p1, p0):
    """Right-hand side of v (mV/ms), in the scripts' order of operations:
    ``0.04*v^2 + 5*v + 140 - u + I`` is ``p2*(v*v)``, then the sums left to right
    (``(p2*v)*v`` differs in the last bit for about a third of the values)."""
    return p2 * (v * v) + p1 * v + p0 - u + i


def izhikevich_du(v, u, a, b, u_rule):
    """Right-hand side of u: ``a*(b*v - u)``, or ``a*(b*(v + 65))`` (accommodation)."""
    if u_rule == 0:
        return a * (b * v - u)
    return a * (b * (v + 65.0))


def izhikevich_u_update(v, u, a, b, dt, u_rule):
    """``u + dt*du``, grouped as the scripts write it: ``u + tau*a*(b*V - u)``
    (2004, MATLAB's left-to-right ``(tau*a)*(...)``), ``u + tau*a*(b*(V + 65))``
    (panel R) and ``u + a*(b*v - u)`` (2003, dt = 1).  For a power-of-two dt
    (the scripts' 0.25, 0.5, 1) this equals ``u + dt*izhikevich_du(...)`` bit
    for bit; for other dt the two groupings can differ in the last bit."""
    if u_rule == 0:
        return u + (dt * a) * (b * v - u)
    return u + (dt * a) * (b * (v + 65.0))


def izhikevich_dv_grads(v, p2, p1):
    """``d(dv/dt)/dv = 2 p2 v + p1`` (the other partials are -1 for u, +1 for I,
    v^2, v, 1 for p2, p1, p0)."""
    return 2.0 * p2 * v + p1


def izhikevich_du_grads(v, u, a, b, u_rule):
    """Partials of ``du/dt`` with respect to ``(v, u, a, b)``."""
    if u_rule == 0:
        return a * b, -a, b * v - u, a * v
    return a * b, 0.0 * u, b * (v + 65.0), a * (v + 65.0)


def izhikevich_spike_v(v, u, i, dt, p2, p1, p0, scheme):
    """The membrane value the spike of one step compares with ``v_peak``:
    ``v`` itself (``network2003``, scheme code 1) or the updated
    ``v + dt * f(v, u)`` (``figure2004`` 0, ``euler`` 2).  Element-wise."""
    if scheme == 1:
        return v * 1.0
    return v + dt * izhikevich_dv(v, u, i, p2, p1, p0)


def izhikevich_adjoint(v, u, i, vs, r, ds, g_output, gv_out, gu_out, a, b, c, d, dt, p2, p1, p0, scheme, rule, detach):
    """One step of :meth:`Izhikevich._vjp_step`, element-wise (arrays or
    scalars; the compiled backward kernels call it per neuron).

    ``vs`` is :func:`izhikevich_spike_v`, ``r`` the reset's spike, ``ds`` the
    surrogate derivative at ``vs - v_peak``; ``scheme`` and ``rule`` are the
    indices in ``SCHEMES`` and ``U_RULES``; ``detach`` is ``detach_reset``.
    The equations are in the method's docstring.  Returns ``(g_i, g_v, g_u,
    g_a, g_b, g_c, g_d, g_v_peak, g_p2, g_p1, g_p0)``.
    """
    if scheme == 1:
        v1 = reset_v(r, c, v)
        u1 = reset_u(r, d, u)
        h = 0.5 * dt
        v2 = v1 + h * izhikevich_dv(v1, u1, i, p2, p1, p0)
        v3 = v2 + h * izhikevich_dv(v2, u1, i, p2, p1, p0)
        g_v, g_u, g_a, g_b = izhikevich_du_grads(v3, u1, a, b, rule)
        gv3 = gv_out + gu_out * dt * g_v
        gu1 = gu_out * (1.0 + dt * g_u)
        ga = gu_out * dt * g_a
        gb = gu_out * dt * g_b
        gv2 = gv3 * (1.0 + h * izhikevich_dv_grads(v2, p2, p1))
        gu1 = gu1 - h * gv3
        gi = h * gv3
        gp2 = h * gv3 * (v2 * v2)
        gp1 = h * gv3 * v2
        gp0 = h * gv3
        gv1 = gv2 * (1.0 + h * izhikevich_dv_grads(v1, p2, p1))
        gu1 = gu1 - h * gv2
        gi = gi + h * gv2
        gp2 = gp2 + h * gv2 * (v1 * v1)
        gp1 = gp1 + h * gv2 * v1
        gp0 = gp0 + h * gv2
        gc = gv1 * r
        gd = gu1 * r
        gv = gv1 * (1.0 - r)
        gu = gu1
        gx = g_output if detach else g_output + gv1 * (c - v) + gu1 * d
        gx = gx * ds
        gv = gv + gx
    else:
        v1 = vs
        w = v1 if scheme == 0 else v
        gc = gv_out * r
        gd = gu_out * r
        gv1 = gv_out * (1.0 - r)
        gu1 = gu_out
        gx = g_output if detach else g_output + gv_out * (c - v1) + gu_out * d
        gx = gx * ds
        gv1 = gv1 + gx
        g_v, g_u, g_a, g_b = izhikevich_du_grads(w, u, a, b, rule)
        gw = gu1 * dt * g_v
        gu = gu1 * (1.0 + dt * g_u)
        ga = gu1 * dt * g_a
        gb = gu1 * dt * g_b
        if scheme == 0:
            gv1 = gv1 + gw
        gv = gv1 * (1.0 + dt * izhikevich_dv_grads(v, p2, p1))
        if scheme == 2:
            gv = gv + gw
        gu = gu - dt * gv1
        gi = dt * gv1
        gp2 = dt * gv1 * (v * v)
        gp1 = dt * gv1 * v
        gp0 = dt * gv1
    return gi, gv, gu, ga, gb, gc, gd, -gx, gp2, gp1, gp0


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
    surrogate: object = other(
        default_factory=ATan, doc="surrogate of dS/d(v - v_peak), x in mV (gradient only)", convert=as_surrogate
    )
    detach_reset: bool = flag(False, doc="the reset uses a detached spike (gradient only)")

    def _check(self):
        if self.u0 is not None:
            object.__setattr__(self, "u0", _checks.as_float_param("u0", self.u0))
        if self.u_rule == "standard":
            # row 5: u's forward-Euler decay factor 1 - dt*a (a < 0, as in the 2004 panels S and T, is
            # a growth the model intends; the accommodation rule has no decay term)
            _checks.check_euler_decay("a", "dt", self.dt * np.maximum(np.asarray(self.a), 0.0))

    def check_neuron_shape(self, neuron_shape):
        """Row 9, also for the initial recovery variable ``u0`` (a per-neuron array or None)."""
        super().check_neuron_shape(neuron_shape)
        if isinstance(self.u0, np.ndarray):
            _checks.check_shape_broadcasts("u0", self.u0.shape, neuron_shape)

    def initial_state(self, neuron_shape):
        u0 = self.b * self.v0 if self.u0 is None else self.u0
        return IzhikevichState(v=self.full(self.v0, neuron_shape), u=self.full(u0, neuron_shape))

    def _step(self, state, i):
        v, u = state.v, state.u
        rule = U_RULES.index(self.u_rule)
        dt = self.dt
        if self.scheme == "network2003":
            s, r = spikes(self, v, self.v_peak, False)
            v = reset_v(r, self.c, v)
            u = reset_u(r, self.d, u)
            h = 0.5 * dt
            v = v + h * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            v = v + h * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            u = izhikevich_u_update(v, u, self.a, self.b, dt, rule)
            return s, IzhikevichState(v=v, u=u)
        if self.scheme == "figure2004":
            v = v + dt * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0)
            u = izhikevich_u_update(v, u, self.a, self.b, dt, rule)
        else:  # euler
            v, u = (
                v + dt * izhikevich_dv(v, u, i, self.p2, self.p1, self.p0),
                izhikevich_u_update(v, u, self.a, self.b, dt, rule),
            )
        s, r = spikes(self, v, self.v_peak, True)
        v = reset_v(r, self.c, v)
        u = reset_u(r, self.d, u)
        return s, IzhikevichState(v=v, u=u)

    def _vjp_step(self, state_prev, i, g_output, g_state):
        r"""One step of the backward pass: ``(g_x, g_state_prev, g_params)``.

        Notation: :math:`\bar z = \partial L/\partial z`, written ``z_``
        below; :math:`f(v, u) =
        p_2 v^2 + p_1 v + p_0 - u + I` and :math:`f_v = 2 p_2 v + p_1`;
        :math:`g` the right-hand side of u with partials
        :math:`(g_v, g_u, g_a, g_b) = (ab, -a, bv - u, av)` (standard) or
        :math:`(ab, 0, b(v+65), a(v+65))` (accommodation);
        :math:`\sigma'` the surrogate derivative; :math:`R = S` unless
        ``detach_reset`` (then :math:`\bar R` is not propagated).

        ``figure2004`` / ``euler`` (forward, in order)::

            v1 = v + dt f(v, u)
            u1 = u + dt g(w, u)            w = v1 (figure2004) or v (euler)
            x  = v1 - v_peak;  S = H(x)    (strict)
            v' = R c + (1 - R) v1;  u' = u1 + R d

        adjoint (reverse order), given :math:`\bar S` (output) and
        :math:`\bar v', \bar u'`::

            c_ += R v';  d_ += R u';  v1_ = (1 - R) v';  u1_ = u'
            R_ = v' (c - v1) + u' d
            x_ = (S_ + R_) s'(x)          (R_ dropped if detached)
            v1_ += x_;  v_peak_ -= x_
            w_ += u1_ dt g_v;  u_ = u1_ (1 + dt g_u)
            a_ += u1_ dt g_a;  b_ += u1_ dt g_b       (g at (w, u))
            v_ = v1_ (1 + dt f_v(v));  u_ -= dt v1_;  I_ = dt v1_
            p2_ += dt v1_ v^2;  p1_ += dt v1_ v;  p0_ += dt v1_

        (with ``figure2004`` the ``w_`` term adds to ``v1_`` *before* ``v1_``
        is used in the last line; with ``euler`` it adds to ``v_``).

        ``network2003`` (forward, in order; :math:`h = dt/2`)::

            x  = v - v_peak;  S = H(x)     (>=)
            v1 = R c + (1 - R) v;  u1 = u + R d
            v2 = v1 + h f(v1, u1);  v3 = v2 + h f(v2, u1)
            u' = u1 + dt g(v3, u1);  v' = v3

        adjoint::

            v3_ = v' + u' dt g_v(v3);  u1_ = u' (1 + dt g_u)
            a_ += u' dt g_a;  b_ += u' dt g_b
            v2_ = v3_ (1 + h f_v(v2));  u1_ -= h v3_;  I_ = h v3_
            p2_ += h v3_ v2^2;  p1_ += h v3_ v2;  p0_ += h v3_
            v1_ = v2_ (1 + h f_v(v1));  u1_ -= h v2_;  I_ += h v2_
            p2_ += h v2_ v1^2;  p1_ += h v2_ v1;  p0_ += h v2_
            c_ += R v1_;  d_ += R u1_;  v_ = (1 - R) v1_;  u_ = u1_
            R_ = v1_ (c - v) + u1_ d;  x_ = (S_ + R_) s'(x)
            v_ += x_;  v_peak_ -= x_

        In the smoothed forward :math:`S` (and :math:`R` unless detached) is
        the primitive :math:`g(x)`, whose derivative is the same
        :math:`\sigma'(x)`, so these equations are its exact derivative.
        """
        v, u = state_prev.v, state_prev.u
        sc = SCHEMES.index(self.scheme)
        dt = self.dt
        p2, p1, p0 = self.p2, self.p1, self.p0
        vs = izhikevich_spike_v(v, u, i, dt, p2, p1, p0, sc)
        x = vs - self.v_peak
        _, r = spikes(self, vs, self.v_peak, sc != 1)
        gi, gv, gu, ga, gb, gc, gd, gvp, gp2, gp1, gp0 = izhikevich_adjoint(
            v, u, i, vs, r, slope(self, x), g_output, g_state["v"], g_state["u"], self.a, self.b, self.c, self.d,
            dt, p2, p1, p0, sc, U_RULES.index(self.u_rule), self.detach_reset,
        )  # fmt: skip
        shape = np.shape(v)
        grads = {"a": ga, "b": gb, "c": gc, "d": gd, "v_peak": gvp, "p2": gp2, "p1": gp1, "p0": gp0}
        grads = {k: np.array(np.broadcast_to(g, shape), dtype=np.float64) for k, g in grads.items()}
        return gi, {"v": gv, "u": gu}, grads


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def izhikevich_step(v, u, i, a, b, c, d, v_peak, dt, p2, p1, p0, scheme, rule):
    """canonical ``Izhikevich`` (``Izhikevich._step``), all three schemes."""
    if scheme == NETWORK2003:
        s = indicator(v >= v_peak)
        v = s * c + (1.0 - s) * v
        u = u + s * d
        h = 0.5 * dt
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        u = izhikevich_u_update(v, u, a, b, dt, rule)
        return s, v, u
    if scheme == FIGURE2004:
        v = v + dt * izhikevich_dv(v, u, i, p2, p1, p0)
        u = izhikevich_u_update(v, u, a, b, dt, rule)
    else:
        v_old = v
        v = v_old + dt * izhikevich_dv(v_old, u, i, p2, p1, p0)
        u = izhikevich_u_update(v_old, u, a, b, dt, rule)
    s = indicator(v > v_peak)
    v = s * c + (1.0 - s) * v
    u = u + s * d
    return s, v, u


def izhikevich_back(v, u, i, gy, gv, gu, a, b, c, d, v_peak, dt, p2, p1, p0, scheme, rule, detach, sg, sp0, sp1):
    """canonical ``Izhikevich._vjp_step``: ``(g_i, g_v, g_u, g_a, g_b, g_c,
    g_d, g_v_peak, g_p2, g_p1, g_p0)``."""
    vs = izhikevich_spike_v(v, u, i, dt, p2, p1, p0, scheme)
    r = hard_spike(vs, v_peak, scheme != 1)
    ds = surrogate_slope(sg, vs - v_peak, sp0, sp1)
    return izhikevich_adjoint(v, u, i, vs, r, ds, gy, gv, gu, a, b, c, d, dt, p2, p1, p0, scheme, rule, detach)
