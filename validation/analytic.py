r"""Exact solutions of the linear integrate-and-fire problems.

They check the event-resolved integrator (:mod:`refneuron.validation.events`)
and give the discrete models an independent target.  All for the passive
membrane

.. math::

    \tau \frac{dV}{dt} = -(V - V_\text{rest}) + R I, \qquad
    V \ge \theta:\ V \leftarrow V_\text{reset}

with a constant current ``I`` (units: any consistent set, e.g. ms, mV,
MΩ, nA).

References
----------
L. Lapicque (1907), J. Physiol. Pathol. Gén. 9:620-635;
N. Brunel, M.C.W. van Rossum (2007), Biol. Cybern. 97:337-339 (the
strength–duration curve of the leaky integrator);
W. Gerstner, W.M. Kistler, R. Naud, L. Paninski, *Neuronal Dynamics*
(2014), §1.3 (ISI of the LIF under constant current).
"""

from __future__ import annotations

import math

import numpy as np

from refneuron import _checks
from refneuron.errors import ParameterError

__all__ = [
    "rc_charging",
    "free_decay",
    "lif_isi",
    "lif_spike_times",
    "lapicque_threshold_current",
    "chronaxie",
]


def rc_charging(t, tau, R, I, v0=0.0, v_rest=0.0):
    r"""Membrane under a constant current from ``v0`` at ``t = 0``.

    :math:`V(t) = V_\infty + (V_0 - V_\infty)\,e^{-t/\tau}`,
    :math:`V_\infty = V_\text{rest} + R I`.
    """
    tau = _checks.check_float("tau", tau, ">0")
    v_inf = v_rest + R * I
    return v_inf + (v0 - v_inf) * np.exp(-np.asarray(t, dtype=np.float64) / tau)


def free_decay(t, tau, v0, v_rest=0.0):
    r"""Relaxation without input: :math:`V(t) = V_\text{rest} + (V_0 - V_\text{rest}) e^{-t/\tau}`."""
    return rc_charging(t, tau, 1.0, 0.0, v0=v0, v_rest=v_rest)


def _time_to_threshold(tau, v_inf, v_from, theta):
    """Time to go from ``v_from`` to ``theta`` under the relaxation to ``v_inf``."""
    if not (v_inf > theta):
        return math.inf
    if not (v_from < theta):
        return 0.0
    return tau * math.log((v_inf - v_from) / (v_inf - theta))


def lif_isi(tau, R, I, theta, v_reset=0.0, v_rest=0.0):
    r"""Inter-spike interval under a constant current.

    :math:`T = \tau \ln\frac{V_\infty - V_\text{reset}}{V_\infty - \theta}`,
    :math:`V_\infty = V_\text{rest} + R I`; ``inf`` when :math:`V_\infty \le \theta`.
    With ``v_reset = v_rest = 0``: :math:`T = \tau \ln\frac{RI}{RI - \theta}`.
    """
    tau = _checks.check_float("tau", tau, ">0")
    if not (v_reset < theta):
        raise ParameterError(f"v_reset: must be < theta (got {v_reset!r}, theta={theta!r})")
    return _time_to_threshold(tau, v_rest + R * I, v_reset, theta)


def lif_spike_times(t_end, tau, R, I, theta, v_reset=0.0, v_rest=0.0, v0=None):
    """All spike times in ``(0, t_end]`` under a constant current, from ``v0``
    (default ``v_rest``) at ``t = 0``: the first after the charging time from
    ``v0``, then every :func:`lif_isi`.  Times are ``t_1 + k*T`` from integers."""
    tau = _checks.check_float("tau", tau, ">0")
    v0 = v_rest if v0 is None else v0
    v_inf = v_rest + R * I
    t1 = _time_to_threshold(tau, v_inf, v0, theta)
    if not (t1 <= t_end):
        return np.empty(0)
    isi = lif_isi(tau, R, I, theta, v_reset=v_reset, v_rest=v_rest)
    n = 1 + int(math.floor((t_end - t1) / isi)) if math.isfinite(isi) else 1
    out = t1 + isi * np.arange(n)
    return out[out <= t_end]


def lapicque_threshold_current(duration, tau, R, theta, v_rest=0.0):
    r"""Lapicque's strength–duration curve: the smallest current of a
    rectangular pulse of ``duration`` that brings the membrane from rest to
    ``theta`` by the end of the pulse.

    :math:`I_\text{th}(D) = \frac{\theta - V_\text{rest}}{R\,(1 - e^{-D/\tau})}
    = \frac{I_\text{rh}}{1 - e^{-D/\tau}}`, rheobase
    :math:`I_\text{rh} = (\theta - V_\text{rest})/R`.
    """
    tau = _checks.check_float("tau", tau, ">0")
    D = np.asarray(duration, dtype=np.float64)
    if not np.all(D > 0):
        raise ParameterError(f"duration: must be > 0 (got {duration!r})")
    return (theta - v_rest) / (R * -np.expm1(-D / tau))


def chronaxie(tau):
    r"""The pulse duration needing twice the rheobase: :math:`\tau \ln 2`."""
    tau = _checks.check_float("tau", tau, ">0")
    return tau * math.log(2.0)
