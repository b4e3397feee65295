"""Discrete models against their ODE: orders, spike times, counts, exactness, the report.

The scenarios are those of ``refneuron validate`` (:data:`run.SCENARIOS`):
a step drive that stays supra-threshold, 16 amplitudes ``1 + 0.6 frac(j PHI)``
and the fitted steps ``dt_max / k``.
"""

import json
import math

import numpy as np
import pytest

from refneuron.registry import get, names
from refneuron.validation import continuous, convergence as cv, run
from refneuron.validation.checks import Check

FAST = [sc for sc in run.SCENARIOS if not sc.name.startswith("canonical.")]
SLOW = [sc for sc in run.SCENARIOS if sc.name.startswith("canonical.") and not sc.log_upstroke]


def _conv(sc, n_amplitudes=None):
    assert sc.name in names(), f"{sc.name}: a validation scenario for a model the registry does not have"
    drive = cv.PiecewiseConstant((0.0, sc.t_on), (0.0, sc.level))
    amps = run.amplitudes(n_amplitudes or sc.n_amplitudes)
    return cv.convergence(run._build(sc), drive, sc.t_end, sc.dts, dt=sc.dt0, amplitudes=amps, method=sc.method)


def _check_orders(sc, res):
    # tolerance 0.1 on the fitted order (tolerances.md: diffrax's practice, tightened); measured
    # standard errors of the spike-order slope are 0.005 to 0.06 (run.py docstring)
    assert abs(res.order_spike - 1.0) <= 0.1, (res.order_spike, [lv.spike_time_error for lv in res.levels])
    assert all(lv.count_error == 0 for lv in res.levels), [lv.count_error for lv in res.levels]
    errs = np.array([lv.spike_time_error for lv in res.levels])
    # spike times converge: the error at the finest dt is below a fifth of the error at the
    # coarsest (the dt range is 16 to 24; order 1 with the grid-phase scatter gives 12 to 30)
    assert errs[0] < errs[-1] / 5
    if sc.trace_exact:
        # Euler of dV/dt = J with constant J is exact: round-off against an rtol 1e-10 reference
        assert max(lv.trace_error for lv in res.levels) <= 1e-10
    else:
        assert abs(res.order_trace - 1.0) <= 0.1, res.order_trace
        # asymptotic regime: the local orders of the trace error settle at 1 over the fitted dts but the
        # coarsest (measured there: within 0.015 of 1 for every model but norse.LSNN, up to 1.041, and
        # the Izhikevich models down to 0.965; at the coarsest level 1.074 and 0.939)
        loc = res.local_orders_trace
        assert np.all(np.abs(loc[:-1] - 1.0) <= 0.05), loc


@pytest.mark.parametrize("sc", FAST, ids=[sc.group for sc in FAST])
def test_order_one_spike_times_and_counts(sc):
    _check_orders(sc, _conv(sc))


@pytest.mark.slow
@pytest.mark.parametrize("sc", SLOW, ids=[sc.group for sc in SLOW])
def test_order_one_canonical(sc):
    _check_orders(sc, _conv(sc))


@pytest.mark.slow
def test_adex_default_upstroke_log_law():
    sc = next(s for s in run.SCENARIOS if s.log_upstroke)
    res = _conv(sc)
    checks = run._log_upstroke_checks(sc, run._build(sc), res, sc.group, None)
    assert all(c.passed for c in checks), [(c.name, c.value) for c in checks]
    # and the plain power law is visibly below 1 (measured 0.898): the log is real
    assert res.order_spike < 0.95


def test_window_ends_between_reference_spikes():
    sp = np.array([3.0, 7.0, 12.0])
    assert cv._gap_midpoint(sp, 10.0, 20.0) == 9.5  # gap (7, 12) contains 10
    assert cv._gap_midpoint(sp, 13.0, 20.0) == 16.0  # after the last spike: gap up to t_ext
    assert cv._gap_midpoint(np.empty(0), 10.0, 20.0) == 10.0


def test_amplitudes_spread_and_irrational():
    a = run.amplitudes(16)
    assert a.min() >= 1.0 and a.max() <= 1.6 and np.all(np.diff(a) > 0)
    # the three-gap theorem: consecutive gaps of frac(j PHI) take at most three values, the largest
    # below 2.7/n of the range for these n; evenly spread, unlike random amplitudes
    assert np.max(np.diff(np.concatenate([[1.0], a, [1.6]]))) < 2.7 * 0.6 / 16
    # no amplitude is a dyadic multiple of 1/64 (which makes an IF reach its threshold on the grid)
    assert not np.any(np.isclose((a * 64) % 1.0, 0.0, atol=1e-9))


def test_local_orders_of_a_known_law():
    d = np.array([0.1, 0.2, 0.4])
    np.testing.assert_allclose(cv.local_orders(d, 3 * d), [1.0, 1.0], rtol=1e-12)
    # dt log(1/dt) has local orders below 1 that creep up as dt falls
    loc = cv.local_orders(d, d * np.log(1 / d))
    assert loc[0] > loc[1] and loc[0] < 1


def test_trace_times_are_common_grid_points():
    sc = next(s for s in run.SCENARIOS if s.name == "spikingjelly.LIF")
    res = _conv(sc, n_amplitudes=2)
    assert res.n_trace_times > 20
    # on a fixed set of times the error of a first-order update halves with dt almost exactly
    e = {lv.dt: lv.trace_error for lv in res.levels}
    assert e[0.25] / e[0.125] == pytest.approx(2.0, rel=0.02)


@pytest.mark.parametrize("name,params", [
    ("snntorch.Leaky", {"beta": math.exp(-1 / 20)}),
    ("snntorch.Synaptic", {"alpha": math.exp(-1 / 10), "beta": math.exp(-1 / 20)}),
    ("snntorch.Alpha", {"alpha": math.exp(-1 / 20), "beta": math.exp(-1 / 10)}),
])
def test_exponential_decay_updates_are_exact_for_impulses(name, params):
    err, scale = cv.impulse_exactness(get(name)(**params))
    assert scale > 1.0  # the comparison is not of zeros
    # round-off: a few ulp times 1/(1 - decay) <= 21 for decay exp(-1/20) (tolerances.md)
    assert err <= 1e-13, err


def test_fit_order_recovers_a_known_slope():
    d = np.array([0.1, 0.2, 0.4, 0.8])
    assert cv.fit_order(d, 3 * d**2) == pytest.approx(2.0, abs=1e-12)
    assert math.isnan(cv.fit_order(d, [np.nan] * 4))


def test_rescale_maps_tau_and_dt():
    m = get("snntorch.Leaky")(beta=math.exp(-1 / 20))
    assert continuous.rescale(m, 0.25).beta == pytest.approx(math.exp(-0.25 / 20), rel=1e-15)
    if "spikingjelly.LIF" in names():
        assert continuous.rescale(get("spikingjelly.LIF")(tau=20.0), 0.5).tau == 40.0
    a = get("canonical.AdEx")()
    assert continuous.rescale(a, 0.05).dt == 0.05


def test_report_pass_fail_is_derived_from_the_measurement(tmp_path):
    sc = next(s for s in run.SCENARIOS if s.name == "snntorch.Leaky")
    res = _conv(sc, n_amplitudes=4)
    wrong = 2.0  # a deliberately wrong expected order
    c = Check("ode:test", "order vs a wrong expectation", res.order_spike, "2", "0.1",
              passed=abs(res.order_spike - wrong) <= 0.1)
    assert not c.passed
    run.write_report([c], str(tmp_path))
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["failed"] == 1 and data["checks"][0]["passed"] is False


def test_run_main_on_a_reduced_set(tmp_path):
    rc = run.main(out=str(tmp_path), progress=False, models=["snntorch.Leaky"])
    data = json.loads((tmp_path / "report.json").read_text())
    assert (tmp_path / "report.md").read_text().startswith("# refneuron validation report")
    groups = {c["group"] for c in data["checks"]}
    assert groups == {"integrator", "ode:snntorch.Leaky"}
    assert rc == (0 if data["failed"] == 0 else 1)
    assert (tmp_path / "ode_snntorch_Leaky_convergence.png").exists()
    assert (tmp_path / "ode_snntorch_Leaky_trace.svg").exists()
