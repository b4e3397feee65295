"""Shared fixtures: framework oracles and the table of measured differences."""

from __future__ import annotations

import importlib.util

import pytest

from . import _oracle


def pytest_collection_modifyitems(config, items):
    """Skip framework tests cleanly when the 'frameworks' extra is not installed."""
    missing = [m for m in ("torch", "snntorch", "spikingjelly", "norse") if importlib.util.find_spec(m) is None]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"frameworks extra not installed ({', '.join(missing)})")
    for item in items:
        if "frameworks" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session):
    """On a pytest-xdist worker, hand the measured differences to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["refneuron_measured"] = {k: list(v) for k, v in _oracle.measured_rows().items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the pytest-xdist controller, collect what each worker measured."""
    _oracle.merge_rows(getattr(node, "workeroutput", {}).get("refneuron_measured", {}))


def pytest_terminal_summary(terminalreporter):
    """Print the maximum |difference| measured per model against each framework."""
    rows = _oracle.measured_rows()
    if not rows:
        return
    tr = terminalreporter
    tr.section("refneuron vs frameworks (float64): measured max |diff|")
    for key, (diff, n_cases, n_spikes) in sorted(rows.items()):
        tr.write_line(f"{key:<55s} max|diff| = {diff:.3e}   cases = {n_cases:4d}   spikes = {n_spikes}")
