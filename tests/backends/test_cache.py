"""The on-disk kernel cache follows the package's sources (backends/_jit.py,
``key_caches_to_sources``).

Numba stamps a cached kernel with its own file's modification time and size;
a kernel also compiles functions from the model files.  Editing only a model
file (as ``git pull`` does to an editable install) must compile the kernel
anew instead of loading the one built from the old equations.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

SCRIPT = """
import numpy as np, refneuron as rn
from refneuron.backends import cpu
x = np.random.default_rng(0).normal(0.3, 0.5, (50, 64))
mem = rn.run(rn.snntorch.Leaky(beta=0.9), x, backend="cpu").states["mem"]
print("bits", int(mem.view(np.uint64).sum(dtype=np.uint64)))
print("hits", sum(cpu.leaky.stats.cache_hits.values()), "misses", sum(cpu.leaky.stats.cache_misses.values()))
"""


def _run(pkg_root):
    """(bits of the run, cache hits, cache misses) of ``cpu.leaky`` in a fresh
    process.  The kernel's options are compile-time constants: Numba first
    looks up the signature without them (a miss), then with them (a hit when
    the cache holds the kernel)."""
    env = dict(os.environ, PYTHONPATH=str(pkg_root))
    env.pop("NUMBA_CACHE_DIR", None)  # the cache next to the copied sources
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=pkg_root, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = dict(ln.split(" ", 1) for ln in r.stdout.splitlines())
    hits, _, misses = out["hits"].partition(" misses ")
    return int(out["bits"]), int(hits), int(misses)


def test_editing_a_model_file_recompiles_its_kernels(tmp_path):
    shutil.copytree(ROOT / "refneuron", tmp_path / "refneuron", ignore=shutil.ignore_patterns("__pycache__"))
    first = _run(tmp_path)
    assert first[1] == 0  # compiled (an empty cache)
    again = _run(tmp_path)
    assert again[:2] == (first[0], 1)  # loaded from the cache, same result
    # the compiled one-neuron step lives in the model's file, not in backends/cpu.py
    leaky = tmp_path / "refneuron" / "models" / "snntorch" / "leaky.py"
    src = leaky.read_text()
    head, sep, body = src.partition("\ndef leaky_step(")
    old = "    r, m = leaky_charge(mem, x, beta, threshold, thr_sub, reset)\n    s = spike_gt(m, threshold)\n"
    assert sep and old in body.split("\ndef ")[0]
    body = body.replace(old, old.replace("    s = spike_gt", "    m = m * 1.0000001\n    s = spike_gt"), 1)
    leaky.write_text(head + sep + body)
    edited = _run(tmp_path)
    assert edited[1] == 0  # compiled anew: Numba alone would have loaded the stale kernel
    assert edited[0] != first[0]  # from the edited equations
