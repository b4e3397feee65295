"""Forward and backward of every surrogate against the framework's autograd in float64."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from .._oracle import float64_default, numpy, record
from ._cases import CASES, extended_grid, grid

pytestmark = pytest.mark.frameworks

EPS = np.finfo(np.float64).eps


def _kwargs(rec, drop=()):
    return {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec) if f.name not in drop}


def _torch_fast_sigmoid(input_, grad_input, spikes):
    return grad_input / (25 * input_.abs() + 1.0) ** 2


def framework_function(fw, rec):
    """The framework's spike function for the record, as a torch callable."""
    name = type(rec).name
    if fw == "snntorch":
        from snntorch import surrogate

        if name == "custom_surrogate":
            assert rec.function.__name__ == "fast_sigmoid_numpy"
            return surrogate.custom_surrogate(_torch_fast_sigmoid)
        return getattr(surrogate, name)(**_kwargs(rec))
    if fw == "spikingjelly":
        from spikingjelly.activation_based import surrogate

        return getattr(surrogate, name)(**_kwargs(rec, drop=("seed",)))
    from norse.torch.functional.threshold import threshold

    return lambda x: threshold(x, name, rec.alpha)


def run_framework(fw, rec, x):
    """(forward, d forward/dx) of the framework at float64 points ``x``."""
    import torch

    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f = framework_function(fw, rec)
    y = f(t)
    if not y.requires_grad:  # norse "heaviside": no gradient reaches x
        return numpy(y), np.zeros_like(x)
    y.backward(torch.ones_like(y))
    return numpy(y), numpy(t.grad)


def assert_close(key, ref, got):
    """Same non-finite pattern; finite values within 8 eps of the largest |ref|.

    Both sides evaluate the same expression in the same order; they can differ
    only through the elementary functions (exp, tanh, atan, erfc, sigmoid,
    pow: numpy and torch's vectorised kernels are each within ~1 ulp), whose
    error is carried through at most a handful of roundings, some with
    cancellation between two terms of similar size (circ, the quotient rule
    of SoftSign's primitive).  8 eps relative to the peak |value| covers that
    and still fails for any formula, order or constant error (>= 1e-8).
    """
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    bad_ref, bad_got = ~np.isfinite(ref), ~np.isfinite(got)
    np.testing.assert_array_equal(bad_got, bad_ref, err_msg=f"{key}: non-finite entries differ")
    np.testing.assert_array_equal(got[bad_got], ref[bad_ref], err_msg=f"{key}: non-finite values differ")
    fin = ~bad_ref
    diff = record(key, ref[fin], got[fin])
    scale = np.max(np.abs(ref[fin])) if fin.any() else 0.0
    assert diff <= 8 * EPS * scale, f"{key}: max |diff| = {diff:.3e} > 8 eps * {scale:.3g}"


def _conformance_cases():
    out = []
    for key, fw, rec in CASES:
        name = type(rec).name
        if name == "SSO" or name == "PoissonPass":
            continue  # random: tests below
        if name == "LSO":
            continue  # broken in snntorch 1.0.0, no oracle: test_snntorch_lso_is_broken
        if fw == "norse" and getattr(rec, "alpha_fixed", False):
            # norse main only (not installed): no framework oracle; covered by the hand values
            # of test_hand.py::test_norse_superspike_alpha_quirk and, through its primitive, by
            # the finite differences of test_primitive.py
            continue
        out.append((key, fw, rec))
    return out


CONF = _conformance_cases()


@pytest.mark.parametrize("case", CONF, ids=[c[0] for c in CONF])
def test_forward_and_derivative_match_framework(case):
    key, fw, rec = case
    x = np.concatenate([grid(), extended_grid()])
    if fw == "norse" and type(rec).name == "heavi_erfc" and rec.float32_pi:
        y, dy = run_framework(fw, rec, x)  # torch's default float32 dtype: the quirk
    else:
        with float64_default():
            y, dy = run_framework(fw, rec, x)
    if getattr(rec, "spiking", True):
        np.testing.assert_array_equal(rec.forward(x), y, err_msg=f"{key}: forward differs")
    else:  # spikingjelly's primitive g(x): elementary functions, not bitwise
        assert_close(f"surrogate {key} forward", y, rec.forward(x))
    assert_close(f"surrogate {key} d/dx", dy, rec.derivative(x))


def test_sso_matches_snntorch_given_torch_uniforms():
    # snntorch draws u with torch.rand_like(x) in the backward; replaying the same
    # seed gives the same u, which refneuron takes through u=
    import torch
    from snntorch import surrogate

    from refneuron.surrogates.snntorch import SSO

    x = grid()
    for mean, var in [(0.0, 0.2), (0.3, 0.5)]:
        t = torch.tensor(x, requires_grad=True)
        y = surrogate.SSO(mean=mean, variance=var)(t)
        torch.manual_seed(123)
        y.backward(torch.ones_like(y))
        torch.manual_seed(123)
        u = torch.rand_like(t).numpy()
        rec = SSO(mean=mean, variance=var)
        np.testing.assert_array_equal(rec.forward(x), numpy(y))
        assert_close(f"surrogate snntorch.SSO(mean={mean}, variance={var}) d/dx", numpy(t.grad), rec.derivative(x, u=u))


def test_poisson_pass_matches_spikingjelly():
    # the forward is Bernoulli(x): deterministic only at p = 0 and 1; backward 1
    import torch
    from spikingjelly.activation_based import surrogate

    from refneuron.surrogates.spikingjelly import PoissonPass

    p = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    t = torch.tensor(p, requires_grad=True)
    y = surrogate.PoissonPass()(t)
    y.backward(torch.ones_like(y))
    assert y.dtype == torch.float32  # spikingjelly returns float32 spikes
    np.testing.assert_array_equal(PoissonPass().forward(p), numpy(y))
    np.testing.assert_array_equal(PoissonPass().derivative(p), numpy(t.grad))
    # spiking=False: identity with gradient 1 on any x
    x = grid()
    t = torch.tensor(x, requires_grad=True)
    y = surrogate.PoissonPass(spiking=False)(t)
    y.backward(torch.ones_like(y))
    np.testing.assert_array_equal(PoissonPass(spiking=False).forward(x), numpy(y))
    np.testing.assert_array_equal(PoissonPass(spiking=False).derivative(x), numpy(t.grad))


def test_snntorch_lso_is_broken():
    # what refneuron's LSO(fixed=False) refuses to reproduce: the factory passes one
    # argument too few, and the LeakySpikeOperator class it documents returns one
    # gradient for two inputs
    import torch
    from snntorch import surrogate

    with pytest.raises(TypeError):
        surrogate.LSO()(torch.zeros(3, dtype=torch.float64))
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    y = surrogate.LeakySpikeOperator.apply(t, 0.1)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        y.sum().backward()


def test_norse_heavi_erfc_float32_sqrt_pi():
    # norse divides by torch.as_tensor(np.pi).sqrt(): float32 under the default dtype
    import torch

    from refneuron.surrogates.norse import SQRT_PI_FLOAT32

    assert SQRT_PI_FLOAT32 == float(torch.as_tensor(np.pi).sqrt())
    assert SQRT_PI_FLOAT32 != float(np.sqrt(np.pi))
    assert abs(SQRT_PI_FLOAT32 / np.sqrt(np.pi) - 1) < 1e-7
