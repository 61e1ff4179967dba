"""Compiled burst-detection kernels, each with a plain NumPy/Python reference beside it.

The references (``*_reference``) are deliberately simple and slow; tests compare the Numba
kernels with them on random and simulated inputs.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.kernel import kernel


# --------------------------------------------------------------------------- envelope
@kernel
def _pool_max(x, i0, i1, pool, absolute, out, k0):
    """``out[k0 + p]`` = maximum of ``x`` (of ``|x|`` when ``absolute``) over the ``p``-th run of
    ``pool`` samples from ``i0``, for every whole run before ``i1``; returns the next slot.

    Eight runs at a time: eight independent running maxima, without a branch per sample.
    """
    npool = (i1 - i0) // pool
    m = np.empty(8, dtype=x.dtype)
    p = 0
    while p < npool:
        lanes = min(8, npool - p)
        base = i0 + p * pool
        for u in range(lanes):
            v = x[base + u * pool]
            m[u] = abs(v) if absolute else v
        for q in range(1, pool):
            for u in range(lanes):
                v = x[base + u * pool + q]
                if absolute:
                    v = abs(v)
                m[u] = v if v > m[u] else m[u]
        for u in range(lanes):
            out[k0 + p + u] = m[u]
        p += lanes
    return k0 + npool


@kernel
def _envelope_advance(x, upto, w, block, pool, rpool, tile, ring, means, maxes, env_pooled, raw_max, raw_min,
                      per_bin, bin_max, st, acc):
    """Move the envelope of :func:`envelope_features` through every whole tile of ``x`` whose
    samples, and the ``w // 2`` after them, lie before ``upto`` (all tiles when ``upto`` reaches
    the end); the running state lives in ``st`` (integers) and ``acc`` (the window's sum and the
    current raw run's largest and smallest sample). ``bin_max`` gets the maximum of each ``per_bin`` pooled envelope
    values as they complete.

    Every sample ``j`` is read once, in order, as it enters the window, and goes into the largest
    and smallest sample of its run of ``rpool`` (the body is cut where a run ends: no test per sample).
    Returns the first sample not yet overwritten by the envelope.
    """
    n = x.shape[0]
    h = w // 2
    mask = ring.shape[0] - 1
    inv_w = 1.0 / w
    n_raw = raw_max.shape[0]
    head, tail, cnt, b, k_raw, k_env, t0, k_bin, rj = st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7], st[8]
    s = acc[0]
    rmax = x.dtype.type(acc[1])  # largest and smallest sample of the current run of rpool (rj of them so far)
    rmin = x.dtype.type(acc[2])
    body_lo = min(h + 1, n)          # [body_lo, body_hi): the window is whole
    body_hi = max(body_lo, n - h)
    while t0 < n:
        t1 = min(t0 + tile, n)
        if upto < n and t1 + h > upto:
            break
        if t0 == 0:  # the first window: samples 0 .. h-1
            for j in range(min(h, n)):
                y = x[j]
                v = abs(y)
                ring[j] = v
                s += v
                cnt += 1
                rmax = y if y > rmax else rmax
                rmin = y if y < rmin else rmin
                rj += 1
                if rj == rpool:
                    if k_raw < n_raw:
                        raw_max[k_raw] = rmax
                        raw_min[k_raw] = rmin
                    k_raw += 1
                    rj = 0
                    rmax = x.dtype.type(-np.inf)
                    rmin = x.dtype.type(np.inf)
            head = min(h, n) & mask
        for b0 in range(t0, t1, block):
            b1 = min(b0 + block, t1)
            acc_b = 0.0
            mx = 0.0
            lo = min(max(b0, body_lo), b1)
            hi = max(min(b1, body_hi), lo)
            for part in range(3):  # [b0, lo) shrinking window, [lo, hi) whole window, [hi, b1) shrinking
                r0, r1 = (b0, lo) if part == 0 else (lo, hi) if part == 1 else (hi, b1)
                if part == 1:
                    i = r0
                    while i < r1:  # steady state, cut where sample i + h ends a raw run
                        seg = min(r1, i + rpool - rj)
                        for k in range(i, seg):
                            y = x[k + h]
                            v = abs(y)
                            s += v - ring[tail]
                            ring[head] = v
                            head = (head + 1) & mask
                            tail = (tail + 1) & mask
                            e = s * inv_w
                            x[k] = e
                            acc_b += e
                            mx = max(mx, e)
                            rmax = y if y > rmax else rmax
                            rmin = y if y < rmin else rmin
                        rj += seg - i
                        if rj == rpool:
                            if k_raw < n_raw:
                                raw_max[k_raw] = rmax
                                raw_min[k_raw] = rmin
                            k_raw += 1
                            rj = 0
                            rmax = x.dtype.type(-np.inf)
                            rmin = x.dtype.type(np.inf)
                        i = seg
                    continue
                for i in range(r0, r1):
                    j = i + h
                    if j < n:
                        y = x[j]
                        v = abs(y)
                        ring[head] = v
                        head = (head + 1) & mask
                        s += v
                        cnt += 1
                        rmax = y if y > rmax else rmax
                        rmin = y if y < rmin else rmin
                        rj += 1
                        if rj == rpool:
                            if k_raw < n_raw:
                                raw_max[k_raw] = rmax
                                raw_min[k_raw] = rmin
                            k_raw += 1
                            rj = 0
                            rmax = x.dtype.type(-np.inf)
                            rmin = x.dtype.type(np.inf)
                    if i - h - 1 >= 0:
                        s -= ring[tail]
                        tail = (tail + 1) & mask
                        cnt -= 1
                    e = s / cnt
                    x[i] = e
                    acc_b += e
                    mx = max(mx, e)
            means[b] = acc_b / (b1 - b0)
            maxes[b] = mx
            b += 1
        k_env = _pool_max(x, t0, t1, pool, False, env_pooled, k_env)
        k_bin = _pool_max(env_pooled, k_bin * per_bin, k_env, per_bin, False, bin_max, k_bin)
        t0 = t1
    st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7], st[8] = head, tail, cnt, b, k_raw, k_env, t0, k_bin, rj
    acc[0] = s
    acc[1] = rmax
    acc[2] = rmin
    return t0


class Envelope:
    """The envelope of one filtered EMG signal, computed in place as the signal becomes ready.

    ``advance(upto)`` overwrites ``x`` with the centred moving mean of ``|x|`` over ``w``
    samples wherever it can be computed from ``x[:upto]``; ``advance(len(x))`` finishes it. The
    result does not depend on how the signal was handed over: the same running sum, tile by tile
    (a whole number of blocks and runs, kept in cache). See :func:`envelope_features`.
    """

    def __init__(self, x: np.ndarray, w: int, block: int, pool: int, rpool: int, per_bin: int = 1):
        n = x.shape[0]
        self.x, self.w, self.block, self.pool, self.rpool, self.per_bin = x, w, block, pool, rpool, per_bin
        size = 1
        while size < w + 1:
            size *= 2
        self.ring = np.zeros(size)  # |x| of the window's samples, sample j at j % size
        self.means = np.zeros((n + block - 1) // block)
        self.maxes = np.zeros(self.means.shape[0], dtype=np.float32)
        self.env_pooled = np.empty(n // pool, dtype=x.dtype)
        self.raw_max = np.empty(n // rpool, dtype=x.dtype)  # largest and smallest sample per run of rpool
        self.raw_min = np.empty(n // rpool, dtype=x.dtype)
        self.bin_max = np.empty(n // pool // per_bin, dtype=x.dtype)  # the envelope's maximum per bin of pools
        tile = math.lcm(block, pool, rpool)
        self.tile = tile * max(1, -(-16384 // tile))  # >= 16384 samples per tile
        # ring head and tail, samples in the window, block, raw slot, envelope slot, next tile, bin slot,
        # samples in the current raw run
        self.state = np.zeros(9, dtype=np.int64)
        self.sum = np.array([0.0, -np.inf, np.inf])  # the window's running sum, the raw run's largest, smallest
        self.done = 0

    def advance(self, upto: int) -> int:
        """Compute what ``x[:upto]`` allows; returns the first sample not yet turned into envelope."""
        self.done = _envelope_advance(self.x, upto, self.w, self.block, self.pool, self.rpool, self.tile, self.ring,
                                      self.means, self.maxes, self.env_pooled, self.raw_max, self.raw_min,
                                      self.per_bin, self.bin_max, self.state, self.sum)
        return self.done

    def result(self):
        """(means, maxes, env_pooled, raw_pooled) once the envelope is finished; ``raw_pooled`` is
        the largest ``|x|`` per run (the signed extremes are ``raw_max``, ``raw_min``)."""
        return self.means, self.maxes, self.env_pooled, np.maximum(self.raw_max, -self.raw_min)


def envelope_features(x: np.ndarray, w: int, block: int, pool: int, rpool: int):
    """The envelope of the filtered EMG ``x`` and its summaries, in one pass over tiles of ``x``.

    ``x`` (float32) is overwritten by the centred moving mean of ``|x|`` over ``w`` samples (the
    first and last ``w // 2`` samples use the shrinking window). Returns ``(means, maxes,
    env_pooled, raw_pooled)``: the mean and the maximum of the envelope in each ``block``
    (a trailing partial block too), the envelope's maximum over each run of ``pool`` samples, and
    ``|x|``'s maximum over each run of ``rpool`` samples taken before ``x`` is overwritten
    (trailing partial runs dropped). The signal is walked in tiles of a whole number of blocks
    and runs (kept in cache): pool ``|x|``, move the window through the tile, pool the envelope.
    :class:`Envelope` does the same while the signal is still being filtered.
    """
    env = Envelope(x, w, block, pool, rpool)
    env.advance(x.shape[0])
    return env.result()


def envelope_features_reference(x: np.ndarray, w: int, block: int, pool: int, rpool: int):
    """NumPy reference of :func:`envelope_features`: (envelope, means, maxes, env_pooled, raw_pooled);
    :func:`raw_extremes_reference` gives the signed extremes :class:`Envelope` keeps as well."""
    x = np.asarray(x, dtype=np.float32)
    env = envelope_reference(x, w)
    starts = np.arange(0, x.size, block)
    means = np.add.reduceat(env, starts) / np.diff(np.append(starts, x.size)) if x.size else np.zeros(0)
    maxes = np.maximum.reduceat(env, starts) if x.size else np.zeros(0)
    env_pooled = env[:x.size // pool * pool].reshape(-1, pool).max(axis=1)
    raw_pooled = np.abs(x[:x.size // rpool * rpool]).reshape(-1, rpool).max(axis=1)
    return env, means, maxes, env_pooled, raw_pooled


def raw_extremes_reference(x: np.ndarray, rpool: int) -> tuple[np.ndarray, np.ndarray]:
    """NumPy reference of :class:`Envelope`'s ``raw_max`` and ``raw_min``: the largest and smallest
    sample of each run of ``rpool`` (a trailing partial run dropped)."""
    r = np.asarray(x[: x.shape[0] // rpool * rpool]).reshape(-1, rpool)
    return r.max(axis=1), r.min(axis=1)


def envelope_reference(x: np.ndarray, w: int) -> np.ndarray:
    """Centred moving mean of |x| with shrinking edges (NumPy)."""
    a = np.abs(np.asarray(x, dtype=np.float64))
    c = np.concatenate([[0.0], np.cumsum(a)])
    h = w // 2
    i = np.arange(a.size)
    lo = np.maximum(i - h, 0)
    hi = np.minimum(i + h + 1, a.size)
    return (c[hi] - c[lo]) / (hi - lo)


# --------------------------------------------------------------------------- baseline
@kernel
def span_extreme(x, lo, hi, lowest):
    """The maximum (the minimum when ``lowest``) of ``x[lo[i]:hi[i]]`` for each span, read in
    place (no copy of ``x``). Spans are clipped to ``x`` and last at least one sample
    (``hi = max(hi, lo + 1)``); a span wholly past the end gives 0. Values are float64. ``x``
    has no NaN here (the samples are cleaned at the edge); the reference would return NaN for a
    span holding one, this loop skips it unless it comes first."""
    n = x.shape[0]
    out = np.zeros(lo.shape[0])
    for i in range(lo.shape[0]):
        a = min(max(lo[i], 0), n)
        b = min(max(hi[i], a + 1), n)
        if b <= a:
            continue
        v = x[a]
        for j in range(a + 1, b):
            if (x[j] < v) if lowest else (x[j] > v):
                v = x[j]
        out[i] = v
    return out


def span_extreme_reference(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, lowest: bool = False) -> np.ndarray:
    """NumPy reference of :func:`span_extreme` (``reduceat`` over [lo, hi) pairs)."""
    x = -x if lowest else x
    lo = np.clip(lo, 0, x.size)
    hi = np.clip(np.maximum(hi, lo + 1), 0, x.size)
    out = np.zeros(lo.size)
    ok = hi > lo
    if ok.any():  # every even entry of the pairs is one span
        idx = np.column_stack([lo[ok], hi[ok]]).ravel()
        out[ok] = np.maximum.reduceat(np.append(x, x.dtype.type(0)), idx)[::2]
    return -out if lowest else out


@kernel
def rolling_quantile_masked(v, valid, half, q):
    """Centred rolling quantile (linear interpolation, as ``np.quantile``) over the valid values
    among 2*half+1; NaN where the window holds no valid value.

    Keeps the window's valid values sorted and updates it by one insertion and one removal per
    step. ``valid`` marks the values that may enter the window (blocks of artefact are left out so
    a flat or saturated stretch never drags the resting level of its neighbours).
    """
    n = v.shape[0]
    out = np.empty(n)
    w = np.empty(2 * half + 1)
    m = 0
    lo_in = 0   # next index to insert
    for i in range(n):
        hi = min(n, i + half + 1)
        while lo_in < hi:  # insert v[lo_in]
            if valid[lo_in]:
                x = v[lo_in]
                k = m
                while k > 0 and w[k - 1] > x:
                    w[k] = w[k - 1]
                    k -= 1
                w[k] = x
                m += 1
            lo_in += 1
        r = i - half - 1
        if r >= 0 and valid[r]:  # remove v[r]
            x = v[r]
            k = 0
            while k < m - 1 and w[k] != x:  # bounded: never reads past the window
                k += 1
            for t in range(k, m - 1):
                w[t] = w[t + 1]
            m -= 1
        if m == 0:
            out[i] = np.nan
            continue
        pos = q * (m - 1)
        f = int(np.floor(pos))
        c = min(f + 1, m - 1)
        out[i] = w[f] + (w[c] - w[f]) * (pos - f)
    return out


def rolling_quantile(v: np.ndarray, half: int, q: float, valid: np.ndarray | None = None) -> np.ndarray:
    """Centred rolling quantile of ``v`` over ``2*half+1`` values (see :func:`rolling_quantile_masked`).

    With ``valid``, masked values are left out; positions whose window holds no valid value take
    the nearest computed value (all NaN only when nothing is valid).
    """
    v = np.ascontiguousarray(v, dtype=np.float64)
    ok = np.ones(v.size, np.bool_) if valid is None else np.ascontiguousarray(valid, dtype=np.bool_)
    out = rolling_quantile_masked(v, ok, half, q)
    if valid is not None:
        out = fill_nearest(out)
    return out


def fill_nearest(x: np.ndarray) -> np.ndarray:
    """Replace NaNs by the nearest finite value (earlier one on ties); all-NaN stays NaN."""
    bad = np.isnan(x)
    if not bad.any() or bad.all():
        return x
    idx = np.flatnonzero(~bad)
    pos = np.searchsorted(idx, np.arange(x.size))
    left = idx[np.clip(pos - 1, 0, idx.size - 1)]
    right = idx[np.clip(pos, 0, idx.size - 1)]
    i = np.arange(x.size)
    pick = np.where(np.abs(i - left) <= np.abs(right - i), left, right)
    return x[pick]


def rolling_quantile_reference(v: np.ndarray, half: int, q: float, valid: np.ndarray | None = None) -> np.ndarray:
    ok = np.ones(len(v), bool) if valid is None else np.asarray(valid, bool)
    out = np.array([np.quantile(v[max(0, i - half): i + half + 1][ok[max(0, i - half): i + half + 1]], q)
                    if ok[max(0, i - half): i + half + 1].any() else np.nan for i in range(len(v))])
    return out if valid is None else fill_nearest(out)


# --------------------------------------------------------------------------- hysteresis
@kernel
def _close(env, base, block, cross, off):
    """Peak of ``env - base`` over [cross, off) and its index."""
    peak = env[cross] - base[cross // block]
    at = cross
    for k in range(cross + 1, off):
        d = env[k] - base[k // block]
        if d > peak:
            peak = d
            at = k
    return peak, at


@kernel
def hysteresis(env, base, block, on_uv, off_uv, quiet, back=0, block_max=None, tol=0, tol_uv=np.inf):
    """Burst onsets/offsets by the AASM amplitude rule with hysteresis.

    Onset: first sample with ``env - base >= on_uv``, moved back over at most ``back`` samples
    while the EMG stays >= ``off_uv`` above rest (the visible start of the rise). Offset: start
    of the first ``quiet``-sample period after the onset during which ``env - base`` stays below
    ``off_uv``, except for at most ``tol`` samples in all that never reach ``tol_uv`` (brief
    spikes of the resting noise or of cardiac bleed); ``tol=0`` is the bare rule. Returns (onset,
    offset, peak above base, peak index, threshold crossing) arrays; the crossing is the rule's
    own onset (AASM 2012 / WASM 2016: "the point at which there is an 8-µV increase"), which the
    duration criteria use; the peak is the largest value from the crossing to the offset. A
    burst still active at the end closes at the last such (shorter) period, or at the end.
    ``block_max`` (per-block maxima of ``env``) lets idle stretches skip blocks that cannot reach
    the onset level; the result is the same.
    """
    n = env.shape[0]
    skip = block_max is not None
    cap = n // max(quiet, 1) + 2
    on = np.empty(cap, np.int64)
    off = np.empty(cap, np.int64)
    pk = np.empty(cap, np.float64)
    pki = np.empty(cap, np.int64)
    crs = np.empty(cap, np.int64)
    m = 0
    active = False
    start = 0
    cross = 0
    n_hi = 0     # samples >= off_uv in the window [i - quiet + 1, i] (after the crossing)
    n_big = 0    # samples >= tol_uv in it
    last_off = 0
    b = 0
    bi = 0
    i = -1
    while i < n - 1:
        i += 1
        if skip and not active and bi == 0 and block_max[b] - base[b] < on_uv:
            i += block - 1  # the whole block stays below the onset level
            b += 1
            continue
        d = env[i] - base[b]
        bi += 1
        if bi == block:
            bi = 0
            b += 1
        if not active:
            if d >= on_uv:
                active = True
                start = i
                cross = i
                lim = max(last_off, i - back)
                while start > lim and env[start - 1] - base[(start - 1) // block] >= off_uv:
                    start -= 1
                n_hi = 0
                n_big = 0
            continue
        if d >= off_uv:
            n_hi += 1
        if d >= tol_uv:
            n_big += 1
        k = i - quiet  # leaves the window
        if k > cross:
            dk = env[k] - base[k // block]
            if dk >= off_uv:
                n_hi -= 1
            if dk >= tol_uv:
                n_big -= 1
        q = k + 1
        if q > cross and n_big == 0 and n_hi <= tol and env[q] - base[q // block] < off_uv:
            on[m] = start
            off[m] = q
            pk[m], pki[m] = _close(env, base, block, cross, q)
            crs[m] = cross
            m += 1
            active = False
            last_off = q
    if active:  # still active at the end: the first quiet sample whose tail qualifies
        e = n
        hi_tail = 0
        big_tail = 0
        for q in range(n - 1, cross, -1):
            dq = env[q] - base[q // block]
            if dq >= off_uv:
                hi_tail += 1
            if dq >= tol_uv:
                big_tail += 1
            if hi_tail > tol or big_tail > 0:
                break
            if dq < off_uv:
                e = q
        on[m] = start
        off[m] = e
        pk[m], pki[m] = _close(env, base, block, cross, max(e, cross + 1))
        crs[m] = cross
        m += 1
    return on[:m], off[:m], pk[:m], pki[:m], crs[:m]


def _window_ok(high: np.ndarray, big: np.ndarray, q: int, quiet: int, tol: int, full: bool = True) -> bool:
    """[q, q + quiet) (or to the end when not ``full``) holds <= ``tol`` high samples, no big one."""
    w = slice(q, q + quiet)
    if full and high[w].size < quiet:
        return False
    return int(high[w].sum()) <= tol and not big[w].any()


def hysteresis_reference(env, base, block, on_uv, off_uv, quiet, back=0, tol=0, tol_uv=np.inf):
    """Same rule as :func:`hysteresis`, written as a plain search: the offset is the first quiet
    sample after the crossing whose ``quiet``-sample window qualifies."""
    d = np.asarray(env, dtype=np.float64) - np.repeat(base, block)[: len(env)]
    high = d >= off_uv
    big = d >= tol_uv
    bursts, i, n = [], 0, len(d)
    last_off = 0
    while i < n:
        if d[i] < on_uv:
            i += 1
            continue
        s = i
        while s > max(last_off, i - back) and high[s - 1]:
            s -= 1
        e = next((q for q in range(i + 1, n) if not high[q] and _window_ok(high, big, q, quiet, tol)), None)
        nxt = (e + quiet) if e is not None else n
        if e is None:  # still active at the end
            e = next((q for q in range(i + 1, n) if not high[q] and _window_ok(high, big, q, n, tol, False)), n)
        seg = d[i:max(e, i + 1)]
        bursts.append((s, e, float(seg.max()), i + int(np.argmax(seg)), i))
        last_off = e
        i = nxt
    arr = np.array(bursts, dtype=np.float64).reshape(-1, 5)
    return (arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2], arr[:, 3].astype(np.int64),
            arr[:, 4].astype(np.int64))


# --------------------------------------------------------------------------- WASM morphology
def morphology_reference(env, base, block, on, off, win, step, min_uv) -> np.ndarray:
    """NumPy reference of :func:`morphology_ok`."""
    d = np.asarray(env, dtype=np.float64) - np.repeat(base, block)[: len(env)]
    out = []
    for s, e in zip(on, off):
        starts = range(s, e - win + 1, step)
        out.append(any(np.median(d[j:j + win]) >= min_uv for j in starts))
    return np.array(out, dtype=bool)


@kernel
def morphology_ok(env, base, block, on, off, win, step, min_uv):
    """WASM 2016 computer-scoring rule: some ``win``-sample stretch inside the burst has median
    (rectified EMG - rest) >= ``min_uv``. Windows are tried every ``step`` samples."""
    out = np.zeros(on.shape[0], dtype=np.bool_)
    for b in range(on.shape[0]):
        s, e = on[b], off[b]
        if e - s < win:
            continue
        j = s
        while j + win <= e:
            seg = env[j:j + win].copy()
            for t in range(win):
                seg[t] -= base[(j + t) // block]
            if np.median(seg) >= min_uv:
                out[b] = True
                break
            j += step
    return out


# --------------------------------------------------------------------------- sustained activity
@kernel
def longest_run(env, base, block, on, off, min_uv):
    """Longest uninterrupted run (samples) of ``env - base >= min_uv`` inside each burst [on, off)."""
    out = np.zeros(on.shape[0], dtype=np.int64)
    for b in range(on.shape[0]):
        best = 0
        run = 0
        for k in range(on[b], off[b]):
            if env[k] - base[k // block] >= min_uv:
                run += 1
                if run > best:
                    best = run
            else:
                run = 0
        out[b] = best
    return out


def longest_run_reference(env, base, block, on, off, min_uv) -> np.ndarray:
    """NumPy reference of :func:`longest_run`."""
    d = np.asarray(env, dtype=np.float64) - np.repeat(base, block)[: len(env)]
    out = []
    for s, e in zip(on, off):
        hi = np.concatenate([[0], (d[s:e] >= min_uv).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(hi))
        out.append(int((edges[1::2] - edges[::2]).max()) if edges.size else 0)
    return np.array(out, dtype=np.int64)


# --------------------------------------------------------------------------- one entry for the bursts
@kernel
def burst_features(env, base, block, on_uv, off_uv, quiet, back, block_max, tol, tol_uv, morph_win, morph_step,
                   morph_uv, sustain_uv):
    """:func:`hysteresis`, then :func:`morphology_ok` and :func:`longest_run` on its bursts, in one
    compiled call (one cache load): (onset, offset, peak, crossing, morphology ok, longest run
    of ``env - base >= sustain_uv`` in samples), all by burst."""
    on, off, pk, _, cross = hysteresis(env, base, block, on_uv, off_uv, quiet, back, block_max, tol, tol_uv)
    morph = morphology_ok(env, base, block, on, off, morph_win, morph_step, morph_uv)
    sustained = longest_run(env, base, block, on, off, sustain_uv)
    return on, off, pk, cross, morph, sustained
