"""Run a model over time: validation, the backend switch, and what to record.

:func:`run` is the one multi-step entry point.  It validates everything
before any work (parameters were validated when the model was built):
the input sequence, the neuron shape of per-neuron parameters, the initial
state, the options, and whether the requested records fit in memory.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from . import _checks
from .errors import BackendUnavailable, NonFiniteStateWarning

RECORD_OPTIONS = ("all", "output", "final")
BACKENDS = ("numpy", "cpu", "cuda")


@dataclasses.dataclass(frozen=True, eq=False)
class RunResult:
    """What :func:`run` returns.

    Attributes
    ----------
    output : ndarray ``(T, *neuron_shape)`` or None
        What the framework's module returns at each step: the spike train
        (0/1, or ``g`` times it for graded spikes), or the analog output of
        models such as LIAF.  None when ``record="final"``.
    states : dict name -> ndarray ``(T, *neuron_shape)``, or None
        Every state variable after each step, as the framework stores it
        (e.g. snntorch's pre-reset membrane, spikingjelly's post-reset one).
        None unless ``record="all"``.
    final_state : State
        The state after the last step (feed it back to continue the run).
    nonfinite : tuple or None
        ``(t, variable, neuron_index)`` of the first non-finite state value,
        or None if every state stayed finite.
    """

    output: np.ndarray | None
    states: dict | None
    final_state: object
    nonfinite: tuple | None = None

    @property
    def spikes(self):
        """Alias of ``output`` (the spike train for spiking models)."""
        return self.output


def prepare(model, inputs, state=None, *, check_finite=True, name="inputs"):
    """Validate a run's inputs and initial state; returns ``(x, neuron_shape, state0)``."""
    x = _checks.as_inputs(inputs, name=name, check_finite=check_finite)
    neuron_shape = model.neuron_shape(x.shape[1:])
    model.check_neuron_shape(neuron_shape)
    state0 = model.initial_state(neuron_shape) if state is None else model.State.coerce(state, neuron_shape)
    return x, neuron_shape, state0


def run(model, inputs, state=None, *, record="all", check_finite=True, backend="numpy"):
    """Run ``model`` over a time-major input sequence.

    Parameters
    ----------
    model : refneuron model record
    inputs : array_like, shape ``(T, *item_shape)``
        Time-major input.  bool/int/float16/float32 are converted to float64
        (lossless); complex, object, masked and sparse inputs are refused.
    state : State, dict or None
        Initial state; None takes the framework's default.  Never modified.
    record : {"all", "output", "final"}
        ``"all"``: output and every state variable at every step;
        ``"output"``: the output sequence and the final state;
        ``"final"``: the final state only.
    check_finite : bool
        Reject NaN/inf in ``inputs`` (default).  With False they propagate as
        in the framework.
    backend : {"numpy", "cpu", "cuda"}
        ``"numpy"`` is the float64 reference.

    Returns
    -------
    RunResult

    Raises
    ------
    InputError, InputTypeError, ShapeError, StateError, OptionError,
    InsufficientMemory, BackendUnavailable
    """
    _checks.check_option("record", record, RECORD_OPTIONS)
    _checks.check_option("backend", backend, BACKENDS)
    x, neuron_shape, state = prepare(model, inputs, state, check_finite=check_finite)
    T = x.shape[0]
    n = int(np.prod(neuron_shape, dtype=np.int64))
    names = model.State.names()
    n_arrays = {"all": 1 + len(names), "output": 1, "final": 0}[record]
    _checks.check_memory(8 * T * n * n_arrays, f"run of {model.name} with T={T}, {n} neurons")
    if backend != "numpy":
        raise BackendUnavailable(
            f"backend: {backend!r} has no kernel for {model.name} in this version; use backend='numpy'"
        )
    return _run_numpy(model, x, state, record, neuron_shape)


def _run_numpy(model, x, state, record, neuron_shape):
    """The reference loop: one call of ``model._step`` per time step."""
    T = x.shape[0]
    names = model.State.names()
    shape = (T, *neuron_shape)
    out = np.empty(shape) if record != "final" else None
    traces = {n: np.empty(shape) for n in names} if record == "all" else None
    nonfinite = None
    for t in range(T):
        y, state = model._step(state, x[t])
        if out is not None:
            out[t] = y
        if traces is not None:
            for n in names:
                traces[n][t] = getattr(state, n)
        if nonfinite is None:
            for n in names:
                idx = _checks.first_nonfinite(getattr(state, n))
                if idx is not None:
                    nonfinite = (t, n, idx)
                    warnings.warn(
                        f"{model.name}: state {n!r} became non-finite at step t={t}, neuron {idx} "
                        "(reproduced as the framework computes it; see RunResult.nonfinite)",
                        NonFiniteStateWarning,
                        stacklevel=3,
                    )
                    break
    return RunResult(output=out, states=traces, final_state=state, nonfinite=nonfinite)
