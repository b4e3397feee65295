"""Figures of the ODE checks, and the drawing helpers shared with
:mod:`refneuron.validation.published.figures`.

* :func:`convergence_figure`: error against ``dt`` (log-log) for the spike
  times and the membrane trace, each with its least-squares order, and a
  reference line of slope 1 (every update checked here is first order).
* :func:`trace_figure`: the first neuron's membrane, event-resolved ODE and
  the discrete model at the smallest and largest fitted ``dt``.

Every figure is written as PNG (150 dpi) and SVG (vector) with matplotlib's
Agg backend; nothing is rasterised.  The SVGs stay small because

* discrete runs are drawn as lines, not as one marker per sample (a marker
  is one SVG element each: 38 000 samples of the AdEx run made a 4 MB file),
  and matplotlib's path simplification merges the vertices of a smooth line
  that lie within a fraction of a pixel of it;
* long curves are also *decimated for drawing only* (:func:`envelope`): per
  horizontal bin the first, last, lowest and highest sample are kept, so
  every spike peak and reset survives.  This bounds the worst case, a curve
  the simplification cannot shorten (a random walk of 50 000 samples: 186 kB
  of SVG in full, 73 kB decimated).

The numbers the checks use are never touched.
"""

from __future__ import annotations

import os
import textwrap

import numpy as np

#: samples kept per drawn line are at most 4 times this (first/last/min/max per bin)
DRAW_BINS = 1200

#: one style for every validation figure: small print sizes, no SVG timestamp, stable ids
STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.framealpha": 0.85,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "refneuron",
    "svg.fonttype": "path",
}


def style():
    """``with style(): ...``: the rcParams of every validation figure."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


def save_figure(fig, out, stem, dpi=150):
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``out`` (created if needed), close ``fig``.

    Returns the PNG's file name.  The SVG carries no date and its ids are
    salted with a fixed string, so reruns differ at most where the layout
    solver moves a coordinate in its last printed digit (seen in the
    Izhikevich grids), not in every id and timestamp.
    """
    import matplotlib.pyplot as plt

    os.makedirs(out, exist_ok=True)
    with style():
        fig.savefig(os.path.join(out, f"{stem}.png"), dpi=dpi)
        fig.savefig(os.path.join(out, f"{stem}.svg"), metadata={"Date": None})
    plt.close(fig)
    return f"{stem}.png"


def envelope(t, *ys, bins=DRAW_BINS):
    """Indices of the samples worth drawing: first, last, min and max per bin.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Sample times, non-decreasing.
    *ys : ndarray, shape (n,)
        The curves drawn against ``t``; the min and max of each are kept.
    bins : int
        Number of equal bins of consecutive samples.

    Returns
    -------
    ndarray of int
        Sorted unique indices; all of ``range(n)`` when ``n <= 4 * bins``.

    Notes
    -----
    A line through the kept samples covers, in each bin, the same vertical
    range as the full line (the extremes are kept) and joins the bins at the
    same points (first and last are kept), so a spike of one sample is never
    lost.  NaN samples (gaps) are kept.
    """
    n = len(t)
    if n <= 4 * bins:
        return np.arange(n)
    edges = np.linspace(0, n, bins + 1).astype(np.int64)
    keep = [edges[:-1], edges[1:] - 1]
    for y in ys:
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isfinite(y)
        lo = np.where(bad, np.inf, y)
        hi = np.where(bad, -np.inf, y)
        keep.append(_arg_reduce(lo, edges, np.argmin))
        keep.append(_arg_reduce(hi, edges, np.argmax))
        keep.append(np.flatnonzero(bad))
    return np.unique(np.concatenate(keep))


def _arg_reduce(y, edges, arg):
    """``arg`` (argmin/argmax) of ``y`` within each bin ``[edges[i], edges[i+1])``, as global indices."""
    width = int(np.max(np.diff(edges)))
    starts = edges[:-1]
    idx = starts[:, None] + np.arange(width)[None, :]
    inside = idx < edges[1:, None]
    idx = np.where(inside, idx, edges[1:, None] - 1)
    return starts + arg(y[idx], axis=1)


def log_axis(axis):
    """Ticks at 1, 2, 5 x 10^k labelled plainly (``0.02``), minor ticks unlabelled.

    The default log labels of a range under two decades (``2x10^-2`` on
    every minor tick) overlap; these do not.
    """
    from matplotlib import ticker

    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    axis.set_minor_locator(ticker.LogLocator(base=10, subs=np.arange(1, 10) * 1.0))
    axis.set_minor_formatter(ticker.NullFormatter())


def _stem(res, kind, label=""):
    tag = "".join(c if c.isalnum() else "_" for c in label)
    return f"ode_{res.model.replace('.', '_')}{'_' + tag if tag else ''}_{kind}"


def _name(res, tag):
    return res.model + (f" ({tag})" if tag else "")


def _membrane_unit(res):
    """mV for the canonical models (mV, ms, pA); the frameworks' membranes are unit-free."""
    return "mV" if res.model.startswith("canonical.") else "model units"


#: a membrane-trace error at or below this is round-off (the update is exact for the drive)
ROUND_OFF = 1e-10


def convergence_figure(res, out, tag=""):
    """Error against dt, log-log, with the least-squares order and a slope-1 reference.

    Parameters
    ----------
    res : refneuron.validation.convergence.Convergence
    out : path-like
        Output folder.
    tag : str
        Scenario label (part of the title and the file name).

    Returns
    -------
    str
        The PNG's file name.
    """
    import matplotlib.pyplot as plt

    unit = res.form.time_unit
    dts = np.asarray(res.dts, dtype=np.float64)
    with style():
        fig, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
        series = (
            ("spike_time_error", res.order_spike, f"mean |spike-time error| ({unit})", "tab:blue", "o"),
            ("trace_error", res.order_trace, f"max membrane-trace error ({_membrane_unit(res)})", "tab:orange", "s"),
        )
        orders = []
        for attr, order, label, color, marker in series:
            e = np.array([getattr(lv, attr) for lv in res.levels], dtype=np.float64)
            ok = np.isfinite(e) & (e > 0)
            if not np.any(ok):
                continue
            if attr == "trace_error" and np.nanmax(e) <= ROUND_OFF:
                label += ": round-off (update exact for this drive)"
            else:
                label += f": fitted order {order:.3f}"
                orders.append((attr, order))
            ax.loglog(dts[ok], e[ok], marker=marker, ms=4, lw=1.2, color=color, label=label)
            if attr != "trace_error" or np.nanmax(e) > ROUND_OFF:
                # slope-1 reference through the geometric mean of the series
                x0, y0 = np.exp(np.mean(np.log(dts[ok]))), np.exp(np.mean(np.log(e[ok])))
                span = np.array([dts[ok].min(), dts[ok].max()])
                ax.loglog(span, y0 * span / x0, ls=":", lw=1.0, color="0.3",
                          label="slope 1 (first-order scheme)" if not any(
                              h.get_label().startswith("slope 1") for h in ax.get_lines()) else None)
        log_axis(ax.xaxis)
        lo, hi = ax.get_ylim()
        if hi / lo < 100.0:  # under two decades: label 1, 2, 5 x 10^k (else the minor ticks get crowded labels)
            log_axis(ax.yaxis)
        else:
            from matplotlib import ticker

            ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel(f"dt ({unit})")
        ax.set_ylabel("error")
        ax.grid(True, which="major", lw=0.4, color="0.88")
        fitted = "; ".join(f"{'spike times' if a == 'spike_time_error' else 'trace'} {o:.3f}" for a, o in orders)
        ax.set_title(f"{_name(res, tag)}: convergence to the ODE\nfitted order {fitted} (expected 1)"
                     if fitted else f"{_name(res, tag)}: convergence to the ODE")
        fig.legend(loc="outside lower center", ncol=1, frameon=False)
    return save_figure(fig, out, _stem(res, "convergence", tag))


def _ode_curve(res):
    """The reference membrane up to ``t_cmp``: a uniform grid plus every solver step.

    The solver steps include both sides of each reset and crowd into fast
    upstrokes, so the peaks are drawn where a uniform grid would miss them.
    """
    ref = res.ref
    t_grid = np.linspace(0.0, res.t_cmp, 4000)
    v_grid = res.form.membrane(ref.sol(t_grid))
    m = ref.t <= res.t_cmp
    t_all = np.concatenate([ref.t[m], t_grid])
    v_all = np.concatenate([np.asarray(res.form.membrane(ref.y[:, m]), dtype=np.float64), v_grid])
    order = np.argsort(t_all, kind="stable")  # a spike's pre-reset sample stays before its post-reset one
    return t_all[order], v_all[order]


def trace_figure(res, out, tag=""):
    """The first neuron's membrane: ODE reference and the discrete model at the
    smallest and largest fitted dt.

    The ODE is drawn black on top; the fine discrete run as a wide light-blue
    band under it (visible only where they differ), the coarse run as an
    orange line with a marker per step when the steps are few enough to see.
    Long curves are decimated for drawing with :func:`envelope`.

    Returns
    -------
    str
        The PNG's file name.
    """
    import matplotlib.pyplot as plt

    unit = res.form.time_unit
    t_ode, v_ode = _ode_curve(res)
    with style():
        fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        runs = sorted(res.traces.items())
        for i, (d, (tk, v)) in enumerate(runs):
            m = tk <= res.t_cmp
            tk, v = tk[m], v[m]
            k = envelope(tk, v)
            if i == 0 and len(runs) > 1:
                ax.plot(tk[k], v[k], color="tab:blue", lw=3.0, alpha=0.45, solid_capstyle="butt",
                        label=f"discrete, dt = {d:.4g} {unit} (smallest)", zorder=1)
            else:
                few = tk.size <= 400
                ax.plot(tk[k], v[k], color="tab:orange", lw=0.8, marker="." if few else None, ms=3,
                        label=f"discrete, dt = {d:.4g} {unit} (largest)", zorder=2)
        k = envelope(t_ode, v_ode)
        ax.plot(t_ode[k], v_ode[k], color="k", lw=0.7, label="ODE (event-resolved)", zorder=3)
        if res.form.upstroke is not None:
            ax.axhline(res.form.upstroke, color="0.5", lw=0.6, ls="--", zorder=0,
                       label="trace error measured below this level")
        ax.set_xlabel(f"t ({unit})")
        ax.set_ylabel(f"membrane {res.form.membrane_var} ({_membrane_unit(res)})")
        scheme = textwrap.fill(f"discrete update: {res.form.scheme}", 95)
        ax.set_title(f"{_name(res, tag)}: membrane of the first neuron, discrete vs the ODE\n{scheme}",
                     fontsize=7.5)
        fig.legend(loc="outside lower center", ncol=2, frameon=False)
    return save_figure(fig, out, _stem(res, "trace", tag))
