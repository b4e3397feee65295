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
4. for gradients, implement ``parameters(module, model, names)`` (the leaf
   tensors holding the parameters refneuron differentiates, None where the
   framework keeps a plain Python number);
5. decorate with :func:`register_adapter`.

Float64 harness rules (specification, models §0.2): modules are built *and
called* under ``torch.set_default_dtype(torch.float64)`` (snntorch's
Lapicque divides integer buffers in the default dtype at call time);
per-neuron parameters are passed as float64 tensors (norse: every parameter,
as 0-dim float64 tensors, since its defaults are float32); inputs and states
are float64 tensors.  In float32 mode
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
    "FrameworkGradients",
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


@dataclasses.dataclass(frozen=True, eq=False)
class FrameworkGradients:
    """What the framework's autograd gives for the loss ``sum(upstream * outputs)``.

    Attributes
    ----------
    inputs : ndarray ``(T, *item_shape)`` float64
    initial_state : dict name -> ndarray (neuron shape) float64
    params : dict name -> ndarray float64 or None
        None where the framework holds the parameter as a plain Python
        number (no gradient exists there).
    run : FrameworkRun
        The forward run the gradients were taken along.
    """

    inputs: np.ndarray
    initial_state: dict
    params: dict
    run: FrameworkRun


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

    def parameters(self, module, model, names):
        """``{name: leaf tensor or None}`` for the differentiable parameters ``names``."""
        return {n: None for n in names}

    def finish_param_grad(self, model, name, grad):
        """Post-process a parameter gradient (e.g. a hook the framework's module adds)."""
        return grad

    # helpers for subclasses ------------------------------------------------------------
    def tensor(self, value):
        """A parameter as the framework should see it: arrays become tensors of
        the run's dtype, Python floats stay floats (exact in float64)."""
        if isinstance(value, np.ndarray):
            return self._torch.tensor(np.asarray(value, dtype=self._np_dtype))
        return value

    def scalar_tensor(self, value):
        """Any parameter as a tensor of the run's dtype (0-dim for a scalar)."""
        return self._torch.tensor(np.asarray(value, dtype=self._np_dtype))

    # the loop ----------------------------------------------------------------------------
    def _execute(self, model, inputs, state, dtype, upstream=None, param_names=()):
        from ..simulate import prepare

        _checks.check_option("framework_dtype", dtype, DTYPES)
        fw = self.import_framework()
        torch = importlib.import_module("torch")
        self.check(model, dtype)
        x, neuron_shape, state0 = prepare(model, inputs, state)
        self._torch = torch
        self._np_dtype = np.float64 if dtype == "float64" else np.float32
        tdtype = torch.float64 if dtype == "float64" else torch.float32
        grad = upstream is not None
        outs, traces = [], {}
        with torch_default_dtype(torch, tdtype), (contextlib.nullcontext() if grad else torch.no_grad()):
            module = self.build(model, neuron_shape)
            leaves = self.parameters(module, model, param_names) if grad else {}
            for leaf in leaves.values():
                if leaf is not None:
                    leaf.requires_grad_(True)
            xt = torch.tensor(x.astype(self._np_dtype), requires_grad=grad)
            s0 = {
                k: torch.tensor(np.asarray(v, dtype=self._np_dtype), requires_grad=grad)
                for k, v in state0.as_dict().items()
            }
            carry = self.initial(model, dict(s0))
            for t in range(x.shape[0]):
                out, carry, states = self.step(module, xt[t], carry)
                outs.append(out)
                for k, v in states.items():
                    traces.setdefault(k, []).append(v)
            out_seq = torch.stack(outs)
            state_seq = {k: torch.stack(v) for k, v in traces.items()}
            version = getattr(fw, "__version__", None) or self.installed_version()
            fw_run = FrameworkRun(
                output=_to_numpy(out_seq),
                states={k: _to_numpy(v) for k, v in state_seq.items()},
                framework=f"{self.framework} {version}",
                dtype=dtype,
            )
            if not grad:
                return fw_run
            # loss = sum over t and neurons of upstream * (output, states): its gradient is
            # the vector-Jacobian product refneuron.gradients.vjp computes by hand
            loss = (out_seq * torch.as_tensor(upstream["output"], dtype=tdtype)).sum()
            for k, g in upstream.items():
                if k != "output" and k in state_seq:
                    loss = loss + (state_seq[k] * torch.as_tensor(g, dtype=tdtype)).sum()
            wrt = [xt, *s0.values(), *(v for v in leaves.values() if v is not None)]
            grads = torch.autograd.grad(loss, wrt, allow_unused=True)
        g_iter = iter(grads)

        def take(like):
            g = next(g_iter)
            return np.zeros(tuple(like.shape)) if g is None else _to_numpy(g)

        g_x = take(xt)
        g_s0 = {k: take(v) for k, v in s0.items()}
        g_p = {}
        for name, leaf in leaves.items():
            g_p[name] = None if leaf is None else self.finish_param_grad(model, name, take(leaf))
        return FrameworkGradients(inputs=g_x, initial_state=g_s0, params=g_p, run=fw_run)

    def run(self, model, inputs, state=None, dtype="float64"):
        return self._execute(model, inputs, state, dtype)

    def gradients(self, model, inputs, upstream, state=None, dtype="float64", param_names=()):
        """The framework's autograd for ``loss = sum(upstream[k] * run[k])``.

        Parameters
        ----------
        model, inputs, state, dtype
            As for :meth:`run`.
        upstream : dict
            ``"output"`` and optionally state names -> arrays ``(T, *neuron_shape)``.
        param_names : sequence of str
            The parameters to differentiate (refneuron's names).

        Returns
        -------
        FrameworkGradients
        """
        return self._execute(model, inputs, state, dtype, upstream=upstream, param_names=tuple(param_names))


def _to_numpy(t):
    return t.detach().cpu().numpy().astype(np.float64)


# ---------------------------------------------------------------------------
# snntorch 1.0.0

#: refneuron snntorch surrogate -> (snntorch factory, its argument names)
_SNNTORCH_SURROGATES = {
    "ATan": ("atan", ("alpha",)),
    "FastSigmoid": ("fast_sigmoid", ("slope",)),
    "Sigmoid": ("sigmoid", ("slope",)),
    "Triangular": ("triangular", ("threshold",)),
    "StraightThroughEstimator": ("straight_through_estimator", ()),
    "SpikeRateEscape": ("spike_rate_escape", ("beta", "slope")),
}


def _snntorch_surrogate(fw, surrogate, strict=False):
    """The snntorch surrogate function for a refneuron surrogate record.

    Only the backward pass depends on it (every snntorch surrogate's forward
    is ``H>(x)``), so for a forward run a record without a listed
    counterpart falls back to snntorch's default; with ``strict`` (gradients)
    it raises :class:`NoCounterpart`.
    """
    name = type(surrogate).__name__
    if name in _SNNTORCH_SURROGATES:
        factory, args = _SNNTORCH_SURROGATES[name]
        return getattr(fw.surrogate, factory)(**{a: float(getattr(surrogate, a)) for a in args})
    if strict:
        raise NoCounterpart(f"spike_grad: no snntorch counterpart is wired for {name} (got {surrogate!r})")
    return None


class _Snntorch(TorchAdapter):
    """snntorch 1.0.0 neurons: ``spk, *state = neuron(x, *state)``.

    Every field of the refneuron record is a constructor argument of the
    same name, except ``float32_spikes`` (a refneuron switch) and
    ``spike_grad`` (a surrogate record, mapped to snntorch's factory).
    """

    framework = "snntorch"
    pip = "pip install snntorch==1.0.0"
    version = "1.0.0"
    cls_name = ""
    state_names: tuple = ()
    strict_surrogate = False

    def check(self, model, dtype):
        if not model.float32_spikes and self.installed_version() == "1.0.0":
            raise NoCounterpart(
                "float32_spikes: False describes snntorch after PR #432 (spikes in the input dtype); "
                "the installed snntorch 1.0.0 always emits float32 spikes (got float32_spikes=False)"
            )

    def build(self, model, neuron_shape):
        fw = self.import_framework()
        kwargs = {}
        for f in dataclasses.fields(model):
            value = getattr(model, f.name)
            if f.name == "float32_spikes":
                continue
            if f.name == "spike_grad":
                value = _snntorch_surrogate(fw, value, strict=self.strict_surrogate)
            kwargs[f.name] = self.tensor(value)
        return getattr(fw, self.cls_name)(**kwargs)

    def initial(self, model, state0):
        return [state0[n] for n in self.state_names]

    def step(self, module, x_t, carry):
        spk, *carry = module(x_t, *carry)
        return spk, carry, dict(zip(self.state_names, carry))

    def parameters(self, module, model, names):
        out = {}
        for n in names:
            value = getattr(module, n, None)
            out[n] = value if isinstance(value, self._torch.Tensor) else None
        return out

    def gradients(self, model, inputs, upstream, state=None, dtype="float64", param_names=()):
        self.strict_surrogate = True
        try:
            return super().gradients(model, inputs, upstream, state, dtype, param_names)
        finally:
            self.strict_surrogate = False


@register_adapter
class SnntorchLeaky(_Snntorch):
    """``snntorch.Leaky`` (snntorch 1.0.0, ``snntorch/_neurons/leaky.py``)."""

    model_name = "snntorch.Leaky"
    cls_name = "Leaky"
    state_names = ("mem",)


@register_adapter
class SnntorchSynaptic(_Snntorch):
    """``snntorch.Synaptic`` (snntorch 1.0.0, ``snntorch/_neurons/synaptic.py``)."""

    model_name = "snntorch.Synaptic"
    cls_name = "Synaptic"
    state_names = ("syn", "mem")


@register_adapter
class SnntorchLapicque(_Snntorch):
    """``snntorch.Lapicque`` (snntorch 1.0.0, ``snntorch/_neurons/lapicque.py``)."""

    model_name = "snntorch.Lapicque"
    cls_name = "Lapicque"
    state_names = ("mem",)

    def gradients(self, model, inputs, upstream, state=None, dtype="float64", param_names=()):
        # snntorch derives C from beta once, at construction: only a module built with
        # learn_beta=True (and beta given alone; with R it raises KeyError) keeps beta in the
        # autograd graph (quirk snntorch_lapicque_learn_beta).  Otherwise beta has no
        # framework gradient to compare with.
        names = tuple(param_names)
        if "beta" in names:
            if model.beta and not model.R and not model.C:
                model = model.replace(learn_beta=True)
            else:
                names = tuple(n for n in names if n != "beta")
        out = super().gradients(model, inputs, upstream, state, dtype, names)
        if "beta" in param_names and "beta" not in names:
            out.params["beta"] = None
        return out


@register_adapter
class SnntorchAlpha(_Snntorch):
    """``snntorch.Alpha`` (snntorch 1.0.0, ``snntorch/_neurons/alpha.py``)."""

    model_name = "snntorch.Alpha"
    cls_name = "Alpha"
    state_names = ("syn_exc", "syn_inh", "mem")


# ---------------------------------------------------------------------------
# spikingjelly 2.0.0


def _sj_surrogate(surrogate_module, record):
    """spikingjelly's surrogate object of the same class name and parameters."""
    name = type(record).__name__
    cls = getattr(surrogate_module, name, None)
    if cls is None:
        raise NoCounterpart(f"surrogate_function: spikingjelly has no surrogate {name} (got {record!r})")
    kwargs = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        kwargs[f.name] = float(value) if isinstance(value, float) else value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise NoCounterpart(f"surrogate_function: spikingjelly's {name} does not take {sorted(kwargs)} ({exc})") from exc


def _sj_activation(torch, name):
    F = torch.nn.functional
    table = {
        "identity": torch.nn.Identity(),
        "relu": torch.relu,
        "leaky_relu": F.leaky_relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "hardtanh": F.hardtanh,
    }
    if name not in table:
        raise NoCounterpart(f"act: no torch activation is wired for {name!r}")
    return table[name]


class _Spikingjelly(TorchAdapter):
    """spikingjelly 2.0.0 nodes, single-step mode (``step_mode='s'``).

    Fields of the refneuron record are the node's constructor arguments
    (floats stay Python floats: spikingjelly asserts them); PLIF's ``w`` and
    KLIF's ``k`` are written into the node's learnable scalars, which are
    created in the default dtype (hence the build under the run's dtype,
    quirk ``spikingjelly_learnable_dtype``).  The initial state is written
    into the node's memories (``node.v``, ``node.w``) before the first call
    and read back after every call.
    """

    framework = "spikingjelly"
    pip = "pip install spikingjelly==2.0.0"
    version = "2.0.0"
    cls_name = ""

    def installed_version(self):
        try:
            return importlib.metadata.version("spikingjelly")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def build(self, model, neuron_shape):
        self.import_framework()
        neuron = importlib.import_module("spikingjelly.activation_based.neuron")
        surrogate = importlib.import_module("spikingjelly.activation_based.surrogate")
        kwargs = {}
        for f in dataclasses.fields(model):
            if f.name in ("w", "k", "act", "threshold_related"):
                continue
            value = getattr(model, f.name)
            if f.name == "surrogate_function":
                value = _sj_surrogate(surrogate, value)
            elif isinstance(value, float):
                value = float(value)
            kwargs[f.name] = value
        cls = getattr(neuron, self.cls_name)
        if model.name == "spikingjelly.LIAF":
            node = cls(_sj_activation(self._torch, model.act), model.threshold_related, step_mode="s", **kwargs)
        else:
            node = cls(step_mode="s", **kwargs)
        with self._torch.no_grad():
            if getattr(model, "w", None) is not None:
                node.w.fill_(model.w)
            if model.name == "spikingjelly.KLIF":
                node.k.fill_(model.k)
        node.refneuron_state_names = model.State.names()
        return node

    def initial(self, model, state0):
        return state0

    def step(self, node, x_t, carry):
        if carry is not None:  # first call: set the memories from refneuron's initial state
            for n, v in carry.items():
                setattr(node, n, v)
        y = node(x_t)
        return y, None, {n: getattr(node, n) for n in node.refneuron_state_names}

    def parameters(self, node, model, names):
        return {n: getattr(node, n, None) if n in ("w", "k") else None for n in names}


def _sj(model_name, cls_name):
    cls = type(
        model_name.split(".")[1] + "Adapter",
        (_Spikingjelly,),
        {
            "model_name": model_name,
            "cls_name": cls_name,
            "__doc__": f"``spikingjelly.activation_based.neuron.{cls_name}`` (spikingjelly 2.0.0, "
            "``spikingjelly/activation_based/neuron``).",
        },
    )
    return register_adapter(cls)


SpikingjellyIF = _sj("spikingjelly.IF", "IFNode")
SpikingjellyLIF = _sj("spikingjelly.LIF", "LIFNode")
SpikingjellyParametricLIF = _sj("spikingjelly.ParametricLIF", "ParametricLIFNode")
SpikingjellyQIF = _sj("spikingjelly.QIF", "QIFNode")
SpikingjellyEIF = _sj("spikingjelly.EIF", "EIFNode")
SpikingjellyIzhikevich = _sj("spikingjelly.Izhikevich", "IzhikevichNode")
SpikingjellyLIAF = _sj("spikingjelly.LIAF", "LIAFNode")
SpikingjellyKLIF = _sj("spikingjelly.KLIF", "KLIFNode")


# ---------------------------------------------------------------------------
# norse 1.1.0


class _NorseStep:
    """norse's functional step with its parameters and weights, called per step."""

    def __init__(self, fn, p, dt, state_cls, weights, encoder):
        self.fn, self.p, self.dt, self.state_cls, self.weights, self.encoder = fn, p, dt, state_cls, weights, encoder


class _Norse(TorchAdapter):
    """norse 1.1.0 functional steps (``norse/torch/functional``), in a loop.

    Every parameter goes to norse as a tensor of the run's dtype holding the
    record's value (norse's own defaults are float32 0-dim tensors, models
    §0.2); ``method`` and ``alpha`` choose the surrogate.  Recurrent models
    get the record's weights (diagonal already zero without autapses); the
    gradient of ``recurrent_weights`` then has its diagonal zeroed, as the
    hook of norse's ``SNNRecurrent`` module does.
    """

    framework = "norse"
    pip = "pip install norse==1.1.0"
    version = "1.1.0"
    module_name = ""
    fn_name = ""
    params_cls = ""
    state_cls = ""
    recurrent = False
    encoder = False

    def check(self, model, dtype):
        if getattr(model, "corrected_adaptation", False):
            raise NoCounterpart(
                "corrected_adaptation: True is a refneuron-only correction of norse's current encoder "
                "(quirk norse_adex_encoder); norse 1.1.0 has no such switch (got corrected_adaptation=True)"
            )

    def build(self, model, neuron_shape):
        self.import_framework()
        mod = importlib.import_module(f"norse.torch.functional.{self.module_name}")
        P = getattr(mod, self.params_cls)
        kw = {}
        for field in P._fields:
            if field == "method":
                kw[field] = model.method
            elif field == "alpha":
                # LIFParameters carries alpha as a tensor, the others as a float
                kw[field] = self.scalar_tensor(model.alpha) if self.params_cls == "LIFParameters" else model.alpha
            elif hasattr(model, field):
                kw[field] = self.scalar_tensor(getattr(model, field))
            else:  # tau_syn_inv of the current encoder: not used by it
                kw[field] = self.scalar_tensor(float(P._field_defaults[field]))
        weights = ()
        if self.recurrent:
            weights = (self.scalar_tensor(model.input_weights), self.scalar_tensor(model.recurrent_weights))
        S = getattr(mod, self.state_cls) if self.state_cls else None
        return _NorseStep(getattr(mod, self.fn_name), P(**kw), model.dt, S, weights, self.encoder)

    def initial(self, model, state0):
        return state0

    def step(self, m, x_t, carry):
        if m.encoder:
            z, v, a = m.fn(x_t, carry["v"], carry["a"], m.p, dt=m.dt)
            carry = {"v": v, "a": a}
            return z, carry, carry
        st = carry if not isinstance(carry, dict) else m.state_cls(**carry)
        z, st = m.fn(x_t, st, *m.weights, m.p, dt=m.dt)
        return z, st, st._asdict()

    def parameters(self, m, model, names):
        out = {}
        for n in names:
            if n == "input_weights" and m.weights:
                out[n] = m.weights[0]
            elif n == "recurrent_weights" and m.weights:
                out[n] = m.weights[1]
            else:
                value = getattr(m.p, n, None)
                out[n] = value if isinstance(value, self._torch.Tensor) else None
        return out

    def finish_param_grad(self, model, name, grad):
        if name == "recurrent_weights" and not model.autapses:
            grad = np.array(grad)
            np.fill_diagonal(grad, 0.0)
        return grad


def _norse(model_name, module_name, fn_name, params_cls, state_cls, recurrent=False, encoder=False):
    cls = type(
        model_name.split(".")[1] + "Adapter",
        (_Norse,),
        {
            "model_name": model_name,
            "module_name": module_name,
            "fn_name": fn_name,
            "params_cls": params_cls,
            "state_cls": state_cls,
            "recurrent": recurrent,
            "encoder": encoder,
            "__doc__": f"norse ``{fn_name}`` (norse 1.1.0, ``norse/torch/functional/{module_name}.py``).",
        },
    )
    return register_adapter(cls)


NorseLIF = _norse("norse.LIF", "lif", "lif_feed_forward_step", "LIFParameters", "LIFFeedForwardState")
NorseLIFRecurrent = _norse("norse.LIFRecurrent", "lif", "lif_step", "LIFParameters", "LIFState", recurrent=True)
NorseLIFAdEx = _norse(
    "norse.LIFAdEx", "lif_adex", "lif_adex_feed_forward_step", "LIFAdExParameters", "LIFAdExFeedForwardState"
)
NorseLIFAdExRecurrent = _norse(
    "norse.LIFAdExRecurrent", "lif_adex", "lif_adex_step", "LIFAdExParameters", "LIFAdExState", recurrent=True
)
NorseLIFAdExCurrentEncoder = _norse(
    "norse.LIFAdExCurrentEncoder", "lif_adex", "lif_adex_current_encoder", "LIFAdExParameters", "", encoder=True
)
NorseLSNN = _norse("norse.LSNN", "lsnn", "lsnn_feed_forward_step", "LSNNParameters", "LSNNFeedForwardState")
NorseLSNNRecurrent = _norse("norse.LSNNRecurrent", "lsnn", "lsnn_step", "LSNNParameters", "LSNNState", recurrent=True)
