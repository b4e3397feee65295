"""Markdown and JSON reports for a list of :class:`ComparisonResult`."""

from __future__ import annotations

import json
import os

from ..errors import OptionError

__all__ = ["gradients_markdown", "to_json", "to_markdown", "write_report"]


def _fmt(x):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3e}" if x != 0 else "0"
    return str(x)


def to_json(results, *, indent=1):
    """A JSON document: ``{"results": [result.to_json(), ...]}``."""
    from .. import __version__

    doc = {"refneuron": __version__, "results": [r.to_json() for r in results]}
    return json.dumps(doc, indent=indent, allow_nan=True)


def to_markdown(results):
    """One table row per (model, framework, dtype), then one line per divergence.

    Columns: spikes equal, spike totals, max per-neuron count difference,
    first divergent step (and neuron), and per state variable the maximum
    absolute and relative error, the largest error before divergence, and
    the first step with a non-zero error.
    """
    lines = [
        "| model | framework | dtype | T x neurons | spikes equal | spikes ref / fw | max count diff "
        "| first divergence | variable | max abs err | max rel err | max abs err before divergence "
        "| first error step |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        div = "-" if r.divergence is None else f"t={r.divergence.step}, neuron {r.divergence.neuron}"
        shape = f"{r.shape[0]} x {'x'.join(str(n) for n in r.shape[1:]) or '1'}"
        head = (
            f"| {r.model} | {r.framework} | {r.framework_dtype} | {shape} | {'yes' if r.spikes_equal else 'no'} "
            f"| {r.n_spikes['reference']} / {r.n_spikes['framework']} | {_fmt(r.max_count_difference)} | {div} "
        )
        variables = list(r.states.items()) or [(None, None)]
        for i, (var, s) in enumerate(variables):
            prefix = head if i == 0 else "| | | | | | | | "
            if s is None:
                lines.append(prefix + "| - | - | - | - | - |")
            else:
                lines.append(
                    prefix + f"| {var} | {_fmt(s['max_abs'])} | {_fmt(s['max_rel'])} "
                    f"| {_fmt(s['max_abs_before_divergence'])} | {_fmt(s['first_error_step'])} |"
                )
    notes = []
    for r in results:
        st = r.settings
        notes.append(
            f"- {r.model} ({r.framework}, {r.framework_dtype}): coincidence rate (window {st['window']} steps) "
            f"{r.coincidence_rate:.4f}; van Rossum (tau {st['tau']} steps) {_fmt(r.van_rossum)}; "
            f"Victor-Purpura (q {st['q']}/step) {_fmt(r.victor_purpura)}"
        )
        if r.divergence is not None:
            before = ", ".join(f"{k} {_fmt(v)}" for k, v in r.divergence.state_error_before.items())
            notes.append(
                f"  - spikes first differ at step {r.divergence.step} in {r.divergence.n_neurons} neuron(s); "
                f"state error at the step before: {before or '-'}"
            )
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def gradients_markdown(results):
    """One row per comparison: relative errors of the framework's autograd
    against refneuron's hand-derived backward (see ``compare_gradients``)."""
    lines = [
        "| model | dtype | status | d/d inputs | d/d initial state (largest) | d/d parameters |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        g = r.gradients
        if g is None:
            continue
        if g["status"] != "ok":
            lines.append(f"| {r.model} | {r.framework_dtype} | {g['status']} | - | - | - |")
            continue
        s0 = max(g["initial_state"].values(), default=0.0)
        params = ", ".join(
            f"{k} {'no tensor in the framework' if v is None else _fmt(v)}" for k, v in g["params"].items()
        ) or "-"
        lines.append(f"| {r.model} | {r.framework_dtype} | ok | {_fmt(g['inputs'])} | {_fmt(s0)} | {params} |")
    return "\n".join(lines) + "\n"


def write_report(results, path):
    """Write ``results`` as Markdown (``.md``) or JSON (``.json``) by suffix."""
    path = os.fspath(path)
    results = list(results)
    if path.endswith(".md"):
        text = to_markdown(results)
    elif path.endswith(".json"):
        text = to_json(results)
    else:
        raise OptionError(f"path: must end in '.md' or '.json' (got {path!r})")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
