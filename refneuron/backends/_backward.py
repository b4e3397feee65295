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
from ..models.snntorch._common import round32, spike_gt, spike_reset_adjoint
from ..models.snntorch.leaky import leaky_charge, leaky_charge_adjoint
from ..models.spikingjelly._common import lif_charge, lif_charge_adjoint, reset_adjoint, spike_ge
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
)
BACK_STEPS = (leaky_back, sj_lif_back, norse_lif_back, izhikevich_back, adex_back)
