"""Interval arithmetic on (start, end) pairs in seconds: unions, intersections, overlap tests.

Every layer uses these (unscorable stretches, gaps, arousal and respiratory windows), so they sit
in ``core`` and import nothing but NumPy.
"""
from __future__ import annotations

import numpy as np


def merge_intervals(intervals) -> np.ndarray:
    """Union of (start, end) intervals as a sorted, non-overlapping (n, 2) array."""
    a = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    if a.size == 0:
        return a
    a = a[np.argsort(a[:, 0], kind="stable")]
    out = [a[0].copy()]
    for s, e in a[1:]:
        if s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append(np.array([s, e]))
    return np.array(out)


def intersect_intervals(a, b) -> np.ndarray:
    """Intersection of two unions of (start, end) intervals, as a sorted (n, 2) array.

    Examples
    --------
    >>> intersect_intervals([(0, 10), (20, 30)], [(5, 25)]).tolist()
    [[5.0, 10.0], [20.0, 25.0]]
    """
    a, b = merge_intervals(a), merge_intervals(b)
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if hi > lo:
            out.append((lo, hi))
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def time_in_windows(windows, limit: tuple[float, float] | None = None) -> float:
    """Total seconds covered by the union of windows, optionally clipped to ``limit``."""
    w = merge_intervals(windows)
    if limit is not None and w.size:
        w = np.clip(w, limit[0], limit[1])
    return float(np.sum(w[:, 1] - w[:, 0])) if w.size else 0.0


def overlaps_window(on: np.ndarray, off: np.ndarray, win: np.ndarray) -> np.ndarray:
    """True where [on, off] overlaps any (start, end) window (open intervals)."""
    on = np.asarray(on, float)
    if win.size == 0 or on.size == 0:
        return np.zeros(on.size, bool)
    o = np.argsort(win[:, 0])
    ws, we = win[o, 0], np.maximum.accumulate(win[o, 1])
    k = np.searchsorted(ws, off, side="left")
    out = np.zeros(on.size, bool)
    has = k > 0
    out[has] = we[k[has] - 1] > on[has]
    return out


def inside_intervals(t: np.ndarray, intervals: np.ndarray) -> np.ndarray:
    """True where a time lies inside any (start, end) interval (unscorable stretches, gaps)."""
    t = np.asarray(t, float)
    return overlaps_window(t, t + 1e-9, np.asarray(intervals, float).reshape(-1, 2))


def within_intervals(on: np.ndarray, off: np.ndarray, intervals) -> np.ndarray:
    """True where [on, off] lies entirely inside one interval of the union of ``intervals``.

    Examples
    --------
    >>> within_intervals(np.array([1.0, 4.0, 9.0]), np.array([2.0, 6.0, 12.0]), [(0, 5), (8, 10)]).tolist()
    [True, False, False]
    """
    on, off = np.asarray(on, float), np.asarray(off, float)
    win = merge_intervals(intervals)
    if win.size == 0 or on.size == 0:
        return np.zeros(on.size, bool)
    k = np.searchsorted(win[:, 0], on, side="right") - 1
    ok = k >= 0
    out = np.zeros(on.size, bool)
    out[ok] = win[k[ok], 1] >= off[ok]
    return out
