r"""snntorch ``Alpha``: a membrane driven by a difference of two exponential currents.

Source: snntorch 1.0.0, ``snntorch/_neurons/alpha.py`` and ``neurons.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._records import State, flag, option, other, param
from ...errors import ParameterError, ShapeError
from ...registry import register
from ...surrogates import ATan
from ...surrogates._codes import surrogate_slope
from .._base import Model
from ._common import (
    as_snntorch_spike_grad,
    RESET_CODE,
    RESETS,
    SUBTRACT,
    ZERO,
    _spike_constants,
    check_inhibition_shape,
    check_state_quant,
    fire_and_reset,
    fire_and_reset_vjp,
    quantize,
    refuse_vjp,
    round32,
    spike_dtypes,
    spike_gt,
    spike_membrane,
    spike_reset_adjoint,
)


@dataclasses.dataclass(frozen=True, eq=False)
class AlphaState(State):
    """State of :class:`Alpha`: excitatory current ``syn_exc``, inhibitory
    current ``syn_inh`` and membrane ``mem`` (snntorch's names and order)."""

    syn_exc: object
    syn_inh: object
    mem: object


def alpha_tau(alpha, beta):
    """snntorch's normalisation ``tau_alpha = ln a / (ln b - ln a) + 1``.

    Evaluated in this association order, in float64, as snntorch does at
    every call (``alpha.py``, ``_base_state_function``).  ``beta = 0`` gives
    ``ln 0 = -inf`` and ``tau_alpha = 1`` exactly, as in torch.  Equal to
    ``ln b / (ln b - ln a)`` and to ``tau_a / (tau_a - tau_b)`` with
    ``tau_x = -dt / ln x`` in exact arithmetic.
    """
    with np.errstate(divide="ignore"):
        la = np.log(np.asarray(alpha, dtype=np.float64))
        lb = np.log(np.asarray(beta, dtype=np.float64))
        c = la / (lb - la) + 1
    if np.ndim(c) == 0:
        return float(c)
    c = np.array(c, dtype=np.float64)
    c.setflags(write=False)
    return c


def alpha_charge(syn_exc, syn_inh, mem, x, alpha, beta, tau_alpha, threshold, threshold_sub, reset):
    """Delayed reset signal and new ``(syn_exc, syn_inh, mem)`` (steps 1-4).

    Element-wise on arrays and on Python floats; branches only on the option
    code ``reset``.  Returns ``(r, syn_exc_new, syn_inh_new, mem_new)``.
    The subtract reset follows snntorch 1.0.0 literally: ``syn_exc`` loses
    ``threshold_sub``, ``syn_inh`` is zeroed, and the membrane *gains* the
    previous inhibitory current (quirk ``snntorch_alpha_subtract_reset``).
    """
    r = spike_gt(mem, threshold)
    e = alpha * syn_exc + x
    n = beta * syn_inh - x
    u = tau_alpha * (e + n)
    if reset == SUBTRACT:
        e = e - threshold_sub * r
        n = n - n * r
        u = u - (-syn_inh) * r
    elif reset == ZERO:
        e = e - e * r
        n = n - n * r
        u = u - u * r
    return r, e, n, u


def alpha_tau_derivatives(alpha, beta):
    r"""``(dc/dalpha, dc/dbeta)`` of :func:`alpha_tau`
    :math:`c = \ln a/(\ln b - \ln a) + 1`:
    :math:`\ln b/(a(\ln b - \ln a)^2)` and :math:`-\ln a/(b(\ln b - \ln a)^2)`.
    NumPy only (the compiled backward receives them as parameters)."""
    la, lb = np.log(alpha), np.log(beta)
    return lb / (alpha * (lb - la) ** 2), -la / (beta * (lb - la) ** 2)


def alpha_charge_adjoint(g_u, g_thr, g_e, g_n, e0, n0, x, r, alpha, beta, c, dc_da, dc_db, reset, f32_rt):
    r"""Adjoint of :func:`alpha_charge`, element-wise.

    From :math:`\bar U_t` (``g_u``, after the spike adjoint), the threshold
    gradient so far and the gradients on the stored currents (``g_e``,
    ``g_n``), with the previous currents ``e0``, ``n0``, the input and the
    delayed-reset spike ``r``: returns ``(g_x, g_syn_exc_prev,
    g_syn_inh_prev, g_alpha, g_beta, g_threshold)``.  The previous membrane
    gets no gradient (the new one is recomputed from the currents).
    """
    e_star = alpha * e0 + x
    n_star = beta * n0 - x
    g_n0 = 0.0
    if reset == ZERO:
        g_es, g_ns, g_us = g_e - g_e * r, g_n - g_n * r, g_u - g_u * r
    elif reset == SUBTRACT:
        g_es, g_ns, g_us = g_e, g_n - g_n * r, g_u
        g_thr = g_thr - round32(f32_rt, g_e) * r
        g_n0 = g_u * r
    else:
        g_es, g_ns, g_us = g_e, g_n, g_u
    g_c = g_us * (e_star + n_star)
    g_es = g_es + c * g_us
    g_ns = g_ns + c * g_us
    return g_es - g_ns, alpha * g_es, g_n0 + beta * g_ns, g_es * e0 + g_c * dc_da, g_ns * n0 + g_c * dc_db, g_thr


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Alpha(Model):
    r"""snntorch ``Alpha`` neuron (1.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`alpha_step`, reverse step :func:`alpha_back` (both in
    this file).

    Per call :math:`t`, with :math:`H^{>}(u) = 1` if :math:`u > 0` else 0:

    .. math::

        R_t &= H^{>}(U_{t-1} - \theta) \quad\text{(from the stored membrane)}\\
        E^* &= \alpha E_{t-1} + X_t, \qquad N^* = \beta N_{t-1} - X_t\\
        c &= \ln\alpha / (\ln\beta - \ln\alpha) + 1, \qquad U^* = c\,(E^* + N^*)\\
        \text{zero:}\quad & E_t = E^* - E^* R_t,\ N_t = N^* - N^* R_t,\ U_t = U^* - U^* R_t\\
        \text{subtract:}\quad & E_t = E^* - \theta_{32} R_t,\ N_t = N^* - N^* R_t,\
            U_t = U^* - (-N_{t-1}) R_t\\
        \text{none:}\quad & E_t = E^*,\ N_t = N^*,\ U_t = U^*\\
        S_t &= H^{>}(U_t - \theta)

    with :math:`E` = ``syn_exc``, :math:`N` = ``syn_inh``, :math:`U` = ``mem``.
    The default reset is ``"zero"``.  The membrane has no memory of its own:
    between resets (and from a zero state)

    .. math:: U_t = c \sum_{k \le t} X_k\,(\alpha^{t-k} - \beta^{t-k}),

    a normalised difference of exponentials (double-exponential kernel), not
    a single-time-constant alpha function (:math:`\alpha = \beta` is
    forbidden).  The subtract reset does not subtract the threshold from
    :math:`U` but adds the previous inhibitory current (quirk
    ``snntorch_alpha_subtract_reset``).  :math:`\theta_{32}` is the threshold
    rounded to float32 when it is a scalar and ``float32_spikes`` is on.

    Continuous-time reading: two first-order filters with exact exponential
    decay, :math:`\tau_\alpha\,dE/dt = -E` and :math:`\tau_\beta\,dN/dt = -N`,
    :math:`\alpha = e^{-\Delta t/\tau_\alpha}`, :math:`\beta = e^{-\Delta t/\tau_\beta}`,
    the input jumping into :math:`E` and, with a minus sign, into :math:`N`.
    :math:`U = c\,(E + N)` is then the input convolved with the kernel
    :math:`c\,(e^{-t/\tau_\alpha} - e^{-t/\tau_\beta})`, sampled exactly at
    the steps, with :math:`c = \tau_\alpha/(\tau_\alpha - \tau_\beta)`.
    Units: dimensionless (E, N, U and X share the unit of the threshold).

    Parameters
    ----------
    alpha : float or array, in [0, 1]
        Excitatory current decay per step.
    beta : float or array, in [0, 1), with ``alpha > beta`` elementwise
        Inhibitory current decay per step.  snntorch raises ``ValueError`` for
        ``alpha <= beta`` and for ``beta == 1``, and clamps ``alpha`` to
        [0, 1] at construction and ``beta`` at every use; refneuron refuses
        values outside [0, 1] instead.
    threshold : float or array
    spike_grad : Surrogate
        ``ATan(alpha=2)`` by default; the forward is always :math:`H^{>}`.
    surrogate_disable, learn_alpha, learn_beta, learn_threshold : bool
        Gradient-only switches, recorded for the backward pass.  (snntorch
        1.0.0 cannot build ``Alpha(learn_alpha=True)``: its construction-time
        clamp assigns a plain tensor to the ``alpha`` Parameter, a
        ``TypeError``; quirk ``snntorch_alpha_learn_alpha``.)
    inhibition : bool
        Only the arg-max neuron of dimension 1 spikes (inputs ``(T, batch, n)``);
        the reset is not masked.
    reset_mechanism : {"zero", "subtract", "none"}
        Default ``"zero"`` (unlike Leaky, Synaptic and Lapicque).
    float32_spikes : bool
        Reproduce snntorch 1.0.0's float32 spikes (default); only the
        subtract reset of ``syn_exc`` uses the threshold.
    state_quant : False or callable
        snntorch's quantiser of the hidden states (default ``False``, off).
        A callable mapping a float64 array of the neuron shape to a float64
        array of the same shape; it must act element-wise (refneuron may hand
        it any block of neurons) and be deterministic.  Applied where
        snntorch 1.0.0 applies it: to the new ``syn_exc``, ``syn_inh`` and
        membrane (snntorch's order) after the state function (stored
        quantised), and once more to the membrane inside
        ``fire`` before the comparison, :math:`S_t = H^{>}(q(q(U_t)) - \theta)`
        (not under ``inhibition``: ``fire_inhibition`` compares
        :math:`q(U_t)`).  No backward pass
        (``NotImplementedError``) and no compiled kernel
        (``BackendUnavailable``) with it set.

    Notes
    -----
    ``tau_alpha`` (the normalisation :math:`c`) is computed once, in float64,
    in snntorch's association order; snntorch recomputes it at every call in
    the dtype of its buffers (float64 when the module is built under a
    float64 default dtype, float32 otherwise).  snntorch's docstring writes
    it as ``log(a)/log(b) - log(a) + 1``, which is not what the code computes.
    ``init_hidden`` and ``output`` are not reproduced.

    References
    ----------
    snntorch 1.0.0, ``snntorch/_neurons/alpha.py`` (``_base_state_function``,
    ``_base_sub``, ``_base_zero``, ``_alpha_cases``) and ``neurons.py``.
    """

    name = "snntorch.Alpha"
    framework = "snntorch 1.0.0"
    reference = "snntorch/_neurons/alpha.py"
    State = AlphaState
    quirks = (
        "snntorch_delayed_reset",
        "snntorch_float32_spikes",
        "snntorch_state_quant_twice",
        "snntorch_alpha_subtract_reset",
        "snntorch_alpha_tau_docstring",
        "snntorch_alpha_learn_alpha",
        "snntorch_clamp",
        "snntorch_inhibition_reset",
    )

    alpha: float = param(unit="1", doc="excitatory current decay factor per step", rule="[0,1]",
                         framework_does="snntorch clamps it to [0, 1] in the forward without a word")
    beta: float = param(unit="1", doc="inhibitory current decay factor per step (< alpha)", rule="[0,1]",
                        framework_does="snntorch clamps it to [0, 1] in the forward without a word")
    threshold: float = param(1.0, unit="same as U", doc="firing threshold")
    spike_grad: object = other(default_factory=ATan, doc="surrogate gradient", convert=as_snntorch_spike_grad)
    surrogate_disable: bool = flag(False, doc="no gradient through the spike (gradient only)")
    inhibition: bool = flag(False, doc="only the arg-max neuron of dim 1 spikes")
    learn_alpha: bool = flag(False, doc="alpha is learnable (gradient only)")
    learn_beta: bool = flag(False, doc="beta is learnable (gradient only)")
    learn_threshold: bool = flag(False, doc="threshold is learnable (gradient only)")
    reset_mechanism: str = option("zero", RESETS, doc="reset applied after a spike")
    float32_spikes: bool = flag(True, doc="snntorch 1.0.0 float32 spikes (quirk)")
    state_quant: object = other(False, doc="quantiser of the hidden states (callable) or False",
                                convert=check_state_quant)  # fmt: skip

    def _check(self):
        a = np.asarray(self.alpha, dtype=np.float64)
        b = np.asarray(self.beta, dtype=np.float64)
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ShapeError(
                f"alpha, beta: shapes {a.shape} and {b.shape} do not broadcast together"
            ) from None
        if np.any(b == 1):
            raise ParameterError(
                "beta: must be != 1 (got 1.0); snntorch raises ValueError because "
                "tau_alpha = ln(alpha)/(ln(beta) - ln(alpha)) + 1 divides by zero"
            )
        ok = a > b
        if not np.all(ok):
            ia, ib = np.broadcast_arrays(a, b)
            bad = np.argmax(~np.broadcast_to(ok, ia.shape).ravel())
            raise ParameterError(
                "alpha, beta: alpha must be > beta elementwise, as snntorch requires "
                f"('alpha must be greater than beta.') (got alpha={float(ia.ravel()[bad])!r}, "
                f"beta={float(ib.ravel()[bad])!r})"
            )
        object.__setattr__(self, "_tau_alpha", alpha_tau(self.alpha, self.beta))

    @property
    def tau_alpha(self):
        """The normalisation :math:`c = \\ln\\alpha/(\\ln\\beta - \\ln\\alpha) + 1`
        (snntorch's name; dimensionless, > 0)."""
        return self._tau_alpha

    def check_neuron_shape(self, neuron_shape):
        super().check_neuron_shape(neuron_shape)
        check_inhibition_shape(self, neuron_shape)

    def initial_state(self, neuron_shape):
        return AlphaState(
            syn_exc=self.full(0.0, neuron_shape),
            syn_inh=self.full(0.0, neuron_shape),
            mem=self.full(0.0, neuron_shape),
        )

    def _step(self, state, x):
        thr_sub, _ = _spike_constants(self)
        reset = RESET_CODE[self.reset_mechanism]
        r, e, n, u = alpha_charge(
            state.syn_exc, state.syn_inh, state.mem, x,
            self.alpha, self.beta, self._tau_alpha, self.threshold, thr_sub, reset,
        )  # fmt: skip
        e = quantize(self, e)
        n = quantize(self, n)
        u = quantize(self, u)
        y, _, _, _ = fire_and_reset(self, u, r, reset, False, spike_membrane(self, u))
        return y, AlphaState(syn_exc=e, syn_inh=n, mem=u)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward of step :math:`t` (:math:`\sigma'_t` the surrogate derivative
        at :math:`U_t - \theta`, zero under ``surrogate_disable``;
        :math:`c = \ln\alpha/(\ln\beta - \ln\alpha) + 1`):

        .. math::

            R_t &= H^{>}(U_{t-1} - \theta)\ \text{(detached)},\quad
            E^* = \alpha E_{t-1} + X_t,\quad N^* = \beta N_{t-1} - X_t,\quad
            U^* = c\,(E^* + N^*)\\
            \text{zero: } & E_t = (1 - R_t)E^*,\ N_t = (1 - R_t)N^*,\ U_t = (1 - R_t)U^*\\
            \text{subtract: } & E_t = E^* - \theta_{32}R_t,\ N_t = (1 - R_t)N^*,\
                U_t = U^* + N_{t-1}R_t\\
            S_t &= H^{>}(U_t - \theta).

        Adjoint, in reverse order (:math:`\bar E_t, \bar N_t, \bar U_t` the
        total gradients on the stored state, :math:`\bar Y_t` on the output):

        .. math::

            \hat U_t &= \bar U_t + \sigma'_t\bar Y_t,\qquad
            \bar\theta \mathrel{+}= -\sigma'_t\bar Y_t\\
            \text{zero: } & \bar E^* = (1 - R_t)\bar E_t,\ \bar N^* = (1 - R_t)\bar N_t,\
                \bar U^* = (1 - R_t)\hat U_t\\
            \text{subtract: } & \bar E^* = \bar E_t,\ \bar\theta \mathrel{+}= -R_t\bar E_t,\
                \bar N^* = (1 - R_t)\bar N_t,\ \bar U^* = \hat U_t,\
                \bar N_{t-1} \mathrel{+}= R_t\hat U_t\\
            \bar E^* &\mathrel{+}= c\,\bar U^*,\quad \bar N^* \mathrel{+}= c\,\bar U^*,\quad
                \bar c = \bar U^*(E^* + N^*)\\
            \bar X_t &= \bar E^* - \bar N^*,\quad \bar E_{t-1} = \alpha\bar E^*,\quad
                \bar N_{t-1} \mathrel{+}= \beta\bar N^*\\
            \bar\alpha &\mathrel{+}= \bar E^* E_{t-1}
                + \bar c\,\frac{\ln\beta}{\alpha(\ln\beta - \ln\alpha)^2},\quad
            \bar\beta \mathrel{+}= \bar N^* N_{t-1}
                - \bar c\,\frac{\ln\alpha}{\beta(\ln\beta - \ln\alpha)^2}.

        snntorch recomputes :math:`c` from the (clamped) parameters at every
        call, so both paths reach :math:`\alpha` and :math:`\beta`; the clamps
        pass the gradient on [0, 1].  ``alpha`` cannot be made learnable in
        snntorch 1.0.0 (quirk ``snntorch_alpha_learn_alpha``); its gradient
        here is what a learnable ``alpha`` would receive.  Exactness against
        snntorch: as :meth:`Leaky._vjp_step
        <refneuron.models.snntorch.leaky.Leaky._vjp_step>`.
        """
        refuse_vjp(self)
        thr_sub, _ = _spike_constants(self)
        _, _, _, f32_rt, _ = spike_dtypes(self)
        reset = RESET_CODE[self.reset_mechanism]
        e0, n0, u0 = state_prev.syn_exc, state_prev.syn_inh, state_prev.mem
        alpha, beta, c = self.alpha, self.beta, self._tau_alpha
        r, _, _, u = alpha_charge(e0, n0, u0, x, alpha, beta, c, self.threshold, thr_sub, reset)
        g_u, g_thr, _ = fire_and_reset_vjp(self, u, r, reset, False, g_output, g_state["mem"])
        dc_da, dc_db = alpha_tau_derivatives(alpha, beta)
        g_x, g_e0, g_n0, g_alpha, g_beta, g_thr = alpha_charge_adjoint(
            g_u, g_thr, g_state["syn_exc"], g_state["syn_inh"], e0, n0, x, r, alpha, beta, c, dc_da, dc_db, reset,
            f32_rt,
        )  # fmt: skip
        shape = np.shape(g_u)
        return (
            g_x,
            {
                "syn_exc": np.broadcast_to(g_e0, shape),
                "syn_inh": np.broadcast_to(g_n0, shape),
                "mem": np.zeros(shape),
            },
            {
                "alpha": np.broadcast_to(g_alpha, shape),
                "beta": np.broadcast_to(g_beta, shape),
                "threshold": np.broadcast_to(g_thr, shape),
            },
        )


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def alpha_step(e, n, u, x, alpha, beta, tau_alpha, threshold, thr_sub, reset):
    """snntorch ``Alpha`` (``Alpha._step`` without inhibition; the output is
    the 0/1 spike, ``Alpha`` has no graded spikes)."""
    _, e, n, u = alpha_charge(e, n, u, x, alpha, beta, tau_alpha, threshold, thr_sub, reset)
    return spike_gt(u, threshold), e, n, u


def alpha_back(
    e0, n0, u0, x, gy, ge, gn, gu, alpha, beta, c, threshold, thr_sub, reset, thr_d, dc_da, dc_db,
    f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    """snntorch ``Alpha._vjp_step`` (no inhibition): ``(g_x, g_syn_exc,
    g_syn_inh, g_mem, g_alpha, g_beta, g_threshold)``."""
    r, _, _, u = alpha_charge(e0, n0, u0, x, alpha, beta, c, threshold, thr_sub, reset)
    s = spike_gt(u, threshold)
    ds = surrogate_slope(sg, u - threshold, sp0, sp1)
    g_u, g_thr, _ = spike_reset_adjoint(u, r, s, ds, gy, gu, 1.0, thr_d, reset, False, f32_s, f32_y, f32_d, f32_dt)
    g_x, g_e0, g_n0, g_a, g_b, g_thr = alpha_charge_adjoint(
        g_u, g_thr, ge, gn, e0, n0, x, r, alpha, beta, c, dc_da, dc_db, reset, f32_rt
    )
    return g_x, g_e0, g_n0, 0.0, g_a, g_b, g_thr


__all__ = [
    "Alpha",
    "AlphaState",
    "alpha_charge",
    "alpha_charge_adjoint",
    "alpha_tau",
    "alpha_tau_derivatives",
    "alpha_step",
    "alpha_back",
]
