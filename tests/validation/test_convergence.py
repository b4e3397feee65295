"""Discrete models against their ODE: orders, spike times, exactness, the report."""

import json
import math

import numpy as np
import pytest

from refneuron.registry import get, names
from refneuron.validation import continuous, convergence as cv, run
from refneuron.validation.checks import Check

AMPS = np.linspace(1.0, 1.6, 12)


def _conv(name, params, times, values, t_end, dts, **kw):
    if name not in names():
        pytest.skip(f"{name} not registered")
    model = get(name)(**params)
    return cv.convergence(model, cv.PiecewiseConstant(times, values), t_end, dts, amplitudes=AMPS, **kw)


# Models whose default-sweep checks pass (measured orders in the comments);
# the expected order is 1 for every update (grid-aligned spikes), tolerance 0.1.
CASES = [
    # spike 1.006, trace 0.980
    ("snntorch.Leaky", {"beta": math.exp(-1 / 20)}, (0, 10, 150), (0, 0.08, 0.02), 200.0, (1 / 16, 1 / 8, 1 / 4, 1 / 2)),
    # spike 0.973, trace 0.971
    ("snntorch.Lapicque", {"R": 1.0, "C": 20.0, "time_step": 1.0}, (0, 10, 150), (0, 1.6, 0.4), 200.0,
     (1 / 16, 1 / 8, 1 / 4, 1 / 2)),
    # spike 0.986, trace 0.907
    ("spikingjelly.Izhikevich", {"tau": 20.0, "tau_w": 40.0, "a": 0.2, "b": 0.05}, (0, 10, 150), (0, 0.5, 0.3),
     200.0, (1 / 16, 1 / 8, 1 / 4, 1 / 2)),
]


@pytest.mark.parametrize("name,params,times,values,t_end,dts", CASES, ids=[c[0] for c in CASES])
def test_order_one_and_spike_times_converge(name, params, times, values, t_end, dts):
    res = _conv(name, params, times, values, t_end, dts)
    # tolerance 0.1 on the fitted order (tolerances.md: diffrax's practice, tightened)
    assert abs(res.order_spike - 1.0) <= 0.1, res.order_spike
    assert abs(res.order_trace - 1.0) <= 0.1, res.order_trace
    assert all(lv.count_error == 0 for lv in res.levels)
    errs = [lv.spike_time_error for lv in res.levels]
    # spike times converge: halving dt shrinks the mean error (order 1 -> factor ~2, at least 1.3)
    assert all(e_small * 1.3 < e_big for e_small, e_big in zip(errs, errs[1:]))
    # and the finest is below one coarse step
    assert errs[0] < dts[-1]


def test_canonical_izhikevich_spike_order():
    res = _conv("canonical.Izhikevich", {}, (0, 10, 150), (0, 10.0, 6.0), 200.0, (0.00625, 0.0125, 0.025))
    assert all(lv.count_error == 0 for lv in res.levels)
    assert abs(res.order_spike - 1.0) <= 0.1, res.order_spike  # measured 1.03 on the full sweep


@pytest.mark.parametrize("name,params", [
    ("snntorch.Leaky", {"beta": math.exp(-1 / 20)}),
    ("snntorch.Synaptic", {"alpha": math.exp(-1 / 10), "beta": math.exp(-1 / 20)}),
    ("snntorch.Alpha", {"alpha": math.exp(-1 / 20), "beta": math.exp(-1 / 10)}),
])
def test_exponential_decay_updates_are_exact_for_impulses(name, params):
    if name not in names():
        pytest.skip(f"{name} not registered")
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
    res = _conv("snntorch.Leaky", {"beta": math.exp(-1 / 20)}, (0, 10, 150), (0, 0.08, 0.02), 200.0,
                (1 / 8, 1 / 4, 1 / 2))
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
