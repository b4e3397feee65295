"""Figures of the ODE checks: log-log convergence with the fitted order, and
trace overlays (discrete vs ODE).  PNG and SVG, matplotlib's Agg backend."""

from __future__ import annotations

import os

import numpy as np


def _save(fig, out, stem):
    os.makedirs(out, exist_ok=True)
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, f"{stem}.{ext}"), dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f"{stem}.png"


def _stem(res, kind, label=""):
    tag = "".join(c if c.isalnum() else "_" for c in label)
    return f"ode_{res.model.replace('.', '_')}{'_' + tag if tag else ''}_{kind}"


def convergence_figure(res, out, tag=""):
    """Error against dt, log-log, with the least-squares slope."""
    import matplotlib.pyplot as plt

    unit = res.form.time_unit
    dts = res.dts
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for attr, order, label in (("spike_time_error", res.order_spike, "mean spike-time error"),
                               ("trace_error", res.order_trace, "membrane-trace error")):
        e = np.array([getattr(lv, attr) for lv in res.levels])
        ax.loglog(dts, e, "o-", label=f"{label} (order {order:.3f})")
    ref = np.array([lv.spike_time_error for lv in res.levels])
    if np.any(np.isfinite(ref)):
        i = int(np.nanargmin(dts))
        ax.loglog(dts, ref[i] * dts / dts[i], "k:", label="slope 1")
    ax.set_xlabel(f"dt ({unit})")
    ax.set_ylabel(f"error (time: {unit}; membrane: model units)")
    ax.set_title(res.model)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out, _stem(res, "convergence", tag))


def trace_figure(res, out, tag=""):
    """The first neuron's membrane: ODE reference and the discrete model at the
    smallest and largest fitted dt."""
    import matplotlib.pyplot as plt

    unit = res.form.time_unit
    fig, ax = plt.subplots(figsize=(6, 3.5))
    t = np.linspace(0.0, res.t_cmp, 4000)
    ax.plot(t, res.form.membrane(res.ref.sol(t)), "k-", lw=1, label="ODE (event-resolved)")
    for d, (tk, v) in sorted(res.traces.items()):
        m = tk <= res.t_cmp
        ax.plot(tk[m], v[m], ".", ms=1.5, label=f"discrete, dt = {d:.4g}")
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel(f"membrane {res.form.state_names[0]} (model units)")
    ax.set_title(res.model)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out, _stem(res, "trace", tag))
