"""Benchmarks of refneuron's kernels; run ``python -m benchmarks.run``."""
