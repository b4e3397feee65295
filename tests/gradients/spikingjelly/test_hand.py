"""Hand-computed one-step gradients of the spikingjelly models.

The specification's probe (models §3.9): LIF, tau = 2, decay_input, from
rest (v = 0, V_r = 0 or soft), one input X = 3 so that H = X/2 = 1.5 > theta = 1,
default surrogate Sigmoid(alpha = 4):

    s   = sigmoid(4 * 0.5) = 1/(1 + e^-2)            = 0.8807970779778823
    sig = 4 s (1 - s)                                 = 0.41997434161402614
    hard, attached:  dV/dX = ((1 - S) + (V_r - H) sig)/tau = -0.75 sig = -0.3149807562105196
    hard, detached:  dV/dX = (1 - S)/tau                               =  0
    soft, attached:  dV/dX = (1 - theta sig)/tau = (1 - sig)/2         =  0.29001282919298693
    soft, detached:  dV/dX = 1/tau                                     =  0.5
    dS/dX = sig/tau                                                    =  0.20998717080701307

The expected values below are these formulas evaluated with ``math``, not
with refneuron's surrogate code; they are compared to 1e-15 relative (a few
ulp: the backward evaluates the same products in another order).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import refneuron as rn
from refneuron.gradients import vjp

S = 1.0 / (1.0 + math.exp(-2.0))
SIG = 4.0 * S * (1.0 - S)
RTOL = 1e-15  # a few ulp of O(1) values (see the module docstring)


def _one_step(model, x, upstream):
    up = {k: np.array([[v]]) for k, v in upstream.items()}
    return vjp(model, np.array([[x]]), up)


def test_constants_match_the_spec_numbers():
    assert S == pytest.approx(0.8807970779778823, rel=1e-15)
    assert SIG == pytest.approx(0.41997434161402614, rel=1e-15)


@pytest.mark.parametrize(
    "v_reset,detach,expected",
    [
        (0.0, False, -0.75 * SIG),  # ((1 - 1) + (0 - 1.5) sig)/2
        (0.0, True, 0.0),  # (1 - S)/tau with S = 1
        (None, False, (1.0 - SIG) / 2.0),
        (None, True, 0.5),
    ],
)
def test_spec_probe_lif_reset_gradient(v_reset, detach, expected):
    model = rn.spikingjelly.LIF(tau=2.0, v_reset=v_reset, detach_reset=detach)
    g = _one_step(model, 3.0, {"v": 1.0})
    assert g.forward.output[0, 0] == 1.0 and g.forward.states["v"][0, 0] == (0.0 if v_reset == 0.0 else 0.5)
    np.testing.assert_allclose(g.inputs[0, 0], expected, rtol=RTOL, atol=1e-300)
    # dH/dV0 = 1 - 1/tau = 1/2 = dH/dX: the initial-state gradient is the same number
    np.testing.assert_allclose(g.initial_state["v"][0], expected, rtol=RTOL, atol=1e-300)


def test_spec_probe_spike_gradient():
    g = _one_step(rn.spikingjelly.LIF(tau=2.0), 3.0, {"output": 1.0})
    np.testing.assert_allclose(g.inputs[0, 0], SIG / 2.0, rtol=RTOL)  # 0.20998717080701307


def test_plif_w_gradient():
    # w = 0: k = 1/2 (tau = 2), H = 0 + (3 - 0) k = 1.5; dH/dw = (X - V) k (1 - k) = 3/4
    for model in (rn.spikingjelly.ParametricLIF(w=0.0), rn.spikingjelly.ParametricLIF(init_tau=2.0)):  # w = -ln(1)
        g = _one_step(model, 3.0, {"output": 1.0})
        np.testing.assert_allclose(g.params["w"], 0.75 * SIG, rtol=RTOL)  # 0.3149807562105196


def test_klif_k_gradient():
    # k = 1: H' = 1.5, H = ReLU(k H') = 1.5; dS/dk = sig * H' = 1.5 sig = 0.6299615124210392
    g = _one_step(rn.spikingjelly.KLIF(), 3.0, {"output": 1.0})
    np.testing.assert_allclose(g.params["k"], 1.5 * SIG, rtol=RTOL)
    # scale_reset, soft: V = H'(k) - S(k H') theta/k with H = k H':
    # dV/dk = -(sig H' k - S)/k^2 = 1 - 1.5 sig = 0.3700384875789608
    g = _one_step(rn.spikingjelly.KLIF(scale_reset=True, v_reset=None), 3.0, {"v": 1.0})
    np.testing.assert_allclose(g.params["k"], 1.0 - 1.5 * SIG, rtol=1e-14)  # 1 - 1.5 sig loses ~1 digit
    np.testing.assert_allclose(g.inputs[0, 0], (1.0 - SIG) / 2.0, rtol=RTOL)  # dV/dH (1/k - theta sig/k) * 1/tau


def test_izhikevich_adaptation_gradient():
    # tau = 2, V0 = 0, w0 = 0, v_rest = -0.1, v_c = 0.8, a0 = 1:
    # H = (X + (0 + 0.1)(0 - 0.8) - 0)/2 = (3.08 - 0.08)/2 = 1.5
    # w1 = 0 + (a (H - v_rest) - 0)/tau_w + b S  ->  dw1/dX = (a/tau_w + b sig)/2
    model = rn.spikingjelly.Izhikevich(a=0.3, b=0.2, tau_w=2.0)
    g = _one_step(model, 3.08, {"w": 1.0})
    assert g.forward.output[0, 0] == 1.0
    np.testing.assert_allclose(g.inputs[0, 0], (0.15 + 0.2 * SIG) / 2.0, rtol=1e-14)  # 0.11699743416140261
    # dw1/dw0 = (1 - 1/tau_w) + (a/tau_w + b sig) dH/dw0,  dH/dw0 = -1/tau
    np.testing.assert_allclose(g.initial_state["w"][0], 0.5 - (0.15 + 0.2 * SIG) / 2.0, rtol=1e-14)


def test_liaf_output_gradient_follows_torch_kinks():
    # relu'(0) = 0, leaky_relu'(0) = 0.01, hardtanh'(+-1) = 0 (torch's backward);
    # H = 1.5 with threshold_related=False puts u = H on a kink only for hardtanh's +1 at H = 1
    for act, x, expected in [("relu", 0.0, 0.0), ("leaky_relu", 0.0, 0.01 / 2.0), ("hardtanh", 2.0, 0.0),
                             ("identity", 3.0, 0.5), ("tanh", 1.0, (1.0 - math.tanh(0.5) ** 2) / 2.0)]:
        model = rn.spikingjelly.LIAF(act=act, threshold_related=False)
        g = _one_step(model, x, {"output": 1.0})
        np.testing.assert_allclose(g.inputs[0, 0], expected, rtol=RTOL, atol=0, err_msg=act)


@pytest.mark.frameworks
@pytest.mark.parametrize("act,x", [("relu", 0.0), ("leaky_relu", 0.0), ("hardtanh", 2.0), ("hardtanh", -2.0)])
def test_liaf_kinks_as_spikingjelly(act, x):
    """The kink conventions above are those of spikingjelly's autograd (torch's backward)."""
    from ._cases import framework_grads

    model = rn.spikingjelly.LIAF(act=act, threshold_related=False)
    up = {"output": np.array([[1.0]]), "v": np.array([[0.0]])}
    gx, _, _ = framework_grads(model, np.array([[x]]), {"v": np.array([0.0])}, up)
    g = vjp(model, np.array([[x]]), up)
    assert gx[0, 0] == g.inputs[0, 0]
