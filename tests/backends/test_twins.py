"""The GPU twins of the models' functions that use NumPy ufuncs (np.exp,
np.maximum, np.tanh ...), compiled on the GPU instead of the originals,
against the originals on scalars: same values (bitwise where no exp/tanh is
involved, within 2 ulp of exp/tanh otherwise), NaN and inf included."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from refneuron.backends import _steps
from refneuron.models.norse.lif_adex import adex_dv
from refneuron.models.spikingjelly.eif import eif_charge
from refneuron.models.spikingjelly.klif import klif_rectify
from refneuron.models.spikingjelly.liaf import ACT_CODE, liaf_output

EPS = np.finfo(np.float64).eps
SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan]


def _same(a, b):
    """Bitwise-equal values, NaN equal to NaN, -0.0 equal to 0.0 (as assert_array_equal)."""
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_twins_table_covers_every_ufunc_function():
    assert set(_steps.CUDA_TWINS) == {_steps.adex_dV, eif_charge, klif_rectify, liaf_output, adex_dv}


def test_np_maximum_minimum_twins_are_exact():
    vals = SPECIAL + list(np.random.default_rng(0).normal(0.0, 2.0, 50))
    for a, b in itertools.product(vals, SPECIAL + [0.5, -0.5]):
        assert _same(_steps._np_maximum(a, b), np.maximum(np.float64(a), np.float64(b))), (a, b)
        assert _same(_steps._np_minimum(a, b), np.minimum(np.float64(a), np.float64(b))), (a, b)


def test_klif_rectify_twin_is_exact():
    rng = np.random.default_rng(1)
    for h in SPECIAL + list(rng.normal(0.0, 3.0, 200)):
        for k in (0.3, 1.0, 1.7):
            assert _same(_steps.klif_rectify_math(h, k), klif_rectify(np.float64(h), k)), (h, k)


@pytest.mark.parametrize("act", list(ACT_CODE))
@pytest.mark.parametrize("related", [True, False])
def test_liaf_output_twin(act, related):
    code = ACT_CODE[act]
    rng = np.random.default_rng(2)
    hs = list(rng.normal(0.0, 3.0, 400)) + [0.0, 1.0, -1.0, 2.0, 1e-300, 30.0, -30.0, 800.0, -800.0]
    for h in hs:
        with np.errstate(over="ignore"):
            want = float(liaf_output(np.float64(h), 1.0, code, related))
        try:
            got = _steps.liaf_output_math(h, 1.0, code, related)
        except OverflowError:  # math.exp on the host raises where the GPU gives inf (1/(1+inf) = 0)
            assert act == "sigmoid" and want == 0.0
            continue
        if act in ("sigmoid", "tanh"):
            # one exp/tanh each, both within 1 ulp of the true value: at most 2 ulp apart
            assert abs(got - want) <= 2 * EPS * abs(want), (h, got, want)
        else:
            assert _same(got, want), (h, got, want)


def test_eif_charge_twin():
    rng = np.random.default_rng(3)
    for v in list(rng.normal(0.0, 2.0, 300)) + [5.0, 20.0]:
        for x in (-1.0, 0.3, 2.0):
            want = float(eif_charge(np.float64(v), x, 2.0, 0.0, 0.8, 1.0))
            got = _steps.eif_charge_math(v, x, 2.0, 0.0, 0.8, 1.0)
            # exp may differ by 1 ulp; compare to the scale of the terms (cancellation)
            scale = (abs(v) + abs(x) + math.exp(v - 0.8)) / 2.0 + abs(v)
            assert abs(got - want) <= 4 * EPS * scale, (v, x, got, want)


def test_norse_adex_dv_twin():
    rng = np.random.default_rng(4)
    for v in list(rng.normal(0.0, 1.5, 300)) + [3.0, 6.0]:
        for cur, a in ((0.0, 0.0), (2.5, 0.3), (-1.0, 1.0)):
            want = float(adex_dv(np.float64(v), cur, a, 100.0, 0.0, 1.0, 0.5, 0.001))
            got = _steps.norse_adex_dv_math(v, cur, a, 100.0, 0.0, 1.0, 0.5, 0.001)
            scale = 0.1 * (abs(v) + 0.5 * math.exp((v - 1.0) / 0.5) + abs(cur) + abs(a))
            assert abs(got - want) <= 4 * EPS * scale, (v, cur, a, got, want)
