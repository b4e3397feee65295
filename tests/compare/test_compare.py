"""compare(): snntorch.Leaky against snntorch 1.0.0 in float64 and float32, a
deliberately perturbed threshold, reports, and the errors for missing
frameworks or counterparts."""

from __future__ import annotations

import json

import numpy as np
import pytest

import refneuron as rn
from refneuron.compare import (
    FrameworkNotInstalled,
    NoCounterpart,
    adapter_for,
    compare,
    compare_runs,
    to_markdown,
    write_report,
)
from refneuron.compare.adapters import Adapter
from refneuron.errors import OptionError

from .._oracle import STATE_ATOL, record


def _inputs(seed=0, shape=(150, 2, 3)):
    return np.random.default_rng(seed).normal(0.35, 0.6, size=shape)


@pytest.mark.frameworks
@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
@pytest.mark.parametrize("delay", [True, False])
def test_float64_agrees_to_round_off(reset, delay):
    # threshold 0.7 is not float32-representable: the reference must reproduce snntorch's
    # float32(threshold) subtraction for the comparison to come out exact
    model = rn.snntorch.Leaky(beta=0.85, threshold=0.7, reset_mechanism=reset, reset_delay=delay)
    x = _inputs(1)
    r = compare(model, x, "float64", state={"mem": np.full((2, 3), 0.2)})
    record(f"compare snntorch.Leaky float64 reset={reset} delay={delay} mem",
           r.reference.states["mem"], r.framework_run.states["mem"], spikes=r.reference.output)
    assert r.framework.startswith("snntorch ")
    assert r.n_spikes["reference"] > 50  # the input makes the neurons fire
    assert r.spikes_equal and r.divergence is None
    assert r.coincidence_rate == 1.0 and r.van_rossum == 0.0 and r.victor_purpura == 0.0
    # STATE_ATOL (1e-12): same operation order in float64 gives round-off at most
    # (tests/_oracle.py); measured 0 here
    assert r.states["mem"]["max_abs"] <= STATE_ATOL
    assert r.agrees(STATE_ATOL)


def _first_in_window(mem, low, high):
    """First (t, neuron) with low < mem <= high: where the two thresholds disagree."""
    inside = (mem > low) & (mem <= high)
    flat = inside.reshape(inside.shape[0], -1)
    t = int(np.argmax(flat.any(axis=1)))
    return t, tuple(int(i) for i in np.unravel_index(int(np.argmax(flat[t])), mem.shape[1:]))


@pytest.mark.frameworks
def test_perturbed_threshold_is_detected_at_the_right_step():
    # Reference: threshold 1.0; the framework runs threshold 1.0 + 1e-6.  With the zero reset
    # the threshold never enters the membrane update, so both membranes are identical until
    # the first step where the membrane lies in (1.0, 1.0 + 1e-6]: there the reference spikes
    # and the perturbed model does not.  The input is steered so that neuron (1, 2) lands
    # at 1 + 5e-7 at step 60.
    beta, t0, n0 = 0.9, 60, (1, 2)
    base = rn.snntorch.Leaky(beta=beta, threshold=1.0, reset_mechanism="zero")
    x = _inputs(2)
    mem = base.run(x).states["mem"]
    prev = mem[t0 - 1][n0]
    r_prev = 1.0 if prev > 1.0 else 0.0
    x[t0][n0] = (1.0 + 5e-7) - beta * ((1.0 - r_prev) * prev)
    ref = base.run(x)
    thr_p = 1.0 + 1e-6
    expected = _first_in_window(ref.states["mem"], 1.0, thr_p)
    assert expected == (t0, n0), "the steering above should create the first near-threshold step"

    perturbed = base.replace(threshold=thr_p)
    fw = adapter_for(base).run(perturbed, x, None, "float64")
    r = compare_runs(base.name, fw.framework, "float64", ref, fw)
    assert not r.spikes_equal
    assert (r.divergence.step, r.divergence.neuron) == expected
    assert r.divergence.n_neurons == 1
    # identical membranes up to the divergence: the error before it is exactly 0
    assert r.divergence.state_error_before == {"mem": 0.0}
    assert r.states["mem"]["max_abs_before_divergence"] == 0.0
    assert ref.output[t0][n0] == 1.0 and fw.output[t0][n0] == 0.0  # the reference fires, the perturbed does not
    # without the zero reset the perturbed membrane differs from the next step on
    assert fw.states["mem"][t0 + 1][n0] != ref.states["mem"][t0 + 1][n0]
    assert r.van_rossum > 0 and r.victor_purpura > 0

    md = to_markdown([r])
    assert f"t={t0}, neuron {n0}" in md and "| no |" in md


@pytest.mark.frameworks
def test_float32_reports_a_finite_drift(tmp_path):
    model = rn.snntorch.Leaky(beta=0.9, threshold=0.7)
    x = _inputs(3, shape=(300, 4, 5))
    r = compare(model, x, "float32")
    s = r.states["mem"]
    # float32 rounding of the input changes mem already at step 0 (mem_0 = x_0 from rest)
    assert np.any(np.float32(x[0]) != x[0])
    assert s["first_error_step"] == 0
    # Before any spike decision differs, the drift is float32 round-off accumulated through
    # a decay of 0.9: a few ulp (6e-8 relative) of |mem| ~ 1-3 per step, summed over about
    # 1/(1 - beta) = 10 steps, is ~1e-6; 1e-5 bounds it with room.  It must not be zero.
    assert 0.0 < s["max_abs_before_divergence"] < 1e-5
    end = r.shape[0] if r.divergence is None else r.divergence.step
    assert np.all(np.isfinite(r.error_over_time["mem"][:end]))
    assert r.n_spikes["reference"] > 100
    if r.divergence is not None:  # a flipped decision must be a near-tie of the threshold
        t, n = r.divergence.step, r.divergence.neuron
        assert abs(r.reference.states["mem"][t][n] - 0.7) < 1e-5

    paths = [write_report([r], tmp_path / "r.md"), write_report([r], tmp_path / "r.json")]
    doc = json.loads(open(paths[1]).read())
    assert doc["results"][0]["framework_dtype"] == "float32"
    assert doc["results"][0]["states"]["mem"]["max_abs"] == s["max_abs"]
    assert "| snntorch.Leaky | snntorch 1.0.0 | float32 |" in open(paths[0]).read()
    with pytest.raises(OptionError, match="path"):
        write_report([r], tmp_path / "r.txt")


def test_no_counterpart_and_missing_framework():
    with pytest.raises(NoCounterpart, match="no framework adapter for 'canonical.Izhikevich'"):
        compare(rn.canonical.Izhikevich(), np.zeros((5, 1)))
    with pytest.raises(OptionError, match="framework_dtype"):
        compare(rn.snntorch.Leaky(beta=0.5), np.zeros((5, 1)), "float16")

    class Missing(Adapter):
        model_name = "demo.Missing"
        framework = "refneuron_no_such_framework"
        pip = "pip install refneuron-no-such-framework==9.9"
        version = "9.9"

    with pytest.raises(FrameworkNotInstalled, match="install it with: pip install refneuron-no-such-framework==9.9"):
        Missing().import_framework()
    assert issubclass(FrameworkNotInstalled, ImportError)


@pytest.mark.frameworks
def test_setting_without_counterpart_in_installed_snntorch():
    # float32_spikes=False is snntorch after PR #432; the installed 1.0.0 cannot run it
    with pytest.raises(NoCounterpart, match="float32_spikes"):
        compare(rn.snntorch.Leaky(beta=0.5, float32_spikes=False), np.zeros((5, 1)))
