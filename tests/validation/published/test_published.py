"""Published traces: exact Izhikevich counts under the published scheme, AdEx
pattern features and labels, the strength-duration fit, and collect()."""

from __future__ import annotations

import math

import numpy as np
import pytest

from refneuron.validation.published import _collect, _data, adex, classify, features as F, izhikevich, lapicque

IZH = [p["id"] for p in _data.patterns("izh")]


def _feature_failures(p, st, dt, window=None):
    out = []
    _collect._feature_checks(out, "t", p, st, dt, "spec", None, window=window)
    return out, [c for c in out if not c.passed]


@pytest.mark.parametrize("pid", IZH)
def test_izhikevich_features_exact_under_published_scheme(pid):
    p = _data.pattern(pid)
    tr = izhikevich.run_published(p)
    # T/dt + 1 updates, as the scripts loop over 0:dt:T
    assert tr.t.size == p.get("n_updates", tr.t.size)
    checks, bad = _feature_failures(p, tr.spike_times, float(_data.value(p["dt"])))
    assert not bad, [(c.name, c.value, c.expected) for c in bad]
    if "spike_count" in p["expected_features"]:
        # the count itself is asserted (exact: spec §0), not only through the helper
        assert len(tr.spike_times) == p["expected_features"]["spike_count"]


def test_panel_I_pulse_covers_14_samples():
    # spec §0: "10 < t < 13" at dt = 0.2 is applied at k = 51..64 (strict bounds)
    p = _data.pattern("izh2004_I")
    t, _ = _data.grid(p)
    on = np.flatnonzero(_data.current(p, t) > 0)
    assert on[0] == 51 and on[-1] == 64 and on.size == 14


def test_panel_L_pulse_sample_counts_and_R_ramp_peak():
    # spec §3.3 notes: L's first two pulses cover 8 samples, the last two 7; R's fast ramp peaks at 3.84
    p = _data.pattern("izh2004_L")
    t, _ = _data.grid(p)
    on = _data.current(p, t) > 0
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]]))))[::2]
    assert runs.tolist() == [8, 8, 7, 7]
    r = _data.pattern("izh2004_R")
    tr, _ = _data.grid(r)
    I = _data.current(r, tr)
    assert math.isclose(I[tr == 312.0][0], 3.84, rel_tol=1e-14)  # 0.32*12, one rounding
    assert I[tr == 312.5][0] == 0.0


def test_spike_times_are_t_k_and_clamp_at_30():
    tr = izhikevich.run_published(_data.pattern("izh2004_A"))
    dt = 0.25
    k = np.round(tr.spike_times / dt)
    np.testing.assert_array_equal(tr.spike_times, k * dt)
    assert np.all(tr.v[k.astype(int)] == 30.0)
    assert np.all(tr.v[np.setdiff1d(np.arange(tr.v.size), k.astype(int))] < 30.0)


@pytest.mark.parametrize("pid,rule", [
    ("izh2004_A", "same count"),
    ("izh2004_I", "no spike (threshold stimulus tuned to the scheme)"),
    ("izh2004_Q", "repetitive firing"),
])
def test_ode_limit_findings(pid, rule):
    # spec §3.5: what the ODE limit of the same protocol does (a finding, not tuned)
    p = _data.pattern(pid)
    assert p["expected_features"]["ode_limit"] == rule
    pub, ode = izhikevich.run_published(p), izhikevich.run_ode(p)
    assert _collect._ode_rule(rule)(pub, ode)


def test_ode_panel_T_runs_away():
    p = _data.pattern("izh2004_T")
    ode = izhikevich.run_ode(p, max_spikes=50)
    assert ode.runaway and len(ode.spike_times) == 51
    # accelerating without bound: the last ISIs are far below the published intra-burst ISIs (>= 2 ms)
    assert np.diff(ode.spike_times)[-1] < 0.5


@pytest.mark.parametrize("pid", adex.NAUD_ROWS)
def test_naud_patterns_features_and_labels(pid):
    p = _data.pattern(pid)
    tr = adex.run_discrete(p)
    _, bad = _feature_failures(p, tr.spike_times, 0.1, window=(0, 500))
    assert not bad, [(c.name, c.value, c.expected) for c in bad]
    assert classify.classify(tr.spike_times, 0.0, 500.0).label == _collect.NAUD_LABELS[pid]


@pytest.mark.parametrize("pid", adex.NAUD_ALT)
def test_naud_alternative_rows_do_not_give_the_named_pattern(pid):
    tr = adex.run_discrete(_data.pattern(pid))
    label = classify.classify(tr.spike_times, 0.0, 500.0).label
    named = "delayed bursting" if "bursting" in pid else "transient"
    assert label != named
    # spec §4.3: alternative f never fires, alternative g fires throughout
    if "bursting" in pid:
        assert tr.spike_times.size == 0
    else:
        assert F.count_in(tr.spike_times, 250, 500) > 20


def test_naud_ode_counts_in_published_ranges():
    # the ranges cover accurate integration too (spec §4.3)
    for pid in ("naud2008_tonic_spiking", "naud2008_adaptation"):
        p = _data.pattern(pid)
        lo, hi = p["expected_features"]["spike_count_range"]
        assert lo <= F.count_in(adex.run_ode(p).spike_times, 0, 500) <= hi


@pytest.mark.parametrize("pid", adex.BG_ROWS)
def test_brette_gerstner_examples(pid):
    p = _data.pattern(pid)
    _, bad = _feature_failures(p, adex.run_discrete(p).spike_times, 0.1)
    assert not bad, [(c.name, c.value, c.expected) for c in bad]


def test_caption_variants_labels():
    for p in _data.patterns("izh2003_caption"):
        tr = izhikevich.run_published(p)
        lab = classify.classify(tr.spike_times, 20.0, 200.1).label
        assert lab == _collect.CAPTION_LABELS.get(p["expected_features"]["qualitative_class"], "tonic"), p["id"]


def test_classifier_on_synthetic_trains():
    # hand-made trains, one per rule of classify.py
    assert classify.classify([], 0, 100).label == "silent"
    assert classify.classify([5.0, 8.0], 0, 100).label == "transient"
    assert classify.classify(np.arange(1, 100, 10.0), 0, 100).label == "tonic"
    assert classify.classify(np.cumsum([5, 7, 10, 14, 20, 28]), 0, 100).label == "adapting"
    bursts = np.concatenate([b + np.array([0, 3, 6]) for b in (5, 45, 85, 125)])
    assert classify.classify(bursts, 0, 160).label == "bursting"
    init = np.concatenate([[2, 5, 8], 8 + 30 * np.arange(1, 6)])
    assert classify.classify(init, 0, 160).label == "initial burst"
    assert classify.classify(60 + 10 * np.arange(5), 0, 110).label == "delayed tonic"


def test_features_by_hand():
    st = [10.0, 12.0, 15.0, 40.0, 43.0]
    assert F.count_in(st, 10, 40) == 3  # half-open
    assert F.first_latency(st, 5.0) == 5.0
    assert F.bursts(st) == [3, 2]  # 25 > 3*3 separates
    assert F.bursts_by_gap(st, 10) == [3, 2]
    # ISIs 2, 3, 25, 3: pairs (3-2)/5, (25-3)/28, (3-25)/28 -> mean over skip=0
    assert math.isclose(F.adaptation_index(st, skip=0), (0.2 + 22 / 28 - 22 / 28) / 3)
    assert math.isnan(F.isi_cv([1.0]))


def test_strength_duration_fit():
    sd = lapicque.strength_duration()
    # the discrete law is the RC law with tau' = -dt/ln(1 - dt/tau) (derived in lapicque.py)
    assert abs(sd.tau_fit / sd.tau_discrete - 1) < 1e-7  # bisection 1e-11, exact model: fit is near-exact
    assert abs(sd.I_rh_fit / (sd.theta / sd.R) - 1) < 1e-7
    # chronaxie tau' ln 2 differs from tau ln 2 by dt/(2 tau) = 0.5 %
    assert abs(sd.chronaxie_fit / (sd.tau * math.log(2)) - 1) < sd.dt / sd.tau
    a = 1 - sd.dt / sd.tau
    np.testing.assert_allclose(sd.I_th, sd.I_rh / (1 - a**sd.steps), rtol=2e-11)
    assert np.all(sd.I_th >= sd.I_rh / (1 - a**sd.steps))  # bisection returns the firing side


def test_lapicque_tutorial_first_spike_108():
    mem, s = lapicque.run_tutorial("lapicque_tut2_firing")
    assert np.flatnonzero(s).tolist() == [108] == [lapicque.first_spike_closed_form("lapicque_tut2_firing")]
    for pid in ("lapicque_tut2_periodic", "lapicque_tut2_low_threshold"):
        assert np.flatnonzero(lapicque.run_tutorial(pid)[1]).tolist() == lapicque.spike_steps_by_rule(pid)


def test_collect_writes_figures(tmp_path, monkeypatch):
    # a small run: one Izhikevich pattern per figure, one Naud row, one Brette-Gerstner row
    real = _data.patterns
    monkeypatch.setattr(_collect._data, "patterns", lambda prefix="": real(prefix)[:1])
    monkeypatch.setattr(_collect.adex, "NAUD_ROWS", adex.NAUD_ROWS[:1])
    monkeypatch.setattr(_collect.adex, "NAUD_ALT", ())
    monkeypatch.setattr(_collect.adex, "BG_ROWS", adex.BG_ROWS[:1])
    checks = _collect.collect(tmp_path, progress=False)
    for stem in ("izhikevich2004_fig1", "izhikevich2003_types", "naud2008_patterns", "brette_gerstner2005", "lapicque"):
        for ext in ("png", "svg"):
            assert (tmp_path / f"{stem}.{ext}").stat().st_size > 1000
    assert checks and all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert all((tmp_path / c.figure).exists() for c in checks if c.figure)
