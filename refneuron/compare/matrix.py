"""The whole comparison matrix: every framework x model x precision, one report.

:func:`run_matrix` runs :func:`refneuron.compare.compare` (forward metrics
and gradients) for the standard cases of :mod:`.standard`;
:func:`write_matrix` writes ``report.md``, ``report.json`` and
``compare.png`` (largest state error over time per model in float32, and the
step at which each model's float32 spike train first departs from the
float64 reference).
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from . import standard
from .core import compare
from .report import gradients_markdown, to_markdown

__all__ = ["run_matrix", "write_matrix"]


def run_matrix(names=None, dtypes=("float64", "float32"), *, steps=standard.T_STEPS, progress=True, gradients=True):
    """``compare`` for every standard case in ``names`` and each of ``dtypes``.

    Returns
    -------
    list of ComparisonResult
    """
    from tqdm.auto import tqdm

    cases = standard.standard_cases(names, steps)
    jobs = [(c, d) for c in cases for d in dtypes]
    results = []
    with warnings.catch_warnings():
        # torch.jit deprecation notes from norse, snntorch's inhibition notice: not ours to report
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # the diverging current encoder in float32
        for (name, model, x), dtype in tqdm(jobs, desc="compare", disable=not progress, unit="run"):
            results.append(compare(model, x, dtype, gradients=gradients))
    return results


def _figure(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f32 = [r for r in results if r.framework_dtype == "float32"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    ax = axes[0]
    for r in f32:
        err = np.max(np.stack(list(r.error_over_time.values())), axis=0) if r.error_over_time else None
        if err is None:
            continue
        err = np.where(err > 0, err, np.nan)
        ax.semilogy(err, lw=0.9, label=r.model)
    ax.set_xlabel("step")
    ax.set_ylabel("largest |state error| over neurons and variables")
    f64_max = max((r.max_state_error for r in results if r.framework_dtype == "float64"), default=0.0)
    ax.set_title(f"framework in float32 vs float64 reference (float64 runs: max error {f64_max:.1e})", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1]
    names = [r.model for r in f32]
    steps = [r.shape[0] if r.divergence is None else r.divergence.step for r in f32]
    colors = ["tab:green" if r.divergence is None else "tab:red" for r in f32]
    ax.barh(range(len(names)), steps, color=colors)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("first step whose spikes differ (green: none within the run)")
    ax.set_title("float32 spike divergence", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_matrix(out="figures/compare", names=None, dtypes=("float64", "float32"), *, steps=standard.T_STEPS,
                 progress=True, measure_findings=True):
    """Run the matrix and write ``report.md``, ``report.json`` and ``compare.png`` into ``out``.

    Returns
    -------
    dict
        ``{"report.md": path, "report.json": path, "compare.png": path, "results": [...]}``.
    """
    from .. import __version__
    from .findings import findings, findings_markdown

    os.makedirs(out, exist_ok=True)
    results = run_matrix(names, dtypes, steps=steps, progress=progress)
    items = findings() if measure_findings else []
    inputs = "\n".join(
        f"- {n}: N({c.loc}, {c.scale}^2) {c.note}".rstrip() for n, c in standard.STANDARD.items()
        if names is None or n in names
    )
    f64 = [r for r in results if r.framework_dtype == "float64"]
    n_ok = sum(r.spikes_equal for r in f64)
    md = [
        f"# refneuron {__version__}: comparison with the frameworks",
        "",
        f"Every model with default options, {steps} steps x ({standard.BATCH}, {standard.N}) neurons, on Gaussian "
        "input (mean, std) chosen to fire often; the framework runs in float64 and in float32 against "
        "refneuron's float64 reference.",
        "",
        f"float64: {n_ok} of {len(f64)} models give identical spikes; largest state error "
        f"{max((r.max_state_error for r in f64), default=0.0):.3e}.",
        "",
        "Standard inputs:",
        "",
        inputs,
        "",
        "## Forward",
        "",
        to_markdown(results),
        "## Gradients",
        "",
        gradients_markdown(results),
    ]
    if items:
        md += [findings_markdown(items)]
    paths = {"report.md": os.path.join(out, "report.md"), "report.json": os.path.join(out, "report.json"),
             "compare.png": os.path.join(out, "compare.png")}
    with open(paths["report.md"], "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))
    doc = {
        "refneuron": __version__,
        "steps": steps,
        "results": [r.to_json() for r in results],
        "findings": [f.to_json() for f in items],
    }
    with open(paths["report.json"], "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, default=_json_default)
    _figure(results, paths["compare.png"])
    return dict(paths, results=results)


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o).__name__)
