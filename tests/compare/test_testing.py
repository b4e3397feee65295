"""refneuron.testing: the assertions pass on equal data and fail with messages
that locate the first difference."""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.testing import assert_spikes_equal, assert_trace_close


def _pair():
    rng = np.random.default_rng(0)
    desired = rng.normal(size=(6, 2, 3))
    actual = desired.copy()
    actual[4, 0, 2] += 1e-3  # later in time but earlier neuron: must not be reported first
    actual[2, 1, 0] += 5e-6
    return actual, desired


def test_trace_close_passes_within_tolerance():
    actual, desired = _pair()
    # the largest change is 1e-3 on |desired| < 3: atol 1e-3 + rtol 1e-9 covers it
    assert_trace_close(actual, desired, rtol=1e-9, atol=1e-3, variable="mem")
    assert_trace_close(desired, desired.copy(), rtol=0, atol=0)


def test_trace_close_message_names_variable_step_neuron_and_count():
    actual, desired = _pair()
    with pytest.raises(AssertionError) as info:
        assert_trace_close(actual, desired, rtol=0, atol=1e-7, variable="mem")
    msg = str(info.value)
    assert msg.startswith("mem: 2 of 36 entries differ beyond atol=1e-07")
    assert "first at step t=2, neuron (1, 0)" in msg
    assert f"desired {float(desired[2, 1, 0])!r}" in msg
    assert "|diff| = 5.000e-06" in msg
    assert "max |diff| = 1.000e-03 at step t=4, neuron (0, 2)" in msg


def test_trace_close_rtol_and_nan():
    desired = np.array([[1000.0], [1.0]])
    actual = desired * (1 + 1e-9)
    assert_trace_close(actual, desired, rtol=2e-9, atol=0)  # 1e-9 relative on both entries
    with pytest.raises(AssertionError, match="2 of 2 entries"):
        assert_trace_close(actual, desired, rtol=5e-10, atol=0)
    nan = np.array([[np.nan], [1.0]])
    assert_trace_close(nan, nan.copy(), rtol=0, atol=0)  # NaN where the reference has NaN
    with pytest.raises(AssertionError, match="first at step t=0, neuron \\(0,\\): actual nan, desired 1.0"):
        assert_trace_close(np.array([[np.nan], [1.0]]), np.ones((2, 1)), rtol=0, atol=1.0)


def test_trace_close_requires_tolerances_and_equal_shapes():
    a = np.zeros((3, 2))
    with pytest.raises(TypeError):
        assert_trace_close(a, a)  # rtol and atol are required keywords
    with pytest.raises(ValueError, match="atol"):
        assert_trace_close(a, a, rtol=0, atol=-1.0)
    with pytest.raises(ValueError, match="rtol"):
        assert_trace_close(a, a, rtol=float("nan"), atol=0)
    with pytest.raises(AssertionError, match="v: shapes differ"):
        assert_trace_close(a, np.zeros((3, 3)), rtol=0, atol=0)


def test_spikes_equal():
    s = np.zeros((10, 4))
    s[[1, 5, 8], [0, 2, 3]] = 1.0
    assert_spikes_equal(s, s.copy())
    other = s.copy()
    other[5, 2] = 0.0
    other[7, 1] = 1.0
    with pytest.raises(AssertionError) as info:
        assert_spikes_equal(other, s, names=("snntorch", "refneuron"))
    msg = str(info.value)
    assert msg.startswith("spikes: 2 of 40 entries differ; first at step t=5, neuron (2,)")
    assert "snntorch 0.0, refneuron 1.0" in msg
    assert "spike counts snntorch 3, refneuron 3" in msg
    with pytest.raises(AssertionError, match="shapes differ"):
        assert_spikes_equal(s, s[:-1])
