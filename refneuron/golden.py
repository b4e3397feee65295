"""Golden traces: reference runs stored in a versioned, self-describing file.

A golden file is a NumPy ``.npz`` archive holding one or more *cases*.  Each
case is a model (its registry name and full parameter record), the input it
was run on (how it was generated: generator, seed, shape; and the array
itself), an optional initial state, and everything the run produced: the
output sequence and every state variable at every step, in float64.  A JSON
header describes the file and every case, so the file can be read without
refneuron, and a case can be re-run from its header alone
(:func:`regenerate`).

Golden traces are regression pins: they say "these numbers have not changed",
never "these numbers are right".  Correctness comes from the conformance and
validation suites; a golden file only guards against accidental change.  Bits
depend on the platform's ``exp`` (NumPy and libm), so a file written on one
machine may differ by an ulp on another for models with ``exp``; the header
records the versions to make that visible.

Layout of the archive (``allow_pickle=False`` throughout)::

    __header__                 0-d unicode array: JSON (format, version, cases)
    <case>/inputs              (T, *item_shape) float64
    <case>/output              (T, *neuron_shape) float64
    <case>/states/<variable>   (T, *neuron_shape) float64
    <case>/state0/<variable>   neuron_shape float64 (only if an initial state was given)

Example
-------
>>> from refneuron import golden, snntorch
>>> case = golden.GoldenCase("leaky", snntorch.Leaky(beta=0.9),
...                          golden.InputSpec("normal", seed=1, shape=(100, 3)))
>>> golden.write_golden("leaky.npz", [case])                    # doctest: +SKIP
>>> trace = golden.read_golden("leaky.npz")["leaky"]             # doctest: +SKIP
>>> result = golden.regenerate(trace)                            # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import os
import platform
import re

import numpy as np

from . import _checks
from .errors import InputError, InputTypeError, OptionError

#: Name written in every golden file's header.
FORMAT_NAME = "refneuron-golden"
#: Version of the layout above; bumped on any incompatible change.
FORMAT_VERSION = 1

_HEADER_KEY = "__header__"
_CASE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")

# ---------------------------------------------------------------------------
# inputs


#: Input generators: name -> (parameter names with defaults, description).
GENERATORS = {
    "normal": ({"loc": 0.0, "scale": 1.0}, "numpy.random.default_rng(seed).normal(loc, scale, shape)"),
    "uniform": ({"low": 0.0, "high": 1.0}, "numpy.random.default_rng(seed).uniform(low, high, shape)"),
    "constant": ({"value": 0.0}, "numpy.full(shape, value)"),
}


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """How a golden input sequence is generated.

    Parameters
    ----------
    generator : {"normal", "uniform", "constant"}
        ``numpy.random.default_rng(seed)`` (PCG64) draws for ``"normal"``
        and ``"uniform"``; ``"constant"`` fills with ``value``.
    seed : int
        Seed of ``numpy.random.default_rng``.
    shape : tuple of int
        ``(T, *item_shape)``, time-major.
    params : dict
        Generator parameters (see :data:`GENERATORS`); missing ones take
        their defaults.
    """

    generator: str
    seed: int = 0
    shape: tuple = (1,)
    params: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        _checks.check_option("generator", self.generator, tuple(GENERATORS))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or not self.seed >= 0:
            raise InputTypeError(f"seed: must be a non-negative integer (got {self.seed!r})")
        shape = tuple(self.shape)
        if not shape or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not n > 0 for n in shape):
            raise InputError(f"shape: must be a non-empty tuple of positive integers (got {self.shape!r})")
        defaults, _ = GENERATORS[self.generator]
        unknown = sorted(set(self.params) - set(defaults))
        if unknown:
            raise OptionError(
                f"params: unknown parameter(s) {unknown} for generator {self.generator!r} "
                f"(allowed: {sorted(defaults)})"
            )
        full = dict(defaults)
        for k, v in self.params.items():
            full[k] = _checks.as_float_param(f"params[{k!r}]", v, per_neuron=False)
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "shape", tuple(int(n) for n in shape))
        object.__setattr__(self, "params", full)

    def generate(self):
        """The input sequence, a fresh float64 array of ``shape``."""
        p = self.params
        if self.generator == "constant":
            return np.full(self.shape, p["value"], dtype=np.float64)
        rng = np.random.default_rng(self.seed)
        if self.generator == "normal":
            return rng.normal(p["loc"], p["scale"], size=self.shape)
        return rng.uniform(p["low"], p["high"], size=self.shape)

    def to_json(self):
        return {
            "generator": self.generator,
            "seed": self.seed,
            "shape": list(self.shape),
            "params": dict(self.params),
            "recipe": GENERATORS[self.generator][1],
        }

    @classmethod
    def from_json(cls, d):
        return cls(d["generator"], d["seed"], tuple(d["shape"]), dict(d["params"]))


# ---------------------------------------------------------------------------
# parameter records <-> JSON


def _encode(value):
    """A JSON-serialisable form of one field value (exact for floats)."""
    from .surrogates import Surrogate

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        # json writes float.__repr__, the shortest string that reads back to the
        # same double: the round trip is exact.
        return float(value)
    if isinstance(value, np.ndarray):
        return {"__array__": np.asarray(value, dtype=np.float64).tolist(), "shape": list(value.shape)}
    if isinstance(value, Surrogate):
        cls = type(value)
        return {
            "__surrogate__": cls.__name__,
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "params": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise InputTypeError(f"golden: cannot store a parameter value of type {type(value).__name__} ({value!r})")


def _decode(value):
    if isinstance(value, dict) and "__array__" in value:
        return np.array(value["__array__"], dtype=np.float64).reshape(value["shape"])
    if isinstance(value, dict) and "__surrogate__" in value:
        module, _, qualname = value["class"].rpartition(".")
        cls = getattr(importlib.import_module(module), qualname)
        return cls(**{k: _decode(v) for k, v in value["params"].items()})
    return value


def model_to_json(model):
    """``{"model": name, "params": {...}}``: the full parameter record of a model.

    Every field is stored (defaults included), so the record is rebuilt
    exactly even if a default changes later.  Per-neuron arrays are nested
    lists; surrogates are stored by class and parameters.
    """
    return {
        "model": model.name,
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "framework": model.framework,
        "params": {f.name: _encode(getattr(model, f.name)) for f in dataclasses.fields(model)},
    }


def field_defaults(model):
    """``{name: encoded default}`` for the fields of ``model`` that have a default."""
    out = {}
    for f in dataclasses.fields(model):
        if f.default is not dataclasses.MISSING:
            out[f.name] = _encode(f.default)
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            out[f.name] = _encode(f.default_factory())  # type: ignore[misc]
    return out


def model_from_json(d):
    """Rebuild a model from :func:`model_to_json`'s form (through the registry)."""
    from . import registry

    cls = registry.get(d["model"])
    return cls(**{k: _decode(v) for k, v in d["params"].items()})


# ---------------------------------------------------------------------------
# cases and traces


@dataclasses.dataclass(frozen=True)
class GoldenCase:
    """What to run for one golden case.

    Parameters
    ----------
    name : str
        Key of the case in the file (letters, digits, ``_ . -``).
    model : refneuron model record
    inputs : InputSpec or array_like
        A generator spec (preferred: the header then says how to make the
        input) or an explicit time-major array (stored as is).
    state : State, dict or None
        Initial state; None takes the model's default.
    description : str
        Free text written to the header.
    """

    name: str
    model: object
    inputs: object
    state: object = None
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not _CASE_NAME.match(self.name):
            raise InputError(f"name: must be letters, digits, '_', '.' or '-' (got {self.name!r})")


@dataclasses.dataclass(frozen=True, eq=False)
class GoldenTrace:
    """One case read from (or about to be written to) a golden file.

    Attributes
    ----------
    name : str
    meta : dict
        The case's header: model record, input spec, versions, date, ...
    inputs : ndarray ``(T, *item_shape)``
    output : ndarray ``(T, *neuron_shape)``
    states : dict name -> ndarray ``(T, *neuron_shape)``
    state0 : dict name -> ndarray, or None
    """

    name: str
    meta: dict
    inputs: np.ndarray
    output: np.ndarray
    states: dict
    state0: dict | None = None

    def model(self):
        """The model record this case was run with, rebuilt from the header."""
        return model_from_json(self.meta["model"])

    def input_spec(self):
        """The :class:`InputSpec`, or None for an explicit input."""
        spec = self.meta.get("inputs")
        return None if spec is None or spec.get("generator") == "explicit" else InputSpec.from_json(spec)


def _versions():
    from . import __version__

    return {
        "refneuron": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "system": platform.system(),
    }


def run_case(case, *, date=None):
    """Run a :class:`GoldenCase` and return its :class:`GoldenTrace`."""
    from .simulate import run

    model = case.model
    if isinstance(case.inputs, InputSpec):
        x = case.inputs.generate()
        spec = case.inputs.to_json()
    else:
        x = _checks.as_inputs(case.inputs, name=f"{case.name}.inputs")
        spec = {"generator": "explicit", "shape": list(x.shape)}
    res = run(model, x, case.state, record="all")
    state0 = None
    if case.state is not None:
        s0 = model.State.coerce(case.state, res.output.shape[1:], name=f"{case.name}.state")
        state0 = {k: np.array(v, dtype=np.float64) for k, v in s0.as_dict().items()}
    meta = {
        "model": model_to_json(model),
        "inputs": spec,
        "dtype": "float64",
        "state_names": list(model.State.names()),
        "has_state0": state0 is not None,
        "date": date or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "description": case.description,
        "run": {"backend": "numpy", "record": "all"},
    }
    return GoldenTrace(case.name, meta, np.array(x), res.output, dict(res.states), state0)


def write_golden(path, cases, *, date=None):
    """Run (or take) the given cases and write them into one ``.npz`` file.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, written exactly there (no suffix is added) and
        overwritten; ``.npz`` is the conventional suffix.
    cases : iterable of GoldenCase or GoldenTrace
        Cases are run with :func:`run_case`; traces are written as they are.
    date : str, optional
        ISO date to record instead of now (for reproducible headers).

    Returns
    -------
    dict name -> GoldenTrace
        What was written.

    Raises
    ------
    InputError
        Duplicate or invalid case names, or no case at all.
    """
    traces = {}
    for c in cases:
        tr = run_case(c, date=date) if isinstance(c, GoldenCase) else c
        if not isinstance(tr, GoldenTrace):
            raise InputTypeError(f"cases: expected GoldenCase or GoldenTrace items (got {type(c).__name__})")
        if tr.name in traces:
            raise InputError(f"cases: duplicate case name {tr.name!r}")
        traces[tr.name] = tr
    if not traces:
        raise InputError("cases: at least one case is needed")
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "written": date or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "cases": {name: tr.meta for name, tr in traces.items()},
    }
    arrays = {_HEADER_KEY: np.array(json.dumps(header, indent=1, allow_nan=False))}
    for name, tr in traces.items():
        arrays[f"{name}/inputs"] = np.asarray(tr.inputs, dtype=np.float64)
        arrays[f"{name}/output"] = np.asarray(tr.output, dtype=np.float64)
        for var, arr in tr.states.items():
            arrays[f"{name}/states/{var}"] = np.asarray(arr, dtype=np.float64)
        for var, arr in (tr.state0 or {}).items():
            arrays[f"{name}/state0/{var}"] = np.asarray(arr, dtype=np.float64)
    with open(os.fspath(path), "wb") as fh:
        np.savez_compressed(fh, **arrays)
    return traces


def read_header(path):
    """The JSON header of a golden file (no arrays loaded)."""
    with np.load(os.fspath(path), allow_pickle=False) as z:
        return _header(z, path)


def _header(z, path):
    if _HEADER_KEY not in z.files:
        raise InputError(f"path: {os.fspath(path)!r} is not a refneuron golden file (no header)")
    header = json.loads(str(z[_HEADER_KEY][()]))
    if header.get("format") != FORMAT_NAME:
        raise InputError(f"path: {os.fspath(path)!r} has format {header.get('format')!r}, not {FORMAT_NAME!r}")
    if header.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"path: {os.fspath(path)!r} has format version {header.get('format_version')!r}; this "
            f"refneuron reads version {FORMAT_VERSION}"
        )
    return header


def read_golden(path):
    """Read every case of a golden file.

    Returns
    -------
    dict name -> GoldenTrace
        In the order the cases were written.  Arrays are bit-for-bit those
        that were written.

    Raises
    ------
    InputError
        Not a golden file, or a format version this refneuron cannot read.
    """
    with np.load(os.fspath(path), allow_pickle=False) as z:
        header = _header(z, path)
        out = {}
        for name, meta in header["cases"].items():
            states = {v: z[f"{name}/states/{v}"] for v in meta["state_names"]}
            state0 = {v: z[f"{name}/state0/{v}"] for v in meta["state_names"]} if meta["has_state0"] else None
            out[name] = GoldenTrace(name, meta, z[f"{name}/inputs"], z[f"{name}/output"], states, state0)
    return out


def read_case(path, case):
    """One case of a golden file (``InputError`` naming the known cases if absent)."""
    traces = read_golden(path)
    if case not in traces:
        raise InputError(f"case: {case!r} is not in {os.fspath(path)!r} (cases: {', '.join(traces)})")
    return traces[case]


def regenerate(trace, model=None):
    """Re-run a golden case with the current code.

    Parameters
    ----------
    trace : GoldenTrace
    model : refneuron model, optional
        Run this model instead of the one rebuilt from the header (to test a
        user's own record against the stored numbers).

    Returns
    -------
    RunResult
        ``record="all"`` on the stored input and initial state.

    Raises
    ------
    InputError
        The input generator no longer reproduces the stored input bit for
        bit (then the comparison would be meaningless).
    """
    from .simulate import run

    spec = trace.input_spec()
    if spec is not None:
        x = spec.generate()
        if x.shape != trace.inputs.shape or not np.array_equal(
            x.view(np.uint64), np.asarray(trace.inputs, dtype=np.float64).view(np.uint64)
        ):
            raise InputError(
                f"{trace.name}: the generator {spec.to_json()['recipe']} with seed {spec.seed} no longer "
                f"reproduces the stored input (NumPy {np.__version__} vs "
                f"{trace.meta['versions']['numpy']} when written)"
            )
    else:
        x = trace.inputs
    m = trace.model() if model is None else model
    return run(m, x, trace.state0, record="all")


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "GENERATORS",
    "GoldenCase",
    "GoldenTrace",
    "InputSpec",
    "model_from_json",
    "model_to_json",
    "read_case",
    "read_golden",
    "read_header",
    "regenerate",
    "run_case",
    "write_golden",
]
