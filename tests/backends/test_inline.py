"""The models' functions are spliced into the CPU kernels (LLVM ``alwaysinline``).

:func:`refneuron.backends._jit.jitable_cpu` compiles every function a CPU
kernel calls with ``forceinline``, and :mod:`refneuron._math` its compiled
``exp`` / ``expit`` the same way: left to LLVM's cost model, a call could stay
out of line in a kernel's parallel loop, which then ran one neuron at a time in
the process that compiled it (see there).  Whether a loop vectorised is a
matter for the benchmark; here, that every function below a reverse step
carries the attribute.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

numba = pytest.importorskip("numba")


def _callee_libraries(library, seen=None):
    seen = set() if seen is None else seen
    for lib in library._linking_libraries:
        if id(lib) not in seen:
            seen.add(id(lib))
            yield lib
            yield from _callee_libraries(lib, seen)


def _refneuron_definitions(library):
    """``(function name, attributes text)`` of every refneuron function compiled for ``library``."""
    out = []
    for lib in _callee_libraries(library):
        ir = lib.get_llvm_str()
        groups = dict(re.findall(r"^attributes (#\d+) = \{(.*)\}$", ir, re.M))
        for name, tail in re.findall(r'^define [^@]*@"?([\w.$]+)"?\(.*\)([^{]*)\{', ir, re.M):
            if "refneuron" in name and not name.startswith(("cfunc.", "_ZN7cpython")):
                out.append((name, tail + " ".join(groups.get(g, "") for g in re.findall(r"#\d+", tail))))
    return out


def test_a_reverse_step_and_everything_below_it_are_always_inlined():
    from refneuron import _math
    from refneuron.backends import cpu_vjp  # noqa: F401  (registers the models' functions)
    from refneuron.models.spikingjelly.izhikevich import sj_izhikevich_back
    from refneuron.surrogates._codes import SJ_SIGMOID

    # spikingjelly Izhikevich's reverse step with its default surrogate (Sigmoid: expit, exp),
    # the call that stayed out of line before; and _math.expit called directly
    @numba.njit(error_model="numpy")
    def probe(v, w, x):
        g = sj_izhikevich_back(
            v, w, x, 1.0, 0.5, 0.2, 2.0, 0.04, -65.0, -50.0, 100.0, 0.02, 0.2, 30.0, -65.0, 0, False, SJ_SIGMOID,
            4.0, 0.0,
        )  # fmt: skip
        return g[0] + _math.expit(x)

    assert np.isfinite(probe(-60.0, 0.1, 0.2))
    (cres,) = probe.overloads.values()
    found = _refneuron_definitions(cres.library)
    names = " ".join(n for n, _ in found)
    for part in ("sj_izhikevich_back", "izhikevich_adjoint", "surrogate_slope", "sigmoid_surrogate_derivative",
                 "_fastexp3exp", "_fastexp5expit", "_math"):  # fmt: skip
        assert part in names, f"{part} was not compiled as a function of its own"
    missing = [n for n, attrs in found if "alwaysinline" not in attrs]
    assert not missing, f"compiled without alwaysinline: {missing}"
