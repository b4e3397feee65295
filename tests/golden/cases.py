"""The golden cases refneuron pins, one list per data file.

Each entry is a :class:`refneuron.golden.GoldenCase`: a case name, the model
record with its parameters, and the input recipe.  To pin a new model, add a
list (or entries) here and run ``python -m tests.golden.make_golden FILE``
for that file only; the test suite then checks that the current code
reproduces every stored case bit for bit (for a model that calls NumPy's
``exp``, ``log`` or ``tanh``, whose last bit depends on the CPU, bit for bit
only on a CPU of the kind that wrote the file, elsewhere within the stated
tolerance of ``test_golden.py``).

Inputs are chosen so that every case fires (the spike and reset paths are
exercised), and use values that are not float32-representable where the
framework quirk depends on it (snntorch threshold 0.7).
"""

from __future__ import annotations

import numpy as np

import refneuron as rn
from refneuron.golden import GoldenCase, InputSpec

_LEAKY_IN = InputSpec("normal", seed=20240101, shape=(120, 2, 5), params={"loc": 0.35, "scale": 0.6})


def _leaky_cases():
    out = []
    for reset in ("subtract", "zero", "none"):
        for delay in (True, False):
            out.append(
                GoldenCase(
                    f"leaky_{reset}_{'delay' if delay else 'immediate'}",
                    rn.snntorch.Leaky(beta=0.85, threshold=0.7, reset_mechanism=reset, reset_delay=delay),
                    _LEAKY_IN,
                    description=f"snntorch.Leaky reset_mechanism={reset!r} reset_delay={delay}",
                )
            )
    # per-neuron beta and threshold, graded spikes, a non-default initial state
    out.append(
        GoldenCase(
            "leaky_per_neuron_graded",
            rn.snntorch.Leaky(
                beta=np.linspace(0.6, 0.95, 5), threshold=np.linspace(0.5, 1.3, 5), graded_spikes_factor=1.7
            ),
            _LEAKY_IN,
            state={"mem": np.linspace(-0.5, 0.9, 5)},
            description="per-neuron beta/threshold, graded_spikes_factor=1.7, initial mem",
        )
    )
    return out


def _normal(seed, shape, loc, scale):
    return InputSpec("normal", seed=seed, shape=shape, params={"loc": loc, "scale": scale})


def _snntorch_cases():
    syn_in = _normal(31, (100, 2, 4), 0.06, 0.3)
    lap_in = _normal(32, (100, 2, 4), 2.0, 1.5)
    alpha_in = _normal(33, (100, 2, 4), 0.3, 0.5)
    return {
        "snntorch_synaptic.npz": [
            GoldenCase("synaptic_default", rn.snntorch.Synaptic(alpha=0.8, beta=0.9), syn_in),
            GoldenCase("synaptic_per_neuron_zero_immediate",
                       rn.snntorch.Synaptic(alpha=np.linspace(0.5, 0.9, 4), beta=np.linspace(0.7, 0.95, 4),
                                            threshold=0.7, reset_mechanism="zero", reset_delay=False),
                       syn_in, state={"syn": np.linspace(-0.2, 0.3, 4), "mem": np.linspace(0.0, 0.6, 4)},
                       description="per-neuron alpha/beta, zero reset, immediate reset, initial state"),
            GoldenCase("synaptic_exact_threshold", rn.snntorch.Synaptic(alpha=0.8, beta=0.9, threshold=0.7,
                                                                        float32_spikes=False), syn_in,
                       description="float32_spikes=False (snntorch after PR #432)"),
        ],
        "snntorch_lapicque.npz": [
            GoldenCase("lapicque_beta", rn.snntorch.Lapicque(beta=0.9), lap_in),
            GoldenCase("lapicque_RC_zero", rn.snntorch.Lapicque(R=2.0, C=3.0, time_step=0.5, threshold=0.7,
                                                                reset_mechanism="zero"),
                       _normal(34, (100, 2, 4), 1.2, 0.8), description="R and C given, zero reset"),
            GoldenCase("lapicque_per_neuron_threshold", rn.snntorch.Lapicque(beta=0.85, threshold=np.linspace(0.8, 1.6, 4)), lap_in,
                       state={"mem": np.linspace(-0.5, 0.5, 4)}),
        ],
        "snntorch_alpha.npz": [
            GoldenCase("alpha_default", rn.snntorch.Alpha(alpha=0.9, beta=0.8), alpha_in),
            GoldenCase("alpha_subtract_per_neuron",
                       rn.snntorch.Alpha(alpha=np.linspace(0.85, 0.95, 4), beta=np.linspace(0.6, 0.8, 4),
                                         threshold=0.7, reset_mechanism="subtract"),
                       alpha_in, description="per-neuron alpha/beta, the quirky subtract reset"),
        ],
    }


def _sj_cases():
    sj = rn.spikingjelly
    lif_in = _normal(41, (100, 2, 4), 1.3, 0.8)
    nl_in = _normal(42, (100, 2, 4), 1.0, 0.5)
    soft = {"v_reset": None}
    return {
        "spikingjelly_if.npz": [
            GoldenCase("if_default", sj.IF(), _normal(40, (100, 2, 4), 0.3, 0.6)),
            GoldenCase("if_soft_reset", sj.IF(v_threshold=0.7, **soft), _normal(40, (100, 2, 4), 0.3, 0.6)),
        ],
        "spikingjelly_lif.npz": [
            GoldenCase("lif_default", sj.LIF(), lif_in),
            GoldenCase("lif_soft_no_decay_input", sj.LIF(tau=3.0, decay_input=False, **soft),
                       _normal(43, (100, 2, 4), 0.5, 0.5), state={"v": np.linspace(-0.2, 0.8, 4)}),
            GoldenCase("lif_analog_reset", sj.LIF(surrogate_function=rn.surrogates.spikingjelly.Sigmoid(spiking=False)),
                       lif_in, description="spiking=False: analog output and reset (quirk spikingjelly_analog_reset)"),
        ],
        "spikingjelly_parametric_lif.npz": [
            GoldenCase("plif_default", sj.ParametricLIF(), lif_in),
            GoldenCase("plif_w_soft", sj.ParametricLIF(init_tau=3.0, w=0.3, decay_input=False, **soft),
                       _normal(44, (100, 2, 4), 0.5, 0.5)),
        ],
        "spikingjelly_qif.npz": [
            GoldenCase("qif_default", sj.QIF(), nl_in),
            GoldenCase("qif_params", sj.QIF(tau=3.0, v_c=0.5, a0=2.0, v_reset=-0.3), nl_in),
        ],
        "spikingjelly_eif.npz": [
            GoldenCase("eif_default", sj.EIF(), nl_in),
            GoldenCase("eif_params", sj.EIF(tau=3.0, delta_T=0.5, theta_rh=0.6, v_reset=-0.2), nl_in),
        ],
        "spikingjelly_izhikevich.npz": [
            GoldenCase("izhikevich_default", sj.Izhikevich(), nl_in),
            GoldenCase("izhikevich_adapting", sj.Izhikevich(a=0.5, b=0.3, tau_w=4.0), nl_in,
                       state={"v": np.linspace(-0.1, 0.5, 4), "w": np.linspace(0.0, 0.2, 4)}),
        ],
        "spikingjelly_liaf.npz": [
            GoldenCase("liaf_default", sj.LIAF(), lif_in),
            GoldenCase("liaf_tanh_unrelated", sj.LIAF(act="tanh", threshold_related=False), lif_in),
        ],
        "spikingjelly_klif.npz": [
            GoldenCase("klif_default", sj.KLIF(), lif_in),
            GoldenCase("klif_k_scale_reset", sj.KLIF(k=1.7, scale_reset=True, v_reset=None), lif_in),
        ],
    }


def _weights(seed, n_out, n_in):
    rng = np.random.default_rng(seed)
    return {"input_weights": rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)),
            "recurrent_weights": rng.normal(0, 0.1 / np.sqrt(n_out), (n_out, n_out))}


def _norse_cases():
    nr = rn.norse
    ff = _normal(51, (150, 2, 4), 0.3, 0.5)
    rec = _normal(52, (150, 2, 3), 0.6, 0.8)
    return {
        "norse_lif.npz": [
            GoldenCase("lif_default", nr.LIF(), ff),
            GoldenCase("lif_params", nr.LIF(tau_mem_inv=np.linspace(50.0, 150.0, 4), v_leak=0.1, v_reset=-0.2,
                                            v_th=0.9), ff, state={"v": np.linspace(0, 0.5, 4), "i": np.zeros(4)}),
        ],
        "norse_lif_recurrent.npz": [
            GoldenCase("lif_recurrent", nr.LIFRecurrent(**_weights(53, 4, 3)), rec),
            GoldenCase("lif_recurrent_autapses", nr.LIFRecurrent(**_weights(54, 4, 3), autapses=True), rec),
        ],
        "norse_lif_adex.npz": [
            GoldenCase("adex_default", nr.LIFAdEx(), ff),
            GoldenCase("adex_params", nr.LIFAdEx(adaptation_current=np.linspace(1.0, 6.0, 4), delta_T=0.3), ff),
        ],
        "norse_lif_adex_recurrent.npz": [
            GoldenCase("adex_recurrent", nr.LIFAdExRecurrent(**_weights(55, 4, 3)), rec),
        ],
        "norse_lif_adex_encoder.npz": [
            GoldenCase("encoder_default", nr.LIFAdExCurrentEncoder(), _normal(56, (60, 2, 4), 2.0, 1.0),
                       description="quirk norse_adex_encoder: the adaptation grows as (-2)^t"),
            GoldenCase("encoder_corrected", nr.LIFAdExCurrentEncoder(corrected_adaptation=True),
                       _normal(56, (150, 2, 4), 2.0, 1.0)),
        ],
        "norse_lsnn.npz": [
            GoldenCase("lsnn_default", nr.LSNN(), _normal(57, (150, 2, 4), 1.0, 0.5)),
            GoldenCase("lsnn_params", nr.LSNN(beta=np.linspace(0.5, 2.0, 4), tau_adapt_inv=50.0),
                       _normal(57, (150, 2, 4), 1.0, 0.5)),
        ],
        "norse_lsnn_recurrent.npz": [
            GoldenCase("lsnn_recurrent", nr.LSNNRecurrent(**_weights(58, 4, 3)), _normal(59, (150, 2, 3), 1.5, 0.8)),
        ],
    }


CASES = {
    "snntorch_leaky.npz": _leaky_cases(),
    "canonical_izhikevich.npz": [
        GoldenCase(
            f"izhikevich_{scheme}",
            rn.canonical.Izhikevich(scheme=scheme),
            # 200 ms at dt = 0.25 ms, I around 10 mV/ms: regular (tonic) spiking
            InputSpec("normal", seed=7, shape=(800, 3), params={"loc": 10.0, "scale": 3.0}),
            description=f"regular spiking (a, b, c, d) = (0.02, 0.2, -65, 2), scheme={scheme!r}",
        )
        for scheme in ("figure2004", "network2003", "euler")
    ],
    "canonical_adex.npz": [
        GoldenCase(
            "adex_tonic",
            rn.canonical.AdEx(),
            # 200 ms at dt = 0.1 ms, I around 800 pA (rheobase of the default cell is ~ 500 pA)
            InputSpec("normal", seed=11, shape=(2000, 3), params={"loc": 800.0, "scale": 150.0}),
            description="Brette & Gerstner (2005) defaults, noisy suprathreshold current",
        ),
    ],
}
CASES.update(_snntorch_cases())
CASES.update(_sj_cases())
CASES.update(_norse_cases())
