"""Randomised cases shared by the snntorch gradient tests.

Inputs are drawn so that the neurons fire many times (the tests assert a
minimum spike count), with per-neuron parameters where snntorch allows them,
random initial states and random upstream weights on the output and on every
state trace.
"""

from __future__ import annotations

import numpy as np

from ._harness import Case

STATES = {
    "Leaky": ("mem",),
    "Synaptic": ("syn", "mem"),
    "Lapicque": ("mem",),
    "Alpha": ("syn_exc", "syn_inh", "mem"),
}

#: parameters snntorch 1.0.0 lets one learn (Alpha's alpha cannot be: quirk
#: snntorch_alpha_learn_alpha; it is checked by finite differences only)
LEARNABLE = {
    "Leaky": ("beta", "threshold", "graded_spikes_factor"),
    "Synaptic": ("alpha", "beta", "threshold"),
    "Lapicque": ("threshold",),
    "Alpha": ("beta", "threshold"),
}

#: every parameter refneuron differentiates (for the finite-difference checks;
#: Lapicque's beta reaches the update through the derived C, see Lapicque._vjp_step)
DIFFERENTIABLE = {**LEARNABLE, "Alpha": ("alpha", "beta", "threshold"), "Lapicque": ("beta", "threshold")}


def make_case(cls_name, rng, *, shape=(3, 4), T=50, reset="subtract", delay=True, inhibition=False,
              per_neuron=True, scalar_threshold=0.7, g=1.7, float32_spikes=False, spike_grad=None,
              x_scale=1.0, upstream_output=True):  # fmt: skip
    """One case; ``scalar_threshold`` is used when ``per_neuron`` is False
    (0.7 is not float32-representable, which exercises float32_spikes)."""
    pn = lambda lo, hi: rng.uniform(lo, hi, size=shape) if per_neuron else float(rng.uniform(lo, hi))  # noqa: E731
    thr = pn(0.5, 1.5) if per_neuron else scalar_threshold
    kw = dict(threshold=thr, inhibition=inhibition, float32_spikes=float32_spikes)
    if cls_name != "Alpha" or reset != "zero":
        kw["reset_mechanism"] = reset
    else:
        kw["reset_mechanism"] = "zero"
    if spike_grad is not None:
        kw["spike_grad"] = spike_grad
    if cls_name == "Leaky":
        kw.update(beta=pn(0.5, 0.95), graded_spikes_factor=pn(0.5, 2.0) if per_neuron else g, reset_delay=delay)
        x = rng.normal(0.4, 0.6, size=(T, *shape))
    elif cls_name == "Synaptic":
        kw.update(alpha=pn(0.3, 0.9), beta=pn(0.5, 0.95), reset_delay=delay)
        x = rng.normal(0.2, 0.4, size=(T, *shape))
    elif cls_name == "Lapicque":
        # beta and R resolve C; snntorch takes no per-neuron beta, R, C
        kw.update(beta=0.9, R=5.0)
        x = rng.normal(2.0, 3.0, size=(T, *shape))
    else:
        b = pn(0.3, 0.8)
        kw.update(alpha=b + 0.15, beta=b)
        x = rng.normal(0.5, 1.0, size=(T, *shape))
    names = STATES[cls_name]
    state0 = {n: rng.normal(0.0, 0.5, size=shape) for n in names}
    up = {n: rng.normal(size=(T, *shape)) for n in names}
    if upstream_output:
        up["output"] = rng.normal(size=(T, *shape))
    return Case(cls_name, kw, x * x_scale, state0, up, learn=LEARNABLE[cls_name])


def option_grid(cls_name):
    """(reset, reset_delay, inhibition) combinations of a model."""
    resets = ("subtract", "zero", "none")
    delays = (True, False) if cls_name in ("Leaky", "Synaptic") else (True,)
    return [(r, d, i) for r in resets for d in delays for i in (False, True)]


def seed(*key):
    """A reproducible seed from a tuple (``hash`` of strings changes between runs)."""
    import zlib

    return zlib.crc32(repr(key).encode())
