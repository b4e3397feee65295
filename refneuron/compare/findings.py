"""Findings: every documented quirk, and the measured effect of those that
change the forward pass.

Each measurement runs refneuron's models with the quirk on and off (a
switch, a sibling model without the quirk, or the continuous model the
quirk departs from) on a small standard input; nothing is typed in.  The
quirks themselves are listed in :mod:`refneuron.quirks`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["MEASUREMENTS", "Finding", "findings", "findings_markdown"]

SEED = 7


@dataclasses.dataclass(frozen=True)
class Finding:
    """One quirk with its measured effect (``values`` empty if not measured)."""

    quirk: str
    framework: str
    summary: str
    effect: str
    values: dict

    def to_json(self):
        return dataclasses.asdict(self)


def _rn():
    import refneuron as rn

    return rn


def _lapicque_decay():
    rn = _rn()
    beta, dt = 0.9, 1.0
    # zero input from mem = 1, threshold out of reach: the membrane only decays
    mem = rn.snntorch.Lapicque(beta=beta, time_step=dt, threshold=1e9).run(
        np.zeros((50, 1)), state={"mem": np.ones(1)}
    ).states["mem"][:, 0]
    ratio = float(np.exp(np.mean(np.diff(np.log(mem)))))  # geometric mean per-step decay
    tau_eff, tau_beta = -dt / math.log(ratio), -dt / math.log(beta)
    return (
        f"beta = {beta}: measured per-step decay {ratio:.6f} (1 + ln beta = {1 + math.log(beta):.6f}); "
        f"effective membrane time constant {tau_eff:.4f} steps, against {tau_beta:.4f} steps implied by beta "
        f"({100 * (tau_eff / tau_beta - 1):+.1f}%)",
        {"beta": beta, "decay_measured": ratio, "tau_effective": tau_eff, "tau_from_beta": tau_beta,
         "tau_formula": -dt / math.log(1 + math.log(beta))},
    )


def _float32_spikes(steps=20000, neurons=2048, chunk=2000):
    rn = _rn()
    # mean drive 0.07/(1 - 0.9) = 0.7 = threshold: membranes cross the threshold often, so near-ties
    # (|U - 0.7| below the ~1e-8 float32 rounding of 0.7, accumulated) occur in a long run
    rng = np.random.default_rng(SEED)
    models = [rn.snntorch.Leaky(beta=0.9, threshold=0.7), rn.snntorch.Leaky(beta=0.9, threshold=0.7, float32_spikes=False)]
    states = [None, None]
    counts = [0, 0]
    first = None
    for start in range(0, steps, chunk):
        x = rng.normal(0.07, 0.3, size=(chunk, neurons))
        outs = []
        for k, m in enumerate(models):
            r = m.run(x, state=states[k], record="output")
            states[k] = r.final_state
            counts[k] += int(np.count_nonzero(r.output))
            outs.append(r.output != 0)
        diff = np.flatnonzero(np.any(outs[0] != outs[1], axis=1))
        if first is None and diff.size:
            first = start + int(diff[0])
    dmem = float(np.max(np.abs(states[0].mem - states[1].mem)))
    return (
        f"Leaky(beta=0.9, threshold=0.7), {steps} steps x {neurons} neurons: {counts[0]} spikes with float32(threshold) "
        f"subtracted, {counts[1]} with the exact threshold ({counts[0] - counts[1]:+d}); first differing spike at step "
        f"{'-' if first is None else first}; final membranes differ by up to {dmem:.2e}",
        {"spikes_quirk": counts[0], "spikes_fixed": counts[1], "first_divergence": first, "final_mem_difference": dmem},
    )


def _leaky_zero_reset():
    rn = _rn()
    x = np.random.default_rng(SEED).normal(0.15, 0.5, size=(2000, 32))
    # Synaptic with alpha = 0 has syn = X, so it is Leaky with the whole candidate zeroed
    leaky = rn.snntorch.Leaky(beta=0.9, reset_mechanism="zero").run(x)
    syn = rn.snntorch.Synaptic(alpha=0.0, beta=0.9, reset_mechanism="zero").run(x)
    # membrane at the step after a spike (the delayed reset acts there)
    def after(out):
        mask = np.zeros(out.shape, dtype=bool)
        mask[1:] = out[:-1] != 0
        return mask

    return (
        "Leaky(beta=0.9) vs Synaptic(alpha=0, beta=0.9) (identical except that Synaptic also zeroes the "
        f"step's input), zero reset, 2000 x 32: {int(np.count_nonzero(leaky.output))} vs "
        f"{int(np.count_nonzero(syn.output))} spikes; mean membrane on the reset step "
        f"{float(np.mean(leaky.states['mem'][after(leaky.output)])):.4f} (the step's input) vs "
        f"{float(np.mean(syn.states['mem'][after(syn.output)])):.4f}",
        {"spikes_leaky": int(np.count_nonzero(leaky.output)), "spikes_whole_candidate": int(np.count_nonzero(syn.output))},
    )


def _delayed_reset():
    rn = _rn()
    x = np.random.default_rng(SEED).normal(0.15, 0.5, size=(2000, 32))
    d = rn.snntorch.Leaky(beta=0.9, reset_delay=True).run(x)
    i = rn.snntorch.Leaky(beta=0.9, reset_delay=False).run(x)
    return (
        f"Leaky(beta=0.9), subtract, 2000 x 32: {int(np.count_nonzero(d.output))} spikes with the delayed reset, "
        f"{int(np.count_nonzero(i.output))} with reset_delay=False; largest stored membrane "
        f"{float(d.states['mem'].max()):.3f} (pre-reset, may exceed threshold 1) vs {float(i.states['mem'].max()):.3f}",
        {"spikes_delayed": int(np.count_nonzero(d.output)), "spikes_immediate": int(np.count_nonzero(i.output))},
    )


def _first_change(v):
    nz = np.flatnonzero(v != v[0])
    return int(nz[0]) if nz.size else None


def _lsnn_input_delay():
    rn = _rn()
    x = np.zeros((8, 1))
    x[2] = 1.0  # one input pulse at step 2
    lif = rn.norse.LIF().run(x).states["v"][:, 0]
    lsnn = rn.norse.LSNN(beta=0.0).run(x).states["v"][:, 0]  # no adaptation: LIF dynamics
    a, b = _first_change(lif), _first_change(lsnn)
    return (
        f"a pulse at step 2 first moves v at step {a} in LIF and at step {b} in LSNN(beta=0) "
        f"(delay {b - a} step)",
        {"lif_first_step": a, "lsnn_first_step": b},
    )


def _adex_encoder():
    rn = _rn()
    s0 = {"v": np.zeros(1), "a": np.full(1, 0.1)}
    x = np.zeros((40, 1))
    quirk = rn.norse.LIFAdExCurrentEncoder().run(x, state=s0).states["a"][:, 0]
    fixed = rn.norse.LIFAdExCurrentEncoder(corrected_adaptation=True).run(x, state=s0).states["a"][:, 0]
    growth = float(np.exp(np.mean(np.log(np.abs(quirk[21:] / quirk[20:-1])))))
    sign_flips = int(np.count_nonzero(np.sign(quirk[1:]) != np.sign(quirk[:-1])))
    return (
        f"zero input from a = 0.1: after 40 steps |a| = {abs(quirk[-1]):.3e} (per-step growth x{growth:.3f}, "
        f"{sign_flips} sign changes) vs {abs(fixed[-1]):.4f} with corrected_adaptation=True",
        {"a_final_quirk": float(quirk[-1]), "a_final_corrected": float(fixed[-1]), "growth": growth},
    )


def _ge_threshold():
    rn = _rn()
    x = np.array([[1.0]])  # lands exactly on threshold 1 from rest
    sj = int(rn.spikingjelly.IF().run(x).output[0, 0])
    st = int(rn.snntorch.Leaky(beta=0.5).run(x).output[0, 0])
    return (
        f"input 1.0 from rest puts the membrane exactly on threshold 1.0: spikingjelly.IF fires ({sj}), "
        f"snntorch.Leaky does not ({st})",
        {"spikingjelly_IF": sj, "snntorch_Leaky": st},
    )


def _vreset_leak():
    rn = _rn()
    v = rn.spikingjelly.LIF(v_reset=-0.5).run(np.zeros((100, 1)), state={"v": np.zeros(1)}).states["v"][-1, 0]
    return (
        f"LIF(v_reset=-0.5), zero input from v = 0: v settles at {v:.4f} after 100 steps (the reset value, "
        "not a resting potential)",
        {"v_final": float(v)},
    )


def _izhikevich_vrest():
    rn = _rn()
    v = rn.spikingjelly.Izhikevich().run(np.zeros((400, 1))).states["v"][-1, 0]
    return f"IzhikevichNode defaults, zero input: v settles at {v:.4f} (AdaptBaseNode's default v_rest is 0.0)", {
        "v_final": float(v)
    }


def _lsnn_threshold():
    rn = _rn()
    x = np.zeros((30, 1))
    x[0] = 30.0  # one strong pulse: a single spike
    r = rn.norse.LSNN().run(x)
    t = int(np.argmax(r.output[:, 0]))
    b = r.states["b"][:, 0]
    return (
        f"one spike at step {t}: b jumps from {b[t - 1] if t else rn.norse.LSNN().v_th:.4f} to {b[t]:.4f} "
        f"(beta = 1.8) and is still {b[-1]:.4f} 30 steps later; b is the whole threshold",
        {"b_before": float(b[t - 1]) if t else float(rn.norse.LSNN().v_th), "b_after": float(b[t]), "b_final": float(b[-1])},
    )


def _norse_units():
    rn = _rn()
    v = rn.norse.LIF().run(np.zeros((2, 1)), state={"v": np.ones(1), "i": np.zeros(1)}).states["v"][:, 0]
    return f"LIF defaults, zero input from v = 1: v = {v[0]:.4f} after one step (dt*tau_mem_inv = 0.1 per step)", {
        "decay_per_step": float(v[0])
    }


def _inhibition_reset():
    rn = _rn()
    x = np.random.default_rng(SEED).normal(0.3, 0.5, size=(300, 4, 8))
    r = rn.snntorch.Leaky(beta=0.9, threshold=1.0, inhibition=True).run(x)
    mem = r.states["mem"]
    above = int(np.count_nonzero(mem > 1.0))
    return (
        f"Leaky(inhibition=True), 300 x 4 x 8: {int(np.count_nonzero(r.output))} spikes emitted (at most one per "
        f"row of dimension 1 and step) but {above} membranes above threshold, each reset at the next step",
        {"spikes": int(np.count_nonzero(r.output)), "above_threshold": above},
    )


#: quirk id -> function returning (sentence, values)
MEASUREMENTS = {
    "snntorch_lapicque_decay": _lapicque_decay,
    "snntorch_float32_spikes": _float32_spikes,
    "snntorch_leaky_zero_reset": _leaky_zero_reset,
    "snntorch_delayed_reset": _delayed_reset,
    "snntorch_inhibition_reset": _inhibition_reset,
    "spikingjelly_ge_threshold": _ge_threshold,
    "spikingjelly_vreset_leak": _vreset_leak,
    "spikingjelly_izhikevich_vrest": _izhikevich_vrest,
    "norse_lsnn_input_delay": _lsnn_input_delay,
    "norse_adex_encoder": _adex_encoder,
    "norse_lsnn_threshold": _lsnn_threshold,
    "norse_units": _norse_units,
}


def findings(ids=None):
    """Every quirk of :data:`refneuron.quirks.QUIRKS` (or ``ids``), measured where listed."""
    from ..quirks import QUIRKS

    out = []
    for qid, q in QUIRKS.items():
        if ids is not None and qid not in ids:
            continue
        if qid in MEASUREMENTS:
            effect, values = MEASUREMENTS[qid]()
        else:
            effect, values = "not measured here (construction-time, gradient-only or documentation)", {}
        out.append(Finding(qid, q.framework, q.summary, effect, values))
    return out


def findings_markdown(items):
    """The findings section: one subsection per framework, one bullet per quirk."""
    lines = ["## Findings: documented quirks", ""]
    for fw in sorted({f.framework for f in items}):
        lines += [f"### {fw}", ""]
        for f in items:
            if f.framework == fw:
                lines.append(f"- **{f.quirk}**: {f.summary}.  \n  Measured: {f.effect}.")
        lines.append("")
    return "\n".join(lines)
