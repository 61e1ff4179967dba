"""Compiled kernels of the motor rules (fragmentary myoclonus, REM activity, ALMA, HFT, RAI), each
with a plain NumPy/Python reference beside it that the tests compare it with.

All of them read the EMG envelope that burst detection already keeps (the 50-ms moving mean of
the rectified, band-passed EMG, max-pooled to about 100 Hz; see
:func:`jerkdetect.detection.detect_channel`), so no signal is filtered twice.
"""
from __future__ import annotations

import numpy as np

from ..core.kernel import kernel
from ..core.selection import select_kth


# --------------------------------------------------------------------------- threshold runs
@kernel
def _unit_start(u, unit_len):
    """First sample j with int(j / unit_len) == u (the same arithmetic as the level lookup)."""
    j = int(np.ceil(u * unit_len))
    while j > 0 and int((j - 1) / unit_len) >= u:
        j -= 1
    while int(j / unit_len) < u:
        j += 1
    return j


@kernel
def _above_edges(env, ref, unit_len, mul, add, lo, n):
    """Starts and ends of the runs of ``env >= ref * mul + add`` in env[lo:n]; a unit whose
    maximum stays below its level is skipped in one vectorisable pass."""
    nref = ref.shape[0]
    cap = max((n - lo) // 2 + 1, 1)
    st = np.empty(cap, np.int64)
    en = np.empty(cap, np.int64)
    m = 0
    inside = False
    u = min(int(lo / unit_len), nref - 1)
    while True:
        j0 = max(lo, _unit_start(u, unit_len))
        j1 = n if u == nref - 1 else min(n, _unit_start(u + 1, unit_len))
        if j0 >= n:
            break
        level = ref[u] * mul + add
        skip = False
        if j1 > j0:
            mx = env[j0]
            for j in range(j0 + 1, j1):
                mx = max(mx, env[j])
            skip = not (mx >= level)
        if skip:
            if inside:
                en[m] = j0
                m += 1
                inside = False
        else:
            for j in range(j0, j1):
                a = env[j] >= level
                if a != inside:
                    if a:
                        st[m] = j
                    else:
                        en[m] = j
                        m += 1
                    inside = a
        if j1 >= n:
            break
        u += 1
    if inside:
        en[m] = n
        m += 1
    return st[:m].copy(), en[:m].copy()


@kernel
def threshold_runs(env, ref, unit_len, mul, add, bridge, lo, hi, frac=0.5, height_q=1.0):
    """Runs of ``env[j] >= ref[u] * mul + add`` in ``env[lo:hi]``, ``u = int(j / unit_len)``.

    ``ref`` is a reference level per unit of ``unit_len`` envelope samples (the resting level of
    each 1-s block, or the background of each 30-s epoch). Runs separated by at most ``bridge``
    samples below the level are merged. For each run the kernel also returns its peak and its
    extent at ``frac`` of its height: the first and last sample at or above
    ``h = max(level, r + frac * (height - r))``, ``r`` being the reference at the peak, and ``h``.
    The height is the run's peak (``height_q`` = 1) or the ``height_q`` quantile of its samples
    (the level a burst holds, less sensitive to one spike of the envelope).
    (A rectangular burst of ``d`` s seen through a moving mean of ``w`` s is ``d + w (1 - 2 f)``
    wide at the fraction ``f`` of its height: see :func:`burst_extent`.)

    Returns
    -------
    start, end, peak, peak_at, edge_start, edge_end, edge_level : arrays
        Sample indices (``end`` and ``edge_end`` exclusive), the peak value and ``h``.
    """
    n = min(hi, env.shape[0])
    lo = max(lo, 0)
    nref = ref.shape[0]
    st, en = _above_edges(env, ref, unit_len, mul, add, lo, n)
    m = st.shape[0]
    if bridge > 0 and m > 1:  # merge runs separated by short gaps
        k = 0
        for q in range(1, m):
            if st[q] - en[k] <= bridge:
                en[k] = en[q]
            else:
                k += 1
                st[k] = st[q]
                en[k] = en[q]
        m = k + 1
        st, en = st[:m], en[:m]
    peak = np.empty(m, np.float64)
    at = np.empty(m, np.int64)
    hs = np.empty(m, np.int64)
    he = np.empty(m, np.int64)
    hl = np.empty(m, np.float64)
    longest = 0
    if height_q < 1.0:
        for k in range(m):
            longest = max(longest, en[k] - st[k])
    scratch = np.empty(longest, np.float64)  # each run's samples, for its height quantile
    for k in range(m):
        best = -np.inf
        bi = st[k]
        for q in range(st[k], en[k]):
            if env[q] > best:
                best = env[q]
                bi = q
        peak[k] = best
        at[k] = bi
        r = ref[min(int(bi / unit_len), nref - 1)]
        height = best
        if height_q < 1.0:
            length = en[k] - st[k]
            for q in range(length):
                scratch[q] = env[st[k] + q]
            height = _quantile_in_place(scratch, length, height_q)
        h = max(r * mul + add, r + (height - r) * frac)
        hl[k] = h
        a = bi
        for q in range(st[k], bi):  # the first sample of the run at or above h
            if env[q] >= h:
                a = q
                break
        b = bi + 1
        for q in range(en[k] - 1, bi, -1):  # the last one
            if env[q] >= h:
                b = q + 1
                break
        hs[k] = a
        he[k] = b
    return st[:m], en[:m], peak, at, hs, he, hl


def threshold_runs_reference(env, ref, unit_len, mul, add, bridge, lo, hi, frac=0.5, height_q=1.0):
    """NumPy reference of :func:`threshold_runs`."""
    env = np.asarray(env, dtype=np.float64)
    hi = min(hi, env.size)
    lo = max(lo, 0)
    j = np.arange(lo, hi)
    u = np.minimum((j / unit_len).astype(np.int64), len(ref) - 1)
    level = np.asarray(ref, dtype=np.float64)[u] * mul + add
    above = env[lo:hi] >= level
    d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    s, e = list(np.flatnonzero(d == 1) + lo), list(np.flatnonzero(d == -1) + lo)
    runs: list[list[int]] = []
    for a, b in zip(s, e):
        if runs and a - runs[-1][1] <= bridge:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    out = []
    for a, b in runs:
        seg = env[a:b]
        at = a + int(np.argmax(seg))
        pk = float(env[at])
        r = float(ref[min(int(at / unit_len), len(ref) - 1)])
        height = pk if height_q >= 1.0 else float(np.quantile(seg, height_q))
        h = max(r * mul + add, r + (height - r) * frac)
        ok = np.flatnonzero(seg >= h) + a
        out.append((a, b, pk, at, int(ok[0]), int(ok[-1]) + 1, h))
    arr = np.array(out, dtype=np.float64).reshape(-1, 7)
    i = lambda c: arr[:, c].astype(np.int64)  # noqa: E731
    return i(0), i(1), arr[:, 2], i(3), i(4), i(5), arr[:, 6]


def burst_extent(edge_start, edge_end, edge_level, peak, ref, fs: float, window_s: float, pooled: bool = False):
    """Onset, offset and duration (s) of bursts measured on an envelope (a moving mean of
    ``window_s``) at ``edge_level``.

    A rectangular burst of ``d`` >= ``window_s`` seen through the moving mean is
    ``d + window_s (1 - 2 f)`` wide at the fraction ``f`` of its height above ``ref``; below half
    the height the edges are moved inward by that excess. Above half the height nothing is
    added back: a burst shorter than the window never reads longer than its extent at that
    level, and a weak long burst reads at most ``window_s`` short. ``pooled``: the envelope is
    max-pooled (each sample the largest of its pool, as detection keeps it), which moves a
    rising edge half a sample early and a falling one half a sample late on average; each edge
    moves back by half a sample.

    Examples
    --------
    >>> on, off, d = burst_extent(np.array([95]), np.array([125]), np.array([3.25]), np.array([10.0]),
    ...                           np.array([1.0]), 100.0, 0.1)
    >>> on.round(3).tolist(), d.round(3).tolist()
    ([0.975], [0.25])
    """
    f = np.clip((np.asarray(edge_level) - ref) / np.maximum(np.asarray(peak) - ref, 1e-12), 0.0, 1.0)
    shift = window_s * np.maximum(1.0 - 2.0 * f, 0.0) / 2.0 + (0.5 / fs if pooled else 0.0)
    on = np.asarray(edge_start) / fs + shift
    off = np.asarray(edge_end) / fs - shift
    return on, off, off - on


# --------------------------------------------------------------------------- epoch rows
@kernel
def epoch_rows(env, first, ne, w, sep, keep, q, stride=1):
    """The envelope of each epoch as a row, smoothed, and each row's background.

    Row ``e`` holds ``env[first[e]:first[e] + ne]`` smoothed by a centred moving mean of ``w``
    samples that shrinks at the row's ends, then ``sep`` separator samples of -1 (so runs found
    on the flattened rows never join two epochs); samples outside the recording are -1 too.
    ``bg[e]`` is the ``q`` quantile of every ``stride``-th of the row's samples where ``keep``
    (epochs x ``ne``) is True and which lie inside the recording; NaN when fewer than half the
    row lies inside or none is kept. Returns (rows, bg).
    """
    n = env.shape[0]
    n_ep = first.shape[0]
    y = np.empty((n_ep, ne + sep))
    bg = np.full(n_ep, np.nan)
    buf = np.empty(ne)
    c = np.empty(ne + 1)
    w = max(w, 1)
    h = w // 2
    inv_w = 1.0 / w
    for e in range(n_ep):
        row = y[e]
        krow = keep[e]
        a = first[e]
        lo = max(a, 0)
        hi = min(a + ne, n)
        row[:] = -1.0
        if hi - lo < 0.5 * ne:
            continue
        k = hi - lo
        acc = 0.0
        c[0] = 0.0
        for i in range(k):  # prefix sums of the row
            acc += env[lo + i]
            c[i + 1] = acc
        off = lo - a
        # interior: the full window; ends: the window shrinks to the row
        body_lo = min(h, k)
        body_hi = max(body_lo, k - (w - h) + 1)
        for i in range(body_lo):
            wh = min(i - h + w, k)
            row[off + i] = c[wh] / wh
        for i in range(body_lo, body_hi):
            row[off + i] = (c[i - h + w] - c[i - h]) * inv_w
        for i in range(body_hi, k):
            wl = max(i - h, 0)
            row[off + i] = (c[k] - c[wl]) / (k - wl)
        m = 0
        for i in range(0, k, stride):  # the background from every stride-th kept sample
            if krow[off + i]:
                buf[m] = row[off + i]
                m += 1
        if m:
            bg[e] = _quantile_in_place(buf, m, q)
    return y, bg


@kernel
def _quantile(v, q):
    """``np.quantile(v, q)`` (linear interpolation) by partial sorting."""
    pos = q * (v.shape[0] - 1)
    k = int(np.floor(pos))
    part = np.partition(v, k)
    lo = part[k]
    if pos == k or k + 1 >= v.shape[0]:
        return lo
    hi = part[k + 1:].min()
    return lo + (hi - lo) * (pos - k)


@kernel
def _quantile_in_place(v, n, q):
    """:func:`_quantile` of ``v[:n]``, the same value, found by selection in place (``v[:n]`` is
    reordered; no copy: :func:`~jerkdetect.core.selection.select_kth`). A stretch holding NaN
    goes to :func:`_quantile` (NumPy's partition puts NaN last). Where both 0.0 and -0.0 occur
    the sign of a zero result may differ; the envelopes this reads are never negative."""
    for i in range(n):
        if np.isnan(v[i]):
            return _quantile(v[:n].copy(), q)
    pos = q * (n - 1)
    k = int(np.floor(pos))
    select_kth(v, n, k)  # v[k] the k-th smallest, none smaller after it
    lo = v[k]
    if pos == k or k + 1 >= n:
        return lo
    hi = v[k + 1]
    for i in range(k + 2, n):
        if v[i] < hi:
            hi = v[i]
    return lo + (hi - lo) * (pos - k)


def epoch_rows_reference(env, first, ne, w, sep, keep, q, stride=1):
    """NumPy reference of :func:`epoch_rows`."""
    env = np.asarray(env, dtype=np.float64)
    y = np.full((first.size, ne + sep), -1.0)
    bg = np.full(first.size, np.nan)
    for e, a in enumerate(first):
        lo, hi = max(a, 0), min(a + ne, env.size)
        if hi - lo < 0.5 * ne:
            continue
        x = env[lo:hi]
        i = np.arange(x.size)
        c = np.concatenate([[0.0], np.cumsum(x)])
        ww = max(w, 1)
        wl = np.maximum(i - ww // 2, 0)
        wh = np.minimum(i - ww // 2 + ww, x.size)
        row = (c[wh] - c[wl]) / (wh - wl)
        y[e, lo - a:hi - a] = row
        k = keep[e, lo - a:hi - a] & (np.arange(row.size) % stride == 0)
        if k.any():
            bg[e] = np.quantile(row[k], q)
    return y, bg


# --------------------------------------------------------------------------- moving minimum
@kernel
def moving_min(x, half):
    """Minimum of ``x`` over the centred window ``[i - half, i + half]`` (shrinking at the edges),
    NaNs ignored (NaN where the window holds none); a monotonic queue, O(n)."""
    n = x.shape[0]
    out = np.empty(n, np.float64)
    q = np.empty(n, np.int64)
    head = 0
    tail = 0
    nxt = 0
    for i in range(n):
        hi = min(n - 1, i + half)
        while nxt <= hi:
            v = x[nxt]
            if not np.isnan(v):
                while tail > head and x[q[tail - 1]] >= v:
                    tail -= 1
                q[tail] = nxt
                tail += 1
            nxt += 1
        while tail > head and q[head] < i - half:
            head += 1
        out[i] = x[q[head]] if tail > head else np.nan
    return out


def moving_min_reference(x: np.ndarray, half: int) -> np.ndarray:
    """Plain reference of :func:`moving_min`."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.size, np.nan)
    for i in range(x.size):
        w = x[max(0, i - half): i + half + 1]
        w = w[~np.isnan(w)]
        if w.size:
            out[i] = w.min()
    return out


# --------------------------------------------------------------------------- burst trains
@kernel
def _train_ok(onset, side, train, k, alternate, min_p, max_p, max_change, min_phase):
    """Whether burst ``k`` may extend ``train`` (indices, oldest first)."""
    m = train.shape[0]
    last = train[m - 1]
    if alternate:
        if side[k] == side[last]:
            return False  # not the other leg
        if m == 1:
            return onset[k] - onset[last] <= max_p
        prev = train[m - 2]  # the same leg one cycle earlier
    else:
        prev = last
    p = onset[k] - onset[prev]
    if p < min_p or p > max_p:
        return False
    if alternate:  # the other leg's burst lies well inside the cycle, not in step with this one
        ph = (onset[last] - onset[prev]) / p
        if ph < min_phase or ph > 1.0 - min_phase:
            return False
    if max_change > 0 and ((alternate and m >= 3) or (not alternate and m >= 2)):
        q = onset[last] - onset[train[m - 3]] if alternate else onset[last] - onset[train[m - 2]]
        if p > q * max_change or q > p * max_change:
            return False
    return True


@kernel
def burst_trains(onset, side, ok, alternate, min_p, max_p, max_change, min_phase, min_count):
    """Trains of candidate bursts (sorted by onset) with onset-to-onset periods in [min_p, max_p].

    ``alternate``: each burst is on the other leg than the one before, the period is that of the
    same leg (burst ``k`` to ``k - 2``), and the other leg's burst in between starts between
    ``min_phase`` and ``1 - min_phase`` of that period (alternating, not in step); otherwise all
    bursts are taken as one sequence (call once per leg for one-leg trains). A burst that is not
    a candidate (``ok`` False) ends the train. With ``max_change`` > 1, a period may differ from
    the one before by at most that factor (a rhythm). Returns (first, last) index pairs of trains
    of at least ``min_count`` bursts.
    """
    n = onset.shape[0]
    first = np.empty(n + 1, np.int64)
    last = np.empty(n + 1, np.int64)
    m = 0
    train = np.empty(n + 1, np.int64)
    t = 0
    pair = np.empty(1, np.int64)
    for k in range(n):
        if not ok[k]:
            if t >= min_count:
                first[m] = train[0]
                last[m] = train[t - 1]
                m += 1
            t = 0
            continue
        if t == 0:
            train[0] = k
            t = 1
            continue
        if _train_ok(onset, side, train[:t], k, alternate, min_p, max_p, max_change, min_phase):
            train[t] = k
            t += 1
            continue
        if t >= min_count:
            first[m] = train[0]
            last[m] = train[t - 1]
            m += 1
        # restart from the last burst when it pairs with this one, else from this one
        pair[0] = train[t - 1]
        if _train_ok(onset, side, pair, k, alternate, min_p, max_p, max_change, min_phase):
            train[0] = pair[0]
            train[1] = k
            t = 2
        else:
            train[0] = k
            t = 1
    if t >= min_count:
        first[m] = train[0]
        last[m] = train[t - 1]
        m += 1
    return first[:m], last[:m]


def burst_trains_reference(onset, side, ok, alternate, min_p, max_p, max_change, min_phase, min_count):
    """Plain Python reference of :func:`burst_trains`."""
    def fits(train: list[int], k: int) -> bool:
        last = train[-1]
        if alternate:
            if side[k] == side[last]:
                return False
            if len(train) == 1:
                return onset[k] - onset[last] <= max_p
            periods = [onset[train[i]] - onset[train[i - 2]] for i in range(2, len(train))]
            p = onset[k] - onset[train[-2]]
        else:
            periods = [onset[train[i]] - onset[train[i - 1]] for i in range(1, len(train))]
            p = onset[k] - onset[last]
        if not min_p <= p <= max_p:
            return False
        if alternate and not min_phase <= (onset[last] - onset[train[-2]]) / p <= 1 - min_phase:
            return False
        if max_change > 0 and periods:
            q = periods[-1]
            if p > q * max_change or q > p * max_change:
                return False
        return True

    out: list[tuple[int, int]] = []
    train: list[int] = []
    for k in range(len(onset)):
        if not ok[k]:
            if len(train) >= min_count:
                out.append((train[0], train[-1]))
            train = []
        elif not train or fits(train, k):
            train.append(k)
        else:
            if len(train) >= min_count:
                out.append((train[0], train[-1]))
            train = [train[-1], k] if fits([train[-1]], k) else [k]
    if len(train) >= min_count:
        out.append((train[0], train[-1]))
    arr = np.array(out, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]
