"""All neuron models, grouped by the framework or paper that defines them."""

from . import canonical, norse, snntorch, spikingjelly  # noqa: F401  (registers)
from ._base import Model

__all__ = ["Model", "canonical", "norse", "snntorch", "spikingjelly"]
