r"""spikingjelly ``IzhikevichNode``: the dimensionless quadratic model with adaptation.

Not the canonical Izhikevich (2003) model (``refneuron.canonical``): this is
spikingjelly's ``AdaptBaseNode`` form, a QIF membrane with a linear
adaptation current ``w``.

Source: spikingjelly 2.0.0, ``activation_based/neuron/adapt.py``
(``AdaptBaseNode``, ``IzhikevichNode``) and ``_ops/izhikevich/reference.py``.
"""

from __future__ import annotations

import dataclasses

from ... import _checks
from ..._records import State, param
from ...registry import register
from ...surrogates._codes import surrogate_slope
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    SpikingJellyNode,
    detach_reset_field,
    reset_adjoint,
    spike_ge,
    surrogate_field,
    tau_field,
    v_reset_field,
    v_threshold_field,
    voltage_reset,
)


@dataclasses.dataclass(frozen=True, eq=False)
class IzhikevichState(State):
    """State of :class:`Izhikevich`: post-reset membrane ``v`` and adaptation ``w``."""

    v: object
    w: object


def izhikevich_charge(v, x, w, tau, a0, v_rest, v_c):
    """Charge with the old ``w``: ``v + (x + a0*(v - v_rest)*(v - v_c) - w) / tau``."""
    return v + (x + a0 * (v - v_rest) * (v - v_c) - w) / tau


def izhikevich_adapt(w, h, s, tau_w, a, b, v_rest):
    """Adaptation from the charged, pre-reset ``h`` and this step's spike ``s``:
    ``w + (a*(h - v_rest) - w) / tau_w + b*s`` (left to right)."""
    return w + (a * (h - v_rest) - w) / tau_w + b * s


def izhikevich_adjoint(g_y, g_vt, g_wt, v, h, s_r, ds, ds_r, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak, reset):
    r"""One reverse step, element-wise: ``(g_x, g_v, g_w)`` from the
    gradients on the output (``g_y``) and on the stored ``v``, ``w``.

    ``h`` is the charge, ``s_r`` the reset's spike, ``ds`` the surrogate
    derivative at :math:`H - \theta`, ``ds_r`` the reset's (0.0 with
    ``detach_reset``); see :meth:`Izhikevich._vjp_step` for the equations.
    """
    g_h = g_y * ds + g_wt * (a / tau_w + b * ds) + reset_adjoint(h, s_r, ds_r, g_vt, v_threshold, v_leak, reset)
    g_w = g_wt * (1.0 - 1.0 / tau_w) - g_h / tau
    g_v = g_h * (1.0 + a0 * ((v - v_c) + (v - v_rest)) / tau)
    return g_h / tau, g_v, g_w


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Izhikevich(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``IzhikevichNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_izhikevich_step`, reverse step
    :func:`sj_izhikevich_back` (both in this file).

    Per step, in this order:

    .. math::

        H_t &= V_{t-1} + \bigl(X_t + a_0 (V_{t-1} - V_\mathrm{rest})(V_{t-1} - V_c) - w_{t-1}\bigr)/\tau
            &&\text{1. charge with the old } w\\
        S_t &= H^{\ge}(H_t - \theta) &&\text{2. fire}\\
        w_t &= w_{t-1} + \bigl(a (H_t - V_\mathrm{rest}) - w_{t-1}\bigr)/\tau_w + b S_t
            &&\text{3. adapt with the pre-reset } H_t\\
        V_t &= S_t V_r + (1 - S_t) H_t \text{ (hard)}, \ H_t - S_t\theta \text{ (soft)}
            &&\text{4. reset}

    Continuous model (dimensionless): :math:`\tau\,dV/dt = a_0 (V - V_\mathrm{rest})(V - V_c) - w + X`,
    :math:`\tau_w\,dw/dt = a (V - V_\mathrm{rest}) - w`; on a spike
    :math:`V \leftarrow V_r`, :math:`w \leftarrow w + b`.  The update is
    forward Euler (:math:`\Delta t = 1` step) with V first and w from the new
    V (Gauss-Seidel order).  Initial state: ``v = v_reset`` (0.0 if soft),
    ``w = w_rest``.

    Parameters
    ----------
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    v_c : float
    a0 : float, > 0
    v_threshold : float
    v_reset : float or None
        Default 0.0.
    v_rest : float
        Default **-0.1** (``AdaptBaseNode``'s default is 0.0; quirk
        ``spikingjelly_izhikevich_vrest``).
    w_rest : float
        Initial ``w``.
    tau_w : float, > 0
        Adaptation time constant in steps.  spikingjelly only asserts it is
        a float; refneuron refuses ``tau_w <= 0``, refuses ``1/tau_w >= 2``
        (unstable Euler decay) and warns ``UnstableDiscretisationWarning``
        for ``tau_w <= 1`` (sign-alternating decay).
    a, b : float
        Subthreshold coupling and spike-triggered jump of ``w``.
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/adapt.py``
    (``AdaptBaseNode``, ``IzhikevichNode``), ``_ops/izhikevich/reference.py``;
    Gerstner, Kistler, Naud and Paninski (2014), *Neuronal Dynamics*, §6.1.
    """
    )

    name = "spikingjelly.Izhikevich"
    reference = "spikingjelly/activation_based/neuron/adapt.py"
    State = IzhikevichState
    quirks = COMMON_QUIRKS + ("spikingjelly_izhikevich_vrest",)

    tau: float = tau_field()
    v_c: float = param(0.8, unit="same as V", doc="critical voltage V_c", per_neuron=False)
    a0: float = param(1.0, unit="1/V", doc="sharpness of the quadratic", rule=">0", per_neuron=False)
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    v_rest: float = param(-0.1, unit="same as V", doc="resting potential (default -0.1)", per_neuron=False)
    w_rest: float = param(0.0, unit="same as V", doc="initial adaptation w", per_neuron=False)
    tau_w: float = param(2.0, unit="steps", doc="adaptation time constant", rule=">0", per_neuron=False)
    a: float = param(0.0, unit="1", doc="subthreshold coupling of w to V", per_neuron=False)
    b: float = param(0.0, unit="same as V", doc="jump of w per spike", per_neuron=False)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _check(self):
        super()._check()
        _checks.check_euler_decay("1/tau_w", None, 1.0 / self.tau_w)  # spikingjelly's step is the unit of time

    def initial_state(self, neuron_shape):
        """``v = v_reset`` (0.0 if soft), ``w = w_rest``."""
        return IzhikevichState(v=self.full(self.v_leak, neuron_shape), w=self.full(self.w_rest, neuron_shape))

    def _step(self, state, x):
        h = izhikevich_charge(state.v, x, state.w, self.tau, self.a0, self.v_rest, self.v_c)
        s, s_r = self._spikes(h)
        w = izhikevich_adapt(state.w, h, s, self.tau_w, self.a, self.b, self.v_rest)
        return s, IzhikevichState(v=self._reset(h, s_r), w=w)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order (``_ops/izhikevich/reference.py``):

        .. math::

            H &= V_{t-1} + \bigl(X + a_0 (V_{t-1} - V_\mathrm{rest})(V_{t-1} - V_c) - w_{t-1}\bigr)/\tau\\
            S &= s(H - \theta)\\
            w_t &= w_{t-1} + \bigl(a (H - V_\mathrm{rest}) - w_{t-1}\bigr)/\tau_w + b S\\
            V_t &= \mathrm{reset}(H, S_r)

        The spike in :math:`w_t` is never detached (spikingjelly detaches only
        the spike of the voltage reset); :math:`S_r = S`, detached with
        ``detach_reset``.  Adjoint, in reverse order, with
        :math:`\sigma = \sigma'(H - \theta)` and :math:`\sigma_r = \sigma`
        (0 with ``detach_reset``):

        .. math::

            \bar H &= \bar S\,\sigma + \bar w_t\,(a/\tau_w + b\,\sigma)
                  + \bar V_t \bigl((1 - S_r) + (V_r - H)\sigma_r\bigr)
                  \ \text{(hard; soft: } \bar V_t (1 - \theta\sigma_r))\\
            \bar w_{t-1} &= \bar w_t\,(1 - 1/\tau_w) - \bar H/\tau\\
            \bar V_{t-1} &= \bar H\,\Bigl(1 + a_0\bigl((V_{t-1} - V_c)
                  + (V_{t-1} - V_\mathrm{rest})\bigr)/\tau\Bigr), \qquad
            \bar X = \bar H/\tau

        No learnable parameters (spikingjelly's are Python floats).
        """
        v, w = state_prev.v, state_prev.w
        h = izhikevich_charge(v, x, w, self.tau, self.a0, self.v_rest, self.v_c)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_x, g_v, g_w = izhikevich_adjoint(
            g_output, g_state["v"], g_state["w"], v, h, s_r, ds, 0.0 if self.detach_reset else ds, self.tau,
            self.a0, self.v_rest, self.v_c, self.tau_w, self.a, self.b, self.v_threshold, self.v_leak,
            self.reset_code,
        )  # fmt: skip
        return g_x, {"v": g_v, "w": g_w}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_izhikevich_step(v, w, x, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak, reset):
    """spikingjelly ``IzhikevichNode`` (``Izhikevich._step``: charge with the
    old ``w``, fire, adapt from the pre-reset ``h``, reset)."""
    h = izhikevich_charge(v, x, w, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    w_new = izhikevich_adapt(w, h, s, tau_w, a, b, v_rest)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset), w_new


def sj_izhikevich_back(
    v, w, x, gy, gv, gw, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    """spikingjelly ``Izhikevich._vjp_step``: ``(g_x, g_v, g_w)``."""
    h = izhikevich_charge(v, x, w, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return izhikevich_adjoint(
        gy, gv, gw, v, h, s, ds, 0.0 if detach else ds, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak,
        reset,
    )  # fmt: skip


__all__ = [
    "Izhikevich",
    "IzhikevichState",
    "izhikevich_charge",
    "izhikevich_adapt",
    "izhikevich_adjoint",
    "sj_izhikevich_step",
    "sj_izhikevich_back",
]
