r"""Numba-CUDA forward kernels for the recurrent norse models.

``norse.LIFRecurrent``, ``norse.LIFAdExRecurrent`` and ``norse.LSNNRecurrent``
(inputs ``(T, *batch, n_in)``, neurons ``(*batch, n_out)``, current jump
:math:`J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`; see
:mod:`.recurrent` for the CPU kernels and the equations).

* The input projection :math:`X_t W_\text{in}^\top` is computed on the host
  with NumPy, exactly as the CPU backend does (:func:`.recurrent.input_projection`,
  the same GEMM segments aligned to absolute time), and copied to the device
  chunk by chunk (``chunk_steps``: only one chunk of it and of the records
  lives on the device).
* One launch per step, one thread per neuron ``(batch row, j)``: the thread
  sums :math:`\sum_k z_{t-1,k} W_\text{rec}[j, k]` over the row's non-zero
  previous spikes in increasing ``k`` (reading ``recurrent_weights.T``, so
  the threads of a warp read neighbouring addresses), adds it as the model
  does (``(i + X W_in^T) + z W_rec^T``; LSNN after its update) and calls
  the model file's element-wise update.  The spikes of step ``t - 1`` and
  ``t`` live in two device rows used alternately (a thread must not
  overwrite a spike another thread still reads).
* Host inputs only; device-array inputs are refused
  (:func:`refneuron.simulate.run`).  No backward kernel: the backward pass
  of these models runs on the CPU (``gradients.vjp(..., backend="cpu")``).

Agreement: under the simulator the kernels run the CPU's scalar sequence
(``tests/backends/test_recurrent.py``: spikes identical, states within
round-off of the NumPy reference).  On a GPU the compiler contracts
``a*b + c`` into fused multiply-adds (exact for the 0/1 spikes times a
weight, not for the neuron update) and libdevice's ``exp`` differs from
NumPy's; not yet measured on a GPU.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import BackendUnavailable
from ..models.norse._common import spike_gt
from ..models.norse.lif import lif_update
from ..models.norse.lif_adex import adex_dv, lif_adex_update
from ..models.norse.lsnn import lsnn_update
from ._jit import at, cuda_or_raise, jitable_cuda

cuda = cuda_or_raise()
jitable_cuda(spike_gt, adex_dv, lif_update, lif_adex_update, lsnn_update)

THREADS_PER_BLOCK = 128

#: kernel names of the recurrent models
KERNELS = {"norse.LIFRecurrent": "lif", "norse.LIFAdExRecurrent": "lif_adex", "norse.LSNNRecurrent": "lsnn"}


@cuda.jit(cache=True)
def lif(P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, bad, t_abs, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    j = cuda.grid(1)
    if j >= S.shape[1]:
        return
    n_out = WT.shape[0]
    base = (j // n_out) * n_out
    jj = j - base
    acc = 0.0
    for k in range(n_out):
        zk = zp[base + k]
        if zk != 0.0:
            acc += zk * WT[k, jj]
    i_jump = (S[2, j] + P[t, j]) + acc
    z, v, i = lif_update(
        S[1, j], i_jump, at(tau_syn_inv, j), at(tau_mem_inv, j), at(v_leak, j), at(v_th, j), at(v_reset, j), dt
    )
    zn[j] = z
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    if out.shape[0] > 0:
        out[t, j] = z
    if tr_z.shape[0] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else 2


@cuda.jit(cache=True)
def lif_adex(
    P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, tr_a, bad, t_abs, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak,
    v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
):  # fmt: skip
    j = cuda.grid(1)
    if j >= S.shape[1]:
        return
    n_out = WT.shape[0]
    base = (j // n_out) * n_out
    jj = j - base
    acc = 0.0
    for k in range(n_out):
        zk = zp[base + k]
        if zk != 0.0:
            acc += zk * WT[k, jj]
    i_jump = (S[2, j] + P[t, j]) + acc
    z, v, i, a = lif_adex_update(
        S[1, j], i_jump, S[3, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_ada_inv, j), at(v_leak, j),
        at(v_th, j), at(v_reset, j), at(delta_T, j), at(adaptation_current, j), at(adaptation_spike, j), dt,
    )  # fmt: skip
    zn[j] = z
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    S[3, j] = a
    if out.shape[0] > 0:
        out[t, j] = z
    if tr_z.shape[0] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
        tr_a[t, j] = a
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(a)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else (2 if not math.isfinite(i) else 3)


@cuda.jit(cache=True)
def lsnn(
    P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, tr_b, bad, t_abs, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak,
    v_th, v_reset, beta, dt,
):  # fmt: skip
    j = cuda.grid(1)
    if j >= S.shape[1]:
        return
    n_out = WT.shape[0]
    base = (j // n_out) * n_out
    jj = j - base
    acc = 0.0
    for k in range(n_out):
        zk = zp[base + k]
        if zk != 0.0:
            acc += zk * WT[k, jj]
    z, v, i_decayed, b = lsnn_update(
        S[1, j], S[2, j], S[3, j], at(tau_syn_inv, j), at(tau_mem_inv, j), at(tau_adapt_inv, j), at(v_leak, j),
        at(v_th, j), at(v_reset, j), at(beta, j), dt,
    )  # fmt: skip
    i = (i_decayed + P[t, j]) + acc
    zn[j] = z
    S[0, j] = z
    S[1, j] = v
    S[2, j] = i
    S[3, j] = b
    if out.shape[0] > 0:
        out[t, j] = z
    if tr_z.shape[0] > 0:
        tr_z[t, j] = z
        tr_v[t, j] = v
        tr_i[t, j] = i
        tr_b[t, j] = b
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(b)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else (2 if not math.isfinite(i) else 3)


def no_backward(model):
    """Raise :class:`BackendUnavailable`: no CUDA backward for the recurrent models."""
    raise BackendUnavailable(
        f"backend: 'cuda' has no backward pass for {model.name} in this version (the recurrent models' "
        "backward kernels run on the CPU); use backend='cpu' or 'numpy'"
    )


def run_host(model, spec, x, state, output, traces, chunk, neuron_shape):
    """Run host inputs on the GPU; records come back to the host arrays.
    Returns ``(final state, nonfinite)`` (``simulate.run``'s cuda branch)."""
    from ..simulate import flat_state, nonfinite_from_bad, state_from_flat
    from .recurrent import gemm_steps, input_projection

    T = x.shape[0]
    n_out, n_in = model.input_weights.shape
    n = int(np.prod(neuron_shape, dtype=np.int64))
    rows = n // n_out
    names = model.State.names()
    kernel = globals()[KERNELS[model.name]]
    x3 = np.reshape(x, (T, rows, n_in))
    S = flat_state(model, state, n)
    d_S = cuda.to_device(S)
    d_z = cuda.to_device(np.stack([S[0], S[0]]))
    d_bad = cuda.to_device(np.full((2, n), -1, dtype=np.int64))
    d_WT = cuda.to_device(np.ascontiguousarray(model.recurrent_weights.T))
    d_params = tuple(cuda.to_device(p) if isinstance(p, np.ndarray) else p for p in spec.params(model, neuron_shape))
    G = gemm_steps(n)
    steps = min(chunk, G, T)
    d_P = cuda.device_array((steps, n), dtype=np.float64)
    d_obuf = cuda.device_array((steps, n), dtype=output.dtype) if output is not None else None
    d_tbufs = [cuda.device_array((steps, n), dtype=np.float64) for _ in names] if traces is not None else None
    empty = cuda.device_array((0, 0), dtype=np.float64)
    out2 = output.reshape(T, n) if output is not None else None
    tr2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else None
    grid = ((n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK, THREADS_PER_BLOCK)
    for s0 in range(0, T, G):
        s1 = min(s0 + G, T)
        P = input_projection(model, x3, s0, s1)
        t = s0
        while t < s1:
            e = min(s1, (t // chunk + 1) * chunk)
            m = e - t
            d_p = d_P[:m]
            d_p.copy_to_device(P[t - s0 : e - s0])
            d_out = d_obuf[:m] if d_obuf is not None else empty
            d_trs = [b[:m] for b in d_tbufs] if d_tbufs is not None else [empty] * len(names)
            for k in range(m):
                par = (t + k) % 2
                kernel[grid](
                    d_p, np.int64(k), d_WT, d_z[par], d_z[1 - par], d_S, d_out, *d_trs, d_bad, np.int64(t + k),
                    *d_params,
                )  # fmt: skip
            if out2 is not None:
                d_out.copy_to_host(out2[t:e])
            if tr2 is not None:
                for b, h in zip(d_trs, tr2):
                    b.copy_to_host(h[t:e])
            t = e
    S = d_S.copy_to_host()
    bad = d_bad.copy_to_host()
    return state_from_flat(model, S, neuron_shape), nonfinite_from_bad(bad, names, neuron_shape)
