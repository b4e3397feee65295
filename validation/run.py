"""``refneuron validate``: run every validation check, write the report and figures."""

from __future__ import annotations


def main(out="figures", full=False, progress=True):
    """Run all checks; write ``report.md`` and ``report.json`` into ``out``.

    Returns the process exit status: 0 if every check passed, 1 otherwise.
    """
    raise NotImplementedError("the validation run is being written")
