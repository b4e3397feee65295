"""The surrogate-gradient base record.

A surrogate replaces ``dS/dx`` of the spike step ``S = H(x)``, where ``x`` is
the argument the neuron passes in (``membrane - threshold``).  Each surrogate
is a frozen record of its parameters with these pure functions of ``x``:

* ``heaviside(x)``: the spike with the framework's comparison
  (``x > 0`` for snntorch and norse, ``x >= 0`` for spikingjelly);
* ``forward(x)``: what the framework's spike function returns, normally
  ``heaviside(x)``; spikingjelly's ``spiking=False`` returns the primitive;
* ``derivative(x)``: ``dS/dx`` as the framework's backward computes it, in
  the framework's order of operations (overflow included);
* ``primitive(x)``: a function whose derivative is ``derivative`` (the smooth
  step the surrogate stands for), or ``None`` where the framework's formula
  is not the derivative of a step (each class says why).

All three return float64 arrays of the shape of ``x`` (0-d for a scalar).

Adding a surrogate (checklist)
------------------------------
1. Subclass :class:`Surrogate` as a frozen dataclass; fields declared with
   :func:`refneuron._records.param` / ``flag`` and their rules; defaults equal
   to the framework's.
2. Set ``name`` (the framework's own name), ``framework`` and ``comparison``.
3. Write ``derivative`` in the framework's order of operations and
   ``primitive`` (or return ``None`` and say why in the docstring).
4. Register the class in the framework module's table (``SURROGATES``);
   the tests iterate over it.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import ClassVar

import numpy as np

from .. import _checks
from .._records import Record
from ..errors import InputTypeError, ParameterError


def as_x(x):
    """The surrogate argument as a float64 array (bool/int/float accepted;
    complex, strings and objects are an ``InputTypeError``).  Non-finite
    values are allowed and propagate as in the frameworks."""
    return np.asarray(_checks._numeric_array("x", x, allow_bool=True), dtype=np.float64)


@dataclasses.dataclass(frozen=True, eq=False)
class Surrogate(Record):
    """Base of every surrogate (see the module docstring)."""

    #: the framework's own name (class name, factory name or norse method)
    name: ClassVar[str] = ""
    framework: ClassVar[str] = ""
    #: ">" (strict, snntorch and norse) or ">=" (spikingjelly)
    comparison: ClassVar[str] = ">"
    #: False where ``derivative`` draws random numbers (snntorch SSO)
    deterministic: ClassVar[bool] = True
    #: False where ``forward`` (spiking) is not the threshold ``heaviside`` (spikingjelly
    #: ``PoissonPass``: a Bernoulli draw); neuron models that fire by threshold refuse those
    forward_is_threshold: ClassVar[bool] = True

    def heaviside(self, x):
        """The spike ``H(x)`` with the framework's comparison, as 0.0 / 1.0."""
        x = as_x(x)
        return (x > 0).astype(np.float64) if self.comparison == ">" else (x >= 0).astype(np.float64)

    def forward(self, x):
        """What the framework's spike function returns for ``x``."""
        return self.heaviside(x)

    def derivative(self, x):
        raise NotImplementedError

    def primitive(self, x):
        raise NotImplementedError


def as_surrogate(name, value):
    """Field converter: a :class:`Surrogate` instance, else a ``TypeError``."""
    if not isinstance(value, Surrogate):
        raise TypeError(f"{name}: must be a refneuron surrogate record (got {type(value).__name__})")
    return value


def as_int(name, value, minimum):
    """Field converter for an integer parameter ``>= minimum`` (bool and
    non-integral values are an ``InputTypeError``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name}: must be an integer (got {value!r})")
    value = int(value)
    if not (value >= minimum):
        raise ParameterError(f"{name}: must be >= {minimum} (got {value!r})")
    return value


def as_callable(name, value):
    """Field converter: a callable, else an ``InputTypeError``."""
    if not callable(value):
        raise InputTypeError(f"{name}: must be callable (got {type(value).__name__})")
    return value
