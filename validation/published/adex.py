r"""AdEx firing patterns: Naud et al. (2008) and Brette & Gerstner (2005).

Discrete runs use ``refneuron.canonical.AdEx`` (forward Euler from the old
``(V, w)``, strict test ``V > V_peak``, reset ``V <- V_r, w <- w + b``), with
the step and cut of the public examples the data file records: Naud et al.
as Brian2's example (``dt = 0.1`` ms, cut 0 mV), Brette & Gerstner as
Brian2's example (``dt = 0.1`` ms, cut ``V_T + 5 Delta_T = -40.4`` mV) and as
NEST's "Fig. 2C" example (cut 0 mV, ``V_r = -60`` mV).  The current is the
sample ``I(t_k)``, ``t_k = k*dt``, held over the step; a spike found in
update ``k`` is reported at ``t_k`` (the start of the step whose update
crossed the cut), the convention of the Izhikevich scripts and of Brian2's
spike monitor (the clock time of the step in which the threshold fired).

The ODE reference integrates the same equations with
:func:`refneuron.validation.events.solve` (DOP853).  Its event is at
``V_ode = min(V_peak, V_T + 10 Delta_T)``: above that the exponential term
makes the upstroke so steep (dV/dt ~ 1e9 mV/ms near 0 mV with Delta_T = 2)
that adaptive solvers (DOP853, RK45, Radau, LSODA all tried) stop on "step
size below the spacing of floats".  The time the trajectory still needs from
``V_T + 10 Delta_T`` to the cut is at most about ``(C/g_L) exp(-10)`` (the
exponential term alone drives it there), 3e-4 to 9e-4 ms for these rows:
far below the 0.1 ms grid of the comparisons.  :func:`upstroke_bound` gives
the number per pattern.

Phase plane: the V-nullcline ``w = -g_L (V - E_L) + g_L Delta_T
exp((V - V_T)/Delta_T) + I`` and the w-nullcline ``w = a (V - E_L)``.

References
----------
R. Naud, N. Marcille, C. Clopath, W. Gerstner (2008), Biol. Cybern. 99:335-347;
R. Brette, W. Gerstner (2005), J. Neurophysiol. 94:3637-3642.
"""

from __future__ import annotations

import numpy as np

from refneuron.models.canonical.adex import adex_dV, adex_dw

from .. import events
from . import _data
from .izhikevich import Trace

NAUD_ROWS = (
    "naud2008_tonic_spiking",
    "naud2008_adaptation",
    "naud2008_initial_burst",
    "naud2008_regular_bursting",
    "naud2008_delayed_accelerating",
    "naud2008_delayed_regular_bursting",
    "naud2008_transient_spiking",
    "naud2008_irregular_spiking",
)
NAUD_ALT = ("naud2008_delayed_regular_bursting_alt", "naud2008_transient_spiking_alt")
BG_ROWS = ("bg2005_brian2_example", "bg2005_nest_fig2c_example")


def run_discrete(p, *, dt=None, V_peak=None):
    """Forward-Euler run of an AdEx pattern; returns a Trace (``u`` holds w in pA)."""
    model = _data.adex_model(p, dt=dt, V_peak=V_peak)
    T = float(_data.value(p["duration"]))
    h = model.dt
    n = int(round(T / h))
    t = np.arange(n + 1) * h
    I = _data.current(p, t[:-1])
    res = model.run(I[:, None])
    s = res.output[:, 0] > 0
    st0 = model.initial_state((1,))
    V = np.concatenate([st0.V, np.where(s, model.V_peak, res.states["V"][:, 0])])
    w = np.concatenate([st0.w, res.states["w"][:, 0]])
    spikes = t[:-1][s]
    return Trace(p["id"], f"forward Euler (dt={h:g} ms, cut {model.V_peak:g} mV)", t, V, w,
                 np.concatenate([I, I[-1:]]), spikes, (0.0, T))


#: the ODE event sits this many slope factors above V_T (see the module docstring)
ODE_CUT_DELTAS = 10.0


def ode_cut(m):
    """The ODE's event voltage for model ``m``: ``min(V_peak, V_T + 10 Delta_T)``."""
    return min(m.V_peak, m.V_T + ODE_CUT_DELTAS * m.Delta_T)


def upstroke_bound(p):
    """Upper estimate (ms) of the time from the ODE event to the true cut: ``(C/g_L) exp(-10)``."""
    m = _data.adex_model(p)
    if ode_cut(m) >= m.V_peak:
        return 0.0
    return float(m.C_m / m.g_L * np.exp(-ODE_CUT_DELTAS))


def run_ode(p, *, V_peak=None, rtol=1e-9, atol=1e-9, t_eval_dt=0.1):
    """Event-resolved ODE run of an AdEx pattern (DOP853; breakpoints at the current's jumps)."""
    m = _data.adex_model(p, V_peak=V_peak)
    cut = ode_cut(m)
    T = float(_data.value(p["duration"]))
    bps = sorted({float(s[k]) for s in p["protocol"]["segments"] for k in ("t_start", "t_end")
                  if s[k] is not None and 0 < s[k] < T})

    def drive(t):
        return float(_data.current(p, np.array([t]))[0])

    def rhs(t, y):
        i = drive(t)
        return [adex_dV(y[0], y[1], i, m.C_m, m.g_L, m.E_L, m.V_T, m.Delta_T, m.V_peak),
                adex_dw(y[0], y[1], m.a, m.E_L, m.tau_w)]

    def event(t, y):
        return y[0] - cut

    def reset(t, y):
        return [m.V_reset, y[1] + m.b]

    st = m.initial_state((1,))
    t_eval = np.arange(int(round(T / t_eval_dt)) + 1) * t_eval_dt
    sol = events.solve(rhs, [st.V[0], st.w[0]], (0.0, T), event=event, reset=reset, breakpoints=bps,
                       t_eval=t_eval, rtol=rtol, atol=atol, method="DOP853")
    I = np.array([drive(x) for x in t_eval])
    return Trace(p["id"], f"ODE (DOP853, rtol={rtol:g}, event at {cut:g} mV)", t_eval, sol.y[0], sol.y[1], I,
                 sol.spike_times, (0.0, T))


def nullclines(p, V, I=None):
    """``(w_V, w_w)``: the V- and w-nullclines (pA) over the voltages ``V`` (mV) at current ``I``."""
    m = _data.adex_model(p)
    if I is None:
        I = float(max(seg["value"] for seg in p["protocol"]["segments"]))
    V = np.asarray(V, dtype=np.float64)
    w_V = -m.g_L * (V - m.E_L) + m.g_L * m.Delta_T * np.exp((V - m.V_T) / m.Delta_T) + I
    w_w = m.a * (V - m.E_L)
    return w_V, w_w
