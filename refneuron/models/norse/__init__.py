"""norse 1.1.0 neurons: LIF, LIFAdEx, LSNN (feed-forward and recurrent) and the
LIFAdEx current encoder."""

from .lif import LIF, LIFFeedForwardState, LIFRecurrent, LIFState
from .lif_adex import (
    LIFAdEx,
    LIFAdExCurrentEncoder,
    LIFAdExEncoderState,
    LIFAdExFeedForwardState,
    LIFAdExRecurrent,
    LIFAdExState,
)
from .lsnn import LSNN, LSNNFeedForwardState, LSNNRecurrent, LSNNState

__all__ = [
    "LIF",
    "LIFRecurrent",
    "LIFAdEx",
    "LIFAdExRecurrent",
    "LIFAdExCurrentEncoder",
    "LSNN",
    "LSNNRecurrent",
    "LIFFeedForwardState",
    "LIFState",
    "LIFAdExFeedForwardState",
    "LIFAdExState",
    "LIFAdExEncoderState",
    "LSNNFeedForwardState",
    "LSNNState",
]
