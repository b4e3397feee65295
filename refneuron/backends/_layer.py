"""Numba's threading layer: one parallel launch at a time, and none after an
unsafe ``fork``.

Numba runs a ``parallel=True`` kernel's ``prange`` loop on a *threading
layer* it picks once per process, at the first parallel launch or the first
``numba.get_num_threads()``: TBB where it can load ``libtbb``, else OpenMP,
else its own ``workqueue`` (``NUMBA_THREADING_LAYER`` chooses).  Two of
their limits reach refneuron's users:

* **GNU OpenMP does not survive** ``fork``.  A process forked from one whose
  layer is GNU OpenMP (the default on Linux without TBB; multiprocessing's
  ``"fork"`` start method, the default on Linux before Python 3.14) is
  terminated by Numba at its first parallel launch ("fork() called from a
  process already using GNU OpenMP, this is unsafe"), and a
  ``multiprocessing.Pool`` then waits forever for the lost task.  Here such a
  process is recognised (:func:`os.register_at_fork`): the CPU backends
  raise :class:`~refneuron.errors.BackendUnavailable` with the remedies
  before any work (:func:`check_cpu_backend`), and the input scan of
  :mod:`refneuron._checks` uses NumPy instead of its parallel kernel
  (:func:`parallel_usable`; the same index either way), so that the NumPy
  reference runs in such a process as anywhere else.
* **workqueue is not thread-safe**: two Python threads in parallel kernels
  at once terminate the process ("Concurrent access has been detected").
  :func:`launching` serialises refneuron's own launches behind one lock (each
  launch already spreads over every thread of the layer; the cost of the
  serialisation was not measured), which makes concurrent calls from Python
  threads safe on every layer.  The lock is made anew in a forked child, where a copy taken while
  another thread held it would never be released.

With ``NUMBA_DISABLE_JIT=1`` (Numba's switch for debugging compiled code as
Python) the kernels cannot run at all, their intrinsics having no Python
form: ``"cpu"`` raises :class:`~refneuron.errors.BackendUnavailable` saying
so, and the input scan uses NumPy.

Not covered: a process that was forked from a GNU OpenMP user of Numba
*before* refneuron was imported in either (the fork handler is registered by
``import refneuron``); Numba still terminates it at the first parallel
launch.
"""

from __future__ import annotations

import os
import sys
import threading

from ..errors import BackendUnavailable

__all__ = ["check_cpu_backend", "jit_disabled", "launching", "parallel_usable", "threading_layer"]

_LAUNCH = threading.RLock()
#: pid of the parent whose GNU OpenMP layer this process inherited through fork, else None
_FORKED_FROM: int | None = None


def threading_layer():
    """The threading layer Numba started in this process (or in the parent
    it was forked from), or None while no parallel code has run.  Does not
    import Numba."""
    if "numba" not in sys.modules:
        return None
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # not started yet
        return None


def _gnu_openmp():
    """Whether Numba's layer is OpenMP from GNU's libgomp (not fork-safe);
    an OpenMP whose vendor cannot be read counts as GNU's on Linux."""
    if threading_layer() != "omp":
        return False
    try:
        from numba.np.ufunc import omppool

        return omppool.openmp_vendor == "GNU"
    except (ImportError, AttributeError):
        return sys.platform.startswith("linux")


def _after_fork_in_child():
    global _LAUNCH, _FORKED_FROM
    _LAUNCH = threading.RLock()
    if _FORKED_FROM is None and _gnu_openmp():
        _FORKED_FROM = os.getppid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def parallel_usable():
    """False in a process forked after Numba started GNU OpenMP, where any
    parallel launch terminates the process, and with ``NUMBA_DISABLE_JIT=1``,
    where a kernel would run as a Python loop; True otherwise."""
    return _FORKED_FROM is None and not jit_disabled()


def jit_disabled():
    """Whether Numba's compiler is turned off (``NUMBA_DISABLE_JIT=1``): its
    ``njit`` functions then run as Python, which the kernels cannot (their
    intrinsics have no Python form)."""
    numba = sys.modules.get("numba")
    if numba is not None:
        return bool(numba.config.DISABLE_JIT)
    return os.environ.get("NUMBA_DISABLE_JIT", "0").strip() not in ("", "0")


def check_cpu_backend(backend="cpu"):
    """Raise :class:`BackendUnavailable` where the CPU kernels cannot run: with
    ``NUMBA_DISABLE_JIT=1``, and in a process forked after Numba started GNU
    OpenMP."""
    if jit_disabled():
        raise BackendUnavailable(
            f"backend: {backend!r} needs Numba's compiler, which NUMBA_DISABLE_JIT=1 turns off; "
            "backend='numpy' gives the same results"
        )
    if _FORKED_FROM is None:
        return
    raise BackendUnavailable(
        f"backend: {backend!r} cannot run in this process: it was forked (pid {os.getpid()}, from pid "
        f"{_FORKED_FROM}) after Numba had started its GNU OpenMP threading layer, which does not survive "
        "fork (Numba would terminate the process at the first parallel kernel).  Start worker processes "
        "with multiprocessing's 'spawn' or 'forkserver' method, or start the parent with "
        "NUMBA_THREADING_LAYER=workqueue (fork-safe); backend='numpy' runs here as anywhere"
    )


class _Launch:
    """Context manager: the CPU kernels may run here, one launch at a time."""

    __slots__ = ("lock",)

    def __enter__(self):
        check_cpu_backend()
        self.lock = _LAUNCH
        self.lock.acquire()
        return self

    def __exit__(self, *exc):
        self.lock.release()
        return False


def launching():
    """``with launching(): kernel(...)``: raises in a process where parallel
    kernels cannot run (:func:`check_cpu_backend`), else holds the launch
    lock for the duration of the call."""
    return _Launch()
