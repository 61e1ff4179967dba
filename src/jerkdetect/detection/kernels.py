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
def max_pool(x, pool):
    """Maximum of each run of ``pool`` samples (a trailing partial run is dropped)."""
    n = x.shape[0] // pool
    out = np.empty(n, dtype=x.dtype)
    k = 0
    for i in range(n):
        m = x[k]
        for j in range(1, pool):
            if x[k + j] > m:
                m = x[k + j]
        out[i] = m
        k += pool
    return out


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
def rolling_quantile(v, half, q):
    """Centred rolling quantile (linear interpolation, as ``np.quantile``) over 2*half+1 values.

    Keeps the window sorted and updates it by one insertion and one removal per step.
    """
    n = v.shape[0]
    out = np.empty(n)
    w = np.empty(2 * half + 1)
    m = 0
    lo_in = 0   # next index to insert
    for i in range(n):
        hi = min(n, i + half + 1)
        while lo_in < hi:  # insert v[lo_in]
            x = v[lo_in]
            k = m
            while k > 0 and w[k - 1] > x:
                w[k] = w[k - 1]
                k -= 1
            w[k] = x
            m += 1
            lo_in += 1
        if i - half - 1 >= 0:  # remove v[i - half - 1]
            x = v[i - half - 1]
            k = 0
            while k < m - 1 and w[k] != x:  # bounded: never reads past the window
                k += 1
            for t in range(k, m - 1):
                w[t] = w[t + 1]
            m -= 1
        pos = q * (m - 1)
        f = int(np.floor(pos))
        c = min(f + 1, m - 1)
        out[i] = w[f] + (w[c] - w[f]) * (pos - f)
    return out


def rolling_quantile_reference(v: np.ndarray, half: int, q: float) -> np.ndarray:
    return np.array([np.quantile(v[max(0, i - half): i + half + 1], q) for i in range(v.size)])


# --------------------------------------------------------------------------- hysteresis
@nb.njit(cache=True, nogil=True)
def hysteresis(env, base, block, on_uv, off_uv, quiet, back=0, block_max=None):
    """Burst onsets/offsets by the AASM amplitude rule with hysteresis.

    Onset: first sample with ``env - base >= on_uv``, moved back over at most ``back`` samples
    while the EMG stays >= ``off_uv`` above rest (the visible start of the rise). Offset: first
    sample of a run of at least ``quiet`` samples with ``env - base < off_uv``. Returns (onset,
    offset, peak above base, peak index) arrays; a burst still active at the end closes there.
    ``block_max`` (per-block maxima of ``env``) lets idle stretches skip blocks that cannot
    reach the onset level; the result is the same.
    """
    n = env.shape[0]
    skip = block_max is not None
    cap = n // max(quiet, 1) + 2
    on = np.empty(cap, np.int64)
    off = np.empty(cap, np.int64)
    pk = np.empty(cap, np.float64)
    pki = np.empty(cap, np.int64)
    m = 0
    active = False
    start = 0
    qs = -1
    peak = 0.0
    peak_i = 0
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
                lim = max(last_off, i - back)
                while start > lim and env[start - 1] - base[(start - 1) // block] >= off_uv:
                    start -= 1
                qs = -1
                peak = d
                peak_i = i
        else:
            if d > peak:
                peak = d
                peak_i = i
            if d < off_uv:
                if qs < 0:
                    qs = i
                if i - qs + 1 >= quiet:
                    on[m] = start
                    off[m] = qs
                    pk[m] = peak
                    pki[m] = peak_i
                    m += 1
                    active = False
                    last_off = qs
            else:
                qs = -1
    if active:
        on[m] = start
        off[m] = qs if qs >= 0 else n
        pk[m] = peak
        pki[m] = peak_i
        m += 1
    return on[:m], off[:m], pk[:m], pki[:m]


def hysteresis_reference(env, base, block, on_uv, off_uv, quiet, back=0):
    """Same rule as :func:`hysteresis`, written as a plain Python loop over samples."""
    d = np.asarray(env, dtype=np.float64) - np.repeat(base, block)[: len(env)]
    bursts, i, n = [], 0, len(d)
    last_off = 0
    while i < n:
        if d[i] >= on_uv:
            s = i
            while s > max(last_off, i - back) and d[s - 1] >= off_uv:
                s -= 1
            j = i + 1
            quiet_start = None
            while j < n:
                if d[j] < off_uv:
                    quiet_start = j if quiet_start is None else quiet_start
                    if j - quiet_start + 1 >= quiet:
                        break
                else:
                    quiet_start = None
                j += 1
            e = quiet_start if quiet_start is not None else n
            seg = d[i: (j + 1 if j < n else n)]
            bursts.append((s, e, float(seg.max()), i + int(np.argmax(seg))))
            last_off = e
            i = j + 1 if j < n else n
        else:
            i += 1
    arr = np.array(bursts, dtype=np.float64).reshape(-1, 4)
    return (arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2], arr[:, 3].astype(np.int64))


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
