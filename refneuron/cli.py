"""The ``refneuron`` command: ``validate`` | ``figures`` | ``compare`` | ``bench``."""

from __future__ import annotations

import argparse
import sys


def _validate(args):
    from refneuron.validation.run import main as validate_main

    return validate_main(out=args.out, full=args.full, progress=not args.quiet)


def _figures(args):
    """``refneuron figures``: regenerate the published-trace figures only."""
    from refneuron.validation.published import collect

    checks = collect(args.out, full=args.full, progress=not args.quiet)
    failed = [c for c in checks if not c.passed]
    print(f"{len(checks) - len(failed)}/{len(checks)} published-trace checks passed; figures in {args.out}")
    for c in failed:
        print(f"FAILED {c.group}: {c.name}: {c.value} (expected {c.expected})")
    return 1 if failed else 0


def _bench(args):
    """``refneuron bench``: the benchmark command of a source checkout."""
    try:
        from benchmarks.run import main as bench_main
    except ImportError:
        print("refneuron bench: run it from a source checkout (python -m benchmarks.run)", file=sys.stderr)
        return 2
    return bench_main(args.bench_args)


def _compare(args):
    """``refneuron compare FRAMEWORK MODEL`` or ``refneuron compare --all``."""
    import os
    import warnings

    from refneuron.compare import standard
    from refneuron.compare.core import compare
    from refneuron.compare.matrix import write_matrix
    from refneuron.compare.report import gradients_markdown, to_markdown, write_report
    from refneuron.errors import FrameworkNotInstalled, NoCounterpart

    if args.all:
        if args.framework or args.model:
            print("refneuron compare: --all takes no FRAMEWORK or MODEL", file=sys.stderr)
            return 2
        names = None
        if args.models:
            names = [n.strip() for n in args.models.split(",") if n.strip()]
        try:
            paths = write_matrix(args.out, names, steps=args.steps, progress=not args.quiet,
                                 measure_findings=not args.no_findings)
        except (FrameworkNotInstalled, NoCounterpart) as exc:
            print(f"refneuron compare: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {paths['report.md']}, {paths['report.json']}, {paths['compare.png']}")
        return 0
    if not (args.framework and args.model):
        print("refneuron compare: give FRAMEWORK MODEL (e.g. snntorch Leaky) or --all", file=sys.stderr)
        return 2
    name = f"{args.framework}.{args.model}"
    if name not in standard.STANDARD:
        from refneuron import registry

        known = ", ".join(sorted(standard.STANDARD))
        if name in registry.names():
            print(f"refneuron compare: {name}: no framework counterpart (frameworks' models: {known})",
                  file=sys.stderr)
        else:
            print(f"refneuron compare: unknown model {name!r}; known: {known}", file=sys.stderr)
        return 1
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    model, x = standard.standard_model(name), standard.standard_input(name, args.steps)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            results = [compare(model, x, d) for d in dtypes]
    except (FrameworkNotInstalled, NoCounterpart) as exc:
        print(f"refneuron compare: {exc}", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, name.replace(".", "_"))
    write_report(results, stem + ".json")
    with open(stem + ".md", "w", encoding="utf-8") as fh:
        fh.write(to_markdown(results) + "\n" + gradients_markdown(results))
    print(to_markdown(results))
    print(gradients_markdown(results))
    print(f"wrote {stem}.md, {stem}.json")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="refneuron", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="run the validation suite; write the report and figures")
    p.add_argument("--out", default="figures", help="directory for the report and figures (default: figures/)")
    p.add_argument("--full", action="store_true", help="tighter sweeps (slower)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_validate)
    p = sub.add_parser("compare", help="compare models with snntorch, spikingjelly and norse; write a report")
    p.add_argument("framework", nargs="?", help="snntorch, spikingjelly or norse")
    p.add_argument("model", nargs="?", help="model name within the framework, e.g. Leaky")
    p.add_argument("--all", action="store_true", help="every framework x model x (float64, float32)")
    p.add_argument("--dtype", choices=("float64", "float32", "both"), default="both",
                   help="precision of the framework's run (default: both)")
    p.add_argument("--out", default="figures/compare", help="output directory (default: figures/compare)")
    p.add_argument("--steps", type=int, default=200, help="time steps of the standard input (default: 200)")
    p.add_argument("--models", help="with --all: comma-separated model names to restrict the matrix to")
    p.add_argument("--no-findings", action="store_true", help="with --all: skip the quirk measurements")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_compare)
    p = sub.add_parser("figures", help="regenerate the published-trace figures (Lapicque, Izhikevich, AdEx)")
    p.add_argument("--out", default="figures", help="directory for the figures (default: figures/)")
    p.add_argument("--full", action="store_true", help="also integrate the 2003 types as ODEs")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_figures)
    p = sub.add_parser("bench", help="run the benchmarks (source checkout only); options pass through")
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="options for benchmarks/run.py")
    p.set_defaults(func=_bench)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
