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
