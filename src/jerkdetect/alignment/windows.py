"""Time windows in sleep terms: transitions, stage durations, interval arithmetic."""
from __future__ import annotations

import numpy as np

from .epochs import UNSCORED, to_microseconds

SLEEP = (1, 2, 3, 4)


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


def stage_durations(stages, offset: float, epoch_length: float,
                    window: tuple[float, float] | None = None,
                    exclude=None) -> dict[int, float]:
    """Seconds per stage code inside ``window`` (default the whole hypnogram), minus ``exclude``.

    ``exclude`` is a list of (start, end) intervals (unscorable EMG, EDF+D gaps) removed from the
    denominators, epoch by epoch, exactly.
    """
    stages = np.asarray(stages)
    n = stages.size
    ep_us = int(to_microseconds(epoch_length))
    starts = to_microseconds(offset) + np.arange(n, dtype=np.int64) * ep_us
    ends = starts + ep_us
    if window is not None:
        lo, hi = to_microseconds(window[0]), to_microseconds(window[1])
        starts, ends = np.clip(starts, lo, hi), np.clip(ends, lo, hi)
    seconds = (ends - starts).astype(np.float64)
    if exclude is not None and len(exclude):
        ex = merge_intervals(exclude)
        ex_us = to_microseconds(ex)
        for s, e in ex_us:
            ov = np.clip(np.minimum(ends, e) - np.maximum(starts, s), 0, None)
            seconds -= ov
    out = {}
    for code in (UNSCORED, 0, 1, 2, 3, 4):
        out[code] = float(seconds[stages == code].sum()) / 1e6
    return out


def sleep_transitions(stages, offset: float, epoch_length: float,
                      min_wake_epochs: int = 1) -> np.ndarray:
    """Times (s) of every wake -> sleep transition: sleep onset and each return to sleep.

    A transition is the start of a sleep epoch (N1, N2, N3, R) that follows at least
    ``min_wake_epochs`` consecutive wake epochs (the first sleep epoch after lights off counts
    even when the recording starts asleep-unscored).
    """
    s = np.asarray(stages)
    if s.size == 0:
        return np.zeros(0)
    is_sleep = np.isin(s, SLEEP)
    is_wake = s == 0
    out = []
    run = 0
    for k in range(s.size):
        if is_sleep[k]:
            if run >= min_wake_epochs:
                out.append(k)
            run = 0
        elif is_wake[k]:
            run += 1
    return offset + np.asarray(out, dtype=np.float64) * epoch_length


def restrict_duration(stages, offset: float, epoch_length: float, codes,
                      window: tuple[float, float] | None = None, exclude=None) -> float:
    """Seconds of the given stage codes inside ``window``, minus ``exclude`` intervals."""
    d = stage_durations(stages, offset, epoch_length, window, exclude)
    return float(sum(d[c] for c in codes))
