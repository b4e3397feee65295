r"""The discrete models against the event-resolved ODE reference, over a
sequence of time steps.

For one model and one drive, :func:`convergence` runs the discrete model at
every ``dt`` of a sweep (the per-step parameters mapped by
:func:`refneuron.validation.continuous.rescale`) and measures, against one
reference solution of its ODE (:func:`refneuron.validation.events.solve`):

* the **membrane-trace error between spikes**: max |V_k − V(t_k)| over the grid
  times ``t_k = k*dt``, leaving out the samples within ``2*dt`` of a spike of
  either trace (the reset of a discrete model happens on the grid, up to one
  step after the crossing, so the traces there differ by O(threshold), not
  O(dt)) and, for models with an exponential or quadratic upstroke, the
  samples where the reference membrane is above the form's ``upstroke``
  level (NEST's practice of excluding the upstroke near V_peak when
  comparing with a reference);
* the **spike-time error**: mean |t_k − t*| over matched spikes (the i-th
  discrete spike against the i-th reference spike) when the counts agree;
* the **spike-count error**: |n_discrete − n_reference| in the comparison
  window.

The empirical order is the least-squares slope of log(error) against
log(dt) (:func:`fit_order`), as diffrax's tests do.  The largest ``dt`` at
which the model is still qualitatively right is the largest ``dt`` of an
extended sweep such that it and every smaller ``dt`` give the reference
spike count.

For the exponential-decay updates (snntorch Leaky, Synaptic, Alpha)
:func:`impulse_exactness` compares the discrete run with the closed-form
solution of the impulse-driven linear ODE they discretise exactly
(:mod:`refneuron.validation.continuous`): the expected error is round-off,
for every ``dt``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from refneuron.errors import NonFiniteStateWarning, ParameterError

from . import events
from .continuous import continuous_form, rescale

__all__ = [
    "PiecewiseConstant",
    "Level",
    "Convergence",
    "fit_order",
    "reference",
    "discrete_run",
    "convergence",
    "impulse_exactness",
]


class PiecewiseConstant:
    """A drive ``J(t) = values[i]`` on ``[times[i], times[i+1])``, ``times[0] = 0``."""

    def __init__(self, times, values):
        self.times = np.asarray(times, dtype=np.float64)
        self.values = np.asarray(values, dtype=np.float64)
        if self.times.shape != self.values.shape or self.times.ndim != 1 or self.times[0] != 0.0:
            raise ParameterError("times, values: same 1-D length, times[0] = 0")
        if np.any(np.diff(self.times) <= 0):
            raise ParameterError("times: must increase strictly")

    @property
    def breakpoints(self):
        return tuple(self.times[1:])

    def __call__(self, t):
        i = np.searchsorted(self.times, t, side="right") - 1
        return self.values[np.clip(i, 0, len(self.values) - 1)]


def fit_order(dts, errors):
    """Least-squares slope of ``log(error)`` against ``log(dt)``.

    Returns NaN with fewer than two positive finite errors.
    """
    d = np.asarray(dts, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    ok = np.isfinite(e) & (e > 0)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(d[ok]), np.log(e[ok]), 1)[0])


@dataclasses.dataclass(frozen=True)
class Level:
    """Measurements at one ``dt``."""

    dt: float
    n_steps: int
    trace_error: float
    spike_time_error: float
    spike_time_error_max: float
    n_spikes: int
    n_ref_spikes: int

    @property
    def count_error(self):
        return abs(self.n_spikes - self.n_ref_spikes)


@dataclasses.dataclass(frozen=True, eq=False)
class Convergence:
    """Result of :func:`convergence` (all errors in the model's units)."""

    model: str
    levels: tuple
    order_trace: float
    order_spike: float
    largest_good_dt: float
    t_cmp: float
    ref: events.EventSolution
    form: object
    sweep: tuple  # (dt, count_error) of the extended sweep
    traces: dict  # dt -> (t, V) of the discrete membrane (smallest and largest dt of the fit)

    @property
    def dts(self):
        return np.array([lv.dt for lv in self.levels])


def reference(form, drive, t_end, *, method="DOP853", rtol=1e-10, atol=1e-12, max_step=np.inf):
    """The event-resolved solution of ``form`` under ``drive`` on ``[0, t_end]``."""
    return events.solve(
        form.rhs(drive), form.y0, (0.0, t_end), event=form.event, reset=form.reset,
        breakpoints=getattr(drive, "breakpoints", ()), rtol=rtol, atol=atol, method=method,
        max_step=max_step,
    )


def discrete_run(model, form, drive, t_end):
    """Run ``model`` (step ``form.dt``) on the sampled drive.

    ``X_k = gain * J((k - 1/2) dt)`` for the step ``[(k-1) dt, k dt)``,
    ``k = 1..N``, ``N = round(t_end/dt)``.  Returns ``(t, V, spike_times)``
    with ``t = k*dt`` (from integers).
    """
    dt = form.dt
    n = int(round(t_end / dt))
    k = np.arange(1, n + 1)
    x = form.input_gain() * drive((k - 0.5) * dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteStateWarning)
        res = model.run(x[:, None])
    t = k * dt
    v = res.states[form.membrane_var][:, 0]
    spikes = t[res.output[:, 0] != 0]
    return t, v, spikes


def _measure(model, form, ref, ref_spikes, drive, t_end, t_cmp):
    t, v, spikes = discrete_run(model, form, drive, t_end)
    dt = form.dt
    keep = t <= t_cmp
    disc = spikes[spikes <= t_cmp]
    # Between spikes: leave out, for each matched pair (i-th discrete, i-th
    # reference spike), the stretch from the earlier to the later of the two,
    # widened by 2*dt (the discrete reset lands on the grid, up to a step
    # late, and snntorch's is applied one step later still).  Unmatched
    # spikes get the 2*dt margin only.
    n = min(disc.size, ref_spikes.size)
    lo = np.minimum(disc[:n], ref_spikes[:n]) - 2.0 * dt
    hi = np.maximum(disc[:n], ref_spikes[:n]) + 2.0 * dt
    extra = np.concatenate([disc[n:], ref_spikes[n:]])
    lo = np.concatenate([lo, extra - 2.0 * dt])
    hi = np.concatenate([hi, extra + 2.0 * dt])
    for a, b in zip(lo, hi):
        keep &= ~((t >= a) & (t <= b))
    v_ref = form.membrane(ref.sol(t))
    if form.upstroke is not None:
        keep &= v_ref <= form.upstroke
    trace = float(np.max(np.abs(v - v_ref)[keep])) if np.any(keep) else math.nan
    if disc.size == ref_spikes.size and disc.size:
        d = np.abs(disc - ref_spikes)
        st, st_max = float(np.mean(d)), float(np.max(d))
    else:
        st = st_max = math.nan
    lv = Level(dt=dt, n_steps=t.size, trace_error=trace, spike_time_error=st, spike_time_error_max=st_max,
               n_spikes=int(disc.size), n_ref_spikes=int(ref_spikes.size))
    return lv, (t, v)


def convergence(model, drive, t_end, dts, *, dt=None, sweep=(), method="DOP853"):
    """Measure ``model`` against its ODE for every step in ``dts``.

    Parameters
    ----------
    model : refneuron model record (any step; ``dt`` is its step length for
        per-step models, default 1)
    drive : PiecewiseConstant (or a callable ``J(t)`` with ``breakpoints``)
    t_end : float
        Length of the run, a multiple of every ``dt``.
    dts : sequence of float
        Steps of the convergence fit.
    sweep : sequence of float
        Additional (coarser) steps for the qualitative check.
    method : str
        Integrator of the reference (``"Radau"`` for stiff upstrokes).

    Returns
    -------
    Convergence
    """
    form0 = continuous_form(model, dt)
    # Reference beyond t_end, so that the comparison window can end between spikes.
    ref = reference(form0, drive, 1.25 * t_end, method=method)
    sp = ref.spike_times
    t_cmp = t_end
    before, after = sp[sp <= t_end], sp[sp > t_end]
    if before.size and after.size:
        t_cmp = min(t_end, 0.5 * (before[-1] + after[0]))
    elif before.size:
        t_cmp = min(t_end, before[-1] + 0.5 * (t_end - before[-1]))
    ref_spikes = sp[sp <= t_cmp]
    levels, traces, sweep_out = [], {}, []
    all_dts = sorted(set(float(d) for d in dts) | set(float(d) for d in sweep))
    for d in all_dts:
        m = rescale(model, d, dt)
        form = continuous_form(m, d)
        lv, tr = _measure(m, form, ref, ref_spikes, drive, t_end, t_cmp)
        sweep_out.append((d, lv.count_error))
        if d in [float(x) for x in dts]:
            levels.append(lv)
            if d in (min(dts), max(dts)):
                traces[d] = tr
    good = math.nan
    for d, ce in sweep_out:
        if ce != 0:
            break
        good = d
    lv_dts = [lv.dt for lv in levels]
    return Convergence(
        model=model.name, levels=tuple(levels),
        order_trace=fit_order(lv_dts, [lv.trace_error for lv in levels]),
        order_spike=fit_order(lv_dts, [lv.spike_time_error for lv in levels]),
        largest_good_dt=good, t_cmp=t_cmp, ref=ref, form=form0, sweep=tuple(sweep_out), traces=traces,
    )


def _closed_form(name, form, x, dt, params):
    """Membrane of the impulse-driven linear ODE at the grid times, by direct
    sums of exponentials (no recursion): ``sum_j X_j K((k-j) dt)``."""
    n = x.size
    lag = (np.arange(n)[:, None] - np.arange(n)[None, :]) * dt
    mask = lag >= 0
    lagc = np.where(mask, lag, 0.0)

    def kernel(tau):
        return np.where(mask, np.exp(-lagc / tau), 0.0)

    if name == "snntorch.Leaky":
        return kernel(params["tau"]) @ x
    if name == "snntorch.Synaptic":
        i_k = kernel(params["tau_syn"]) @ x
        return kernel(params["tau_mem"]) @ i_k
    if name == "snntorch.Alpha":
        c = params["tau_a"] / (params["tau_a"] - params["tau_b"])
        return c * ((kernel(params["tau_a"]) - kernel(params["tau_b"])) @ x)
    raise ParameterError(f"model: {name!r} is not an exact exponential-decay update")


def impulse_exactness(model, n_steps=200, seed=0, dt=1.0):
    """Max relative difference between the discrete membrane and the closed-form
    solution of the impulse-driven ODE, with sub-threshold random impulses.

    The threshold is raised above any value the membrane reaches so that no
    reset occurs; the comparison is of the decay and input handling.
    Returns ``(max_rel_diff, scale)``.
    """
    form = continuous_form(model, dt)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 1.0, n_steps)
    m = model.replace(threshold=1e9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteStateWarning)
        res = m.run(x[:, None])
    v = res.states[form.membrane_var][:, 0]
    params = {}
    if model.name == "snntorch.Leaky":
        params["tau"] = -dt / math.log(float(model.beta))
    elif model.name == "snntorch.Synaptic":
        params["tau_syn"] = -dt / math.log(float(model.alpha))
        params["tau_mem"] = -dt / math.log(float(model.beta))
    else:
        params["tau_a"] = -dt / math.log(float(model.alpha))
        params["tau_b"] = -dt / math.log(float(model.beta))
    exact = _closed_form(model.name, form, x, dt, params)
    scale = float(np.max(np.abs(exact)))
    return float(np.max(np.abs(v - exact)) / scale), scale
