"""spikingjelly neurons: steps computed by hand (no framework needed).

Inputs and parameters are dyadic where possible so that the hand values are
exact in float64 and compared with ``==``; elsewhere the expected value is
evaluated from the formula of the specification (models §3) with ``math``
and compared to 1 ulp-level (rtol 1e-15).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import refneuron as rn
from refneuron.surrogates import ATan, Sigmoid

sj = rn.spikingjelly


def col(*values):
    return np.array(values, dtype=np.float64)[:, None]


# --- IF ----------------------------------------------------------------------------------


def test_if_fires_exactly_at_threshold():
    # models §3.0 probe: H = 0 + 1.0 = 1.0 = theta, and H - theta >= 0 fires
    res = sj.IF().run(col(1.0, 1.0))
    np.testing.assert_array_equal(res.output[:, 0], [1.0, 1.0])
    np.testing.assert_array_equal(res.states["v"][:, 0], [0.0, 0.0])
    soft = sj.IF(v_reset=None).run(col(1.0, 0.5, 0.75))
    # soft: V = 1 - 1 = 0; 0.5 (no spike); 1.25 -> 0.25
    np.testing.assert_array_equal(soft.output[:, 0], [1, 0, 1])
    np.testing.assert_array_equal(soft.states["v"][:, 0], [0.0, 0.5, 0.25])


def test_if_strict_surrogate_does_not_fire_at_threshold():
    # a surrogate with the strict comparison (snntorch's ATan) is honoured: no spike at H = theta
    res = sj.IF(surrogate_function=ATan()).run(col(1.0))
    assert res.output[0, 0] == 0.0 and res.states["v"][0, 0] == 1.0


def test_if_analog_reset_with_spiking_false():
    # Sigmoid(alpha=4, spiking=False): output g(H - theta) = sigmoid(0) = 0.5 at H = theta;
    # hard reset 0.5*0 + (1 - 0.5)*1.0 = 0.5; soft reset 1.0 - 0.5*1.0 = 0.5
    for v_reset in (0.0, None):
        res = sj.IF(v_reset=v_reset, surrogate_function=Sigmoid(spiking=False)).run(col(1.0))
        assert res.output[0, 0] == 0.5 and res.states["v"][0, 0] == 0.5
    # far below threshold the reset still acts: H = 0.25, g = sigmoid(4*(0.25 - 1)) = sigmoid(-3)
    g = 1.0 / (1.0 + math.exp(3.0))
    res = sj.IF(v_reset=None, surrogate_function=Sigmoid(spiking=False)).run(col(0.25))
    np.testing.assert_allclose(res.output[0, 0], g, rtol=1e-15)
    np.testing.assert_allclose(res.states["v"][0, 0], 0.25 - g, rtol=1e-15)


# --- LIF / ParametricLIF -----------------------------------------------------------------


def test_lif_steps():
    # tau = 2, decay_input: H1 = 0 + (3 - 0)/2 = 1.5 -> spike; hard: 0, soft: 0.5
    assert sj.LIF().run(col(3.0)).states["v"][0, 0] == 0.0
    assert sj.LIF(v_reset=None).run(col(3.0)).states["v"][0, 0] == 0.5
    # decay_input=False, x = 0.75: H1 = 0.75; H2 = 0.75 - 0.375 + 0.75 = 1.125 -> spike -> 0
    res = sj.LIF(decay_input=False).run(col(0.75, 0.75))
    np.testing.assert_array_equal(res.output[:, 0], [0, 1])
    np.testing.assert_array_equal(res.states["v"][:, 0], [0.75, 0.0])


def test_lif_leaks_toward_v_reset():
    # quirk spikingjelly_vreset_leak: V0 = 0.5, V_r = -0.5, x = 0: H = 0.5 + (0 - 1.0)/2 = 0.0
    res = sj.LIF(v_reset=-0.5).run(col(0.0), state={"v": 0.5})
    assert res.states["v"][0, 0] == 0.0
    # and the default initial state is V_r, a fixed point without input
    assert np.all(sj.LIF(v_reset=-0.5).run(np.zeros((5, 2))).states["v"] == -0.5)


def test_plif_k_and_equivalence_with_lif():
    # init_tau = 2: w = -ln(1) = -0.0, k = 1/(1 + e^0) = 0.5 exactly; x*0.5 == x/2 bitwise
    assert sj.ParametricLIF().k == 0.5
    rng = np.random.default_rng(3)
    x = rng.normal(0.8, 0.8, size=(50, 6))
    for decay_input in (True, False):
        for v_reset in (0.0, -0.25, None):
            a = sj.ParametricLIF(decay_input=decay_input, v_reset=v_reset).run(x)
            b = sj.LIF(decay_input=decay_input, v_reset=v_reset).run(x)
            np.testing.assert_array_equal(a.states["v"], b.states["v"])
            np.testing.assert_array_equal(a.output, b.output)
    # init_tau = 4: k = 1/(1 + exp(ln 3)) = 1/4 up to the rounding of exp(ln 3)
    assert abs(sj.ParametricLIF(init_tau=4.0).k - 0.25) < 1e-16
    # w given directly overrides init_tau; w = 0 gives k = 0.5
    assert sj.ParametricLIF(init_tau=4.0, w=0.0).k == 0.5
    # exp(-w) overflows: torch's 1/(1 + inf) = 0.0
    assert sj.ParametricLIF(w=-1000.0).k == 0.0


# --- QIF / EIF -----------------------------------------------------------------------------


def test_qif_first_step_defaults():
    # V0 = v_reset = -0.1; H = -0.1 + (1 + 1*(-0.1 - 0)*(-0.1 - 0.8))/2 = -0.1 + 1.09/2 = 0.445
    res = sj.QIF().run(col(1.0))
    expected = -0.1 + (1.0 + 1.0 * (-0.1 - 0.0) * (-0.1 - 0.8)) / 2.0
    np.testing.assert_allclose(res.states["v"][0, 0], 0.445, rtol=1e-15)
    assert res.states["v"][0, 0] == expected
    # a spike resets to v_reset = -0.1: V0 = 0.9, x = 1: H = 0.9 + (1 + 0.9*0.1)/2 = 1.445 >= 1
    res = sj.QIF().run(col(1.0), state={"v": 0.9})
    assert res.output[0, 0] == 1.0 and res.states["v"][0, 0] == -0.1


def test_eif_first_step_defaults():
    # V0 = -0.1: H = -0.1 + (1 + 0 - (-0.1) + 1*exp((-0.1 - 0.8)/1))/2
    res = sj.EIF().run(col(1.0))
    expected = -0.1 + (1.0 + 0.0 + 0.1 + math.exp(-0.9)) / 2.0
    np.testing.assert_allclose(res.states["v"][0, 0], expected, rtol=1e-15)
    assert res.output[0, 0] == 0.0


def test_eif_overflow_flagged_without_framework():
    # V0 = 800: exp(799.2) = inf -> H = inf fires -> hard reset -0.1 + 0*inf = NaN
    with pytest.warns(rn.errors.NonFiniteStateWarning):
        res = sj.EIF().run(col(0.0, 0.0), state={"v": 800.0})
    assert res.output[0, 0] == 1.0 and np.isnan(res.states["v"][0, 0])
    assert res.output[1, 0] == 0.0  # NaN never fires
    assert res.nonfinite == (0, "v", (0,))


# --- Izhikevich ----------------------------------------------------------------------------


def test_izhikevich_order():
    # defaults (v_rest = -0.1), V0 = 0, w0 = 0, x = 1: H = (1 + 1*(0.1)*(-0.8) - 0)/2 = 0.46
    m = sj.Izhikevich(a=0.5, b=0.25)
    res = m.run(col(1.0))
    h = (1.0 + 1.0 * (0.0 + 0.1) * (0.0 - 0.8) - 0.0) / 2.0
    assert res.states["v"][0, 0] == h
    # w1 = 0 + (0.5*(0.46 + 0.1) - 0)/2 + 0.25*0 = 0.14 (from the charged H)
    assert res.states["w"][0, 0] == 0.0 + (0.5 * (h + 0.1) - 0.0) / 2.0
    # a spiking step: V0 = 0.95, w0 = 0.1, x = 1.5: charge with the OLD w, adapt with the
    # pre-reset H (not the reset value 0.0) and add b*S
    res = m.run(col(1.5), state={"v": 0.95, "w": 0.1})
    h = 0.95 + (1.5 + 1.0 * (0.95 + 0.1) * (0.95 - 0.8) - 0.1) / 2.0
    assert h >= 1.0 and res.output[0, 0] == 1.0 and res.states["v"][0, 0] == 0.0
    assert res.states["w"][0, 0] == 0.1 + (0.5 * (h + 0.1) - 0.1) / 2.0 + 0.25 * 1.0
    post_reset_w = 0.1 + (0.5 * (0.0 + 0.1) - 0.1) / 2.0 + 0.25
    assert res.states["w"][0, 0] != post_reset_w


def test_izhikevich_initial_state():
    res = sj.Izhikevich(w_rest=0.3, v_reset=None).run(np.zeros((1, 2)))
    # V0 = 0.0 (soft), w0 = 0.3: H = (0 + 1*(0.1)*(-0.8) - 0.3)/2 = -0.19
    np.testing.assert_allclose(res.states["v"][0], (1.0 * 0.1 * -0.8 - 0.3) / 2.0, rtol=1e-15)


# --- KLIF / LIAF ---------------------------------------------------------------------------


def test_klif_steps():
    # tau = 2, k = 4, x = 1, V0 = 0: H' = 0.5, H = relu(2.0) = 2.0 -> spike
    cases = {
        (False, 0.0): 0.0,  # hard: 0
        (False, None): 1.0,  # soft: 2 - 1
        (True, 0.0): 0.0,  # scaled hard: 1*0 + 0*(2/4)
        (True, None): 0.25,  # scaled soft: 2/4 - 1/4
    }
    for (scale_reset, v_reset), v in cases.items():
        res = sj.KLIF(scale_reset=scale_reset, v_reset=v_reset, k=4.0).run(col(1.0))
        assert res.output[0, 0] == 1.0 and res.states["v"][0, 0] == v, (scale_reset, v_reset)
    # the ReLU: x = -1 gives H' = -0.5, H = relu(-2) = 0; the membrane is never negative
    assert sj.KLIF(k=4.0).run(col(-1.0)).states["v"][0, 0] == 0.0


def test_liaf_output_is_analog():
    # tau = 2, x = 3: H = 1.5 >= 1 fires (reset to 0); output relu(1.5 - 1) = 0.5 or relu(1.5)
    res = sj.LIAF(act="relu", threshold_related=True).run(col(3.0, 1.0))
    # step 2: H = 0 + (1 - 0)/2 = 0.5, no spike, output relu(-0.5) = 0
    np.testing.assert_array_equal(res.output[:, 0], [0.5, 0.0])
    np.testing.assert_array_equal(res.states["v"][:, 0], [0.0, 0.5])
    assert sj.LIAF(act="identity", threshold_related=False).run(col(3.0)).output[0, 0] == 1.5
    assert sj.LIAF(act="hardtanh", threshold_related=False).run(col(3.0)).output[0, 0] == 1.0
    assert sj.LIAF(act="leaky_relu", threshold_related=True).run(col(1.0)).output[0, 0] == 0.01 * -0.5
    assert sj.LIAF.output_kind == "analog"


# --- shared functions mean the same on scalars and on arrays ------------------------------


def test_scalar_and_array_forms_agree():
    from refneuron.models.spikingjelly import _common, eif, izhikevich, klif, liaf, parametric_lif, qif

    rng = np.random.default_rng(11)
    v = rng.normal(0.5, 0.6, 200)
    x = rng.normal(0.5, 0.6, 200)
    w = rng.normal(0.0, 0.3, 200)
    fns = [
        lambda v, x, w: _common.lif_charge(v, x, 2.5, -0.1, True),
        lambda v, x, w: _common.lif_charge(v, x, 2.5, -0.1, False),
        lambda v, x, w: parametric_lif.plif_charge(v, x, 0.3, 0.0, True),
        lambda v, x, w: qif.qif_charge(v, x, 2.0, 1.0, 0.0, 0.8),
        lambda v, x, w: eif.eif_charge(v, x, 2.0, 0.0, 0.8, 1.0),
        lambda v, x, w: izhikevich.izhikevich_charge(v, x, w, 2.0, 1.0, -0.1, 0.8),
        lambda v, x, w: izhikevich.izhikevich_adapt(w, v, _common.spike_ge(v, 1.0), 2.0, 0.3, 0.2, -0.1),
        lambda v, x, w: _common.voltage_reset(v, _common.spike_ge(v, 1.0), 1.0, -0.1, _common.HARD),
        lambda v, x, w: _common.voltage_reset(v, _common.spike_ge(v, 1.0), 1.0, 0.0, _common.SOFT),
        lambda v, x, w: klif.klif_reset(klif.klif_rectify(v, 1.5), 1.0, 1.5, 1.0, 0.0, _common.SOFT, True),
        lambda v, x, w: klif.klif_reset(v, _common.spike_ge(v, 1.0), 0.7, 1.0, -0.1, _common.HARD, True),
    ]
    transcendental = {4}  # eif_charge: exp
    for a in range(len(liaf.ACTIVATIONS)):
        for t in (True, False):
            if liaf.ACTIVATIONS[a] in ("sigmoid", "tanh"):  # 1/(1 + exp(-u)), tanh
                transcendental.add(len(fns))
            fns.append(lambda v, x, w, a=a, t=t: liaf.liaf_output(v, 0.5, a, t))
    assert len(transcendental) == 5
    for i, f in enumerate(fns):
        arr = np.asarray(f(v, x, w), dtype=np.float64)
        scal = np.array([float(f(float(a), float(b), float(c))) for a, b, c in zip(v, x, w)])
        if i in transcendental:
            # np.exp / np.tanh of a Python float and of an array may take different loops
            # (libm vs NumPy's SIMD code on CPUs that have it) and differ by 1 ulp; 2 ulp of
            # the result (4.4e-16 relative) covers that ulp after the surrounding + and *,
            # which have no cancellation at these values (measured: identical here)
            np.testing.assert_allclose(scal, arr, rtol=4.5e-16, atol=0, err_msg=f"form {i}")
        else:
            # + - * / min max only: IEEE float64, correctly rounded on either path
            np.testing.assert_array_equal(scal, arr, err_msg=f"form {i}")
