"""Scalar/array math that the NumPy reference and the compiled backends share.

Each function here works on NumPy arrays (and Python/NumPy scalars) exactly
as the NumPy expression in its body, and is *overloaded* for the compiled
backends, so that a model's element-wise function can call it once and run
everywhere:

* Numba CPU (``numba.njit``): the ``math`` function of the same name,
  which LLVM lowers to the C library's scalar routine;
* Numba-CUDA: the ``math`` function of the same name (libdevice on a GPU,
  the C library under the simulator).

NumPy's vectorised ``exp`` and the C library's scalar ``exp`` may differ in
the last bit for some arguments; that is the only way a compiled result can
differ from the NumPy reference through these functions (the bounds are in
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


def to_float32(a):
    """``a`` rounded to float32 and returned as float64 (overflow gives inf, silently)."""
    with np.errstate(over="ignore"):
        return np.asarray(a, dtype=np.float32).astype(np.float64)


_CPU = False
_CUDA = False


def _exp_impl(x):
    return math.exp(x)


def _expit_impl(x):
    return 1.0 / (1.0 + math.exp(-x))


def register_cpu():
    """Overload the functions above for ``numba.njit`` code (idempotent)."""
    global _CPU
    if _CPU:
        return
    from numba import types
    from numba.extending import overload

    @overload(exp, jit_options={"error_model": "numpy"})
    def _exp_cpu(x):
        if isinstance(x, (types.Float, types.Integer)):
            return lambda x: math.exp(x)

    @overload(expit, jit_options={"error_model": "numpy"})
    def _expit_cpu(x):
        if isinstance(x, (types.Float, types.Integer)):
            return lambda x: 1.0 / (1.0 + math.exp(-x))

    @overload(to_float32, jit_options={"error_model": "numpy"})
    def _f32_cpu(a):
        if isinstance(a, (types.Float, types.Integer)):
            return lambda a: np.float64(np.float32(a))

    _CPU = True


def register_cuda():
    """Overload the functions above for Numba-CUDA kernels (idempotent)."""
    global _CUDA
    if _CUDA:
        return
    from numba.cuda import types
    from numba.cuda.extending import overload

    @overload(exp, target="cuda")
    def _exp_cuda(x):
        if isinstance(x, (types.Float, types.Integer)):
            return lambda x: math.exp(x)

    @overload(expit, target="cuda")
    def _expit_cuda(x):
        if isinstance(x, (types.Float, types.Integer)):
            return lambda x: 1.0 / (1.0 + math.exp(-x))

    @overload(to_float32, target="cuda")
    def _f32_cuda(a):
        if isinstance(a, (types.Float, types.Integer)):
            return lambda a: np.float64(np.float32(a))

    _CUDA = True


__all__ = ["exp", "expit", "to_float32", "register_cpu", "register_cuda"]
