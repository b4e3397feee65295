r"""spikingjelly ``LIAFNode``: leaky integrate with an analog output ``act(H)``.

Source: spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
(``LIAFNode``) and ``activation_based/functional/neuron.py`` (``liaf_step``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._math import exp, indicator, maximum, minimum, ones_like, tanh, where
from ..._records import flag, option
from ...registry import register
from ...surrogates._codes import surrogate_slope
from ._common import (
    COMMON_DOC,
    COMMON_QUIRKS,
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
    voltage_reset,
)
from .lif import LIF_DOC

#: activations by name, each matching the torch function named beside it
ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "hardtanh")
ACT_CODE = {name: i for i, name in enumerate(ACTIVATIONS)}
IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, HARDTANH = range(len(ACTIVATIONS))


def liaf_output(h, v_threshold, act, threshold_related):
    """The analog output: ``act(h - v_threshold)`` if ``threshold_related``
    else ``act(h)``, with the activation of code ``act`` (element-wise).

    identity: ``u``; relu: ``max(u, 0)`` (``torch.relu``); leaky_relu:
    ``max(u, 0) + 0.01*min(u, 0)`` (``F.leaky_relu``, slope 0.01, exact);
    sigmoid: ``1/(1 + exp(-u))`` (``torch.sigmoid``, may differ by 1 ulp);
    tanh: ``np.tanh`` (``torch.tanh``, may differ by 1 ulp); hardtanh:
    ``min(max(u, -1), 1)`` (``F.hardtanh``).  Self-contained, so that Numba
    can compile it on its own.
    """
    u = h - v_threshold if threshold_related else h * 1.0
    if act == RELU:
        return maximum(u, 0.0)
    if act == LEAKY_RELU:
        return maximum(u, 0.0) + 0.01 * minimum(u, 0.0)
    if act == SIGMOID:
        return 1.0 / (1.0 + exp(-u))
    if act == TANH:
        return tanh(u)
    if act == HARDTANH:
        return minimum(maximum(u, -1.0), 1.0)
    return u


def liaf_output_derivative(h, v_threshold, act, threshold_related):
    r""":math:`d\,\mathrm{act}(u)/du` at the argument of :func:`liaf_output`,
    as torch's backward of each activation gives it, including the kinks:
    relu 1 where ``u > 0`` else 0; leaky_relu 1 where ``u > 0`` else 0.01;
    sigmoid ``(1 - y)*y``; tanh ``1 - y*y``; hardtanh 1 where ``-1 < u < 1``
    else 0; identity 1.  Element-wise.
    """
    u = h - v_threshold if threshold_related else h * 1.0
    if act == RELU:
        return indicator(u > 0.0)
    if act == LEAKY_RELU:
        return where(u > 0.0, 1.0, 0.01)
    if act == SIGMOID:
        y = 1.0 / (1.0 + exp(-u))
        return (1.0 - y) * y
    if act == TANH:
        y = tanh(u)
        return 1.0 - y * y
    if act == HARDTANH:
        return indicator((u > -1.0) & (u < 1.0))
    return ones_like(u)


@dataclasses.dataclass(frozen=True, eq=False)
class LIAFState(VState):
    """State of :class:`LIAF`: the post-reset membrane ``v``."""


@register
@dataclasses.dataclass(frozen=True, eq=False)
class LIAF(SpikingJellyNode):
    __doc__ = (
        r"""spikingjelly ``LIAFNode`` (2.0.0), reproduced in float64.

    Compiled kernels: one-neuron step :func:`sj_liaf_step`, reverse step :func:`sj_liaf_back` (both
    in this file).

    Charge as :class:`LIF`, then

    .. math::

        Y_t &= \mathrm{act}(H_t - \theta) \ \text{(threshold\_related)}, \quad
               \mathrm{act}(H_t) \ \text{(otherwise)}\\
        S_t &= H^{\ge}(H_t - \theta) \quad\text{(used only for the reset)}\\
        V_t &= S_t V_r + (1 - S_t) H_t \ \text{(hard)}, \quad H_t - S_t\theta \ \text{(soft)}

    The output is the analog :math:`Y_t`, not the spike (``output_kind =
    "analog"``).  With a surrogate of ``spiking=False``, :math:`S_t` is the
    analog primitive and only the reset changes.
"""
        + LIF_DOC
        + r"""
    Parameters
    ----------
    act : {"identity", "relu", "leaky_relu", "sigmoid", "tanh", "hardtanh"}
        spikingjelly takes any callable; refneuron offers these, matching
        ``torch.nn.Identity``, ``torch.relu``, ``F.leaky_relu`` (slope 0.01),
        ``torch.sigmoid``, ``torch.tanh`` and ``F.hardtanh`` (sigmoid and
        tanh to 1 ulp, the others exactly).  spikingjelly has no default
        for ``act``; refneuron's is "relu".
    threshold_related : bool
        Apply ``act`` to :math:`H_t - \theta` (True) or to :math:`H_t`.
        spikingjelly has no default; refneuron's is True.
    tau : float, > 1
        spikingjelly asserts ``isinstance(tau, float) and tau > 1``;
        refneuron also accepts ints.
    decay_input : bool
"""
        + COMMON_DOC
        + r"""
    References
    ----------
    spikingjelly 2.0.0, ``activation_based/neuron/lif_variants.py``
    (``LIAFNode``), ``functional/neuron.py`` (``liaf_step``); Wu et al.
    (2021), "LIAF-Net", IEEE TNNLS.
    """
    )

    name = "spikingjelly.LIAF"
    reference = "spikingjelly/activation_based/neuron/lif_variants.py"
    State = LIAFState
    quirks = COMMON_QUIRKS + ("spikingjelly_vreset_leak",)
    output_kind = "analog"

    act: str = option("relu", ACTIVATIONS, doc="activation of the analog output")
    threshold_related: bool = flag(True, doc="output act(H - theta) rather than act(H)")
    tau: float = tau_field()
    decay_input: bool = decay_input_field()
    v_threshold: float = v_threshold_field()
    v_reset: object = v_reset_field(0.0)
    surrogate_function: object = surrogate_field()
    detach_reset: bool = detach_reset_field()

    def _step(self, state, x):
        h = lif_charge(state.v, x, self.tau, self.v_leak, self.decay_input)
        with np.errstate(over="ignore"):  # sigmoid of a very negative value: exp -> inf, output 0
            y = liaf_output(h, self.v_threshold, ACT_CODE[self.act], self.threshold_related)
        _, s_r = self._spikes(h)
        return y, LIAFState(v=self._reset(h, s_r))

    def _vjp_step(self, state_prev, x, g_output, g_state):
        r"""One step of the backward pass (see :func:`refneuron.gradients.vjp`).

        Forward, in order (``functional/neuron.py``, ``liaf_step``):
        :math:`H` = the LIF charge, :math:`Y = \mathrm{act}(u)` with
        :math:`u = H - \theta` (threshold_related) or :math:`H`,
        :math:`S = s(H - \theta)` (reset only), :math:`V_t = \mathrm{reset}(H, S)`
        (:math:`S` detached with ``detach_reset``).  Adjoint, in reverse order,
        with :math:`\sigma_r = \sigma'(H - \theta)`, or 0 with ``detach_reset``:

        .. math::

            \bar H &= \bar Y\,\mathrm{act}'(u)
                  + \bar V_t \bigl((1 - S) + (V_r - H)\sigma_r\bigr)
                  \ \text{(hard)}, \quad \bar Y\,\mathrm{act}'(u) + \bar V_t (1 - \theta\sigma_r)
                  \ \text{(soft)}\\
            \bar V_{t-1} &= \bar H\,(1 - 1/\tau), \qquad
            \bar X = \bar H/\tau \ \text{(decay\_input)}, \ \bar H \ \text{(otherwise)}

        :math:`\mathrm{act}'` is :func:`liaf_output_derivative` (torch's
        convention at the kinks).  The spike does not reach the output, so
        the surrogate only enters through the attached reset.
        """
        h = lif_charge(state_prev.v, x, self.tau, self.v_leak, self.decay_input)
        _, s_r = self._spikes(h)
        ds = self._spike_grad(h)
        with np.errstate(over="ignore"):
            dy = liaf_output_derivative(h, self.v_threshold, ACT_CODE[self.act], self.threshold_related)
        g_h = g_output * dy + self._reset_adjoint(h, s_r, ds, g_state["v"])
        g_v, g_x = lif_charge_adjoint(g_h, self.tau, self.decay_input)
        return g_x, {"v": g_v}, {}


# --- the compiled backends' one-neuron step and reverse step -------------------------
# Scalar in, scalar out (one neuron), composed from the functions above in the
# order of the model's _step and _vjp_step; refneuron.backends compiles them
# (numba.njit, numba.cuda; registered in backends/_steps.py and _backward.py).


def sj_liaf_step(v, x, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related):
    """spikingjelly ``LIAFNode`` (``LIAF._step``): the analog output
    ``act(h - v_threshold)`` (or ``act(h)``), the reset by the spike."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    y = liaf_output(h, v_threshold, act, threshold_related)
    s = spike_ge(h, v_threshold)
    return y, voltage_reset(h, s, v_threshold, v_leak, reset)


def sj_liaf_back(
    v, x, gy, gv, tau, v_leak, decay_input, v_threshold, reset, act, threshold_related, detach, sg, sp0, sp1,
):  # fmt: skip
    """spikingjelly ``LIAF._vjp_step``: ``(g_x, g_v)`` (the output is
    ``act(...)``; the spike only resets)."""
    h = lif_charge(v, x, tau, v_leak, decay_input)
    s = spike_ge(h, v_threshold)
    ds = surrogate_slope(sg, h - v_threshold, sp0, sp1)
    dy = liaf_output_derivative(h, v_threshold, act, threshold_related)
    g_h = gy * dy + reset_adjoint(h, s, 0.0 if detach else ds, gv, v_threshold, v_leak, reset)
    g_v, g_x = lif_charge_adjoint(g_h, tau, decay_input)
    return g_x, g_v


__all__ = [
    "LIAF",
    "LIAFState",
    "ACTIVATIONS",
    "ACT_CODE",
    "liaf_output",
    "liaf_output_derivative",
    "sj_liaf_step",
    "sj_liaf_back",
]
