"""Forward throughput of refneuron's CPU kernels against memory bandwidth and the frameworks.

One command::

    python -m benchmarks.run            # full run, writes benchmarks/RESULTS.md
    python -m benchmarks.run --quick    # small sizes, for development (report in the temp dir)

Measures, in one process and one run (so that ratios are comparable on a
shared, noisy machine):

* the STREAM-like triad ``a = b + s*c`` (24 B per element) compiled with
  Numba ``prange``: the memory bandwidth the kernels are held to; and the same
  triad with streaming stores into ``a``, as the kernels write their float64
  records (the ordinary triad moves 32 B per element, reading ``a``'s lines
  before writing them): the stricter figure;
* forward throughput (neuron-steps/s) of snntorch.Leaky, canonical.Izhikevich
  and canonical.AdEx through the public API ``refneuron.run(...,
  backend="cpu", record="all", spike_dtype="uint8")``, output allocation
  included: with the defaults, without the input scan, with caller ``out=``
  buffers, and with record pooling off (every call page-faults new memory);
* the ratio of each to the triad bandwidth, counting the bytes that must move
  per neuron-step: 8 (input) + 1 (uint8 spike) + 8 per state variable; once
  against the run's best triad reading, once paired (a triad reading just
  before and just after each call, so that a neighbour's load on this shared
  machine moves numerator and denominator together);
* every CPU forward kernel with ``record="all"``, ``"output"`` and
  ``"final"`` (ns per neuron-step);
* the per-element cost of a multiplication, a division and refneuron's
  compiled ``exp`` (one thread, data in L1): the arithmetic floor of the
  AdEx step; and the AdEx step as written, with its divisions as
  multiplications by reciprocals, and without its ``exp``, each in the CPU
  kernel's own code recompiled with only the step swapped;
* the same LIF work on the frameworks (torch CPU, float64, no grad):
  spikingjelly multi-step ``LIFNode``, snntorch ``Leaky`` and norse
  ``LIFBoxCell`` stepped over time, keeping every step's spikes and membrane
  (as ``record="all"``) and keeping only the final state; each call timed
  back to back with refneuron's LIF for a paired ratio;
* forward + backward: ``gradients.vjp(..., backend="cpu")`` against the
  frameworks' torch autograd;
* the first-call compile cost of the LIF forward and backward kernels (fresh cache directory) and the
  load time from the cache, each in a fresh process;
* repeated calls at training sizes (T = 32, N = 1024 .. 65536) in a fresh
  process, as a training loop makes them: microseconds per call and minor
  page faults per call, forward and forward + backward, against a call with
  caller buffers and against a call on a 4 x 16 input (the per-call cost).

Medians of repeats.  Writes ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def median_time(fn, repeats):
    fn()  # warm-up (compilation, first touch of caches)
    gc.collect()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        # results of a run can sit in reference cycles (torch graphs, closures): collect them
        # outside the timed region, or large-N runs exhaust memory
        gc.collect()
    return statistics.median(times)


def interleaved_medians(calls, repeats):
    """Median seconds per call of each callable in ``calls`` (a dict), timed
    in turn within each repeat (after one warm-up call of each), so that a
    neighbour's load on this shared machine falls on all of them alike and
    their ratios compare calls made seconds apart, not minutes."""
    for fn in calls.values():
        fn()
    gc.collect()
    times = {k: [] for k in calls}
    for _ in range(repeats):
        for k, fn in calls.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
            gc.collect()  # outside the timed region, as in median_time
    return {k: statistics.median(v) for k, v in times.items()}


# --- memory bandwidth -------------------------------------------------------------------


def _triad_kernel():
    import numba

    @numba.njit(parallel=True, cache=False)
    def triad(a, b, c, s):
        for i in numba.prange(a.shape[0]):
            a[i] = b[i] + s * c[i]

    return triad


def _triad_streaming_kernel():
    import numba

    from refneuron.backends._stream import fence, put

    @numba.njit(parallel=True, cache=False)
    def triad(a, b, c, s):
        # blocks of 2**16 elements: every block starts on a cache line of the aligned a
        block = 2**16
        for blk in numba.prange((a.shape[0] + block - 1) // block):
            lo = blk * block
            a_b, b_b, c_b = a[lo : lo + block], b[lo : lo + block], c[lo : lo + block]
            for i in range(a_b.shape[0]):
                put(a_b, i, b_b[i] + s * c_b[i], True)
            fence()

    return triad


def triad_streaming_bandwidth(n, repeats):
    """The triad with streaming stores into ``a`` (as the CPU kernels write their
    float64 records): 24 B counted per element, as for the ordinary triad, of which
    the ordinary one moves 32 (it reads ``a``'s lines before writing them)."""
    from refneuron import buffers

    triad = _triad_streaming_kernel()
    b = np.ones(n)
    c = np.full(n, 2.0)
    a = buffers.empty((n,), away_from=b)  # half a page from b and c within a page, as the kernels' records
    a[:] = 0.0
    if n % 8 or a.ctypes.data % 64:
        raise ValueError("triad_streaming_bandwidth: n must be a multiple of 8")
    t = median_time(lambda: triad(a, b, c, 3.0), repeats)
    return 24.0 * n / t


def triad_bandwidth(n, repeats):
    triad = _triad_kernel()
    a = np.zeros(n)
    b = np.ones(n)
    c = np.full(n, 2.0)
    t = median_time(lambda: triad(a, b, c, 3.0), repeats)
    return 24.0 * n / t


def triad_probe(n):
    """A callable returning the triad bandwidth (B/s) right now: the best of
    three consecutive calls on ``n`` elements (arrays kept between calls)."""
    triad = _triad_kernel()
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    triad(a, b, c, 3.0)

    def now():
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            triad(a, b, c, 3.0)
            best = min(best, time.perf_counter() - t)
        return 24.0 * n / best

    return now


def paired_share(fn, nbytes, triad_now, repeats):
    """Median over ``repeats`` of the bandwidth share of one call of ``fn``
    (``nbytes`` / its time) divided by the larger of the triad readings taken
    just before and just after it.  On a shared machine a neighbour's load
    moves both readings together; the larger one keeps the denominator strict."""
    fn()
    gc.collect()
    shares = []
    for _ in range(repeats):
        before = triad_now()
        t = time.perf_counter()
        fn()
        t = time.perf_counter() - t
        after = triad_now()
        shares.append(nbytes / t / max(before, after))
        gc.collect()
    return statistics.median(shares)


def paired_ratio(slow, fast, repeats):
    """``(median time of slow, median over repeats of t(slow) / t(fast))``,
    the two timed back to back in each repeat (after one warm-up call of each)."""
    slow()
    fast()
    gc.collect()
    ts, ratios = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        slow()
        t_slow = time.perf_counter() - t
        gc.collect()
        t = time.perf_counter()
        fast()
        t_fast = time.perf_counter() - t
        gc.collect()
        ts.append(t_slow)
        ratios.append(t_slow / t_fast)
    return statistics.median(ts), statistics.median(ratios)


# --- compute floor of the exponential models ----------------------------------------------


def op_costs(repeats):
    """Nanoseconds per element, one thread, data in L1 (1024 elements swept
    20,000 times), of the operations that decide the exp models' speed: a
    multiplication, a division, and refneuron's compiled ``exp``
    (:mod:`refneuron.backends._fastexp`), each in a loop that LLVM vectorises
    as it does the AdEx kernel's loop over a block (512-bit vectors where the
    CPU has them, :func:`refneuron.backends._vector.wide_vectors`)."""
    import numba

    import refneuron.backends.cpu  # noqa: F401  (registers refneuron._math for Numba)
    from refneuron import _math
    from refneuron.backends._vector import wide_vectors

    @numba.njit(cache=False, error_model="numpy")
    def mul(a, b, c, sweeps):
        wide_vectors()
        for _ in range(sweeps):
            for i in range(a.shape[0]):
                a[i] = b[i] * c[i]

    @numba.njit(cache=False, error_model="numpy")
    def div(a, b, c, sweeps):
        wide_vectors()
        for _ in range(sweeps):
            for i in range(a.shape[0]):
                a[i] = b[i] / c[i]

    @numba.njit(cache=False, error_model="numpy")
    def exp(a, b, c, sweeps):
        wide_vectors()
        for _ in range(sweeps):
            for i in range(a.shape[0]):
                a[i] = _math.exp(b[i])

    n, sweeps = 1024, 20_000
    rng = np.random.default_rng(0)
    a, b, c = np.zeros(n), rng.uniform(-5.0, 5.0, n), rng.uniform(1.0, 2.0, n)
    return {f.__name__: median_time(lambda f=f: f(a, b, c, sweeps), repeats) / (n * sweeps) * 1e9 for f in (mul, div, exp)}


def _adex_without_exp():
    """refneuron's AdEx step (``adex_step``) with ``exp(z)`` replaced by ``z``:
    not a model, a measure of what the rest of the step costs
    (:func:`adex_forms`).  Registered as refneuron registers its steps
    (:func:`refneuron.backends._jit.jitable_cpu`), so that the kernel compiles
    it into its own body as it does ``adex_step``."""
    from numba.extending import register_jitable

    from refneuron import _math

    @register_jitable(error_model="numpy")
    def without_exp(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
        m = _math.indicator(V > V_peak)
        Vc = m * V_peak + (1.0 - m) * V
        V1 = V + dt * ((-g_L * (V - E_L) + g_L * Delta_T * ((Vc - V_T) / Delta_T) - w + i) / C_m)
        w1 = w + dt * ((a * (V - E_L) - w) / tau_w)
        s = _math.indicator(V1 > V_peak)
        return s, s * V_reset + (1.0 - s) * V1, w1 + s * b  # the reset as adex_step writes it

    return without_exp


def _adex_reciprocals():
    """refneuron's AdEx step with its three divisions written as
    multiplications by the divisors' reciprocals (``x * (1/C_m)``; with
    scalar parameters LLVM computes each reciprocal once, outside the loop):
    not refneuron's model (a product by a rounded reciprocal can differ from
    the quotient in the last bit), a measure of what the divisions cost
    (:func:`adex_forms`)."""
    from numba.extending import register_jitable

    from refneuron import _math

    @register_jitable(error_model="numpy")
    def reciprocals(V, w, i, C_m, g_L, E_L, V_T, Delta_T, tau_w, a, b, V_reset, V_peak, dt):
        m = _math.indicator(V > V_peak)
        Vc = m * V_peak + (1.0 - m) * V
        E = _math.exp((Vc - V_T) * (1.0 / Delta_T))
        V1 = V + dt * ((-g_L * (V - E_L) + g_L * Delta_T * E - w + i) * (1.0 / C_m))
        w1 = w + dt * ((a * (V - E_L) - w) * (1.0 / tau_w))
        s = _math.indicator(V1 > V_peak)
        return s, s * V_reset + (1.0 - s) * V1, w1 + s * b  # the reset as adex_step writes it

    return reciprocals


def _adex_form_kernel(step):
    """refneuron's CPU AdEx kernel (:func:`refneuron.backends.cpu.adex`)
    compiled anew from its own code object, with the name ``adex_step`` bound
    to ``step``: the same loops, record stores, finiteness test, block size
    and options as the kernel ``refneuron.run`` calls, by construction, and
    only the step swapped (compiled with the same options, not cached)."""
    import types as pytypes

    import numba

    from refneuron.backends import cpu

    f = cpu.adex.py_func
    fn = pytypes.FunctionType(f.__code__, dict(f.__globals__, adex_step=step), f.__name__, f.__defaults__,
                              f.__closure__)  # fmt: skip
    return numba.njit(**dict(cpu._PAR, cache=False))(fn)


def adex_forms(x, repeats):
    """Nanoseconds per neuron-step of the AdEx forward, each form in refneuron's
    CPU kernel with its step swapped (:func:`_adex_form_kernel`; caller
    buffers, every record kept, uint8 spikes, scalar parameters):
    ``as written`` (refneuron's own ``adex_step``: the CPU kernel itself,
    compiled anew), ``reciprocals`` (:func:`_adex_reciprocals`) and
    ``without exp`` (:func:`_adex_without_exp`); and ``in cache``, refneuron's
    CPU kernel itself on a small input that stays in the last-level cache
    with its records; timed in turn in each repeat (:func:`interleaved_medians`)."""
    import refneuron as rn
    from refneuron import buffers
    from refneuron.backends import cpu
    from refneuron.backends._jit import call_kernel
    from refneuron.models.canonical.adex import adex_step

    m = rn.canonical.AdEx()
    params = tuple(float(getattr(m, k)) for k in ("C_m", "g_L", "E_L", "V_T", "Delta_T", "tau_w", "a", "b", "V_reset",
                                                    "V_peak", "dt"))
    T, N = x.shape
    out, tr_V, tr_w = (buffers.empty((T, N), dt, away_from=x) for dt in (np.uint8, np.float64, np.float64))
    stream, block = cpu.streaming_and_block([tr_V, tr_w], N, None, cpu.FORWARD_MAX_BLOCK)  # as the CPU kernel decides
    calls = {}
    forms = (("as written", adex_step), ("reciprocals", _adex_reciprocals()), ("without exp", _adex_without_exp()))
    for label, step in forms:
        kernel = _adex_form_kernel(step)
        S = np.empty((2, N))
        bad = np.empty((2, N), dtype=np.int64)
        xbad = np.empty((N + block - 1) // block, dtype=np.bool_)

        def call(kernel=kernel, S=S, bad=bad, xbad=xbad):
            S[0], S[1] = m.E_L, m.w0
            bad[:], xbad[:] = -1, False
            call_kernel(kernel, x, S, out, tr_V, tr_w, bad, xbad, np.int64(0), np.int64(block), True, True, stream,
                        *params)  # fmt: skip

        calls[label] = call
    # refneuron's kernel itself on an input small enough that it and its records stay in the last-level cache
    # (12.5 MB; ordinary stores, as the kernel chooses at this size: streaming stores would send the records to
    # memory), called `reps` times per timing: the step's arithmetic without the memory traffic
    Ts, Ns, reps = 64, min(N, 8192), 40
    xs = np.ascontiguousarray(x[:Ts, :Ns])
    outs, tr_Vs, tr_ws = np.empty((Ts, Ns), np.uint8), np.empty((Ts, Ns)), np.empty((Ts, Ns))
    stream_s, block_s = cpu.streaming_and_block([tr_Vs, tr_ws], Ns, None, cpu.FORWARD_MAX_BLOCK)
    Ss, bads = np.empty((2, Ns)), np.empty((2, Ns), dtype=np.int64)
    xbads = np.empty((Ns + block_s - 1) // block_s, dtype=np.bool_)

    def in_cache():
        for _ in range(reps):
            Ss[0], Ss[1] = m.E_L, m.w0
            bads[:], xbads[:] = -1, False
            call_kernel(cpu.adex, xs, Ss, outs, tr_Vs, tr_ws, bads, xbads, np.int64(0), np.int64(block_s), True, True,
                        stream_s, *params)  # fmt: skip

    calls["in cache"] = in_cache
    steps = {label: T * N for label in calls}
    steps["in cache"] = Ts * Ns * reps
    return {label: t / steps[label] * 1e9 for label, t in interleaved_medians(calls, repeats).items()}


# --- refneuron kernels --------------------------------------------------------------------


def models():
    import refneuron as rn

    return {
        "snntorch.Leaky": rn.snntorch.Leaky(beta=0.9),
        "canonical.Izhikevich": rn.canonical.Izhikevich(),
        "canonical.AdEx": rn.canonical.AdEx(),
    }


def inputs(name, T, N, seed=0):
    rng = np.random.default_rng(seed)
    loc, scale = {"snntorch.Leaky": (0.25, 0.6), "canonical.Izhikevich": (12.0, 8.0), "canonical.AdEx": (900.0, 400.0)}[name]
    x = np.empty((T, N))
    for t in range(T):  # row by row: no second T*N temporary
        x[t] = rng.normal(loc, scale, N)
    return x


KINDS = ("default", "unchecked", "out", "fresh")
KIND_TITLE = {"default": "defaults", "unchecked": "check_finite=False", "out": "out= + check_finite=False",
              "fresh": "pool off (fresh pages)"}


def aligned_empty(shape, dtype=np.float64, away_from=None):
    """An uninitialised C-contiguous array whose data start at a multiple of
    :data:`refneuron.buffers.ALIGN` bytes, and half a page from ``away_from``'s
    within a page when given (:func:`refneuron.buffers.empty`), allocated outside
    refneuron's buffer pool (caller buffers for ``out=``)."""
    from refneuron import buffers

    dtype = np.dtype(dtype)
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    page_offset = None if away_from is None else buffers.page_offset_away_from(away_from)
    return buffers._aligned_view(np.empty(n_bytes + buffers.PAGE, dtype=np.uint8), n_bytes, dtype, tuple(shape),
                                 page_offset)  # fmt: skip


def bench_kernel(model, x, repeats, triad_now=None):
    """Seconds per call of ``refneuron.run(..., backend="cpu", record="all",
    spike_dtype="uint8")`` four ways (medians), the bytes per neuron-step, and,
    with ``triad_now`` (:func:`triad_probe`), the defaults' share of the triad
    measured alongside each call (:func:`paired_share`; None without it):

    ``default``: the defaults (records from :mod:`refneuron.buffers`, which a
    call takes over from the previous call's dropped result; ``check_finite=True``,
    tested by the kernel as it reads each input);
    ``unchecked``: the same with ``check_finite=False``; ``out``: caller
    buffers and ``check_finite=False``; ``fresh``: pooling off
    (``buffers.set_max_bytes(0)``), so every call page-faults new records.
    The first three are timed in turn in each repeat (:func:`interleaved_medians`),
    so their ratios are not a neighbour's load; ``fresh`` after them, on its own
    (with the pool off, the pool holds no buffer for the next call with the defaults).
    """
    import refneuron as rn
    from refneuron import buffers

    names = model.State.names()
    kw = dict(backend="cpu", record="all", spike_dtype="uint8")
    # caller buffers, 64-byte aligned and half a page from the input within a page (the kernel streams into them
    # as into its own records, placed the same way: refneuron.buffers, "4 KiB aliasing") and outside the pool:
    # pooled, they would hold pool capacity through the timed calls, and at sizes where the records of two calls
    # exceed the pool's capacity the defaults would then page-fault records that a user's repeated calls reuse
    bufs = {"output": aligned_empty(x.shape, np.uint8, away_from=x), **{n: aligned_empty(x.shape, away_from=x) for n in names}}
    res = interleaved_medians({
        "default": lambda: rn.run(model, x, **kw),
        "unchecked": lambda: rn.run(model, x, check_finite=False, **kw),
        "out": lambda: rn.run(model, x, out=bufs, check_finite=False, **kw),
    }, repeats)  # fmt: skip
    del bufs
    buffers.release()
    cap = buffers.max_bytes()
    buffers.set_max_bytes(0)
    try:
        res["fresh"] = median_time(lambda: rn.run(model, x, **kw), repeats)
    finally:
        buffers.set_max_bytes(cap)
    bytes_per_step = 8 + 1 + 8 * len(names)
    share = None
    if triad_now is not None:
        share = paired_share(lambda: rn.run(model, x, **kw), bytes_per_step * x.size, triad_now, repeats)
    return res, bytes_per_step, share


# --- every kernel, every record mode ------------------------------------------------------


def every_kernel_models():
    """One model per CPU forward kernel, with the input mean and spread that make it spike."""
    import refneuron as rn

    sn, sj, nr, cn = rn.snntorch, rn.spikingjelly, rn.norse, rn.canonical
    return [
        (sn.Leaky(beta=0.9), 0.25, 0.6),
        (sn.Synaptic(alpha=0.8, beta=0.9), 0.05, 0.4),
        (sn.Alpha(alpha=0.9, beta=0.8), 0.3, 0.5),
        (sn.Lapicque(beta=0.9), 1.2, 1.0),
        (sj.LIF(tau=2.0), 0.9, 1.2),
        (sj.IF(), 0.2, 0.7),
        (sj.EIF(), 0.6, 1.0),
        (sj.QIF(), 0.6, 1.0),
        (sj.Izhikevich(), 0.6, 1.0),
        (sj.KLIF(), 0.6, 1.0),
        (sj.ParametricLIF(), 0.6, 1.0),
        (sj.LIAF(), 0.6, 1.0),
        (nr.LIF(), 2.0, 3.0),
        (nr.LIFAdEx(), 2.0, 3.0),
        (nr.LIFAdExCurrentEncoder(), 2.0, 3.0),
        (nr.LSNN(), 2.0, 3.0),
        (cn.Izhikevich(), 12.0, 8.0),
        (cn.AdEx(), 900.0, 400.0),
    ]


RECORD_MODES = ("all", "output", "final")


def bench_record_modes(T, N, repeats):
    """ns per neuron-step of every CPU forward kernel through the public API
    with ``record="all"``, ``"output"`` and ``"final"`` (caller buffers for
    the records that are kept, ``check_finite=False``; uint8 spikes where the
    output is 0/1), the three timed in turn in each repeat.  A mode that keeps
    less should not be slower than ``"all"``."""
    import refneuron as rn
    from refneuron import buffers
    from refneuron.backends import specs

    rows = []
    for model, loc, scale in every_kernel_models():
        rng = np.random.default_rng(0)
        x = rng.normal(loc, scale, (T, N))
        sdt = np.uint8 if specs.binary_output(model) else np.float64
        bufs = {"output": buffers.empty((T, N), sdt, away_from=x),
                **{n: buffers.empty((T, N), away_from=x) for n in model.State.names()}}
        calls = {}
        for mode in RECORD_MODES:
            kept = {k: v for k, v in bufs.items() if mode == "all" or (mode == "output" and k == "output")}
            calls[mode] = (lambda kept=kept, mode=mode: rn.run(
                model, x, backend="cpu", record=mode, spike_dtype=sdt.__name__, out=kept or None,
                check_finite=False))  # fmt: skip
        times = interleaved_medians(calls, repeats)
        rows.append((model.name, specs.spec_for(model).kernel,
                     {m: t / (T * N) * 1e9 for m, t in times.items()}))  # fmt: skip
        del x, bufs, calls
        gc.collect()
    return rows


#: models of :func:`bench_placement`: LIF, and the forward kernels with two or three state traces that the
#: placement of the records was measured to matter for (refneuron.buffers, "4 KiB aliasing")
PLACEMENT_MODELS = ("snntorch.Leaky", "canonical.Izhikevich", "snntorch.Alpha", "norse.LSNN")

#: the two placements of :func:`bench_placement`, in the order timed
PLACEMENTS = ("next line", "half a page")


def bench_placement(T, N, repeats):
    """ns per neuron-step of a forward run through the public API (``record="all"``,
    ``check_finite=False``, caller ``out=`` buffers, uint8 spikes) with the records
    placed two ways against the input (a NumPy array; a large one starts 16 bytes into a page): on the
    first cache line at or after the input's page offset (64 for an input at 16: 48
    bytes ahead, where 64-byte aligned records lay before refneuron placed them) and
    half a page away (``refneuron.buffers.empty(..., away_from=x)``, as refneuron
    places its own records), the two timed in turn in each repeat."""
    import refneuron as rn
    from refneuron import buffers

    models = {m.name: (m, loc, scale) for m, loc, scale in every_kernel_models()}
    rows = []
    for name in PLACEMENT_MODELS:
        model, loc, scale = models[name]
        rng = np.random.default_rng(0)
        x = np.empty((T, N))  # a large NumPy array: 16 bytes into a page
        x[...] = rng.normal(loc, scale, (T, N))
        ahead = -(-(x.ctypes.data % buffers.PAGE) // buffers.ALIGN) * buffers.ALIGN

        def placed(dtype, page_offset):
            n_bytes = T * N * np.dtype(dtype).itemsize
            return buffers._aligned_view(np.empty(n_bytes + buffers.PAGE, dtype=np.uint8), n_bytes, dtype, (T, N),
                                         page_offset)  # fmt: skip

        calls = {}
        for label, off in zip(PLACEMENTS, (ahead, buffers.page_offset_away_from(x))):
            bufs = {"output": placed(np.uint8, off), **{n: placed(np.float64, off) for n in model.State.names()}}
            calls[label] = (lambda bufs=bufs: rn.run(model, x, backend="cpu", record="all", spike_dtype="uint8",
                                                     out=bufs, check_finite=False))  # fmt: skip
        times = interleaved_medians(calls, repeats)
        rows.append((name, x.ctypes.data % buffers.PAGE, ahead, buffers.page_offset_away_from(x),
                     {k: t / (T * N) * 1e9 for k, t in times.items()}))  # fmt: skip
        del x, calls
        gc.collect()
    return rows


# --- frameworks ---------------------------------------------------------------------------


def bench_frameworks(T, N, repeats):
    """Seconds per LIF run of T steps on the frameworks, no grad, float64, two
    ways: ``records`` keeps the spikes and the membrane of every step (the
    work refneuron's ``record="all"`` does: spikingjelly ``store_v_seq``,
    snntorch/norse writing each step into preallocated ``(T, N)`` tensors),
    ``final`` keeps only the last state (less work than refneuron does).

    Returns ``(times, paired)``: the median time of each, and the median over
    repeats of its time divided by that of refneuron's LIF with the defaults
    (``snntorch.Leaky``, ``record="all", spike_dtype="uint8"``) on the same
    inputs, timed right after it (:func:`paired_ratio`)."""
    import torch

    import refneuron as rn

    torch.set_num_threads(int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1)))
    x_np = inputs("snntorch.Leaky", T, N)
    x = torch.as_tensor(x_np)
    ours = rn.snntorch.Leaky(beta=0.9)
    out, paired = {}, {}

    def refneuron_lif():
        rn.run(ours, x_np, backend="cpu", record="all", spike_dtype="uint8")

    def timed(label, fn):
        try:
            out[label], paired[label] = paired_ratio(fn, refneuron_lif, repeats)
        except Exception as exc:  # pragma: no cover - reported, not hidden
            out[label] = f"failed: {exc}"

    try:
        from spikingjelly.activation_based import neuron
    except Exception as exc:  # pragma: no cover
        out["spikingjelly LIFNode (multi-step)"] = f"failed: {exc}"
    else:
        for store in (True, False):
            node = neuron.LIFNode(tau=2.0, step_mode="m", store_v_seq=store).to(torch.float64)

            def sj(node=node):
                node.reset()
                with torch.no_grad():
                    return node(x)

            timed(f"spikingjelly LIFNode (multi-step), {'records' if store else 'final'}", sj)
    try:
        import snntorch
    except Exception as exc:  # pragma: no cover
        out["snntorch Leaky (loop over t)"] = f"failed: {exc}"
    else:
        with torch.no_grad():
            lif = snntorch.Leaky(beta=0.9).to(torch.float64)

        def snn(records):
            mem = torch.zeros(N, dtype=torch.float64)
            if records:
                spk_rec = torch.empty(T, N, dtype=torch.float64)
                mem_rec = torch.empty(T, N, dtype=torch.float64)
            with torch.no_grad():
                for t, xt in enumerate(x.unbind(0)):
                    spk, mem = lif(xt, mem)
                    if records:
                        spk_rec[t] = spk
                        mem_rec[t] = mem

        timed("snntorch Leaky (loop over t), records", lambda: snn(True))
        timed("snntorch Leaky (loop over t), final", lambda: snn(False))
    try:
        import norse.torch as nt
    except Exception as exc:  # pragma: no cover
        out["norse LIFBoxCell (loop over t)"] = f"failed: {exc}"
    else:
        cell = nt.LIFBoxCell()

        def nrs(records):
            s = None
            if records:
                z_rec = torch.empty(T, N, dtype=torch.float64)
                v_rec = torch.empty(T, N, dtype=torch.float64)
            with torch.no_grad():
                for t, xt in enumerate(x.unbind(0)):
                    z, s = cell(xt, s)
                    if records:
                        z_rec[t] = z
                        v_rec[t] = s.v

        timed("norse LIFBoxCell (loop over t), records", lambda: nrs(True))
        timed("norse LIFBoxCell (loop over t), final", lambda: nrs(False))
    return out, paired


# --- forward + backward (BPTT) ----------------------------------------------------------------


def backward_models():
    import refneuron as rn

    return {
        "snntorch.Leaky": rn.snntorch.Leaky(beta=0.9),  # ATan(2) surrogate
        "spikingjelly.LIF": rn.spikingjelly.LIF(tau=2.0),  # Sigmoid(4) surrogate (one exp per step)
        "norse.LIF": rn.norse.LIF(),  # SuperSpike surrogate
        "canonical.Izhikevich": rn.canonical.Izhikevich(),  # snntorch ATan(2) surrogate
        "canonical.AdEx": rn.canonical.AdEx(),  # snntorch ATan(2) surrogate
    }


_INPUT_KIND = {"spikingjelly.LIF": "snntorch.Leaky", "norse.LIF": "snntorch.Leaky"}


def backward_inputs(name, T, N):
    x = inputs(_INPUT_KIND.get(name, name), T, N)
    if name == "norse.LIF":
        x *= 20.0  # norse's dt * tau_mem_inv = 0.1: currents of order 10 to reach v_th = 1
    gy = inputs("snntorch.Leaky", T, N, seed=1)
    return x, gy


def bench_backward(model, x, gy, repeats, triad_now=None):
    """Forward + backward through the public API (``gradients.vjp(..., backend="cpu")``).

    Bytes that must move per neuron-step: forward 8 (read x) + 8 per state (tape)
    + 1 (uint8 spike); backward 8 (x) + 8 per state (tape) + 8 (upstream) + 8
    (input gradient): 33 + 16 per state variable.  With ``triad_now``
    (:func:`triad_probe`), also the defaults' share of the triad measured
    alongside each call (:func:`paired_share`), else None.  The calls with
    ``check_finite=False`` and with the defaults are timed in turn in each
    repeat (:func:`interleaved_medians`).
    """
    from refneuron import gradients

    up = {"output": gy}
    res = interleaved_medians({
        "unchecked": lambda: gradients.vjp(model, x, up, backend="cpu", check_finite=False),
        "default": lambda: gradients.vjp(model, x, up, backend="cpu"),
    }, repeats)  # fmt: skip
    t, t_default = res["unchecked"], res["default"]
    bytes_per_step = 33 + 16 * len(model.State.names())
    share = None
    if triad_now is not None:
        call = lambda: gradients.vjp(model, x, up, backend="cpu")  # noqa: E731
        share = paired_share(call, bytes_per_step * x.size, triad_now, repeats)
    return t, t_default, bytes_per_step, share


def bench_every_backward(T, N, repeats, triad_now):
    """ns per neuron-step of every CPU backward kernel (one model per
    feed-forward kernel, :func:`every_kernel_models`, with its default
    surrogate), forward + backward through ``gradients.vjp(..., backend="cpu",
    check_finite=False)`` with a standard normal upstream gradient on the
    output, the bytes per neuron-step that must move, and the share of the
    triad measured alongside each call (:func:`paired_share`).  Bytes: as in
    :func:`bench_backward`, 33 + 16 per state variable, 7 more where the output
    is analog (float64, not uint8)."""
    from refneuron import gradients
    from refneuron.backends import specs

    rows = []
    for model, loc, scale in every_kernel_models():
        rng = np.random.default_rng(0)
        x = rng.normal(loc, scale, (T, N))
        up = {"output": rng.standard_normal((T, N))}
        call = lambda: gradients.vjp(model, x, up, backend="cpu", check_finite=False)  # noqa: E731
        bps = 33 + 16 * len(model.State.names()) + (0 if specs.binary_output(model) else 7)
        t = median_time(call, repeats)
        share = paired_share(call, bps * T * N, triad_now, repeats)
        rows.append((model.name, specs.spec_for(model).kernel, bps, t / (T * N) * 1e9, share))
        del x, up, call
        gc.collect()
    return rows


def frameworks_backward_in_subprocess(T, N, repeats):
    """:func:`bench_frameworks_backward` in a fresh process: torch autograd over
    T = 1000 steps of 1e5 neurons peaks at ~23 GB resident on its own (measured
    with ``/usr/bin/time -v``), so it gets a process whose memory nothing else
    has used; if it is killed, the report says so instead of losing the run."""
    code = (
        "import json, sys; sys.path.insert(0, %r); from benchmarks.run import bench_frameworks_backward; "
        "print(json.dumps(bench_frameworks_backward(%d, %d, %d)))" % (ROOT, T, N, repeats)
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if p.returncode != 0:
        why = "killed (out of memory?)" if p.returncode < 0 else (p.stderr.strip().splitlines() or ["failed"])[-1]
        return {"torch autograd of the frameworks": f"failed: {why}"}
    import json

    return json.loads(p.stdout.strip().splitlines()[-1])


def bench_frameworks_backward(T, N, repeats):
    """The frameworks' torch autograd on the same work (float64, CPU): forward over
    T steps, then ``backward`` of ``sum(output * upstream)``."""
    import torch

    torch.set_num_threads(int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1)))
    out = {}

    def timed(key, build, kind):
        x_np, gy_np = backward_inputs(kind, T, N)
        gy = torch.as_tensor(gy_np)
        try:
            fwd = build()

            def once():
                x = torch.as_tensor(x_np).requires_grad_(True)
                y = fwd(x)
                (y * gy).sum().backward()

            out[key] = median_time(once, repeats)
        except Exception as exc:  # pragma: no cover - reported, not hidden
            out[key] = f"failed: {type(exc).__name__}: {exc}"

    def sj_lif():
        from spikingjelly.activation_based import neuron, surrogate

        node = neuron.LIFNode(tau=2.0, step_mode="m", surrogate_function=surrogate.Sigmoid()).to(torch.float64)

        def f(x):
            node.reset()
            return node(x)

        return f

    def snn_leaky():
        import snntorch

        lif = snntorch.Leaky(beta=0.9).to(torch.float64)  # atan(2) by default

        def f(x):
            mem = torch.zeros(x.shape[1], dtype=torch.float64)
            ys = []
            for xt in x.unbind(0):  # not x[t]: see the module docstring
                spk, mem = lif(xt, mem)
                ys.append(spk)
            return torch.stack(ys)

        return f

    def _f64(v):
        return torch.tensor(v, dtype=torch.float64)

    def _norse_cell_loop(cell):
        # a cell stepped over x.unbind(0): norse's multi-step modules index x[t] on a
        # tensor that requires grad, which makes autograd allocate a (T, N) tensor per
        # step (measured ~25x slower); the cell loop is what a careful user writes
        def f(x):
            s, zs = None, []
            for xt in x.unbind(0):
                z, s = cell(xt, s)
                zs.append(z)
            return torch.stack(zs)

        return f

    def norse_lif():
        import norse.torch as nt
        from norse.torch.functional.lif import LIFParameters

        # float64 parameters (norse's defaults are float32 0-dim tensors); SuperSpike
        p = LIFParameters(tau_syn_inv=_f64(200.0), tau_mem_inv=_f64(100.0), v_leak=_f64(0.0),
                          v_th=_f64(1.0), v_reset=_f64(0.0), method="super", alpha=_f64(100.0))
        return _norse_cell_loop(nt.LIFCell(p))

    def sj_izh():
        from spikingjelly.activation_based import neuron

        node = neuron.IzhikevichNode(step_mode="m").to(torch.float64)

        def f(x):
            node.reset()
            return node(x)

        return f

    def norse_adex():
        import norse.torch as nt
        from norse.torch.functional.lif_adex import LIFAdExParameters

        p = LIFAdExParameters(adaptation_current=_f64(4.0), adaptation_spike=_f64(0.02), delta_T=_f64(0.5),
                              tau_ada_inv=_f64(2.0), tau_syn_inv=_f64(200.0), tau_mem_inv=_f64(100.0),
                              v_leak=_f64(0.0), v_th=_f64(1.0), v_reset=_f64(0.0), method="super", alpha=100.0)
        return _norse_cell_loop(nt.LIFAdExCell(p))

    timed("spikingjelly LIFNode multi-step, Sigmoid(4)", sj_lif, "spikingjelly.LIF")
    timed("snntorch Leaky (loop over x.unbind(0)), atan(2)", snn_leaky, "snntorch.Leaky")
    timed("norse LIFCell (loop over x.unbind(0)), SuperSpike", norse_lif, "norse.LIF")
    timed("spikingjelly IzhikevichNode multi-step (its own Izhikevich form)", sj_izh, "spikingjelly.LIF")
    timed("norse LIFAdExCell (its own AdEx form, loop over x.unbind(0)), SuperSpike", norse_adex, "norse.LIF")
    return out


# --- compilation ------------------------------------------------------------------------------


COMPILE_SNIPPET = (
    "import time, numpy as np, refneuron as rn\n"
    "m = rn.snntorch.Leaky(beta=0.9); x = np.full((10, 100), 0.3); up = {'output': np.ones((10, 100))}\n"
    "t = time.perf_counter(); rn.run(m, x, backend='cpu'); t1 = time.perf_counter() - t\n"
    "t = time.perf_counter(); rn.run(m, x, backend='cpu'); t2 = time.perf_counter() - t\n"
    "t = time.perf_counter(); rn.gradients.vjp(m, x, up, backend='cpu'); t3 = time.perf_counter() - t\n"
    "t = time.perf_counter(); rn.gradients.vjp(m, x, up, backend='cpu'); t4 = time.perf_counter() - t\n"
    "print(t1, t2, t3, t4)\n"
)


def compile_cost():
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        res = []
        for _ in range(2):  # first: compile into the empty cache; second: load from it
            p = subprocess.run([sys.executable, "-c", COMPILE_SNIPPET], cwd=ROOT, env=env, capture_output=True, text=True)
            if p.returncode != 0:
                return None
            res.append([float(v) for v in p.stdout.split()])
    return res


#: calls timed per size in :func:`small_calls`, after one warm-up call
SMALL_CALL_REPEATS = 40

SMALL_CALLS_SNIPPET = (
    "import json, resource, statistics, sys, time, numpy as np, refneuron as rn\n"
    "reps = int(sys.argv[1]); m = rn.snntorch.Leaky(beta=0.9); rows = []\n"
    "def timed(f):\n"
    "    f(); ts = []; f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
    "    for _ in range(reps):\n"
    "        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)\n"
    "    return statistics.median(ts), (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / reps\n"
    "for T, N in ((4, 16), (32, 1024), (32, 8192), (32, 65536)):\n"
    "    x = np.random.default_rng(0).normal(0.3, 0.5, (T, N)); up = {'output': np.ones((T, N))}\n"
    "    out = {'output': rn.buffers.empty((T, N), np.uint8, away_from=x), 'mem': rn.buffers.empty((T, N), away_from=x)}\n"
    "    fwd = timed(lambda: rn.run(m, x, backend='cpu', spike_dtype='uint8'))\n"
    "    bare = timed(lambda: rn.run(m, x, backend='cpu', spike_dtype='uint8', out=out, check_finite=False))\n"
    "    bwd = timed(lambda: rn.gradients.vjp(m, x, up, backend='cpu'))\n"
    "    rows.append((T, N, fwd, bare, bwd))\n"
    "print(json.dumps(rows))\n"
)


def small_calls(repeats=SMALL_CALL_REPEATS):
    """Repeated calls at training sizes, in a fresh process whose first model
    it is (as a training script makes them): per size ``(T, N, (s, faults)
    per call with the defaults, the same with caller buffers and
    check_finite=False, the same for gradients.vjp)``, medians of ``repeats``
    calls; minor page faults per call from ``getrusage``.  None if it failed."""
    p = subprocess.run([sys.executable, "-c", SMALL_CALLS_SNIPPET, str(repeats)], cwd=ROOT, capture_output=True,
                       text=True)  # fmt: skip
    if p.returncode != 0:
        return None
    import json

    return json.loads(p.stdout.strip().splitlines()[-1])


# --- report -----------------------------------------------------------------------------------------


def versions():
    import numba
    import numpy

    v = {"python": platform.python_version(), "numpy": numpy.__version__, "numba": numba.__version__}
    for mod in ("torch", "snntorch", "spikingjelly", "norse"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:
            try:
                from importlib.metadata import version

                v[mod] = version(mod)
            except Exception:
                v[mod] = "not installed"
    return v


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:  # the CPU LLVM compiles for, and whether it has AVX-512 (the kernels stream only then)
        import llvmlite.binding as llvm

        from refneuron.backends._vector import has_avx512

        wide = "AVX-512" if has_avx512() else "no AVX-512"
        cpu = f"{cpu} (LLVM: {llvm.get_host_cpu_name()}, {wide})"
    except Exception:  # pragma: no cover - llvmlite comes with numba
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return cpu, os.cpu_count(), load


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (development)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--max-bytes", type=float, default=4e9, help="largest input array; larger N get fewer steps")
    ap.add_argument(
        "--output",
        default=None,
        help="where to write the report (default benchmarks/RESULTS.md; with --quick a file in the temp "
        "directory, so that a development run never replaces the recorded results)",
    )
    ap.add_argument("--note", default="", help="a line added to RESULTS.md (e.g. 'machine busy')")
    args = ap.parse_args(argv)
    if args.output is None:
        args.output = (
            os.path.join(tempfile.gettempdir(), "refneuron-benchmark-quick.md") if args.quick
            else os.path.join(HERE, "RESULTS.md")
        )  # fmt: skip

    import numba

    import refneuron  # noqa: F401

    threads = numba.get_num_threads()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    fw_sizes = [10_000] if args.quick else [10_000, 100_000]
    T = 100 if args.quick else args.T
    repeats = 3 if args.quick else args.repeats
    load_before = machine()[2]

    bw = triad_bandwidth(2**23 if args.quick else 2**25, repeats)
    print(f"triad: {bw / 1e9:.1f} GB/s ({threads} threads)", flush=True)
    bw_nt = [triad_streaming_bandwidth(2**23 if args.quick else 2**25, repeats)]
    print(f"triad with streaming stores: {bw_nt[0] / 1e9:.1f} GB/s", flush=True)

    rows = []
    triad_now = triad_probe(2**23 if args.quick else 2**25)
    for name, model in models().items():
        for N in sizes:
            steps = int(min(T, max(1, args.max_bytes // (8 * N))))
            x = inputs(name, steps, N)
            res, bps, share = bench_kernel(model, x, repeats, triad_now)
            ns = steps * N
            rate = {k: ns / v for k, v in res.items()}
            rows.append((name, N, steps, rate, bps, share))
            print(f"{name:22s} N={N:>8d} T={steps:5d}: " + ", ".join(f"{rate[k] / 1e6:7.1f} M/s {k}" for k in KINDS)
                  + f"; unchecked {100 * rate['unchecked'] * bps / bw:5.1f}% of triad; defaults {100 * share:5.1f}% "
                  "of the triad alongside", flush=True)
            del x
    del triad_now

    modes_N, modes_T = (10_000, 100) if args.quick else (50_000, 400)
    # a call takes ~20 ms: another tenant's burst of load can slow two of three repeats of one mode, so
    # this table takes more repeats than the rest (its 54 medians cost ~1 s per repeat)
    modes_repeats = max(repeats, 9)
    modes = (modes_N, modes_T, bench_record_modes(modes_T, modes_N, modes_repeats), modes_repeats)
    for name, kernel, ns in modes[2]:
        print(f"record modes {name:28s} ({kernel}): " + ", ".join(f"{m} {v:.2f} ns" for m, v in ns.items()), flush=True)
    placement = (modes_N, modes_T, bench_placement(modes_T, modes_N, modes_repeats), modes_repeats)
    for name, x_off, _, _, ns in placement[2]:
        print(f"placement {name:28s} (input at {x_off}): " + ", ".join(f"{k} {v:.2f} ns" for k, v in ns.items()),
              flush=True)

    ops = op_costs(repeats)
    print('ns per element, one thread: ' + ', '.join(f'{k} {v:.2f}' for k, v in ops.items()), flush=True)
    forms_N = sizes[1]
    forms = (forms_N, adex_forms(inputs("canonical.AdEx", int(min(T, max(1, args.max_bytes // (8 * forms_N)))), forms_N),
                                 repeats))
    print(f"AdEx forms, N={forms_N}: " + ", ".join(f"{k} {v:.2f} ns" for k, v in forms[1].items()), flush=True)

    fw = {}
    for N in fw_sizes:
        refneuron.buffers.release()  # the frameworks get the memory refneuron's idle records held
        fw[N] = bench_frameworks(T, N, repeats)
        for k, v in fw[N][0].items():
            print(f"{k:34s} N={N:>8d}: {T * N / v / 1e6 if isinstance(v, float) else v} M/s; "
                  f"refneuron LIF faster by {fw[N][1].get(k, float('nan')):.1f}x (paired)", flush=True)

    brows = []
    triad_now = triad_probe(2**23 if args.quick else 2**25)
    for name, model in backward_models().items():
        for N in fw_sizes if args.quick else [10_000, 100_000]:
            steps = int(min(T, max(1, args.max_bytes // (8 * N))))
            x, gy = backward_inputs(name, steps, N)
            t, t_default, bps, share = bench_backward(model, x, gy, max(1, repeats // 2) if N >= 100_000 else repeats,
                                                      triad_now)
            ns = steps * N
            brows.append((name, N, steps, ns / t, bps, ns / t_default, share))
            print(f"fwd+bwd {name:22s} N={N:>8d} T={steps:5d}: {ns / t / 1e6:8.1f} M/s, "
                  f"{100 * ns / t * bps / bw:5.1f}% of triad; defaults {ns / t_default / 1e6:8.1f} M/s, "
                  f"{100 * share:.0f}% of the triad alongside", flush=True)
            del x, gy
    # two passes minutes apart (the second after the frameworks' backward): a neighbour's load that lasts through
    # one pass then shows as a disagreement between them
    every_bwd = [bench_every_backward(modes_T, modes_N, modes_repeats, triad_now)]
    for name, kernel, bps, ns, share in every_bwd[0]:
        print(f"fwd+bwd every kernel, pass 1 {name:28s} ({kernel}): {ns:.2f} ns, {bps} B, {100 * share:.0f}% of the "
              "triad alongside", flush=True)
    bw_mid = triad_bandwidth(2**23 if args.quick else 2**25, repeats)
    print(f"triad (after refneuron's runs): {bw_mid / 1e9:.1f} GB/s", flush=True)
    bfw = {}
    for N in fw_sizes:
        # torch autograd keeps every step's graph: T = 1000 at N = 1e5 peaks at ~23 GB, this machine's
        # whole memory, so the frameworks' backward gets at most 2.5e7 neuron-steps per run
        fsteps = int(min(T, max(1, 25_000_000 // N)))
        bfw[N] = (fsteps, frameworks_backward_in_subprocess(fsteps, N, max(1, repeats // 2)))
        for k, v in bfw[N][1].items():
            print(f"fwd+bwd {k:60s} N={N:>8d} T={fsteps}: {fsteps * N / v / 1e6 if isinstance(v, float) else v} M/s", flush=True)
    every_bwd.append(bench_every_backward(modes_T, modes_N, modes_repeats, triad_now))
    for name, kernel, bps, ns, share in every_bwd[1]:
        print(f"fwd+bwd every kernel, pass 2 {name:28s} ({kernel}): {ns:.2f} ns, {bps} B, {100 * share:.0f}% of the "
              "triad alongside", flush=True)
    every_bwd = (modes_N, modes_T, every_bwd, modes_repeats)
    del triad_now
    bw_end = triad_bandwidth(2**23 if args.quick else 2**25, repeats)
    print(f"triad (end): {bw_end / 1e9:.1f} GB/s", flush=True)
    bw_nt.append(triad_streaming_bandwidth(2**23 if args.quick else 2**25, repeats))
    print(f"triad with streaming stores (end): {bw_nt[-1] / 1e9:.1f} GB/s", flush=True)
    triads = (bw, bw_mid, bw_end)
    bw = max(triads)  # the bandwidth the machine gave at its best in this run: the strictest denominator

    comp = compile_cost()
    small = small_calls()
    load_after = machine()[2]
    write_report(args, bw, threads, rows, fw, T, comp, load_before, load_after, brows, bfw, triads, ops,
                 refneuron.buffers.max_bytes(), forms, modes, bw_nt, every_bwd, small, placement)


def write_report(args, bw, threads, rows, fw, T, comp, load_before, load_after, brows=(), bfw=None, triads=None, ops=None,
                 pool_cap=None, forms=None, modes=None, bw_nt=None, every_bwd=None, small=None, placement=None):
    cpu, ncpu, _ = machine()
    v = versions()
    from refneuron import buffers
    from refneuron.backends import cpu as cpu_kernels

    stream_default = cpu_kernels.STREAM
    lines = ["# Forward throughput of refneuron's CPU kernels", ""]
    lines.append(f"Generated by `python -m benchmarks.run{' --quick' if args.quick else ''}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    lines.append("")
    lines.append(f"- Machine: {cpu}, {ncpu} logical CPUs, {threads} Numba threads; load average before/after: "
                 f"{', '.join(f'{x:.2f}' for x in load_before or ())} / {', '.join(f'{x:.2f}' for x in load_after or ())}")
    lines.append("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    lines.append(f"- Medians of {args.repeats if not args.quick else 3} repeats after a warm-up call; float64 inputs; records: output as uint8 and every state (`record=\"all\", spike_dtype=\"uint8\"`).")
    if args.note:
        lines.append(f"- **Note:** {args.note}")
    lines.append("")
    lines.append(f"## Memory bandwidth\n\nSTREAM-like triad `a = b + s*c` (Numba `prange`, 24 B per element), measured "
                 f"at the start, after refneuron's runs and at the end of this run: "
                 f"{' / '.join(f'{t / 1e9:.1f}' for t in (triads or (bw,)))} GB/s. The percentages below are of the "
                 f"largest, **{bw / 1e9:.1f} GB/s** (the machine is shared: a lower reading is another tenant's load, "
                 "and dividing by it would flatter the kernels).\n")
    if bw_nt:
        lif = [r for r in rows if r[0] == "snntorch.Leaky"]
        best_nt = max(bw_nt)
        lines.append(f"The same triad with streaming stores into `a`, at the start and the end of this run: "
                     f"{' / '.join(f'{t / 1e9:.1f}' for t in bw_nt)} GB/s. "
                     + ("refneuron's CPU kernels write their float64 records with streaming stores on this CPU when "
                        "the records are large and 64-byte aligned (`refneuron/backends/_stream.py`; every record "
                        "refneuron allocates is; the backward's input gradient is not streamed, "
                        "`refneuron/backends/cpu_vjp.py`), and `a` lies half a page from `b` and `c` within a page, "
                        "as the kernels' records lie from the input (`refneuron/buffers.py`, \"4 KiB aliasing\")"
                        if stream_default else
                        "refneuron's CPU kernels do not stream on this CPU (no AVX-512: streaming was measured to "
                        "slow them down on such a CPU, `refneuron/backends/_stream.py`), but the streamed triad is "
                        "the larger figure")
                     + ", and the ordinary triad "
                     "moves 32 B per element for the 24 it counts (it reads `a`'s lines before writing them), so "
                     "this is the stricter denominator. Against its best reading, "
                     f"{best_nt / 1e9:.1f} GB/s, LIF with the defaults reaches "
                     + " / ".join(f"{100 * r[3]['default'] * r[4] / best_nt:.0f} %" for r in lif)
                     + f" at N = {' / '.join(f'{r[1]:.0e}' for r in lif)}.\n")
    lines.append("## refneuron kernels through the public API (`refneuron.run(..., backend=\"cpu\")`)\n")
    lines.append("Bytes per neuron-step that must move: 8 (input) + 1 (spike) + 8 per state variable. Four ways of "
                 "calling, each through the public API with its records allocated by the call unless said: "
                 "**defaults** (records from `refneuron.buffers`: a call reuses the buffers of the previous call's "
                 "dropped result; `check_finite=True`, which the CPU kernels test as they read each input); "
                 "**check_finite=False** (the same without the scan); **out=** (caller buffers, no scan); "
                 "**pool off** (`refneuron.buffers.set_max_bytes(0)`: every call page-faults new records, check on). "
                 "The first three are timed in turn in each repeat, so that a neighbour's load falls on them alike; "
                 "pool off is timed after them.\n")
    lines.append("The last column but one pairs each call with the triad: in every repeat a triad reading (the best of "
                 "three passes) just before and just after one call with the defaults, the call's bytes per second "
                 "divided by the larger reading, median over the repeats. The other percentages divide medians "
                 "measured minutes apart by the run's best triad reading above.\n")
    lines.append("| model | N | T | B/step | " + " | ".join(f"M/s ({KIND_TITLE[k]})" for k in KINDS) + " | "
                 + " | ".join(f"% of triad ({KIND_TITLE[k]})" for k in KINDS)
                 + " | % of the triad alongside (defaults, paired) | ns per neuron-step (check_finite=False) |")
    lines.append("|---|---|---|---|" + "---|" * (2 * len(KINDS) + 2))
    lif_rate = {N: rate for name, N, steps, rate, bps, share in rows if name == "snntorch.Leaky"}
    for name, N, steps, rate, bps, share in rows:
        lines.append(f"| {name} | {N:.0e} | {steps} | {bps} | " + " | ".join(f"{rate[k] / 1e6:.0f}" for k in KINDS) + " | "
                     + " | ".join(f"{100 * rate[k] * bps / bw:.0f} %" for k in KINDS)
                     + (f" | {100 * share:.0f} %" if share is not None else " | -") + f" | {1e9 / rate['unchecked']:.2f} |")
    lines.append("")
    cap = pool_cap if pool_cap is not None else 0
    over = [(name, N, steps) for name, N, steps, rate, bps, share in rows if cap and steps * N * (bps - 8) > cap]
    if over:
        lines.append("Records larger than the buffer pool's capacity (`refneuron.buffers.max_bytes()`, "
                     f"{cap / 2**30:.1f} GiB here) are not kept between calls, so for "
                     + ", ".join(f"{name} at N = {N:.0e} ({steps * N * (bps - 8) / 2**30:.1f} GiB)" for name, N, steps in over)
                     + " the defaults and check_finite=False columns page-fault fresh records on every call, as with "
                     "the pool off; the out= column shows the kernel itself.\n")
    ratio_kinds = ("default", "unchecked", "out")
    lines.append("Time per neuron-step relative to LIF's, each way of calling against LIF called the same way, from "
                 "the medians above (targets: Izhikevich and AdEx within 1.5x). Where a model's records exceed the "
                 "buffer pool (above), its defaults and check_finite=False columns page-fault and LIF's may not: "
                 "the out= column then compares the kernels alone.\n")
    lines.append("| model | N | " + " | ".join(f"time / LIF time ({KIND_TITLE[k]})" for k in ratio_kinds) + " |")
    lines.append("|---|---|" + "---|" * len(ratio_kinds))
    for name, N, steps, rate, bps, share in rows:
        if name != "snntorch.Leaky":
            lines.append(f"| {name} | {N:.0e} | "
                         + " | ".join(f"{lif_rate[N][k] / rate[k]:.2f}" for k in ratio_kinds) + " |")
    lines.append("")
    if not stream_default:
        # ordinary stores read each written line before writing it back: written bytes count twice
        lif_moved, two_state_moved = 8 + 2 * (1 + 8), 8 + 2 * (1 + 16)
        bus = {(name, N): rate["unchecked"] * (lif_moved if name == "snntorch.Leaky" else two_state_moved) / 1e9
               for name, N, steps, rate, bps, share in rows}  # fmt: skip
        sizes = sorted({N for _, N in bus})
        n_mid = sizes[len(sizes) // 2]
        lines.append(
            f"At equal bandwidth the two-state models take {25 / 17:.2f}x LIF's time (25 B against 17). These "
            f"kernels write with ordinary stores on this CPU, which read each line of a record before writing it "
            f"back, so the bytes that cross the memory bus are 8 + 2 x 9 = {lif_moved} for LIF and 8 + 2 x 17 = "
            f"{two_state_moved} for Izhikevich and AdEx: {two_state_moved / lif_moved:.2f}x LIF's time at equal "
            f"bus bandwidth. Counted that way, at N = {n_mid:.0e} (check_finite=False) LIF moves "
            f"{bus[('snntorch.Leaky', n_mid)]:.1f} GB/s and Izhikevich {bus[('canonical.Izhikevich', n_mid)]:.1f} "
            "GB/s: a ratio below that one means the LIF kernel is further from the bus's limit than Izhikevich's, "
            "not that Izhikevich beats the bound.\n"
        )
    if ops:
        floor = ops["exp"] / threads
        lif_best = min(1e9 / r["unchecked"] for r in lif_rate.values())
        lines.append(
            f"What the AdEx step costs in arithmetic alone, on this machine: one thread, data in L1, vectorised as "
            f"in the kernels, a multiplication takes {ops['mul']:.2f} ns per element, a division {ops['div']:.2f} ns "
            f"and refneuron's `exp` {ops['exp']:.2f} ns. The canonical AdEx step takes one `exp`: {floor:.2f} ns per "
            f"neuron-step on {threads} threads before any memory traffic or other arithmetic, against "
            f"{lif_best:.2f} ns for the whole LIF step (its best above); 1.5x LIF would be {1.5 * lif_best:.2f} ns. "
            "Its three divisions (`(V - V_T)/Delta_T`, `/C_m`, `/tau_w`, as the model's equations are written) "
            "run in the divider, beside the multiply-adds of the `exp`; what they cost in the kernel is the "
            "reciprocals row below.\n"
        )
    if forms:
        fN, f = forms
        lif_out = next(1e9 / rate["out"] for name, N, steps, rate, bps, share in rows if name == "snntorch.Leaky" and N == fN)
        adex_out = next(1e9 / rate["out"] for name, N, steps, rate, bps, share in rows if name == "canonical.AdEx" and N == fN)
        lines.append(
            f"The AdEx step as written, with reciprocals and without its exponential, each in refneuron's CPU "
            f"AdEx kernel compiled anew from its own code with only the step swapped (N = {fN:.0e}, caller buffers, "
            f"`benchmarks.run.adex_forms`), against LIF with `out=` ({lif_out:.2f} ns per neuron-step, table "
            "above):\n")
        lines.append("| AdEx step | ns per neuron-step | time / LIF time |")
        lines.append("|---|---|---|")
        lines.append(f"| refneuron's CPU kernel, `out=` (table above) | {adex_out:.2f} | {adex_out / lif_out:.2f} |")
        what = {"as written": "the same kernel compiled anew (refneuron's `adex_step`): a check on the rows below",
                "reciprocals": "the same with its divisions written as multiplications by reciprocals (not "
                               "refneuron's model: it can differ in the last bit; the cost of the divisions)",
                "without exp": "the same with `exp(z)` replaced by `z` (not a model: the cost of the rest of the step)",
                "in cache": "refneuron's CPU kernel on 64 steps of 8192 neurons, input and records (12.5 MB) in the "
                            "last-level cache, ordinary stores: the step without the memory traffic"}
        for k, v in f.items():
            lines.append(f"| {what[k]} | {v:.2f} | {v / lif_out:.2f} |")
        lines.append("")
        lines.append("AdEx moves 25 B per neuron-step against LIF's 17 (1.47x at equal bandwidth). The reciprocals "
                     "and without-exp rows are not models: the first measures what the divisions cost, the second "
                     "the step without its exponential, so its ratio is the part of the 1.5x budget that the memory "
                     "traffic and the rest of the arithmetic already take. The in-cache row is refneuron's kernel "
                     "with (almost) no memory traffic: where it is as slow as the kernel on data streamed from "
                     "memory, the step's arithmetic, not the bandwidth, sets the AdEx kernel's speed. The first "
                     "row is the CPU kernel called through the public API (timed minutes earlier); the others call "
                     "the kernels directly, timed in turn in each repeat of this run's `adex_forms` pass.\n")
    if modes:
        mN, mT, mrows, mrep = modes
        lines.append(f"## Every forward kernel, three record modes (N = {mN:.0e}, T = {mT})\n")
        lines.append("ns per neuron-step through the public API (`check_finite=False`, caller buffers for the records "
                     "that are kept, uint8 spikes where the output is 0/1), the three modes timed in turn in each "
                     f"repeat, medians of {mrep} repeats (a call takes ~20 ms, so a short burst of another tenant's load "
                     "can slow two of three). `\"output\"` keeps the spikes and `\"final\"` only the last state, so neither "
                     "should take longer than `\"all\"`; how each kernel skips the records it does not keep is in "
                     "`refneuron/backends/cpu.py`.\n")
        lines.append("| model | kernel | all | output | final |")
        lines.append("|---|---|---|---|---|")
        for name, kernel, ns in mrows:
            lines.append(f"| {name} | `{kernel}` | " + " | ".join(f"{ns[m]:.2f}" for m in RECORD_MODES) + " |")
        lines.append("")
    if placement:
        pN, pT, prows, prep = placement
        lines.append(f"## Where the records lie against the input (N = {pN:.0e}, T = {pT})\n")
        lines.append("A load whose offset within a 4 KiB page matches a pending store's waits for it (4 KiB aliasing, "
                     "`refneuron/buffers.py`). The input is a NumPy array (a large one starts 16 bytes into a page); the records are caller "
                     "`out=` buffers placed two ways: on the first cache line at or after the input's page offset (48 "
                     "bytes ahead of it, where 64-byte aligned records lay before refneuron placed its own), and half a "
                     "page away (`refneuron.buffers.empty(..., away_from=x)`, where `run` and `gradients.vjp` now place "
                     "theirs). `record=\"all\"`, uint8 spikes, `check_finite=False`, ns per neuron-step, the two timed "
                     f"in turn in each repeat, medians of {prep} repeats.\n")
        lines.append("| model | input's page offset | records at | ns per neuron-step | records at | ns per neuron-step "
                     "| ratio |")
        lines.append("|---|---|---|---|---|---|---|")
        for name, x_off, ahead, away, ns in prows:
            a, h = ns[PLACEMENTS[0]], ns[PLACEMENTS[1]]
            lines.append(f"| {name} | {x_off} | {ahead} | {a:.2f} | {away} | {h:.2f} | {a / h:.2f} |")
        lines.append("")
    lines.append(f"## The same LIF work on the frameworks (torch CPU, float64, T = {T}, no grad)\n")
    lines.append("`records`: spikes and membrane of every step kept, the work refneuron's `record=\"all\"` does; "
                 "`final`: only the last state kept (less work than refneuron does). Ratios: refneuron LIF "
                 "(snntorch.Leaky) per way of calling, same run; and, paired, the median over the repeats of the "
                 "framework's time divided by that of refneuron's LIF with the defaults timed right after it, on the "
                 "same inputs.\n")
    lines.append("| implementation | N | M neuron-steps/s | refneuron LIF is faster by (" + " / ".join(KIND_TITLE[k] for k in KINDS)
                 + ") | refneuron LIF (defaults) is faster by, paired |")
    lines.append("|---|---|---|---|---|")
    for N, (res, paired) in fw.items():
        ours = next(rate for name, n, s_, rate, b, sh in rows if name == "snntorch.Leaky" and n == N)
        for k, t in res.items():
            if isinstance(t, float):
                r = T * N / t
                lines.append(f"| {k} | {N:.0e} | {r / 1e6:.0f} | " + " / ".join(f"{ours[q] / r:.1f}x" for q in KINDS)
                             + f" | {paired[k]:.1f}x |")
            else:
                lines.append(f"| {k} | {N:.0e} | {t} | - | - |")
    lines.append("")
    lines.append("## Forward + backward (BPTT) through the public API (`gradients.vjp(..., backend=\"cpu\")`)\n")
    lines.append("One fused kernel per model: the forward storing the state before each step, then the reverse time "
                 "loop; upstream gradient on the output only; records from `refneuron.buffers` (each call reuses the previous call's dropped tape and outputs); with `check_finite=False` and with the default `check_finite=True` (which the kernels test as they read the inputs and the upstream gradient), the two timed in turn in each repeat. "
                 "Bytes per neuron-step that must move: forward 8 (input) + 8 per state (tape) + 1 (uint8 spike), "
                 "backward 8 (input) + 8 per state (tape) + 8 (upstream) + 8 (input gradient) = 33 + 16 per state. "
                 "(The kernels flag non-finite states, inputs and upstream gradients as they go; `vjp` scans only when a flag is set.)\n")
    lines.append("The last column pairs each call with the triad, as in the forward table: a triad reading just before and "
                 "just after one call with the defaults, the call's bytes per second divided by the larger reading, median "
                 "over the repeats.\n")
    lines.append("| model | surrogate | N | T | B/step | M neuron-steps/s (check_finite=False) | % of triad (check_finite=False) "
                 "| M neuron-steps/s (defaults) | % of triad (defaults) | % of the triad alongside (defaults, paired) |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    sur = {"snntorch.Leaky": "snntorch atan(2)", "spikingjelly.LIF": "spikingjelly Sigmoid(4)",
           "norse.LIF": "norse SuperSpike", "canonical.Izhikevich": "snntorch atan(2)", "canonical.AdEx": "snntorch atan(2)"}
    for name, N, steps, r, bps, r_def, share in brows:
        lines.append(f"| {name} | {sur[name]} | {N:.0e} | {steps} | {bps} | {r / 1e6:.0f} | {100 * r * bps / bw:.0f} % "
                     f"| {r_def / 1e6:.0f} | {100 * r_def * bps / bw:.0f} % | {100 * share:.0f} % |")
    lines.append("")
    if bfw:
        lines.append(f"The frameworks' torch autograd on the same machine in the same run (float64, T = {T} at N = 1e4 and "
                     "250 at N = 1e5, where T = 1000 needs more memory than the machine has (~23 GB resident); forward, "
                     "then `backward` of `sum(output * upstream)`; for Izhikevich and AdEx the frameworks offer only "
                     "their own forms, spikingjelly `IzhikevichNode` and norse `LIFAdExCell`, not the canonical models):\n")
        lines.append("| implementation | N | M neuron-steps/s | refneuron's counterpart is faster by |")
        lines.append("|---|---|---|---|")
        mate = {"spikingjelly LIFNode": "spikingjelly.LIF", "snntorch Leaky": "snntorch.Leaky", "norse LIFCell": "norse.LIF",
                "spikingjelly IzhikevichNode": "canonical.Izhikevich", "norse LIFAdExCell": "canonical.AdEx"}
        for N, (fsteps, res) in bfw.items():
            for k, t in res.items():
                m = next((v for key, v in mate.items() if k.startswith(key)), None)
                ours = next((r for name, n, s_, r, b, r_def, sh in brows if name == m and n == N), None)
                if isinstance(t, float):
                    r = fsteps * N / t
                    lines.append(f"| {k} | {N:.0e} | {r / 1e6:.1f} | {f'{ours / r:.1f}x ({m})' if ours else '-'} |")
                else:
                    lines.append(f"| {k} | {N:.0e} | {t} | - |")
        lines.append("")
    if every_bwd:
        eN, eT, (erows, erows2), erep = every_bwd
        lines.append(f"### Every backward kernel (N = {eN:.0e}, T = {eT})\n")
        lines.append("One model per feed-forward kernel, each with its default surrogate, forward + backward through "
                     "`gradients.vjp(..., backend=\"cpu\", check_finite=False)`, upstream gradient on the output; "
                     f"ns per neuron-step, median of {erep} calls; the bytes per neuron-step as above (33 + 16 per state "
                     "variable, 7 more where the output is analog, float64). Two passes over the kernels, minutes apart "
                     "(after refneuron's backward section, and after the frameworks' backward), so that a neighbour's "
                     "load lasting through one pass shows as a disagreement between them. The percentages: of the "
                     f"run's best triad ({bw / 1e9:.1f} GB/s), and paired, each call's bytes per second divided by the "
                     "larger of the triad readings just before and after it, median over the calls.\n")
        lines.append("| model | kernel | B/step | ns per neuron-step (pass 1 / pass 2) | % of triad (pass 1 / pass 2) "
                     "| % of the triad alongside, paired (pass 1 / pass 2) |")
        lines.append("|---|---|---|---|---|---|")
        for (name, kernel, bps, ns, share), (_, _, _, ns2, share2) in zip(erows, erows2):
            pct = lambda t: 100 * bps / t / (bw / 1e9)  # noqa: E731
            lines.append(f"| {name} | `{kernel}` | {bps} | {ns:.2f} / {ns2:.2f} | {pct(ns):.0f} % / {pct(ns2):.0f} % "
                         f"| {100 * share:.0f} % / {100 * share2:.0f} % |")
        lines.append("")
    lines.append("## Compilation\n")
    if comp:
        lines.append(f"First call of the LIF kernel in a fresh process with an empty Numba cache: **{comp[0][0]:.2f} s** "
                     f"(compiling the parallel forward kernel); second call in that process {comp[0][1] * 1e3:.1f} ms. "
                     f"A new process with that cache: first call {comp[1][0]:.2f} s (loading), second {comp[1][1] * 1e3:.1f} ms. "
                     "The same for the backward kernel (`gradients.vjp`, snntorch.Leaky, upstream on the output), "
                     f"in the same processes: first call **{comp[0][2]:.2f} s** (compiling), second {comp[0][3] * 1e3:.1f} ms; "
                     f"with the cache {comp[1][2]:.2f} s (loading), then {comp[1][3] * 1e3:.1f} ms. "
                     "Each new combination of argument types (scalar vs per-neuron parameters, output dtype) and of "
                     "options (reset, surrogate, records kept, upstream gradients given) compiles once more.")
    else:
        lines.append("(the compile measurement failed)")
    lines.append("")
    lines.append("## Repeated calls at training sizes\n")
    if small:
        lines.append(
            "snntorch.Leaky in a fresh process (kernels loaded from the disk cache), as a training loop calls it: each "
            f"size called once, then {SMALL_CALL_REPEATS} times, medians. `run(..., backend=\"cpu\", spike_dtype=\"uint8\")` with the "
            "defaults (records from `refneuron.buffers`), the same with caller `out=` buffers and "
            "`check_finite=False`, and `gradients.vjp(..., backend=\"cpu\")` with upstream on the output. Minor page "
            "faults per call from `getrusage`: records of at least `refneuron.buffers.MIN_BYTES` "
            f"({buffers.MIN_BYTES // 1024} KiB) are reused from the pool, so repeated calls "
            "should fault none (in a fresh process the C library hands out fresh pages for such records on every "
            "call otherwise). The 4 x 16 row is the cost of a call itself: argument checks, the memory check, "
            "allocation and the kernel launch.\n"
        )
        lines.append("| T | N | `run`: us per call | faults per call | ns per neuron-step | `run` with `out=`, "
                     "`check_finite=False`: us per call | `vjp`: us per call | faults per call | ns per neuron-step |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for T_, N_, (tf, ff), (tb, _), (tv, fv) in small:
            # per neuron-step only where the neuron-steps, not the call, take the time
            per = (lambda t: f"{t / (T_ * N_) * 1e9:.2f}") if T_ * N_ >= 10_000 else (lambda t: "-")  # noqa: E731
            lines.append(f"| {T_} | {N_} | {tf * 1e6:.0f} | {ff:.0f} | {per(tf)} | {tb * 1e6:.0f} | "
                         f"{tv * 1e6:.0f} | {fv:.0f} | {per(tv)} |")
    else:
        lines.append("(the measurement failed)")
    lines.append("")
    with open(args.output, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
