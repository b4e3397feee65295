"""Gradient oracles for the snntorch neurons: snntorch's own autograd in
float64, and central finite differences of refneuron's forward.

Two ways of running snntorch 1.0.0:

* ``own_spike=True``: every neuron gets a ``spike_grad`` built here, a
  ``torch.autograd.Function`` whose forward is snntorch's comparison
  ``x > 0`` returned in the dtype of ``x`` (float64), and whose backward
  multiplies by the surrogate derivative written out below in torch.  This
  is the behaviour of snntorch master after PR #432 (spikes in the input
  dtype), i.e. refneuron's ``float32_spikes=False``; the whole graph is then
  float64 and the comparison is at round-off level.
* ``own_spike=False``: unmodified snntorch 1.0.0 (float32 spikes), to be
  compared with refneuron's ``float32_spikes=True``.

The loss is ``sum_t sum(w_y[t] * y_t) + sum_n sum_t sum(w_n[t] * z_n[t])``
with random weights on the output and on every state trace.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import refneuron as rn
from refneuron.gradients import vjp

from ..._oracle import float64_default, numpy, record, record_used, tensor

TENSOR_PARAMS = ("alpha", "beta", "threshold", "graded_spikes_factor")


def _derivative(surrogate, x):
    """dS/dx of a refneuron snntorch surrogate, restated in torch."""
    import torch

    name = surrogate.name
    if name == "atan":
        a = surrogate.alpha
        return a / 2 / (1 + (math.pi / 2 * a * x) ** 2)
    if name == "fast_sigmoid":
        return 1 / (surrogate.slope * torch.abs(x) + 1) ** 2
    raise NotImplementedError(name)


def spike_function(surrogate):
    """A spike function for snntorch's ``spike_grad`` (see the module docstring)."""
    import torch

    class _Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * _derivative(surrogate, x)

    return _Spike.apply


@dataclasses.dataclass
class Case:
    """One randomised gradient comparison."""

    cls_name: str  # snntorch class and refneuron model name
    kwargs: dict  # constructor arguments shared by both (refneuron names = snntorch names)
    x: np.ndarray  # (T, *shape)
    state0: dict  # name -> initial array
    upstream: dict  # "output" and state names -> (T, *shape) weights
    learn: tuple = ()  # parameters made learnable in snntorch

    def model(self, **changes):
        kw = {**self.kwargs, **changes}
        return getattr(rn.snntorch, self.cls_name)(**kw)


def torch_gradients(case, *, own_spike, surrogate=None):
    """snntorch's autograd for ``case``: ``(inputs, {state: grad}, {param: grad})``."""
    import snntorch
    import torch

    names = list(case.state0)
    with float64_default():
        kw = {k: (tensor(v) if k in TENSOR_PARAMS and isinstance(v, np.ndarray) else v) for k, v in case.kwargs.items()}
        kw.pop("float32_spikes", None)
        sg = kw.pop("spike_grad", None)
        if own_spike:
            kw["spike_grad"] = spike_function(sg if sg is not None else rn.surrogates.ATan())
        elif sg is not None:
            kw["spike_grad"] = getattr(snntorch.surrogate, sg.name)(**dataclasses.asdict(sg))
        for p in case.learn:
            kw[f"learn_{p}"] = True
        neuron = getattr(snntorch, case.cls_name)(**kw)
    x = tensor(case.x).requires_grad_(True)
    s0 = [tensor(case.state0[n]).requires_grad_(True) for n in names]
    w = {k: tensor(v) for k, v in case.upstream.items()}
    state = list(s0)
    loss = 0.0
    for t, xt in enumerate(x.unbind(0)):
        y, *state = neuron(xt, *state)
        if "output" in w:
            loss = loss + (w["output"][t] * y).sum()
        for n, v in zip(names, state):
            if n in w:
                loss = loss + (w[n][t] * v).sum()
    loss.backward()
    params = {}
    for p in case.learn:
        grad = getattr(neuron, p).grad
        params[p] = np.zeros(np.shape(case.kwargs.get(p, 1.0))) if grad is None else numpy(grad)
    # a state that reaches the loss only through the detached reset gets no grad (None)
    gs = {n: np.zeros(case.state0[n].shape) if v.grad is None else numpy(v.grad) for n, v in zip(names, s0)}
    return numpy(x.grad), gs, params


def refneuron_gradients(case, model=None):
    model = case.model() if model is None else model
    return vjp(model, case.x, case.upstream, state=case.state0)


def rel_err(ref, got):
    """max |got - ref| / max |ref| (0 when both vanish)."""
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    diff = float(np.max(np.abs(got - ref))) if ref.size else 0.0
    if scale == 0.0:
        return diff
    return diff / scale


def compare(key, case, ref, got, tol, *, params=None):
    """Compare every gradient array, record the relative error under
    ``grad <key> <what>`` (and the fraction of ``tol`` used) and assert ``<= tol``
    (``tol`` a number or a dict what -> number)."""
    gx, gs, gp = ref
    checks = [("input", gx, got.inputs)]
    checks += [(f"state {n}", gs[n], got.initial_state[n]) for n in gs]
    checks += [(f"param {p}", gp[p], np.reshape(got.params[p], np.shape(gp[p]))) for p in (params or gp)]
    worst = {}
    for what, r, g in checks:
        assert np.all(np.isfinite(g)), f"{key} {what}: non-finite gradient"
        assert np.shape(r) == np.shape(g), f"{key} {what}: shape {np.shape(g)} != {np.shape(r)}"
        err = rel_err(r, g)
        scale = max(float(np.max(np.abs(r))), 1e-300) if np.size(r) else 1.0
        record(f"grad {key} {what.split(' ')[0] if what.startswith('state') else what}", np.asarray(r) / scale,
               np.asarray(g) / scale)  # fmt: skip
        t = tol.get(what.split(" ")[-1], tol.get("default")) if isinstance(tol, dict) else tol
        record_used(f"grad {key} {what.split(' ')[0] if what.startswith('state') else what}", err, t)
        worst[what] = err
        assert err <= t, f"{key} {what}: relative error {err:.3e} > {t:.0e}"
    return worst


# --- finite differences -------------------------------------------------------------------


def loss(model, case, x=None, state0=None):
    """The scalar loss of the forward run (float64)."""
    res = model.run(case.x if x is None else x, state=case.state0 if state0 is None else state0, check_finite=False)
    total = 0.0
    for k, w in case.upstream.items():
        total += float(np.sum(w * (res.output if k == "output" else res.states[k])))
    return total


def directional(f, eps):
    """Central difference ``(f(eps) - f(-eps)) / (2 eps)``."""
    return (f(eps) - f(-eps)) / (2 * eps)
