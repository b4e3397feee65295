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
* ``state_quant``: a user callable applied to the new hidden states after
  the state function, and once more to the membrane inside ``fire`` (not
  inside ``fire_inhibition``) before the comparison.  snntorch's own
  quantiser (``snntorch.functional.quant.state_quant``) returns its level
  tensor's dtype: levels built under a float32 default dtype turn the stored
  states float32 (and ``beta * mem`` then float32) even in a float64 run;
  refneuron computes in float64 whatever the callable returns.
"""

from __future__ import annotations

import numpy as np

from ..._checks import _show
from ..._math import indicator, to_float32
from ...errors import BackendUnavailable, InputTypeError, OptionError, ShapeError

RESETS = ("subtract", "zero", "none")
SUBTRACT, ZERO, NONE = 0, 1, 2
RESET_CODE = {"subtract": SUBTRACT, "zero": ZERO, "none": NONE}


def spike_gt(u, thr):
    """snntorch's firing rule ``H>(u - thr)`` as float (works on arrays and scalars)."""
    return indicator(u - thr > 0)


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


# --- state_quant -------------------------------------------------------------------------

STATE_QUANT_RULE = (
    "must be False, None or a callable mapping a float64 array to a float64 array of the same shape"
)


def as_snntorch_spike_grad(name, value):
    """Field converter of ``spike_grad``: a surrogate record whose forward is the strict
    threshold ``H(x > 0)``, the spike every snntorch neuron here computes (snntorch calls
    ``spike_grad(mem - threshold)`` for the spike itself, so a record with another forward,
    spikingjelly's ``>=`` or its analog ``spiking=False`` output, would fire differently there
    than here).  snntorch's and norse's records qualify; anything else is an ``OptionError``."""
    from ...surrogates import as_surrogate

    value = as_surrogate(name, value)
    if not getattr(value, "spiking", True):
        forward = "an analog output"
    elif not value.forward_is_threshold:
        forward = "a random draw"
    elif value.comparison != ">":
        forward = f"H(x {value.comparison} 0)"
    else:
        return value
    raise OptionError(
        f"{name}: the snntorch neurons spike with the strict threshold H(x > 0) of snntorch's (and norse's) "
        f"surrogates; {value.framework} {type(value).__name__} fires with {forward} (got {value!r})"
    )


def check_state_quant(name, value):
    """Field converter of ``state_quant``: ``False``/``None`` (off, stored as
    ``False``, snntorch's default) or a callable."""
    if value is None or value is False:
        return False
    if not callable(value):
        raise InputTypeError(f"{name}: {STATE_QUANT_RULE} (got {_show(value)})")
    return value


def quantize(model, a):
    r"""``state_quant(a)`` for a model with ``state_quant`` set, else ``a``.

    The callable receives a fresh float64 copy of ``a`` (so an in-place
    quantiser cannot alter a stored state) and must return a float64 array
    of the same shape; anything else is refused here, after the call, as
    :class:`~refneuron.errors.InputTypeError` or
    :class:`~refneuron.errors.ShapeError`.
    """
    q = model.state_quant
    if q is False:
        return a
    a = np.asarray(a, dtype=np.float64)
    out = q(np.array(a))
    # NumPy turns 0-d results into scalars: a float64 scalar counts as a 0-d array
    if not isinstance(out, (np.ndarray, np.float64)) or out.dtype != np.float64:
        what = f"{type(out).__name__} of dtype {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
        raise InputTypeError(f"state_quant: must return a float64 NumPy array (got {what})")
    out = np.asarray(out)
    if out.shape != a.shape:
        raise ShapeError(f"state_quant: must return an array of the input's shape {a.shape} (got {out.shape})")
    return out


def spike_membrane(model, m):
    """The membrane snntorch 1.0.0 compares with the threshold.

    ``fire`` quantises its argument once more (``state_quant(state_quant(U))``
    in all, the stored membrane being quantised once); ``fire_inhibition``
    does not, so under ``inhibition`` the spike comes from the stored ``m``.
    """
    if model.state_quant is False or model.inhibition:
        return m
    return quantize(model, m)


def refuse_vjp(model):
    """The hand-derived backward passes do not differentiate ``state_quant``.

    snntorch's own quantiser (``snntorch.functional.quant.state_quant``)
    passes the gradient straight through, but an arbitrary callable under
    torch autograd would have its own derivative, which refneuron cannot
    know; so no gradient is given rather than a guessed one.
    """
    if model.state_quant is not False:
        raise NotImplementedError(
            f"{model.name}: no backward pass with state_quant set (the derivative of an arbitrary "
            "quantiser is unknown; snntorch's own quantiser uses a straight-through estimator); "
            "construct the model with state_quant=False for gradients"
        )


def refuse_kernel(model):
    """Refuse the compiled backends for a model with ``state_quant``.

    The CPU and CUDA kernels cannot call a Python callable, and
    :mod:`refneuron.backends.specs` builds their arguments through
    :func:`spike_constants` (``Leaky._spike_constants`` for Leaky); raising
    here keeps a kernel from running the model without its quantiser.
    """
    if model.state_quant is not False:
        raise BackendUnavailable(
            f"backend: the compiled kernels cannot run {model.name} with state_quant (a Python "
            "callable); use backend='numpy'"
        )


# --- spike constants ---------------------------------------------------------------------


def spike_constants(model):
    """:func:`_spike_constants` for the compiled backends: refuses a model
    with ``state_quant`` (:func:`refuse_kernel`).  The NumPy steps call
    :func:`_spike_constants` directly."""
    refuse_kernel(model)
    return _spike_constants(model)


def _spike_constants(model):
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


# --- spike, immediate reset and their backward pass (shared by all four neurons) -------


def round32(flag, a):
    """``a`` rounded to float32 (as float64 values) when ``flag``, else ``a``.

    Used where snntorch 1.0.0 evaluates a product, or receives a gradient,
    in float32 because one operand is its float32 spike tensor (§0.2).
    """
    if not flag:
        return a
    return to_float32(a)


def _scalar(value):
    return not isinstance(value, np.ndarray)


def spike_dtypes(model):
    """Which intermediate tensors snntorch 1.0.0 holds in float32.

    Returns ``(f32_spike, f32_y, f32_d, f32_rtheta, f32_dtheta)``: the spike
    tensor itself; the output ``y`` (``spk * g`` stays float32 only for a
    scalar ``g``; under ``inhibition`` the output is the unscaled spike);
    the immediate-reset signal ``D = y/g - R``; the delayed-reset product
    ``R * threshold``; and ``D * threshold``.  A float32 tensor times a 0-dim
    float64 buffer is float32, times a per-neuron float64 tensor float64.
    All False under ``float32_spikes=False``.
    """
    f32 = bool(model.float32_spikes)
    g_scalar = _scalar(getattr(model, "graded_spikes_factor", 1.0))
    t_scalar = _scalar(model.threshold)
    inhibition = bool(model.inhibition)
    f32_y = f32 and (inhibition or g_scalar)
    f32_d = f32 and g_scalar
    return f32, f32_y, f32_d, f32 and t_scalar, f32_d and t_scalar


def _threshold_d(model, f32_dt):
    """The threshold in ``D * threshold``: float32-rounded only when that
    product is float32.  With a per-neuron ``graded_spikes_factor`` under
    ``float32_spikes``, ``D`` is float64 and snntorch subtracts the exact
    scalar threshold (unlike the delayed ``R * threshold``, always float32
    for a scalar threshold)."""
    return float32_rounded(model.threshold) if f32_dt else model.threshold


def gradient_spike(model, m):
    """The gradient-carrying spike of one step and the surrogate slope.

    Returns ``(s, ds)``: ``s = H>(m - threshold)`` (arg-max masked under
    ``inhibition``), or the surrogate's primitive of ``m - threshold`` for
    a :meth:`~refneuron.models._base.Model.smoothed` model; ``ds`` is
    ``dS/dm``, the surrogate derivative (masked; zero with
    ``surrogate_disable``, where snntorch's spike carries no gradient).
    """
    shifted = m - model.threshold
    disabled = bool(model.surrogate_disable)
    if model.is_smoothed and not disabled:
        s = model.spike_grad.primitive(shifted)
        if s is None:
            raise NotImplementedError(
                f"spike_grad: {model.spike_grad.name} has no primitive, so the smoothed forward is undefined"
            )
    else:
        s = spike_gt(m, model.threshold)
    ds = np.zeros_like(s) if disabled else np.asarray(model.spike_grad.derivative(shifted), dtype=np.float64)
    if model.inhibition:
        mask = inhibit(np.ones_like(s), shifted)
        s = s * mask
        ds = ds * mask
    return s, ds


def fire_and_reset(model, m, r, reset, immediate, m_spike=None):
    """Output and stored membrane of one step, from the charged membrane ``m``.

    ``m_spike`` is the membrane the spike is computed from when it differs
    from ``m`` (``state_quant``: :func:`spike_membrane`); the reset is
    applied to ``m``.

    ``y = g * S`` (``y = S`` under ``inhibition``: snntorch's
    ``fire_inhibition`` does not scale, quirk ``snntorch_inhibition_ungraded``).
    With ``immediate`` (``reset_delay=False``), ``D = y/g - R`` and the
    membrane becomes ``m - D * threshold_sub`` (subtract) or ``m - D * m``
    (zero); for the non-inhibited step ``y/g = S``, and the result equals
    :func:`refneuron.models.snntorch.leaky.leaky_immediate_reset` bit for
    bit except in one case: a per-neuron ``g`` with a scalar threshold under
    ``float32_spikes`` makes ``D`` float64, and snntorch then subtracts the
    exact threshold, not its float32 rounding (:func:`_threshold_d`).
    Returns ``(y, m_out, s, ds)``.
    """
    _, g = _spike_constants(model)
    _, f32_y, f32_d, _, f32_dt = spike_dtypes(model)
    s, ds = gradient_spike(model, m if m_spike is None else m_spike)
    y = s if model.inhibition else s * g
    if immediate and reset != NONE:
        q = round32(f32_d, s / g) if model.inhibition else s
        d = round32(f32_d, q - r)
        if reset == SUBTRACT:
            m = m - round32(f32_dt, d * _threshold_d(model, f32_dt))
        else:
            m = m - d * m
    return y, m, s, ds


def fire_and_reset_vjp(model, m, r, reset, immediate, g_y, g_u):
    r"""Backward pass of :func:`fire_and_reset`.

    ``m`` is the charged (pre-reset) membrane, ``g_y`` the gradient on the
    output, ``g_u`` the total gradient on the stored membrane.  Returns
    ``(g_m, g_threshold, g_g)``, per neuron.  The adjoint equations, in the
    reverse order of the forward (:math:`\sigma' = ` ``spike_grad.derivative``
    of :math:`m - \theta`, masked under inhibition; :math:`q = S` or
    :math:`S/g` under inhibition):

    .. math::

        \text{subtract: } \bar D &= -\bar U\,\theta_{32},\quad
            \bar\theta \mathrel{+}= -\bar U D,\quad \bar m = \bar U\\
        \text{zero: } \bar D &= -\bar U\,m,\quad \bar m = \bar U (1 - D)\\
        \bar y_{tot} &= \bar y + \bar D/g \;(\text{inhibition: } \bar y_{tot} = \bar y,\ \bar S \mathrel{+}= \bar D/g),\quad
            \bar g \mathrel{+}= -\bar D\,q/g\\
        \bar S &= g\,\bar y_{tot}\ (\text{inhibition: } \bar y_{tot}),\quad
            \bar g \mathrel{+}= \bar y_{tot}\,S\ (\text{not under inhibition})\\
        \bar m &\mathrel{+}= \sigma'\bar S,\quad \bar\theta \mathrel{+}= -\sigma'\bar S

    (without ``immediate``: :math:`\bar D = 0`, :math:`\bar m = \bar U`).
    Under ``float32_spikes`` every gradient that snntorch 1.0.0 delivers to
    a float32 tensor is rounded to float32 here as well (:func:`spike_dtypes`).
    """
    _, g = _spike_constants(model)
    f32_s, f32_y, f32_d, _, f32_dt = spike_dtypes(model)
    thr_sub = _threshold_d(model, f32_dt)
    s, ds = gradient_spike(model, m)
    if not model.inhibition:
        return spike_reset_adjoint(m, r, s, ds, g_y, g_u, g, thr_sub, reset, immediate, f32_s, f32_y, f32_d, f32_dt)
    g_m = g_u
    g_thr = 0.0
    g_g = 0.0
    g_q = None
    if immediate and reset != NONE:
        q = round32(f32_d, s / g) if model.inhibition else s
        d = round32(f32_d, q - r)
        if reset == SUBTRACT:
            g_dt = round32(f32_dt, -g_u)
            g_d = round32(f32_d, g_dt * thr_sub)
            g_thr = g_thr + g_dt * d
        else:
            g_d = round32(f32_d, -g_u * m)
            g_m = g_u - g_u * d
        g_q = round32(f32_y, g_d / g)  # d(y/g)/dy, in the dtype of y
        g_g = g_g - g_d * q / g
    g_y = round32(f32_y, g_y)
    if model.inhibition:
        g_s = g_y if g_q is None else round32(f32_s, g_y + g_q)
    else:
        g_ytot = g_y if g_q is None else round32(f32_y, g_y + g_q)
        g_g = g_g + g_ytot * s
        g_s = round32(f32_s, g_ytot * g)
    g_h = ds * g_s
    return g_m + g_h, g_thr - g_h, g_g


def spike_reset_adjoint(m, r, s, ds, g_y, g_u, g, thr_d, reset, immediate, f32_s, f32_y, f32_d, f32_dt):
    r"""Element-wise backward of the spike and the immediate reset (no inhibition).

    The body of :func:`fire_and_reset_vjp` for ``inhibition=False``, on
    arrays or scalars (the compiled backward kernels call it per neuron):
    ``m`` the charged membrane, ``r`` the delayed-reset spike, ``s`` the spike
    :math:`H^{>}(m - \theta)` (or the smoothed one), ``ds`` the surrogate
    derivative, ``g_y``/``g_u`` the gradients on the output and on the
    stored membrane, ``g`` the spike amplitude, ``thr_d`` the threshold of
    ``D * threshold``, ``reset`` the reset code, ``immediate`` = not
    ``reset_delay``, the ``f32_*`` flags of :func:`spike_dtypes`.  Returns
    ``(g_m, g_threshold, g_g)``.
    """
    g_m = g_u
    g_thr = 0.0
    g_g = 0.0
    g_y = round32(f32_y, g_y)
    if immediate and reset != NONE:
        d = round32(f32_d, s - r)
        if reset == SUBTRACT:
            g_dt = round32(f32_dt, -g_u)
            g_d = round32(f32_d, g_dt * thr_d)
            g_thr = g_thr + g_dt * d
        else:
            g_d = round32(f32_d, -g_u * m)
            g_m = g_u - g_u * d
        g_q = round32(f32_y, g_d / g)
        g_g = g_g - g_d * s / g
        g_ytot = round32(f32_y, g_y + g_q)
    else:
        g_ytot = g_y
    g_g = g_g + g_ytot * s
    g_s = round32(f32_s, g_ytot * g)
    g_h = ds * g_s
    return g_m + g_h, g_thr - g_h, g_g
