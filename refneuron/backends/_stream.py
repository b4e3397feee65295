r"""Streaming (non-temporal) stores for the CPU kernels' float64 records.

Why
---
A record the kernel writes (a state trace, a float64 output) is not read
again during the run.  An ordinary store first brings the cache line it writes
into the core (a read for ownership), so each byte of a record crosses the
memory bus twice: once read, once written back.  A non-temporal store
(``vmovntpd`` on x86-64) writes whole cache lines to memory without reading
them first.  For the LIF forward with ``record="all"`` (8 B of input read,
8 B of membrane and 1 B of spike written per neuron-step) that is 26 B of
traffic for the 17 B that must move; with the membrane trace streamed, 18 B.

Measured on an AMD EPYC (Zen 5) machine, 2 threads: the STREAM-like triad
reaches 77-82 GB/s with ordinary stores and 104-109 GB/s with non-temporal
ones, written in C with intrinsics (the 24 B counted per element against
32 B moved); the benchmark's triad written with :func:`put` reached 90-92
GB/s beside 80-81 for its ordinary triad.  Through the public API (T = 1000, N =
1e4, ``record="all"``, ``check_finite=False``, ns per neuron-step, side by
side, ordinary -> streaming stores): LIF 0.472 -> 0.394, Izhikevich 0.751 ->
0.569, AdEx 0.923 -> 0.868.  Computing a block's row into a scratch array
and then copying it out with non-temporal stores was *slower* than ordinary
stores (LIF 0.38 -> 0.41 ns at N = 1e4; the reads and the writes of memory
then run in separate phases instead of overlapping), so the stores are in
the computing loop itself.

How
---
:func:`put` is ``row[k] = v``, and with ``stream`` (a compile-time constant
in the kernels) a non-temporal store when ``row`` is float64 (other dtypes,
a uint8 spike output say, keep the ordinary store: a vector of eight bytes
is no cache line).  LLVM vectorises a loop with a non-temporal store only if
the store's declared alignment suits a vector non-temporal store, and its
loop vectoriser never peels a loop for alignment; so the store is declared
64-byte aligned, which holds for the vector stores of the kernels' loop over
a block exactly when every row segment ``trace[t, lo:lo + n]`` starts on a
64-byte boundary and ``n`` is a multiple of 8.  :func:`.cpu.run_chunk`
streams only then (:func:`streamable`): the array's address and its row
length in bytes are multiples of 64, and so is every block's first neuron
(``block`` a multiple of 8).  (The scalar copies of the store, in the
loop's remainder, declare the same alignment without having it; they compile
to scalar non-temporal stores, whose instructions need only the element's
own alignment, and with ``n`` a multiple of 8 the remainder after the vector
loop starts on a line anyway.)  :mod:`refneuron.buffers` hands out 64-byte
aligned records for that reason.  A misaligned vector non-temporal store
faults, so nothing else may call :func:`put` with ``stream`` true.

Non-temporal stores are weakly ordered: each block ends with
:func:`fence` (``sfence``), so the records are in memory before the kernel
returns.  They also bypass the caches, which costs time when the records are
read again soon and would have stayed in cache; :func:`.cpu.run_chunk`
streams only records of at least :data:`.cpu.STREAM_MIN_BYTES`.

Where it pays
-------------
Streaming is not faster on every x86-64 CPU, and :data:`.cpu.STREAM` (the
default of every call) is :func:`pays`: true only where the CPU has AVX-512,
so that one vector store of the kernels' loop fills a whole cache line.  On
the AMD EPYC Zen 5 machine of the figures above it is.  On an AMD EPYC Zen 3
machine (AVX2: two 32-byte stores make a line, which the core must combine
before it writes the line out) streaming made every kernel slower, measured
side by side through the public API (N = 1e5, T = 200, ``record="all"``,
``check_finite=False``, records from :mod:`refneuron.buffers`, ns per
neuron-step, ordinary -> streaming): snntorch ``Leaky`` 0.64 -> 0.81,
spikingjelly ``LIF`` 0.86 -> 1.42, snntorch ``Synaptic`` 1.0 -> 7.0,
norse ``LIF`` 1.1 -> 7.5, Izhikevich 1.0 -> 6.6, snntorch ``Alpha`` 1.6
-> 14, AdEx 4.2 -> 13.8; the backward with a streamed input gradient,
snntorch ``Leaky`` 2.8 -> 3.1.  The collapse with two or three streamed
traces depends on where the records lie against the input: with the
traces at a page offset 48 bytes past the input's (as the pool's arrays
and a NumPy input happened to lie) ``Synaptic`` took 7.8 ns, with them
16 bytes before it 1.24, against 0.91 with ordinary stores; a load of the
input that shares its low twelve address bits with a streaming store just
issued seems to wait for that store.  The streamed triad of the benchmark
was faster there all the same (39.6 against 26.4 GB/s): a loop that only
streams one array is not what the kernels do.

Values do not change: only the way the same bytes reach memory
(``tests/backends/test_stream.py`` compares every kernel bit for bit with and
without streaming).
"""

from __future__ import annotations

import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, register_jitable

from ._vector import has_avx512

#: the alignment (bytes) a streamed row segment must have: one cache line, the alignment of every
#: array refneuron.buffers hands out
from ..buffers import ALIGN as LINE

_X86_64 = platform.machine().lower() in ("x86_64", "amd64")


def available():
    """Whether this machine's kernels can stream (x86-64: ``sfence`` and non-temporal stores)."""
    return _X86_64


def pays():
    """Whether streaming is expected to make this machine's kernels faster: x86-64 with
    AVX-512F in the CPU Numba compiles for (:func:`._vector.has_avx512`; one vector
    store is a cache line, see "Where it pays" above)."""
    return _X86_64 and has_avx512()


@intrinsic
def _stream_store(typingctx, row, k, v):
    """``row[k] = v``, non-temporal and declared :data:`LINE`-aligned for a float64
    ``row``; an ordinary store for any other dtype."""
    if not (isinstance(row, types.Array) and row.ndim == 1 and isinstance(k, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        aryty, _, valty = sig.args
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]], inbounds=True)
        val = context.cast(builder, args[2], valty, aryty.dtype)
        if aryty.dtype == types.float64:
            inst = builder.store(val, ptr, align=LINE)
            inst.set_metadata("nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))
        else:
            context.pack_value(builder, aryty.dtype, val, ptr)
        return context.get_dummy_value()

    return types.none(row, k, v), codegen


@intrinsic
def fence(typingctx):
    """Order the non-temporal stores before everything after (``sfence`` on x86-64)."""

    def codegen(context, builder, sig, args):
        if available():
            fn = builder.module.declare_intrinsic("llvm.x86.sse.sfence", fnty=ir.FunctionType(ir.VoidType(), []))
            builder.call(fn, [])
        else:  # pragma: no cover - only x86-64 streams
            builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.none(), codegen


@register_jitable(inline="always")
def put(row, k, v, stream):
    """``row[k] = v``; with ``stream`` (compile-time constant) a streaming store
    for a float64 ``row`` (see the module docstring for when that is allowed)."""
    if stream:
        _stream_store(row, k, v)
    else:
        row[k] = v


def streamable(a):
    """Whether the 2-D record ``a`` may be streamed: float64, C-contiguous, its
    address and its row length in bytes multiples of :data:`LINE`."""
    return (
        a.dtype == np.float64
        and a.ndim == 2
        and a.flags.c_contiguous
        and a.ctypes.data % LINE == 0
        and (a.shape[1] * 8) % LINE == 0
    )


__all__ = ["LINE", "available", "fence", "pays", "put", "streamable"]
