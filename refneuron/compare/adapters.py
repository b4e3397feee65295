"""Run a framework's own module for a refneuron model, over the same input.

An *adapter* knows, for one refneuron model (``"snntorch.Leaky"``), how to
build the framework's module from the refneuron parameter record, feed it
the same time-major input and initial state in float64 or float32, and
return what the module produced as NumPy float64 arrays, with the state
variables under refneuron's names.  Frameworks are imported only when an
adapter runs; a missing one raises :class:`FrameworkNotInstalled` (an
``ImportError``) with the pip command, and a model without an adapter, or a
parameter the installed framework cannot express, raises
:class:`NoCounterpart`.

Adding an adapter (checklist):

1. subclass :class:`TorchAdapter` (torch frameworks) or :class:`Adapter`;
2. set ``model_name``, ``framework`` (import name), ``pip`` (install
   command) and ``version`` (the version the refneuron model reproduces);
3. implement ``build(model, neuron_shape)`` (called with torch's default
   dtype set to the run's dtype, so buffers and learnable scalars take it),
   ``initial(model, state0)`` (the carry from refneuron's initial state) and
   ``step(module, x_t, carry) -> (output, carry, {name: tensor})``;
4. decorate with :func:`register_adapter`.

Float64 harness rules (specification, models §0.2): modules are built under
``torch.set_default_dtype(torch.float64)``; per-neuron parameters are passed
as float64 tensors; inputs and states are float64 tensors.  In float32 mode
the module is built under float32 default dtype and fed float32 inputs and
states, as a user of the framework would run it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.metadata

import numpy as np

from .. import _checks
from ..errors import FrameworkNotInstalled, NoCounterpart

__all__ = [
    "ADAPTERS",
    "Adapter",
    "FrameworkNotInstalled",
    "FrameworkRun",
    "NoCounterpart",
    "TorchAdapter",
    "adapter_for",
    "register_adapter",
    "run_framework",
]

DTYPES = ("float64", "float32")


@dataclasses.dataclass(frozen=True, eq=False)
class FrameworkRun:
    """What a framework's module produced.

    Attributes
    ----------
    output : ndarray ``(T, *neuron_shape)`` float64
    states : dict name -> ndarray ``(T, *neuron_shape)`` float64
        Under refneuron's state names.
    framework : str
        ``"<name> <installed version>"``.
    dtype : str
        ``"float64"`` or ``"float32"``: the precision the module ran in.
    """

    output: np.ndarray
    states: dict
    framework: str
    dtype: str


#: model name -> adapter instance
ADAPTERS: dict = {}


def register_adapter(cls):
    """Class decorator: make an adapter available under its ``model_name``."""
    if not cls.model_name:
        raise ValueError(f"{cls.__qualname__}: an adapter needs a model_name")
    ADAPTERS[cls.model_name] = cls()
    return cls


def adapter_for(model):
    """The adapter of a model (a record or its registry name).

    Raises
    ------
    NoCounterpart
        No adapter is registered for that model.
    """
    name = model if isinstance(model, str) else getattr(model, "name", type(model).__name__)
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS)) or "none"
        raise NoCounterpart(
            f"model: no framework adapter for {name!r} (adapters exist for: {known})"
        ) from None


def run_framework(model, inputs, state=None, dtype="float64"):
    """Run the framework's counterpart of ``model``; see :meth:`Adapter.run`."""
    return adapter_for(model).run(model, inputs, state, dtype)


class Adapter:
    """Base of all adapters (see the module docstring for the checklist)."""

    model_name: str = ""
    framework: str = ""  # import name
    pip: str = ""  # install command
    version: str = ""  # version the refneuron model reproduces

    def import_framework(self):
        """Import and return the framework (``FrameworkNotInstalled`` if absent)."""
        try:
            return importlib.import_module(self.framework)
        except ImportError as exc:
            raise FrameworkNotInstalled(
                f"{self.model_name}: comparing needs {self.framework} {self.version}, which cannot be "
                f"imported ({exc}); install it with: {self.pip}"
            ) from exc

    def installed_version(self):
        try:
            return importlib.metadata.version(self.framework)
        except importlib.metadata.PackageNotFoundError:
            return getattr(self.import_framework(), "__version__", "unknown")

    def check(self, model, dtype):
        """Refuse settings the framework cannot express (``NoCounterpart``)."""

    def run(self, model, inputs, state=None, dtype="float64"):
        """Run the framework over ``inputs`` from refneuron's initial ``state``.

        Parameters
        ----------
        model : refneuron model record
        inputs : array_like ``(T, *item_shape)``
        state : State, dict or None
            Initial state (None: the model's default).
        dtype : {"float64", "float32"}

        Returns
        -------
        FrameworkRun
        """
        raise NotImplementedError


@contextlib.contextmanager
def torch_default_dtype(torch, dtype):
    """Build modules with ``dtype`` buffers and parameters; restores the old default."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


class TorchAdapter(Adapter):
    """Adapters of torch frameworks: the dtype handling and the time loop."""

    def build(self, model, neuron_shape):
        raise NotImplementedError

    def initial(self, model, state0):
        """The framework's carry from refneuron's initial state (dict of tensors)."""
        raise NotImplementedError

    def step(self, module, x_t, carry):
        """One call of the module: ``(output, carry, {refneuron_name: tensor})``."""
        raise NotImplementedError

    # helpers for subclasses ------------------------------------------------------------
    def tensor(self, value):
        """A parameter as the framework should see it: arrays become tensors of
        the run's dtype, Python floats stay floats (exact in float64)."""
        if isinstance(value, np.ndarray):
            return self._torch.as_tensor(np.asarray(value, dtype=self._np_dtype))
        return value

    def run(self, model, inputs, state=None, dtype="float64"):
        from ..simulate import prepare

        _checks.check_option("framework_dtype", dtype, DTYPES)
        fw = self.import_framework()
        torch = importlib.import_module("torch")
        self.check(model, dtype)
        x, neuron_shape, state0 = prepare(model, inputs, state)
        self._torch = torch
        self._np_dtype = np.float64 if dtype == "float64" else np.float32
        tdtype = torch.float64 if dtype == "float64" else torch.float32
        with torch_default_dtype(torch, tdtype):
            module = self.build(model, neuron_shape)
        carry = self.initial(model, {k: torch.as_tensor(v.astype(self._np_dtype)) for k, v in state0.as_dict().items()})
        outs, traces = [], {}
        with torch.no_grad():
            for x_t in torch.as_tensor(x.astype(self._np_dtype)).unbind(0):
                out, carry, states = self.step(module, x_t, carry)
                outs.append(_to_numpy(out))
                for k, v in states.items():
                    traces.setdefault(k, []).append(_to_numpy(v))
        version = getattr(fw, "__version__", None) or self.installed_version()
        return FrameworkRun(
            output=np.stack(outs),
            states={k: np.stack(v) for k, v in traces.items()},
            framework=f"{self.framework} {version}",
            dtype=dtype,
        )


def _to_numpy(t):
    return t.detach().cpu().numpy().astype(np.float64)


# ---------------------------------------------------------------------------
# snntorch 1.0.0


def _snntorch_surrogate(fw, surrogate):
    """The snntorch surrogate function for a refneuron surrogate record.

    Only the backward pass depends on it (every snntorch surrogate's forward
    is ``H>(x)``), so a record without a known counterpart falls back to
    snntorch's default; :func:`refneuron.compare.compare` checks forwards only.
    """
    name = type(surrogate).__name__
    if name == "ATan":
        return fw.surrogate.atan(alpha=surrogate.alpha)
    return None


@register_adapter
class SnntorchLeaky(TorchAdapter):
    """``snntorch.Leaky`` (snntorch 1.0.0, ``snntorch/_neurons/leaky.py``)."""

    model_name = "snntorch.Leaky"
    framework = "snntorch"
    pip = "pip install snntorch==1.0.0"
    version = "1.0.0"

    def check(self, model, dtype):
        if not model.float32_spikes and self.installed_version() == "1.0.0":
            raise NoCounterpart(
                "float32_spikes: False describes snntorch after PR #432 (spikes in the input dtype); "
                "the installed snntorch 1.0.0 always emits float32 spikes (got float32_spikes=False)"
            )

    def build(self, model, neuron_shape):
        fw = self.import_framework()
        return fw.Leaky(
            beta=self.tensor(model.beta),
            threshold=self.tensor(model.threshold),
            spike_grad=_snntorch_surrogate(fw, model.spike_grad),
            surrogate_disable=model.surrogate_disable,
            inhibition=model.inhibition,
            learn_beta=model.learn_beta,
            learn_threshold=model.learn_threshold,
            reset_mechanism=model.reset_mechanism,
            graded_spikes_factor=self.tensor(model.graded_spikes_factor),
            learn_graded_spikes_factor=model.learn_graded_spikes_factor,
            reset_delay=model.reset_delay,
        )

    def initial(self, model, state0):
        return state0["mem"]

    def step(self, module, x_t, mem):
        spk, mem = module(x_t, mem)
        return spk, mem, {"mem": mem}
