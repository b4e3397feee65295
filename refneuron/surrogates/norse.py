"""norse 1.1.0 surrogates (``norse/torch/functional/threshold.py``): forward ``H>(x)``."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._records import flag, param
from ._base import Surrogate


@dataclasses.dataclass(frozen=True, eq=False)
class SuperSpike(Surrogate):
    r"""norse ``method="super"``, the default of every norse neuron.

    norse 1.1.0 ignores ``alpha``: :math:`dS/dx = 1/(|x| + 1)^2`.  With
    ``alpha_fixed=True`` (norse main after norse/norse#403):
    :math:`dS/dx = 1/(\alpha|x| + 1)^2`.
    """

    framework = "norse 1.1.0"
    comparison = ">"
    alpha: float = param(100.0, doc="slope (ignored by norse 1.1.0)", per_neuron=False)
    alpha_fixed: bool = flag(False, doc="use alpha as norse main does (quirk norse_superspike_alpha)")

    def derivative(self, x):
        a = self.alpha if self.alpha_fixed else 1.0
        return 1.0 / (a * np.abs(np.asarray(x, dtype=np.float64)) + 1.0) ** 2

    def primitive(self, x):
        a = self.alpha if self.alpha_fixed else 1.0
        x = np.asarray(x, dtype=np.float64)
        # d/dx [sign(x) * (1 - 1/(a|x|+1)) / a] = 1/(a|x|+1)^2 ; +1/2 centres the step
        return 0.5 + np.sign(x) * (1.0 - 1.0 / (a * np.abs(x) + 1.0)) / a
