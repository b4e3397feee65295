"""refneuron: float64 reference implementations of spiking-neuron models.

Every model reproduces the discrete-time semantics of its source framework
(snntorch 1.0.0, spikingjelly 2.0.0, norse 1.1.0) or paper exactly, in float64
NumPy.  Models live in :mod:`refneuron.models`, one file each; the public names
are re-exported here.
"""

from . import buffers, compare, errors, golden, gradients, quirks, registry, surrogates, testing
from .models import Model, canonical, norse, snntorch, spikingjelly
from .simulate import RunResult, run
from .backends import _layer as _layer  # registers the fork handler (backends/_layer.py)

__version__ = "0.1.0"

__all__ = [
    "Model",
    "RunResult",
    "run",
    "errors",
    "buffers",
    "quirks",
    "registry",
    "surrogates",
    "gradients",
    "compare",
    "golden",
    "testing",
    "snntorch",
    "spikingjelly",
    "norse",
    "canonical",
    "__version__",
]
