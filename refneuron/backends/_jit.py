"""Numba plumbing shared by the compiled backends: availability, options, helpers.

Nothing here knows a model.  It

* imports Numba (and Numba-CUDA) on demand and turns their absence into
  :class:`~refneuron.errors.BackendUnavailable` with the reason;
* holds the compilation options every kernel uses (:data:`NJIT_OPTIONS`);
* registers the models' element-wise functions so that compiled code may
  call them by name (:func:`jitable`): the very same Python function objects
  the NumPy reference calls, compiled for the CPU by ``numba.njit`` and for
  the GPU by ``numba.cuda``;
* provides :func:`at`, "parameter ``p`` for neuron ``j``", which compiles to
  ``p`` for a scalar parameter and ``p[j]`` for a per-neuron array (Numba
  specialises each kernel on the argument types, so scalar parameters cost
  nothing in the hot loop).

Compilation options
-------------------
``error_model="numpy"``: a division by zero gives inf/NaN, as in NumPy and
on the GPU, instead of raising.  ``fastmath`` stays off: it changes the last
bits of most membrane values and occasionally a spike.  ``cache=True``: the
compiled kernels are written next to the sources and reused by the next
process (the first call in a fresh environment compiles once per kernel, option
and argument-type combination: 2-3 s for a forward kernel and 3-8 s for a
backward kernel on a 2-core machine; loading one from the cache
takes about 0.6 s; see ``benchmarks/RESULTS.md``).  Numba
keys a cached kernel to the modification time and size of the one file that
defines it, and a kernel calls functions of many (the models', the
surrogates', :mod:`refneuron._math`): an editable install updated by
``git pull``, which rewrites only the files that changed, would load kernels
compiled from the old equations.  :func:`key_caches_to_sources` therefore adds
a digest of every source file of the package to each kernel's stamp; a kernel
compiled from other sources is compiled anew (tests/backends/test_cache.py).
"""

from __future__ import annotations

import functools
import hashlib
import pathlib

import numpy as np

from ..errors import BackendUnavailable
from ._layer import launching

#: options of every CPU kernel
NJIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": False, "nogil": True}


def at(p, j):
    """Parameter ``p`` for neuron ``j``: ``p`` if scalar, else ``p[j]``."""
    if isinstance(p, (float, int)):
        return p
    return p[j]


def numba_or_raise(backend="cpu"):
    """Import numba, or raise :class:`BackendUnavailable` with the reason."""
    try:
        import numba
    except ImportError as exc:  # pragma: no cover - numba is a dependency
        raise BackendUnavailable(f"backend: {backend!r} needs numba, which cannot be imported ({exc})") from None
    return numba


@functools.lru_cache(maxsize=None)
def source_digest():
    """SHA-256 (hex) of every ``.py`` file of the ``refneuron`` package, by path
    relative to it, in sorted order: what compiled kernels may be built from."""
    root = pathlib.Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def key_caches_to_sources(namespace):
    """Add :func:`source_digest` to the on-disk cache stamp of every cached
    Numba dispatcher (CPU or CUDA) in ``namespace`` (a module's ``globals()``,
    called once, at the end of each module that defines kernels).

    Numba compares a cached kernel's stamp, the modification time and size of
    its own source file, with the file's current one, and compiles anew when
    they differ; with the digest in the stamp, so does an edit to any other
    file of the package.  Returns the number of dispatchers keyed."""
    keyed = 0
    for obj in list(namespace.values()):
        cache_file = getattr(getattr(obj, "_cache", None), "_cache_file", None)
        stamp = getattr(cache_file, "_source_stamp", None)
        if stamp is None:
            continue  # not a cached dispatcher (or Numba's cache is off: NUMBA_DISABLE_JIT, the CUDA simulator)
        cache_file._source_stamp = (stamp, source_digest())
        keyed += 1
    return keyed


_REGISTERED_CPU: set = set()
_REGISTERED_CUDA: set = set()
_CPU_READY = False


def _register_at_cpu():
    from numba.core import types
    from numba.extending import overload

    @overload(at, jit_options={"error_model": "numpy", "forceinline": True})
    def _at_cpu(p, j):
        if isinstance(p, types.Array):
            return lambda p, j: p[j]
        return lambda p, j: p


def jitable_cpu(*functions):
    """Make plain Python functions callable from ``numba.njit`` code.

    Every function is compiled with ``forceinline=True``: LLVM's
    ``alwaysinline`` attribute, so that LLVM splices it into its caller
    whatever its cost model says (the values do not change: inlining moves no
    floating-point operation).  Left to the cost model, a step, reverse step
    or surrogate derivative sometimes stayed an out-of-line call in a kernel's
    parallel loop, and that loop then ran one neuron at a time instead of
    vectorising.  It did so in the process that compiled the kernel only:
    Numba runs the parallel loop there from the loop's own, once-optimised
    module, while the on-disk cache stores the kernel's module optimised
    once more after linking, where the call had been inlined.  A user's first
    process ran slow code and later processes fast code.  Measured on an AMD
    EPYC Zen 4 (``gradients.vjp(check_finite=False)``, N = 5e4, T = 400, ns
    per neuron-step, compiled in the timing process with an empty cache):
    spikingjelly ``Izhikevich`` (default Sigmoid surrogate, whose ``expit``
    stayed a call) 12.6 -> 3.7, as fast as from the cache (3.7-4.1).  The
    other 17 backward kernels and the forward kernels kept their speed within
    the noise of one run.  Before, 43 reverse steps, adjoints and surrogate
    derivatives were inlined at the Numba level instead (``inline="always"``,
    which had fixed nine such kernels: snntorch ``Synaptic`` 6.9 -> 2.4 ns,
    spikingjelly ``IF`` 9.2 -> 2.0, ...); Numba then typed each inlined body
    anew at every call site, and a model's first ``vjp`` (its backward kernel
    compiled) took 4.4-17.8 s, against 2.5-6.5 s now.  The ``exp`` and
    ``expit`` that :mod:`refneuron._math` gives compiled code are
    force-inlined the same way (:mod:`._fastexp`).
    """
    global _CPU_READY
    from numba.extending import register_jitable

    if not _CPU_READY:
        from .. import _math

        _register_at_cpu()
        _math.register_cpu()
        _CPU_READY = True
    for f in functions:
        if f not in _REGISTERED_CPU:
            register_jitable(error_model="numpy", forceinline=True)(f)
            _REGISTERED_CPU.add(f)


_CUDA_READY = False


def _register_at_cuda():
    from numba.cuda import types
    from numba.cuda.extending import overload

    @overload(at, target="cuda")
    def _at_cuda(p, j):
        if isinstance(p, types.Array):
            return lambda p, j: p[j]
        return lambda p, j: p


def cuda_or_raise():
    """Import numba.cuda and check for a usable GPU (or the simulator).

    Raises
    ------
    BackendUnavailable
        numba-cuda is not installed, or no CUDA driver/GPU is found.  There is
        never a silent fallback to another backend.
    """
    numba_or_raise("cuda")
    try:
        from numba import cuda
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend: 'cuda' needs numba-cuda (pip install 'refneuron[cuda]'), which cannot be imported ({exc})"
        ) from None
    try:
        # numba-cuda provides the overload registry the kernels need; the CUDA target
        # that older numba releases still bundle (deprecated) does not
        from numba.cuda.extending import overload  # noqa: F401
    except ImportError:
        raise BackendUnavailable(
            "backend: 'cuda' needs the numba-cuda package (pip install 'refneuron[cuda]'); the CUDA "
            "target bundled with numba itself is not supported"
        ) from None
    try:
        ok = cuda.is_available()
    except Exception as exc:  # driver errors surface in various types
        raise BackendUnavailable(f"backend: 'cuda' found no usable CUDA driver ({type(exc).__name__}: {exc})") from None
    if not ok:
        raise BackendUnavailable(
            "backend: 'cuda' found no CUDA GPU or driver on this machine "
            "(numba.cuda.is_available() is False); use backend='cpu' or 'numpy'"
        )
    return cuda


def jitable_cuda(*functions, replace=None):
    """Make Python functions callable from CUDA kernels.

    ``replace`` maps a function to a twin with the same meaning that CUDA can
    compile (e.g. ``math.exp`` where the original uses ``np.exp``, which
    Numba-CUDA refuses); the twin is used on the GPU only.
    """
    global _CUDA_READY
    from numba.cuda.extending import overload, register_jitable

    if not _CUDA_READY:
        from .. import _math

        _register_at_cuda()
        _math.register_cuda()
        _CUDA_READY = True
    replace = replace or {}
    for f in functions:
        if f in _REGISTERED_CUDA:
            continue
        if f in replace:
            twin = replace[f]

            def _make(twin):
                def _typer(*args):
                    return twin

                return _typer

            overload(f, target="cuda")(_make(twin))
        else:
            register_jitable(f)
        _REGISTERED_CUDA.add(f)


def as_kernel_param(value, neuron_shape):
    """A parameter as a kernel argument: a Python float, or a flat C-contiguous
    float64 array of ``prod(neuron_shape)`` entries (broadcast)."""
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(np.broadcast_to(value, tuple(neuron_shape)), dtype=np.float64).reshape(-1)
    return float(value)


# --- calling a compiled kernel --------------------------------------------------------------

_ENTRY_POINTS: dict = {}


#: argument types whose Numba type is the same for every value
_PLAIN_SCALARS = (float, np.float64, np.int64, np.bool_)


def _arg_key(a):
    """What selects a kernel's compiled version for argument ``a``: its Numba
    type, and for a Python int/bool (an option code, which the kernels turn
    into a compile-time constant with ``numba.literally``) also its value.

    For a NumPy array the key is what its Numba type is made of (dtype,
    dimensions, C/F contiguity, which give the layout, writeable, aligned),
    read from the array's flags: the same distinctions as ``numba.typeof``
    at a tenth of its cost (typeof took ~45 us of a ~160 us one-step LIF
    call).
    """
    t = type(a)
    if t is np.ndarray:
        f = a.flags
        return (t, a.dtype, a.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned)
    if t is bool or t is int:
        return (t, a)
    if t in _PLAIN_SCALARS:
        return t
    from numba import typeof

    return typeof(a)


def _matches(sig_t, a):
    from numba import typeof
    from numba.core import types

    if isinstance(sig_t, types.Literal):
        return type(sig_t.literal_value) is type(a) and sig_t.literal_value == a
    return sig_t == typeof(a)


def spikes_as_uint8(out):
    """A ``bool`` output record as a ``uint8`` view of the same memory (a kernel
    stores each spike as 0 or 1, the same byte in either dtype), so that the
    kernels compile once for both 0/1 dtypes; other records unchanged."""
    return out.view(np.uint8) if out.dtype == np.bool_ else out


def call_kernel(kernel, *args):
    """Call the ``numba.njit`` dispatcher ``kernel`` with ``args``.

    A kernel whose option codes are compile-time constants (``literally``)
    goes through Numba's literal dispatch on every call when called as
    ``kernel(*args)``: about 27 ms per call (measured: a 1-neuron, 1-step
    LIF call), and an exception whose traceback keeps the arguments (the
    record buffers) alive until the garbage collector runs.  Here the first
    call with a new combination of argument types and option values goes
    through the dispatcher (compiling, or loading from the on-disk cache),
    and every later one calls the compiled version directly (~3 us).  The
    compiled version is chosen by the exact Numba types of the arguments
    (dtype, dimensions, layout, read-only flag) and the option values, so
    it is always the one the dispatcher itself would pick.

    Every call holds :func:`._layer.launching`: one parallel launch at a time
    (safe from several Python threads on every Numba threading layer), and a
    :class:`BackendUnavailable` instead of a terminated process after an
    unsafe ``fork``.
    """
    key = (kernel, tuple(_arg_key(a) for a in args))
    entry = _ENTRY_POINTS.get(key)
    with launching():
        if entry is not None:
            return entry(*args)
        result = kernel(*args)
    import gc

    gc.collect()  # free the literal dispatch's exception cycle, which holds the arguments
    for sig, cres in kernel.overloads.items():
        if len(sig) == len(args) and all(_matches(t, a) for t, a in zip(sig, args)):
            _ENTRY_POINTS[key] = cres.entry_point
            break
    return result
