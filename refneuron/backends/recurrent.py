r"""Parallel CPU kernels (Numba) for the recurrent norse models, forward and backward.

``norse.LIFRecurrent``, ``norse.LIFAdExRecurrent`` and ``norse.LSNNRecurrent``
take inputs ``(T, *batch, n_in)`` and have neurons ``(*batch, n_out)``; every
step adds the current jump

.. math::

    J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top,

evaluated, as the models do, as ``(i + X_t W_in^T) + z_{t-1} W_rec^T``
(LIF, LIFAdEx: before the update; LSNN: ``(i* + X_t W_in^T) + z_{t-1} W_rec^T``
after it).  The recurrent term couples all neurons of a batch row at every
step, so these kernels differ from the element-wise ones of :mod:`.cpu`:

Forward
-------
* The input projection :math:`P_t = X_t W_\text{in}^\top` has no recurrence:
  it is computed with NumPy (one BLAS GEMM, ``x @ input_weights.T``, as the
  model writes it) for a segment of ``G`` steps at once, the segments
  aligned to absolute time (``t = 0, G, 2G, ...``, ``G`` from the number of
  neurons only: :func:`gemm_steps`).  The segments do not depend on
  ``chunk_steps`` or the thread count, so chunked runs are bitwise equal to
  unchunked ones.
* The recurrent product is computed in the kernel at every step from the
  previous step's spikes: :math:`R_{t,j} = \sum_k z_{t-1,k} W_\text{rec}[j, k]`,
  summed over the *non-zero* :math:`z_{t-1,k}` in increasing ``k``, starting
  from 0.0 (the spikes are 0/1, so a step costs (number of spikes) x
  ``n_out`` additions, over a contiguous row of :math:`W_\text{rec}^\top`).
  Zero terms are skipped: they change only the sign of an exactly-zero sum.
* The neuron update is the model file's own element-wise function
  (:func:`~refneuron.models.norse.lif.lif_update`,
  :func:`~refneuron.models.norse.lif_adex.lif_adex_update`,
  :func:`~refneuron.models.norse.lsnn.lsnn_update`), as in :mod:`.cpu`.
* Parallel over batch rows (``prange``, the time loop inside) when there are
  at least as many rows as threads, or the rows are small (:func:`layout`);
  otherwise the time loop is outside and
  each step runs ``prange`` over blocks of neurons of every row (one parallel
  region per step: all of a row's spikes of step ``t - 1`` are needed at
  step ``t``).  Every neuron's value is the same sequence of scalar
  operations either way, so results do not depend on the thread count or
  the block size.
* Records, ``spike_dtype``, ``out=``, ``record=``, ``chunk_steps`` and the
  per-block non-finite detection into ``bad (2, N)`` follow :mod:`.cpu`
  (records not kept are ``(T, 0)`` arrays).

Agreement with the NumPy reference.  The reference evaluates both products
per step with BLAS (``x_t @ W_in.T`` with ``batch`` rows, a GEMV for
``batch = ()``; ``z @ W_rec.T``).  BLAS kernels may split and reorder the
sum over ``k`` (blocked accumulators, fused multiply-adds), while the kernel
here sums in index order and the input GEMM has ``G`` times more rows: the
two agree up to the order of a sum of ``n`` terms, a relative difference of
at most about :math:`n\,\epsilon` of :math:`\sum_k |x_k w_k|`
(:math:`\epsilon = 2^{-53}`), usually 0 or a few ulp.  The states then
differ at round-off level (the decays damp it; ``exp`` in LIFAdEx adds its
own ulp), and a spike could flip only where the membrane lands within that
round-off of the threshold.  ``tests/backends/test_recurrent.py`` states
the bounds and records the measured differences.

Backward (:func:`vjp`)
----------------------
The forward above runs first with the tape (the state before each step,
``(n_states, T + 1, N)``) and, for LIF and LIFAdEx, the current after the
jump :math:`I^*` of every step.  The reverse kernel then runs per step
``t = T-1 ... 0``, per row: (1) each neuron's element-wise adjoint from the
model file (``lif_update_adjoint``, ``lif_adex_update_adjoint``,
``lsnn_update_adjoint``; surrogate derivatives of :mod:`._backward`), giving
:math:`\bar J_t`, stored ``(T, N)``; (2) the gradient reaching the previous
spikes, :math:`\bar z_{t-1} = \bar J_t W_\text{rec}`, summed over ``j`` in
increasing order (all of the row's :math:`\bar J_t` are needed first: a
second parallel loop).  After the kernel, NumPy GEMMs give
:math:`\bar X_t = \bar J_t W_\text{in}` and the weight gradients
:math:`\sum_t \bar J_t^\top X_t`, :math:`\sum_t \bar J_t^\top z_{t-1}`
(diagonal zero without autapses), exact up to the summation order (the
reference sums per step with ``einsum`` and adds the steps in reverse
time).  Per-neuron parameter gradients are summed in reverse time order and
reduced after the loop, as in :mod:`.cpu_vjp`.  Surrogates: the compiled
ones (:func:`._backward.surrogate_args`: norse ``super`` and ``heaviside``);
the others are refused with the reason.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _checks
from ..errors import BackendUnavailable
from ..models.norse._common import spike_gt
from ..models.norse.lif import lif_decay, lif_decay_adjoint_parts, lif_update, lif_update_adjoint
from ..models.norse.lif_adex import (
    adaptation_adjoint_parts,
    adex_dv,
    adex_dv_adjoint_parts,
    adex_dv_of_exp,
    adex_exp,
    lif_adex_decay,
    lif_adex_decay_of_exp,
    lif_adex_update,
    lif_adex_update_adjoint,
    lif_adex_update_and_exp,
)
from ..models.norse.lsnn import lsnn_decay, lsnn_update, lsnn_update_adjoint
from ._backward import BACKWARD_FUNCTIONS, surrogate_slope
from ._jit import NJIT_OPTIONS, at, call_kernel, jitable_cpu, key_caches_to_sources, numba_or_raise, spikes_as_uint8

numba = numba_or_raise("cpu")
from numba import njit, prange  # noqa: E402

#: the models' element-wise functions the kernels call (registered for numba)
MODEL_FUNCTIONS = (
    spike_gt, lif_update, lif_decay, lif_decay_adjoint_parts, lif_update_adjoint, adex_exp, adex_dv_of_exp, adex_dv,
    lif_adex_update_and_exp, lif_adex_update, lif_adex_decay, lif_adex_decay_of_exp, adex_dv_adjoint_parts,
    adaptation_adjoint_parts, lif_adex_update_adjoint, lsnn_update, lsnn_decay, lsnn_update_adjoint,
)  # fmt: skip
jitable_cpu(*MODEL_FUNCTIONS, *BACKWARD_FUNCTIONS, surrogate_slope)

_PAR = dict(NJIT_OPTIONS, parallel=True)

#: kernel base names of the recurrent models
KERNELS = {"norse.LIFRecurrent": "lif", "norse.LIFAdExRecurrent": "lif_adex", "norse.LSNNRecurrent": "lsnn"}


# ---------------------------------------------------------------------------------------
# shared pieces


@njit(**NJIT_OPTIONS)
def recurrent_input(zp, WT, lo, hi, acc):
    """``acc[q] = sum_k zp[k] * WT[k, lo + q]`` over the non-zero ``zp[k]`` in
    increasing ``k`` (``WT`` is ``recurrent_weights.T``, contiguous)."""
    n = hi - lo
    for q in range(n):
        acc[q] = 0.0
    for k in range(WT.shape[0]):
        zk = zp[k]
        if zk != 0.0:
            w = WT[k, lo:hi]
            for q in range(n):
                acc[q] += zk * w[q]


@njit(**NJIT_OPTIONS)
def spike_gradient(gJ_row, W, klo, khi, out):
    """``out[q] = sum_j gJ_row[j] * W[j, klo + q]`` in increasing ``j`` (the
    gradient reaching the previous spikes, :math:`\\bar J W_\\text{rec}`)."""
    n = khi - klo
    for q in range(n):
        out[q] = 0.0
    for j in range(W.shape[0]):
        g = gJ_row[j]
        w = W[j, klo:khi]
        for q in range(n):
            out[q] += g * w[q]


@njit(**NJIT_OPTIONS)
def _flag_nonfinite(bad, base, n, step, a1, a2, a3):
    """Record ``step`` for the neurons of ``base:base+n`` whose state just became
    non-finite; the variable index counts ``z`` as 0 (spikes are always finite)."""
    for q in range(n):
        if bad[0, base + q] < 0:
            if not math.isfinite(a1[q]):
                bad[0, base + q] = step
                bad[1, base + q] = 1
            elif not math.isfinite(a2[q]):
                bad[0, base + q] = step
                bad[1, base + q] = 2
            elif not math.isfinite(a3[q]):
                bad[0, base + q] = step
                bad[1, base + q] = 3


# ---------------------------------------------------------------------------------------
# per-neuron bodies, shared by the CPU kernels below and the CUDA kernels of
# :mod:`.cuda_recurrent` (registered for both: one definition of each neuron's scalar
# sequence).  Forward: neuron ``j`` at step ``t`` of ``P`` (T, N), with ``rec`` its
# recurrent input sum_k z_{t-1,k} W_rec[j, k]; the state ``S`` (n_states, N) is
# updated in place, ``out``, the traces and ``tr_j`` written when they have columns
# (``(T, 0)`` or ``(0, 0)`` for none); returns the new state.  Backward: the
# element-wise adjoint of neuron ``j`` at step ``t``, with ``gz_rec`` the gradient
# reaching its spike z_t through the next step's jump; ``c`` (n_states, N) carries
# the state gradients, ``gJ`` (T, N) receives dL/dJ_t, ``acc`` (n_params, N) the
# per-neuron parameter sums; upstream gradients ``(T, 0)`` or ``(0, 0)`` for none.


def _up(u, t, j):
    """Upstream gradient ``u[t, j]``, 0.0 when ``u`` has no columns (none given)."""
    return u[t, j] if u.shape[1] > 0 else 0.0


def lif_neuron(t, j, rec, P, S, out, tr_z, tr_v, tr_i, tr_j, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    """One forward step of a ``norse.LIFRecurrent`` neuron: ``(z, v, i)``."""
    i_jump = (S[2, j] + P[t, j]) + rec
    z, v, i = lif_update(
        S[1, j], i_jump, at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), dt
    )
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    if out.shape[1] > 0:
        out[t, j] = z
    if tr_z.shape[1] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
    if tr_j.shape[1] > 0:
        tr_j[t, j] = i_jump
    return z, v, i


def lif_adex_neuron(
    t, j, rec, P, S, out, tr_z, tr_v, tr_i, tr_a, tr_j,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    """One forward step of a ``norse.LIFAdExRecurrent`` neuron: ``(z, v, i, a)``."""
    i_jump = (S[2, j] + P[t, j]) + rec
    z, v, i, a = lif_adex_update(
        S[1, j], i_jump, S[3, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j),
        at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt,
    )  # fmt: skip
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    S[3, j] = a
    if out.shape[1] > 0:
        out[t, j] = z
    if tr_z.shape[1] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
        tr_a[t, j] = a
    if tr_j.shape[1] > 0:
        tr_j[t, j] = i_jump
    return z, v, i, a


def lsnn_neuron(
    t, j, rec, P, S, out, tr_z, tr_v, tr_i, tr_b,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
):  # fmt: skip
    """One forward step of a ``norse.LSNNRecurrent`` neuron (the jump added after
    the update): ``(z, v, i, b)``."""
    z, v, i_decayed, bb = lsnn_update(
        S[1, j], S[2, j], S[3, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j), at(v_leak, j),
        at(v_th, j), at(v_reset, j), at(beta, j), dt,
    )  # fmt: skip
    i = (i_decayed + P[t, j]) + rec
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    S[3, j] = bb
    if out.shape[1] > 0:
        out[t, j] = z
    if tr_z.shape[1] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
        tr_b[t, j] = bb
    return z, v, i, bb


def lif_back_neuron(
    t, j, gz_rec, tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    """The reverse step ``t`` of a ``norse.LIFRecurrent`` neuron ``j``."""
    gz = _up(gy, t, j) + (gz_rec + _up(gz_up, t, j))
    gv = c[1, j] + _up(gv_up, t, j)
    gi = c[2, j] + _up(gi_up, t, j)
    v = tape[1, t, j]
    i_jump = Jt[t, j]
    tsi, tmi, vl, vth, vr = at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j)
    v_decayed, _ = lif_decay(v, i_jump, tsi, tmi, vl, dt)
    u = v_decayed - vth
    z_r = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    g_v, g_jump, g_tm, g_vl, g_ts, g_vth, g_vr = lif_update_adjoint(
        v, i_jump, v_decayed, z_r, sigma, gz, gv, gi, tsi, tmi, vl, vr, dt, True
    )  # lif_step detaches the reset's spike
    c[1, j] = g_v
    c[2, j] = g_jump
    gJ[t, j] = g_jump
    acc[0, j] += g_tm
    acc[1, j] += g_vl
    acc[2, j] += g_ts
    acc[3, j] += g_vth
    acc[4, j] += g_vr


def lif_adex_back_neuron(
    t, j, gz_rec, tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    sg, sp0, sp1,
):  # fmt: skip
    """The reverse step ``t`` of a ``norse.LIFAdExRecurrent`` neuron ``j``."""
    gz = _up(gy, t, j) + (gz_rec + _up(gz_up, t, j))
    gv = c[1, j] + _up(gv_up, t, j)
    gi = c[2, j] + _up(gi_up, t, j)
    ga = c[3, j] + _up(ga_up, t, j)
    v = tape[1, t, j]
    a = tape[3, t, j]
    i_jump = Jt[t, j]
    tsi, tmi, tai = at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j)
    vl, vth, vr, dT = at(v_leak, j), at(v_th, j), at(v_reset, j), at(delta_T, j)
    kappa, bump = at(adaptation_current, j), at(adaptation_spike, j)
    v_decayed, _, _ = lif_adex_decay(v, i_jump, a, tsi, tmi, tai, vl, vth, dT, kappa, dt)
    u = v_decayed - vth
    z = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    r = lif_adex_update_adjoint(
        v, i_jump, a, adex_exp(v, vth, dT), v_decayed, z, sigma, gz, gv, gi, ga, tsi, tmi, tai, vl, vth, vr, dT,
        kappa, bump, dt,
    )  # fmt: skip
    c[1, j] = r[0]
    c[2, j] = r[1]
    c[3, j] = r[2]
    gJ[t, j] = r[1]
    acc[0, j] += r[3]
    acc[1, j] += r[4]
    acc[2, j] += r[5]
    acc[3, j] += r[6]
    acc[4, j] += r[7]
    acc[5, j] += r[8]
    acc[6, j] += r[9]
    acc[7, j] += r[10]
    acc[8, j] += r[11]


def lsnn_back_neuron(
    t, j, gz_rec, tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    """The reverse step ``t`` of a ``norse.LSNNRecurrent`` neuron ``j``."""
    gz = _up(gy, t, j) + (gz_rec + _up(gz_up, t, j))
    gv = c[1, j] + _up(gv_up, t, j)
    gi = c[2, j] + _up(gi_up, t, j)
    gb = c[3, j] + _up(gb_up, t, j)
    v = tape[1, t, j]
    i = tape[2, t, j]
    bb = tape[3, t, j]
    tsi, tmi, tbi = at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j)
    vl, vth, vr, be = at(v_leak, j), at(v_th, j), at(v_reset, j), at(beta, j)
    v_decayed, _, b_decayed = lsnn_decay(v, i, bb, tsi, tmi, tbi, vl, vth, dt)
    u = v_decayed - b_decayed
    z_r = spike_gt(u)
    sigma = surrogate_slope(sg, u, sp0, sp1)
    r = lsnn_update_adjoint(
        v, i, bb, v_decayed, z_r, sigma, gz, gv, gi, gb, tsi, tmi, tbi, vl, vth, vr, be, dt, True
    )  # lsnn_step detaches the reset's and the threshold jump's spike
    c[1, j] = r[0]
    c[2, j] = r[1]
    c[3, j] = r[2]
    gJ[t, j] = gi  # J is added after the update: its gradient is that of the stored current
    acc[0, j] += r[3]
    acc[1, j] += r[4]
    acc[2, j] += r[5]
    acc[3, j] += r[6]
    acc[4, j] += r[7]
    acc[5, j] += r[8]
    acc[6, j] += r[9]


NEURON_FUNCTIONS = (
    _up, lif_neuron, lif_adex_neuron, lsnn_neuron, lif_back_neuron, lif_adex_back_neuron, lsnn_back_neuron,
)  # fmt: skip
jitable_cpu(*NEURON_FUNCTIONS)


# ---------------------------------------------------------------------------------------
# forward: one step of neurons lo:hi of row b (``zp``: that row's spikes of step t - 1)


@njit(**NJIT_OPTIONS)
def lif_span(
    b, lo, hi, t, t_abs, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_j, bad, acc,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
):  # fmt: skip
    recurrent_input(zp, WT, lo, hi, acc)
    n = hi - lo
    base = b * WT.shape[0] + lo
    fin = False
    for q in range(n):
        _, v, i = lif_neuron(
            t, base + q, acc[q], P, S, out, tr_z, tr_v, tr_i, tr_j,
            tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
        )  # fmt: skip
        fin |= ((v - v) + (i - i)) != 0.0
    if fin:  # rare: find which neurons became non-finite at this step
        _flag_nonfinite(bad, base, n, t_abs + t, S[1, base : base + n], S[2, base : base + n], S[2, base : base + n])


@njit(**NJIT_OPTIONS)
def lif_adex_span(
    b, lo, hi, t, t_abs, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_a, tr_j, bad, acc,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    recurrent_input(zp, WT, lo, hi, acc)
    n = hi - lo
    base = b * WT.shape[0] + lo
    fin = False
    for q in range(n):
        _, v, i, a = lif_adex_neuron(
            t, base + q, acc[q], P, S, out, tr_z, tr_v, tr_i, tr_a, tr_j,
            tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
            adaptation_spike, dt,
        )  # fmt: skip
        fin |= ((v - v) + (i - i) + (a - a)) != 0.0
    if fin:  # rare: find which neurons became non-finite at this step
        _flag_nonfinite(bad, base, n, t_abs + t, S[1, base : base + n], S[2, base : base + n], S[3, base : base + n])


@njit(**NJIT_OPTIONS)
def lsnn_span(
    b, lo, hi, t, t_abs, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_b, tr_j, bad, acc,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
):  # fmt: skip
    recurrent_input(zp, WT, lo, hi, acc)
    n = hi - lo
    base = b * WT.shape[0] + lo
    fin = False
    for q in range(n):
        _, v, i, bb = lsnn_neuron(
            t, base + q, acc[q], P, S, out, tr_z, tr_v, tr_i, tr_b,
            tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
        )  # fmt: skip
        fin |= ((v - v) + (i - i) + (bb - bb)) != 0.0
    if fin:  # rare: find which neurons became non-finite at this step
        _flag_nonfinite(bad, base, n, t_abs + t, S[1, base : base + n], S[2, base : base + n], S[3, base : base + n])


# ---------------------------------------------------------------------------------------
# forward kernels.  Arguments: P (T, N) the input projection of this chunk; WT
# (n_out, n_out) = recurrent_weights.T; S (n_states, N) the state, updated in
# place; out (T, N) / (T, 0); one trace per state; tr_j (T, N) / (T, 0): the
# current after the jump (kept for the backward pass); bad (2, N); t0; the number
# of batch rows; block (neurons per block when parallel over neurons); by_rows;
# then the model's parameters.


@njit(**_PAR)
def lif(
    P, WT, S, out, tr_z, tr_v, tr_i, tr_j, bad, t0, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
):  # fmt: skip
    T = P.shape[0]
    n_out = WT.shape[0]
    if by_rows:
        for b in prange(n_rows):
            acc = np.empty(n_out)
            zp = S[0, b * n_out : (b + 1) * n_out]  # read whole before this row's step writes it
            for t in range(T):
                lif_span(
                    b, 0, n_out, t, t0, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
                )  # fmt: skip
    else:
        nb = (n_out + block - 1) // block
        zp = np.empty((n_rows, n_out))
        for t in range(T):
            for b in range(n_rows):
                zp[b] = S[0, b * n_out : (b + 1) * n_out]
            for w in prange(n_rows * nb):
                b = w // nb
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                acc = np.empty(hi - lo)
                lif_span(
                    b, lo, hi, t, t0, P, WT, zp[b], S, out, tr_z, tr_v, tr_i, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
                )  # fmt: skip


@njit(**_PAR)
def lif_adex(
    P, WT, S, out, tr_z, tr_v, tr_i, tr_a, tr_j, bad, t0, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    T = P.shape[0]
    n_out = WT.shape[0]
    if by_rows:
        for b in prange(n_rows):
            acc = np.empty(n_out)
            zp = S[0, b * n_out : (b + 1) * n_out]
            for t in range(T):
                lif_adex_span(
                    b, 0, n_out, t, t0, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_a, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
                    adaptation_spike, dt,
                )  # fmt: skip
    else:
        nb = (n_out + block - 1) // block
        zp = np.empty((n_rows, n_out))
        for t in range(T):
            for b in range(n_rows):
                zp[b] = S[0, b * n_out : (b + 1) * n_out]
            for w in prange(n_rows * nb):
                b = w // nb
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                acc = np.empty(hi - lo)
                lif_adex_span(
                    b, lo, hi, t, t0, P, WT, zp[b], S, out, tr_z, tr_v, tr_i, tr_a, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
                    adaptation_spike, dt,
                )  # fmt: skip


@njit(**_PAR)
def lsnn(
    P, WT, S, out, tr_z, tr_v, tr_i, tr_b, tr_j, bad, t0, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
):  # fmt: skip
    T = P.shape[0]
    n_out = WT.shape[0]
    if by_rows:
        for b in prange(n_rows):
            acc = np.empty(n_out)
            zp = S[0, b * n_out : (b + 1) * n_out]
            for t in range(T):
                lsnn_span(
                    b, 0, n_out, t, t0, P, WT, zp, S, out, tr_z, tr_v, tr_i, tr_b, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
                )  # fmt: skip
    else:
        nb = (n_out + block - 1) // block
        zp = np.empty((n_rows, n_out))
        for t in range(T):
            for b in range(n_rows):
                zp[b] = S[0, b * n_out : (b + 1) * n_out]
            for w in prange(n_rows * nb):
                b = w // nb
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                acc = np.empty(hi - lo)
                lsnn_span(
                    b, lo, hi, t, t0, P, WT, zp[b], S, out, tr_z, tr_v, tr_i, tr_b, tr_j, bad, acc,
                    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt,
                )  # fmt: skip


# ---------------------------------------------------------------------------------------
# backward: phase 1 of step t for neurons lo:hi of row b (the element-wise adjoints).
# ``c`` (n_states, N) holds the carried state gradients (c[0]: the spikes', written
# by phase 2 of step t + 1); ``gJ`` (T, N) receives dL/dJ_t; ``acc`` (n_params, N)
# the per-neuron parameter sums.  ``ups`` are the upstream gradients, (T, 0) for none.
# The c[0, j] passed to the neuron body is the spike's gradient from step t + 1.


@njit(**NJIT_OPTIONS)
def lif_back_span(
    base, n, t, tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    for q in range(n):
        j = base + q
        lif_back_neuron(
            t, j, c[0, j], tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
            tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
        )  # fmt: skip


@njit(**NJIT_OPTIONS)
def lif_adex_back_span(
    base, n, t, tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    sg, sp0, sp1,
):  # fmt: skip
    for q in range(n):
        j = base + q
        lif_adex_back_neuron(
            t, j, c[0, j], tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
            tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
            adaptation_spike, dt, sg, sp0, sp1,
        )  # fmt: skip


@njit(**NJIT_OPTIONS)
def lsnn_back_span(
    base, n, t, tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    for q in range(n):
        j = base + q
        lsnn_back_neuron(
            t, j, c[0, j], tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
            tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------
# backward kernels.  Arguments: tape (n_states, T + 1, N); Jt (T, N) the current after
# the jump (LIF, LIFAdEx; (T, 0) for LSNN); W (n_out, n_out) = recurrent_weights; gy
# and one upstream per state ((T, 0) for none); c (n_states, N) zeros, the carried
# state gradients (the initial-state gradients at the end); gJ (T, N); acc (n_params,
# N) zeros; rows, block, by_rows; the model's parameters; the surrogate (code, p0, p1).


@njit(**_PAR)
def lif_back(
    tape, Jt, W, gy, gz_up, gv_up, gi_up, c, gJ, acc, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    T = gJ.shape[0]
    n_out = W.shape[0]
    if by_rows:
        for b in prange(n_rows):
            base = b * n_out
            for t in range(T - 1, -1, -1):
                lif_back_span(
                    base, n_out, t, tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
                )  # fmt: skip
                spike_gradient(gJ[t, base : base + n_out], W, 0, n_out, c[0, base : base + n_out])
    else:
        nb = (n_out + block - 1) // block
        for t in range(T - 1, -1, -1):
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                base = (w // nb) * n_out
                lif_back_span(
                    base + lo, min(block, n_out - lo), t, tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
                )  # fmt: skip
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                base = (w // nb) * n_out
                spike_gradient(gJ[t, base : base + n_out], W, lo, hi, c[0, base + lo : base + hi])


@njit(**_PAR)
def lif_adex_back(
    tape, Jt, W, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    sg, sp0, sp1,
):  # fmt: skip
    T = gJ.shape[0]
    n_out = W.shape[0]
    if by_rows:
        for b in prange(n_rows):
            base = b * n_out
            for t in range(T - 1, -1, -1):
                lif_adex_back_span(
                    base, n_out, t, tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
                    adaptation_spike, dt, sg, sp0, sp1,
                )  # fmt: skip
                spike_gradient(gJ[t, base : base + n_out], W, 0, n_out, c[0, base : base + n_out])
    else:
        nb = (n_out + block - 1) // block
        for t in range(T - 1, -1, -1):
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                base = (w // nb) * n_out
                lif_adex_back_span(
                    base + lo, min(block, n_out - lo), t, tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current,
                    adaptation_spike, dt, sg, sp0, sp1,
                )  # fmt: skip
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                base = (w // nb) * n_out
                spike_gradient(gJ[t, base : base + n_out], W, lo, hi, c[0, base + lo : base + hi])


@njit(**_PAR)
def lsnn_back(
    tape, Jt, W, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc, n_rows, block, by_rows,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    T = gJ.shape[0]
    n_out = W.shape[0]
    if by_rows:
        for b in prange(n_rows):
            base = b * n_out
            for t in range(T - 1, -1, -1):
                lsnn_back_span(
                    base, n_out, t, tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
                )  # fmt: skip
                spike_gradient(gJ[t, base : base + n_out], W, 0, n_out, c[0, base : base + n_out])
    else:
        nb = (n_out + block - 1) // block
        for t in range(T - 1, -1, -1):
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                base = (w // nb) * n_out
                lsnn_back_span(
                    base + lo, min(block, n_out - lo), t, tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
                    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
                )  # fmt: skip
            for w in prange(n_rows * nb):
                lo = (w % nb) * block
                hi = min(lo + block, n_out)
                base = (w // nb) * n_out
                spike_gradient(gJ[t, base : base + n_out], W, lo, hi, c[0, base + lo : base + hi])


# ---------------------------------------------------------------------------------------
# drivers

_NONE2 = np.empty((0, 0))


def gemm_steps(n_neurons):
    """Steps per input-projection GEMM: about 4 Mi values (32 MiB) of ``P`` at a
    time, at most 256 steps.  Depends on the number of neurons only (never on
    ``chunk_steps`` or the threads), so every run of the same shape computes
    the same GEMMs."""
    return int(max(1, min(256, (1 << 22) // max(1, n_neurons))))


#: per-step work (``n_out**2``, the recurrent product of one row at full
#: activity) below which one thread runs the whole of a row: the parallel
#: region per step of the neuron-block layout costs more than it saves there
#: (measured, 2 busy cores, one row of 1024 neurons, T = 300: ~0.04 s on one
#: thread against ~0.3 s over neuron blocks on two)
NEURON_PARALLEL_WORK = 1 << 21


def layout(n_rows, n_out, threads=None):
    """``(by_rows, block)``: parallel over rows when there are at least as many
    rows as threads or a row is small (:data:`NEURON_PARALLEL_WORK`), else over
    blocks of neurons (about ``n_out / (2 threads)``, at least 16, so each
    thread gets a couple of blocks per row).  The layout never changes the
    results (each neuron's arithmetic is the same scalar sequence)."""
    threads = numba.get_num_threads() if threads is None else threads
    block = int(max(16, -(-n_out // (2 * threads))))
    return n_rows >= threads or n_out * n_out < NEURON_PARALLEL_WORK, block


def _shape(model, neuron_shape):
    """``(n_out, n_in, neurons, batch rows)``; any of them may be 0."""
    n_out, n_in = model.input_weights.shape
    n = int(np.prod(neuron_shape, dtype=np.int64))
    return n_out, n_in, n, int(np.prod(neuron_shape[:-1], dtype=np.int64))


def _records(a, T):
    return a if a is not None else np.empty((T, 0))


def input_projection(model, x3, t0, t1):
    """``X_t W_in^T`` for steps ``t0:t1`` as ``(t1 - t0, rows * n_out)`` (one GEMM)."""
    _, rows, n_in = x3.shape  # explicit shapes: -1 is ambiguous for 0 neurons or inputs
    p = np.reshape(x3[t0:t1], ((t1 - t0) * rows, n_in)) @ model.input_weights.T
    return np.ascontiguousarray(p).reshape(t1 - t0, rows * model.input_weights.shape[0])


def run_cpu(model, spec, x, state, output, traces, chunk, neuron_shape):
    """``simulate._run_cpu`` for the recurrent models: ``(final state, nonfinite)``.

    The input projection is computed per GEMM segment (:func:`gemm_steps`,
    aligned to absolute time); the kernel is called per piece of a segment
    between ``chunk_steps`` boundaries, carrying the state in ``S``.
    """
    from ..simulate import flat_state, nonfinite_from_bad, state_from_flat

    T = x.shape[0]
    n_out, n_in, n, rows = _shape(model, neuron_shape)
    names = model.State.names()
    kernel = globals()[KERNELS[model.name]]
    x3 = np.reshape(x, (T, rows, n_in))
    WT = np.ascontiguousarray(model.recurrent_weights.T)
    S = flat_state(model, state, n)
    bad = np.full((2, n), -1, dtype=np.int64)
    params = spec.params(model, neuron_shape)
    by_rows, block = layout(rows, n_out)
    out2 = output.reshape(T, n) if output is not None else None
    tr2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else None
    G = gemm_steps(n)
    _checks.check_memory(8 * min(G, T) * n, f"input projection of {model.name} ({min(G, T)} steps, {n} neurons)")
    for s0 in range(0, T, G):
        s1 = min(s0 + G, T)
        P = input_projection(model, x3, s0, s1)
        t = s0
        while t < s1:
            e = min(s1, (t // chunk + 1) * chunk)
            o = spikes_as_uint8(out2[t:e]) if out2 is not None else np.empty((e - t, 0), dtype=np.float64)
            trs = [a[t:e] for a in tr2] if tr2 is not None else [np.empty((e - t, 0))] * len(names)
            call_kernel(
                kernel, P[t - s0 : e - s0], WT, S, o, *trs, np.empty((e - t, 0)), bad, np.int64(t),
                np.int64(rows), np.int64(block), by_rows, *params,
            )  # fmt: skip
            t = e
    return state_from_flat(model, S, neuron_shape), nonfinite_from_bad(bad, names, neuron_shape)


#: per-neuron parameter gradients of each backward kernel, in the order of the
#: model's ``_vjp_step`` dictionary (the weight gradients follow)
GRAD_NAMES = {
    "norse.LIFRecurrent": ("tau_mem_inv", "v_leak", "tau_syn_inv", "v_th", "v_reset"),
    "norse.LIFAdExRecurrent": (
        "tau_mem_inv", "v_leak", "v_th", "delta_T", "tau_ada_inv", "adaptation_current", "tau_syn_inv", "v_reset",
        "adaptation_spike",
    ),  # fmt: skip
    "norse.LSNNRecurrent": ("tau_mem_inv", "tau_syn_inv", "tau_adapt_inv", "v_leak", "v_th", "v_reset", "beta"),
}


def vjp(model, x, neuron_shape, s0, g_out, g_states, backend):
    """``gradients.vjp(..., backend=...)`` for the recurrent models: a
    :class:`~refneuron.gradients.Gradients` of the same structure as the NumPy
    backend's (input gradient ``(T, *batch, n_in)``, initial-state gradients,
    per-neuron parameters reduced to their shapes, ``input_weights`` and
    ``recurrent_weights`` gradients).  ``forward.output`` is uint8 (0/1
    spikes) and ``forward.states`` are views of the tape, as for the other
    compiled backward passes."""
    from ..simulate import flat_state
    from .vjp import kernel_args

    _, params = kernel_args(model, backend, neuron_shape)  # refusals: smoothed, surrogate, ...
    if backend != "cpu":
        from . import cuda_recurrent

        cuda_recurrent.no_backward(model)  # raises BackendUnavailable with the reason
    T = x.shape[0]
    n_out, n_in, n, rows = _shape(model, neuron_shape)
    if n == 0:
        return gradients_without_neurons(model, x, neuron_shape)
    names = model.State.names()
    ns = len(names)
    kind = KERNELS[model.name]
    grads = GRAD_NAMES[model.name]
    keeps_jump = kind != "lsnn"
    fresh = 8 * T * n * (ns + 2 + (1 if keeps_jump else 0)) + T * n
    _checks.check_memory(fresh, f"backward pass of {model.name} with T={T}, {n} neurons")
    # forward, keeping the tape (state before every step) and the current after the jump
    x3 = np.reshape(x, (T, rows, n_in))
    P = input_projection(model, x3, 0, T)  # one GEMM: no chunks here
    tape = np.empty((ns, T + 1, n))
    tape[:, 0, :] = flat_state(model, s0, n)
    S = tape[:, 0, :].copy()
    out = np.empty((T, n), dtype=np.uint8)
    Jt = np.empty((T, n)) if keeps_jump else np.empty((T, 0))
    bad = np.full((2, n), -1, dtype=np.int64)
    WT = np.ascontiguousarray(model.recurrent_weights.T)
    by_rows, block = layout(rows, n_out)
    fwd_params = params[:-3]
    call_kernel(
        globals()[kind], P, WT, S, out, *(tape[k, 1:] for k in range(ns)), Jt, bad, np.int64(0), np.int64(rows),
        np.int64(block), by_rows, *fwd_params,
    )  # fmt: skip
    del P
    # reverse loop
    gy = np.empty((T, 0)) if g_out is None else np.ascontiguousarray(g_out).reshape(T, n)
    gups = [np.empty((T, 0)) if g_states[nm] is None else np.ascontiguousarray(g_states[nm]).reshape(T, n) for nm in names]
    W = np.ascontiguousarray(model.recurrent_weights)
    c = np.zeros((ns, n))
    gJ = np.zeros((T, n))
    acc = np.zeros((len(grads), n))
    call_kernel(
        globals()[kind + "_back"], tape, Jt, W, gy, *gups, c, gJ, acc, np.int64(rows), np.int64(block), by_rows,
        *params,
    )  # fmt: skip
    return gradients_from_tape(model, x, neuron_shape, tape, out, gJ, c, acc)


def gradients_without_neurons(model, x, neuron_shape):
    """:func:`gradients_from_tape` for a run without neurons (a batch of 0 or
    ``n_out = 0``): the empty tape and records a kernel would leave, without
    calling one (shared by :func:`vjp` and :func:`.cuda_recurrent.vjp`)."""
    T, ns = x.shape[0], len(model.State.names())
    return gradients_from_tape(
        model, x, neuron_shape, np.zeros((ns, T + 1, 0)), np.zeros((T, 0), dtype=np.uint8), np.zeros((T, 0)),
        np.zeros((ns, 0)), np.zeros((len(GRAD_NAMES[model.name]), 0)),
    )  # fmt: skip


def gradients_from_tape(model, x, neuron_shape, tape, out, gJ, c, acc):
    """The :class:`~refneuron.gradients.Gradients` of a recurrent model from the
    host results of a reverse pass (shared by :func:`vjp` and the CUDA driver
    :func:`.cuda_recurrent.vjp`): ``tape (n_states, T + 1, N)``, ``out (T, N)``
    uint8, ``gJ (T, N)`` = dL/dJ_t, ``c (n_states, N)`` the initial-state
    gradients and ``acc (n_params, N)`` the per-neuron parameter sums.  The
    matrix products of the jump's adjoint are NumPy GEMMs over all steps at
    once: :math:`\\bar X = \\bar J W_\\text{in}`, :math:`\\bar W_\\text{in} =
    \\sum_t \\bar J_t^\\top X_t`, :math:`\\bar W_\\text{rec} = \\sum_t \\bar J_t^\\top
    z_{t-1}` (diagonal zero without autapses)."""
    from ..gradients import Gradients, _first_nonfinite, _reduce_to
    from ..simulate import RunResult, state_from_flat

    T = x.shape[0]
    n_out, n_in, n, rows = _shape(model, neuron_shape)
    names = model.State.names()
    grads = GRAD_NAMES[model.name]
    x3 = np.reshape(x, (T, rows, n_in))
    # the matrix products of the jump's adjoint, over all steps at once
    gJ2 = gJ.reshape(T * rows, n_out)
    x2 = np.reshape(x3, (T * rows, n_in))
    g_x = (gJ2 @ model.input_weights).reshape(x.shape)
    g_w_in = gJ2.T @ x2
    g_w_rec = gJ2.T @ tape[0, :T].reshape(T * rows, n_out)
    if not model.autapses:
        np.fill_diagonal(g_w_rec, 0.0)
    shape = (T, *neuron_shape)
    states = {nm: tape[k, 1:].reshape(shape) for k, nm in enumerate(names)}
    final = state_from_flat(model, tape[:, T], neuron_shape)
    fwd = RunResult(
        output=out.reshape(shape), states=states, final_state=final, nonfinite=_first_nonfinite(states, names)
    )
    pgrads = {k: _reduce_to(acc[i].reshape(neuron_shape), getattr(model, k)) for i, k in enumerate(grads)}
    pgrads["input_weights"] = g_w_in
    pgrads["recurrent_weights"] = g_w_rec
    init = {nm: c[k].reshape(neuron_shape).copy() for k, nm in enumerate(names)}
    return Gradients(inputs=g_x, initial_state=init, params=pgrads, forward=fwd)


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
