"""Which kernel runs which model, and with which arguments.

A :class:`KernelSpec` says, for one model class, how to turn a model record
into the kernel's parameter arguments (scalars stay Python floats, per-neuron
arrays are broadcast and flattened), which models the kernel cannot run (and
why), and the names of the CPU and CUDA kernels.  No equations live here.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ._jit import as_kernel_param


@dataclasses.dataclass(frozen=True)
class KernelSpec:
    """How the compiled backends run one model class.

    Attributes
    ----------
    model : str
        Registered model name.
    kernel : str
        Base name of the kernels: ``cpu.<kernel>`` and ``cuda.<kernel>``.
    params : callable (model, neuron_shape) -> tuple
        The kernel's parameter arguments, in the order of the step function.
    unsupported : callable (model) -> str or None
        Why a configuration has no kernel (None: it has one).
    runner, cuda_runner : callable or None
        For models whose kernels do not fit :func:`.cpu.run_chunk` /
        :func:`.cuda.run_host` (the recurrent norse models): called by
        :func:`refneuron.simulate.run` instead, with the same arguments as
        ``cuda.run_host``; they return ``(final_state, nonfinite)``.
    cuda_device_runner : callable or None
        For such a model, what :func:`refneuron.simulate.run` calls for a
        device-array input instead of :func:`.cuda.run_device` (same
        arguments, returns the ``RunResult``); None with a ``cuda_runner``:
        device-array inputs are refused.
    """

    model: str
    kernel: str
    params: Callable
    unsupported: Callable = lambda model: None
    runner: Callable | None = None
    cuda_runner: Callable | None = None
    cuda_device_runner: Callable | None = None


def _p(model, names, neuron_shape):
    return tuple(as_kernel_param(getattr(model, n), neuron_shape) for n in names)


# --- snntorch.Leaky -------------------------------------------------------------------


def _leaky_params(model, shape):
    """``(beta, threshold, thr_sub, thr_d, g, reset, reset_delay, graded)``.

    ``graded`` is False when the spike factor ``g`` is exactly 1 for every
    neuron (the default): the kernels then multiply the spike by the constant
    1.0, which the compiler removes, instead of by the parameter ``g``.  The
    values are the same (``s * 1.0 == s``); the multiplication by a run-time
    ``g``, and the float-to-integer conversion of a uint8 spike record it
    forces, made the LIF kernel ~45 % slower (measured N = 1e5, T = 1000:
    ~1.11 against ~0.76 ns per neuron-step).
    """
    from ..models.snntorch._common import RESET_CODE, _threshold_d, spike_dtypes

    thr_sub, g = model._spike_constants()
    thr_d = _threshold_d(model, spike_dtypes(model)[4])
    return (
        as_kernel_param(model.beta, shape),
        as_kernel_param(model.threshold, shape),
        as_kernel_param(thr_sub, shape),
        as_kernel_param(thr_d, shape),
        as_kernel_param(g, shape),
        RESET_CODE[model.reset_mechanism],
        bool(model.reset_delay),
        not bool(np.all(np.asarray(g) == 1.0)),
    )


def _leaky_unsupported(model):
    if model.inhibition:
        return "inhibition=True couples the neurons of a row (arg-max), which the element-wise kernels cannot do"
    if getattr(model, "state_quant", False) is not False:
        return "state_quant is a Python callable, which the compiled kernels cannot call"
    return None


# --- snntorch.Synaptic ----------------------------------------------------------------


def _synaptic_params(model, shape):
    from ..models.snntorch._common import RESET_CODE, spike_constants

    thr_sub, _ = spike_constants(model)
    return (
        as_kernel_param(model.alpha, shape),
        as_kernel_param(model.beta, shape),
        as_kernel_param(model.threshold, shape),
        as_kernel_param(thr_sub, shape),
        RESET_CODE[model.reset_mechanism],
        bool(model.reset_delay),
    )


# --- canonical.Izhikevich -----------------------------------------------------------


def _izhikevich_params(model, shape):
    from ..models.canonical.izhikevich import SCHEMES, U_RULES

    return _p(model, ("a", "b", "c", "d", "v_peak", "dt", "p2", "p1", "p0"), shape) + (
        SCHEMES.index(model.scheme),
        U_RULES.index(model.u_rule),
    )


# --- canonical.AdEx -----------------------------------------------------------------


def _adex_params(model, shape):
    names = ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak", "dt")
    return _p(model, names, shape)


# --- spikingjelly.LIF / IF ----------------------------------------------------------


def _sj_unsupported(model):
    if not model.spiking:
        return "spiking=False surrogates emit an analog primitive, which has no kernel"
    if getattr(model.surrogate_function, "comparison", ">=") != ">=":
        return "the surrogate's own Heaviside (not >=) has no kernel"
    return None


def _sj_lif_params(model, shape):
    return (
        as_kernel_param(model.tau, shape),
        as_kernel_param(model.v_leak, shape),
        as_kernel_param(model.v_threshold, shape),
        bool(model.decay_input),
        int(model.reset_code),
    )


def _sj_if_params(model, shape):
    return (as_kernel_param(model.v_leak, shape), as_kernel_param(model.v_threshold, shape), int(model.reset_code))


# --- norse.LIF ----------------------------------------------------------------------


def _norse_lif_params(model, shape):
    return _p(model, ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset", "dt"), shape)


# --- snntorch.Alpha / Lapicque -------------------------------------------------------


def _alpha_params(model, shape):
    from ..models.snntorch._common import RESET_CODE, spike_constants

    thr_sub, _ = spike_constants(model)
    return (
        as_kernel_param(model.alpha, shape),
        as_kernel_param(model.beta, shape),
        as_kernel_param(model.tau_alpha, shape),
        as_kernel_param(model.threshold, shape),
        as_kernel_param(thr_sub, shape),
        RESET_CODE[model.reset_mechanism],
    )


def _lapicque_params(model, shape):
    from ..models.snntorch._common import RESET_CODE, spike_constants

    thr_sub, _ = spike_constants(model)
    R, _, inv_rc, decay = model._resolved
    return (
        float(R),
        float(inv_rc),
        float(model.time_step),
        float(decay),
        as_kernel_param(model.threshold, shape),
        as_kernel_param(thr_sub, shape),
        RESET_CODE[model.reset_mechanism],
    )


# --- spikingjelly EIF, QIF, Izhikevich, KLIF, ParametricLIF, LIAF (scalar parameters) --


def _sj_eif_params(model, shape):
    return (
        float(model.tau), float(model.v_rest), float(model.theta_rh), float(model.delta_T),
        float(model.v_threshold), float(model.v_leak), int(model.reset_code),
    )  # fmt: skip


def _sj_qif_params(model, shape):
    return (
        float(model.tau), float(model.a0), float(model.v_rest), float(model.v_c),
        float(model.v_threshold), float(model.v_leak), int(model.reset_code),
    )  # fmt: skip


def _sj_izhikevich_params(model, shape):
    return (
        float(model.tau), float(model.a0), float(model.v_rest), float(model.v_c), float(model.tau_w),
        float(model.a), float(model.b), float(model.v_threshold), float(model.v_leak), int(model.reset_code),
    )  # fmt: skip


def _sj_klif_params(model, shape):
    return (
        float(model.tau), float(model.v_leak), bool(model.decay_input), float(model.k),
        float(model.v_threshold), int(model.reset_code), bool(model.scale_reset),
    )  # fmt: skip


def _sj_plif_params(model, shape):
    return (float(model.k), float(model.v_leak), bool(model.decay_input), float(model.v_threshold), int(model.reset_code))


def _sj_liaf_params(model, shape):
    from ..models.spikingjelly.liaf import ACT_CODE

    return (
        float(model.tau), float(model.v_leak), bool(model.decay_input), float(model.v_threshold),
        int(model.reset_code), int(ACT_CODE[model.act]), bool(model.threshold_related),
    )  # fmt: skip


# --- norse LIFAdEx, LIFAdExCurrentEncoder, LSNN --------------------------------------


def _norse_lif_adex_params(model, shape):
    names = ("tau_syn_inv", "tau_mem_inv", "tau_ada_inv", "v_leak", "v_th", "v_reset",
             "delta_T", "adaptation_current", "adaptation_spike")  # fmt: skip
    return _p(model, names, shape) + (float(model.dt),)


def _norse_encoder_params(model, shape):
    names = ("tau_mem_inv", "tau_ada_inv", "v_leak", "v_th", "v_reset", "delta_T", "adaptation_current",
             "adaptation_spike")  # fmt: skip
    return _p(model, names, shape) + (float(model.dt), 1 if model.corrected_adaptation else 0)


def _norse_lsnn_params(model, shape):
    names = ("tau_syn_inv", "tau_mem_inv", "tau_adapt_inv", "v_leak", "v_th", "v_reset", "beta")
    return _p(model, names, shape) + (float(model.dt),)


def _recurrent_cpu(*args):
    from .recurrent import run_cpu

    return run_cpu(*args)


def _recurrent_cuda(*args):
    from .cuda_recurrent import run_host

    return run_host(*args)


def _recurrent_cuda_device(*args, **kw):
    from .cuda_recurrent import run_device

    return run_device(*args, **kw)


def _recurrent(name, kernel, params):
    """The recurrent norse models: their own kernels (:mod:`.recurrent`,
    :mod:`.cuda_recurrent`), which add ``z_{t-1} W_rec^T`` at every step;
    the parameters are those of the feed-forward model."""
    return KernelSpec(
        name, kernel, params, runner=_recurrent_cpu, cuda_runner=_recurrent_cuda,
        cuda_device_runner=_recurrent_cuda_device,
    )  # fmt: skip


SPECS = {
    "snntorch.Synaptic": KernelSpec("snntorch.Synaptic", "synaptic", _synaptic_params, _leaky_unsupported),
    "spikingjelly.LIF": KernelSpec("spikingjelly.LIF", "sj_lif", _sj_lif_params, _sj_unsupported),
    "spikingjelly.IF": KernelSpec("spikingjelly.IF", "sj_if", _sj_if_params, _sj_unsupported),
    "norse.LIF": KernelSpec("norse.LIF", "norse_lif", _norse_lif_params),
    "snntorch.Leaky": KernelSpec("snntorch.Leaky", "leaky", _leaky_params, _leaky_unsupported),
    "canonical.Izhikevich": KernelSpec("canonical.Izhikevich", "izhikevich", _izhikevich_params),
    "canonical.AdEx": KernelSpec("canonical.AdEx", "adex", _adex_params),
    "snntorch.Alpha": KernelSpec("snntorch.Alpha", "alpha", _alpha_params, _leaky_unsupported),
    "snntorch.Lapicque": KernelSpec("snntorch.Lapicque", "lapicque", _lapicque_params, _leaky_unsupported),
    "spikingjelly.EIF": KernelSpec("spikingjelly.EIF", "sj_eif", _sj_eif_params, _sj_unsupported),
    "spikingjelly.QIF": KernelSpec("spikingjelly.QIF", "sj_qif", _sj_qif_params, _sj_unsupported),
    "spikingjelly.Izhikevich": KernelSpec("spikingjelly.Izhikevich", "sj_izhikevich", _sj_izhikevich_params, _sj_unsupported),
    "spikingjelly.KLIF": KernelSpec("spikingjelly.KLIF", "sj_klif", _sj_klif_params, _sj_unsupported),
    "spikingjelly.ParametricLIF": KernelSpec("spikingjelly.ParametricLIF", "sj_plif", _sj_plif_params, _sj_unsupported),
    "spikingjelly.LIAF": KernelSpec("spikingjelly.LIAF", "sj_liaf", _sj_liaf_params, _sj_unsupported),
    "norse.LIFAdEx": KernelSpec("norse.LIFAdEx", "norse_lif_adex", _norse_lif_adex_params),
    "norse.LIFAdExCurrentEncoder": KernelSpec("norse.LIFAdExCurrentEncoder", "norse_encoder", _norse_encoder_params),
    "norse.LSNN": KernelSpec("norse.LSNN", "norse_lsnn", _norse_lsnn_params),
}
SPECS["norse.LIFRecurrent"] = _recurrent("norse.LIFRecurrent", "lif", _norse_lif_params)
SPECS["norse.LIFAdExRecurrent"] = _recurrent("norse.LIFAdExRecurrent", "lif_adex", _norse_lif_adex_params)
SPECS["norse.LSNNRecurrent"] = _recurrent("norse.LSNNRecurrent", "lsnn", _norse_lsnn_params)


def spec_for(model):
    """The :class:`KernelSpec` of ``model``'s class, or None."""
    return SPECS.get(model.name)


def binary_output(model):
    """True if the model's output is exactly 0/1 (may be stored as uint8/bool)."""
    if getattr(model, "output_kind", "spikes") != "spikes":
        return False
    g = getattr(model, "graded_spikes_factor", 1.0)
    return bool(np.all(np.asarray(g) == 1.0))
