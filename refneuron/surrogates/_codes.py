"""Surrogate derivatives by code, for the compiled one-neuron reverse steps.

A surrogate enters a compiled kernel as ``(code, p0, p1)``
(:func:`refneuron.backends._backward.surrogate_args` builds the triple from a
surrogate record): ``code`` selects one of the surrogate modules'
element-wise derivative functions (the same functions the surrogate
classes' ``derivative`` methods call), ``p0``/``p1`` are its parameters.
Code 0 (:data:`ZERO_GRAD`) is "no gradient through the spike" (snntorch
``surrogate_disable``, norse ``method="heaviside"``).

The models' reverse steps (``leaky_back``, ``sj_lif_back``, ... in the model
files) call :func:`surrogate_slope`, so it lives here, beside the surrogate
modules and free of Numba, rather than in :mod:`refneuron.backends`: the
model files are imported without Numba and must not import the backends.
"""

from __future__ import annotations

from . import norse as _sn
from . import snntorch as _st
from . import spikingjelly as _sj

#: surrogate codes
ZERO_GRAD, ST_ATAN, ST_FAST_SIGMOID, ST_SIGMOID, SJ_SIGMOID, SJ_ATAN, NORSE_SUPERSPIKE = range(7)


def surrogate_slope(code, x, p0, p1):
    """The surrogate derivative ``dS/dx`` of code ``code`` at ``x`` (one neuron)."""
    if code == ST_ATAN:
        return _st.atan_derivative(x, p0)
    if code == ST_FAST_SIGMOID:
        return _st.fast_sigmoid_derivative(x, p0)
    if code == ST_SIGMOID:
        return _st.sigmoid_derivative(x, p0, p1)
    if code == SJ_SIGMOID:
        return _sj.sigmoid_surrogate_derivative(x, p0)
    if code == SJ_ATAN:
        return _sj.atan_surrogate_derivative(x, p0)
    if code == NORSE_SUPERSPIKE:
        return _sn.superspike_derivative(x, p0, p1 != 0.0)
    return 0.0 * x
