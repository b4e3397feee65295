"""Canonical continuous-time models in physical units: Izhikevich (2003) and AdEx (2005)."""

from .adex import AdEx, AdExState
from .izhikevich import Izhikevich, IzhikevichState

__all__ = ["AdEx", "AdExState", "Izhikevich", "IzhikevichState"]
