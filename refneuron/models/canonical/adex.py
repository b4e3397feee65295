r"""The adaptive exponential integrate-and-fire model (Brette & Gerstner 2005)
in physical units (pF, nS, mV, ms, pA).

Compiled kernels: one-neuron step :func:`adex_step`, reverse step :func:`adex_back` (both in this
file; the CPU backward kernel calls their forms that pass the step's ``exp`` along,
:func:`adex_step_and_exp` and :func:`adex_back_of_exp`).

.. math::

    C\,\frac{dV}{dt} &= -g_L (V - E_L) + g_L \Delta_T
        \exp\!\Big(\frac{\min(V, V_\text{peak}) - V_T}{\Delta_T}\Big) - w + I \\
    \tau_w \frac{dw}{dt} &= a (V - E_L) - w \\
    V > V_\text{peak}: &\quad V \leftarrow V_\text{reset},\; w \leftarrow w + b

The exponent uses :math:`\min(V, V_\text{peak})` (NEST's rule), so it never
exceeds :math:`(V_\text{peak} - V_T)/\Delta_T`; that bound is refused when
``exp`` of it would come within 1e20 of overflow (NEST's parameter rule).

Discrete scheme (``scheme="euler"``, as Brian2's Naud et al. example):
forward Euler of both equations from the old (V, w) with step ``dt``, then
the strict test ``V > V_peak`` and the reset.  Inputs are the current samples
``I_k = I(t_k)`` in pA, held over the step.

Units: pA / pF = mV/ms, nS * mV = pA, so ``dt`` is in ms.

Gradients (``refneuron.gradients.vjp``): the spike is differentiable in
:math:`x = V - V_\text{peak}` (mV) through ``surrogate`` (default snntorch's
``ATan(alpha=2)``, :math:`\sigma'(x) = 1/(1 + (\pi x)^2)` per mV; see
:mod:`refneuron.models.canonical._common`).  The reset is written
arithmetically, ``V <- S*V_reset + (1 - S)*V``, ``w <- w + S*b`` (bitwise the
assignment for S in {0, 1} and finite V), so the gradient flows through the
spike into the reset unless ``detach_reset=True``.  The exponent's
:math:`\min(V, V_\text{peak}) = s V_\text{peak} + (1 - s) V` with the hard
:math:`s = [V > V_\text{peak}]` (a clamp, not a spike; never smoothed) has
derivative :math:`1 - s` in V and :math:`s` in :math:`V_\text{peak}` almost
everywhere.  Learnable: ``C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset``
and ``V_peak`` (through the spike and the clamp); ``V0``/``w0`` are the
initial state.  The backward recursion is derived in :meth:`AdEx._vjp_step`.

References
----------
R. Brette, W. Gerstner (2005), J. Neurophysiol. 94:3637-3642;
R. Naud, N. Marcille, C. Clopath, W. Gerstner (2008), Biol. Cybern. 99:335-347.
"""

from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np

from ... import _checks, _math
from ..._records import State, flag, option, other, param
from ...errors import ParameterError
from ...registry import register
from ...surrogates import ATan, as_surrogate
from ...surrogates._codes import surrogate_slope
from .._base import Model
from ._common import hard_spike, reset_u, reset_v, slope, spikes

#: parameters that receive a gradient (V_peak through the spike and the clamp)
LEARNABLE = ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak")

#: NEST's bound: (V_peak - V_T)/Delta_T must stay below log(DBL_MAX / 1e20)
EXP_ARG_LIMIT = math.log(sys.float_info.max / 1e20)


@dataclasses.dataclass(frozen=True, eq=False)
class AdExState(State):
    """State of :class:`AdEx`: membrane ``V`` (mV, post-reset), adaptation ``w`` (pA)."""

    V: object
    w: object


def adex_exp_term(V, V_T, Delta_T, V_peak):
    r"""The exponential factor of dV/dt, :math:`E = \exp((\min(V, V_\text{peak}) - V_T)/\Delta_T)`
    (dimensionless).

    The minimum is written arithmetically, ``s*V_peak + (1 - s)*V`` with
    ``s = (V > V_peak)``, so that the same function runs on NumPy arrays and,
    compiled by Numba, on scalars; for finite V it equals ``np.minimum``
    bit for bit (one term is an exact zero).  For ``V = +inf`` it gives NaN
    where ``np.minimum`` gives ``V_peak`` (``0*inf``); a run never reaches
    that state, since V is reset whenever it passes ``V_peak``.
    """
    s = _math.indicator(V > V_peak)
    Vc = s * V_peak + (1.0 - s) * V
    return _math.exp((Vc - V_T) / Delta_T)


def adex_dV_of_exp(V, w, i, E, C_m, g_L, E_L, Delta_T):
    r"""dV/dt in mV/ms, given the exponential factor ``E`` (:func:`adex_exp_term`):
    :math:`(-g_L (V - E_L) + g_L \Delta_T E - w + I) / C`."""
    return (-g_L * (V - E_L) + g_L * Delta_T * E - w + i) / C_m


def adex_dV(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak):
    """dV/dt in mV/ms (the exponent uses min(V, V_peak)): :func:`adex_dV_of_exp`
    with :func:`adex_exp_term`."""
    return adex_dV_of_exp(V, w, i, adex_exp_term(V, V_T, Delta_T, V_peak), C_m, g_L, E_L, Delta_T)


def adex_dw(V, w, a, E_L, tau_w):
    """dw/dt in pA/ms."""
    return (a * (V - E_L) - w) / tau_w


def adex_adjoint(
    V, w, i, E, V1, r, ds, g_output, gV_out, gw_out, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt,
    detach,
):  # fmt: skip
    """One step of :meth:`AdEx._vjp_step`, element-wise (arrays or scalars;
    the compiled backward kernels call it per neuron).

    ``E`` is the step's exponential factor (:func:`adex_exp_term`),
    ``V1 = V + dt * adex_dV(...)`` the updated membrane, ``r`` the reset's
    spike, ``ds`` the surrogate derivative at ``V1 - V_peak``, ``detach`` is
    ``detach_reset``; the equations are in the method's docstring.  Returns
    ``(g_i, g_V, g_w, g_C_m, g_g_L, g_E_L, g_V_T, g_Delta_T, g_tau_w, g_a,
    g_b, g_V_reset, g_V_peak)``.
    """
    # forward intermediates, as adex_exp_term / adex_dV_of_exp / adex_dw compute them
    m = _math.indicator(V > V_peak)
    Vc = m * V_peak + (1.0 - m) * V
    N = -g_L * (V - E_L) + g_L * Delta_T * E - w + i
    q = a * (V - E_L) - w
    # reset
    gV_reset = gV_out * r
    gb = gw_out * r
    gV1 = gV_out * (1.0 - r)
    gw1 = gw_out
    gx = g_output if detach else g_output + gV_out * (V_reset - V1) + gw_out * b
    gx = gx * ds
    gV1 = gV1 + gx
    gV_peak = -gx
    # adaptation
    kw = dt * gw1 / tau_w
    gw = gw1 - kw
    gV = kw * a
    ga = kw * (V - E_L)
    gE_L = -kw * a
    gtau_w = -kw * q / tau_w
    # membrane
    k = dt * gV1 / C_m
    gC_m = -k * N / C_m
    gi = k
    gw = gw - k
    gV = gV + gV1 + k * (-g_L + g_L * E * (1.0 - m))
    gg_L = k * (Delta_T * E - (V - E_L))
    gE_L = gE_L + k * g_L
    gV_T = -k * g_L * E
    gDelta_T = k * g_L * E * (1.0 - (Vc - V_T) / Delta_T)
    gV_peak = gV_peak + k * g_L * E * m
    return gi, gV, gw, gC_m, gg_L, gE_L, gV_T, gDelta_T, gtau_w, ga, gb, gV_reset, gV_peak


@register
@dataclasses.dataclass(frozen=True, eq=False)
class AdEx(Model):
    __doc__ = __doc__

    name = "canonical.AdEx"
    framework = "Brette & Gerstner (2005)"
    reference = "Brette & Gerstner 2005 J Neurophysiol 94:3637; Naud et al. 2008 Biol Cybern 99:335"
    State = AdExState

    C_m: float = param(281.0, unit="pF", doc="membrane capacitance", rule=">0")
    g_L: float = param(30.0, unit="nS", doc="leak conductance", rule=">0")
    E_L: float = param(-70.6, unit="mV", doc="leak reversal potential")
    V_T: float = param(-50.4, unit="mV", doc="threshold (rheobase) potential")
    Delta_T: float = param(2.0, unit="mV", doc="slope factor", rule=">0")
    tau_w: float = param(144.0, unit="ms", doc="adaptation time constant", rule=">0")
    a: float = param(4.0, unit="nS", doc="subthreshold adaptation")
    b: float = param(80.5, unit="pA", doc="spike-triggered adaptation")
    V_reset: float = param(-70.6, unit="mV", doc="reset potential")
    V_peak: float = param(20.0, unit="mV", doc="spike cut")
    dt: float = param(0.1, unit="ms", doc="time step", rule=">0", per_neuron=False)
    scheme: str = option("euler", ("euler",), doc="forward Euler")
    V0: float | None = None  # initial V; None means E_L
    w0: float = param(0.0, unit="pA", doc="initial adaptation current")
    surrogate: object = other(
        default_factory=ATan, doc="surrogate of dS/d(V - V_peak), x in mV (gradient only)", convert=as_surrogate
    )
    detach_reset: bool = flag(False, doc="the reset uses a detached spike (gradient only)")

    def _check(self):
        if self.V0 is not None:
            object.__setattr__(self, "V0", _checks.as_float_param("V0", self.V0))
        if not np.all(np.asarray(self.V_peak) >= np.asarray(self.V_T)):
            raise ParameterError(f"V_peak, V_T: V_peak >= V_T required (got {self.V_peak!r}, {self.V_T!r})")
        if not np.all(np.asarray(self.V_reset) < np.asarray(self.V_peak)):
            raise ParameterError(
                f"V_reset, V_peak: V_reset < V_peak required (got {self.V_reset!r}, {self.V_peak!r})"
            )
        arg = (np.asarray(self.V_peak) - np.asarray(self.V_T)) / np.asarray(self.Delta_T)
        if not np.all(arg < EXP_ARG_LIMIT):
            raise ParameterError(
                f"V_peak, V_T, Delta_T: (V_peak - V_T)/Delta_T must be < {EXP_ARG_LIMIT:.2f} so that "
                f"exp cannot overflow (got {float(np.max(arg))!r})"
            )
        # row 5: the forward-Euler decay factors of the two linear terms, 1 - dt*g_L/C_m and 1 - dt/tau_w
        _checks.check_euler_decay("g_L/C_m", "dt", self.dt * np.asarray(self.g_L) / np.asarray(self.C_m))
        _checks.check_euler_decay("1/tau_w", "dt", self.dt / np.asarray(self.tau_w))

    def check_neuron_shape(self, neuron_shape):
        """Row 9, also for the initial membrane ``V0`` (a per-neuron array or None)."""
        super().check_neuron_shape(neuron_shape)
        if isinstance(self.V0, np.ndarray):
            _checks.check_shape_broadcasts("V0", self.V0.shape, neuron_shape)

    def initial_state(self, neuron_shape):
        V0 = self.E_L if self.V0 is None else self.V0
        return AdExState(V=self.full(V0, neuron_shape), w=self.full(self.w0, neuron_shape))

    def _step(self, state, i):
        V, w = state.V, state.w
        dt = self.dt
        V_new = V + dt * adex_dV(V, w, i, self.C_m, self.g_L, self.E_L, self.V_T, self.Delta_T, self.V_peak)
        w_new = w + dt * adex_dw(V, w, self.a, self.E_L, self.tau_w)
        s, r = spikes(self, V_new, self.V_peak, True)
        V_new = reset_v(r, self.V_reset, V_new)
        w_new = reset_u(r, self.b, w_new)
        return s, AdExState(V=V_new, w=w_new)

    def _vjp_step(self, state_prev, i, g_output, g_state):
        r"""One step of the backward pass: ``(g_x, g_state_prev, g_params)``.

        Notation: :math:`\bar z = \partial L/\partial z`, written ``z_``
        below; :math:`\sigma'` the surrogate derivative; :math:`R = S` unless
        ``detach_reset`` (then :math:`\bar R` is not propagated).

        Forward (in order)::

            m  = [V > V_peak];  Vc = m V_peak + (1 - m) V        (hard clamp)
            E  = exp((Vc - V_T) / Delta_T)
            N  = -g_L (V - E_L) + g_L Delta_T E - w + I;  V1 = V + dt N / C_m
            q  = a (V - E_L) - w;                         w1 = w + dt q / tau_w
            x  = V1 - V_peak;  S = H(x)  (strict)
            V' = R V_reset + (1 - R) V1;  w' = w1 + R b

        Adjoint (reverse order), given :math:`\bar S` and :math:`\bar V',
        \bar w'`::

            V_reset_ += R V';  b_ += R w';  V1_ = (1 - R) V';  w1_ = w'
            R_ = V' (V_reset - V1) + w' b
            x_ = (S_ + R_) s'(x);  V1_ += x_;  V_peak_ -= x_
            # w1 = w + dt q / tau_w, with k_w = dt w1_ / tau_w
            w_ = w1_ - k_w;  V_ = k_w a;  a_ += k_w (V - E_L);  E_L_ -= k_w a
            tau_w_ -= k_w q / tau_w
            # V1 = V + dt N / C_m, with k = dt V1_ / C_m
            C_m_ -= k N / C_m;  I_ = k;  w_ -= k
            V_ += V1_ + k (-g_L + g_L E (1 - m))    (dE/dVc = E / Delta_T)
            g_L_ += k (Delta_T E - (V - E_L));  E_L_ += k g_L
            V_T_ -= k g_L E
            Delta_T_ += k g_L E (1 - (Vc - V_T) / Delta_T)
            V_peak_ += k g_L E m

        In the smoothed forward :math:`S` (and :math:`R` unless detached) is
        the primitive :math:`g(x)`, whose derivative is the same
        :math:`\sigma'(x)`; the clamp stays hard, so these equations are its
        exact derivative wherever no ``V`` equals ``V_peak``.
        """
        V, w = state_prev.V, state_prev.w
        dt = self.dt
        C_m, g_L, E_L, V_T, Delta_T = self.C_m, self.g_L, self.E_L, self.V_T, self.Delta_T
        V_peak = self.V_peak
        E = adex_exp_term(V, V_T, Delta_T, V_peak)
        V1 = V + dt * adex_dV_of_exp(V, w, i, E, C_m, g_L, E_L, Delta_T)
        _, r = spikes(self, V1, V_peak, True)
        gi, gV, gw, *g = adex_adjoint(
            V, w, i, E, V1, r, slope(self, V1 - V_peak), g_output, g_state["V"], g_state["w"], C_m, g_L, E_L, V_T,
            Delta_T, self.tau_w, self.a, self.b, self.V_reset, V_peak, dt, self.detach_reset,
        )  # fmt: skip
        shape = np.shape(V)
        names = ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak")
        grads = {n: np.array(np.broadcast_to(v, shape), dtype=np.float64) for n, v in zip(names, g)}
        return gi, {"V": gV, "w": gw}, grads


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def adex_step_and_exp(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
    """:func:`adex_step` that also returns the step's exponential factor
    ``E`` (:func:`adex_exp_term`): ``(s, V_new, w_new, E)``.  The CPU backward
    kernel keeps ``E`` from its forward pass for the reverse step
    (:func:`adex_back_of_exp`) instead of computing the ``exp`` twice."""
    E = adex_exp_term(V, V_T, Delta_T, V_peak)
    V_new = V + dt * adex_dV_of_exp(V, w, i, E, C_m, g_L, E_L, Delta_T)
    w_new = w + dt * adex_dw(V, w, a, E_L, tau_w)
    s = _math.indicator(V_new > V_peak)
    V_new = s * V_reset + (1.0 - s) * V_new  # reset_v's arithmetic: an infinite V_new gives NaN, as in _step
    w_new = w_new + s * b
    return s, V_new, w_new, E


def adex_step(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
    """canonical ``AdEx`` (``AdEx._step``, forward Euler): ``(s, V_new, w_new)``."""
    s, V_new, w_new, _ = adex_step_and_exp(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt)
    return s, V_new, w_new


def adex_back_of_exp(
    V, w, i, E, gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach, sg, sp0, sp1,
):  # fmt: skip
    """:func:`adex_back` given the step's exponential factor ``E``
    (:func:`adex_exp_term` of ``V``, as :func:`adex_step_and_exp` returns it)."""
    V1 = V + dt * adex_dV_of_exp(V, w, i, E, C_m, g_L, E_L, Delta_T)
    r = hard_spike(V1, V_peak, True)
    ds = surrogate_slope(sg, V1 - V_peak, sp0, sp1)
    return adex_adjoint(
        V, w, i, E, V1, r, ds, gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach
    )


def adex_back(
    V, w, i, gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach, sg, sp0, sp1,
):  # fmt: skip
    """canonical ``AdEx._vjp_step``: ``(g_i, g_V, g_w, g_C_m, g_g_L, g_E_L,
    g_V_T, g_Delta_T, g_tau_w, g_a, g_b, g_V_reset, g_V_peak)``."""
    return adex_back_of_exp(
        V, w, i, adex_exp_term(V, V_T, Delta_T, V_peak), gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b,
        V_reset, V_peak, dt, detach, sg, sp0, sp1,
    )  # fmt: skip
