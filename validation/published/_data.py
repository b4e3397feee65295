"""The published parameter sets and protocols (``published_params.json``).

The data file is the machine-readable form of the project's specification of
published traces (one entry per pattern).  This module loads it, looks
patterns up by id, samples a protocol on the published time grid, and builds
the canonical refneuron model of a pattern.

Protocol rule (from the data file): ``I(t)`` is the value of the *first*
segment that contains ``t`` (bounds strict unless flagged inclusive), else
the baseline; a ``linear`` segment is ``value_at_ref + slope_per_ms*(t -
ref_time)``.  Time on the grid is ``t_k = k*dt`` computed from integers,
``k = 0 .. round(T/dt)`` inclusive (``T/dt + 1`` updates, as the published
scripts loop over ``0:dt:T``).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np

from refneuron import canonical

DATA_FILE = Path(__file__).with_name("published_params.json")


@functools.lru_cache(maxsize=1)
def _load():
    with open(DATA_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def patterns(prefix=""):
    """Every pattern record (a dict) whose id starts with ``prefix``, in file order."""
    return [p for p in _load()["patterns"] if p["id"].startswith(prefix)]


def pattern(pid):
    """The pattern record with id ``pid`` (``KeyError`` naming the known ids otherwise)."""
    for p in _load()["patterns"]:
        if p["id"] == pid:
            return p
    raise KeyError(f"pattern: unknown id {pid!r}; known: {[p['id'] for p in _load()['patterns']]}")


def value(entry):
    """``entry["value"]`` for a ``{"value", "unit"}`` record, else the entry itself."""
    return entry["value"] if isinstance(entry, dict) and "value" in entry else entry


# -- protocols ----------------------------------------------------------------------------


def _inside(t, seg):
    lo, hi = seg["t_start"], seg["t_end"]
    ok = (t >= lo) if seg.get("start_inclusive") else (t > lo)
    if hi is not None:
        ok = ok & ((t <= hi) if seg.get("end_inclusive") else (t < hi))
    return ok


def _seg_value(t, seg):
    if seg["kind"] == "constant":
        return np.full_like(t, float(seg["value"]))
    if seg["kind"] == "linear":
        return seg["value_at_ref"] + seg["slope_per_ms"] * (t - seg["ref_time"])
    raise ValueError(f"segment kind: unknown {seg['kind']!r}")


def current(p, t):
    """The protocol's current at times ``t`` (array), the first containing segment winning."""
    t = np.asarray(t, dtype=np.float64)
    prot = p["protocol"]
    out = np.full(t.shape, float(prot.get("baseline", 0.0)))
    done = np.zeros(t.shape, dtype=bool)
    for seg in prot["segments"]:
        sel = _inside(t, seg) & ~done
        out = np.where(sel, _seg_value(t, seg), out)
        done |= sel
    return out


def is_ramp_at(p, t):
    """True where the containing segment is a ``linear`` one (a continuous ramp)."""
    t = np.asarray(t, dtype=np.float64)
    ramp = np.zeros(t.shape, dtype=bool)
    done = np.zeros(t.shape, dtype=bool)
    for seg in p["protocol"]["segments"]:
        sel = _inside(t, seg) & ~done
        ramp |= sel & (seg["kind"] == "linear")
        done |= sel
    return ramp


def grid(p):
    """``(t_k, dt)``: the published time grid ``t_k = k*dt``, ``k = 0..round(T/dt)``."""
    dt = float(value(p["dt"]))
    T = float(value(p["duration"]))
    n = int(round(T / dt))
    return np.arange(n + 1) * dt, dt


def n_grid_steps(p):
    return int(round(float(value(p["duration"])) / float(value(p["dt"])))) + 1


# -- models -------------------------------------------------------------------------------


def izhikevich_model(p, *, scheme="figure2004", dt=None):
    """The canonical Izhikevich model of an ``izh*`` pattern (published scheme by default)."""
    prm = {k: float(value(v)) for k, v in p["params"].items()}
    eq = p["equation"]
    p2, p1, p0 = (float(x) for x in eq["v_poly"])
    u_rule = "accommodation" if eq["du_dt"].replace(" ", "") == "a*b*(v+65)" else "standard"
    st = p["initial_state"]
    # u0 = b*v0 is left to the model, which computes it as the scripts do (b*V)
    u0 = None if st.get("u_rule") == "u0 = b*v0" else float(value(st["u"]))
    return canonical.Izhikevich(
        a=prm["a"], b=prm["b"], c=prm["c"], d=prm["d"],
        v_peak=float(value(eq["v_peak"])),
        dt=float(value(p["dt"])) if dt is None else dt,
        p2=p2, p1=p1, p0=p0, scheme=scheme, u_rule=u_rule,
        v0=float(value(st["v"])), u0=u0,
    )


def adex_model(p, *, dt=None, V_peak=None):
    """The canonical AdEx model of an AdEx pattern (forward Euler; the data file's cut)."""
    prm = {k: float(value(v)) for k, v in p["params"].items()}
    st = p["initial_state"]
    return canonical.AdEx(
        C_m=prm["C"], g_L=prm["g_L"], E_L=prm["E_L"], V_T=prm["V_T"], Delta_T=prm["Delta_T"],
        tau_w=prm["tau_w"], a=prm["a"], b=prm["b"], V_reset=prm["V_r"],
        V_peak=prm["V_peak"] if V_peak is None else V_peak,
        dt=float(value(p["dt"])) if dt is None else dt,
        V0=float(value(st["V"])), w0=float(value(st["w"])),
    )


def isclose_grid(t, dt):
    """True if ``t`` is (to round-off) a point of the grid ``k*dt``."""
    k = round(t / dt)
    return math.isclose(k * dt, t, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(t)))
