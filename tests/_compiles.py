"""What the test run spent compiling kernels, per test file.

Most of a run on a fresh clone is Numba compiling kernels (each option
combination and argument-type combination of a kernel compiles once, 2-3 s
forward and 3-8 s backward on 2 cores; a cached one loads in well under a
second).  The conftest listens to Numba's ``numba:compile`` events and prints,
at the end of the run, how many compilations each test file triggered and the
seconds they took, so that a test that adds a kernel configuration shows up.

Only the outermost compilation is counted (a kernel's callees compile inside
it).  The seconds are wall-clock: with one worker per core, compilations on
different workers overlap.  Compilations in subprocesses that tests start are
not seen.
"""

from __future__ import annotations

import time

_BY_FILE: dict = {}
_CURRENT = {"file": "(collection)"}


def install():
    """Listen to Numba's compile events in this process (no-op without the event API)."""
    try:
        from numba.core import event
    except ImportError:  # pragma: no cover - numba is a dependency
        return
    starts = []

    class _Listener(event.Listener):
        def on_start(self, ev):
            starts.append(time.perf_counter())

        def on_end(self, ev):
            t0 = starts.pop()
            if not starts:  # outermost: its callees' compilations are inside it
                n, s = _BY_FILE.get(_CURRENT["file"], (0, 0.0))
                # an attempt that Numba aborts to retype with literal option codes takes time, but
                # it adds no compiled version (Event.is_failed reads the other way round in Numba 0.68)
                data = ev.data or {}
                compiled = tuple(data.get("args", ())) in getattr(data.get("dispatcher"), "overloads", {})
                _BY_FILE[_CURRENT["file"]] = (n + compiled, s + time.perf_counter() - t0)

    event.register("numba:compile", _Listener())


def entering(nodeid):
    """Attribute the next compilations to the file of test ``nodeid``."""
    _CURRENT["file"] = nodeid.split("::")[0]


def rows():
    return {k: list(v) for k, v in _BY_FILE.items()}


def merge(rows_):
    """Fold a pytest-xdist worker's rows into this process's."""
    for k, (n, s) in rows_.items():
        n0, s0 = _BY_FILE.get(k, (0, 0.0))
        _BY_FILE[k] = (n0 + int(n), s0 + float(s))


def report(write_line, top=8):
    """Write the files that compiled the most, and the total."""
    if not _BY_FILE:
        write_line("none")
        return
    total_n = sum(n for n, _ in _BY_FILE.values())
    total_s = sum(s for _, s in _BY_FILE.values())
    write_line(f"{total_n} compilations, {total_s:.0f} s (wall-clock, summed over workers)")
    for k, (n, s) in sorted(_BY_FILE.items(), key=lambda kv: -kv[1][1])[:top]:
        write_line(f"  {s:7.1f} s  {n:4d}  {k}")
