"""ECG artefact in leg EMG: R-peak detection and per-beat template subtraction.

Cardiac bleed (3-15 µV spikes at the heart rate) is common in tibialis EMG. The R peaks are
found on the ECG channel; the artefact in each EMG channel is estimated, for each block of
``beats_per_template`` beats, as the mean of the filtered EMG around the beats whose energy is
not raised by a movement burst, and subtracted beat by beat.
"""
from __future__ import annotations

import numpy as np

from ..core.kernel import kernel
from ..core.selection import select_kth
from .filters import butter2, sos_filter


@kernel
def _r_threshold(a, sec, per):
    """Half the median of the 1-s maxima of each ``per``-second block, for every sample."""
    n = a.shape[0]
    n_sec = (n + sec - 1) // sec
    mx = np.zeros(n_sec)
    for b in range(n_sec):  # |a| in place and its maximum in each second: four running maxima
        i, end = b * sec, min(b * sec + sec, n)
        m0 = m1 = m2 = m3 = 0.0
        while i + 4 <= end:
            v0, v1, v2, v3 = abs(a[i]), abs(a[i + 1]), abs(a[i + 2]), abs(a[i + 3])
            a[i], a[i + 1], a[i + 2], a[i + 3] = v0, v1, v2, v3
            m0 = v0 if v0 > m0 else m0
            m1 = v1 if v1 > m1 else m1
            m2 = v2 if v2 > m2 else m2
            m3 = v3 if v3 > m3 else m3
            i += 4
        while i < end:
            v0 = abs(a[i])
            a[i] = v0
            m0 = v0 if v0 > m0 else m0
            i += 1
        mx[b] = max(max(m0, m1), max(m2, m3))
    thr = np.empty(n_sec, dtype=np.float32)
    for s0 in range(0, n_sec, per):
        s1 = min(s0 + per, n_sec)
        t = 0.5 * np.median(mx[s0:s1])
        for k in range(s0, s1):
            thr[k] = t
    return thr


@kernel
def _pick_peaks_blocked(a, thr, sec, refractory):
    out = np.empty(a.size // max(refractory, 1) + 2, dtype=np.int64)
    n = 0
    last = -refractory
    for b in range(thr.shape[0]):  # sample i is in second i // sec
        t = thr[b]
        for i in range(max(1, b * sec), min(b * sec + sec, a.size - 1)):
            v = a[i]
            # every test at once: one branch, taken about once a second
            if (v >= t) & (v >= a[i - 1]) & (v >= a[i + 1]) & (i - last >= refractory):
                out[n] = i
                n += 1
                last = i
    return out[:n]


def detect_r_peaks(ecg, fs: float, gain: float = 1.0, offset: float = 0.0,
                   refractory_s: float = 0.3, n: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Sample indices of R peaks: 5-30 Hz band-pass, |.|, threshold at half the median of the
    1-s maxima of each 10-s block (robust to a single artefact), 0.3-s refractory period.

    ``ecg`` is an array or an iterable of digital blocks (then ``n`` is the sample count);
    ``out`` (float32, the signal's length) is a work buffer for the filtered ECG."""
    sos = np.array([butter2(5.0, fs, "high"), butter2(min(30.0, 0.45 * fs), fs, "low")])
    y, _ = sos_filter(ecg, sos, gain, offset, out=out, n=n)
    return _r_peaks(y, max(1, int(round(fs))), 10, int(refractory_s * fs))


@kernel
def _r_peaks(a, sec, per, refractory):
    """:func:`_r_threshold` then :func:`_pick_peaks_blocked` in one compiled call (one cache load)."""
    thr = _r_threshold(a, sec, per)
    return _pick_peaks_blocked(a, thr, sec, refractory)


@kernel
def _median_inplace(a, n):
    if n % 2:
        return select_kth(a, n, n // 2)
    hi = select_kth(a, n, n // 2)
    lo = a[0]
    for t in range(1, n // 2):  # after selection a[:n//2] holds the lower half
        if a[t] > lo:
            lo = a[t]
    return 0.5 * (lo + hi)


@kernel
def _subtract_kernel(x, idx, b, a, per, reject, flat, start, ready):
    """Correct the blocks of ``per`` beats from beat ``start`` on whose windows end before sample
    ``ready`` (every block once ``ready`` reaches the end); returns the next block's first beat."""
    w = a + b
    nbeat = idx.shape[0]
    templ = np.empty(w, dtype=np.float64)
    energy = np.empty(per, dtype=np.float64)
    work = np.empty(per, dtype=np.float64)
    while start < nbeat:
        stop = min(start + per, nbeat)
        if idx[stop - 1] + a > ready:  # not every window of the block is filtered yet
            break
        lo = start if stop - start >= 5 else max(0, nbeat - per)  # short tail: borrow earlier beats
        cnt = stop - lo
        for t in range(cnt):
            e = 0.0
            base = idx[lo + t] - b
            for k in range(w):
                e += abs(x[base + k])
            energy[t] = e
            work[t] = e
        med = _median_inplace(work, cnt)
        limit = reject * med
        low = flat * med
        templ[:] = 0.0
        used = 0
        for t in range(cnt):
            if low <= energy[t] <= limit:
                base = idx[lo + t] - b
                for k in range(w):
                    templ[k] += x[base + k]
                used += 1
        for k in range(w):
            templ[k] /= max(used, 1)
        for t in range(start, stop):
            base = idx[t] - b
            e = 0.0
            for k in range(w):
                e += abs(x[base + k])
            if e < low:  # a flat (disconnected) stretch carries no cardiac artefact
                continue
            for k in range(w):
                x[base + k] -= templ[k]
        start = stop
    return start


def r_peaks_reference(a: np.ndarray, fs: float, refractory_s: float = 0.3) -> np.ndarray:
    """NumPy reference of the threshold and peak picking of :func:`detect_r_peaks` on a filtered ECG."""
    a = np.abs(np.asarray(a, dtype=np.float64))
    sec = max(1, int(round(fs)))
    n_sec = -(-a.size // sec)
    mx = np.array([a[k * sec:(k + 1) * sec].max() for k in range(n_sec)])
    thr = np.concatenate([np.full(min(10, n_sec - s0), 0.5 * np.median(mx[s0:s0 + 10]))
                          for s0 in range(0, n_sec, 10)])
    refr, last, out = int(refractory_s * fs), -int(refractory_s * fs), []
    for i in range(1, a.size - 1):
        if a[i] >= np.float32(thr[i // sec]) and a[i] >= a[i - 1] and a[i] >= a[i + 1] and i - last >= refr:
            out.append(i)
            last = i
    return np.array(out, dtype=np.int64)


def _beat_windows(n: int, fs: float, r_times: np.ndarray, before_s: float, after_s: float):
    """(R-peak sample indices whose window fits in ``n`` samples, samples before, samples after)."""
    b, a = int(round(before_s * fs)), int(round(after_s * fs))
    idx = np.rint(np.asarray(r_times) * fs).astype(np.int64)
    return idx[(idx - b >= 0) & (idx + a < n)], b, a


def subtract_ecg(x: np.ndarray, fs: float, r_times: np.ndarray, before_s: float = 0.1,
                 after_s: float = 0.15, beats_per_template: int = 40, reject: float = 2.0,
                 flat: float = 0.05) -> np.ndarray:
    """Subtract a robust QRS template from ``x`` (filtered EMG, modified in place) at each R peak.

    For each block of ``beats_per_template`` beats the template is the mean of the beat windows
    whose rectified energy lies between ``flat`` and ``reject`` x the block's median energy, so
    beats that fall on a movement burst or on a flat (disconnected) stretch do not leak into it;
    beats on a flat stretch (energy below ``flat`` x the median) are left alone, so a lead-off
    stays flat. Templates are computed before the block is corrected.
    """
    TemplateSubtraction(x, fs, r_times, before_s, after_s, beats_per_template, reject, flat).advance(x.size)
    return x


class TemplateSubtraction:
    """:func:`subtract_ecg`, block of beats by block of beats, while ``x`` is still being filtered.

    ``advance(upto)`` corrects every block whose beat windows lie in ``x[:upto]`` (all of them
    once ``upto`` reaches the end) and returns the first sample that a later block may still
    change or read; the samples before it are final. The result does not depend on how the
    signal was handed over: blocks are corrected in the same order from the same samples.
    """

    def __init__(self, x: np.ndarray, fs: float, r_times: np.ndarray, before_s: float = 0.1,
                 after_s: float = 0.15, beats_per_template: int = 40, reject: float = 2.0, flat: float = 0.05):
        self.x, self.per, self.reject, self.flat = x, beats_per_template, reject, flat
        self.idx, self.b, self.a = _beat_windows(x.size, fs, r_times, before_s, after_s)
        self.next = 0 if self.idx.size >= 5 else self.idx.size  # fewer than 5 beats: nothing to do
        n = self.idx.size
        last = (n - 1) // self.per * self.per if n else 0  # first beat of the last block
        # a last block of < 5 beats borrows the template of the beats from n - per on: keep them
        self.keep = max(0, n - self.per) if 0 < n - last < 5 else n

    def advance(self, upto: int) -> int:
        """Correct what ``x[:upto]`` allows; returns the first sample not yet final."""
        if self.next < self.idx.size:
            self.next = _subtract_kernel(self.x, self.idx, self.b, self.a, self.per, self.reject, self.flat,
                                         self.next, min(upto, self.x.size))
        if self.next >= self.idx.size:
            return self.x.size
        return int(self.idx[min(self.next, self.keep)]) - self.b


def subtract_ecg_reference(x: np.ndarray, fs: float, r_times: np.ndarray, before_s: float = 0.1,
                           after_s: float = 0.15, beats_per_template: int = 40,
                           reject: float = 2.0, flat: float = 0.05) -> np.ndarray:
    """NumPy reference of :func:`subtract_ecg` (fancy indexing, ``np.median``, ``mean``)."""
    x = np.array(x, dtype=np.float64)
    idx, b, a = _beat_windows(x.size, fs, r_times, before_s, after_s)
    if idx.size < 5:
        return x
    win = np.arange(-b, a)
    for start in range(0, idx.size, beats_per_template):
        sel = idx[start:start + beats_per_template]
        src = sel if sel.size >= 5 else idx[max(0, idx.size - beats_per_template):]
        seg = x[src[:, None] + win]
        e = np.abs(seg).sum(axis=1)
        med = np.median(e)
        ok = (e >= flat * med) & (e <= reject * med)
        templ = seg[ok].mean(axis=0) if ok.any() else np.zeros(win.size)
        own = np.abs(x[sel[:, None] + win]).sum(axis=1) >= flat * med
        x[sel[own][:, None] + win] -= templ
    return x
