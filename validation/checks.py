"""The records of the validation report: checks (pass/fail) and findings (reported).

A check's ``passed`` is always computed from ``value`` and ``tolerance`` by the
code that measured it (never written by hand); ``expected`` says what the
value is compared with and where that comes from.  A :class:`Finding` is a
measured result the report states without passing or failing it (the
specification asks to report it, gives no range, or contradicts itself);
findings are listed apart from the checks and never counted as checks.
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


#: kinds of :class:`Finding`, in the order the report lists them, with the section titles
FINDING_KINDS = {
    "discrepancy": "Discrepancies with the specification",
    "ode_limit": "ODE limit of the published protocols: which features survive (spec §3.5(ii), reported)",
    "not_checked": "Spec values given without a range: measured, reported, not checked",
    "reported": "Other findings (reported, not pass/fail)",
}


@dataclasses.dataclass(frozen=True)
class Finding:
    """A measured result the report states but does not pass or fail.

    Used where the specification asks to *report* (the ODE limit of the 2004
    panels), where it gives a value without a range ("≈ 34 ms"), and where
    the specification contradicts itself (a ``"discrepancy"``: what is
    consistent is checked strictly, the conflict is stated here with the
    measured values, so that ``refneuron validate`` does not fail forever on
    an inconsistency of the specification).  Findings never count as checks.

    Attributes
    ----------
    kind : str        one of :data:`FINDING_KINDS`
    group : str       as :attr:`Check.group`
    name : str        what is measured
    value : float | int | str   the measured value
    spec : str        what the specification says (and where)
    detail : str      the finding in words (e.g. "survives", the conflict)
    figure : str | None
    """

    kind: str
    group: str
    name: str
    value: object
    spec: str
    detail: str = ""
    figure: str | None = None

    def __post_init__(self):
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"Finding.kind: {self.kind!r} is not one of {list(FINDING_KINDS)}")

    def as_dict(self):
        return dataclasses.asdict(self)
