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

from ._backward import BACK_STEPS, BACKWARD_FUNCTIONS, adex_back, izhikevich_back, leaky_back, norse_lif_back, sj_lif_back
from ._jit import at, cuda_or_raise, jitable_cuda
from ._steps import (
    CUDA_TWINS,
    MODEL_FUNCTIONS,
    STEP_FUNCTIONS,
    TWIN_HELPERS,
    adex_step,
    izhikevich_step,
    leaky_step,
    norse_lif_step,
    sj_lif_step,
)

cuda = cuda_or_raise()
jitable_cuda(*TWIN_HELPERS, *MODEL_FUNCTIONS, *STEP_FUNCTIONS, replace=CUDA_TWINS)
jitable_cuda(*BACKWARD_FUNCTIONS, *BACK_STEPS)

THREADS_PER_BLOCK = 128


@cuda.jit(cache=True)
def leaky(
    x, gy, gu_up, tape, out, gx, gS0, gP, beta, threshold, thr_sub, thr_d, g, reset, reset_delay,
    f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    has_y = gy.shape[0] > 0
    has_u = gu_up.shape[0] > 0
    for t in range(T):
        y, m = leaky_step(
            tape[0, t, j], x[t, j], at(beta, j), at(threshold, j), at(thr_sub, j), at(thr_d, j), at(g, j),
            reset, reset_delay,
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
            at(thr_sub, j), at(thr_d, j), at(g, j), reset, not reset_delay, f32_s, f32_y, f32_d, f32_rt, f32_dt,
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


def run(kernel_name, x, gy, gups, tape, out, gx, gS0, gP, params):
    """Copy the host arrays to the device, run ``kernel_name``, copy the results back."""
    kernel = globals()[kernel_name]
    n = x.shape[1]
    dev = [cuda.to_device(a) for a in (x, gy, *gups, tape, out, gx, gS0, gP)]
    d_params = tuple(cuda.to_device(p) if isinstance(p, np.ndarray) else p for p in params)
    grid = max(1, (n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK)
    kernel[grid, THREADS_PER_BLOCK](*dev, *d_params)
    k = 2 + len(gups)
    for d_a, h in zip(dev[k:], (tape, out, gx, gS0, gP)):
        d_a.copy_to_host(h)
