"""Surrogate gradients of snntorch, spikingjelly and norse (see each module)."""

from ._base import Surrogate, as_surrogate
from .norse import SuperSpike
from .snntorch import ATan
from .spikingjelly import Sigmoid

__all__ = ["Surrogate", "as_surrogate", "ATan", "Sigmoid", "SuperSpike"]
