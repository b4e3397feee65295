"""Loops, memory and compilation: NumPy reference, Numba CPU, Numba CUDA.

The public switch is ``refneuron.run(model, inputs, backend=...)``:

``"numpy"``
    The float64 reference in :mod:`refneuron.simulate`: one vectorised call
    of the model's ``_step`` per time step.
``"cpu"``
    :mod:`refneuron.backends.cpu`: one fused Numba kernel per model, parallel
    (``prange``) over blocks of neighbouring neurons with the time loop
    inside.  Needs numba.
``"cuda"``
    :mod:`refneuron.backends.cuda`: one Numba-CUDA kernel per model, one
    thread per neuron.  Needs numba-cuda and a GPU (or the simulator,
    ``NUMBA_ENABLE_CUDASIM=1``).

A backend that cannot run a model raises
:class:`~refneuron.errors.BackendUnavailable` naming the reason; there is no
silent fallback.

Where the equations live
------------------------
Nowhere in this package.  Each model's file defines element-wise functions
(``leaky_charge``, ``izhikevich_dv``, ``lif_update``, ...) that its NumPy
``_step`` calls on arrays; :mod:`._steps` strings them together per neuron
in ``_step``'s order, and :mod:`._jit` registers the very same function
objects with ``numba`` (CPU) and ``numba.cuda`` (GPU).  The one exception is
``adex_dV``, whose ``np.exp`` Numba-CUDA refuses: the GPU uses a twin with
``math.exp`` (:func:`._steps.adex_dV_math`, tested against the original).

How far the backends agree (tests/backends)
-------------------------------------------
* CPU, models without ``exp``: bitwise (spikes, every state, every step).
* CPU, AdEx: spikes identical; states within 1e-13 of their scale below
  ``V_T`` (measured: bitwise) and within 1e-10 on the exponential upstroke
  (measured 7.5e-12 mV on 58 mV), where a 1-ulp difference between NumPy's
  vectorised ``exp`` and libm's scalar ``exp`` is amplified until the reset.
* CUDA under the simulator: as the CPU.  On a GPU the compiler contracts
  ``a*b + c`` into fused multiply-adds and libdevice's ``exp`` differs from
  NumPy's: states differ at round-off level (to be measured on a GPU;
  ``tests/backends/test_cuda.py::test_cuda_kernels_on_a_gpu``).
* Results never depend on the thread count or the block size (each neuron's
  arithmetic is the same sequence of scalar operations), nor on
  ``chunk_steps``.

Models with kernels: see :data:`refneuron.backends.specs.SPECS`.
"""

from .specs import SPECS, spec_for

__all__ = ["SPECS", "spec_for"]
