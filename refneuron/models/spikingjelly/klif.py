r"""spikingjelly ``KLIFNode``: LIF whose charged membrane is scaled by a learnable ``k`` and rectified.

Source: spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
(``KLIFNode``) and ``activation_based/functional/neuron.py`` (``klif_step``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ... import _checks
from ..._math import maximum
from ..._records import flag, param
from ...registry import register
from ...surrogates._codes import surrogate_slope
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
    HARD,
    SpikingJellyNode,
    VState,
    decay_input_field,
    detach_reset_field,
    lif_charge,
    lif_charge_adjoint,
    reset_adjoint,
    spike_ge,
    surrogate_field,
    tau_field,
    v_reset_field,
    v_threshold_field,
)


@dataclasses.dataclass(frozen=True, eq=False)
class KLIFState(VState):
    """State of :class:`KLIF`: the post-reset membrane ``v``."""


def klif_rectify(h, k):
    """``ReLU(k * h)`` (element-wise; NaN propagates as in ``torch.relu``)."""
    return maximum(k * h, 0.0)


def klif_reset(h, s, k, v_threshold, v_reset, reset, scale_reset):
    """KLIF reset: as :func:`voltage_reset` on ``h``, or with ``scale_reset`` on
    ``h / k`` with the threshold ``v_threshold / k`` (hard:
    ``s*v_reset + (1 - s)*(h/k)``; soft: ``h/k - s*(v_threshold/k)``).

    Self-contained (it calls no other Python function) so that Numba can
    compile it on its own.
    """
    if scale_reset:
        h = h / k
        v_threshold = v_threshold / k
    if reset == HARD:
        return s * v_reset + (1.0 - s) * h
    return h - s * v_threshold


def klif_adjoint(g_y, g_v_t, hc, h, s_r, ds, ds_r, k, tau, v_leak, decay_input, v_threshold, reset, scale_reset):
    r"""One reverse step, element-wise: ``(g_x, g_v, g_k)``.

    ``hc`` is the LIF charge, ``h`` the rectified ``ReLU(k*hc)``, ``s_r``
    the reset's spike, ``ds`` the surrogate derivative at :math:`H - \theta`,
    ``ds_r`` the reset's (0.0 with ``detach_reset``); the equations are in
    :meth:`KLIF._vjp_step`.
    """
    if scale_reset:
        if reset == HARD:
            dv_dh = (1.0 - s_r) / k + (v_leak - h / k) * ds_r
            dv_dk = -(1.0 - s_r) * h / (k * k)
        else:
            dv_dh = 1.0 / k - (v_threshold / k) * ds_r
            dv_dk = (s_r * v_threshold - h) / (k * k)
        g_h = g_y * ds + g_v_t * dv_dh
        g_k = g_v_t * dv_dk
    else:
        g_h = g_y * ds + reset_adjoint(h, s_r, ds_r, g_v_t, v_threshold, v_leak, reset)
        g_k = 0.0
    g_p = g_h * (k * hc > 0.0)
    g_k = g_k + g_p * hc
    g_v, g_x = lif_charge_adjoint(g_p * k, tau, decay_input)
    return g_x, g_v, g_k


@register
@dataclasses.dataclass(frozen=True, eq=False)
class KLIF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``KLIFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_klif_step`, reverse step :func:`sj_klif_back` (both
    in this file).

    Per step:

    .. math::

        H'_t &= \text{LIF charge of } V_{t-1}, X_t \text{ (see } \texttt{LIF}\text{)}\\
        H_t &= \mathrm{ReLU}(k\,H'_t)\\
        S_t &= H^{\ge}(H_t - \theta)\\
        V_t &= S_t V_r + (1 - S_t) H_t \ \text{(hard)}, \quad H_t - S_t\theta \ \text{(soft)}
            &&\text{scale\_reset=False}\\
        V_t &= S_t V_r + (1 - S_t)(H_t/k) \ \text{(hard)}, \quad H_t/k - S_t(\theta/k) \ \text{(soft)}
            &&\text{scale\_reset=True}

    The LIF part is forward Euler (:math:`\Delta t = 1`) of
    :math:`\tau\,dV/dt = -(V - V_r') + X` (:math:`V_r' = V_r`, 0 if soft);
    the rectified scaling has no continuous counterpart.  Dimensionless.

    Parameters
    ----------
    scale_reset : bool
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    decay_input : bool
    k : float
        The learnable scalar (spikingjelly initialises it to 1.0; pass a
        trained ``node.k.item()`` here).  Must be != 0 with ``scale_reset``
        (the reset divides by it).
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
    (``KLIFNode``), ``functional/neuron.py`` (``klif_step``); Jiang and Zhang
    (2023), "KLIF: an optimized spiking neuron unit for tuning surrogate
    gradient slope and membrane potential", ICASSP.
    """
    )

    name = "spikingjelly.KLIF"
    reference = "spikingjelly/activation_based/neuron/lif_variants.py"
    State = KLIFState
    quirks = COMMON_QUIRKS + ("spikingjelly_vreset_leak", "spikingjelly_learnable_dtype")

    scale_reset: bool = flag(False, doc="reset H/k with threshold theta/k")
    tau: float = tau_field()
    decay_input: bool = decay_input_field()
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()
    k: float = param(1.0, unit="1", doc="learnable scale of the charged membrane", per_neuron=False)

    def _check(self):
        super()._check()
        if self.scale_reset:
            _checks.check_rule("k", self.k, "!=0")

    def _step(self, state, x):
        h = klif_rectify(lif_charge(state.v, x, self.tau, self.v_leak, self.decay_input), self.k)
        s, s_r = self._spikes(h)
        v = klif_reset(h, s_r, self.k, self.v_threshold, self.v_leak, self.reset_code, self.scale_reset)
        return s, KLIFState(v=v)

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order (``functional/neuron.py``, ``klif_step``):
        :math:`H'` = the LIF charge, :math:`P = k H'`,
        :math:`H = \mathrm{ReLU}(P)`, :math:`S = s(H - \theta)`, then the reset
        with :math:`S_r = S` (detached with ``detach_reset``):
        without ``scale_reset`` :math:`V_t = \mathrm{reset}(H, S_r)`; with it
        hard :math:`V_t = S_r V_r + (1 - S_r) H/k`, soft
        :math:`V_t = H/k - S_r\,\theta/k`.  Adjoint, in reverse order, with
        :math:`\sigma = \sigma'(H - \theta)`, :math:`\sigma_r = \sigma` (0 with
        ``detach_reset``):

        .. math::

            \bar H &= \bar S\,\sigma + \bar V_t\,\partial V_t/\partial H, \quad
            \partial V_t/\partial H = \begin{cases}
                (1 - S_r) + (V_r - H)\sigma_r & \text{hard}\\
                1 - \theta\sigma_r & \text{soft}\\
                (1 - S_r)/k + (V_r - H/k)\sigma_r & \text{hard, scale\_reset}\\
                1/k - (\theta/k)\sigma_r & \text{soft, scale\_reset}
            \end{cases}\\
            \bar k_\mathrm{reset} &= \bar V_t \cdot \begin{cases}
                -(1 - S_r) H/k^2 & \text{hard, scale\_reset}\\
                -H/k^2 + S_r\theta/k^2 & \text{soft, scale\_reset}\\
                0 & \text{otherwise}\end{cases}\\
            \bar P &= \bar H\,[P > 0] \quad(\text{torch's ReLU gradient, 0 at } P = 0)\\
            \bar k &\mathrel{+}= \bar P\,H' + \bar k_\mathrm{reset}, \qquad \bar H' = \bar P\,k\\
            \bar V_{t-1} &= \bar H'(1 - 1/\tau), \qquad
            \bar X = \bar H'/\tau \ \text{(decay\_input)}, \ \bar H' \ \text{(otherwise)}

        ``k`` is spikingjelly's learnable scalar; its gradient is returned per
        neuron (the driver sums it, as autograd does for the shared scalar).
        """
        k = self.k
        hc = lif_charge(state_prev.v, x, self.tau, self.v_leak, self.decay_input)
        h = klif_rectify(hc, k)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        g_x, g_v, g_k = klif_adjoint(
            g_output, g_state["v"], hc, h, s_r, ds, 0.0 if self.detach_reset else ds, k, self.tau, self.v_leak,
            self.decay_input, self.v_threshold, self.reset_code, self.scale_reset,
        )  # fmt: skip
        return g_x, {"v": g_v}, {"k": g_k * np.ones_like(hc)}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_klif_step(v, x, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset):
    """spikingjelly ``KLIFNode`` (``KLIF._step`` with the ``>=`` Heaviside)."""
    h = klif_rectify(lif_charge(v, x, tau, v_leak, decay_input), k)
    s = spike_ge(h, v_threshold)
    return s, klif_reset(h, s, k, v_threshold, v_leak, reset, scale_reset)


def sj_klif_back(v, x, gy, gv, tau, v_leak, decay_input, k, v_threshold, reset, scale_reset, detach, sg, sp0, sp1):
    """spikingjelly ``KLIF._vjp_step``: ``(g_x, g_v, g_k)``."""
    hc = lif_charge(v, x, tau, v_leak, decay_input)
    h = klif_rectify(hc, k)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    return klif_adjoint(
        gy, gv, hc, h, s, ds, 0.0 if detach else ds, k, tau, v_leak, decay_input, v_threshold, reset, scale_reset
    )


__all__ = ["KLIF", "KLIFState", "klif_rectify", "klif_reset", "klif_adjoint", "sj_klif_step", "sj_klif_back"]
