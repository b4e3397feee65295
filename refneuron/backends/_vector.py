"""Vector width of the CPU kernels' loops: :func:`wide_vectors`.

LLVM vectorises the kernels' loop over a block of neurons, but on x86 CPUs
with AVX-512 its tuning for recent Intel cores (``prefer-256-bit``) keeps
the vectors at 256 bits (four float64 lanes), half the register width.  A
kernel whose step is long (an ``exp``, divisions, several state variables)
is then limited by the number of instructions it issues rather than by
memory, and 512-bit vectors halve that number.  :func:`wide_vectors`,
called at the top of a ``prange`` body (the function Numba outlines for
the parallel loop), gives that function the LLVM attribute
``"prefer-vector-width"="512"``; LLVM then uses 512-bit vectors in it where
the CPU has them, and changes nothing on CPUs without AVX-512.  On AMD's
Zen 5 (LLVM's ``znver5`` tuning, an AMD EPYC machine here) LLVM already
uses 512-bit vectors in every kernel (``zmm`` divisions in the assembly of
spikingjelly ``LIF``'s kernel, which does not call it), so there the
attribute changes nothing either.

The values do not change: each lane computes its neuron with the same IEEE
operations in the same order whatever the vector width (no reductions over
neurons, no ``fastmath``, fused multiply-adds only where written), so the
kernels stay bitwise equal to the NumPy reference where they were.

Which kernels call it was measured, not derived (``benchmarks/RESULTS.md``,
the record-modes table, and the notes in :mod:`refneuron.backends.cpu`).
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic

def has_avx512():
    """Whether the CPU Numba compiles for has AVX-512F (512-bit vectors): the host's,
    unless ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` name another (then only an
    explicit ``+avx512f`` counts)."""
    from numba.core import config

    if config.CPU_FEATURES is not None:
        return "+avx512f" in config.CPU_FEATURES.split(",")
    if config.CPU_NAME not in (None, "host"):
        return False
    import llvmlite.binding as llvm

    return bool(llvm.get_host_cpu_features().get("avx512f", False))


#: the LLVM function attribute :func:`wide_vectors` sets
ATTRIBUTE = '"prefer-vector-width"="512"'

#: set False (before the kernels compile) to compile them without the attribute, for side-by-side timing
ENABLED = True


@intrinsic
def wide_vectors(typingctx):
    """Let LLVM use 512-bit vectors in the function being compiled (compiled code
    only; call it first thing in a ``prange`` body).  Emits no instruction."""

    def codegen(context, builder, sig, args):
        if ENABLED:
            # llvmlite's attribute set accepts only the attributes it knows by name; a
            # string attribute ("key"="value") is written into the IR as given
            set.add(builder.function.attributes, ATTRIBUTE)
        return context.get_dummy_value()

    return types.none(), codegen
