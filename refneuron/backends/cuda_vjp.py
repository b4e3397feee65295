"""Numba-CUDA kernels for the backward pass (BPTT): one thread per neuron.

The same sequence as :mod:`.cpu_vjp` for each neuron (forward storing the
state before every step in the tape, then the reverse time loop, parameter
gradients summed per neuron in reverse time order), so results do not depend
on the launch configuration.  The arguments are those of :mod:`.cpu_vjp`
without ``block``; :func:`run` copies host arrays to the device and the
results back.  Under the simulator (``NUMBA_ENABLE_CUDASIM=1``) the results
equal the CPU kernels'; on a GPU, fused multiply-adds and libdevice's
``exp`` change the last bits.
"""

from __future__ import annotations

import numpy as np

from ._backward import (
    BACK_STEPS,
    BACKWARD_FUNCTIONS,
    adex_back,
    alpha_back,
    izhikevich_back,
    lapicque_back,
    leaky_back,
    norse_encoder_back,
    norse_lif_adex_back,
    norse_lif_back,
    norse_lsnn_back,
    sj_eif_back,
    sj_if_back,
    sj_izhikevich_back,
    sj_klif_back,
    sj_liaf_back,
    sj_lif_back,
    sj_plif_back,
    sj_qif_back,
    synaptic_back,
)
from ._jit import at, cuda_or_raise, jitable_cuda, key_caches_to_sources
from .cuda import _grid
from ._steps import (
    MODEL_FUNCTIONS,
    STEP_FUNCTIONS,
    adex_step,
    alpha_step,
    izhikevich_step,
    lapicque_step,
    leaky_step,
    norse_encoder_step,
    norse_lif_adex_step,
    norse_lif_step,
    norse_lsnn_step,
    sj_eif_step,
    sj_if_step,
    sj_izhikevich_step,
    sj_klif_step,
    sj_liaf_step,
    sj_lif_step,
    sj_plif_step,
    sj_qif_step,
    synaptic_step,
)

cuda = cuda_or_raise()
jitable_cuda(*MODEL_FUNCTIONS, *STEP_FUNCTIONS)
jitable_cuda(*BACKWARD_FUNCTIONS, *BACK_STEPS)

THREADS_PER_BLOCK = 128


@cuda.jit(cache=True)
def leaky(
    x, gy, gu_up, tape, out, gx, gS0, gP, beta, threshold, thr_sub, thr_d, g, reset, reset_delay, graded,
    f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_u = gu_up.shape[0] > 0
    gj = at(g, j) if graded else 1.0  # the same value (specs._leaky_params)
    for t in range(T):
        y, m = leaky_step(
            tape[0, t, j], x[t, j], at(beta, j), at(threshold, j), at(thr_sub, j), at(thr_d, j), gj, reset, reset_delay
        )  # fmt: skip
        out[t, j] = y
        tape[0, t + 1, j] = m
    cu = 0.0
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for t in range(T - 1, -1, -1):
        gu = cu + (gu_up[t, j] if has_u else 0.0)
        g_x, g_mem, g_beta, g_thr, g_g = leaky_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, gu, at(beta, j), at(threshold, j),
            at(thr_sub, j), at(thr_d, j), gj, reset, not reset_delay, f32_s, f32_y, f32_d, f32_rt, f32_dt,
            sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = g_x
        cu = g_mem
        a0 += g_beta
        a1 += g_thr
        a2 += g_g
    gS0[0, j] = cu
    gP[0, j] = a0
    gP[1, j] = a1
    gP[2, j] = a2


@cuda.jit(cache=True)
def sj_lif(x, gy, gv_up, tape, out, gx, gS0, gP, tau, v_leak, v_threshold, decay_input, reset, detach, sg, sp0, sp1):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_v = gv_up.shape[0] > 0
    for t in range(T):
        s, v = sj_lif_step(tape[0, t, j], x[t, j], at(tau, j), at(v_leak, j), at(v_threshold, j), decay_input, reset)
        out[t, j] = s
        tape[0, t + 1, j] = v
    cv = 0.0
    for t in range(T - 1, -1, -1):
        gv = cv + (gv_up[t, j] if has_v else 0.0)
        g_x, g_v = sj_lif_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, gv, at(tau, j), at(v_leak, j), at(v_threshold, j),
            decay_input, reset, detach, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = g_x
        cv = g_v
    gS0[0, j] = cv


@cuda.jit(cache=True)
def norse_lif(
    x, gy, gv_up, gi_up, tape, out, gx, gS0, gP, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_v = gv_up.shape[0] > 0
    has_i = gi_up.shape[0] > 0
    for t in range(T):
        z, v, i = norse_lif_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j),
            at(v_th, j), at(v_reset, j), dt,
        )  # fmt: skip
        out[t, j] = z
        tape[0, t + 1, j] = v
        tape[1, t + 1, j] = i
    cv = 0.0
    ci = 0.0
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    a4 = 0.0
    for t in range(T - 1, -1, -1):
        gv = cv + (gv_up[t, j] if has_v else 0.0)
        gi = ci + (gi_up[t, j] if has_i else 0.0)
        g_x, g_v, g_i, g_tm, g_vl, g_ts, g_vth, g_vr = norse_lif_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0, gv, gi, at(tau_syn_inv, j),
            at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), dt, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = g_x
        cv = g_v
        ci = g_i
        a0 += g_tm
        a1 += g_vl
        a2 += g_ts
        a3 += g_vth
        a4 += g_vr
    gS0[0, j] = cv
    gS0[1, j] = ci
    gP[0, j] = a0
    gP[1, j] = a1
    gP[2, j] = a2
    gP[3, j] = a3
    gP[4, j] = a4


@cuda.jit(cache=True)
def izhikevich(
    x, gy, gv_up, gu_up, tape, out, gx, gS0, gP, a, b_, c, d, v_peak, dt, p2, p1, p0, scheme, rule, detach,
    sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_v = gv_up.shape[0] > 0
    has_u = gu_up.shape[0] > 0
    for t in range(T):
        s, v, u = izhikevich_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(a, j), at(b_, j), at(c, j), at(d, j), at(v_peak, j),
            dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule,
        )  # fmt: skip
        out[t, j] = s
        tape[0, t + 1, j] = v
        tape[1, t + 1, j] = u
    cv = 0.0
    cu = 0.0
    for k in range(8):
        gP[k, j] = 0.0
    for t in range(T - 1, -1, -1):
        gv = cv + (gv_up[t, j] if has_v else 0.0)
        gu = cu + (gu_up[t, j] if has_u else 0.0)
        gi, g_v, g_u, ga, gb, gc, gd, gvp, gp2, gp1, gp0 = izhikevich_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0, gv, gu, at(a, j), at(b_, j),
            at(c, j), at(d, j), at(v_peak, j), dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule, detach,
            sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = gi
        cv = g_v
        cu = g_u
        gP[0, j] += ga
        gP[1, j] += gb
        gP[2, j] += gc
        gP[3, j] += gd
        gP[4, j] += gvp
        gP[5, j] += gp2
        gP[6, j] += gp1
        gP[7, j] += gp0
    gS0[0, j] = cv
    gS0[1, j] = cu


@cuda.jit(cache=True)
def adex(
    x, gy, gV_up, gw_up, tape, out, gx, gS0, gP, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b_, V_reset, V_peak, dt,
    detach, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_V = gV_up.shape[0] > 0
    has_w = gw_up.shape[0] > 0
    for t in range(T):
        s, V, w = adex_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(C_m, j), at(g_L, j), at(E_L, j), at(V_T, j),
            at(Delta_T, j), at(tau_w, j), at(a, j), at(b_, j), at(V_reset, j), at(V_peak, j), dt,
        )  # fmt: skip
        out[t, j] = s
        tape[0, t + 1, j] = V
        tape[1, t + 1, j] = w
    cV = 0.0
    cw = 0.0
    for k in range(10):
        gP[k, j] = 0.0
    for t in range(T - 1, -1, -1):
        gV = cV + (gV_up[t, j] if has_V else 0.0)
        gw = cw + (gw_up[t, j] if has_w else 0.0)
        r = adex_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0, gV, gw, at(C_m, j), at(g_L, j),
            at(E_L, j), at(V_T, j), at(Delta_T, j), at(tau_w, j), at(a, j), at(b_, j), at(V_reset, j),
            at(V_peak, j), dt, detach, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = r[0]
        cV = r[1]
        cw = r[2]
        gP[0, j] += r[3]
        gP[1, j] += r[4]
        gP[2, j] += r[5]
        gP[3, j] += r[6]
        gP[4, j] += r[7]
        gP[5, j] += r[8]
        gP[6, j] += r[9]
        gP[7, j] += r[10]
        gP[8, j] += r[11]
        gP[9, j] += r[12]
    gS0[0, j] = cV
    gS0[1, j] = cw


@cuda.jit(cache=True)
def synaptic(
    x, gy, gsyn_up, gmem_up, tape, out, gx, gS0, gP, alpha, beta, threshold, thr_sub, reset, reset_delay,
    thr_d, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gsyn_up.shape[0] > 0
    has_1 = gmem_up.shape[0] > 0
    for t in range(T):
        r = synaptic_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(alpha, j), at(beta, j), at(threshold, j), at(thr_sub, j),
            at(reset, j), at(reset_delay, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
    c0 = 0.0
    c1 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    gP[2, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = synaptic_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (gsyn_up[t, j] if has_0 else 0.0), c1 + (gmem_up[t, j] if has_1 else 0.0), at(alpha, j),
            at(beta, j), at(threshold, j), at(thr_sub, j), at(reset, j), at(reset_delay, j), at(thr_d, j),
            at(f32_s, j), at(f32_y, j), at(f32_d, j), at(f32_rt, j), at(f32_dt, j), at(sg, j), at(sp0, j),
            at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
        gP[0, j] += b[3]
        gP[1, j] += b[4]
        gP[2, j] += b[5]
    gS0[0, j] = c0
    gS0[1, j] = c1


@cuda.jit(cache=True)
def alpha(
    x, gy, ge_up, gn_up, gu_up, tape, out, gx, gS0, gP, alpha, beta, tau_alpha, threshold, thr_sub, reset,
    thr_d, dc_da, dc_db, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = ge_up.shape[0] > 0
    has_1 = gn_up.shape[0] > 0
    has_2 = gu_up.shape[0] > 0
    for t in range(T):
        r = alpha_step(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], at(alpha, j), at(beta, j), at(tau_alpha, j),
            at(threshold, j), at(thr_sub, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
        tape[2, t + 1, j] = r[3]
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    gP[2, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = alpha_back(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (ge_up[t, j] if has_0 else 0.0), c1 + (gn_up[t, j] if has_1 else 0.0),
            c2 + (gu_up[t, j] if has_2 else 0.0), at(alpha, j), at(beta, j), at(tau_alpha, j),
            at(threshold, j), at(thr_sub, j), at(reset, j), at(thr_d, j), at(dc_da, j), at(dc_db, j),
            at(f32_s, j), at(f32_y, j), at(f32_d, j), at(f32_rt, j), at(f32_dt, j), at(sg, j), at(sp0, j),
            at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
        c2 = b[3]
        gP[0, j] += b[4]
        gP[1, j] += b[5]
        gP[2, j] += b[6]
    gS0[0, j] = c0
    gS0[1, j] = c1
    gS0[2, j] = c2


@cuda.jit(cache=True)
def lapicque(
    x, gy, gmem_up, tape, out, gx, gS0, gP, R, inv_rc, time_step, decay, threshold, thr_sub, reset, thr_d,
    beta, beta_grad, no_C, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gmem_up.shape[0] > 0
    for t in range(T):
        r = lapicque_step(
            tape[0, t, j], x[t, j], at(R, j), at(inv_rc, j), at(time_step, j), at(decay, j), at(threshold, j),
            at(thr_sub, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = lapicque_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gmem_up[t, j] if has_0 else 0.0),
            at(R, j), at(inv_rc, j), at(time_step, j), at(decay, j), at(threshold, j), at(thr_sub, j),
            at(reset, j), at(thr_d, j), at(beta, j), at(beta_grad, j), at(no_C, j), at(f32_s, j), at(f32_y, j),
            at(f32_d, j), at(f32_rt, j), at(f32_dt, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        gP[0, j] += b[2]
        gP[1, j] += b[3]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_if(
    x, gy, gv_up, tape, out, gx, gS0, gP, v_leak, v_threshold, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_if_step(
            tape[0, t, j], x[t, j], at(v_leak, j), at(v_threshold, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_if_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0),
            at(v_leak, j), at(v_threshold, j), at(reset, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_eif(
    x, gy, gv_up, tape, out, gx, gS0, gP, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset, detach,
    sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_eif_step(
            tape[0, t, j], x[t, j], at(tau, j), at(v_rest, j), at(theta_rh, j), at(delta_T, j),
            at(v_threshold, j), at(v_leak, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_eif_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0),
            at(tau, j), at(v_rest, j), at(theta_rh, j), at(delta_T, j), at(v_threshold, j), at(v_leak, j),
            at(reset, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_qif(
    x, gy, gv_up, tape, out, gx, gS0, gP, tau, a0, v_rest, v_c, v_threshold, v_leak, reset, detach, sg, sp0,
    sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_qif_step(
            tape[0, t, j], x[t, j], at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j), at(v_threshold, j),
            at(v_leak, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_qif_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0),
            at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j), at(v_threshold, j), at(v_leak, j), at(reset, j),
            at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_izhikevich(
    x, gy, gv_up, gw_up, tape, out, gx, gS0, gP, tau, a0, v_rest, v_c, tau_w, a, b_, v_threshold, v_leak,
    reset, detach, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    has_1 = gw_up.shape[0] > 0
    for t in range(T):
        r = sj_izhikevich_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j),
            at(tau_w, j), at(a, j), at(b_, j), at(v_threshold, j), at(v_leak, j), at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
    c0 = 0.0
    c1 = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_izhikevich_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (gv_up[t, j] if has_0 else 0.0), c1 + (gw_up[t, j] if has_1 else 0.0), at(tau, j), at(a0, j),
            at(v_rest, j), at(v_c, j), at(tau_w, j), at(a, j), at(b_, j), at(v_threshold, j), at(v_leak, j),
            at(reset, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
    gS0[0, j] = c0
    gS0[1, j] = c1


@cuda.jit(cache=True)
def sj_klif(
    x, gy, gv_up, tape, out, gx, gS0, gP, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset, detach,
    sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_klif_step(
            tape[0, t, j], x[t, j], at(tau, j), at(v_leak, j), at(decay_input, j), at(k, j),
            at(v_threshold, j), at(reset, j), at(scale_reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    gP[0, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_klif_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0),
            at(tau, j), at(v_leak, j), at(decay_input, j), at(k, j), at(v_threshold, j), at(reset, j),
            at(scale_reset, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        gP[0, j] += b[2]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_plif(
    x, gy, gv_up, tape, out, gx, gS0, gP, k, v_leak, decay_input, v_threshold, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_plif_step(
            tape[0, t, j], x[t, j], at(k, j), at(v_leak, j), at(decay_input, j), at(v_threshold, j),
            at(reset, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    gP[0, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_plif_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0), at(k, j),
            at(v_leak, j), at(decay_input, j), at(v_threshold, j), at(reset, j), at(detach, j), at(sg, j),
            at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        gP[0, j] += b[2]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def sj_liaf(
    x, gy, gv_up, tape, out, gx, gS0, gP, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related,
    detach, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    for t in range(T):
        r = sj_liaf_step(
            tape[0, t, j], x[t, j], at(tau, j), at(v_leak, j), at(decay_input, j), at(v_threshold, j),
            at(reset, j), at(act, j), at(threshold_related, j),
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
    c0 = 0.0
    for t in range(T - 1, -1, -1):
        b = sj_liaf_back(
            tape[0, t, j], x[t, j], gy[t, j] if has_y else 0.0, c0 + (gv_up[t, j] if has_0 else 0.0),
            at(tau, j), at(v_leak, j), at(decay_input, j), at(v_threshold, j), at(reset, j), at(act, j),
            at(threshold_related, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
    gS0[0, j] = c0


@cuda.jit(cache=True)
def norse_lif_adex(
    x, gy, gv_up, gi_up, ga_up, tape, out, gx, gS0, gP, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th,
    v_reset, delta_T, adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    has_1 = gi_up.shape[0] > 0
    has_2 = ga_up.shape[0] > 0
    for t in range(T):
        r = norse_lif_adex_step(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j),
            at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j),
            at(adaptation_current, j), at(adaptation_spike, j), dt,
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
        tape[2, t + 1, j] = r[3]
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    gP[2, j] = 0.0
    gP[3, j] = 0.0
    gP[4, j] = 0.0
    gP[5, j] = 0.0
    gP[6, j] = 0.0
    gP[7, j] = 0.0
    gP[8, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = norse_lif_adex_back(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (gv_up[t, j] if has_0 else 0.0), c1 + (gi_up[t, j] if has_1 else 0.0),
            c2 + (ga_up[t, j] if has_2 else 0.0), at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j),
            at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j),
            at(adaptation_spike, j), dt, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
        c2 = b[3]
        gP[0, j] += b[4]
        gP[1, j] += b[5]
        gP[2, j] += b[6]
        gP[3, j] += b[7]
        gP[4, j] += b[8]
        gP[5, j] += b[9]
        gP[6, j] += b[10]
        gP[7, j] += b[11]
        gP[8, j] += b[12]
    gS0[0, j] = c0
    gS0[1, j] = c1
    gS0[2, j] = c2


@cuda.jit(cache=True)
def norse_encoder(
    x, gy, gv_up, ga_up, tape, out, gx, gS0, gP, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
    adaptation_current, adaptation_spike, dt, corrected, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    has_1 = ga_up.shape[0] > 0
    for t in range(T):
        r = norse_encoder_step(
            tape[0, t, j], tape[1, t, j], x[t, j], at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j),
            at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt,
            corrected,
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
    c0 = 0.0
    c1 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    gP[2, j] = 0.0
    gP[3, j] = 0.0
    gP[4, j] = 0.0
    gP[5, j] = 0.0
    gP[6, j] = 0.0
    gP[7, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = norse_encoder_back(
            tape[0, t, j], tape[1, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (gv_up[t, j] if has_0 else 0.0), c1 + (ga_up[t, j] if has_1 else 0.0), at(tau_mem_inv, j),
            at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j),
            at(adaptation_current, j), at(adaptation_spike, j), dt, corrected, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
        gP[0, j] += b[3]
        gP[1, j] += b[4]
        gP[2, j] += b[5]
        gP[3, j] += b[6]
        gP[4, j] += b[7]
        gP[5, j] += b[8]
        gP[6, j] += b[9]
        gP[7, j] += b[10]
    gS0[0, j] = c0
    gS0[1, j] = c1


@cuda.jit(cache=True)
def norse_lsnn(
    x, gy, gv_up, gi_up, gb_up, tape, out, gx, gS0, gP, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th,
    v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_0 = gv_up.shape[0] > 0
    has_1 = gi_up.shape[0] > 0
    has_2 = gb_up.shape[0] > 0
    for t in range(T):
        r = norse_lsnn_step(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j),
            at(tau_adapt_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j), dt,
        )  # fmt: skip
        out[t, j] = r[0]
        tape[0, t + 1, j] = r[1]
        tape[1, t + 1, j] = r[2]
        tape[2, t + 1, j] = r[3]
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    gP[0, j] = 0.0
    gP[1, j] = 0.0
    gP[2, j] = 0.0
    gP[3, j] = 0.0
    gP[4, j] = 0.0
    gP[5, j] = 0.0
    gP[6, j] = 0.0
    for t in range(T - 1, -1, -1):
        b = norse_lsnn_back(
            tape[0, t, j], tape[1, t, j], tape[2, t, j], x[t, j], gy[t, j] if has_y else 0.0,
            c0 + (gv_up[t, j] if has_0 else 0.0), c1 + (gi_up[t, j] if has_1 else 0.0),
            c2 + (gb_up[t, j] if has_2 else 0.0), at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j),
            at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j), dt, sg, sp0, sp1,
        )  # fmt: skip
        gx[t, j] = b[0]
        c0 = b[1]
        c1 = b[2]
        c2 = b[3]
        gP[0, j] += b[4]
        gP[1, j] += b[5]
        gP[2, j] += b[6]
        gP[3, j] += b[7]
        gP[4, j] += b[8]
        gP[5, j] += b[9]
        gP[6, j] += b[10]
    gS0[0, j] = c0
    gS0[1, j] = c1
    gS0[2, j] = c2



def run(kernel_name, x, gy, gups, tape, out, gx, gS0, gP, params):
    """Copy the host arrays to the device, run ``kernel_name``, copy the results back."""
    kernel = globals()[kernel_name]
    n = x.shape[1]
    dev = [cuda.to_device(a) for a in (x, gy, *gups, tape, out, gx, gS0, gP)]
    d_params = tuple(cuda.to_device(p) if isinstance(p, np.ndarray) else p for p in params)
    kernel[_grid(n, THREADS_PER_BLOCK)](*dev, *d_params)
    k = 2 + len(gups)
    for d_a, h in zip(dev[k:], (tape, out, gx, gS0, gP)):
        d_a.copy_to_host(h)


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
