"""Figures of the published-trace reproductions, in the papers' layouts (Agg backend).

Each function writes ``<stem>.png`` and ``<stem>.svg`` into ``out_dir`` and
returns the PNG's file name.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import adex as _adex  # noqa: E402
from . import _data  # noqa: E402


def _save(fig, out_dir, stem):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_dir / f"{stem}.png", dpi=110)
    fig.savefig(out_dir / f"{stem}.svg")
    plt.close(fig)
    return f"{stem}.png"


def _stim_axis(ax, tr, color="0.3"):
    """The stimulus drawn underneath the trace, in its own small axis band (as in the 2004 figure)."""
    ax.plot(tr.t, tr.I, color=color, lw=0.8)
    ax.set_yticks([])
    ax.set_xlabel("t (ms)", fontsize=6)
    ax.tick_params(labelsize=5)


def izhikevich_grid(pairs, out_dir, stem, ncols=4, title=""):
    """A grid of panels: v (mV) of the published scheme (black, clamp at 30) and of the
    ODE (red, dashed) above the stimulus.  ``pairs`` is a list of ``(pattern, published, ode)``;
    ``ode`` may be None."""
    n = len(pairs)
    nrows = -(-n // ncols)
    fig = plt.figure(figsize=(3.0 * ncols, 2.3 * nrows))
    gs = fig.add_gridspec(2 * nrows, ncols, height_ratios=[4, 1] * nrows, hspace=0.55, wspace=0.3)
    for j, (p, pub, ode) in enumerate(pairs):
        r, c = divmod(j, ncols)
        ax = fig.add_subplot(gs[2 * r, c])
        axs = fig.add_subplot(gs[2 * r + 1, c], sharex=ax)
        ax.plot(pub.t, pub.v, color="k", lw=0.7, label="published scheme")
        if ode is not None and ode.t.size:
            ax.plot(ode.t, ode.v, color="tab:red", lw=0.6, ls="--", label="ODE")
        ode_n = "-" if ode is None else (f">{len(ode.spike_times) - 1} (runaway)" if ode.runaway
                                         else str(len(ode.spike_times)))
        letter = p.get("figure", "").split(".")[-1] if p["id"].startswith("izh2004") else p["id"].split("_", 1)[1]
        ax.set_title(f"({letter}) {p['pattern']}\nspikes: {len(pub.spike_times)} (ODE {ode_n})", fontsize=7)
        ax.set_ylabel("v (mV)", fontsize=6)
        ax.set_ylim(-95, 40)
        ax.tick_params(labelsize=5, labelbottom=False)
        _stim_axis(axs, pub)
        axs.set_ylabel("I", fontsize=6)
    if pairs:
        fig.axes[0].legend(fontsize=5, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=9)
    return _save(fig, out_dir, stem)


def adex_grid(rows, out_dir, stem, title=""):
    """AdEx panels: V(t) (mV) with the ODE overlaid, and the V-w phase plane (both nullclines,
    trajectory).  ``rows`` is a list of ``(pattern, discrete, ode, label)``."""
    n = len(rows)
    ncols = 2
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, 2 * ncols, figsize=(13, 2.4 * nrows), squeeze=False)
    for j, (p, tr, ode, label) in enumerate(rows):
        r, c = divmod(j, ncols)
        ax, ph = axes[r, 2 * c], axes[r, 2 * c + 1]
        ax.plot(tr.t, tr.v, color="k", lw=0.6)
        if ode is not None:
            ax.plot(ode.t, ode.v, color="tab:red", lw=0.5, ls="--")
        ax.set_title(f"{p['pattern']}: {len(tr.spike_times)} spikes; classified '{label}'", fontsize=7)
        ax.set_xlabel("t (ms)", fontsize=6)
        ax.set_ylabel("V (mV)", fontsize=6)
        ax.tick_params(labelsize=5)
        m = _data.adex_model(p)
        V = np.linspace(m.E_L - 15, m.V_T + 4 * m.Delta_T, 300)
        wV, ww = _adex.nullclines(p, V)
        ph.plot(V, wV, color="tab:blue", lw=0.8, label="V-nullcline")
        ph.plot(V, ww, color="tab:green", lw=0.8, label="w-nullcline")
        keep = tr.v < m.V_T + 4 * m.Delta_T
        ph.plot(np.where(keep, tr.v, np.nan), tr.u, color="k", lw=0.5, label="trajectory")
        ph.plot(tr.v[:1], tr.u[:1], "o", color="k", ms=2)
        lo, hi = float(np.min(tr.u)), float(np.max(tr.u))
        pad = max(20.0, 0.2 * (hi - lo))
        ph.set_ylim(lo - pad, hi + pad)
        ph.set_xlabel("V (mV)", fontsize=6)
        ph.set_ylabel("w (pA)", fontsize=6)
        ph.tick_params(labelsize=5)
        if j == 0:
            ph.legend(fontsize=5)
    for k in range(n, nrows * ncols):
        r, c = divmod(k, ncols)
        axes[r, 2 * c].axis("off")
        axes[r, 2 * c + 1].axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, out_dir, stem)


def lapicque_figure(charging, sd, tutorial, out_dir, stem="lapicque"):
    """RC charging vs the exact solution, the strength-duration curve, and the tutorial cases."""
    t, U, V, _ = charging
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    ax.plot(t * 1e3, V, color="tab:red", lw=1.5, label="exact: IR(1-exp(-t/tau))")
    ax.plot(t * 1e3, U, color="k", lw=0.8, ls="--", label="Lapicque (forward Euler)")
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("V (V)")
    ax.set_title("RC charging under a step current", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    T = np.geomspace(sd.durations.min(), sd.durations.max(), 200)
    ax.loglog(sd.durations * 1e3, sd.I_th, "ko", ms=3, label="simulated threshold (bisection)")
    ax.loglog(T * 1e3, sd.I_rh / -np.expm1(-T / sd.tau), color="tab:red", label="RC law, tau")
    ax.loglog(T * 1e3, sd.I_rh * (1 + sd.tau * np.log(2) / T), color="tab:blue", ls=":",
              label="Weiss hyperbola (comparison)")
    ax.axhline(sd.I_rh, color="0.5", lw=0.6)
    ax.axvline(sd.chronaxie_fit * 1e3, color="0.5", lw=0.6, ls="--")
    ax.set_xlabel("pulse duration (ms)")
    ax.set_ylabel("threshold current (A)")
    ax.set_title(f"strength-duration: rheobase {sd.I_rh_fit:.4g} A, chronaxie {sd.chronaxie_fit * 1e3:.4g} ms",
                 fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    for pid, (mem, s) in tutorial.items():
        k = np.arange(mem.size)
        ax.plot(k, mem, lw=0.8, label=pid.replace("lapicque_tut2_", ""))
    ax.set_xlabel("loop step (1 ms)")
    ax.set_ylabel("U (V)")
    ax.set_title("snntorch tutorial 2 cases", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return _save(fig, out_dir, stem)
