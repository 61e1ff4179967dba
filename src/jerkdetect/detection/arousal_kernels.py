"""Compiled pieces of the EEG arousal detector, each with a plain NumPy/Python reference."""
from __future__ import annotations

import math

import numpy as np

from ..core.kernel import kernel


# --------------------------------------------------------------------------- per-epoch medians
@kernel
def epoch_medians(v, ep, n_ep):
    """Median of each column of ``v`` (frames x bands) over the frames of each epoch.

    ``ep`` is the (non-decreasing) epoch index of every frame; frames outside 0..n_ep-1 are
    ignored; epochs without frames get NaN.
    """
    n, nb_ = v.shape
    out = np.full((n_ep, nb_), np.nan)
    i = 0
    while i < n:
        e = ep[i]
        j = i
        while j < n and ep[j] == e:
            j += 1
        if 0 <= e < n_ep:
            for b in range(nb_):
                out[e, b] = np.median(v[i:j, b])
        i = j
    return out


def epoch_medians_reference(v: np.ndarray, ep: np.ndarray, n_ep: int) -> np.ndarray:
    out = np.full((n_ep, v.shape[1]), np.nan)
    for e in range(n_ep):
        m = ep == e
        if m.any():
            out[e] = np.median(v[m], axis=0)
    return out


# --------------------------------------------------------------------------- smoothing
@kernel
def smoothed_log_power(logp, w, out):
    """``out[i, b]``: log of the mean of ``exp(logp[j, b])`` over the ``w`` frames centred on ``i``
    (``w // 2`` either side; fewer at the ends): the band power averaged over consecutive windows.

    The same cumulative sums and arithmetic, in the same order, as
    :func:`smoothed_log_power_reference`. ``exp`` and ``log`` are the C library's, as NumPy's are
    for float64 on CPUs without AVX-512 (there the two agree to the last bit; NumPy's AVX-512
    versions may round the last bit differently, the kernel is the same on every machine).
    """
    n, nb_ = logp.shape
    h = w // 2
    c = np.empty((n + 1, nb_))
    for b in range(nb_):
        c[0, b] = 0.0
    for i in range(n):
        for b in range(nb_):
            c[i + 1, b] = c[i, b] + math.exp(logp[i, b])
    for i in range(n):
        lo = max(i - h, 0)
        hi = min(i + h + 1, n)
        d = hi - lo
        for b in range(nb_):
            out[i, b] = math.log((c[hi, b] - c[lo, b]) / d)


def smoothed_log_power_reference(logp: np.ndarray, w: int) -> np.ndarray:
    """NumPy reference of :func:`smoothed_log_power`."""
    c = np.concatenate([np.zeros((1, logp.shape[1])), np.cumsum(np.exp(logp), axis=0)])
    h = w // 2
    i = np.arange(logp.shape[0])
    lo, hi = np.maximum(i - h, 0), np.minimum(i + h + 1, logp.shape[0])
    return np.log((c[hi] - c[lo]) / (hi - lo)[:, None])


# --------------------------------------------------------------------------- candidate events
@kernel
def arousal_candidates(e, trigger_ok, on, off, max_gap):
    """Groups of frames with ``e >= off`` (gaps of at most ``max_gap`` frames bridged) that hold
    at least one frame with ``e >= on`` where ``trigger_ok``; returns first and last frame of each."""
    n = e.shape[0]
    starts = np.empty(n // 2 + 1, np.int64)
    ends = np.empty(n // 2 + 1, np.int64)
    m = 0
    in_grp = False
    trig = False
    start = 0
    last = -1
    for i in range(n):
        if e[i] >= off:
            if not (in_grp and i - last - 1 <= max_gap):
                if in_grp and trig:
                    starts[m] = start
                    ends[m] = last
                    m += 1
                in_grp = True
                trig = False
                start = i
            last = i
            if e[i] >= on and trigger_ok[i]:
                trig = True
    if in_grp and trig:
        starts[m] = start
        ends[m] = last
        m += 1
    return starts[:m], ends[:m]


def arousal_candidates_reference(e, trigger_ok, on, off, max_gap):
    """Runs of ``e >= off``, merged across gaps of <= ``max_gap`` frames, kept when triggered (NumPy)."""
    above = np.asarray(e) >= off
    d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    rs, re_ = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
    groups = []
    for s, t in zip(rs, re_):
        if groups and s - groups[-1][1] - 1 <= max_gap:
            groups[-1][1] = t
        else:
            groups.append([s, t])
    hit = (np.asarray(e) >= on) & np.asarray(trigger_ok, bool)
    keep = [(s, t) for s, t in groups if hit[s:t + 1].any()]
    return (np.array([k[0] for k in keep], np.int64), np.array([k[1] for k in keep], np.int64))


@kernel
def candidate_bands(scaled, ev_edge, starts, ends, band, plateau):
    """Per candidate (frames ``starts[i]..ends[i]``): ``band[i]``, the column of ``scaled`` with
    the largest mean over its frames (the first on a tie, the first NaN if any), and
    ``plateau[i]``, the median of that column of ``ev_edge`` over its inner frames (all of them
    for 3 frames or fewer; NaN if any is NaN). For a C-ordered ``scaled``, the same sums in the
    same order as :func:`candidate_bands_reference` (NumPy adds the rows of a C-ordered array in
    order), and the same medians, zero as +0.0 as NumPy gives it."""
    nb_ = scaled.shape[1]
    means = np.empty(nb_)
    for c in range(starts.shape[0]):
        i0, i1 = starts[c], ends[c]
        for b in range(nb_):
            means[b] = 0.0
        for i in range(i0, i1 + 1):
            for b in range(nb_):
                means[b] += scaled[i, b]
        best = 0
        for b in range(nb_):
            means[b] /= i1 - i0 + 1
            if np.isnan(means[b]):
                best = b
                break
            if means[b] > means[best]:
                best = b
        band[c] = best
        lo, hi = (i0 + 1, i1) if i1 - i0 > 2 else (i0, i1 + 1)
        x = ev_edge[lo:hi, best].copy()
        plateau[c] = np.nan if np.isnan(x).any() else np.median(x) + 0.0  # + 0.0: -0.0 -> 0.0, as NumPy


def candidate_bands_reference(scaled, ev_edge, starts, ends, band, plateau) -> None:
    """NumPy reference of :func:`candidate_bands` (fills ``band`` and ``plateau``)."""
    for c, (i0, i1) in enumerate(zip(starts, ends)):
        band[c] = int(np.argmax(scaled[i0:i1 + 1].mean(axis=0)))
        eb = ev_edge[:, band[c]]
        plateau[c] = np.median(eb[i0 + 1:i1] if i1 - i0 > 2 else eb[i0:i1 + 1])


@kernel
def median_of(x):
    """``np.median`` of a 1-D array, to the last bit (NaN if any value is NaN; zero as +0.0)."""
    if np.isnan(x).any():
        return np.nan
    return np.median(x) + 0.0  # Numba's median may keep a -0.0 that NumPy's mean of the middle turns into 0.0


# --------------------------------------------------------------------------- chin EMG rise
@kernel
def longest_run_above(x, lo, hi, level):
    """Length (samples) of the longest run of ``x[lo:hi] >= level``."""
    best = 0
    run = 0
    for i in range(max(lo, 0), min(hi, x.shape[0])):
        if x[i] >= level:
            run += 1
            if run > best:
                best = run
        else:
            run = 0
    return best


def longest_run_above_reference(x, lo, hi, level) -> int:
    seg = np.asarray(x)[max(lo, 0):hi] >= level
    best = run = 0
    for v in seg:
        run = run + 1 if v else 0
        best = max(best, run)
    return best


# --------------------------------------------------------------------------- edge refinement
@kernel
def variance_change_cost(y, ts, grid, cost):
    """Add to ``cost[g]`` the cost of splitting ``y`` (a zero-mean band-passed stretch sampled at
    the times ``ts``) before the first sample at or after ``grid[g]`` into two stretches of
    constant variance: ``m ln(v1) + (n - m) ln(v2)``, minus twice the Gaussian log-likelihood up
    to a constant, ``m`` clipped to 1..n-1 (maximum-likelihood change point of the variance).

    ``ts`` and ``grid`` are ascending. The same sums, in the same order, as
    :func:`variance_change_cost_reference` (``log``: as in :func:`smoothed_log_power`).
    """
    n = y.shape[0]
    c = np.empty(n + 1)
    c[0] = 0.0
    for i in range(n):
        c[i + 1] = c[i] + y[i] * y[i]
    j = 0
    for g in range(grid.shape[0]):
        while j < n and ts[j] < grid[g]:
            j += 1
        m = min(max(j, 1), n - 1)
        v1 = max(c[m] / m, 1e-30)
        v2 = max((c[n] - c[m]) / (n - m), 1e-30)
        cost[g] += m * math.log(v1) + (n - m) * math.log(v2)


def variance_change_cost_reference(y: np.ndarray, ts: np.ndarray, grid: np.ndarray, cost: np.ndarray) -> None:
    """NumPy reference of :func:`variance_change_cost` (adds to ``cost`` in place)."""
    n = y.size
    c = np.concatenate([[0.0], np.cumsum(y * y)])
    m = np.clip(np.searchsorted(ts, grid), 1, n - 1)
    v1 = np.maximum(c[m] / m, 1e-30)
    v2 = np.maximum((c[n] - c[m]) / (n - m), 1e-30)
    cost += m * np.log(v1) + (n - m) * np.log(v2)
