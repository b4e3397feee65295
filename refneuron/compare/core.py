"""``compare``: a refneuron model against its framework counterpart."""

from __future__ import annotations

import dataclasses

import numpy as np

from . import adapters, metrics

__all__ = ["ComparisonResult", "compare", "compare_runs"]


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
        }


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


def compare(model, inputs, framework_dtype="float64", *, state=None, window=1, tau=10.0, q=0.1):
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
    return compare_runs(model.name, fw_run.framework, framework_dtype, ref, fw_run, window=window, tau=tau, q=q)
