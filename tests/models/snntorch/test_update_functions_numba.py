"""The per-neuron update functions of Synaptic, Lapicque and Alpha compile
with Numba (through the backends' registration) and give, on scalars, the
very same floats as the Python functions (models without exp: bitwise)."""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.models.snntorch._common import spike_gt
from refneuron.models.snntorch.alpha import alpha_charge
from refneuron.models.snntorch.lapicque import lapicque_charge
from refneuron.models.snntorch.synaptic import synaptic_charge

numba = pytest.importorskip("numba")


def test_compiled_update_functions_agree_bitwise():
    from refneuron.backends._jit import jitable_cpu

    jitable_cpu(spike_gt, synaptic_charge, lapicque_charge, alpha_charge)

    @numba.njit(error_model="numpy")
    def k_syn(a):
        return synaptic_charge(*a)

    @numba.njit(error_model="numpy")
    def k_lap(a):
        return lapicque_charge(*a)

    @numba.njit(error_model="numpy")
    def k_alp(a):
        return alpha_charge(*a)

    rng = np.random.default_rng(17)
    thr32 = float(np.float32(0.7))
    fired = 0
    for _ in range(200):
        v = [float(z) for z in rng.normal(size=4) * 1.5]
        for code in (0, 1, 2):  # SUBTRACT, ZERO, NONE
            a = (v[0], v[1], v[2], 0.7, 0.8, 0.7, thr32, code)
            assert k_syn(a) == synaptic_charge(*a)
            a = (v[0], v[1], 2.0, 0.1, 1.0, 0.8, 0.7, thr32, code)
            assert k_lap(a) == lapicque_charge(*a)
            a = (v[0], v[1], v[2], v[3], 0.9, 0.8, 1.89, 0.7, thr32, code)
            out = k_alp(a)
            assert out == alpha_charge(*a)
            fired += out[0]
    assert 0 < fired < 600  # both branches of the reset signal were exercised
