"""One time step of one neuron, composed from the models' own element-wise functions.

Each function here is the per-neuron body of a model's ``_step`` for the
compiled backends: it calls the functions the model's file defines (the same
objects the NumPy reference calls) in the same order, and adds nothing but
the sequencing.  They take and return scalars (one neuron); the CPU kernels
compile them with ``numba.njit`` and the CUDA kernels with ``numba.cuda``.

Where a model's ``_step`` uses an array-only construct (``np.where``), the
scalar form is the conditional expression with the same value for every
input (``np.where(c, a, b)`` is ``a if c else b`` element by element, NaN
included).  ``tests/backends`` checks every step against the model's
``_step`` through the kernels, spikes exactly and states bitwise (models
without ``exp``) or within a stated bound.

Every function returns ``(output, *new_state)``.
"""

from __future__ import annotations

import math

from ..models.canonical.adex import adex_dV, adex_dw
from ..models.canonical.izhikevich import izhikevich_du, izhikevich_dv
from ..models.snntorch._common import NONE, spike_gt
from ..models.norse._common import spike_gt as norse_spike_gt
from ..models.norse.lif import lif_update
from ..models.snntorch.leaky import leaky_charge, leaky_immediate_reset
from ..models.snntorch.synaptic import synaptic_charge
from ..models.spikingjelly._common import lif_charge, spike_ge, voltage_reset
from ..models.spikingjelly.if_ import if_charge

#: scheme codes of canonical.Izhikevich (index in ``SCHEMES``)
FIGURE2004, NETWORK2003, EULER = 0, 1, 2


def leaky_step(mem, x, beta, threshold, thr_sub, g, reset, reset_delay):
    """snntorch ``Leaky`` (``Leaky._step`` without inhibition)."""
    r, m = leaky_charge(mem, x, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    if not reset_delay and reset != NONE:
        m = leaky_immediate_reset(m, s, r, thr_sub, reset)
    return s * g, m


def synaptic_step(syn, mem, x, alpha, beta, threshold, thr_sub, reset, reset_delay):
    """snntorch ``Synaptic`` (``Synaptic._step`` without inhibition)."""
    r, i, m = synaptic_charge(syn, mem, x, alpha, beta, threshold, thr_sub, reset)
    s = spike_gt(m, threshold)
    if not reset_delay and reset != NONE:
        m = leaky_immediate_reset(m, s, r, thr_sub, reset)
    return s, i, m


def izhikevich_step(v, u, i, a, b, c, d, v_peak, dt, p2, p1, p0, scheme, rule):
    """canonical ``Izhikevich`` (``Izhikevich._step``), all three schemes."""
    if scheme == NETWORK2003:
        s = (v >= v_peak) * 1.0
        v = s * c + (1.0 - s) * v
        u = u + s * d
        h = 0.5 * dt
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        v = v + h * izhikevich_dv(v, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v, u, a, b, rule)
        return s, v, u
    if scheme == FIGURE2004:
        v = v + dt * izhikevich_dv(v, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v, u, a, b, rule)
    else:
        v_old = v
        v = v_old + dt * izhikevich_dv(v_old, u, i, p2, p1, p0)
        u = u + dt * izhikevich_du(v_old, u, a, b, rule)
    s = (v > v_peak) * 1.0
    v = s * c + (1.0 - s) * v
    u = u + s * d
    return s, v, u


def adex_step(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
    """canonical ``AdEx`` (``AdEx._step``, forward Euler)."""
    V_new = V + dt * adex_dV(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak)
    w_new = w + dt * adex_dw(V, w, a, E_L, tau_w)
    s = (V_new > V_peak) * 1.0
    V_new = V_reset if s > 0 else V_new
    w_new = w_new + s * b
    return s, V_new, w_new


def sj_lif_step(v, x, tau, v_leak, v_threshold, decay_input, reset):
    """spikingjelly ``LIFNode`` (``LIF._step`` with the ``>=`` Heaviside)."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_if_step(v, x, v_leak, v_threshold, reset):
    """spikingjelly ``IFNode`` (``IF._step`` with the ``>=`` Heaviside)."""
    h = if_charge(v, x)
    s = spike_ge(h, v_threshold)
    return s, voltage_reset(h, s, v_threshold, v_leak, reset)


def norse_lif_step(v, i, x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):
    """norse ``LIF`` (``lif_feed_forward_step``: ``LIF._step``)."""
    z, v_new, i_new = lif_update(v, i + x, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt)
    return z, v_new, i_new


#: the models' functions the steps call, for registration with the compilers
MODEL_FUNCTIONS = (
    spike_gt,
    leaky_charge,
    leaky_immediate_reset,
    synaptic_charge,
    izhikevich_dv,
    izhikevich_du,
    adex_dV,
    adex_dw,
    spike_ge,
    voltage_reset,
    lif_charge,
    if_charge,
    norse_spike_gt,
    lif_update,
)
STEP_FUNCTIONS = (leaky_step, synaptic_step, izhikevich_step, adex_step, sj_lif_step, sj_if_step, norse_lif_step)


def adex_dV_math(V, w, i, C_m, g_L, E_L, V_T, Delta_T, V_peak):
    """CUDA twin of :func:`refneuron.models.canonical.adex.adex_dV`.

    Numba-CUDA refuses ``np.exp`` (its ufunc table has no ``exp``), so the
    GPU compiles this copy instead: the same expression in the same order,
    with ``math.exp`` and ``min`` (``np.minimum`` and ``min`` agree for
    finite and infinite V; for NaN V both lead to a NaN result).
    ``tests/backends/test_cpu.py::test_adex_cuda_twin_agrees`` checks that
    it agrees with ``adex_dV``.  It disappears once ``adex_dV`` calls an exp
    that both NumPy and the compilers accept.
    """
    Vc = min(V, V_peak)
    return (-g_L * (V - E_L) + g_L * Delta_T * math.exp((Vc - V_T) / Delta_T) - w + i) / C_m
