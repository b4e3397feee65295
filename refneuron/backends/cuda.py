"""Numba-CUDA kernels for the multi-step forward: one thread per neuron.

Thread ``j`` owns neuron ``j`` for the whole run and keeps its state in
registers; at each step the threads of a warp read ``x[t, j]`` and write
``out[t, j]`` for 32 neighbouring ``j`` (coalesced, time-major arrays).
Argument conventions are those of :mod:`refneuron.backends.cpu` without
``block``.  The per-neuron step is the same function the CPU kernels call
(:mod:`refneuron.backends._steps`), compiled with ``numba.cuda``; the
models' functions are registered for the GPU under their own names (their
``exp``, ``maximum``, ``tanh`` ... come from :mod:`refneuron._math`, which
is overloaded for the GPU).

Differences to the NumPy reference on a real GPU: the compiler contracts
``a*b + c`` into fused multiply-adds (``fma.rn.f64``) even without fastmath,
and libdevice's ``exp`` is not NumPy's, so states differ at round-off level
and a spike may flip at an exact tie.  Under the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) the kernels run as Python and agree with the
reference as the CPU kernels do.

Importing this module raises :class:`~refneuron.errors.BackendUnavailable`
when numba-cuda or a GPU is missing.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _checks
from ..errors import InputError, InputTypeError, OptionError, ShapeError
from ._jit import at, cuda_or_raise, jitable_cuda, key_caches_to_sources
from ._steps import (
    MODEL_FUNCTIONS,
    STEP_FUNCTIONS,
    adex_step,
    izhikevich_step,
    leaky_step,
    norse_lif_step,
    sj_if_step,
    sj_lif_step,
    synaptic_step,
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

cuda = cuda_or_raise()
jitable_cuda(*MODEL_FUNCTIONS, *STEP_FUNCTIONS)

THREADS_PER_BLOCK = 128


@cuda.jit(cache=True)
def leaky(x, S, out, tr_mem, bad, t0, beta, threshold, thr_sub, thr_d, g, reset, reset_delay, graded):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_mem.shape[0] > 0
    mem = S[0, j]
    for t in range(T):
        y, mem = leaky_step(
            mem, x[t, j], at(beta, j), at(threshold, j), at(thr_sub, j), at(thr_d, j), at(g, j) if graded else 1.0,
            reset, reset_delay,
        )
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_mem[t, j] = mem
        if bad[0, j] < 0 and not math.isfinite(mem):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = mem


@cuda.jit(cache=True)
def synaptic(x, S, out, tr_syn, tr_mem, bad, t0, alpha, beta, threshold, thr_sub, reset, reset_delay):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_syn.shape[0] > 0
    syn = S[0, j]
    mem = S[1, j]
    for t in range(T):
        s, syn, mem = synaptic_step(
            syn, mem, x[t, j], at(alpha, j), at(beta, j), at(threshold, j), at(thr_sub, j), reset, reset_delay
        )
        if rec_out:
            out[t, j] = s
        if rec_all:
            tr_syn[t, j] = syn
            tr_mem[t, j] = mem
        if bad[0, j] < 0 and not (math.isfinite(syn) and math.isfinite(mem)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(syn) else 1
    S[0, j] = syn
    S[1, j] = mem


@cuda.jit(cache=True)
def izhikevich(x, S, out, tr_v, tr_u, bad, t0, a, b_, c, d, v_peak, dt, p2, p1, p0, scheme, rule):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    u = S[1, j]
    for t in range(T):
        s, v, u = izhikevich_step(
            v, u, x[t, j], at(a, j), at(b_, j), at(c, j), at(d, j), at(v_peak, j),
            dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule,
        )  # fmt: skip
        if rec_out:
            out[t, j] = s
        if rec_all:
            tr_v[t, j] = v
            tr_u[t, j] = u
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(u)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else 1
    S[0, j] = v
    S[1, j] = u


@cuda.jit(cache=True)
def adex(x, S, out, tr_V, tr_w, bad, t0, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b_, V_reset, V_peak, dt):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_V.shape[0] > 0
    V = S[0, j]
    w = S[1, j]
    for t in range(T):
        s, V, w = adex_step(
            V, w, x[t, j], at(C_m, j), at(g_L, j), at(E_L, j), at(V_T, j), at(Delta_T, j),
            at(tau_w, j), at(a, j), at(b_, j), at(V_reset, j), at(V_peak, j), dt,
        )  # fmt: skip
        if rec_out:
            out[t, j] = s
        if rec_all:
            tr_V[t, j] = V
            tr_w[t, j] = w
        if bad[0, j] < 0 and not (math.isfinite(V) and math.isfinite(w)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(V) else 1
    S[0, j] = V
    S[1, j] = w


@cuda.jit(cache=True)
def sj_lif(x, S, out, tr_v, bad, t0, tau, v_leak, v_threshold, decay_input, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        s, v = sj_lif_step(v, x[t, j], at(tau, j), at(v_leak, j), at(v_threshold, j), decay_input, reset)
        if rec_out:
            out[t, j] = s
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def sj_if(x, S, out, tr_v, bad, t0, v_leak, v_threshold, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        s, v = sj_if_step(v, x[t, j], at(v_leak, j), at(v_threshold, j), reset)
        if rec_out:
            out[t, j] = s
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def norse_lif(x, S, out, tr_v, tr_i, bad, t0, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    i = S[1, j]
    for t in range(T):
        z, v, i = norse_lif_step(
            v, i, x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), dt
        )
        if rec_out:
            out[t, j] = z
        if rec_all:
            tr_v[t, j] = v
            tr_i[t, j] = i
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else 1
    S[0, j] = v
    S[1, j] = i


@cuda.jit(cache=True)
def alpha(x, S, out, tr_syn_exc, tr_syn_inh, tr_mem, bad, t0, alpha, beta, tau_alpha, threshold, thr_sub, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_syn_exc.shape[0] > 0
    syn_exc = S[0, j]
    syn_inh = S[1, j]
    mem = S[2, j]
    for t in range(T):
        y, syn_exc, syn_inh, mem = alpha_step(
            syn_exc, syn_inh, mem, x[t, j], at(alpha, j), at(beta, j), at(tau_alpha, j), at(threshold, j),
            at(thr_sub, j), reset,
        )  # fmt: skip
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_syn_exc[t, j] = syn_exc
            tr_syn_inh[t, j] = syn_inh
            tr_mem[t, j] = mem
        if bad[0, j] < 0 and not (math.isfinite(syn_exc) and math.isfinite(syn_inh) and math.isfinite(mem)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(syn_exc) else (1 if not math.isfinite(syn_inh) else 2)
    S[0, j] = syn_exc
    S[1, j] = syn_inh
    S[2, j] = mem


@cuda.jit(cache=True)
def lapicque(x, S, out, tr_mem, bad, t0, R, inv_rc, time_step, decay, threshold, thr_sub, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_mem.shape[0] > 0
    mem = S[0, j]
    for t in range(T):
        y, mem = lapicque_step(mem, x[t, j], R, inv_rc, time_step, decay, at(threshold, j), at(thr_sub, j), reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_mem[t, j] = mem
        if bad[0, j] < 0 and not math.isfinite(mem):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = mem


@cuda.jit(cache=True)
def sj_eif(x, S, out, tr_v, bad, t0, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        y, v = sj_eif_step(v, x[t, j], tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def sj_qif(x, S, out, tr_v, bad, t0, tau, a0, v_rest, v_c, v_threshold, v_leak, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        y, v = sj_qif_step(v, x[t, j], tau, a0, v_rest, v_c, v_threshold, v_leak, reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def sj_izhikevich(x, S, out, tr_v, tr_w, bad, t0, tau, a0, v_rest, v_c, tau_w, a, b_, v_threshold, v_leak, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    w = S[1, j]
    for t in range(T):
        y, v, w = sj_izhikevich_step(v, w, x[t, j], tau, a0, v_rest, v_c, tau_w, a, b_, v_threshold, v_leak, reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
            tr_w[t, j] = w
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(w)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else 1
    S[0, j] = v
    S[1, j] = w


@cuda.jit(cache=True)
def sj_klif(x, S, out, tr_v, bad, t0, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        y, v = sj_klif_step(v, x[t, j], tau, v_leak, decay_input, k, v_threshold, reset, scale_reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def sj_plif(x, S, out, tr_v, bad, t0, k, v_leak, decay_input, v_threshold, reset):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        y, v = sj_plif_step(v, x[t, j], k, v_leak, decay_input, v_threshold, reset)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def sj_liaf(x, S, out, tr_v, bad, t0, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related):
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    for t in range(T):
        y, v = sj_liaf_step(v, x[t, j], tau, v_leak, decay_input, v_threshold, reset, act, threshold_related)
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
        if bad[0, j] < 0 and not math.isfinite(v):
            bad[0, j] = t0 + t
            bad[1, j] = 0
    S[0, j] = v


@cuda.jit(cache=True)
def norse_lif_adex(
    x, S, out, tr_v, tr_i, tr_a, bad, t0, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T,
    adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    i = S[1, j]
    a = S[2, j]
    for t in range(T):
        y, v, i, a = norse_lif_adex_step(
            v, i, a, x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j),
            at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt,
        )  # fmt: skip
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
            tr_i[t, j] = i
            tr_a[t, j] = a
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(a)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else (1 if not math.isfinite(i) else 2)
    S[0, j] = v
    S[1, j] = i
    S[2, j] = a


@cuda.jit(cache=True)
def norse_encoder(
    x, S, out, tr_v, tr_a, bad, t0, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
    adaptation_spike, dt, corrected,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    a = S[1, j]
    for t in range(T):
        y, v, a = norse_encoder_step(
            v, a, x[t, j], at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j),
            at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt, corrected,
        )  # fmt: skip
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
            tr_a[t, j] = a
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(a)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else 1
    S[0, j] = v
    S[1, j] = a


@cuda.jit(cache=True)
def norse_lsnn(
    x, S, out, tr_v, tr_i, tr_b, bad, t0, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
):  # fmt: skip
    j = cuda.grid(1)
    T = x.shape[0]
    if j >= x.shape[1]:
        return
    rec_out = out.shape[0] > 0
    rec_all = tr_v.shape[0] > 0
    v = S[0, j]
    i = S[1, j]
    b = S[2, j]
    for t in range(T):
        y, v, i, b = norse_lsnn_step(
            v, i, b, x[t, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j), at(v_leak, j),
            at(v_th, j), at(v_reset, j), at(beta, j), dt,
        )  # fmt: skip
        if rec_out:
            out[t, j] = y
        if rec_all:
            tr_v[t, j] = v
            tr_i[t, j] = i
            tr_b[t, j] = b
        if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(b)):
            bad[0, j] = t0 + t
            bad[1, j] = 0 if not math.isfinite(v) else (1 if not math.isfinite(i) else 2)
    S[0, j] = v
    S[1, j] = i
    S[2, j] = b



@cuda.jit(cache=True)
def first_nonfinite_kernel(x, res):
    """``res[0]``: smallest flat index of a non-finite entry of 1-D ``x``."""
    i = cuda.grid(1)
    if i < x.shape[0] and not math.isfinite(x[i]):
        cuda.atomic.min(res, 0, i)


# ---------------------------------------------------------------------------------------
# drivers


def is_device_array(obj):
    """True for Numba device arrays (and other ``__cuda_array_interface__`` objects)."""
    if isinstance(obj, np.ndarray):
        return False
    return hasattr(obj, "__cuda_array_interface__") or hasattr(obj, "copy_to_host")


def _grid(n, threads=THREADS_PER_BLOCK):
    """``(blocks, threads)`` for ``n`` threads: at least one block (a GPU
    refuses a launch of zero blocks; with ``n == 0`` every thread returns)."""
    return (max(1, (n + threads - 1) // threads), threads)


def _device_params(params):
    return tuple(cuda.to_device(p) if isinstance(p, np.ndarray) else p for p in params)


def _free_device_bytes():
    try:
        free, _total = cuda.current_context().get_memory_info()
        return int(free)
    except Exception:  # simulator or driver without the query
        return None


def check_device_memory(model, spec, T, n, chunk, record, spike_dtype, names):
    """Row 15 on the device: inputs, records and state of one chunk."""
    steps = min(chunk, T)
    need = steps * n * 8 + 2 * n * 8 + len(names) * n * 8 + 32 * n
    if record != "final":
        need += steps * n * spike_dtype.itemsize
    if record == "all":
        need += steps * n * 8 * len(names)
    avail = _free_device_bytes()
    if avail is not None:
        _checks.check_memory(need, f"run of {model.name} on the GPU ({steps} steps per chunk, {n} neurons)", available=avail)


_EMPTY = None


def _empty_device():
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = cuda.device_array((0, 0), dtype=np.float64)
    return _EMPTY


def _launch(spec, d_x, d_S, d_out, d_trs, d_bad, t0, d_params):
    kernel = globals()[spec.kernel]
    grid, block = _grid(d_x.shape[1])
    kernel[grid, block](d_x, d_S, d_out, *d_trs, d_bad, np.int64(t0), *d_params)


def run_host(model, spec, x, state, output, traces, chunk, neuron_shape):
    """Run host inputs on the GPU chunk by chunk; records come back to host arrays."""
    from ..simulate import flat_state, nonfinite_from_bad, state_from_flat

    T = x.shape[0]
    n = int(np.prod(neuron_shape, dtype=np.int64))
    names = model.State.names()
    x2 = np.ascontiguousarray(x).reshape(T, n)
    d_S = cuda.to_device(flat_state(model, state, n))
    d_bad = cuda.to_device(np.full((2, n), -1, dtype=np.int64))
    d_params = _device_params(spec.params(model, neuron_shape))
    steps = min(chunk, T)
    d_xbuf = cuda.device_array((steps, n), dtype=np.float64)
    d_obuf = cuda.device_array((steps, n), dtype=output.dtype) if output is not None else None
    d_tbufs = [cuda.device_array((steps, n), dtype=np.float64) for _ in names] if traces is not None else None
    out2 = output.reshape(T, n) if output is not None else None
    tr2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else None
    for t0 in range(0, T, steps):
        t1 = min(t0 + steps, T)
        m = t1 - t0
        d_x = d_xbuf[:m]
        d_x.copy_to_device(x2[t0:t1])
        d_out = d_obuf[:m] if d_obuf is not None else _empty_device()
        d_trs = [b[:m] for b in d_tbufs] if d_tbufs is not None else [_empty_device()] * len(names)
        _launch(spec, d_x, d_S, d_out, d_trs, d_bad, t0, d_params)
        if out2 is not None:
            d_out.copy_to_host(out2[t0:t1])
        if tr2 is not None:
            for b, h in zip(d_trs, tr2):
                b.copy_to_host(h[t0:t1])
    S = d_S.copy_to_host()
    bad = d_bad.copy_to_host()
    return state_from_flat(model, S, neuron_shape), nonfinite_from_bad(bad, names, neuron_shape)


def run_device(model, inputs, state, *, record, check_finite, spike_dtype, out, chunk_steps):
    """Run a device-resident input; the recorded sequences stay on the device.

    Validation mirrors :func:`refneuron._checks.as_inputs` for device arrays:
    float64, C-contiguous, at least one dimension, a non-empty time axis and,
    with ``check_finite``, no NaN/inf (found on the device).
    """
    from ..simulate import (
        RunResult,
        _chunk_steps,
        _kernel_spec,
        _warn_nonfinite,
        flat_state,
        nonfinite_from_bad,
        state_from_flat,
    )

    d_in = inputs if hasattr(inputs, "copy_to_host") else cuda.as_cuda_array(inputs)
    if d_in.dtype != np.float64:
        raise InputTypeError(f"inputs: a device array must be float64 (got dtype {d_in.dtype})")
    if d_in.ndim < 1:
        raise ShapeError(f"inputs: must be time-major with at least 1 dimension(s) (T, ...) (got shape {d_in.shape})")
    if d_in.shape[0] == 0:
        raise InputError(f"inputs: empty time axis (got shape {d_in.shape})")
    if not d_in.is_c_contiguous():
        raise InputError("inputs: a device array must be C-contiguous")
    T = d_in.shape[0]
    item_shape = tuple(d_in.shape[1:])
    neuron_shape = model.neuron_shape(item_shape)
    model.check_neuron_shape(neuron_shape)
    n = int(np.prod(neuron_shape, dtype=np.int64))
    if n != int(np.prod(item_shape, dtype=np.int64)):
        raise ShapeError(f"inputs: {model.name} on device arrays needs one input per neuron (got shape {d_in.shape})")
    d_x = d_in.reshape(T, n)
    if check_finite and T * n:
        flat = d_in.reshape(T * n)
        res = cuda.to_device(np.array([T * n], dtype=np.int64))
        grid, block = _grid(T * n)
        first_nonfinite_kernel[grid, block](flat, res)
        i = int(res.copy_to_host()[0])
        if i < T * n:
            idx = np.unravel_index(i, d_in.shape)
            val = float(flat[i : i + 1].copy_to_host()[0])
            raise InputError(
                f"inputs: must be finite; first non-finite value {val!r} at index "
                f"(t={int(idx[0])}, neuron={tuple(int(k) for k in idx[1:])}) (pass check_finite=False to propagate it)"
            )
    state0 = model.initial_state(neuron_shape) if state is None else model.State.coerce(state, neuron_shape)
    chunk = _chunk_steps(chunk_steps, T)
    spec = _kernel_spec(model, "cuda")
    names = model.State.names()
    shape = (T, *neuron_shape)
    bufs = device_out_buffers(model, out, record, names, shape, spike_dtype)
    output = None
    if record != "final":
        output = bufs.get("output")
        if output is None:
            output = cuda.device_array(shape, dtype=spike_dtype)
    traces = None
    if record == "all":
        traces = {nm: bufs.get(nm) if nm in bufs else cuda.device_array(shape, dtype=np.float64) for nm in names}
    if n == 0:  # no neurons: the (empty) records are allocated, and the final state is the initial one
        return RunResult(output=output, states=traces, final_state=state_from_flat(model, flat_state(model, state0, 0),
                         neuron_shape), nonfinite=None)  # fmt: skip
    d_S = cuda.to_device(flat_state(model, state0, n))
    d_bad = cuda.to_device(np.full((2, n), -1, dtype=np.int64))
    d_params = _device_params(spec.params(model, neuron_shape))
    o2 = output.reshape(T, n) if output is not None else None
    t2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else None
    for t0 in range(0, T, chunk):
        t1 = min(t0 + chunk, T)
        d_out = o2[t0:t1] if o2 is not None else _empty_device()
        d_trs = [a[t0:t1] for a in t2] if t2 is not None else [_empty_device()] * len(names)
        _launch(spec, d_x[t0:t1], d_S, d_out, d_trs, d_bad, t0, d_params)
    final = state_from_flat(model, d_S.copy_to_host(), neuron_shape)
    nonfinite = nonfinite_from_bad(d_bad.copy_to_host(), names, neuron_shape)
    if nonfinite is not None:
        _warn_nonfinite(model, nonfinite)
    return RunResult(output=output, states=traces, final_state=final, nonfinite=nonfinite)


def device_out_buffers(model, out, record, names, shape, spike_dtype, contiguous=False):
    """Validate a run's device records before any work: ``spike_dtype`` needs a
    0/1 output; ``out`` is a dict of device arrays keyed by what ``record``
    keeps, each of ``spike_dtype`` (output) or float64 (states) and of
    ``shape`` (``T, *neuron_shape``), C-contiguous when ``contiguous``; the
    records must fit in the GPU's free memory.  Returns the caller's buffers
    by key."""
    from .. import _checks
    from ..errors import InputTypeError, OptionError, ShapeError
    from .specs import binary_output

    if spike_dtype != np.float64 and record != "final" and not binary_output(model):
        raise OptionError(
            f"spike_dtype: {spike_dtype.name!r} needs a 0/1 output, but {model.name} with these parameters "
            "emits graded or analog values; use spike_dtype='float64'"
        )
    bufs = {}
    if out is not None:
        if not isinstance(out, dict):
            raise InputTypeError(f"out: must be a dict of device arrays (got {type(out).__name__})")
        allowed = {"all": ("output", *names), "output": ("output",), "final": ()}[record]
        for key, buf in out.items():
            if key not in allowed:
                raise OptionError(f"out: {key!r} is not recorded with record={record!r}; allowed keys: {allowed} (got {key!r})")
            if not is_device_array(buf):
                raise InputTypeError(f"out[{key!r}]: must be a device array when the inputs are (got {type(buf).__name__})")
            want = spike_dtype if key == "output" else np.dtype(np.float64)
            if buf.dtype != want or tuple(buf.shape) != shape or (contiguous and not buf.is_c_contiguous()):
                layout = "C-contiguous " if contiguous else ""
                raise ShapeError(f"out[{key!r}]: must be {layout}{want} of shape {shape} (got {buf.dtype} {tuple(buf.shape)})")
            bufs[key] = buf
    T, n = shape[0], int(np.prod(shape[1:], dtype=np.int64))
    need = 8 * T * n * (len(names) if record == "all" else 0) + (T * n * spike_dtype.itemsize if record != "final" else 0)
    avail = _free_device_bytes()
    if avail is not None:
        _checks.check_memory(need, f"run of {model.name} on the GPU with T={T}, {n} neurons", available=avail)
    return bufs


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
