"""Conformance of every spikingjelly model with spikingjelly 2.0.0 in float64.

Randomised, seeded sweeps over every option (hard reset at 0 and elsewhere,
soft reset, decay_input, scale_reset, threshold_related, every activation,
surrogates with spiking=False, learnable scalars, several shapes, default and
assigned initial states).  Spikes must be identical; states and analog
outputs agree within ``STATE_ATOL`` (the same operations in the same order
give round-off-level agreement, measured values are printed at the end of
pytest; analog outputs pass through torch's vectorised sigmoid/tanh, which
differ from NumPy's by 1 ulp).
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import refneuron as rn
from refneuron.surrogates import Sigmoid

from ..._oracle import assert_conform
from ._sj import run_node

SHAPES = [(7,), (3, 4), (2, 3, 2)]
T = 60


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _reset(rng, kind, v_threshold, low=-0.5):
    """v_reset for a reset kind: 0.0, a random value below threshold, or None (soft)."""
    if kind == "hard0":
        return 0.0
    if kind == "hard":
        return float(rng.uniform(low, min(0.0, v_threshold) - 0.05))
    return None


def _check_case(model, x, rng, key, *, give_state, analog=False, min_spikes=5):
    """Run both, compare, and return the refneuron result."""
    names = model.State.names()
    state0 = None
    if give_state:
        v0 = rng.uniform(-0.3, float(model.v_threshold), size=x.shape[1:])
        state0 = {"v": v0}
        if "w" in names:
            state0["w"] = rng.normal(0.0, 0.2, size=x.shape[1:])
    y_ref, traces_ref = run_node(model, x, state0)
    res = model.run(x, state=state0)
    for n in names:
        assert np.all(np.isfinite(traces_ref[n])), f"{key}: the framework diverged; the sweep must stay finite"
    if analog or not model.spiking:
        assert_conform(f"{key} output", y_ref, res.output)
    else:
        assert int(np.sum(y_ref)) >= min_spikes, f"{key}: input must make the neurons fire"
        assert_conform(f"{key} spikes", y_ref, res.output, spikes=True)
    for n in names:
        assert_conform(f"{key} {n}", traces_ref[n], res.states[n])
    if _bitwise(model):
        # Only +, -, *, / (IEEE correctly rounded in torch and NumPy alike) in the
        # framework's order: the traces must be identical, which also pins the
        # association order (an algebraically equal reordering differs by ulps).
        for n in names:
            np.testing.assert_array_equal(res.states[n], traces_ref[n], err_msg=f"{key} {n}: not bitwise")
        np.testing.assert_array_equal(res.output, y_ref, err_msg=f"{key}: output not bitwise")
    return res


def _bitwise(model):
    """True where no transcendental function is evaluated per step (EIF's exp,
    the spiking=False sigmoid, LIAF's sigmoid/tanh can differ by 1 ulp)."""
    if model.name == "spikingjelly.EIF" or not model.spiking:
        return False
    return getattr(model, "act", "relu") not in ("sigmoid", "tanh")


RESETS = ["hard0", "hard", "soft"]


def _lif_drive(rng, model, shape, k=None):
    """Input whose mean just exceeds the rheobase of a LIF-type model, so that
    it fires often but not at every step: the steady state is V_r' + X
    (decay_input) or V_r' + tau*X."""
    inv_tau = (1.0 / model.tau) if k is None else k
    gap = model.v_threshold - model.v_leak
    mean = 1.15 * gap * (1.0 if model.decay_input else inv_tau)
    return rng.normal(mean, 0.8 * max(mean, 0.2), size=(T, *shape))
SPIKING = [True, False]


def _surrogate(rng, spiking):
    return Sigmoid(alpha=float(rng.choice([4.0, 2.5])), spiking=spiking)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,spiking", list(itertools.product(RESETS, SPIKING)))
def test_if(reset, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("IF", reset, spiking, i)
        theta = float(rng.uniform(0.5, 1.5))
        model = rn.spikingjelly.IF(
            v_threshold=theta, v_reset=_reset(rng, reset, theta), surrogate_function=_surrogate(rng, spiking)
        )
        # multiples of 0.25 make exact threshold ties frequent (>= fires on them)
        x = np.round(rng.normal(0.2, 0.5, size=(T, *shape)) * 4) / 4
        _check_case(model, x, rng, f"spikingjelly.IF reset={reset} spiking={spiking}", give_state=i % 2 == 1)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,decay_input,spiking", list(itertools.product(RESETS, [True, False], SPIKING)))
def test_lif(reset, decay_input, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("LIF", reset, decay_input, spiking, i)
        theta = float(rng.uniform(0.5, 1.5))
        model = rn.spikingjelly.LIF(
            tau=float(rng.uniform(1.2, 6.0)),
            decay_input=decay_input,
            v_threshold=theta,
            v_reset=_reset(rng, reset, theta),
            surrogate_function=_surrogate(rng, spiking),
        )
        x = _lif_drive(rng, model, shape)
        key = f"spikingjelly.LIF reset={reset} decay_input={decay_input} spiking={spiking}"
        _check_case(model, x, rng, key, give_state=i % 2 == 0)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "reset,decay_input,spiking,given_w", list(itertools.product(RESETS, [True, False], SPIKING, [False, True]))
)
def test_parametric_lif(reset, decay_input, spiking, given_w):
    for i, shape in enumerate(SHAPES):
        rng = _rng("PLIF", reset, decay_input, spiking, given_w, i)
        theta = float(rng.uniform(0.5, 1.5))
        model = rn.spikingjelly.ParametricLIF(
            init_tau=float(rng.uniform(1.2, 6.0)),
            decay_input=decay_input,
            v_threshold=theta,
            v_reset=_reset(rng, reset, theta),
            surrogate_function=_surrogate(rng, spiking),
            w=float(rng.normal(-1.0, 1.0)) if given_w else None,
        )
        x = _lif_drive(rng, model, shape, k=model.k)
        key = f"spikingjelly.ParametricLIF reset={reset} decay_input={decay_input} spiking={spiking}"
        _check_case(model, x, rng, key, give_state=i % 2 == 1)


def _qif_eif_resets(rng, reset, theta, v_rest):
    if reset == "hard0":
        return -0.1  # the framework default
    if reset == "hard":
        return float(rng.uniform(-0.6, min(theta, v_rest) - 0.01))
    return None


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,spiking", list(itertools.product(RESETS, SPIKING)))
def test_qif(reset, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("QIF", reset, spiking, i)
        theta = float(rng.uniform(0.9, 1.3))
        v_rest = float(rng.uniform(-0.1, 0.1))
        model = rn.spikingjelly.QIF(
            tau=float(rng.uniform(1.5, 4.0)),
            v_c=float(rng.uniform(0.5, 0.8)),
            a0=float(rng.uniform(0.5, 1.5)),
            v_threshold=theta,
            v_rest=v_rest,
            v_reset=_qif_eif_resets(rng, reset, theta, v_rest),
            surrogate_function=_surrogate(rng, spiking),
        )
        x = rng.normal(0.3, 0.4, size=(T, *shape))
        _check_case(model, x, rng, f"spikingjelly.QIF reset={reset} spiking={spiking}", give_state=i % 2 == 0)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,spiking", list(itertools.product(RESETS, SPIKING)))
def test_eif(reset, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("EIF", reset, spiking, i)
        theta = float(rng.uniform(0.9, 1.3))
        v_rest = float(rng.uniform(-0.1, 0.1))
        model = rn.spikingjelly.EIF(
            tau=float(rng.uniform(1.5, 4.0)),
            delta_T=float(rng.uniform(0.3, 1.5)),
            theta_rh=float(rng.uniform(0.5, 0.9)),
            v_threshold=theta,
            v_rest=v_rest,
            v_reset=_qif_eif_resets(rng, reset, theta, v_rest),
            surrogate_function=_surrogate(rng, spiking),
        )
        x = rng.normal(0.6, 0.4, size=(T, *shape))  # above the rheobase of every draw
        _check_case(model, x, rng, f"spikingjelly.EIF reset={reset} spiking={spiking}", give_state=i % 2 == 1)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset,spiking", list(itertools.product(RESETS, SPIKING)))
def test_izhikevich(reset, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("Izhikevich", reset, spiking, i)
        theta = float(rng.uniform(0.9, 1.3))
        model = rn.spikingjelly.Izhikevich(
            tau=float(rng.uniform(1.5, 4.0)),
            v_c=float(rng.uniform(0.5, 0.8)),
            a0=float(rng.uniform(0.5, 1.5)),
            v_threshold=theta,
            v_reset=_reset(rng, reset, theta),
            v_rest=float(rng.uniform(-0.2, 0.0)),
            w_rest=float(rng.uniform(-0.1, 0.1)),
            tau_w=float(rng.uniform(1.5, 6.0)),
            a=float(rng.uniform(0.0, 0.5)),
            b=float(rng.uniform(0.0, 0.3)),
            surrogate_function=_surrogate(rng, spiking),
        )
        x = rng.normal(0.5, 0.5, size=(T, *shape))
        key = f"spikingjelly.Izhikevich reset={reset} spiking={spiking}"
        _check_case(model, x, rng, key, give_state=i % 2 == 0)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "act,threshold_related", list(itertools.product(rn.spikingjelly.ACTIVATIONS, [True, False]))
)
def test_liaf(act, threshold_related):
    for i, (shape, reset) in enumerate(zip(SHAPES, RESETS)):
        rng = _rng("LIAF", act, threshold_related, i)
        theta = float(rng.uniform(0.5, 1.5))
        decay_input = bool(i % 2)
        model = rn.spikingjelly.LIAF(
            act=act,
            threshold_related=threshold_related,
            tau=float(rng.uniform(1.2, 6.0)),
            decay_input=decay_input,
            v_threshold=theta,
            v_reset=_reset(rng, reset, theta),
            surrogate_function=_surrogate(rng, i != 2),  # the last case: spiking=False
        )
        x = _lif_drive(rng, model, shape)
        key = f"spikingjelly.LIAF act={act} threshold_related={threshold_related}"
        res = _check_case(model, x, rng, key, give_state=i == 1, analog=True)
        assert np.unique(res.output).size > 2, "the output must be analog"


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "reset,scale_reset,decay_input,spiking",
    list(itertools.product(RESETS, [False, True], [True, False], SPIKING)),
)
def test_klif(reset, scale_reset, decay_input, spiking):
    for i, shape in enumerate(SHAPES):
        rng = _rng("KLIF", reset, scale_reset, decay_input, spiking, i)
        theta = float(rng.uniform(0.5, 1.5))
        model = rn.spikingjelly.KLIF(
            scale_reset=scale_reset,
            tau=float(rng.uniform(1.2, 6.0)),
            decay_input=decay_input,
            v_threshold=theta,
            v_reset=_reset(rng, reset, theta),
            surrogate_function=_surrogate(rng, spiking),
            k=[1.0, float(rng.uniform(0.4, 0.9)), float(rng.uniform(1.1, 2.5))][i],
        )
        x = _lif_drive(rng, model, shape) / model.k  # KLIF fires on k*H
        key = f"spikingjelly.KLIF reset={reset} scale_reset={scale_reset} decay_input={decay_input} spiking={spiking}"
        _check_case(model, x, rng, key, give_state=i % 2 == 1)


# --- single-step and multi-step modes give the same recurrence ------------------------


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "model",
    [
        rn.spikingjelly.IF(v_reset=None),
        rn.spikingjelly.LIF(tau=3.0, decay_input=False, v_reset=-0.2),
        rn.spikingjelly.ParametricLIF(init_tau=3.0),
        rn.spikingjelly.QIF(),
        rn.spikingjelly.EIF(v_reset=None),
        rn.spikingjelly.Izhikevich(a=0.3, b=0.2),
        rn.spikingjelly.KLIF(scale_reset=True, k=1.5, v_reset=None),
        rn.spikingjelly.LIAF(act="tanh", threshold_related=False),
    ],
    ids=lambda m: m.name,
)
def test_multi_step_mode(model):
    rng = _rng("m", model.name)
    x = rng.normal(0.5, 0.6, size=(40, 3, 4))
    y_m, v_seq, final = run_node(model, x, step_mode="m")
    res = model.run(x)
    assert_conform(f"{model.name} 'm' output", y_m, res.output, spikes=model.output_kind == "spikes")
    assert_conform(f"{model.name} 'm' v", v_seq["v"], res.states["v"])
    for n in model.State.names():
        assert_conform(f"{model.name} 'm' final {n}", final[n], getattr(res.final_state, n))


# --- EIF overflow (bad-inputs row 6): inf, then NaN, as the framework ---------------------


@pytest.mark.frameworks
@pytest.mark.parametrize("v_reset", [-0.1, None])
def test_eif_overflow_reproduced(v_reset):
    model = rn.spikingjelly.EIF(v_reset=v_reset)
    x = np.zeros((6, 4))
    x[1, 1] = 1500.0  # one huge kick: soft reset keeps the membrane high, exp overflows
    v0 = np.array([0.0, 0.0, 800.0, 0.5])  # (800 - 0.8)/1 > 709.78: exp overflows at once
    y_ref, traces_ref = run_node(model, x, {"v": v0})
    with pytest.warns(rn.errors.NonFiniteStateWarning, match="non-finite"):
        res = model.run(x, state={"v": v0})
    assert not np.all(np.isfinite(traces_ref["v"])), "the framework must overflow in this probe"
    np.testing.assert_array_equal(res.output, y_ref)  # NaN positions compare equal
    np.testing.assert_array_equal(res.states["v"], traces_ref["v"])
    # first non-finite state: step 0, neuron 2 (exp(799.2) = inf; hard: V_r + 0*inf = NaN; soft: inf - 1)
    assert res.nonfinite == (0, "v", (2,))
    assert res.output[0, 2] == 1.0  # H = inf fires
    assert np.all(res.output[2:, 2] == 0.0)  # a NaN membrane never fires again
