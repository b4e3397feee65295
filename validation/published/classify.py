"""A documented firing-pattern classifier, so that each label is measured.

:func:`classify` takes spike times and the stimulus window and returns one
of ``"silent"``, ``"transient"``, ``"tonic"``, ``"adapting"``,
``"accelerating"``, ``"initial burst"``, ``"bursting"``, ``"irregular"``,
with the prefix ``"delayed "`` where the first spike comes late.  The rules
are applied in this order (thresholds are module constants):

1. no spike in the window: ``silent``.
2. no spike in the second half of the stimulus window: ``transient``
   (phasic: the cell stops firing although the drive continues).
3. burst separators (:func:`features.bursts`: an ISI more than
   ``BURST_RATIO = 3`` times its shorter neighbour; a smoothly adapting train
   changes by far less than 3x from one ISI to the next):

   * exactly one separator, a first burst of at least 3 spikes and at least
     2 ISIs after it: ``initial burst`` (a run of short ISIs, then a long
     regular run); a lone doublet at onset is not a burst and falls to 4;
   * two or more separators: ``bursting`` if the separator ISIs are regular
     (CV < ``REGULAR_CV = 0.25``) and every burst after the first has the
     same size to within 1 spike; otherwise ``irregular``.
4. otherwise: the trend of the ISIs, ``r = ISI_last / ISI_first``, where
   "first" skips the first ``ONSET_SKIP = 2`` ISIs when at least 5 exist
   (the onset transient; e.g. fast spiking "has no adaptation after the
   first two ISIs"):
   ``adapting`` if ``r > TREND_RATIO = 1.5`` (rate falls by a third or more),
   ``accelerating`` if ``r < 1/1.5``; else ``irregular`` if the ISI CV exceeds
   ``IRREGULAR_CV = 0.3``; else ``tonic``.
5. ``delayed`` prefix: at least 3 spikes and a first-spike latency (from the
   stimulus onset) above ``DELAY_FACTOR = 2`` times the mean ISI of the train
   (``(t_last - t_first)/(n - 1)``): the cell waits longer before its first
   spike than between later ones.

The thresholds are round numbers chosen from the definitions of the patterns
(Naud et al. 2008, Izhikevich 2003), not fitted to the runs; the report
prints the measured quantities behind each label so that a margin can be
judged.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import features as F

BURST_RATIO = 3.0
REGULAR_CV = 0.25
TREND_RATIO = 1.5
IRREGULAR_CV = 0.3
DELAY_FACTOR = 2.0
ONSET_SKIP = 2


@dataclasses.dataclass(frozen=True)
class Label:
    """A label and the measured quantities that decided it."""

    label: str
    measures: dict


def classify(spike_times, onset, offset):
    """Classify the spikes in ``[onset, offset)`` (ms); returns a :class:`Label`."""
    t = np.asarray(spike_times, dtype=np.float64)
    t = t[(t >= onset) & (t < offset)]
    n = t.size
    m = {"n": int(n)}
    if n == 0:
        return Label("silent", m)
    half = onset + 0.5 * (offset - onset)
    m["last_spike"] = float(t[-1])
    if t[-1] < half:
        return Label("transient", m)
    d = np.diff(t)
    sizes = F.bursts(t, BURST_RATIO)
    m["bursts"] = sizes
    seps = _separators(d)
    if len(seps) == 1 and sizes[0] >= 3 and d.size - seps[0] - 1 >= 2:
        base = "initial burst"
    elif len(seps) >= 2:
        gaps = d[seps]
        cv = float(np.std(gaps) / np.mean(gaps))
        m["separator_cv"] = cv
        later = sizes[1:]
        same = max(later) - min(later) <= 1
        base = "bursting" if (cv < REGULAR_CV and same) else "irregular"
    elif d.size >= 2:
        first = d[ONSET_SKIP] if d.size >= 5 else d[0]
        r = float(d[-1] / first)
        cv = float(np.std(d) / np.mean(d))
        m.update(isi_ratio=r, isi_cv=cv)
        if r > TREND_RATIO:
            base = "adapting"
        elif r < 1.0 / TREND_RATIO:
            base = "accelerating"
        elif cv > IRREGULAR_CV:
            base = "irregular"
        else:
            base = "tonic"
    else:
        base = "tonic"
    if n >= 3:
        lat = float(t[0] - onset)
        mean_isi = float((t[-1] - t[0]) / (n - 1))
        m.update(latency=lat, mean_isi=mean_isi)
        if lat > DELAY_FACTOR * mean_isi:
            base = "delayed " + base
    return Label(base, m)


def _separators(d):
    """Indices of the ISIs that separate bursts (relative rule of :func:`features.bursts`)."""
    out = []
    for j in range(d.size):
        neigh = [d[k] for k in (j - 1, j + 1) if 0 <= k < d.size]
        if neigh and d[j] > BURST_RATIO * min(neigh):
            out.append(j)
    return out
