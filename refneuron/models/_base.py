"""The base every neuron model derives from.

A model is a frozen, validated parameter record (:class:`refneuron._records.Record`)
that also knows

* its state record type ``State`` (one float64 array per state variable),
* ``initial_state(neuron_shape)``: the framework's default initial state,
* ``_step(state, x)``: one time step in float64 NumPy, written in the
  framework's own order of operations; returns ``(output, new_state)``.
  It does no validation and never writes to its arguments.

``step`` and ``run`` are the validated public entry points; ``run`` lives in
:mod:`refneuron.simulate`.

Checklist for adding a model (mirrors scipy's ``OdeSolver`` docstring):

1. a file ``models/<source>/<model>.py`` with the state record, the model
   record (fields declared with ``param``/``option``/``flag``), cross-field
   rules in ``_check``, ``initial_state`` and ``_step``;
2. a docstring with the discrete update, the ODE it discretises, units and
   the framework file and version;
3. ``@register`` on the class, and an import in the source's ``__init__``;
4. conformance tests against the framework in float64, and bad-input tests.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from .. import _checks
from .._records import Record, State


@dataclasses.dataclass(frozen=True, eq=False)
class Model(Record):
    """Base class of all neuron models (see the module docstring)."""

    name: ClassVar[str] = ""
    framework: ClassVar[str] = ""  # e.g. "snntorch 1.0.0"
    reference: ClassVar[str] = ""  # source file or paper
    State: ClassVar[type] = State
    quirks: ClassVar[tuple] = ()  # ids in refneuron.quirks.QUIRKS
    #: "spikes" if the output is a 0/1 (or graded) spike train, "analog" otherwise
    output_kind: ClassVar[str] = "spikes"

    # -- to be provided by each model ------------------------------------------------
    def initial_state(self, neuron_shape):
        """The framework's default initial state for ``neuron_shape``."""
        raise NotImplementedError

    def _step(self, state, x):
        """One float64 NumPy step; returns ``(output, new_state)``."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------
    def neuron_shape(self, item_shape):
        """Neuron shape fed by inputs of shape ``(T, *item_shape)``.

        Element-wise models return ``item_shape``; models with weight
        matrices override this (and check the input's last dimension).
        """
        return tuple(item_shape)

    def full(self, value, neuron_shape):
        """A fresh float64 array of ``neuron_shape`` filled from a parameter."""
        return np.array(np.broadcast_to(np.asarray(value, dtype=np.float64), tuple(neuron_shape)))

    def step(self, state, x, *, check_finite=True):
        """Advance one time step (validated).

        Parameters
        ----------
        state : State record of this model, a dict of its variables, or None
            for the default initial state.
        x : array_like, shape ``item_shape``
            The input of this step.

        Returns
        -------
        output : ndarray, float64, neuron shape
        new_state : State
        """
        x = _checks._numeric_array("x", x, allow_bool=True)  # row 12 before np.asarray drops a mask
        xs = _checks.as_inputs(x[None], name="x", check_finite=check_finite, min_ndim=1)[0]
        shape = self.neuron_shape(xs.shape)
        self.check_neuron_shape(shape)
        state = self.initial_state(shape) if state is None else self.State.coerce(state, shape)
        return self._step(state, xs)

    def smoothed(self):
        """A copy whose gradient-carrying spikes are the surrogate's smooth
        primitive instead of the step function (for gradient checks only).

        Spikes that the framework detaches from the graph (snntorch's delayed
        reset, ``detach_reset=True``, norse's detached resets) stay hard
        steps: their derivative is zero almost everywhere, which is exactly
        what detaching means, so central finite differences of the smoothed
        forward check the hand-derived backward pass.
        """
        out = dataclasses.replace(self)
        object.__setattr__(out, "_smooth", True)
        return out

    @property
    def is_smoothed(self):
        return getattr(self, "_smooth", False)

    def run(self, inputs, state=None, **options):
        """Run over a time-major input; see :func:`refneuron.simulate.run`."""
        from ..simulate import run

        return run(self, inputs, state, **options)

    @classmethod
    def parameter_table(cls):
        from .._records import parameter_table

        return parameter_table(cls)
