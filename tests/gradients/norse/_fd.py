"""Central finite differences of a refneuron run's loss along random directions."""

from __future__ import annotations

import dataclasses

import numpy as np

from refneuron.simulate import run


def loss(model, x, state, upstream):
    """``sum(w_out * y) + sum_name sum(w_name * state_name)`` over the whole run."""
    res = run(model, x, state, record="all")
    total = np.sum(upstream["output"] * res.output)
    for n in model.State.names():
        total += np.sum(upstream[n] * res.states[n])
    return float(total), res


def _with(model, name, value):
    out = dataclasses.replace(model, **{name: value})
    return out.smoothed() if model.is_smoothed else out


def directions(model, x, state, grads, rng):
    """``(label, analytic directional derivative, size of its terms, f(eps))``.

    ``f(eps, upstream)`` gives ``(loss, RunResult)`` with the inputs, the initial state or one parameter
    moved by ``eps`` along a random direction ``d``; the analytic derivative is
    ``sum(grad * d)`` and its terms' size ``sum(|grad * d|)``.  Parameters move
    along ``d`` scaled by the parameter's largest magnitude (a relative step).
    """
    out = []
    d = rng.normal(size=x.shape)
    out.append(("inputs", grads.inputs, d, lambda e, up, d=d: loss(model, x + e * d, state, up)))
    names = model.State.names()
    ds = {n: rng.normal(size=np.shape(getattr(state, n))) for n in names}
    g_s = np.concatenate([np.ravel(grads.initial_state[n]) for n in names])
    d_s = np.concatenate([np.ravel(ds[n]) for n in names])

    def f_state(e, up):
        st = model.State(**{n: getattr(state, n) + e * ds[n] for n in names})
        return loss(model, x, st, up)

    out.append(("initial state", g_s, d_s, f_state))
    for p, g in grads.params.items():
        value = getattr(model, p)
        scale = float(np.max(np.abs(value))) or 1.0
        dp = rng.normal(size=np.shape(value)) * scale
        if np.ndim(value) == 0:
            value = float(value)

        def f_param(e, up, p=p, value=value, dp=dp):
            return loss(_with(model, p, value + e * dp), x, state, up)

        out.append((p, g, dp, f_param))
    return out


def richardson(f, h, up):
    r"""Richardson-extrapolated central difference and the four runs' outputs.

    With :math:`D(h) = (f(h) - f(-h))/2h = f' + c_2 h^2 + c_4 h^4 + \dots`,
    :math:`(4 D(h/2) - D(h))/3 = f' + O(h^4)`: the truncation error drops
    from :math:`O(h^2)` to :math:`O(h^4)`, while the round-off stays about
    :math:`\varepsilon \sum|\text{loss terms}| / h`.
    """
    runs = {e: f(e, up) for e in (h, -h, h / 2, -h / 2)}
    d_h = (runs[h][0] - runs[-h][0]) / (2.0 * h)
    d_h2 = (runs[h / 2][0] - runs[-h / 2][0]) / h
    return (4.0 * d_h2 - d_h) / 3.0, [r[1].output for r in runs.values()]
