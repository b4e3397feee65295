"""Hand-derived snntorch gradients against snntorch 1.0.0's own autograd.

``test_matches_autograd_float64``: snntorch with a spike function whose
spikes are in the input dtype (float64; snntorch master after PR #432),
against refneuron's ``float32_spikes=False``, to ``grad_rtol(T x neurons)`` relative
(tests/_oracle.py).
``test_matches_unmodified_snntorch``: unmodified snntorch 1.0.0 (float32
spikes) against refneuron's default ``float32_spikes=True``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from refneuron.surrogates import ATan
from refneuron.surrogates.snntorch import FastSigmoid

from ..._oracle import f32_sum_rtol, grad_rtol
from ._cases import make_case, option_grid, seed
from ._harness import compare, refneuron_gradients, torch_gradients

pytestmark = pytest.mark.frameworks

# Both sides evaluate the same float64 chain rule; they differ only in the order in which
# autograd and refneuron add up the gradient contributions of a tensor with several
# consumers and in the reduction order of the parameter sums.  Tolerance: grad_rtol(n) =
# 10 n u relative to the largest |gradient| of each array, n = T x neurons (600 to 1200
# here: 6.7e-13 to 1.3e-12); the derivation and the measured maxima are at grad_rtol in
# tests/_oracle.py (largest here: 2.2e-13, Synaptic's scalar beta with float32 spikes).
# Any wrong term in the recursion is O(1) relative and fails.


def _n(got):
    """n = T x neurons: the number of terms of a scalar parameter's gradient sum."""
    return got.forward.output.size


MODELS = ("Leaky", "Synaptic", "Lapicque", "Alpha")
GRID = [(m, *opts) for m in MODELS for opts in option_grid(m)]


@pytest.mark.parametrize("per_neuron", [True, False], ids=["per-neuron", "scalar"])
@pytest.mark.parametrize("cls_name,reset,delay,inhibition", GRID)
def test_matches_autograd_float64(cls_name, reset, delay, inhibition, per_neuron):
    rng = np.random.default_rng(seed(cls_name, reset, delay, inhibition, per_neuron))
    case = make_case(cls_name, rng, reset=reset, delay=delay, inhibition=inhibition, per_neuron=per_neuron)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # snntorch warns about inhibition
        ref = torch_gradients(case, own_spike=True)
    got = refneuron_gradients(case)
    n_spikes = int(np.count_nonzero(got.forward.output))
    assert n_spikes > 40, f"the neurons must fire many times (got {n_spikes} spikes)"
    compare(f"snntorch.{cls_name}", case, ref, got, grad_rtol(_n(got)))


@pytest.mark.parametrize("surrogate", [ATan(alpha=3.0), FastSigmoid(slope=5.0)], ids=["atan3", "fast_sigmoid5"])
@pytest.mark.parametrize("shape", [(7,), (2, 3, 4)], ids=["1d", "3d"])
@pytest.mark.parametrize("cls_name", MODELS)
def test_other_surrogates_and_shapes(cls_name, shape, surrogate):
    rng = np.random.default_rng(seed(cls_name, shape, surrogate.name))
    delay = cls_name not in ("Leaky", "Synaptic")  # the immediate reset where it exists
    case = make_case(cls_name, rng, shape=shape, delay=delay, spike_grad=surrogate)
    ref = torch_gradients(case, own_spike=True)
    got = refneuron_gradients(case)
    assert np.count_nonzero(got.forward.output) > 20
    compare(f"snntorch.{cls_name}", case, ref, got, grad_rtol(_n(got)))


@pytest.mark.parametrize("cls_name", MODELS)
def test_surrogate_disable(cls_name):
    # no gradient through any spike: only the linear charge paths remain
    rng = np.random.default_rng(5)
    delay = cls_name not in ("Leaky", "Synaptic")
    case = make_case(cls_name, rng, delay=delay)
    case.kwargs["surrogate_disable"] = True
    ref = torch_gradients(case, own_spike=False)  # snntorch's bypass: float32 spikes, no grad
    case.kwargs["float32_spikes"] = True
    got = refneuron_gradients(case)
    compare(f"snntorch.{cls_name} surrogate_disable", case, ref, got, grad_rtol(_n(got)))


# Unmodified snntorch 1.0.0: its spikes are float32, so the gradients it delivers to the
# spike tensor, to spk * g (scalar g) and to R * threshold, D * threshold (scalar
# threshold) are float32.  refneuron rounds the same values element by element, so input
# and initial-state gradients and those of per-neuron parameters agree to float64
# round-off (measured 0 in most cases); grad_rtol(n) as above.  The gradient of a *scalar*
# threshold or graded factor is, in snntorch, a float32 sum of n = T x neurons = 600
# float32 products, refneuron's a float64 one: f32_sum_rtol(n) = 4 sqrt(n) u32 = 5.8e-6
# (derivation at f32_sum_rtol in tests/_oracle.py; the worst case (n - 1) u32 = 3.6e-5
# needs every rounding in one direction).  Measured: 1.56e-6 (Leaky graded_spikes_factor),
# 1.6e-7 and below for the thresholds.  tests/compare/test_all_adapters.py holds the same
# quantity to the same rule.


@pytest.mark.parametrize("cls_name,reset,delay,inhibition", GRID)
def test_matches_unmodified_snntorch(cls_name, reset, delay, inhibition):
    rng = np.random.default_rng(seed(cls_name, reset, delay, inhibition, "f32"))
    case = make_case(cls_name, rng, reset=reset, delay=delay, inhibition=inhibition, per_neuron=False,
                     float32_spikes=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = torch_gradients(case, own_spike=False)
    got = refneuron_gradients(case)
    assert np.count_nonzero(got.forward.output) > 40
    n = _n(got)
    tol = {"default": grad_rtol(n), "threshold": f32_sum_rtol(n), "graded_spikes_factor": f32_sum_rtol(n)}
    compare(f"snntorch.{cls_name} float32 spikes", case, ref, got, tol)


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_lapicque_beta_through_derived_capacitance(reset):
    # snntorch 1.0.0, Lapicque(beta=..., learn_beta=True) without R or C: C = dt/ln(1/beta)
    # is computed at construction from the beta Parameter, so the (first) backward
    # reaches beta through C; refneuron differentiates the same resolution.
    rng = np.random.default_rng(seed("Lapicque-beta", reset))
    case = make_case("Lapicque", rng, reset=reset)
    case.kwargs.pop("R")
    case.learn = ("beta", "threshold")
    ref = torch_gradients(case, own_spike=True)
    got = refneuron_gradients(case)
    assert np.count_nonzero(got.forward.output) > 40
    assert abs(ref[2]["beta"]) > 0
    compare("snntorch.Lapicque beta-only", case, ref, got, grad_rtol(_n(got)))
