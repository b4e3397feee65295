"""The ``refneuron`` command: ``validate`` | ``figures`` | ``compare`` | ``bench``."""

from __future__ import annotations

import argparse
import sys


def _validate(args):
    from refneuron.validation.run import main as validate_main

    return validate_main(out=args.out, full=args.full, progress=not args.quiet)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="refneuron", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="run the validation suite; write the report and figures")
    p.add_argument("--out", default="figures", help="directory for the report and figures (default: figures/)")
    p.add_argument("--full", action="store_true", help="tighter sweeps (slower)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_validate)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
