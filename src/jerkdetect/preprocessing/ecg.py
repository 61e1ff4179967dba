"""ECG artefact in leg EMG: R-peak detection and per-beat template subtraction.

Cardiac bleed (3-15 µV spikes at the heart rate) is common in tibialis EMG. The R peaks are
found on the ECG channel; the artefact in each EMG channel is estimated as the median of the
filtered EMG around the beats of a block of ``beats_per_template`` beats, and subtracted beat by
beat. Movement bursts are uncorrelated with the beats, so the median leaves them intact.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .filters import butter2, sos_filter


@nb.njit(cache=True, nogil=True)
def _pick_peaks(a, thr, refractory):
    out = np.empty(a.size, dtype=np.int64)
    n = 0
    i = 1
    last = -refractory
    while i < a.size - 1:
        if a[i] >= thr[i] and a[i] >= a[i - 1] and a[i] >= a[i + 1] and i - last >= refractory:
            out[n] = i
            n += 1
            last = i
        i += 1
    return out[:n]


def detect_r_peaks(ecg: np.ndarray, fs: float, gain: float = 1.0, offset: float = 0.0,
                   refractory_s: float = 0.3) -> np.ndarray:
    """Sample indices of R peaks: 5-30 Hz band-pass, |.|, threshold at half the 10-s block 99th percentile."""
    sos = np.array([butter2(5.0, fs, "high"), butter2(min(30.0, 0.45 * fs), fs, "low")])
    y, _ = sos_filter(ecg, sos, gain, offset)
    a = np.abs(y)
    blk = int(10 * fs)
    nb_ = max(1, a.size // blk)
    q = np.percentile(a[: nb_ * blk].reshape(nb_, blk), 99, axis=1) if a.size >= blk else np.array([a.max()])
    thr = np.repeat(0.5 * q, blk)
    thr = np.concatenate([thr, np.full(max(0, a.size - thr.size), thr[-1])])[: a.size]
    return _pick_peaks(a, thr.astype(np.float32), int(refractory_s * fs))


def subtract_ecg(x: np.ndarray, fs: float, r_times: np.ndarray, before_s: float = 0.1,
                 after_s: float = 0.15, beats_per_template: int = 40) -> np.ndarray:
    """Subtract a median QRS template from ``x`` (filtered EMG, modified in place) at each R peak."""
    if r_times.size < 5:
        return x
    b, a = int(round(before_s * fs)), int(round(after_s * fs))
    idx = np.rint(r_times * fs).astype(np.int64)
    idx = idx[(idx - b >= 0) & (idx + a < x.size)]
    if idx.size < 5:
        return x
    win = np.arange(-b, a)
    for start in range(0, idx.size, beats_per_template):
        chunk = idx[start:start + beats_per_template]
        if chunk.size < 5:
            chunk = idx[max(0, idx.size - beats_per_template):]
            sel = idx[start:start + beats_per_template]
        else:
            sel = chunk
        gather = chunk[:, None] + win
        templ = np.median(x[gather], axis=0).astype(x.dtype)
        x[sel[:, None] + win] -= templ
    return x
