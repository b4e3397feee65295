"""Figure writers of ``refneuron validate``: they run on reduced cases, write a
PNG and a vector SVG below a size bound, keep titles clear of other axes, and
the drawing decimation keeps every extreme of the curve."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from refneuron.registry import get
from refneuron.validation import convergence as cv
from refneuron.validation import plots
from refneuron.validation.published import _data, adex, figures, izhikevich, lapicque

#: SVG bound of the task.  Measured: the full-run figures are 45-455 kB; the trace figure of the
#: reduced case below is 75 kB, and 5.5 MB when the 51 000 samples of its finest run are drawn
#: as one marker each (what the figures did before), so the bound can fail.
SVG_MAX = 500_000
#: PNG at 150 dpi of the largest figure (the 20-panel grid) is about 0.6 MB
PNG_MAX = 1_500_000


@pytest.fixture
def captured(monkeypatch):
    """Keep every figure handed to ``save_figure`` (it is still drawable after closing)."""
    figs = []
    real = plots.save_figure

    def keep(fig, out, stem, **kw):
        figs.append(fig)
        return real(fig, out, stem, **kw)

    monkeypatch.setattr(plots, "save_figure", keep)
    return figs


def _check_files(out, name):
    assert name.endswith(".png")
    stem = name[:-4]
    png, svg = out / f"{stem}.png", out / f"{stem}.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 1000 < png.stat().st_size <= PNG_MAX, png.stat().st_size
    assert 1000 < svg.stat().st_size <= SVG_MAX, svg.stat().st_size
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    # vector: no embedded raster image
    assert not any(el.tag.endswith("image") for el in root.iter())


def _overlaps(a, b, tol=0.5):
    """Whether two display-space boxes intersect by more than ``tol`` pixels each way."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _assert_titles_clear(fig):
    """No axes title touches another axes (frame and tick labels) or another title."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # a closed figure has lost its canvas; lay it out again on a fresh one
    fig.draw_without_rendering()
    r = fig.canvas.get_renderer()
    axes = fig.axes
    titles = []
    for ax in axes:
        for t in (ax.title, ax._left_title, ax._right_title):
            if t.get_text():
                titles.append((ax, t.get_window_extent(r)))
    assert titles
    for ax, box in titles:
        for other in axes:
            if other is ax:
                continue
            assert not _overlaps(box, other.get_tightbbox(r)), (_titles(ax), _titles(other))
        for ax2, box2 in titles:
            if ax2 is not ax:
                assert not _overlaps(box, box2), (_titles(ax), _titles(ax2))


def _titles(ax):
    return " | ".join(t.get_text() for t in (ax.title, ax._left_title, ax._right_title) if t.get_text())


def test_izhikevich_grid_small(tmp_path, captured):
    ps = [_data.pattern(pid) for pid in ("izh2004_A", "izh2004_I", "izh2004_T")]
    pairs = [(p, izhikevich.run_published(p), izhikevich.run_ode(p)) for p in ps]
    pairs.append((_data.pattern("izh2003_RS"), izhikevich.run_published(_data.pattern("izh2003_RS")), None))
    # the runaway ODE (panel T) has no trace: it must still draw
    assert pairs[2][2].runaway and pairs[2][2].t.size == 0
    name = figures.izhikevich_grid(pairs, tmp_path, "grid", ncols=2, title="test grid")
    assert name == "grid.png"
    _check_files(tmp_path, name)
    _assert_titles_clear(captured[-1])
    # 4 panels, each a voltage axes and a stimulus strip
    assert len(captured[-1].axes) == 8


def test_adex_grid_small(tmp_path, captured):
    rows = []
    for pid in ("naud2008_tonic_spiking", "naud2008_delayed_regular_bursting_alt"):
        p = _data.pattern(pid)
        rows.append((p, adex.run_discrete(p), adex.run_ode(p), "label"))
    name = figures.adex_grid(rows, tmp_path, "adex", title="test")
    _check_files(tmp_path, name)
    fig = captured[-1]
    _assert_titles_clear(fig)
    # the phase plane of tonic spiking holds the knee of its V-nullcline (w = 320 pA at V = V_T:
    # -10 nS * 20 mV + 10 nS * 2 mV + 500 pA), far above the trajectory (w < 50 pA)
    ph = fig.axes[1]
    lo, hi = ph.get_ylim()
    assert lo < 0.0 < 320.0 < hi
    assert float(np.max(rows[0][1].u)) < 100.0


def test_lapicque_figure(tmp_path, captured):
    tut = {pid: lapicque.run_tutorial(pid) for pid in ("lapicque_tut2_decay", "lapicque_tut2_step")}
    sd = lapicque.strength_duration()
    name = figures.lapicque_figure(lapicque.rc_charging(), sd, tut, tmp_path, stem="lap")
    _check_files(tmp_path, name)
    _assert_titles_clear(captured[-1])


@pytest.fixture(scope="module")
def leaky_convergence():
    # snntorch Leaky, tau = 20 steps, a supra-threshold step drive; the finest dt (0.002 step)
    # gives 51 000 samples up to t_cmp, a dense trace (see SVG_MAX)
    model = get("snntorch.Leaky")(beta=math.exp(-1 / 20))
    drive = cv.PiecewiseConstant((0.0, 10.0), (0.0, 0.08))
    return cv.convergence(model, drive, 100.0, (0.5, 0.25, 0.1, 0.002), dt=1.0, amplitudes=(1.1, 1.3))


def test_ode_figures(tmp_path, captured, leaky_convergence):
    res = leaky_convergence
    assert max(t.size for t, _ in res.traces.values()) >= 40_000
    for fn in (plots.convergence_figure, plots.trace_figure):
        name = fn(res, tmp_path, "reduced case")
        assert name.startswith("ode_snntorch_Leaky_reduced_case_")
        _check_files(tmp_path, name)
        _assert_titles_clear(captured[-1])
    # the convergence title states the fitted orders
    title = captured[-2].axes[0].get_title()
    assert f"{res.order_spike:.3f}" in title and f"{res.order_trace:.3f}" in title


def test_envelope_keeps_extremes_and_endpoints():
    rng = np.random.default_rng(3)
    n, bins = 50_000, 500
    t = np.arange(n) * 0.01
    y = np.cumsum(rng.standard_normal(n))
    y[12_345] = 1e3  # a one-sample spike
    y[777] = np.nan  # a gap
    k = plots.envelope(t, y, bins=bins)
    assert k[0] == 0 and k[-1] == n - 1
    assert np.all(np.diff(k) > 0)
    assert k.size <= 4 * bins + 1
    assert 12_345 in k and 777 in k
    # per bin, the kept samples span the same range as all samples
    edges = np.linspace(0, n, bins + 1).astype(int)
    for a, b in zip(edges[:-1], edges[1:]):
        kept = k[(k >= a) & (k < b)]
        assert np.nanmin(y[kept]) == np.nanmin(y[a:b]) and np.nanmax(y[kept]) == np.nanmax(y[a:b])


def test_envelope_short_input_untouched():
    t = np.arange(100.0)
    assert np.array_equal(plots.envelope(t, np.sin(t), bins=25), np.arange(100))
