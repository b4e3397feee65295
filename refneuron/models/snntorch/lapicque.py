r"""snntorch ``Lapicque``: forward-Euler RC membrane with a delayed reset.

Source: snntorch 1.0.0, ``snntorch/_neurons/lapicque.py`` and ``neurons.py``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ... import _checks
from ..._records import State, flag, option, other, param
from ...errors import InputTypeError, ParameterError
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

_NOT_GIVEN = False


@dataclasses.dataclass(frozen=True, eq=False)
class LapicqueState(State):
    """State of :class:`Lapicque`: the membrane ``mem`` (pre-reset, as stored by snntorch)."""

    mem: object


def _optional(rule):
    """Field converter for snntorch's ``beta=False, R=False, C=False``.

    ``False``, ``None`` and 0 mean "not given" (snntorch tests truthiness, so
    0 counts as absent) and are stored as ``False``; any other value must be
    a finite real scalar obeying ``rule``.  snntorch cannot take per-neuron
    tensors here (``not beta`` on a multi-element tensor is a RuntimeError).
    """

    def convert(name, value):
        if value is None or value is False or (isinstance(value, np.bool_) and not value):
            return _NOT_GIVEN
        if value is True or isinstance(value, np.bool_):
            raise InputTypeError(f"{name}: must be a real number or False (not given) (got {value!r})")
        v = _checks.as_float_param(name, value, None, per_neuron=False)
        if v == 0:
            return _NOT_GIVEN
        _checks.check_rule(name, v, rule)
        return v

    return convert


def lapicque_charge(mem, x, R, inv_rc, time_step, decay, threshold, threshold_sub, reset):
    """Delayed reset signal and new membrane (steps 1-3).

    ``inv_rc = 1/(R*C)`` and ``decay = 1 - time_step/(R*C)`` are the derived
    constants of :meth:`Lapicque.resolved`.  Element-wise on arrays and on
    Python floats; branches only on the option code ``reset``.  Returns
    ``(r, mem_new)``.
    """
    r = spike_gt(mem, threshold)
    b = ((x * R) * inv_rc) * time_step + decay * mem
    if reset == SUBTRACT:
        b = b - r * threshold_sub
    elif reset == ZERO:
        b = b - r * b
    return r, b


def lapicque_charge_adjoint(g_u, g_thr, mem, x, r, R, inv_rc, time_step, decay, beta, reset, f32_rt, beta_grad, no_C):
    r"""Adjoint of :func:`lapicque_charge`, element-wise.

    From :math:`\bar U_t` (``g_u``, after the spike adjoint) and the
    threshold gradient so far: returns ``(g_x, g_mem_prev, g_threshold,
    g_beta)``.  ``beta_grad``: beta enters the update (given without both R
    and C), :math:`\bar\beta = \bar B\,U_{t-1}/\beta` (minus
    :math:`\bar B X R/\beta` when C is derived from beta, ``no_C``);
    otherwise ``g_beta`` is 0.0 and unused.
    """
    if reset == ZERO:
        g_b = g_u - g_u * r
    else:
        g_b = g_u
        if reset == SUBTRACT:
            g_thr = g_thr - round32(f32_rt, g_u) * r
    g_beta = 0.0
    if beta_grad:
        g_beta = g_b * mem / beta
        if no_C:
            g_beta = g_beta - g_b * x * R / beta
    return ((g_b * time_step) * inv_rc) * R, g_b * decay, g_thr, g_beta


@register
@dataclasses.dataclass(frozen=True, eq=False)
class Lapicque(Model):
    r"""snntorch ``Lapicque`` neuron (1.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`lapicque_step`, reverse step :func:`lapicque_back`
    (both in this file).

    Per call :math:`t`, with :math:`H^{>}(u) = 1` if :math:`u > 0` else 0 and
    :math:`\Delta t` = ``time_step``:

    .. math::

        R_t &= H^{>}(U_{t-1} - \theta) \quad\text{(from the stored membrane)}\\
        B_t &= ((X_t R)\,\tfrac{1}{RC})\,\Delta t + \left(1 - \tfrac{\Delta t}{RC}\right) U_{t-1}\\
        U_t &= B_t - R_t\,\theta_{32}  &&\text{subtract}\\
        U_t &= B_t - R_t B_t           &&\text{zero}\\
        U_t &= B_t                     &&\text{none}\\
        S_t &= H^{>}(U_t - \theta)

    (:math:`R_t` is the reset signal, :math:`R` the resistance.)  This is the
    explicit-Euler step of :math:`RC\,dU/dt = -U + R\,I` with the input of the
    step taken at its end.  The stored :math:`U_t` is pre-reset; the reset of
    a spike is applied at the next call.  :math:`\theta_{32}` is the threshold
    rounded to float32 when it is a scalar and ``float32_spikes`` is on.

    Resolution of ``R`` and ``C`` (:meth:`resolved`), "given" meaning truthy
    as in snntorch (0 and ``False`` are "not given"):

    ============  =================================================
    given         result
    ============  =================================================
    beta          R = 1, C = dt / (R ln(1/beta))
    beta, R       C = dt / (R ln(1/beta))
    beta, C       R = dt / (C ln(1/beta))
    R, C          used as given; ``exp(-dt/(RC))`` is stored by snntorch
                  as ``beta`` but never used (:attr:`unused_beta`)
    beta, R, C    refused (snntorch: AttributeError at the first call)
    otherwise     refused (snntorch: ValueError)
    ============  =================================================

    :math:`\beta` never enters the update: when R or C is derived from it, the
    per-step decay is :math:`1 - \ln(1/\beta)` (0.894640 for 0.9), not
    :math:`\beta`, and the input gain :math:`\Delta t/C = R\ln(1/\beta)`
    (quirk ``snntorch_lapicque_decay``).

    Units: ``time_step`` and :math:`RC` share a time unit; :math:`X` is a
    current and :math:`U = R X` a voltage in matching units (the snntorch
    tutorial uses s, ohm, F, A, V).

    Parameters
    ----------
    beta : float in (0, 1), or False
        Only used to derive R or C.
    R, C : float > 0, or False
        Resistance and capacitance.
    time_step : float > 0
        :math:`\Delta t`.  ``time_step/(R*C) >= 2`` is refused (unstable Euler
        decay), ``>= 1`` warns (the decay factor is negative).
    threshold : float or array
    spike_grad : Surrogate
        ``ATan(alpha=2)`` by default; the forward is always :math:`H^{>}`.
    surrogate_disable, learn_beta, learn_threshold : bool
        Gradient-only switches, recorded for the backward pass.
    inhibition : bool
        Only the arg-max neuron of dimension 1 spikes; the reset is not masked.
    reset_mechanism : {"subtract", "zero", "none"}
    float32_spikes : bool
        Reproduce snntorch 1.0.0's float32 spikes (default).
    state_quant : False or callable
        snntorch's quantiser of the hidden states (default ``False``, off).
        A callable mapping a float64 array of the neuron shape to a float64
        array of the same shape; it must act element-wise (refneuron may hand
        it any block of neurons) and be deterministic.  Applied where
        snntorch 1.0.0 applies it: to the new membrane after the state
        function (stored quantised), and once more to the membrane inside
        ``fire`` before the comparison, :math:`S_t = H^{>}(q(q(U_t)) - \theta)`
        (not under ``inhibition``: ``fire_inhibition`` compares
        :math:`q(U_t)`).  No backward pass
        (``NotImplementedError``) and no compiled kernel
        (``BackendUnavailable``) with it set.

    Notes
    -----
    snntorch derives R or C at construction in the dtype of its ``beta``
    buffer: float64 when the module is built under
    ``torch.set_default_dtype(torch.float64)`` (reproduced here), float32
    otherwise.  With integer ``R``, ``C`` and ``time_step`` (and no beta),
    snntorch's ``1/(R*C)`` and ``time_step/(R*C)`` are integer tensor
    divisions evaluated in the default dtype at *call* time; refneuron
    evaluates them in float64 (snntorch run under a float64 default dtype).
    Per-neuron ``beta``, ``R``, ``C`` are not possible in snntorch (its
    truthiness tests fail on multi-element tensors); per-neuron thresholds are.

    References
    ----------
    snntorch 1.0.0, ``snntorch/_neurons/lapicque.py`` (``_lapicque_cases``,
    ``_base_state_function``, ``_base_sub``, ``_base_zero``) and
    ``neurons.py``.  L. Lapicque (1907), J. Physiol. Pathol. Gen. 9, 620-635.
    """

    name = "snntorch.Lapicque"
    framework = "snntorch 1.0.0"
    reference = "snntorch/_neurons/lapicque.py"
    State = LapicqueState
    quirks = (
        "snntorch_delayed_reset",
        "snntorch_float32_spikes",
        "snntorch_state_quant_twice",
        "snntorch_lapicque_decay",
        "snntorch_lapicque_unused_beta",
        "snntorch_lapicque_all_three",
        "snntorch_lapicque_truthiness",
        "snntorch_lapicque_int_division",
        "snntorch_lapicque_learn_beta",
        "snntorch_inhibition_reset",
    )

    beta: object = other(False, doc="decay in (0, 1), used only to derive R or C; False or 0 = not given", unit="1",
                         convert=_optional("(0,1)"))  # fmt: skip
    R: object = other(False, doc="membrane resistance > 0; False or 0 = not given", unit="ohm", convert=_optional(">0"))
    C: object = other(False, doc="membrane capacitance > 0; False or 0 = not given", unit="F", convert=_optional(">0"))
    time_step: float = param(1.0, unit="s", doc="time step dt", rule=">0", per_neuron=False)
    threshold: float = param(1.0, unit="same as U", doc="firing threshold")
    spike_grad: object = other(default_factory=ATan, doc="surrogate gradient", convert=as_snntorch_spike_grad)
    surrogate_disable: bool = flag(False, doc="no gradient through the spike (gradient only)")
    inhibition: bool = flag(False, doc="only the arg-max neuron of dim 1 spikes")
    learn_beta: bool = flag(False, doc="beta is learnable (gradient only; beta only enters through R or C)")
    learn_threshold: bool = flag(False, doc="threshold is learnable (gradient only)")
    reset_mechanism: str = option("subtract", RESETS, doc="reset applied after a spike")
    float32_spikes: bool = flag(True, doc="snntorch 1.0.0 float32 spikes (quirk)")
    state_quant: object = other(False, doc="quantiser of the hidden states (callable) or False",
                                convert=check_state_quant)  # fmt: skip

    def _check(self):
        beta, R, C, dt = self.beta, self.R, self.C, self.time_step
        given = f"(got beta={beta!r}, R={R!r}, C={C!r})"
        if beta and R and C:
            raise ParameterError(
                "beta, R, C: give beta, or beta with one of R and C, or R and C, not all three; "
                "snntorch 1.0.0 stores no R and C in that case and fails with AttributeError "
                f"at the first call {given}"
            )
        if not beta and not (R and C):
            raise ParameterError(
                "beta, R, C: give beta (with at most one of R and C) or both R and C; snntorch "
                f"raises ValueError otherwise (0 and False count as not given) {given}"
            )
        if R and C:
            pass
        elif not (R or C):
            R = 1.0
            C = dt / (R * math.log(1 / beta))
        elif R:
            C = dt / (R * math.log(1 / beta))
        else:
            R = dt / (C * math.log(1 / beta))
        rc = R * C
        factor = dt / rc
        try:
            _checks.check_euler_decay("1/(R*C)", "time_step", factor)
        except ParameterError as exc:
            if beta:
                raise ParameterError(
                    f"{exc}; with beta given, time_step/(R*C) = ln(1/beta), so beta must be > exp(-2)"
                ) from None
            raise
        object.__setattr__(self, "_resolved", (float(R), float(C), 1 / rc, 1 - factor))

    def resolved(self):
        """``(R, C)`` after snntorch's resolution (see the table above)."""
        return self._resolved[0], self._resolved[1]

    @property
    def decay(self):
        """Per-step decay factor ``1 - time_step/(R*C)``."""
        return self._resolved[3]

    @property
    def unused_beta(self):
        """``exp(-time_step/(R*C))``: what snntorch stores as ``beta`` when R and
        C are given; it never enters the update."""
        R, C = self.resolved()
        return math.exp(-self.time_step / (R * C))

    @property
    def beta_enters(self):
        """True if ``beta`` enters the update (given, and R and C not both
        given), so that it has a gradient."""
        return bool(self.beta and not (self.R and self.C))

    def check_neuron_shape(self, neuron_shape):
        super().check_neuron_shape(neuron_shape)
        check_inhibition_shape(self, neuron_shape)

    def initial_state(self, neuron_shape):
        return LapicqueState(mem=self.full(0.0, neuron_shape))

    def _step(self, state, x):
        thr_sub, _ = _spike_constants(self)
        reset = RESET_CODE[self.reset_mechanism]
        R, _, inv_rc, decay = self._resolved
        r, m = lapicque_charge(state.mem, x, R, inv_rc, self.time_step, decay, self.threshold, thr_sub, reset)
        m = quantize(self, m)
        y, _, _, _ = fire_and_reset(self, m, r, reset, False, spike_membrane(self, m))
        return y, LapicqueState(mem=m)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward of step :math:`t` (:math:`\sigma'_t` the surrogate derivative
        at :math:`U_t - \theta`, zero under ``surrogate_disable``):

        .. math::

            R_t &= H^{>}(U_{t-1} - \theta)\ \text{(detached)},\quad
            B_t = ((X_t R)\tfrac{1}{RC})\Delta t + d\,U_{t-1},\ d = 1 - \tfrac{\Delta t}{RC}\\
            U_t &= B_t - R_t\theta_{32} \;|\; B_t - R_t B_t \;|\; B_t,\qquad
            S_t = H^{>}(U_t - \theta).

        Adjoint, in reverse order (:math:`\bar U_t` the total gradient on the
        stored membrane, :math:`\bar Y_t` on the output):

        .. math::

            \hat U_t &= \bar U_t + \sigma'_t\bar Y_t,\qquad
            \bar B_t = \hat U_t \;|\; (1 - R_t)\hat U_t \;|\; \hat U_t\\
            \bar X_t &= ((\bar B_t\Delta t)\tfrac{1}{RC})R,\quad
            \bar U_{t-1} = d\,\bar B_t,\quad
            \bar\theta \mathrel{+}= -\sigma'_t\bar Y_t - R_t\hat U_t \;\text{(subtract)}.

        ``beta`` enters only through the ``R`` or ``C`` derived from it:
        then :math:`RC = \Delta t/\ln(1/\beta)`, so :math:`d = 1 + \ln\beta`
        and the input gain is :math:`R\ln(1/\beta)` (``R`` given or 1) or
        :math:`\Delta t/C` (``C`` given), giving

        .. math::

            \bar\beta \mathrel{+}= \bar B_t\,U_{t-1}/\beta
                \;-\; \bar B_t X_t R/\beta \;\text{(unless C is given)}.

        snntorch 1.0.0 stores ``R`` and ``C`` as buffers; with ``beta`` alone
        and ``learn_beta=True`` its ``C`` is computed at construction from
        the ``beta`` Parameter and keeps that graph, so the first backward
        reaches ``beta`` by this path (a second backward fails, the graph
        being freed); with ``beta`` and ``R`` and ``learn_beta=True`` its
        construction raises ``KeyError``, and with ``R`` and ``C`` given
        ``beta`` is unused and gets no gradient (none is returned here).
        Exactness against snntorch: as :meth:`Leaky._vjp_step
        <refneuron.models.snntorch.leaky.Leaky._vjp_step>`.
        """
        refuse_vjp(self)
        thr_sub, _ = _spike_constants(self)
        _, _, _, f32_rt, _ = spike_dtypes(self)
        reset = RESET_CODE[self.reset_mechanism]
        R, _, inv_rc, decay = self._resolved
        r, m = lapicque_charge(state_prev.mem, x, R, inv_rc, self.time_step, decay, self.threshold, thr_sub, reset)
        g_u, g_thr, _ = fire_and_reset_vjp(self, m, r, reset, False, g_output, g_state["mem"])
        beta_grad = self.beta_enters
        g_x, g_mem, g_thr, g_beta = lapicque_charge_adjoint(
            g_u, g_thr, state_prev.mem, x, r, R, inv_rc, self.time_step, decay, self.beta if beta_grad else 1.0,
            reset, f32_rt, beta_grad, not self.C,
        )  # fmt: skip
        shape = np.shape(g_u)
        params = {"threshold": np.broadcast_to(g_thr, shape)}
        if beta_grad:
            params["beta"] = np.broadcast_to(g_beta, shape)
        return g_x, {"mem": np.broadcast_to(g_mem, shape)}, params


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def lapicque_step(mem, x, R, inv_rc, time_step, decay, threshold, thr_sub, reset):
    """snntorch ``Lapicque`` (``Lapicque._step`` without inhibition)."""
    _, m = lapicque_charge(mem, x, R, inv_rc, time_step, decay, threshold, thr_sub, reset)
    return spike_gt(m, threshold), m


def lapicque_back(
    mem, x, gy, gmem, R, inv_rc, time_step, decay, threshold, thr_sub, reset, thr_d, beta, beta_grad, no_C,
    f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    """snntorch ``Lapicque._vjp_step`` (no inhibition): ``(g_x, g_mem,
    g_threshold, g_beta)`` (``g_beta`` 0.0 where beta does not enter)."""
    r, m = lapicque_charge(mem, x, R, inv_rc, time_step, decay, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    ds = surrogate_slope(sg, m - threshold, sp0, sp1)
    g_u, g_thr, _ = spike_reset_adjoint(m, r, s, ds, gy, gmem, 1.0, thr_d, reset, False, f32_s, f32_y, f32_d, f32_dt)
    return lapicque_charge_adjoint(
        g_u, g_thr, mem, x, r, R, inv_rc, time_step, decay, beta, reset, f32_rt, beta_grad, no_C
    )


__all__ = ["Lapicque", "LapicqueState", "lapicque_charge", "lapicque_charge_adjoint", "lapicque_step", "lapicque_back"]
