"""One reverse step of one neuron, composed from the models' own backward functions.

The backward kernels (:mod:`.cpu_vjp`, :mod:`.cuda_vjp`) run, per neuron,
the forward of a whole run storing the state before each step (the tape),
then the steps in reverse time order.  Each function here is the
per-neuron body of a model's ``_vjp_step``: it recomputes the step's
forward intermediates from the stored state and the input, evaluates the
surrogate derivative, and calls the element-wise adjoint that the model's
file defines and that its NumPy ``_vjp_step`` calls too (one definition of
the backward math).  Nothing is added but the sequencing.

Surrogates
----------
A surrogate enters a kernel as ``(code, p0, p1)`` (:func:`surrogate_args`):
the code selects one of the surrogate modules' element-wise derivative
functions (the same functions the surrogate classes' ``derivative``
methods call), ``p0``/``p1`` are its parameters.  Code 0 is "no gradient
through the spike" (snntorch ``surrogate_disable``, norse
``method="heaviside"``).  Other surrogates (custom functions, stochastic
ones, the rest of the catalogue) have no compiled form yet and make the
compiled backward raise :class:`~refneuron.errors.BackendUnavailable`.
"""

from __future__ import annotations

from ..errors import BackendUnavailable
from ..models.canonical._common import hard_spike, reset_u, reset_v
from ..models.canonical.adex import adex_adjoint, adex_dV
from ..models.canonical.izhikevich import (
    izhikevich_adjoint,
    izhikevich_du_grads,
    izhikevich_dv_grads,
    izhikevich_spike_v,
)
from ..models.norse._common import spike_gt as norse_spike_gt
from ..models.norse.lif import lif_decay, lif_decay_adjoint_parts, lif_update_adjoint
from ..models.norse.lif_adex import (
    adaptation_adjoint_parts,
    adex_dv as norse_adex_dv,
    adex_dv_adjoint_parts,
    lif_adex_decay,
    lif_adex_encoder_adjoint,
    lif_adex_update_adjoint,
)
from ..models.norse.lsnn import lsnn_decay, lsnn_update_adjoint
from ..models.snntorch._common import round32, spike_gt, spike_reset_adjoint
from ..models.snntorch.alpha import alpha_charge, alpha_charge_adjoint
from ..models.snntorch.lapicque import lapicque_charge, lapicque_charge_adjoint
from ..models.snntorch.leaky import leaky_charge, leaky_charge_adjoint
from ..models.snntorch.synaptic import synaptic_charge, synaptic_charge_adjoint
from ..models.spikingjelly._common import lif_charge, lif_charge_adjoint, reset_adjoint, spike_ge
from ..models.spikingjelly.eif import eif_charge, eif_charge_adjoint
from ..models.spikingjelly.if_ import if_charge
from ..models.spikingjelly.izhikevich import izhikevich_adjoint as sj_izhikevich_adjoint
from ..models.spikingjelly.izhikevich import izhikevich_charge as sj_izhikevich_charge
from ..models.spikingjelly.klif import klif_adjoint, klif_rectify
from ..models.spikingjelly.liaf import liaf_output_derivative
from ..models.spikingjelly.parametric_lif import plif_charge, plif_charge_adjoint
from ..models.spikingjelly.qif import qif_charge, qif_charge_adjoint
from ..surrogates import norse as _sn
from ..surrogates import snntorch as _st
from ..surrogates import spikingjelly as _sj

#: surrogate codes
ZERO_GRAD, ST_ATAN, ST_FAST_SIGMOID, ST_SIGMOID, SJ_SIGMOID, SJ_ATAN, NORSE_SUPERSPIKE = range(7)


def surrogate_slope(code, x, p0, p1):
    """The surrogate derivative ``dS/dx`` of code ``code`` at ``x`` (one neuron)."""
    if code == ST_ATAN:
        return _st.atan_derivative(x, p0)
    if code == ST_FAST_SIGMOID:
        return _st.fast_sigmoid_derivative(x, p0)
    if code == ST_SIGMOID:
        return _st.sigmoid_derivative(x, p0, p1)
    if code == SJ_SIGMOID:
        return _sj.sigmoid_surrogate_derivative(x, p0)
    if code == SJ_ATAN:
        return _sj.atan_surrogate_derivative(x, p0)
    if code == NORSE_SUPERSPIKE:
        return _sn.superspike_derivative(x, p0, p1 != 0.0)
    return 0.0 * x


def surrogate_args(sur, disabled=False):
    """``(code, p0, p1)`` of a surrogate record for the kernels.

    Raises
    ------
    BackendUnavailable
        The surrogate has no compiled derivative.
    """
    if disabled:
        return ZERO_GRAD, 0.0, 0.0
    kind = type(sur)
    if kind is _st.ATan:
        return ST_ATAN, float(sur.alpha), 0.0
    if kind is _st.FastSigmoid:
        return ST_FAST_SIGMOID, float(sur.slope), 0.0
    if kind is _st.Sigmoid:
        return ST_SIGMOID, float(sur.slope), _st.f32(sur.slope)
    if kind is _sj.Sigmoid and sur.spiking:
        return SJ_SIGMOID, float(sur.alpha), 0.0
    if kind is _sj.ATan and sur.spiking:
        return SJ_ATAN, float(sur.alpha), 0.0
    if kind is _sn.SuperSpike:
        return NORSE_SUPERSPIKE, float(sur.alpha), 1.0 if sur.alpha_fixed else 0.0
    if kind is _sn.Heaviside:
        return ZERO_GRAD, 0.0, 0.0
    raise BackendUnavailable(
        f"surrogate {kind.__module__.rsplit('.', 1)[-1]}.{kind.__name__}"
        f"{'' if getattr(sur, 'spiking', True) else ' (spiking=False)'} has no compiled derivative in this "
        "version (compiled: snntorch ATan/FastSigmoid/Sigmoid, spikingjelly Sigmoid/ATan, norse super/heaviside)"
    )


# --- per-neuron reverse steps --------------------------------------------------------
# Each returns (g_x, *g_state_prev, *g_params) in the order of the model's
# _vjp_step dictionaries.


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


def sj_lif_back(v, x, gy, gv, tau, v_leak, v_threshold, decay_input, reset, detach, sg, sp0, sp1):
    """spikingjelly ``LIF._vjp_step``: ``(g_x, g_v)``."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    g_h = gy * ds + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)
    g_v, g_x = lif_charge_adjoint(g_h, tau, decay_input)
    return g_x, g_v


def norse_lif_back(v, i, x, gz, gv, gi, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1):
    """norse ``LIF._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_tau_mem_inv,
    g_v_leak, g_tau_syn_inv, g_v_th, g_v_reset)``."""
    i_jump = i + x
    v_decayed, _ = lif_decay(v, i_jump, tau_syn_inv, tau_mem_inv, v_leak, dt)
    u = v_decayed - v_th
    z = norse_spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr = lif_update_adjoint(
        v, i_jump, v_decayed, z, sigma, gz, gv, gi, tau_syn_inv, tau_mem_inv, v_leak, v_reset, dt, False
    )
    return g_jump, g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr


def izhikevich_back(v, u, i, gy, gv, gu, a, b, c, d, v_peak, dt, p2, p1, p0, scheme, rule, detach, sg, sp0, sp1):
    """canonical ``Izhikevich._vjp_step``: ``(g_i, g_v, g_u, g_a, g_b, g_c,
    g_d, g_v_peak, g_p2, g_p1, g_p0)``."""
    vs = izhikevich_spike_v(v, u, i, dt, p2, p1, p0, scheme)
    r = hard_spike(vs, v_peak, scheme != 1)
    ds = surrogate_slope(sg, vs - v_peak, sp0, sp1)
    return izhikevich_adjoint(v, u, i, vs, r, ds, gy, gv, gu, a, b, c, d, dt, p2, p1, p0, scheme, rule, detach)


def adex_back(
    V, w, i, gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach, sg, sp0, sp1,
):  # fmt: skip
    """canonical ``AdEx._vjp_step``: ``(g_i, g_V, g_w, g_C_m, g_g_L, g_E_L,
    g_V_T, g_Delta_T, g_tau_w, g_a, g_b, g_V_reset, g_V_peak)``."""
    V1 = V + dt * adex_dV(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak)
    r = hard_spike(V1, V_peak, True)
    ds = surrogate_slope(sg, V1 - V_peak, sp0, sp1)
    return adex_adjoint(
        V, w, i, V1, r, ds, gy, gV, gw, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt, detach
    )


# The reverse steps below share one signature, which the kernels generate
# from the model's lists: ``(*state_prev, x, g_y, *g_state, *forward
# parameters, *backward options)``, returning ``(g_x, *g_state_prev,
# *g_params)``.


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


def _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """``g_h`` of spikingjelly's fire and reset: ``g_y * ds + reset adjoint``."""
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return gy * ds + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)


def sj_if_back(v, x, gy, gv, v_leak, v_threshold, reset, detach, sg, sp0, sp1):
    """spikingjelly ``IF._vjp_step``: ``(g_x, g_v)``."""
    g_h = _sj_fire_back(if_charge(v, x), gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    return g_h * 1.0, g_h * 1.0


def sj_eif_back(v, x, gy, gv, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """spikingjelly ``EIF._vjp_step``: ``(g_x, g_v)``."""
    h = eif_charge(v, x, tau, v_rest, theta_rh, delta_T)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x = eif_charge_adjoint(g_h, v, tau, theta_rh, delta_T)
    return g_x, g_v


def sj_qif_back(v, x, gy, gv, tau, a0, v_rest, v_c, v_threshold, v_leak, reset, detach, sg, sp0, sp1):
    """spikingjelly ``QIF._vjp_step``: ``(g_x, g_v)``."""
    h = qif_charge(v, x, tau, a0, v_rest, v_c)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x = qif_charge_adjoint(g_h, v, tau, a0, v_rest, v_c)
    return g_x, g_v


def sj_izhikevich_back(
    v, w, x, gy, gv, gw, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    """spikingjelly ``Izhikevich._vjp_step``: ``(g_x, g_v, g_w)``."""
    h = sj_izhikevich_charge(v, x, w, tau, a0, v_rest, v_c)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return sj_izhikevich_adjoint(
        gy, gv, gw, v, h, s, ds, 0.0 if detach else ds, tau, a0, v_rest, v_c, tau_w, a, b, v_threshold, v_leak,
        reset,
    )  # fmt: skip


def sj_klif_back(v, x, gy, gv, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset, detach, sg, sp0, sp1):
    """spikingjelly ``KLIF._vjp_step``: ``(g_x, g_v, g_k)``."""
    hc = lif_charge(v, x, tau, v_leak, decay_input)
    h = klif_rectify(hc, k)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return klif_adjoint(
        gy, gv, hc, h, s, ds, 0.0 if detach else ds, k, tau, v_leak, decay_input, v_threshold, reset, scale_reset
    )


def sj_plif_back(v, x, gy, gv, k, v_leak, decay_input, v_threshold, reset, detach, sg, sp0, sp1):
    """spikingjelly ``ParametricLIF._vjp_step``: ``(g_x, g_v, g_w)``."""
    h = plif_charge(v, x, k, v_leak, decay_input)
    g_h = _sj_fire_back(h, gy, gv, v_threshold, v_leak, reset, detach, sg, sp0, sp1)
    g_v, g_x, g_w = plif_charge_adjoint(g_h, v, x, k, v_leak, decay_input)
    return g_x, g_v, g_w


def sj_liaf_back(
    v, x, gy, gv, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related, detach, sg, sp0, sp1,
):  # fmt: skip
    """spikingjelly ``LIAF._vjp_step``: ``(g_x, g_v)`` (the output is
    ``act(...)``; the spike only resets)."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    dy = liaf_output_derivative(h, v_threshold, act, threshold_related)
    g_h = gy * dy + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)
    g_v, g_x = lif_charge_adjoint(g_h, tau, decay_input)
    return g_x, g_v


def norse_lif_adex_back(
    v, i, a, x, gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
    adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
):  # fmt: skip
    """norse ``LIFAdEx._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_a,
    g_tau_mem_inv, g_v_leak, g_v_th, g_delta_T, g_tau_ada_inv,
    g_adaptation_current, g_tau_syn_inv, g_v_reset, g_adaptation_spike)``."""
    i_jump = i + x
    v_decayed, _, _ = lif_adex_decay(
        v, i_jump, a, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, delta_T, adaptation_current, dt
    )
    u = v_decayed - v_th
    z = norse_spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_jump, g_a, g_tm, g_vl, g_vth, g_dT, g_ta, g_k, g_ts, g_vr, g_b = lif_adex_update_adjoint(
        v, i_jump, a, v_decayed, z, sigma, gz, gv, gi, ga, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th,
        v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip
    return g_jump, g_v, g_jump, g_a, g_tm, g_vl, g_vth, g_dT, g_ta, g_k, g_ts, g_vr, g_b


def norse_encoder_back(
    v, a, x, gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
    adaptation_spike, dt, corrected, sg, sp0, sp1,
):  # fmt: skip
    """norse ``LIFAdExCurrentEncoder._vjp_step``: ``(g_x, g_v, g_a,
    g_tau_ada_inv, g_adaptation_current, g_v_leak, g_tau_mem_inv, g_v_th,
    g_delta_T, g_v_reset, g_adaptation_spike)``."""
    v_star = v + norse_adex_dv(v, x, a, tau_mem_inv, v_leak, v_th, delta_T, dt)
    u = v_star - v_th
    z = norse_spike_gt(u)
    v_new = v_star - z * (v_star - v_reset)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    return lif_adex_encoder_adjoint(
        v, x, a, v_star, z, v_new, sigma, gz, gv, ga, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
        adaptation_current, adaptation_spike, dt, corrected,
    )  # fmt: skip


def norse_lsnn_back(
    v, i, b, x, gz, gv, gi, gb, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
    sg, sp0, sp1,
):  # fmt: skip
    """norse ``LSNN._vjp_step`` (feed-forward): ``(g_x, g_v, g_i, g_b,
    g_tau_mem_inv, g_tau_syn_inv, g_tau_adapt_inv, g_v_leak, g_v_th,
    g_v_reset, g_beta)``.  The input is added to the current after the
    update, so its gradient is that of the stored current, ``gi``."""
    v_decayed, _, b_decayed = lsnn_decay(v, i, b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, dt)
    u = v_decayed - b_decayed
    z = norse_spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_i, g_b, g_tm, g_ts, g_tb, g_vl, g_vth, g_vr, g_beta = lsnn_update_adjoint(
        v, i, b, v_decayed, z, sigma, gz, gv, gi, gb, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th,
        v_reset, beta, dt, False,
    )  # fmt: skip
    return gi * 1.0, g_v, g_i, g_b, g_tm, g_ts, g_tb, g_vl, g_vth, g_vr, g_beta


#: functions the reverse steps call, for registration with the compilers
BACKWARD_FUNCTIONS = (
    hard_spike,
    reset_u,
    reset_v,
    izhikevich_du_grads,
    izhikevich_dv_grads,
    adex_adjoint,
    izhikevich_adjoint,
    izhikevich_spike_v,
    lif_decay,
    lif_decay_adjoint_parts,
    lif_update_adjoint,
    round32,
    spike_reset_adjoint,
    leaky_charge_adjoint,
    lif_charge_adjoint,
    reset_adjoint,
    _st.atan_derivative,
    _st.fast_sigmoid_derivative,
    _st.sigmoid_derivative,
    _sj.sigmoid_surrogate_derivative,
    _sj.atan_surrogate_derivative,
    _sn.superspike_derivative,
    surrogate_slope,
    synaptic_charge_adjoint,
    alpha_charge_adjoint,
    lapicque_charge_adjoint,
    eif_charge_adjoint,
    qif_charge_adjoint,
    sj_izhikevich_adjoint,
    klif_adjoint,
    plif_charge_adjoint,
    liaf_output_derivative,
    _sj_fire_back,
    norse_adex_dv,
    adex_dv_adjoint_parts,
    adaptation_adjoint_parts,
    lif_adex_decay,
    lif_adex_update_adjoint,
    lif_adex_encoder_adjoint,
    lsnn_decay,
    lsnn_update_adjoint,
)
BACK_STEPS = (
    leaky_back, sj_lif_back, norse_lif_back, izhikevich_back, adex_back, synaptic_back, alpha_back, lapicque_back,
    sj_if_back, sj_eif_back, sj_qif_back, sj_izhikevich_back, sj_klif_back, sj_plif_back, sj_liaf_back,
    norse_lif_adex_back, norse_encoder_back, norse_lsnn_back,
)  # fmt: skip
