"""Fused parallel CPU kernels (Numba ``prange``) for the backward pass (BPTT).

One kernel per model, the same shape for all:

* ``prange`` over blocks of neighbouring neurons (arrays are time-major
  ``(T, N)``, contiguous along neurons, as in :mod:`.cpu`);
* per block, the forward over all ``T`` steps, storing the state *before*
  each step in the tape ``tape[k, t, j]`` (``tape[k, 0]`` is the initial
  state, ``tape[k, t + 1]`` the state after step ``t``: the forward record)
  and the output in ``out``;
* then the reverse loop ``t = T-1 ... 0``: the carried state gradient plus
  the upstream one, the model's reverse step (:mod:`._backward`), the input
  gradient written to ``gx[t]``, the parameter gradients added to per-neuron
  partial sums in reverse time order;
* after the loop: the initial-state gradients ``gS0 (n_states, N)`` and the
  per-neuron parameter partial sums ``gP (n_params, N)``, reduced to each
  parameter's shape by the caller (:mod:`.vjp`), so that the result does not
  depend on the thread count or the block size.

As in :mod:`.cpu`, option codes (reset, surrogate, float32 flags, ...) are
compile-time constants (``numba.literally``) and each step works on the
block's part of each row as a 1-D view indexed from 0, so the loops over a
block carry no branch on an option and vectorise (snntorch ``Leaky`` with
ATan at N = 1e5: 79 -> 191 M neuron-steps/s for this kernel alone).

The kernels with an ``exp`` or divisions in their step (``adex``,
``sj_eif``, ``norse_lif_adex``, ``norse_encoder``, ``sj_izhikevich``) call
:func:`._vector.wide_vectors` in their ``prange`` body (512-bit vectors on
CPUs with AVX-512; values unchanged).  Measured side by side (N = 5e4,
T = 400, forward + backward through ``gradients.vjp``, ns per neuron-step,
256 -> 512 bits): AdEx 6.26 -> 5.38, spikingjelly EIF 5.49 -> 3.43, norse
``LIFAdEx`` 4.72 -> 3.94, its encoder 19.2 -> 11.6, spikingjelly
Izhikevich 11.4 -> 10.6; the others gained nothing or lost (norse ``LIF``
2.71 -> 2.93, ``LSNN`` 3.17 -> 3.36) and stay at 256 bits.  These figures
were taken before the models' functions were force-inlined
(:func:`._jit.jitable_cpu`), when some of these loops ran one neuron at a time
in the process that compiled them (spikingjelly Izhikevich's among them, about
3.7 ns now); they were not measured again.

The canonical AdEx kernel computes each step's ``exp`` once, not twice: its
forward pass keeps the step's exponential factor ``E``
(:func:`~refneuron.models.canonical.adex.adex_exp_term`, returned by
``adex_step_and_exp``) in the input gradient's row ``gx[t]``, and its reverse
step (``adex_back_of_exp``) reads it there just before writing the input
gradient in its place.  ``E`` is the same function of the same tape state
that the reverse step would evaluate again, so the results do not change by a
bit (``tests/backends/test_backward.py`` compares with a serial loop that
recomputes it, as the CUDA kernel does); no memory is added; each
neuron-step moves 16 more bytes (``E`` written, then read) for one ``exp``
less.  Measured (AMD EPYC Zen 4, AVX-512, ns per neuron-step, exp recomputed
-> kept): the kernel alone on touched buffers, both compiled in one process,
N = 1e5, T = 1000, medians of 7 alternating rounds, 4.36 -> 3.60; through
``gradients.vjp(check_finite=False)`` at N = 5e4, T = 400, 6 alternating
processes, 4.77 -> 4.05.  spikingjelly ``EIF``'s kernel does the same with
its factor ``exp((v - theta_rh)/delta_T)``
(``sj_eif_step_and_exp``, ``sj_eif_back_of_exp``): kernel alone, N = 5e4,
T = 400, default ``EIF`` (whose Sigmoid surrogate computes an ``exp`` of its
own), 4.57 -> 4.24.  norse ``LIFAdEx`` and its encoder keep their factor
``exp((v - v_th)/delta_T)`` the same way (``norse_lif_adex_step_and_exp`` /
``norse_lif_adex_back_of_exp``, ``norse_encoder_step_and_exp`` /
``norse_encoder_back_of_exp``); through ``gradients.vjp(check_finite=False)``,
N = 5e4, T = 400, alternating processes, medians: the encoder 6.10 -> 3.37,
``LIFAdEx`` 3.71 -> 3.75 (no change: the ``exp`` saved is offset by the 16
bytes the kept factor adds, 81 B per neuron-step before and 97 B after, 22 ->
26 GB/s, the latter about 80 % of the triad measured that hour, 30-33 GB/s).

Arguments: ``x (T, N)``, ``gy (T, N)`` (gradient on the output, ``(T, 0)``
for none), one upstream state gradient ``(T, N)`` per state variable
(``(T, 0)`` for none), ``tape``, ``out``, ``gx``, ``gS0``, ``gP``,
``bad_blocks`` (one flag per block, below), ``block``, ``upstream``,
``stream``, then the forward parameters (as :mod:`.cpu`) and the backward
options.

``stream`` (compile-time constant): the input gradient ``gx``, written once
and not read again by the kernel, is written with streaming stores
(:mod:`._stream`) when :data:`STREAM_GRADIENT` is set and :func:`run` finds
it allowed as :func:`.cpu.run_chunk` does for the forward records.  It is
off by default, for robustness rather than speed.  With the records half a
page from the inputs within a page (:mod:`refneuron.buffers`, "4 KiB
aliasing"), streaming changed little: AMD EPYC Zen 4, ``gradients.vjp``,
N = 1e5, T = 1000, ``check_finite=False``, ns per neuron-step, medians of 7
alternating calls, streamed / ordinary: snntorch ``Leaky`` 1.53 / 1.58,
spikingjelly ``QIF`` 1.96 / 1.97, norse ``LIF`` 2.09 / 2.18, Izhikevich
2.74 / 2.70, AdEx 4.00 / 3.87 (on an AMD EPYC Zen 5 machine, before the
records were placed, ``Leaky`` 1.36 -> 1.27 and Izhikevich 2.09 -> 1.99
streamed).  But the backward reads up to four streams the caller hands in
(the input and the upstream gradients), whose page offsets refneuron does
not choose, and a streamed store a few bytes ahead of one of them costs far
more than an ordinary one: with the records 48 bytes ahead of the input and
the upstream gradient, N = 5e4, T = 400, streamed / ordinary, spikingjelly
``QIF`` 3.36 / 2.17, ``KLIF`` 3.59 / 2.17, ``EIF`` 4.04 / 2.72, snntorch
``Leaky`` 2.47 / 2.32.  The tape is not streamed: the forward pass reads
each state row back at the next step.

``upstream`` says which upstream gradients are given: bit 0 the output's,
bit ``k + 1`` that of state variable ``k`` (:func:`run` sets it from the
shapes).  It is a compile-time constant (``numba.literally``), as the
record flags of :mod:`.cpu` are, so a gradient that is not given is not
read at all.  Read from the shapes at run time, the flags made LLVM load the
upstream rows with masked vector loads; with upstream on the output only
(N = 5e4, T = 400, 2 threads, AMD EPYC Zen 5, ns per neuron-step of the
kernel, run-time -> compile-time flags, measured side by side on the same
arguments): spikingjelly ``LIF`` 1.55 -> 1.23, Izhikevich 2.03 -> 1.81,
AdEx 3.32 -> 3.06, norse ``LIF`` 1.82 -> 1.71, snntorch ``Leaky`` 1.43 ->
1.42.

``bad_blocks[b]`` is set when block ``b`` met a non-finite value: a state
in its forward pass, or an input or upstream gradient it read.  The tests
use ``v - v``, 0 for a finite ``v`` and NaN otherwise, OR-reduced without a
branch so that the loops still vectorise: one comparison per neuron-step
covers every state and the input in the forward loop, and every upstream
gradient in the reverse loop.  snntorch Leaky alone tests each upstream row
in a pass of its own (:func:`nonfinite_row`) just before its reverse loop
reads the row (from cache, then): folded into that loop the test stopped it
from vectorising (~500 -> ~300 M neuron-steps/s at N = 1e5, measured side by
side; the other kernels lost nothing measurable, and the separate pass would
cost them ~10 %).  The
driver (:func:`refneuron.gradients.vjp`) uses the flags in place of separate
scans of the inputs and upstream gradients: only when one is set does it
scan them (and then the tape), so that the error, or the report of a
non-finite state, is the one the NumPy reference gives.
"""

from __future__ import annotations

import numpy as np

from ._backward import (
    BACK_STEPS,
    BACKWARD_FUNCTIONS,
    adex_back_of_exp,
    alpha_back,
    izhikevich_back,
    lapicque_back,
    leaky_back,
    norse_encoder_back_of_exp,
    norse_lif_adex_back_of_exp,
    norse_lif_back,
    norse_lsnn_back,
    sj_eif_back_of_exp,
    sj_if_back,
    sj_izhikevich_back,
    sj_klif_back,
    sj_liaf_back,
    sj_lif_back,
    sj_plif_back,
    sj_qif_back,
    synaptic_back,
)
from ._jit import NJIT_OPTIONS, at, call_kernel, jitable_cpu, key_caches_to_sources, numba_or_raise
from .cpu import MAX_BLOCK
from ._steps import (
    MODEL_FUNCTIONS,
    STEP_FUNCTIONS,
    adex_step_and_exp,
    alpha_step,
    izhikevich_step,
    lapicque_step,
    leaky_step,
    norse_encoder_step_and_exp,
    norse_lif_adex_step_and_exp,
    norse_lif_step,
    norse_lsnn_step,
    sj_eif_step_and_exp,
    sj_if_step,
    sj_izhikevich_step,
    sj_klif_step,
    sj_liaf_step,
    sj_lif_step,
    sj_plif_step,
    sj_qif_step,
    synaptic_step,
)

numba = numba_or_raise("cpu")
from numba import literally, njit, prange  # noqa: E402

from ._stream import fence, put  # noqa: E402
from ._vector import wide_vectors  # noqa: E402

jitable_cpu(*MODEL_FUNCTIONS, *STEP_FUNCTIONS, *BACKWARD_FUNCTIONS, *BACK_STEPS)

_PAR = dict(NJIT_OPTIONS, parallel=True)

#: stream the input gradient where the forward records would be streamed (:func:`run`; module
#: docstring): off, since a streamed store near a caller's array in page offset stalls the kernel
STREAM_GRADIENT = False

#: Columns of each block's parameter partial sums ``acc (n_params, ACC_COLS)``
#: and carried state gradients ``c (n_states, ACC_COLS)``:
#: the largest block (:data:`.cpu.MAX_BLOCK`) plus one cache line.  A
#: compile-time row length lets LLVM prove that the rows ``acc[k, :]`` do not
#: overlap; with the row length ``n`` known only at run time it needs run-time
#: overlap checks between every pair of rows and gives up on vectorising the
#: reverse loop beyond about eight rows (AdEx has ten, norse LIFAdEx nine plus
#: three carries).
#: The extra cache line keeps the rows out of the same cache sets.
ACC_COLS = MAX_BLOCK + 8


@njit(**NJIT_OPTIONS)
def nonfinite_row(a):
    """Whether the 1-D array ``a`` holds a NaN or an infinity: ``a - a`` is 0
    for a finite value and NaN otherwise, OR-reduced without a branch (the
    loop vectorises, unlike an early exit)."""
    bad = False
    for q in range(a.shape[0]):
        bad |= (a[q] - a[q]) != 0.0
    return bad


@njit(**_PAR)
def leaky(
    x, gy, gu_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, beta, threshold, thr_sub, thr_d, g, reset,
    reset_delay, graded, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(reset_delay)
    literally(graded)
    literally(f32_s)
    literally(f32_y)
    literally(f32_d)
    literally(f32_rt)
    literally(f32_dt)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_u = (upstream & 2) != 0
    immediate = not reset_delay
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                y, m = leaky_step(
                    tape0_t[q], x_t[q], at(beta, j), at(threshold, j), at(thr_sub, j), at(thr_d, j),
                    at(g, j) if graded else 1.0,  # a constant the compiler removes (specs._leaky_params)
                    reset, reset_delay,
                )  # fmt: skip
                out_t[q] = y
                tape0_next[q] = m
                fin |= ((m - m) + (x_t[q] - x_t[q])) != 0.0
        cu = np.zeros(n)
        acc = np.zeros((3, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            gu_up_t = gu_up[t, lo : lo + n]
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            # the upstream rows, tested in a pass of their own (module docstring)
            if has_y:
                gfin |= nonfinite_row(gy_t)
            if has_u:
                gfin |= nonfinite_row(gu_up_t)
            for q in range(n):
                j = lo + q
                gu = cu[q] + (gu_up_t[q] if has_u else 0.0)
                g_x, g_mem, g_beta, g_thr, g_g = leaky_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0, gu, at(beta, j), at(threshold, j),
                    at(thr_sub, j), at(thr_d, j), at(g, j) if graded else 1.0, reset, immediate, f32_s, f32_y, f32_d,
                    f32_rt, f32_dt, sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, g_x, stream)
                cu[q] = g_mem
                acc[0, q] += g_beta
                acc[1, q] += g_thr
                acc[2, q] += g_g
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[0, lo : lo + n] = cu
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_lif(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, v_leak, v_threshold, decay_input, reset,
    detach, sg, sp0, sp1,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_v = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                s, v = sj_lif_step(tape0_t[q], x_t[q], at(tau, j), at(v_leak, j), at(v_threshold, j), decay_input, reset)
                out_t[q] = s
                tape0_next[q] = v
                fin |= ((v - v) + (x_t[q] - x_t[q])) != 0.0
        cv = np.zeros(n)
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            gv_up_t = gv_up[t, lo : lo + n]
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_v else 0.0)) != 0.0
                gv = cv[q] + (gv_up_t[q] if has_v else 0.0)
                g_x, g_v = sj_lif_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0, gv, at(tau, j), at(v_leak, j),
                    at(v_threshold, j), decay_input, reset, detach, sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, g_x, stream)
                cv[q] = g_v
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[0, lo : lo + n] = cv


@njit(**_PAR)
def norse_lif(
    x, gy, gv_up, gi_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau_syn_inv, tau_mem_inv, v_leak,
    v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_v = (upstream & 2) != 0
    has_i = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                z, v, i = norse_lif_step(
                    tape0_t[q], tape1_t[q], x_t[q], at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j),
                    at(v_th, j), at(v_reset, j), dt,
                )  # fmt: skip
                out_t[q] = z
                tape0_next[q] = v
                tape1_next[q] = i
                fin |= ((v - v) + (i - i) + (x_t[q] - x_t[q])) != 0.0
        cv = np.zeros(n)
        ci = np.zeros(n)
        acc = np.zeros((5, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            gv_up_t = gv_up[t, lo : lo + n]
            gi_up_t = gi_up[t, lo : lo + n]
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_v else 0.0)
                    + ((gi_up_t[q] - gi_up_t[q]) if has_i else 0.0)
                ) != 0.0
                gv = cv[q] + (gv_up_t[q] if has_v else 0.0)
                gi = ci[q] + (gi_up_t[q] if has_i else 0.0)
                g_x, g_v, g_i, g_tm, g_vl, g_ts, g_vth, g_vr = norse_lif_back(
                    tape0_t[q], tape1_t[q], x_t[q], gy_t[q] if has_y else 0.0, gv, gi, at(tau_syn_inv, j),
                    at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), dt, sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, g_x, stream)
                cv[q] = g_v
                ci[q] = g_i
                acc[0, q] += g_tm
                acc[1, q] += g_vl
                acc[2, q] += g_ts
                acc[3, q] += g_vth
                acc[4, q] += g_vr
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[0, lo : lo + n] = cv
        gS0[1, lo : lo + n] = ci
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def izhikevich(
    x, gy, gv_up, gu_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, a, b_, c, d, v_peak, dt, p2, p1, p0,
    scheme, rule, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(scheme)
    literally(rule)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_v = (upstream & 2) != 0
    has_u = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                s, v, u = izhikevich_step(
                    tape0_t[q], tape1_t[q], x_t[q], at(a, j), at(b_, j), at(c, j), at(d, j), at(v_peak, j),
                    dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule,
                )  # fmt: skip
                out_t[q] = s
                tape0_next[q] = v
                tape1_next[q] = u
                fin |= ((v - v) + (u - u) + (x_t[q] - x_t[q])) != 0.0
        cv = np.zeros(n)
        cu = np.zeros(n)
        acc = np.zeros((8, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            gv_up_t = gv_up[t, lo : lo + n]
            gu_up_t = gu_up[t, lo : lo + n]
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_v else 0.0)
                    + ((gu_up_t[q] - gu_up_t[q]) if has_u else 0.0)
                ) != 0.0
                gv = cv[q] + (gv_up_t[q] if has_v else 0.0)
                gu = cu[q] + (gu_up_t[q] if has_u else 0.0)
                gi, g_v, g_u, ga, gb, gc, gd, gvp, gp2, gp1, gp0 = izhikevich_back(
                    tape0_t[q], tape1_t[q], x_t[q], gy_t[q] if has_y else 0.0, gv, gu, at(a, j), at(b_, j),
                    at(c, j), at(d, j), at(v_peak, j), dt, at(p2, j), at(p1, j), at(p0, j), scheme, rule, detach,
                    sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, gi, stream)
                cv[q] = g_v
                cu[q] = g_u
                acc[0, q] += ga
                acc[1, q] += gb
                acc[2, q] += gc
                acc[3, q] += gd
                acc[4, q] += gvp
                acc[5, q] += gp2
                acc[6, q] += gp1
                acc[7, q] += gp0
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[0, lo : lo + n] = cv
        gS0[1, lo : lo + n] = cu
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def adex(
    x, gy, gV_up, gw_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, C_m, g_L, E_L, V_T, Delta_T, tau_w, a,
    b_, V_reset, V_peak, dt, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_V = (upstream & 2) != 0
    has_w = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            E_t = gx[t, lo : lo + n]  # holds the step's exp until the reverse loop (module docstring)
            for q in range(n):
                j = lo + q
                s, V, w, E = adex_step_and_exp(
                    tape0_t[q], tape1_t[q], x_t[q], at(C_m, j), at(g_L, j), at(E_L, j), at(V_T, j),
                    at(Delta_T, j), at(tau_w, j), at(a, j), at(b_, j), at(V_reset, j), at(V_peak, j), dt,
                )  # fmt: skip
                out_t[q] = s
                tape0_next[q] = V
                tape1_next[q] = w
                E_t[q] = E
                fin |= ((V - V) + (w - w) + (x_t[q] - x_t[q])) != 0.0
        cV = np.zeros(n)
        cw = np.zeros(n)
        acc = np.zeros((10, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            gV_up_t = gV_up[t, lo : lo + n]
            gw_up_t = gw_up[t, lo : lo + n]
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]  # the step's exp, read before the input gradient replaces it
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gV_up_t[q] - gV_up_t[q]) if has_V else 0.0)
                    + ((gw_up_t[q] - gw_up_t[q]) if has_w else 0.0)
                ) != 0.0
                gV = cV[q] + (gV_up_t[q] if has_V else 0.0)
                gw = cw[q] + (gw_up_t[q] if has_w else 0.0)
                r = adex_back_of_exp(
                    tape0_t[q], tape1_t[q], x_t[q], gx_t[q], gy_t[q] if has_y else 0.0, gV, gw, at(C_m, j),
                    at(g_L, j), at(E_L, j), at(V_T, j), at(Delta_T, j), at(tau_w, j), at(a, j), at(b_, j),
                    at(V_reset, j), at(V_peak, j), dt, detach, sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, r[0], stream)
                cV[q] = r[1]
                cw[q] = r[2]
                acc[0, q] += r[3]
                acc[1, q] += r[4]
                acc[2, q] += r[5]
                acc[3, q] += r[6]
                acc[4, q] += r[7]
                acc[5, q] += r[8]
                acc[6, q] += r[9]
                acc[7, q] += r[10]
                acc[8, q] += r[11]
                acc[9, q] += r[12]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[0, lo : lo + n] = cV
        gS0[1, lo : lo + n] = cw
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def synaptic(
    x, gy, gsyn_up, gmem_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, alpha, beta, threshold, thr_sub,
    reset, reset_delay, thr_d, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(reset_delay)
    literally(f32_s)
    literally(f32_y)
    literally(f32_d)
    literally(f32_rt)
    literally(f32_dt)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = synaptic_step(
                    tape0_t[q], tape1_t[q], x_t[q], at(alpha, j), at(beta, j), at(threshold, j),
                    at(thr_sub, j), at(reset, j), at(reset_delay, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((2, ACC_COLS))
        acc = np.zeros((3, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gsyn_up_t = gsyn_up[t, lo : lo + n]
            gmem_up_t = gmem_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gsyn_up_t[q] - gsyn_up_t[q]) if has_0 else 0.0)
                    + ((gmem_up_t[q] - gmem_up_t[q]) if has_1 else 0.0)
                ) != 0.0
                b = synaptic_back(
                    tape0_t[q], tape1_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gsyn_up_t[q] if has_0 else 0.0), c[1, q] + (gmem_up_t[q] if has_1 else 0.0),
                    at(alpha, j), at(beta, j), at(threshold, j), at(thr_sub, j), at(reset, j),
                    at(reset_delay, j), at(thr_d, j), at(f32_s, j), at(f32_y, j), at(f32_d, j), at(f32_rt, j),
                    at(f32_dt, j), at(sg, j), at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
                acc[0, q] += b[3]
                acc[1, q] += b[4]
                acc[2, q] += b[5]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def alpha(
    x, gy, ge_up, gn_up, gu_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, alpha, beta, tau_alpha,
    threshold, thr_sub, reset, thr_d, dc_da, dc_db, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(f32_s)
    literally(f32_y)
    literally(f32_d)
    literally(f32_rt)
    literally(f32_dt)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    has_2 = (upstream & 8) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            tape2_next = tape[2, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = alpha_step(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], at(alpha, j), at(beta, j),
                    at(tau_alpha, j), at(threshold, j), at(thr_sub, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                tape2_next[q] = r[3]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (r[3] - r[3]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((3, ACC_COLS))
        acc = np.zeros((3, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            ge_up_t = ge_up[t, lo : lo + n]
            gn_up_t = gn_up[t, lo : lo + n]
            gu_up_t = gu_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((ge_up_t[q] - ge_up_t[q]) if has_0 else 0.0)
                    + ((gn_up_t[q] - gn_up_t[q]) if has_1 else 0.0)
                    + ((gu_up_t[q] - gu_up_t[q]) if has_2 else 0.0)
                ) != 0.0
                b = alpha_back(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (ge_up_t[q] if has_0 else 0.0), c[1, q] + (gn_up_t[q] if has_1 else 0.0),
                    c[2, q] + (gu_up_t[q] if has_2 else 0.0), at(alpha, j), at(beta, j), at(tau_alpha, j),
                    at(threshold, j), at(thr_sub, j), at(reset, j), at(thr_d, j), at(dc_da, j), at(dc_db, j),
                    at(f32_s, j), at(f32_y, j), at(f32_d, j), at(f32_rt, j), at(f32_dt, j), at(sg, j),
                    at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
                c[2, q] = b[3]
                acc[0, q] += b[4]
                acc[1, q] += b[5]
                acc[2, q] += b[6]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def lapicque(
    x, gy, gmem_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, R, inv_rc, time_step, decay, threshold,
    thr_sub, reset, thr_d, beta, beta_grad, no_C, f32_s, f32_y, f32_d, f32_rt, f32_dt, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(beta_grad)
    literally(no_C)
    literally(f32_s)
    literally(f32_y)
    literally(f32_d)
    literally(f32_rt)
    literally(f32_dt)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = lapicque_step(
                    tape0_t[q], x_t[q], at(R, j), at(inv_rc, j), at(time_step, j), at(decay, j),
                    at(threshold, j), at(thr_sub, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((2, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gmem_up_t = gmem_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gmem_up_t[q] - gmem_up_t[q]) if has_0 else 0.0)
                ) != 0.0
                b = lapicque_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gmem_up_t[q] if has_0 else 0.0), at(R, j), at(inv_rc, j), at(time_step, j),
                    at(decay, j), at(threshold, j), at(thr_sub, j), at(reset, j), at(thr_d, j), at(beta, j),
                    at(beta_grad, j), at(no_C, j), at(f32_s, j), at(f32_y, j), at(f32_d, j), at(f32_rt, j),
                    at(f32_dt, j), at(sg, j), at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                acc[0, q] += b[2]
                acc[1, q] += b[3]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_if(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, v_leak, v_threshold, reset, detach, sg, sp0,
    sp1,
):  # fmt: skip
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_if_step(
                    tape0_t[q], x_t[q], at(v_leak, j), at(v_threshold, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((0, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_if_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(v_leak, j), at(v_threshold, j), at(reset, j),
                    at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_eif(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, v_rest, theta_rh, delta_T, v_threshold,
    v_leak, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            e_t = gx[t, lo : lo + n]  # holds the step's exp until the reverse loop (module docstring)
            for q in range(n):
                j = lo + q
                r = sj_eif_step_and_exp(
                    tape0_t[q], x_t[q], at(tau, j), at(v_rest, j), at(theta_rh, j), at(delta_T, j),
                    at(v_threshold, j), at(v_leak, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                e_t[q] = r[2]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((0, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]  # the step's exp, read before the input gradient replaces it
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_eif_back_of_exp(
                    tape0_t[q], x_t[q], gx_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(tau, j), at(v_rest, j), at(theta_rh, j),
                    at(delta_T, j), at(v_threshold, j), at(v_leak, j), at(reset, j), at(detach, j), at(sg, j),
                    at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_qif(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, a0, v_rest, v_c, v_threshold, v_leak,
    reset, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_qif_step(
                    tape0_t[q], x_t[q], at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j),
                    at(v_threshold, j), at(v_leak, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((0, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_qif_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(tau, j), at(a0, j), at(v_rest, j),
                    at(v_c, j), at(v_threshold, j), at(v_leak, j), at(reset, j), at(detach, j), at(sg, j),
                    at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_izhikevich(
    x, gy, gv_up, gw_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, a0, v_rest, v_c, tau_w, a, b_,
    v_threshold, v_leak, reset, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_izhikevich_step(
                    tape0_t[q], tape1_t[q], x_t[q], at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j),
                    at(tau_w, j), at(a, j), at(b_, j), at(v_threshold, j), at(v_leak, j), at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((2, ACC_COLS))
        acc = np.zeros((0, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gw_up_t = gw_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)
                    + ((gw_up_t[q] - gw_up_t[q]) if has_1 else 0.0)
                ) != 0.0
                b = sj_izhikevich_back(
                    tape0_t[q], tape1_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), c[1, q] + (gw_up_t[q] if has_1 else 0.0),
                    at(tau, j), at(a0, j), at(v_rest, j), at(v_c, j), at(tau_w, j), at(a, j), at(b_, j),
                    at(v_threshold, j), at(v_leak, j), at(reset, j), at(detach, j), at(sg, j), at(sp0, j),
                    at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_klif(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, v_leak, decay_input, k, v_threshold,
    reset, scale_reset, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(scale_reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_klif_step(
                    tape0_t[q], x_t[q], at(tau, j), at(v_leak, j), at(decay_input, j), at(k, j),
                    at(v_threshold, j), at(reset, j), at(scale_reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((1, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_klif_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(tau, j), at(v_leak, j), at(decay_input, j),
                    at(k, j), at(v_threshold, j), at(reset, j), at(scale_reset, j), at(detach, j), at(sg, j),
                    at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                acc[0, q] += b[2]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_plif(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, k, v_leak, decay_input, v_threshold, reset,
    detach, sg, sp0, sp1,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_plif_step(
                    tape0_t[q], x_t[q], at(k, j), at(v_leak, j), at(decay_input, j), at(v_threshold, j),
                    at(reset, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((1, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_plif_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(k, j), at(v_leak, j), at(decay_input, j),
                    at(v_threshold, j), at(reset, j), at(detach, j), at(sg, j), at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                acc[0, q] += b[2]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def sj_liaf(
    x, gy, gv_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau, v_leak, decay_input, v_threshold, reset,
    act, threshold_related, detach, sg, sp0, sp1,
):  # fmt: skip
    literally(decay_input)
    literally(reset)
    literally(act)
    literally(threshold_related)
    literally(detach)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = sj_liaf_step(
                    tape0_t[q], x_t[q], at(tau, j), at(v_leak, j), at(decay_input, j), at(v_threshold, j),
                    at(reset, j), at(act, j), at(threshold_related, j),
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                fin |= ((r[1] - r[1]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((1, ACC_COLS))
        acc = np.zeros((0, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (((gy_t[q] - gy_t[q]) if has_y else 0.0) + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)) != 0.0
                b = sj_liaf_back(
                    tape0_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), at(tau, j), at(v_leak, j), at(decay_input, j),
                    at(v_threshold, j), at(reset, j), at(act, j), at(threshold_related, j), at(detach, j),
                    at(sg, j), at(sp0, j), at(sp1, j),
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def norse_lif_adex(
    x, gy, gv_up, gi_up, ga_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau_syn_inv, tau_mem_inv,
    tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt, sg, sp0, sp1,
):  # fmt: skip
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    has_2 = (upstream & 8) != 0
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            tape2_next = tape[2, t + 1, lo : lo + n]
            e_t = gx[t, lo : lo + n]  # holds the step's exp until the reverse loop (module docstring)
            for q in range(n):
                j = lo + q
                r = norse_lif_adex_step_and_exp(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], at(tau_syn_inv, j), at(tau_mem_inv, j),
                    at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j),
                    at(adaptation_current, j), at(adaptation_spike, j), dt,
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                tape2_next[q] = r[3]
                e_t[q] = r[4]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (r[3] - r[3]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((3, ACC_COLS))
        acc = np.zeros((9, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gi_up_t = gi_up[t, lo : lo + n]
            ga_up_t = ga_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]  # the step's exp, read before the input gradient replaces it
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)
                    + ((gi_up_t[q] - gi_up_t[q]) if has_1 else 0.0)
                    + ((ga_up_t[q] - ga_up_t[q]) if has_2 else 0.0)
                ) != 0.0
                b = norse_lif_adex_back_of_exp(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], gx_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), c[1, q] + (gi_up_t[q] if has_1 else 0.0),
                    c[2, q] + (ga_up_t[q] if has_2 else 0.0), at(tau_syn_inv, j), at(tau_mem_inv, j),
                    at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j),
                    at(adaptation_current, j), at(adaptation_spike, j), dt, sg, sp0, sp1,
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
                c[2, q] = b[3]
                acc[0, q] += b[4]
                acc[1, q] += b[5]
                acc[2, q] += b[6]
                acc[3, q] += b[7]
                acc[4, q] += b[8]
                acc[5, q] += b[9]
                acc[6, q] += b[10]
                acc[7, q] += b[11]
                acc[8, q] += b[12]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def norse_encoder(
    x, gy, gv_up, ga_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau_mem_inv, tau_ada_inv, v_leak,
    v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt, corrected, sg, sp0, sp1,
):  # fmt: skip
    literally(corrected)
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    for blk in prange((N + block - 1) // block):
        wide_vectors()  # 512-bit vectors where the CPU has them (_vector.py)
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            e_t = gx[t, lo : lo + n]  # holds the step's exp until the reverse loop (module docstring)
            for q in range(n):
                j = lo + q
                r = norse_encoder_step_and_exp(
                    tape0_t[q], tape1_t[q], x_t[q], at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j),
                    at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j),
                    at(adaptation_spike, j), dt, corrected,
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                e_t[q] = r[3]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((2, ACC_COLS))
        acc = np.zeros((8, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            ga_up_t = ga_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]  # the step's exp, read before the input gradient replaces it
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)
                    + ((ga_up_t[q] - ga_up_t[q]) if has_1 else 0.0)
                ) != 0.0
                b = norse_encoder_back_of_exp(
                    tape0_t[q], tape1_t[q], x_t[q], gx_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), c[1, q] + (ga_up_t[q] if has_1 else 0.0),
                    at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j),
                    at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt, corrected, sg, sp0,
                    sp1,
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
                acc[0, q] += b[3]
                acc[1, q] += b[4]
                acc[2, q] += b[5]
                acc[3, q] += b[6]
                acc[4, q] += b[7]
                acc[5, q] += b[8]
                acc[6, q] += b[9]
                acc[7, q] += b[10]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]


@njit(**_PAR)
def norse_lsnn(
    x, gy, gv_up, gi_up, gb_up, tape, out, gx, gS0, gP, bad_blocks, block, upstream, stream, tau_syn_inv, tau_mem_inv,
    tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    literally(sg)
    literally(upstream)
    literally(stream)
    T, N = x.shape
    has_y = (upstream & 1) != 0
    has_0 = (upstream & 2) != 0
    has_1 = (upstream & 4) != 0
    has_2 = (upstream & 8) != 0
    for blk in prange((N + block - 1) // block):
        lo = blk * block
        n = min(block, N - lo)
        fin = False  # stays False while every state and input of the block is finite
        for t in range(T):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            out_t = out[t, lo : lo + n]
            tape0_next = tape[0, t + 1, lo : lo + n]
            tape1_next = tape[1, t + 1, lo : lo + n]
            tape2_next = tape[2, t + 1, lo : lo + n]
            for q in range(n):
                j = lo + q
                r = norse_lsnn_step(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], at(tau_syn_inv, j), at(tau_mem_inv, j),
                    at(tau_adapt_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j), dt,
                )  # fmt: skip
                out_t[q] = r[0]
                tape0_next[q] = r[1]
                tape1_next[q] = r[2]
                tape2_next[q] = r[3]
                fin |= ((r[1] - r[1]) + (r[2] - r[2]) + (r[3] - r[3]) + (x_t[q] - x_t[q])) != 0.0
        c = np.zeros((3, ACC_COLS))
        acc = np.zeros((7, ACC_COLS))  # see ACC_COLS
        gfin = False  # stays False while every upstream gradient the block reads is finite
        for t in range(T - 1, -1, -1):
            # this block's part of each row, indexed from 0 (vectorisable; see .cpu)
            tape0_t = tape[0, t, lo : lo + n]
            tape1_t = tape[1, t, lo : lo + n]
            tape2_t = tape[2, t, lo : lo + n]
            x_t = x[t, lo : lo + n]
            gy_t = gy[t, lo : lo + n]
            gv_up_t = gv_up[t, lo : lo + n]
            gi_up_t = gi_up[t, lo : lo + n]
            gb_up_t = gb_up[t, lo : lo + n]
            gx_t = gx[t, lo : lo + n]
            for q in range(n):
                j = lo + q
                gfin |= (
                    ((gy_t[q] - gy_t[q]) if has_y else 0.0)
                    + ((gv_up_t[q] - gv_up_t[q]) if has_0 else 0.0)
                    + ((gi_up_t[q] - gi_up_t[q]) if has_1 else 0.0)
                    + ((gb_up_t[q] - gb_up_t[q]) if has_2 else 0.0)
                ) != 0.0
                b = norse_lsnn_back(
                    tape0_t[q], tape1_t[q], tape2_t[q], x_t[q], gy_t[q] if has_y else 0.0,
                    c[0, q] + (gv_up_t[q] if has_0 else 0.0), c[1, q] + (gi_up_t[q] if has_1 else 0.0),
                    c[2, q] + (gb_up_t[q] if has_2 else 0.0), at(tau_syn_inv, j), at(tau_mem_inv, j),
                    at(tau_adapt_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j), dt, sg, sp0,
                    sp1,
                )  # fmt: skip
                put(gx_t, q, b[0], stream)
                c[0, q] = b[1]
                c[1, q] = b[2]
                c[2, q] = b[3]
                acc[0, q] += b[4]
                acc[1, q] += b[5]
                acc[2, q] += b[6]
                acc[3, q] += b[7]
                acc[4, q] += b[8]
                acc[5, q] += b[9]
                acc[6, q] += b[10]
        if stream:
            fence()  # the streamed input gradient reaches memory before the kernel returns
        bad_blocks[blk] = fin or gfin  # the driver looks for the first bad value only if set
        gS0[:, lo : lo + n] = c[:, :n]
        gP[:, lo : lo + n] = acc[:, :n]



def run(kernel_name, x, gy, gups, tape, out, gx, gS0, gP, params, block=None):
    """Run the backward kernel ``kernel_name`` over the whole sequence.

    Returns True if a block met a non-finite state, input or upstream
    gradient (the caller then finds which, and where)."""
    from .cpu import _row_shaped, streaming_and_block

    kernel = globals()[kernel_name]
    # the input gradient is written once and not read again: streamed as the forward records are, where
    # STREAM_GRADIENT says so (module docstring)
    stream, block = streaming_and_block([gx] if STREAM_GRADIENT else [], x.shape[1], block)
    if not 1 <= block <= MAX_BLOCK:
        raise ValueError(f"block: must be in [1, {MAX_BLOCK}] (got {block})")
    gy, *gups = (_row_shaped(a, x.shape[0]) for a in (gy, *gups))
    bad_blocks = np.zeros((x.shape[1] + block - 1) // block, dtype=np.bool_)
    # which upstream gradients are given, a compile-time constant of the kernel (module docstring):
    # bit 0 the output's, bit k + 1 that of state variable k
    upstream = sum(1 << k for k, a in enumerate((gy, *gups)) if a.shape[1] > 0)
    call_kernel(kernel, x, gy, *gups, tape, out, gx, gS0, gP, bad_blocks, np.int64(block), upstream, stream, *params)
    return bool(bad_blocks.any())


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
