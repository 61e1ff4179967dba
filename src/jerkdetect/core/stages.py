"""Time in sleep terms: stage durations, wake -> sleep transitions, time in given stages."""
from __future__ import annotations

import numpy as np

from .epochs import UNSCORED, to_microseconds
from .intervals import merge_intervals

SLEEP = (1, 2, 3, 4)


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
