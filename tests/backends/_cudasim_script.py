"""Run under NUMBA_ENABLE_CUDASIM=1 (set before numba is imported) by
test_cuda.py: the CUDA kernels against the NumPy reference on small sizes.
Prints one ``OK <check>`` line per passed check; any failure raises."""

from __future__ import annotations

import os
import sys

import numpy as np

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":  # pragma: no cover
    sys.exit("run with NUMBA_ENABLE_CUDASIM=1")

import refneuron as rn  # noqa: E402
from refneuron.errors import InputError, InputTypeError  # noqa: E402

from ._cases import all_cases, inputs_for, per_neuron  # noqa: E402
from ._compare import assert_same_run  # noqa: E402


def main():
    from numba import cuda

    # every configuration, host inputs, chunked (chunks of 7 reuse device buffers)
    for name, model in all_cases():
        x = inputs_for(model, (24, 2, 19), seed=11)
        ref = rn.run(model, x)
        got = rn.run(model, x, backend="cuda", chunk_steps=7)
        assert_same_run(model, ref, got, what=name)
        print("OK", name)
    # per-neuron parameters (device arrays of parameters), non-contiguous input
    for name, model in all_cases()[::7]:
        pm = per_neuron(model, (37,))
        x = inputs_for(pm, (40, 74), seed=12)[:, ::2]
        assert_same_run(pm, rn.run(pm, x), rn.run(pm, x, backend="cuda"), what=name + " per-neuron")
        print("OK per-neuron", name)
    # device inputs: records stay on the device; record modes and uint8 spikes
    model = rn.canonical.Izhikevich(scheme="network2003")
    x = inputs_for(model, (30, 41), seed=13)
    ref = rn.run(model, x)
    d_x = cuda.to_device(x)
    got = rn.run(model, d_x, backend="cuda", chunk_steps=4)
    assert hasattr(got.output, "copy_to_host")
    np.testing.assert_array_equal(got.output.copy_to_host(), ref.output)
    np.testing.assert_array_equal(got.states["v"].copy_to_host(), ref.states["v"])
    np.testing.assert_array_equal(got.final_state.u, ref.final_state.u)
    r8 = rn.run(model, d_x, backend="cuda", record="output", spike_dtype="uint8")
    assert r8.output.dtype == np.uint8 and r8.states is None
    np.testing.assert_array_equal(r8.output.copy_to_host(), ref.output)
    fin = rn.run(model, d_x, backend="cuda", record="final")
    assert fin.output is None
    np.testing.assert_array_equal(fin.final_state.v, ref.final_state.v)
    print("OK device inputs")
    # host out= buffers with the CUDA backend
    buf = np.empty(x.shape, dtype=bool)
    r = rn.run(model, x, backend="cuda", record="output", spike_dtype="bool", out={"output": buf})
    assert r.output is buf
    np.testing.assert_array_equal(buf, ref.output.astype(bool))
    print("OK out buffers")
    # bad device inputs are refused before any work
    bad = x.copy()
    bad[17, 5] = np.nan
    try:
        rn.run(model, cuda.to_device(bad), backend="cuda")
    except InputError as exc:
        assert "t=17" in str(exc) and "(5,)" in str(exc), str(exc)
    else:
        raise AssertionError("NaN in a device input was not refused")
    try:
        rn.run(model, cuda.to_device(x.astype(np.float32)), backend="cuda")
    except InputTypeError:
        pass
    else:
        raise AssertionError("a float32 device input was not refused")
    print("OK device input checks")


if __name__ == "__main__":
    main()
