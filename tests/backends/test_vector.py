"""refneuron.backends._vector.wide_vectors: the LLVM attribute that lets a
kernel's loop use 512-bit vectors, and that the vector width changes no value.

The kernels that call it are compared with the NumPy reference elsewhere
(test_cpu.py, test_backward.py), but for the models with an ``exp`` that
comparison has a tolerance (NumPy's ``exp`` is not the kernels').  Here each
such kernel is compiled a second time without the attribute, in this
process, and the two must agree bit for bit: a lane computes its neuron with
the same IEEE operations whatever the width.
"""

from __future__ import annotations

import re

import numba
import numpy as np
import pytest

import refneuron as rn
from refneuron import gradients
from refneuron.backends import _vector, cpu, cpu_vjp, specs

from ._cases import inputs_for

#: the kernels whose prange body calls wide_vectors (cpu.py and cpu_vjp.py docstrings)
WIDE_FORWARD = ("adex", "sj_eif", "norse_lif_adex", "norse_encoder", "sj_izhikevich", "sj_klif", "sj_qif")
WIDE_BACKWARD = ("adex", "sj_eif", "norse_lif_adex", "norse_encoder", "sj_izhikevich")

MODELS = {
    "adex": rn.canonical.AdEx(),
    "sj_eif": rn.spikingjelly.EIF(),
    "norse_lif_adex": rn.norse.LIFAdEx(),
    "norse_encoder": rn.norse.LIFAdExCurrentEncoder(),
    "sj_izhikevich": rn.spikingjelly.Izhikevich(),
    "sj_klif": rn.spikingjelly.KLIF(),
    "sj_qif": rn.spikingjelly.QIF(),
}


def _host_has_avx512():
    return _vector.has_avx512()


#: without AVX-512 the attribute changes no instruction (the widest vectors are 256 bits
#: either way), so the two compilations compared below would be the same code
NO_AVX512 = "no AVX-512 on this CPU: both widths compile to the same 256-bit code"


def _probe():
    """A parallel loop of the kernels' shape around an exp and a division, with the attribute."""
    from numba import prange

    from refneuron import _math
    from refneuron.backends._jit import NJIT_OPTIONS, jitable_cpu

    jitable_cpu()

    @numba.njit(**dict(NJIT_OPTIONS, parallel=True, cache=False))
    def probe(x, out, c):
        for b in prange(2):
            _vector.wide_vectors()
            lo = b * (x.shape[0] // 2)
            xb = x[lo : lo + x.shape[0] // 2]
            ob = out[lo : lo + x.shape[0] // 2]
            for k in range(xb.shape[0]):
                ob[k] = _math.exp(xb[k] / c)

    return probe


def test_the_attribute_reaches_the_parallel_loop():
    probe = _probe()
    x = np.linspace(-3.0, 3.0, 400)
    out = np.empty_like(x)
    probe(x, out, 1.7)
    ir = "\n".join(probe.inspect_llvm().values())
    # the outlined parallel-loop function carries the attribute, written inline or through an attribute group
    groups = re.findall(r'^attributes (#\d+) = \{[^}]*"prefer-vector-width"="512"', ir, flags=re.M)
    defines = re.findall(r"^define [^\n]*__numba_parfor_gufunc[^\n]*$", ir, flags=re.M)
    assert defines, "no parfor function in the IR"
    assert any('"prefer-vector-width"="512"' in d or any(re.search(rf"{g}\b", d) for g in groups) for d in defines), (
        "the parfor function has no prefer-vector-width attribute"
    )
    if _host_has_avx512():
        asm = "\n".join(probe.inspect_asm().values())
        assert re.search(r"\bvdivpd\s+[^\n]*%zmm", asm), "no 512-bit division on a CPU with AVX-512"


def _run_at_width(module, name, original, wide, monkeypatch, fn):
    """Run ``fn`` with ``module.name`` at the given width: ``original`` (the
    module's kernel, with the attribute; compiled or loaded from the cache) if
    ``wide``, else ``original`` compiled anew without it (no cache).  Returns
    ``fn()`` and the kernel it ran."""
    kernel = original
    if not wide:
        options = {k: v for k, v in original.targetoptions.items() if k != "nopython"}
        kernel = numba.njit(**options)(original.py_func)
    monkeypatch.setattr(module, name, kernel)
    monkeypatch.setattr(_vector, "ENABLED", wide)  # read when the twin compiles, in fn()
    return fn(), kernel


def _same(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    # bit for bit, NaNs and the sign of zero included
    assert np.array_equal(a.view(np.uint64) if a.dtype == np.float64 else a,
                          b.view(np.uint64) if b.dtype == np.float64 else b), f"{what}: the vector width changed a value"


@pytest.mark.skipif(not _host_has_avx512(), reason=NO_AVX512)
@pytest.mark.parametrize("name", WIDE_FORWARD)
def test_forward_is_bitwise_the_same_at_either_width(name, monkeypatch):
    model = MODELS[name]
    assert specs.spec_for(model).kernel == name
    # N = 70: one block of 64 (vector loop and its remainder) and one of 6
    x = inputs_for(model, (50, 70), seed=11)
    sdt = "uint8" if specs.binary_output(model) else "float64"
    original = getattr(cpu, name)  # read once: the first pass replaces it in the module
    runs = {}
    for wide in (False, True):
        runs[wide], kernel = _run_at_width(cpu, name, original, wide, monkeypatch,
                                           lambda: rn.run(model, x, backend="cpu", spike_dtype=sdt))  # fmt: skip
        if not wide:  # the twin really is the 256-bit form
            assert "prefer-vector-width" not in "\n".join(kernel.inspect_llvm().values())
        assert (kernel is original) == wide
    narrow, wide = runs[False], runs[True]
    _same(narrow.output, wide.output, f"{name} output")
    for k in narrow.states:
        _same(narrow.states[k], wide.states[k], f"{name} trace {k}")


@pytest.mark.skipif(not _host_has_avx512(), reason=NO_AVX512)
@pytest.mark.parametrize("name", WIDE_BACKWARD)
def test_backward_is_bitwise_the_same_at_either_width(name, monkeypatch):
    model = MODELS[name]
    x = inputs_for(model, (40, 70), seed=12)
    gy = np.random.default_rng(13).normal(size=x.shape)
    original = getattr(cpu_vjp, name)  # read once: the first pass replaces it in the module
    grads = {}
    for wide in (False, True):
        grads[wide], kernel = _run_at_width(cpu_vjp, name, original, wide, monkeypatch,
                                            lambda: gradients.vjp(model, x, {"output": gy}, backend="cpu"))  # fmt: skip
        assert (kernel is original) == wide
    a, b = grads[False], grads[True]
    assert type(a) is type(b)
    _same(a.inputs, b.inputs, f"{name} input gradient")
    for k in a.params:
        _same(a.params[k], b.params[k], f"{name} gradient of {k}")
    for k in a.initial_state:
        _same(a.initial_state[k], b.initial_state[k], f"{name} gradient of initial {k}")


def test_the_named_kernels_are_the_ones_that_call_it():
    """The lists above, the modules' docstrings and the code say the same."""
    import inspect

    for module, names in ((cpu, WIDE_FORWARD), (cpu_vjp, WIDE_BACKWARD)):
        calling = {n for n, f in vars(module).items()
                   if hasattr(f, "py_func") and "wide_vectors()" in inspect.getsource(f.py_func)}  # fmt: skip
        assert calling == set(names), module.__name__
        for n in names:
            assert f"``{n}``" in module.__doc__, f"{module.__name__} docstring does not name {n}"
