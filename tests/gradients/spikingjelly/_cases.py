"""Randomised spikingjelly models, inputs and upstream gradients for the
gradient tests, and spikingjelly 2.0.0's own autograd on the same run.

Every case draws its parameters from a seeded generator (key -> crc32), an
input that makes the neurons fire often but not at every step, a random
initial state and random upstream gradients on the output and on every state
trace (the loss is ``sum(g_out * Y) + sum(g_z * Z)``).
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np

import refneuron as rn
from refneuron.surrogates.spikingjelly import ATan, PiecewiseQuadratic, Sigmoid

from ..._oracle import float64_default, numpy, tensor

RESETS = ["hard0", "hard", "soft"]
SHAPES = [(6,), (2, 3), (2, 2, 2)]

#: spikingjelly's default (Sigmoid, alpha=4), ATan, a piecewise one, and two
#: spiking=False forms (the neuron emits the primitive; autograd differentiates it)
SURROGATES = [
    Sigmoid(),
    ATan(alpha=1.7),
    PiecewiseQuadratic(alpha=0.8),
    Sigmoid(alpha=2.5, spiking=False),
    PiecewiseQuadratic(alpha=1.3, spiking=False),
]


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _v_reset(rng, kind, theta, below=None):
    if kind == "hard0":
        return 0.0
    if kind == "hard":
        top = theta if below is None else min(theta, below)
        return float(rng.uniform(-0.5, min(0.0, top) - 0.05))
    return None


def _lif_drive(rng, model, T, shape, inv_tau):
    """Mean input just above the rheobase of a LIF-type model (steady state
    V_r' + X with decay_input, V_r' + tau X without) with a wide spread."""
    gap = model.v_threshold - model.v_leak
    mean = 1.4 * gap * (1.0 if model.decay_input else inv_tau)
    return rng.normal(mean, 0.8 * max(mean, 0.2), size=(T, *shape))


def make_model(name, rng, surrogate, **opts):
    """A model of spikingjelly class ``name`` with random parameters and options ``opts``."""
    reset = opts.pop("reset", "hard0")
    theta = float(rng.uniform(0.6, 1.4))
    common = dict(v_threshold=theta, surrogate_function=surrogate, detach_reset=opts.pop("detach_reset", False))
    if name == "IF":
        return rn.spikingjelly.IF(v_reset=_v_reset(rng, reset, theta), **common)
    if name == "LIF":
        return rn.spikingjelly.LIF(tau=float(rng.uniform(1.3, 5.0)), v_reset=_v_reset(rng, reset, theta),
                                   **opts, **common)
    if name == "ParametricLIF":
        return rn.spikingjelly.ParametricLIF(init_tau=float(rng.uniform(1.3, 5.0)), w=float(rng.normal(-1.0, 0.7)),
                                             v_reset=_v_reset(rng, reset, theta), **opts, **common)
    if name in ("QIF", "EIF", "Izhikevich"):
        v_rest = float(rng.uniform(-0.08, 0.1))  # >= the default v_reset -0.1 (QIF/EIF assert it)
        theta = common["v_threshold"] = float(rng.uniform(0.9, 1.3))
        v_reset = -0.1 if reset == "hard0" else _v_reset(rng, reset, theta, below=v_rest)
        if name == "QIF":
            return rn.spikingjelly.QIF(tau=float(rng.uniform(1.5, 4.0)), v_c=float(rng.uniform(0.5, 0.8)),
                                       a0=float(rng.uniform(0.5, 1.5)), v_rest=v_rest, v_reset=v_reset, **common)
        if name == "EIF":
            return rn.spikingjelly.EIF(tau=float(rng.uniform(1.5, 4.0)), delta_T=float(rng.uniform(0.3, 1.5)),
                                       theta_rh=float(rng.uniform(0.5, 0.9)), v_rest=v_rest, v_reset=v_reset,
                                       **common)
        return rn.spikingjelly.Izhikevich(
            tau=float(rng.uniform(1.5, 4.0)), v_c=float(rng.uniform(0.5, 0.8)), a0=float(rng.uniform(0.5, 1.5)),
            v_rest=v_rest, v_reset=v_reset, w_rest=float(rng.uniform(-0.1, 0.1)),
            tau_w=float(rng.uniform(1.5, 6.0)), a=float(rng.uniform(0.1, 0.5)), b=float(rng.uniform(0.05, 0.3)),
            **common)
    if name == "LIAF":
        return rn.spikingjelly.LIAF(tau=float(rng.uniform(1.3, 5.0)), v_reset=_v_reset(rng, reset, theta),
                                    **opts, **common)
    if name == "KLIF":
        # k (1 - 1/tau) > 1 makes the adjoint grow geometrically over the run: k <= 1.5
        return rn.spikingjelly.KLIF(tau=float(rng.uniform(1.3, 5.0)), v_reset=_v_reset(rng, reset, theta),
                                    k=float(rng.choice([1.0, rng.uniform(0.5, 0.9), rng.uniform(1.1, 1.5)])),
                                    **opts, **common)
    raise KeyError(name)


def make_input(model, rng, T, shape):
    """A drive that makes ``model`` fire often (checked by the tests)."""
    name = model.name.split(".")[1]
    if name == "IF":
        return rng.normal(0.25 * model.v_threshold, 0.5, size=(T, *shape))
    if name in ("LIF", "LIAF"):
        return _lif_drive(rng, model, T, shape, 1.0 / model.tau)
    if name == "ParametricLIF":
        return _lif_drive(rng, model, T, shape, model.k)
    if name == "KLIF":
        return _lif_drive(rng, model, T, shape, 1.0 / model.tau) / model.k
    if name == "QIF":
        return rng.normal(0.45, 0.4, size=(T, *shape))
    if name == "EIF":
        return rng.normal(0.6, 0.4, size=(T, *shape))
    return rng.normal(0.7, 0.5, size=(T, *shape))  # Izhikevich


def make_state(model, rng, shape):
    state = {"v": rng.uniform(-0.3, float(model.v_threshold) - 0.1, size=shape)}
    if "w" in model.State.names():
        state["w"] = rng.normal(0.0, 0.2, size=shape)
    return state


def make_upstream(model, rng, T, shape):
    up = {"output": rng.normal(size=(T, *shape))}
    for n in model.State.names():
        up[n] = rng.normal(size=(T, *shape))
    return up


def learnable(model):
    """spikingjelly's learnable parameters of this node (PLIF ``w``, KLIF ``k``)."""
    return {"spikingjelly.ParametricLIF": ("w",), "spikingjelly.KLIF": ("k",)}.get(model.name, ())


# --- spikingjelly's autograd ----------------------------------------------------------


def sj_surrogate(rec):
    """The spikingjelly surrogate module equal to the refneuron record ``rec``."""
    from spikingjelly.activation_based import surrogate

    kwargs = {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}
    return getattr(surrogate, rec.name)(**kwargs)


def framework_grads(model, x, state0, upstream):
    """Gradients of ``sum(g_out*Y) + sum(g_z*Z)`` by spikingjelly 2.0.0's autograd
    in float64: ``(g_x, {state: g_z0}, {param: g})``."""
    import torch

    from ...models.spikingjelly._sj import build_node

    node = build_node(model)
    node.surrogate_function = sj_surrogate(model.surrogate_function)
    names = model.State.names()
    xt = tensor(x).requires_grad_(True)
    z0 = {n: tensor(state0[n]).requires_grad_(True) for n in names}
    for n in names:
        setattr(node, n, z0[n])
    terms = []
    # unbind: x[t] on a tensor that requires grad would allocate a full-size gradient per step
    for t, xs in enumerate(xt.unbind(0)):
        y = node(xs)
        terms.append((y * tensor(upstream["output"][t])).sum())
        for n in names:
            terms.append((getattr(node, n) * tensor(upstream[n][t])).sum())
    with float64_default():
        torch.stack(terms).sum().backward()
    params = {p: numpy(getattr(node, p).grad) for p in learnable(model)}
    return numpy(xt.grad), {n: numpy(z0[n].grad) for n in names}, params
