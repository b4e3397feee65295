"""norse LIF and LIFRecurrent: hand-computed steps and model-specific checks
against norse 1.1.0 (the randomised sweeps are in test_conformance.py)."""

from __future__ import annotations

import numpy as np
import pytest

import refneuron as rn
from refneuron.models.norse.lif import lif_update

from ..._oracle import assert_conform
from ._norse import run_functional, run_module

# Hand values below are decimal; the float64 evaluation of the same formula
# differs from the decimal result by a few ulp (|values| <= 10, so <= ~1e-14).
HAND_RTOL = 1e-13


def test_hand_steps_defaults():
    # defaults: dt*tau_mem_inv = 0.1, dt*tau_syn_inv = 0.2, v_th = 1, v_leak = v_reset = 0; x = 3 each step
    # t=1: I* = 3,    v* = 0 + 0.1*(0 + 3)          = 0.3,   i = 3*0.8    = 2.4
    # t=2: I* = 5.4,  v* = 0.3 + 0.1*(-0.3 + 5.4)   = 0.81,  i = 5.4*0.8  = 4.32
    # t=3: I* = 7.32, v* = 0.81 + 0.1*(-0.81+7.32)  = 1.461 > 1: z = 1, v = 0, i = 5.856
    # t=4: I* = 8.856, v* = 0 + 0.1*8.856           = 0.8856, i = 7.0848
    res = rn.norse.LIF().run(np.full((4, 1), 3.0))
    np.testing.assert_array_equal(res.output[:, 0], [0, 0, 1, 0])
    np.testing.assert_allclose(res.states["v"][:, 0], [0.3, 0.81, 0.0, 0.8856], rtol=HAND_RTOL)
    np.testing.assert_allclose(res.states["i"][:, 0], [2.4, 4.32, 5.856, 7.0848], rtol=HAND_RTOL)
    assert res.states["v"][2, 0] == 0.0  # (1 - 1)*v* + 1*v_reset is exactly v_reset


def test_input_reaches_v_in_the_same_step():
    # a single pulse: LIF's v moves at t=1 (LSNN's only at t=2, see test_lsnn.py)
    res = rn.norse.LIF().run(np.array([[5.0], [0.0]]))
    assert res.states["v"][0, 0] == pytest.approx(0.5, rel=HAND_RTOL)


def test_strict_threshold():
    # v* == v_th exactly does not fire (H> is strict): dt*tau_mem_inv = 0.5, x = 2 from v = 0 gives v* = 1
    res = rn.norse.LIF(tau_mem_inv=500.0).run(np.array([[2.0]]))
    assert res.states["v"][0, 0] == 1.0 and res.output[0, 0] == 0.0


def test_recurrent_hand_steps():
    # n_in = 1, n_out = 2, W_in = [[1], [2]], W_rec = [[0, 10], [0, 0]] (neuron 1 excites neuron 0), x = [6, 0]
    # t=1: I* = [6, 12], v* = [0.6, 1.2] -> z = [0, 1], v = [0.6, 0], i = [4.8, 9.6]
    # t=2: I* = [4.8 + 10*1, 9.6] = [14.8, 9.6], v* = [0.6 + 0.1*(-0.6 + 14.8), 0.96] = [2.02, 0.96]
    #      -> z = [1, 0], v = [0, 0.96], i = [11.84, 7.68]
    model = rn.norse.LIFRecurrent(input_weights=[[1.0], [2.0]], recurrent_weights=[[0.0, 10.0], [0.0, 0.0]])
    res = model.run(np.array([[6.0], [0.0]]))
    np.testing.assert_array_equal(res.output, [[0, 1], [1, 0]])
    np.testing.assert_allclose(res.states["v"], [[0.6, 0.0], [0.0, 0.96]], rtol=HAND_RTOL)
    np.testing.assert_allclose(res.states["i"], [[4.8, 9.6], [11.84, 7.68]], rtol=HAND_RTOL)
    np.testing.assert_array_equal(res.states["z"], res.output)


def test_autapses_zero_the_diagonal_of_a_copy():
    w_rec = np.array([[5.0, 1.0], [1.0, 5.0]])
    keep = w_rec.copy()
    without = rn.norse.LIFRecurrent(input_weights=np.ones((2, 1)), recurrent_weights=w_rec)
    with_ = rn.norse.LIFRecurrent(input_weights=np.ones((2, 1)), recurrent_weights=w_rec, autapses=True)
    np.testing.assert_array_equal(without.recurrent_weights, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(with_.recurrent_weights, keep)
    np.testing.assert_array_equal(w_rec, keep)  # the caller's array is never written (row 19)


def test_reset_gradient_path_recorded():
    # lif_feed_forward_step keeps the reset in the graph, lif_step detaches it (models §4.1)
    assert rn.norse.LIF.reset_detached is False
    assert rn.norse.LIFRecurrent.reset_detached is True


def test_update_same_on_scalars_and_arrays():
    # one definition for arrays and scalars (Brian2 #1110): bitwise equal element by element
    rng = np.random.default_rng(1)
    v, ij = rng.normal(0.5, 0.5, 200), rng.normal(2.0, 3.0, 200)
    args = (200.0, 100.0, 0.1, 1.0, -0.2, 0.001)
    za, va, ia = lif_update(v, ij, *args)
    for k in range(200):
        zs, vs, is_ = lif_update(float(v[k]), float(ij[k]), *args)
        assert (zs, vs, is_) == (za[k], va[k], ia[k])
    assert 0 < za.sum() < 200


@pytest.mark.frameworks
def test_module_float32_initial_state_quirk():
    # norse's LIF module builds v = v_leak as a float32 tensor (quirk norse_lif_float32_initial_state).
    # At the first step torch's promotion rule (a 0-dim float64 tensor does not promote a
    # dimensioned float32 one) makes `v_leak - v` a float32 difference of float32(v_leak) and
    # float32(v_leak); from the second step on everything is float64.  So the module equals
    # refneuron started from v = float32(v_leak) whose first step uses v_leak = float32(v_leak).
    model = rn.norse.LIF(v_leak=0.1)
    x = np.random.default_rng(3).normal(0.5, 1.0, size=(60, 4))
    z_ref, s_ref = run_module(model, x)
    v32 = float(np.float32(0.1))
    z1, st1 = model.replace(v_leak=v32).step({"v": np.full(4, v32), "i": np.zeros(4)}, x[0])
    rest = model.run(x[1:], state=st1)
    spikes = np.concatenate([z1[None], rest.output])
    v = np.concatenate([st1.v[None], rest.states["v"]])
    assert z_ref.sum() > 20
    assert_conform("norse.LIF module float32 v0 spikes", z_ref, spikes, spikes=True)
    assert_conform("norse.LIF module float32 v0 v", s_ref["v"], v)
    exact = model.run(x)  # from the exact float64 v_leak: differs by 0.1*|0.1 - float32(0.1)| = 1.5e-10
    assert abs(exact.states["v"][0, 0] - s_ref["v"][0, 0]) > 1e-10


@pytest.mark.frameworks
def test_recurrent_functional_with_autapses():
    # lif_step called directly uses the diagonal: refneuron with autapses=True agrees
    rng = np.random.default_rng(4)
    w_in, w_rec = rng.normal(0, 0.8, (5, 3)), rng.normal(0, 1.0, (5, 5))
    model = rn.norse.LIFRecurrent(input_weights=w_in, recurrent_weights=w_rec, autapses=True)
    x = rng.normal(1.0, 1.0, size=(80, 2, 3))
    res = model.run(x)
    z_ref, s_ref = run_functional(model, x, model.initial_state((2, 5)))
    assert z_ref.sum() > 50
    assert_conform("norse.LIFRecurrent autapses spikes", z_ref, res.output, spikes=True)
    for n in ("v", "i"):
        assert_conform(f"norse.LIFRecurrent autapses {n}", s_ref[n], res.states[n])


@pytest.mark.frameworks
def test_norse_float32_defaults_explain_the_float64_harness():
    # models §0.2: norse's default parameters are 0-dim float32 tensors, so dt*tau_mem_inv is the
    # float32 product 0.1f = 0.10000000149...; with float64 inputs the state then differs from the
    # exact-decimal reference by ~1e-9 relative.  With float64 0-dim parameters (the harness) it is exact.
    import torch
    from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step

    x = torch.full((1,), 3.0, dtype=torch.float64)
    s = LIFFeedForwardState(v=torch.zeros(1, dtype=torch.float64), i=torch.zeros(1, dtype=torch.float64))
    _, s32 = lif_feed_forward_step(x, s, LIFParameters(), dt=0.001)
    ours = rn.norse.LIF().run(np.full((1, 1), 3.0)).states["v"][0, 0]
    assert float(s32.v[0]) == 3.0 * float(np.float32(0.1))
    assert 1e-9 < abs(float(s32.v[0]) - ours) < 1e-8
