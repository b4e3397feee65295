"""norse LIFAdEx, LIFAdExRecurrent and the LIFAdEx current encoder:
hand-computed steps, the encoder's divergence, and model-specific checks
against norse 1.1.0 (the randomised sweeps are in test_conformance.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import NonFiniteStateWarning, UnstableDiscretisationWarning
from refneuron.models.norse.lif_adex import lif_adex_encoder_update, lif_adex_update

from ..._oracle import assert_conform
from ._norse import run_functional

# Hand values are evaluated with math.exp in the spec's order; math.exp and NumPy's exp
# differ by at most 1 ulp, which a few operations carry to a few ulp of O(1) values.
HAND_RTOL = 1e-14


def test_hand_steps_defaults():
    # defaults: kappa = 4, b = 0.02, delta_T = 0.5, dt*tau_ada_inv = 0.002, dt*tau_mem_inv = 0.1,
    # dt*tau_syn_inv = 0.2, v_th = 1, v_leak = v_reset = 0; x = 3, then 10
    # t=1: I* = 3, v* = 0.1*((0 + 0.5 e^{-2}) + 3) = 0.3 + 0.05 e^{-2} = 0.30676676416183..., i = 2.4,
    #      a = 0 + 0.002*(4*0 - 0) = 0 (uses the old v = 0), z = 0
    # t=2: I* = 12.4, v* = v1 + 0.1*(((-v1) + 0.5 e^{(v1-1)/0.5}) + 12.4 - 0) = 1.5... > 1: z = 1, v = 0,
    #      a = 0 + 0.002*(4*v1 - 0) + 0.02 (old v = v1, then the spike increment)
    res = rn.norse.LIFAdEx().run(np.array([[3.0], [10.0]]))
    v1 = 0.3 + 0.05 * math.exp(-2.0)
    v2 = v1 + 0.1 * (((0.0 - v1) + 0.5 * math.exp((v1 - 1.0) / 0.5)) + 12.4)
    assert v2 > 1.0
    np.testing.assert_array_equal(res.output[:, 0], [0, 1])
    np.testing.assert_allclose(res.states["v"][:, 0], [v1, 0.0], rtol=HAND_RTOL)
    np.testing.assert_allclose(res.states["i"][:, 0], [2.4, 9.92], rtol=HAND_RTOL)
    assert res.states["a"][0, 0] == 0.0
    np.testing.assert_allclose(res.states["a"][1, 0], 0.002 * 4 * v1 + 0.02, rtol=HAND_RTOL)


def test_exponential_uses_v_th_as_rheobase():
    # quirk norse_adex_rheobase: at v = v_th the exponential term is exactly delta_T
    # from v = v_th = 1 with v_leak = 0, i = a = 0, x = 0: v* = 1 + 0.1*((0 - 1) + 0.5) = 0.95
    res = rn.norse.LIFAdEx().run(np.zeros((1, 1)), state={"v": [1.0], "i": [0.0], "a": [0.0]})
    assert res.states["v"][0, 0] == pytest.approx(0.95, rel=HAND_RTOL)


def test_encoder_hand_steps_and_divergence():
    # quirk norse_adex_encoder, defaults, zero input:
    # t=1: v1 = 0 + 0.1*((0 + 0.5 e^{-2}) + 0 - 0) = 0.05 e^{-2} = 0.0067667641618306...,
    #      a1 = 2*(4*(v1 - 0) - 0) + 0 = 0.4 e^{-2} = 0.054134113294645...  (no dt, no "a +")
    # t=2: v2 = v1 + 0.1*(((-v1) + 0.5 e^{(v1-1)/0.5}) - a1), a2 = 2*(4 v2 - a1)
    model = rn.norse.LIFAdExCurrentEncoder()
    res = model.run(np.zeros((20, 1)))
    v, a, z = res.states["v"][:, 0], res.states["a"][:, 0], res.output[:, 0]
    v1 = 0.05 * math.exp(-2.0)
    a1 = 2.0 * (4.0 * v1)
    v2 = v1 + 0.1 * (((0.0 - v1) + 0.5 * math.exp((v1 - 1.0) / 0.5)) - a1)
    a2 = 2.0 * (4.0 * v2 - a1)
    np.testing.assert_allclose([v[0], a[0], v[1], a[1]], [v1, a1, v2, a2], rtol=HAND_RTOL)
    # a is replaced by -2*a + 8*v (+ b on a spike): it alternates in sign from t=2 on and, from
    # t=4 on, grows at least 1.9-fold per step (factor -2 at spike steps, where v_t = 0 exactly;
    # about -2.6 between spikes, the unstable eigenvalue of [[0.9, -0.1], [7.2, -2.8]], the
    # linearisation without the exponential)
    assert np.all(a[1:] * a[:-1] < 0)
    ratios = a[4:] / a[3:-1]
    assert np.all(ratios < -1.9) and np.all(ratios > -3.0)
    for t in np.flatnonzero(z):
        assert v[t] == 0.0
        assert a[t] == -2.0 * a[t - 1] + 0.02  # tau_ada_inv*(4*(0 - 0) - a) + z*b, exact in float64
    assert z.sum() >= 3 and abs(a[9]) > 100.0 and abs(a[19]) > 1e5


def test_encoder_corrected_adaptation_is_stable():
    # corrected: a_t = a + dt*tau_ada_inv*(kappa*(v - v_leak) - a) + z*b with the old v:
    # t=1 from v = 0: a1 = 0 exactly; over 2000 steps of a constant drive a stays bounded
    model = rn.norse.LIFAdExCurrentEncoder(corrected_adaptation=True)
    res = model.run(np.full((2000, 1), 3.0))
    a = res.states["a"][:, 0]
    assert a[0] == 0.0
    assert np.all(np.isfinite(a)) and np.max(np.abs(a)) < 10.0
    assert res.output.sum() > 50


def test_encoder_corrected_equals_lifadex_without_synaptic_filter():
    # With dt*tau_syn_inv = 1 LIFAdEx's current is I* - I* = 0 after every step, so its membrane sees
    # exactly the input of the step, as the encoder's does; with v_reset = 0 both resets give exactly 0
    # ((1 - z) v* + z*0 and v* - z (v* - 0)).  The corrected encoder must then equal LIFAdEx bit for bit.
    rng = np.random.default_rng(11)
    x = rng.normal(4.0, 3.0, size=(300, 5))
    enc = rn.norse.LIFAdExCurrentEncoder(corrected_adaptation=True, adaptation_spike=0.3, tau_ada_inv=20.0)
    with pytest.warns(UnstableDiscretisationWarning, match="tau_syn_inv"):
        adex = rn.norse.LIFAdEx(tau_syn_inv=1000.0, adaptation_spike=0.3, tau_ada_inv=20.0)
    r1, r2 = enc.run(x), adex.run(x)
    assert r1.output.sum() > 100
    np.testing.assert_array_equal(r1.output, r2.output)
    np.testing.assert_array_equal(r1.states["v"], r2.states["v"])
    np.testing.assert_array_equal(r1.states["a"], r2.states["a"])


def test_reset_gradient_path_recorded():
    # none of the three LIFAdEx functions detaches the reset (models §4.2)
    assert not rn.norse.LIFAdEx.reset_detached
    assert not rn.norse.LIFAdExRecurrent.reset_detached
    assert not rn.norse.LIFAdExCurrentEncoder.reset_detached


def test_updates_same_on_scalars_and_arrays():
    # one definition for arrays and scalars (Brian2 #1110); NumPy's exp gives the same bits on a
    # Python float as inside an array, so the comparison is exact
    rng = np.random.default_rng(2)
    v, ij, a = rng.normal(0.5, 0.4, 200), rng.normal(3.0, 4.0, 200), rng.normal(0.0, 0.3, 200)
    args = (200.0, 100.0, 2.0, 0.0, 1.0, 0.0, 0.5, 4.0, 0.02, 0.001)
    full = lif_adex_update(v, ij, a, *args)
    enc_args = (100.0, 2.0, 0.0, 1.0, 0.0, 0.5, 4.0, 0.02, 0.001)
    for corrected in (0, 1):
        enc = lif_adex_encoder_update(v, ij, a, *enc_args, corrected)
        for k in range(200):
            assert lif_adex_encoder_update(float(v[k]), float(ij[k]), float(a[k]), *enc_args, corrected) == tuple(
                e[k] for e in enc
            )
    for k in range(200):
        assert lif_adex_update(float(v[k]), float(ij[k]), float(a[k]), *args) == tuple(f[k] for f in full)
    assert 0 < full[0].sum() < 200


@pytest.mark.frameworks
def test_encoder_conformance_until_overflow():
    # the released encoder diverges; compare with norse while the state stays finite (T = 40 reaches
    # |a| ~ 1e14, so states are compared relative to their size: 1e-12 relative is the STATE_ATOL
    # argument applied to values far from O(1); measured: bitwise equal)
    model = rn.norse.LIFAdExCurrentEncoder()
    x = np.random.default_rng(5).normal(1.0, 1.0, size=(40, 3, 4))
    res = model.run(x)
    z_ref, s_ref = run_functional(model, x, model.initial_state((3, 4)))
    assert np.all(np.isfinite(s_ref["a"])) and np.max(np.abs(s_ref["a"])) > 1e10
    assert_conform("norse.LIFAdExCurrentEncoder spikes", z_ref, res.output, spikes=True)
    for n in ("v", "a"):
        scale = np.maximum(1.0, np.abs(s_ref[n]))
        assert_conform(f"norse.LIFAdExCurrentEncoder {n} (relative)", s_ref[n] / scale, res.states[n] / scale)


@pytest.mark.frameworks
def test_exp_overflow_reproduced_and_reported():
    # bad-inputs row 6: a membrane far above v_th overflows exp to inf, then NaN, as in norse;
    # refneuron reproduces it and reports the first non-finite state
    model = rn.norse.LIFAdEx()
    state = model.State(v=np.array([0.5, 400.0]), i=np.zeros(2), a=np.zeros(2))
    x = np.zeros((3, 2))
    with pytest.warns(NonFiniteStateWarning, match="t=0"):
        res = model.run(x, state=state)
    z_ref, s_ref = run_functional(model, x, state)
    assert res.nonfinite is not None and res.nonfinite[0] == 0
    assert not np.isfinite(res.states["v"][0, 1])
    np.testing.assert_array_equal(res.output, z_ref)  # NaN never fires, inf fires once
    for n in ("v", "i", "a"):
        np.testing.assert_array_equal(res.states[n], s_ref[n])  # NaN positions and finite values alike
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's own overflow warning is silenced in the step
        model._step(state, np.zeros(2))
