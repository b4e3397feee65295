"""Registry of the one-neuron steps the compiled forward kernels call.

Each model's one-neuron step lives in the model's own file, beside the
element-wise functions it composes and the model class whose ``_step`` it
mirrors (one place for a model's equations):

==========================  ==============================================
step                        model file (``refneuron/models/...``)
==========================  ==============================================
``leaky_step``              ``snntorch/leaky.py``
``synaptic_step``           ``snntorch/synaptic.py``
``alpha_step``              ``snntorch/alpha.py``
``lapicque_step``           ``snntorch/lapicque.py``
``sj_lif_step``             ``spikingjelly/lif.py``
``sj_if_step``              ``spikingjelly/if_.py``
``sj_eif_step``             ``spikingjelly/eif.py`` (+ ``sj_eif_step_and_exp``)
``sj_qif_step``             ``spikingjelly/qif.py``
``sj_izhikevich_step``      ``spikingjelly/izhikevich.py``
``sj_klif_step``            ``spikingjelly/klif.py``
``sj_plif_step``            ``spikingjelly/parametric_lif.py``
``sj_liaf_step``            ``spikingjelly/liaf.py``
``norse_lif_step``          ``norse/lif.py``
``norse_lif_adex_step``     ``norse/lif_adex.py`` (+ ``norse_lif_adex_step_and_exp``)
``norse_encoder_step``      ``norse/lif_adex.py`` (+ ``norse_encoder_step_and_exp``)
``norse_lsnn_step``         ``norse/lsnn.py``
``izhikevich_step``         ``canonical/izhikevich.py`` (+ ``FIGURE2004``,
                            ``NETWORK2003``, ``EULER``)
``adex_step``               ``canonical/adex.py`` (+ ``adex_step_and_exp``)
==========================  ==============================================

This module only gathers them for the kernels: it re-exports the steps
under their names (:mod:`.cpu`, :mod:`.cuda`, :mod:`.cpu_vjp`,
:mod:`.cuda_vjp` import them from here) and lists what the compilers must
register, :data:`MODEL_FUNCTIONS` (the models' element-wise functions the
steps call) and :data:`STEP_FUNCTIONS` (the steps).

Each step is the per-neuron body of a model's ``_step``: it calls the
functions the model's file defines (the same objects the NumPy reference
calls) in the same order, and adds nothing but the sequencing.  The steps
take and return scalars (one neuron) and return ``(output, *new_state)``;
the CPU kernels compile them with ``numba.njit`` and the CUDA kernels with
``numba.cuda``.  The models' functions use :mod:`refneuron._math` (``exp``,
``maximum``, ``tanh``, ``where`` ...) wherever NumPy and the compilers
differ: NumPy on arrays, ``math``-based scalar forms of the same value in
the compiled code (CPU and CUDA alike), so no step has a separate GPU
version.  ``tests/backends`` checks every step against the model's
``_step`` through the kernels, spikes exactly and states bitwise (models
without ``exp``) or within a stated bound.
"""

from __future__ import annotations

from ..models.canonical.adex import adex_dV, adex_dV_of_exp, adex_dw, adex_exp_term, adex_step, adex_step_and_exp
from ..models.canonical.izhikevich import EULER, FIGURE2004, NETWORK2003  # noqa: F401  (re-exported)
from ..models.canonical.izhikevich import izhikevich_du, izhikevich_dv, izhikevich_step, izhikevich_u_update
from ..models.norse._common import spike_gt as norse_spike_gt
from ..models.norse.lif import lif_update, norse_lif_step
from ..models.norse.lif_adex import (
    adex_dv as norse_adex_dv,
    adex_dv_of_exp as norse_adex_dv_of_exp,
    adex_exp as norse_adex_exp,
    lif_adex_decay_of_exp,
    lif_adex_encoder_update,
    lif_adex_encoder_update_and_exp,
    lif_adex_update,
    lif_adex_update_and_exp,
    norse_encoder_step,
    norse_encoder_step_and_exp,
    norse_lif_adex_step,
    norse_lif_adex_step_and_exp,
)
from ..models.norse.lsnn import lsnn_update, norse_lsnn_step
from ..models.snntorch._common import spike_gt
from ..models.snntorch.alpha import alpha_charge, alpha_step
from ..models.snntorch.lapicque import lapicque_charge, lapicque_step
from ..models.snntorch.leaky import leaky_charge, leaky_immediate_reset, leaky_step
from ..models.snntorch.synaptic import synaptic_charge, synaptic_step
from ..models.spikingjelly._common import lif_charge, spike_ge, voltage_reset
from ..models.spikingjelly.eif import eif_charge, eif_charge_of_exp, eif_exp, sj_eif_step, sj_eif_step_and_exp
from ..models.spikingjelly.if_ import if_charge, sj_if_step
from ..models.spikingjelly.izhikevich import izhikevich_adapt, sj_izhikevich_step
from ..models.spikingjelly.izhikevich import izhikevich_charge as sj_izhikevich_charge
from ..models.spikingjelly.klif import klif_rectify, klif_reset, sj_klif_step
from ..models.spikingjelly.liaf import liaf_output, sj_liaf_step
from ..models.spikingjelly.lif import sj_lif_step
from ..models.spikingjelly.parametric_lif import plif_charge, sj_plif_step
from ..models.spikingjelly.qif import qif_charge, sj_qif_step

#: the models' functions the steps call, for registration with the compilers
MODEL_FUNCTIONS = (
    spike_gt,
    leaky_charge,
    leaky_immediate_reset,
    synaptic_charge,
    izhikevich_dv,
    izhikevich_du,
    izhikevich_u_update,
    adex_exp_term,
    adex_dV_of_exp,
    adex_dV,
    adex_dw,
    spike_ge,
    voltage_reset,
    lif_charge,
    if_charge,
    norse_spike_gt,
    lif_update,
    alpha_charge,
    lapicque_charge,
    eif_exp,
    eif_charge_of_exp,
    eif_charge,
    qif_charge,
    sj_izhikevich_charge,
    izhikevich_adapt,
    klif_rectify,
    klif_reset,
    plif_charge,
    liaf_output,
    norse_adex_exp,
    norse_adex_dv_of_exp,
    norse_adex_dv,
    lif_adex_decay_of_exp,
    lif_adex_update_and_exp,
    lif_adex_update,
    lif_adex_encoder_update_and_exp,
    lif_adex_encoder_update,
    lsnn_update,
)
STEP_FUNCTIONS = (
    leaky_step,
    synaptic_step,
    izhikevich_step,
    adex_step,
    adex_step_and_exp,
    sj_lif_step,
    sj_if_step,
    norse_lif_step,
    alpha_step,
    lapicque_step,
    sj_eif_step,
    sj_eif_step_and_exp,
    sj_qif_step,
    sj_izhikevich_step,
    sj_klif_step,
    sj_plif_step,
    sj_liaf_step,
    norse_lif_adex_step,
    norse_lif_adex_step_and_exp,
    norse_encoder_step,
    norse_encoder_step_and_exp,
    norse_lsnn_step,
)

