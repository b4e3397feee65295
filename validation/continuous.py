r"""The continuous-time system behind each discrete model.

:func:`continuous_form` reads a model record (its parameters, with the
framework's names) and returns a :class:`ContinuousForm`: the right-hand side
of the ODE, the threshold event, the reset, the state names, the step ``dt``
in continuous time and how the discrete input ``X_k`` maps to the continuous
drive ``J(t)``.  :func:`rescale` gives the model that discretises the *same*
ODE with another step: it is the mapping from (τ, dt) to the per-step
parameters of the frameworks (snntorch ``beta = exp(-dt/tau)``,
spikingjelly ``tau`` in steps ``= tau/dt``, norse ``dt`` itself).

Input maps (``J`` is the continuous drive, piecewise constant over a step):

``"level"``
    ``X_k = J`` on ``[(k-1) dt, k dt)``: the input is a current in the
    right-hand side (spikingjelly with ``decay_input=True``, snntorch
    Lapicque, canonical models).
``"charge"``
    ``X_k = J dt``: the input is added to a state variable as a jump, the
    charge delivered during the step (spikingjelly IF and ``decay_input=False``,
    snntorch Leaky/Alpha, norse's synaptic current).
``"charge2"``
    ``X_k = J dt^2``: snntorch Synaptic, whose membrane receives the whole
    current ``I_k`` each step, so that ``I = dt * i`` (see below).

Which continuous systems the exponential-decay updates discretise exactly
(error at round-off for any ``dt``, checked in
:mod:`refneuron.validation.convergence` against the closed-form solution):

* snntorch ``Leaky``: :math:`\tau\,dU/dt = -U + \tau\sum_k X_k\,\delta(t - t_k)`,
  ``beta = exp(-dt/tau)``: the flow between grid points is exact and the
  input is an impulse at each grid time.
* snntorch ``Synaptic``: two exact decays, ``alpha = exp(-dt/tau_syn)``,
  ``beta = exp(-dt/tau_mem)``, the current *sampled* at each grid time after
  its jump and injected into U as an impulse:
  :math:`\tau_s dI/dt = -I + \tau_s\sum_k X_k\delta(t-t_k)`,
  :math:`\tau_m dU/dt = -U + \tau_m\sum_k I(t_k^+)\delta(t-t_k)`.
  It is *not* the exact flow of the coupled system
  :math:`dU/dt = -U/\tau_m + i` (that would weight the current over the
  step); in that system it is first order, with ``I_k = dt * i(t_k)``.
* snntorch ``Alpha``: :math:`U = c\,(E + N)` with
  :math:`\tau_\alpha dE/dt = -E + \tau_\alpha\sum X_k\delta`,
  :math:`\tau_\beta dN/dt = -N - \tau_\beta\sum X_k\delta`, exact for
  impulses.

All other models are explicit (forward) Euler steps of their ODE (semi-
implicit for the 2004 Izhikevich script), first order in ``dt``; delayed or
grid-aligned resets make the spike times first order for every model.

The threshold of each continuous form is the framework's threshold (spike
when the membrane crosses it upwards); the reset is the framework's reset
applied at the crossing.  snntorch's delayed subtraction becomes, in the
limit ``dt -> 0``, an immediate subtraction of ``threshold`` at the crossing.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from refneuron.errors import ParameterError

__all__ = ["ContinuousForm", "continuous_form", "rescale", "snntorch_decay", "spikingjelly_tau", "supported"]


def snntorch_decay(tau, dt):
    """snntorch's per-step decay factor of a time constant: ``exp(-dt/tau)``."""
    return math.exp(-dt / tau)


def spikingjelly_tau(tau, dt):
    """spikingjelly's time constant in steps: ``tau/dt`` (must stay > 1)."""
    return tau / dt


@dataclasses.dataclass(frozen=True, eq=False)
class ContinuousForm:
    """The ODE, threshold and reset behind a discrete model.

    Attributes
    ----------
    model : str
        Registry name of the discrete model.
    state_names : tuple of str
        Names of the continuous variables, in the order of ``y``.
    f : callable ``f(t, y, J) -> dy/dt``
        Right-hand side for a drive value ``J``.
    event : callable ``event(t, y) -> float``
        Positive above threshold; a spike is an upward zero crossing.
    reset : callable ``reset(t, y) -> y``
    y0 : ndarray
        The model's default initial state as continuous variables.
    dt : float
        Length of one discrete step, in the continuous time unit.
    input_map : {"level", "charge", "charge2"}
        ``X_k = J``, ``J*dt`` or ``J*dt**2`` (module docstring).
    membrane : callable ``membrane(y) -> V``
        The membrane potential from the continuous variables.
    membrane_var : str
        Name of the discrete state variable holding the membrane.
    membrane_stored : {"pre-reset", "post-reset"}
        What the discrete model stores at a spike step.
    exact_impulse : bool
        The discrete update is the exact flow of the ODE for impulse inputs.
    upstroke : float or None
        Membrane level above which the trace is excluded from error
        measurements (exponential/quadratic upstroke, NEST's practice).
    time_unit : str
    scheme : str
        What the discrete update is, in words.
    event_bias : float
        Upper bound of the time by which the form's spike precedes the
        model's (AdEx: the event is placed below ``V_peak``, see
        :func:`_adex`); 0 where the event is the model's own threshold.
    """

    model: str
    state_names: tuple
    f: Callable
    event: Callable
    reset: Callable
    y0: np.ndarray
    dt: float
    input_map: str
    membrane: Callable
    membrane_var: str
    membrane_stored: str
    exact_impulse: bool = False
    upstroke: float | None = None
    time_unit: str = "step"
    scheme: str = "forward Euler"
    event_bias: float = 0.0

    def rhs(self, drive):
        """scipy-style ``rhs(t, y)`` for a drive ``J(t)`` (a callable)."""
        f = self.f
        return lambda t, y: f(t, y, drive(t))

    def input_gain(self):
        """``X_k = input_gain() * J``."""
        return {"level": 1.0, "charge": self.dt, "charge2": self.dt * self.dt}[self.input_map]


# -- helpers ------------------------------------------------------------------------------

def _scalar(model, name):
    """A parameter as a Python float; per-neuron arrays must be uniform."""
    v = getattr(model, name)
    if isinstance(v, (bool, np.bool_)):
        return v
    a = np.asarray(v, dtype=np.float64)
    if a.ndim and not np.all(a == a.ravel()[0]):
        raise ParameterError(f"{name}: the continuous form needs one value for all neurons (got an array)")
    return float(a.ravel()[0])


def _initial(model, names):
    """The model's default initial state (one neuron) as a dict of floats."""
    s = model.initial_state((1,))
    return {n: float(np.asarray(getattr(s, n)).ravel()[0]) for n in names if hasattr(s, n)}


def _membrane_var(model, candidates=("mem", "v", "V", "U", "u_mem")):
    names = model.State.names()
    for c in candidates:
        if c in names:
            return c
    return names[-1]


def _model_dt(model, dt):
    """The step length: the model's own ``dt``/``time_step`` field if any, else ``dt`` or 1."""
    for field in ("dt", "time_step"):
        if hasattr(model, field) and not isinstance(getattr(model, field), bool):
            return float(getattr(model, field))
    return 1.0 if dt is None else float(dt)


def _w(model):
    """ParametricLIF's w (a property or a method of the record)."""
    w = model.w_value
    return float(w() if callable(w) else w)


def _reset_value(y, i, value):
    y = np.array(y, dtype=np.float64)
    y[i] = value
    return y


# -- snntorch ------------------------------------------------------------------------------

def _snntorch_tau(model, name, dt):
    b = _scalar(model, name)
    if not (0.0 < b < 1.0):
        raise ParameterError(f"{name}: a continuous time constant needs 0 < {name} < 1 (got {b!r})")
    return -dt / math.log(b)


def _snntorch_reset(model, i_mem, thr):
    mech = getattr(model, "reset_mechanism", "subtract")
    if mech == "none":
        return lambda t, y: y, mech
    if mech == "subtract":
        def reset(t, y):
            y = np.array(y, dtype=np.float64)
            y[i_mem] -= thr
            return y
        return reset, mech
    return (lambda t, y: _reset_value(y, i_mem, 0.0)), mech


def _leaky(model, dt):
    dt = _model_dt(model, dt)
    tau = _snntorch_tau(model, "beta", dt)
    thr = _scalar(model, "threshold")
    reset, _ = _snntorch_reset(model, 0, thr)
    y0 = _initial(model, ("mem",))
    return ContinuousForm(
        model=model.name, state_names=("U",),
        f=lambda t, y, J: np.array([-y[0] / tau + J]),
        event=lambda t, y: y[0] - thr, reset=reset, y0=np.array([y0.get("mem", 0.0)]), dt=dt,
        input_map="charge", membrane=lambda y: y[0], membrane_var="mem",
        membrane_stored="post-reset" if getattr(model, "reset_delay", True) is False else "pre-reset",
        exact_impulse=True, scheme="exact exponential decay, input as an impulse each step",
    )


def _synaptic(model, dt):
    dt = _model_dt(model, dt)
    tau_s = _snntorch_tau(model, "alpha", dt)
    tau_m = _snntorch_tau(model, "beta", dt)
    thr = _scalar(model, "threshold")
    reset, _ = _snntorch_reset(model, 1, thr)
    names = model.State.names()
    i_name = next((n for n in names if n != _membrane_var(model)), names[0])
    init = _initial(model, names)
    mem = _membrane_var(model)
    return ContinuousForm(
        model=model.name, state_names=("i", "U"),
        f=lambda t, y, J: np.array([-y[0] / tau_s + J, -y[1] / tau_m + y[0]]),
        event=lambda t, y: y[1] - thr, reset=reset,
        y0=np.array([init.get(i_name, 0.0) / dt, init.get(mem, 0.0)]), dt=dt,
        input_map="charge2", membrane=lambda y: y[1], membrane_var=mem,
        membrane_stored="post-reset" if getattr(model, "reset_delay", True) is False else "pre-reset",
        exact_impulse=True, scheme="exact exponential decays, sampled current injected each step",
    )


def _alpha(model, dt):
    dt = _model_dt(model, dt)
    tau_a = _snntorch_tau(model, "alpha", dt)
    tau_b = _snntorch_tau(model, "beta", dt)
    c = tau_a / (tau_a - tau_b)
    thr = _scalar(model, "threshold")
    mech = getattr(model, "reset_mechanism", "zero")
    if mech == "zero":
        def reset(t, y):
            return np.zeros(2)
    elif mech == "subtract":
        # discrete: E -= theta, N zeroed, U* + N_{t-1}: U becomes c*(E*-theta); in the
        # limit dt -> 0 this is E <- E - theta, N <- 0.
        def reset(t, y):
            return np.array([y[0] - thr, 0.0])
    else:
        def reset(t, y):
            return np.array(y, dtype=np.float64)
    mem = _membrane_var(model)
    return ContinuousForm(
        model=model.name, state_names=("E", "N"),
        f=lambda t, y, J: np.array([-y[0] / tau_a + J, -y[1] / tau_b - J]),
        event=lambda t, y: c * (y[0] + y[1]) - thr, reset=reset, y0=np.zeros(2), dt=dt,
        input_map="charge", membrane=lambda y: c * (y[0] + y[1]), membrane_var=mem,
        membrane_stored="post-reset" if mech == "zero" else "pre-reset",
        exact_impulse=True, scheme="exact exponential decays (difference of exponentials)",
    )


def _lapicque(model, dt):
    dt = _model_dt(model, dt)
    R, C = (float(np.asarray(v).ravel()[0]) for v in model.resolved())  # snntorch's (R, C) resolution
    tau = R * C
    thr = _scalar(model, "threshold")
    reset, _ = _snntorch_reset(model, 0, thr)
    return ContinuousForm(
        model=model.name, state_names=("U",),
        f=lambda t, y, J: np.array([(-y[0] + R * J) / tau]),
        event=lambda t, y: y[0] - thr, reset=reset, y0=np.array([0.0]), dt=dt,
        input_map="level", membrane=lambda y: y[0], membrane_var=_membrane_var(model),
        membrane_stored="pre-reset", time_unit="time_step unit",
    )


# -- spikingjelly -----------------------------------------------------------------------------

def _sj_reset(model, i_v, thr):
    v_reset = getattr(model, "v_reset", 0.0)
    if v_reset is None:
        def reset(t, y):
            y = np.array(y, dtype=np.float64)
            y[i_v] -= thr
            return y
        return reset, 0.0
    v_reset = float(np.asarray(v_reset).ravel()[0])
    return (lambda t, y: _reset_value(y, i_v, v_reset)), v_reset


def _sj_lif_like(model, dt, tau_name):
    dt = _model_dt(model, dt)
    thr = _scalar(model, "v_threshold")
    reset, vr = _sj_reset(model, 0, thr)
    if tau_name is None:  # IF: dV/dt = J, X = J dt
        f = lambda t, y, J: np.array([J])  # noqa: E731
        input_map, scheme = "charge", "forward Euler (exact between spikes for a constant drive)"
    else:
        if tau_name == "k":  # ParametricLIF: k = sigmoid(w) = 1/tau_steps
            tau = dt * (1.0 + math.exp(-_w(model)))
        else:
            tau = _scalar(model, tau_name) * dt
        if getattr(model, "decay_input", True):
            f = lambda t, y, J: np.array([(-(y[0] - vr) + J) / tau])  # noqa: E731
            input_map = "level"
        else:
            f = lambda t, y, J: np.array([-(y[0] - vr) / tau + J])  # noqa: E731
            input_map = "charge"
        scheme = "forward Euler"
    y0 = _initial(model, ("v",)).get("v", vr)
    return ContinuousForm(
        model=model.name, state_names=("V",), f=f,
        event=lambda t, y: y[0] - thr, reset=reset, y0=np.array([y0]), dt=dt,
        input_map=input_map, membrane=lambda y: y[0], membrane_var=_membrane_var(model),
        membrane_stored="post-reset", scheme=scheme,
    )


def _sj_if(model, dt):
    return _sj_lif_like(model, dt, None)


def _sj_lif(model, dt):
    return _sj_lif_like(model, dt, "tau")


def _sj_plif(model, dt):
    return _sj_lif_like(model, dt, "k")


def _sj_klif(model, dt):
    k = _scalar(model, "k") if hasattr(model, "k") else 1.0
    if k != 1.0:
        raise ParameterError(
            f"k: KLIF has a continuous form only for k = 1 (got {k!r}); k multiplies the charged "
            "membrane once per step, which has no limit as dt -> 0"
        )
    return _sj_lif_like(model, dt, "tau")


def _sj_qif(model, dt):
    dt = _model_dt(model, dt)
    tau = _scalar(model, "tau") * dt
    v_c, a0, v_rest = _scalar(model, "v_c"), _scalar(model, "a0"), _scalar(model, "v_rest")
    thr = _scalar(model, "v_threshold")
    reset, _ = _sj_reset(model, 0, thr)
    y0 = _initial(model, ("v",)).get("v", -0.1)
    return ContinuousForm(
        model=model.name, state_names=("V",),
        f=lambda t, y, J: np.array([(J + a0 * (y[0] - v_rest) * (y[0] - v_c)) / tau]),
        event=lambda t, y: y[0] - thr, reset=reset, y0=np.array([y0]), dt=dt,
        input_map="level", membrane=lambda y: y[0], membrane_var=_membrane_var(model),
        membrane_stored="post-reset", upstroke=None,
    )


def _sj_eif(model, dt):
    dt = _model_dt(model, dt)
    tau = _scalar(model, "tau") * dt
    dT, th_rh, v_rest = _scalar(model, "delta_T"), _scalar(model, "theta_rh"), _scalar(model, "v_rest")
    thr = _scalar(model, "v_threshold")
    reset, _ = _sj_reset(model, 0, thr)
    y0 = _initial(model, ("v",)).get("v", -0.1)
    return ContinuousForm(
        model=model.name, state_names=("V",),
        f=lambda t, y, J: np.array([(J + v_rest - y[0] + dT * math.exp((y[0] - th_rh) / dT)) / tau]),
        event=lambda t, y: y[0] - thr, reset=reset, y0=np.array([y0]), dt=dt,
        input_map="level", membrane=lambda y: y[0], membrane_var=_membrane_var(model),
        membrane_stored="post-reset", upstroke=th_rh,
    )


def _sj_izhikevich(model, dt):
    dt = _model_dt(model, dt)
    tau, tau_w = _scalar(model, "tau") * dt, _scalar(model, "tau_w") * dt
    v_c, a0, v_rest = _scalar(model, "v_c"), _scalar(model, "a0"), _scalar(model, "v_rest")
    a, b = _scalar(model, "a"), _scalar(model, "b")
    thr = _scalar(model, "v_threshold")
    vreset, _ = _sj_reset(model, 0, thr)

    def reset(t, y):
        y = vreset(t, y)
        y[1] += b
        return y

    init = _initial(model, ("v", "w"))
    return ContinuousForm(
        model=model.name, state_names=("V", "w"),
        f=lambda t, y, J: np.array([
            (J + a0 * (y[0] - v_rest) * (y[0] - v_c) - y[1]) / tau,
            (a * (y[0] - v_rest) - y[1]) / tau_w,
        ]),
        event=lambda t, y: y[0] - thr, reset=reset,
        y0=np.array([init.get("v", 0.0), init.get("w", _scalar(model, "w_rest"))]), dt=dt,
        input_map="level", membrane=lambda y: y[0], membrane_var=_membrane_var(model),
        membrane_stored="post-reset", scheme="semi-implicit Euler (V first, w with the new V)",
    )


# -- norse -----------------------------------------------------------------------------------

def _norse_common(model):
    return {k: _scalar(model, k) for k in ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset")}


def _norse_lif(model, dt):
    dt = _model_dt(model, dt)
    p = _norse_common(model)
    rs, rm, vl = p["tau_syn_inv"], p["tau_mem_inv"], p["v_leak"]
    thr, vr = p["v_th"], p["v_reset"]
    init = _initial(model, ("v", "i"))
    return ContinuousForm(
        model=model.name, state_names=("v", "i"),
        f=lambda t, y, J: np.array([rm * ((vl - y[0]) + y[1]), -rs * y[1] + J]),
        event=lambda t, y: y[0] - thr, reset=lambda t, y: _reset_value(y, 0, vr),
        y0=np.array([init.get("v", vl), init.get("i", 0.0)]), dt=dt, input_map="charge",
        membrane=lambda y: y[0], membrane_var="v", membrane_stored="post-reset", time_unit="s",
    )


def _norse_adex(model, dt):
    dt = _model_dt(model, dt)
    p = _norse_common(model)
    rs, rm, vl = p["tau_syn_inv"], p["tau_mem_inv"], p["v_leak"]
    thr, vr = p["v_th"], p["v_reset"]
    dT, ra = _scalar(model, "delta_T"), _scalar(model, "tau_ada_inv")
    kappa, b = _scalar(model, "adaptation_current"), _scalar(model, "adaptation_spike")

    def reset(t, y):
        return np.array([vr, y[1], y[2] + b])

    init = _initial(model, ("v", "i", "a"))
    return ContinuousForm(
        model=model.name, state_names=("v", "i", "a"),
        f=lambda t, y, J: np.array([
            rm * ((vl - y[0]) + dT * math.exp((y[0] - thr) / dT) + y[1] - y[2]),
            -rs * y[1] + J,
            ra * (kappa * (y[0] - vl) - y[2]),
        ]),
        event=lambda t, y: y[0] - thr, reset=reset,
        y0=np.array([init.get("v", vl), init.get("i", 0.0), init.get("a", 0.0)]), dt=dt,
        input_map="charge", membrane=lambda y: y[0], membrane_var="v", membrane_stored="post-reset",
        time_unit="s",
    )


def _norse_lsnn(model, dt):
    dt = _model_dt(model, dt)
    p = _norse_common(model)
    rs, rm, vl = p["tau_syn_inv"], p["tau_mem_inv"], p["v_leak"]
    vth, vr = p["v_th"], p["v_reset"]
    rb, beta = _scalar(model, "tau_adapt_inv"), _scalar(model, "beta")

    def reset(t, y):
        return np.array([vr, y[1], y[2] + beta])

    init = _initial(model, ("v", "i", "b"))
    return ContinuousForm(
        model=model.name, state_names=("v", "i", "b"),
        f=lambda t, y, J: np.array([rm * ((vl - y[0]) + y[1]), -rs * y[1] + J, rb * (vth - y[2])]),
        event=lambda t, y: y[0] - y[2], reset=reset,
        y0=np.array([init.get("v", vl), init.get("i", 0.0), init.get("b", vth)]), dt=dt,
        input_map="charge", membrane=lambda y: y[0], membrane_var="v", membrane_stored="post-reset",
        time_unit="s", scheme="forward Euler (input reaches v one step later)",
    )


# -- canonical -------------------------------------------------------------------------------

def _izhikevich(model, dt):
    dt = _model_dt(model, dt)
    a, b, c, d = (_scalar(model, k) for k in ("a", "b", "c", "d"))
    p2, p1, p0, vpk = (_scalar(model, k) for k in ("p2", "p1", "p0", "v_peak"))
    accommodation = model.u_rule == "accommodation"

    def f(t, y, J):
        v, u = y
        du = a * b * (v + 65.0) if accommodation else a * (b * v - u)
        return np.array([p2 * v * v + p1 * v + p0 - u + J, du])

    def reset(t, y):
        return np.array([c, y[1] + d])

    init = _initial(model, ("v", "u"))
    return ContinuousForm(
        model=model.name, state_names=("v", "u"), f=f,
        event=lambda t, y: y[0] - vpk, reset=reset, y0=np.array([init["v"], init["u"]]), dt=dt,
        input_map="level", membrane=lambda y: y[0], membrane_var="v", membrane_stored="post-reset",
        upstroke=-45.0, time_unit="ms",
        scheme={"figure2004": "semi-implicit Euler (v, then u with the new v)",
                "network2003": "two half steps of v, then u", "euler": "forward Euler"}[model.scheme],
    )


def _adex(model, dt):
    dt = _model_dt(model, dt)
    C, gL, EL, VT, dT, tw, a, b, Vr, Vp = (
        _scalar(model, k) for k in ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset", "V_peak")
    )

    def f(t, y, J):
        V, w = y
        return np.array([
            (-gL * (V - EL) + gL * dT * math.exp((min(V, Vp) - VT) / dT) - w + J) / C,
            (a * (V - EL) - w) / tw,
        ])

    # Near V_peak the exponential term makes dV/dt ~ 1e14 mV/ms (defaults): no
    # integrator resolves that in double precision.  The event is placed at
    # V_e = V_T + 20*Delta_T (if below V_peak), where the exponential term
    # already dominates by > 1e6; from V_e, dV/dt >= (g_L Delta_T/C) e^{(V-V_T)/Delta_T}
    # (1 - 1e-6), so the remaining time to V_peak is at most
    # (C/g_L) e^{-(V_e-V_T)/Delta_T} / (1 - 1e-6) (1.9e-8 ms for the defaults):
    # that bound is the form's event_bias.
    Ve = min(Vp, VT + 20.0 * dT)
    bias = 0.0 if Ve == Vp else (C / gL) * math.exp(-(Ve - VT) / dT) / (1.0 - 1e-6)
    init = _initial(model, ("V", "w"))
    return ContinuousForm(
        model=model.name, state_names=("V", "w"), f=f, event_bias=bias,
        event=lambda t, y: y[0] - Ve, reset=lambda t, y: np.array([Vr, y[1] + b]),
        y0=np.array([init["V"], init["w"]]), dt=dt, input_map="level", membrane=lambda y: y[0],
        membrane_var="V", membrane_stored="post-reset", upstroke=VT, time_unit="ms",
    )


_BUILDERS = {
    "snntorch.Leaky": _leaky,
    "snntorch.Synaptic": _synaptic,
    "snntorch.Alpha": _alpha,
    "snntorch.Lapicque": _lapicque,
    "spikingjelly.IF": _sj_if,
    "spikingjelly.IFNode": _sj_if,
    "spikingjelly.LIF": _sj_lif,
    "spikingjelly.LIFNode": _sj_lif,
    "spikingjelly.ParametricLIF": _sj_plif,
    "spikingjelly.ParametricLIFNode": _sj_plif,
    "spikingjelly.QIF": _sj_qif,
    "spikingjelly.QIFNode": _sj_qif,
    "spikingjelly.EIF": _sj_eif,
    "spikingjelly.EIFNode": _sj_eif,
    "spikingjelly.Izhikevich": _sj_izhikevich,
    "spikingjelly.IzhikevichNode": _sj_izhikevich,
    "spikingjelly.KLIF": _sj_klif,
    "spikingjelly.KLIFNode": _sj_klif,
    "norse.LIF": _norse_lif,
    "norse.LIFAdEx": _norse_adex,
    "norse.LSNN": _norse_lsnn,
    "canonical.Izhikevich": _izhikevich,
    "canonical.AdEx": _adex,
}


def supported():
    """Registry names that have a continuous form."""
    return tuple(sorted(_BUILDERS))


def continuous_form(model, dt=None):
    """The continuous-time system that ``model`` discretises.

    Parameters
    ----------
    model : refneuron model record
    dt : float or None
        Length of one step for models whose parameters are per step
        (snntorch, spikingjelly); None means 1 (time measured in steps).
        Ignored for models with their own ``dt``/``time_step`` field.

    Returns
    -------
    ContinuousForm

    Raises
    ------
    ParameterError
        No continuous form for this model or these parameters (e.g. a
        snntorch ``beta`` of 0 or 1, a KLIF ``k`` other than 1).
    """
    try:
        builder = _BUILDERS[model.name]
    except KeyError:
        raise ParameterError(f"model: {model.name!r} has no continuous-time form") from None
    if dt is not None and not (dt > 0 and math.isfinite(dt)):
        raise ParameterError(f"dt: must be > 0 and finite (got {dt!r})")
    return builder(model, dt)


def rescale(model, new_dt, dt=None):
    """The model discretising the same ODE as ``model`` with step ``new_dt``.

    ``dt`` is the current step length for per-step models (default 1).
    snntorch: ``beta -> beta**(new_dt/dt)`` (``= exp(-new_dt/tau)``), likewise
    ``alpha``; Lapicque: ``time_step``.  spikingjelly: ``tau``, ``tau_w``,
    ``init_tau`` scaled by ``dt/new_dt`` (they are in steps; they must stay
    > 1).  norse and canonical: their ``dt`` field.
    """
    if not (new_dt > 0 and math.isfinite(new_dt)):
        raise ParameterError(f"new_dt: must be > 0 and finite (got {new_dt!r})")
    old = _model_dt(model, dt)
    r = new_dt / old
    fields = {f.name for f in dataclasses.fields(model)}
    changes = {}
    if model.name.startswith("snntorch."):
        if "time_step" in fields:  # Lapicque: keep the resolved R and C, change the step
            R, C = (float(np.asarray(v).ravel()[0]) for v in model.resolved())
            changes.update(time_step=new_dt, beta=False, R=R, C=C)
        else:
            for k in ("alpha", "beta"):
                if k in fields:
                    changes[k] = snntorch_decay(_snntorch_tau(model, k, old), new_dt)
    elif model.name.startswith("spikingjelly."):
        if model.name == "spikingjelly.ParametricLIF":
            tau_steps = (1.0 + math.exp(-_w(model))) / r
            changes["init_tau"] = tau_steps
            changes["w"] = None if model.w is None else -math.log(tau_steps - 1.0)
        for k in ("tau", "tau_w"):
            if k in fields:
                changes[k] = _scalar(model, k) / r
    else:
        changes["dt"] = new_dt
    return model.replace(**changes)
