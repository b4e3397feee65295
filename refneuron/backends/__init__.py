"""Loops, memory and compilation: NumPy reference, Numba CPU, Numba CUDA."""
