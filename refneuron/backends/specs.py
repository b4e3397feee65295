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
    """

    model: str
    kernel: str
    params: Callable
    unsupported: Callable = lambda model: None


def _p(model, names, neuron_shape):
    return tuple(as_kernel_param(getattr(model, n), neuron_shape) for n in names)


# --- snntorch.Leaky -------------------------------------------------------------------


def _leaky_params(model, shape):
    from ..models.snntorch._common import RESET_CODE

    thr_sub, g = model._spike_constants()
    return (
        as_kernel_param(model.beta, shape),
        as_kernel_param(model.threshold, shape),
        as_kernel_param(thr_sub, shape),
        as_kernel_param(g, shape),
        RESET_CODE[model.reset_mechanism],
        bool(model.reset_delay),
    )


def _leaky_unsupported(model):
    if model.inhibition:
        return "inhibition=True couples the neurons of a row (arg-max), which the element-wise kernels cannot do"
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


SPECS = {
    "snntorch.Synaptic": KernelSpec("snntorch.Synaptic", "synaptic", _synaptic_params, _leaky_unsupported),
    "spikingjelly.LIF": KernelSpec("spikingjelly.LIF", "sj_lif", _sj_lif_params, _sj_unsupported),
    "spikingjelly.IF": KernelSpec("spikingjelly.IF", "sj_if", _sj_if_params, _sj_unsupported),
    "norse.LIF": KernelSpec("norse.LIF", "norse_lif", _norse_lif_params),
    "snntorch.Leaky": KernelSpec("snntorch.Leaky", "leaky", _leaky_params, _leaky_unsupported),
    "canonical.Izhikevich": KernelSpec("canonical.Izhikevich", "izhikevich", _izhikevich_params),
    "canonical.AdEx": KernelSpec("canonical.AdEx", "adex", _adex_params),
}


def spec_for(model):
    """The :class:`KernelSpec` of ``model``'s class, or None."""
    return SPECS.get(model.name)


def binary_output(model):
    """True if the model's output is exactly 0/1 (may be stored as uint8/bool)."""
    if getattr(model, "output_kind", "spikes") != "spikes":
        return False
    g = getattr(model, "graded_spikes_factor", 1.0)
    return bool(np.all(np.asarray(g) == 1.0))
