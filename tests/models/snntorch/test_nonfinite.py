"""Row 1 of bad-inputs with ``check_finite=False``: NaN and inf in the input
propagate exactly as in snntorch 1.0.0 (same arithmetic form, so NaN never
fires and ``0 * inf`` becomes NaN where snntorch's does)."""

from __future__ import annotations

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import NonFiniteStateWarning

from ._framework import snntorch_run

MODELS = [
    ("Synaptic", dict(alpha=0.7, beta=0.8, reset_mechanism="zero"), ("syn", "mem")),
    ("Synaptic", dict(alpha=0.7, beta=0.8, reset_delay=False), ("syn", "mem")),
    ("Lapicque", dict(beta=0.9, reset_mechanism="zero"), ("mem",)),
    ("Lapicque", dict(R=2.0, C=3.0), ("mem",)),
    ("Alpha", dict(alpha=0.9, beta=0.8), ("syn_exc", "syn_inh", "mem")),
    ("Alpha", dict(alpha=0.9, beta=0.8, reset_mechanism="subtract"), ("syn_exc", "syn_inh", "mem")),
]


@pytest.mark.frameworks
@pytest.mark.parametrize("cls,kwargs,names", MODELS)
def test_nonfinite_inputs_propagate_as_in_snntorch(cls, kwargs, names):
    rng = np.random.default_rng(21)
    shape = (6,)
    x = rng.normal(0.8, 0.8, size=(40, *shape))
    x[5, 0] = np.nan
    x[9, 1] = np.inf
    x[12, 2] = -np.inf
    state0 = {n: np.zeros(shape) for n in names}
    spk_ref, ref = snntorch_run(cls, kwargs, x, state0, names)
    with np.errstate(invalid="ignore"), pytest.warns(NonFiniteStateWarning, match="t=5"):
        res = getattr(rn.snntorch, cls)(**kwargs).run(x, check_finite=False)
    assert res.nonfinite[0] == 5 and res.nonfinite[2] == (0,)
    # assert_array_equal treats NaN == NaN and compares infinities exactly
    np.testing.assert_array_equal(res.output, spk_ref)
    for n in names:
        np.testing.assert_array_equal(res.states[n], ref[n], err_msg=n)
    assert not np.all(np.isfinite(res.states["mem"]))  # the bad values did reach the state
    assert np.all(np.isfinite(res.states["mem"][:, 3:]))  # untouched neurons stay finite
