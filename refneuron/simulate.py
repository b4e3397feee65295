"""Run a model over time: validation, the backend switch, and what to record.

:func:`run` is the one multi-step entry point.  It validates everything
before any work (parameters were validated when the model was built):
the input sequence, the neuron shape of per-neuron parameters, the initial
state, the options, and whether the requested records fit in memory.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from . import _checks, buffers
from .errors import BackendUnavailable, NonFiniteStateWarning, OptionError

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


SPIKE_DTYPES = ("float64", "uint8", "bool")


def _spike_dtype(value):
    """``spike_dtype`` as a NumPy dtype among :data:`SPIKE_DTYPES`."""
    return _checks.as_dtype_option("spike_dtype", value, SPIKE_DTYPES)


def _chunk_steps(value, T):
    """``chunk_steps``: None (one chunk of ``T`` steps) or an integer >= 1."""
    steps = _checks.as_count("chunk_steps", value, minimum=1, allow_none=True)
    return T if steps is None else steps


def _out_buffers(out, record, names, shape, spike_dtype, inputs):
    """Validate caller-provided output buffers (``out=``): only what ``record``
    asks for, float64 states and a ``spike_dtype`` output, exactly of ``shape``
    (see :func:`refneuron._checks.check_out_buffers`)."""
    allowed = {"all": ("output", *names), "output": ("output",), "final": ()}[record]
    return _checks.check_out_buffers(
        out, allowed, lambda key: spike_dtype if key == "output" else np.dtype(np.float64), shape, inputs
    )


def run(
    model,
    inputs,
    state=None,
    *,
    record="all",
    check_finite=True,
    backend="numpy",
    spike_dtype="float64",
    out=None,
    chunk_steps=None,
):
    """Run ``model`` over a time-major input sequence.

    Parameters
    ----------
    model : refneuron model record
    inputs : array_like, shape ``(T, *item_shape)``
        Time-major input.  bool/int/float16/float32 are converted to float64
        (lossless); complex, object, masked and sparse inputs are refused.
        With ``backend="cuda"`` a Numba device array (float64, C-contiguous)
        is also accepted; the recorded sequences are then device arrays too.
    state : State, dict or None
        Initial state; None takes the framework's default.  Never modified.
    record : {"all", "output", "final"}
        ``"all"``: output and every state variable at every step;
        ``"output"``: the output sequence and the final state;
        ``"final"``: the final state only.
    check_finite : bool
        Reject NaN/inf in ``inputs`` (default), naming the first bad index.
        With False they propagate as in the framework.  The ``"numpy"`` and
        ``"cuda"`` backends, the recurrent models and runs with ``out=``
        scan the inputs before the run.  The ``"cpu"`` kernels instead test
        each input as they read it and the error is raised after the kernel
        (or chunk) that met it, before anything is returned, warned or
        written to the caller's arrays: the same error, without a separate
        pass over the inputs (for LIF that pass costs a third of the run).
    backend : {"numpy", "cpu", "cuda"}
        ``"numpy"`` is the float64 reference (one vectorised step per time
        step); ``"cpu"`` a fused Numba kernel parallel over neurons;
        ``"cuda"`` a Numba-CUDA kernel, one thread per neuron.  A backend
        that cannot run here raises :class:`BackendUnavailable` (never a
        silent fallback).
    spike_dtype : {"float64", "uint8", "bool"}
        dtype of the recorded output.  uint8/bool cut the output's memory
        traffic eightfold; only for 0/1 outputs (not graded spikes or analog
        outputs).
    out : dict, optional
        Preallocated buffers for the recorded sequences, keyed ``"output"``
        and/or state names, each C-contiguous of shape ``(T, *neuron_shape)``
        (float64 states, ``spike_dtype`` output).  Missing ones are allocated.
        Reusing buffers avoids the page faults of fresh memory.  With
        ``backend="cpu"``, large float64 buffers whose data start on a 64-byte
        boundary and whose rows are a multiple of 64 bytes long are written
        with streaming stores, which move fewer bytes
        (:mod:`refneuron.backends._stream`); :func:`refneuron.buffers.empty`
        allocates such buffers (``np.empty`` guarantees only 16 bytes), and
        ``buffers.empty(shape, away_from=inputs)`` places them half a page from
        the inputs within a page, as refneuron places its own records: a buffer
        a few bytes ahead of the inputs there (as one aligned in the same kind
        of memory as a large NumPy input is) can cost a kernel up to a third of
        its speed (:mod:`refneuron.buffers`, "4 KiB aliasing").
    chunk_steps : int, optional
        Run the time axis in chunks of this many steps, carrying the state
        over.  The result is identical to the unchunked run.  With
        ``backend="cuda"`` only one chunk of inputs and records lives on the
        device at a time.

    Returns
    -------
    RunResult

    Raises
    ------
    InputError, InputTypeError, ShapeError, StateError, OptionError,
    ParameterError, InsufficientMemory, BackendUnavailable

    Notes
    -----
    The compiled backends agree with ``"numpy"``: spikes exactly; states
    bitwise for models without ``exp``, within a few ulp per step for models
    with ``exp`` (NumPy's vectorised ``exp`` and the scalar libm/libdevice
    ``exp`` may differ in the last bit), and on a GPU within the differences
    of fused multiply-adds.  See ``refneuron/backends``.
    """
    _checks.check_option("record", record, RECORD_OPTIONS)
    _checks.check_option("backend", backend, BACKENDS)
    if backend == "cpu":
        from .backends._layer import check_cpu_backend

        check_cpu_backend()  # a process forked after Numba started GNU OpenMP cannot run the kernels
    sdt = _spike_dtype(spike_dtype)
    if backend == "cuda":
        from .backends import cuda as _cuda_mod  # noqa: F401  (raises BackendUnavailable)

        if _cuda_mod.is_device_array(inputs):
            from .backends.specs import spec_for

            device_runner = getattr(spec_for(model), "cuda_device_runner", None) or _cuda_mod.run_device
            if device_runner is _cuda_mod.run_device and getattr(spec_for(model), "cuda_runner", None) is not None:
                raise BackendUnavailable(
                    f"backend: 'cuda' takes {model.name}'s inputs as a host array in this version "
                    "(device-array inputs: not supported for this model); pass a NumPy array"
                )
            return device_runner(
                model, inputs, state, record=record, check_finite=check_finite, spike_dtype=sdt,
                out=out, chunk_steps=chunk_steps,
            )  # fmt: skip
    fused_check = check_finite and backend == "cpu" and out is None and _kernel_checks_inputs(model)
    x, neuron_shape, state = prepare(model, inputs, state, check_finite=check_finite and not fused_check)
    T = x.shape[0]
    chunk = _chunk_steps(chunk_steps, T)
    n = math.prod(int(s) for s in neuron_shape)
    names = model.State.names()
    spec = None
    if backend != "numpy":
        spec = _kernel_spec(model, backend)
    if sdt != np.float64 and record != "final":
        from .backends.specs import binary_output

        if not binary_output(model):
            raise OptionError(
                f"spike_dtype: {sdt.name!r} needs a 0/1 output, but {model.name} with these parameters "
                "emits graded or analog values; use spike_dtype='float64'"
            )
    shape = (T, *neuron_shape)
    bufs = _out_buffers(out, record, names, shape, sdt, x)
    fresh = 0
    if record != "final" and "output" not in bufs:
        fresh += T * n * sdt.itemsize
    if record == "all":
        fresh += 8 * T * n * sum(1 for nm in names if nm not in bufs)
    if backend != "numpy" and not x.flags.c_contiguous:
        fresh += 8 * T * n  # a contiguous copy of the inputs for the kernel
    _checks.check_memory(fresh, f"run of {model.name} with T={T}, {n} neurons, record={record!r}")
    if backend == "cuda":
        from .backends import cuda as _cuda_mod

        _cuda_mod.check_device_memory(model, spec, T, n, chunk, record, sdt, names)
    if backend == "cpu" and not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)  # the copy the kernel reads, made before the records are placed away from it
    output = None
    if record != "final":
        output = bufs.get("output")
        if output is None:
            output = _empty(shape, sdt, x)
    traces = None
    if record == "all":
        traces = {nm: bufs[nm] if nm in bufs else _empty(shape, np.float64, x) for nm in names}
    if backend == "numpy":
        final, nonfinite = _run_numpy(model, x, state, output, traces, chunk)
    elif n == 0:  # no neurons: the records are empty, the final state is the initial one; no kernel to run
        final, nonfinite = state_from_flat(model, flat_state(model, state, 0), neuron_shape), None
    elif backend == "cpu":
        final, nonfinite = _run_cpu(model, spec, x, state, output, traces, chunk, neuron_shape, fused_check)
        if final is None:  # the kernel met a non-finite input
            _checks.as_inputs(inputs, check_finite=True)  # raises the InputError naming the first one
            raise RuntimeError("refneuron: the CPU kernel flagged a non-finite input that the scan did not find")
    else:
        from .backends import cuda as _cuda_mod

        host_runner = spec.cuda_runner or _cuda_mod.run_host
        final, nonfinite = host_runner(model, spec, x, state, output, traces, chunk, neuron_shape)
    if nonfinite is not None:
        _warn_nonfinite(model, nonfinite)
    return RunResult(output=output, states=traces, final_state=final, nonfinite=nonfinite)


def _empty(shape, dtype, x):
    """A record array, from :mod:`refneuron.buffers` (an idle buffer of an
    earlier call when one fits, so that repeated runs do not page-fault
    fresh memory; touching fresh pages beforehand with a parallel zero-fill
    was tried and was not faster: an extra pass over memory), its data half a
    page from the inputs ``x`` within a page (``away_from``: the CPU kernels
    read a row of ``x`` as they write the same row of each record, and a
    record a few bytes ahead of the input stalled them, :mod:`refneuron.buffers`)."""
    return buffers.empty(shape, dtype, away_from=x)


def _kernel_spec(model, backend):
    from .backends.specs import spec_for

    spec = spec_for(model)
    if spec is None:
        raise BackendUnavailable(
            f"backend: {backend!r} has no kernel for {model.name} in this version; use backend='numpy'"
        )
    why = spec.unsupported(model)
    if why is None and getattr(model, "is_smoothed", False):
        why = "a smoothed model (Model.smoothed(), for gradient checks) fires through the surrogate's primitive, which has no kernel"
    if why is not None:
        raise BackendUnavailable(f"backend: {backend!r} cannot run {model.name} here: {why}; use backend='numpy'")
    return spec


def _warn_nonfinite(model, nonfinite):
    t, n, idx = nonfinite
    warnings.warn(
        f"{model.name}: state {n!r} became non-finite at step t={t}, neuron {idx} "
        "(reproduced as the framework computes it; see RunResult.nonfinite)",
        NonFiniteStateWarning,
        stacklevel=3,
    )


def _run_numpy(model, x, state, output, traces, chunk):
    """The reference loop: one call of ``model._step`` per time step.

    Chunks change nothing here (the loop is per step); they are honoured only
    so that every backend takes the same options.
    """
    T = x.shape[0]
    names = model.State.names()
    nonfinite = None
    for t0 in range(0, T, chunk):
        for t in range(t0, min(t0 + chunk, T)):
            y, state = model._step(state, x[t])
            if output is not None:
                output[t] = y
            if traces is not None:
                for nm in names:
                    traces[nm][t] = getattr(state, nm)
            if nonfinite is None:
                for nm in names:
                    idx = _checks.first_nonfinite(getattr(state, nm))
                    if idx is not None:
                        nonfinite = (t, nm, idx)
                        break
    return state, nonfinite


def nonfinite_from_bad(bad, names, neuron_shape):
    """The first non-finite ``(t, name, index)`` from a kernel's per-neuron
    record ``bad (2, N)`` (first step, first variable; -1 while finite), in
    the order the reference reports it: earliest step, then first variable in
    the state's order, then first neuron in C order."""
    hit = bad[0] >= 0
    if not hit.any():
        return None
    t = int(bad[0][hit].min())
    at_t = hit & (bad[0] == t)
    var = int(bad[1][at_t].min())
    j = int(np.argmax(at_t & (bad[1] == var)))
    idx = tuple(int(i) for i in np.unravel_index(j, tuple(neuron_shape)))
    return (t, names[var], idx)


def flat_state(model, state, n, out=None):
    """The state as one ``(n_states, N)`` float64 array (a fresh copy, or written
    into ``out``)."""
    names = model.State.names()
    S = np.empty((len(names), n)) if out is None else out
    for k, nm in enumerate(names):
        S[k] = np.asarray(getattr(state, nm), dtype=np.float64).reshape(-1)
    return S


def state_from_flat(model, S, neuron_shape, pooled=False):
    """The state record from its flat form ``S (n_states, N)``: a copy of each row
    in ``neuron_shape`` (with ``pooled``, in arrays from :mod:`refneuron.buffers`)."""
    empty = buffers.empty if pooled else np.empty
    rows = {}
    for k, nm in enumerate(model.State.names()):
        rows[nm] = empty(tuple(neuron_shape), S.dtype)
        rows[nm][...] = S[k].reshape(neuron_shape)
    return model.State(**rows)


_NONE2 = np.empty((0, 0))


def _kernel_checks_inputs(model):
    """Whether ``model``'s CPU kernel tests its inputs as it reads them
    (:func:`refneuron.backends.cpu.run_chunk`): every kernel of
    :mod:`refneuron.backends.cpu`, not the recurrent models' own drivers."""
    from .backends.specs import spec_for

    spec = spec_for(model)
    return (
        spec is not None
        and spec.runner is None
        and spec.unsupported(model) is None
        and not getattr(model, "is_smoothed", False)
    )


def _run_cpu(model, spec, x, state, output, traces, chunk, neuron_shape, check_inputs=False):
    """The fused parallel CPU kernel over chunks of the time axis.

    With ``check_inputs``, returns ``(None, None)`` as soon as a chunk read a
    non-finite input (the caller raises)."""
    if spec.runner is not None:  # a model with its own driver (recurrent norse models)
        return spec.runner(model, spec, x, state, output, traces, chunk, neuron_shape)
    from .backends import cpu

    T = x.shape[0]
    n = math.prod(int(s) for s in neuron_shape)
    names = model.State.names()
    x2 = np.ascontiguousarray(x).reshape(T, n)
    # the working state, the first-bad-step record and (state_from_flat) the final state from the pool:
    # fresh ones page-faulted on every call (a run of snntorch Leaky at T = 8, N = 65536 in a fresh
    # process: 608 -> 0 minor faults per call with all three pooled; refneuron.buffers)
    S = flat_state(model, state, n, out=buffers.empty((len(names), n)))
    bad = buffers.empty((2, n), np.int64)
    bad.fill(-1)
    params = spec.params(model, neuron_shape)
    out2 = output.reshape(T, n) if output is not None else _NONE2
    tr2 = [traces[nm].reshape(T, n) for nm in names] if traces is not None else [_NONE2] * len(names)
    for t0 in range(0, T, chunk):
        t1 = min(t0 + chunk, T)
        o = out2[t0:t1] if output is not None else _NONE2
        trs = [a[t0:t1] if traces is not None else _NONE2 for a in tr2]
        if cpu.run_chunk(spec.kernel, x2[t0:t1], S, o, trs, bad, t0, params) and check_inputs:
            return None, None
    return state_from_flat(model, S, neuron_shape, pooled=True), nonfinite_from_bad(bad, names, neuron_shape)
