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
