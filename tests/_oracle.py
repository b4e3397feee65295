"""Helpers for running the peer frameworks as float64 oracles.

The float64 pitfalls of the frameworks (specification, models §0.2) are
handled here once: modules are built under ``torch.set_default_dtype(float64)``
so that every buffer and learnable scalar is float64, and every output is
compared as float64.
"""

from __future__ import annotations

import contextlib

import numpy as np

_MEASURED: dict = {}


@contextlib.contextmanager
def float64_default():
    """Build framework modules with float64 buffers and parameters."""
    import torch

    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def tensor(a):
    import torch

    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def numpy(t):
    return t.detach().cpu().numpy().astype(np.float64)


def record(key, ref, got, spikes=None):
    """Note the max |diff| of one comparison under ``key`` (e.g. 'snntorch.Leaky mem')."""
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    diff = float(np.max(np.abs(ref - got))) if ref.size else 0.0
    n_spikes = int(np.sum(spikes != 0)) if spikes is not None else 0
    merge_rows({key: (diff, 1, n_spikes)})
    return diff


def measured_rows():
    return dict(_MEASURED)


def merge_rows(rows):
    """Fold ``{key: (max |diff|, cases, spikes)}`` into this process's rows (one
    comparison from :func:`record`, or a pytest-xdist worker's rows)."""
    for key, (diff, n_cases, n_spikes) in rows.items():
        old = _MEASURED.get(key, (0.0, 0, 0))
        _MEASURED[key] = (max(old[0], float(diff)), old[1] + int(n_cases), old[2] + int(n_spikes))


# Tolerance for state traces against a framework run in float64 (specification,
# tolerances): identical operation order gives agreement to round-off (measured 0
# to a few 1e-15); 1e-12 absolute on O(1) values leaves room for exp/log
# implementation differences between torch and NumPy.  Spikes compare exactly.
STATE_ATOL = 1e-12


def assert_conform(key, ref, got, *, spikes=False, atol=STATE_ATOL):
    """Exact equality for spikes, ``atol`` for states; records the measured diff."""
    diff = record(key, ref, got, spikes=np.asarray(ref) if spikes else None)
    if spikes:
        np.testing.assert_array_equal(got, ref, err_msg=f"{key}: spike trains differ")
    else:
        assert diff <= atol, f"{key}: max |diff| = {diff:.3e} > {atol:.0e}"
    return diff


# --- gradients against a framework's autograd ------------------------------------------
#
# Both sides differentiate the same float64 graph; they differ only in the association
# order of the adjoint sums (autograd adds the contributions of a node in graph order, the
# hand recursion in its own; BLAS vs NumPy for the recurrent products) and, for models with
# exp, by a possible 1-ulp difference between torch.exp and numpy.exp.  The largest sum is
# the gradient of a scalar parameter: n = T x neurons terms (the size of the spike record);
# every other gradient entry (inputs, initial state, per-neuron parameters, weights) sums
# fewer.  Summing n terms in any order errs by at most (n - 1) u sum|a_i| (u = 1.1e-16,
# Higham, Accuracy and Stability, Thm 4.4); two different orders, plus one rounding per term
# for the O(1) chain-rule products each term carries, give about 3 n u rho relative to the
# largest |gradient|, where rho = sum|a_i| / max|g| >= 1 measures the cancellation in the
# sum.  GRAD_C = 10 allows rho up to ~3.  Measured over every case of
# tests/gradients/*/test_autograd.py and tests/compare/test_all_adapters.py: err / (n u)
# <= 3.3 (snntorch Synaptic's scalar beta, float32-spikes case, n = 600: 2.2e-13) and 3.0
# (spikingjelly ParametricLIF's w, n = 240: 8.0e-14), all others <= 1.3; i.e. at most a
# third of the tolerance (printed at the end of pytest as "... err/tol", = err / (n u) /
# GRAD_C).  A wrong or missing adjoint term is
# of the order of the gradient itself: 1e8 and more above the bound for these n.
U64 = float(np.finfo(np.float64).eps) / 2
GRAD_C = 10.0


def grad_rtol(n_terms):
    """Tolerance, relative to the largest |gradient| of an array, of a float64 gradient
    against a framework's float64 autograd, for a run of ``n_terms`` = T x neurons."""
    return GRAD_C * n_terms * U64


# snntorch 1.0.0 with float32 spikes (quirks snntorch_float32_spikes /
# snntorch_surrogate_float32_grad): the gradient of a *scalar* threshold or graded factor
# meets the float32 spike tensor, so autograd forms it from n = T x neurons float32
# products summed in float32 (refneuron sums in float64).  Each of the n accumulations
# rounds by up to u32 = 6.0e-8 of the running sum; independent roundings random-walk to
# about sqrt(n) u32 relative (the worst case, (n - 1) u32, needs every rounding in the same
# direction).  F32_SUM_C = 4 allows a 4-sigma excursion.  Measured: err / (sqrt(n) u32)
# <= 1.07 (snntorch Leaky graded_spikes_factor, n = 600: 1.56e-6; the thresholds <= 0.11,
# and <= 0.04 in tests/compare/test_all_adapters.py, n = 1280); printed as
# "grad ... err/tol" (= err / (sqrt(n) u32) / F32_SUM_C).
U32 = float(np.finfo(np.float32).eps) / 2
F32_SUM_C = 4.0


def f32_sum_rtol(n_terms):
    """Tolerance, relative to |gradient|, of a scalar parameter's gradient that snntorch
    sums from ``n_terms`` float32 products."""
    return F32_SUM_C * np.sqrt(n_terms) * U32


def record_used(key, err, tol):
    """Record the fraction ``err / tol`` of a tolerance that a comparison used, under
    ``key + " err/tol"`` (err / (n u) = GRAD_C * err/tol, and so on)."""
    merge_rows({f"{key} err/tol": (float(err) / tol, 1, 0)})
