"""The CPU backends under Numba's threading layers (refneuron/backends/_layer.py):
Python threads calling them at once, and worker processes forked from a process
that ran them (multiprocessing's "fork" start method, Linux's default).

Each case runs tests/backends/_layer_script.py in a fresh process, because
Numba picks its threading layer once per process.  Results are compared bit for
bit: the same kernel on the same inputs, whatever thread or process calls it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork start method: Linux")


def _script(layer=None):
    env = dict(os.environ)
    env.pop("NUMBA_THREADING_LAYER", None)
    if layer is not None:
        env["NUMBA_THREADING_LAYER"] = layer
    r = subprocess.run([sys.executable, "-m", "tests.backends._layer_script"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    lines = dict(ln.split(": ", 1) for ln in r.stdout.splitlines() if ": " in ln)
    return lines


def test_workqueue_threads_and_fork():
    # Numba's workqueue layer terminates the process when two threads launch
    # parallel kernels at once; refneuron's launch lock serialises them.  It is
    # fork-safe, so a forked worker runs the CPU kernels with the parent's results.
    got = _script("workqueue")
    assert got["layer"].startswith("workqueue"), got
    assert got["threads"] == "ok"
    assert got["fork numpy run"] == "ok"
    assert got["fork cpu run"] == "ok"
    assert got["fork cpu vjp"] == "ok"


def test_default_layer_threads_and_fork():
    got = _script()
    assert got["threads"] == "ok"
    # the NumPy reference runs in a forked worker whatever the layer (with GNU
    # OpenMP, its input scan uses NumPy instead of the parallel kernel)
    assert got["fork numpy run"] == "ok"
    if not got["layer"].endswith("gnu_openmp=True"):
        assert got["fork cpu run"] == "ok" and got["fork cpu vjp"] == "ok"
        pytest.skip(f"layer {got['layer']}: fork-safe; the GNU OpenMP refusal is not reachable here")
    # GNU OpenMP does not survive fork: a clear error naming the remedies,
    # where Numba would terminate the worker (and a Pool would wait forever)
    for key in ("fork cpu run", "fork cpu vjp"):
        msg = got[key]
        assert msg.startswith("BackendUnavailable: backend: 'cpu' cannot run in this process"), msg
        assert "GNU OpenMP" in msg and "'spawn'" in msg and "NUMBA_THREADING_LAYER=workqueue" in msg, msg


def test_disabled_jit_is_refused_and_numpy_still_runs():
    # NUMBA_DISABLE_JIT=1 runs njit functions as Python; the kernels' intrinsics
    # have no Python form (before: AttributeError / NotImplementedError from
    # inside Numba).  The NumPy reference, whose input scan would otherwise be a
    # compiled kernel, still runs and gives the same bits.
    code = (
        "import numpy as np, refneuron as rn\n"
        "from refneuron import gradients\n"
        "from refneuron.errors import BackendUnavailable\n"
        "m = rn.snntorch.Leaky(beta=0.9)\n"
        "x = np.random.default_rng(0).normal(0.3, 0.5, (40, 2000))\n"
        "for f in (lambda: rn.run(m, x, backend='cpu'), lambda: gradients.vjp(m, x, {'output': x}, backend='cpu')):\n"
        "    try:\n"
        "        f()\n"
        "    except BackendUnavailable as exc:\n"
        "        print('refused:', exc)\n"
        "x[7, 1234] = np.nan\n"
        "try:\n"
        "    rn.run(m, x)\n"
        "except ValueError as exc:\n"
        "    print('numpy:', exc)\n"
        "x[7, 1234] = 0.0\n"
        "print('mem:', rn.run(m, x).states['mem'].view(np.uint64).sum(dtype=np.uint64))\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    refused = [ln for ln in r.stdout.splitlines() if ln.startswith("refused:")]
    assert len(refused) == 2, r.stdout
    for ln in refused:
        assert "NUMBA_DISABLE_JIT=1" in ln and "backend='numpy'" in ln, ln
    # the scan found the NaN where the compiled scan finds it (step 7, neuron 1234)
    numpy_err = [ln for ln in r.stdout.splitlines() if ln.startswith("numpy:")]
    assert len(numpy_err) == 1 and "value nan at index (t=7, neuron=(1234,))" in numpy_err[0], r.stdout
    import numpy as np

    import refneuron as rn

    x = np.random.default_rng(0).normal(0.3, 0.5, (40, 2000))
    x[7, 1234] = 0.0  # as in the script
    mem = rn.run(rn.snntorch.Leaky(beta=0.9), x).states["mem"].view(np.uint64).sum(dtype=np.uint64)
    assert f"mem: {mem}" in r.stdout
