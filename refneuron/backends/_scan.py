"""Finding the first non-finite entry of a large float64 array without a temporary.

``np.isfinite(x)`` allocates a boolean array as large as ``x`` and walks it
twice more (``any``, ``argmax``); on a ``T x N`` input that costs about as
much as running a kernel over it.  :func:`first_nonfinite_flat` instead reads
the IEEE-754 exponent bits of each value in place (a value is non-finite
exactly when its 11 exponent bits are all ones: inf or NaN), in parallel over
sub-blocks of 16 Ki values, super-block by super-block (8 Mi values) so that
it stops soon after the first bad value.  Each sub-block first counts its
non-finite values (a branch-free integer OR-reduction the compiler
vectorises) and only the first flagged sub-block is scanned for its first
bad value, which is therefore the first of the whole array: the same index ``np.argmax(~np.isfinite(x).ravel())`` gives.

Used by :func:`refneuron._checks.first_nonfinite` for C-contiguous float64
arrays when Numba can be imported; otherwise that function scans in chunks
with NumPy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_EXP = np.uint64(0x7FF0000000000000)
_ONE = np.uint64(1 << 52)
_TOP = np.uint64(1 << 63)
#: values per parallel sub-block and per super-block (the early-stop granule)
SUB = 1 << 14
SUPER = 1 << 23


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def _flag_blocks(u, lo, hi, sub, flags):
    """``flags[s]`` has bit 63 set iff sub-block ``s`` of ``u[lo:hi]`` holds a
    non-finite value: ``(bits & EXP) + 2**52`` reaches ``2**63`` exactly when
    the 11 exponent bits are all ones, and an OR over the block keeps it (a
    branch-free reduction the compiler vectorises)."""
    nsub = (hi - lo + sub - 1) // sub
    for s in prange(nsub):
        a = lo + s * sub
        b = min(a + sub, hi)
        acc = np.uint64(0)
        for i in range(a, b):
            acc |= (u[i] & _EXP) + _ONE
        flags[s] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def _first_flagged(u, lo, hi, sub, flags):
    """First non-finite index in the first flagged sub-block of ``u[lo:hi]``, or -1."""
    nsub = (hi - lo + sub - 1) // sub
    for s in range(nsub):
        if flags[s] & _TOP:
            a = lo + s * sub
            for i in range(a, min(a + sub, hi)):
                if (u[i] & _EXP) == _EXP:
                    return i
    return -1


def first_nonfinite_flat(arr):
    """Flat C-order index of the first NaN/inf of a C-contiguous float64 array, or -1."""
    n = arr.size
    if n == 0:
        return -1
    u = arr.reshape(-1).view(np.uint64)
    flags = np.empty((min(SUPER, n) + SUB - 1) // SUB, dtype=np.uint64)
    for lo in range(0, n, SUPER):
        hi = min(lo + SUPER, n)
        _flag_blocks(u, lo, hi, SUB, flags)
        i = _first_flagged(u, lo, hi, SUB, flags)
        if i >= 0:
            return int(i)
    return -1


from ._jit import key_caches_to_sources  # noqa: E402

key_caches_to_sources(globals())  # cached kernels are keyed to the package sources (_jit)
