"""Regenerate refneuron's golden files (tests/golden/data/*.npz).

Golden files pin the numbers the current code produces; they are regression
guards, not evidence of correctness.  Regenerate a file ONLY after a
deliberate change to a model's numbers (or to add cases), and say in the
commit message the date and the reason, e.g.
``golden: regenerate snntorch_leaky.npz (2026-03-02): new case for inhibition``.

Usage (from the repository root)::

    python -m tests.golden.make_golden                 # list files and cases
    python -m tests.golden.make_golden snntorch_leaky.npz [more.npz ...]
    python -m tests.golden.make_golden --all

The case lists live in ``tests/golden/cases.py``.
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import sys

from refneuron.golden import write_golden

from .cases import CASES

DATA = pathlib.Path(__file__).parent / "data"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="data files to regenerate (names as in cases.CASES)")
    parser.add_argument("--all", action="store_true", help="regenerate every file")
    args = parser.parse_args(argv)
    files = sorted(CASES) if args.all else args.files
    if not files:
        for name, cases in CASES.items():
            print(f"{name}: {', '.join(c.name for c in cases)}")
        return 0
    unknown = [f for f in files if f not in CASES]
    if unknown:
        parser.error(f"unknown file(s) {unknown}; known: {sorted(CASES)}")
    DATA.mkdir(exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for name in files:
        traces = write_golden(DATA / name, CASES[name], date=date)
        spikes = {k: int((t.output != 0).sum()) for k, t in traces.items()}
        print(f"wrote {DATA / name}: {spikes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
