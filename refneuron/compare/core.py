"""``compare``: a refneuron model against its framework counterpart."""

from __future__ import annotations

import dataclasses

import numpy as np

from . import adapters, metrics

__all__ = ["ComparisonResult", "compare", "compare_gradients", "compare_runs", "relative_error"]


@dataclasses.dataclass(frozen=True, eq=False)
class ComparisonResult:
    """How a framework's run agrees with the float64 reference.

    Attributes
    ----------
    model : str
        Registry name of the refneuron model.
    framework : str
        Framework and installed version, e.g. ``"snntorch 1.0.0"``.
    framework_dtype : str
        Precision the framework ran in.
    shape : tuple
        ``(T, *neuron_shape)``.
    spikes_equal : bool
        The output trains are identical.
    n_spikes : dict
        Total spikes, ``{"reference": ..., "framework": ...}``.
    max_count_difference : float
        Largest per-neuron ``|count_ref - count_fw|``.
    coincidence_rate : float
        Smallest per-neuron coincidence rate within ``window`` steps.
    van_rossum : float
        Largest per-neuron van Rossum distance (time constant ``tau`` steps).
    victor_purpura : float
        Largest per-neuron Victor–Purpura distance (cost ``q`` per step).
    divergence : Divergence or None
        First step at which the spike trains differ, with the state error
        just before it.
    states : dict name -> dict
        Per state variable: ``max_abs``, ``max_rel``, ``at`` (index of the
        largest error), ``max_abs_before_divergence``, ``first_error_step``
        (first step with a non-zero error, None if none).
    error_over_time : dict name -> ndarray ``(T,)``
        Largest absolute error over the neurons at each step.
    settings : dict
        ``window``, ``tau``, ``q``.
    gradients : dict or None
        None when not requested; else ``{"status": ...}`` with status
        ``"ok"`` (then ``inputs``, ``initial_state`` {name: err} and
        ``params`` {name: err or None}: relative errors of the framework's
        autograd against :func:`refneuron.gradients.vjp`, see
        :func:`relative_error`; ``max`` the largest of them), ``"no backward"``
        (refneuron has no hand-derived backward for this model or setting)
        or ``"no counterpart"`` (e.g. a surrogate the framework lacks), with
        ``reason``.
    reference, framework_run : RunResult, FrameworkRun
        The two runs (not written to reports).
    """

    model: str
    framework: str
    framework_dtype: str
    shape: tuple
    spikes_equal: bool
    n_spikes: dict
    max_count_difference: float
    coincidence_rate: float
    van_rossum: float
    victor_purpura: float
    divergence: metrics.Divergence | None
    states: dict
    error_over_time: dict
    settings: dict
    gradients: dict | None = None
    reference: object = dataclasses.field(repr=False, default=None)
    framework_run: object = dataclasses.field(repr=False, default=None)

    @property
    def max_state_error(self):
        """Largest absolute state error over all variables."""
        return max((s["max_abs"] for s in self.states.values()), default=0.0)

    def agrees(self, atol):
        """Identical spikes and every state within ``atol``."""
        return self.spikes_equal and self.max_state_error <= atol

    def to_json(self):
        """A JSON-serialisable summary (no arrays)."""
        return {
            "model": self.model,
            "framework": self.framework,
            "framework_dtype": self.framework_dtype,
            "shape": list(self.shape),
            "spikes_equal": self.spikes_equal,
            "n_spikes": dict(self.n_spikes),
            "max_count_difference": self.max_count_difference,
            "coincidence_rate": self.coincidence_rate,
            "van_rossum": self.van_rossum,
            "victor_purpura": self.victor_purpura,
            "divergence": None if self.divergence is None else self.divergence.to_json(),
            "states": {
                k: dict(v, at=None if v["at"] is None else list(v["at"])) for k, v in self.states.items()
            },
            "settings": dict(self.settings),
            "gradients": None if self.gradients is None else dict(self.gradients),
        }


def relative_error(actual, desired):
    """``max|actual - desired| / max|desired|`` (0 when both are all zero; inf
    when only ``desired`` is).  A norm-wise error: entries near zero do not
    blow it up, as an element-wise relative error would."""
    a = np.asarray(actual, dtype=np.float64)
    d = np.asarray(desired, dtype=np.float64)
    diff = float(np.max(np.abs(a - d))) if d.size else 0.0
    scale = float(np.max(np.abs(d))) if d.size else 0.0
    if diff == 0.0:
        return 0.0
    return diff / scale if scale > 0 else float("inf")


def compare_gradients(model, inputs, framework_dtype="float64", *, state=None, seed=0, adapter=None):
    """Relative errors of the framework's autograd against refneuron's backward.

    Both differentiate ``L = sum_t sum(G_t * Y_t) + sum_k sum_t sum(G^k_t * Z^k_t)``
    with the same standard-normal upstream gradients ``G`` (``seed``) on the
    output and on every state variable.

    Returns
    -------
    dict
        See :attr:`ComparisonResult.gradients`.
    """
    from .. import gradients
    from ..errors import NoCounterpart
    from ..simulate import prepare

    adapter = adapters.adapter_for(model) if adapter is None else adapter
    if not hasattr(model, "_vjp_step"):
        return {"status": "no backward", "reason": f"{model.name}: refneuron has no hand-derived backward pass"}
    x, neuron_shape, _ = prepare(model, inputs, state)
    full = (x.shape[0], *neuron_shape)
    rng = np.random.default_rng(seed)
    upstream = {"output": rng.normal(size=full)}
    for name in model.State.names():
        upstream[name] = rng.normal(size=full)
    try:
        ref = gradients.vjp(model, x, upstream, state)
    except NotImplementedError as exc:
        return {"status": "no backward", "reason": str(exc)}
    try:
        fw = adapter.gradients(model, x, upstream, state, framework_dtype, list(ref.params))
    except NoCounterpart as exc:
        return {"status": "no counterpart", "reason": str(exc)}
    out = {
        "status": "ok",
        "seed": seed,
        "inputs": relative_error(fw.inputs, ref.inputs),
        "initial_state": {k: relative_error(fw.initial_state[k], v) for k, v in ref.initial_state.items()},
        "params": {
            k: None if fw.params.get(k) is None else relative_error(fw.params[k], v) for k, v in ref.params.items()
        },
    }
    errs = [out["inputs"], *out["initial_state"].values(), *(v for v in out["params"].values() if v is not None)]
    out["max"] = max(errs)
    return out


def compare_runs(model_name, framework, dtype, reference, framework_run, *, window=1, tau=10.0, q=0.1):
    """Metrics between a reference ``RunResult`` and a ``FrameworkRun``-like run.

    ``framework_run`` needs ``output`` and ``states`` (dict name -> array);
    the variables present in both runs are compared.
    """
    ref_s, fw_s = reference.output, framework_run.output
    div = metrics.first_divergence(fw_s, ref_s, framework_run.states, reference.states)
    counts = metrics.spike_counts(fw_s) - metrics.spike_counts(ref_s)
    states, over_time = {}, {}
    for var in reference.states:
        if var not in framework_run.states:
            continue
        err = metrics.state_errors(framework_run.states[var], reference.states[var], name=var)
        abs_t, _ = metrics.state_error_over_time(framework_run.states[var], reference.states[var], name=var)
        nz = np.flatnonzero(abs_t > 0)
        before = (
            err["max_abs"]
            if div is None
            else metrics.state_errors(framework_run.states[var], reference.states[var], name=var, until=div.step)[
                "max_abs"
            ]
        )
        states[var] = err | {
            "max_abs_before_divergence": before,
            "first_error_step": int(nz[0]) if nz.size else None,
        }
        over_time[var] = abs_t
    return ComparisonResult(
        model=model_name,
        framework=framework,
        framework_dtype=dtype,
        shape=tuple(ref_s.shape),
        spikes_equal=div is None,
        n_spikes={"reference": int(np.count_nonzero(ref_s)), "framework": int(np.count_nonzero(fw_s))},
        max_count_difference=float(np.max(np.abs(counts))),
        coincidence_rate=float(np.min(metrics.coincidence_rate(fw_s, ref_s, window))),
        van_rossum=float(np.max(metrics.van_rossum_distance(fw_s, ref_s, tau))),
        victor_purpura=float(np.max(metrics.victor_purpura_distance(fw_s, ref_s, q))),
        divergence=div,
        states=states,
        error_over_time=over_time,
        settings={"window": window, "tau": tau, "q": q},
        reference=reference,
        framework_run=framework_run,
    )


def compare(model, inputs, framework_dtype="float64", *, state=None, window=1, tau=10.0, q=0.1, gradients=True,
            seed=0):
    """Run ``model`` in refneuron (float64) and in its framework, and compare.

    Parameters
    ----------
    model : refneuron model record
        A model with a registered adapter (:data:`adapters.ADAPTERS`).
    inputs : array_like ``(T, *item_shape)``
        The same input is fed to both (rounded to float32 for the framework
        in float32 mode; the reference always sees the float64 values).
    framework_dtype : {"float64", "float32"}
        Precision of the framework's run.  float64 should agree to round-off;
        float32 shows how far, and from when, the framework drifts.
    state : State, dict or None
        Initial state for both runs.
    window : int
        Coincidence window in steps.
    tau : float
        van Rossum time constant in steps.
    q : float
        Victor–Purpura cost per step of shift.
    gradients : bool
        Also compare the framework's autograd with refneuron's hand-derived
        backward (:func:`compare_gradients`, upstream gradients from ``seed``).

    Returns
    -------
    ComparisonResult
        Metrics are framework versus reference (reference = desired).

    Raises
    ------
    NoCounterpart, FrameworkNotInstalled
        No adapter for the model, or its framework is not installed.
    """
    from .. import _checks
    from ..simulate import run

    _checks.check_option("framework_dtype", framework_dtype, adapters.DTYPES)
    window = metrics._window(window)
    tau = _checks.check_float("tau", tau, ">0")
    q = _checks.check_float("q", q, ">=0")
    adapter = adapters.adapter_for(model)
    fw_run = adapter.run(model, inputs, state, framework_dtype)
    ref = run(model, inputs, state, record="all")
    result = compare_runs(model.name, fw_run.framework, framework_dtype, ref, fw_run, window=window, tau=tau, q=q)
    if gradients:
        g = compare_gradients(model, inputs, framework_dtype, state=state, seed=seed, adapter=adapter)
        result = dataclasses.replace(result, gradients=g)
    return result
