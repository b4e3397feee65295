"""``collect``: run every published-trace reproduction, build its checks and figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..checks import Check
from . import _data, adex, classify, figures, izhikevich, lapicque
from . import features as F

SRC_2004 = "Izhikevich (2004) Fig. 1 / figure1.m; spec published.md §3.4"
SRC_2003 = "Izhikevich (2003) Fig. 2, ModelDB 39948 reconstruction; spec published.md §2.4"
SRC_NAUD = "Naud et al. (2008); ranges from Brian2 (dt 0.1, 0.001 ms) and NEST RKF45, spec published.md §4.3"
SRC_BG = "Brette & Gerstner (2005), public examples; spec published.md §4.2"
EXACT = "exact: counts are exact under the published scheme and dt (spec §0)"

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


def _chk(out, group, name, value, expected, tolerance, passed, detail="", figure=None):
    out.append(Check(group, name, value, expected, tolerance, bool(passed), detail, figure))


def _onset(p):
    return min(float(s["t_start"]) for s in p["protocol"]["segments"])


def _trend_ok(d, direction, strict, dt):
    """ISI trend: strictly monotone, or (non-strict) monotone up to one grid step and first vs last."""
    if d.size < 2:
        return False
    if strict:
        return F.monotone(d, direction)
    return bool(np.all(np.diff(d) * direction >= -dt - 1e-9) and (d[-1] - d[0]) * direction > 0)


def _feature_checks(out, group, p, st, dt, src, fig, *, window=None):
    """Checks of the features a pattern's ``expected_features`` lists, on spike times ``st``."""
    ef = p["expected_features"]
    T = float(_data.value(p["duration"]))
    w0, w1 = window or (0.0, T + dt)
    n = F.count_in(st, w0, w1)
    if "spike_count" in ef:
        _chk(out, group, "spike count", n, f"{ef['spike_count']} ({src})", EXACT, n == ef["spike_count"], figure=fig)
    if "spike_count_range" in ef:
        lo, hi = ef["spike_count_range"]
        _chk(out, group, f"spike count in [{w0:g}, {w1:g}) ms", n, f"{lo}..{hi} ({src})",
             "the published range (covers the integrations of the source)", lo <= n <= hi, figure=fig)
    if "first_spike_ms_range" in ef:
        lo, hi = ef["first_spike_ms_range"]
        v = float(st[0]) if len(st) else float("nan")
        _chk(out, group, "first spike time (ms)", v, f"in [{lo}, {hi}] ({src})",
             "the range read off the published figure (spec)", lo <= v <= hi, figure=fig)
    for win in ef.get("count_in_windows", []):
        c = F.count_in(st, win["from"], win["to"])
        _chk(out, group, f"spikes in [{win['from']}, {win['to']}) ms", c, f"{win['count']} ({src})", EXACT,
             c == win["count"], figure=fig)
    for key, gap in (("burst_sizes_isi_gt_10ms", 10.0), ("burst_sizes_isi_gt_20ms", 20.0)):
        if key in ef:
            b = F.bursts_by_gap(st, gap)
            _chk(out, group, f"burst sizes (new burst after ISI > {gap:g} ms)", str(b), f"{ef[key]} ({src})",
                 EXACT, b == ef[key], figure=fig)
    d = F.isis(st)
    if "isi_trend" in ef:
        txt = ef["isi_trend"]
        direction = 1 if "increas" in txt else -1
        ok = _trend_ok(d, direction, "strictly" in txt, dt)
        _chk(out, group, "ISI trend", str(np.round(d, 3).tolist()), f"{txt} ({src})",
             "strict where the source says strictly; else monotone to one grid step", ok, figure=fig)
    if "no_spikes_after_ms" in ef:
        c = F.count_in(st, ef["no_spikes_after_ms"], math.inf)
        _chk(out, group, f"spikes after {ef['no_spikes_after_ms']} ms", c, f"0 ({src})", EXACT, c == 0, figure=fig)
    if "isi_cv_max" in ef:
        cv = F.isi_cv(st)
        _chk(out, group, "ISI CV", cv, f"< {ef['isi_cv_max']} ({src})", "the published bound", cv < ef["isi_cv_max"],
             figure=fig)
    if "isi_cv_range" in ef:
        cv = F.isi_cv(st)
        lo, hi = ef["isi_cv_range"]
        _chk(out, group, "ISI CV", cv, f"in [{lo}, {hi}] ({src})", "the published range (chaotic row: statistics only)",
             lo <= cv <= hi, figure=fig)
    if "steady_isi_ms_range" in ef and d.size:
        lo, hi = ef["steady_isi_ms_range"]
        _chk(out, group, "last ISI (ms)", float(d[-1]), f"in [{lo}, {hi}] ({src})", "the published range",
             lo <= d[-1] <= hi, figure=fig)
    if "isi_last_over_first_min" in ef and d.size:
        r = float(d[-1] / d[0])
        _chk(out, group, "last ISI / first ISI", r, f"> {ef['isi_last_over_first_min']} ({src})", "the published bound",
             r > ef["isi_last_over_first_min"], figure=fig)
    if "first_isis_below_ms" in ef:
        lim = ef["first_isis_below_ms"]
        v = d[: len(lim)]
        _chk(out, group, "first ISIs (ms)", str(np.round(v, 2).tolist()), f"below {lim} ({src})", "the published bounds",
             v.size == len(lim) and bool(np.all(v < lim)), figure=fig)
    if "intra_burst_isi_ms_range" in ef and "inter_burst_isi_ms_range" in ef:
        lo, hi = ef["intra_burst_isi_ms_range"]
        glo, ghi = ef["inter_burst_isi_ms_range"]
        gap = 0.5 * (hi + glo)
        intra, inter = d[d <= gap], d[d > gap]
        ok = bool(intra.size and inter.size and np.all((intra >= lo) & (intra <= hi)) and
                  np.all((inter >= glo) & (inter <= ghi)))
        # the last burst may be cut by the window edge: its ISIs are intra-burst ones, still checked
        _chk(out, group, "intra / inter-burst ISIs (ms)",
             f"{np.round(intra, 2).tolist()} / {np.round(inter, 2).tolist()}",
             f"intra in [{lo}, {hi}], inter in [{glo}, {ghi}] ({src})", "the published ranges", ok, figure=fig)
    if "spikes_per_burst" in ef:
        b = F.bursts_by_gap(st, 20.0)
        full = b[:-1] if len(b) > 1 else b  # the last burst may straddle the window's end (spec §4.3)
        ok = bool(full) and all(x == ef["spikes_per_burst"] for x in full)
        _chk(out, group, "spikes per burst (all but the last, which the window may cut)", str(b),
             f"{ef['spikes_per_burst']} ({src})", EXACT, ok, figure=fig)


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


def _izhikevich(out, out_dir, progress, full):
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
        _feature_checks(out, g, p, pub.spike_times, dt, SRC_2004, fig)
        text = p["expected_features"]["ode_limit"]
        n_ode = f">{len(ode.spike_times) - 1} (runaway, stopped)" if ode.runaway else len(ode.spike_times)
        _chk(out, g, "ODE limit: spike count", n_ode, f"{text} (published {len(pub.spike_times)}; spec §3.5)",
             "qualitative, as the spec states it; a finding about the published figure, not tuned",
             _ode_rule(text)(pub, ode), detail=f"ODE spike times {np.round(ode.spike_times[:12], 3).tolist()}",
             figure=fig)
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
        _feature_checks(out, g, p, pub.spike_times, dt, SRC_2003, fig3)
        q = p["expected_features"].get("qualitative_class")
        if q is not None:
            lab = classify.classify(pub.spike_times, _onset(p), float(_data.value(p["duration"])) + dt)
            exp = CAPTION_LABELS.get(q, "tonic")
            _chk(out, g, "classifier label", lab.label, f"'{exp}' ({q}; caption variant, spec §2.4)",
                 "label equality; thresholds documented in classify.py", lab.label == exp, detail=str(lab.measures),
                 figure=fig3)
        if ode is not None:
            _chk(out, g, "ODE spike count (full run)", len(ode.spike_times), "reported only (no published ODE count)",
                 "none: a finding", True, figure=fig3)


def _adex(out, out_dir, progress, full):
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
            _feature_checks(out, g, p, tr.spike_times, 0.1, SRC_NAUD + "; forward Euler 0.1 ms", fig, window=(0, 500))
            _feature_checks(out, g + ":ode", p, ode.spike_times, 0.1, SRC_NAUD + "; ODE", fig, window=(0, 500))
            exp = NAUD_LABELS[p["id"]]
            _chk(out, g, "classifier label", lab.label, f"'{exp}' (the pattern's name, {SRC_NAUD})",
                 "label equality; thresholds documented in classify.py", lab.label == exp, detail=str(lab.measures),
                 figure=fig)
        else:
            named = p["pattern"].replace(" (alternative)", "")
            exp = NAUD_LABELS["naud2008_" + named.replace(" ", "_")]
            _chk(out, g, "classifier label of the alternative row", lab.label,
                 f"not '{exp}': the alternative row does not give the named pattern (spec §4.3)",
                 "label inequality", lab.label != exp,
                 detail=f"{len(tr.spike_times)} spikes in 500 ms (discrete), {len(ode.spike_times)} (ODE); "
                        f"{p['expected_features'].get('observed_in_independent_runs', '')}", figure=fig_alt)
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
        _feature_checks(out, g, p, tr.spike_times, 0.1, SRC_BG + "; forward Euler 0.1 ms", fig_bg)
        _feature_checks(out, g + ":ode", p, ode.spike_times, 0.1, SRC_BG + "; ODE", fig_bg)


def _lapicque(out, out_dir, progress, full):
    g = "published:lapicque"
    tut = {pid: lapicque.run_tutorial(pid) for pid in lapicque.TUTORIAL_INPUTS}
    charging = lapicque.rc_charging()
    sd = lapicque.strength_duration()
    progress("lapicque")
    fig = figures.lapicque_figure(charging, sd, tut, out_dir)
    mem, s = tut["lapicque_tut2_decay"]
    k = np.arange(1, mem.size + 1)
    err = float(np.max(np.abs(mem - 0.9 * 0.8 ** k)))
    _chk(out, g, "passive decay: max |U - 0.9*0.8^k|", err, "0 (closed form, spec §1.4)",
         "<= 1e-15: a decaying product of factors 0.8 (round-off stays below a few ulp of 0.9)", err <= 1e-15,
         figure=fig)
    mem, s = tut["lapicque_tut2_step"]
    _chk(out, g, "step: final U", float(mem[-1]), "I R = 0.5 V (steady state, spec §1.4)",
         "1e-12: 0.8^190 ~ 4e-19 of transient left plus round-off", abs(mem[-1] - 0.5) <= 1e-12, figure=fig)
    for pid, (N, amp) in {"lapicque_tut2_pulse1": (20, 0.1), "lapicque_tut2_pulse2": (10, 0.111),
                          "lapicque_tut2_pulse3": (5, 0.147), "lapicque_tut2_spike_input": (1, 0.5)}.items():
        mem, s = tut[pid]
        peak = amp * 5 * (1 - 0.8**N)
        _chk(out, g, f"{pid}: peak U", float(mem.max()), f"{peak!r} = I R (1 - 0.8^{N}) (closed form, spec §1.4)",
             "1e-14: N <= 20 steps of round-off on O(0.5) values", abs(mem.max() - peak) <= 1e-14 and not s.any(),
             figure=fig)
    mem, s = tut["lapicque_tut2_firing"]
    first = int(np.flatnonzero(s)[0]) if s.any() else -1
    cf = lapicque.first_spike_closed_form("lapicque_tut2_firing")
    _chk(out, g, "firing: first spike loop step", first,
         f"{cf} from 1.02(1 - a^n) > 1 (spec: 108, tutorial spk_rec[109])", EXACT,
         first == cf == _data.pattern("lapicque_tut2_firing")["expected_features"]["first_spike_loop_step"], figure=fig)
    for pid in ("lapicque_tut2_periodic", "lapicque_tut2_low_threshold"):
        mem, s = tut[pid]
        got = np.flatnonzero(s).tolist()
        rule = lapicque.spike_steps_by_rule(pid)
        _chk(out, g, f"{pid}: spike steps", str(got), f"{rule} (the update rule of spec §1.4, plain loop)", EXACT,
             got == rule, figure=fig)
    n_per, n_low = int(tut["lapicque_tut2_periodic"][1].sum()), int(tut["lapicque_tut2_low_threshold"][1].sum())
    _chk(out, g, "lower threshold fires faster", f"{n_low} vs {n_per}", "more spikes at threshold 0.5 than at 1",
         "strict", n_low > n_per, figure=fig)
    t, U, V, Uc = charging
    e_closed = float(np.max(np.abs(U - Uc)))
    _chk(out, g, "RC charging: max |U - IR(1-(1-dt/tau)^n)|", e_closed, "0 (discrete closed form)",
         "1e-14: 500 steps of a contraction, round-off on 0.5 V", e_closed <= 1e-14, figure=fig)
    errs = []
    for h in (2e-4, 1e-4, 5e-5):
        _, U_h, V_h, _ = lapicque.rc_charging(dt=h)
        errs.append(float(np.max(np.abs(U_h - V_h))))
    order = math.log2(errs[1] / errs[2])
    _chk(out, g, "RC charging vs exact solution: order of convergence", order, "1 (forward Euler)",
         "0.1 (tolerance policy: fitted order within 0.1)", abs(order - 1) <= 0.1,
         detail=f"max errors {errs} at dt = 0.2, 0.1, 0.05 ms", figure=fig)
    rel_tau = abs(sd.tau_fit / sd.tau_discrete - 1)
    _chk(out, g, "strength-duration: fitted tau (s)", sd.tau_fit,
         f"tau' = -dt/ln(1-dt/tau) = {sd.tau_discrete!r} (derived, lapicque.py; tau = {sd.tau})",
         "1e-7 relative: bisection to 1e-11, least squares on 24 exact points", rel_tau <= 1e-7, figure=fig)
    rel_rh = abs(sd.I_rh_fit / sd.I_rh - 1)
    _chk(out, g, "strength-duration: fitted rheobase (A)", sd.I_rh_fit, f"theta/R = {sd.I_rh} (spec §1.3)",
         "1e-7 relative (as tau)", rel_rh <= 1e-7, figure=fig)
    tc = sd.chronaxie_fit
    bound = sd.dt / sd.tau  # tau'/tau - 1 = -dt/(2 tau) + O((dt/tau)^2)
    _chk(out, g, "chronaxie T_c = tau_fit ln 2 (s)", tc, f"tau ln 2 = {sd.tau * math.log(2)!r} (spec §1.3)",
         f"relative dt/tau = {bound:g}: the forward-Euler tau' differs from tau by dt/(2 tau)",
         abs(tc / (sd.tau * math.log(2)) - 1) <= bound, figure=fig)
    a = 1 - sd.dt / sd.tau
    n_c = math.ceil(math.log(0.5) / math.log(a))
    I_nc = sd.I_rh / (1 - a**n_c)
    _chk(out, g, "discrete chronaxie: I_th at the smallest N with a^N <= 1/2", I_nc / sd.I_rh,
         f"<= 2 and > 2 at N-1 (spec §1.3; N = {n_c})", "exact inequality",
         I_nc <= 2 * sd.I_rh < sd.I_rh / (1 - a ** (n_c - 1)), figure=fig)
    I_exact = sd.I_rh / (1 - a ** sd.steps)
    rel = float(np.max(np.abs(sd.I_th / I_exact - 1)))
    _chk(out, g, "simulated threshold vs I_rh/(1-a^N)", rel, "0 (the discrete law, spec §1.3)",
         "2e-11 relative: bisection stops at 1e-11 and returns the firing side", rel <= 2e-11, figure=fig)


def collect(out_dir, full=False, progress=True):
    """Run every published-trace reproduction; write figures (PNG and SVG) into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Folder for the figures (created if needed).
    full : bool
        Also integrate the 2003 types as ODEs (reported, no published target).
    progress : bool
        Print one line per pattern.

    Returns
    -------
    list of :class:`refneuron.validation.checks.Check`
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(name):
        if progress:
            print(f"published: {name}", flush=True)

    out = []
    _lapicque(out, out_dir, report, full)
    _izhikevich(out, out_dir, report, full)
    _adex(out, out_dir, report, full)
    return out
