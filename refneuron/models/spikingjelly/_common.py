r"""Machinery shared by the spikingjelly 2.0.0 neurons (``BaseNode``).

Every spikingjelly neuron runs the same three phases per step, in this order
(spikingjelly 2.0.0, ``activation_based/neuron/base_node.py`` and the
reference kernels ``_ops/<model>/reference.py`` + ``_ops/reset.py``):

1. **charge**: :math:`H_t = f(V_{t-1}, X_t)` (model specific);
2. **fire**: :math:`S_t = H^{\ge}(H_t - \theta)`, i.e. 1 where
   ``h - v_threshold >= 0`` (not ``>``: a membrane exactly at threshold fires);
3. **reset**: hard (``v_reset`` a float) :math:`V_t = S_t V_r + (1 - S_t) H_t`;
   soft (``v_reset=None``) :math:`V_t = H_t - S_t\,\theta`.

The stored state is the post-reset :math:`V_t`; :math:`H_t` is not stored.
The reset is written in the framework's arithmetic form, never as a
``where``: with :math:`H_t = \infty` the hard reset gives
:math:`V_r + 0\cdot\infty = \mathrm{NaN}`, as in spikingjelly.

Surrogates with ``spiking=False`` make the neuron emit the surrogate's
primitive :math:`g(H_t - \theta)` (an analog value in (0, 1) for ``Sigmoid``)
instead of the spike, and the reset uses that analog value
(quirk ``spikingjelly_analog_reset``).

The per-neuron functions below are element-wise, branch-free except on
integer option codes, and work on NumPy arrays and on Python floats alike.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ... import _checks
from ..._math import indicator
from ..._records import State, flag, other, param
from ...errors import OptionError
from ...surrogates import Sigmoid, as_surrogate
from ...surrogates._codes import surrogate_slope
from .._base import Model

#: reset codes: ``v_reset`` a float (hard) or ``None`` (soft)
HARD, SOFT = 0, 1

FRAMEWORK = "spikingjelly 2.0.0"


# ---------------------------------------------------------------------------
# per-neuron functions (fire and reset; the charges live in each model's file)


def spike_ge(h, v_threshold):
    """spikingjelly's firing rule ``H>=(h - v_threshold)`` as 0.0/1.0.

    Works element-wise on arrays and on scalars; NaN never fires.
    """
    return indicator(h - v_threshold >= 0)


def voltage_reset(h, s, v_threshold, v_reset, reset):
    """Post-reset membrane from the charged ``h`` and the spike ``s``.

    ``reset`` is :data:`HARD` (``s*v_reset + (1 - s)*h``) or :data:`SOFT`
    (``h - s*v_threshold``; ``v_reset`` is then unused, pass 0.0).  ``s`` may
    be analog (surrogate with ``spiking=False``).  Element-wise; the same
    association order as ``spikingjelly/_ops/reset.py``.
    """
    if reset == HARD:
        return s * v_reset + (1.0 - s) * h
    return h - s * v_threshold


def reset_adjoint(h, s_reset, ds_r, g_v, v_threshold, v_reset, reset):
    r""":math:`\bar V_t\,\partial V_t/\partial H_t` of :func:`voltage_reset`, element-wise.

    ``ds_r`` is :math:`\partial S/\partial H` of the reset's spike (the
    surrogate derivative, or 0.0 with ``detach_reset``).  Hard:
    :math:`\bar V((1 - S) + (V_r - H)\,\partial S/\partial H)`; soft:
    :math:`\bar V(1 - \theta\,\partial S/\partial H)`.
    """
    if reset == HARD:
        return g_v * ((1.0 - s_reset) + (v_reset - h) * ds_r)
    return g_v * (1.0 - v_threshold * ds_r)


def lif_charge_adjoint(g_h, tau, decay_input):
    r"""Adjoint of :func:`lif_charge`: ``(g_v, g_x)`` from :math:`\bar H`.

    :math:`\partial H/\partial V = 1 - 1/\tau` in both forms;
    :math:`\partial H/\partial X = 1/\tau` (decay_input) or 1.
    """
    g_v = g_h * (1.0 - 1.0 / tau)
    return g_v, (g_h / tau if decay_input else g_h * 1.0)


def lif_charge(v, x, tau, v_leak, decay_input):
    """LIF charge (also used by LIAF and KLIF), ``_ops/lif/reference.py``.

    ``decay_input`` True: ``v + (x - (v - v_leak)) / tau``;
    False: ``v - (v - v_leak) / tau + x``.  ``v_leak`` is ``v_reset``, or 0.0
    for the soft reset (quirk ``spikingjelly_vreset_leak``).
    """
    if decay_input:
        return v + (x - (v - v_leak)) / tau
    return v - (v - v_leak) / tau + x


def _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """``g_h`` of spikingjelly's fire and reset: ``g_y * ds + reset adjoint``."""
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return gy * ds + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)


# ---------------------------------------------------------------------------
# field declarations shared by every node (spikingjelly's BaseNode arguments)


def _as_v_reset(name, value):
    """``v_reset``: a finite scalar (hard reset) or None (soft reset)."""
    if value is None:
        return None
    return _checks.as_float_param(name, value, None, per_neuron=False)


def v_threshold_field(default=1.0):
    return param(default, unit="same as V", doc="firing threshold theta (fires on H - theta >= 0)", per_neuron=False)


def v_reset_field(default=0.0):
    return other(
        default,
        unit="same as V",
        doc="reset potential V_r (hard reset); None: soft reset V - S*theta",
        convert=_as_v_reset,
    )


def surrogate_field():
    return other(
        default_factory=Sigmoid,
        doc="surrogate; forward H>= (spiking=True) or its primitive g(H - theta) (spiking=False)",
        convert=as_surrogate,
    )


def detach_reset_field():
    return flag(False, doc="the reset uses a detached spike (gradient only)")


def tau_field(default=2.0, name="tau"):
    return param(default, unit="steps", doc=f"membrane time constant {name} (> 1; spikingjelly asserts it)", rule=">1",
                 per_neuron=False, framework_does="spikingjelly asserts it (an AssertionError, gone under python -O)")


def decay_input_field():
    return flag(True, doc="True: the input is divided by tau as well")


# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class VState(State):
    """One state variable: the post-reset membrane ``v``."""

    v: object


@dataclasses.dataclass(frozen=True, eq=False)
class SpikingJellyNode(Model):
    """Base of the spikingjelly 2.0.0 neurons (no fields; see the module docstring).

    Subclasses declare the fields ``v_threshold``, ``v_reset``,
    ``surrogate_function`` and ``detach_reset`` in spikingjelly's argument
    order, and provide ``_charge``.
    """

    framework = FRAMEWORK

    def _check(self):
        s = self.surrogate_function
        if getattr(s, "spiking", True) and not s.forward_is_threshold:
            raise OptionError(
                f"surrogate_function: the spikingjelly neurons fire by threshold, and {type(s).__name__}'s "
                "spiking forward is a Bernoulli draw of the membrane as a probability (spikingjelly raises "
                "for a membrane outside [0, 1]); use spiking=False, or a threshold surrogate"
            )
        if not getattr(s, "spiking", True):
            try:
                g = s.primitive(np.zeros(1))
            except NotImplementedError:
                g = None
            if g is None:
                raise OptionError(
                    "surrogate_function: spiking=False needs a surrogate with a primitive g(x) "
                    f"(got {type(s).__name__}, which has none)"
                )

    @property
    def reset_code(self):
        """:data:`HARD` (``v_reset`` a float) or :data:`SOFT` (``v_reset`` None)."""
        return SOFT if self.v_reset is None else HARD

    @property
    def v_leak(self):
        """``v_reset`` as a number: the LIF leak potential and the hard-reset value (0.0 if soft)."""
        return 0.0 if self.v_reset is None else self.v_reset

    @property
    def spiking(self):
        return bool(getattr(self.surrogate_function, "spiking", True))

    def initial_state(self, neuron_shape):
        """``v = v_reset`` (hard reset) or 0.0 (soft reset), as spikingjelly's ``register_memory``."""
        return self.State(v=self.full(self.v_leak, neuron_shape))

    def _fire(self, h):
        """Spike (or analog primitive) of the charged membrane ``h``."""
        s = self.surrogate_function
        if not getattr(s, "spiking", True):
            return np.asarray(s.primitive(h - self.v_threshold), dtype=np.float64)
        if getattr(s, "comparison", ">=") == ">=":
            return spike_ge(h, self.v_threshold)
        return np.asarray(s.heaviside(h - self.v_threshold), dtype=np.float64)

    def _reset(self, h, s):
        return voltage_reset(h, s, self.v_threshold, self.v_leak, self.reset_code)

    # -- gradient support (hand-derived backward passes, refneuron.gradients) ------

    def _spikes(self, h):
        r"""``(s, s_reset)``: the spike that carries gradient (the output, and
        Izhikevich's ``w`` jump) and the spike the reset uses.

        Normally both are :meth:`_fire` (the same array).  In the smoothed
        forward (:meth:`~refneuron.models._base.Model.smoothed`, for gradient
        checks only) a spiking surrogate's step is replaced by its primitive
        :math:`g(H_t - \theta)`; with ``detach_reset`` the reset keeps the
        hard step, whose derivative is zero almost everywhere, as detaching
        makes it in spikingjelly.  ``spiking=False`` already emits the
        primitive and is unchanged.
        """
        s = self._fire(h)
        if not (self.is_smoothed and self.spiking):
            return s, s
        g = self.surrogate_function.primitive(h - self.v_threshold)
        if g is None:
            raise NotImplementedError(
                f"{self.name}: surrogate {type(self.surrogate_function).__name__} has no primitive, "
                "so there is no smoothed forward"
            )
        g = np.asarray(g, dtype=np.float64)
        return g, (s if self.detach_reset else g)

    def _spike_grad(self, h):
        r""":math:`\sigma'(H_t - \theta)`, the derivative spikingjelly's backward gives
        the spike (the surrogate's in ``spiking=True`` mode, autograd's derivative
        of the primitive with ``spiking=False``)."""
        return np.asarray(self.surrogate_function.derivative(h - self.v_threshold), dtype=np.float64)

    def _reset_adjoint(self, h, s_reset, ds, g_v):
        r""":math:`\bar V_t\,\partial V_t/\partial H_t` for the reset of this node.

        Hard: :math:`V = S V_r + (1 - S) H` gives
        :math:`\partial V/\partial H = (1 - S) + (V_r - H)\,\partial S/\partial H`;
        soft: :math:`V = H - S\theta` gives :math:`1 - \theta\,\partial S/\partial H`,
        with :math:`\partial S/\partial H = \sigma'(H - \theta)` (``ds``), or 0
        with ``detach_reset``.
        """
        ds_r = 0.0 if self.detach_reset else ds
        return reset_adjoint(h, s_reset, ds_r, g_v, self.v_threshold, self.v_leak, self.reset_code)


COMMON_QUIRKS = ("spikingjelly_ge_threshold", "spikingjelly_analog_reset")

COMMON_DOC = r"""
    Common arguments (``BaseNode``)
    -------------------------------
    v_threshold : float
        Threshold :math:`\theta`; the neuron fires where :math:`H_t - \theta \ge 0`.
        A scalar, as spikingjelly asserts (refneuron also accepts ints).
    v_reset : float or None
        :math:`V_r`: hard reset :math:`V_t = S_t V_r + (1 - S_t) H_t`; ``None``:
        soft reset :math:`V_t = H_t - S_t\theta`.  Initial ``v`` is ``v_reset``
        (0.0 for the soft reset).
    surrogate_function : Surrogate
        ``refneuron.surrogates.Sigmoid()`` (alpha = 4) by default.  Its forward
        is :math:`H^{\ge}`; with ``spiking=False`` the neuron emits the
        primitive :math:`g(H_t - \theta)` and resets with it.
    detach_reset : bool
        Gradient only: the reset uses a detached spike.

    spikingjelly's ``step_mode`` ('s'/'m' give the same recurrence),
    ``store_v_seq`` (refneuron always records the post-reset ``v``) and the
    execution paths (float64 always takes the pure-PyTorch reference path)
    have no counterpart: the record describes the float64 reference only.
"""
