"""snntorch Lapicque: the R/C resolution table, hand-computed and tutorial
traces, conformance with snntorch 1.0.0 in float64, and bad input."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import InputTypeError, OptionError, ParameterError, ShapeError, StateError
from refneuron.errors import UnstableDiscretisationWarning
from refneuron.models.snntorch._common import RESET_CODE
from refneuron.models.snntorch.lapicque import lapicque_charge

from ..._oracle import assert_conform
from ._framework import min_margin, snntorch_run

Lapicque = rn.snntorch.Lapicque


# --- resolution of R and C (models §2.3) ------------------------------------------


def test_beta_only_decays_by_one_minus_ln_inverse_beta():
    # R = 1, C = dt/(R ln(1/beta)); decay 1 - dt/(RC) = 1 - ln(1/0.9) = 0.894640 (spec)
    m = Lapicque(beta=0.9)
    R, C = m.resolved()
    assert R == 1.0
    assert C == 1.0 / math.log(1 / 0.9)
    # R*C re-multiplies a rounded quotient: a few ulp from the exact 1 - ln(1/beta)
    assert abs(m.decay - (1 - math.log(1 / 0.9))) < 1e-15
    # the specification quotes 0.894640; 1 - ln(1/0.9) = 0.89463948434...
    assert abs(m.decay - 0.8946395) < 1e-7 and m.decay != 0.9


def test_beta_with_R_or_C():
    R, C = Lapicque(beta=0.8, R=2.0).resolved()
    assert (R, C) == (2.0, 1.0 / (2.0 * math.log(1 / 0.8)))
    R, C = Lapicque(beta=0.8, C=3.0, time_step=0.5).resolved()
    assert (R, C) == (0.5 / (3.0 * math.log(1 / 0.8)), 3.0)
    for m in (Lapicque(beta=0.8, R=2.0), Lapicque(beta=0.8, C=3.0, time_step=0.5)):
        # whatever is derived, the factor is 1 - ln(1/beta), not beta (quirk snntorch_lapicque_decay)
        assert abs(m.decay - (1 - math.log(1.25))) < 1e-15


def test_R_and_C_given_and_the_unused_beta():
    m = Lapicque(R=2, C=3)
    assert m.resolved() == (2.0, 3.0)
    assert m.decay == 1 - 1 / 6
    assert m.unused_beta == math.exp(-1 / 6)
    # the unused beta never enters the update: a beta-derived model with the same
    # beta decays differently (1 - ln(1/beta) = 1 - 1/6 exactly there, so compare U)
    x = np.zeros((3, 1))
    u = m.run(x, state={"mem": np.ones(1)}).states["mem"][:, 0]
    np.testing.assert_allclose(u, (5 / 6) ** np.arange(1, 4), rtol=1e-15)
    assert not np.allclose(u, math.exp(-1 / 6) ** np.arange(1, 4))


def test_zero_counts_as_not_given():
    # snntorch tests truthiness: R = 0 with beta is the beta-only branch (R = 1),
    # beta = 0 with R and C is the R, C branch
    assert Lapicque(beta=0.9, R=0).resolved() == Lapicque(beta=0.9).resolved()
    assert Lapicque(beta=0, R=2.0, C=3.0).resolved() == (2.0, 3.0)
    assert Lapicque(beta=0.9, R=0).R is False


# --- hand-computed steps and the snntorch tutorial (published §1.4) -------------------


def test_passive_decay_tutorial():
    # R = 5, C = 1e-3, dt = 1e-3: decay 1 - 0.2 = 0.8; U[k] = 0.9 * 0.8**k
    m = Lapicque(R=5, C=1e-3, time_step=1e-3)
    u = m.run(np.zeros((100, 1)), state={"mem": np.full(1, 0.9)}).states["mem"][:, 0]
    k = np.arange(1, 101)
    # the decay factor is 0.8 to ~1 ulp; after k steps the relative error is below
    # ~k ulp = 2.2e-14 at k = 100. 1e-13 bounds it.
    np.testing.assert_allclose(u, 0.9 * 0.8**k, rtol=1e-13, atol=0)


def test_step_input_tutorial_rises_to_IR_without_spiking():
    x = np.zeros((200, 1))
    x[10:] = 0.1
    res = Lapicque(R=5, C=1e-3, time_step=1e-3).run(x)
    assert res.output.sum() == 0
    # U after n input steps: I R (1 - a^n) with a = 0.8, a^190 ~ 4e-19: converged to 0.5 up
    # to round-off.  The constants a and c = ((I R) / (R C)) dt carry a few roundings each
    # (<= 3 u and 6 u relative, u = 1.1e-16), which moves the fixed point c/(1 - a) by
    # <= 0.5 (6u + 3u 0.8/0.2) = 9u = 1.0e-15; each step rounds a*U and the sum (<= 0.9u
    # absolute on values <= 0.5), damped by 0.8: <= 0.9u/0.2 = 5e-16.  Bound 1.5e-15;
    # measured 1.1e-16 (0.5 - 2 ulp).
    assert abs(res.states["mem"][-1, 0] - 0.5) <= 1.5e-15


def test_first_spike_tutorial():
    # R = 5.1, C = 5e-3, dt = 1e-3, 0.2 A from step 10: U after n input steps is
    # 1.02 (1 - a^n), a = 1 - 1/25.5; first n with U > 1 is n = 99 -> loop step 108
    x = np.zeros((200, 1))
    x[10:] = 0.2
    res = Lapicque(R=5.1, C=5e-3, time_step=1e-3).run(x)
    assert int(np.argmax(res.output[:, 0])) == 108
    a = 1 - 1 / 25.5
    n = np.arange(1, 100)
    # the recursion accumulates a few ulp per step on values <= 1.02: 1e-13
    np.testing.assert_allclose(res.states["mem"][10:109, 0], 1.02 * (1 - a**n), rtol=0, atol=1e-13)
    n_first = next(k for k in range(1, 200) if 1.02 * (1 - a**k) > 1)
    assert n_first == 99


@pytest.mark.parametrize("reset,expected", [("subtract", 0.25), ("zero", 0.0), ("none", 1.25)])
def test_probe_resets(reset, expected):
    # R = C = 1, dt = 0.5: B = (x*1*1)*0.5 + 0.5*U.  X = [3, 1]:
    # t1: B = 1.5 -> spike.  t2: B = 0.5 + 0.75 = 1.25; subtract -> 0.25, zero -> 0
    # (the input of the step is zeroed too), none -> 1.25
    res = Lapicque(R=1.0, C=1.0, time_step=0.5, reset_mechanism=reset).run(np.array([[3.0], [1.0]]))
    assert res.states["mem"][0, 0] == 1.5
    assert res.states["mem"][1, 0] == expected


def test_float32_threshold_quirk_and_switch():
    # R = C = 1, dt = 0.5: B = 0.5 X + 0.5 U.  X = [3, 0.5]: U_1 = 1.5 (spike),
    # U_2 = 0.25 + 0.75 - R*theta32 = 1 - float32(0.7)
    x = np.array([3.0, 0.5])[:, None]
    kw = dict(R=1.0, C=1.0, time_step=0.5, threshold=0.7)
    assert Lapicque(**kw).run(x).states["mem"][1, 0] == 1.0 - float(np.float32(0.7))
    assert Lapicque(**kw, float32_spikes=False).run(x).states["mem"][1, 0] == 1.0 - 0.7


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_update_function_same_on_floats_and_arrays(reset):
    rng = np.random.default_rng(12)
    n = 200
    mem, x = rng.normal(size=(2, n)) * 1.5
    thr = rng.uniform(0.5, 1.5, size=n)
    m = Lapicque(beta=0.85, R=2.0)
    R, _, inv_rc, decay = m._resolved
    code = RESET_CODE[reset]
    r_a, b_a = lapicque_charge(mem, x, R, inv_rc, 1.0, decay, thr, thr, code)
    for j in range(n):
        r, b = lapicque_charge(float(mem[j]), float(x[j]), R, inv_rc, 1.0, decay, float(thr[j]), float(thr[j]), code)
        assert (r, b) == (r_a[j], b_a[j])
    assert 0 < r_a.sum() < n


# --- conformance with snntorch 1.0.0 ------------------------------------------------

RESOLUTIONS = {
    "beta": dict(beta=0.9),
    "beta,R": dict(beta=0.8, R=2.5),
    "beta,C": dict(beta=0.7, C=0.4, time_step=0.5),
    "R,C": dict(R=5.1, C=5e-3, time_step=1e-3),
    "R,C int": dict(R=2, C=3),  # integer buffers: 1/(R*C) is an integer-tensor division
    "beta,R=0": dict(beta=0.6, R=0),  # truthiness: R = 0 means R = 1
}
SHAPES = [(7,), (3, 5), (2, 3, 4)]
CASES = list(itertools.product(RESOLUTIONS, ["subtract", "zero", "none"], [1.0, 0.7, "array"]))


@pytest.mark.frameworks
@pytest.mark.parametrize("resolution,reset,threshold", CASES)
def test_conformance(resolution, reset, threshold):
    idx = CASES.index((resolution, reset, threshold))
    rng = np.random.default_rng(2000 + idx)
    shape = SHAPES[idx % 3]
    T = 80
    thr = rng.uniform(0.5, 1.5, size=shape) if threshold == "array" else threshold
    kwargs = dict(RESOLUTIONS[resolution], threshold=thr, reset_mechanism=reset)
    model = Lapicque(**kwargs)
    R, _ = model.resolved()
    # steady state is R*X: a mean of 2.5/R drives U well above threshold
    x = rng.normal(2.5, 2.0, size=(T, *shape)) / R
    mem0 = rng.normal(0.0, 0.5, size=shape)
    spk_ref, ref = snntorch_run("Lapicque", kwargs, x, {"mem": mem0}, ("mem",))
    res = model.run(x, state={"mem": mem0})
    key = f"snntorch.Lapicque {resolution} reset={reset}"
    assert spk_ref.sum() > 0.05 * spk_ref.size, "input must make the neurons fire often"
    assert_conform(key + " spikes", spk_ref, res.output, spikes=True)
    assert_conform(key + " mem", ref["mem"], res.states["mem"])
    assert min_margin(res.states["mem"], thr) > 1e-9


@pytest.mark.frameworks
def test_conformance_inhibition():
    rng = np.random.default_rng(78)
    shape = (4, 6)
    x = rng.normal(2.0, 1.5, size=(60, *shape))  # R = 1: steady state U = X ~ 2
    kwargs = dict(beta=0.8, inhibition=True, reset_mechanism="zero")
    with pytest.warns(UserWarning):
        spk_ref, ref = snntorch_run("Lapicque", kwargs, x, {"mem": np.zeros(shape)}, ("mem",))
    res = Lapicque(**kwargs).run(x)
    assert_conform("snntorch.Lapicque inhibition spikes", spk_ref, res.output, spikes=True)
    assert_conform("snntorch.Lapicque inhibition mem", ref["mem"], res.states["mem"])
    assert np.all(res.output.sum(axis=2) <= 1) and res.output.sum() > 20


@pytest.mark.frameworks
def test_snntorch_fails_with_all_three_and_refneuron_refuses():
    import snntorch
    import torch

    neuron = snntorch.Lapicque(beta=0.9, R=1.0, C=2.0)
    with pytest.raises(AttributeError):
        neuron(torch.zeros(3))
    with pytest.raises(ParameterError, match="AttributeError"):
        Lapicque(beta=0.9, R=1.0, C=2.0)


@pytest.mark.frameworks
def test_snntorch_integer_division_follows_the_default_dtype_at_call_time():
    # observed in 1.0.0 (quirk snntorch_lapicque_int_division): with integer R, C and
    # time_step the buffers are int64 and 1/(R*C), time_step/(R*C) are evaluated in
    # torch's default dtype *at call time*, even for a module built under float64.
    import snntorch
    import torch

    from ..._oracle import float64_default

    with float64_default():
        neuron = snntorch.Lapicque(R=2, C=3)
    one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    _, mem = neuron(one, zero)  # float32 default: 1/6 rounded to float32
    float32_call = mem.item()
    with float64_default():
        _, mem = neuron(one, zero)
    float64_call = mem.item()
    ref = Lapicque(R=2, C=3).run(np.ones((1, 1))).states["mem"][0, 0]
    assert ref == float64_call == 2 * (1 / 6)
    assert float32_call == 2 * float(np.float32(1 / 6))  # (X R) * float32(1/6) * 1


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,exc,fragment",
    [
        (dict(), ParameterError, "beta, R, C"),
        (dict(R=2.0), ParameterError, "beta, R, C"),
        (dict(C=2.0, beta=0), ParameterError, "beta, R, C"),
        (dict(beta=0.9, R=1.0, C=2.0), ParameterError, "AttributeError"),
        (dict(beta=1.0), ParameterError, "beta"),
        (dict(beta=1.5), ParameterError, "beta"),
        (dict(beta=-0.5), ParameterError, "beta"),
        (dict(beta=float("nan")), ParameterError, "beta"),
        (dict(R=-1.0, C=2.0), ParameterError, "R"),
        (dict(R=1.0, C=float("inf")), ParameterError, "C"),
        (dict(beta=0.9, time_step=0), ParameterError, "time_step"),
        (dict(beta=0.9, time_step=-1.0), ParameterError, "time_step"),
        (dict(beta=True), InputTypeError, "beta"),
        (dict(beta="0.9"), InputTypeError, "beta"),
        (dict(beta=np.array([0.9, 0.8])), ShapeError, "beta"),
        (dict(R=np.ones(3), C=1.0), ShapeError, "R"),
        (dict(beta=0.9, reset_mechanism="soft"), OptionError, "reset_mechanism"),
        (dict(beta=0.9, threshold=float("nan")), ParameterError, "threshold"),
        # row 5: dt/(RC) >= 2 is an unstable Euler decay
        (dict(R=1.0, C=0.4), ParameterError, "time_step"),
        (dict(beta=0.1), ParameterError, "beta must be > exp"),
    ],
)
def test_bad_parameters(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        Lapicque(**kwargs)


def test_negative_decay_warns():
    # row 5: 1 <= dt/(RC) < 2 gives a sign-alternating decay: warn, not refuse.
    # beta = 0.3: ln(1/0.3) = 1.204
    with pytest.warns(UnstableDiscretisationWarning, match="time_step"):
        m = Lapicque(beta=0.3)
    assert m.decay < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Lapicque(beta=0.4)  # ln(1/0.4) = 0.916 < 1: no warning


def test_bad_shapes_and_state():
    with pytest.raises(ShapeError, match="threshold"):
        Lapicque(beta=0.9, threshold=np.ones(4)).run(np.zeros((10, 3)))
    with pytest.raises(ShapeError, match="inhibition"):
        Lapicque(beta=0.9, inhibition=True).run(np.zeros((10, 3)))
    with pytest.raises(StateError, match="LapicqueState"):
        Lapicque(beta=0.9).run(np.zeros((10, 3)), state=rn.snntorch.LeakyState(mem=np.zeros(3)))
