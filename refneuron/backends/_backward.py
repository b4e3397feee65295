"""Registry of the one-neuron reverse steps the compiled backward kernels call.

The backward kernels (:mod:`.cpu_vjp`, :mod:`.cuda_vjp`) run, per neuron,
the forward of a whole run storing the state before each step (the tape),
then the steps in reverse time order.  Each model's reverse step is the
per-neuron body of its ``_vjp_step`` and lives in the model's own file,
beside the model class and the element-wise adjoints it calls (the same
functions the NumPy ``_vjp_step`` calls: one definition of the backward
math): it recomputes the step's forward intermediates from the stored
state and the input, evaluates the surrogate derivative, and calls the
adjoint, adding nothing but the sequencing.

==========================  ==============================================
reverse step                model file (``refneuron/models/...``)
==========================  ==============================================
``leaky_back``              ``snntorch/leaky.py``
``synaptic_back``           ``snntorch/synaptic.py``
``alpha_back``              ``snntorch/alpha.py``
``lapicque_back``           ``snntorch/lapicque.py``
``sj_lif_back``             ``spikingjelly/lif.py``
``sj_if_back``              ``spikingjelly/if_.py``
``sj_eif_back``             ``spikingjelly/eif.py`` (+ ``sj_eif_back_of_exp``)
``sj_qif_back``             ``spikingjelly/qif.py``
``sj_izhikevich_back``      ``spikingjelly/izhikevich.py``
``sj_klif_back``            ``spikingjelly/klif.py``
``sj_plif_back``            ``spikingjelly/parametric_lif.py``
``sj_liaf_back``            ``spikingjelly/liaf.py``
``_sj_fire_back``           ``spikingjelly/_common.py`` (shared fire/reset)
``norse_lif_back``          ``norse/lif.py``
``norse_lif_adex_back``     ``norse/lif_adex.py`` (+ ``norse_lif_adex_back_of_exp``)
``norse_encoder_back``      ``norse/lif_adex.py`` (+ ``norse_encoder_back_of_exp``)
``norse_lsnn_back``         ``norse/lsnn.py``
``izhikevich_back``         ``canonical/izhikevich.py``
``adex_back``               ``canonical/adex.py`` (+ ``adex_back_of_exp``)
==========================  ==============================================

This module only gathers them for the kernels: it re-exports the reverse
steps under their names (:mod:`.cpu_vjp` and :mod:`.cuda_vjp` import them
from here) and lists what the compilers must register,
:data:`BACKWARD_FUNCTIONS` (the functions the reverse steps call) and
:data:`BACK_STEPS` (the reverse steps).  Each reverse step returns
``(g_x, *g_state_prev, *g_params)`` in the order of the model's
``_vjp_step`` dictionaries.

Surrogates
----------
A surrogate enters a kernel as ``(code, p0, p1)`` (:func:`surrogate_args`,
here): the code selects one of the surrogate modules' element-wise
derivative functions (the same functions the surrogate classes'
``derivative`` methods call), ``p0``/``p1`` are its parameters.  The codes
and :func:`surrogate_slope`, the derivative by code that the reverse steps
call, live in :mod:`refneuron.surrogates._codes` (importable by the model
files, which must not import the backends) and are re-exported here.
Code 0 is "no gradient through the spike" (snntorch
``surrogate_disable``, norse ``method="heaviside"``).  Other surrogates
(custom functions, stochastic ones, the rest of the catalogue) have no
compiled form yet and make the compiled backward raise
:class:`~refneuron.errors.BackendUnavailable`.
"""

from __future__ import annotations

from ..errors import BackendUnavailable
from ..models.canonical._common import hard_spike, reset_u, reset_v
from ..models.canonical.adex import adex_adjoint, adex_back, adex_back_of_exp
from ..models.canonical.izhikevich import (
    izhikevich_adjoint,
    izhikevich_back,
    izhikevich_du_grads,
    izhikevich_dv_grads,
    izhikevich_spike_v,
)
from ..models.norse.lif import lif_decay, lif_decay_adjoint_parts, lif_update_adjoint, norse_lif_back
from ..models.norse.lif_adex import (
    adaptation_adjoint_parts,
    adex_dv as norse_adex_dv,
    adex_dv_adjoint_parts,
    adex_dv_of_exp as norse_adex_dv_of_exp,
    adex_exp as norse_adex_exp,
    lif_adex_decay,
    lif_adex_decay_of_exp,
    lif_adex_encoder_adjoint,
    lif_adex_update_adjoint,
    norse_encoder_back,
    norse_encoder_back_of_exp,
    norse_lif_adex_back,
    norse_lif_adex_back_of_exp,
)
from ..models.norse.lsnn import lsnn_decay, lsnn_update_adjoint, norse_lsnn_back
from ..models.snntorch._common import round32, spike_reset_adjoint
from ..models.snntorch.alpha import alpha_back, alpha_charge_adjoint
from ..models.snntorch.lapicque import lapicque_back, lapicque_charge_adjoint
from ..models.snntorch.leaky import leaky_back, leaky_charge_adjoint
from ..models.snntorch.synaptic import synaptic_back, synaptic_charge_adjoint
from ..models.spikingjelly._common import _sj_fire_back, lif_charge_adjoint, reset_adjoint
from ..models.spikingjelly.eif import eif_charge_adjoint, eif_charge_adjoint_of_exp, sj_eif_back, sj_eif_back_of_exp
from ..models.spikingjelly.if_ import sj_if_back
from ..models.spikingjelly.izhikevich import izhikevich_adjoint as sj_izhikevich_adjoint
from ..models.spikingjelly.izhikevich import sj_izhikevich_back
from ..models.spikingjelly.klif import klif_adjoint, sj_klif_back
from ..models.spikingjelly.liaf import liaf_output_derivative, sj_liaf_back
from ..models.spikingjelly.lif import sj_lif_back
from ..models.spikingjelly.parametric_lif import plif_charge_adjoint, sj_plif_back
from ..models.spikingjelly.qif import qif_charge_adjoint, sj_qif_back
from ..surrogates import norse as _sn
from ..surrogates import snntorch as _st
from ..surrogates import spikingjelly as _sj
from ..surrogates._codes import (
    NORSE_SUPERSPIKE,
    SJ_ATAN,
    SJ_SIGMOID,
    ST_ATAN,
    ST_FAST_SIGMOID,
    ST_SIGMOID,
    ZERO_GRAD,
    surrogate_slope,
)


def surrogate_args(sur, disabled=False):
    """``(code, p0, p1)`` of a surrogate record for the kernels.

    Raises
    ------
    BackendUnavailable
        The surrogate has no compiled derivative.
    """
    if disabled:
        return ZERO_GRAD, 0.0, 0.0
    kind = type(sur)
    if kind is _st.ATan:
        return ST_ATAN, float(sur.alpha), 0.0
    if kind is _st.FastSigmoid:
        return ST_FAST_SIGMOID, float(sur.slope), 0.0
    if kind is _st.Sigmoid:
        return ST_SIGMOID, float(sur.slope), _st.f32(sur.slope)
    if kind is _sj.Sigmoid and sur.spiking:
        return SJ_SIGMOID, float(sur.alpha), 0.0
    if kind is _sj.ATan and sur.spiking:
        return SJ_ATAN, float(sur.alpha), 0.0
    if kind is _sn.SuperSpike:
        return NORSE_SUPERSPIKE, float(sur.alpha), 1.0 if sur.alpha_fixed else 0.0
    if kind is _sn.Heaviside:
        return ZERO_GRAD, 0.0, 0.0
    raise BackendUnavailable(
        f"surrogate {kind.__module__.rsplit('.', 1)[-1]}.{kind.__name__}"
        f"{'' if getattr(sur, 'spiking', True) else ' (spiking=False)'} has no compiled derivative in this "
        "version (compiled: snntorch ATan/FastSigmoid/Sigmoid, spikingjelly Sigmoid/ATan, norse super/heaviside)"
    )


#: functions the reverse steps call, for registration with the compilers
#: the surrogate derivatives by code and the functions behind them
SURROGATE_FUNCTIONS = (
    surrogate_slope,
    _st.atan_derivative,
    _st.fast_sigmoid_derivative,
    _st.sigmoid_derivative,
    _sj.sigmoid_surrogate_derivative,
    _sj.atan_surrogate_derivative,
    _sn.superspike_derivative,
)

BACKWARD_FUNCTIONS = (
    hard_spike,
    reset_u,
    reset_v,
    izhikevich_du_grads,
    izhikevich_dv_grads,
    adex_adjoint,
    izhikevich_adjoint,
    izhikevich_spike_v,
    lif_decay,
    lif_decay_adjoint_parts,
    lif_update_adjoint,
    round32,
    spike_reset_adjoint,
    leaky_charge_adjoint,
    lif_charge_adjoint,
    reset_adjoint,
    *SURROGATE_FUNCTIONS,
    synaptic_charge_adjoint,
    alpha_charge_adjoint,
    lapicque_charge_adjoint,
    eif_charge_adjoint,
    eif_charge_adjoint_of_exp,
    qif_charge_adjoint,
    sj_izhikevich_adjoint,
    klif_adjoint,
    plif_charge_adjoint,
    liaf_output_derivative,
    _sj_fire_back,
    norse_adex_exp,
    norse_adex_dv_of_exp,
    norse_adex_dv,
    adex_dv_adjoint_parts,
    adaptation_adjoint_parts,
    lif_adex_decay,
    lif_adex_decay_of_exp,
    lif_adex_update_adjoint,
    lif_adex_encoder_adjoint,
    lsnn_decay,
    lsnn_update_adjoint,
)

BACK_STEPS = (
    leaky_back, sj_lif_back, norse_lif_back, izhikevich_back, adex_back, adex_back_of_exp, synaptic_back, alpha_back,
    lapicque_back, sj_if_back, sj_eif_back, sj_eif_back_of_exp, sj_qif_back, sj_izhikevich_back, sj_klif_back,
    sj_plif_back, sj_liaf_back,
    norse_lif_adex_back, norse_lif_adex_back_of_exp, norse_encoder_back, norse_encoder_back_of_exp, norse_lsnn_back,
)  # fmt: skip
