"""``collect``: run every published-trace reproduction, build its checks, findings and figures.

Every feature of ``published_params.json`` is accounted for: checked
(:class:`~refneuron.validation.checks.Check`), or reported as a
:class:`~refneuron.validation.checks.Finding` with the reason it is not a
check (a value given as "≈" without a range, the ODE limit the spec asks to
report, or a conflict inside the specification, stated with the measured
values).  :data:`ELSEWHERE` and :data:`DESCRIPTIVE` list the keys handled
outside :func:`_feature_checks`.

Spike times of the discrete runs are ``t_k = k dt``, the start of the step
whose update crossed the cut (spec §0); ODE spike times are event times.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from pathlib import Path

import numpy as np

from ..checks import Check, Finding
from . import _data, adex, classify, figures, izhikevich, lapicque
from . import features as F

#: the spike-time convention of the discrete runs, stated in the report and the figures
T_K = "t_k = k dt, the start of the step whose update crossed the cut (spec §0)"


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a pattern's features come from, and why its tolerances are right.

    ``text``: citation appended to each expected value; ``exact``: the reason
    integer features (counts, burst sizes, windows) are compared exactly;
    ``ranges``: the reason for the spec's ranges; ``times``: the spike-time
    convention of the run.
    """

    text: str
    exact: str
    ranges: str
    times: str = T_K

    def on(self, run, times=None):
        """The same source for a named run (``"forward Euler 0.1 ms"``, ``"ODE"``)."""
        return dataclasses.replace(self, text=f"{self.text}; {run}", times=times or self.times)


ODE_TIMES = "event times of the ODE (DOP853)"
SRC_2004 = Source(
    "Izhikevich (2004) Fig. 1 / figure1.m; spec published.md §3.4",
    "exact: counts are exact under the published scheme and dt (spec §0, §3.4)",
    "the range read off the published figure, confirmed by re-running figure1.m (spec §0, §3.4)")
SRC_2003 = Source(
    "Izhikevich (2003) Fig. 2, ModelDB 39948 reconstruction; spec published.md §2.4",
    "exact: the reconstruction's features are exact under its scheme, confirmed in an independent run (spec §2.4)",
    "the range of the reconstruction (spec §2.4)")
SRC_NAUD = Source(
    "Naud et al. (2008); ranges from Brian2 (dt 0.1, 0.001 ms) and NEST RKF45, spec published.md §4.3",
    "exact: an integer feature on which Brian2 forward Euler (dt 0.1 and 0.001 ms) and NEST's RKF45 agree, "
    "i.e. it holds under accurate integration too (spec §4.3)",
    "the spec's range, covering Brian2 forward Euler (dt 0.1, 0.001 ms) and NEST RKF45 (spec §4.3)")
SRC_BG = Source(
    "Brette & Gerstner (2005), public examples; spec published.md §4.2",
    "exact: the integer result of the public example (Brian2 forward Euler 0.1 ms / NEST RKF45, spec §4.2); "
    "the ODE is held to it as the results depend on scheme and cut only weakly (spec §4.1)",
    "the spec's range (spec §4.2)")
#: kept for callers of the old constant: the 2004 reason
EXACT = SRC_2004.exact
#: integer step indices of snntorch's tutorial 2, from the update rule (spec §1.4)
LAPICQUE_EXACT = "exact: integer step indices; the margins are far from round-off (spec §1.4)"

#: expected classifier labels (names of the published patterns, in the classifier's words)
NAUD_LABELS = {
    "naud2008_tonic_spiking": "tonic",
    "naud2008_adaptation": "adapting",
    "naud2008_initial_burst": "initial burst",
    "naud2008_regular_bursting": "bursting",
    "naud2008_delayed_accelerating": "delayed accelerating",
    "naud2008_delayed_regular_bursting": "delayed bursting",
    "naud2008_transient_spiking": "transient",
    "naud2008_irregular_spiking": "irregular",
}
CAPTION_LABELS = {
    "adapting": "adapting",
    "burst then single spikes": "initial burst",
    "repetitive bursts": "bursting",
    "no adaptation": "tonic",
    "adapting from a high rate": "adapting",
}

#: feature keys :func:`_feature_checks` checks
HANDLED = frozenset({
    "spike_count", "spike_count_range", "first_spike_ms_range", "count_in_windows", "burst_sizes_isi_gt_10ms",
    "burst_sizes_isi_gt_20ms", "isi_trend", "no_spikes_after_ms", "isi_cv_max", "isi_cv_range",
    "steady_isi_ms_range", "isi_last_over_first_min", "first_isis_below_ms", "intra_burst_isi_ms_range",
    "inter_burst_isi_ms_range", "spikes_per_burst", "window_ms",
})
#: feature keys checked outside :func:`_feature_checks` (where)
ELSEWHERE = {
    "ode_limit": "_izhikevich: the ODE rule per panel (spec §3.5)",
    "after_spike": "_izhikevich: after-potential (Q) and damped oscillation (J) from the trace",
    "qualitative_class": "_izhikevich: classifier label of the caption variants",
    "observed_in_independent_runs": "_adex: counts of the alternative rows over 600 ms",
}
#: text-only keys (no number to check)
DESCRIPTIVE = frozenset({"description", "note", "tutorial_index_note", "derivation"})
#: keys of the Lapicque patterns, all checked in :func:`_lapicque`
LAPICQUE_KEYS = frozenset({
    "closed_form", "spikes", "steady_state_V", "peak_closed_form", "first_spike_loop_step", "chronaxie_over_tau",
    "Ith_at_chronaxie_over_rheobase", "short_pulse_threshold_charge",
})


def _chk(out, group, name, value, expected, tolerance, passed, detail="", figure=None):
    out.append(Check(group, name, value, expected, tolerance, bool(passed), detail, figure))


def _note(notes, kind, group, name, value, spec, detail="", figure=None):
    notes.append(Finding(kind, group, name, value, spec, detail, figure))


def _onset(p):
    return min(float(s["t_start"]) for s in p["protocol"]["segments"])


def _trend_ok(d, direction, strict):
    """ISI trend: strictly monotone, or (non-strict) monotone with ties allowed and first vs last.

    The non-strict rule allows equal neighbours only (to 1e-9 ms, round-off
    of the differences of ``t_k``), never a step the wrong way: the spec says
    "monotonically" (§4.3 rows b, e).
    """
    if d.size < 2:
        return False
    if strict:
        return F.monotone(d, direction)
    return bool(np.all(np.diff(d) * direction >= -1e-9) and (d[-1] - d[0]) * direction > 0)


def _r(x, n=3):
    return np.round(np.asarray(x, dtype=float), n).tolist()


def _pulse_end(p):
    ends = [float(s["t_end"]) for s in p["protocol"]["segments"] if s["t_end"] is not None]
    return min(ends) if ends else math.nan


#: values the spec gives as "≈" without a range: what is measured for each (reported, not checked)
APPROX = {
    "isi_ms_approx": ("ISIs (ms)", lambda st, d, p: _r(d)),
    "inter_burst_gap_ms_approx": ("ISIs > 10 ms (gaps between bursts)", lambda st, d, p: _r(d[d > 10.0])),
    "tonic_isi_ms_approx": ("ISIs > 10 ms (after the burst)", lambda st, d, p: _r(d[d > 10.0])),
    "isi_ms_first_last_approx": ("first and last ISI (ms)", lambda st, d, p: _r(d[[0, -1]]) if d.size else []),
    "isi_first_last_ms_approx": ("first and last ISI (ms)", lambda st, d, p: _r(d[[0, -1]]) if d.size else []),
    "steady_isi_ms_approx": ("mean ISI after the first two (ms)",
                             lambda st, d, p: round(float(np.mean(d[2:])), 3) if d.size > 2 else math.nan),
    "latency_after_pulse_end_ms_approx": ("first spike minus the end of the pulse (ms)",
                                          lambda st, d, p: round(float(st[0]) - _pulse_end(p), 3)
                                          if len(st) else math.nan),
}
APPROX_WHY = ("not a check: the spec gives this value as '≈' without a range, so there is no tolerance to hold it "
              "to (spec §0: '~' values are not to be tightened without a reason)")


def _intra_burst_alone(out, notes, group, ef, st, src, fig):
    """``intra_burst_isi_ms_range`` without an inter-burst range (panel C): bursts by the spec's own gap.

    Checked strictly: every intra-burst ISI but the last of each burst lies in
    the range.  The last ISI of each burst is checked too, unless it leaves the
    range while the spec's burst sizes hold: then the spec's range conflicts
    with its own burst sizes (which need that ISI inside the burst), and the
    conflict is a ``"discrepancy"`` finding with the measured ISIs (a failing
    check if ``notes`` is None, so that nothing is dropped).
    """
    lo, hi = ef["intra_burst_isi_ms_range"]
    keys = [(k, g) for k, g in (("burst_sizes_isi_gt_10ms", 10.0), ("burst_sizes_isi_gt_20ms", 20.0)) if k in ef]
    key, gap = keys[0] if keys else (None, 10.0)
    per = F.burst_isis(st, gap)
    inner = np.concatenate([b[:-1] for b in per]) if per else np.empty(0)
    last = np.array([b[-1] for b in per if b.size])
    ok_inner = bool(inner.size) and bool(np.all((inner >= lo) & (inner <= hi)))
    _chk(out, group, f"intra-burst ISIs but the last of each burst (ms; bursts split at ISI > {gap:g} ms)",
         f"{float(inner.min()):.4g}..{float(inner.max()):.4g} ({inner.size} ISIs)" if inner.size else "none",
         f"in [{lo}, {hi}] ({src.text})", src.ranges, ok_inner, detail=f"per burst: {[_r(b) for b in per]}",
         figure=fig)
    out_last = last[(last < lo) | (last > hi)]
    sizes_ok = key is not None and F.bursts_by_gap(st, gap) == ef[key]
    name = "last intra-burst ISI of each burst (ms)"
    if out_last.size and sizes_ok and notes is not None:
        _note(notes, "discrepancy", group, name, str(_r(last)),
              f"intra-burst ISIs {lo}-{hi} ms and burst sizes {ef[key]} with a new burst after ISI > {gap:g} ms "
              f"({src.text})",
              f"the spec conflicts with itself: its burst sizes {ef[key]} hold (checked) only if the ISIs "
              f"{_r(out_last)} ms count as intra-burst, but they lie outside its intra-burst range [{lo}, {hi}]. "
              f"Every other intra-burst ISI is in the range (checked). Consistent readings: intra-burst ISIs "
              f"{lo}-{max(hi, float(out_last.max())):g} ms, or {lo}-{hi} ms except the last ISI of each burst.",
              figure=fig)
    else:
        _chk(out, group, name, str(_r(last)), f"in [{lo}, {hi}] ({src.text})", src.ranges,
             bool(last.size) and not out_last.size, figure=fig)


def _feature_checks(out, group, p, st, dt, src, fig, *, window=None, notes=None):
    """Checks of the features a pattern's ``expected_features`` lists, on spike times ``st``.

    ``src``: a :class:`Source` (a plain string is taken as the citation with
    the 2004 reasons).  ``notes``: list receiving the :class:`Finding` rows
    (values given as "≈", conflicts of the spec); if None, a conflict is a
    failing check and the "≈" values are not reported.  Every key of
    ``expected_features`` is either checked here, listed in :data:`ELSEWHERE`
    or :data:`DESCRIPTIVE`, or reported as a finding (never skipped silently).
    """
    if isinstance(src, str):
        src = dataclasses.replace(SRC_2004, text=src)
    st = np.asarray(st, dtype=np.float64)
    ef = p["expected_features"]
    T = float(_data.value(p["duration"]))
    w0, w1 = window or (0.0, T + dt)
    n = F.count_in(st, w0, w1)
    if "spike_count" in ef:
        _chk(out, group, "spike count", n, f"{ef['spike_count']} ({src.text})", src.exact, n == ef["spike_count"],
             figure=fig)
    if "spike_count_range" in ef:
        lo, hi = ef["spike_count_range"]
        _chk(out, group, f"spike count in [{w0:g}, {w1:g}) ms", n, f"{lo}..{hi} ({src.text})", src.ranges,
             lo <= n <= hi, figure=fig)
    if "first_spike_ms_range" in ef:
        lo, hi = ef["first_spike_ms_range"]
        v = float(st[0]) if len(st) else float("nan")
        _chk(out, group, "first spike time (ms)", v, f"in [{lo}, {hi}] ({src.text}); spike times: {src.times}",
             src.ranges, lo <= v <= hi, figure=fig)
    for win in ef.get("count_in_windows", []):
        c = F.count_in(st, win["from"], win["to"])
        _chk(out, group, f"spikes in [{win['from']}, {win['to']}) ms", c, f"{win['count']} ({src.text})", src.exact,
             c == win["count"], figure=fig)
    for key, gap in (("burst_sizes_isi_gt_10ms", 10.0), ("burst_sizes_isi_gt_20ms", 20.0)):
        if key in ef:
            b = F.bursts_by_gap(st, gap)
            _chk(out, group, f"burst sizes (new burst after ISI > {gap:g} ms)", str(b), f"{ef[key]} ({src.text})",
                 src.exact, b == ef[key], figure=fig)
    d = F.isis(st)
    if "isi_trend" in ef:
        txt = ef["isi_trend"]
        direction = 1 if "increas" in txt else -1
        strict = "strictly" in txt
        ok = _trend_ok(d, direction, strict)
        _chk(out, group, "ISI trend", str(_r(d)), f"{txt} ({src.text})",
             "strictly monotone where the source says strictly; else monotone with ties (to 1e-9 ms) "
             "and last vs first the stated way", ok, figure=fig)
        m = re.search(r"about ([0-9.]+) ms", txt)
        if m and notes is not None:
            _note(notes, "not_checked", group, "last ISI (ms)", round(float(d[-1]), 3) if d.size else math.nan,
                  f"'{txt}' ({src.text})", APPROX_WHY, figure=fig)
    if "no_spikes_after_ms" in ef:
        c = F.count_in(st, ef["no_spikes_after_ms"], math.inf)
        _chk(out, group, f"spikes after {ef['no_spikes_after_ms']} ms", c, f"0 ({src.text})", src.exact, c == 0,
             figure=fig)
    if "isi_cv_max" in ef:
        cv = F.isi_cv(st)
        _chk(out, group, "ISI CV", cv, f"< {ef['isi_cv_max']} ({src.text})", src.ranges, cv < ef["isi_cv_max"],
             figure=fig)
    if "isi_cv_range" in ef:
        cv = F.isi_cv(st)
        lo, hi = ef["isi_cv_range"]
        _chk(out, group, "ISI CV", cv, f"in [{lo}, {hi}] ({src.text})", src.ranges + " (chaotic row: statistics only)",
             lo <= cv <= hi, figure=fig)
    if "steady_isi_ms_range" in ef:
        lo, hi = ef["steady_isi_ms_range"]
        v = float(d[-1]) if d.size else math.nan
        _chk(out, group, "last ISI (ms)", v, f"in [{lo}, {hi}] ({src.text})", src.ranges, lo <= v <= hi, figure=fig)
    if "isi_last_over_first_min" in ef:
        r = float(d[-1] / d[0]) if d.size else math.nan
        _chk(out, group, "last ISI / first ISI", r, f"> {ef['isi_last_over_first_min']} ({src.text})", src.ranges,
             r > ef["isi_last_over_first_min"], figure=fig)
    if "first_isis_below_ms" in ef:
        lim = ef["first_isis_below_ms"]
        v = d[: len(lim)]
        _chk(out, group, "first ISIs (ms)", str(_r(v, 2)), f"below {lim} ({src.text})", src.ranges,
             v.size == len(lim) and bool(np.all(v < lim)), figure=fig)
    if "intra_burst_isi_ms_range" in ef and "inter_burst_isi_ms_range" in ef:
        lo, hi = ef["intra_burst_isi_ms_range"]
        glo, ghi = ef["inter_burst_isi_ms_range"]
        gap = 0.5 * (hi + glo)
        intra, inter = d[d <= gap], d[d > gap]
        ok = bool(intra.size and inter.size and np.all((intra >= lo) & (intra <= hi)) and
                  np.all((inter >= glo) & (inter <= ghi)))
        # the last burst may be cut by the window edge: its ISIs are intra-burst ones, still checked
        _chk(out, group, "intra / inter-burst ISIs (ms)", f"{_r(intra, 2)} / {_r(inter, 2)}",
             f"intra in [{lo}, {hi}], inter in [{glo}, {ghi}] ({src.text})", src.ranges, ok, figure=fig)
    elif "intra_burst_isi_ms_range" in ef:
        _intra_burst_alone(out, notes, group, ef, st, src, fig)
    elif "inter_burst_isi_ms_range" in ef:
        glo, ghi = ef["inter_burst_isi_ms_range"]
        inter = d[d > 20.0]
        _chk(out, group, "inter-burst ISIs (ms; ISI > 20 ms)", str(_r(inter, 2)), f"in [{glo}, {ghi}] ({src.text})",
             src.ranges, bool(inter.size) and bool(np.all((inter >= glo) & (inter <= ghi))), figure=fig)
    if "spikes_per_burst" in ef:
        b = F.bursts_by_gap(st, 20.0)
        full = b[:-1] if len(b) > 1 else b  # the last burst may straddle the window's end (spec §4.3)
        ok = bool(full) and all(x == ef["spikes_per_burst"] for x in full)
        _chk(out, group, "spikes per burst (all but the last, which the window may cut)", str(b),
             f"{ef['spikes_per_burst']} ({src.text})", src.exact, ok, figure=fig)
    for key, val in ef.items():
        if key in HANDLED or key in ELSEWHERE or key in DESCRIPTIVE:
            continue
        if notes is None:
            continue
        if key in APPROX:
            what, meas = APPROX[key]
            _note(notes, "not_checked", group, what, str(meas(st, d, p)), f"≈ {val} ({key}; {src.text})",
                  APPROX_WHY, figure=fig)
        else:
            _note(notes, "not_checked", group, key, "-", f"{val} ({src.text})",
                  "not a check: no rule in _collect for this key of the data file", figure=fig)


ODE_RULES = {
    "same count": lambda pub, ode: len(ode.spike_times) == len(pub.spike_times),
    "pattern kept; count may differ by 1": lambda pub, ode: abs(len(ode.spike_times) - len(pub.spike_times)) <= 1,
    "count differs": lambda pub, ode: len(ode.spike_times) != len(pub.spike_times),
    "count differs (longer burst)": lambda pub, ode: len(ode.spike_times) > len(pub.spike_times),
    "no spike (threshold stimulus tuned to the scheme)": lambda pub, ode: len(ode.spike_times) == 0,
    "same count, earlier spike": lambda pub, ode: (len(ode.spike_times) == len(pub.spike_times)
                                                   and ode.spike_times[0] < pub.spike_times[0]),
    "second pulse does not stop firing": lambda pub, ode: F.count_in(ode.spike_times, 221, math.inf) > 0,
    "repetitive firing": lambda pub, ode: len(ode.spike_times) >= 2,
}


def _ode_rule(text):
    if text.startswith("runaway"):
        return lambda pub, ode: ode.runaway
    return ODE_RULES[text]


def _bursts_kept(pub, ode, gap=10.0):
    """"Pattern kept" (spec §3.5): the published bursts (new burst after ISI > ``gap``) in order, each
    within one spike, at most one extra burst, of a single spike, after them, total count within 1."""
    b, c = F.bursts_by_gap(pub, gap), F.bursts_by_gap(ode, gap)
    if len(c) < len(b) or len(c) > len(b) + 1 or abs(len(ode) - len(pub)) > 1:
        return False
    if any(abs(x - y) > 1 for x, y in zip(b, c)):
        return False
    return len(c) == len(b) or c[-1] == 1


def _burst_starts(st, gap=10.0):
    st = np.asarray(st, dtype=np.float64)
    if not st.size:
        return []
    return _r(st[np.concatenate([[0], np.flatnonzero(np.diff(st) > gap) + 1])], 2)


def _after_spike(tr):
    """Samples of ``tr`` after its first spike (the spike's own sample, marked at the cut, skipped)."""
    if not len(tr.spike_times) or not tr.t.size:
        return np.empty(0), np.empty(0)
    i = np.flatnonzero(tr.t > tr.spike_times[0])
    t, v = tr.t[i], tr.v[i]
    keep = v < np.max(tr.v)  # a sample marked at the cut (the ODE marks the nearest one)
    return t[keep], v[keep]


def _izh_rest(p):
    """Stable rest of an Izhikevich pattern at zero drive (standard u rule): the lower root of
    ``p2 v^2 + (p1 - b) v + p0 = 0`` (u = b v at rest)."""
    m = _data.izhikevich_model(p)
    disc = (m.p1 - m.b) ** 2 - 4 * m.p2 * m.p0
    return float((-(m.p1 - m.b) - math.sqrt(disc)) / (2 * m.p2)) if disc >= 0 else math.nan


def after_potential(p, tr):
    """Panel Q: ``(rise, t_peak, ok)``; ``rise`` = the largest ``v`` after the first spike minus the reset ``c``.

    "v rises again after the reset" without a second spike: ``rise > 0`` and
    one spike.  Without the after-potential (``d >= 0``) ``v`` would only fall
    from ``c`` towards rest (the pulse is over before the spike).
    """
    m = _data.izhikevich_model(p)
    t, v = _after_spike(tr)
    if not v.size:
        return math.nan, math.nan, False
    rise = float(v.max() - m.c)
    return rise, float(t[int(np.argmax(v))]), bool(rise > 0 and len(tr.spike_times) == 1)


def damped_oscillation(p, tr):
    """Panel J: ``(deviations, times, rest, ok)``: the extrema of ``v`` after the spike, minus rest.

    Damped subthreshold oscillation without a further spike: at least 4
    extrema, on alternating sides of the rest potential (:func:`_izh_rest`),
    with strictly decreasing distance from it, and one spike.
    """
    rest = _izh_rest(p)
    t, v = _after_spike(tr)
    e = F.extrema(v)
    dev = v[e] - rest
    ok = (e.size >= 4 and bool(np.all(np.sign(dev[1:]) == -np.sign(dev[:-1])))
          and bool(np.all(np.diff(np.abs(dev)) < 0)) and len(tr.spike_times) == 1)
    return dev, t[e], rest, bool(ok)


def _after_spike_checks(out, notes, g, p, pub, ode, fig):
    """The ``after_spike`` feature of panels J and Q: checked on the published run, reported for the ODE."""
    txt = p["expected_features"].get("after_spike")
    if txt is None:
        return
    if "after-potential" in txt:
        rise, t_pk, ok = after_potential(p, pub)
        _chk(out, g, "depolarizing after-potential: max v after the spike minus the reset c (mV)", rise,
             f"> 0 and no second spike: '{txt}' (spec §3.4)",
             "strict: > 0 mV (a qualitative feature; without it v only falls from c, the pulse being over)", ok,
             detail=f"peak of the after-potential at t = {t_pk:g} ms; spikes {_r(pub.spike_times)}", figure=fig)
        rise_o, _, ok_o = after_potential(p, ode) if not ode.runaway else (math.nan, math.nan, False)
        _note(notes, "ode_limit", g, "ODE limit: depolarizing after-potential", rise_o, f"'{txt}' (spec §3.4)",
              ("survives" if ok_o else "does not survive") + f": ODE spikes {_r(ode.spike_times[:12])}", figure=fig)
    elif "damped" in txt:
        dev, te, rest, ok = damped_oscillation(p, pub)
        _chk(out, g, "damped subthreshold oscillation: extrema of v after the spike minus rest (mV)",
             str(_r(dev)), f"alternating sign, |.| strictly decreasing, >= 4 extrema, no second spike: '{txt}' "
             f"(spec §3.4)", f"strict (a qualitative feature); rest {rest:.4f} mV = stable fixed point at I = 0",
             ok, detail=f"extrema at t = {_r(te, 2)} ms", figure=fig)
        dev_o, te_o, _, ok_o = damped_oscillation(p, ode)
        _note(notes, "ode_limit", g, "ODE limit: damped subthreshold oscillation", str(_r(dev_o)),
              f"'{txt}' (spec §3.4)", ("survives" if ok_o else "does not survive") + f": extrema at {_r(te_o, 2)} ms",
              figure=fig)


def _izhikevich(out, notes, out_dir, progress, full):
    pairs = []
    for p in _data.patterns("izh2004"):
        pub = izhikevich.run_published(p)
        ode = izhikevich.run_ode(p)
        pairs.append((p, pub, ode))
        progress(p["id"])
    fig = figures.izhikevich_grid(pairs, out_dir, "izhikevich2004_fig1",
                                  title="Izhikevich (2004) Fig. 1: published scheme (black) and ODE limit (red)")
    for p, pub, ode in pairs:
        g = f"published:{p['id']}"
        dt = float(_data.value(p["dt"]))
        _feature_checks(out, g, p, pub.spike_times, dt, SRC_2004, fig, notes=notes)
        text = p["expected_features"]["ode_limit"]
        n_ode = f">{len(ode.spike_times) - 1} (runaway, stopped)" if ode.runaway else len(ode.spike_times)
        _chk(out, g, "ODE limit: spike count", n_ode, f"{text} (published {len(pub.spike_times)}; spec §3.5)",
             "qualitative, as the spec states it; a finding about the published figure, not tuned",
             _ode_rule(text)(pub, ode), detail=f"ODE spike times {_r(ode.spike_times[:12])}", figure=fig)
        if text.startswith("pattern kept"):
            b, c = F.bursts_by_gap(pub.spike_times, 10.0), F.bursts_by_gap(ode.spike_times, 10.0)
            _chk(out, g, "ODE limit: burst structure kept (new burst after ISI > 10 ms)", str(c),
                 f"{b} as published, each burst within one spike, at most one extra single spike after them "
                 f"(spec §3.5: pattern kept, count may differ by 1)",
                 "burst sizes within 1 spike each; the rule of spec §3.5, not tuned",
                 _bursts_kept(pub.spike_times, ode.spike_times), detail=f"ODE spike times {_r(ode.spike_times, 2)}",
                 figure=fig)
            if len(c) > len(b) or sum(c) != sum(b):
                spec_end = len(c) > len(b)
                where = ("at the window's end (an extra burst of one spike)" if spec_end else
                         f"inside burst(s) {[i + 1 for i, (x, y) in enumerate(zip(b, c)) if x != y]}, not at the "
                         f"window's end as the spec says")
                _note(notes, "reported" if spec_end else "discrepancy", g, "ODE limit: where the count changes",
                      f"{b} -> {c}", "spec §3.5: C and E keep their pattern but can gain a spike at the window's "
                      "end as spike times drift",
                      f"the ODE gains its spike {where}; bursts start at {_burst_starts(ode.spike_times)} ms (ODE) "
                      f"against {_burst_starts(pub.spike_times)} ms (published), last spike "
                      f"{ode.spike_times[-1]:.2f} against {pub.spike_times[-1]:g} ms (window end "
                      f"{float(_data.value(p['duration'])):g} ms)", figure=fig)
        # spec §3.5(ii): which of the panel's features survive in the ODE limit (reported)
        tmp, tmp_notes = [], []
        _feature_checks(tmp, g, p, ode.spike_times, dt, SRC_2004.on("ODE", ODE_TIMES), fig, notes=tmp_notes)
        for c in tmp:
            _note(notes, "ode_limit", g, f"ODE limit: {c.name}", c.value, c.expected,
                  ("survives" if c.passed else "does not survive") + (" (runaway run, stopped)" if ode.runaway else ""),
                  figure=fig)
        for f in tmp_notes:
            _note(notes, "ode_limit", g, f"ODE limit: {f.name}", f.value, f.spec, f.detail, figure=fig)
        _after_spike_checks(out, notes, g, p, pub, ode, fig)
    pairs3 = []
    for p in _data.patterns("izh2003"):
        pub = izhikevich.run_published(p)
        ode = izhikevich.run_ode(p) if full else None
        pairs3.append((p, pub, ode))
        progress(p["id"])
    fig3 = figures.izhikevich_grid(pairs3, out_dir, "izhikevich2003_types", ncols=5,
                                   title="Izhikevich (2003) types: reconstruction and caption protocols")
    for p, pub, ode in pairs3:
        g = f"published:{p['id']}"
        dt = float(_data.value(p["dt"]))
        _feature_checks(out, g, p, pub.spike_times, dt, SRC_2003, fig3, notes=notes)
        q = p["expected_features"].get("qualitative_class")
        if q is not None:
            lab = classify.classify(pub.spike_times, _onset(p), float(_data.value(p["duration"])) + dt)
            exp = CAPTION_LABELS.get(q, "tonic")
            _chk(out, g, "classifier label", lab.label, f"'{exp}' ({q}; caption variant, spec §2.4)",
                 "label equality; thresholds documented in classify.py", lab.label == exp, detail=str(lab.measures),
                 figure=fig3)
        if ode is not None:
            _note(notes, "reported", g, "ODE spike count (full run)", len(ode.spike_times),
                  "no published ODE count (spec §2.4)", f"ODE spike times {_r(ode.spike_times[:12])}", figure=fig3)


#: the cuts of the robustness check (spec §4.2: "check robustness to it"), by name
def _cuts(m):
    return {"V_T + 5 Delta_T": m.V_T + 5 * m.Delta_T, "0 mV": 0.0, "20 mV": 20.0}


def _same_cut(a, b):
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)


def _cut_runs(p, tr):
    """Forward-Euler runs of ``p`` at the three cuts (``tr``, the run at the data file's cut, reused)."""
    m = _data.adex_model(p)
    return {name: (tr if _same_cut(vp, m.V_peak) else adex.run_discrete(p, V_peak=vp))
            for name, vp in _cuts(m).items()}


def _shift_text(m, runs):
    own = [k for k, v in _cuts(m).items() if _same_cut(v, m.V_peak)]
    base = runs[own[0]] if own else None
    parts = []
    for name, tr in runs.items():
        st = tr.spike_times
        s = f"{name} ({_cuts(m)[name]:g} mV): {len(st)} spikes, first {st[0]:.1f} ms" if len(st) else \
            f"{name}: no spike"
        if base is not None and len(st) and len(base.spike_times):
            s += f" (shift {st[0] - base.spike_times[0]:+.1f} ms"
            if len(st) == len(base.spike_times):
                s += f", largest |shift| over all spikes {np.max(np.abs(st - base.spike_times)):.1f} ms"
            s += ")"
        parts.append(s)
    return f"data file's cut {m.V_peak:g} mV; " + "; ".join(parts)


def _with_duration(p, T):
    q = copy.deepcopy(p)
    q["duration"] = {"value": float(T), "unit": "ms"}
    return q


#: the alternative rows' observations of spec §4.3 ("in 600 ms")
ALT_T = 600.0


def _alt_checks(out, g, p, fig):
    """The concrete observations of spec §4.3 for the alternative rows f and g, over 600 ms."""
    q = _with_duration(p, ALT_T)
    obs = p["expected_features"].get("observed_in_independent_runs", "")
    for run, st in (("forward Euler 0.1 ms", adex.run_discrete(q).spike_times),
                    ("ODE", adex.run_ode(q).spike_times)):
        n = F.count_in(st, 0.0, ALT_T)
        if "no spike" in obs:
            _chk(out, g, f"spikes in [0, {ALT_T:g}) ms ({run})", n, f"0: '{obs}' (spec §4.3, Brian2 and NEST)",
                 "exact: a count of zero", n == 0, figure=fig)
        else:
            _chk(out, g, f"spikes in [0, {ALT_T:g}) ms ({run})", n, f"≈ 100: '{obs}' (spec §4.3, Brian2 and NEST)",
                 "|n - 100| <= 5: the spec's '≈ 100' read as 100 to two significant figures", abs(n - 100) <= 5,
                 figure=fig)
            last = F.count_in(st, ALT_T - 100.0, ALT_T)
            _chk(out, g, f"sustained: spikes in [{ALT_T - 100:g}, {ALT_T:g}) ms ({run})", last,
                 f"> 0: 'sustained firing' (spec §4.3)", "strict", last > 0, figure=fig)


def _adex(out, notes, out_dir, progress, full):
    rows = []
    for pid in adex.NAUD_ROWS + adex.NAUD_ALT:
        p = _data.pattern(pid)
        tr = adex.run_discrete(p)
        ode = adex.run_ode(p)
        lab = classify.classify(tr.spike_times, 0.0, 500.0)
        rows.append((p, tr, ode, lab))
        progress(pid)
    main = [(p, tr, ode, lab.label) for p, tr, ode, lab in rows if p["id"] in NAUD_LABELS]
    alt = [(p, tr, ode, lab.label) for p, tr, ode, lab in rows if p["id"] not in NAUD_LABELS]
    fig = figures.adex_grid(main, out_dir, "naud2008_patterns",
                            title="Naud et al. (2008): forward Euler dt 0.1 ms, cut 0 mV (black), ODE (red)")
    fig_alt = figures.adex_grid(alt, out_dir, "naud2008_alternative_rows",
                                title="Naud et al. (2008), alternative rows f, g") if alt else None
    for p, tr, ode, lab in rows:
        g = f"published:{p['id']}"
        if p["id"] in NAUD_LABELS:
            _feature_checks(out, g, p, tr.spike_times, 0.1, SRC_NAUD.on("forward Euler 0.1 ms"), fig, window=(0, 500),
                            notes=notes)
            _feature_checks(out, g + ":ode", p, ode.spike_times, 0.1, SRC_NAUD.on("ODE", ODE_TIMES), fig,
                            window=(0, 500), notes=notes)
            exp = NAUD_LABELS[p["id"]]
            _chk(out, g, "classifier label", lab.label, f"'{exp}' (the pattern's name, {SRC_NAUD.text})",
                 "label equality; thresholds documented in classify.py", lab.label == exp, detail=str(lab.measures),
                 figure=fig)
            # robustness to the cut (spec §4.1, §4.2); the labels are the pattern, the counts are reported
            m = _data.adex_model(p)
            runs = _cut_runs(p, tr)
            labs = {k: classify.classify(r.spike_times, 0.0, 500.0).label for k, r in runs.items()}
            _chk(out, g, "classifier label at the cuts V_T + 5 Delta_T, 0, 20 mV", " / ".join(labs.values()),
                 f"'{exp}' at every cut (spec §4.1: results depend on the cut weakly; §4.2: check robustness)",
                 "label equality", all(x == exp for x in labs.values()), detail=_shift_text(m, runs), figure=fig)
            lo, hi = p["expected_features"]["spike_count_range"]
            counts = {k: F.count_in(r.spike_times, 0, 500) for k, r in runs.items()}
            outside = {k: c for k, c in counts.items() if not lo <= c <= hi}
            if outside:
                _note(notes, "reported", g, "spike count in [0, 500) ms at other cuts",
                      " / ".join(f"{k}: {c}" for k, c in counts.items()),
                      f"{lo}..{hi} (spec §4.3, from runs cut at 0 mV)",
                      f"outside the spec's range at {sorted(outside)}: the time a spike takes to reach the cut "
                      f"depends on the cut (from V_T + 5 Delta_T on, about tau_m exp(-5) = "
                      f"{m.C_m / m.g_L * math.exp(-5):.2f} ms in the ODE; above 0 mV, up to one more Euler step), "
                      f"and the difference accumulates over the train's ISIs, moving the last spike across the "
                      f"500 ms edge; the pattern (label) is unchanged (checked). {_shift_text(m, runs)}", figure=fig)
        else:
            named = p["pattern"].replace(" (alternative)", "")
            exp = NAUD_LABELS["naud2008_" + named.replace(" ", "_")]
            _chk(out, g, "classifier label of the alternative row", lab.label,
                 f"not '{exp}': the alternative row does not give the named pattern (spec §4.3)",
                 "label inequality", lab.label != exp,
                 detail=f"{len(tr.spike_times)} spikes in 500 ms (discrete), {len(ode.spike_times)} (ODE); "
                        f"{p['expected_features'].get('observed_in_independent_runs', '')}", figure=fig_alt)
            _alt_checks(out, g, p, fig_alt)
    bg = []
    for pid in adex.BG_ROWS:
        p = _data.pattern(pid)
        tr = adex.run_discrete(p)
        ode = adex.run_ode(p)
        T = float(_data.value(p["duration"]))
        lab = classify.classify(tr.spike_times, 0.0, T)
        bg.append((p, tr, ode, lab.label))
        progress(pid)
    fig_bg = figures.adex_grid(bg, out_dir, "brette_gerstner2005", title="Brette & Gerstner (2005) examples")
    for p, tr, ode, _ in bg:
        g = f"published:{p['id']}"
        _feature_checks(out, g, p, tr.spike_times, 0.1, SRC_BG.on("forward Euler 0.1 ms"), fig_bg, notes=notes)
        _feature_checks(out, g + ":ode", p, ode.spike_times, 0.1, SRC_BG.on("ODE", ODE_TIMES), fig_bg, notes=notes)
        # spec §4.2: "record the cut used, and check robustness to it"
        m = _data.adex_model(p)
        runs = _cut_runs(p, tr)
        wins = [(0.0, math.inf)] + [(w["from"], w["to"]) for w in p["expected_features"].get("count_in_windows", [])]

        def counts(st):
            return tuple(F.count_in(st, a, b) for a, b in wins)

        got = {k: counts(r.spike_times) for k, r in runs.items()}
        ref = counts(tr.spike_times)
        wtxt = ", ".join("all" if b == math.inf else f"[{a:g}, {b:g})" for a, b in wins)
        _chk(out, g, f"spike counts ({wtxt}) at the cuts V_T + 5 Delta_T, 0, 20 mV",
             " / ".join(str(list(c)) for c in got.values()),
             f"{list(ref)} at every cut, as at the example's cut {m.V_peak:g} mV (spec §4.2: check robustness to the "
             f"cut)", "exact: integer counts", all(c == ref for c in got.values()), detail=_shift_text(m, runs),
             figure=fig_bg)


def _lapicque(out, notes, out_dir, progress, full):
    g = "published:lapicque"
    tut = {pid: lapicque.run_tutorial(pid) for pid in lapicque.TUTORIAL_INPUTS}
    charging = lapicque.rc_charging()
    sd = lapicque.strength_duration()
    progress("lapicque")
    fig = figures.lapicque_figure(charging, sd, tut, out_dir)
    # round-off of a contraction by 0.8 on values <= 0.5: about 2 roundings per step (<= ulp(0.5) in all),
    # summed with weights 0.8^j (at most 1/(1 - 0.8) = 5 steps' worth), plus the closed form's few ulp
    tol_round = 10 * float(np.spacing(0.5))
    why_round = (f"<= {tol_round:.3g} = 10 ulp(0.5): per step <= 1 ulp(0.5) of round-off, damped by 0.8 "
                 f"(sum 1/(1 - 0.8) = 5), plus the closed form's rounding")
    mem, s = tut["lapicque_tut2_decay"]
    k = np.arange(1, mem.size + 1)
    err = float(np.max(np.abs(mem - 0.9 * 0.8 ** k)))
    _chk(out, g, "passive decay: max |U - 0.9*0.8^k|", err, "0 (closed form, spec §1.4)",
         "<= 1e-15: a decaying product of factors 0.8 (round-off stays below a few ulp of 0.9)", err <= 1e-15,
         figure=fig)
    mem, s = tut["lapicque_tut2_step"]
    e_step = abs(float(mem[-1]) - 0.5)
    _chk(out, g, "step: |final U - I R|", e_step, "0: U -> I R = 0.5 V (steady state, spec §1.4)",
         why_round + "; the transient left after 190 steps is 0.5*0.8^190 ~ 2e-19", e_step <= tol_round, figure=fig)
    for pid, (N, amp) in {"lapicque_tut2_pulse1": (20, 0.1), "lapicque_tut2_pulse2": (10, 0.111),
                          "lapicque_tut2_pulse3": (5, 0.147), "lapicque_tut2_spike_input": (1, 0.5)}.items():
        mem, s = tut[pid]
        peak = amp * 5 * (1 - 0.8**N)
        e = abs(float(mem.max()) - peak)
        _chk(out, g, f"{pid}: |peak U - I R (1 - 0.8^{N})|", e, f"0; closed form {peak!r} (spec §1.4)", why_round,
             e <= tol_round, figure=fig)
    for pid in lapicque.TUTORIAL_INPUTS:
        ef = _data.pattern(pid)["expected_features"]
        if "spikes" in ef:
            n = int(np.count_nonzero(tut[pid][1]))
            _chk(out, g, f"{pid}: spike count", n, f"{ef['spikes']} (spec §1.4)", LAPICQUE_EXACT, n == ef["spikes"],
                 figure=fig)
    mem, s = tut["lapicque_tut2_firing"]
    first = int(np.flatnonzero(s)[0]) if s.any() else -1
    cf = lapicque.first_spike_closed_form("lapicque_tut2_firing")
    _chk(out, g, "firing: first spike loop step", first,
         f"{cf} from 1.02(1 - a^n) > 1 (spec: 108, tutorial spk_rec[109])", LAPICQUE_EXACT,
         first == cf == _data.pattern("lapicque_tut2_firing")["expected_features"]["first_spike_loop_step"], figure=fig)
    for pid in ("lapicque_tut2_periodic", "lapicque_tut2_low_threshold"):
        mem, s = tut[pid]
        got = np.flatnonzero(s).tolist()
        rule = lapicque.spike_steps_by_rule(pid)
        _chk(out, g, f"{pid}: spike steps", str(got), f"{rule} (the update rule of spec §1.4, plain loop)",
             LAPICQUE_EXACT, got == rule, figure=fig)
    n_per, n_low = int(tut["lapicque_tut2_periodic"][1].sum()), int(tut["lapicque_tut2_low_threshold"][1].sum())
    _chk(out, g, "lower threshold fires faster", f"{n_low} vs {n_per}", "more spikes at threshold 0.5 than at 1",
         "strict", n_low > n_per, figure=fig)
    t, U, V, Uc = charging
    e_closed = float(np.max(np.abs(U - Uc)))
    _chk(out, g, "RC charging: max |U - IR(1-(1-dt/tau)^n)|", e_closed, "0 (discrete closed form)",
         "1e-14: round-off on 0.5 V (ulp 1.1e-16) through 500 steps of the contraction 1 - dt/tau = 0.99",
         e_closed <= 1e-14, figure=fig)
    errs = []
    for h in (2e-4, 1e-4, 5e-5):
        _, U_h, V_h, _ = lapicque.rc_charging(dt=h)
        errs.append(float(np.max(np.abs(U_h - V_h))))
    order = math.log2(errs[1] / errs[2])
    _chk(out, g, "RC charging vs exact solution: order of convergence", order, "1 (forward Euler)",
         "0.1 (tolerance policy: fitted order within 0.1)", abs(order - 1) <= 0.1,
         detail=f"max errors {errs} at dt = 0.2, 0.1, 0.05 ms", figure=fig)
    # the fit: the bisection leaves each threshold high by [0, 1e-11] relative; lapicque.fit_error_bound
    # propagates that box through the least squares (worst case) and predicts the actual error to first order
    bound, pred = lapicque.fit_error_bound(sd)
    npts = int(sd.steps.size)
    rel_tau = sd.tau_fit / sd.tau_discrete - 1
    _chk(out, g, "strength-duration: fitted tau (s)", sd.tau_fit,
         f"tau' = -dt/ln(1-dt/tau) = {sd.tau_discrete!r} (derived, lapicque.py; tau = {sd.tau})",
         f"relative {bound[0]:.2g}: the bisection's 1e-11 (firing side) propagated through the least squares on "
         f"{npts} exact points (lapicque.fit_error_bound, worst case)", abs(rel_tau) <= bound[0],
         detail=f"relative error {rel_tau:.3e}; first-order prediction from the measured threshold errors "
                f"{pred[0]:.3e}", figure=fig)
    rel_rh = sd.I_rh_fit / sd.I_rh - 1
    _chk(out, g, "strength-duration: fitted rheobase (A)", sd.I_rh_fit, f"theta/R = {sd.I_rh} (spec §1.3)",
         f"relative {bound[1]:.2g} (as tau)", abs(rel_rh) <= bound[1],
         detail=f"relative error {rel_rh:.3e}; first-order prediction {pred[1]:.3e}", figure=fig)
    tc = sd.chronaxie_fit
    tc_d = sd.tau_discrete * math.log(2)
    x = sd.dt / sd.tau
    rel_tc = tc / tc_d - 1
    _chk(out, g, "chronaxie T_c = tau_fit ln 2 (s)", tc,
         f"tau' ln 2 = {tc_d!r}: spec §1.3's tau ln 2 = {sd.tau * math.log(2)!r} times tau'/tau = "
         f"1 - dt/(2 tau) - (dt/tau)^2/12 - ... (derived, lapicque.py)",
         f"relative {bound[0]:.2g} (as tau)", abs(rel_tc) <= bound[0],
         detail=f"relative difference to tau' ln 2: {rel_tc:.3e}; to tau ln 2: {tc / (sd.tau * math.log(2)) - 1:.6e} "
                f"(derived -x/2 - x^2/12 - x^3/24 = {-x / 2 - x * x / 12 - x**3 / 24:.6e}, x = dt/tau = {x:g})",
         figure=fig)
    a = 1 - sd.dt / sd.tau
    n_c = math.ceil(math.log(0.5) / math.log(a))
    sd_c = lapicque.strength_duration(tau=sd.tau, R=sd.R, theta=sd.theta, dt=sd.dt, steps=[n_c - 1, n_c],
                                      fit=False)
    r_prev, r_c = (float(x) for x in sd_c.I_th / sd.I_rh)
    _chk(out, g, "discrete chronaxie: simulated I_th / I_rh at N - 1 and N", f"{r_prev:.6f} / {r_c:.6f}",
         f"> 2 at N - 1, <= 2 at N = {n_c}, the smallest N with (1 - dt/tau)^N <= 1/2 (spec §1.3)",
         "the inequalities on the bisected thresholds (bisection width 1e-11, margins ~1e-3)",
         r_prev > 2 >= r_c, detail=f"durations {n_c - 1} and {n_c} steps of {sd.dt:g} s", figure=fig)
    I_exact = sd.I_rh / (1 - a ** sd.steps)
    rel = float(np.max(np.abs(sd.I_th / I_exact - 1)))
    _chk(out, g, "simulated threshold vs I_rh/(1-a^N)", rel, "0 (the discrete law, spec §1.3)",
         "2e-11 relative: bisection stops at 1e-11 and returns the firing side", rel <= 2e-11, figure=fig)
    # short pulses: I_th T -> theta C (spec §1.3); discretely I_th(N) N dt = theta C N x/(1 - a^N) (x = dt/tau),
    # exactly theta C at N = 1
    Q = sd.I_th * sd.durations / (sd.theta * sd.tau / sd.R)
    _chk(out, g, "short-pulse charge law: I_th T / (theta C) at the shortest pulse (1 step)", float(Q[0]),
         "1: I_th T -> theta C as T -> 0 (spec §1.3); the discrete law gives exactly theta C at N = 1",
         "2e-11 relative (the bisection) and I_th T increasing with T (falls to theta C as T shrinks)",
         abs(Q[0] - 1) <= 2e-11 and bool(np.all(np.diff(Q) > 0)),
         detail=f"I_th T / (theta C) at N = {sd.steps[:5].tolist()}: {_r(Q[:5], 6)}", figure=fig)


def collect(out_dir, full=False, progress=True, findings=None):
    """Run every published-trace reproduction; write figures (PNG and SVG) into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Folder for the figures (created if needed).
    full : bool
        Also integrate the 2003 types as ODEs (reported, no published target).
    progress : bool
        Print one line per pattern.
    findings : list or None
        If a list, the :class:`refneuron.validation.checks.Finding` rows
        (discrepancies with the specification, the ODE limit per panel, values
        given without a range) are appended to it; they are not checks.

    Returns
    -------
    list of :class:`refneuron.validation.checks.Check`
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(name):
        if progress:
            print(f"published: {name}", flush=True)

    out, notes = [], []
    _lapicque(out, notes, out_dir, report, full)
    _izhikevich(out, notes, out_dir, report, full)
    _adex(out, notes, out_dir, report, full)
    if findings is not None:
        findings.extend(notes)
    return out
