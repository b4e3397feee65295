"""Properties every registered model must have (iterates over the registry)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import refneuron as rn
from refneuron import quirks, registry

NAMES = registry.names()


def test_registry_covers_every_framework():
    # the specification's model list (models.md §1) plus the canonical models
    expected = {
        "snntorch.Leaky", "snntorch.Synaptic", "snntorch.Lapicque", "snntorch.Alpha",
        "spikingjelly.IF", "spikingjelly.LIF", "spikingjelly.ParametricLIF", "spikingjelly.QIF",
        "spikingjelly.EIF", "spikingjelly.Izhikevich", "spikingjelly.LIAF", "spikingjelly.KLIF",
        "norse.LIF", "norse.LIFRecurrent", "norse.LIFAdEx", "norse.LIFAdExRecurrent",
        "norse.LIFAdExCurrentEncoder", "norse.LSNN", "norse.LSNNRecurrent",
        "canonical.Izhikevich", "canonical.AdEx",
    }
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_quirk_ids_exist(name):
    cls = registry.get(name)
    unknown = [q for q in cls.quirks if q not in quirks.QUIRKS]
    assert not unknown, f"{name} references undefined quirks {unknown}"


@pytest.mark.parametrize("name", NAMES)
def test_docstring_and_parameter_table(name):
    cls = registry.get(name)
    assert cls.__doc__ and len(cls.__doc__) > 200, f"{name}: docstring too short"
    assert cls.framework and cls.reference
    table = cls.parameter_table()
    for f in dataclasses.fields(cls):
        if f.metadata.get("kind"):
            assert f"`{f.name}`" in table


def _required(cls):
    return [f.name for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


@pytest.mark.parametrize("name", NAMES)
def test_runs_do_not_modify_inputs_and_outputs_are_fresh(name):
    # bad-inputs row 19: never write into the caller's arrays
    cls = registry.get(name)
    kwargs = {}
    n_in = 3
    for req in _required(cls):
        if req in ("beta", "alpha"):
            kwargs[req] = 0.9 if req == "alpha" else 0.8
        elif req == "input_weights":
            kwargs[req] = np.full((4, n_in), 0.3)
        elif req == "recurrent_weights":
            kwargs[req] = np.full((4, 4), 0.1)
        else:
            pytest.skip(f"{name}: no generic value for required parameter {req}")
    if name == "snntorch.Lapicque":  # beta/R/C all optional, but one combination is required
        kwargs["beta"] = 0.9
    model = cls(**kwargs)
    x = np.random.default_rng(0).uniform(0, 2, size=(20, n_in))
    x_copy = x.copy()
    res = model.run(x)
    np.testing.assert_array_equal(x, x_copy)
    assert res.output is not None and not np.shares_memory(res.output, x)
    # one step equals the first step of a run
    y0, s1 = model.step(None, x[0])
    np.testing.assert_array_equal(y0, res.output[0])
