"""norse 1.1.0's own autograd as the oracle of refneuron's hand-derived
backward passes, in float64.

Every float parameter of norse's parameter NamedTuple is a 0-dim (or
per-neuron) float64 leaf tensor that requires grad, as are the inputs, the
initial state and, for the recurrent steps, both weight matrices.  The loss
is ``sum(w_out * z) + sum_name sum(w_name * state_name)`` over all steps, so
the upstream gradient reaches the output and every state trace.
"""

from __future__ import annotations

import numpy as np

from ...models.norse._norse import RECURRENT, SPEC, _functional, tensor


def _leaf(a):
    return tensor(a).requires_grad_(True)


def grad_of(t):
    """``t.grad`` as float64 NumPy; zeros when autograd left it ``None``."""
    if t.grad is None:
        return np.zeros(tuple(t.shape))
    return t.grad.detach().numpy().astype(np.float64)


def norse_grads(model, x, state, upstream):
    """Gradients of the loss above through norse's functional step.

    Parameters
    ----------
    model : refneuron norse model (its values become norse's parameters)
    x : ndarray ``(T, *item_shape)``
    state : the model's State record (initial state)
    upstream : dict ``"output"`` / state name -> ndarray ``(T, *neuron_shape)``

    Returns
    -------
    dict with ``inputs`` (ndarray), ``initial_state`` (dict), ``params`` (dict),
    ``output`` (the spikes of the forward, for counting).
    """
    import torch

    mod_name, fn_name, p_name, s_name, _ = SPEC[model.name]
    mod = _functional(mod_name)
    fn = getattr(mod, fn_name)
    P = getattr(mod, p_name)
    leaves, kw = {}, {}
    for field in P._fields:
        if field == "method":
            kw[field] = model.method
        elif field == "alpha":  # a float (or a tensor that gets no gradient): not a leaf here
            kw[field] = tensor(model.alpha) if model.name in ("norse.LIF", "norse.LIFRecurrent") else model.alpha
        elif hasattr(model, field):
            kw[field] = leaves[field] = _leaf(getattr(model, field))
        else:  # tau_syn_inv of the encoder: unused by lif_adex_current_encoder
            kw[field] = tensor(float(P._field_defaults[field]))
    p = P(**kw)
    names = model.State.names()
    s0 = {n: _leaf(getattr(state, n)) for n in names}
    xt_all = _leaf(x)
    extra = ()
    if model.name in RECURRENT:
        w_in = leaves["input_weights"] = _leaf(model.input_weights)
        w_rec = leaves["recurrent_weights"] = _leaf(model.recurrent_weights)
        if not model.autapses:  # what norse's SNNRecurrent registers on its recurrent weights
            w_rec.register_hook(lambda g: g.clone().fill_diagonal_(0.0))
        extra = (w_in, w_rec)
    outs, traces = [], {n: [] for n in names}
    if model.name == "norse.LIFAdExCurrentEncoder":
        v, a = s0["v"], s0["a"]
        for xt in xt_all.unbind(0):
            z, v, a = fn(xt, v, a, p, dt=model.dt)
            outs.append(z)
            traces["v"].append(v)
            traces["a"].append(a)
    else:
        st = getattr(mod, s_name)(**s0)
        for xt in xt_all.unbind(0):
            z, st = fn(xt, st, *extra, p, dt=model.dt)
            outs.append(z)
            for n in names:
                traces[n].append(getattr(st, n))
    z_all = torch.stack(outs)
    loss = (z_all * tensor(upstream["output"])).sum()
    for n in names:
        if n in upstream:
            loss = loss + (torch.stack(traces[n]) * tensor(upstream[n])).sum()
    loss.backward()
    return {
        "inputs": grad_of(xt_all),
        "initial_state": {n: grad_of(s0[n]) for n in names},
        "params": {k: grad_of(t) for k, t in leaves.items()},
        "output": z_all.detach().numpy(),
    }
