r"""A branch-free, vectorisable ``exp`` for ``numba.njit`` code.

Numba lowers ``math.exp`` to the C library's scalar routine, an opaque call
that LLVM can only repeat lane by lane.  :func:`exp` below is plain
arithmetic, integer bit operations and selects (no library call, no
data-dependent branch), so that a loop calling it (the kernels' loop over a
block of neurons) vectorises like any other arithmetic; :mod:`refneuron._math`
makes it the Numba CPU implementation of ``_math.exp`` and ``_math.expit``.
(CUDA keeps ``math.exp``, libdevice.)

Algorithm
---------
1. Clamp :math:`x` to :math:`[-750, 750]` with two selects that let NaN
   through (NaN then propagates through the arithmetic); ``-inf`` and every
   :math:`x \le -750` give 0, ``+inf`` and :math:`x \ge 750` give inf
   through step 4.
2. Range reduction :math:`x = k \ln 2 + r`, :math:`|r| \lesssim \ln 2 / 2`:
   :math:`k = \mathrm{round}(x / \ln 2)` by adding and subtracting
   :math:`1.5 \cdot 2^{52}` (the sum's low mantissa bits hold :math:`k`,
   read through an int64 bitcast: no float-to-int conversion, which is
   undefined for NaN).  Cody--Waite with two constants,
   :math:`\ln 2 = L_{hi} + L_{lo}` (fdlibm's; :math:`L_{hi}` has 21 trailing
   zero bits, so :math:`k L_{hi}` is exact for :math:`|k| < 2^{21}` and
   :math:`h = x - k L_{hi}` is exact by Sterbenz's lemma);
   :math:`l = k L_{lo}` (:math:`|l| < 2.1 \cdot 10^{-7}`) and
   :math:`r = h - l`, rounded.
3. :math:`e^{h - l} \approx 1 + h - l + r^2 q(r)`, where :math:`q` is a
   degree-10 polynomial for :math:`(e^r - 1 - r)/r^2` on
   :math:`[-0.35, 0.35]`: the Chebyshev fit of mpmath's ``chebyfit`` at 200
   bits, maximum error :math:`1.6 \cdot 10^{-18}` (:math:`\le 2 \cdot
   10^{-19}` after the factor :math:`r^2`, 0.002 ulp of 1).  The interval is
   a little wider than :math:`\pm \ln 2/2` because :math:`x/\ln 2` is
   rounded before :math:`k` is.  It is evaluated as :math:`q = q_0 + r\,q'(r)`
   with :math:`q'` (degree 9) by Estrin's scheme: five independent
   first-degree pairs :math:`q_j + q_{j+1} r`, combined with :math:`r^2`,
   :math:`r^4` and :math:`r^8`.  That is five multiply-adds in a row where
   Horner's scheme has ten; in the kernels' vector loops, whose long steps
   (AdEx) wait on latency rather than on throughput, this was measured to
   count (:mod:`refneuron.backends.cpu`).  Adding :math:`q_0 = 1/2` last, in
   one multiply-add, keeps Horner's accuracy: with :math:`q_0` inside the
   tree, three roundings of numbers near 1/2 reach the result and the
   maximum error rose from 0.647 to 0.679 ulp (measured as below).  The
   sum is taken as :math:`s + (e + (r^2 q - l))` with :math:`s = 1 + h`
   and its exact rounding error :math:`e = (1 - s) + h` (Fast2Sum), so
   that only the small terms are rounded before the final addition.
4. Scaling by :math:`2^k` as :math:`(p \cdot 2^{k_1}) \cdot 2^{k_2}`,
   :math:`k_1 = \lfloor k/2 \rfloor`, :math:`k_2 = k - k_1`: the first by
   adding :math:`k_1` to the exponent bits of :math:`p` (exact, the result
   stays normal), the second a multiplication by :math:`2^{k_2}` built from
   its exponent bits (a normal number for every clamped :math:`x`), which
   rounds once: results that overflow become inf, results in the subnormal
   range are rounded gradually (to nearest) from :math:`p`, and results
   below half the smallest subnormal become 0, all by the IEEE
   multiplication.

The multiply-adds of steps 2--3 are fused (``llvm.fma``, one rounding) when
Numba compiles for a CPU with FMA (:func:`has_fma`; every x86-64 CPU since
2013 with AVX2, every ARM64), else a multiplication and an addition: the
same algorithm, slightly less accurate (below), never a library ``fma``.

Error bound
-----------
Normal results, :math:`p \in [1/\sqrt 2, \sqrt 2]` with ulp :math:`2^{-53}`
below 1 and :math:`2^{-52}` above: the rounding of :math:`r` (at most
:math:`2^{-55}`) reaches the result only through :math:`r^2 q` (factor
:math:`\le 0.4`); the roundings of :math:`r^2`, of the polynomial (the last
multiply-add, :math:`q_0 + r q'`, rounds at :math:`2^{-54}` of
:math:`q \approx 1/2`, the earlier ones reach :math:`q` through the factor
:math:`r`: relative :math:`\approx 2^{-52}` of :math:`r^2 q \le 0.07`) and
of the two small additions add at most about :math:`2^{-55.5}`; then
:math:`s + (\dots)` rounds once (half an ulp).  Bound: about 0.5 + 0.2 = 0.7 ulp with FMA and
0.5 + 0.27 = 0.77 ulp without, multiplied exactly by :math:`2^k`.
Subnormal results: :math:`p` (error below 0.77 of its own ulp) is rounded
to the subnormal grid, whose unit is at least :math:`2^{-53}` relative:
at most 0.5 + 0.77/2 < 0.9 units of the grid (the worst case is the top
subnormal binade, where the grid is only twice as coarse as :math:`p`'s).
So at most 1 ulp everywhere: the result is faithfully rounded.

Measured against mpmath at 120 bits on 2,000,000 seeded arguments (half
uniform on [-745.2, 709.8], a quarter on [-1, 1], an eighth on
[-745.2, -708.3] (subnormal results), an eighth on [-40, 40]; seed
20261207): maximum error 0.643 ulp (normal results) and 0.755 units of the
subnormal grid with FMA, 0.657 and 0.754 without; not correctly rounded on
1.43 % (1.48 %) of the arguments.  Horner's scheme, which this evaluation
replaced, gave 0.647 and 0.755 with FMA, also 1.43 %, and differs from it on
0.065 % of the arguments.  It differs from glibc's ``math.exp`` (at most
0.504 ulp, not correctly rounded on 0.06 %) on 1.44 % of these arguments.
NumPy's ``np.exp`` gave glibc's value on all but two of them on the AMD
EPYC (AVX2) machine of these figures; on an AVX-512 machine, where NumPy has
its own vectorised ``exp`` (at most 0.672 ulp, not correctly rounded on
3.9 %), it differed from this one on 4.4 %.  ``tests/backends/test_fastexp.py``
repeats the check on 20,000 arguments.

Special values are exact: ``exp(nan)`` is NaN, ``exp(inf) = inf``,
``exp(-inf) = 0``, ``exp(0) = exp(-0) = 1``, ``exp(x) = 1`` for
:math:`|x| \le 2^{-54}`, inf above ``log(DBL_MAX)`` = 709.782712893384
(where :math:`e^x` exceeds DBL_MAX by more than half an ulp) and 0 at and
below -745.1332191019412 (where :math:`e^x` is below half the smallest
subnormal).

The bit casts and the fused multiply-add are ``numba.extending.intrinsic``
functions (one LLVM instruction each) and work with ``cache=True`` (Numba's
cache is keyed by the CPU and its features, so an FMA build is never loaded
on a CPU without FMA).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic, register_jitable

__all__ = ["exp", "expit"]


@intrinsic
def _as_int64(typingctx, x):
    """The bits of a float64 as an int64 (an LLVM ``bitcast``)."""
    if isinstance(x, types.Float) and x.bitwidth == 64:

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(types.float64), codegen


@intrinsic
def _as_float64(typingctx, n):
    """An int64's bits as a float64 (an LLVM ``bitcast``)."""
    if isinstance(n, types.Integer) and n.bitwidth == 64:

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.DoubleType())

        return types.float64(n), codegen


def has_fma(context=None):
    """Whether Numba compiles for a CPU with fused multiply-add (its target
    features, ``NUMBA_CPU_FEATURES`` included, contain ``+fma``)."""
    if context is None:
        from numba.core.registry import cpu_target

        context = cpu_target.target_context
    features = getattr(context.codegen(), "_tm_features", "") or ""
    return "+fma" in features.split(",")


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c``: one rounding (``llvm.fma``) where the target CPU has FMA,
    else a multiplication and an addition (never the C library's ``fma``)."""
    if all(isinstance(v, types.Float) and v.bitwidth == 64 for v in (a, b, c)):

        def codegen(context, builder, sig, args):
            if has_fma(context):
                dbl = ir.DoubleType()
                fn = builder.module.declare_intrinsic("llvm.fma", [dbl], ir.FunctionType(dbl, [dbl, dbl, dbl]))
                return builder.call(fn, args)
            return builder.fadd(builder.fmul(args[0], args[1]), args[2])

        return types.float64(types.float64, types.float64, types.float64), codegen


_INV_LN2 = 1.4426950408889634  # 1/ln 2 rounded (its error only moves k's rounding point)
_LN2_HI = 6.93147180369123816490e-01  # 0x3FE62E42FEE00000, 21 trailing zero bits
_LN2_LO = 1.90821492927058770002e-10  # 0x3DEA39EF35793C76, ln 2 - _LN2_HI
_SHIFT = 6755399441055744.0  # 1.5 * 2**52: x/ln2 + _SHIFT rounds x/ln2 to an integer
_SHIFT_BITS = 0x4338000000000000  # its bits
# q(r) ~ (e^r - 1 - r) / r^2 on [-0.35, 0.35], degree 10 (see the module docstring)
_Q0 = 0.5
_Q1 = 0.1666666666666667  # 0x1.5555555555557p-3
_Q2 = 0.04166666666666667  # 0x1.5555555555556p-5
_Q3 = 0.008333333333325551  # 0x1.111111110ff8bp-7
_Q4 = 0.0013888888888883332  # 0x1.6c16c16c16214p-10
_Q5 = 0.00019841269876840357  # 0x1.a01a01ac9de9ep-13
_Q6 = 2.480158732699005e-05  # 0x1.a01a01a74077ap-16
_Q7 = 2.755725286336732e-06  # 0x1.71ddfff6573d6p-19
_Q8 = 2.755727183153613e-07  # 0x1.27e4da1e12fb1p-22
_Q9 = 2.5106262550879078e-08  # 0x1.af5282aacdb2ep-26
_Q10 = 2.0915433598076003e-09  # 0x1.1f75a3caadff5p-29


@register_jitable(error_model="numpy", forceinline=True)
def exp(x):
    """:math:`e^x` for a float64 ``x``, within 1 ulp, branch-free (compiled code only)."""
    x = 750.0 if x > 750.0 else x  # NaN compares false and passes through
    x = -750.0 if x < -750.0 else x
    t = _fma(x, _INV_LN2, _SHIFT)
    k = _as_int64(t) - _SHIFT_BITS  # round(x / ln 2), |k| <= 1082
    kd = t - _SHIFT
    h = _fma(kd, -_LN2_HI, x)  # x - k ln2_hi, exact
    nlo = kd * -_LN2_LO
    r = h + nlo
    # q(r) = q0 + r q'(r), q' by Estrin's scheme (independent pairs, then powers of r^2)
    r2 = r * r
    r4 = r2 * r2
    qt = _fma(
        _fma(_fma(_Q8, r, _Q7), r2, _fma(_Q6, r, _Q5)),
        r4,
        _fma(_fma(_Q4, r, _Q3), r2, _fma(_Q2, r, _Q1)),
    )
    qt = _fma(_fma(_Q10, r, _Q9), r4 * r4, qt)
    q = _fma(qt, r, _Q0)
    s = 1.0 + h
    e = (1.0 - s) + h  # s + e = 1 + h exactly (Fast2Sum, |h| < 1)
    p = s + (e + _fma(r2, q, nlo))  # 1 + h - lo + r^2 q(r)
    # p * 2^k as (p * 2^k1) * 2^k2: the first exact (exponent bits), the second rounds once
    k1 = k >> 1
    return _as_float64(_as_int64(p) + (k1 << 52)) * _as_float64((k - k1 + 1023) << 52)


@register_jitable(error_model="numpy", forceinline=True)
def expit(x):
    """The logistic function :math:`1/(1 + e^{-x})` with :func:`exp`.

    Both are compiled with ``forceinline`` (LLVM ``alwaysinline``): left to
    LLVM's cost model, ``expit`` stayed an out-of-line call in spikingjelly
    ``Izhikevich``'s backward kernel (default Sigmoid surrogate), whose loop then
    ran one neuron at a time (:func:`refneuron.backends._jit.jitable_cpu`).
    """
    return 1.0 / (1.0 + exp(-x))
