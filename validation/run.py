"""``refneuron validate``: run every validation check, write the report and figures.

ODE checks (:mod:`refneuron.validation.convergence`), for every model of
:data:`SCENARIOS` that is registered:

* the empirical order of the spike-time error and of the membrane-trace
  error, expected 1 (all updates are first order once spikes sit on the
  grid), tolerance 0.1 (tighter than diffrax's ±0.9; measured spreads of the
  fitted slopes over seeds and sweeps are below 0.05);
* spike-count error 0 at every ``dt`` of the fit;
* for the exact exponential-decay updates (snntorch Leaky, Synaptic,
  Alpha), the max relative difference against the closed-form solution of
  the impulse-driven ODE, expected round-off (tolerance 1e-13: a few ulp
  times 1/(1 − decay), the bound of tolerances.md, for decays ≤ exp(−1/20)).

Plus the integrator against the exact LIF spike times (1e-9 relative), and
the published-trace reproductions if ``refneuron.validation.published``
provides ``collect``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os

import numpy as np

from .checks import Check

ORDER_TOL = 0.1
EXACT_TOL = 1e-13
ISI_TOL = 1e-9


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A model, its continuous drive and its dt sweep.

    ``params``: the model's parameters at step ``dt0`` (its own ``dt`` for
    norse/canonical); ``times``/``values``: the piecewise-constant drive;
    ``dts``: the fitted steps (multiples of ``dt0``), ``sweep``: coarser ones.
    """

    name: str
    params: dict
    times: tuple
    values: tuple
    t_end: float
    dts: tuple
    sweep: tuple
    dt0: float | None = None
    method: str = "DOP853"
    amplitudes: int = 12
    exact: bool = False
    trace_exact: bool = False


_STEP = (1 / 16, 1 / 8, 1 / 4, 1 / 2)
_COARSE = (1.0, 2.0, 4.0, 8.0)
_MS = tuple(d * 1e-3 for d in _STEP)
_MS_COARSE = tuple(d * 1e-3 for d in (1.0, 2.0, 4.0))

SCENARIOS = (
    # tau = 20 steps, U_inf = 1.6 (J = 0.08 per step of charge), then 0.4
    Scenario("snntorch.Leaky", {"beta": math.exp(-1 / 20)}, (0, 10, 150), (0, 0.08, 0.02), 200.0,
             _STEP, _COARSE, exact=True),
    # tau_syn = 10, tau_mem = 20: U_inf = J tau_s tau_m = 1.6
    Scenario("snntorch.Synaptic", {"alpha": math.exp(-1 / 10), "beta": math.exp(-1 / 20)},
             (0, 10, 150), (0, 0.008, 0.002), 200.0, _STEP, _COARSE, exact=True),
    # tau_alpha = 20 > tau_beta = 10: U_inf = c (J tau_a - J tau_b) = 20 J = 1.6
    Scenario("snntorch.Alpha", {"alpha": math.exp(-1 / 20), "beta": math.exp(-1 / 10)},
             (0, 10, 150), (0, 0.08, 0.02), 200.0, _STEP, _COARSE, exact=True),
    Scenario("snntorch.Lapicque", {"R": 1.0, "C": 20.0, "time_step": 1.0}, (0, 10, 150), (0, 1.6, 0.4), 200.0,
             _STEP, _COARSE),
    # Euler of dV/dt = J is exact for a constant J: the trace error before the first spike is round-off
    Scenario("spikingjelly.IF", {}, (0, 10, 150), (0, 0.08, 0.02), 200.0, _STEP, _COARSE, trace_exact=True),
    Scenario("spikingjelly.LIF", {"tau": 20.0}, (0, 10, 150), (0, 1.6, 0.4), 200.0, _STEP, _COARSE),
    Scenario("spikingjelly.ParametricLIF", {"init_tau": 20.0}, (0, 10, 150), (0, 1.6, 0.4), 200.0, _STEP,
             _COARSE),
    Scenario("spikingjelly.KLIF", {"tau": 20.0}, (0, 10, 150), (0, 1.6, 0.4), 200.0, _STEP, _COARSE),
    Scenario("spikingjelly.QIF", {"tau": 20.0}, (0, 10, 150), (0, 0.3, 0.2), 200.0, _STEP, _COARSE),
    Scenario("spikingjelly.EIF", {"tau": 20.0}, (0, 10, 150), (0, 0.3, 0.1), 200.0, _STEP, _COARSE),
    Scenario("spikingjelly.Izhikevich", {"tau": 20.0, "tau_w": 40.0, "a": 0.2, "b": 0.05}, (0, 10, 150),
             (0, 0.5, 0.3), 200.0, _STEP, _COARSE),
    # norse: seconds, dt = 1e-3; v_inf = i_inf = J / tau_syn_inv
    Scenario("norse.LIF", {}, (0, 0.01, 0.15), (0, 320.0, 120.0), 0.2, _MS, _MS_COARSE),
    Scenario("norse.LIFAdEx", {}, (0, 0.01, 0.15), (0, 600.0, 300.0), 0.2, _MS, _MS_COARSE),
    Scenario("norse.LSNN", {"tau_adapt_inv": 20.0, "beta": 0.2}, (0, 0.01, 0.15), (0, 400.0, 200.0), 0.2,
             _MS, _MS_COARSE),
    Scenario("canonical.Izhikevich", {}, (0, 10, 150), (0, 10.0, 6.0), 200.0,
             (0.00625, 0.0125, 0.025, 0.05), (0.1, 0.25, 0.5, 1.0), amplitudes=8),
    Scenario("canonical.AdEx", {}, (0, 10), (0, 800.0), 200.0,
             (0.003125, 0.00625, 0.0125, 0.025), (0.05, 0.1, 0.2, 0.4), amplitudes=4),
)


def _build(sc):
    from refneuron.registry import get

    return get(sc.name)(**sc.params)


def ode_checks(sc, out, full=False):
    """All checks of one scenario; returns a list of :class:`Check`."""
    from . import convergence as cv
    from . import plots

    group = f"ode:{sc.name}"
    model = _build(sc)
    drive = cv.PiecewiseConstant(sc.times, sc.values)
    n_amp = sc.amplitudes * (2 if full else 1)
    amps = np.linspace(1.0, 1.6, n_amp)
    dts = sc.dts if not full else (sc.dts[0] / 2,) + tuple(sc.dts)
    res = cv.convergence(model, drive, sc.t_end, dts, dt=sc.dt0, sweep=sc.sweep, amplitudes=amps,
                         method=sc.method)
    fig = plots.convergence_figure(res, out)
    fig_tr = plots.trace_figure(res, out)
    checks = []
    for what, order in (("spike-time error", res.order_spike), ("membrane-trace error", res.order_trace)):
        if what.startswith("membrane") and sc.trace_exact:
            err = max(lv.trace_error for lv in res.levels)
            checks.append(Check(group, "membrane-trace error before the first spike", err,
                                "round-off (the update is exact for a constant drive)",
                                "<= 1e-10 (integrator rtol 1e-10 on O(1) values)", passed=bool(err <= 1e-10),
                                figure=fig))
            continue
        checks.append(Check(
            group, f"convergence order of the {what}", round(order, 4),
            "1 (first-order update; grid-aligned spikes)", f"|order - 1| <= {ORDER_TOL} (diffrax practice, tightened)",
            passed=bool(abs(order - 1.0) <= ORDER_TOL),
            detail="dt: " + ", ".join(f"{lv.dt:.4g}" for lv in res.levels) + "; errors: "
            + ", ".join(f"{getattr(lv, 'spike_time_error' if what.startswith('spike') else 'trace_error'):.3e}"
                        for lv in res.levels),
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


def write_report(checks, out):
    """``report.json`` and ``report.md`` in ``out``."""
    os.makedirs(out, exist_ok=True)
    rows = [dict(c.as_dict(), value=_jsonable(c.value)) for c in checks]
    n_pass = sum(c.passed for c in checks)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump({"passed": n_pass, "failed": len(checks) - n_pass, "checks": rows}, f, indent=1)
    lines = ["# refneuron validation report", "", f"{n_pass} of {len(checks)} checks passed.", "",
             "| group | check | value | expected | tolerance | result |", "|---|---|---|---|---|---|"]
    for c in checks:
        v = c.value if not isinstance(c.value, float) else f"{c.value:.4g}"
        lines.append(f"| {c.group} | {c.name} | {v} | {c.expected} | {c.tolerance} | "
                     f"{'pass' if c.passed else '**FAIL**'} |")
    lines.append("")
    for c in checks:
        if c.detail or c.figure:
            lines.append(f"- **{c.group} / {c.name}**: {c.detail}" + (f" ([figure]({c.figure}))" if c.figure else ""))
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
    for sc in tqdm(todo, desc="ODE checks", disable=not progress):
        try:
            checks.extend(ode_checks(sc, out, full=full))
        except Exception as e:  # a failing model is a failed check, not a crash of the report
            checks.append(Check(f"ode:{sc.name}", "convergence run", f"{type(e).__name__}: {e}",
                                "completes", "-", passed=False))
    if models is None:
        from . import published as pub

        if hasattr(pub, "collect"):
            checks.extend(pub.collect(out, full=full, progress=progress))
        else:
            checks.append(Check("published", "published traces not available", "missing",
                                "refneuron.validation.published.collect", "-", passed=False))
    write_report(checks, out)
    return 0 if all(c.passed for c in checks) else 1
