"""The surrogate-gradient base record.

A surrogate replaces ``dS/dx`` of the spike step ``S = H(x)``, where ``x`` is
the argument the neuron passes in (``membrane - threshold``).  Each surrogate
is a frozen record of its parameters with three pure functions of ``x``:

* ``heaviside(x)``: the forward spike with the framework's comparison
  (``x > 0`` for snntorch and norse, ``x >= 0`` for spikingjelly);
* ``derivative(x)``: ``dS/dx`` as the framework's backward computes it;
* ``primitive(x)``: a function whose derivative is ``derivative`` (the smooth
  step it stands for), or ``None`` where the framework's formula is not the
  derivative of any function it names.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from .._records import Record


@dataclasses.dataclass(frozen=True, eq=False)
class Surrogate(Record):
    """Base of every surrogate (see the module docstring)."""

    framework: ClassVar[str] = ""
    #: ">" (strict, snntorch and norse) or ">=" (spikingjelly)
    comparison: ClassVar[str] = ">"

    def heaviside(self, x):
        x = np.asarray(x, dtype=np.float64)
        return (x > 0).astype(np.float64) if self.comparison == ">" else (x >= 0).astype(np.float64)

    def derivative(self, x):
        raise NotImplementedError

    def primitive(self, x):
        raise NotImplementedError


def as_surrogate(name, value):
    """Field converter: a :class:`Surrogate` instance, else a ``TypeError``."""
    if not isinstance(value, Surrogate):
        raise TypeError(f"{name}: must be a refneuron surrogate record (got {type(value).__name__})")
    return value
