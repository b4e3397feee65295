r"""Agreement between two simulations of the same neurons.

Spike trains are time-major arrays ``(T, *neuron_shape)``; an entry is a
spike when it is non-zero (graded amplitudes count as one event).  Times are
step indices ``k`` (multiply by ``dt`` for physical time), so time constants
and costs are in steps and 1/steps.  Every per-neuron metric returns an array
of the neuron shape.

* :func:`spike_counts`, :func:`coincidences`, :func:`coincidence_rate`;
* :func:`van_rossum_distance` (time constant ``tau`` in steps);
* :func:`victor_purpura_distance` (cost ``q`` per step of shift), by dynamic
  programming;
* :func:`first_divergence`: the first step at which the trains differ and the
  state error just before it;
* :func:`state_errors`, :func:`state_error_over_time`: absolute and relative
  state errors.

References
----------
M.C.W. van Rossum (2001), "A novel spike distance", Neural Comput. 13:751.
J.D. Victor, K.P. Purpura (1996), "Nature and precision of temporal coding in
visual cortex: a metric-space analysis", J. Neurophysiol. 76:1310.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import _checks
from ..errors import ParameterError, ShapeError

__all__ = [
    "Divergence",
    "coincidence_rate",
    "coincidences",
    "first_divergence",
    "spike_counts",
    "spike_times",
    "state_error_over_time",
    "state_errors",
    "van_rossum_distance",
    "victor_purpura_distance",
]


def _trains(a, b, names=("a", "b")):
    a = _checks.as_inputs(a, name=names[0], check_finite=False)
    b = _checks.as_inputs(b, name=names[1], check_finite=False)
    if a.shape != b.shape:
        raise ShapeError(f"{names[0]}, {names[1]}: shapes differ ({a.shape} vs {b.shape})")
    return a, b


def _per_neuron(a, b, fn):
    """Apply ``fn(times_a, times_b)`` to every neuron; an array of the neuron shape."""
    fa = (a != 0).reshape(a.shape[0], -1)
    fb = (b != 0).reshape(b.shape[0], -1)
    out = np.empty(fa.shape[1])
    for n in range(fa.shape[1]):
        out[n] = fn(np.flatnonzero(fa[:, n]), np.flatnonzero(fb[:, n]))
    return out.reshape(a.shape[1:])


def spike_times(spikes):
    """Per neuron (flattened C order), the step indices of its spikes."""
    s = _checks.as_inputs(spikes, name="spikes", check_finite=False)
    f = (s != 0).reshape(s.shape[0], -1)
    return [np.flatnonzero(f[:, n]) for n in range(f.shape[1])]


def spike_counts(spikes):
    """Number of spikes (non-zero entries) of each neuron, as float64."""
    s = _checks.as_inputs(spikes, name="spikes", check_finite=False)
    return np.count_nonzero(s, axis=0).astype(np.float64)


def _match_count(ta, tb, k):
    """Largest number of one-to-one pairs with ``|ta - tb| <= k`` (both sorted).

    Greedy: each spike of ``a`` in time order takes the earliest unused spike
    of ``b`` not older than ``ta - k``.  For matching on a line with a fixed
    window this greedy choice is optimal (an exchange argument: taking a later
    partner can only shrink the set left for later spikes of ``a``).
    """
    if len(ta) == len(tb) and np.array_equal(ta, tb):
        return len(ta)
    j = n = 0
    for t in ta:
        while j < len(tb) and tb[j] < t - k:
            j += 1
        if j < len(tb) and tb[j] <= t + k:
            n += 1
            j += 1
    return n


def coincidences(a, b, k=0):
    """Spikes of ``a`` paired one-to-one with spikes of ``b`` within ``k`` steps.

    Parameters
    ----------
    a, b : array_like ``(T, *neuron_shape)``
    k : int >= 0
        Window half-width in steps (0: the same step).

    Returns
    -------
    ndarray, neuron shape
        The maximum number of disjoint pairs ``(t_a, t_b)`` with
        ``|t_a - t_b| <= k``, per neuron.
    """
    k = _window(k)
    a, b = _trains(a, b)
    return _per_neuron(a, b, lambda ta, tb: _match_count(ta, tb, k))


def _window(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not k >= 0:
        raise ParameterError(f"k: must be an integer >= 0 (got {k!r})")
    return int(k)


def coincidence_rate(a, b, k=0):
    r"""``2 N_coinc / (N_a + N_b)`` per neuron, 1 where both are silent.

    1 means every spike has a partner within ``k`` steps; 0 means none has.
    (No correction for chance coincidences, unlike Kistler's Gamma factor.)
    """
    k = _window(k)
    a, b = _trains(a, b)

    def rate(ta, tb):
        total = len(ta) + len(tb)
        return 1.0 if total == 0 else 2.0 * _match_count(ta, tb, k) / total

    return _per_neuron(a, b, rate)


def van_rossum_distance(a, b, tau):
    r"""van Rossum distance per neuron, time constant ``tau`` in steps.

    Each train is filtered with a causal exponential kernel
    :math:`f(t) = \sum_i e^{-(t - t_i)/\tau} H(t - t_i)` (spikes at their step
    index) and

    .. math::

        D^2 = \frac{2}{\tau}\int_0^\infty (f_a - f_b)^2\,dt
            = \sum_{ij} e^{-|a_i - a_j|/\tau} + \sum_{ij} e^{-|b_i - b_j|/\tau}
              - 2\sum_{ij} e^{-|a_i - b_j|/\tau},

    evaluated exactly in :math:`O(T N)`: the difference of the filtered trains
    just after step :math:`k` follows :math:`e_k = e^{-1/\tau} e_{k-1} + d_k`
    (:math:`d_k` the difference of the spike indicators), and decays as
    :math:`e_k e^{-u/\tau}` until the next step, so

    .. math::

        D^2 = (1 - e^{-2/\tau}) \sum_{k=0}^{T-2} e_k^2 + e_{T-1}^2

    (the tail after the last step is included, so spikes near the end are
    not cut short).  Normalised so that one unmatched
    spike gives :math:`D = 1`.  Limits: :math:`\tau \to 0` gives
    :math:`D^2` = number of spikes without a partner at the same step;
    :math:`\tau \to \infty` gives :math:`D^2 \to (N_a - N_b)^2`.

    Parameters
    ----------
    a, b : array_like ``(T, *neuron_shape)``
    tau : float > 0
        Time constant in steps.

    Returns
    -------
    ndarray, neuron shape
    """
    tau = _checks.check_float("tau", tau, ">0")
    a, b = _trains(a, b)
    T = a.shape[0]
    d = (a != 0).reshape(T, -1).astype(np.float64) - (b != 0).reshape(T, -1)
    decay = np.exp(-1.0 / tau)
    # f_a - f_b just after each integer step (the kernels sampled exactly), by the
    # recursion  e_t = decay * e_{t-1} + d_t
    e = np.empty_like(d)
    acc = np.zeros(d.shape[1])
    for t in range(T):
        acc = decay * acc + d[t]
        e[t] = acc
    # between steps the difference decays as e_t exp(-u/tau): (2/tau) * integral over one
    # step is e_t^2 (1 - exp(-2/tau)); after the last step, to infinity, e_{T-1}^2
    d2 = -np.expm1(-2.0 / tau) * np.sum(e[:-1] ** 2, axis=0) + e[-1] ** 2
    return np.sqrt(d2).reshape(a.shape[1:])


def _vp(ta, tb, q):
    """Victor-Purpura dynamic programme, one row of ``G`` at a time.

    Within row ``i`` the insertion move ``G[i, j-1] + 1`` is a running
    minimum: with ``h_j = min(G[i-1, j] + 1, G[i-1, j-1] + q|a_i - b_j|)``
    and ``h_0 = i``, ``G[i, j] = min_{k <= j} (h_k + j - k)
    = j + cummin(h_k - k)``.
    """
    if len(ta) == len(tb) and np.array_equal(ta, tb):
        return 0.0  # identical trains (the common case when comparing to a reference)
    nb = len(tb)
    j = np.arange(nb + 1, dtype=np.float64)
    row = j.copy()  # G[0, j] = j: insert every spike of b
    tb = tb.astype(np.float64)
    for i, t in enumerate(ta.astype(np.float64), start=1):
        h = np.empty(nb + 1)
        h[0] = i  # G[i, 0] = i: delete every spike of a
        h[1:] = np.minimum(row[1:] + 1.0, row[:-1] + q * np.abs(t - tb))
        row = j + np.minimum.accumulate(h - j)
    return float(row[nb])


def victor_purpura_distance(a, b, q):
    r"""Victor–Purpura spike-time distance per neuron, cost ``q`` per step.

    The cheapest way to turn train ``a`` into train ``b`` by deleting or
    inserting a spike (cost 1 each) or moving one by :math:`\Delta` steps
    (cost :math:`q|\Delta|`), computed by dynamic programming:

    .. math::

        G_{i,j} = \min(G_{i-1,j} + 1,\; G_{i,j-1} + 1,\;
                       G_{i-1,j-1} + q\,|a_i - b_j|),
        \quad G_{i,0} = i,\; G_{0,j} = j.

    Limits: ``q = 0`` gives :math:`|N_a - N_b|`; ``q > 2`` (a shift of one
    step costs more than delete + insert) gives :math:`N_a + N_b - 2C_0`,
    with :math:`C_0` the number of spikes at identical steps.

    Parameters
    ----------
    a, b : array_like ``(T, *neuron_shape)``
    q : float >= 0
        Cost per step of shift (1/steps).

    Returns
    -------
    ndarray, neuron shape
    """
    q = _checks.check_float("q", q, ">=0")
    a, b = _trains(a, b)
    return _per_neuron(a, b, lambda ta, tb: _vp(ta, tb, q))


# ---------------------------------------------------------------------------
# states


def _pair(name, actual, desired):
    a = _checks.as_inputs(actual, name=f"{name} (actual)", check_finite=False)
    d = _checks.as_inputs(desired, name=f"{name} (desired)", check_finite=False)
    if a.shape != d.shape:
        raise ShapeError(f"{name}: shapes differ ({a.shape} vs {d.shape})")
    return a, d


def _rel(diff, d):
    """``|diff| / |desired|``; 0 where both are 0, inf where only desired is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / np.abs(d)
    rel[(diff == 0)] = 0.0
    return rel


def state_error_over_time(actual, desired, *, name="state"):
    """Per step, the largest absolute and relative error over all neurons.

    Relative errors are ``|a - d| / |d|`` (inf where ``d`` is 0 and ``a`` is
    not).  NaN entries count as infinite error unless both are NaN.

    Returns
    -------
    abs_t, rel_t : ndarray ``(T,)``
    """
    a, d = _pair(name, actual, desired)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - d)
    both_nan = np.isnan(a) & np.isnan(d)
    diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
    rel = _rel(diff, d)
    T = a.shape[0]
    return diff.reshape(T, -1).max(axis=1), rel.reshape(T, -1).max(axis=1)


def state_errors(actual, desired, *, name="state", until=None):
    """Largest absolute and relative error over all steps (before ``until``).

    Returns
    -------
    dict
        ``max_abs``, ``max_rel``, and ``at`` = ``(t, *neuron)`` of the
        largest absolute error (None if there is no error or no step).
    """
    a, d = _pair(name, actual, desired)
    if until is not None:
        a, d = a[:until], d[:until]
    if a.shape[0] == 0:
        return {"max_abs": 0.0, "max_rel": 0.0, "at": None}
    abs_t, rel_t = state_error_over_time(a, d, name=name)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - d)
    diff = np.where(np.isnan(a) & np.isnan(d), 0.0, np.where(np.isnan(diff), np.inf, diff))
    at = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    max_abs = float(abs_t.max())
    return {"max_abs": max_abs, "max_rel": float(rel_t.max()), "at": at if max_abs > 0 else None}


@dataclasses.dataclass(frozen=True)
class Divergence:
    """Where two spike trains first differ.

    Attributes
    ----------
    step : int
        First step ``t`` at which some neuron spikes in one run and not in
        the other (or with another amplitude).
    neuron : tuple
        Index of the first such neuron (C order).
    n_neurons : int
        Number of neurons that differ at that step.
    state_error_before : dict name -> float or None
        Per variable, the largest ``|actual - desired|`` over all neurons at
        step ``t - 1`` (None when ``t == 0``): how far the states had drifted
        when the spike decisions parted.
    max_state_error_before : dict name -> float
        Per variable, the largest error over steps ``0 .. t-1``.
    """

    step: int
    neuron: tuple
    n_neurons: int
    state_error_before: dict
    max_state_error_before: dict

    def to_json(self):
        return dataclasses.asdict(self) | {"neuron": list(self.neuron)}


def first_divergence(spikes_actual, spikes_desired, states_actual=None, states_desired=None):
    """The first step at which two spike trains differ, or None if they agree.

    Parameters
    ----------
    spikes_actual, spikes_desired : array_like ``(T, *neuron_shape)``
    states_actual, states_desired : dict name -> array ``(T, *neuron_shape)``, optional
        State traces; the variables present in both are reported.

    Returns
    -------
    Divergence or None
    """
    a, b = _trains(spikes_actual, spikes_desired, names=("spikes_actual", "spikes_desired"))
    bad = a != b
    if not bad.any():
        return None
    flat = bad.reshape(bad.shape[0], -1)
    t = int(np.argmax(flat.any(axis=1)))
    n = int(np.argmax(flat[t]))
    neuron = tuple(int(i) for i in np.unravel_index(n, a.shape[1:]))
    before, upto = {}, {}
    common = [k for k in (states_desired or {}) if k in (states_actual or {})]
    for var in common:
        abs_t, _ = state_error_over_time(states_actual[var], states_desired[var], name=var)
        before[var] = float(abs_t[t - 1]) if t > 0 else None
        upto[var] = float(abs_t[:t].max()) if t > 0 else 0.0
    return Divergence(t, neuron, int(flat[t].sum()), before, upto)
