"""Compiled burst-detection kernels, each with a plain NumPy/Python reference beside it.

The references (``*_reference``) are deliberately simple and slow; tests compare the Numba
kernels with them on random and simulated inputs.
"""
from __future__ import annotations

import numba as nb
import numpy as np


# --------------------------------------------------------------------------- envelope
@nb.njit(cache=True, nogil=True)
def envelope_blocks(x, w, block):
    """Centred moving mean of ``|x|`` over ``w`` samples written into ``x``, plus the mean and the
    maximum of the result in each ``block``, in one pass.

    The steady part of the signal runs a branch-free body (full window, multiply by 1/w); only the
    first and last ``w // 2`` samples use the shrinking window.
    """
    n = x.shape[0]
    h = w // 2
    size = w + 1
    inv_w = 1.0 / w
    ring = np.zeros(size, dtype=np.float64)
    nb_ = (n + block - 1) // block
    means = np.zeros(nb_)
    maxes = np.zeros(nb_, dtype=np.float32)
    s = 0.0
    cnt = 0
    for j in range(min(h, n)):
        v = abs(x[j])
        ring[j] = v
        s += v
        cnt += 1
    head = min(h, n) % size
    tail = 0
    b = 0
    bi = 0
    acc = 0.0
    mx = 0.0
    body_lo = min(h + 1, n)
    body_hi = max(body_lo, n - h)
    for i in range(n):
        if body_lo <= i < body_hi:
            # steady state: the window is full, one sample in, one out
            v = abs(x[i + h])
            s += v - ring[tail]
            ring[head] = v
            head += 1
            if head == size:
                head = 0
            tail += 1
            if tail == size:
                tail = 0
            e = s * inv_w
        else:
            j = i + h
            if j < n:
                v = abs(x[j])
                ring[head] = v
                head += 1
                if head == size:
                    head = 0
                s += v
                cnt += 1
            if i - h - 1 >= 0:
                s -= ring[tail]
                tail += 1
                if tail == size:
                    tail = 0
                cnt -= 1
            e = s / cnt
        x[i] = e
        acc += e
        mx = max(mx, e)
        bi += 1
        if bi == block:
            means[b] = acc / block
            maxes[b] = mx
            acc = 0.0
            mx = 0.0
            bi = 0
            b += 1
    if bi:
        means[b] = acc / bi
        maxes[b] = mx
    return means, maxes


@nb.njit(cache=True, nogil=True)
def max_pool(x, pool, absolute=False):
    """Maximum (of ``|x|`` when ``absolute``) of each run of ``pool`` samples (a trailing partial
    run is dropped)."""
    n = x.shape[0] // pool
    out = np.empty(n, dtype=x.dtype)
    k = 0
    for i in range(n):
        m = abs(x[k]) if absolute else x[k]
        for j in range(1, pool):
            v = abs(x[k + j]) if absolute else x[k + j]
            if v > m:
                m = v
        out[i] = m
        k += pool
    return out


@nb.njit(cache=True, nogil=True)
def minmax_pool(x, pool):
    """Largest and smallest value of each run of ``pool`` samples, in one pass (a trailing partial
    run is dropped). ``max(mx, -mn)`` is the largest ``|x|`` of the run (:func:`max_pool`)."""
    n = x.shape[0] // pool
    mx = np.empty(n, dtype=x.dtype)
    mn = np.empty(n, dtype=x.dtype)
    k = 0
    for i in range(n):
        hi = x[k]
        lo = x[k]
        for j in range(1, pool):
            v = x[k + j]
            if v > hi:
                hi = v
            elif v < lo:
                lo = v
        mx[i] = hi
        mn[i] = lo
        k += pool
    return mx, mn


def minmax_pool_reference(x: np.ndarray, pool: int) -> tuple[np.ndarray, np.ndarray]:
    """NumPy reference of :func:`minmax_pool`."""
    n = x.shape[0] // pool
    r = np.asarray(x[: n * pool]).reshape(n, pool)
    return r.max(axis=1), r.min(axis=1)


def envelope_inplace(x: np.ndarray, w: int) -> np.ndarray:
    """Replace ``x`` by the centred moving mean of ``|x|`` over ``w`` samples (w odd), in place.

    Edges use the samples that exist (shorter window); see :func:`envelope_blocks`.
    """
    envelope_blocks(x, w, max(x.shape[0], 1))
    return x


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
@nb.njit(cache=True, nogil=True)
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
@nb.njit(cache=True, nogil=True)
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


@nb.njit(cache=True, nogil=True)
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


@nb.njit(cache=True, nogil=True)
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
@nb.njit(cache=True, nogil=True)
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
