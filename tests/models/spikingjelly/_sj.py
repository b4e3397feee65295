"""Run a refneuron spikingjelly model's twin in spikingjelly 2.0.0, in float64.

The node is built from the refneuron record itself (same argument names;
floats passed as Python floats because spikingjelly asserts them), under
float64 default dtype so that the learnable scalars (PLIF ``w``, KLIF ``k``)
are float64 (models §0.2).  An initial state is set by assigning the node's
memories (``node.v``, ``node.w``) before the first call.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._oracle import float64_default, numpy, tensor

SJ_CLASS = {
    "spikingjelly.IF": "IFNode",
    "spikingjelly.LIF": "LIFNode",
    "spikingjelly.ParametricLIF": "ParametricLIFNode",
    "spikingjelly.QIF": "QIFNode",
    "spikingjelly.EIF": "EIFNode",
    "spikingjelly.Izhikevich": "IzhikevichNode",
    "spikingjelly.LIAF": "LIAFNode",
    "spikingjelly.KLIF": "KLIFNode",
}


def _act(name):
    import torch
    import torch.nn.functional as F

    return {
        "identity": torch.nn.Identity(),
        "relu": torch.relu,
        "leaky_relu": F.leaky_relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "hardtanh": F.hardtanh,
    }[name]


def build_node(model, step_mode="s"):
    """The spikingjelly node equivalent to the refneuron record ``model``."""
    import torch
    from spikingjelly.activation_based import neuron, surrogate

    kwargs = {}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if f.name in ("w", "k", "act", "threshold_related"):
            continue
        if f.name == "surrogate_function":
            value = surrogate.Sigmoid(alpha=float(value.alpha), spiking=bool(value.spiking))
        elif isinstance(value, float):
            value = float(value)
        kwargs[f.name] = value
    cls = getattr(neuron, SJ_CLASS[model.name])
    with float64_default():
        if model.name == "spikingjelly.LIAF":
            node = cls(_act(model.act), model.threshold_related, step_mode=step_mode, **kwargs)
        else:
            node = cls(step_mode=step_mode, **kwargs)
    with torch.no_grad():
        if model.name == "spikingjelly.ParametricLIF" and model.w is not None:
            node.w.fill_(model.w)
        if model.name == "spikingjelly.KLIF":
            node.k.fill_(model.k)
    return node


def run_node(model, x, state0=None, step_mode="s"):
    """Output and state traces ``(y[T, ...], {name: trace[T, ...]})`` of spikingjelly.

    's': one call per step, reading the memories after each.  'm': one call
    on the whole sequence with ``store_v_seq`` (v trace; other states final only).
    """
    import torch

    node = build_node(model, step_mode)
    names = model.State.names()
    if state0 is not None:
        for n in names:
            setattr(node, n, tensor(state0[n]))
    xt = tensor(x)
    with torch.no_grad():
        if step_mode == "m":
            node.store_v_seq = True
            y = numpy(node(xt))
            return y, {"v": numpy(node.v_seq)}, {n: numpy(getattr(node, n)) for n in names}
        ys, traces = [], {n: [] for n in names}
        for t in range(x.shape[0]):
            ys.append(numpy(node(xt[t])))
            for n in names:
                traces[n].append(numpy(getattr(node, n)))
    return np.array(ys), {n: np.array(v) for n, v in traces.items()}
