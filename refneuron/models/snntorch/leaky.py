r"""snntorch ``Leaky``: first-order leaky integrate-and-fire with a delayed reset.

Source: snntorch 1.0.0, ``snntorch/_neurons/leaky.py`` and ``neurons.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._records import State, flag, option, other, param
from ...errors import ParameterError
from ...registry import register
from ...surrogates import ATan
from ...surrogates._codes import surrogate_slope
from .._base import Model
from ._common import (
    as_snntorch_spike_grad,
    NONE,
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
    refuse_kernel,
    refuse_vjp,
    round32,
    spike_dtypes,
    spike_gt,
    spike_membrane,
    spike_reset_adjoint,
)


@dataclasses.dataclass(frozen=True, eq=False)
class LeakyState(State):
    """State of :class:`Leaky`: the membrane ``mem`` (pre-reset, as stored by snntorch)."""

    mem: object


def leaky_charge(mem, x, beta, threshold, threshold_sub, reset):
    """Delayed reset signal and new membrane (steps 1-2 of the update).

    Works element-wise on arrays and on scalars (branches only on the option
    code ``reset``).  Returns ``(r, mem_new)``.
    """
    r = spike_gt(mem, threshold)
    if reset == SUBTRACT:
        m = (beta * mem + x) - r * threshold_sub
    elif reset == ZERO:
        m = beta * ((1.0 - r) * mem) + x
    else:
        m = beta * mem + x
    return r, m


def leaky_immediate_reset(m, s, r, threshold_sub, reset):
    """``reset_delay=False``: the compensating immediate reset ``D = S - R``."""
    d = s - r
    if reset == SUBTRACT:
        return m - d * threshold_sub
    if reset == ZERO:
        return m - d * m
    return m


def leaky_charge_adjoint(g_m, g_thr, mem, r, beta, reset, f32_rt):
    r"""Backward of :func:`leaky_charge` (element-wise): ``(g_mem, g_beta, g_threshold)``.

    From :math:`\bar M` (``g_m``): :math:`\bar U_{t-1} = \beta\bar M`
    (:math:`\beta(1 - R)\bar M` for zero), :math:`\bar\beta = \bar M U_{t-1}`
    (:math:`\bar M (1 - R) U_{t-1}`), and for subtract
    :math:`\bar\theta \mathrel{-}= R\,\bar M` with :math:`\bar M` rounded to
    float32 where snntorch's ``R * threshold`` is float32 (``f32_rt``).
    ``g_thr`` is the threshold gradient so far.
    """
    if reset == ZERO:
        kept = (1.0 - r) * mem
        g_mem = (g_m * beta) * (1.0 - r)
        g_beta = g_m * kept
    else:
        g_mem = g_m * beta
        g_beta = g_m * mem
        if reset == SUBTRACT:
            g_thr = g_thr - round32(f32_rt, g_m) * r
    return g_mem, g_beta, g_thr


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Leaky(Model):
    r"""snntorch ``Leaky`` neuron (1.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`leaky_step`, reverse step :func:`leaky_back` (both in
    this file).

    Per call :math:`t` (default ``reset_delay=True``), with
    :math:`H^{>}(u) = 1` if :math:`u > 0` else 0:

    .. math::

        R_t &= H^{>}(U_{t-1} - \theta) \quad\text{(from the stored membrane)}\\
        U_t &= (\beta U_{t-1} + X_t) - R_t\,\theta_{32}  &&\text{subtract}\\
        U_t &= \beta\,((1 - R_t) U_{t-1}) + X_t          &&\text{zero}\\
        U_t &= \beta U_{t-1} + X_t                       &&\text{none}\\
        S_t &= g\,H^{>}(U_t - \theta)

    The returned and stored :math:`U_t` is pre-reset (it may exceed
    :math:`\theta`); the reset of a spike is applied at the next step, not
    decayed.  ``reset_delay=False`` adds :math:`D_t = S_t/g - R_t` and
    :math:`U_t \leftarrow U_t - D_t\theta_{32}` (subtract) or
    :math:`U_t - D_t U_t` (zero), so :math:`U_t` is post-reset.
    :math:`\theta_{32}` is the threshold rounded to float32 when it is a
    scalar and ``float32_spikes`` is on (snntorch 1.0.0's float32 spikes).

    Continuous-time reading: exact exponential decay
    :math:`\beta = e^{-\Delta t/\tau}` of :math:`\tau\,dU/dt = -U`, the input
    added as an instantaneous jump each step (no input scaling).
    Units: dimensionless (U and X share the unit of the threshold).

    Parameters
    ----------
    beta : float or array, in [0, 1]
        Membrane decay per step (snntorch clamps it silently; refneuron refuses
        values outside [0, 1]).
    threshold : float or array
    spike_grad : Surrogate
        ``ATan(alpha=2)`` by default; the forward is always :math:`H^{>}`.
    surrogate_disable, learn_beta, learn_threshold, learn_graded_spikes_factor : bool
        Gradient-only switches, recorded for the backward pass.
    inhibition : bool
        Only the arg-max neuron of dimension 1 spikes (inputs ``(T, batch, n)``);
        the reset is not masked, and the output spike is *not* scaled by
        ``graded_spikes_factor`` while the immediate reset still divides by it,
        :math:`D_t = S_t/g - R_t` (quirk ``snntorch_inhibition_ungraded``).
    reset_mechanism : {"subtract", "zero", "none"}
    graded_spikes_factor : float or array
        Output spikes are ``g`` times the step (not under ``inhibition``).
    reset_delay : bool
    float32_spikes : bool
        Reproduce snntorch 1.0.0's float32 spikes (default).  False gives the
        behaviour of snntorch master after PR #432.
    state_quant : False or callable
        snntorch's quantiser of the hidden states (default ``False``, off).
        A callable mapping a float64 array of the neuron shape to a float64
        array of the same shape; it must act element-wise (refneuron may hand
        it any block of neurons) and be deterministic.  Applied where
        snntorch 1.0.0 applies it: to the new membrane after the state
        function (stored quantised), and once more to the membrane inside
        ``fire`` before the comparison, :math:`S_t = H^{>}(q(q(U_t)) - \theta)`
        (not under ``inhibition``: ``fire_inhibition`` compares
        :math:`q(U_t)`). The immediate reset of ``reset_delay=False``
        acts on :math:`q(U_t)` and is not quantised again.  No backward pass
        (``NotImplementedError``) and no compiled kernel
        (``BackendUnavailable``) with it set.

    References
    ----------
    snntorch 1.0.0, ``snntorch/_neurons/leaky.py`` (``forward``,
    ``_base_sub``, ``_base_zero``) and ``neurons.py`` (``fire``,
    ``fire_inhibition``, ``mem_reset``).
    """

    name = "snntorch.Leaky"
    framework = "snntorch 1.0.0"
    reference = "snntorch/_neurons/leaky.py"
    State = LeakyState
    quirks = (
        "snntorch_delayed_reset",
        "snntorch_float32_spikes",
        "snntorch_state_quant_twice",
        "snntorch_leaky_zero_reset",
        "snntorch_clamp",
        "snntorch_inhibition_reset",
        "snntorch_inhibition_ungraded",
    )

    beta: float = param(unit="1", doc="membrane decay factor per step", rule="[0,1]",
                        framework_does="snntorch clamps it to [0, 1] in the forward without a word")
    threshold: float = param(1.0, unit="same as U", doc="firing threshold")
    spike_grad: object = other(default_factory=ATan, doc="surrogate gradient", convert=as_snntorch_spike_grad)
    surrogate_disable: bool = flag(False, doc="no gradient through the spike (gradient only)")
    inhibition: bool = flag(False, doc="only the arg-max neuron of dim 1 spikes")
    learn_beta: bool = flag(False, doc="beta is learnable (gradient only)")
    learn_threshold: bool = flag(False, doc="threshold is learnable (gradient only)")
    reset_mechanism: str = option("subtract", RESETS, doc="reset applied after a spike")
    graded_spikes_factor: float = param(1.0, doc="output spike amplitude g")
    learn_graded_spikes_factor: bool = flag(False, doc="g is learnable (gradient only)")
    reset_delay: bool = flag(True, doc="apply the reset at the next step (snntorch default)")
    float32_spikes: bool = flag(True, doc="snntorch 1.0.0 float32 spikes (quirk)")
    state_quant: object = other(False, doc="quantiser of the hidden states (callable) or False",
                                convert=check_state_quant)  # fmt: skip

    def _check(self):
        g = np.asarray(self.graded_spikes_factor)
        if not self.reset_delay and self.reset_mechanism != "none" and np.any(g == 0.0):
            raise ParameterError(
                "graded_spikes_factor: must be nonzero with reset_delay=False and a reset (snntorch divides the "
                f"spike by it to reset, and 0/0 makes every membrane NaN) (got {self.graded_spikes_factor!r})"
            )

    def check_neuron_shape(self, neuron_shape):
        super().check_neuron_shape(neuron_shape)
        check_inhibition_shape(self, neuron_shape)

    def initial_state(self, neuron_shape):
        return LeakyState(mem=self.full(0.0, neuron_shape))

    def _spike_constants(self):
        """``(threshold_sub, g)`` for the compiled backends
        (:func:`._common.spike_constants`; refuses ``state_quant``)."""
        refuse_kernel(self)
        return _spike_constants(self)

    def _step(self, state, x):
        thr_sub, _ = _spike_constants(self)
        reset = RESET_CODE[self.reset_mechanism]
        r, m = leaky_charge(state.mem, x, self.beta, self.threshold, thr_sub, reset)
        m = quantize(self, m)
        y, m, _, _ = fire_and_reset(self, m, r, reset, not self.reset_delay, spike_membrane(self, m))
        return y, LeakyState(mem=m)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward of step :math:`t`, in order (:math:`M_t` the charged membrane,
        :math:`\sigma'_t` the surrogate derivative at :math:`M_t - \theta`,
        zero under ``surrogate_disable``):

        .. math::

            R_t &= H^{>}(U_{t-1} - \theta)\ \text{(detached)}\\
            M_t &= \beta U_{t-1} + X_t - R_t\theta_{32}
                \;|\; \beta(1 - R_t)U_{t-1} + X_t \;|\; \beta U_{t-1} + X_t\\
            S_t &= H^{>}(M_t - \theta),\quad Y_t = g S_t\\
            U_t &= M_t \;\text{(reset\_delay)}, \text{ else } M_t - D_t\theta_{32}
                \;|\; M_t - D_t M_t,\quad D_t = S_t - R_t.

        Adjoint, in reverse order, with :math:`\bar U_t` the total gradient
        on the stored membrane (upstream plus the carry from step
        :math:`t+1`) and :math:`\bar Y_t` the gradient on the output:

        .. math::

            \bar M_t &= \bar U_t + \sigma'_t g\bar Y_t \quad\text{(reset\_delay)}\\
            \bar M_t &= \bar U_t(1 - \theta_{32}\sigma'_t) + \sigma'_t g\bar Y_t
                \;\text{(subtract)},\quad
                \bar U_t(1 - D_t - M_t\sigma'_t) + \sigma'_t g\bar Y_t \;\text{(zero)}\\
            \bar X_t &= \bar M_t,\qquad
            \bar U_{t-1} = \beta\bar M_t \;|\; \beta(1 - R_t)\bar M_t \;|\; \beta\bar M_t\\
            \bar\beta &\mathrel{+}= \bar M_t U_{t-1} \;|\; \bar M_t (1 - R_t)U_{t-1}
                \;|\; \bar M_t U_{t-1}\\
            \bar\theta &\mathrel{+}= -\sigma'_t\bar S_t - R_t\bar M_t\ \text{(subtract)}
                \;[-D_t\bar U_t \text{ more without reset\_delay}],\qquad
            \bar g \mathrel{+}= \bar Y_t S_t

        where :math:`\bar S_t = g\bar Y_t` plus, without ``reset_delay``,
        :math:`-\bar U_t\theta_{32}` (subtract) or :math:`-\bar U_t M_t`
        (zero).  Under ``inhibition`` :math:`Y_t = S_t` (unscaled) and
        :math:`D_t = S_t/g - R_t`, so :math:`g` enters only through
        :math:`D_t` (:func:`._common.fire_and_reset_vjp`).  The clamp of
        :math:`\beta` to [0, 1] is the identity on the accepted values and
        passes the gradient.

        Exactness against snntorch: with ``float32_spikes=False`` (spikes in
        the input dtype) every gradient is the float64 derivative.  With
        ``float32_spikes=True`` the gradients that snntorch 1.0.0 delivers in
        float32 (on its float32 spike tensor, on ``spk * g`` for a scalar
        ``g``, on ``R * threshold`` and ``D * threshold`` for a scalar
        threshold) are rounded to float32 element by element, so input and
        initial-state gradients reproduce snntorch's; the gradients of a
        *scalar* ``threshold`` and ``graded_spikes_factor`` are summed here in
        float64 while snntorch sums float32 terms, so they differ from
        snntorch by float32 summation error (relative ~1e-7).
        """
        refuse_vjp(self)
        thr_sub, _ = _spike_constants(self)
        _, _, _, f32_rt, _ = spike_dtypes(self)
        reset = RESET_CODE[self.reset_mechanism]
        mem = state_prev.mem
        r, m = leaky_charge(mem, x, self.beta, self.threshold, thr_sub, reset)
        g_m, g_thr, g_g = fire_and_reset_vjp(
            self, m, r, reset, not self.reset_delay, g_output, g_state["mem"]
        )  # fmt: skip
        g_mem, g_beta, g_thr = leaky_charge_adjoint(g_m, g_thr, mem, r, self.beta, reset, f32_rt)
        shape = np.shape(g_m)
        return (
            g_m,
            {"mem": np.broadcast_to(g_mem, shape)},
            {
                "beta": np.broadcast_to(g_beta, shape),
                "threshold": np.broadcast_to(g_thr, shape),
                "graded_spikes_factor": np.broadcast_to(g_g, shape),
            },
        )


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def leaky_step(mem, x, beta, threshold, thr_sub, thr_d, g, reset, reset_delay):
    """snntorch ``Leaky`` (``Leaky._step`` without inhibition).

    ``thr_sub`` is the threshold of the delayed reset ``R * threshold`` and
    ``thr_d`` that of the immediate reset ``D * threshold``; they differ only
    for a per-neuron ``graded_spikes_factor`` with a scalar threshold under
    ``float32_spikes``, where snntorch's ``D`` is float64 and the exact
    threshold is subtracted (``snntorch._common._threshold_d``).
    """
    r, m = leaky_charge(mem, x, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    if not reset_delay and reset != NONE:
        m = leaky_immediate_reset(m, s, r, thr_d, reset)
    return s * g, m


def leaky_back(
    mem, x, gy, gu, beta, threshold, thr_sub, thr_d, g, reset, immediate, f32_s, f32_y, f32_d, f32_rt, f32_dt,
    sg, sp0, sp1,
):  # fmt: skip
    """snntorch ``Leaky._vjp_step`` (no inhibition): ``(g_x, g_mem, g_beta, g_threshold, g_g)``."""
    r, m = leaky_charge(mem, x, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    ds = surrogate_slope(sg, m - threshold, sp0, sp1)
    g_m, g_thr, g_g = spike_reset_adjoint(m, r, s, ds, gy, gu, g, thr_d, reset, immediate, f32_s, f32_y, f32_d, f32_dt)
    g_mem, g_beta, g_thr = leaky_charge_adjoint(g_m, g_thr, mem, r, beta, reset, f32_rt)
    return g_m, g_mem, g_beta, g_thr, g_g


__all__ = [
    "Leaky",
    "LeakyState",
    "leaky_charge",
    "leaky_charge_adjoint",
    "leaky_immediate_reset",
    "ZERO",
    "leaky_step",
    "leaky_back",
]
