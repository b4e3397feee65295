"""Hand-computed values and documented quirks (no framework needed)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from refneuron.surrogates import norse as nr
from refneuron.surrogates import snntorch as st
from refneuron.surrogates import spikingjelly as sj


def test_comparisons():
    # snntorch and norse fire on x > 0, spikingjelly on x >= 0
    x = np.array([-1e-300, 0.0, 1e-300])
    np.testing.assert_array_equal(st.ATan().forward(x), [0, 0, 1])
    np.testing.assert_array_equal(nr.SuperSpike().forward(x), [0, 0, 1])
    np.testing.assert_array_equal(sj.Sigmoid().forward(x), [0, 1, 1])


def test_snntorch_atan_values():
    # alpha = 2: 1/(1 + (pi x)^2): 1 at 0, 1/(1 + pi^2) at 1
    a = st.ATan()
    assert a.derivative(0.0) == 1.0
    assert abs(a.derivative(1.0) - 1 / (1 + math.pi**2)) < 1e-16


def test_snntorch_sigmoid_overflows_to_nan():
    # k = 25: (e^{-kx} + 1)^2 overflows below x = -354.9/25 = -14.2, giving 0.0;
    # 25 e^{-25x} overflows below x = -(709.78 - ln 25)/25 = -28.26: inf/inf = NaN
    s = st.Sigmoid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and silently
        d = s.derivative(np.array([-14.1, -14.3, -28.2, -28.3, -29.0]))
    assert d[0] > 0
    assert d[1] == 0.0 and d[2] == 0.0
    assert np.isnan(d[3]) and np.isnan(d[4])
    # the peak is k/4 = 6.25
    assert s.derivative(0.0) == 6.25


def test_snntorch_float32_parameter_rounding():
    # grad_output is float32 (the spike is), so grad * c rounds c to float32
    assert st.Triangular(threshold=0.35).derivative(-1.0) == float(np.float32(0.35))
    assert st.Triangular(threshold=0.35).derivative(0.0) == -float(np.float32(0.35))
    # spike_rate_escape: k exp(-beta |x - 1|) = k at x = 1, with k in float32
    assert st.SpikeRateEscape(slope=3.3).derivative(1.0) == float(np.float32(3.3))
    assert st.SpikeRateEscape().derivative(1.0) == 25.0


def test_snntorch_sfs_cut():
    # zero at and below B, fast sigmoid above: at x = 2, 1/(25*2 + 1)^2 = 1/2601
    s = st.SFS()
    np.testing.assert_array_equal(s.derivative(np.array([0.5, 1.0])), [0.0, 0.0])
    assert s.derivative(2.0) == 1 / 2601


def test_snntorch_sso_noise():
    rec = st.SSO(mean=0.3, variance=0.5)
    x = np.concatenate([np.full(100_000, -0.5), np.full(10, 0.5)])
    d = rec.derivative(x, rng=np.random.default_rng(7))
    below = d[:100_000]
    # (u - 0.5 + 0.3) * 0.5 with u in [0, 1): in [-0.1, 0.4), mean 0.15
    assert below.min() >= -0.1 and below.max() < 0.4
    # std of the mean: 0.5 * sqrt(1/12) / sqrt(1e5) = 4.6e-4; 5 sigma
    assert abs(below.mean() - 0.15) < 2.3e-3
    np.testing.assert_array_equal(d[100_000:], 1.0)
    # the default Generator is seeded from the record: reproducible
    np.testing.assert_array_equal(rec.derivative(x[:50]), rec.derivative(x[:50]))
    assert not np.array_equal(st.SSO(seed=1).derivative(x[:50]), st.SSO(seed=2).derivative(x[:50]))
    assert rec.primitive(x) is None


def test_snntorch_lso_fixed():
    rec = st.LSO(slope=0.25, fixed=True)
    np.testing.assert_array_equal(rec.derivative(np.array([-1.0, 0.0, 1e-300, 2.0])), [0.25, 0.25, 1.0, 1.0])


def test_snntorch_custom_surrogate():
    seen = {}

    def f(x, grad, spikes):
        seen["spikes"] = spikes
        return grad / (25 * np.abs(x) + 1.0) ** 2

    x = np.array([-1.0, 0.0, 0.5])
    rec = st.CustomSurrogate(function=f)
    np.testing.assert_array_equal(rec.derivative(x), st.FastSigmoid().derivative(x))
    np.testing.assert_array_equal(seen["spikes"], [0, 0, 1])
    assert rec.primitive(x) is None


def test_spikingjelly_fake_numerical_gradient_signed_zero():
    # min(1/|x|, alpha); 1/(+0.0) = inf -> alpha; -0.0 >= 0 so 1/(-0.0) = -inf
    rec = sj.FakeNumericalGradient()
    np.testing.assert_array_equal(rec.derivative(np.array([0.0, -0.0, 2.0, -10.0])), [0.3, -np.inf, 0.3, 0.1])


def test_spikingjelly_spiking_false_emits_the_primitive():
    x = np.linspace(-2, 2, 9)
    rec = sj.Erf(spiking=False)
    np.testing.assert_array_equal(rec.forward(x), rec.primitive(x))
    assert sj.Erf().forward(0.0) == 1.0
    # at the window edge |x| = 1/(2 alpha) the surrogate is 0 and autograd of
    # clamp(alpha x + 1/2, 0, 1) passes alpha
    assert sj.Rect().derivative(0.5) == 0.0 and sj.Rect(spiking=False).derivative(0.5) == 1.0


def test_spikingjelly_piecewise_values():
    # PiecewiseQuadratic alpha=1: 1 - |x| inside; PiecewiseLeakyReLU: 1/(2w) inside, c outside
    np.testing.assert_array_equal(sj.PiecewiseQuadratic().derivative(np.array([0.25, -0.5, 1.0, 1.5])),
                                  [0.75, 0.5, 0.0, 0.0])
    np.testing.assert_array_equal(sj.PiecewiseLeakyReLU().derivative(np.array([0.0, 0.99, 1.0, -2.0])),
                                  [0.5, 0.5, 0.01, 0.01])
    # QPseudoSpike alpha=2: (1 + 2|x|)^-2; at x=1: 1/9
    assert sj.QPseudoSpike().derivative(1.0) == 1 / 9
    # LogTailedReLU: 1/x above 1
    assert sj.LogTailedReLU().derivative(4.0) == 0.25


def test_spikingjelly_poisson_pass():
    rec = sj.PoissonPass()
    np.testing.assert_array_equal(rec.forward(np.array([0.0, 1.0, 0.0, 1.0])), [0, 1, 0, 1])
    s = rec.forward(np.full(100_000, 0.3), rng=np.random.default_rng(3))
    # binomial std of the rate: sqrt(0.3*0.7/1e5) = 1.45e-3; 5 sigma
    assert set(np.unique(s)) <= {0.0, 1.0} and abs(s.mean() - 0.3) < 7.3e-3
    x = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(sj.PoissonPass(spiking=False).forward(x), x)
    np.testing.assert_array_equal(rec.derivative(x), 1.0)


def test_norse_superspike_alpha_quirk():
    # 1.1.0 ignores alpha: 1/(|x|+1)^2 = 1/4 at x = 1; norse main: 1/(alpha|x|+1)^2 = 1/25
    assert nr.SuperSpike(alpha=4.0).derivative(1.0) == 0.25
    assert nr.SuperSpike(alpha=4.0, alpha_fixed=True).derivative(1.0) == 1 / 25
    # default alpha = 100 at x = 0.5: 1/2.25 versus 1/51^2
    assert nr.norse_method().derivative(0.5) == 1 / 2.25
    assert nr.SuperSpike(alpha_fixed=True).derivative(0.5) == 1 / 51**2


def test_norse_peaks():
    # triangle: alpha at 0; tanh: 1; circ: alpha^3/alpha^3 = 1; heavi_erfc: 2/sqrt(pi)_32
    assert nr.norse_method("triangle", 100.0).derivative(0.0) == 100.0
    assert nr.norse_method("triangle", 100.0).derivative(1.5) == 0.0
    assert nr.norse_method("tanh", 100.0).derivative(0.0) == 1.0
    assert abs(nr.norse_method("circ", 100.0).derivative(0.0) - 1.0) < 1e-15
    # circ at x = alpha: alpha^3 / (2 alpha^2)^1.5 = 2^-1.5
    assert abs(nr.norse_method("circ", 0.3).derivative(0.3) - 2**-1.5) < 1e-15
    assert nr.norse_method("heavi_erfc", 2.0).derivative(0.0) == 2 / nr.SQRT_PI_FLOAT32
    assert nr.HeaviErfc(float32_pi=False).derivative(0.0) == 2 / math.sqrt(math.pi)
    np.testing.assert_array_equal(nr.norse_method("heaviside").derivative(np.array([-1.0, 0.0, 1.0])), 0.0)


def test_vectors_and_scalars_agree():
    # element-wise: a scalar gives the same value as the same point inside an array
    from refneuron.surrogates import all_surrogates

    from ._cases import PARAMS

    x = np.array([-1.3, -0.2, 0.0, 0.4, 2.0])
    for fw, name, cls in all_surrogates():
        rec = cls(**PARAMS.get((fw, name), [{}])[0])
        if not rec.deterministic:
            continue
        d = rec.derivative(x)
        assert d.shape == x.shape
        for i, xi in enumerate(x):
            assert np.array_equal(rec.derivative(xi), d[i], equal_nan=True), (fw, name, xi)


@pytest.mark.parametrize("rec", [st.ATan(), sj.Sigmoid(), nr.SuperSpike()])
def test_input_not_modified(rec):
    x = np.array([-1.0, 0.0, 1.0])
    x0 = x.copy()
    rec.derivative(x), rec.primitive(x), rec.forward(x)
    np.testing.assert_array_equal(x, x0)
