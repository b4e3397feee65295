"""``refneuron compare`` (single model and --all on a reduced set), the
missing-framework and no-counterpart paths, and the measured findings."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pytest

import refneuron as rn
from refneuron.cli import main
from refneuron.compare import FrameworkNotInstalled, NoCounterpart, compare
from refneuron.compare.findings import MEASUREMENTS, findings, findings_markdown
from refneuron.quirks import QUIRKS


@pytest.mark.frameworks
def test_all_on_a_reduced_set_writes_the_report(tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = main(["compare", "--all", "--out", str(out), "--steps", "60", "--quiet", "--no-findings",
               "--models", "snntorch.Leaky,spikingjelly.IF,norse.LSNNRecurrent"])
    assert rc == 0
    md = (out / "report.md").read_text()
    doc = json.loads((out / "report.json").read_text())
    assert (out / "compare.png").stat().st_size > 10_000
    rows = [(r["model"], r["framework_dtype"]) for r in doc["results"]]
    assert rows == [(m, d) for m in ("snntorch.Leaky", "spikingjelly.IF", "norse.LSNNRecurrent")
                    for d in ("float64", "float32")]
    for r in doc["results"]:
        if r["framework_dtype"] == "float64":
            assert r["spikes_equal"] and r["gradients"]["status"] == "ok"
    assert "float64: 3 of 3 models give identical spikes" in md
    assert "| spikingjelly.IF | float32 | ok |" in md  # the gradient table


@pytest.mark.frameworks
def test_single_model(tmp_path, capsys):
    rc = main(["compare", "spikingjelly", "LIF", "--dtype", "float64", "--out", str(tmp_path), "--steps", "30"])
    assert rc == 0
    doc = json.loads((tmp_path / "spikingjelly_LIF.json").read_text())
    assert [r["framework_dtype"] for r in doc["results"]] == ["float64"]
    assert doc["results"][0]["spikes_equal"]


def test_cli_errors(tmp_path, capsys):
    assert main(["compare", "canonical", "AdEx", "--out", str(tmp_path)]) == 1
    assert "canonical.AdEx: no framework counterpart" in capsys.readouterr().err
    assert main(["compare", "snntorch", "Nope", "--out", str(tmp_path)]) == 1
    assert "unknown model 'snntorch.Nope'" in capsys.readouterr().err
    assert main(["compare", "--out", str(tmp_path)]) == 2


def test_no_counterpart_for_a_canonical_model():
    with pytest.raises(NoCounterpart, match="no framework adapter for 'canonical.AdEx'"):
        compare(rn.canonical.AdEx(), np.zeros((4, 1)))


def test_missing_framework_is_reported(monkeypatch, tmp_path, capsys):
    real_import = importlib.import_module

    def import_module(name, *args, **kwargs):
        if name == "norse" or name.startswith("norse."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", import_module)
    with pytest.raises(FrameworkNotInstalled, match=r"norse.LIF: comparing needs norse 1.1.0.*pip install norse==1.1.0"):
        compare(rn.norse.LIF(), np.zeros((4, 2)))
    assert main(["compare", "norse", "LSNN", "--out", str(tmp_path)]) == 1
    assert "install it with: pip install norse==1.1.0" in capsys.readouterr().err



# --- findings ------------------------------------------------------------------------------


def test_every_quirk_is_listed_and_the_measurements_exist():
    assert set(MEASUREMENTS) <= set(QUIRKS)
    items = findings(ids=set(QUIRKS) - {"snntorch_float32_spikes"})  # the long run is the report's
    assert {f.quirk for f in items} == set(QUIRKS) - {"snntorch_float32_spikes"}
    md = findings_markdown(items)
    for fw in {q.framework for q in QUIRKS.values()}:
        assert f"### {fw}" in md


def test_measured_values_match_the_documented_effects():
    got = {f.quirk: f.values for f in findings(ids=set(MEASUREMENTS) - {"snntorch_float32_spikes"})}
    lap = got["snntorch_lapicque_decay"]
    # the measured decay is 1 + ln(beta) (quirk text), i.e. tau_eff = -dt/ln(1 + ln beta)
    assert lap["decay_measured"] == pytest.approx(1 + math.log(0.9), rel=1e-12)  # 50-step geometric mean
    assert lap["tau_effective"] == pytest.approx(lap["tau_formula"], rel=1e-10)
    assert lap["tau_effective"] < lap["tau_from_beta"]
    assert got["norse_lsnn_input_delay"]["lsnn_first_step"] - got["norse_lsnn_input_delay"]["lif_first_step"] == 1
    assert got["spikingjelly_ge_threshold"] == {"spikingjelly_IF": 1, "snntorch_Leaky": 0}
    enc = got["norse_adex_encoder"]
    assert abs(enc["a_final_quirk"]) > 1e6 * abs(enc["a_final_corrected"]) and enc["growth"] > 1.5
    assert got["spikingjelly_vreset_leak"]["v_final"] == pytest.approx(-0.5, abs=1e-12)  # 0.5 * 0.5^100 left
    assert got["norse_units"]["decay_per_step"] == pytest.approx(0.9, rel=1e-15)  # 1 - dt*tau_mem_inv
    assert got["norse_lsnn_threshold"]["b_after"] - got["norse_lsnn_threshold"]["b_before"] == pytest.approx(1.8, abs=1e-3)
    z = got["snntorch_leaky_zero_reset"]
    assert z["spikes_leaky"] != z["spikes_whole_candidate"]
    inh = got["snntorch_inhibition_reset"]
    assert inh["above_threshold"] > inh["spikes"]
