"""Immutable, validated parameter and state records.

A model is a frozen dataclass whose fields are its parameters, each declared
with :func:`param` (unit, meaning, rule) or :func:`option` / :func:`flag`.
Validation runs once, at construction, through :mod:`refneuron._checks`;
cross-parameter rules go in the model's ``_check`` method.  The same metadata
generates the parameter table of the docs (:func:`parameter_table`), so the
table cannot drift from the code.

A state is a frozen dataclass of float64 arrays, one per state variable, all
of the neuron shape.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import _checks
from .errors import ShapeError, StateError

_MISSING = dataclasses.MISSING


def param(default=_MISSING, *, unit="1", doc="", rule=None, per_neuron=True, framework_does=None):
    """A float parameter: scalar, or per-neuron array where ``per_neuron``.
    ``framework_does``: what the framework itself does with a value that breaks
    ``rule`` (bad-inputs row 4), added to the error message."""
    meta = {"kind": "float", "unit": unit, "doc": doc, "rule": rule, "per_neuron": per_neuron,
            "framework_does": framework_does}  # fmt: skip
    return dataclasses.field(default=default, metadata=meta)


def option(default, allowed, *, doc=""):
    """A string option from a fixed set (unknown values are an ``OptionError``)."""
    meta = {"kind": "option", "allowed": tuple(allowed), "doc": doc, "unit": "-"}
    return dataclasses.field(default=default, metadata=meta)


def flag(default, *, doc=""):
    """A boolean switch."""
    meta = {"kind": "bool", "doc": doc, "unit": "-"}
    return dataclasses.field(default=default, metadata=meta)


def matrix(default=_MISSING, *, doc="", unit="1"):
    """A 2-D weight matrix ``(out, in)``."""
    meta = {"kind": "matrix", "doc": doc, "unit": unit}
    return dataclasses.field(default=default, metadata=meta)


def other(default=_MISSING, *, default_factory=_MISSING, doc="", unit="-", convert=None):
    """Any other field (e.g. a surrogate); ``convert(name, value)`` validates."""
    meta = {"kind": "other", "doc": doc, "unit": unit, "convert": convert}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=meta)


class Record:
    """Base for parameter records: validates every field at construction."""

    def __post_init__(self):
        for f in dataclasses.fields(self):
            meta = f.metadata
            kind = meta.get("kind")
            value = getattr(self, f.name)
            if kind == "float":
                value = _checks.as_float_param(
                    f.name, value, meta["rule"], per_neuron=meta["per_neuron"], framework_does=meta.get("framework_does")
                )
            elif kind == "option":
                value = _checks.check_option(f.name, value, meta["allowed"])
            elif kind == "bool":
                value = _checks.check_bool(f.name, value)
            elif kind == "matrix":
                value = _checks.as_matrix(f.name, value)
            elif kind == "other" and meta.get("convert") is not None:
                value = meta["convert"](f.name, value)
            object.__setattr__(self, f.name, value)
        self._check()

    def _check(self):
        """Cross-parameter rules; override in models."""

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def per_neuron_fields(self):
        """Names of the fields that hold per-neuron arrays."""
        return [
            f.name
            for f in dataclasses.fields(self)
            if f.metadata.get("kind") == "float" and isinstance(getattr(self, f.name), np.ndarray)
        ]

    def check_neuron_shape(self, neuron_shape):
        """Row 9: every per-neuron parameter must broadcast to the neurons."""
        for name in self.per_neuron_fields():
            _checks.check_shape_broadcasts(name, getattr(self, name).shape, neuron_shape)

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def parameter_table(cls):
    """A Markdown table of a record's fields: name, default, unit, rule, meaning."""
    rows = ["| parameter | default | unit | rule | meaning |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if f.default is not _MISSING:
            default = repr(f.default)
        elif f.default_factory is not _MISSING:  # type: ignore[misc]
            default = repr(f.default_factory())  # type: ignore[misc]
        else:
            default = "required"
        rule = meta.get("rule") or ("one of " + ", ".join(meta["allowed"]) if "allowed" in meta else "")
        rows.append(f"| `{f.name}` | {default} | {meta.get('unit', '')} | {rule} | {meta.get('doc', '')} |")
    return "\n".join(rows)


class State:
    """Base for state records: one float64 array per state variable.

    Subclasses are frozen dataclasses whose fields are the variable names in
    the model's order.  ``coerce`` turns a user-supplied state (a record of
    this type or a mapping with exactly these names) into a validated record
    of the given neuron shape; a record of another model is a ``StateError``
    (row 16).
    """

    @classmethod
    def names(cls):
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def coerce(cls, value, neuron_shape, *, name="state"):
        if isinstance(value, State) and not isinstance(value, cls):
            raise StateError(f"{name}: expected a {cls.__name__} record (got a {type(value).__name__})")
        if isinstance(value, cls):
            items = {n: getattr(value, n) for n in cls.names()}
        elif isinstance(value, dict):
            missing = [n for n in cls.names() if n not in value]
            extra = [k for k in value if k not in cls.names()]
            if missing or extra:
                raise StateError(
                    f"{name}: a {cls.__name__} needs exactly the variables {cls.names()} "
                    f"(missing {missing}, unexpected {extra})"
                )
            items = dict(value)
        else:
            raise StateError(f"{name}: expected a {cls.__name__} record or a dict (got {type(value).__name__})")
        out = {}
        for n, v in items.items():
            arr = _checks._numeric_array(f"{name}.{n}", v, allow_bool=False)  # also refuses a lossy dtype (row 11)
            arr = np.asarray(arr, dtype=np.float64)
            if not np.all(np.isfinite(arr)):
                from .errors import ParameterError

                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
                raise ParameterError(f"{name}.{n}: initial state must be finite (got {float(arr[bad])!r} at index {bad})")
            try:
                full = np.broadcast_to(arr, tuple(neuron_shape))
            except ValueError:
                raise ShapeError(
                    f"{name}.{n}: shape {arr.shape} does not broadcast to the neuron shape {tuple(neuron_shape)}"
                ) from None
            out[n] = np.array(full, dtype=np.float64)  # fresh: never alias the caller's array
        return cls(**out)

    def as_dict(self):
        return {n: getattr(self, n) for n in self.names()}
