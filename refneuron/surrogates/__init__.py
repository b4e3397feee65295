"""Surrogate gradients of snntorch 1.0.0, spikingjelly 2.0.0 and norse 1.1.0.

One module per framework (:mod:`.snntorch`, :mod:`.spikingjelly`,
:mod:`.norse`), each with a ``SURROGATES`` table (framework name -> class);
:data:`SURROGATES` collects them by framework.  The neurons' defaults are
re-exported here: snntorch ``ATan``, spikingjelly ``Sigmoid``, norse
``SuperSpike``.
"""

from . import norse, snntorch, spikingjelly
from ._base import Surrogate, as_surrogate
from .norse import SuperSpike, norse_method
from .snntorch import ATan
from .spikingjelly import Sigmoid

#: framework -> {framework's name -> class}
SURROGATES = {
    "snntorch": snntorch.SURROGATES,
    "spikingjelly": spikingjelly.SURROGATES,
    "norse": norse.SURROGATES,
}


def all_surrogates():
    """Every surrogate class as ``(framework, name, cls)``."""
    return [(fw, name, cls) for fw, table in SURROGATES.items() for name, cls in table.items()]


def get(framework, name):
    """The surrogate class ``name`` of ``framework`` (e.g. ``("snntorch", "atan")``)."""
    from .. import _checks

    _checks.check_option("framework", framework, tuple(SURROGATES))
    _checks.check_option("name", name, tuple(SURROGATES[framework]))
    return SURROGATES[framework][name]


__all__ = [
    "Surrogate",
    "as_surrogate",
    "ATan",
    "Sigmoid",
    "SuperSpike",
    "norse_method",
    "SURROGATES",
    "all_surrogates",
    "get",
    "snntorch",
    "spikingjelly",
    "norse",
]
