r"""norse 1.1.0 surrogates (``norse/torch/functional/threshold.py``, ``superspike.py``).

A norse neuron calls ``threshold(x, method, alpha)`` with its parameters'
``method`` (default ``"super"``) and ``alpha`` (default 100).  The forward of
every method is :math:`H_>(x) = [x > 0]` in ``x``'s dtype.  refneuron maps
each method to a record through :func:`norse_method`, which the norse models
call; the record classes carry norse's own class names.

``"logistic"`` and ``"circ_dist"`` exist in norse as classes (Bernoulli
forwards) but ``threshold`` does not accept them; refneuron does not
reproduce them.  ``sign(x, method, alpha) = 2 threshold(x) - 1``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import erf

from .. import _checks
from .._records import flag, param
from ._base import Surrogate, as_x

FRAMEWORK = "norse 1.1.0"


def superspike_derivative(x, alpha, alpha_fixed):
    """:class:`SuperSpike` derivative, element-wise (arrays or scalars; the
    compiled backward kernels call it too): ``1 / (alpha * |x| + 1) ** 2``
    with ``alpha_fixed``, else ``1 / (|x| + 1) ** 2`` (norse 1.1.0)."""
    if alpha_fixed:
        return 1.0 / (alpha * abs(x) + 1.0) ** 2
    return 1.0 / (abs(x) + 1.0) ** 2


@dataclasses.dataclass(frozen=True, eq=False)
class SuperSpike(Surrogate):
    r"""norse ``method="super"``, the default of every norse neuron
    (``SuperSpike`` in ``superspike.py``; Zenke & Ganguli 2018).

    norse 1.1.0 ignores ``alpha`` (quirk ``norse_superspike_alpha``):

    .. math:: \frac{dS}{dx} = \frac{1}{(|x| + 1)^2}

    With ``alpha_fixed=True`` (norse main after norse/norse#403, unreleased):
    :math:`dS/dx = 1/(\alpha|x| + 1)^2`.  With the default ``alpha = 100``
    the two differ by orders of magnitude away from 0.  Primitive, with
    :math:`a = 1` or :math:`\alpha`:

    .. math:: g(x) = \tfrac12 + \operatorname{sign}(x)\,\frac{1 - 1/(a|x| + 1)}{a}
    """

    name = "super"
    framework = FRAMEWORK
    comparison = ">"
    alpha: float = param(100.0, doc="slope (ignored by norse 1.1.0)", per_neuron=False)
    alpha_fixed: bool = flag(False, doc="use alpha as norse main does (quirk norse_superspike_alpha)")

    def _a(self):
        return self.alpha if self.alpha_fixed else 1.0

    def derivative(self, x):
        return superspike_derivative(as_x(x), self.alpha, self.alpha_fixed)

    def primitive(self, x):
        a = self._a()
        x = as_x(x)
        if a == 0:
            return 0.5 + x
        # d/dx [sign(x) (1 - 1/(a|x|+1)) / a] = 1/(a|x|+1)^2 ; +1/2 centres the step
        return 0.5 + np.sign(x) * (1.0 - 1.0 / (a * np.abs(x) + 1.0)) / a


@dataclasses.dataclass(frozen=True, eq=False)
class Heaviside(Surrogate):
    r"""norse ``method="heaviside"``: the plain step, no gradient.

    The output of ``heaviside(x)`` does not require grad, so no gradient
    reaches ``x`` through the spike; :meth:`derivative` returns zeros.
    ``alpha`` is accepted (the neurons pass it) and unused.  ``primitive``
    returns ``None`` (nothing is differentiated).
    """

    name = "heaviside"
    framework = FRAMEWORK
    alpha: float = param(100.0, doc="unused", per_neuron=False)

    def derivative(self, x):
        return np.zeros_like(as_x(x))

    def primitive(self, x):
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class Triangle(Surrogate):
    r"""norse ``method="triangle"`` (``Triangle``; Esser et al. 2016, Bellec et al. 2020).

    .. math:: \frac{dS}{dx} = \alpha\max(1 - |x|, 0),
              \qquad g(x) = \tfrac12 + \alpha\begin{cases} -\tfrac12 & x < -1 \\
              x - \tfrac12 x|x| & |x| \le 1 \\ \tfrac12 & x > 1 \end{cases}

    ``alpha`` scales the height; the width is fixed at 1.  Called directly,
    norse's ``triangle_fn`` defaults ``alpha = 0.3``; through ``threshold``
    the neuron's ``alpha`` (default 100) is used, which is this record's
    default.
    """

    name = "triangle"
    framework = FRAMEWORK
    alpha: float = param(100.0, doc="height", per_neuron=False)

    def derivative(self, x):
        return self.alpha * np.maximum(1 - np.abs(as_x(x)), 0.0)

    def primitive(self, x):
        x = as_x(x)
        c = np.clip(x, -1.0, 1.0)
        return 0.5 + self.alpha * (c - 0.5 * c * np.abs(c))


@dataclasses.dataclass(frozen=True, eq=False)
class HeaviTanh(Surrogate):
    r"""norse ``method="tanh"`` (``HeaviTanh``).

    .. math:: \frac{dS}{dx} = 1 - \tanh^2(\alpha x),
              \qquad g(x) = \tfrac12 + \frac{\tanh(\alpha x)}{\alpha}

    Peak 1 and not multiplied by :math:`\alpha`, so it is not the derivative
    of the step :math:`\tfrac12 + \tfrac12\tanh(\alpha x)` that norse's
    docstring names (that would be :math:`\tfrac{\alpha}{2}(1 - \tanh^2)`);
    ``g`` above is its actual primitive (``g = 1/2 + x`` for ``alpha = 0``).
    """

    name = "tanh"
    framework = FRAMEWORK
    alpha: float = param(100.0, doc="slope", per_neuron=False)

    def derivative(self, x):
        return 1 - np.tanh(as_x(x) * self.alpha) ** 2

    def primitive(self, x):
        x = as_x(x)
        if self.alpha == 0:
            return 0.5 + x
        return 0.5 + np.tanh(self.alpha * x) / self.alpha


@dataclasses.dataclass(frozen=True, eq=False)
class HeaviCirc(Surrogate):
    r"""norse ``method="circ"`` (``HeaviCirc``).

    .. math:: \frac{dS}{dx} = \frac{\alpha^3}{(\alpha^2 + x^2)^{3/2}},
              \qquad g(x) = \tfrac12 + \frac{\alpha x}{\sqrt{\alpha^2 + x^2}}

    evaluated as
    :math:`2\alpha\bigl(\tfrac{1}{2\sqrt{\alpha^2+x^2}} - \tfrac{x^2}{2(\alpha^2+x^2)^{3/2}}\bigr)`;
    peak 1 at ``x = 0``.  This is :math:`2\alpha` times the derivative of the
    step :math:`\tfrac12 + \tfrac12 x/\sqrt{x^2+\alpha^2}` that norse's
    docstring names; ``g`` above is its actual primitive.  ``alpha = 0``
    gives NaN at ``x = 0`` (as in norse).
    """

    name = "circ"
    framework = FRAMEWORK
    alpha: float = param(100.0, doc="width", per_neuron=False)

    def derivative(self, x):
        x = as_x(x)
        a = self.alpha
        x2 = x * x
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = -(x2 / (2 * np.power(a**2 + x2, 1.5))) + 1 / (2 * np.sqrt(a**2 + x2))
        return inner * 2 * a

    def primitive(self, x):
        x = as_x(x)
        a = self.alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            return 0.5 + a * x / np.sqrt(a * a + x * x)


#: sqrt(pi) as norse 1.1.0 computes it with torch's default float32 dtype:
#: torch.as_tensor(np.pi) is float32 pi, and its sqrt is taken in float32.
SQRT_PI_FLOAT32 = float(np.sqrt(np.float32(np.pi)))


@dataclasses.dataclass(frozen=True, eq=False)
class HeaviErfc(Surrogate):
    r"""norse ``method="heavi_erfc"`` (``HeaviErfc``).

    .. math:: \frac{dS}{dx} = \frac{2e^{-(\alpha x)^2}}{\sqrt{\pi}_{32}},
              \qquad g(x) = \tfrac12 + \frac{\sqrt\pi}{\sqrt{\pi}_{32}}\,\frac{\operatorname{erf}(\alpha x)}{\alpha}

    No :math:`\alpha` factor (peak :math:`2/\sqrt\pi`).  norse divides by
    ``torch.as_tensor(np.pi).sqrt()``, which under torch's default dtype is
    the float32 square root of float32 :math:`\pi`,
    :math:`\sqrt{\pi}_{32}` = 1.77245390415191650 (relative error 3e-8 from
    :math:`\sqrt\pi`), even for float64 inputs.  ``float32_pi=False`` uses the
    exact float64 :math:`\sqrt\pi` (what norse gives when torch's default
    dtype is float64).  ``g = 1/2 + 2x/s`` for ``alpha = 0``.
    """

    name = "heavi_erfc"
    framework = FRAMEWORK
    alpha: float = param(100.0, doc="k, slope", per_neuron=False)
    float32_pi: bool = flag(True, doc="divide by the float32 sqrt(pi), as norse 1.1.0 does by default")

    def _sqrt_pi(self):
        return SQRT_PI_FLOAT32 if self.float32_pi else float(np.sqrt(np.pi))

    def derivative(self, x):
        u = self.alpha * as_x(x)
        return 2 * np.exp(-(u * u)) / self._sqrt_pi()

    def primitive(self, x):
        x = as_x(x)
        s = self._sqrt_pi()
        if self.alpha == 0:
            return 0.5 + 2 * x / s
        return 0.5 + np.sqrt(np.pi) / s * erf(self.alpha * x) / self.alpha


#: norse ``threshold`` method name -> class
SURROGATES = {cls.name: cls for cls in (Heaviside, SuperSpike, Triangle, HeaviTanh, HeaviCirc, HeaviErfc)}

#: the methods ``threshold(x, method, alpha)`` accepts, in norse's order
METHODS = tuple(SURROGATES)


def norse_method(method="super", alpha=100.0):
    """The surrogate that norse's ``threshold(x, method, alpha)`` applies.

    Parameters
    ----------
    method : str
        One of ``"heaviside"``, ``"super"``, ``"triangle"``, ``"tanh"``,
        ``"circ"``, ``"heavi_erfc"`` (norse 1.1.0's ``threshold``).
    alpha : float
        The neuron's ``alpha`` (norse default 100).

    Returns
    -------
    Surrogate
        A record with norse 1.1.0's behaviour (``SuperSpike`` ignores
        ``alpha``; ``HeaviErfc`` uses the float32 square root of pi).

    Raises
    ------
    OptionError
        ``method`` is not one of the above (norse raises ``ValueError``).
    ParameterError
        ``alpha`` is not finite.
    """
    _checks.check_option("method", method, METHODS)
    return SURROGATES[method](alpha=alpha)
