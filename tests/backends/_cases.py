"""Model configurations and inputs shared by the backend tests.

Inputs are random normals chosen so that every model spikes often; none of
them is a multiple of 0.5, so exact threshold ties (where backends may
legitimately disagree) do not occur by construction.
"""

from __future__ import annotations

import numpy as np

import refneuron as rn


def leaky_cases():
    out = []
    for reset in ("subtract", "zero", "none"):
        for delay in (True, False):
            out.append((f"Leaky-{reset}-delay{delay}", rn.snntorch.Leaky(beta=0.9, reset_mechanism=reset, reset_delay=delay)))
    out.append(("Leaky-thr0.7-f32off", rn.snntorch.Leaky(beta=0.8, threshold=0.7, float32_spikes=False)))
    out.append(("Leaky-graded", rn.snntorch.Leaky(beta=0.95, threshold=0.7, graded_spikes_factor=0.3)))
    return out


def synaptic_cases():
    out = []
    for reset in ("subtract", "zero", "none"):
        for delay in (True, False):
            out.append((f"Synaptic-{reset}-delay{delay}", rn.snntorch.Synaptic(alpha=0.8, beta=0.9, reset_mechanism=reset, reset_delay=delay)))
    out.append(("Synaptic-thr0.7-f32off", rn.snntorch.Synaptic(alpha=0.5, beta=0.7, threshold=0.7, float32_spikes=False)))
    return out


def izhikevich_cases():
    out = []
    for scheme in ("figure2004", "network2003", "euler"):
        for rule in ("standard", "accommodation"):
            out.append((f"Izh-{scheme}-{rule}", rn.canonical.Izhikevich(scheme=scheme, u_rule=rule)))
    return out


def adex_cases():
    return [
        ("AdEx-default", rn.canonical.AdEx()),
        ("AdEx-bursting", rn.canonical.AdEx(C_m=200.0, g_L=10.0, E_L=-58.0, V_T=-50.0, Delta_T=2.0, tau_w=120.0, a=2.0, b=100.0, V_reset=-46.0, dt=0.05)),
    ]


def spikingjelly_cases():
    out = []
    for decay in (True, False):
        for v_reset in (0.0, None, -0.3):
            out.append((f"sjLIF-decay{decay}-vreset{v_reset}", rn.spikingjelly.LIF(tau=2.5, decay_input=decay, v_reset=v_reset)))
    for v_reset in (0.0, None):
        out.append((f"sjIF-vreset{v_reset}", rn.spikingjelly.IF(v_threshold=1.3, v_reset=v_reset)))
    return out


def norse_cases():
    return [
        ("norseLIF-default", rn.norse.LIF()),
        ("norseLIF-custom", rn.norse.LIF(tau_syn_inv=150.0, tau_mem_inv=80.0, v_leak=-0.1, v_th=0.7, v_reset=-0.2, dt=0.002)),
    ]


def snntorch_more_cases():
    out = []
    for reset in ("zero", "subtract", "none"):
        out.append((f"Alpha-{reset}", rn.snntorch.Alpha(alpha=0.9, beta=0.8, reset_mechanism=reset)))
    out.append(("Alpha-thr0.7-f32off", rn.snntorch.Alpha(alpha=0.7, beta=0.3, threshold=0.7, reset_mechanism="subtract", float32_spikes=False)))
    for reset in ("subtract", "zero", "none"):
        out.append((f"Lapicque-{reset}", rn.snntorch.Lapicque(beta=0.9, reset_mechanism=reset)))
    out.append(("Lapicque-RC", rn.snntorch.Lapicque(R=2.0, C=3.0, time_step=0.5, threshold=0.7)))
    return out


def spikingjelly_more_cases():
    sj = rn.spikingjelly
    out = [
        ("sjEIF-default", sj.EIF()),
        ("sjEIF-soft", sj.EIF(tau=3.0, delta_T=0.5, theta_rh=0.6, v_reset=None)),
        ("sjQIF-default", sj.QIF()),
        ("sjQIF-soft", sj.QIF(tau=3.0, a0=1.5, v_c=0.7, v_reset=None)),
        ("sjIzh-default", sj.Izhikevich()),
        ("sjIzh-adapt", sj.Izhikevich(tau=3.0, tau_w=5.0, a=0.5, b=0.3, w_rest=0.1)),
        ("sjIzh-soft", sj.Izhikevich(a=0.2, b=0.1, v_reset=None)),
        ("sjPLIF-default", sj.ParametricLIF()),
        ("sjPLIF-w-nodecay", sj.ParametricLIF(w=0.4, decay_input=False)),
        ("sjPLIF-soft", sj.ParametricLIF(init_tau=3.0, v_reset=None)),
    ]
    for scale in (False, True):
        for v_reset in (0.0, None):
            out.append((f"sjKLIF-scale{scale}-vreset{v_reset}", sj.KLIF(k=1.3, scale_reset=scale, v_reset=v_reset)))
    out.append(("sjKLIF-nodecay", sj.KLIF(k=0.8, decay_input=False)))
    for act in ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "hardtanh"):
        out.append((f"sjLIAF-{act}", sj.LIAF(act=act)))
    out.append(("sjLIAF-tanh-unrelated-soft", sj.LIAF(act="tanh", threshold_related=False, v_reset=None, decay_input=False)))
    return out


def norse_more_cases():
    nr = rn.norse
    return [
        ("norseLIFAdEx-default", nr.LIFAdEx()),
        ("norseLIFAdEx-custom", nr.LIFAdEx(adaptation_current=1.0, adaptation_spike=0.5, delta_T=0.3, tau_ada_inv=5.0, v_th=0.8, v_reset=-0.2)),
        ("norseEncoder-default", nr.LIFAdExCurrentEncoder()),
        ("norseEncoder-corrected", nr.LIFAdExCurrentEncoder(corrected_adaptation=True)),
        ("norseLSNN-default", nr.LSNN()),
        ("norseLSNN-custom", nr.LSNN(beta=0.5, tau_adapt_inv=50.0, v_th=0.8, v_reset=-0.1)),
    ]


def inputs_for(model, shape, seed=0):
    """Inputs of shape ``(T, *neurons)`` that make ``model`` spike often."""
    rng = np.random.default_rng(seed)
    name = model.name
    if name == "snntorch.Leaky":
        return rng.normal(0.25, 0.6, shape)
    if name == "canonical.Izhikevich":
        return rng.normal(12.0, 8.0, shape)
    if name == "snntorch.Synaptic":
        return rng.normal(0.05, 0.4, shape)
    if name == "canonical.AdEx":
        return rng.normal(900.0, 400.0, shape)
    if name == "spikingjelly.IF":
        return rng.normal(0.2, 0.7, shape)
    if name == "spikingjelly.LIF":
        return rng.normal(0.9, 1.2, shape)
    if name == "norse.LIF":
        return rng.normal(2.0, 3.0, shape)
    if name == "snntorch.Alpha":
        return rng.normal(0.3, 0.5, shape)
    if name == "snntorch.Lapicque":
        return rng.normal(1.2, 1.0, shape)
    if name in ("norse.LIFAdEx", "norse.LIFAdExCurrentEncoder", "norse.LSNN"):
        return rng.normal(2.0, 3.0, shape)
    if name.startswith("spikingjelly."):
        return rng.normal(0.6, 1.0, shape)
    return rng.normal(0.5, 1.0, shape)


def all_cases():
    return (
        leaky_cases() + synaptic_cases() + izhikevich_cases() + adex_cases() + spikingjelly_cases() + norse_cases()
        + snntorch_more_cases() + spikingjelly_more_cases() + norse_more_cases()
    )  # fmt: skip


#: models whose state update calls exp: the kernels' exp (backends/_fastexp, within 1 ulp) and
#: NumPy's vectorised exp may differ in the last bit (tolerances.md, mechanism 2)
USES_EXP = {"canonical.AdEx", "spikingjelly.EIF", "norse.LIFAdEx", "norse.LIFAdExCurrentEncoder"}


def analog_output_uses_libm(model):
    """True if the model's output (not its state) goes through exp or tanh:
    LIAF with the sigmoid or tanh activation (state bitwise, output to ulps)."""
    return model.name == "spikingjelly.LIAF" and model.act in ("sigmoid", "tanh")


def upstroke(model, name, values):
    """Mask of the entries of state ``name`` on an exponential upstroke
    (AdEx: ``V >= V_T``, where the exp term makes the dynamics unstable and
    amplifies any round-off difference until the reset), or None."""
    if model.name == "canonical.AdEx" and name == "V":
        return values >= model.V_T  # a per-neuron V_T broadcasts over the time axis
    return None


def per_neuron(model, neuron_shape, seed=1):
    """A copy of ``model`` with one parameter made per-neuron (all neurons differ)."""
    rng = np.random.default_rng(seed)
    if model.name == "snntorch.Leaky":
        return model.replace(beta=rng.uniform(0.5, 0.99, neuron_shape), threshold=rng.uniform(0.6, 1.4, neuron_shape))
    if model.name == "canonical.Izhikevich":
        return model.replace(a=rng.uniform(0.01, 0.1, neuron_shape), d=rng.uniform(0.05, 8.0, neuron_shape))
    if model.name == "canonical.AdEx":
        return model.replace(a=rng.uniform(0.0, 4.0, neuron_shape), b=rng.uniform(0.0, 100.0, neuron_shape))
    if model.name == "snntorch.Synaptic":
        return model.replace(alpha=rng.uniform(0.3, 0.9, neuron_shape), threshold=rng.uniform(0.6, 1.4, neuron_shape))
    if model.name == "norse.LIF":
        return model.replace(v_th=rng.uniform(0.5, 1.5, neuron_shape), tau_mem_inv=rng.uniform(50.0, 150.0, neuron_shape))
    if model.name == "snntorch.Alpha":
        return model.replace(alpha=rng.uniform(0.6, 0.95, neuron_shape), beta=0.5, threshold=rng.uniform(0.6, 1.4, neuron_shape))
    if model.name == "snntorch.Lapicque":
        return model.replace(threshold=rng.uniform(0.6, 1.4, neuron_shape))
    if model.name == "norse.LIFAdEx":
        return model.replace(v_th=rng.uniform(0.5, 1.5, neuron_shape), adaptation_spike=rng.uniform(0.0, 0.5, neuron_shape))
    if model.name == "norse.LIFAdExCurrentEncoder":
        return model.replace(tau_mem_inv=rng.uniform(50.0, 150.0, neuron_shape), v_th=rng.uniform(0.5, 1.5, neuron_shape))
    if model.name == "norse.LSNN":
        return model.replace(beta=rng.uniform(0.5, 2.0, neuron_shape), v_th=rng.uniform(0.5, 1.5, neuron_shape))
    if model.name.startswith("spikingjelly."):
        return model.replace(v_threshold=1.1)  # spikingjelly parameters are scalars
    raise KeyError(model.name)
