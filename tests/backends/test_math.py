"""refneuron._math: the functions the models call where NumPy and the
compilers differ (exp, log, tanh, maximum, minimum, where, indicator,
ones_like, to_float32, expit), compiled with numba.njit on scalars, against the NumPy
forms the reference evaluates.  These replace the former GPU twins: the CUDA
target uses the same scalar implementations (checked under the simulator
through the kernels in test_cuda.py / test_backward.py).

Tolerances: the selections (maximum, minimum, where, indicator, ones_like) and the
float32 rounding are exact, NaN, infinities and signed zeros included
(bitwise).  exp, log, tanh and expit are the C library's scalar routines
against NumPy's vectorised ones; both are faithfully rounded, so they may
differ by 1 ulp of each: 2 eps relative (measured: exp 2.2e-16, log 2.2e-16,
tanh 4.0e-16, expit 0 on 40,000 arguments).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numba import njit

from refneuron import _math
from refneuron.backends._jit import jitable_cpu

from .._oracle import record

jitable_cpu()  # registers the _math overloads

EPS = np.finfo(np.float64).eps
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-300, -1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan]


@njit
def _max(a, b):
    return _math.maximum(a, b)


@njit
def _min(a, b):
    return _math.minimum(a, b)


@njit
def _where(c, a, b):
    return _math.where(c, a, b)


@njit
def _indicator(c):
    return _math.indicator(c)


@njit
def _ones(a):
    return _math.ones_like(a)


@njit
def _f32(a):
    return _math.to_float32(a)


@njit
def _exp(x):
    return _math.exp(x)


@njit
def _log(x):
    return _math.log(x)


@njit
def _tanh(x):
    return _math.tanh(x)


@njit
def _expit(x):
    return _math.expit(x)


def _bits(v):
    return np.float64(v).view(np.uint64)


def test_selections_are_bitwise():
    vals = SPECIAL + list(np.random.default_rng(0).normal(0.0, 2.0, 40))
    for a, b in itertools.product(vals, SPECIAL):
        fa, fb = np.float64(a), np.float64(b)
        for got, ref in [(_max(a, b), np.maximum(fa, fb)), (_min(a, b), np.minimum(fa, fb)),
                         (_where(a > b, a, b), np.where(fa > fb, fa, fb))]:  # fmt: skip
            # NaN payloads aside, the same bits (signed zeros kept)
            assert (np.isnan(got) and np.isnan(ref)) or _bits(got) == _bits(ref), (a, b, got, ref)
            assert _bits(_indicator(a > b)) == _bits(_math.indicator(fa > fb)), (a, b)
            assert _bits(_indicator(a >= b)) == _bits(_math.indicator(np.greater_equal(fa, fb))), (a, b)
        assert _bits(_ones(a)) == _bits(np.ones_like(fa))
    for a in vals + [3.4028235677973366e38, 3.5e38, 1.0000000596046448]:
        ref = _math.to_float32(np.float64(a))
        assert (np.isnan(ref) and np.isnan(_f32(a))) or _bits(_f32(a)) == _bits(ref), a


def test_indicator_is_a_select_in_compiled_loops():
    """``indicator(c)`` compiles to a select, not to ``c * 1.0``'s conversion
    through an integer (``uitofp``): the shorter form is why the long steps
    call it (refneuron/backends/cpu.py); the values are the same (above)."""

    @njit
    def loop(x, out):
        for k in range(x.shape[0]):
            out[k] = _math.indicator(x[k] > 0.5) * x[k]

    x = np.random.default_rng(1).random(64)
    out = np.empty_like(x)
    loop(x, out)
    assert np.array_equal(out, (x > 0.5) * 1.0 * x)
    llvm = loop.inspect_llvm(loop.signatures[0])
    assert "x double>" in llvm  # vectorised
    assert "uitofp" not in llvm and "sitofp" not in llvm


@pytest.mark.parametrize("name,fn,lo,hi", [
    ("exp", _exp, -745.0, 709.0), ("log", _log, 1e-300, 1e300), ("tanh", _tanh, -20.0, 20.0),
    ("expit", _expit, -700.0, 700.0),
])  # fmt: skip
def test_transcendentals_within_one_ulp(name, fn, lo, hi):
    rng = np.random.default_rng(1)
    if name == "log":
        xs = np.exp(rng.uniform(np.log(lo), np.log(hi), 20000))
    else:
        xs = rng.uniform(lo, hi, 20000)
    xs = np.concatenate([xs, rng.uniform(-3.0, 3.0, 20000) if name != "log" else rng.uniform(0.1, 3.0, 20000)])
    ref = getattr(_math, name)(xs)
    got = np.array([fn(float(v)) for v in xs])
    scale = np.maximum(np.abs(ref), np.finfo(np.float64).tiny)
    worst = float(np.max(np.abs(got - ref) / scale))
    record(f"_math.{name} compiled vs NumPy, relative", [worst], [0.0])
    assert worst <= 2 * EPS, (name, worst)  # 1 ulp each way, see the module docstring
    for v in [0.0, -0.0, np.inf, -np.inf, np.nan]:
        with np.errstate(all="ignore"):
            r = getattr(_math, name)(np.float64(v))
        g = fn(v)
        assert (np.isnan(r) and np.isnan(g)) or r == g, (name, v, g, r)
