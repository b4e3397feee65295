r"""Numba-CUDA kernels for the recurrent norse models, forward and backward.

``norse.LIFRecurrent``, ``norse.LIFAdExRecurrent`` and ``norse.LSNNRecurrent``
(inputs ``(T, *batch, n_in)``, neurons ``(*batch, n_out)``, current jump
:math:`J_t = X_t W_\text{in}^\top + z_{t-1} W_\text{rec}^\top`; see
:mod:`.recurrent` for the CPU kernels and the equations).

Forward (:func:`run_host`)
--------------------------
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
* Device-array inputs (:func:`run_device`) are copied to the host for the
  input projection (the same host GEMM, so the results equal those of the
  same host input to the bit); their records stay on the device.

Backward (:func:`vjp`)
----------------------
The CPU driver's sequence (:func:`.recurrent.vjp`): the input projection as
one host GEMM over all steps; the forward above, one launch per step,
keeping the tape (the state before every step, ``(n_states, T + 1, N)``)
and, for LIF and LIFAdEx, the current after the jump :math:`I^*`; then one
launch per reverse step ``t = T-1 ... 0``, one thread per neuron, which

1. forms the gradient reaching its spike :math:`z_t` from the next step's
   jump, :math:`\bar z_t = \sum_{j'} \bar J_{t+1,j'} W_\text{rec}[j', j]`
   (in increasing ``j'`` from 0.0, as :func:`.recurrent.spike_gradient`;
   0 at ``t = T - 1``), from :math:`\bar J_{t+1}` written by the previous
   launch (so no thread reads a :math:`\bar J` another thread of the same
   launch writes);
2. runs the model file's element-wise adjoint (``lif_update_adjoint``,
   ``lif_adex_update_adjoint``, ``lsnn_update_adjoint``; the surrogate
   derivatives of :mod:`._backward`), storing :math:`\bar J_t` and adding
   the per-neuron parameter gradients in reverse time order;

and a last launch gives the initial spikes' gradient
:math:`\bar z_0 = \bar J_0 W_\text{rec}`.  The input gradient and the two
weight gradients are the CPU driver's NumPy GEMMs on the host
(:func:`.recurrent.gradients_from_tape`).  Surrogates without a compiled
derivative and smoothed models are refused with the reason, as on the CPU.

Agreement: under the simulator the kernels run the CPU's scalar sequence;
``tests/backends/test_recurrent.py`` measures the forward against the NumPy
reference (spikes identical, states within round-off) and the backward
against the CPU backward (spikes identical, every gradient equal to the
last bit for the three models at the sizes tested).  On a GPU the compiler
contracts ``a*b + c`` into fused multiply-adds (exact for the 0/1 spikes
times a weight, not for the neuron update or the sum
:math:`\bar J W_\text{rec}`) and libdevice's ``exp`` differs from the CPU's:
agreement within round-off is expected there, not yet measured on a GPU.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import BackendUnavailable
from ._backward import BACKWARD_FUNCTIONS, surrogate_slope
from ._jit import cuda_or_raise, jitable_cuda, key_caches_to_sources
from .cuda import _grid
from .recurrent import (
    MODEL_FUNCTIONS,
    NEURON_FUNCTIONS,
    lif_adex_back_neuron,
    lif_adex_neuron,
    lif_back_neuron,
    lif_neuron,
    lsnn_back_neuron,
    lsnn_neuron,
)

cuda = cuda_or_raise()
# the functions recurrent.py compiles, the per-neuron bodies of its kernels included
jitable_cuda(*MODEL_FUNCTIONS, *BACKWARD_FUNCTIONS, surrogate_slope, *NEURON_FUNCTIONS)

THREADS_PER_BLOCK = 128

#: kernel names of the recurrent models
KERNELS = {"norse.LIFRecurrent": "lif", "norse.LIFAdExRecurrent": "lif_adex", "norse.LSNNRecurrent": "lsnn"}


@cuda.jit(cache=True)
def lif(
    P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, tr_j, bad, t_abs, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt,
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
    z, v, i = lif_neuron(
        t, j, acc, P, S, out, tr_z, tr_v, tr_i, tr_j, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt
    )
    zn[j] = z
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else 2


@cuda.jit(cache=True)
def lif_adex(
    P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, tr_a, tr_j, bad, t_abs, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak,
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
    z, v, i, a = lif_adex_neuron(
        t, j, acc, P, S, out, tr_z, tr_v, tr_i, tr_a, tr_j, tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th,
        v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    )  # fmt: skip
    zn[j] = z
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(a)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else (2 if not math.isfinite(i) else 3)


@cuda.jit(cache=True)
def lsnn(
    P, t, WT, zp, zn, S, out, tr_z, tr_v, tr_i, tr_b, tr_j, bad, t_abs, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak,
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
    z, v, i, b = lsnn_neuron(
        t, j, acc, P, S, out, tr_z, tr_v, tr_i, tr_b, tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset,
        beta, dt,
    )  # fmt: skip
    zn[j] = z
    if bad[0, j] < 0 and not (math.isfinite(v) and math.isfinite(i) and math.isfinite(b)):
        bad[0, j] = t_abs
        bad[1, j] = 1 if not math.isfinite(v) else (2 if not math.isfinite(i) else 3)


# ---------------------------------------------------------------------------------------
# backward: one launch per reverse step t, one thread per neuron (batch row, j).  The
# thread first forms the gradient reaching its spike z_t from the jump of step t + 1,
# sum_j' dL/dJ_{t+1, j'} W_rec[j', j] (0 at t = T - 1), written by the previous
# launch: that is recurrent.spike_gradient of the CPU kernel's step t + 1, moved to
# the start of step t so that no thread reads dL/dJ_t while another writes it.  Then
# the model's element-wise adjoint, the CPU kernel's own per-neuron body (recurrent.
# lif_back_neuron & co., with that gradient as ``gz_rec``).  ``c`` (n_states,
# N) carries the state gradients (row 0 unused until the last launch); ``gJ`` (T, N)
# receives dL/dJ_t; ``acc`` (n_params, N) the per-neuron parameter sums.  Upstream
# gradients absent: (0, 0) arrays.


@cuda.jit(device=True)
def _spike_gradient(gJ, t, W, j):
    """``sum_k gJ[t, row + k] * W[k, j - row]`` in increasing ``k`` from 0.0, as
    :func:`.recurrent.spike_gradient`; 0.0 when ``t`` is past the last step."""
    acc = 0.0
    if t < gJ.shape[0]:
        n_out = W.shape[0]
        base = (j // n_out) * n_out
        jj = j - base
        for k in range(n_out):
            acc += gJ[t, base + k] * W[k, jj]
    return acc


@cuda.jit(cache=True)
def spike_gradient_final(gJ, W, c):
    """``c[0] = dL/dz_0 = dL/dJ_0 W_rec`` (the initial spikes' gradient), after the last reverse launch."""
    j = cuda.grid(1)
    if j < c.shape[1]:
        c[0, j] = _spike_gradient(gJ, 0, W, j)


@cuda.jit(cache=True)
def lif_back(
    t, tape, Jt, W, gy, gz_up, gv_up, gi_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    if j >= c.shape[1]:
        return
    lif_back_neuron(
        t, j, _spike_gradient(gJ, t + 1, W, j), tape, Jt, gy, gz_up, gv_up, gi_up, c, gJ, acc,
        tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt, sg, sp0, sp1,
    )  # fmt: skip


@cuda.jit(cache=True)
def lif_adex_back(
    t, tape, Jt, W, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike, dt,
    sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    if j >= c.shape[1]:
        return
    lif_adex_back_neuron(
        t, j, _spike_gradient(gJ, t + 1, W, j), tape, Jt, gy, gz_up, gv_up, gi_up, ga_up, c, gJ, acc,
        tau_syn_inv, tau_mem_inv, tau_ada_inv, v_leak, v_th, v_reset, delta_T, adaptation_current, adaptation_spike,
        dt, sg, sp0, sp1,
    )  # fmt: skip


@cuda.jit(cache=True)
def lsnn_back(
    t, tape, Jt, W, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
    tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
):  # fmt: skip
    j = cuda.grid(1)
    if j >= c.shape[1]:
        return
    lsnn_back_neuron(
        t, j, _spike_gradient(gJ, t + 1, W, j), tape, Jt, gy, gz_up, gv_up, gi_up, gb_up, c, gJ, acc,
        tau_syn_inv, tau_mem_inv, tau_adapt_inv, v_leak, v_th, v_reset, beta, dt, sg, sp0, sp1,
    )  # fmt: skip


def vjp(model, x, neuron_shape, s0, g_out, g_states, backend):
    """``gradients.vjp(..., backend="cuda")`` for the recurrent models: the same
    :class:`~refneuron.gradients.Gradients` as :func:`.recurrent.vjp`.

    Host side as the CPU driver: the input projection is one NumPy GEMM over
    all steps (:func:`.recurrent.input_projection`), and the input and weight
    gradients are NumPy GEMMs over all steps after the reverse pass
    (:func:`.recurrent.gradients_from_tape`).  On the device: the forward, one
    launch per step keeping the tape (state before every step) and the current
    after the jump (LIF, LIFAdEx), then one launch per reverse step
    (:func:`lif_back`, :func:`lif_adex_back`, :func:`lsnn_back`) and one for
    the initial spikes' gradient (:func:`spike_gradient_final`).  Each thread
    runs the CPU kernel's scalar sequence for its neuron, so under the
    simulator the results equal the CPU backend's (measured in
    ``tests/backends/test_recurrent.py``); on a GPU, fused multiply-adds and
    libdevice's ``exp`` change the last bits (expected, not yet measured).
    """
    from .. import _checks
    from ..simulate import flat_state
    from .cuda import _free_device_bytes
    from .recurrent import GRAD_NAMES, _shape, gradients_from_tape, gradients_without_neurons, input_projection
    from .vjp import kernel_args

    _, params = kernel_args(model, backend, neuron_shape)  # refusals: smoothed, surrogate, ...
    T = x.shape[0]
    n_out, n_in, n, rows = _shape(model, neuron_shape)
    names = model.State.names()
    ns = len(names)
    kind = KERNELS[model.name]
    npar = len(GRAD_NAMES[model.name])
    keeps_jump = kind != "lsnn"
    fresh = 8 * T * n * (ns + 2 + (1 if keeps_jump else 0)) + T * n
    _checks.check_memory(fresh, f"backward pass of {model.name} with T={T}, {n} neurons")
    ups = [g_out] + [g_states[nm] for nm in names]
    dev = fresh + 8 * T * n * sum(1 for u in ups if u is not None) + 8 * n * (ns + npar)
    avail = _free_device_bytes()
    if avail is not None:
        _checks.check_memory(dev, f"backward pass of {model.name} on the GPU with T={T}, {n} neurons", available=avail)
    if n == 0:  # no neurons: no device arrays, no launch
        return gradients_without_neurons(model, x, neuron_shape)
    # forward, keeping the tape and the current after the jump
    x3 = np.reshape(x, (T, rows, n_in))
    d_P = cuda.to_device(input_projection(model, x3, 0, T))  # one GEMM, as the CPU driver
    S0 = flat_state(model, s0, n)
    d_tape = cuda.device_array((ns, T + 1, n), dtype=np.float64)
    for k in range(ns):
        d_tape[k, 0].copy_to_device(S0[k])  # contiguous rows (the (ns, n) slice is not)
    d_S = cuda.to_device(S0)
    d_z = cuda.to_device(np.stack([S0[0], S0[0]]))
    d_out = cuda.device_array((T, n), dtype=np.uint8)
    empty = cuda.device_array((0, 0), dtype=np.float64)
    d_Jt = cuda.device_array((T, n), dtype=np.float64) if keeps_jump else empty
    d_bad = cuda.to_device(np.full((2, n), -1, dtype=np.int64))  # not read: the tape is scanned on the host
    d_WT = cuda.to_device(np.ascontiguousarray(model.recurrent_weights.T))
    d_params = tuple(cuda.to_device(p) if isinstance(p, np.ndarray) else p for p in params)
    fwd_params = d_params[:-3]
    trs = [d_tape[k, 1:] for k in range(ns)]
    grid = _grid(n, THREADS_PER_BLOCK)
    kernel = globals()[kind]
    for t in range(T):
        par = t % 2
        kernel[grid](
            d_P, np.int64(t), d_WT, d_z[par], d_z[1 - par], d_S, d_out, *trs, d_Jt, d_bad, np.int64(t), *fwd_params
        )
    del d_P, d_S, d_z
    # reverse
    d_gy = empty if g_out is None else cuda.to_device(np.ascontiguousarray(g_out).reshape(T, n))
    d_gups = [empty if g_states[nm] is None else cuda.to_device(np.ascontiguousarray(g_states[nm]).reshape(T, n))
              for nm in names]  # fmt: skip
    d_W = cuda.to_device(np.ascontiguousarray(model.recurrent_weights))
    d_c = cuda.to_device(np.zeros((ns, n)))
    d_gJ = cuda.to_device(np.zeros((T, n)))
    d_acc = cuda.to_device(np.zeros((npar, n)))
    back = globals()[kind + "_back"]
    for t in range(T - 1, -1, -1):
        back[grid](np.int64(t), d_tape, d_Jt, d_W, d_gy, *d_gups, d_c, d_gJ, d_acc, *d_params)
    spike_gradient_final[grid](d_gJ, d_W, d_c)
    return gradients_from_tape(
        model, x, neuron_shape, d_tape.copy_to_host(), d_out.copy_to_host(), d_gJ.copy_to_host(),
        d_c.copy_to_host(), d_acc.copy_to_host(),
    )  # fmt: skip


def no_backward(model):
    """Raise :class:`BackendUnavailable`: :func:`.recurrent.vjp` is the CPU
    driver; ``gradients.vjp(..., backend="cuda")`` calls :func:`vjp`."""
    raise BackendUnavailable(
        f"backend: 'cuda': the CPU driver of {model.name}'s backward pass (backends.recurrent.vjp) runs on the "
        "CPU only; gradients.vjp(..., backend='cuda') runs backends.cuda_recurrent.vjp"
    )


def run_host(model, spec, x, state, output, traces, chunk, neuron_shape):
    """Run host inputs on the GPU; records come back to the host arrays, or
    are written in place when they are device arrays (:func:`run_device`).
    Returns ``(final state, nonfinite)`` (``simulate.run``'s cuda branch)."""
    from ..simulate import flat_state, nonfinite_from_bad, state_from_flat
    from .recurrent import _shape, gemm_steps, input_projection

    T = x.shape[0]
    n_out, n_in, n, rows = _shape(model, neuron_shape)
    if n == 0:  # run_device's path (simulate.run returns before the drivers): nothing to launch
        return state_from_flat(model, flat_state(model, state, 0), neuron_shape), None
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
    on_device = output is not None and not isinstance(output, np.ndarray)  # records of run_device
    d_obuf = cuda.device_array((steps, n), dtype=output.dtype) if output is not None and not on_device else None
    d_tbufs = [cuda.device_array((steps, n), dtype=np.float64) for _ in names] if traces is not None else None
    empty = cuda.device_array((0, 0), dtype=np.float64)
    out2 = output.reshape(T, n) if output is not None else None
    tr2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else None
    if traces is not None and not isinstance(traces[names[0]], np.ndarray):
        d_tbufs, tr2, on_trace = None, None, tr2  # device records: the kernel writes them in place
    else:
        on_trace = None
    grid = _grid(n, THREADS_PER_BLOCK)
    for s0 in range(0, T, G):
        s1 = min(s0 + G, T)
        P = input_projection(model, x3, s0, s1)
        t = s0
        while t < s1:
            e = min(s1, (t // chunk + 1) * chunk)
            m = e - t
            d_p = d_P[:m]
            d_p.copy_to_device(P[t - s0 : e - s0])
            d_out = out2[t:e] if on_device else (d_obuf[:m] if d_obuf is not None else empty)
            if on_trace is not None:
                d_trs = [a[t:e] for a in on_trace]
            else:
                d_trs = [b[:m] for b in d_tbufs] if d_tbufs is not None else [empty] * len(names)
            for k in range(m):
                par = (t + k) % 2
                kernel[grid](
                    d_p, np.int64(k), d_WT, d_z[par], d_z[1 - par], d_S, d_out, *d_trs, empty, d_bad, np.int64(t + k),
                    *d_params,
                )  # fmt: skip
            if out2 is not None and not on_device:
                d_out.copy_to_host(out2[t:e])
            if tr2 is not None:
                for b, h in zip(d_trs, tr2):
                    b.copy_to_host(h[t:e])
            t = e
    S = d_S.copy_to_host()
    bad = d_bad.copy_to_host()
    return state_from_flat(model, S, neuron_shape), nonfinite_from_bad(bad, names, neuron_shape)


def run_device(model, inputs, state, *, record, check_finite, spike_dtype, out, chunk_steps):
    """``simulate.run`` with a device-array input of a recurrent model; the
    recorded sequences are device arrays, as for the other models
    (:func:`.cuda.run_device`).

    The input is copied to the host and validated there as a host input is
    (:func:`refneuron.simulate.prepare`: shape, ``check_finite``, initial
    state): the input projection :math:`X W_\\text{in}^\\top` is a host GEMM
    (:func:`.recurrent.input_projection`), so the results are bitwise those of
    the same input given as a host array.  A projection on the device would
    save that copy (``T x rows x n_in`` values) but sum in another order than
    the host BLAS, so the two input kinds would no longer agree to the bit.
    """
    from ..errors import InputError, InputTypeError
    from ..simulate import RunResult, _chunk_steps, _kernel_spec, _warn_nonfinite, prepare
    from .cuda import check_device_memory, device_out_buffers

    d_in = inputs if hasattr(inputs, "copy_to_host") else cuda.as_cuda_array(inputs)
    if d_in.dtype != np.float64:
        raise InputTypeError(f"inputs: a device array must be float64 (got dtype {d_in.dtype})")
    if not d_in.is_c_contiguous():
        raise InputError("inputs: a device array must be C-contiguous")
    from .. import _checks

    _checks.check_memory(8 * int(np.prod(d_in.shape, dtype=np.int64)), f"host copy of {model.name}'s device input")
    x, neuron_shape, state0 = prepare(model, d_in.copy_to_host(), state, check_finite=check_finite)
    T = x.shape[0]
    n = int(np.prod(neuron_shape, dtype=np.int64))
    chunk = _chunk_steps(chunk_steps, T)
    spec = _kernel_spec(model, "cuda")
    names = model.State.names()
    shape = (T, *neuron_shape)
    bufs = device_out_buffers(model, out, record, names, shape, spike_dtype, contiguous=True)
    check_device_memory(model, spec, T, n, chunk, record, spike_dtype, names)
    output = None
    if record != "final":
        output = bufs.get("output")
        if output is None:
            output = cuda.device_array(shape, dtype=spike_dtype)
    traces = None
    if record == "all":
        traces = {nm: bufs.get(nm) if nm in bufs else cuda.device_array(shape, dtype=np.float64) for nm in names}
    final, nonfinite = run_host(model, spec, x, state0, output, traces, chunk, neuron_shape)
    if nonfinite is not None:
        _warn_nonfinite(model, nonfinite)
    return RunResult(output=output, states=traces, final_state=final, nonfinite=nonfinite)


key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
