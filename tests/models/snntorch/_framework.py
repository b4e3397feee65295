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


def decision_margin(model, x, state0, res):
    """Smallest ``|value - threshold|`` over every threshold decision of a Leaky or
    Synaptic run (tolerances §5), also with ``reset_delay=False``.

    Each step makes two decisions: the delayed reset ``R_t = H(U_{t-1} - theta)`` on
    the stored membrane of the previous step (``state0`` for the first), and the spike
    ``S_t = H(M_t - theta)`` on the candidate ``M_t`` (after the delayed reset, before
    any immediate one).  With ``reset_delay=True`` the stored membrane is ``M_t``; with
    ``reset_delay=False`` it is post-reset, so ``M_t`` is rebuilt by a twin step with
    ``reset_delay=True`` from each stored state (the immediate reset is the only
    difference between the two options).  For ``reset_delay=True`` the twin must
    reproduce the stored trace bit for bit (asserted: a check of the twin itself).
    """
    names = list(state0)
    thr = np.asarray(model.threshold)
    twin = model.replace(reset_delay=True)
    candidates = []
    state = dict(state0)
    for t in range(x.shape[0]):
        _, new = twin.step(state, x[t])
        candidates.append(np.asarray(new.mem))
        state = {n: res.states[n][t] for n in names}
    candidates = np.array(candidates)
    if model.reset_delay:
        np.testing.assert_array_equal(candidates, res.states["mem"], err_msg="twin step differs from the run")
    stored = np.concatenate([np.asarray(state0["mem"])[None], res.states["mem"][:-1]])
    return min(min_margin(candidates, thr), min_margin(stored, thr))
