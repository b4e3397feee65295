"""Reuse of large record buffers between calls.

The compiled kernels are memory-bound, and writing to freshly allocated
memory is not free: every new page is first zeroed by the operating system
(a page fault, and on Linux often a transparent-huge-page compaction), which
on the development machine cost as much as the kernel itself and varied from
run to run by a factor of four (LIF, T = 1000, N = 1e5: 0.4-1.9 s per call
instead of 0.12 s; ``benchmarks/RESULTS.md``).  A caller who runs many times
can pass ``out=`` buffers to :func:`refneuron.run`; this module makes repeated
calls fast without that: the records that :func:`refneuron.run` and
:func:`refneuron.gradients.vjp` return (and the final state of a CPU run)
are views of pooled buffers, and a buffer whose views have all been dropped
is handed out again by the next call instead of asking the operating system
for new memory.  The CPU backend's working arrays (the state the kernel
updates, its record of the first non-finite step) come from the pool too.

What the caller sees
--------------------
* The returned arrays are ordinary, writable, C-contiguous NumPy arrays,
  each starting at a 64-byte boundary (:data:`ALIGN`)
  (views: ``arr.base`` is the pooled buffer).  A buffer is reused only once
  no array that views it is alive, so a result is never overwritten behind
  the caller's back, and its values never depend on the pool.
* Idle buffers stay allocated (resident memory does not shrink when results
  are dropped), up to :func:`max_bytes` in all (default: an eighth of the
  machine's physical memory).  The operating system cannot reclaim them
  under memory pressure: call :func:`release` before handing large amounts
  of memory to other code (a torch autograd run in the same process, say).
  :func:`release` frees the idle ones;
  ``set_max_bytes(0)`` turns pooling off (every record is a fresh
  ``np.empty``).
* ``empty(..., away_from=x)`` places the array's data half a page (
  :data:`PAGE` / 2, on a cache line) away from those of ``x`` within a page,
  so that a kernel reading ``x`` while it writes the array does not stall on
  4 KiB aliasing (below).  :func:`refneuron.run` and
  :func:`refneuron.gradients.vjp` place their records so, away from the
  inputs.
* Only requests of at least :data:`MIN_BYTES` are pooled; a request is served
  by the smallest idle buffer that holds it and is at most twice its size.
  The pool keeps at most :data:`MAX_BUFFERS` buffers (the oldest idle ones
  make room for new ones), so that a request's search stays short.

Why records of a few hundred kilobytes are pooled too
------------------------------------------------------
glibc's ``malloc`` hands out fresh memory from the operating system for
requests of at least its mmap threshold (128 KiB initially; it rises as such
blocks are freed) and gives a free heap top larger than its trim threshold
back to the system, so whether a repeated call's records page-fault depends
on the history of the process.  Measured (AMD EPYC Zen 4, 2 threads,
snntorch ``Leaky``, ``T = 32``, each size in a fresh process whose first
model it is, medians of 40 calls; pooling from 16 MiB -> from 64 KiB):
``run`` at ``N = 8192`` (2 MiB records) 1565 -> 262 us per call, with 992
-> 0 minor page faults per call; ``N = 32768`` 2816 -> 673 us;
``gradients.vjp`` at ``N = 8192`` 1672 -> 583 us, ``N = 32768`` 4342 ->
2113 us.  Records of up to 256 KiB (``N = 1024``) did not fault with either
threshold, and the two timed the same; from 512 KiB they did (``run`` at
``N = 2048``: 248 faults per call, 508 -> 206 us).  The same calls made
after another model's had run in the process did not fault with either
threshold: glibc's thresholds had risen by then.  A pooled request costs
about 3 us (the search and the aligned view).  The benchmark's section
"Repeated calls at training sizes" measures this in a fresh process.

Where a record lies against the input: 4 KiB aliasing
-----------------------------------------------------
A core decides whether a load may pass the stores still queued before it by
comparing the low twelve bits of their addresses (the offset within a 4 KiB
page); a load whose offset matches a pending store's is held back until the
store is resolved, although the two touch different memory.  The CPU kernels
read row ``t`` of the input while they write row ``t`` of each record, at
the same neuron index, and every row of a ``(T, N)`` float64 array is
``8 N`` bytes long, so the distance between the input's and a record's
offsets within a page is the same at every step: the whole run is either in
this trap or not.  A large NumPy array starts 16 bytes into a page (glibc
gives it pages of its own, after a 16-byte header), and a record aligned to
64 bytes in the same kind of memory started at 64, 48 bytes ahead of the
input.  Measured (AMD EPYC Zen 4, 2 threads, ``check_finite=False``, ns per
neuron-step, pooled records at page offset 64, the input copied to page
offset 16 (NumPy's) -> 2064, streaming stores on): forward
``record="all"``, N = 1e5, T = 1000: Izhikevich 0.88 -> 0.57, AdEx 1.36 ->
1.33, LIF 0.57 -> 0.58; N = 5e4, T = 400: snntorch ``Alpha`` 1.71 -> 1.11,
norse ``LSNN`` 1.53 -> 1.04, norse ``LIFAdEx`` 2.06 -> 1.47; the backward of
spikingjelly ``QIF`` (``gradients.vjp``, N = 5e4, T = 400, streamed input
gradient) 3.49 against 2.12-2.61 at the other page offsets tried for the
input (0-4088): slow at 8, 16 and 4088 only (the records 56, 48 and 72 bytes
ahead).  Half a page from the input is far from every such window.  Through
the public API, records placed so against records at offset 64 (the input
at 16; the backward's input gradient no longer streamed,
:mod:`refneuron.backends.cpu_vjp`), three alternating processes of which
the first met a loaded machine, its two quiet rounds: forward N = 1e5,
T = 1000, LIF 0.46-0.53 -> 0.42, Izhikevich 0.73-0.76 -> 0.57-0.58;
``gradients.vjp`` snntorch ``Leaky`` 1.96-2.25 -> 1.57-1.59, spikingjelly
``QIF`` (N = 5e4, T = 400) 3.45-4.09 -> 2.10-2.26, ``EIF`` 4.07-4.31 ->
2.47-2.52.

What is not placed: the rows of the backward's state tape after the first
state's, and the tape's next row (written at each step of the forward
pass), lie at distances from the input that depend on ``T`` and ``N``.
"""

from __future__ import annotations

import math
import os
import sys
import threading

import numpy as np

#: smallest request that is pooled (bytes): half glibc's initial mmap threshold
#: (module docstring)
MIN_BYTES = 64 * 2**10

#: most buffers the pool keeps, idle and in use together
MAX_BUFFERS = 256

#: the page size whose offsets :func:`empty` places arrays by (``away_from``; bytes)
PAGE = 4096

#: every array :func:`empty` returns starts at a multiple of this many bytes (a cache
#: line: the CPU kernels write 64-byte aligned float64 records with streaming stores,
#: :mod:`refneuron.backends._stream`)
ALIGN = 64


def _default_max_bytes():
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")) // 8
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 2 * 2**30


_lock = threading.Lock()
_buffers: list = []  # 1-D uint8 arrays owned by the pool
_max_bytes = _default_max_bytes()
# references to a buffer when only the pool holds it: the list entry and the
# argument of sys.getrefcount (measured, not assumed: see _idle_refcount)
_IDLE_REFS = None


def _idle_refcount():
    global _IDLE_REFS
    if _IDLE_REFS is None:
        probe = [np.empty(1, dtype=np.uint8)]
        _IDLE_REFS = sys.getrefcount(probe[0])
    return _IDLE_REFS


def _is_idle(k):
    # idle: _buffers[k] is referenced by the list and by getrefcount's argument
    # only (callers index the list and never hold a buffer in a variable while
    # asking); every live array that views it adds one reference (NumPy points
    # a view of a view at the owner of the memory)
    return sys.getrefcount(_buffers[k]) <= _idle_refcount()


def max_bytes():
    """The most memory (bytes) the pool keeps, idle and in use together."""
    return _max_bytes


def set_max_bytes(n_bytes):
    """Set the pool's capacity in bytes (0 turns pooling off); idle buffers
    beyond it are freed at once."""
    global _max_bytes
    from . import _checks

    n = _checks.as_count("n_bytes", n_bytes, minimum=0)
    with _lock:
        _max_bytes = n
        _trim(0)


def release():
    """Free every idle buffer (the ones no returned array views)."""
    with _lock:
        keep = [k for k in range(len(_buffers)) if not _is_idle(k)]
        _buffers[:] = [_buffers[k] for k in keep]


def idle_bytes():
    """Bytes held in idle buffers (memory a new request can reuse)."""
    with _lock:
        return sum(_buffers[k].nbytes for k in range(len(_buffers)) if _is_idle(k))


def pooled_bytes():
    """Bytes the pool holds, idle and in use."""
    with _lock:
        return sum(b.nbytes for b in _buffers)


def _trim(extra, new_buffers=0):
    """Free idle buffers, largest first, until ``extra`` more bytes fit, then
    the oldest idle ones until ``new_buffers`` more buffers fit; whether both fit."""
    total = sum(b.nbytes for b in _buffers)
    idle = [k for k in range(len(_buffers)) if _is_idle(k)]  # oldest first
    drop = set()
    for k in sorted(idle, key=lambda k: -_buffers[k].nbytes):
        if total + extra <= _max_bytes:
            break
        drop.add(k)
        total -= _buffers[k].nbytes
    count = len(_buffers) - len(drop)
    for k in idle:
        if count + new_buffers <= MAX_BUFFERS:
            break
        if k not in drop:
            drop.add(k)
            count -= 1
    if drop:
        _buffers[:] = [_buffers[k] for k in range(len(_buffers)) if k not in drop]
    return total + extra <= _max_bytes and count + new_buffers <= MAX_BUFFERS


def page_offset_away_from(a):
    """The page offset (bytes, a multiple of :data:`ALIGN`) half a page away from that
    of the array ``a``'s data: ``(ceil(o / ALIGN) * ALIGN + PAGE / 2) mod PAGE``
    for ``a`` at offset ``o`` (module docstring, "4 KiB aliasing")."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"away_from: must be a NumPy array (the input to place the array away from); got {type(a).__name__}")
    o = a.ctypes.data % PAGE
    return (-(-o // ALIGN) * ALIGN + PAGE // 2) % PAGE


def _aligned_view(base, n_bytes, dtype, shape, page_offset=None):
    """The first ``n_bytes`` of the 1-D uint8 ``base`` from its first address that is a
    multiple of :data:`ALIGN` (``page_offset`` None) or lies ``page_offset`` bytes
    into a page, as an array of ``dtype`` and ``shape``."""
    if page_offset is None:
        off = -base.ctypes.data % ALIGN
    else:
        off = (page_offset - base.ctypes.data) % PAGE
    return base[off : off + n_bytes].view(dtype).reshape(shape)


def empty(shape, dtype=np.float64, *, away_from=None):
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` whose data start
    at a multiple of :data:`ALIGN` bytes, from an idle pooled buffer when one fits
    (see the module docstring).

    ``away_from``: an array (the input a kernel reads alongside this one); the
    data then start :func:`page_offset_away_from` it bytes into a page, half a page
    from its offset (module docstring, "4 KiB aliasing")."""
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    n_bytes = math.prod(shape) * dtype.itemsize
    if away_from is None:
        page_offset, slack = None, ALIGN  # room to start at an aligned address
    else:
        page_offset, slack = page_offset_away_from(away_from), PAGE  # room to start at any offset in a page
    need = n_bytes + slack
    if n_bytes < MIN_BYTES:
        return _aligned_view(np.empty(need, dtype=np.uint8), n_bytes, dtype, shape, page_offset)
    with _lock:
        best = None
        for k in range(len(_buffers)):  # by index: a loop variable would hold a reference
            size = _buffers[k].nbytes
            if need <= size <= 2 * need and _is_idle(k):
                if best is None or size < _buffers[best].nbytes:
                    best = k
        if best is not None:
            return _aligned_view(_buffers[best], n_bytes, dtype, shape, page_offset)
        if _trim(need, 1):
            _buffers.append(np.empty(need, dtype=np.uint8))
            return _aligned_view(_buffers[-1], n_bytes, dtype, shape, page_offset)
    # the pool is full of buffers in use (bytes or count): an ordinary allocation
    return _aligned_view(np.empty(need, dtype=np.uint8), n_bytes, dtype, shape, page_offset)


__all__ = ["ALIGN", "PAGE", "MIN_BYTES", "MAX_BUFFERS", "empty", "page_offset_away_from", "max_bytes", "set_max_bytes", "release", "idle_bytes", "pooled_bytes"]
