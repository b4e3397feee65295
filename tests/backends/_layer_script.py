"""Run by tests/backends/test_layer.py in a fresh process (the threading layer
is chosen once per process, by ``NUMBA_THREADING_LAYER`` or Numba's default).

Prints one line per check, ``NAME: ok`` or ``NAME: <what happened>``:

``layer``     the layer Numba started, and whether it is GNU OpenMP;
``threads``   four Python threads in ``run`` and ``vjp`` on the CPU backend at
              once give the results of one call each (bitwise);
``fork``      in a child forked (multiprocessing ``"fork"``) after the CPU
              kernels ran: the NumPy backend on an input large enough for the
              compiled finiteness scan, and the CPU backend, forward and
              backward: each gives the parent's result bitwise or its error's
              class name and message.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading

import numpy as np

import refneuron as rn
from refneuron import gradients
from refneuron.backends import _layer

MODEL = rn.snntorch.Leaky(beta=0.9)
X = np.random.default_rng(0).normal(0.3, 0.5, (40, 2000))  # 80 000 entries: above _checks._SCAN_SMALL
UP = {"output": np.random.default_rng(1).normal(size=X.shape)}


def forward(backend):
    return rn.run(MODEL, X, backend=backend).states["mem"]


def backward(backend):
    return gradients.vjp(MODEL, X, UP, backend=backend).inputs


def in_child(which):
    """Runs in the forked child: the array, or the error's class and message."""
    try:
        return forward(which[0]) if which[1] == "run" else backward(which[0])
    except Exception as exc:  # reported to the parent, which prints it
        return f"{type(exc).__name__}: {exc}"


def main():
    ref_fwd, ref_bwd = forward("cpu"), backward("cpu")
    assert np.array_equal(ref_fwd, forward("numpy"))
    print(f"layer: {_layer.threading_layer()} gnu_openmp={_layer._gnu_openmp()}", flush=True)

    results = {}

    def work(k):
        results[k] = (forward("cpu"), backward("cpu"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    same = len(results) == 4 and all(
        np.array_equal(f, ref_fwd) and np.array_equal(b, ref_bwd) for f, b in results.values()
    )
    print(f"threads: {'ok' if same else 'different results'}", flush=True)

    with mp.get_context("fork").Pool(1) as pool:
        for which, ref in ((("numpy", "run"), ref_fwd), (("cpu", "run"), ref_fwd), (("cpu", "vjp"), ref_bwd)):
            got = pool.apply_async(in_child, (which,)).get(timeout=60)
            if isinstance(got, str):
                print(f"fork {which[0]} {which[1]}: {got}", flush=True)
            else:
                print(f"fork {which[0]} {which[1]}: {'ok' if np.array_equal(got, ref) else 'different results'}",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
    sys.exit(0)
