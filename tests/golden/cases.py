"""The golden cases refneuron pins, one list per data file.

Each entry is a :class:`refneuron.golden.GoldenCase`: a case name, the model
record with its parameters, and the input recipe.  To pin a new model, add a
list (or entries) here and run ``python -m tests.golden.make_golden FILE``
for that file only; the test suite then checks that the current code
reproduces every stored case bit for bit.

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
