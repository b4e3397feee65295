"""Canonical Izhikevich and AdEx: hand-computed steps for each scheme, the
scalar form of the right-hand sides (Numba), and bad input."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from refneuron import canonical
from refneuron.errors import OptionError, ParameterError
from refneuron.models.canonical.adex import adex_dV, adex_dw
from refneuron.models.canonical.izhikevich import izhikevich_du, izhikevich_dv


def test_izhikevich_figure2004_step_by_hand():
    # v=-70, u=-14, I=0, dt=0.25: dv = 0.04*4900 - 350 + 140 + 14 = 0 -> v=-70; u += 0.25*0.02*(0.2*-70+14) = 0
    m = canonical.Izhikevich(v0=-70.0, dt=0.25)
    _, st = m.step(None, [0.0])
    assert st.v[0] == -70.0 and st.u[0] == -14.0
    # with I=4: v = -70 + 0.25*4 = -69; u uses the new v: -14 + 0.25*0.02*(0.2*-69 + 14) = -14 + 0.001
    # The hand expressions in these tests use only + - * / (IEEE float64, correctly rounded
    # on every CPU; NumPy does not contract them into FMAs), evaluated as the model rounds
    # them, so they are compared exactly (measured: equal).
    _, st = m.step(None, [4.0])
    assert st.v[0] == -69.0
    assert st.u[0] == -14.0 + 0.001


def test_izhikevich_euler_uses_old_v():
    m = canonical.Izhikevich(v0=-70.0, dt=0.25, scheme="euler")
    _, st = m.step(None, [4.0])
    assert st.v[0] == -69.0 and st.u[0] == -14.0  # du from the old v = -70 is 0


def test_izhikevich_network2003_half_steps():
    # v=-65,u=-13 (b*v0), I=10, dt=1: two half steps of 0.5 with u fixed
    m = canonical.Izhikevich(v0=-65.0, dt=1.0, scheme="network2003")
    v = -65.0
    for _ in range(2):
        v = v + 0.5 * (0.04 * (v * v) + 5 * v + 140 - (-13.0) + 10.0)  # the 2003 script's 0.04*v.^2
    u = -13.0 + 1.0 * 0.02 * (0.2 * v - (-13.0))
    _, st = m.step(None, [10.0])
    assert st.v[0] == v and st.u[0] == u  # exact: + - * / only (see the first test)


def test_izhikevich_spike_and_reset_strict():
    m = canonical.Izhikevich(v0=29.0, u0=0.0, dt=0.25, c=-50.0, d=2.0)
    s, st = m.step(None, [0.0])
    assert s[0] == 1.0 and st.v[0] == -50.0
    # u updated with the new (pre-reset) v, then + d
    v_new = 29.0 + 0.25 * (0.04 * (29.0 * 29.0) + 5 * 29.0 + 140)  # the script's 0.04*V^2
    assert st.u[0] == 0.25 * 0.02 * (0.2 * v_new) + 2.0  # exact: + - * / only


def test_izhikevich_accommodation_rule():
    m = canonical.Izhikevich(v0=-65.0, u0=-16.0, b=1.0, u_rule="accommodation", dt=0.5)
    _, st = m.step(None, [0.0])
    v = -65.0 + 0.5 * (0.04 * (65 * 65) - 325 + 140 + 16)
    assert st.u[0] == -16.0 + 0.5 * 0.02 * (1.0 * (v + 65))  # the script's u + tau*a*(b*(V+65)); exact


def test_adex_euler_step_by_hand():
    m = canonical.AdEx(V0=-70.6, dt=0.1)
    _, st = m.step(None, [1000.0])
    # at E_L the leak and w vanish: dV = (30*2*exp(-20.2/2) + 1000)/281
    dV = (30 * 2 * np.exp(-10.1) + 1000.0) / 281.0
    # The model's exponent (-70.6 + 50.4)/2 is not the double -10.1, and np.exp on a 0-d
    # value and on the model's array may take different loops (SIMD vs libm) on other CPUs:
    # the exp term may differ by a few ulp of 60 e^-10.1 = 2.5e-3, i.e. ~1e-21 after the
    # 0.1/281 factor, far below half an ulp of V (7e-15), so V can differ by at most the one
    # ulp of a rounding-boundary crossing (np.spacing(70.6) = 1.4e-14).  Measured: equal.
    assert abs(st.V[0] - (-70.6 + 0.1 * dV)) <= np.spacing(70.6) and st.w[0] == 0.0


def test_adex_reset():
    m = canonical.AdEx(V0=-40.5, V_peak=-40.4, dt=0.1, b=80.5)
    s, st = m.step(None, [5000.0])
    assert s[0] == 1.0 and st.V[0] == m.V_reset
    assert st.w[0] == 0.1 * 4.0 * (-40.5 + 70.6) / 144.0 + 80.5  # exact: w has no exp


def test_rhs_scalar_and_array_agree_and_compile():
    # the right-hand sides must mean the same on scalars (compiled) and arrays (NumPy)
    V = np.array([-70.0, -50.0, 0.0, 25.0])  # 25 > V_peak: the exponent is capped
    args = (3.0, 100.0, 281.0, 30.0, -70.6, -50.4, 2.0, 20.0)
    ref = adex_dV(V, *args[:1], *args[1:])
    import refneuron.backends.cpu  # noqa: F401  (registers the model functions and refneuron._math with Numba)

    cdV = numba.njit(adex_dV)
    cdw = numba.njit(adex_dw)
    cv = numba.njit(izhikevich_dv)
    cu = numba.njit(izhikevich_du)
    for j, x in enumerate(V):
        # NumPy's exp and libm's may differ by an ulp (tolerances spec): 4 ulp of the value
        assert abs(cdV(x, *args) - ref[j]) <= 4 * np.spacing(abs(ref[j]))
        assert cdw(x, 3.0, 4.0, -70.6, 144.0) == adex_dw(V, 3.0, 4.0, -70.6, 144.0)[j]
        assert cv(x, -14.0, 2.0, 0.04, 5.0, 140.0) == izhikevich_dv(V, -14.0, 2.0, 0.04, 5.0, 140.0)[j]
        for rule in (0, 1):
            assert cu(x, -14.0, 0.02, 0.2, rule) == izhikevich_du(V, -14.0, 0.02, 0.2, rule)[j]
    # the arithmetic minimum equals the former np.minimum form bit for bit (w=3, i=100)
    Vc = np.minimum(V, 20.0)
    old = (-30.0 * (V - -70.6) + 30.0 * 2.0 * np.exp((Vc - -50.4) / 2.0) - 3.0 + 100.0) / 281.0
    np.testing.assert_array_equal(ref, old)


@pytest.mark.parametrize("kwargs,err", [
    ({"dt": 0.0}, ParameterError),
    ({"dt": float("nan")}, ParameterError),
    ({"scheme": "rk4"}, OptionError),
    ({"u_rule": "other"}, OptionError),
    ({"a": float("inf")}, ParameterError),
])
def test_izhikevich_bad_input(kwargs, err):
    with pytest.raises(err):
        canonical.Izhikevich(**kwargs)


@pytest.mark.parametrize("kwargs,err", [
    ({"C_m": 0.0}, ParameterError),
    ({"tau_w": float("nan")}, ParameterError),
    ({"Delta_T": -1.0}, ParameterError),
    ({"V_peak": -60.0}, ParameterError),  # below V_T
    ({"V_reset": 30.0}, ParameterError),  # above V_peak
    ({"V_peak": 2000.0}, ParameterError),  # exp would overflow
    ({"scheme": "rk4"}, OptionError),
])
def test_adex_bad_input(kwargs, err):
    with pytest.raises(err):
        canonical.AdEx(**kwargs)
