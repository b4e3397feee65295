"""Loops, memory and compilation: NumPy reference, Numba CPU, Numba CUDA.

Two public switches take ``backend="numpy"|"cpu"|"cuda"``: the forward
``refneuron.run(model, inputs, backend=...)`` and the backward pass
``refneuron.gradients.vjp(model, inputs, upstream, backend=...)``.

Forward:

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

Backward (:mod:`.vjp` drives :mod:`.cpu_vjp` and :mod:`.cuda_vjp`): one fused
kernel per model runs, per neuron, the forward storing the state before every
step (the tape, ``(n_states, T + 1, N)``), then the reverse time loop; the
reverse step (:mod:`._backward`) recomputes the step's forward pieces from the
tape and calls the model file's element-wise adjoint functions, the same ones
its NumPy ``_vjp_step`` calls.  Parameter gradients are summed per neuron in
reverse time order and reduced after the loop, so results do not depend on
the thread count.  Backward kernels exist for snntorch Leaky, Synaptic,
Alpha, Lapicque; spikingjelly LIF, IF, EIF, QIF, Izhikevich, KLIF,
ParametricLIF, LIAF; norse LIF, LIFAdEx, LIFAdExCurrentEncoder, LSNN;
canonical Izhikevich and AdEx, with the compiled surrogates of
:func:`._backward.surrogate_args` (snntorch ATan/FastSigmoid/Sigmoid and
``surrogate_disable``, spikingjelly Sigmoid/ATan, norse super/heaviside).
The recurrent norse models (``LIFRecurrent``, ``LIFAdExRecurrent``,
``LSNNRecurrent``) have their own drivers, :mod:`.recurrent` (CPU forward
and backward) and :mod:`.cuda_recurrent` (CUDA forward and backward): the
input projection ``X_t W_in^T`` is one GEMM per segment of steps, the
recurrent input ``z_{t-1} W_rec^T`` is summed in the kernel over the
previous step's spikes, and the weight and input gradients are GEMMs after
the reverse loop.  Not compiled, and refused with the reason: the other
surrogates, and the configurations the forward kernels refuse.

A backend that cannot run a model raises
:class:`~refneuron.errors.BackendUnavailable` naming the reason; there is no
silent fallback.

Threads and processes (:mod:`._layer`): every CPU kernel launch holds one
lock, so Python threads may call the backends at once on every Numba
threading layer (``workqueue`` would otherwise terminate the process); in a
process forked after Numba started GNU OpenMP, which does not survive
``fork``, ``"cpu"`` raises :class:`~refneuron.errors.BackendUnavailable`
with the remedies and the input scan uses NumPy.

Where the equations live
------------------------
Nowhere in this package.  Each model's file defines element-wise functions
(``leaky_charge``, ``izhikevich_dv``, ``lif_update``, ...) that its NumPy
``_step`` calls on arrays, and, in the same file, its one-neuron step and
reverse step for the kernels (``leaky_step``/``leaky_back``, ...), which
call those functions in ``_step``'s and ``_vjp_step``'s order.
:mod:`._steps` and :mod:`._backward` only list them, and :mod:`._jit`
registers the very same function objects with ``numba`` (CPU) and
``numba.cuda`` (GPU).  Where NumPy and the compilers differ (``np.exp``,
``np.maximum``, ``np.tanh``, ``np.where`` ..., which Numba-CUDA refuses on
scalars) the models call :mod:`refneuron._math`, NumPy on arrays and
overloaded with scalar forms of the same value for both compilers
(``tests/backends/test_math.py``): on the CPU ``exp`` is
:mod:`._fastexp` (within 1 ulp, vectorisable), on the GPU ``math.exp``.

How far the backends agree (tests/backends)
-------------------------------------------
* CPU, models without ``exp``: bitwise (spikes, every state, every step).
  This includes LIAF's state; its analog output with the sigmoid or tanh
  activation (one ``exp``/``tanh`` of a bitwise-equal argument) is within
  4 eps relative (measured 2.2e-16).
* CPU, spikingjelly EIF and norse LIFAdEx / LIFAdExCurrentEncoder: spikes
  identical, states within 1e-13 of their scale (measured: EIF 4.4e-16,
  LIFAdEx 2.2e-16, the encoder 1.4e-16 of its scale, including norse
  1.1.0's diverging adaptation); their exponentials are cut at the
  threshold, so no upstroke amplifies the 1-ulp differences of ``exp``.
* CPU, AdEx: spikes identical; states within 1e-13 of their scale below
  ``V_T`` (measured: bitwise) and within 1e-10 on the exponential upstroke
  (measured 7.5e-12 mV on 58 mV), where a 1-ulp difference between NumPy's
  ``exp`` and the kernels' (:mod:`._fastexp`) is amplified until the reset.
* CUDA under the simulator: as the CPU.  On a GPU the compiler contracts
  ``a*b + c`` into fused multiply-adds and libdevice's ``exp`` differs from
  NumPy's: states differ at round-off level (to be measured on a GPU;
  ``tests/backends/test_cuda.py::test_cuda_kernels_on_a_gpu``).
* Backward (``tests/backends/test_backward.py``), CPU against NumPy's
  ``vjp``: bitwise without ``exp``/``tanh``; with them (EIF, AdEx, LIAF
  tanh/sigmoid, the Sigmoid surrogates) within 1e-13 of each array's scale
  (measured <= 1.7e-15).  CUDA simulator against CPU: within 1e-13
  (measured <= 2.8e-16).
* Results never depend on the thread count or the block size (each neuron's
  arithmetic is the same sequence of scalar operations), nor on
  ``chunk_steps``.

Models with kernels: every registered model (:data:`refneuron.backends.specs.SPECS`).
Configurations whose spike is not element-wise (snntorch ``inhibition``),
analog (spikingjelly ``spiking=False``) or smoothed (``Model.smoothed()``)
raise :class:`~refneuron.errors.BackendUnavailable` with that reason.
Recurrent models agree with NumPy to a few ulp of each array's scale (the
products sum in another order than BLAS; ``tests/backends/test_recurrent.py``).

``check_finite=True``: the CPU kernels of :mod:`.cpu` test each input as
they read it (:func:`.cpu.run_chunk`) and the run raises the reference's
error after the chunk that met a bad value; the backward kernels of
:mod:`.cpu_vjp` test the inputs and the upstream gradients the same way
(``gradients.vjp(..., backend="cpu")`` raises the reference's error after
the kernel); runs with ``out=``, the recurrent models, ``"cuda"`` and
``"numpy"`` scan the inputs (and upstream gradients) before the run with
:mod:`._scan` (no temporary of the input's size).
"""

from .specs import SPECS, spec_for

__all__ = ["SPECS", "spec_for"]
