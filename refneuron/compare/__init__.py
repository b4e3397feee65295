"""Compare a framework's neuron model with refneuron's float64 reference.

>>> import numpy as np, refneuron as rn
>>> from refneuron.compare import compare
>>> x = np.random.default_rng(0).normal(0.4, 0.6, size=(200, 8))
>>> r = compare(rn.snntorch.Leaky(beta=0.9), x, framework_dtype="float32")  # doctest: +SKIP
>>> r.divergence, r.states["mem"]["max_abs"]                                 # doctest: +SKIP

* :mod:`.metrics` -- spike-train and state-error metrics (framework-free);
* :mod:`.adapters` -- how each framework's module is built and run;
* :mod:`.report` -- Markdown and JSON reports of many comparisons.
"""

from . import adapters, metrics, report
from .adapters import ADAPTERS, FrameworkNotInstalled, FrameworkRun, NoCounterpart, adapter_for, register_adapter
from .core import ComparisonResult, compare, compare_runs
from .report import to_json, to_markdown, write_report

__all__ = [
    "ADAPTERS",
    "ComparisonResult",
    "FrameworkNotInstalled",
    "FrameworkRun",
    "NoCounterpart",
    "adapter_for",
    "adapters",
    "compare",
    "compare_runs",
    "metrics",
    "register_adapter",
    "report",
    "to_json",
    "to_markdown",
    "write_report",
]
