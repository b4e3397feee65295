"""Models of spikingjelly."""
