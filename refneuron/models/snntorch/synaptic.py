r"""snntorch ``Synaptic``: a current-based LIF (synaptic current + membrane) with a delayed reset.

Source: snntorch 1.0.0, ``snntorch/_neurons/synaptic.py`` and ``neurons.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._records import State, flag, option, other, param
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
    refuse_vjp,
    round32,
    spike_dtypes,
    spike_gt,
    spike_membrane,
    spike_reset_adjoint,
)
from .leaky import leaky_immediate_reset


@dataclasses.dataclass(frozen=True, eq=False)
class SynapticState(State):
    """State of :class:`Synaptic`: synaptic current ``syn`` and membrane ``mem``
    (pre-reset with the default ``reset_delay=True``, as stored by snntorch)."""

    syn: object
    mem: object


def synaptic_charge(syn, mem, x, alpha, beta, threshold, threshold_sub, reset):
    """Delayed reset signal, new current and new membrane (steps 1-4).

    Element-wise on arrays and on Python floats; branches only on the option
    code ``reset``.  Returns ``(r, syn_new, mem_new)``.  The current is never
    reset (snntorch's zero reset subtracts ``0 * r`` from it).
    """
    r = spike_gt(mem, threshold)
    i = alpha * syn + x
    m = beta * mem + i
    if reset == SUBTRACT:
        m = m - r * threshold_sub
    elif reset == ZERO:
        m = m - m * r
    return r, i, m


def synaptic_charge_adjoint(g_m, g_thr, g_syn, syn, mem, r, alpha, beta, reset, f32_rt):
    r"""Adjoint of :func:`synaptic_charge`, element-wise.

    From :math:`\bar M_t` (``g_m``, after the spike and reset adjoint), the
    threshold gradient so far and :math:`\bar I_t` (``g_syn``), with the
    stored ``syn``, ``mem`` and the delayed-reset spike ``r``: returns
    ``(g_x, g_syn_prev, g_mem_prev, g_alpha, g_beta, g_threshold)``
    (equations in :meth:`Synaptic._vjp_step`).
    """
    if reset == ZERO:
        g_a = g_m - g_m * r
    else:
        g_a = g_m
        if reset == SUBTRACT:
            g_thr = g_thr - round32(f32_rt, g_m) * r
    g_i = g_syn + g_a
    return g_i, g_i * alpha, g_a * beta, g_i * syn, g_a * mem, g_thr


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Synaptic(Model):
    r"""snntorch ``Synaptic`` neuron (1.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`synaptic_step`, reverse step :func:`synaptic_back`
    (both in this file).

    Per call :math:`t` (default ``reset_delay=True``), with
    :math:`H^{>}(u) = 1` if :math:`u > 0` else 0:

    .. math::

        R_t &= H^{>}(U_{t-1} - \theta) \quad\text{(from the stored membrane)}\\
        I_t &= \alpha I_{t-1} + X_t\\
        M_t &= \beta U_{t-1} + I_t\\
        U_t &= M_t - R_t\,\theta_{32}   &&\text{subtract}\\
        U_t &= M_t - M_t R_t            &&\text{zero}\\
        U_t &= M_t                      &&\text{none}\\
        S_t &= H^{>}(U_t - \theta)

    The zero reset clears the whole candidate :math:`M_t`, including this
    step's current (unlike :class:`Leaky`, which keeps :math:`X_t`); the
    current :math:`I_t` itself is never reset.  The returned and stored
    :math:`U_t` is pre-reset.  ``reset_delay=False`` adds the compensating
    immediate reset :math:`D_t = S_t - R_t`, :math:`U_t \leftarrow U_t -
    D_t\theta_{32}` (subtract) or :math:`U_t - D_t U_t` (zero), as in Leaky.
    :math:`\theta_{32}` is the threshold rounded to float32 when it is a scalar
    and ``float32_spikes`` is on.

    Continuous-time reading: two first-order filters with exact exponential
    decay, :math:`\tau_{syn}\,dI/dt = -I`, :math:`\tau_{mem}\,dU/dt = -U + I`,
    :math:`\alpha = e^{-\Delta t/\tau_{syn}}`, :math:`\beta =
    e^{-\Delta t/\tau_{mem}}`; the input jumps into :math:`I` and the current
    of step :math:`t` enters :math:`U` in the same step (no input scaling).
    Units: dimensionless (I, U and X share the unit of the threshold).

    Parameters
    ----------
    alpha : float or array, in [0, 1]
        Synaptic current decay per step (snntorch clamps silently at every
        use; refneuron refuses values outside [0, 1]).
    beta : float or array, in [0, 1]
        Membrane decay per step (same rule).
    threshold : float or array
    spike_grad : Surrogate
        ``ATan(alpha=2)`` by default; the forward is always :math:`H^{>}`.
    surrogate_disable, learn_alpha, learn_beta, learn_threshold : bool
        Gradient-only switches, recorded for the backward pass.
    inhibition : bool
        Only the arg-max neuron of dimension 1 spikes (inputs ``(T, batch, n)``);
        the reset is not masked.
    reset_mechanism : {"subtract", "zero", "none"}
    reset_delay : bool
    float32_spikes : bool
        Reproduce snntorch 1.0.0's float32 spikes (default); False gives the
        behaviour of snntorch master after PR #432.
    state_quant : False or callable
        snntorch's quantiser of the hidden states (default ``False``, off).
        A callable mapping a float64 array of the neuron shape to a float64
        array of the same shape; it must act element-wise (refneuron may hand
        it any block of neurons) and be deterministic.  Applied where
        snntorch 1.0.0 applies it: to the new membrane and then the current
        (snntorch's order) after the state function (stored quantised), and once more to the membrane inside
        ``fire`` before the comparison, :math:`S_t = H^{>}(q(q(U_t)) - \theta)`
        (not under ``inhibition``: ``fire_inhibition`` compares
        :math:`q(U_t)`). The immediate reset of
        ``reset_delay=False`` acts on :math:`q(U_t)` and is not quantised
        again.  No backward pass
        (``NotImplementedError``) and no compiled kernel
        (``BackendUnavailable``) with it set.

    Notes
    -----
    ``init_hidden`` and ``output`` only change what snntorch returns; they
    are not reproduced.

    References
    ----------
    snntorch 1.0.0, ``snntorch/_neurons/synaptic.py`` (``forward``,
    ``_base_state_function``, ``_base_sub``, ``_base_zero``) and
    ``neurons.py`` (``fire``, ``fire_inhibition``, ``mem_reset``).
    """

    name = "snntorch.Synaptic"
    framework = "snntorch 1.0.0"
    reference = "snntorch/_neurons/synaptic.py"
    State = SynapticState
    quirks = (
        "snntorch_delayed_reset",
        "snntorch_float32_spikes",
        "snntorch_state_quant_twice",
        "snntorch_clamp",
        "snntorch_inhibition_reset",
    )

    alpha: float = param(unit="1", doc="synaptic current decay factor per step", rule="[0,1]",
                         framework_does="snntorch clamps it to [0, 1] in the forward without a word")
    beta: float = param(unit="1", doc="membrane decay factor per step", rule="[0,1]",
                        framework_does="snntorch clamps it to [0, 1] in the forward without a word")
    threshold: float = param(1.0, unit="same as U", doc="firing threshold")
    spike_grad: object = other(default_factory=ATan, doc="surrogate gradient", convert=as_snntorch_spike_grad)
    surrogate_disable: bool = flag(False, doc="no gradient through the spike (gradient only)")
    inhibition: bool = flag(False, doc="only the arg-max neuron of dim 1 spikes")
    learn_alpha: bool = flag(False, doc="alpha is learnable (gradient only)")
    learn_beta: bool = flag(False, doc="beta is learnable (gradient only)")
    learn_threshold: bool = flag(False, doc="threshold is learnable (gradient only)")
    reset_mechanism: str = option("subtract", RESETS, doc="reset applied after a spike")
    reset_delay: bool = flag(True, doc="apply the reset at the next step (snntorch default)")
    float32_spikes: bool = flag(True, doc="snntorch 1.0.0 float32 spikes (quirk)")
    state_quant: object = other(False, doc="quantiser of the hidden states (callable) or False",
                                convert=check_state_quant)  # fmt: skip

    def check_neuron_shape(self, neuron_shape):
        super().check_neuron_shape(neuron_shape)
        check_inhibition_shape(self, neuron_shape)

    def initial_state(self, neuron_shape):
        return SynapticState(syn=self.full(0.0, neuron_shape), mem=self.full(0.0, neuron_shape))

    def _step(self, state, x):
        thr_sub, _ = _spike_constants(self)
        reset = RESET_CODE[self.reset_mechanism]
        r, i, m = synaptic_charge(state.syn, state.mem, x, self.alpha, self.beta, self.threshold, thr_sub, reset)
        m = quantize(self, m)
        i = quantize(self, i)
        y, m, _, _ = fire_and_reset(self, m, r, reset, not self.reset_delay, spike_membrane(self, m))
        return y, SynapticState(syn=i, mem=m)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward of step :math:`t`, in order (:math:`\sigma'_t` the surrogate
        derivative at :math:`M_t - \theta`, zero under ``surrogate_disable``):

        .. math::

            R_t &= H^{>}(U_{t-1} - \theta)\ \text{(detached)},\quad
            I_t = \alpha I_{t-1} + X_t,\quad A_t = \beta U_{t-1} + I_t\\
            M_t &= A_t - R_t\theta_{32} \;|\; A_t - A_t R_t \;|\; A_t\\
            S_t &= H^{>}(M_t - \theta),\quad
            U_t = M_t \text{ (reset\_delay) or } M_t - D_t\theta_{32} \;|\; M_t - D_t M_t,
            \ D_t = S_t - R_t.

        Adjoint, in reverse order (:math:`\bar U_t`, :math:`\bar I_t` the total
        gradients on the stored state, :math:`\bar Y_t` on the output):

        .. math::

            \bar M_t &= \bar U_t + \sigma'_t\bar Y_t \;\text{(reset\_delay)};\quad
            \bar U_t(1 - \theta_{32}\sigma'_t) + \sigma'_t\bar Y_t \;|\;
            \bar U_t(1 - D_t - M_t\sigma'_t) + \sigma'_t\bar Y_t \;\text{(otherwise)}\\
            \bar A_t &= \bar M_t \;|\; (1 - R_t)\bar M_t \;|\; \bar M_t,\qquad
            \hat I_t = \bar I_t + \bar A_t\\
            \bar X_t &= \hat I_t,\quad \bar I_{t-1} = \alpha\hat I_t,\quad
            \bar U_{t-1} = \beta\bar A_t\\
            \bar\alpha &\mathrel{+}= \hat I_t I_{t-1},\quad
            \bar\beta \mathrel{+}= \bar A_t U_{t-1},\quad
            \bar\theta \mathrel{+}= -\sigma'_t\bar S_t - R_t\bar M_t \;\text{(subtract)}
            \;[-D_t\bar U_t \text{ without reset\_delay}]

        with :math:`\bar S_t` the total gradient on the spike
        (:func:`._common.fire_and_reset_vjp`).  The current is never reset.
        The clamps of :math:`\alpha, \beta` to [0, 1] pass the gradient.
        Exactness against snntorch: as :meth:`Leaky._vjp_step
        <refneuron.models.snntorch.leaky.Leaky._vjp_step>` (float32 roundings
        emulated under ``float32_spikes``; the gradient of a scalar threshold
        then carries float32 summation error).
        """
        refuse_vjp(self)
        thr_sub, _ = _spike_constants(self)
        _, _, _, f32_rt, _ = spike_dtypes(self)
        reset = RESET_CODE[self.reset_mechanism]
        syn, mem = state_prev.syn, state_prev.mem
        r, _, m = synaptic_charge(syn, mem, x, self.alpha, self.beta, self.threshold, thr_sub, reset)
        g_m, g_thr, _ = fire_and_reset_vjp(self, m, r, reset, not self.reset_delay, g_output, g_state["mem"])
        g_i, g_syn, g_mem, g_alpha, g_beta, g_thr = synaptic_charge_adjoint(
            g_m, g_thr, g_state["syn"], syn, mem, r, self.alpha, self.beta, reset, f32_rt
        )
        shape = np.shape(g_m)
        return (
            np.broadcast_to(g_i, np.shape(x)),
            {"syn": np.broadcast_to(g_syn, shape), "mem": np.broadcast_to(g_mem, shape)},
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


def synaptic_step(syn, mem, x, alpha, beta, threshold, thr_sub, reset, reset_delay):
    """snntorch ``Synaptic`` (``Synaptic._step`` without inhibition)."""
    r, i, m = synaptic_charge(syn, mem, x, alpha, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    if not reset_delay and reset != NONE:
        m = leaky_immediate_reset(m, s, r, thr_sub, reset)
    return s, i, m


def synaptic_back(
    syn, mem, x, gy, gsyn, gmem, alpha, beta, threshold, thr_sub, reset, reset_delay, thr_d,
    f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    """snntorch ``Synaptic._vjp_step`` (no inhibition): ``(g_x, g_syn, g_mem,
    g_alpha, g_beta, g_threshold)``."""
    r, _, m = synaptic_charge(syn, mem, x, alpha, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    ds = surrogate_slope(sg, m - threshold, sp0, sp1)
    g_m, g_thr, _ = spike_reset_adjoint(
        m, r, s, ds, gy, gmem, 1.0, thr_d, reset, not reset_delay, f32_s, f32_y, f32_d, f32_dt
    )
    return synaptic_charge_adjoint(g_m, g_thr, gsyn, syn, mem, r, alpha, beta, reset, f32_rt)


__all__ = ["Synaptic", "SynapticState", "synaptic_charge", "synaptic_charge_adjoint", "synaptic_step", "synaptic_back"]
