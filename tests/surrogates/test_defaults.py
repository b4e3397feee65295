"""Defaults and coverage: read from the installed frameworks at test time."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from refneuron.surrogates import SURROGATES, norse_method

pytestmark = pytest.mark.frameworks

# refneuron-only fields (switches and seeds), absent from the framework signatures
EXTRA = {"fixed", "seed", "function", "alpha_fixed", "float32_pi"}


def _defaults(cls):
    return {f.name: f.default for f in dataclasses.fields(cls) if f.name not in EXTRA}


def _signature_defaults(fn):
    return {
        n: p.default
        for n, p in inspect.signature(fn).parameters.items()
        if n not in ("self", "kwargs") and p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize("name", sorted(SURROGATES["snntorch"]))
def test_snntorch_defaults(name):
    from snntorch import surrogate

    theirs = _signature_defaults(getattr(surrogate, name))
    ours = _defaults(SURROGATES["snntorch"][name])
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert ours[k] == v and isinstance(ours[k], float), (name, k)


def test_snntorch_coverage():
    # every factory of snntorch.surrogate is in the registry
    from snntorch import surrogate

    factories = {
        n
        for n, f in vars(surrogate).items()
        if inspect.isfunction(f) and f.__module__ == surrogate.__name__ and not n.startswith("_")
    }
    assert factories == set(SURROGATES["snntorch"])


@pytest.mark.parametrize("name", sorted(SURROGATES["spikingjelly"]))
def test_spikingjelly_defaults(name):
    from spikingjelly.activation_based import surrogate

    theirs = _signature_defaults(getattr(surrogate, name).__init__)
    ours = _defaults(SURROGATES["spikingjelly"][name])
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert ours[k] == v, (name, k)


def test_spikingjelly_coverage():
    # every surrogate module of spikingjelly except the ILIF quantiser is in the registry
    from spikingjelly.activation_based import surrogate

    classes = {
        n
        for n, c in vars(surrogate).items()
        if inspect.isclass(c) and issubclass(c, surrogate.SurrogateFunctionBase) and c is not surrogate.SurrogateFunctionBase
    }
    assert classes - {"MultiLevelSpikeCount"} == set(SURROGATES["spikingjelly"])


def test_norse_defaults_are_the_neurons():
    # every norse neuron passes method="super", alpha=100 to threshold()
    from norse.torch.functional.lif import LIFParameters
    from norse.torch.functional.lif_adex import LIFAdExParameters
    from norse.torch.functional.lsnn import LSNNParameters

    for p in (LIFParameters(), LIFAdExParameters(), LSNNParameters()):
        assert p.method == "super"
        rec = norse_method(p.method, float(p.alpha))
        assert type(rec) is SURROGATES["norse"]["super"]
        assert float(p.alpha) == 100.0
    assert norse_method().alpha == 100.0 and norse_method().alpha_fixed is False
    for cls in SURROGATES["norse"].values():
        assert _defaults(cls)["alpha"] == 100.0


def test_norse_methods_are_threshold_methods():
    import torch
    from norse.torch.functional.threshold import threshold

    x = torch.zeros(2, dtype=torch.float64)
    for m in SURROGATES["norse"]:
        threshold(x, m, 100.0)  # accepted
    for m in ("logistic", "circ_dist", "tent"):
        with pytest.raises(ValueError):
            threshold(x, m, 100.0)


def test_norse_triangle_direct_default():
    # called directly, norse's triangle_fn uses alpha = 0.3 (not the neurons' 100)
    from norse.torch.functional.threshold import triangle_fn

    assert _signature_defaults(triangle_fn) == {"alpha": 0.3}
    # derivative alpha * max(0, 1 - |x|) at x = 0: alpha * 1.0, exact
    assert norse_method("triangle", 0.3).derivative(0.0) == 0.3
