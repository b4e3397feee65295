"""Exception and warning types of refneuron.

Every error refneuron raises about user input is a subclass of the built-in
``ValueError`` or ``TypeError``, so callers can catch either the specific type
or the built-in one.  Messages follow one pattern, ``"name: rule (got value)"``,
and are built by :mod:`refneuron._checks`, the only module that validates.
"""


class ParameterError(ValueError):
    """A parameter value breaks a rule (range, finiteness, relation to another)."""


class OptionError(ValueError):
    """An option string is not one of the allowed values."""


class ShapeError(ValueError):
    """An array does not have (or broadcast to) the shape it must have."""


class InputError(ValueError):
    """An input sequence is unusable: empty time axis, non-finite values, ..."""


class InputTypeError(TypeError):
    """An array has a dtype or container type that refneuron does not accept."""


class StateError(TypeError):
    """A state record belongs to another model or lacks a variable."""


class InsufficientMemory(MemoryError):
    """The requested records would not fit in the memory available."""


class BackendUnavailable(RuntimeError):
    """The requested backend (Numba CPU, Numba CUDA) cannot run here."""


class NonFiniteStateWarning(RuntimeWarning):
    """A model's state became non-finite (inf/NaN) during a run."""


class UnstableDiscretisationWarning(RuntimeWarning):
    """A forward-Euler decay factor is negative: the update oscillates in sign."""


class FrameworkNotInstalled(ImportError):
    """The framework a comparison needs cannot be imported (install the 'frameworks' extra)."""


class NoCounterpart(ValueError):
    """A refneuron model (or one of its settings) has no counterpart in the framework."""
