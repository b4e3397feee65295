"""The forward pieces the backward passes recompute, and the smoothed forward.

* ``_parts`` (built on ``lif_decay``, ``lif_adex_decay``, ``lsnn_decay``) with
  hard spikes gives bit for bit what the public update functions give, so
  the backward pass is taken along exactly the forward that runs.
* The smoothed forward emits the surrogate's primitive; the resets norse
  detaches stay hard (post-reset v is exactly v_reset where H(u) = 1);
  ``method="heaviside"`` has no gradient, so its smoothed forward is the
  real one.
"""

from __future__ import annotations

import numpy as np
import pytest

from ._cases import NAMES, make_case


@pytest.mark.parametrize("name", NAMES)
def test_parts_reproduce_the_update_bitwise(name):
    model, x, state, _ = make_case(name, "super", 0, True, T=20)
    st = state
    for t in range(x.shape[0]):
        z, new = model._step(st, x[t])
        if "Encoder" in name:
            z2, new2 = model._smooth_step(st, x[t])  # _parts with hard spikes (not smoothed)
        else:
            z2, new2 = _via_parts(model, st, x[t])
        np.testing.assert_array_equal(z2, z)
        for n in model.State.names():
            np.testing.assert_array_equal(getattr(new2, n), getattr(new, n))
        st = new
    assert not model.is_smoothed


def _via_parts(model, st, xt):
    """One step through ``_smooth_update`` (i.e. ``_parts``) on the hard model."""
    from refneuron.models.norse import _common as c

    recurrent = hasattr(model, "input_weights")
    if "LSNN" in model.name:
        z, v, i, b = model._smooth_update(st.v, st.i, st.b)
        i = (i + c.linear(xt, model.input_weights)) + c.linear(st.z, model.recurrent_weights) if recurrent else i + xt
        kw = dict(v=v, i=i, b=b)
    else:
        jump = (st.i + c.linear(xt, model.input_weights)) + c.linear(st.z, model.recurrent_weights) if recurrent else st.i + xt
        if "AdEx" in model.name:
            z, v, i, a = model._smooth_update(st.v, jump, st.a)
            kw = dict(v=v, i=i, a=a)
        else:
            z, _, v, i = model._smooth_update(st.v, jump)
            kw = dict(v=v, i=i)
    if recurrent:
        kw["z"] = z
    return z, model.State(**kw)


@pytest.mark.parametrize("name", NAMES)
def test_smoothed_forward(name):
    model, x, state, _ = make_case(name, "tanh", 0, True, T=20)
    hard = model.run(x, state=state)
    smooth = model.smoothed().run(x, state=state)
    z = smooth.output
    assert np.any((z > 0.01) & (z < 0.99)), "smoothed spikes take values between 0 and 1"
    if model.reset_detached:  # LIFRecurrent, LSNNRecurrent: the reset keeps the hard step
        assert np.any(smooth.states["v"] == model.v_reset)
    heavi, _, _, _ = make_case(name, "heaviside", 0, True, T=20)
    a = heavi.run(x, state=state)
    b = heavi.smoothed().run(x, state=state)
    np.testing.assert_array_equal(b.output, a.output)
    for n in heavi.State.names():
        np.testing.assert_array_equal(b.states[n], a.states[n])
    assert hard.output.sum() > 0
