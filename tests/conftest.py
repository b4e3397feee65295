"""Shared fixtures: framework oracles and the table of measured differences."""

from __future__ import annotations

import importlib.util

import pytest

from . import _compiles, _oracle


def pytest_configure(config):
    """Import norse before any test can switch torch's default dtype.

    norse builds its default parameters (``LIFParameters()`` etc.) as 0-dim
    tensors when its modules are first imported, in torch's default dtype of
    that moment.  The oracles build framework modules under
    ``torch.set_default_dtype(float64)`` (``_oracle.float64_default``); were
    norse first imported inside such a block, its defaults would be float64
    for the rest of the process, and which test imports it first depends on
    how the test files are spread over pytest-xdist workers.  Importing it
    here gives every process norse's defaults as a user gets them: float32.
    """
    if importlib.util.find_spec("norse") is not None and importlib.util.find_spec("torch") is not None:
        import norse.torch  # noqa: F401
    _compiles.install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Compilations from here on belong to this test's file (:mod:`tests._compiles`)."""
    _compiles.entering(item.nodeid)


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
        workeroutput["refneuron_compiles"] = _compiles.rows()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the pytest-xdist controller, collect what each worker measured."""
    _oracle.merge_rows(getattr(node, "workeroutput", {}).get("refneuron_measured", {}))
    _compiles.merge(getattr(node, "workeroutput", {}).get("refneuron_compiles", {}))


def pytest_terminal_summary(terminalreporter):
    """Print the kernel compilations per test file and the maximum |difference|
    measured per model against each framework."""
    tr = terminalreporter
    tr.section("Numba compilations by test file (outermost)")
    _compiles.report(tr.write_line)
    rows = _oracle.measured_rows()
    if not rows:
        return
    tr.section("refneuron vs frameworks (float64): measured max |diff|")
    for key, (diff, n_cases, n_spikes) in sorted(rows.items()):
        tr.write_line(f"{key:<55s} max|diff| = {diff:.3e}   cases = {n_cases:4d}   spikes = {n_spikes}")
