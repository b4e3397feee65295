"""spikingjelly 2.0.0 surrogates (``activation_based/surrogate.py``): forward ``H>=(x)``."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

from .._records import flag, param
from ._base import Surrogate


@dataclasses.dataclass(frozen=True, eq=False)
class Sigmoid(Surrogate):
    r"""spikingjelly ``Sigmoid(alpha=4.0)``, the default of every spikingjelly neuron.

    .. math:: \frac{dS}{dx} = \alpha\,s(1-s),\quad s = \sigma(\alpha x),
              \qquad g(x) = \sigma(\alpha x)

    With ``spiking=False`` the neuron emits ``g(x)`` instead of ``H>=(x)``.
    """

    framework = "spikingjelly 2.0.0"
    comparison = ">="
    alpha: float = param(4.0, doc="slope", per_neuron=False)
    spiking: bool = flag(True, doc="False: the forward emits the primitive")

    def derivative(self, x):
        s = expit(self.alpha * np.asarray(x, dtype=np.float64))
        return self.alpha * s * (1 - s)

    def primitive(self, x):
        return expit(self.alpha * np.asarray(x, dtype=np.float64))
