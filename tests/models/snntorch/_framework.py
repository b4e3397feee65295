"""Run an snntorch 1.0.0 neuron step by step in float64 (the oracle of these tests).

The module is built *and* called under ``torch.set_default_dtype(float64)``
(specification, models §0.2): its buffers are float64, and so are divisions
of integer buffers evaluated at call time (Lapicque with integer R, C,
time_step).  The state returned by each call is fed back into the next, as
in snntorch's functional use.
"""

from __future__ import annotations

import numpy as np

from ..._oracle import float64_default, numpy, tensor

# constructor arguments that snntorch accepts as per-neuron tensors
TENSOR_PARAMS = ("alpha", "beta", "threshold")


def snntorch_run(cls_name, kwargs, x, state0, names):
    """Run ``snntorch.<cls_name>(**kwargs)`` over ``x`` (T, *shape).

    ``state0`` maps each name of ``names`` (snntorch's forward-argument
    order) to an initial array.  Returns ``(spikes, {name: trace})``, all
    float64 arrays of shape ``(T, *shape)``.
    """
    import snntorch
    import torch

    with float64_default(), torch.no_grad():
        kw = {k: (tensor(v) if k in TENSOR_PARAMS and isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        neuron = getattr(snntorch, cls_name)(**kw)
        state = [tensor(state0[n]) for n in names]
        spikes, traces = [], {n: [] for n in names}
        for xt in tensor(x).unbind(0):
            spk, *state = neuron(xt, *state)
            spikes.append(numpy(spk))
            for n, v in zip(names, state):
                traces[n].append(numpy(v))
    return np.array(spikes), {n: np.array(v) for n, v in traces.items()}


def min_margin(mem, threshold):
    """Smallest ``|U - threshold|`` of a run (tolerances §5: near-ties could flip a spike)."""
    return float(np.min(np.abs(np.asarray(mem) - np.asarray(threshold))))
