"""norse LSNN and LSNNRecurrent: hand-computed steps (the one-step input
delay, the adaptive threshold) and model-specific checks against norse 1.1.0
(the randomised sweeps are in test_conformance.py)."""

from __future__ import annotations

import numpy as np
import pytest

import refneuron as rn
from refneuron.models.norse.lsnn import lsnn_update

from ..._oracle import assert_conform
from ._norse import run_module

# Hand values below are decimal; the float64 evaluation differs by a few ulp (|values| <= 20).
HAND_RTOL = 1e-13


def test_hand_steps_pulse():
    # defaults (dt*tau_mem_inv = 0.1, dt*tau_syn_inv = 0.2, dt*tau_adapt_inv = 1.25e-6, beta = 1.8,
    # initial b = v_th = 1); one input pulse 5 at t=1:
    # t=1: v* = 0 (old i = 0), b = 1, i = 0 + 5 = 5           -> the input has not reached v yet
    # t=2: v* = 0.1*5 = 0.5, i = 4
    # t=3: v* = 0.5 + 0.1*(-0.5 + 4) = 0.85, i = 3.2
    # t=4: v* = 0.85 + 0.1*(-0.85 + 3.2) = 1.085 > b* = 1: z = 1, v = 0, b = 1 + 1.8 = 2.8, i = 2.56
    # t=5: v* = 0.256, b = 2.8 + 1.25e-6*(1 - 2.8) = 2.8 - 2.25e-6, i = 2.048
    x = np.zeros((5, 1))
    x[0] = 5.0
    res = rn.norse.LSNN().run(x)
    np.testing.assert_array_equal(res.output[:, 0], [0, 0, 0, 1, 0])
    np.testing.assert_allclose(res.states["v"][:, 0], [0.0, 0.5, 0.85, 0.0, 0.256], rtol=HAND_RTOL)
    np.testing.assert_allclose(res.states["i"][:, 0], [5.0, 4.0, 3.2, 2.56, 2.048], rtol=HAND_RTOL)
    np.testing.assert_allclose(res.states["b"][:, 0], [1.0, 1.0, 1.0, 2.8, 2.8 - 2.25e-6], rtol=HAND_RTOL)


def test_one_step_input_delay_vs_lif():
    # quirk norse_lsnn_input_delay: the same pulse moves LIF's v at t=1 and LSNN's at t=2,
    # and then by the same amount (identical v and i equations otherwise)
    x = np.zeros((3, 1))
    x[0] = 5.0
    lif = rn.norse.LIF().run(x).states["v"][:, 0]
    lsnn = rn.norse.LSNN().run(x).states["v"][:, 0]
    assert lsnn[0] == 0.0
    np.testing.assert_array_equal(lsnn[1:], lif[:-1])


def test_threshold_is_b_not_v_th():
    # quirk norse_lsnn_threshold: after a spike the neuron needs v* > b* ~ 2.8, not v_th = 1
    x = np.full((30, 1), 2.0)
    res = rn.norse.LSNN().run(x)
    t1, t2 = np.flatnonzero(res.output[:, 0])[:2]
    b = res.states["b"][:, 0]
    v = res.states["v"][:, 0]
    assert b[t1] == pytest.approx(2.8, rel=1e-5)
    assert np.max(v[t1 + 1 : t2]) > 2.0  # twice v_th without a spike
    # with the initial b = 0 the neuron fires as soon as v* > 0
    zero_b = rn.norse.LSNN().run(x, state={"v": [0.0], "i": [0.0], "b": [0.0]})
    assert zero_b.output[1, 0] == 1.0


def test_recurrent_spike_reaches_v_two_steps_later():
    # n_in = 1, n_out = 2, W_in = [[20], [0]], W_rec = [[0, 0], [12, 0]] (neuron 0 excites neuron 1)
    # t=1: v* = [0, 0], i = [20, 0]
    # t=2: v* = [2, 0] > b* = 1: z = [1, 0]; i = [16, 0] + z_1 W_rec^T (z_1 = 0) = [16, 0]
    # t=3: i = [12.8, 0] + z_2 W_rec^T = [12.8, 12]   (the spike of t=2 arrives in i)
    # t=4: v*[1] = 0 + 0.1*12 = 1.2 > 1: neuron 1 fires (two steps after neuron 0; one step in LIFRecurrent)
    model = rn.norse.LSNNRecurrent(input_weights=[[20.0], [0.0]], recurrent_weights=[[0.0, 0.0], [12.0, 0.0]])
    x = np.zeros((4, 1))
    x[0] = 1.0
    res = model.run(x)
    np.testing.assert_array_equal(res.output[:, 1], [0, 0, 0, 1])
    np.testing.assert_array_equal(res.output[:, 0], [0, 1, 0, 0])
    np.testing.assert_allclose(res.states["i"][2], [12.8, 12.0], rtol=HAND_RTOL)


def test_reset_gradient_path_recorded():
    # lsnn_step detaches the spike in the reset and the threshold jump; lsnn_feed_forward_step does not
    assert rn.norse.LSNN.reset_detached is False
    assert rn.norse.LSNNRecurrent.reset_detached is True


def test_update_same_on_scalars_and_arrays():
    rng = np.random.default_rng(3)
    v, i, b = rng.normal(0.5, 0.5, 200), rng.normal(5.0, 5.0, 200), rng.uniform(0.5, 2.0, 200)
    args = (200.0, 100.0, 1.0 / 800.0, 0.0, 1.0, 0.0, 1.8, 0.001)
    arr = lsnn_update(v, i, b, *args)
    for k in range(200):
        assert lsnn_update(float(v[k]), float(i[k]), float(b[k]), *args) == tuple(e[k] for e in arr)
    assert 0 < arr[0].sum() < 200


@pytest.mark.frameworks
@pytest.mark.parametrize("name", ["norse.LSNN", "norse.LSNNRecurrent"])
def test_module_initial_threshold(name):
    # every norse LSNN module starts from b = v_th (not 0): refneuron's default initial state agrees
    rng = np.random.default_rng(8)
    if name == "norse.LSNN":
        model = rn.norse.LSNN(v_th=1.25, v_leak=-0.25)
        x = rng.normal(1.0, 2.0, size=(60, 3, 4))
    else:
        model = rn.norse.LSNNRecurrent(
            input_weights=rng.normal(0, 1.0, (4, 3)), recurrent_weights=rng.normal(0, 1.0, (4, 4)),
            v_th=1.25, v_leak=-0.25,
        )  # fmt: skip
        x = rng.normal(1.0, 2.0, size=(60, 3, 3))
    z_ref, s_ref = run_module(model, x)
    res = model.run(x)
    assert z_ref.sum() > 20
    assert_conform(f"{name} module default state spikes", z_ref, res.output, spikes=True)
    for n in model.State.names():
        assert_conform(f"{name} module default state {n}", s_ref[n], res.states[n])
