"""spikingjelly 2.0.0 neurons (``activation_based.neuron``): IF, LIF,
ParametricLIF, QIF, EIF, Izhikevich, LIAF, KLIF."""

from .eif import EIF, EIFState
from .if_ import IF, IFState
from .izhikevich import Izhikevich, IzhikevichState
from .klif import KLIF, KLIFState
from .liaf import ACTIVATIONS, LIAF, LIAFState
from .lif import LIF, LIFState
from .parametric_lif import ParametricLIF, ParametricLIFState
from .qif import QIF, QIFState

__all__ = [
    "IF",
    "IFState",
    "LIF",
    "LIFState",
    "ParametricLIF",
    "ParametricLIFState",
    "QIF",
    "QIFState",
    "EIF",
    "EIFState",
    "Izhikevich",
    "IzhikevichState",
    "LIAF",
    "LIAFState",
    "ACTIVATIONS",
    "KLIF",
    "KLIFState",
]
