"""Scalar/array math that the NumPy reference and the compiled backends share.

Each function here works on NumPy arrays (and Python/NumPy scalars) exactly
as the NumPy expression in its body, and is *overloaded* for the compiled
backends, so that a model's element-wise function can call it once and run
everywhere:

* Numba CPU (``numba.njit``): ``exp`` and ``expit`` use the branch-free
  ``exp`` of :mod:`refneuron.backends._fastexp` (within 1 ulp, and a loop
  calling it vectorises, which the C library's scalar routine prevents);
  the others the ``math`` function of the same name, which LLVM lowers to
  the C library's scalar routine;
* Numba-CUDA: the ``math`` function of the same name (libdevice on a GPU,
  the C library under the simulator).

NumPy's vectorised ``exp`` and the compiled scalar ``exp`` (both within 1 ulp)
may differ in the last bit for some arguments (about 1 in 20); that, and the
same for ``log`` and ``tanh``, is the only way a compiled result can differ
from the NumPy reference through these functions (the bounds are in
``refneuron/backends``).  The overloads are registered by
:func:`register_cpu` and :func:`register_cuda`, which the backends call
before compiling; importing this module does not import Numba.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit as _expit


def exp(x):
    """:math:`e^x`, element-wise (``np.exp``)."""
    return np.exp(x)


def expit(x):
    r"""The logistic function :math:`1/(1 + e^{-x})`, element-wise
    (``scipy.special.expit``; compiled: ``1.0 / (1.0 + exp(-x))``)."""
    return _expit(x)


def log(x):
    """Natural logarithm, element-wise (``np.log``)."""
    return np.log(x)


def tanh(x):
    """Hyperbolic tangent, element-wise (``np.tanh``)."""
    return np.tanh(x)


def maximum(a, b):
    """``np.maximum``: NaN if either is NaN, else the larger (compiled:
    ``a if a > b else b`` after the NaN checks: the second on ties, so
    ``maximum(0.0, -0.0)`` is -0.0, as NumPy gives)."""
    return np.maximum(a, b)


def minimum(a, b):
    """``np.minimum``: NaN if either is NaN, else the smaller (compiled:
    ``a if a < b else b`` after the NaN checks, the second on ties)."""
    return np.minimum(a, b)


def where(c, a, b):
    """``np.where(c, a, b)`` (compiled: ``a if c else b``, the same value
    element by element, NaN included)."""
    return np.where(c, a, b)


def indicator(x):
    """1.0 where the condition ``x`` (a boolean, or a boolean array) holds,
    else 0.0: ``x * 1.0``, element-wise.

    Compiled: ``1.0 if x else 0.0``, the same value.  Written as ``x * 1.0``
    in compiled code, LLVM converts the condition through an integer (on an
    AVX2 CPU: compare, narrow the lane mask to 32 bits, mask, convert to
    double, four instructions in a row after the compare); the select is one
    masking instruction.  On a long step, whose vector loop
    waits on latency, that was measured to count (:mod:`refneuron.backends.cpu`).
    """
    return x * 1.0


def ones_like(a):
    """``np.ones_like(a)`` (compiled: ``1.0``)."""
    return np.ones_like(a)


def to_float32(a):
    """``a`` rounded to float32 and returned as float64 (overflow gives inf, silently)."""
    with np.errstate(over="ignore"):
        return np.asarray(a, dtype=np.float32).astype(np.float64)


_CPU = False
_CUDA = False


def _max_impl(a, b):
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


def _min_impl(a, b):
    if a != a:
        return a
    if b != b:
        return b
    return a if a < b else b


#: name -> scalar implementation for compiled code (numbers only); the CPU
#: replaces exp and expit (register_cpu)
_SCALAR = {
    "exp": lambda x: math.exp(x),
    "expit": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "log": lambda x: math.log(x),
    "tanh": lambda x: math.tanh(x),
    "to_float32": lambda a: np.float64(np.float32(a)),
    "ones_like": lambda a: 1.0,
    "indicator": lambda x: 1.0 if x else 0.0,
}
_BINARY = {"maximum": _max_impl, "minimum": _min_impl}


def _register(overload, types, scalar=None, **kw):
    number = (types.Float, types.Integer, types.Boolean)

    def unary(impl):
        # the typer's argument names must be the overloaded function's
        if "a" in impl.__code__.co_varnames[:1]:

            def typer_a(a):
                if isinstance(a, number):
                    return impl

            return typer_a

        def typer(x):
            if isinstance(x, number):
                return impl

        return typer

    def binary(impl):
        def typer(a, b):
            if isinstance(a, number) and isinstance(b, number):
                return impl

        return typer

    def where_typer(c, a, b):
        if isinstance(a, number) and isinstance(b, number):
            return lambda c, a, b: a if c else b

    for name, impl in (scalar or _SCALAR).items():
        overload(globals()[name], **kw)(unary(impl))
    for name, impl in _BINARY.items():
        overload(globals()[name], **kw)(binary(impl))
    overload(where, **kw)(where_typer)


def register_cpu():
    """Overload the functions above for ``numba.njit`` code (idempotent)."""
    global _CPU
    if _CPU:
        return
    from numba import types
    from numba.extending import overload

    from .backends import _fastexp

    fexp, fexpit = _fastexp.exp, _fastexp.expit
    scalar = dict(_SCALAR, exp=lambda x: fexp(float(x)), expit=lambda x: fexpit(float(x)))
    # forceinline (LLVM alwaysinline): spliced into the kernels whatever LLVM's cost model
    # says, as the models' functions are (refneuron.backends._jit.jitable_cpu says why)
    _register(overload, types, scalar=scalar, jit_options={"error_model": "numpy", "forceinline": True})
    _CPU = True


def register_cuda():
    """Overload the functions above for Numba-CUDA kernels (idempotent)."""
    global _CUDA
    if _CUDA:
        return
    from numba.cuda import types
    from numba.cuda.extending import overload

    _register(overload, types, target="cuda")
    _CUDA = True


__all__ = ["exp", "expit", "log", "tanh", "maximum", "minimum", "where", "indicator", "ones_like", "to_float32", "register_cpu", "register_cuda"]
