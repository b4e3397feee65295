"""CUDA kernels: under the simulator against the NumPy reference, and
BackendUnavailable where numba-cuda or a GPU is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import refneuron as rn
from refneuron.errors import BackendUnavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _python(code_or_module, env_extra, module=False):
    env = dict(os.environ, **env_extra)
    args = [sys.executable, "-m", code_or_module] if module else [sys.executable, "-c", code_or_module]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.cudasim
def test_cuda_kernels_under_the_simulator():
    # NUMBA_ENABLE_CUDASIM must be set before numba is imported: a fresh process
    res = _python("tests.backends._cudasim_script", {"NUMBA_ENABLE_CUDASIM": "1"}, module=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    oks = [line for line in res.stdout.splitlines() if line.startswith("OK ")]
    assert len(oks) >= 20, res.stdout


def _has_gpu():
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:
        return False


def test_cuda_without_gpu_is_unavailable():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or _has_gpu():
        pytest.skip("a GPU (or the simulator) is present")
    with pytest.raises(BackendUnavailable, match="no CUDA GPU"):
        rn.run(rn.snntorch.Leaky(beta=0.9), np.zeros((3, 2)), backend="cuda")


def test_missing_packages_are_unavailable_not_a_fallback():
    code = (
        "import sys\n"
        "sys.modules['{mod}'] = None\n"
        "import numpy as np, refneuron as rn\n"
        "from refneuron.errors import BackendUnavailable\n"
        "try:\n"
        "    rn.run(rn.snntorch.Leaky(beta=0.9), np.zeros((3, 2)), backend='{backend}')\n"
        "except BackendUnavailable as exc:\n"
        "    print('UNAVAILABLE', exc)\n"
    )
    res = _python(code.format(mod="numba.cuda", backend="cuda"), {})
    assert res.returncode == 0, res.stderr
    assert "UNAVAILABLE" in res.stdout and "numba-cuda" in res.stdout
    res = _python(code.format(mod="numba", backend="cpu"), {})
    assert res.returncode == 0, res.stderr
    assert "UNAVAILABLE" in res.stdout and "needs numba" in res.stdout


@pytest.mark.gpu
def test_cuda_kernels_on_a_gpu():
    """On a real GPU: spikes identical away from ties, states within FMA round-off."""
    if not _has_gpu():
        pytest.skip("no CUDA GPU")
    from ._cases import all_cases, inputs_for

    for name, model in all_cases():
        x = inputs_for(model, (500, 4099), seed=21)
        ref = rn.run(model, x)
        got = rn.run(model, x, backend="cuda")
        # fused multiply-adds round once instead of twice: ~1 ulp per step,
        # bounded by the leak (Leaky beta=0.9: 10 ulp); a flipped spike would
        # show up as an O(1) difference, so spikes are compared exactly too
        np.testing.assert_array_equal(got.output, ref.output, err_msg=name)
        for k in ref.states:
            scale = max(float(np.max(np.abs(ref.states[k]))), 1.0)
            diff = float(np.max(np.abs(got.states[k] - ref.states[k])))
            assert diff <= 1e-10 * scale, (name, k, diff)
