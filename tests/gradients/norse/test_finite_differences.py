"""Hand-derived backward passes of the norse models against central finite
differences of refneuron's own forward (no framework involved).

1. Smoothed forward (``model.smoothed()``): the gradient-carrying spikes are
   the surrogate's primitive ``g`` with ``g' = sigma'``, so the backward pass
   is the exact derivative of a piecewise-smooth function (the resets norse
   detaches stay hard steps, whose derivative is zero away from a flip).
2. Subthreshold runs of the real forward with ``method="triangle"``: every
   threshold argument stays below -1, where the triangle's derivative is
   exactly 0 and no perturbation of the size used can make a neuron fire, so
   the real forward is smooth and the surrogate contributes nothing.
3. ``method="heaviside"`` with many spikes: no gradient flows through the
   spike (as in norse), so the backward pass is the derivative of the real
   forward with the spike pattern frozen; checked where the perturbed runs
   keep exactly the same spikes (asserted).

Directional derivatives along random directions (inputs; all initial state
variables together; each parameter alone, with a step relative to its size)
are compared with the Richardson-extrapolated central difference
``(4 D(h/2) - D(h))/3``, ``h = 3e-6``.  Error budget: truncation O(h^4)
(the plain central difference's O(h^2) term is removed; measured with plain
central differences it reaches 3e-4 at h = 1e-5 along the weights, whose
third derivative is large), round-off about eps * sum|loss terms| / h, a few
1e-9 of the size of the directional derivative.  Allowed error:
1e-6 times sum(|grad * d|), the size of the terms the directional
derivative adds (the sum itself may cancel), plus the round-off level
eps * sum|loss terms| / h of the difference quotient (which dominates for
directions with a tiny derivative, e.g. a parameter near 0 moved relative
to its size).  The summary prints the largest |diff| / allowed.  The smoothed runs are 12 steps (8 for the
encoder): with attached resets the smoothed dynamics amplify perturbations
step after step (gradients reach 1e5 after 30 steps for LSNN with
heavi_erfc), and the truncation and round-off of a finite difference grow
with them, while the hand-derived recursion is checked over 40 steps
against autograd.  A wrong term of the chain rule gives errors of 1e-3 or more.
"""

from __future__ import annotations

import numpy as np
import pytest

from refneuron.gradients import vjp

from ..._oracle import record
from ._cases import NAMES, RECURRENT, make_case
from ._fd import directions, richardson

H = 3e-6
RTOL = 1e-6  # see the module docstring
# "triangle" is left out here: its primitive is only C^1 (g'' jumps at u = -1, 0, 1),
# so a central difference loses its accuracy whenever a threshold argument lies
# within a step of a kink (measured: errors of 1e-6..4e-6 that do not shrink with h);
# its backward pass is checked against norse's autograd and in test 2 below.
SMOOTH_METHODS = ("super", "tanh", "circ", "heavi_erfc")
SMOOTH_CASES = [(n, m, k, False) for n in NAMES for k, m in enumerate(SMOOTH_METHODS)] + [
    ("norse.LIFAdExCurrentEncoder", m, k, True) for k, m in enumerate(SMOOTH_METHODS)
]


def _ids(case):
    name, method, k, corrected = case
    return f"{name}-{method}-{k}" + ("-corrected" if corrected else "")


def _check_all(key, model, x, state, up, *, frozen_spikes=False):
    g = vjp(model, x, up, state)
    res = g.forward
    # round-off of one loss evaluation: eps times the size of the terms it sums
    loss_terms = np.sum(np.abs(up["output"] * res.output))
    loss_terms += sum(np.sum(np.abs(up[n] * res.states[n])) for n in model.State.names())
    noise = np.finfo(np.float64).eps * loss_terms / H
    rng = np.random.default_rng(12345)
    worst = 0.0
    for label, grad, d, f in directions(model, x, state, g, rng):
        terms = np.asarray(grad, dtype=np.float64) * d
        analytic, size = float(np.sum(terms)), float(np.sum(np.abs(terms)))
        fd, outputs = richardson(f, H, up)
        if frozen_spikes:
            for out in outputs:
                np.testing.assert_array_equal(out, g.forward.output, err_msg=f"{label}: a spike flipped")
        if size == 0.0:  # e.g. v_reset without spikes: the loss does not depend on it at all
            assert fd == 0.0, f"{label}: finite difference {fd} where the gradient is exactly 0"
            continue
        allowed = RTOL * size + noise
        err = abs(fd - analytic)
        worst = max(worst, err / allowed)
        assert err <= allowed, (
            f"{label}: analytic {analytic:.12g}, finite difference {fd:.12g} "
            f"(|diff| {err:.2e}, allowed {allowed:.2e} = 1e-6 * {size:.3g} + round-off {noise:.2e})"
        )
    record(f"{key} (|diff| / allowed)", np.zeros(1), np.array([worst]))
    return g


@pytest.mark.parametrize("case", SMOOTH_CASES, ids=_ids)
def test_smoothed_forward(case):
    name, method, k, corrected = case
    model, x, state, up = make_case(name, method, k, k % 2 == 0, T=12 if "Encoder" not in name else 8,
                                    corrected=corrected)  # fmt: skip
    hard = model.run(x, state=state).output
    assert hard.sum() >= 0.05 * hard.size, "the real forward must fire often"
    _check_all(f"fd smoothed {name}", model.smoothed(), x, state, up)


@pytest.mark.parametrize(
    "name,corrected", [(n, False) for n in NAMES] + [("norse.LIFAdExCurrentEncoder", True)]
)
def test_subthreshold_real_forward(name, corrected):
    model, x, state, up = make_case(name, "triangle", 2, True, T=30 if "Encoder" not in name else 10,
                                    subthreshold=True, corrected=corrected)  # fmt: skip
    res = model.run(x, state=state)
    assert not res.output.any()
    # without spikes the stored v (and b) are v* (and b*): the threshold argument of every step
    u = res.states["v"] - (res.states["b"] if "LSNN" in name else model.v_th)
    assert u.max() < -1.01, f"threshold argument {u.max()} must stay below -1 (triangle derivative 0)"
    _check_all(f"fd subthreshold {name}", model, x, state, up)


@pytest.mark.parametrize("name", NAMES)
def test_heaviside_real_forward(name):
    model, x, state, up = make_case(name, "heaviside", 1, True, T=30 if "Encoder" not in name else 12)
    assert model.smoothed().run(x, state=state).output.sum() == model.run(x, state=state).output.sum()
    g = _check_all(f"fd heaviside {name}", model, x, state, up, frozen_spikes=True)
    z = g.forward.output
    assert z.sum() >= 0.05 * z.size
    if name not in RECURRENT:
        # no gradient reaches anything through the spike: v_th only acts through it (and AdEx's exp)
        if "AdEx" not in name and "LSNN" not in name:
            assert np.all(g.params["v_th"] == 0.0)
