"""A torch float64 re-statement of the canonical models' discrete updates,
written independently of refneuron's NumPy code (same operation order), for
autograd to differentiate.

There is no framework for these models, so this is the autograd oracle: the
spike is a custom autograd Function whose forward is the model's step
(strict ``>`` or ``>=``) and whose backward multiplies by the surrogate
derivative ``surrogate.derivative(x)`` (the surrogates themselves are tested
against the frameworks in tests/surrogates; here only the chain rule is
under test).  ``detach_reset`` uses ``spike.detach()`` in the reset, as
spikingjelly does.
"""

from __future__ import annotations

import numpy as np
import torch

IZH_PARAMS = ("a", "b", "c", "d", "v_peak", "p2", "p1", "p0")
ADEX_PARAMS = ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak")


class Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, strict, surrogate):
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return (x > 0).to(x.dtype) if strict else (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = torch.from_numpy(np.asarray(ctx.surrogate.derivative(x.detach().numpy()), dtype=np.float64))
        return grad * slope, None, None


def _leaf(value):
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def izhikevich_torch(model, x, v, u):
    """Run ``model``'s update in torch; returns (params, x, v0, u0, S, V, U)."""
    p = {n: _leaf(getattr(model, n)) for n in IZH_PARAMS}
    xt, v0, u0 = _leaf(x), _leaf(v), _leaf(u)
    a, b, c, d, v_peak, p2, p1, p0 = (p[n] for n in IZH_PARAMS)
    dt, sur, det = model.dt, model.surrogate, model.detach_reset
    standard = model.u_rule == "standard"

    def f(v, u, i):
        return p2 * (v * v) + p1 * v + p0 - u + i

    def u_update(v, u):  # the scripts' grouping, (dt*a)*(...)
        return u + (dt * a) * (b * v - u) if standard else u + (dt * a) * (b * (v + 65.0))

    out, vs, us = [], [], []
    v, u = v0, u0
    for i in xt.unbind(0):
        if model.scheme == "network2003":
            s = Spike.apply(v - v_peak, False, sur)
            r = s.detach() if det else s
            v = r * c + (1.0 - r) * v
            u = u + r * d
            h = 0.5 * dt
            v = v + h * f(v, u, i)
            v = v + h * f(v, u, i)
            u = u_update(v, u)
        else:
            if model.scheme == "figure2004":
                v = v + dt * f(v, u, i)
                u = u_update(v, u)
            else:
                v, u = v + dt * f(v, u, i), u_update(v, u)
            s = Spike.apply(v - v_peak, True, sur)
            r = s.detach() if det else s
            v = r * c + (1.0 - r) * v
            u = u + r * d
        out.append(s)
        vs.append(v)
        us.append(u)
    return p, xt, v0, u0, torch.stack(out), torch.stack(vs), torch.stack(us)


def adex_torch(model, x, V, w):
    """Run ``model``'s forward-Euler update in torch; returns (params, x, V0, w0, S, V, W)."""
    p = {n: _leaf(getattr(model, n)) for n in ADEX_PARAMS}
    xt, V0, w0 = _leaf(x), _leaf(V), _leaf(w)
    C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak = (p[n] for n in ADEX_PARAMS)
    dt, sur, det = model.dt, model.surrogate, model.detach_reset
    out, Vs, ws = [], [], []
    V, w = V0, w0
    for i in xt.unbind(0):
        m = (V > V_peak).to(torch.float64)  # the clamp min(V, V_peak): a hard, non-spike step
        Vc = m * V_peak + (1.0 - m) * V
        dV = (-g_L * (V - E_L) + g_L * Delta_T * torch.exp((Vc - V_T) / Delta_T) - w + i) / C_m
        dw = (a * (V - E_L) - w) / tau_w
        V, w = V + dt * dV, w + dt * dw
        s = Spike.apply(V - V_peak, True, sur)
        r = s.detach() if det else s
        V = r * V_reset + (1.0 - r) * V
        w = w + r * b
        out.append(s)
        Vs.append(V)
        ws.append(w)
    return p, xt, V0, w0, torch.stack(out), torch.stack(Vs), torch.stack(ws)
