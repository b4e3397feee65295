"""Comparison of a backend's RunResult with the NumPy reference."""

from __future__ import annotations

import numpy as np

from ._cases import USES_EXP, analog_output_uses_libm, upstroke

#: states of models with exp: NumPy's vectorised exp and the scalar exp of the
#: kernels may differ by 1 ulp per call; through a leak whose per-step decay is
#: at most ~0.99 (AdEx: 1 - dt*g_L/C_m = 0.989) the difference stays below
#: about 100 ulp of the variable's scale, i.e. ~2e-14 relative; 1e-13 leaves
#: room while still failing on any real discrepancy (a wrong update is O(1e-3)).
EXP_RTOL = 1e-13

#: on an exponential upstroke (AdEx, V >= V_T) a 1-ulp difference of exp is
#: amplified at every step by the local growth factor
#: 1 + dt*g_L/C_m*exp((V - V_T)/Delta_T), which reaches 10-30 at the last step
#: before the cut (exp(9.3) ~ 1e4 times dt*g_L/C_m = 2.5e-3), a product of
#: ~1e3-1e4 over the upswing: ~1e-12 relative.  NEST excludes the upstroke
#: from its comparisons altogether; refneuron bounds it by 1e-10 of the
#: variable's scale (measured: 1.3e-13 relative, 7.5e-12 mV on 58 mV).
UPSTROKE_RTOL = 1e-10

#: an analog output that is one call of exp or tanh on a bitwise-equal argument
#: (LIAF sigmoid/tanh): NumPy's vectorised function and the scalar libm one
#: are each within 1 ulp of the true value, so they differ by at most 2 ulp
#: of the result (relative 2*eps; 4*eps leaves room for the 1/(1 + e) of the sigmoid)
OUTPUT_RTOL = 4 * np.finfo(np.float64).eps


def assert_same_run(model, ref, got, *, what="", rtol=None):
    """Spikes identical; states bitwise, or within EXP_RTOL of their scale for exp models.

    ``rtol``: instead, every state within ``rtol`` of its scale, the upstroke included
    (a backend whose arithmetic differs from the reference's everywhere: the GPU's FMAs)."""
    label = f"{model.name} {what}"
    if ref.output is not None:
        assert got.output is not None, label
        if analog_output_uses_libm(model):
            np.testing.assert_allclose(
                np.asarray(got.output, dtype=np.float64), ref.output, rtol=OUTPUT_RTOL, atol=0.0, err_msg=f"{label}: output"
            )
        else:
            np.testing.assert_array_equal(np.asarray(got.output, dtype=np.float64), ref.output, err_msg=f"{label}: output")
    exact = rtol is None and model.name not in USES_EXP
    pairs = []
    if ref.states is not None:
        pairs += [(f"trace {k}", ref.states[k], got.states[k]) for k in ref.states]
    pairs += [(f"final {k}", v, getattr(got.final_state, k)) for k, v in ref.final_state.as_dict().items()]
    worst = 0.0
    for name, r, g in pairs:
        r = np.asarray(r)
        g = np.asarray(g)
        assert r.shape == g.shape, f"{label}: {name} shape {g.shape} != {r.shape}"
        if exact:
            np.testing.assert_array_equal(g, r, err_msg=f"{label}: {name} not bitwise equal")
        else:
            # non-finite entries (exp overflow, reproduced) must sit at the same
            # places with the same value; the finite ones are compared below
            fin = np.isfinite(r)
            np.testing.assert_array_equal(np.where(fin, 0.0, g), np.where(fin, 0.0, r), err_msg=f"{label}: {name} non-finite entries")
            r = np.where(fin, r, 0.0)
            g = np.where(fin, g, 0.0)
            scale = max(float(np.max(np.abs(r))), 1.0)
            d = np.abs(g - r)
            up = upstroke(model, name.split()[-1], r) if rtol is None else None
            if up is not None:
                d_up = float(np.max(d[up])) if up.any() else 0.0
                assert d_up <= UPSTROKE_RTOL * scale, f"{label}: {name} on the upstroke differs by {d_up:.3e}"
                d = np.where(up, 0.0, d)
            diff = float(np.max(d)) if r.size else 0.0
            worst = max(worst, diff / scale)
            bound = EXP_RTOL if rtol is None else rtol
            assert diff <= bound * scale, f"{label}: {name} differs by {diff:.3e} (scale {scale:.3g})"
    assert (ref.nonfinite is None) == (got.nonfinite is None), f"{label}: nonfinite {got.nonfinite} vs {ref.nonfinite}"
    if ref.nonfinite is not None:
        assert got.nonfinite == ref.nonfinite, f"{label}: nonfinite {got.nonfinite} vs {ref.nonfinite}"
    return worst
