"""Run in a subprocess by test_backward.py: prints a digest of the compiled
gradients (CPU with the thread count of NUMBA_NUM_THREADS, or CUDA under
NUMBA_ENABLE_CUDASIM=1) so that runs can be compared bit for bit."""

from __future__ import annotations

import hashlib
import sys

import numpy as np

from refneuron import gradients
from tests.backends.test_backward import CASES, KERNEL_CASES, case_problem


def flat_gradients(backend, shape, cases=CASES):
    """Each case's gradients, one flat float64 array per case."""
    out = {}
    for case in cases:
        model, x, up, s0 = case_problem(case, shape, seed=5)
        g = gradients.vjp(model, x, up, s0, backend=backend, check_finite=False)
        arrs = (g.inputs, *g.initial_state.values(), *(np.asarray(v) for v in g.params.values()))
        out[case.name] = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrs])
    return out


def main(backend, path=None):
    if backend == "cuda":  # every case, compared with the CPU
        res = flat_gradients(backend, (23, 3, 11))
    else:  # the thread count: one case per kernel (its blocks and reductions do not depend on the options)
        res = flat_gradients(backend, (61, 1031), KERNEL_CASES)
    h = hashlib.sha256()
    for v in res.values():
        h.update(v.tobytes())
    if path:
        np.savez(path, **res)
    print("DIGEST", h.hexdigest())


if __name__ == "__main__":
    main(*sys.argv[1:])
