"""Events to epochs and stages, exact at epoch boundaries (integer-microsecond arithmetic)."""
from __future__ import annotations

import numpy as np

from .kernel import kernel
from .limits import MAX_EPOCH_S, MIN_EPOCH_S

UNSCORED = -1  # stage code of unscored epochs and of times outside the hypnogram
_US = 1_000_000


def to_microseconds(t) -> np.ndarray:
    """Seconds -> int64 microseconds, rounded to the nearest microsecond."""
    return np.rint(np.asarray(t, dtype=np.float64) * _US).astype(np.int64)


def epoch_index(times, offset: float, epoch_length: float) -> np.ndarray:
    """Epoch index of each time (seconds from recording start); may be <0 or past the end.

    Examples
    --------
    >>> epoch_index([29.999999, 30.0, 59.99999999], offset=0.0, epoch_length=30)  # sub-µs noise: on the boundary
    array([0, 1, 2])
    """
    t = to_microseconds(times)
    return np.floor_divide(t - to_microseconds(offset), to_microseconds(epoch_length))


@kernel
def _stage_at_kernel(t_us, off_us, ep_us, stages, out):
    n = stages.shape[0]
    for i in range(t_us.shape[0]):
        d = t_us[i] - off_us
        k = d // ep_us
        out[i] = stages[k] if 0 <= k < n else -1
    return out


def stage_at(times, stages: np.ndarray, offset: float = 0.0, epoch_length: float = 30.0) -> np.ndarray:
    """Stage code (W=0, N1=1, N2=2, N3=3, R=4, unscored=-1) at each time, in one compiled pass.

    Times before the first or after the last epoch get ``UNSCORED``.
    """
    t = to_microseconds(np.atleast_1d(times))
    out = np.empty(t.shape[0], dtype=np.int8)
    return _stage_at_kernel(t, np.int64(to_microseconds(offset)), np.int64(to_microseconds(epoch_length)),
                            np.ascontiguousarray(stages, dtype=np.int8), out)


def stage_at_reference(times, stages, offset: float = 0.0, epoch_length: float = 30.0) -> np.ndarray:
    """Plain per-event loop, the reference that :func:`stage_at` is tested against."""
    out = []
    for t in np.atleast_1d(times):
        k = (round(float(t) * _US) - round(offset * _US)) // round(epoch_length * _US)
        out.append(int(stages[k]) if 0 <= k < len(stages) else UNSCORED)
    return np.array(out, dtype=np.int8)


@kernel
def _overlap_kernel(on_us, off_us_ev, h_off, ep_us, stages, out):
    n = stages.shape[0]
    for i in range(on_us.shape[0]):
        a = on_us[i] - h_off
        b = off_us_ev[i] - h_off
        if b <= a:
            continue
        k0 = a // ep_us
        k1 = (b - 1) // ep_us
        for k in range(k0, k1 + 1):
            lo = max(a, k * ep_us)
            hi = min(b, (k + 1) * ep_us)
            s = stages[k] if 0 <= k < n else -1
            out[i, s + 1] += (hi - lo) / 1e6
    return out


def stage_overlap(onsets, offsets, stages, offset: float = 0.0, epoch_length: float = 30.0) -> np.ndarray:
    """Seconds each event spends in each stage: array (n_events, 6), columns unscored, W, N1, N2, N3, R."""
    on = to_microseconds(np.atleast_1d(onsets))
    off = to_microseconds(np.atleast_1d(offsets))
    out = np.zeros((on.shape[0], 6))
    return _overlap_kernel(on, off, np.int64(to_microseconds(offset)), np.int64(to_microseconds(epoch_length)),
                           np.ascontiguousarray(stages, dtype=np.int8), out)


def stage_overlap_reference(onsets, offsets, stages, offset: float = 0.0, epoch_length: float = 30.0) -> np.ndarray:
    """Per-event, per-epoch loop: the reference for :func:`stage_overlap`."""
    out = np.zeros((len(onsets), 6))
    for i, (a, b) in enumerate(zip(onsets, offsets)):
        for k in range(int(np.floor((a - offset) / epoch_length)), int(np.floor((b - offset) / epoch_length)) + 1):
            lo = max(a, offset + k * epoch_length)
            hi = min(b, offset + (k + 1) * epoch_length)
            if hi > lo:
                s = int(stages[k]) if 0 <= k < len(stages) else UNSCORED
                out[i, s + 1] += hi - lo
    return out


def epoch_bounds(n_epochs: int, offset: float, epoch_length: float) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (seconds) of each epoch, computed on the integer-microsecond grid."""
    ep = int(to_microseconds(epoch_length))
    starts = int(to_microseconds(offset)) + np.arange(n_epochs, dtype=np.int64) * ep
    return starts / _US, (starts + ep) / _US


def epochs_from_intervals(intervals, epoch_length: float) -> tuple[np.ndarray, float]:
    """Lay epochs over variable-length (onset, duration, code) stage annotations (Sleep-EDF style).

    Epochs start at the first onset; each takes the stage that covers its midpoint, and epochs no
    annotation covers are unscored. Returns (stage codes, offset of epoch 0).
    """
    iv = sorted(intervals)
    if not iv:
        return np.zeros(0, np.int8), 0.0
    if not (np.isfinite(epoch_length) and MIN_EPOCH_S <= epoch_length <= MAX_EPOCH_S):  # before any allocation
        raise ValueError(f"epoch length {epoch_length!r} s is outside {MIN_EPOCH_S:g}-{MAX_EPOCH_S:g} s")
    start = iv[0][0]
    end = max(o + d for o, d, _ in iv)
    if not np.isfinite(end - start) or end - start > 14 * 86400:  # never sized by an absurd time
        raise ValueError(f"stage annotations span {end - start:g} s, beyond 14 days")
    n = int(np.round((end - start) / epoch_length))
    stages = np.full(n, UNSCORED, dtype=np.int8)
    s, e = epoch_bounds(n, start, epoch_length)
    mids = (s + e) / 2
    for o, d, c in iv:
        stages[(mids >= o) & (mids < o + d)] = c
    return stages, float(start)
