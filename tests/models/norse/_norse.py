"""Run norse 1.1.0 as a float64 oracle for the refneuron norse models.

Parameters go to norse as float64 tensors holding the exact values of the
refneuron record (0-dim for scalars; specification models §0.2: norse's own
defaults are float32 and would round ``dt*tau_mem_inv``).  Two oracles per
model: the functional step called in a loop, and the module (``norse.torch.LIF``
etc.) with ``record_states=True``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._oracle import float64_default, numpy
from ..._oracle import tensor as _tensor


def tensor(a):
    """A float64 tensor of a fresh copy (records hold read-only arrays, which torch warns about)."""
    return _tensor(np.array(a, dtype=np.float64))

# refneuron model name -> (functional module, step function, params class, state class, module class)
SPEC = {
    "norse.LIF": ("lif", "lif_feed_forward_step", "LIFParameters", "LIFFeedForwardState", "LIF"),
    "norse.LIFRecurrent": ("lif", "lif_step", "LIFParameters", "LIFState", "LIFRecurrent"),
    "norse.LIFAdEx": (
        "lif_adex", "lif_adex_feed_forward_step", "LIFAdExParameters", "LIFAdExFeedForwardState", "LIFAdEx",
    ),  # fmt: skip
    "norse.LIFAdExRecurrent": ("lif_adex", "lif_adex_step", "LIFAdExParameters", "LIFAdExState", "LIFAdExRecurrent"),
    "norse.LIFAdExCurrentEncoder": ("lif_adex", "lif_adex_current_encoder", "LIFAdExParameters", None, None),
    "norse.LSNN": ("lsnn", "lsnn_feed_forward_step", "LSNNParameters", "LSNNFeedForwardState", "LSNN"),
    "norse.LSNNRecurrent": ("lsnn", "lsnn_step", "LSNNParameters", "LSNNState", "LSNNRecurrent"),
}

RECURRENT = ("norse.LIFRecurrent", "norse.LIFAdExRecurrent", "norse.LSNNRecurrent")


def _functional(module_name):
    import importlib

    return importlib.import_module(f"norse.torch.functional.{module_name}")


def norse_params(model):
    """norse's parameter NamedTuple holding the model's values as float64 tensors."""
    mod_name, _, p_name, _, _ = SPEC[model.name]
    P = getattr(_functional(mod_name), p_name)
    kw = {}
    for field in P._fields:
        if field in ("method",):
            kw[field] = model.method
        elif field == "alpha":
            kw[field] = tensor(model.alpha) if model.name in ("norse.LIF", "norse.LIFRecurrent") else model.alpha
        elif hasattr(model, field):
            kw[field] = tensor(getattr(model, field))
        else:  # tau_syn_inv of the encoder: not used by lif_adex_current_encoder
            kw[field] = tensor(float(P._field_defaults[field]))
    return P(**kw)


def run_functional(model, x, state):
    """Loop the functional step of norse over ``x``; returns (spikes, {name: trace})."""
    import torch

    mod_name, fn_name, _, s_name, _ = SPEC[model.name]
    mod = _functional(mod_name)
    fn = getattr(mod, fn_name)
    p = norse_params(model)
    names = model.State.names()
    outs, traces = [], {n: [] for n in names}
    with torch.no_grad():
        if model.name == "norse.LIFAdExCurrentEncoder":
            v, a = tensor(state.v), tensor(state.a)
            for xt in tensor(x).unbind(0):
                z, v, a = fn(xt, v, a, p, dt=model.dt)
                outs.append(numpy(z))
                traces["v"].append(numpy(v))
                traces["a"].append(numpy(a))
            return np.array(outs), {n: np.array(t) for n, t in traces.items()}
        S = getattr(mod, s_name)
        st = S(**{n: tensor(getattr(state, n)) for n in names})
        extra = ()
        if model.name in RECURRENT:
            extra = (tensor(model.input_weights), tensor(model.recurrent_weights))
        for xt in tensor(x).unbind(0):
            z, st = fn(xt, st, *extra, p, dt=model.dt)
            outs.append(numpy(z))
            for n in names:
                traces[n].append(numpy(getattr(st, n)))
    return np.array(outs), {n: np.array(t) for n, t in traces.items()}


def run_module(model, x, state=None, *, input_weights=None, recurrent_weights=None):
    """Run norse's module (``record_states=True``); ``state=None`` uses the
    module's own initial state.  Recurrent modules get the weights given here
    (default: the model's) and the model's ``autapses``."""
    import norse.torch as nt
    import torch

    _, _, _, s_name, m_name = SPEC[model.name]
    p = norse_params(model)
    with float64_default():
        if model.name in RECURRENT:
            w_in = tensor(model.input_weights if input_weights is None else input_weights).clone()
            w_rec = tensor(model.recurrent_weights if recurrent_weights is None else recurrent_weights).clone()
            n_out, n_in = w_in.shape
            module = getattr(nt, m_name)(
                n_in, n_out, p=p, input_weights=w_in, recurrent_weights=w_rec,
                autapses=model.autapses, dt=model.dt, record_states=True,
            )  # fmt: skip
        else:
            module = getattr(nt, m_name)(p=p, dt=model.dt, record_states=True)
    names = model.State.names()
    st = None
    if state is not None:
        S = getattr(_functional(SPEC[model.name][0]), s_name)
        st = S(**{n: tensor(getattr(state, n)) for n in names})
    with torch.no_grad():
        z, states = module(tensor(x), st)
    return numpy(z), {n: numpy(getattr(states, n)) for n in names}


def random_state(model, neuron_shape, rng):
    """A random initial state near the model's operating range."""
    s0 = model.initial_state(neuron_shape)
    out = {}
    for n in model.State.names():
        if n == "z":
            out[n] = (rng.random(neuron_shape) < 0.3) * 1.0
        elif n == "v":
            out[n] = rng.uniform(-0.5, 0.9, size=neuron_shape)  # below every v_th used (>= 0.9)
        elif n == "b":
            out[n] = getattr(s0, "b") + rng.uniform(0.0, 1.0, size=neuron_shape)
        else:
            out[n] = rng.normal(0.0, 0.5, size=neuron_shape)
    return dataclasses.replace(s0, **out)
