"""Figures of the published-trace reproductions, in the papers' layouts (Agg backend).

Each function writes ``<stem>.png`` (150 dpi) and ``<stem>.svg`` (vector)
into ``out_dir`` and returns the PNG's file name.  Layout is matplotlib's
constrained layout, so titles, tick labels and legends never overlap; one
legend per figure.  Long curves are decimated for drawing only
(:func:`refneuron.validation.plots.envelope`: first, last, min and max per
bin, so spikes survive); the traces the checks use are not touched.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .. import plots as _plots  # noqa: E402
from . import _data  # noqa: E402
from . import adex as _adex  # noqa: E402

PUB_COLOR, ODE_COLOR, STIM_COLOR = "k", "tab:red", "0.35"


def _save(fig, out_dir, stem):
    return _plots.save_figure(fig, str(out_dir), stem)


def _line(ax, t, y, **kw):
    """Plot ``y(t)`` through :func:`~refneuron.validation.plots.envelope` (drawing only)."""
    t, y = np.asarray(t), np.asarray(y)
    k = _plots.envelope(t, y)
    return ax.plot(t[k], y[k], **kw)


def _panel_title(p):
    """``(A) tonic spiking`` for the 2004 letters, ``(RS) regular spiking`` for the 2003 types."""
    pid, name = p["id"], p["pattern"]
    if pid.startswith("izh2004_"):
        return f"({pid.split('_', 1)[1]}) {name}"
    code = pid.split("_", 1)[1]
    return name if code.startswith("caption_") else f"({code}) {name}"


def _stim_ticks(ax, I):
    lo, hi = float(np.min(I)), float(np.max(I))
    ax.set_yticks(sorted({lo, hi}))
    ax.set_yticklabels([f"{x:g}" for x in sorted({lo, hi})])
    pad = 0.15 * (hi - lo) if hi > lo else 1.0
    ax.set_ylim(lo - pad, hi + pad)


def izhikevich_grid(pairs, out_dir, stem, ncols=4, title=""):
    """Grid of Izhikevich panels, as in Izhikevich (2004) Fig. 1.

    Each panel: ``v`` (mV) of the published scheme (black; spikes drawn at the
    30 mV cut) and of the event-resolved ODE (red, dashed) when given, above a
    thin strip with the stimulus ``I`` (the model's current units, mV/ms).
    Title: panel letter and pattern, spike counts of both.

    Parameters
    ----------
    pairs : list of ``(pattern, published, ode)``
        ``pattern`` a dict of ``published_params.json``; ``published`` and
        ``ode`` :class:`~refneuron.validation.published.izhikevich.Trace`;
        ``ode`` may be None (not integrated).
    out_dir : path-like
    stem : str
        File name without extension.
    ncols : int
        Panels per row (4 for the 2004 figure: 5 rows of A-D, E-H, ...).
    title : str
        Figure title.

    Returns
    -------
    str
        The PNG's file name.
    """
    n = len(pairs)
    nrows = max(1, -(-n // ncols))
    have_ode = any(ode is not None for _, _, ode in pairs)
    with _plots.style():
        fig = plt.figure(figsize=(2.75 * ncols, 2.25 * nrows + 0.7), layout="constrained")
        fig.get_layout_engine().set(h_pad=0.02, w_pad=0.03, hspace=0.03, wspace=0.02)
        outer = fig.add_gridspec(nrows, ncols)
        for j, (p, pub, ode) in enumerate(pairs):
            r, c = divmod(j, ncols)
            inner = outer[r, c].subgridspec(2, 1, height_ratios=[4.2, 1.0], hspace=0.0)
            ax = fig.add_subplot(inner[0])
            axs = fig.add_subplot(inner[1], sharex=ax)
            _line(ax, pub.t, pub.v, color=PUB_COLOR, lw=0.7, zorder=2)
            if ode is not None and ode.t.size:
                _line(ax, ode.t, ode.v, color=ODE_COLOR, lw=0.6, ls=(0, (3, 1.5)), zorder=3)
            counts = _spikes(len(pub.spike_times))
            if ode is not None:
                n_ode = (f">{len(ode.spike_times) - 1} (runaway, stopped)" if ode.runaway
                         else str(len(ode.spike_times)))
                counts += f" (ODE: {n_ode})"
            ax.set_title(f"{_panel_title(p)}\n{counts}", fontsize=7.5, loc="left", pad=2)
            ax.set_ylim(-95, 40)
            ax.set_yticks([-80, -40, 0, 30])
            ax.tick_params(labelbottom=False, labelsize=6, length=2)
            ax.set_xlim(pub.t[0], pub.t[-1])
            axs.plot(pub.t, pub.I, color=STIM_COLOR, lw=0.8, drawstyle="steps-post")
            _stim_ticks(axs, pub.I)
            axs.tick_params(labelsize=5.5, length=2)
            axs.spines["left"].set_linewidth(0.5)
            if c == 0:
                ax.set_ylabel("v (mV)", fontsize=7)
                axs.set_ylabel("I", fontsize=7, rotation=0, ha="right", va="center")
            if r == nrows - 1 or j + ncols >= n:
                axs.set_xlabel("t (ms)", fontsize=7)
        handles = [Line2D([], [], color=PUB_COLOR, lw=1.0, label=_label_pub(pairs))]
        if have_ode:
            handles.append(Line2D([], [], color=ODE_COLOR, lw=1.0, ls=(0, (3, 1.5)),
                                  label="event-resolved ODE limit (DOP853)"))
        handles.append(Line2D([], [], color=STIM_COLOR, lw=1.0, label="stimulus I (mV/ms), strip under each panel"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=7.5)
        if title:
            fig.suptitle(title)
    return _save(fig, out_dir, stem)


def _label_pub(pairs):
    dts = sorted({float(_data.value(p["dt"])) for p, _, _ in pairs})
    dt_txt = ", ".join(f"{d:g}" for d in dts)
    return f"published scheme (Euler, dt = {dt_txt} ms; spikes drawn at 30 mV at t_k = k dt)"


def _spikes(n):
    return f"{n} spike" + ("" if n == 1 else "s")


def _phase_limits(tr, wV_min, pad_frac=0.12):
    """w range that holds the trajectory and the minimum (knee) of the V-nullcline."""
    lo = min(float(np.min(tr.u)), wV_min, 0.0)
    hi = max(float(np.max(tr.u)), wV_min, 0.0)
    pad = max(10.0, pad_frac * (hi - lo))
    return lo - pad, hi + pad


def adex_grid(rows, out_dir, stem, title=""):
    """AdEx panels, as in Naud et al. (2008) Fig. 4: V(t) and the V-w phase plane.

    Per pattern two axes: the membrane ``V`` (mV) of the forward-Euler run
    (black; spikes drawn at ``V_peak``) with the ODE sampled every 0.1 ms (red,
    dashed) and the spike times of both as ticks above the trace; and the
    phase plane with the V-nullcline
    ``w = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) + I`` (at the
    largest current of the protocol), the w-nullcline ``w = a (V - E_L)``,
    the trajectory (drawn up to ``V_T + 4 Delta_T``), its start and the reset
    points ``(V_r, w + b)``.  The w range always holds the trajectory and the
    knee of the V-nullcline (its minimum at ``V = V_T``), so both nullclines
    are in view.

    Parameters
    ----------
    rows : list of ``(pattern, discrete, ode, label)``
        ``label``: the classifier's label of the discrete run.
    out_dir : path-like
    stem : str
    title : str

    Returns
    -------
    str
        The PNG's file name.
    """
    n = len(rows)
    ncols = 2
    nrows = max(1, -(-n // ncols))
    with _plots.style():
        fig = plt.figure(figsize=(12.5, 2.55 * nrows + 0.8), layout="constrained")
        gs = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[1.45, 1.0] * ncols)
        for j, (p, tr, ode, label) in enumerate(rows):
            r, c = divmod(j, ncols)
            ax = fig.add_subplot(gs[r, 2 * c])
            ph = fig.add_subplot(gs[r, 2 * c + 1])
            m = _data.adex_model(p)
            _line(ax, tr.t, tr.v, color=PUB_COLOR, lw=0.6, zorder=2)
            if ode is not None:
                _line(ax, ode.t, ode.v, color=ODE_COLOR, lw=0.6, ls=(0, (3, 1.5)), zorder=3)
            y_lo = min(float(np.min(tr.v)), float(m.E_L)) - 3.0
            # up to V_peak when anything fires; a silent run is drawn at its own scale
            fired = len(tr.spike_times) or (ode is not None and len(ode.spike_times))
            top = float(m.V_peak) if fired else float(np.max(tr.v)) + 3.0
            ax.set_ylim(y_lo, top + 0.22 * (top - y_lo))
            ax.plot(tr.spike_times, np.full(len(tr.spike_times), top + 0.07 * (top - y_lo)), "|",
                    color=PUB_COLOR, ms=4, mew=0.6)
            if ode is not None:
                ax.plot(ode.spike_times, np.full(len(ode.spike_times), top + 0.15 * (top - y_lo)), "|",
                        color=ODE_COLOR, ms=4, mew=0.6)
            n_ode = "" if ode is None else f" (ODE {len(ode.spike_times)})"
            ax.set_title(f"{p['pattern']}\n{_spikes(len(tr.spike_times))}{n_ode}; classified '{label}'",
                         loc="left", fontsize=7.5)
            ax.set_xlabel("t (ms)")
            ax.set_ylabel("V (mV)")
            ax.set_xlim(tr.t[0], tr.t[-1])
            I_max = float(max(seg["value"] for seg in p["protocol"]["segments"]))
            V_hi = m.V_T + 4 * m.Delta_T
            V_lo = min(float(m.E_L), float(m.V_reset), float(np.min(tr.v))) - 8.0
            V = np.linspace(V_lo, V_hi, 400)
            wV, ww = _adex.nullclines(p, V, I_max)
            wV_min = float(_adex.nullclines(p, np.array([float(m.V_T)]), I_max)[0][0])
            ph.plot(V, wV, color="tab:blue", lw=1.0, zorder=2)
            ph.plot(V, ww, color="tab:green", lw=1.0, zorder=2)
            keep = tr.v < V_hi
            ph.plot(np.where(keep, tr.v, np.nan), tr.u, color="k", lw=0.5, zorder=3)
            ph.plot(tr.v[:1], tr.u[:1], "o", color="k", ms=3, zorder=4)
            # the sample of a spike step holds V_peak (drawn) and the post-reset w: the reset point is (V_r, w)
            k = np.searchsorted(tr.t, tr.spike_times) + 1
            k = k[k < tr.t.size]
            ph.plot(np.full(k.size, float(m.V_reset)), tr.u[k], "o", mfc="none", mec="tab:purple", ms=3, mew=0.6,
                    zorder=4)
            ph.set_xlim(V_lo, V_hi)
            ph.set_ylim(*_phase_limits(tr, wV_min))
            ph.set_xlabel("V (mV)")
            ph.set_ylabel("w (pA)")
            ph.set_title(f"phase plane, I = {I_max:g} pA", loc="left", fontsize=7.5)
        handles = [
            Line2D([], [], color=PUB_COLOR, lw=1.0,
                   label="forward Euler, dt = 0.1 ms; ticks: its spike times t_k = k dt"),
            Line2D([], [], color=ODE_COLOR, lw=1.0, ls=(0, (3, 1.5)), label="event-resolved ODE; ticks: its spike times"),
            Line2D([], [], color="tab:blue", lw=1.0, label="V-nullcline"),
            Line2D([], [], color="tab:green", lw=1.0, label="w-nullcline"),
            Line2D([], [], color="k", lw=0.6, marker="o", ms=3, label="trajectory (start)"),
            Line2D([], [], ls="none", marker="o", mfc="none", mec="tab:purple", ms=4, label="reset points"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=7.5)
        if title:
            fig.suptitle(title)
    return _save(fig, out_dir, stem)


def lapicque_figure(charging, sd, tutorial, out_dir, stem="lapicque"):
    """RC charging vs the exact solution, the strength-duration curve, and the tutorial cases.

    Panels: (a) the Lapicque model's forward-Euler charging under a step
    current against ``V(t) = I R (1 - exp(-t/tau))``, with their difference
    in a strip below; (b) threshold current against pulse duration
    (bisection on the model) with the RC law ``I_rh / (1 - exp(-T/tau))``,
    the Weiss hyperbola for comparison, the rheobase and the fitted
    chronaxie; (c) the snntorch tutorial 2 inputs, legend outside the data.

    Returns
    -------
    str
        The PNG's file name.
    """
    t, U, V, _ = charging
    with _plots.style():
        fig = plt.figure(figsize=(13, 4.0), layout="constrained")
        gs = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 1.25])
        left = gs[0, 0].subgridspec(2, 1, height_ratios=[3.0, 1.0], hspace=0.0)
        ax = fig.add_subplot(left[0])
        ax.plot(t * 1e3, V, color="tab:red", lw=2.0, label="exact: I R (1 - exp(-t/tau))")
        ax.plot(t * 1e3, U, color="k", lw=0.8, ls="--", label="Lapicque (forward Euler)")
        ax.set_ylabel("V (V)")
        ax.set_title("(a) RC charging under a step current", loc="left")
        ax.tick_params(labelbottom=False)
        ax.legend(loc="lower right")
        axd = fig.add_subplot(left[1], sharex=ax)
        axd.plot(t * 1e3, (U - V) * 1e3, color="k", lw=0.8)
        axd.axhline(0.0, color="0.6", lw=0.5)
        axd.set_xlabel("t (ms)")
        axd.set_ylabel("Euler - exact\n(mV)")
        ax = fig.add_subplot(gs[0, 1])
        T = np.geomspace(sd.durations.min(), sd.durations.max(), 200)
        ax.loglog(T * 1e3, sd.I_rh / -np.expm1(-T / sd.tau), color="tab:red", lw=1.5,
                  label="RC law I_rh / (1 - exp(-T/tau))")
        ax.loglog(T * 1e3, sd.I_rh * (1 + sd.tau * np.log(2) / T), color="tab:blue", ls=":",
                  label="Weiss hyperbola (comparison)")
        ax.loglog(sd.durations * 1e3, sd.I_th, "ko", ms=3, label="simulated threshold (bisection)", zorder=3)
        ax.axhline(sd.I_rh, color="0.5", lw=0.6, label=f"rheobase {sd.I_rh:g} A")
        ax.axvline(sd.chronaxie_fit * 1e3, color="0.5", lw=0.6, ls="--",
                   label=f"chronaxie (fit) {sd.chronaxie_fit * 1e3:.4g} ms")
        _plots.log_axis(ax.xaxis)
        _plots.log_axis(ax.yaxis)
        ax.set_xlabel("pulse duration T (ms)")
        ax.set_ylabel("threshold current (A)")
        ax.set_title(f"(b) strength-duration: rheobase {sd.I_rh_fit:.4g} A, chronaxie {sd.chronaxie_fit * 1e3:.4g} ms",
                     loc="left")
        ax.legend(loc="upper right")
        ax = fig.add_subplot(gs[0, 2])
        cmap = plt.get_cmap("tab10")
        for i, (pid, (mem, s)) in enumerate(tutorial.items()):
            k = np.arange(mem.size)
            ax.plot(k, mem, lw=0.9, color=cmap(i % 10), label=pid.replace("lapicque_tut2_", ""))
        ax.set_xlabel("loop step k (1 ms each)")
        ax.set_ylabel("U (V)")
        ax.set_title("(c) snntorch tutorial 2 inputs", loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return _save(fig, out_dir, stem)
