"""The finiteness scan of check_finite=True: the compiled in-place scan and the
chunked NumPy scan report exactly the index of the former full
``np.argmax(~np.isfinite(x).ravel())`` pass (``_first_nonfinite_numpy``)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import refneuron as rn
from refneuron import _checks
from refneuron.backends import _scan
from refneuron.errors import InputError

BAD = (np.nan, np.inf, -np.inf, -np.nan)
#: finite values whose bit patterns are close to the non-finite ones
EDGE_FINITE = (np.finfo(np.float64).max, -np.finfo(np.float64).max, 5e-324, -0.0, 0.0, 1e308)


def _arrays(rng, shape, n_bad):
    x = rng.normal(size=shape)
    flat = x.reshape(-1)
    flat[rng.integers(0, flat.size, 20)] = rng.choice(EDGE_FINITE, 20)
    for _ in range(n_bad):
        flat[rng.integers(0, flat.size)] = rng.choice(BAD)
    return x


@pytest.fixture
def small_blocks(monkeypatch):
    """Sub-blocks of 64 and super-blocks of 1024 values, so that arrays of a
    few hundred thousand values cross many of both."""
    monkeypatch.setattr(_scan, "SUB", 64)
    monkeypatch.setattr(_scan, "SUPER", 1024)


@pytest.mark.parametrize("seed", range(12))
def test_compiled_scan_reports_the_same_index(small_blocks, seed):
    rng = np.random.default_rng(seed)
    shape = [(70_000,), (300, 257), (7, 100, 97), (2, 3, 4, 5, 600)][seed % 4]
    x = _arrays(rng, shape, n_bad=seed % 4)  # 0 to 3 bad values
    assert x.size >= _checks._SCAN_SMALL and x.flags.c_contiguous
    assert _checks.first_nonfinite(x) == _checks._first_nonfinite_numpy(x)


@pytest.mark.parametrize("where", ["first", "last", "sub_edge", "super_edge", "two_in_one_block"])
def test_compiled_scan_at_block_edges(small_blocks, where):
    x = np.ones((400, 250))
    flat = x.reshape(-1)
    pos = {"first": [0], "last": [flat.size - 1], "sub_edge": [64 * 7 - 1, 64 * 7], "super_edge": [1024 * 5],
           "two_in_one_block": [64 * 3 + 9, 64 * 3 + 2]}[where]  # fmt: skip
    for p in pos:
        flat[p] = np.nan
    want = _checks._first_nonfinite_numpy(x)
    assert want == tuple(int(i) for i in np.unravel_index(min(pos), x.shape))
    assert _checks.first_nonfinite(x) == want


def test_default_block_sizes_on_a_large_array():
    x = np.zeros((3000, 5000))  # 15 M values: two super-blocks of the default size
    assert _checks.first_nonfinite(x) is None
    x[2999, 4998] = -np.inf
    x[2999, 4999] = np.nan
    assert _checks.first_nonfinite(x) == (2999, 4998) == _checks._first_nonfinite_numpy(x)
    x[1678, 1] = np.inf  # the second super-block starts at 8 Mi = row 1677.7
    assert _checks.first_nonfinite(x) == (1678, 1) == _checks._first_nonfinite_numpy(x)


@pytest.mark.parametrize("seed", range(6))
def test_chunked_scan_reports_the_same_index(monkeypatch, seed):
    monkeypatch.setattr(_checks, "_SCAN_CHUNK", 1000)  # many chunks
    rng = np.random.default_rng(100 + seed)
    full = _arrays(rng, (400, 60, 6), n_bad=seed % 3)
    for x in (full[::2, :, ::3], np.asfortranarray(full), full.astype(np.float32)):
        assert not (x.dtype == np.float64 and x.flags.c_contiguous)  # not the compiled path
        assert _checks.first_nonfinite(x) == _checks._first_nonfinite_numpy(x)


def test_without_numba_the_chunked_scan_is_used(monkeypatch):
    monkeypatch.setitem(sys.modules, "refneuron.backends._scan", None)  # import fails
    monkeypatch.setattr(_checks, "_SCAN_CHUNK", 5000)
    x = np.ones((500, 300))
    x[321, 17] = np.nan
    x[400, 0] = np.inf
    assert _checks._first_nonfinite_compiled(x) is None
    assert _checks.first_nonfinite(x) == (321, 17)


def test_integers_and_bools_are_finite_without_a_scan():
    assert _checks.first_nonfinite(np.arange(100_000)) is None
    assert _checks.first_nonfinite(np.ones((300, 300), dtype=bool)) is None


@pytest.mark.parametrize("layout", ["contiguous", "strided", "float32"])
def test_as_inputs_message_names_the_first_bad_index(layout):
    x = np.full((300, 400), 0.5)
    x[211, 399] = np.inf
    x[211, 398] = np.nan if layout != "float32" else -np.inf
    x[250, 0] = np.nan
    if layout == "strided":
        x = np.repeat(x, 2, axis=1)[:, ::2]
    elif layout == "float32":
        x = x.astype(np.float32)
    want = _checks._first_nonfinite_numpy(np.asarray(x, dtype=np.float64))
    assert want == (211, 398)
    with pytest.raises(InputError, match=r"at index \(t=211, neuron=\(398,\)\)"):
        rn.run(rn.snntorch.Leaky(beta=0.9), x)
    # without check_finite nothing is refused: the values propagate and are reported
    from refneuron.errors import NonFiniteStateWarning

    with pytest.warns(NonFiniteStateWarning, match=r"t=211, neuron \(398,\)"):
        rn.run(rn.snntorch.Leaky(beta=0.9), x, record="final", check_finite=False, backend="cpu")
