r"""The discrete models against the event-resolved ODE reference, over a
sequence of time steps.

For one model and one drive, :func:`convergence` runs the discrete model at
every ``dt`` of a sweep (the per-step parameters mapped by
:func:`refneuron.validation.continuous.rescale`) and measures, against one
reference solution of its ODE (:func:`refneuron.validation.events.solve`):

* the **membrane-trace error**: max |V_k − V(t_k)| over fixed comparison
  times, the multiples of the largest fitted step before each neuron's first
  spike (2 such steps before the earliest first spike of the reference and of
  every fitted run) and, for models with an exponential or quadratic
  upstroke, only where the reference membrane is below the form's
  ``upstroke`` level (NEST's practice of excluding the upstroke near
  V_peak).  The times are the same for every ``dt``: the error at a fixed
  time is ``e(t) dt + O(dt^2)``, so the maximum has the update's order; a
  window that moved with ``dt`` would add its own dependence.  After the
  first spike the two trajectories are shifted in time by the spike-time
  error, which the next item measures;
* the **spike-time error**: mean |t_k − t*| over matched spikes (the i-th
  discrete spike against the i-th reference spike) when the counts agree.
  It has two parts of order 1: the discretisation of the ODE (smooth in
  ``dt``) and the grid: a spike is seen at the end of the step in which the
  membrane crosses, the reset starts from there, and under a constant drive
  every discrete interval is a whole number of steps, so the delay is a
  sawtooth in ``dt`` (between 0 and 1 step per interval, accumulated).  Its
  mean over neurons with unrelated amplitudes is ``dt/2`` per interval, with
  a scatter that only many neurons and many ``dt`` levels average out;
* the **spike-count error**: |n_discrete − n_reference| in the comparison
  window.  Both runs go on past ``t_end`` and the window of each neuron ends
  in the middle of the reference interspike gap that contains ``t_end``, so
  a spike that is late by less than half an interval is counted on both
  sides.

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

import bisect
import dataclasses
import math
import warnings

import numpy as np

from refneuron.errors import NonFiniteStateWarning, ParameterError, UnstableDiscretisationWarning

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
    "local_orders",
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
        self._times = self.times.tolist()
        self._values = self.values.tolist()

    @property
    def breakpoints(self):
        return tuple(self.times[1:])

    def __call__(self, t):
        if np.ndim(t) == 0:  # the integrator's scalar calls: bisect, no array machinery
            i = bisect.bisect_right(self._times, float(t)) - 1
            return self._values[i if i > 0 else 0]
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
    first_spike_error: float = math.nan  # mean signed (discrete - reference) first spike time

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
    n_trace_times: int = 0  # number of (neuron, time) pairs of the trace comparison

    @property
    def dts(self):
        return np.array([lv.dt for lv in self.levels])

    @property
    def local_orders_spike(self):
        return local_orders(self.dts, [lv.spike_time_error for lv in self.levels])

    @property
    def local_orders_trace(self):
        return local_orders(self.dts, [lv.trace_error for lv in self.levels])


def reference(form, drive, t_end, *, method="DOP853", rtol=1e-10, atol=1e-12, max_step=np.inf):
    """The event-resolved solution of ``form`` under ``drive`` on ``[0, t_end]``."""
    return events.solve(
        form.rhs(drive), form.y0, (0.0, t_end), event=form.event, reset=form.reset,
        breakpoints=getattr(drive, "breakpoints", ()), rtol=rtol, atol=atol, method=method,
        max_step=max_step,
    )


class _Scaled:
    """``a * drive(t)``, keeping the drive's breakpoints."""

    def __init__(self, drive, a):
        self.drive, self.a = drive, float(a)
        self.breakpoints = getattr(drive, "breakpoints", ())

    def __call__(self, t):
        return self.a * self.drive(t)


def discrete_run(model, form, drive, t_end, amplitudes=(1.0,)):
    """Run ``model`` (step ``form.dt``) on the sampled drive, one neuron per amplitude.

    ``X_k = gain * a * J((k - 1/2) dt)`` for the step ``[(k-1) dt, k dt)``,
    ``k = 1..N``, ``N = round(t_end/dt)``.  Returns ``(t, V, spike_times)``:
    ``t = k*dt`` (from integers), ``V`` of shape ``(N, n_neurons)``, and a
    list of spike-time arrays, one per neuron.
    """
    dt = form.dt
    n = int(round(t_end / dt))
    k = np.arange(1, n + 1)
    a = np.asarray(amplitudes, dtype=np.float64)
    x = form.input_gain() * drive((k - 0.5) * dt)[:, None] * a[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteStateWarning)
        res = model.run(x)
    t = k * dt
    v = res.states[form.membrane_var]
    spikes = [t[res.output[:, j] != 0] for j in range(a.size)]
    return t, v, spikes


def _gap_midpoint(spikes, t_end, t_ext):
    """The middle of the gap between reference spikes that contains ``t_end``
    (a gap is bounded by spikes, or by 0 and ``t_ext``): the end of the
    comparison window, half an interspike interval from any reference spike."""
    before, after = spikes[spikes <= t_end], spikes[spikes > t_end]
    lo = before[-1] if before.size else 0.0
    hi = after[0] if after.size else t_ext
    return 0.5 * (lo + hi)


def _n_steps(t, dt):
    """Number of whole steps of ``dt`` in ``[0, t]`` (``t/dt`` rounded down, round-off tolerant)."""
    return int(math.floor(t / dt + 1e-9))


def _trace_times(refs, form, first_disc, dt_cmp, t_cmp):
    """Per neuron, the fixed times where the membrane traces are compared.

    Multiples of ``dt_cmp`` (the largest fitted step, so they lie on every
    fitted grid) in ``(0, t_first - 2 dt_cmp)``, ``t_first`` the earliest
    first spike of the reference and of every fitted discrete run; where the
    form has an ``upstroke``, only the times at which the reference membrane
    is at or below it.  The same times for every ``dt``: the error at a fixed
    time is ``e(t) dt + O(dt^2)`` for a first-order update, so that the
    maximum over a fixed set has the update's order; a window that moved
    with ``dt`` would add its own dependence on ``dt``.
    """
    out = []
    for ref, fd, tc in zip(refs, first_disc, t_cmp):
        rs = ref.spike_times
        t_first = min(rs[0] if rs.size else math.inf, fd, tc)
        m = _n_steps(t_first - 2.0 * dt_cmp, dt_cmp)
        tt = dt_cmp * np.arange(1, max(m, 0) + 1)
        if form.upstroke is not None and tt.size:
            tt = tt[form.membrane(ref.sol(tt)) <= form.upstroke]
        out.append(tt)
    return out


def _trace_error(t, v, dt, times, refs, form):
    """Max |V_k - V(t_k)| over the fixed comparison times of every neuron."""
    err = 0.0
    for j, (tt, ref) in enumerate(zip(times, refs)):
        if not tt.size:
            continue
        k = np.rint(tt / dt).astype(np.int64)  # t_k = k dt is row k - 1 of the run
        diff = np.abs(v[k - 1, j] - form.membrane(ref.sol(tt)))
        err = max(err, float(np.max(diff)))
    return err if err > 0 else math.nan


def _spike_errors(spikes, ref_spikes, t_cmp, dt):
    """Spike counts and matched spike-time differences up to each neuron's ``t_cmp``."""
    diffs, n_disc, n_ref, count_err = [], 0, 0, 0
    for sp, rs, tc in zip(spikes, ref_spikes, t_cmp):
        disc = sp[sp <= tc]
        n_disc += disc.size
        n_ref += rs.size
        count_err += abs(disc.size - rs.size)
        if disc.size == rs.size:
            diffs.append(np.abs(disc - rs))
    d = np.concatenate(diffs) if diffs else np.empty(0)
    ok = count_err == 0 and d.size > 0
    return (float(np.mean(d)) if ok else math.nan, float(np.max(d)) if ok else math.nan,
            n_disc, n_ref, count_err)


def local_orders(dts, errors):
    """Slopes of ``log(error)`` between successive steps (sorted by ``dt``):
    they settle at the order once the sweep is in the asymptotic regime."""
    d = np.asarray(dts, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    i = np.argsort(d)
    d, e = d[i], e[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diff(np.log(e)) / np.diff(np.log(d))


def convergence(model, drive, t_end, dts, *, dt=None, sweep=(), amplitudes=(1.0,), method="DOP853"):
    """Measure ``model`` against its ODE for every step in ``dts``.

    Parameters
    ----------
    model : refneuron model record (any step; ``dt`` is its step length for
        per-step models, default 1)
    drive : PiecewiseConstant (or a callable ``J(t)`` with ``breakpoints``)
    t_end : float
        Nominal length of the comparison.  Reference and discrete runs go on
        to ``t_ext = 1.25 t_end``; each neuron's comparison window ends in
        the middle of the reference interspike gap that contains ``t_end``
        (:func:`_gap_midpoint`), so that no reference spike lies near an edge
        of the window: a spike late by less than half an interval is counted
        on both sides.
    dts : sequence of float
        Steps of the convergence fit.  The traces are compared at the
        multiples of the largest step, so each step must divide the largest
        one (``run.py`` uses ``dt_max / k``, ``k`` = 1, 2, 3, 4, 5, 6, 8, 10,
        12, 16, 20, 24: not powers of two apart).
    sweep : sequence of float
        Additional (coarser) steps for the qualitative check.
    amplitudes : sequence of float
        One neuron per amplitude, driven by ``a * J(t)``: many spikes at
        varied phases, so that the grid quantisation of the spike times
        (uniform in ``[0, dt)``) averages out of the mean spike-time error.
    method : str
        Integrator of the reference (``"Radau"`` for stiff upstrokes).

    Returns
    -------
    Convergence
    """
    form0 = continuous_form(model, dt)
    t_ext = 1.25 * t_end
    refs, ref_spikes, t_cmp = [], [], []
    for a in amplitudes:
        ref = reference(form0, _Scaled(drive, a), t_ext, method=method)
        tc = _gap_midpoint(ref.spike_times, t_end, t_ext)
        refs.append(ref)
        t_cmp.append(tc)
        ref_spikes.append(ref.spike_times[ref.spike_times <= tc])
    fit = sorted(float(x) for x in dts)
    runs = {}
    for d in sorted(set(fit) | set(float(x) for x in sweep)):
        with warnings.catch_warnings():
            # a coarse sweep step may leave the stable range on purpose (norse warns at dt*rate >= 1)
            warnings.simplefilter("ignore", UnstableDiscretisationWarning)
            m = rescale(model, d, dt)
        form = continuous_form(m, d)
        runs[d] = (form,) + discrete_run(m, form, drive, _n_steps(t_ext, d) * d, amplitudes)
    first_disc = [min((runs[d][3][j][0] for d in fit if runs[d][3][j].size), default=math.inf)
                  for j in range(len(refs))]
    times = _trace_times(refs, form0, first_disc, max(fit), t_cmp)
    levels, traces, sweep_out = [], {}, []
    for d, (form, t, v, spikes) in runs.items():
        mean, mx, n_disc, n_ref, ce = _spike_errors(spikes, ref_spikes, t_cmp, d)
        sweep_out.append((d, ce))
        if d in fit:
            first = [sp[0] - rs[0] for sp, rs in zip(spikes, ref_spikes) if sp.size and rs.size]
            levels.append(Level(dt=d, n_steps=_n_steps(t_end, d), trace_error=_trace_error(t, v, d, times, refs, form),
                                spike_time_error=mean, spike_time_error_max=mx, n_spikes=n_disc, n_ref_spikes=n_ref,
                                first_spike_error=float(np.mean(first)) if first else math.nan))
            if d in (fit[0], fit[-1]):
                traces[d] = (t, v[:, 0])
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
        largest_good_dt=good, t_cmp=t_cmp[0], ref=refs[0], form=form0, sweep=tuple(sweep_out), traces=traces,
        n_trace_times=int(sum(tt.size for tt in times)),
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
