"""snntorch 1.0.0 neurons: Leaky, Synaptic, Lapicque, Alpha."""

from .alpha import Alpha, AlphaState
from .lapicque import Lapicque, LapicqueState
from .leaky import Leaky, LeakyState
from .synaptic import Synaptic, SynapticState

__all__ = [
    "Leaky",
    "LeakyState",
    "Synaptic",
    "SynapticState",
    "Lapicque",
    "LapicqueState",
    "Alpha",
    "AlphaState",
]
