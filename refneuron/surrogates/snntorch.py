r"""snntorch 1.0.0 surrogates (``snntorch/surrogate.py``).

snntorch exposes each surrogate as a lowercase factory (``atan(alpha=2.0)``)
that wraps a ``torch.autograd.Function``; refneuron uses CamelCase records and
names the factory in each docstring and in ``name``.

Every forward is :math:`S = H_>(x) = [x > 0]`; snntorch returns it as float32
whatever the input dtype (0.0 and 1.0 are exact in any dtype, so refneuron
returns float64).  The backward is computed from the saved input in its own
dtype: refneuron reproduces it in float64, with the framework's order of
operations.  ``x`` is ``mem - threshold``.

Because the spike is float32, autograd hands every backward a float32
``grad_output``.  Where snntorch multiplies it by a Python-number parameter
first (``triangular``: ``grad * threshold``; ``sigmoid`` and
``spike_rate_escape``: ``grad * slope * exp(...)``) that product is float32,
so the parameter enters the gradient rounded to float32 (``threshold=0.35``
gives 0.3499999940395355).  refneuron reproduces this (:func:`f32`).  The
incoming gradient itself is also rounded to float32 before the backward;
that concerns the neurons' backward passes, not :meth:`derivative` (which
is ``dS/dx`` for an incoming gradient of 1).
"""

from __future__ import annotations

import dataclasses

import math

import numpy as np

from .. import _math
from .._records import flag, other, param
from ..errors import ParameterError
from ._base import Surrogate, as_callable, as_int, as_x

FRAMEWORK = "snntorch 1.0.0"


def f32(value):
    """``value`` rounded to float32, returned as a Python float."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


# --- derivatives as element-wise functions (arrays or scalars) ------------------------
# The classes' ``derivative`` methods call these, and the compiled backward
# kernels (refneuron.backends) compile the same functions.


def atan_derivative(x, alpha):
    """:class:`ATan` derivative ``alpha / 2 / (1 + (pi / 2 * alpha * x) ** 2)``."""
    return (alpha / 2) / (1 + (math.pi / 2 * alpha * x) ** 2)


def fast_sigmoid_derivative(x, slope):
    """:class:`FastSigmoid` derivative ``1 / (slope * |x| + 1) ** 2``."""
    return 1.0 / (slope * abs(x) + 1.0) ** 2


def sigmoid_derivative(x, slope, slope32):
    """:class:`Sigmoid` derivative ``k32 * e / (e + 1) ** 2``, ``e = exp(-k x)``
    (``slope32`` is ``f32(slope)``; overflow gives 0.0 or NaN, as documented there)."""
    e = _math.exp(-slope * x)
    return slope32 * e / (e + 1) ** 2


@dataclasses.dataclass(frozen=True, eq=False)
class ATan(Surrogate):
    r"""snntorch ``atan(alpha=2.0)``, the default of every snntorch neuron.

    .. math:: \frac{dS}{dx} = \frac{\alpha/2}{1 + (\tfrac{\pi}{2}\alpha x)^2},
              \qquad g(x) = \frac{1}{\pi}\arctan(\tfrac{\pi}{2}\alpha x) + \tfrac12

    evaluated as ``alpha / 2 / (1 + (pi / 2 * alpha * x) ** 2)``.  With
    ``alpha = 2`` the peak is 1.  The class docstring of snntorch writes
    :math:`(1/\pi)/(1 + (\pi\alpha x/2)^2)`, which is not what runs.

    Parameters
    ----------
    alpha : float
        Slope (finite).
    """

    name = "atan"
    framework = FRAMEWORK
    comparison = ">"
    alpha: float = param(2.0, doc="slope", per_neuron=False)

    def derivative(self, x):
        return atan_derivative(as_x(x), self.alpha)

    def primitive(self, x):
        x = as_x(x)
        return np.arctan(np.pi / 2 * self.alpha * x) / np.pi + 0.5


@dataclasses.dataclass(frozen=True, eq=False)
class FastSigmoid(Surrogate):
    r"""snntorch ``fast_sigmoid(slope=25)`` (Zenke & Ganguli 2018).

    .. math:: \frac{dS}{dx} = \frac{1}{(k|x| + 1)^2},
              \qquad g(x) = \frac{x}{1 + k|x|}

    (``g`` is the "fast sigmoid" of snntorch's docstring, ranging over
    :math:`(-1/k, 1/k)`; ``g(0) = 0``).
    """

    name = "fast_sigmoid"
    framework = FRAMEWORK
    slope: float = param(25.0, doc="k, slope", per_neuron=False)

    def derivative(self, x):
        return fast_sigmoid_derivative(as_x(x), self.slope)

    def primitive(self, x):
        x = as_x(x)
        return x / (1.0 + self.slope * np.abs(x))


@dataclasses.dataclass(frozen=True, eq=False)
class Sigmoid(Surrogate):
    r"""snntorch ``sigmoid(slope=25)``.

    .. math:: \frac{dS}{dx} = \frac{k\,e^{-kx}}{(e^{-kx} + 1)^2},
              \qquad g(x) = \frac{1}{1 + e^{-kx}}

    (``primitive`` is ``g`` times ``f32(k)/k``, to match the float32 factor)
    evaluated as ``k * exp(-k*x) / (exp(-k*x) + 1) ** 2`` with the leading
    ``k`` rounded to float32 (see the module docstring), without a stable
    form.  In float64, for ``k = 25``: :math:`(e^{-kx} + 1)^2` overflows to
    ``inf`` below :math:`x = -354.9/k = -14.2` and the result is 0.0 (exact
    value below 1e-152 there); :math:`k e^{-kx}` overflows below
    :math:`x = -(709.78 - \ln k)/k = -28.26` and the result is
    ``inf/inf = NaN``.  (In float32 the NaN starts near :math:`x = -3.4`.)
    refneuron returns the same 0.0 and NaN, without a warning.
    """

    name = "sigmoid"
    framework = FRAMEWORK
    slope: float = param(25.0, doc="k, slope", per_neuron=False)

    def derivative(self, x):
        x = as_x(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return sigmoid_derivative(x, self.slope, f32(self.slope))

    def primitive(self, x):
        x = as_x(x)
        with np.errstate(over="ignore"):
            # scaled by f32(k)/k, the float32 rounding of the derivative's factor k
            return (f32(self.slope) / self.slope) / (1.0 + np.exp(-self.slope * x))


@dataclasses.dataclass(frozen=True, eq=False)
class Triangular(Surrogate):
    r"""snntorch ``triangular(threshold=1)``.

    .. math:: \frac{dS}{dx} = \begin{cases} +c & x < 0 \\ -c & x \ge 0 \end{cases}

    with ``c`` the factory's ``threshold`` argument (unrelated to the
    neuron's firing threshold), rounded to float32 (see the module
    docstring).  The gradient is negative above threshold.

    ``primitive`` returns ``None``: this is the derivative of the tent
    :math:`c(1 - |x|)`, which rises then falls and is no step; no smooth step
    has it as derivative.  (The tent relation is checked by the tests.)
    """

    name = "triangular"
    framework = FRAMEWORK
    threshold: float = param(1.0, doc="c, gradient magnitude (not the neuron threshold)", per_neuron=False)

    def derivative(self, x):
        x = as_x(x)
        g = np.full(x.shape, f32(self.threshold))
        g[x >= 0] = -g[x >= 0]
        return g

    def primitive(self, x):
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class StraightThroughEstimator(Surrogate):
    r"""snntorch ``straight_through_estimator()``.

    .. math:: \frac{dS}{dx} = 1, \qquad g(x) = x
    """

    name = "straight_through_estimator"
    framework = FRAMEWORK

    def derivative(self, x):
        return np.ones_like(as_x(x))

    def primitive(self, x):
        return as_x(x).copy()


@dataclasses.dataclass(frozen=True, eq=False)
class Heaviside(Surrogate):
    r"""snntorch ``heaviside()``: the backward passes the gradient where a spike was emitted.

    .. math:: \frac{dS}{dx} = H_>(x), \qquad g(x) = \max(x, 0)
    """

    name = "heaviside"
    framework = FRAMEWORK

    def derivative(self, x):
        return self.heaviside(x)

    def primitive(self, x):
        return np.maximum(as_x(x), 0.0)


@dataclasses.dataclass(frozen=True, eq=False)
class SpikeRateEscape(Surrogate):
    r"""snntorch ``spike_rate_escape(beta=1, slope=25)`` (Gerstner & Kistler 2002).

    .. math:: \frac{dS}{dx} = k\,e^{-\beta|x - 1|},
              \qquad g(x) = \frac{k_{32}}{\beta}\,\operatorname{sign}(x-1)\,(1 - e^{-\beta|x-1|})

    centred at :math:`x = 1`, i.e. at ``U = threshold + 1`` (``g = k(x - 1)``
    for ``beta = 0``).  The factor ``k`` of the derivative is rounded to
    float32 (see the module docstring).
    """

    name = "spike_rate_escape"
    framework = FRAMEWORK
    beta: float = param(1.0, doc="decay of the escape rate", per_neuron=False)
    slope: float = param(25.0, doc="k, height", per_neuron=False)

    def derivative(self, x):
        x = as_x(x)
        with np.errstate(over="ignore"):
            return f32(self.slope) * np.exp(-self.beta * np.abs(x - 1))

    def primitive(self, x):
        u = as_x(x) - 1
        if self.beta == 0:
            return f32(self.slope) * u
        with np.errstate(over="ignore"):
            return f32(self.slope) / self.beta * np.sign(u) * -np.expm1(-self.beta * np.abs(u))


@dataclasses.dataclass(frozen=True, eq=False)
class SFS(Surrogate):
    r"""snntorch ``SFS(slope=25, B=1)``, sparse fast sigmoid (Perez-Nieves & Goodman 2021).

    .. math:: \frac{dS}{dx} = \frac{[x > B]}{(k|x| + 1)^2},
              \qquad g(x) = [x > B]\,\bigl(f(x) - f(B)\bigr),\ f(x) = \frac{x}{1 + k|x|}

    zero unless ``U > threshold + B``.
    """

    name = "SFS"
    framework = FRAMEWORK
    slope: float = param(25.0, doc="k, slope", per_neuron=False)
    B: float = param(1.0, doc="sparsity cut: no gradient for x <= B", per_neuron=False)

    def derivative(self, x):
        x = as_x(x)
        return 1.0 / (self.slope * np.abs(x) + 1.0) ** 2 * (x > self.B)

    def primitive(self, x):
        x = as_x(x)

        def f(v):
            return v / (1.0 + self.slope * np.abs(v))

        return np.where(x > self.B, f(x) - f(self.B), 0.0)


def _as_seed(name, value):
    if value is None:
        return None
    return as_int(name, value, 0)


@dataclasses.dataclass(frozen=True, eq=False)
class SSO(Surrogate):
    r"""snntorch ``SSO(mean=0, variance=0.2)``, the stochastic spike operator.

    .. math:: \frac{dS}{dx} = \begin{cases} 1 & x > 0 \\
              (u - \tfrac12 + \mu)\,\sigma^2 & x \le 0 \end{cases},
              \qquad u \sim \mathcal U[0, 1)

    with :math:`\mu` = ``mean`` and :math:`\sigma^2` = ``variance`` (used as
    given, not squared).  snntorch draws ``u`` with ``torch.rand_like`` at each
    backward call.  refneuron draws it from a NumPy ``Generator``: pass
    ``rng=`` to :meth:`derivative`, or leave it out to use a fresh
    ``numpy.random.default_rng(seed)`` (so that a record with a fixed ``seed``
    is reproducible); or pass the uniforms themselves as ``u=`` (the tests use
    this to feed torch's own draws).

    ``primitive`` returns ``None``: a random derivative has no primitive.
    """

    name = "SSO"
    framework = FRAMEWORK
    deterministic = False
    mean: float = param(0.0, doc="mu, mean shift of the uniform noise", per_neuron=False)
    variance: float = param(0.2, doc="sigma^2, scale of the noise", per_neuron=False)
    seed: object = other(0, doc="seed of the default Generator (int >= 0 or None)", convert=_as_seed)

    def derivative(self, x, rng=None, u=None):
        """``dS/dx``; ``u`` (uniforms of x's shape) or ``rng`` (a
        ``numpy.random.Generator``) select the noise, else ``seed``."""
        x = as_x(x)
        if u is None:
            if rng is None:
                rng = np.random.default_rng(self.seed)
            u = rng.random(x.shape)
        else:
            u = np.broadcast_to(as_x(u), x.shape)
        out = (x > 0).astype(np.float64)
        return out + (1.0 - out) * ((u - 0.5 + self.mean) * self.variance)

    def primitive(self, x):
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class LSO(Surrogate):
    r"""snntorch ``LSO(slope=0.1)``, the leaky spike operator: broken in 1.0.0.

    snntorch's factory calls ``StochasticSpikeOperator.apply(x, slope)``,
    which takes three arguments, so the first forward raises ``TypeError``
    (the ``LeakySpikeOperator`` class it documents is never used, and is
    itself broken: its backward returns one gradient for two inputs, a
    ``RuntimeError`` in torch's autograd).  refneuron
    refuses to build it unless ``fixed=True``, which gives the documented
    operator:

    .. math:: \frac{dS}{dx} = \begin{cases} 1 & x > 0 \\ k & x \le 0 \end{cases},
              \qquad g(x) = \begin{cases} x & x > 0 \\ kx & x \le 0 \end{cases}

    Raises
    ------
    ParameterError
        ``fixed=False`` (the default, snntorch 1.0.0's behaviour).
    """

    name = "LSO"
    framework = FRAMEWORK
    slope: float = param(0.1, doc="k, slope below threshold", per_neuron=False)
    fixed: bool = flag(False, doc="use the documented LeakySpikeOperator (snntorch 1.0.0 raises TypeError)")

    def _check(self):
        if not self.fixed:
            raise ParameterError(
                "fixed: must be True; snntorch 1.0.0's LSO calls StochasticSpikeOperator with its "
                "variance argument missing and raises TypeError on first use; fixed=True gives the "
                "documented leaky spike operator (got False)"
            )

    def derivative(self, x):
        out = self.heaviside(x)
        return out + (1.0 - out) * self.slope

    def primitive(self, x):
        x = as_x(x)
        return np.where(x > 0, x, self.slope * x)


@dataclasses.dataclass(frozen=True, eq=False)
class CustomSurrogate(Surrogate):
    r"""snntorch ``custom_surrogate(f)``: a user-defined backward.

    ``function(x, grad, spikes)`` receives float64 NumPy arrays (the input
    ``x``, the incoming gradient ``grad`` and the forward spikes
    :math:`H_>(x)`) and returns the outgoing gradient, as snntorch's callable
    does with tensors; :meth:`derivative` calls it with ``grad = 1``.

    ``primitive`` returns ``None``: the function is not known.
    """

    name = "custom_surrogate"
    framework = FRAMEWORK
    function: object = other(doc="f(x, grad, spikes) -> gradient", convert=as_callable)

    def derivative(self, x):
        x = as_x(x)
        out = self.function(x, np.ones_like(x), self.heaviside(x))
        return np.broadcast_to(np.asarray(out, dtype=np.float64), x.shape).copy()

    def primitive(self, x):
        return None


#: factory name -> class, in the order of ``snntorch/surrogate.py``
SURROGATES = {
    cls.name: cls
    for cls in (
        StraightThroughEstimator,
        Triangular,
        FastSigmoid,
        ATan,
        Heaviside,
        Sigmoid,
        SpikeRateEscape,
        SSO,
        LSO,
        SFS,
        CustomSurrogate,
    )
}
