"""The event-resolved integrator against exact solutions."""

import numpy as np
import pytest

from refneuron.errors import InputError, OptionError, ParameterError
from refneuron.validation import analytic, events

TAU, R, I, THETA = 10.0, 1.0, 1.5, 1.0


def _lif(method="DOP853", v_reset=0.0):
    return events.solve(
        lambda t, y: (-y + R * I) / TAU, [0.0], (0.0, 100.0), event=lambda t, y: y[0] - THETA,
        reset=lambda t, y: np.array([v_reset]), method=method,
    )


@pytest.mark.parametrize("method", ["DOP853", "Radau", "LSODA"])
def test_lif_spike_times_match_the_analytic_isi(method):
    sol = _lif(method)
    exact = analytic.lif_spike_times(100.0, TAU, R, I, THETA)
    # T_isi = tau ln(IR/(IR - theta)) = 10 ln 3 = 10.986...: 9 spikes in 100
    assert exact.size == 9 and sol.spike_times.size == 9
    # 1e-9 relative: the integrator's verified accuracy (rtol 1e-10, measured ~1e-11)
    np.testing.assert_allclose(sol.spike_times, exact, rtol=1e-9, atol=0)


def test_reset_to_a_nonzero_level():
    sol = _lif(v_reset=0.25)
    exact = analytic.lif_spike_times(100.0, TAU, R, I, THETA, v_reset=0.25)
    assert sol.spike_times.size == exact.size
    np.testing.assert_allclose(sol.spike_times, exact, rtol=1e-9, atol=0)


def test_rc_charging_and_free_decay_dense_output():
    t = np.linspace(0.0, 10.0, 57)
    sol = events.solve(lambda t, y: (-y + R * 0.5) / TAU, [0.2], (0.0, 10.0), event=lambda t, y: y[0] - 10.0,
                       reset=lambda t, y: y * 0, t_eval=t)
    # 1e-9 absolute on O(1) values: rtol 1e-10 plus the dense interpolant's error
    np.testing.assert_allclose(sol.y[0], analytic.rc_charging(t, TAU, R, 0.5, v0=0.2), rtol=0, atol=1e-9)
    assert sol.spike_times.size == 0
    sol = events.solve(lambda t, y: -y / TAU, [1.0], (0.0, 10.0), event=lambda t, y: y[0] - 10.0,
                       reset=lambda t, y: y * 0)
    np.testing.assert_allclose(sol.sol(sol.t)[0], analytic.free_decay(sol.t, TAU, 1.0), rtol=1e-9, atol=0)


def test_breakpoints_pulse_and_lapicque_strength_duration():
    # A pulse of the threshold current for duration D brings V from 0 to theta exactly at D.
    D = 3.0
    I_th = analytic.lapicque_threshold_current(D, TAU, R, THETA)
    drive = lambda t: I_th if t < D else 0.0  # noqa: E731
    sol = events.solve(lambda t, y: (-y + R * drive(t)) / TAU, [0.0], (0.0, 10.0),
                       event=lambda t, y: y[0] - 2 * THETA, reset=lambda t, y: y * 0, breakpoints=[D])
    np.testing.assert_allclose(sol.sol(D)[0], THETA, rtol=1e-9)
    # the chronaxie needs twice the rheobase THETA/R
    np.testing.assert_allclose(analytic.lapicque_threshold_current(analytic.chronaxie(TAU), TAU, R, THETA),
                               2 * THETA / R, rtol=1e-14)


def test_post_reset_value_at_a_spike_time():
    sol = _lif()
    t0 = sol.spike_times[0]
    assert sol.sol(t0)[0] == 0.0
    np.testing.assert_allclose(sol.spike_states[0], THETA, rtol=1e-9)


def test_bad_input():
    f = lambda t, y: -y  # noqa: E731
    ev = lambda t, y: y[0] - 1  # noqa: E731
    rs = lambda t, y: y * 0  # noqa: E731
    with pytest.raises(ParameterError, match="rtol"):
        events.solve(f, [0.0], (0, 1), event=ev, reset=rs, rtol=float("nan"))
    with pytest.raises(ParameterError, match="t_span"):
        events.solve(f, [0.0], (1, 0), event=ev, reset=rs)
    with pytest.raises(OptionError, match="method"):
        events.solve(f, [0.0], (0, 1), event=ev, reset=rs, method="Euler")
    with pytest.raises(ParameterError, match="breakpoints"):
        events.solve(f, [0.0], (0, 1), event=ev, reset=rs, breakpoints=[0.5, 0.2])
    with pytest.raises(InputError, match="reset"):  # reset above threshold would loop forever
        events.solve(lambda t, y: np.ones(1), [0.0], (0, 5), event=ev, reset=lambda t, y: y + 1)
