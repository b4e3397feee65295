r"""The reverse-time driver for hand-derived backward passes (BPTT).

For a loss :math:`L` that depends on the recorded output sequence
:math:`Y_t` and state traces :math:`Z_t` of a run,
:func:`vjp` returns :math:`\partial L/\partial X_t` for the input sequence,
:math:`\partial L/\partial Z_0` for the initial state and
:math:`\partial L/\partial p` for every differentiable parameter, given the
upstream gradients :math:`\bar Y_t = \partial L/\partial Y_t` and
:math:`\bar Z_t = \partial L/\partial Z_t` (the vector–Jacobian product).

The recursion runs backward over the stored forward trace.  With
:math:`Z_t = f(Z_{t-1}, X_t; p)` and :math:`Y_t = y(Z_{t-1}, X_t; p)`, the
total gradient of the state after step :math:`t` is

.. math::

    \hat Z_t = \bar Z_t + \hat Z_{t+1}\,\frac{\partial f}{\partial Z_t}(Z_t, X_{t+1})
    \;(\text{the second term from step } t+1),\qquad \hat Z_{T+1}\text{-term} = 0,

and step :math:`t` contributes

.. math::

    \bar X_t = \hat Z_t \frac{\partial f}{\partial X_t} + \bar Y_t \frac{\partial y}{\partial X_t},
    \qquad
    \bar p \mathrel{+}= \hat Z_t \frac{\partial f}{\partial p} + \bar Y_t \frac{\partial y}{\partial p}.

Each model supplies only the local step, ``model._vjp_step(state_prev, x,
g_output, g_state) -> (g_x, g_state_prev, g_params)``: it recomputes the
forward intermediates of step :math:`t` from :math:`(Z_{t-1}, X_t)` (pre-reset
membrane, spikes, surrogate derivatives) and applies the chain rule by hand,
honouring the model's reset mechanism and which spikes are detached.  The
derivation of each model's step is written in its docstring.

Parameter gradients are accumulated per neuron in time order and reduced to
the parameter's shape only after the loop, so the result does not depend on
how neurons are split between threads (tolerances, mechanism 6).  A matrix
parameter (the input and recurrent weights of norse's recurrent models) is
returned by ``_vjp_step`` as the full matrix of that step, summed over the
batch in a fixed order; the driver adds the steps in reverse time order.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import _checks
from .errors import ShapeError
from .simulate import BACKENDS, RunResult, prepare, run, state_from_flat


@dataclasses.dataclass(frozen=True, eq=False)
class Gradients:
    """What :func:`vjp` returns.

    Attributes
    ----------
    inputs : ndarray ``(T, *item_shape)``
        :math:`\\partial L/\\partial X_t`.
    initial_state : dict name -> ndarray (neuron shape)
        :math:`\\partial L/\\partial Z_0`.
    params : dict name -> float or ndarray
        Gradient of every differentiable parameter, in the parameter's own
        shape (a scalar parameter gets the sum over all neurons, as
        autograd gives for a shared scalar).
    forward : RunResult
        The forward run the gradients were taken along.
    """

    inputs: np.ndarray
    initial_state: dict
    params: dict
    forward: RunResult


def _reduce_to(value, target):
    """Sum a per-neuron gradient down to the shape of the parameter ``target``."""
    if not isinstance(target, np.ndarray):
        return float(np.sum(value))
    value = np.asarray(value, dtype=np.float64)
    extra = value.ndim - target.ndim
    if extra > 0:
        value = value.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(target.shape) if n == 1 and value.shape[i] != 1)
    if axes:
        value = value.sum(axis=axes, keepdims=True)
    return value.reshape(target.shape)


def _upstream(name, value, shape, check_finite=True):
    if value is None:
        return None
    arr = _checks.as_inputs(value, name=f"upstream[{name!r}]", min_ndim=1, check_finite=check_finite)
    if arr.shape != shape:
        raise ShapeError(f"upstream[{name!r}]: must have shape {shape} (got {arr.shape})")
    return arr


def vjp(model, inputs, upstream, state=None, *, check_finite=True, backend="numpy"):
    """Hand-derived backward pass of ``model`` over a whole run.

    Parameters
    ----------
    model : refneuron model record with a ``_vjp_step`` method
    inputs : array_like ``(T, *item_shape)``
    upstream : dict
        ``"output"`` -> :math:`\\partial L/\\partial Y` ``(T, *neuron_shape)``,
        and optionally a state name -> :math:`\\partial L/\\partial Z` of the
        same shape.  Missing entries are zero.
    state : initial state (record, dict or None for the default)
    check_finite : bool
        Reject NaN/inf in ``inputs`` and in the upstream gradients, naming
        the first bad index (default).  ``False`` skips both tests and
        propagates non-finite values as the frameworks' autograd does.  The
        NumPy and CUDA backends scan each array before the run (one pass over
        it); the CPU kernels test every value as they read it and the arrays
        are scanned only when a kernel saw a bad one, so the test costs
        almost nothing there and the error is the same word for word.
    backend : {"numpy", "cpu", "cuda"}
        ``"numpy"``: the reference loop over ``model._vjp_step``.  ``"cpu"``
        / ``"cuda"``: one fused kernel (:mod:`refneuron.backends.cpu_vjp`,
        :mod:`refneuron.backends.cuda_vjp`) that runs the forward, storing
        the state before every step, then the reverse time loop, parallel
        over neurons; per-neuron parameter partial sums are reduced after
        the loop, so results do not depend on the thread count.  They call
        the model's own element-wise backward functions: equal to
        ``"numpy"`` bit for bit without ``exp``, to a few ulp with it.  A
        model, option or surrogate without a kernel raises
        :class:`~refneuron.errors.BackendUnavailable` with the reason.

    Returns
    -------
    Gradients
        With a compiled backend, ``forward.output`` is uint8 for 0/1 spikes
        (float64 otherwise) and ``forward.states`` are views of the tape.
    """
    _checks.check_option("backend", backend, BACKENDS)
    if backend == "cpu":
        from .backends._layer import check_cpu_backend

        check_cpu_backend()  # a process forked after Numba started GNU OpenMP cannot run the kernels
    if not hasattr(model, "_vjp_step"):
        raise NotImplementedError(f"{model.name}: no hand-derived backward pass yet")
    if not isinstance(upstream, dict):
        raise TypeError(f"upstream: must be a dict of arrays keyed by 'output' or state names (got {type(upstream).__name__})")
    names = model.State.names()
    unknown = [k for k in upstream if k != "output" and k not in names]
    if unknown:
        raise ValueError(f"upstream: unknown keys {unknown}; allowed: 'output', {', '.join(map(repr, names))}")
    # the CPU kernels test the inputs and upstream gradients as they read them, in place of a scan of each
    fused = check_finite and backend == "cpu" and _kernel_checks_inputs(model)
    scan = check_finite and not fused
    x, neuron_shape, s0 = prepare(model, inputs, state, check_finite=scan)
    T = x.shape[0]
    full = (T, *neuron_shape)
    g_out = _upstream("output", upstream.get("output"), full, scan)
    g_states = {n: _upstream(n, upstream.get(n), full, scan) for n in names}

    if backend != "numpy":

        def recheck():
            """The scans the kernel stood in for: raise the error they would have raised."""
            _checks.as_inputs(inputs, check_finite=True)
            for key in ("output", *names):
                _upstream(key, upstream.get(key), full, True)

        return _vjp_compiled(model, x, neuron_shape, s0, g_out, g_states, backend, recheck if fused else None)
    fwd = run(model, x, s0, record="all", check_finite=False)
    zero = np.zeros(neuron_shape)
    carry = {n: zero for n in names}  # dL/dZ_t coming from step t+1
    gx = np.empty_like(x)
    acc: dict = {}
    for t in range(T - 1, -1, -1):
        prev = s0 if t == 0 else model.State(**{n: fwd.states[n][t - 1] for n in names})
        g_state_t = {n: carry[n] + (g_states[n][t] if g_states[n] is not None else 0.0) for n in names}
        g_y = g_out[t] if g_out is not None else zero
        gx_t, carry, gp = model._vjp_step(prev, x[t], g_y, g_state_t)
        gx[t] = gx_t
        for k, v in gp.items():
            acc[k] = acc.get(k, 0.0) + v
    params = {k: _reduce_to(v, getattr(model, k)) for k, v in acc.items()}
    init = {n: np.array(np.broadcast_to(carry[n], neuron_shape)) for n in names}
    return Gradients(inputs=gx, initial_state=init, params=params, forward=fwd)


def _kernel_checks_inputs(model):
    """Whether ``model``'s CPU backward kernel tests the inputs and upstream
    gradients as it reads them (:mod:`refneuron.backends.cpu_vjp`): the
    kernels driven by :func:`~refneuron.backends.vjp.vjp_compiled`, not the
    recurrent models' own drivers."""
    from .backends.vjp import BACKWARD
    from .simulate import _kernel_checks_inputs as forward_checks_inputs

    bspec = BACKWARD.get(model.name)
    return bspec is not None and bspec.runner is None and forward_checks_inputs(model)


def _vjp_compiled(model, x, neuron_shape, s0, g_out, g_states, backend, recheck=None):
    """:func:`vjp` through a fused backward kernel (``backend`` "cpu" or "cuda").

    ``recheck``: when given, the inputs and upstream gradients were not
    scanned; the kernel flags a non-finite one, and ``recheck`` raises the
    error the scan would have raised (it is also called before any other
    error, a missing kernel say, so that a bad value is reported first, as
    with the scan)."""
    from .backends.vjp import BACKWARD, vjp_compiled

    bspec = BACKWARD.get(model.name)
    if bspec is not None and bspec.runner is not None:  # its own driver (recurrent norse models)
        runner = bspec.cuda_runner if backend == "cuda" and bspec.cuda_runner is not None else bspec.runner
        return runner(model, x, neuron_shape, s0, g_out, g_states, backend)
    try:
        gx, gS0, gP, out, tape, pnames, maybe_nonfinite = vjp_compiled(
            model, x, neuron_shape, s0, g_out, g_states, backend
        )
    except Exception as exc:
        failure = exc
    else:
        failure = None
    if failure is not None:
        if recheck is not None:
            recheck()  # outside the except clause: a bad value's error does not carry this one as its context
        raise failure
    if maybe_nonfinite and recheck is not None:
        recheck()  # raises if the flag came from an input or an upstream gradient, else a state is non-finite
    names = model.State.names()
    T = x.shape[0]
    shape = (T, *neuron_shape)
    states = {nm: tape[k, 1:].reshape(shape) for k, nm in enumerate(names)}
    final = state_from_flat(model, tape[:, T], neuron_shape)
    nonfinite = _first_nonfinite(states, names) if maybe_nonfinite else None
    fwd = RunResult(output=out.reshape(shape), states=states, final_state=final, nonfinite=nonfinite)
    params = {k: _reduce_to(gP[i].reshape(neuron_shape), getattr(model, k)) for i, k in enumerate(pnames)}
    init = {nm: gS0[k].reshape(neuron_shape).copy() for k, nm in enumerate(names)}
    return Gradients(inputs=gx.reshape(x.shape), initial_state=init, params=params, forward=fwd)


def _first_nonfinite(states, names):
    """``(t, name, index)`` of the first non-finite state value, as :func:`run`
    reports it (earliest step, then the first variable, then the first neuron)."""
    best = None
    for nm in names:
        idx = _checks.first_nonfinite(states[nm])
        if idx is not None and (best is None or idx[0] < best[0]):
            best = (idx[0], nm, tuple(idx[1:]))
    return best
