"""``refneuron validate``: run every validation check, write the report and figures.

ODE checks (:mod:`refneuron.validation.convergence`), for every scenario of
:data:`SCENARIOS` whose model is registered:

* the empirical order of the spike-time error and of the membrane-trace
  error, expected 1 (every update is first order, and spikes are resolved
  only to the step), tolerance 0.1 (tighter than diffrax's ±0.9).  The fit
  runs over ``dt_max / k`` for 8 to 12 values of ``k`` (a 16- to 24-fold
  range): the grid quantisation of the spike times is a sawtooth in ``dt``
  (a constant drive gives a discrete interval of a whole number of steps),
  so the mean spike-time error at one ``dt`` scatters by about
  ``0.3 dt / sqrt(n_neurons)`` around its trend; over 4 powers of two that
  scatter alone moved the fitted slope by ±0.15, over 8 to 12 levels the
  reported standard error of the slope is 0.005 to 0.06 (measured: 0.005
  for canonical.Izhikevich to 0.057 for spikingjelly.EIF).  The report gives
  the local orders between successive levels: for the trace they lie within
  0.015 of 1 over the whole sweep for every model (up to 1.013 at the
  coarsest level) except norse.LSNN (1.004 to 1.074, fine to coarse) and the
  Izhikevich models (spikingjelly 0.998 to 0.971, canonical 0.994 to
  0.939), whose local orders drift away from 1 towards the coarse end;
* spike-count error 0 at every ``dt`` of the fit, over a window that ends
  half an interspike interval away from any reference spike;
* the largest ``dt`` (sweep ``dt_max / k`` and ``dt_max`` times 2, 4, 8, 16)
  up to which every step gives the ODE's spike count;
* for the exact exponential-decay updates (snntorch Leaky, Synaptic,
  Alpha), the max relative difference against the closed-form solution of
  the impulse-driven ODE, expected round-off (tolerance 1e-13: a few ulp
  times 1/(1 − decay), the bound of tolerances.md, for decays ≤ exp(−1/20));
* for the AdEx with its default ``V_peak = 20 mV``, the log law of the Euler
  upstroke instead of a plain order (:func:`_log_upstroke_checks`); the
  AdEx order check runs with ``V_peak = V_T + 5 Delta_T``.

Plus the integrator against the exact LIF spike times (1e-9 relative), and
the published-trace reproductions if ``refneuron.validation.published``
provides ``collect``, with their findings
(:class:`~refneuron.validation.checks.Finding`: discrepancies with the
specification, the ODE limit of the 2004 panels, values given without a
range), which ``report.md`` lists after the checks, by kind, and never
counts as checks.  The report states the spike-time convention
(:data:`CONVENTIONS`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os

import numpy as np

from .checks import FINDING_KINDS, Check

ORDER_TOL = 0.1
EXACT_TOL = 1e-13
ISI_TOL = 1e-9


#: the fitted steps are ``dt_max / k``: many levels (not only powers of two), so
#: that the least-squares slope averages the grid quantisation of the spike
#: times, which is a sawtooth in ``dt`` (module docstring of
#: :mod:`refneuron.validation.convergence`); every grid contains the multiples
#: of ``dt_max``, where the traces are compared.
K_LEVELS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24)
K_SHORT = (1, 2, 3, 4, 6, 8, 12, 16)  # the slow canonical models
#: coarser steps of the qualitative sweep, as multiples of ``dt_max``
COARSE = (2, 4, 8, 16)
#: inverse golden ratio: the amplitudes ``1 + 0.6 frac(j PHI)`` are spread
#: evenly over [1, 1.6] and are irrational multiples of each other, so that no
#: neuron reaches its threshold exactly on a grid point (spikingjelly's ``>=``
#: ties, tolerances.md #5) and the grid phases of the spikes differ.
PHI = (math.sqrt(5.0) - 1.0) / 2.0


def amplitudes(n):
    """``n`` drive amplitudes in [1, 1.6]: ``1 + 0.6 frac(j PHI)``, ``j = 1..n``, sorted."""
    j = np.arange(1, n + 1)
    return np.sort(1.0 + 0.6 * ((j * PHI) % 1.0))


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A model, its drive and its dt sweep.

    ``params``: the model's parameters at step ``dt0`` (its own ``dt`` for
    norse/canonical); the drive is 0 up to ``t_on`` and ``level`` (times the
    neuron's amplitude) after it, supra-threshold for every amplitude, so that
    no spike of the comparison window is marginal (a drive that falls back
    below threshold makes the last spike of some neurons a near miss whose
    count flips with any error).  ``t_end``: nominal end of the comparison
    window (about 5 to 10 interspike intervals).  Fitted steps
    ``dt_max / k`` for ``k`` in ``ks``; sweep ``dt_max * COARSE``.
    """

    name: str
    params: dict
    level: float
    t_end: float
    dt_max: float
    t_on: float = 10.0
    ks: tuple = K_LEVELS
    dt0: float | None = None
    method: str = "DOP853"
    n_amplitudes: int = 16
    exact: bool = False
    trace_exact: bool = False
    label: str = ""  # group suffix, for a second scenario of the same model
    log_upstroke: bool = False  # exponential upstroke cut far above V_T: the log law replaces the order check

    @property
    def group(self):
        return f"ode:{self.name}" + (f" ({self.label})" if self.label else "")

    @property
    def dts(self):
        return tuple(self.dt_max / k for k in self.ks)

    @property
    def sweep(self):
        return tuple(self.dt_max * c for c in COARSE)


# Levels: snntorch/spikingjelly in steps of the model at dt0 = 1 (tau = 20 steps), U_inf = 1.6 at
# amplitude 1; norse in seconds (v_inf = J / tau_syn_inv); canonical models in pA and ms.
SCENARIOS = (
    # tau = 20: U_inf = J tau = 1.6 (J = 0.08 of charge per unit time)
    Scenario("snntorch.Leaky", {"beta": math.exp(-1 / 20)}, 0.08, 100.0, 0.5, exact=True),
    # tau_syn = 10, tau_mem = 20: U_inf = J tau_s tau_m = 1.6
    Scenario("snntorch.Synaptic", {"alpha": math.exp(-1 / 10), "beta": math.exp(-1 / 20)}, 0.008, 100.0, 0.5,
             exact=True),
    # tau_alpha = 20 > tau_beta = 10: U_inf = c (J tau_a - J tau_b) = 20 J = 1.6
    Scenario("snntorch.Alpha", {"alpha": math.exp(-1 / 20), "beta": math.exp(-1 / 10)}, 0.08, 100.0, 0.5,
             exact=True),
    Scenario("snntorch.Lapicque", {"R": 1.0, "C": 20.0, "time_step": 1.0}, 1.6, 100.0, 0.5),
    # Euler of dV/dt = J is exact for a constant J: the trace error before the first spike is round-off;
    # the spike times carry only the grid quantisation (up to one step per interval, accumulated), so
    # the counts drift apart sooner: dt_max = 0.25.
    Scenario("spikingjelly.IF", {}, 0.08, 100.0, 0.25, trace_exact=True),
    Scenario("spikingjelly.LIF", {"tau": 20.0}, 1.6, 100.0, 0.5),
    Scenario("spikingjelly.ParametricLIF", {"init_tau": 20.0}, 1.6, 100.0, 0.5),
    Scenario("spikingjelly.KLIF", {"tau": 20.0}, 1.6, 100.0, 0.5),
    Scenario("spikingjelly.QIF", {"tau": 20.0}, 0.3, 150.0, 0.5),
    Scenario("spikingjelly.EIF", {"tau": 20.0}, 0.3, 150.0, 0.5),
    Scenario("spikingjelly.Izhikevich", {"tau": 20.0, "tau_w": 40.0, "a": 0.2, "b": 0.05}, 0.5, 150.0, 0.5),
    # norse: seconds, default dt = 1e-3; v_inf = i_inf = J / tau_syn_inv = 1.6
    Scenario("norse.LIF", {}, 320.0, 0.05, 2.5e-4, t_on=0.01),
    Scenario("norse.LIFAdEx", {}, 600.0, 0.05, 1.25e-4, t_on=0.01),
    Scenario("norse.LSNN", {"tau_adapt_inv": 20.0, "beta": 0.2}, 400.0, 0.1, 5e-4, t_on=0.01),
    Scenario("canonical.Izhikevich", {}, 10.0, 60.0, 0.05, ks=K_SHORT),
    # V_peak = V_T + 5 Delta_T (the cut of Brian2's Brette & Gerstner 2005 example, spec §4.2; Brian2's
    # Naud et al. 2008 example cuts at 0 mV, spec §4.3): the Euler
    # upstroke is resolved once dt << tau_m exp(-5) = 0.063 ms, and the spike times are order 1.
    Scenario("canonical.AdEx", {"V_peak": -50.4 + 5 * 2.0}, 800.0, 60.0, 0.025, ks=K_SHORT, n_amplitudes=8,
             label="V_peak = V_T + 5 Delta_T"),
    # The default V_peak = 20 mV: the Euler lag in the upstroke is (dt/2) ln(tau_m/dt) per spike for every
    # dt above tau_m exp(-35) (module docstring), so the order check becomes the check of that law.
    Scenario("canonical.AdEx", {}, 800.0, 60.0, 0.025, ks=K_SHORT, n_amplitudes=8, label="default V_peak",
             log_upstroke=True),
)


def _build(sc):
    from refneuron.registry import get

    return get(sc.name)(**sc.params)


def _slope_se(dts, errs):
    """Standard error of the least-squares slope of log(err) on log(dt)."""
    x, y = np.log(np.asarray(dts, float)), np.log(np.asarray(errs, float))
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3:
        return math.nan
    p = np.polyfit(x, y, 1)
    r = y - np.polyval(p, x)
    return float(math.sqrt(np.sum(r * r) / (x.size - 2) / np.sum((x - x.mean()) ** 2)))


def _log_upstroke_checks(sc, model, res, group, fig):
    r"""The Euler lag of an exponential upstroke (AdEx with ``V_peak`` far above ``V_T``).

    Where the exponential dominates, :math:`u = e^{-(V - V_T)/\Delta_T}` obeys
    :math:`du/dt = -1/\tau_m` (:math:`\tau_m = C/g_L`): it falls linearly and
    reaches 0 (V = inf) in finite time.  One Euler step of V maps ``u`` to
    :math:`u\,e^{-h/u}` (``h = dt/tau_m``) instead of ``u - h``, a lag of
    :math:`\approx h^2/(2u)`; summed over the steps from ``u ~ 1`` down to
    ``u ~ h`` (or ``u_peak``, whichever is larger) this is
    :math:`(h/2)\ln(1/\max(h, u_\text{peak}))`.  With ``V_peak = 20 mV``,
    :math:`u_\text{peak} = e^{-35.2}`, so for every practical ``dt`` the first
    spike is late by :math:`dt\,(A + \tfrac12 \ln(\tau_m/dt))`: the error is
    first order up to a logarithm, and a power-law fit gives about 0.9 (local
    slope :math:`1 - \tfrac12/(A + \tfrac12\ln(\tau_m/dt))`).  Checked: the
    slope of (first-spike error)/dt against ln(1/dt) is 1/2, and the error
    less the predicted log term is first order.
    """
    from . import convergence as cv

    tau_m = float(model.C_m) / float(model.g_L)
    d = np.array([lv.dt for lv in res.levels])
    e1 = np.array([lv.first_spike_error for lv in res.levels])
    slope = float(np.polyfit(np.log(1.0 / d), e1 / d, 1)[0])
    rest = e1 - 0.5 * d * np.log(tau_m / d)
    order = cv.fit_order(d, rest)
    common = "dt: " + ", ".join(f"{x:.4g}" for x in d) + "; mean first-spike error (late > 0): " + ", ".join(
        f"{x:.3e}" for x in e1)
    return [
        Check(group, "slope of (first-spike error)/dt against ln(1/dt)", round(slope, 4),
              "1/2 (Euler lag of the exponential upstroke, derived in run._log_upstroke_checks)",
              "|slope - 1/2| <= 0.1 (grid quantisation of the first spike, ~0.29 dt/sqrt(n) per level)",
              passed=bool(abs(slope - 0.5) <= 0.1), detail=common + f"; plain power-law order {res.order_spike:.3f}",
              figure=fig),
        Check(group, "convergence order of the first-spike error less (dt/2) ln(tau_m/dt)", round(order, 4),
              "1 (the remainder A dt)", f"|order - 1| <= {ORDER_TOL}", passed=bool(abs(order - 1.0) <= ORDER_TOL),
              detail="remainder: " + ", ".join(f"{x:.3e}" for x in rest) + f"; tau_m = {tau_m:.4g} ms", figure=fig),
    ]


def ode_checks(sc, out, full=False):
    """All checks of one scenario; returns a list of :class:`Check`."""
    from . import convergence as cv
    from . import plots

    group = sc.group
    model = _build(sc)
    drive = cv.PiecewiseConstant((0.0, sc.t_on), (0.0, sc.level))
    amps = amplitudes(sc.n_amplitudes * (2 if full else 1))
    dts = sc.dts
    res = cv.convergence(model, drive, sc.t_end, dts, dt=sc.dt0, sweep=sc.sweep, amplitudes=amps,
                         method=sc.method)
    fig = plots.convergence_figure(res, out, sc.label)
    fig_tr = plots.trace_figure(res, out, sc.label)
    checks = []
    lv_dts = [lv.dt for lv in res.levels]
    for what, order in (("spike-time error", res.order_spike), ("membrane-trace error", res.order_trace)):
        attr = "spike_time_error" if what.startswith("spike") else "trace_error"
        errs = [getattr(lv, attr) for lv in res.levels]
        if what.startswith("spike") and sc.log_upstroke:
            checks.extend(_log_upstroke_checks(sc, model, res, group, fig))
            continue
        if what.startswith("membrane") and sc.trace_exact:
            err = max(errs)
            checks.append(Check(group, "membrane-trace error before the first spike", err,
                                "round-off (the update is exact for a constant drive)",
                                "<= 1e-10 (integrator rtol 1e-10 on O(1) values)", passed=bool(err <= 1e-10),
                                figure=fig))
            continue
        loc = cv.local_orders(lv_dts, errs)
        checks.append(Check(
            group, f"convergence order of the {what}", round(order, 4),
            "1 (first-order update; grid-aligned spikes)", f"|order - 1| <= {ORDER_TOL} (diffrax practice, tightened)",
            passed=bool(abs(order - 1.0) <= ORDER_TOL),
            detail=f"standard error of the slope {_slope_se(lv_dts, errs):.3f}; dt: "
            + ", ".join(f"{d:.4g}" for d in lv_dts) + "; errors: " + ", ".join(f"{e:.3e}" for e in errs)
            + "; local orders (fine to coarse): " + ", ".join(f"{o:.3f}" for o in loc),
            figure=fig,
        ))
    ce = max(lv.count_error for lv in res.levels)
    checks.append(Check(group, "spike-count error over the fitted dt", int(ce), "0 (same spikes as the ODE)",
                        "exact", passed=ce == 0,
                        detail=f"reference spikes: {res.levels[0].n_ref_spikes} over {len(amps)} neurons",
                        figure=fig_tr))
    checks.append(Check(group, "largest dt with the ODE's spike count", res.largest_good_dt,
                        "reported (finite: the smallest dt is right)", "finite",
                        passed=bool(np.isfinite(res.largest_good_dt)),
                        detail="sweep (dt, count error): " + ", ".join(f"({d:.4g}, {c})" for d, c in res.sweep)))
    if sc.exact:
        err, _ = cv.impulse_exactness(model)
        checks.append(Check(group, "relative difference to the closed-form impulse-driven ODE", err,
                            "round-off (exact exponential decay)", f"<= {EXACT_TOL:g} (a few ulp / (1 - decay))",
                            passed=bool(err <= EXACT_TOL)))
    return checks


def integrator_checks():
    """The event integrator against the exact LIF spike times."""
    from . import analytic, events

    tau, R, I, theta = 10.0, 1.0, 1.5, 1.0
    sol = events.solve(lambda t, y: (-y + R * I) / tau, [0.0], (0.0, 100.0), event=lambda t, y: y[0] - theta,
                       reset=lambda t, y: np.array([0.0]))
    exact = analytic.lif_spike_times(100.0, tau, R, I, theta)
    ok = sol.spike_times.size == exact.size
    err = float(np.max(np.abs(sol.spike_times - exact) / exact)) if ok else math.inf
    return [Check("integrator", "LIF spike times vs tau ln(IR/(IR - theta))", err,
                  "analytic (Gerstner et al. 2014, 1.3)", f"<= {ISI_TOL:g} relative", passed=bool(err <= ISI_TOL),
                  detail=f"{exact.size} spikes")]


def _jsonable(v):
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


#: conventions the report states (spec §0: "report spike times with that convention (t_k), and say so")
CONVENTIONS = (
    "Spike times of the discrete runs (published Izhikevich scheme, forward-Euler AdEx) are t_k = k dt: the "
    "start of the step whose update crossed the threshold (spec §0; the alternative t_k + dt is not used). "
    "snntorch Lapicque spikes are given as loop step indices k (spec §1.4). ODE spike times are the event "
    "times of the integrator.",
    "Checks pass or fail; findings (below the checks) are reported, never pass/fail, and are not counted. "
    "'Discrepancies with the specification' are conflicts inside the spec: what is consistent is checked "
    "strictly, the conflict is stated with the measured values.",
)


def _cell(x):
    """A markdown table cell: pipes escaped (names such as ``max |U - ...|``)."""
    return str(x).replace("|", "\\|")


def write_report(checks, out, findings=()):
    """``report.json`` and ``report.md`` in ``out`` (checks, then findings by kind)."""
    os.makedirs(out, exist_ok=True)
    rows = [dict(c.as_dict(), value=_jsonable(c.value)) for c in checks]
    frows = [dict(f.as_dict(), value=_jsonable(f.value)) for f in findings]
    n_pass = sum(c.passed for c in checks)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump({"passed": n_pass, "failed": len(checks) - n_pass, "conventions": list(CONVENTIONS),
                   "checks": rows, "findings": frows}, f, indent=1)
    by_kind = {k: [f for f in findings if f.kind == k] for k in FINDING_KINDS}
    lines = ["# refneuron validation report", "", f"{n_pass} of {len(checks)} checks passed.", ""]
    if findings:
        lines += ["Findings (not checks): " + ", ".join(f"{len(v)} {FINDING_KINDS[k].split(':')[0].lower()}"
                                                        for k, v in by_kind.items() if v) + ".", ""]
    lines += ["## Conventions", ""] + [f"- {c}" for c in CONVENTIONS] + [""]
    lines += ["## Checks", "", "| group | check | value | expected | tolerance | result |", "|---|---|---|---|---|---|"]
    for c in checks:
        v = c.value if not isinstance(c.value, float) else f"{c.value:.4g}"
        lines.append(f"| {c.group} | {_cell(c.name)} | {_cell(v)} | {_cell(c.expected)} | {_cell(c.tolerance)} | "
                     f"{'pass' if c.passed else '**FAIL**'} |")
    lines.append("")
    for c in checks:
        if c.detail or c.figure:
            lines.append(f"- **{c.group} / {c.name}**: {c.detail}" + (f" ([figure]({c.figure}))" if c.figure else ""))
    for kind, title in FINDING_KINDS.items():
        fs = by_kind[kind]
        if not fs:
            continue
        lines += ["", f"## {title}", "", "| group | what | measured | specification | finding |",
                  "|---|---|---|---|---|"]
        for f in fs:
            v = f.value if not isinstance(f.value, float) else f"{f.value:.4g}"
            fig = f" ([figure]({f.figure}))" if f.figure else ""
            lines.append(f"| {f.group} | {_cell(f.name)} | {_cell(v)} | {_cell(f.spec)} | {_cell(f.detail)}{fig} |")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(out="figures", full=False, progress=True, models=None):
    """Run all checks; write ``report.md``, ``report.json`` and the figures into ``out``.

    ``models``: restrict the ODE checks to these registry names (default all).
    Returns the process exit status: 0 if every check passed, 1 otherwise.
    """
    import matplotlib

    matplotlib.use("Agg")
    from tqdm import tqdm

    from refneuron.registry import names

    os.makedirs(out, exist_ok=True)
    known = set(names())
    todo = [sc for sc in SCENARIOS if sc.name in known and (models is None or sc.name in models)]
    checks = integrator_checks()
    findings = []
    for sc in tqdm(todo, desc="ODE checks", disable=not progress):
        try:
            checks.extend(ode_checks(sc, out, full=full))
        except Exception as e:  # a failing model is a failed check, not a crash of the report
            checks.append(Check(sc.group, "convergence run", f"{type(e).__name__}: {e}",
                                "completes", "-", passed=False))
    if models is None:
        from . import published as pub

        if hasattr(pub, "collect"):
            checks.extend(pub.collect(out, full=full, progress=progress, findings=findings))
        else:
            checks.append(Check("published", "published traces not available", "missing",
                                "refneuron.validation.published.collect", "-", passed=False))
    write_report(checks, out, findings)
    return 0 if all(c.passed for c in checks) else 1
