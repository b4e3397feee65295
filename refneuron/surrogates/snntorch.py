"""snntorch 1.0.0 surrogates (``snntorch/surrogate.py``): forward ``H>(x)``."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._records import param
from ._base import Surrogate


@dataclasses.dataclass(frozen=True, eq=False)
class ATan(Surrogate):
    r"""snntorch ``atan(alpha=2.0)``, the default of every snntorch neuron.

    .. math:: \frac{dS}{dx} = \frac{\alpha/2}{1 + (\tfrac{\pi}{2}\alpha x)^2},
              \qquad g(x) = \frac{1}{\pi}\arctan(\tfrac{\pi}{2}\alpha x) + \tfrac12

    (the class docstring's ``(1/pi)/(1+(pi*alpha*x/2)^2)`` is not what runs).
    """

    framework = "snntorch 1.0.0"
    comparison = ">"
    alpha: float = param(2.0, doc="slope", per_neuron=False)

    def derivative(self, x):
        x = np.asarray(x, dtype=np.float64)
        return (self.alpha / 2) / (1 + (np.pi / 2 * self.alpha * x) ** 2)

    def primitive(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.arctan(np.pi / 2 * self.alpha * x) / np.pi + 0.5
