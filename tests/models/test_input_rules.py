"""Bad-input rules (``shared spec: bad-inputs.md``) that cut across the model families:
lossless conversion (rows 10-11), masked arrays at the one-step entry point (row 12),
forward-Euler stability of the canonical models (row 5), shapes of the canonical initial
values (row 9), parameters that would make the framework's arithmetic NaN, surrogate
records whose forward is not the neuron's threshold, and the wording of the messages
(row 4: what the framework itself would do)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refneuron as rn
from refneuron import surrogates as S
from refneuron.errors import InputTypeError, OptionError, ParameterError, ShapeError, UnstableDiscretisationWarning


def test_one_step_refuses_masked_arrays_as_run_does():
    x = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    m = rn.snntorch.Leaky(beta=0.5)
    with pytest.raises(InputTypeError, match="x: masked arrays"):
        m.step(None, x)
    with pytest.raises(InputTypeError, match="inputs: masked arrays"):
        m.run(x[None])


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="np.longdouble is float64 on this platform")
def test_wider_floats_are_refused_not_rounded():
    m = rn.snntorch.Leaky(beta=0.5)
    with pytest.raises(InputTypeError, match="inputs: dtype .* would lose precision in float64"):
        m.run(np.full((2, 3), 1 + 2.0**-60, dtype=np.longdouble))
    with pytest.raises(InputTypeError, match="beta: dtype .* would lose precision"):
        rn.snntorch.Leaky(beta=np.longdouble(1) / 3)
    with pytest.raises(InputTypeError, match="V0: dtype .* would lose precision"):
        rn.canonical.AdEx(V0=np.longdouble(-70))


def test_integers_beyond_2_53_are_refused_not_rounded():
    m = rn.snntorch.Leaky(beta=0.5)
    with pytest.raises(InputTypeError, match=r"inputs: integer 9007199254740993 at index \(1, 0\) exceeds 2\*\*53"):
        m.run(np.array([[0], [2**53 + 1]], dtype=np.int64))
    with pytest.raises(InputTypeError, match="inputs: integer .* exceeds 2"):
        m.run(np.array([[2**63 + 5]], dtype=np.uint64))
    with pytest.raises(InputTypeError, match="threshold: integer .* exceeds 2"):
        rn.snntorch.Leaky(beta=0.5, threshold=2**60 + 1)
    # up to 2**53 every integer is a float64: accepted and converted exactly
    res = m.run(np.array([[2**53], [-(2**53)]], dtype=np.int64))
    assert res.states["mem"][0, 0] == 2.0**53


def test_canonical_forward_euler_decays_are_checked():
    with pytest.raises(ParameterError, match=r"dt, 1/tau_w: dt\*1/tau_w must be < 2 .*got 10.0"):
        rn.canonical.AdEx(tau_w=0.01)
    with pytest.raises(ParameterError, match=r"dt, g_L/C_m: dt\*g_L/C_m must be < 2"):
        rn.canonical.AdEx(dt=30.0)  # 30 * 30/281 = 3.2
    with pytest.warns(UnstableDiscretisationWarning, match=r"dt\*g_L/C_m = 1.60"):
        rn.canonical.AdEx(dt=15.0)
    with pytest.raises(ParameterError, match=r"dt, a: dt\*a must be < 2 .*got 2.5"):
        rn.canonical.Izhikevich(a=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rn.canonical.Izhikevich(a=-0.026, b=-1.0)  # 2004 panel T: a < 0 is a growth the model intends
        rn.canonical.Izhikevich(a=10.0, u_rule="accommodation")  # no decay term in u there
        rn.canonical.AdEx()  # the defaults: 0.1*30/281 and 0.1/144


def test_canonical_initial_values_are_shape_checked():
    with pytest.raises(ShapeError, match=r"V0: shape \(3,\) does not broadcast to the neuron shape \(4,\)"):
        rn.canonical.AdEx(V0=np.full(3, -70.0)).run(np.zeros((3, 4)))
    with pytest.raises(ShapeError, match=r"u0: shape \(3,\) does not broadcast to the neuron shape \(4,\)"):
        rn.canonical.Izhikevich(u0=np.zeros(3)).run(np.zeros((3, 4)))
    res = rn.canonical.Izhikevich(u0=np.arange(4.0)).run(np.zeros((1, 4)), record="final")
    assert res.final_state.u.shape == (4,)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_leaky_graded_factor_zero_with_immediate_reset_is_refused(reset):
    # snntorch 1.0.0 resets with spk/graded_spikes_factor there: 0/0 = NaN in every membrane
    with pytest.raises(ParameterError, match="graded_spikes_factor: must be nonzero with reset_delay=False"):
        rn.snntorch.Leaky(beta=0.5, graded_spikes_factor=0.0, reset_delay=False, reset_mechanism=reset)
    with pytest.raises(ParameterError, match="graded_spikes_factor"):
        rn.snntorch.Leaky(beta=0.5, graded_spikes_factor=np.array([1.0, 0.0]), reset_delay=False, reset_mechanism=reset)
    # no division where the reset is delayed or absent: snntorch gives finite membranes there, as refneuron
    # does.  By hand (beta 0.5, threshold 1, input 2): delayed subtract, mem 2, then 0.5*2 + 2 - 1 = 2, ...;
    # no reset, mem 2, 0.5*2 + 2 = 3, 0.5*3 + 2 = 3.5
    x = np.full((3, 2), 2.0)
    if reset == "subtract":
        delayed = rn.snntorch.Leaky(beta=0.5, graded_spikes_factor=0.0, reset_mechanism=reset).run(x)
        np.testing.assert_array_equal(delayed.states["mem"], 2.0)
        np.testing.assert_array_equal(delayed.output, 0.0)  # g = 0 silences the output
    none = rn.snntorch.Leaky(beta=0.5, graded_spikes_factor=0.0, reset_delay=False, reset_mechanism="none").run(x)
    np.testing.assert_array_equal(none.states["mem"][:, 0], [2.0, 3.0, 3.5])


def test_surrogates_whose_forward_is_not_the_neurons_threshold_are_refused():
    for sg, forward in ((S.spikingjelly.Sigmoid(), r"H\(x >= 0\)"), (S.spikingjelly.Sigmoid(spiking=False), "an analog output"),
                        (S.spikingjelly.PoissonPass(), "a random draw")):  # fmt: skip
        with pytest.raises(OptionError, match=f"spike_grad: .*strict threshold.*fires with {forward}"):
            rn.snntorch.Leaky(beta=0.5, spike_grad=sg)
        with pytest.raises(OptionError, match="spike_grad"):
            rn.snntorch.Synaptic(alpha=0.5, beta=0.5, spike_grad=sg)
    rn.snntorch.Leaky(beta=0.5, spike_grad=S.norse.SuperSpike())  # norse's spike is H(x > 0) too
    with pytest.raises(OptionError, match="surrogate_function: .*PoissonPass's spiking forward is a Bernoulli draw"):
        rn.spikingjelly.IF(surrogate_function=S.spikingjelly.PoissonPass())
    # spiking=False: the neuron emits the primitive g(x) = x of H - threshold, as spikingjelly does, and the
    # hard reset mixes with it: h = 0.25, s = -0.75, v = 1.75 * 0.25 = 0.4375; h = 0.6875, s = -0.3125
    out = rn.spikingjelly.IF(surrogate_function=S.spikingjelly.PoissonPass(spiking=False)).run(np.full((2, 1), 0.25))
    np.testing.assert_array_equal(out.output[:, 0], [-0.75, -0.3125])


def test_messages_say_what_the_framework_would_do():
    with pytest.raises(ParameterError, match=r"beta: must lie in \[0, 1\] \(got 1.3\); snntorch clamps it"):
        rn.snntorch.Leaky(beta=1.3)
    with pytest.raises(ParameterError, match=r"alpha: must lie in \[0, 1\] \(got -0.1\); snntorch clamps it"):
        rn.snntorch.Synaptic(alpha=-0.1, beta=0.5)
    with pytest.raises(ParameterError, match=r"tau: must be > 1 \(got 1.0\); spikingjelly asserts it"):
        rn.spikingjelly.LIF(tau=1.0)
    # spikingjelly's Izhikevich has no dt: its step is the unit of time
    with pytest.raises(ParameterError, match=r"^1/tau_w: 1/tau_w \(per step\) must be < 2"):
        rn.spikingjelly.Izhikevich(tau_w=0.4)
    with pytest.raises(ParameterError, match=r"state.mem: initial state must be finite \(got nan at index \(1,\)\)"):
        rn.snntorch.Leaky(beta=0.5).run(np.zeros((2, 3)), state={"mem": np.array([0.0, np.nan, 1.0])})
