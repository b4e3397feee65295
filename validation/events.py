r"""An event-resolved continuous-time reference for integrate-and-fire models.

:func:`solve` integrates a hybrid system

.. math::

    \dot y = f(t, y) \quad\text{between spikes}, \qquad
    g(t^*, y(t^*)) = 0,\ \dot g > 0 \;\Rightarrow\; y(t^{*+}) = R(t^*, y(t^{*-}))

with scipy's adaptive Runge–Kutta (or implicit) solvers at tight tolerances.
A spike is an upward zero crossing of the event function ``g``; its time is
located off the time grid by scipy's root finder on the solver's dense
interpolant, the state is replaced by ``R`` and integration restarts from the
spike time.  Integration also restarts at every ``breakpoint`` (a time where
the drive jumps), so that no step straddles a discontinuity of ``f``.

Error model: between events the local error is controlled by ``rtol``/
``atol``; a spike time inherits the error of the interpolated state divided
by the slope of ``g`` at the crossing.  For the analytic leaky
integrate-and-fire problem the defaults (``rtol=1e-10``, ``atol=1e-12``,
DOP853) give spike times to about 3e-11 relative (3.2e-11 measured by the
integrator check of ``refneuron validate``; tested at 1e-9 against
:mod:`refneuron.validation.analytic`).

For spikes with an exponential upstroke (EIF, AdEx), the right-hand side
grows like ``exp(V/Delta_T)`` near the peak; an explicit method then takes
many tiny steps.  ``method="Radau"`` or ``"LSODA"`` handle it; with DOP853
give the problem a finite ``max_step`` only if needed.

References
----------
E. Hairer, S.P. Nørsett, G. Wanner, *Solving Ordinary Differential
Equations I*, 2nd ed., Springer 1993 (DOP853, dense output).
P. Virtanen et al. (2020), SciPy 1.0, Nature Methods 17:261
(``scipy.integrate.solve_ivp``, event location by Brent's method).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.integrate import solve_ivp

from refneuron import _checks
from refneuron.errors import InputError, OptionError, ParameterError

__all__ = ["EventSolution", "solve", "METHODS"]

#: scipy methods with dense output that :func:`solve` accepts.
METHODS = ("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")

#: safety bound on the number of spikes in one solve (a reset that leaves the
#: state above threshold would otherwise loop forever).
MAX_EVENTS = 1_000_000


@dataclasses.dataclass(frozen=True, eq=False)
class EventSolution:
    """Result of :func:`solve`.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Times of the trace: ``t_eval`` if given, else every solver step
        (segment ends included, so a spike time appears twice: the
        pre-reset and the post-reset value).
    y : ndarray, shape (n_vars, n)
        The state at ``t``.  Where ``t_eval`` hits a spike time exactly the
        post-reset value is returned (the trajectory is right-continuous).
    spike_times : ndarray of float
        Upward zero crossings of the event function, in increasing order.
    spike_states : ndarray, shape (n_vars, n_spikes)
        The state at each spike, before the reset.
    n_steps : int
        Accepted solver steps over all segments.
    """

    t: np.ndarray
    y: np.ndarray
    spike_times: np.ndarray
    spike_states: np.ndarray
    n_steps: int
    _starts: np.ndarray = dataclasses.field(repr=False)
    _pieces: tuple = dataclasses.field(repr=False)

    def sol(self, t):
        """Dense evaluation of the state at time(s) ``t``.

        Between events each piece is the solver's own interpolant (7th order
        for DOP853).  At a spike time the post-reset state is returned.

        Parameters
        ----------
        t : float or array_like
            Times inside the solved span.

        Returns
        -------
        ndarray, shape (n_vars,) for scalar ``t`` or (n_vars, len(t))
        """
        tt = np.asarray(t, dtype=np.float64)
        scalar = tt.ndim == 0
        tt = np.atleast_1d(tt)
        idx = np.searchsorted(self._starts, tt, side="right") - 1
        idx = np.clip(idx, 0, len(self._pieces) - 1)
        n_vars = self.y.shape[0]
        out = np.empty((n_vars, tt.size))
        for k in np.unique(idx):
            sel = idx == k
            out[:, sel] = self._pieces[k](tt[sel]).reshape(n_vars, -1)
        return out[:, 0] if scalar else out


def _check_callable(name, f):
    if not callable(f):
        raise ParameterError(f"{name}: must be callable (got {type(f).__name__})")


def solve(
    rhs,
    y0,
    t_span,
    *,
    event,
    reset,
    breakpoints=(),
    t_eval=None,
    rtol=1e-10,
    atol=1e-12,
    method="DOP853",
    max_step=np.inf,
):
    """Integrate a hybrid (integrate-and-fire) ODE with spikes located in time.

    Parameters
    ----------
    rhs : callable ``rhs(t, y) -> dy/dt``
        Right-hand side, 1-D arrays (scipy convention).
    y0 : array_like, shape (n_vars,)
        Initial state at ``t_span[0]``.
    t_span : (float, float)
        Start and end time, ``t0 < t1``.
    event : callable ``event(t, y) -> float``
        A spike is an upward zero crossing (from negative to positive).
    reset : callable ``reset(t, y) -> y``
        The state after a spike, given the state at the spike.  It must
        leave ``event`` negative, otherwise an ``InputError`` is raised.
    breakpoints : sequence of float
        Sorted times where the drive is discontinuous; integration restarts
        there.  Times outside ``(t0, t1)`` are ignored.
    t_eval : array_like or None
        Times of the returned trace (inside ``t_span``); None returns every
        solver step.
    rtol, atol : float
        Tolerances of the solver (> 0).
    method : str
        One of :data:`METHODS`; ``"Radau"``/``"LSODA"`` for stiff upstrokes.
    max_step : float
        Largest solver step (> 0; ``inf`` by default).

    Returns
    -------
    EventSolution

    Raises
    ------
    ParameterError
        Non-finite or non-positive tolerances, ``t1 <= t0``, unsorted
        breakpoints, non-callable functions, non-finite ``y0``.
    OptionError
        Unknown ``method``.
    InputError
        A reset that leaves the state on or above threshold, or more than
        :data:`MAX_EVENTS` spikes.
    """
    _check_callable("rhs", rhs)
    _check_callable("event", event)
    _check_callable("reset", reset)
    _checks.check_option("method", method, METHODS)
    rtol = _checks.check_float("rtol", rtol, ">0")
    atol = _checks.check_float("atol", atol, ">0")
    if not (max_step > 0):
        raise ParameterError(f"max_step: must be > 0 (got {max_step!r})")
    y0 = np.array(y0, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(y0)):
        raise ParameterError(f"y0: must be finite (got {y0!r})")
    if len(t_span) != 2:
        raise ParameterError(f"t_span: must be (t0, t1) (got {t_span!r})")
    t0 = _checks.check_float("t_span[0]", t_span[0])
    t1 = _checks.check_float("t_span[1]", t_span[1])
    if not (t1 > t0):
        raise ParameterError(f"t_span: t1 must be > t0 (got {t_span!r})")
    bps = np.asarray(breakpoints, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(bps)):
        raise ParameterError("breakpoints: must be finite")
    if np.any(np.diff(bps) < 0):
        raise ParameterError("breakpoints: must be sorted in increasing order")
    bps = bps[(bps > t0) & (bps < t1)]
    ends = np.concatenate([bps, [t1]])

    def ev(t, y):
        return event(t, y)

    ev.terminal = True
    ev.direction = 1.0

    starts, pieces = [], []
    ts, ys = [], []
    spike_t, spike_y = [], []
    n_steps = 0
    t, y = t0, y0
    for t_end in ends:
        while t < t_end:
            res = solve_ivp(
                rhs, (t, t_end), y, method=method, events=ev, dense_output=True,
                rtol=rtol, atol=atol, max_step=max_step,
            )
            if res.status == -1:
                raise InputError(f"rhs: integration failed at t={res.t[-1]!r}: {res.message}")
            n_steps += len(res.t) - 1
            starts.append(t)
            pieces.append(res.sol)
            ts.append(res.t)
            ys.append(res.y)
            if res.status == 1 and len(res.t_events[0]):
                t_s = float(res.t_events[0][0])
                y_s = np.array(res.y_events[0][0], dtype=np.float64)
                spike_t.append(t_s)
                spike_y.append(y_s)
                if len(spike_t) > MAX_EVENTS:
                    raise InputError(f"event: more than {MAX_EVENTS} spikes in t_span")
                y = np.array(reset(t_s, y_s), dtype=np.float64).reshape(-1)
                if not (event(t_s, y) < 0):
                    raise InputError(
                        f"reset: the state after a spike must be below threshold "
                        f"(event = {event(t_s, y)!r} at t={t_s!r})"
                    )
                t = t_s
            else:
                y = res.y[:, -1]
                t = t_end
    starts = np.asarray(starts)
    n_vars = y0.size
    sol_obj = EventSolution(
        t=np.empty(0), y=np.empty((n_vars, 0)),
        spike_times=np.asarray(spike_t, dtype=np.float64),
        spike_states=np.asarray(spike_y, dtype=np.float64).reshape(-1, n_vars).T,
        n_steps=n_steps, _starts=starts, _pieces=tuple(pieces),
    )
    if t_eval is None:
        t_out = np.concatenate(ts)
        y_out = np.concatenate(ys, axis=1)
    else:
        t_out = np.asarray(t_eval, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(t_out)) or np.any(t_out < t0) or np.any(t_out > t1):
            raise ParameterError(f"t_eval: must be finite and lie in [{t0!r}, {t1!r}]")
        y_out = sol_obj.sol(t_out)
    return dataclasses.replace(sol_obj, t=t_out, y=y_out)
