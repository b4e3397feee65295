r"""spikingjelly 2.0.0 surrogates (``spikingjelly/activation_based/surrogate.py``).

Every class is an ``nn.Module`` with a ``spiking`` flag (default True); the
only one without it is :class:`FakeNumericalGradient` (always spiking).

* ``spiking=True``: the forward is :math:`H_\ge(x) = [x \ge 0]` (spikingjelly
  fires on ``v >= v_threshold``) and the backward is the class's surrogate
  (:meth:`~SpikingjellySurrogate.surrogate_derivative`).
* ``spiking=False``: the forward returns the smooth primitive :math:`g(x)`
  (the neuron emits analog values instead of spikes) and torch's autograd
  differentiates it (:meth:`~SpikingjellySurrogate.primitive_derivative`,
  written in autograd's order of operations).  For most classes this is the
  surrogate up to rounding; :class:`S2NN` and the boundaries of the piecewise
  classes differ (see each class).

``derivative`` follows the record's ``spiking`` flag.  Parameter names and
defaults are spikingjelly's.  Rules: parameters that a formula divides by
must be > 0 (spikingjelly itself asserts this only for ``SoftSign.alpha``,
``PiecewiseLeakyReLU.w`` and ``SquarewaveFourierSeries.T_period``; refneuron
applies it also to ``PiecewiseQuadratic``, ``NonzeroSignLogAbs`` and ``Rect``,
whose windows are empty or infinite otherwise), and ``QPseudoSpike.alpha``
must be > 1 (``alpha = 1`` divides by zero and ``alpha < 1`` gives a negative
base to a fractional power).

``MultiLevelSpikeCount`` (the quantiser of ``ILIFNode``) is not a surrogate
of a step and is not reproduced.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import erfc, expit

from .. import _checks, _math
from .._records import flag, other, param
from ..errors import ParameterError
from ._base import Surrogate, as_int, as_x

FRAMEWORK = "spikingjelly 2.0.0"


def _spiking():
    return flag(True, doc="False: the forward emits the primitive g(x) instead of spikes")


def torch_pow(base, exponent):
    """``base ** exponent`` as torch evaluates a tensor to a scalar power:
    exponents 2, 3, 0.5, -0.5, -1, -2 take dedicated kernels (``b*b``,
    ``b*b*b``, ``sqrt``, ``1/sqrt``, ``1/b``, ``1/(b*b)``), others ``pow``."""
    e = float(exponent)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if e == 2.0:
            return base * base
        if e == 3.0:
            return base * base * base
        if e == 0.5:
            return np.sqrt(base)
        if e == -0.5:
            return 1.0 / np.sqrt(base)
        if e == -1.0:
            return 1.0 / base
        if e == -2.0:
            return 1.0 / (base * base)
        return np.power(base, e)


# --- derivatives as element-wise functions (arrays or scalars) ------------------------
# The classes' methods call these, and the compiled backward kernels
# (refneuron.backends) compile the same functions.


def sigmoid_surrogate_derivative(x, alpha):
    """:class:`Sigmoid` (``spiking=True``): ``(1 - s) * s * alpha``, ``s = expit(x * alpha)``."""
    s = _math.expit(x * alpha)
    return (1.0 - s) * s * alpha


def atan_surrogate_derivative(x, alpha):
    """:class:`ATan` (``spiking=True``): ``a / (1 + ax * ax)``, ``a = alpha / 2``, ``ax = pi * a * x``."""
    a = alpha / 2
    ax = math.pi * a * x
    return a / (1 + ax * ax)


@dataclasses.dataclass(frozen=True, eq=False)
class SpikingjellySurrogate(Surrogate):
    """Base of the spikingjelly surrogates: the ``spiking`` switch."""

    framework = FRAMEWORK
    comparison = ">="

    def forward(self, x):
        """``H>=(x)`` if ``spiking`` else the primitive ``g(x)``."""
        if getattr(self, "spiking", True):
            return self.heaviside(x)
        return self.primitive(x)

    def derivative(self, x):
        """The gradient the framework's backward gives in the current mode."""
        if getattr(self, "spiking", True):
            return self.surrogate_derivative(x)
        return self.primitive_derivative(x)

    def surrogate_derivative(self, x):
        """The backward of the spiking function (``spiking=True``)."""
        raise NotImplementedError

    def primitive_derivative(self, x):
        """Autograd's derivative of the primitive (``spiking=False``)."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True, eq=False)
class Sigmoid(SpikingjellySurrogate):
    r"""spikingjelly ``Sigmoid(alpha=4.0)``, the default of every spikingjelly neuron.

    .. math:: \frac{dS}{dx} = \alpha\,s(1-s),\quad s = \sigma(\alpha x),
              \qquad g(x) = \sigma(\alpha x)

    evaluated as ``(1 - s) * s * alpha`` (same order in both modes).
    """

    name = "Sigmoid"
    alpha: float = param(4.0, doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return sigmoid_surrogate_derivative(as_x(x), self.alpha)

    primitive_derivative = surrogate_derivative

    def primitive(self, x):
        return expit(as_x(x) * self.alpha)


@dataclasses.dataclass(frozen=True, eq=False)
class ATan(SpikingjellySurrogate):
    r"""spikingjelly ``ATan(alpha=2.0)``.

    .. math:: \frac{dS}{dx} = \frac{\alpha/2}{1 + (\tfrac{\pi}{2}\alpha x)^2},
              \qquad g(x) = \frac{1}{\pi}\arctan(\tfrac{\pi}{2}\alpha x) + \tfrac12

    (the same formula as snntorch's ``atan``).
    """

    name = "ATan"
    alpha: float = param(2.0, doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return atan_surrogate_derivative(as_x(x), self.alpha)

    def primitive_derivative(self, x):
        c = np.pi / 2 * self.alpha
        u = c * as_x(x)
        return (1.0 / np.pi) / (u * u + 1) * c

    def primitive(self, x):
        return np.arctan(np.pi / 2 * self.alpha * as_x(x)) / np.pi + 0.5


@dataclasses.dataclass(frozen=True, eq=False)
class PiecewiseQuadratic(SpikingjellySurrogate):
    r"""spikingjelly ``PiecewiseQuadratic(alpha=1.0)``.

    .. math:: \frac{dS}{dx} = \begin{cases} \alpha - \alpha^2|x| & |x| \le 1/\alpha \\
              0 & |x| > 1/\alpha \end{cases},
              \qquad g(x) = \begin{cases} 0 & x < -1/\alpha \\
              -\tfrac{\alpha^2}{2}x^2\operatorname{sign}(x) + \alpha x + \tfrac12 & |x| \le 1/\alpha \\
              1 & x > 1/\alpha \end{cases}
    """

    name = "PiecewiseQuadratic"
    alpha: float = param(1.0, rule=">0", doc="1/alpha is the half-width", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        ax = np.abs(as_x(x))
        return np.where(ax > 1 / self.alpha, 0.0, -(self.alpha**2) * ax + self.alpha)

    def primitive_derivative(self, x):
        x = as_x(x)
        inside = np.abs(x) <= 1.0 / self.alpha
        # d/dx [(-a^2/2) x^2 sign(x)] = (-a^2/2) sign(x) 2x, exact scalings of -a^2|x|
        return np.where(inside, np.sign(x) * (-(self.alpha**2) / 2) * (2 * x) + self.alpha, 0.0)

    def primitive(self, x):
        x = as_x(x)
        a = self.alpha
        mask0 = (x > 1.0 / a).astype(np.float64)
        mask1 = (np.abs(x) <= 1.0 / a).astype(np.float64)
        return mask0 + mask1 * (-(a**2) / 2 * (x * x) * np.sign(x) + a * x + 0.5)


@dataclasses.dataclass(frozen=True, eq=False)
class PiecewiseExp(SpikingjellySurrogate):
    r"""spikingjelly ``PiecewiseExp(alpha=1.0)``.

    .. math:: \frac{dS}{dx} = \frac{\alpha}{2}e^{-\alpha|x|},
              \qquad g(x) = \begin{cases} \tfrac12 e^{\alpha x} & x < 0 \\
              1 - \tfrac12 e^{-\alpha x} & x \ge 0 \end{cases}
    """

    name = "PiecewiseExp"
    alpha: float = param(1.0, doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        with np.errstate(over="ignore"):
            return self.alpha / 2 * np.exp(-self.alpha * np.abs(as_x(x)))

    def _sign_exp(self, x):
        m = (x >= 0).astype(np.float64)
        s = m * 2.0 - 1.0
        with np.errstate(over="ignore"):
            e = np.exp(s * x * -self.alpha)
        return m, s, e

    def primitive_derivative(self, x):
        x = as_x(x)
        _, s, e = self._sign_exp(x)
        return -s / 2.0 * e * -self.alpha * s

    def primitive(self, x):
        x = as_x(x)
        m, s, e = self._sign_exp(x)
        return m - e / 2.0 * s


@dataclasses.dataclass(frozen=True, eq=False)
class SoftSign(SpikingjellySurrogate):
    r"""spikingjelly ``SoftSign(alpha=2.0)``; ``alpha > 0`` (spikingjelly asserts it).

    .. math:: \frac{dS}{dx} = \frac{1}{2\alpha(1/\alpha + |x|)^2}
              = \frac{\alpha}{2(1 + |\alpha x|)^2},
              \qquad g(x) = \frac12\Bigl(\frac{\alpha x}{1 + |\alpha x|} + 1\Bigr)
    """

    name = "SoftSign"
    alpha: float = param(2.0, rule=">0", doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return 1.0 / (2 * self.alpha * (1 / self.alpha + np.abs(as_x(x))) ** 2)

    def primitive_derivative(self, x):
        # autograd of u / (|u| + 1), u = alpha x, scaled by 1/2: the quotient rule
        # 0.5/b - 0.5 u sign(u)/b^2 (not simplified, as autograd evaluates it)
        u = as_x(x) * self.alpha
        b = np.abs(u) + 1
        return (0.5 / b + (-0.5 * u / (b * b)) * np.sign(u)) * self.alpha

    def primitive(self, x):
        u = as_x(x) * self.alpha
        return (u / (np.abs(u) + 1) + 1.0) / 2.0


@dataclasses.dataclass(frozen=True, eq=False)
class SuperSpike(SpikingjellySurrogate):
    r"""spikingjelly ``SuperSpike(alpha=1.0)`` (Zenke & Ganguli 2018).

    .. math:: \frac{dS}{dx} = \frac{\alpha}{(|x| + 1)^2},
              \qquad g(x) = \frac{\alpha x}{1 + |x|}

    ``alpha`` scales the height, not the width.  spikingjelly does not
    implement the primitive (``spiking=False`` raises ``NotImplementedError``
    there), so refneuron refuses ``spiking=False``; :meth:`primitive` is
    refneuron's closed form, for checking the derivative.
    """

    name = "SuperSpike"
    alpha: float = param(1.0, doc="height", per_neuron=False)
    spiking: bool = _spiking()

    def _check(self):
        if not self.spiking:
            raise ParameterError(
                "spiking: must be True for SuperSpike; spikingjelly 2.0.0 has no primitive for it (got False)"
            )

    def surrogate_derivative(self, x):
        return self.alpha / (np.abs(as_x(x)) + 1.0) ** 2

    primitive_derivative = surrogate_derivative

    def primitive(self, x):
        x = as_x(x)
        return self.alpha * x / (1.0 + np.abs(x))


@dataclasses.dataclass(frozen=True, eq=False)
class Erf(SpikingjellySurrogate):
    r"""spikingjelly ``Erf(alpha=2.0)``.

    .. math:: \frac{dS}{dx} = \frac{\alpha}{\sqrt\pi}e^{-(\alpha x)^2},
              \qquad g(x) = \tfrac12\operatorname{erfc}(-\alpha x)
    """

    name = "Erf"
    alpha: float = param(2.0, doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        u = as_x(x) * self.alpha
        return np.exp(-(u * u)) * (self.alpha / np.sqrt(np.pi))

    def primitive_derivative(self, x):
        u = -self.alpha * as_x(x)
        return -2.0 / np.sqrt(np.pi) * np.exp(-(u * u)) * 0.5 * -self.alpha

    def primitive(self, x):
        return erfc(-self.alpha * as_x(x)) / 2.0


@dataclasses.dataclass(frozen=True, eq=False)
class NonzeroSignLogAbs(SpikingjellySurrogate):
    r"""spikingjelly ``NonzeroSignLogAbs(alpha=1.0)``.

    .. math:: \frac{dS}{dx} = \frac{1}{1/\alpha + |x|},
              \qquad g(x) = \operatorname{sign}(x)\ln(\alpha|x| + 1)

    with :math:`\operatorname{sign}(0) = +1`; ``g`` is unbounded.
    """

    name = "NonzeroSignLogAbs"
    alpha: float = param(1.0, rule=">0", doc="slope", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return 1.0 / (1 / self.alpha + np.abs(as_x(x)))

    def primitive_derivative(self, x):
        x = as_x(x)
        m = (x >= 0) * 2.0 - 1.0
        return m / (self.alpha * m * x + 1) * (self.alpha * m)

    def primitive(self, x):
        x = as_x(x)
        m = (x >= 0) * 2.0 - 1.0
        return m * np.log(self.alpha * m * x + 1)


@dataclasses.dataclass(frozen=True, eq=False)
class PiecewiseLeakyReLU(SpikingjellySurrogate):
    r"""spikingjelly ``PiecewiseLeakyReLU(w=1.0, c=0.01)``; ``w > 0`` (asserted there).

    .. math:: \frac{dS}{dx} = \begin{cases} \frac{1}{2w} & |x| < w \\ c & |x| \ge w \end{cases},
              \qquad g(x) = \begin{cases} cx + cw & x < -w \\ \frac{x}{2w} + \frac12 & |x| \le w \\
              cx - cw + 1 & x > w \end{cases}

    At :math:`|x| = w` the surrogate gives ``c`` and autograd of ``g`` gives
    ``1/(2w)``.
    """

    name = "PiecewiseLeakyReLU"
    w: float = param(1.0, rule=">0", doc="half-width", per_neuron=False)
    c: float = param(0.01, doc="slope outside the window", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return np.where(np.abs(as_x(x)) < self.w, 1 / (2 * self.w), self.c)

    def primitive_derivative(self, x):
        x = as_x(x)
        outside = (x < -self.w) | (x > self.w)
        return np.where(outside, self.c, 1 / (2 * self.w))

    def primitive(self, x):
        x = as_x(x)
        w, c = self.w, self.c
        mask0 = (x < -w).astype(np.float64)
        mask1 = (x > w).astype(np.float64)
        mask2 = 1.0 - mask0 - mask1
        if c == 0:
            return mask2 * (x / (2 * w) + 1 / 2) + mask1
        cw = c * w
        return mask0 * (c * x + cw) + mask1 * (c * x + (-cw + 1)) + mask2 * (x / (2 * w) + 1 / 2)


def _as_n(name, value):
    return as_int(name, value, 1)


@dataclasses.dataclass(frozen=True, eq=False)
class SquarewaveFourierSeries(SpikingjellySurrogate):
    r"""spikingjelly ``SquarewaveFourierSeries(n=2, T_period=8)``.

    With :math:`\omega = 2\pi/T`:

    .. math:: \frac{dS}{dx} = \frac{4}{T}\sum_{i=1}^{n-1}\cos((2i-1)\omega x),
              \qquad g(x) = \frac12 + \frac{2}{\pi}\sum_{i=1}^{n-1}\frac{\sin((2i-1)\omega x)}{2i-1}

    (a Fourier approximation of a square wave of period ``T``; ``n = 1``
    gives zero gradient).  ``n`` is an integer >= 1, ``T_period > 0``.
    """

    name = "SquarewaveFourierSeries"
    n: int = other(2, doc="number of terms + 1 (integer >= 1)", convert=_as_n)
    T_period: float = param(8.0, rule=">0", doc="period", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        x = as_x(x)
        w = np.pi * 2.0 / self.T_period
        g = np.zeros_like(x)
        for i in range(1, self.n):
            g = g + np.cos((2 * i - 1.0) * w * x)
        return g * (4.0 / self.T_period)

    def primitive_derivative(self, x):
        x = as_x(x)
        w = np.pi * 2.0 / self.T_period
        g = np.zeros_like(x)
        for i in range(1, self.n):
            c = 2 * i - 1.0
            g = g + 2.0 / np.pi / c * np.cos(c * w * x) * (c * w)
        return g

    def primitive(self, x):
        x = as_x(x)
        w = np.pi * 2.0 / self.T_period
        ret = np.zeros_like(x)
        for i in range(1, self.n):
            c = 2 * i - 1.0
            ret = ret + np.sin(c * w * x) / c
        return 0.5 + 2.0 / np.pi * ret


@dataclasses.dataclass(frozen=True, eq=False)
class S2NN(SpikingjellySurrogate):
    r"""spikingjelly ``S2NN(alpha=4.0, beta=1.0)``.

    .. math:: \frac{dS}{dx} = \begin{cases} \alpha s(1-s),\ s = \sigma(\alpha x) & x < 0 \\
              \frac{\beta}{x + 1} & x \ge 0 \end{cases},
              \qquad g(x) = \begin{cases} \sigma(\alpha x) & x < 0 \\
              \beta\ln(|x + 1| + 10^{-5}) + \tfrac12 & x \ge 0 \end{cases}

    The ``1e-5`` inside spikingjelly's logarithm makes ``g`` not quite the
    primitive of the surrogate for :math:`x \ge 0`: autograd of ``g`` gives
    :math:`\beta/(x + 1 + 10^{-5})`, a relative difference of
    :math:`10^{-5}/(x + 1)` from the spiking backward (and ``g`` jumps by
    :math:`\beta\ln(1 + 10^{-5})` at 0).
    """

    name = "S2NN"
    alpha: float = param(4.0, doc="sigmoid slope below 0", per_neuron=False)
    beta: float = param(1.0, doc="log height above 0", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        x = as_x(x)
        s = expit(self.alpha * x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < 0.0, self.alpha * s * (1.0 - s), self.beta / (x + 1.0))

    def primitive_derivative(self, x):
        x = as_x(x)
        s = expit(x * self.alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            right = self.beta / (np.abs(x + 1.0) + 1e-5) * np.sign(x + 1.0)
        return np.where(x < 0.0, (1.0 - s) * s * self.alpha, right)

    def primitive(self, x):
        x = as_x(x)
        with np.errstate(divide="ignore"):
            right = self.beta * np.log(np.abs(x + 1.0) + 1e-5) + 0.5
        return np.where(x < 0.0, expit(x * self.alpha), right)


@dataclasses.dataclass(frozen=True, eq=False)
class QPseudoSpike(SpikingjellySurrogate):
    r"""spikingjelly ``QPseudoSpike(alpha=2.0)``; ``alpha > 1``.

    .. math:: \frac{dS}{dx} = \Bigl(1 + \frac{2|x|}{\alpha - 1}\Bigr)^{-\alpha},
              \qquad g(x) = H_\ge(x) - \operatorname{sign}(x)\,\frac12
              \Bigl(1 + \frac{2|x|}{\alpha - 1}\Bigr)^{1-\alpha}
    """

    name = "QPseudoSpike"
    alpha: float = param(2.0, rule=">1", doc="tail exponent", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return torch_pow(1 + 2 / (self.alpha - 1) * np.abs(as_x(x)), -self.alpha)

    def _parts(self, x):
        m = (x >= 0).astype(np.float64)
        s = m * 2.0 - 1.0
        b = 1.0 + 2.0 / (self.alpha - 1.0) * x * s
        return m, s, b

    def primitive_derivative(self, x):
        x = as_x(x)
        _, s, b = self._parts(x)
        a = self.alpha
        dpow = (1.0 - a) * torch_pow(b, (1.0 - a) - 1)
        return -s * 0.5 * dpow * s * (2.0 / (a - 1.0))

    def primitive(self, x):
        x = as_x(x)
        m, s, b = self._parts(x)
        return m - s * (0.5 * torch_pow(b, 1.0 - self.alpha))


@dataclasses.dataclass(frozen=True, eq=False)
class LeakyKReLU(SpikingjellySurrogate):
    r"""spikingjelly ``LeakyKReLU(leak=0.0, k=1.0)``.

    .. math:: \frac{dS}{dx} = \begin{cases} k & x \ge 0 \\ \text{leak} & x < 0 \end{cases},
              \qquad g(x) = \begin{cases} kx & x \ge 0 \\ \text{leak}\cdot x & x < 0 \end{cases}
    """

    name = "LeakyKReLU"
    leak: float = param(0.0, doc="slope below 0", per_neuron=False)
    k: float = param(1.0, doc="slope at and above 0", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        m = (as_x(x) >= 0.0).astype(np.float64)
        return m * self.k + (1.0 - m) * self.leak

    def primitive_derivative(self, x):
        m = (as_x(x) >= 0.0).astype(np.float64)
        return self.leak * (1.0 - m) + self.k * m

    def primitive(self, x):
        x = as_x(x)
        m = (x >= 0.0).astype(np.float64)
        return (self.leak * (1.0 - m) + self.k * m) * x


@dataclasses.dataclass(frozen=True, eq=False)
class FakeNumericalGradient(SpikingjellySurrogate):
    r"""spikingjelly ``FakeNumericalGradient(alpha=0.3)``; no ``spiking`` flag (always spikes).

    .. math:: \frac{dS}{dx} = \min\Bigl(\frac{2H_\ge(x) - 1}{x}, \alpha\Bigr)
              = \min(1/|x|, \alpha)

    the secant slope of the step through 0, clamped.  At ``x = +0.0`` it is
    ``alpha`` (``1/0 = inf``); at ``x = -0.0`` it is ``-inf`` (``-0.0 >= 0``
    holds, so ``1/(-0.0)``), as in spikingjelly.

    ``primitive`` returns ``None``: spikingjelly defines none, and the
    secant slope stands for no smooth step.
    """

    name = "FakeNumericalGradient"
    alpha: float = param(0.3, doc="cap of the gradient", per_neuron=False)

    def surrogate_derivative(self, x):
        x = as_x(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.minimum(((x >= 0.0) * 2.0 - 1.0) / x, self.alpha)

    def primitive_derivative(self, x):
        return None

    def primitive(self, x):
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class LogTailedReLU(SpikingjellySurrogate):
    r"""spikingjelly ``LogTailedReLU(alpha=0.0)``.

    .. math:: \frac{dS}{dx} = \begin{cases} 1/x & x > 1 \\ 1 & 0 < x \le 1 \\ \alpha & x \le 0 \end{cases},
              \qquad g(x) = \begin{cases} \ln x + 1 & x > 1 \\ x & 0 < x \le 1 \\ \alpha x & x \le 0 \end{cases}
    """

    name = "LogTailedReLU"
    alpha: float = param(0.0, doc="slope at and below 0", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        x = as_x(x)
        with np.errstate(divide="ignore"):
            return np.where(x > 1.0, 1.0 / x, np.where(x <= 0.0, self.alpha, 1.0))

    def primitive_derivative(self, x):
        x = as_x(x)
        with np.errstate(divide="ignore"):
            return np.where(x > 1.0, 1.0 / np.maximum(x, 1.0), np.where(x > 0, 1.0, self.alpha))

    def primitive(self, x):
        x = as_x(x)
        with np.errstate(divide="ignore"):
            return np.where(x > 1.0, np.log(np.maximum(x, 1.0)) + 1.0, np.where(x > 0, x, x * self.alpha))


@dataclasses.dataclass(frozen=True, eq=False)
class DeterministicPass(SpikingjellySurrogate):
    r"""spikingjelly ``DeterministicPass()``: straight-through.

    .. math:: \frac{dS}{dx} = 1, \qquad g(x) = x
    """

    name = "DeterministicPass"
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return np.ones_like(as_x(x))

    primitive_derivative = surrogate_derivative

    def primitive(self, x):
        return as_x(x).copy()


def _as_seed(name, value):
    return None if value is None else as_int(name, value, 0)


@dataclasses.dataclass(frozen=True, eq=False)
class PoissonPass(SpikingjellySurrogate):
    r"""spikingjelly ``PoissonPass()``: a Bernoulli spike with straight-through gradient.

    With ``spiking=True`` the forward is **not a threshold**: ``x`` is a
    probability and the spike is :math:`S \sim \mathrm{Bernoulli}(x)`
    (``torch.bernoulli(x).float()``, returned as float32 there; ``x`` must lie
    in [0, 1]).  refneuron draws it from a NumPy ``Generator`` (``rng=`` to
    :meth:`forward`, else ``numpy.random.default_rng(seed)``).

    .. math:: \frac{dS}{dx} = 1, \qquad g(x) = x

    :meth:`heaviside` is the threshold ``H>=(x)`` of the other classes and is
    not what this class's forward does.
    """

    name = "PoissonPass"
    forward_is_threshold = False
    spiking: bool = _spiking()
    seed: object = other(0, doc="seed of the default Generator (int >= 0 or None)", convert=_as_seed)

    def forward(self, x, rng=None):
        """Bernoulli spikes of probability ``x`` (``spiking``), else ``x``."""
        x = as_x(x)
        if not self.spiking:
            return x.copy()
        _checks.check_rule("x", x, "[0,1]")
        if rng is None:
            rng = np.random.default_rng(self.seed)
        return (rng.random(x.shape) < x).astype(np.float64)

    def surrogate_derivative(self, x):
        return np.ones_like(as_x(x))

    primitive_derivative = surrogate_derivative

    def primitive(self, x):
        return as_x(x).copy()


@dataclasses.dataclass(frozen=True, eq=False)
class Rect(SpikingjellySurrogate):
    r"""spikingjelly ``Rect(alpha=1.0)``.

    .. math:: \frac{dS}{dx} = \alpha\,[|x| < \tfrac{1}{2\alpha}],
              \qquad g(x) = \operatorname{clamp}(\alpha x + \tfrac12, 0, 1)

    At :math:`|x| = 1/(2\alpha)` the surrogate gives 0 and autograd of ``g``
    gives ``alpha`` (torch's clamp passes the gradient at its bounds).
    """

    name = "Rect"
    alpha: float = param(1.0, rule=">0", doc="height; 1/alpha is the width", per_neuron=False)
    spiking: bool = _spiking()

    def surrogate_derivative(self, x):
        return self.alpha * (np.abs(as_x(x)) < 0.5 / self.alpha)

    def primitive_derivative(self, x):
        u = self.alpha * as_x(x) + 0.5
        return ((u >= 0.0) & (u <= 1.0)) * self.alpha

    def primitive(self, x):
        return np.clip(self.alpha * as_x(x) + 0.5, 0.0, 1.0)


#: class name -> class, in the order of the specification's table
SURROGATES = {
    cls.name: cls
    for cls in (
        Sigmoid,
        ATan,
        PiecewiseQuadratic,
        PiecewiseExp,
        SoftSign,
        SuperSpike,
        Erf,
        NonzeroSignLogAbs,
        PiecewiseLeakyReLU,
        SquarewaveFourierSeries,
        S2NN,
        QPseudoSpike,
        LeakyKReLU,
        FakeNumericalGradient,
        LogTailedReLU,
        DeterministicPass,
        PoissonPass,
        Rect,
    )
}
