"""gradients.vjp: the upstream gradients go through the same finiteness rule as the inputs."""

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import InputError


@pytest.mark.parametrize("backend", ["numpy", "cpu"])
def test_nonfinite_upstream(backend):
    model = rn.snntorch.Leaky(beta=0.9)
    x = np.full((6, 3), 0.4)
    up = np.ones((6, 3))
    up[4, 2] = np.nan
    with pytest.raises(InputError, match=r"upstream\['output'\].*t=4, neuron=\(2,\)"):
        rn.gradients.vjp(model, x, {"output": up}, backend=backend)
    # check_finite=False propagates it: the NaN reaches the input gradient at
    # step 4 (dL/dx_4 includes the output gradient of step 4) and, through the
    # membrane recursion, every earlier step of that neuron, and no other neuron
    g = rn.gradients.vjp(model, x, {"output": up}, backend=backend, check_finite=False)
    assert np.isnan(g.inputs[:5, 2]).all()
    assert np.isfinite(g.inputs[5, 2]) and np.isfinite(g.inputs[:, :2]).all()
