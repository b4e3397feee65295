"""refneuron.backends._fastexp: the branch-free ``exp`` that ``_math.exp`` and
``_math.expit`` compile to on the Numba CPU target.

It is compiled here exactly as the kernels reach it: ``_math.exp`` called
from ``numba.njit`` code with the kernels' options (``NJIT_OPTIONS``), in a
loop over an array (the vectorised form) and on scalars.  The reference is
``exp`` evaluated by mpmath at 120 bits (or, without mpmath, ``np.longdouble``
with a 64-bit mantissa, whose own error of 2^-64 relative is 1/2048 of a
double's ulp and cannot hide a 1-ulp error).

Tolerance: at most 1 ulp of the exact value (1 ulp = 2^(e - 52) for a result
in [2^e, 2^(e+1)), 2^-1074 for subnormal results), the bound the module
states: the analysis in its docstring gives about 0.77 ulp for normal results
and 0.5 ulp plus the error of the 53-bit intermediate (at most about 0.3
units of the coarser subnormal grid) for subnormal ones.  Special values
are exact.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import njit

from refneuron import _math
from refneuron.backends import _fastexp
from refneuron.backends._jit import NJIT_OPTIONS, jitable_cpu

from .._oracle import record

jitable_cpu()  # registers the _math overloads (exp -> _fastexp.exp on the CPU)

_OPTS = dict(NJIT_OPTIONS, cache=False)  # the kernels' options; caching is tested in a subprocess below

TINY = np.finfo(np.float64).tiny  # smallest normal, 2^-1022
LN_MAX = 709.782712893384  # the double nearest log(DBL_MAX); exp(LN_MAX) < DBL_MAX + ulp/2
LN_HALF_SUB = -745.1332191019412  # the double nearest log(2^-1075), half the smallest subnormal


@njit(**_OPTS)
def _exp_loop(xs):
    out = np.empty_like(xs)
    for i in range(xs.size):
        out[i] = _math.exp(xs[i])
    return out


@njit(**_OPTS)
def _exp_scalar(x):
    return _math.exp(x)


try:
    import mpmath

    def _exact(x):
        return mpmath.exp(mpmath.mpf(float(x)))

    def _ulp_error(x, got):
        """(got - exp(x)) in ulps of exp(x), exactly (mpmath, 120 bits)."""
        with mpmath.workprec(120):
            e = _exact(x)
            m, ex = mpmath.frexp(e)  # e = m * 2^ex, 0.5 <= m < 1
            ulp = mpmath.ldexp(1, max(int(ex) - 53, -1074))
            if e >= mpmath.mpf(2) ** 1024 - mpmath.mpf(2) ** 970:  # above DBL_MAX + ulp/2: IEEE gives inf
                return 0.0 if got == math.inf else math.inf
            return float((mpmath.mpf(float(got)) - e) / ulp)

    REFERENCE = "mpmath, 120 bits"
except ImportError:  # pragma: no cover - mpmath comes with the test dependencies
    if np.finfo(np.longdouble).nmant < 63:
        pytest.skip("needs mpmath or an 80-bit long double", allow_module_level=True)

    def _ulp_error(x, got):
        with np.errstate(all="ignore"):
            e = np.exp(np.longdouble(x))
        m, ex = np.frexp(e)
        ulp = np.ldexp(np.longdouble(1), max(int(ex) - 53, -1074))
        if e >= np.longdouble(2) ** 1024 - np.longdouble(2) ** 970:  # above DBL_MAX + ulp/2: inf
            return 0.0 if got == math.inf else math.inf
        return float((np.longdouble(got) - e) / ulp)

    REFERENCE = "np.longdouble"


def _sample():
    rng = np.random.default_rng(20240611)
    return np.concatenate([
        rng.uniform(-745.2, 709.8, 12000),  # the whole finite range
        rng.uniform(-1.0, 1.0, 4000),  # |r| near 0 and k in {-1, 0, 1}
        rng.uniform(-745.2, -708.3, 3000),  # subnormal results
        rng.uniform(LN_MAX - 1e-9, LN_MAX, 500),  # just below overflow
        rng.uniform(LN_HALF_SUB, LN_HALF_SUB + 1e-9, 500),  # the smallest subnormals
    ])  # fmt: skip


def test_within_one_ulp_of_exact():
    xs = _sample()
    got = _exp_loop(xs)
    errs = np.array([_ulp_error(x, g) for x, g in zip(xs.tolist(), got.tolist())])
    sub = got < TINY
    worst_normal = float(np.max(np.abs(errs[~sub])))
    worst_sub = float(np.max(np.abs(errs[sub])))
    record(f"_fastexp.exp vs exact ({REFERENCE}), ulp, normal results", [worst_normal], [0.0])
    record(f"_fastexp.exp vs exact ({REFERENCE}), ulp, subnormal results", [worst_sub], [0.0])
    assert worst_normal <= 1.0, worst_normal  # the stated bound (module docstring: ~0.77 by analysis)
    assert worst_sub <= 1.0, worst_sub
    assert np.all(np.isfinite(got[xs <= LN_MAX])) and np.all(np.isinf(got[xs > LN_MAX]))
    # the scalar call compiles to the same operations as the vectorised loop: same bits
    scal = np.array([_exp_scalar(float(x)) for x in xs[::50]])
    assert np.array_equal(scal, got[::50])


def test_special_values_exact():
    loop_in = []
    expected = []

    def check(x, want):
        g = _exp_scalar(x)
        assert (np.isnan(want) and np.isnan(g)) or (g == want and math.copysign(1, g) == math.copysign(1, want)), (
            x, g, want,
        )  # fmt: skip
        loop_in.append(x)
        expected.append(want)

    check(np.nan, np.nan)
    check(-np.nan, np.nan)
    check(np.inf, np.inf)
    check(-np.inf, 0.0)  # +0
    check(0.0, 1.0)
    check(-0.0, 1.0)
    # |x| < 2^-54: e^x = 1 + x + ..., within a quarter ulp of 1, rounds to 1
    for tiny in [5e-324, 1e-300, TINY, 1e-17, 2.0**-54]:
        check(tiny, 1.0)
        check(-tiny, 1.0)
    # overflow: above LN_MAX exp(x) > DBL_MAX + ulp/2, so the IEEE result is inf
    for x in [np.nextafter(LN_MAX, np.inf), 709.79, 710.0, 745.0, 1e10, 1e308, np.finfo(np.float64).max]:
        check(float(x), np.inf)
    # underflow: at and below LN_HALF_SUB exp(x) < 2^-1075 (half the smallest subnormal) rounds to +0
    for x in [LN_HALF_SUB, np.nextafter(LN_HALF_SUB, -np.inf), -745.2, -746.0, -1e10, -1e308, -np.finfo(np.float64).max]:
        check(float(x), 0.0)
    # just inside both ends: finite, and the smallest subnormal 2^-1074 (exp there is just above 2^-1075)
    g = _exp_scalar(LN_MAX)
    assert math.isfinite(g) and abs(_ulp_error(LN_MAX, g)) <= 1.0
    check(float(np.nextafter(LN_HALF_SUB, np.inf)), 5e-324)
    # the same through the vectorised loop
    out = _exp_loop(np.array(loop_in))
    assert np.array_equal(out, np.array(expected), equal_nan=True)
    assert not np.any(np.signbit(out[~np.isnan(out)]))


def test_expit_uses_it():
    @njit(**_OPTS)
    def expit(x):
        return _math.expit(x)

    for x in [-800.0, -745.0, -30.0, -1.0, 0.0, 0.5, 30.0, 800.0, np.inf, -np.inf]:
        want = 1.0 / (1.0 + _exp_scalar(-x))  # the same formula on the compiled exp, exactly
        assert expit(x) == want, x
    assert np.isnan(expit(np.nan))


def test_no_library_call_in_the_loop():
    # the point of the module: a loop calling _math.exp has no call to the C library's exp
    llvm = _exp_loop.inspect_llvm(_exp_loop.signatures[0])
    assert "@exp(" not in llvm and "llvm.exp." not in llvm
    if _fastexp.has_fma():  # a CPU with FMA has at least AVX2: the loop must be vectorised
        assert "x double>" in llvm


def test_works_with_cache(tmp_path):
    # a cache=True function calling _math.exp, compiled in one process and loaded from the cache in another
    mod = tmp_path / "fexp_cached.py"
    mod.write_text(textwrap.dedent("""
        import numpy as np
        from numba import njit
        from refneuron import _math
        from refneuron.backends._jit import NJIT_OPTIONS, jitable_cpu
        jitable_cpu()

        @njit(**NJIT_OPTIONS)
        def f(xs):
            out = np.empty_like(xs)
            for i in range(xs.size):
                out[i] = _math.exp(xs[i])
            return out

        r = f(np.array([-1000.0, -745.0, -1.0, 0.0, 0.5, 709.0, 710.0]))
        print(repr(r.tolist()), f.stats.cache_hits.get(f.signatures[0], 0))
    """))
    run = lambda: subprocess.run([sys.executable, str(mod)], capture_output=True, text=True, cwd=tmp_path, timeout=120)  # noqa: E731
    first, second = run(), run()
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
    v1, hits1 = first.stdout.rsplit(" ", 1)
    v2, hits2 = second.stdout.rsplit(" ", 1)
    assert int(hits1) == 0 and int(hits2) == 1  # compiled, then loaded
    assert v1 == v2
    # exp(-745) = 2^-1074.8, 0.57 of the smallest subnormal: rounds to 2^-1074 = 5e-324
    want = [0.0, 5e-324, _exp_scalar(-1.0), 1.0, _exp_scalar(0.5), _exp_scalar(709.0), math.inf]
    assert eval(v1, {"inf": math.inf}) == want
