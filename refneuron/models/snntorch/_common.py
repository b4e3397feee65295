"""Machinery shared by the snntorch 1.0.0 neurons (``snntorch/_neurons/neurons.py``).

* The delayed reset signal ``R_t = H>(U_{t-1} - threshold)`` recomputed at the
  start of each call from the stored membrane.
* ``float32_spikes``: snntorch 1.0.0 emits float32 spikes, and a float32 spike
  tensor times a 0-dim float64 buffer stays float32.  So a *scalar* threshold
  is subtracted as ``float32(threshold)`` and a scalar graded-spike factor is
  emitted as ``float32(g)``; per-neuron tensors (ndim >= 1) promote to
  float64 and are used exactly.  (Quirk ``snntorch_float32_spikes``.)
* ``inhibition``: only the arg-max neuron along dimension 1 may spike; the
  reset is not masked (quirk ``snntorch_inhibition_reset``).
"""

from __future__ import annotations

import numpy as np

from ...errors import ShapeError

RESETS = ("subtract", "zero", "none")
SUBTRACT, ZERO, NONE = 0, 1, 2
RESET_CODE = {"subtract": SUBTRACT, "zero": ZERO, "none": NONE}


def spike_gt(u, thr):
    """snntorch's firing rule ``H>(u - thr)`` as float (works on arrays and scalars)."""
    return (u - thr > 0) * 1.0


def float32_rounded(value):
    """``float32(value)`` for a scalar, the value itself for per-neuron arrays."""
    if isinstance(value, np.ndarray):
        return value
    return float(np.float32(value))


def inhibit(spikes, shifted):
    """Keep only the arg-max (first on ties, as torch.argmax) spike along dim 1.

    ``shifted`` is ``membrane - threshold`` of shape ``(batch, n)``.
    """
    if shifted.ndim != 2:
        raise ShapeError(f"inhibition: needs a neuron shape (batch, n) (got {shifted.shape})")
    mask = np.zeros_like(spikes)
    mask[np.arange(shifted.shape[0]), np.argmax(shifted, axis=1)] = 1.0
    return spikes * mask


def check_inhibition_shape(model, neuron_shape):
    if model.inhibition and len(neuron_shape) != 2:
        raise ShapeError(f"inhibition: needs inputs of shape (T, batch, n) (got neuron shape {tuple(neuron_shape)})")


def spike_constants(model):
    """``(threshold_sub, g)``: the threshold the subtractive reset removes and
    the emitted spike amplitude, float32-rounded for scalars under
    ``float32_spikes`` (snntorch 1.0.0), exact otherwise."""
    g = getattr(model, "graded_spikes_factor", 1.0)
    if model.float32_spikes:
        return float32_rounded(model.threshold), float32_rounded(g)
    return model.threshold, g


def fire(m, threshold, inhibition):
    """Spikes ``H>(m - threshold)`` of one step (0/1 floats), arg-max masked
    under ``inhibition``.  NumPy only (the mask is not element-wise)."""
    s = spike_gt(m, threshold)
    if inhibition:
        s = inhibit(s, m - threshold)
    return s
