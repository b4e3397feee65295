"""snntorch ``state_quant``: where the quantiser is applied, hand-computed
steps, conformance with snntorch 1.0.0 in float64, and refusals (bad
callables, backward pass, compiled kernels)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import BackendUnavailable, InputTypeError, ShapeError

from ..._oracle import assert_conform, float64_default
from ._framework import min_margin, snntorch_run

MODELS = {
    "Leaky": (dict(beta=0.8), ("mem",)),
    "Synaptic": (dict(alpha=0.7, beta=0.8), ("syn", "mem")),
    "Lapicque": (dict(beta=0.8), ("mem",)),
    "Alpha": (dict(alpha=0.9, beta=0.8), ("syn_exc", "syn_inh", "mem")),
}


def quarter(a):
    """Round to the nearest multiple of 1/4 (NumPy's half-to-even on ties)."""
    return np.round(a * 4.0) / 4.0


def double(a):
    """Not idempotent: shows every place the quantiser is applied."""
    return 2.0 * a


# --- hand-computed steps (no framework needed) ------------------------------------------


def test_leaky_rounding_by_hand():
    # beta = 0.5, theta = 1, subtract, delayed reset, q = round to 1/4 (every value exact):
    # t0: M = 0.3 -> q = 0.25, q(q) = 0.25 < 1: S = 0
    # t1: M = 0.5*0.25 + 0.9 = 1.025 -> q = 1.0; 1.0 - 1 > 0 is false: S = 0
    #     (without the quantiser U = 1.05 would fire)
    # t2: M = 0.5*1.0 + 0.7 = 1.2 -> q = 1.25 (4.8 rounds to 5): S = 1
    # t3: R = 1, M = 0.5*1.25 + 0 - 1 = -0.375 -> q = -0.5 (-1.5 rounds half to even, -2): S = 0
    x = np.array([0.3, 0.9, 0.7, 0.0])[:, None]
    res = rn.snntorch.Leaky(beta=0.5, state_quant=quarter).run(x)
    np.testing.assert_array_equal(res.output[:, 0], [0, 0, 1, 0])
    np.testing.assert_array_equal(res.states["mem"][:, 0], [0.25, 1.0, 1.25, -0.5])
    plain = rn.snntorch.Leaky(beta=0.5).run(x)
    assert plain.output[1, 0] == 1  # the quantiser is what kept t1 silent


def test_scalar_neuron_shape():
    # inputs (T,): neuron shape (), where NumPy hands the quantiser 0-d arrays and
    # its arithmetic returns float64 scalars; same first two steps as above
    res = rn.snntorch.Leaky(beta=0.5, state_quant=quarter).run(np.array([0.3, 0.9]))
    np.testing.assert_array_equal(res.states["mem"], [0.25, 1.0])
    np.testing.assert_array_equal(res.output, [0.0, 0.0])


def test_leaky_fire_quantises_again():
    # q(a) = 2a, beta = 0.5, theta = 1, one input 0.375:
    # stored U = q(0.375) = 0.75; fire compares q(q(0.375)) = 1.5 > 1: S = 1
    x = np.array([[0.375]])
    res = rn.snntorch.Leaky(beta=0.5, state_quant=double).run(x)
    assert res.output[0, 0] == 1.0 and res.states["mem"][0, 0] == 0.75
    # reset_delay=False: D = S - R = 1, U = 0.75 - 1 = -0.25 (the reset is not quantised)
    res = rn.snntorch.Leaky(beta=0.5, state_quant=double, reset_delay=False).run(x)
    assert res.output[0, 0] == 1.0 and res.states["mem"][0, 0] == -0.25
    # zero reset with reset_delay=False: U = 0.75 - 1 * 0.75 = 0
    res = rn.snntorch.Leaky(beta=0.5, state_quant=double, reset_delay=False, reset_mechanism="zero").run(x)
    assert res.output[0, 0] == 1.0 and res.states["mem"][0, 0] == 0.0


def test_inhibition_fires_from_the_once_quantised_membrane():
    # fire_inhibition does not quantise: q(0.375) = 0.75 < 1, no spike; neuron shape (batch 1, n 1)
    x = np.array([[[0.375]]])
    res = rn.snntorch.Leaky(beta=0.5, state_quant=double, inhibition=True).run(x)
    assert res.output[0, 0, 0] == 0.0 and res.states["mem"][0, 0, 0] == 0.75


def test_synaptic_quantises_current_and_membrane_by_hand():
    # q(a) = 2a, alpha = beta = 0.5, theta = 1, x = [0.25, 0]:
    # t0: I = 0.25, M = 0.25 -> stored syn 0.5, mem 0.5; fire q(0.5) = 1.0, not > 1: S = 0
    # t1: R = 0, I = 0.5*0.5 = 0.25 -> 0.5, M = 0.5*0.5 + 0.25 = 0.5 -> 1.0; fire q(1.0) = 2: S = 1
    x = np.array([0.25, 0.0])[:, None]
    res = rn.snntorch.Synaptic(alpha=0.5, beta=0.5, state_quant=double).run(x)
    np.testing.assert_array_equal(res.output[:, 0], [0, 1])
    np.testing.assert_array_equal(res.states["syn"][:, 0], [0.5, 0.5])
    np.testing.assert_array_equal(res.states["mem"][:, 0], [0.5, 1.0])


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("inhibition", [False, True])
def test_order_of_calls(name, inhibition):
    # snntorch's order: the new states in the order of its forward, then the membrane
    # once more in fire (not in fire_inhibition); a recording identity shows it
    kwargs, names = MODELS[name]
    order = {"Synaptic": ("mem", "syn"), "Alpha": ("syn_exc", "syn_inh", "mem")}.get(name, ("mem",))
    calls = []

    def record(a):
        calls.append(a.copy())
        return a

    rng = np.random.default_rng(5)
    x = rng.normal(0.5, 1.0, size=(1, 2, 3))
    state0 = {n: rng.normal(0, 1, size=(2, 3)) for n in names}
    model = getattr(rn.snntorch, name)(**kwargs, state_quant=record, inhibition=inhibition)
    y, state = model.step(state0, x[0])
    expected = [getattr(state, n) for n in order] + ([] if inhibition else [state.mem])
    assert len(calls) == len(expected)
    for got, want in zip(calls, expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(MODELS))
def test_identity_quantiser_changes_nothing(name):
    # q = identity must reproduce state_quant=False bit for bit (the option only inserts calls)
    kwargs, names = MODELS[name]
    rng = np.random.default_rng(6)
    x = rng.normal(0.4, 1.0, size=(50, 9))
    ref = getattr(rn.snntorch, name)(**kwargs).run(x)
    got = getattr(rn.snntorch, name)(**kwargs, state_quant=lambda a: a).run(x)
    assert ref.output.sum() > 0
    np.testing.assert_array_equal(got.output, ref.output)
    for n in names:
        np.testing.assert_array_equal(got.states[n], ref.states[n])


# --- conformance with snntorch 1.0.0 ------------------------------------------------

# Quantisers: snntorch's own (snntorch.functional.quant.state_quant, uniform and
# non-uniform levels) and an affine map that is not idempotent (so the second
# application in fire matters).  Each is given to snntorch as the torch callable
# and to refneuron wrapped for NumPy: the same computation on the same values.
QUANTS = ["uniform4", "nonuniform5", "affine"]


def _quantisers(kind, threshold, name):
    import torch
    from snntorch.functional import quant

    if kind == "affine":
        return (lambda t: 0.875 * t + 0.0625), (lambda a: 0.875 * a + 0.0625)
    # Alpha's currents settle far outside snntorch's default level range [-theta, 1.2 theta]
    # (E -> X/(1 - alpha), N -> -X/(1 - beta)), which would clamp them and silence the neuron
    limits = dict(lower_limit=2.0, upper_limit=3.0) if name == "Alpha" else {}
    # built under a float64 default dtype, so the levels are float64 (a float32 level
    # tensor makes snntorch's states float32; see refneuron/models/snntorch/_common.py)
    with float64_default():
        if kind == "uniform4":
            q = quant.state_quant(num_bits=4, uniform=True, threshold=threshold, **limits)
        else:
            q = quant.state_quant(num_bits=5, uniform=False, threshold=threshold, **limits)

    def q_numpy(a):
        with torch.no_grad():
            return q(torch.from_numpy(a)).numpy()

    return q, q_numpy


def _drive(name, rng, shape, T):
    if name == "Lapicque":  # beta = 0.8 gives R = 1, so U tends to X
        return rng.normal(2.5, 1.0, size=(T, *shape))
    if name == "Alpha":  # gain c (1/(1-a) - 1/(1-b)) = 9.5 for a = 0.9, b = 0.8
        return rng.normal(0.6, 0.3, size=(T, *shape))
    return rng.normal(0.3, 0.6, size=(T, *shape))


SNN_CASES = (
    [("Leaky", r, d, q) for r, d, q in itertools.product(["subtract", "zero", "none"], [True, False], QUANTS)]
    + [("Synaptic", r, d, q) for r, d, q in itertools.product(["subtract", "zero", "none"], [True, False], QUANTS)]
    + [("Lapicque", r, None, q) for r, q in itertools.product(["subtract", "zero", "none"], QUANTS)]
    + [("Alpha", r, None, q) for r, q in itertools.product(["zero", "subtract", "none"], QUANTS)]
)


@pytest.mark.frameworks
@pytest.mark.parametrize("name,reset,delay,qkind", SNN_CASES)
def test_conformance(name, reset, delay, qkind):
    idx = SNN_CASES.index((name, reset, delay, qkind))
    rng = np.random.default_rng(4000 + idx)
    shape = [(7,), (3, 5)][idx % 2]
    T = 60
    kwargs, names = MODELS[name]
    threshold = [1.0, 0.7][idx % 2]  # float32-representable or not
    kwargs = dict(kwargs, threshold=threshold, reset_mechanism=reset)
    if delay is not None:
        kwargs["reset_delay"] = delay
    q_torch, q_numpy = _quantisers(qkind, threshold, name)
    x = _drive(name, rng, shape, T)
    state0 = {n: rng.normal(0, 0.5, size=shape) for n in names}
    spk_ref, ref = snntorch_run(name, dict(kwargs, state_quant=q_torch), x, state0, names)
    res = getattr(rn.snntorch, name)(**kwargs, state_quant=q_numpy).run(x, state=state0)
    key = f"snntorch.{name} state_quant={qkind}"
    assert spk_ref.sum() > 0.05 * spk_ref.size, "input must make the neurons fire often"
    assert 0 < spk_ref.sum() < spk_ref.size
    assert_conform(key + " spikes", spk_ref, res.output, spikes=True)
    for n in names:
        assert_conform(f"{key} {n}", ref[n], res.states[n])
    if qkind != "affine":
        # the stored states are quantiser levels: the quantiser really acted
        unq = getattr(rn.snntorch, name)(**kwargs).run(x, state=state0)
        assert np.max(np.abs(unq.states["mem"] - res.states["mem"])) > 1e-3
    # no near-tie decided a spike (the compared value is q(q(U)) = q(U) for a quantiser's
    # levels, 0.875 q(U) + 0.0625 for the affine map)
    compared = 0.875 * res.states["mem"] + 0.0625 if qkind == "affine" else res.states["mem"]
    if delay is False and reset != "none":
        return  # stored U is post-reset; the compared value is not recoverable from it
    assert min_margin(compared, threshold) > 1e-9


@pytest.mark.frameworks
@pytest.mark.parametrize("name", list(MODELS))
def test_conformance_inhibition(name):
    rng = np.random.default_rng(90)
    shape = (4, 6)
    kwargs, names = MODELS[name]
    kwargs = dict(kwargs, inhibition=True)
    q_torch, q_numpy = _quantisers("affine", 1.0, name)
    x = _drive(name, rng, shape, 50)
    zeros = {n: np.zeros(shape) for n in names}
    with pytest.warns(UserWarning):
        spk_ref, ref = snntorch_run(name, dict(kwargs, state_quant=q_torch), x, zeros, names)
    res = getattr(rn.snntorch, name)(**kwargs, state_quant=q_numpy).run(x)
    key = f"snntorch.{name} state_quant inhibition"
    assert_conform(key + " spikes", spk_ref, res.output, spikes=True)
    for n in names:
        assert_conform(f"{key} {n}", ref[n], res.states[n])
    assert np.all(res.output.sum(axis=2) <= 1) and res.output.sum() > 10


# --- refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("bad", ["round", True, 1.0, np.array([1.0])])
def test_state_quant_must_be_callable(name, bad):
    kwargs, _ = MODELS[name]
    with pytest.raises(InputTypeError, match="state_quant: must be False, None or a callable"):
        getattr(rn.snntorch, name)(**kwargs, state_quant=bad)


@pytest.mark.parametrize("name", list(MODELS))
def test_none_means_off(name):
    kwargs, _ = MODELS[name]
    assert getattr(rn.snntorch, name)(**kwargs, state_quant=None).state_quant is False
    assert getattr(rn.snntorch, name)(**kwargs).state_quant is False


@pytest.mark.parametrize(
    "q,exc,fragment",
    [
        (lambda a: a.astype(np.float32), InputTypeError, "must return a float64 NumPy array"),
        (lambda a: a.tolist(), InputTypeError, "must return a float64 NumPy array"),
        (lambda a: a.ravel()[:1], ShapeError, "must return an array of the input's shape"),
    ],
)
def test_bad_quantiser_output(q, exc, fragment):
    with pytest.raises(exc, match=f"state_quant: {fragment}"):
        rn.snntorch.Leaky(beta=0.5, state_quant=q).run(np.ones((3, 4)))


def test_quantiser_cannot_alter_stored_state():
    # an in-place quantiser receives a copy: the stored membrane is q(U), not q(q(U))
    def in_place(a):
        a *= 2.0
        return a

    res = rn.snntorch.Leaky(beta=0.5, state_quant=in_place).run(np.array([[0.375]]))
    assert res.states["mem"][0, 0] == 0.75 and res.output[0, 0] == 1.0


@pytest.mark.parametrize("name", list(MODELS))
def test_no_backward_pass(name):
    kwargs, _ = MODELS[name]
    model = getattr(rn.snntorch, name)(**kwargs, state_quant=quarter)
    x = np.ones((3, 2))
    with pytest.raises(NotImplementedError, match="state_quant"):
        rn.gradients.vjp(model, x, {"output": np.ones((3, 2))})


@pytest.mark.parametrize("name", list(MODELS))
def test_no_compiled_kernel(name):
    # the kernels cannot call a Python callable; they must refuse, not ignore it
    kwargs, _ = MODELS[name]
    model = getattr(rn.snntorch, name)(**kwargs, state_quant=quarter)
    with pytest.raises(BackendUnavailable, match="state_quant"):
        model.run(np.ones((3, 2)), backend="cpu")
    with pytest.raises(BackendUnavailable, match="state_quant"):
        rn.gradients.vjp(model, np.ones((3, 2)), {"output": np.ones((3, 2))}, backend="cpu")
