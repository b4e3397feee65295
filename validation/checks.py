"""The record every validation check produces, shared by all parts of the report.

A check's ``passed`` is always computed from ``value`` and ``tolerance`` by the
code that measured it (never written by hand); ``expected`` says what the
value is compared with and where that comes from.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Check:
    """One measured check of the validation report.

    Attributes
    ----------
    group : str       e.g. "ode:snntorch.Leaky", "published:izh2004_A"
    name : str        what is measured, e.g. "convergence order of the v trace"
    value : float | int | str   the measured value
    expected : str    what it is compared with (and the source)
    tolerance : str   the tolerance and why it is right
    passed : bool     derived from value and tolerance by the measuring code
    detail : str      free text: a finding, a reason for a known failure
    figure : str | None   relative path of a figure showing it
    """

    group: str
    name: str
    value: object
    expected: str
    tolerance: str
    passed: bool
    detail: str = ""
    figure: str | None = None

    def as_dict(self):
        return dataclasses.asdict(self)
