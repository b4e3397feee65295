"""Hand-derived backward passes of the canonical models (Izhikevich, AdEx)."""
