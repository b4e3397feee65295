"""One time step of one neuron, composed from the models' own element-wise functions.

Each function here is the per-neuron body of a model's ``_step`` for the
compiled backends: it calls the functions the model's file defines (the same
objects the NumPy reference calls) in the same order, and adds nothing but
the sequencing.  They take and return scalars (one neuron); the CPU kernels
compile them with ``numba.njit`` and the CUDA kernels with ``numba.cuda``.

The models' functions use :mod:`refneuron._math` (``exp``, ``maximum``,
``tanh``, ``where`` ...) wherever NumPy and the compilers differ: NumPy on
arrays, ``math``-based scalar forms of the same value in the compiled code
(CPU and CUDA alike), so no function here has a separate GPU version.  ``tests/backends`` checks every step against the model's
``_step`` through the kernels, spikes exactly and states bitwise (models
without ``exp``) or within a stated bound.

Every function returns ``(output, *new_state)``.
"""

from __future__ import annotations

from ..models.canonical.adex import adex_dV, adex_dw
from ..models.canonical.izhikevich import izhikevich_du, izhikevich_dv
from ..models.snntorch._common import NONE, spike_gt
from ..models.norse._common import spike_gt as norse_spike_gt
from ..models.norse.lif import lif_update
from ..models.snntorch.leaky import leaky_charge, leaky_immediate_reset
from ..models.snntorch.synaptic import synaptic_charge
from ..models.spikingjelly._common import lif_charge, spike_ge, voltage_reset
from ..models.spikingjelly.if_ import if_charge
from ..models.snntorch.alpha import alpha_charge
from ..models.snntorch.lapicque import lapicque_charge
from ..models.spikingjelly.eif import eif_charge
from ..models.spikingjelly.qif import qif_charge
from ..models.spikingjelly.izhikevich import izhikevich_adapt, izhikevich_charge as sj_izhikevich_charge
from ..models.spikingjelly.klif import klif_rectify, klif_reset
from ..models.spikingjelly.parametric_lif import plif_charge
from ..models.spikingjelly.liaf import liaf_output
from ..models.norse.lif_adex import adex_dv as norse_adex_dv, lif_adex_encoder_update, lif_adex_update
from ..models.norse.lsnn import lsnn_update

#: scheme codes of canonical.Izhikevich (index in ``SCHEMES``)
FIGURE2004, NETWORK2003, EULER = 0, 1, 2


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


def synaptic_step(syn, mem, x, alpha, beta, threshold, thr_sub, reset, reset_delay):
    """snntorch ``Synaptic`` (``Synaptic._step`` without inhibition)."""
    r, i, m = synaptic_charge(syn, mem, x, alpha, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    if not reset_delay and reset != NONE:
        m = leaky_immediate_reset(m, s, r, thr_sub, reset)
    return s, i, m


def izhikevich_step(v, u, i, a, b, c, d, v_peak, dt, p2, p1, p0, scheme, rule):
    """canonical ``Izhikevich`` (``Izhikevich._step``), all three schemes."""
    if scheme == NETWORK2003:
        s = (v >= v_peak) * 1.0
        v = s * c + (1.0 - s) * v
        u = u + s * d
        h = 0.5 * dt
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v, u, a, b, rule)
        return s, v, u
    if scheme == FIGURE2004:
        v = v + dt * izhikevich_dv(v, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v, u, a, b, rule)
    else:
        v_old = v
        v = v_old + dt * izhikevich_dv(v_old, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v_old, u, a, b, rule)
    s = (v > v_peak) * 1.0
    v = s * c + (1.0 - s) * v
    u = u + s * d
    return s, v, u


def adex_step(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
    """canonical ``AdEx`` (``AdEx._step``, forward Euler)."""
    V_new = V + dt * adex_dV(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak)
    w_new = w + dt * adex_dw(V, w, a, E_L, tau_w)
    s = (V_new > V_peak) * 1.0
    V_new = V_reset if s > 0 else V_new
    w_new = w_new + s * b
    return s, V_new, w_new


def sj_lif_step(v, x, tau, v_leak, v_threshold, decay_input, reset):
    """spikingjelly ``LIFNode`` (``LIF._step`` with the ``>=`` Heaviside)."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_if_step(v, x, v_leak, v_threshold, reset):
    """spikingjelly ``IFNode`` (``IF._step`` with the ``>=`` Heaviside)."""
    h = if_charge(v, x)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def norse_lif_step(v, i, x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    """norse ``LIF`` (``lif_feed_forward_step``: ``LIF._step``)."""
    z, v_new, i_new = lif_update(v, i + x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt)
    return z, v_new, i_new


def alpha_step(e, n, u, x, alpha, beta, tau_alpha, threshold, thr_sub, reset):
    """snntorch ``Alpha`` (``Alpha._step`` without inhibition; the output is
    the 0/1 spike, ``Alpha`` has no graded spikes)."""
    _, e, n, u = alpha_charge(e, n, u, x, alpha, beta, tau_alpha, threshold, thr_sub, reset)
    return spike_gt(u, threshold), e, n, u


def lapicque_step(mem, x, R, inv_rc, time_step, decay, threshold, thr_sub, reset):
    """snntorch ``Lapicque`` (``Lapicque._step`` without inhibition)."""
    _, m = lapicque_charge(mem, x, R, inv_rc, time_step, decay, threshold, thr_sub, reset)
    return spike_gt(m, threshold), m


def sj_eif_step(v, x, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset):
    """spikingjelly ``EIFNode`` (``EIF._step`` with the ``>=`` Heaviside)."""
    h = eif_charge(v, x, tau, v_rest, theta_rh, delta_T)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_qif_step(v, x, tau, a0, v_rest, v_c, v_threshold, v_leak, reset):
    """spikingjelly ``QIFNode`` (``QIF._step`` with the ``>=`` Heaviside)."""
    h = qif_charge(v, x, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_izhikevich_step(v, w, x, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak, reset):
    """spikingjelly ``IzhikevichNode`` (``Izhikevich._step``: charge with the
    old ``w``, fire, adapt from the pre-reset ``h``, reset)."""
    h = sj_izhikevich_charge(v, x, w, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    w_new = izhikevich_adapt(w, h, s, tau_w, a, b, v_rest)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset), w_new


def sj_klif_step(v, x, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset):
    """spikingjelly ``KLIFNode`` (``KLIF._step`` with the ``>=`` Heaviside)."""
    h = klif_rectify(lif_charge(v, x, tau, v_leak, decay_input), k)
    s = spike_ge(h, v_threshold)
    return s, klif_reset(h, s, k, v_threshold, v_leak, reset, scale_reset)


def sj_plif_step(v, x, k, v_leak, decay_input, v_threshold, reset):
    """spikingjelly ``ParametricLIFNode`` (``ParametricLIF._step``, ``k = sigmoid(w)``)."""
    h = plif_charge(v, x, k, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_liaf_step(v, x, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related):
    """spikingjelly ``LIAFNode`` (``LIAF._step``): the analog output
    ``act(h - v_threshold)`` (or ``act(h)``), the reset by the spike."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    y = liaf_output(h, v_threshold, act, threshold_related)
    s = spike_ge(h, v_threshold)
    return y, voltage_reset(h, s, v_threshold, v_leak, reset)


def norse_lif_adex_step(
    v, i, a, x, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """norse ``LIFAdEx`` (``lif_adex_feed_forward_step``: ``LIFAdEx._step``)."""
    return lif_adex_update(
        v, i + x, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
        delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip


def norse_encoder_step(
    v, a, x, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    corrected,
):  # fmt: skip
    """norse ``LIFAdExCurrentEncoder`` (``LIFAdExCurrentEncoder._step``)."""
    return lif_adex_encoder_update(
        v, x, a, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike,
        dt, corrected,
    )  # fmt: skip


def norse_lsnn_step(v, i, b, x, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt):
    """norse ``LSNN`` (``lsnn_feed_forward_step``: ``LSNN._step``): the update
    integrates the old current, then this step's input jumps in."""
    z, v_new, i_decayed, b_new = lsnn_update(
        v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt
    )
    return z, v_new, i_decayed + x, b_new


#: the models' functions the steps call, for registration with the compilers
MODEL_FUNCTIONS = (
    spike_gt,
    leaky_charge,
    leaky_immediate_reset,
    synaptic_charge,
    izhikevich_dv,
    izhikevich_du,
    adex_dV,
    adex_dw,
    spike_ge,
    voltage_reset,
    lif_charge,
    if_charge,
    norse_spike_gt,
    lif_update,
    alpha_charge,
    lapicque_charge,
    eif_charge,
    qif_charge,
    sj_izhikevich_charge,
    izhikevich_adapt,
    klif_rectify,
    klif_reset,
    plif_charge,
    liaf_output,
    norse_adex_dv,
    lif_adex_update,
    lif_adex_encoder_update,
    lsnn_update,
)
STEP_FUNCTIONS = (
    leaky_step,
    synaptic_step,
    izhikevich_step,
    adex_step,
    sj_lif_step,
    sj_if_step,
    norse_lif_step,
    alpha_step,
    lapicque_step,
    sj_eif_step,
    sj_qif_step,
    sj_izhikevich_step,
    sj_klif_step,
    sj_plif_step,
    sj_liaf_step,
    norse_lif_adex_step,
    norse_encoder_step,
    norse_lsnn_step,
)

