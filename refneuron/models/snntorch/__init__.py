"""snntorch 1.0.0 neurons: Leaky, Synaptic, Lapicque, Alpha."""

from .leaky import Leaky, LeakyState

__all__ = ["Leaky", "LeakyState"]
