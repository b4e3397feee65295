r"""Lapicque's RC neuron: charging curves, the strength-duration law, and the
cases of snntorch's tutorial 2.

Continuous model: :math:`\tau\,dV/dt = -V + R I(t)`, :math:`\tau = RC`.
The discrete model is ``refneuron.snntorch.Lapicque`` (snntorch 1.0.0
semantics: :math:`U_{t+1} = (1 - \Delta t/(RC)) U_t + I_{t+1}\Delta t/C -
S_t\,\theta`, :math:`S_{t+1} = [U_{t+1} > \theta]`), i.e. forward Euler of
the ODE.

Strength-duration.  A pulse of ``N`` steps (duration ``T = N dt``) from rest
gives :math:`U_N = I R (1 - a^N)`, :math:`a = 1 - dt/\tau`, so the threshold
current (the infimum of the currents that fire, with the strict test) is

.. math::  I_{th}(N) = \frac{I_{rh}}{1 - a^N} = \frac{I_{rh}}{1 - e^{-T/\tau'}},
   \qquad \tau' = \frac{-dt}{\ln(1 - dt/\tau)} = \tau\,(1 - \tfrac{dt}{2\tau} + \dots)

which is Lapicque's RC law with the time constant :math:`\tau'`.  Fitting the
RC form to the simulated curve must therefore return :math:`\tau'` and
:math:`I_{rh} = \theta/R` to the bisection's precision; the chronaxie is
:math:`T_c = \tau'\ln 2` (:math:`\to \tau \ln 2` as :math:`dt \to 0`).

References
----------
L. Lapicque (1907), J. Physiol. Pathol. Gen. 9:620-635;
N. Brunel, M.C.W. van Rossum (2007), Biol. Cybern. 97:337-339;
snntorch tutorial 2 and ``snntorch/_neurons/lapicque.py`` (1.0.0).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.optimize import curve_fit

import refneuron as rn

from . import _data

#: relative width at which the bisection stops; the fitted tau' and I_rh are compared at the bound
#: :func:`fit_error_bound` derives from it (about 6.6e-11 for the default durations)
BISECT_RTOL = 1e-11


def tutorial_model(p):
    """``refneuron.snntorch.Lapicque`` for a ``lapicque_tut2_*`` pattern."""
    prm = {k: _data.value(v) for k, v in p["params"].items()}
    return rn.snntorch.Lapicque(
        R=float(prm["R"]), C=float(prm["C"]), time_step=float(prm["time_step"]),
        threshold=float(prm.get("threshold", 1.0)), reset_mechanism=prm.get("reset_mechanism", "subtract"),
    )


#: the inputs of the tutorial cases: (steps, first input step, last input step + 1 or None, amplitude)
TUTORIAL_INPUTS = {
    "lapicque_tut2_decay": (100, 0, 0, 0.0),
    "lapicque_tut2_step": (200, 10, None, 0.1),
    "lapicque_tut2_pulse1": (200, 10, 30, 0.1),
    "lapicque_tut2_pulse2": (200, 10, 20, 0.111),
    "lapicque_tut2_pulse3": (200, 10, 15, 0.147),
    "lapicque_tut2_spike_input": (200, 10, 11, 0.5),
    "lapicque_tut2_firing": (200, 10, None, 0.2),
    "lapicque_tut2_periodic": (200, 10, None, 0.3),
    "lapicque_tut2_low_threshold": (200, 10, None, 0.3),
}


def tutorial_input(pid):
    n, k0, k1, amp = TUTORIAL_INPUTS[pid]
    x = np.zeros(n)
    x[k0:k1] = amp
    return x


def run_tutorial(pid):
    """``(mem, spikes)`` of a tutorial case (``mem`` as snntorch stores it, one value per loop step)."""
    p = _data.pattern(pid)
    m = tutorial_model(p)
    U0 = float(_data.value(p["initial_state"]["U"]))
    res = m.run(tutorial_input(pid)[:, None], state={"mem": np.array([U0])})
    return res.states["mem"][:, 0], res.output[:, 0]


def spike_steps_by_rule(pid):
    """Spike steps of a tutorial case from the update rule of the specification, in plain Python.

    Independent of refneuron's model: ``U <- (1 - T/(R C)) U + I T / C - S theta``,
    ``S <- U > theta``, one loop iteration per step.
    """
    p = _data.pattern(pid)
    prm = {k: _data.value(v) for k, v in p["params"].items()}
    R, C, T, th = float(prm["R"]), float(prm["C"]), float(prm["time_step"]), float(prm.get("threshold", 1.0))
    U, S, out = float(_data.value(p["initial_state"]["U"])), 0.0, []
    for k, i in enumerate(tutorial_input(pid)):
        U = (1 - T / (R * C)) * U + i * T / C - S * th
        S = 1.0 if U > th else 0.0
        if S:
            out.append(k)
    return out


def first_spike_closed_form(pid):
    """First spike step of a constant-input case from ``U_n = I R (1 - a^n) > theta`` (no reset yet)."""
    p = _data.pattern(pid)
    prm = {k: _data.value(v) for k, v in p["params"].items()}
    R, C, T, th = float(prm["R"]), float(prm["C"]), float(prm["time_step"]), float(prm.get("threshold", 1.0))
    _, k0, _, amp = TUTORIAL_INPUTS[pid]
    a = 1 - T / (R * C)
    # smallest n with a^n < 1 - th/(I R); the n-th input step is loop step k0 + n - 1
    n = math.floor(math.log(1 - th / (amp * R)) / math.log(a)) + 1
    return k0 + n - 1


# -- RC charging ---------------------------------------------------------------------------


def rc_charging(tau=10e-3, R=5.0, I=0.1, dt=1e-4, T=50e-3):
    """Charging of the discrete RC neuron under a step vs the ODE's exact solution.

    Returns ``(t, U, V_exact, U_closed)`` where ``U`` is refneuron's Lapicque
    (threshold out of reach), ``V_exact = I R (1 - exp(-t/tau))`` and
    ``U_closed = I R (1 - (1 - dt/tau)^n)`` the discrete closed form.
    """
    C = tau / R
    n = int(round(T / dt))
    m = rn.snntorch.Lapicque(R=R, C=C, time_step=dt, threshold=1e9)
    U = m.run(np.full((n, 1), I)).states["mem"][:, 0]
    k = np.arange(1, n + 1)
    t = k * dt
    return t, U, I * R * (1 - np.exp(-t / tau)), I * R * (1 - (1 - dt / tau) ** k)


# -- strength-duration ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StrengthDuration:
    """Simulated strength-duration curve and its RC fit (SI units: s, A)."""

    durations: np.ndarray
    steps: np.ndarray
    I_th: np.ndarray
    tau: float
    dt: float
    R: float
    theta: float
    tau_fit: float
    I_rh_fit: float

    @property
    def tau_discrete(self):
        """:math:`\\tau' = -dt/\\ln(1 - dt/\\tau)`, the time constant the discrete law has."""
        return -self.dt / math.log1p(-self.dt / self.tau)

    @property
    def I_rh(self):
        return self.theta / self.R

    @property
    def chronaxie_fit(self):
        return self.tau_fit * math.log(2)


def _fires(model, steps, amps, n_total):
    """Which (duration, amplitude) pairs fire: one run with one neuron per pair."""
    x = np.zeros((n_total, steps.size))
    for j, N in enumerate(steps):
        x[:N, j] = amps[j]
    return model.run(x, record="output").output.any(axis=0)


def strength_duration(tau=10e-3, R=5.0, theta=1.0, dt=1e-4, steps=None, fit=True):
    """Threshold current per pulse duration by bisection on ``refneuron.snntorch.Lapicque``.

    The bisection keeps ``lo`` (does not fire) and ``hi`` (fires) and returns
    ``hi``: the threshold from above, within ``BISECT_RTOL``.  ``fit=False``
    skips the RC fit (``tau_fit``, ``I_rh_fit`` are NaN), e.g. for two
    durations only.
    """
    if steps is None:
        steps = np.unique(np.round(np.geomspace(1, 600, 24)).astype(int))
    steps = np.asarray(steps)
    C = tau / R
    model = rn.snntorch.Lapicque(R=R, C=C, time_step=dt, threshold=theta, float32_spikes=False)
    I_rh = theta / R
    lo = np.full(steps.size, I_rh * 0.5)
    hi = np.full(steps.size, I_rh * (2.0 + tau / (steps * dt)) * 2)
    n_total = int(steps.max()) + 2
    if _fires(model, steps, lo, n_total).any() or not _fires(model, steps, hi, n_total).all():
        raise RuntimeError("strength_duration: bisection bracket does not bracket the threshold")
    while np.max((hi - lo) / hi) > BISECT_RTOL:
        mid = 0.5 * (lo + hi)
        f = _fires(model, steps, mid, n_total)
        hi = np.where(f, mid, hi)
        lo = np.where(f, lo, mid)
    T = steps * dt

    def rc_law(T, tau_, I_rh_):
        return I_rh_ / -np.expm1(-T / tau_)

    if not fit:
        return StrengthDuration(T, steps, hi, tau, dt, R, theta, math.nan, math.nan)
    (tau_fit, I_rh_fit), _ = curve_fit(rc_law, T, hi, p0=(tau, I_rh), xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return StrengthDuration(T, steps, hi, tau, dt, R, theta, float(tau_fit), float(I_rh_fit))


def fit_sensitivity(sd):
    r"""Linear map from relative errors of the thresholds to relative errors of ``(tau', I_rh)``.

    ``curve_fit`` minimises the plain (unweighted) squared residuals of
    :math:`I(T) = I_{rh}/(1 - e^{-T/\tau'})`.  To first order, data
    ``I_j (1 + e_j)`` move the fitted ``(ln tau', ln I_rh)`` by ``A e`` with
    ``A = (J^T J)^{-1} J^T diag(I)``, ``J = diag(I) [s, 1]`` and
    :math:`s_j = \partial \ln I / \partial \ln \tau' = x_j e^{-x_j}/(1 - e^{-x_j})`,
    :math:`x_j = T_j/\tau'`.  Returns ``A`` (shape ``(2, n)``: rows tau', I_rh).
    """
    T = np.asarray(sd.durations, dtype=np.float64)
    x = T / sd.tau_discrete
    I = sd.I_rh / -np.expm1(-x)
    s = x * np.exp(-x) / -np.expm1(-x)
    J = I[:, None] * np.column_stack([s, np.ones_like(s)])
    return np.linalg.solve(J.T @ J, J.T) * I[None, :]


def fit_error_bound(sd, rtol=BISECT_RTOL):
    """Worst-case relative error of the fitted ``(tau', I_rh)`` from the bisection alone.

    The bisection returns the firing side, so each threshold is high by a
    relative ``e_j`` in ``[0, rtol]``; the worst case of ``A e`` over that box
    (:func:`fit_sensitivity`) is ``rtol`` times the larger of the sums of the
    positive and of the negative entries of each row.  Also returns the
    first-order prediction ``A e`` for the actual ``e_j`` (``sd.I_th`` against
    the discrete law), which the measured fit error should match.
    """
    A = fit_sensitivity(sd)
    bound = rtol * np.maximum(np.where(A > 0, A, 0).sum(axis=1), np.where(A < 0, -A, 0).sum(axis=1))
    a = 1.0 - sd.dt / sd.tau
    e = sd.I_th / (sd.I_rh / (1.0 - a ** np.asarray(sd.steps, dtype=np.float64))) - 1.0
    return bound, A @ e
