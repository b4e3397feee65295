"""Reproductions of published traces (Lapicque, Izhikevich, AdEx)."""
