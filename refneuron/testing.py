"""Assertions for test suites that check spiking-neuron simulations.

Usable from any project's pytest (or unittest) suite: they raise
``AssertionError`` with a message that locates the first difference, and
depend only on NumPy and refneuron.

* :func:`assert_spikes_equal` -- spike trains must agree exactly;
* :func:`assert_trace_close` -- a state trace within ``atol + rtol*|desired|``;
* :func:`assert_matches_golden` -- a model or a run against a stored golden
  case (:mod:`refneuron.golden`), bit for bit by default.

Arrays are time-major, ``(T, *neuron_shape)``.  Messages name the variable,
the first time step (in C order over time, then neurons) and the neuron
index where the arrays differ, both values and the difference, and how many
entries differ in all, e.g.::

    mem: 3 of 600 entries differ beyond atol=1e-12, rtol=0;
    first at step t=17, neuron (2, 4): actual 0.81234, desired 0.81233,
    |diff| = 1.0e-05 (allowed 1.0e-12); max |diff| = 2.3e-05 at t=40, neuron (0, 1)
"""

from __future__ import annotations

import numpy as np

__all__ = ["assert_spikes_equal", "assert_trace_close", "assert_matches_golden"]


def _as_float(name, a):
    try:
        arr = np.asarray(a)
    except Exception as exc:  # e.g. a ragged list
        raise TypeError(f"{name}: cannot be read as an array ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: must be a real numeric array (got dtype {arr.dtype})")
    return arr.astype(np.float64, copy=False)


def _check_shapes(variable, actual, desired):
    if actual.shape != desired.shape:
        raise AssertionError(f"{variable}: shapes differ: actual {actual.shape}, desired {desired.shape}")
    if actual.ndim < 1:
        raise AssertionError(f"{variable}: expected time-major arrays (T, *neuron_shape) (got a 0-d array)")


def _where(idx):
    """``t=5, neuron (1, 2)`` from a full index ``(t, *neuron)``."""
    t, neuron = int(idx[0]), tuple(int(i) for i in idx[1:])
    return f"step t={t}, neuron {neuron}"


def _first(mask):
    flat = int(np.argmax(mask.ravel()))
    return np.unravel_index(flat, mask.shape)


def assert_spikes_equal(actual, desired, *, names=None):
    """Two spike trains must be identical.

    Parameters
    ----------
    actual, desired : array_like, shape ``(T, *neuron_shape)``
        Spike trains (0/1, or graded amplitudes); compared exactly.
    names : (str, str), optional
        Labels of the two trains in the message, e.g. ``("snntorch",
        "refneuron")``; default ``("actual", "desired")``.

    Raises
    ------
    AssertionError
        With the first step and neuron where the trains differ, the spike
        counts of both, and the number of differing entries.
    """
    la, ld = ("actual", "desired") if names is None else tuple(names)
    a = _as_float(la, actual)
    d = _as_float(ld, desired)
    _check_shapes("spikes", a, d)
    bad = ~((a == d) | (np.isnan(a) & np.isnan(d)))
    if not bad.any():
        return
    idx = _first(bad)
    n_bad = int(bad.sum())
    na, nd = int(np.count_nonzero(a)), int(np.count_nonzero(d))
    raise AssertionError(
        f"spikes: {n_bad} of {bad.size} entries differ; first at {_where(idx)}: "
        f"{la} {float(a[idx])!r}, {ld} {float(d[idx])!r}; spike counts {la} {na}, {ld} {nd}"
    )


def assert_trace_close(actual, desired, *, rtol, atol, variable="v"):
    """A state trace must lie within ``atol + rtol*|desired|`` everywhere.

    Parameters
    ----------
    actual, desired : array_like, shape ``(T, *neuron_shape)``
    rtol, atol : float
        Required (a tolerance must be chosen, and justified, by the caller).
        ``rtol=0, atol=0`` asks for equality of values.
    variable : str
        Name of the state variable, for the message.

    Notes
    -----
    NaN equals NaN at the same position (a reference reproduces divergence
    where the framework diverges); a NaN against a number is a difference.

    Raises
    ------
    AssertionError
        With the variable, the first time step and neuron index beyond the
        tolerance, both values, the difference, the number of entries beyond
        tolerance and where the largest difference is.
    """
    for n, tol in (("rtol", rtol), ("atol", atol)):
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)) or not tol >= 0:
            raise ValueError(f"{n}: must be a number >= 0 (got {tol!r})")
    a = _as_float("actual", actual)
    d = _as_float("desired", desired)
    _check_shapes(variable, a, d)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - d)
        allowed = atol + rtol * np.abs(d)
        same = (a == d) | (np.isnan(a) & np.isnan(d))
        bad = ~(same | (diff <= allowed))
    if not bad.any():
        return
    idx = _first(bad)
    n_bad = int(bad.sum())
    finite_diff = np.where(np.isfinite(diff), diff, -1.0)
    worst = _first(finite_diff == finite_diff.max()) if finite_diff.max() >= 0 else idx
    raise AssertionError(
        f"{variable}: {n_bad} of {bad.size} entries differ beyond atol={atol!r}, rtol={rtol!r}; "
        f"first at {_where(idx)}: actual {float(a[idx])!r}, desired {float(d[idx])!r}, |diff| = {diff[idx]:.3e} "
        f"(allowed {allowed[idx]:.3e}); max |diff| = {diff[worst]:.3e} at {_where(worst)}"
    )


def assert_matches_golden(model_or_result, path, case, *, rtol=0.0, atol=0.0):
    """A model (re-run) or a finished run must reproduce a golden case.

    Parameters
    ----------
    model_or_result : refneuron model or RunResult
        A model is run on the case's stored input and initial state; its
        registry name and parameters must equal those of the case (a
        different record would make the comparison meaningless).  A
        ``RunResult`` (``record="all"``) is compared as it is.
    path : str or os.PathLike
        Golden ``.npz`` file (:func:`refneuron.golden.write_golden`).
    case : str
        Case name in the file.
    rtol, atol : float
        Tolerance for state traces; the default 0 asks for the stored values
        exactly.  The output (spikes) is always compared exactly.

    Raises
    ------
    AssertionError
        Model or parameters differ from the case's, or the numbers differ
        (message as in :func:`assert_trace_close`).
    """
    from . import golden
    from .simulate import RunResult

    trace = golden.read_case(path, case)
    if isinstance(model_or_result, RunResult):
        result = model_or_result
        if result.states is None or result.output is None:
            raise AssertionError(f"{case}: the RunResult must come from record='all' to compare every variable")
    else:
        model = model_or_result
        stored = trace.meta["model"]
        if getattr(model, "name", None) != stored["model"]:
            raise AssertionError(f"{case}: golden case is for {stored['model']!r}, not {getattr(model, 'name', model)!r}")
        given = golden.model_to_json(model)["params"]
        stored_params = dict(stored["params"])
        # a parameter added to the model after the case was written is absent from the
        # stored record: it matches when the given value is the field's default (the
        # behaviour the pin recorded)
        for key, default in golden.field_defaults(model).items():
            if key not in stored_params and given.get(key) == default:
                stored_params[key] = default
        differ = sorted(k for k in set(given) | set(stored_params) if given.get(k) != stored_params.get(k))
        if differ:
            detail = "; ".join(f"{k}: given {given.get(k)!r}, stored {stored_params.get(k)!r}" for k in differ)
            raise AssertionError(f"{case}: model parameters differ from the golden case's ({detail})")
        result = golden.regenerate(trace, model)
    label = f"{case}"
    assert_spikes_equal(result.output, trace.output, names=("result", "golden"))
    missing = sorted(set(trace.states) - set(result.states))
    if missing:
        raise AssertionError(f"{label}: the result lacks state variable(s) {missing}")
    for var, ref in trace.states.items():
        assert_trace_close(result.states[var], ref, rtol=rtol, atol=atol, variable=f"{label}: {var}")
