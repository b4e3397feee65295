"""Parallel CPU kernels (Numba ``prange``) for the multi-step forward.

Every kernel has the same shape; only the step function and the state
variables change:

* arrays are time-major ``x_t[j]`` with neurons flattened to ``j`` and
  contiguous, so the parallel loop runs over **blocks of neighbouring
  neurons**, the time loop is inside, and each block keeps its state in a
  small local array.  (Walking one neuron down the strided time axis is ten
  times slower: every access is a cache miss.)
* arguments: ``x (T, N)``; ``S (n_states, N)``, the state, updated in place
  to the final state; ``out (T, N)`` the output (float64, uint8 or bool;
  shape ``(T, 0)`` when not recorded); one trace ``(T, N)`` per state
  variable (``(T, 0)`` when not recorded); ``bad (2, N)`` int64, the first
  step (offset by ``t0``) at which a neuron's state became non-finite and the
  index of the first such variable (``-1`` while finite); ``xbad`` bool,
  one flag per block, set when the block read a non-finite input (the
  fused ``check_finite``, :func:`run_chunk`); ``block``, the
  number of neurons per block; ``rec_out`` and ``rec_all``, whether the
  output and the state traces are kept, and ``stream``, whether the kept
  float64 records are streamed (compile-time constants, below);
  then the model's parameters in the order of its step function (scalars
  or flat per-neuron arrays).
* at each step the kernel takes the block's part of each row as a 1-D view
  (``x_t = x[t, lo : lo + n]``, ...) indexed from 0: unit-stride views and a
  loop index known to be non-negative let LLVM vectorise the loop over the
  block, which ``x[t, lo + k]`` prevented (LIF at N = 1e5: ~450 -> ~770 M
  neuron-steps/s measured side by side); the "did a state
  become non-finite" flag is a boolean OR for the same reason (a
  floating-point sum may not be reordered without ``fastmath``).
* records that are not kept (``record="output"`` or ``"final"``; shape
  ``(T, 0)``) are not stored: every store of a record is guarded by
  ``if rec_out:`` or ``if rec_all:``, and the two flags are compile-time
  constants (``numba.literally``, set by :func:`run_chunk` from the
  records' shapes), so each record mode compiles to its own loop with the
  stores of the records it does not keep removed.  Two earlier forms were
  slower.  With the flags read at run time from the shapes, LLVM kept one
  loop and made the stores masked vector stores with a loop-invariant mask;
  on an AMD EPYC (Zen 5) machine a mode that keeps less then took up to
  four times longer than ``"all"`` (N = 5e4, T = 400, 2 threads, ns per
  neuron-step, run-time flags -> compile-time flags, measured side by side:
  spikingjelly ``LIF`` ``"final"`` 1.40 -> 0.28, ``"output"`` 0.64 ->
  0.36; norse ``LIF`` ``"final"`` 1.88 -> 0.36, ``"output"`` 1.80 ->
  0.46, ``"all"`` 0.81 -> 0.70).  On the Intel Xeon machines of earlier
  measurements the same run-time test had made the kernels with a long
  step two to four times slower when a record was not kept (AdEx
  ``"output"`` 8.3 ns per neuron-step).  Storing the records that are not
  kept into a scratch row of the block, overwritten at each step, avoided
  the masks but not the stores (AdEx ``"output"`` 1.9 there).  The benchmark's record-modes table
  (``benchmarks/RESULTS.md``) times every kernel in the three modes; a mode
  that keeps less should never take longer than ``"all"``.
* ``stream`` (a compile-time constant, set by :func:`run_chunk`): the kept
  float64 records are written with streaming (non-temporal) stores through
  :func:`._stream.put`, which do not read a cache line before writing it,
  and each block ends with :func:`._stream.fence`.  :func:`run_chunk` streams
  only when that is safe and pays (:func:`_streams`: x86-64 and
  :data:`STREAM`, by default true only on CPUs with AVX-512, where it was
  measured to pay, while on an AVX2 one it cost up to seven times the
  time (:mod:`._stream`); at least
  :data:`STREAM_MIN_BYTES` of float64 records, every one 64-byte aligned
  with rows a multiple of 64 bytes, blocks a multiple of 8 neurons); the
  values are the same either way.  Measured side by side through the public
  API (T = 1000, N = 1e4, ``check_finite=False``, ns per neuron-step, AMD
  EPYC Zen 5, ordinary -> streaming stores): LIF 0.472 -> 0.394, Izhikevich
  0.751 -> 0.569, AdEx 0.923 -> 0.868.
* seven kernels with a long step call :func:`._vector.wide_vectors` at the
  top of their ``prange`` body, so that LLVM vectorises them with 512-bit
  registers where the CPU has AVX-512 (its default tuning there keeps 256):
  ``adex``, ``sj_eif``, ``norse_lif_adex``, ``norse_encoder``,
  ``sj_izhikevich``, ``sj_klif``, ``sj_qif``.  Measured side by side (both
  forms compiled in one process, N = 5e4, T = 400, ns per neuron-step,
  256 -> 512 bits, ``record="all"``): AdEx 1.85 -> 1.55, spikingjelly EIF
  1.48 -> 1.09, norse ``LIFAdEx`` 1.87 -> 1.60, its encoder 5.41 -> 3.63;
  with ``"output"``, spikingjelly KLIF 1.58 -> 0.71 and QIF 1.31 -> 0.91
  (the slowdown of those two when a record was not kept).  The others stay
  at 256 bits: for the short steps the wider form was no faster and at some
  block sizes slower (Izhikevich at N = 1e4, 1250-neuron blocks: 1.3 ->
  1.7; LIF at N = 1e4 with 2500-neuron blocks 0.88 -> 1.2, yet not with
  1250 or 5000), a dependence on the addresses that was not explained.
  The vector width does not change a value (:mod:`._vector`).
* each neuron is computed by the same sequence of scalar operations whatever
  the block size or thread count, so results do not depend on either.
* option codes (reset mechanism, scheme, ...) are compile-time constants
  (``numba.literally``): each combination compiles once, and the inner loop
  carries no branch on them (Izhikevich: ~260 -> ~400 M neuron-steps/s).
* the long steps (AdEx, spikingjelly ``EIF``, norse ``LIFAdEx``) are
  limited by the latency of one step, not by memory or by their count of
  instructions: the neurons of a block are independent, but one AdEx step
  is a chain of dependent operations (two divisions and the ``exp`` among
  them) about 120 vector instructions long, so the core's out-of-order
  window holds few neurons' steps at a time.  Two changes shortened the
  chain without changing a model's arithmetic: the 0/1 factors of the steps
  (spikes, the AdEx mask ``V > V_peak``) are
  :func:`refneuron._math.indicator`, a select, where ``cond * 1.0``
  compiled to a conversion through integers (four more instructions on
  AVX2; the values are the same); and :func:`._fastexp.exp` evaluates its
  polynomial by Estrin's scheme instead of Horner's.  Measured through the
  public API (N = 5e4, T = 400, every record, uint8 spikes,
  ``check_finite=False``, AMD EPYC Zen 3, 2 threads, ns per neuron-step,
  medians of five rounds alternating three processes: before -> with the
  select -> with Estrin's scheme too): AdEx 4.03 -> 3.33 -> 2.94,
  spikingjelly ``EIF`` 2.73 -> 2.94 -> 2.23, norse ``LIFAdEx`` 3.04 -> 3.00
  -> 2.54; the backward (``gradients.vjp``, the output's gradient) of AdEx
  11.6 -> 10.8 -> 9.4 and of ``EIF`` 10.0 -> 10.3 -> 7.7; LIF and
  Izhikevich, bound by memory, unchanged within the noise (0.85 -> 0.87,
  1.27 -> 1.27).  The AdEx kernel recompiled with each step in one process
  (alternating calls, medians of 15): 4.21 -> 3.66 -> 3.33.

The kernels are explicit module-level functions (factories and closures
would defeat ``cache=True`` and the CUDA simulator).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import NJIT_OPTIONS, at, call_kernel, jitable_cpu, key_caches_to_sources, numba_or_raise, spikes_as_uint8
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

numba = numba_or_raise("cpu")
from numba import literally, njit, prange  # noqa: E402

from ._stream import available as _stream_available, fence, pays as _stream_pays, put, streamable  # noqa: E402
from ._vector import wide_vectors  # noqa: E402

jitable_cpu(*MODEL_FUNCTIONS, *STEP_FUNCTIONS)

_PAR = dict(NJIT_OPTIONS, parallel=True)


@njit(**NJIT_OPTIONS)
def any_nonfinite(a):
    """Whether the 1-D array ``a`` holds a NaN or an infinity."""
    for k in range(a.shape[0]):
        if not math.isfinite(a[k]):
            return True
    return False


@njit(**NJIT_OPTIONS)
def first_nonfinite_1(bad, lo, n, step, a0):
    """Record ``step`` for the neurons of ``lo:lo+n`` whose state just became non-finite."""
    for k in range(n):
        if bad[0, lo + k] < 0 and not math.isfinite(a0[k]):
            bad[0, lo + k] = step
            bad[1, lo + k] = 0


@njit(**NJIT_OPTIONS)
def first_nonfinite_2(bad, lo, n, step, a0, a1):
    """As :func:`first_nonfinite_1`; ``bad[1]`` is the first non-finite variable."""
    for k in range(n):
        if bad[0, lo + k] < 0 and not (math.isfinite(a0[k]) and math.isfinite(a1[k])):
            bad[0, lo + k] = step
            bad[1, lo + k] = 0 if not math.isfinite(a0[k]) else 1


@njit(**NJIT_OPTIONS)
def first_nonfinite_3(bad, lo, n, step, a0, a1, a2):
    """As :func:`first_nonfinite_1`; ``bad[1]`` is the first non-finite variable."""
    for k in range(n):
        if bad[0, lo + k] < 0 and not (math.isfinite(a0[k]) and math.isfinite(a1[k]) and math.isfinite(a2[k])):
            bad[0, lo + k] = step
            bad[1, lo + k] = 0 if not math.isfinite(a0[k]) else (1 if not math.isfinite(a1[k]) else 2)


@njit(**_PAR)
def leaky(
    x, S, out, tr_mem, bad, xbad, t0, block, rec_out, rec_all, stream, beta, threshold, thr_sub, thr_d, g, reset,
    reset_delay, graded,
):  # fmt: skip
    literally(reset)
    literally(reset_delay)
    literally(graded)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        mem = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_mem_t = tr_mem[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                y, m = leaky_step(
                    mem[k], x_t[k], at(beta, j), at(threshold, j), at(thr_sub, j), at(thr_d, j),
                    at(g, j) if graded else 1.0,  # a constant the compiler removes (specs._leaky_params)
                    reset, reset_delay,
                )
                mem[k] = m
                if rec_out:
                    put(out_t, k, y, stream)
                if rec_all:
                    put(tr_mem_t, k, m, stream)
                fin |= ((m - m) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, mem)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = mem


@njit(**_PAR)
def synaptic(
    x, S, out, tr_syn, tr_mem, bad, xbad, t0, block, rec_out, rec_all, stream, alpha, beta, threshold, thr_sub, reset,
    reset_delay,
):  # fmt: skip
    literally(reset)
    literally(reset_delay)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        syns = S[0, lo : lo + n].copy()
        mems = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_syn_t = tr_syn[t, lo : lo + n]
            tr_mem_t = tr_mem[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                s, i, m = synaptic_step(
                    syns[k], mems[k], x_t[k], at(alpha, j), at(beta, j), at(threshold, j), at(thr_sub, j),
                    reset, reset_delay,
                )  # fmt: skip
                syns[k] = i
                mems[k] = m
                if rec_out:
                    put(out_t, k, s, stream)
                if rec_all:
                    put(tr_syn_t, k, i, stream)
                    put(tr_mem_t, k, m, stream)
                fin |= (((i - i) + (m - m)) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, syns, mems)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = syns
        S[1, lo : lo + n] = mems


@njit(**_PAR)
def izhikevich(
    x, S, out, tr_v, tr_u, bad, xbad, t0, block, rec_out, rec_all, stream, a, b_, c, d, v_peak, dt, p2, p1, p0, scheme,
    rule,
):  # fmt: skip
    literally(scheme)
    literally(rule)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        vs = S[0, lo : lo + n].copy()
        us = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_u_t = tr_u[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                s, v, u = izhikevich_step(
                    vs[k], us[k], x_t[k], at(a, j), at(b_, j), at(c, j), at(d, j), at(v_peak, j),
                    dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule,
                )  # fmt: skip
                vs[k] = v
                us[k] = u
                if rec_out:
                    put(out_t, k, s, stream)
                if rec_all:
                    put(tr_v_t, k, v, stream)
                    put(tr_u_t, k, u, stream)
                fin |= (((v - v) + (u - u)) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, vs, us)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = vs
        S[1, lo : lo + n] = us


@njit(**_PAR)
def adex(
    x, S, out, tr_V, tr_w, bad, xbad, t0, block, rec_out, rec_all, stream, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b_,
    V_reset, V_peak, dt,
):  # fmt: skip
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = b * block
        n = min(block, N - lo)
        Vs = S[0, lo : lo + n].copy()
        ws = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_V_t = tr_V[t, lo : lo + n]
            tr_w_t = tr_w[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                s, V, w = adex_step(
                    Vs[k], ws[k], x_t[k], at(C_m, j), at(g_L, j), at(E_L, j), at(V_T, j), at(Delta_T, j),
                    at(tau_w, j), at(a, j), at(b_, j), at(V_reset, j), at(V_peak, j), dt,
                )  # fmt: skip
                Vs[k] = V
                ws[k] = w
                if rec_out:
                    put(out_t, k, s, stream)
                if rec_all:
                    put(tr_V_t, k, V, stream)
                    put(tr_w_t, k, w, stream)
                fin |= (((V - V) + (w - w)) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, Vs, ws)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = Vs
        S[1, lo : lo + n] = ws


@njit(**_PAR)
def sj_lif(x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, tau, v_leak, v_threshold, decay_input, reset):
    literally(decay_input)
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        vs = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                s, v = sj_lif_step(vs[k], x_t[k], at(tau, j), at(v_leak, j), at(v_threshold, j), decay_input, reset)
                vs[k] = v
                if rec_out:
                    put(out_t, k, s, stream)
                if rec_all:
                    put(tr_v_t, k, v, stream)
                fin |= ((v - v) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, vs)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = vs


@njit(**_PAR)
def sj_if(x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, v_leak, v_threshold, reset):
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        vs = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                s, v = sj_if_step(vs[k], x_t[k], at(v_leak, j), at(v_threshold, j), reset)
                vs[k] = v
                if rec_out:
                    put(out_t, k, s, stream)
                if rec_all:
                    put(tr_v_t, k, v, stream)
                fin |= ((v - v) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, vs)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = vs


@njit(**_PAR)
def norse_lif(
    x, S, out, tr_v, tr_i, bad, xbad, t0, block, rec_out, rec_all, stream, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset,
    dt,
):  # fmt: skip
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for b in prange((N + block - 1) // block):
        lo = b * block
        n = min(block, N - lo)
        vs = S[0, lo : lo + n].copy()
        cs = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_i_t = tr_i[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for k in range(n):
                j = lo + k
                z, v, i = norse_lif_step(
                    vs[k], cs[k], x_t[k], at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j), at(v_th, j),
                    at(v_reset, j), dt,
                )  # fmt: skip
                vs[k] = v
                cs[k] = i
                if rec_out:
                    put(out_t, k, z, stream)
                if rec_all:
                    put(tr_v_t, k, v, stream)
                    put(tr_i_t, k, i, stream)
                fin |= (((v - v) + (i - i)) + (x_t[k] - x_t[k])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[b] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, vs, cs)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = vs
        S[1, lo : lo + n] = cs


@njit(**_PAR)
def alpha(
    x, S, out, tr_syn_exc, tr_syn_inh, tr_mem, bad, xbad, t0, block, rec_out, rec_all, stream, alpha, beta, tau_alpha,
    threshold, thr_sub, reset,
):  # fmt: skip
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        syn_exc_ = S[0, lo : lo + n].copy()
        syn_inh_ = S[1, lo : lo + n].copy()
        mem_ = S[2, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_syn_exc_t = tr_syn_exc[t, lo : lo + n]
            tr_syn_inh_t = tr_syn_inh[t, lo : lo + n]
            tr_mem_t = tr_mem[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, syn_exc, syn_inh, mem = alpha_step(
                    syn_exc_[q], syn_inh_[q], mem_[q], x_t[q], at(alpha, j), at(beta, j), at(tau_alpha, j),
                    at(threshold, j), at(thr_sub, j), reset,
                )  # fmt: skip
                syn_exc_[q] = syn_exc
                syn_inh_[q] = syn_inh
                mem_[q] = mem
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_syn_exc_t, q, syn_exc, stream)
                    put(tr_syn_inh_t, q, syn_inh, stream)
                    put(tr_mem_t, q, mem, stream)
                fin |= (((syn_exc - syn_exc) + (syn_inh - syn_inh) + (mem - mem)) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_3(bad, lo, n, t0 + t, syn_exc_, syn_inh_, mem_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = syn_exc_
        S[1, lo : lo + n] = syn_inh_
        S[2, lo : lo + n] = mem_


@njit(**_PAR)
def lapicque(
    x, S, out, tr_mem, bad, xbad, t0, block, rec_out, rec_all, stream, R, inv_rc, time_step, decay, threshold, thr_sub,
    reset,
):  # fmt: skip
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        mem_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_mem_t = tr_mem[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, mem = lapicque_step(
                    mem_[q], x_t[q], R, inv_rc, time_step, decay, at(threshold, j), at(thr_sub, j), reset,
                )  # fmt: skip
                mem_[q] = mem
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_mem_t, q, mem, stream)
                fin |= ((mem - mem) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, mem_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = mem_


@njit(**_PAR)
def sj_eif(
    x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, tau, v_rest, theta_rh, delta_T, v_threshold, v_leak,
    reset,
):  # fmt: skip
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v = sj_eif_step(v_[q], x_t[q], tau, v_rest, theta_rh, delta_T, v_threshold, v_leak, reset)
                v_[q] = v
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, v_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_


@njit(**_PAR)
def sj_qif(x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, tau, a0, v_rest, v_c, v_threshold, v_leak, reset):
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v = sj_qif_step(v_[q], x_t[q], tau, a0, v_rest, v_c, v_threshold, v_leak, reset)
                v_[q] = v
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, v_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_


@njit(**_PAR)
def sj_izhikevich(
    x, S, out, tr_v, tr_w, bad, xbad, t0, block, rec_out, rec_all, stream, tau, a0, v_rest, v_c, tau_w, a, b_, v_threshold,
    v_leak, reset,
):  # fmt: skip
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        w_ = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_w_t = tr_w[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v, w = sj_izhikevich_step(
                    v_[q], w_[q], x_t[q], tau, a0, v_rest, v_c, tau_w, a, b_, v_threshold, v_leak, reset,
                )  # fmt: skip
                v_[q] = v
                w_[q] = w
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                    put(tr_w_t, q, w, stream)
                fin |= (((v - v) + (w - w)) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, v_, w_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_
        S[1, lo : lo + n] = w_


@njit(**_PAR)
def sj_klif(
    x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, tau, v_leak, decay_input, k, v_threshold, reset,
    scale_reset,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(scale_reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v = sj_klif_step(v_[q], x_t[q], tau, v_leak, decay_input, k, v_threshold, reset, scale_reset)
                v_[q] = v
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, v_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_


@njit(**_PAR)
def sj_plif(x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, k, v_leak, decay_input, v_threshold, reset):
    literally(decay_input)
    literally(reset)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v = sj_plif_step(v_[q], x_t[q], k, v_leak, decay_input, v_threshold, reset)
                v_[q] = v
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, v_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_


@njit(**_PAR)
def sj_liaf(
    x, S, out, tr_v, bad, xbad, t0, block, rec_out, rec_all, stream, tau, v_leak, decay_input, v_threshold, reset, act,
    threshold_related,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(act)
    literally(threshold_related)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v = sj_liaf_step(
                    v_[q], x_t[q], tau, v_leak, decay_input, v_threshold, reset, act, threshold_related,
                )  # fmt: skip
                v_[q] = v
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_1(bad, lo, n, t0 + t, v_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_


@njit(**_PAR)
def norse_lif_adex(
    x, S, out, tr_v, tr_i, tr_a, bad, xbad, t0, block, rec_out, rec_all, stream, tau_syn_inv, tau_mem_inv, tau_ada_inv,
    v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        i_ = S[1, lo : lo + n].copy()
        a_ = S[2, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_i_t = tr_i[t, lo : lo + n]
            tr_a_t = tr_a[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v, i, a = norse_lif_adex_step(
                    v_[q], i_[q], a_[q], x_t[q], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j),
                    at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j),
                    at(adaptation_spike, j), dt,
                )  # fmt: skip
                v_[q] = v
                i_[q] = i
                a_[q] = a
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                    put(tr_i_t, q, i, stream)
                    put(tr_a_t, q, a, stream)
                fin |= (((v - v) + (i - i) + (a - a)) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_3(bad, lo, n, t0 + t, v_, i_, a_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_
        S[1, lo : lo + n] = i_
        S[2, lo : lo + n] = a_


@njit(**_PAR)
def norse_encoder(
    x, S, out, tr_v, tr_a, bad, xbad, t0, block, rec_out, rec_all, stream, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset,
    delta_T, adaptation_current, adaptation_spike, dt, corrected,
):  # fmt: skip
    literally(corrected)
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        a_ = S[1, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_a_t = tr_a[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v, a = norse_encoder_step(
                    v_[q], a_[q], x_t[q], at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j), at(v_th, j),
                    at(v_reset, j), at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt,
                    corrected,
                )  # fmt: skip
                v_[q] = v
                a_[q] = a
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                    put(tr_a_t, q, a, stream)
                fin |= (((v - v) + (a - a)) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_2(bad, lo, n, t0 + t, v_, a_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_
        S[1, lo : lo + n] = a_


@njit(**_PAR)
def norse_lsnn(
    x, S, out, tr_v, tr_i, tr_b, bad, xbad, t0, block, rec_out, rec_all, stream, tau_syn_inv, tau_mem_inv, tau_adapt_inv,
    v_leak, v_th, v_reset, beta, dt,
):  # fmt: skip
    literally(rec_out)
    literally(rec_all)
    literally(stream)
    T, N = x.shape
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        v_ = S[0, lo : lo + n].copy()
        i_ = S[1, lo : lo + n].copy()
        b_ = S[2, lo : lo + n].copy()
        for t in range(T):
            # this block's part of each row: unit-stride 1-D views let LLVM vectorise the loop
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tr_v_t = tr_v[t, lo : lo + n]
            tr_i_t = tr_i[t, lo : lo + n]
            tr_b_t = tr_b[t, lo : lo + n]
            fin = False  # stays False while every state and input of the block is finite
            for q in range(n):
                j = lo + q
                y, v, i, b = norse_lsnn_step(
                    v_[q], i_[q], b_[q], x_t[q], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j),
                    at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j), dt,
                )  # fmt: skip
                v_[q] = v
                i_[q] = i
                b_[q] = b
                if rec_out:
                    put(out_t, q, y, stream)
                if rec_all:
                    put(tr_v_t, q, v, stream)
                    put(tr_i_t, q, i, stream)
                    put(tr_b_t, q, b, stream)
                fin |= (((v - v) + (i - i) + (b - b)) + (x_t[q] - x_t[q])) != 0.0
            if fin:  # rare: a state became non-finite, or an input is
                xbad[blk] |= any_nonfinite(x_t)
                first_nonfinite_3(bad, lo, n, t0 + t, v_, i_, b_)
        if stream:
            fence()  # the streamed records reach memory before the kernel returns
        S[0, lo : lo + n] = v_
        S[1, lo : lo + n] = i_
        S[2, lo : lo + n] = b_



#: the largest block :func:`block_size` chooses for the backward kernels (they
#: size their per-block parameter sums by it, :data:`.cpu_vjp.ACC_COLS`)
MAX_BLOCK = 16384

#: the largest block :func:`block_size` chooses for the forward kernels
#: (:func:`run_chunk`): a block's state, 2 MiB per state variable at most, then
#: lives in the shared last-level cache rather than in the core's own
FORWARD_MAX_BLOCK = 2**18


def block_size(n_neurons, threads=None, max_block=MAX_BLOCK):
    """Neurons per block: N split into as few equal blocks as make a multiple of the
    thread count with none larger than ``max_block`` (at least 64 neurons).

    ``k = ceil(N / (threads * max_block))`` blocks per thread, each of
    ``ceil(N / (k * threads))`` neurons: every thread gets the same number of
    equal blocks (every neuron-step costs the same), and each block is as long
    a unit-stride run of each row as the cap allows, which is what the
    hardware prefetchers need.  Measured side by side on 2 threads (AMD EPYC
    Zen 3, T = 1000, caller buffers, ``check_finite=False``, ns per
    neuron-step, N / 8 -> N / 2 neurons per block): at N = 1e4 LIF 0.95 ->
    0.78, Izhikevich 1.46 -> 1.19, AdEx 4.56 -> 4.36, and through
    ``gradients.vjp`` snntorch ``Leaky`` 3.08 -> 2.40, Izhikevich 3.74 ->
    3.31; LIF at N = 2e4 0.83 -> 0.72, at N = 5e4 0.65 -> 0.64.  (The rule
    before was N / (4 x threads); on an AMD EPYC Zen 5 machine LIF at N = 1e5
    ran at ~710 M neuron-steps/s with 4096-neuron blocks and ~785 with 12500,
    and at N = 1e6 16384 beat both 4096 and 125000.)

    The backward kernels keep the cap :data:`MAX_BLOCK` (16384), which holds a
    block's state and per-block sums (:data:`.cpu_vjp.ACC_COLS`) in the core's
    own caches.  The forward kernels take :data:`FORWARD_MAX_BLOCK` (2^18):
    on an AMD EPYC Zen 4, longer runs of each row paid more than a state in
    the core's own cache.  Measured through the public API (caller buffers,
    ``check_finite=False``, the caps alternated in each of six repeats, ns per
    neuron-step, cap 16384 -> 65536 -> 2^18): at N = 1e5 (blocks 12504 ->
    50000 -> 50000), T = 1000, every record, LIF 0.480 -> 0.449 -> 0.449,
    Izhikevich 0.816 -> 0.734 -> 0.732, AdEx 1.385 -> 1.317 -> 1.317;
    Izhikevich ``record="output"`` 0.619 -> 0.485 -> 0.488; at N = 1e6
    (blocks 16136 -> 62504 -> 250000), T = 250, LIF 0.583 -> 0.536 -> 0.485,
    Izhikevich 0.933 -> 0.835 -> 0.802, AdEx 1.392 -> 1.352 -> 1.322, LIF
    ``"output"`` 0.455 -> 0.399 -> 0.349 and ``"final"`` 0.324 -> 0.302 ->
    0.250.  The Zen 5 figure above (16384 ahead of 125000 at N = 1e6) says
    the best cap depends on the machine; the block does not change a value.
    """
    threads = numba.get_num_threads() if threads is None else threads
    per_thread = max(1, -(-n_neurons // (threads * max_block)))
    return int(max(64, min(max_block, -(-n_neurons // (per_thread * threads)))))


def run_chunk(kernel_name, x, S, out, traces, bad, t0, params, block=None):
    """Run one chunk ``x (T, N)`` through the CPU kernel ``kernel_name``.

    Returns True if ``x`` holds a NaN or an infinity.  The kernels test each
    input as they read it, so that the caller's ``check_finite`` need not
    make a separate pass over the inputs before the run (that pass moves a
    third as many bytes again as the LIF kernel itself; see
    :func:`refneuron.simulate.run`): ``x - x``, zero unless ``x`` is NaN or
    infinite, is added into the per-step test of the states, and only when
    that test fires does the step look at which inputs are bad.  (A separate
    boolean OR for the inputs cost canonical AdEx a third of its speed.)
    """
    kernel = globals()[kernel_name]
    out, *traces = (_row_shaped(a, x.shape[0]) for a in (out, *traces))
    out = spikes_as_uint8(out)
    rec_out = out.shape[1] > 0
    rec_all = bool(traces) and traces[0].shape[1] > 0
    if any((tr.shape[1] > 0) != rec_all for tr in traces):
        raise ValueError("run_chunk: the state traces must be all kept or all not kept")
    stream, block = streaming_and_block(([out] if rec_out else []) + (traces if rec_all else []), x.shape[1], block,
                                        FORWARD_MAX_BLOCK)  # fmt: skip
    xbad = np.zeros((x.shape[1] + block - 1) // block, dtype=np.bool_)
    call_kernel(
        kernel, x, S, out, *traces, bad, xbad, np.int64(t0), np.int64(block), rec_out, rec_all, stream, *params
    )
    return bool(xbad.any())


#: write the kept float64 records with streaming stores when allowed (:mod:`._stream`):
#: by default where they pay on this CPU (:func:`._stream.pays`, AVX-512); set True or
#: False to compile and time the kernels with or without them on any x86-64 CPU
STREAM = _stream_pays()

#: the least number of bytes of float64 records for which a call streams them: smaller
#: records may still be in the caches when the caller reads them, which streaming
#: stores forfeit.  Measured (LIF, T = 1000, AMD EPYC with a 32 MB last-level cache,
#: ordinary -> streaming stores, ns per neuron-step of the run, then of one pass of the
#: caller over the membrane trace): 8 MiB of trace 0.96 -> 0.87, then 0.17 -> 0.37;
#: 16 MiB 1.00 -> 0.88, then 0.24 -> 0.33; 31 MiB 0.47 -> 0.38, then 0.36 -> 0.36.
STREAM_MIN_BYTES = 32 * 2**20


def streaming_and_block(kept, n_neurons, block=None, max_block=MAX_BLOCK):
    """Whether a call streams its kept records ``kept`` (:func:`_streams`), and its
    block size: ``block`` if given, else :func:`block_size` (at most ``max_block``),
    rounded up to a multiple of 8 when streaming (so that every block starts on a
    cache line)."""
    stream = _streams(kept, block)
    if block is None:
        block = block_size(n_neurons, max_block=max_block)
        if stream:
            block = -(-block // 8) * 8
    return stream, int(block)


def _streams(kept, block):
    """Whether a call writes its kept float64 records with streaming stores: on x86-64,
    when they hold at least :data:`STREAM_MIN_BYTES`, every one of them is
    :func:`._stream.streamable` (64-byte aligned rows) and the block size, if given,
    is a multiple of 8 (so that every block starts on a cache line)."""
    if not STREAM or not _stream_available():
        return False
    f64 = [a for a in kept if a.dtype == np.float64]
    if not f64 or sum(a.nbytes for a in f64) < STREAM_MIN_BYTES:
        return False
    if block is not None and int(block) % 8 != 0:
        return False
    return all(streamable(a) for a in f64)


def _row_shaped(a, T):
    """A record that is not kept, as a ``(T, 0)`` array (no memory): the kernels
    take one row view per step from every record, kept or not, and store
    into it only when it is kept."""
    return a if a.shape[0] == T else np.empty((T, 0), dtype=a.dtype)


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
