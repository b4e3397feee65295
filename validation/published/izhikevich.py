r"""Izhikevich (2003) types and the 20 panels of Izhikevich (2004) Fig. 1.

Each pattern is run twice:

* under the **published scheme** (``refneuron.canonical.Izhikevich`` with
  ``scheme="figure2004"``): per step of ``dt``,
  ``v <- v + dt*(p2 v^2 + p1 v + p0 - u + I_k)``, ``u <- u + dt*du(v_new, u)``,
  then ``if v > 30: v <- c, u <- u + d``; the current is sampled at
  ``t_k = k*dt`` for ``k = 0..T/dt`` (``T/dt + 1`` updates) with the script's
  strict bounds, and a spike found in update ``k`` is reported at ``t_k``;
* as an **ODE** (the same equations, :func:`refneuron.validation.events.solve`,
  DOP853 at ``rtol = atol = 1e-9``), with the event ``v = 30`` and the reset
  ``v <- c, u <- u + d``.  The piecewise-constant parts of the drive are the
  held samples ``I(t_k)`` on ``[t_k, t_k + dt)`` (so only the integrator
  differs); ramps are the continuous functions of ``t``.

The ODE limit is a finding about the published figure: several panels
(I, P, Q, T, and the counts of D, H, N, S) depend on the script's coarse
explicit step.  They are reported, not tuned.

The plotted trace follows the script's convention: ``v`` after the update,
with 30 recorded at a spike step ("clamp at 30").

References
----------
E.M. Izhikevich (2003), IEEE Trans. Neural Netw. 14(6):1569-1572;
E.M. Izhikevich (2004), IEEE Trans. Neural Netw. 15(5):1063-1070, figure1.m;
ModelDB 39948 (izhi2003.m) for the 2003 reconstruction protocols.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from refneuron.models.canonical.izhikevich import izhikevich_du, izhikevich_dv

from .. import events
from . import _data

#: ODE tolerances: spike times to well below the published grid (>= 0.1 ms)
ODE_RTOL = 1e-9
ODE_ATOL = 1e-9


#: the ODE run stops after this many spikes (panel T's reset lands above the
#: spike threshold in the ODE limit and the firing accelerates without bound)
MAX_ODE_SPIKES = 400


class _Runaway(Exception):
    """Raised inside the ODE run when the spike count passes the bound."""


@dataclasses.dataclass(frozen=True, eq=False)
class Trace:
    """A simulated trace of one pattern.

    ``t`` (ms), ``v`` (mV, clamp-at-30 convention for the discrete scheme),
    ``u``, ``I`` (the drive at ``t``), ``spike_times`` (ms), ``window``
    ``(t0, t1)`` and ``label`` (``"published scheme"`` or ``"ODE"``).
    ``runaway`` is True when an ODE run was stopped at the spike bound
    (then ``t``, ``v``, ``u``, ``I`` are empty and ``spike_times`` holds the
    spikes up to the stop).
    """

    pid: str
    label: str
    t: np.ndarray
    v: np.ndarray
    u: np.ndarray
    I: np.ndarray
    spike_times: np.ndarray
    window: tuple
    runaway: bool = False


def run_published(p, *, dt=None, scheme="figure2004"):
    """Run an ``izh*`` pattern with the published scheme and grid.

    ``dt`` overrides the published step (the grid becomes ``k*dt`` over the
    same window).  Returns a :class:`Trace` whose spike times are ``t_k``.
    """
    model = _data.izhikevich_model(p, scheme=scheme, dt=dt)
    T = float(_data.value(p["duration"]))
    h = model.dt
    t = np.arange(int(round(T / h)) + 1) * h
    I = _data.current(p, t)
    res = model.run(I[:, None])
    s = res.output[:, 0] > 0
    v = np.where(s, model.v_peak, res.states["v"][:, 0])
    return Trace(p["id"], f"published scheme (dt={h:g} ms)", t, v, res.states["u"][:, 0], I, t[s], (0.0, T))


def _ode_drive(p):
    """``(I_of_t, breakpoints)``: held samples off the ramps, continuous ramps on them."""
    t_k, dt = _data.grid(p)
    samples = _data.current(p, t_k)
    ramp = _data.is_ramp_at(p, t_k)
    held = samples.copy()
    change = np.flatnonzero((np.diff(held) != 0) & ~ramp[1:] | (np.diff(ramp.astype(int)) != 0))
    bps = set((t_k[change + 1]).tolist())
    for seg in p["protocol"]["segments"]:
        if seg["kind"] == "linear":
            bps.add(float(seg["t_start"]))
            if seg["t_end"] is not None:
                bps.add(float(seg["t_end"]))
    n = len(t_k)

    def drive(t):
        if _data.is_ramp_at(p, np.array([t]))[0]:
            return float(_data.current(p, np.array([t]))[0])
        k = min(n - 1, int(np.floor(t / dt + 1e-9)))
        return float(held[k])

    return drive, sorted(bps)


def run_ode(p, *, t_eval_dt=0.05, rtol=ODE_RTOL, atol=ODE_ATOL, max_spikes=MAX_ODE_SPIKES):
    """Integrate an ``izh*`` pattern as an event-resolved ODE (see the module docstring)."""
    m = _data.izhikevich_model(p)
    rule = 0 if m.u_rule == "standard" else 1
    drive, bps = _ode_drive(p)
    T = float(_data.value(p["duration"]))

    def rhs(t, y):
        i = drive(t)
        return [izhikevich_dv(y[0], y[1], i, m.p2, m.p1, m.p0), izhikevich_du(y[0], y[1], m.a, m.b, rule)]

    def event(t, y):
        return y[0] - m.v_peak

    fired = []

    def reset(t, y):
        fired.append(t)
        if len(fired) > max_spikes:
            raise _Runaway(t)
        return [m.c, y[1] + m.d]

    st = m.initial_state((1,))
    t_eval = np.arange(int(round(T / t_eval_dt)) + 1) * t_eval_dt
    try:
        sol = events.solve(
            rhs, [st.v[0], st.u[0]], (0.0, T), event=event, reset=reset, breakpoints=bps,
            t_eval=t_eval, rtol=rtol, atol=atol, method="DOP853",
        )
    except _Runaway as exc:
        # runaway firing (the reset lands where v escapes at once): report the spikes so far
        t_stop = exc.args[0]
        return Trace(
            p["id"], f"ODE (runaway: > {max_spikes} spikes by t = {t_stop:.4g} ms; stopped)",
            np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.asarray(fired), (0.0, T), runaway=True,
        )
    v = sol.y[0].copy()
    # plotting convention: mark each spike at 30 on the sample nearest to it
    for ts in sol.spike_times:
        v[min(len(v) - 1, int(round(ts / t_eval_dt)))] = m.v_peak
    I = np.array([drive(x) for x in t_eval])
    return Trace(p["id"], "ODE (DOP853, rtol=atol=1e-9)", t_eval, v, sol.y[1], I, sol.spike_times, (0.0, T))
