r"""Quantitative features of a spike train, as the published-trace checks use them.

All functions take spike times in ms (any increasing 1-D sequence) and are
pure; none simulates.

Definitions
-----------
count in a window
    spikes with ``t0 <= t < t1`` (half-open, so adjacent windows partition).
first-spike latency
    time of the first spike at or after the stimulus onset, minus the onset.
ISIs
    ``diff(spike_times)``.
adaptation index (Naud et al. 2008 style, as the specification defines it)
    :math:`A = \frac{1}{n-k-1}\sum_{j=k}^{n-2} \frac{ISI_{j+1}-ISI_j}{ISI_{j+1}+ISI_j}`,
    the mean over consecutive ISI pairs skipping the first ``k`` ISIs
    (``k = 4`` by default).  Positive: slowing down; negative: speeding up.
bursts
    a burst separator is an ISI longer than ``ratio`` (3 by default) times
    the shorter of its neighbouring ISIs; the spikes between separators form
    one burst (a single spike is a burst of 1).  The rule is relative, so it
    finds both fast bursts (ISI of a few ms between gaps of ~100 ms) and an
    initial burst followed by regular firing, and it does not cut a train
    whose ISIs grow smoothly (adaptation grows by well under 3x per ISI).
    :func:`bursts_by_gap` is the absolute variant (a new burst after an ISI
    above a fixed gap) used by the published tables ("ISI > 10 ms").
ISIs of a burst
    :func:`burst_isis`: with the bursts of :func:`bursts_by_gap`, the ISIs
    between the spikes of each burst (a burst of ``n`` spikes has ``n - 1``).
extrema of a trace
    :func:`extrema`: samples where the first difference changes sign
    (strict; samples with a zero difference are skipped), so minima and
    maxima alternate.
ISI CV
    standard deviation over mean of the ISIs (population std, ``ddof=0``).
rebound spikes
    spikes within a window after the *end* of a hyperpolarising pulse.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "count_in",
    "first_latency",
    "isis",
    "adaptation_index",
    "bursts",
    "bursts_by_gap",
    "isi_cv",
    "rebound_spikes",
    "monotone",
    "burst_isis",
    "extrema",
]


def _times(spike_times):
    return np.asarray(spike_times, dtype=np.float64).reshape(-1)


def count_in(spike_times, t0, t1):
    """Number of spikes with ``t0 <= t < t1``."""
    t = _times(spike_times)
    return int(np.count_nonzero((t >= t0) & (t < t1)))


def first_latency(spike_times, onset=0.0):
    """First spike at or after ``onset`` minus ``onset`` (ms); NaN if none."""
    t = _times(spike_times)
    after = t[t >= onset]
    return float(after[0] - onset) if after.size else float("nan")


def isis(spike_times):
    """Inter-spike intervals (ms)."""
    return np.diff(_times(spike_times))


def adaptation_index(spike_times, skip=4):
    """Mean of ``(ISI[j+1]-ISI[j])/(ISI[j+1]+ISI[j])`` over ``j >= skip``; NaN if no pair."""
    d = isis(spike_times)[skip:]
    if d.size < 2:
        return float("nan")
    return float(np.mean((d[1:] - d[:-1]) / (d[1:] + d[:-1])))


def bursts(spike_times, ratio=3.0):
    """Burst sizes by the relative separator rule (see the module docstring)."""
    t = _times(spike_times)
    if t.size == 0:
        return []
    d = np.diff(t)
    sizes, cur = [], 1
    for j in range(d.size):
        neigh = [d[k] for k in (j - 1, j + 1) if 0 <= k < d.size]
        sep = bool(neigh) and d[j] > ratio * min(neigh)
        if sep:
            sizes.append(cur)
            cur = 1
        else:
            cur += 1
    sizes.append(cur)
    return sizes


def bursts_by_gap(spike_times, gap):
    """Burst sizes with a new burst after every ISI ``> gap`` (ms)."""
    t = _times(spike_times)
    if t.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(t) > gap)
    edges = np.concatenate([[0], cuts + 1, [t.size]])
    return [int(x) for x in np.diff(edges)]


def burst_isis(spike_times, gap):
    """ISIs inside each burst of :func:`bursts_by_gap` (a list of arrays, one per burst)."""
    t = _times(spike_times)
    if t.size == 0:
        return []
    d = np.diff(t)
    cuts = np.flatnonzero(d > gap)
    edges = np.concatenate([[0], cuts + 1, [t.size]])
    return [d[a:b - 1] for a, b in zip(edges[:-1], edges[1:])]


def extrema(values):
    """Indices of the strict local extrema of a sampled trace (sign changes of the difference)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    d = np.diff(v)
    nz = np.flatnonzero(d != 0)
    s = np.sign(d[nz])
    turn = np.flatnonzero(s[1:] != s[:-1])
    # the extremum is the sample after the last difference of the old sign
    return nz[turn] + 1


def isi_cv(spike_times, skip=0):
    """Coefficient of variation of the ISIs after the first ``skip``; NaN if < 2 ISIs."""
    d = isis(spike_times)[skip:]
    if d.size < 2:
        return float("nan")
    return float(np.std(d) / np.mean(d))


def rebound_spikes(spike_times, release, window):
    """Spikes in ``[release, release + window)``: the rebound after a hyperpolarising pulse."""
    return count_in(spike_times, release, release + window)


def monotone(values, direction):
    """True if ``values`` are strictly increasing (``direction=+1``) or decreasing (-1)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        return False
    return bool(np.all(np.diff(v) * direction > 0))
