"""The only argument validators of refneuron.

Every check is written so that NaN fails it (``not (x > 0)`` rather than
``x <= 0``) and none uses ``assert``.  Messages read ``"name: rule (got value)"``.
The catalogue of bad inputs and what each gets is in the project's
specification (bad-inputs); the row numbers are quoted below.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings

import numpy as np

from .errors import (
    InputError,
    InputTypeError,
    InsufficientMemory,
    OptionError,
    ParameterError,
    ShapeError,
    UnstableDiscretisationWarning,
)

__all__ = [
    "as_float_param",
    "as_inputs",
    "as_matrix",
    "check_option",
    "check_rule",
    "check_shape_broadcasts",
    "check_euler_decay",
    "check_memory",
    "first_nonfinite",
    "as_count",
    "as_dtype_option",
    "check_out_buffers",
]


def _show(value):
    """A short representation of a value for an error message."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, separator=", ")
        return f"array of shape {value.shape}"
    return repr(value)


def _reject_container(name, value):
    """Row 12: masked arrays, sparse matrices, complex/object/string data."""
    if isinstance(value, np.ma.MaskedArray):
        raise InputTypeError(f"{name}: masked arrays are not accepted (got {type(value).__name__})")
    if hasattr(value, "tocsr") or type(value).__module__.startswith("scipy.sparse"):
        raise InputTypeError(f"{name}: sparse matrices are not accepted (got {type(value).__name__})")
    if isinstance(value, (str, bytes)):
        raise InputTypeError(f"{name}: must be numeric (got a string {value!r})")


def _numeric_array(name, value, *, allow_bool):
    """``value`` as an ndarray of a real numeric kind, else ``InputTypeError``."""
    _reject_container(name, value)
    try:
        arr = np.asarray(value)
    except Exception as exc:  # e.g. ragged nested lists
        raise InputTypeError(f"{name}: cannot be read as a numeric array ({exc})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise InputTypeError(f"{name}: complex values are not accepted (got dtype {arr.dtype})")
    if kind == "b" and not allow_bool:
        raise InputTypeError(f"{name}: must be a real number, not bool (got {_show(value)})")
    if kind not in "biuf":
        raise InputTypeError(f"{name}: must be a real numeric array (got dtype {arr.dtype})")
    _check_float64_exact(name, arr)
    return arr


#: the largest integer magnitude below which every integer is a float64 (2**53)
_INT_EXACT = 2**53


def _check_float64_exact(name, arr):
    """Row 11: converting to float64 must not round.  Floats wider than float64
    (``np.longdouble``) are refused by dtype, as the state records refuse them;
    64-bit integers where a value exceeds 2**53 in magnitude, beyond which not
    every integer is a float64 (the check reads the array only for those
    dtypes; bool, 8-32-bit integers, float16 and float32 convert exactly)."""
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype.itemsize > 8:
        raise InputTypeError(
            f"{name}: dtype {arr.dtype} would lose precision in float64, the precision refneuron computes in "
            "(convert it explicitly if that is intended)"
        )
    if kind in "iu" and arr.dtype.itemsize >= 8 and arr.size:
        big = (arr > _INT_EXACT) | (arr < -_INT_EXACT) if kind == "i" else arr > _INT_EXACT
        if np.any(big):
            first = tuple(int(i) for i in np.argwhere(big)[0])
            _refuse_large_integer(name, f"{arr[first]} at index {first}")


def _refuse_large_integer(name, shown):
    raise InputTypeError(
        f"{name}: integer {shown} exceeds 2**53 in magnitude, beyond which float64, the precision refneuron "
        "computes in, does not hold every integer"
    )


# ---------------------------------------------------------------------------
# parameters


def check_rule(name, value, rule, framework_does=None):
    """Check one numeric parameter (scalar or array) against a rule.

    ``rule`` is one of ``"finite"``, ``">0"``, ``">=0"``, ``">1"``,
    ``"[0,1]"``, ``"(0,1)"``, ``"(0,1]"``, ``"<0"``, ``"!=0"`` or ``None``
    (finite only).  Every rule includes finiteness (rows 2, 3, 4).
    ``framework_does`` (what the framework itself does with such a value, row 4)
    is added to the message of a broken range rule.
    """
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name}: must be finite (got {_show(value)})")
    if rule in (None, "finite"):
        return
    tests = {
        ">0": (lambda a: a > 0, "must be > 0"),
        ">=0": (lambda a: a >= 0, "must be >= 0"),
        ">1": (lambda a: a > 1, "must be > 1"),
        "<0": (lambda a: a < 0, "must be < 0"),
        "!=0": (lambda a: a != 0, "must be != 0"),
        "[0,1]": (lambda a: (a >= 0) & (a <= 1), "must lie in [0, 1]"),
        "(0,1)": (lambda a: (a > 0) & (a < 1), "must lie in (0, 1)"),
        "(0,1]": (lambda a: (a > 0) & (a <= 1), "must lie in (0, 1]"),
    }
    if rule not in tests:
        raise ValueError(f"internal: unknown rule {rule!r} for {name}")
    test, text = tests[rule]
    ok = test(arr)
    if not np.all(ok):
        bad = arr if arr.ndim == 0 else arr[~ok].ravel()[0]
        note = f"; {framework_does}" if framework_does else ""
        raise ParameterError(f"{name}: {text} (got {_show(value) if arr.ndim == 0 else float(bad)}){note}")


def as_float_param(name, value, rule=None, *, per_neuron=True, framework_does=None):
    """A float parameter: a Python ``float`` for scalars, else a read-only
    float64 array (per-neuron values; only where the framework allows them).

    Integers are converted exactly; bool, complex, strings and objects are a
    ``TypeError`` (rows 10, 12); non-finite values and rule violations a
    ``ParameterError`` (rows 2-4).
    """
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise InputTypeError(f"{name}: must be a real number, not bool (got {value!r})")
    if isinstance(value, numbers.Real) and not isinstance(value, (np.ndarray, np.generic)):
        if isinstance(value, numbers.Integral) and abs(value) > _INT_EXACT:
            _refuse_large_integer(name, value)
        out = float(value)
        check_rule(name, out, rule, framework_does)
        return out
    arr = _numeric_array(name, value, allow_bool=False)
    if arr.ndim == 0:
        out = float(arr)
        check_rule(name, out, rule, framework_does)
        return out
    if not per_neuron:
        raise ShapeError(f"{name}: must be a scalar for this model (got shape {arr.shape})")
    out = np.array(arr, dtype=np.float64)  # a copy: the record never aliases user data
    check_rule(name, out, rule, framework_does)
    out.setflags(write=False)
    return out


def as_matrix(name, value, *, ndim=2):
    """A weight matrix as a read-only float64 array of ``ndim`` dimensions."""
    arr = _numeric_array(name, value, allow_bool=False)
    if arr.ndim != ndim:
        raise ShapeError(f"{name}: must have {ndim} dimensions (got shape {arr.shape})")
    out = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ParameterError(f"{name}: must be finite (got non-finite entries)")
    out.setflags(write=False)
    return out


def check_option(name, value, allowed):
    """Row 8: an option string must be one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise OptionError(f"{name}: must be one of {choices} (got {value!r})")
    return value


def check_bool(name, value):
    """A flag must be a real bool (a string 'False' would be truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name}: must be True or False (got {value!r})")
    return bool(value)


def check_shape_broadcasts(name, shape, neuron_shape):
    """Row 9: a per-neuron parameter or state must broadcast to the neurons.

    Broadcasting must not change ``neuron_shape`` itself (a parameter never
    adds dimensions to the population, and never broadcasts over time).
    """
    try:
        out = np.broadcast_shapes(tuple(shape), tuple(neuron_shape))
    except ValueError:
        out = None
    if out != tuple(neuron_shape):
        raise ShapeError(
            f"{name}: shape {tuple(shape)} does not broadcast to the neuron shape {tuple(neuron_shape)}"
        )


def check_euler_decay(rate_name, dt_name, factor):
    """Row 5: a forward-Euler step ``x += dt*rate*(...)`` with
    ``factor = dt*rate``: reject ``factor >= 2`` (unstable), warn for
    ``1 <= factor < 2`` (sign-alternating decay).  ``dt_name`` None: a model
    whose step is the unit of time (``factor`` is the rate itself)."""
    f = np.asarray(factor, dtype=np.float64)
    worst = float(np.max(f)) if f.size else 0.0
    names = rate_name if dt_name is None else f"{dt_name}, {rate_name}"
    product = f"{rate_name} (per step)" if dt_name is None else f"{dt_name}*{rate_name}"
    if worst >= 2.0:
        raise ParameterError(f"{names}: {product} must be < 2 for a stable forward-Euler decay (got {worst!r})")
    if worst >= 1.0:
        warnings.warn(
            f"{names}: {product} = {worst!r} >= 1 gives a negative "
            "decay factor; the update alternates in sign and no longer discretises the ODE",
            UnstableDiscretisationWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------------------
# inputs


#: below this many entries ``np.isfinite`` is used directly (its temporary is small)
_SCAN_SMALL = 1 << 16
#: entries per chunk of the NumPy scan (bounds its boolean temporary to 1 MiB)
_SCAN_CHUNK = 1 << 20


def first_nonfinite(arr):
    """Index (as a tuple) of the first non-finite entry in C order, or None.

    Integer and bool arrays are finite by construction.  Large C-contiguous
    float64 arrays are scanned by a compiled parallel reduction that reads
    the values in place and stops soon after the first bad one
    (:mod:`refneuron.backends._scan`, when Numba can be imported and parallel
    kernels can run in this process, :mod:`refneuron.backends._layer`); anything
    else by NumPy in chunks along the first axis, so that no boolean
    temporary larger than about a mebibyte is made.  Either way the index is
    that of ``np.argmax(~np.isfinite(arr).ravel())``.
    """
    arr = np.asarray(arr)
    if arr.dtype.kind in "biu":
        return None
    if arr.ndim == 0 or arr.size < _SCAN_SMALL:
        return _first_nonfinite_numpy(arr)
    if arr.dtype == np.float64 and arr.flags.c_contiguous:
        flat = _first_nonfinite_compiled(arr)
        if flat is not None:
            return None if flat < 0 else tuple(int(i) for i in np.unravel_index(flat, arr.shape))
    return _first_nonfinite_chunked(arr)


def _first_nonfinite_numpy(arr):
    """The reference: one ``np.isfinite`` pass over the whole array."""
    bad = ~np.isfinite(arr)
    if not bad.any():
        return None
    flat = int(np.argmax(bad.ravel()))
    return tuple(int(i) for i in np.unravel_index(flat, arr.shape))


def _first_nonfinite_compiled(arr):
    """Flat index (-1 if none) from the compiled scan, or None without Numba
    or where parallel kernels cannot run (:mod:`refneuron.backends._layer`)."""
    from .backends._layer import launching, parallel_usable

    if not parallel_usable():  # forked after Numba started GNU OpenMP: NumPy scans instead
        return None
    try:
        from .backends._scan import first_nonfinite_flat
    except ImportError:
        return None
    with launching():
        return first_nonfinite_flat(arr)


def _first_nonfinite_chunked(arr):
    """``np.isfinite`` over chunks of rows of the first axis (any layout)."""
    row = int(np.prod(arr.shape[1:], dtype=np.int64))
    step = max(1, _SCAN_CHUNK // max(row, 1))
    for t0 in range(0, arr.shape[0], step):
        idx = _first_nonfinite_numpy(arr[t0 : t0 + step])
        if idx is not None:
            return (idx[0] + t0, *idx[1:])
    return None


def as_inputs(value, *, name="inputs", check_finite=True, min_ndim=1):
    """Validate and convert a time-major input sequence ``(T, *shape)``.

    * bool, integer, float16 and float32 arrays are converted to float64
      (lossless, rows 10-11); a conversion that could round (``np.longdouble``,
      64-bit integers beyond 2**53) and complex, object, string, masked and
      sparse inputs are a ``TypeError`` (rows 11-12);
    * ``T == 0`` is an ``InputError`` (row 14);
    * with ``check_finite`` (default) NaN/inf is an ``InputError`` naming
      the first bad index ``(t, *neuron)`` (row 1); the scan makes no
      temporary of the input's size (:func:`first_nonfinite`).

    The caller's array is never written to (row 19); a float64 input is
    used without a copy.
    """
    arr = _numeric_array(name, value, allow_bool=True)
    if arr.ndim < min_ndim:
        raise ShapeError(
            f"{name}: must be time-major with at least {min_ndim} dimension(s) (T, ...) (got shape {arr.shape})"
        )
    if arr.shape[0] == 0:
        raise InputError(f"{name}: empty time axis (got shape {arr.shape})")
    may_be_nonfinite = arr.dtype.kind == "f"  # bool and integer inputs are finite
    if arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    if check_finite and may_be_nonfinite:
        idx = first_nonfinite(arr)
        if idx is not None:
            raise InputError(
                f"{name}: must be finite; first non-finite value {float(arr[idx])!r} at index "
                f"(t={idx[0]}, neuron={idx[1:]}) (pass check_finite=False to propagate it)"
            )
    return arr


def check_float(name, value, rule=None):
    """A scalar float parameter (dt, times); NaN and rule violations fail."""
    return as_float_param(name, value, rule, per_neuron=False)


def available_memory_bytes():
    """Bytes of memory available now (Linux ``MemAvailable``), or None.

    Every run and backward pass asks (row 15), so ``/proc/meminfo`` is read
    in one unbuffered read: 19 us against 36 us through a text file object."""
    try:
        fd = os.open("/proc/meminfo", os.O_RDONLY)
        try:
            data = os.read(fd, 16384)
        finally:
            os.close(fd)
        start = data.find(b"MemAvailable:")
        if start >= 0:
            line = data[start:].split(b"\n", 1)[0]  # b"MemAvailable:   12345678 kB"
            return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(n_bytes, what, *, available=None):
    """Row 15: refuse before allocating more than the memory available (host
    memory: what the system reports plus the idle buffers of
    :mod:`refneuron.buffers`, which a new record reuses)."""
    if available is None:
        avail = available_memory_bytes()
        if avail is not None:
            from . import buffers

            avail += buffers.idle_bytes()
    else:
        avail = available
    if avail is not None and n_bytes > avail:
        raise InsufficientMemory(
            f"{what}: needs {n_bytes / 2**30:.2f} GiB but only {avail / 2**30:.2f} GiB are "
            "available; record less (record='output' or record='final') or run in chunks "
            "(chunk_steps=...)"
        )


def isclose_int(x):
    return math.isfinite(x) and float(x).is_integer()


# ---------------------------------------------------------------------------
# run options


def as_count(name, value, *, minimum=1, allow_none=False):
    """An integer option (``chunk_steps``...): a Python/NumPy integer >= ``minimum``
    (not bool, not a float, even an integral one), or None when ``allow_none``."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        what = "an integer or None" if allow_none else "an integer"
        raise InputTypeError(f"{name}: must be {what} (got {value!r})")
    if not value >= minimum:
        raise ParameterError(f"{name}: must be >= {minimum} (got {value!r})")
    return int(value)


def as_dtype_option(name, value, allowed):
    """A dtype option given as a dtype, type or name; returns the NumPy dtype,
    which must be one of the names in ``allowed`` (row 8)."""
    try:
        label = np.dtype(value).name
    except TypeError:
        label = value
    check_option(name, label, allowed)
    return np.dtype(label)


def check_out_buffers(out, allowed, want, shape, inputs):
    """Caller-provided output buffers (``out=``) of a run.

    ``out`` is None or a dict mapping keys among ``allowed`` to NumPy arrays;
    ``want(key)`` is the dtype of each.  Every buffer must be exactly of
    ``shape``, C-contiguous, writeable, not possibly sharing memory with
    ``inputs`` nor with another buffer.  Returns a plain dict (empty for None).
    """
    if out is None:
        return {}
    if not isinstance(out, dict):
        raise InputTypeError(f"out: must be a dict of arrays keyed by 'output' and state names (got {type(out).__name__})")
    shape = tuple(shape)
    for key, buf in out.items():
        if key not in allowed:
            raise OptionError(f"out: {key!r} is not recorded here; allowed keys: {tuple(allowed)} (got {key!r})")
        dtype = want(key)
        if not isinstance(buf, np.ndarray):
            raise InputTypeError(f"out[{key!r}]: must be a NumPy array (got {type(buf).__name__})")
        if buf.dtype != dtype:
            raise InputTypeError(f"out[{key!r}]: dtype must be {dtype} (got {buf.dtype})")
        if buf.shape != shape:
            raise ShapeError(f"out[{key!r}]: shape must be {shape} (got {buf.shape})")
        if not buf.flags.c_contiguous or not buf.flags.writeable:
            raise InputError(
                f"out[{key!r}]: must be C-contiguous and writeable "
                f"(got c_contiguous={buf.flags.c_contiguous}, writeable={buf.flags.writeable})"
            )
        if np.may_share_memory(buf, inputs):
            raise InputError(f"out[{key!r}]: must not (possibly) share memory with the inputs")
    keys = list(out)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if np.may_share_memory(out[a], out[b]):
                raise InputError(f"out: buffers {a!r} and {b!r} may share memory")
    return dict(out)
