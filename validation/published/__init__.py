"""Reproductions of published traces: Lapicque's RC neuron and the
strength-duration law, Izhikevich (2003) types and the 20 panels of
Izhikevich (2004) Fig. 1, and the AdEx patterns of Naud et al. (2008) and
Brette & Gerstner (2005).

:func:`collect` runs them all and returns their checks (and, on request,
the findings: discrepancies with the specification, the ODE limit per
panel, values given without a range); the parameter sets
and protocols are in ``published_params.json`` (read by :mod:`._data`).
"""

from ._collect import collect

__all__ = ["collect"]
