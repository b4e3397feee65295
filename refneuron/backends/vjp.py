"""Driver of the compiled backward passes: ``gradients.vjp(..., backend="cpu"|"cuda")``.

For each model with a backward kernel, :data:`BACKWARD` says which kernel
runs it, the names of the per-neuron parameter gradients the kernel returns
(in the order of the model's ``_vjp_step`` dictionary), the backward
options it takes after the forward parameters (:mod:`.specs`), and which
configurations it cannot run (and why).  The gradients equal the NumPy
reference bit for bit where no transcendental function is involved (the
kernels call the same element-wise functions in the same order); with
``exp`` (spikingjelly's Sigmoid surrogate, snntorch's Sigmoid, AdEx, norse's
LIFAdEx and LIFAdExCurrentEncoder) they differ by the last bits of NumPy's
``exp`` against the kernels' own (:mod:`._fastexp`, within 1 ulp),
amplified by the recursion (``tests/backends/test_backward.py``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from .. import _checks, buffers
from ..errors import BackendUnavailable
from ._backward import surrogate_args
from ._jit import as_kernel_param
from .specs import spec_for


@dataclasses.dataclass(frozen=True)
class BackwardSpec:
    """``kernel``: name in :mod:`.cpu_vjp` / :mod:`.cuda_vjp`; ``grads``: the
    parameter-gradient names (a tuple, or a function of the model when they
    depend on its configuration: the first ones of the kernel's rows);
    ``extra(model, neuron_shape)``: the backward options after the forward
    parameters; ``runner``: for models whose gradients do not fit
    :func:`vjp_compiled` (the recurrent norse models: weight matrices, inputs
    ``(T, *batch, n_in)``), the function :func:`refneuron.gradients.vjp`
    calls instead, returning the whole ``Gradients``; ``cuda_runner``: the
    same for ``backend="cuda"`` (``runner`` is called when it is None)."""

    kernel: str
    grads: object
    extra: Callable
    runner: Callable | None = None
    cuda_runner: Callable | None = None

    def grad_names(self, model):
        return self.grads(model) if callable(self.grads) else self.grads


def _leaky_extra(model, shape):
    from ..models.snntorch._common import spike_dtypes

    f32_s, f32_y, f32_d, f32_rt, f32_dt = spike_dtypes(model)
    return (f32_s, f32_y, f32_d, f32_rt, f32_dt) + surrogate_args(model.spike_grad, model.surrogate_disable)


def _thr_d(model, shape):
    from ..models.snntorch._common import _threshold_d, spike_dtypes

    return as_kernel_param(_threshold_d(model, spike_dtypes(model)[4]), shape)


def _synaptic_extra(model, shape):
    return (_thr_d(model, shape),) + _leaky_extra(model, shape)


def _alpha_extra(model, shape):
    from ..models.snntorch.alpha import alpha_tau_derivatives

    dc_da, dc_db = alpha_tau_derivatives(model.alpha, model.beta)
    return (_thr_d(model, shape), as_kernel_param(dc_da, shape), as_kernel_param(dc_db, shape)) + _leaky_extra(
        model, shape
    )


def _lapicque_extra(model, shape):
    enters = model.beta_enters
    beta = float(model.beta) if enters else 1.0
    return (_thr_d(model, shape), beta, enters, not model.C) + _leaky_extra(model, shape)


def _lapicque_grads(model):
    return ("threshold", "beta") if model.beta_enters else ("threshold",)


def _sj_extra(model, shape):
    return (bool(model.detach_reset),) + surrogate_args(model.surrogate_function)


def _norse_extra(model, shape):
    from ..models.norse._common import surrogate

    return surrogate_args(surrogate(model))


def _canonical_extra(model, shape):
    return (bool(model.detach_reset),) + surrogate_args(model.surrogate)


def _recurrent_vjp(*args):
    from .recurrent import vjp

    return vjp(*args)


def _recurrent_cuda_vjp(*args):
    from .cuda_recurrent import vjp

    return vjp(*args)


def _recurrent_backward(kernel):
    return BackwardSpec(kernel, (), _norse_extra, runner=_recurrent_vjp, cuda_runner=_recurrent_cuda_vjp)


BACKWARD = {
    "snntorch.Leaky": BackwardSpec("leaky", ("beta", "threshold", "graded_spikes_factor"), _leaky_extra),
    "spikingjelly.LIF": BackwardSpec("sj_lif", (), _sj_extra),
    "norse.LIF": BackwardSpec("norse_lif", ("tau_mem_inv", "v_leak", "tau_syn_inv", "v_th", "v_reset"), _norse_extra),
    "canonical.Izhikevich": BackwardSpec(
        "izhikevich", ("a", "b", "c", "d", "v_peak", "p2", "p1", "p0"), _canonical_extra
    ),
    "canonical.AdEx": BackwardSpec(
        "adex", ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak"), _canonical_extra
    ),
    "snntorch.Synaptic": BackwardSpec("synaptic", ("alpha", "beta", "threshold"), _synaptic_extra),
    "snntorch.Alpha": BackwardSpec("alpha", ("alpha", "beta", "threshold"), _alpha_extra),
    "snntorch.Lapicque": BackwardSpec("lapicque", _lapicque_grads, _lapicque_extra),
    "spikingjelly.IF": BackwardSpec("sj_if", (), _sj_extra),
    "spikingjelly.EIF": BackwardSpec("sj_eif", (), _sj_extra),
    "spikingjelly.QIF": BackwardSpec("sj_qif", (), _sj_extra),
    "spikingjelly.Izhikevich": BackwardSpec("sj_izhikevich", (), _sj_extra),
    "spikingjelly.KLIF": BackwardSpec("sj_klif", ("k",), _sj_extra),
    "spikingjelly.ParametricLIF": BackwardSpec("sj_plif", ("w",), _sj_extra),
    "spikingjelly.LIAF": BackwardSpec("sj_liaf", (), _sj_extra),
    "norse.LIFAdEx": BackwardSpec(
        "norse_lif_adex",
        ("tau_mem_inv", "v_leak", "v_th", "delta_T", "tau_ada_inv", "adaptation_current", "tau_syn_inv", "v_reset",
         "adaptation_spike"),
        _norse_extra,
    ),  # fmt: skip
    "norse.LIFAdExCurrentEncoder": BackwardSpec(
        "norse_encoder",
        ("tau_ada_inv", "adaptation_current", "v_leak", "tau_mem_inv", "v_th", "delta_T", "v_reset",
         "adaptation_spike"),
        _norse_extra,
    ),  # fmt: skip
    "norse.LSNN": BackwardSpec(
        "norse_lsnn", ("tau_mem_inv", "tau_syn_inv", "tau_adapt_inv", "v_leak", "v_th", "v_reset", "beta"), _norse_extra
    ),
    # recurrent: refneuron.backends.recurrent / cuda_recurrent (forward and reverse kernels, NumPy GEMMs for the weights)
    "norse.LIFRecurrent": _recurrent_backward("lif_back"),
    "norse.LIFAdExRecurrent": _recurrent_backward("lif_adex_back"),
    "norse.LSNNRecurrent": _recurrent_backward("lsnn_back"),
}


def kernel_args(model, backend, neuron_shape):
    """``(spec, forward params + backward options)``, or raise :class:`BackendUnavailable`."""
    from ..simulate import _kernel_spec

    bspec = BACKWARD.get(model.name)
    if bspec is None:
        why = "no backward kernel in this version"
        fspec = spec_for(model)
        if fspec is not None and fspec.params is None:
            why = fspec.unsupported(model)
        raise BackendUnavailable(
            f"backend: {backend!r} has no backward pass for {model.name}: {why}; use backend='numpy'"
        )
    fspec = _kernel_spec(model, backend)  # raises for inhibition, smoothed, spiking=False, ...
    try:
        extra = bspec.extra(model, neuron_shape)
    except BackendUnavailable as exc:
        raise BackendUnavailable(f"backend: {backend!r} has no backward pass for {model.name} here: {exc}") from None
    return bspec, fspec.params(model, neuron_shape) + tuple(extra)


_NONE2 = np.empty((0, 0))


def vjp_compiled(model, x, neuron_shape, s0, g_out, g_states, backend):
    """Run the fused forward + backward kernel; returns the pieces of
    :class:`refneuron.gradients.Gradients` as flat arrays.

    Returns ``(gx (T, N), gS0 (n_states, N), gP (n_params, N), out (T, N),
    tape (n_states, T + 1, N), names of gP rows, maybe_nonfinite)``; the last
    is False when the kernel saw every state finite (no scan needed).
    """
    from ..simulate import flat_state
    from .specs import binary_output

    bspec, params = kernel_args(model, backend, neuron_shape)
    names = model.State.names()
    T = x.shape[0]
    n = math.prod(int(s) for s in neuron_shape)
    grads = bspec.grad_names(model)
    ns, npar = len(names), _n_rows(bspec, model)
    out_dtype = np.uint8 if binary_output(model) else np.float64
    fresh = 8 * T * n * (2 + ns) + T * n * np.dtype(out_dtype).itemsize
    _checks.check_memory(fresh, f"backward pass of {model.name} with T={T}, {n} neurons")
    x2 = np.ascontiguousarray(x).reshape(T, n)
    gy = _NONE2 if g_out is None else np.ascontiguousarray(g_out).reshape(T, n)
    gups = [_NONE2 if g_states[nm] is None else np.ascontiguousarray(g_states[nm]).reshape(T, n) for nm in names]
    # reused between calls, half a page from the inputs within a page ("4 KiB aliasing"): see refneuron.buffers
    tape = buffers.empty((ns, T + 1, n), away_from=x2)
    tape[:, 0, :] = flat_state(model, s0, n)
    out = buffers.empty((T, n), dtype=out_dtype, away_from=x2)
    gx = buffers.empty((T, n), away_from=x2)
    gS0 = np.empty((ns, n))
    gP = np.empty((npar, n))
    if n == 0:  # no neurons: every array is empty, there is no kernel to run
        maybe_nonfinite = False
    elif backend == "cpu":
        from . import cpu_vjp

        maybe_nonfinite = cpu_vjp.run(bspec.kernel, x2, gy, gups, tape, out, gx, gS0, gP, params)
    else:
        from . import cuda_vjp

        cuda_vjp.run(bspec.kernel, x2, gy, gups, tape, out, gx, gS0, gP, params)
        maybe_nonfinite = True  # not flagged by the GPU kernels: the caller scans the tape
    return gx, gS0, gP, out, tape, grads, maybe_nonfinite


def _n_rows(bspec, model):
    """Rows of ``gP`` the kernel writes (all the gradients it can return)."""
    return {"lapicque": 2}.get(bspec.kernel, len(bspec.grad_names(model)))
