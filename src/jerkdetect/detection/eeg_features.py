"""EEG band power on short windows: decimate (Numba), then batched NumPy FFTs.

The EEG is reduced to ``target_fs``-ish (an integer factor, triangular anti-alias filter, straight
from the EDF digital samples), cut into Hann windows of ``window_s`` every ``hop_s``, and each window's power
is summed over the bands of :class:`~jerkdetect.detection.arousals.ArousalParams`. Bins near the
(aliased) 50/60 Hz mains frequency are left out of every band.
"""
from __future__ import annotations

import re

import numpy as np

from ..core.kernel import kernel
from ..io.channels import normalise_label
from ..io.recording import Recording

LOG_FLOOR = 1e-20  # µV², keeps log() finite on flat lines whatever the amplitude scale
DERIVATION_ORDER = ("central", "occipital", "frontal", "parietal", "other", "reference")
_ELECTRODE = re.compile(r"^(fp|af|fc|cp|po|f|c|p|o|t|a|m)(\d+|z)")


def eeg_derivation(label: str) -> str:
    """Scalp region of an EEG derivation from its label (first electrode of 'C4-M1', 'EEG O2-A1').

    Examples
    --------
    >>> eeg_derivation("EEG C4-M1"), eeg_derivation("O2-A1"), eeg_derivation("EEG Fpz-Cz"), eeg_derivation("EEG")
    ('central', 'occipital', 'frontal', 'other')
    >>> eeg_derivation("EEG A1-REF")  # an ear or mastoid electrode against the common reference
    'reference'
    """
    s = normalise_label(label)
    s = re.sub(r"^eeg ?", "", s)
    m = _ELECTRODE.match(s)
    if not m:
        return "other"
    return {"c": "central", "o": "occipital", "f": "frontal", "fp": "frontal", "af": "frontal",
            "fc": "central", "cp": "central", "p": "parietal", "po": "occipital", "a": "reference",
            "m": "reference"}.get(m.group(1), "other")


def pick_eeg_channels(rec: Recording, max_channels: int = 2) -> list[str]:
    """EEG labels to use: central first, then occipital, then whatever derivations the file has;
    an ear or mastoid electrode recorded against the common reference ('EEG A1-REF': the
    reference site itself, no scalp EEG) only when nothing else is left."""
    labels = list(rec.roles.get("eeg") or [])
    ranked = sorted(labels, key=lambda lab: (DERIVATION_ORDER.index(eeg_derivation(lab)), labels.index(lab)))
    out, seen = [], {"reference"}
    for lab in ranked:  # one channel per region before a second of the same region
        if eeg_derivation(lab) not in seen:
            out.append(lab)
            seen.add(eeg_derivation(lab))
    out += [lab for lab in ranked if lab not in out]
    return out[:max_channels]


# --------------------------------------------------------------------------- decimation
def triangle_weights(k: int) -> np.ndarray:
    """Weights 1, 2, .., k, .., 2, 1 (sum 1) of the 2nd-order CIC anti-alias filter."""
    return np.convolve(np.ones(k), np.ones(k)) / (k * k)


@kernel
def decimate_tri(y, k, w, gain, offset, out, pos):
    """Write ``sum_j w[j] * y[m*k + j]`` (scaled by ``gain``/``offset``) for every full window
    of ``y`` to ``out[pos:]``; returns (next write position, samples consumed).

    ``y`` is a contiguous stretch of the signal (the caller keeps the unconsumed tail for the
    next stretch), ``w`` the 2k-1 triangular weights.
    """
    nw = w.shape[0]
    n_out = (y.shape[0] - nw) // k + 1 if y.shape[0] >= nw else 0
    for m in range(n_out):
        b = m * k
        acc = 0.0
        for j in range(nw):
            acc += w[j] * y[b + j]
        out[pos + m] = acc * gain + offset
    return pos + n_out, n_out * k


def decimate_tri_reference(x: np.ndarray, k: int) -> np.ndarray:
    """Triangular-weighted means of ``x[m*k : m*k + 2k - 1]`` for every full window (NumPy)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    full = np.convolve(x, triangle_weights(k)[::-1], mode="valid")  # full[i] = sum w[j] x[i + j]
    return full[::k]


def decimation_factor(fs: float, target_fs: float) -> int:
    """Largest integer factor that keeps the rate at or above ``target_fs`` (1 below it)."""
    return max(1, int(fs // target_fs))


def decimated(rec: Recording, label: str, target_fs: float) -> tuple[np.ndarray, float, int]:
    """One channel reduced to >= ``target_fs``: (signal in µV, new rate, factor ``k``).

    Output sample ``m`` is centred on input sample ``m*k + k - 1``. EDF digital samples are read
    chunk by chunk (no full-rate float copy); other channels go through their float data, which
    must be finite.
    """
    ch = rec.channels[label]
    k = decimation_factor(ch.fs, target_fs)
    w = triangle_weights(k)
    out = np.empty(max(ch.n_samples // k, 1))
    if ch.dig_min is not None:
        pos, tail = 0, np.zeros(0)
        for blk in ch.digital_chunks():
            y = np.empty(tail.size + blk.size)
            y[:tail.size] = tail
            y[tail.size:] = blk.reshape(-1)
            pos, used = decimate_tri(y, k, w, ch.gain, ch.offset, out, pos)
            tail = y[used:]
    else:
        x = ch.data
        if not np.all(np.isfinite(x)):
            from ..errors import RecordingError
            raise RecordingError(f"{rec.source}: EEG channel '{label}' holds NaN or infinite samples.")
        pos, _ = decimate_tri(np.ascontiguousarray(x, dtype=np.float64), k, w, 1.0, 0.0, out, 0)
    return out[:pos], ch.fs / k, k


def decimated_length(n: int, k: int) -> int:
    """Output samples of :func:`decimate_tri` over ``n`` input samples: every full window of 2k-1."""
    nw = 2 * k - 1
    return (n - nw) // k + 1 if n >= nw else 0


class DecimatedSignal:
    """One EEG channel reduced as :func:`decimated` does, read back a stretch at a time.

    ``signal[i0:i1]`` decodes only the input samples behind output samples ``i0..i1`` and gives
    the same values, bit for bit, as ``decimated(...)[0][i0:i1]`` (each output is its own
    window's weighted sum): the full-length decimated signal is never held.
    """

    def __init__(self, rec: Recording, label: str, target_fs: float):
        self.ch = rec.channels[label]
        self.label, self.source = label, rec.source
        self.k = decimation_factor(self.ch.fs, target_fs)
        self.fs = self.ch.fs / self.k
        self.w = triangle_weights(self.k)
        self.size = decimated_length(self.ch.n_samples, self.k)
        self._tail = np.zeros(0)  # input samples of an unfinished window (decimate_next)

    def __len__(self) -> int:
        return self.size

    def blocks(self):
        """Yield the decimated signal in consecutive blocks, as :func:`decimated` computes it:
        from the EDF digital samples, record block by record block, or from the channel's float
        data, which must be finite."""
        if self.ch.dig_min is not None:
            self.restart()
            for blk in self.ch.digital_chunks():
                yield self.decimate_next(blk)
            self.restart()
            return
        x, k, w = self._finite_data(), self.k, self.w
        step = 1 << 18
        for a in range(0, self.size, step):  # output block [a, b) reads x[a*k : (b-1)*k + 2k-1]
            b = min(a + step, self.size)
            out = np.empty(b - a)
            decimate_tri(x[a * k:(b - 1) * k + w.size], k, w, 1.0, 0.0, out, 0)
            yield out

    def restart(self) -> None:
        """Forget the samples of an unfinished window: the next block is the channel's first."""
        self._tail = np.zeros(0)

    def decimate_next(self, blk: np.ndarray) -> np.ndarray:
        """The decimated samples that the next block of EDF digital samples completes (the
        samples of a window it leaves unfinished are kept for the next block; :meth:`restart`
        before the first)."""
        ch, k = self.ch, self.k
        tail = self._tail
        y = np.empty(tail.size + blk.size)
        y[:tail.size] = tail
        y[tail.size:] = blk.reshape(-1)
        out = np.empty(decimated_length(y.size, k))
        pos, used = decimate_tri(y, k, self.w, ch.gain, ch.offset, out, 0)
        self._tail = y[used:].copy()  # not a view: it would keep the whole block
        return out[:pos]

    def _finite_data(self) -> np.ndarray:
        x = self.ch.data
        if not np.all(np.isfinite(x)):
            from ..errors import RecordingError
            raise RecordingError(f"{self.source}: EEG channel '{self.label}' holds NaN or infinite samples.")
        return np.ascontiguousarray(x, dtype=np.float64)

    def __getitem__(self, sl: slice) -> np.ndarray:
        i0, i1, step = sl.indices(self.size)
        if step != 1:
            raise ValueError("DecimatedSignal takes contiguous stretches only")
        if i1 <= i0:
            return np.empty(0)
        ch = self.ch
        s0, s1 = self.input_span(i0, i1)
        if ch.dig_min is not None:
            return self.from_digital(np.asarray(ch.digital_span(s0, s1), dtype=np.float64), i1 - i0)
        out = np.empty(i1 - i0)
        decimate_tri(np.ascontiguousarray(ch.data[s0:s1], dtype=np.float64), self.k, self.w, 1.0, 0.0, out, 0)
        return out

    def input_span(self, i0: int, i1: int) -> tuple[int, int]:
        """The input samples behind output samples ``i0..i1`` (``i1 > i0``)."""
        return i0 * self.k, (i1 - 1) * self.k + self.w.size

    def from_digital(self, y: np.ndarray, n: int) -> np.ndarray:
        """``n`` output samples from the EDF digital samples ``y`` (float64) of their input span."""
        out = np.empty(n)
        decimate_tri(y, self.k, self.w, self.ch.gain, self.ch.offset, out, 0)
        return out


class ReadAhead:
    """Contiguous stretches of a :class:`DecimatedSignal`, read at least ``ahead`` samples at a
    time: a stretch inside the last read is a slice of it, with the same values, bit for bit (each
    output sample is its own window's weighted sum). Suits stretches asked for in time order, as
    the edges of one event and then of the next. The stretches are read-only views of the last
    read (copy one to change it)."""

    def __init__(self, signal: DecimatedSignal, ahead: int):
        self.signal, self.ahead = signal, max(int(ahead), 1)
        self.size = signal.size
        self._lo = self._hi = 0
        self._buf = np.zeros(0)
        self.shared: SharedReads | None = None

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, sl: slice) -> np.ndarray:
        i0, i1, step = sl.indices(self.size)
        if step != 1:
            raise ValueError("ReadAhead takes contiguous stretches only")
        if i1 <= i0:
            return np.zeros(0)
        if not (self._lo <= i0 and i1 <= self._hi):
            hi = min(max(i1, i0 + self.ahead), self.size)
            if self.shared is not None:
                self.shared.read(self, i0, hi)
            else:
                self.keep(i0, hi, self.signal[i0:hi])  # read first: a failed read leaves the last one
        return self._buf[i0 - self._lo:i1 - self._lo]

    def keep(self, lo: int, hi: int, buf: np.ndarray) -> None:
        """Make ``buf`` (samples ``lo..hi``) the last read."""
        buf.flags.writeable = False
        self._lo, self._hi, self._buf = lo, hi, buf


class SharedReads:
    """:class:`ReadAhead` s of EEG channels of one EDF/BDF file that read together: when one of
    them reads, every one gets the same stretch of time (the data records read once, each
    channel decimated from them), so the other channels' stretches of an edge are slices of it.
    The values are each channel's own, bit for bit."""

    def __init__(self, members: list[ReadAhead]):
        self.members = members
        for m in members:
            m.shared = self

    @classmethod
    def of(cls, signals: list[DecimatedSignal], ahead_s: float) -> list[ReadAhead]:
        """One :class:`ReadAhead` per signal, reading ``ahead_s`` seconds at a time, sharing their
        reads when the signals are EDF/BDF channels of one file (:func:`~jerkdetect.io.edf.read_together`)."""
        from ..io.edf import read_together
        out = [ReadAhead(s, int(ahead_s * s.fs)) for s in signals]
        chans = [s.ch for s in signals]
        if len(out) > 1 and all(c.dig_min is not None for c in chans) and read_together(chans):
            cls(out)
        return out

    def read(self, who: ReadAhead, i0: int, hi: int) -> None:
        """``who`` needs samples ``i0..hi``; every member reads the same time, with a sample to spare."""
        from ..io.edf import spans_together
        s = who.signal
        a, b = s.input_span(i0, hi)
        t0, t1 = a / s.ch.fs, b / s.ch.fs
        parts = []
        for m in self.members:
            x = m.signal
            if m is who:
                lo, up = i0, hi
            else:
                lo = min(max(int(np.floor(t0 * x.ch.fs / x.k)) - 1, 0), m.size - 1)
                up = min(max(int(np.ceil(t1 * x.ch.fs / x.k)) + 1, lo + 1), m.size)
            parts.append((m, lo, up))
        raw = spans_together([m.signal.ch for m, _, _ in parts], [m.signal.input_span(lo, up) for m, lo, up in parts])
        bufs = [m.signal.from_digital(y, up - lo) for (m, lo, up), y in zip(parts, raw)]
        for (m, lo, up), buf in zip(parts, bufs):  # all read first: a failed read leaves the last ones
            m.keep(lo, up, buf)


# --------------------------------------------------------------------------- spectra
def mains_aliases(fs_d: float, mains=(50.0, 60.0)) -> list[float]:
    """Where 50/60 Hz lands after sampling at ``fs_d`` (folded into 0..fs_d/2)."""
    out = []
    for f in mains:
        a = f % fs_d
        out.append(min(a, fs_d - a))
    return out


def band_bins(fs_d: float, n_win: int, bands: dict[str, tuple[float, float]],
              exclude: list[float], exclude_hz: float = 2.0) -> np.ndarray:
    """(n_bins, n_bands) 0/1 matrix: which FFT bins make up each band (mains aliases left out)."""
    f = np.fft.rfftfreq(n_win, 1.0 / fs_d)
    m = np.zeros((f.size, len(bands)))
    ok = np.ones(f.size, bool)
    for e in exclude:
        ok &= np.abs(f - e) > exclude_hz
    for j, (lo, hi) in enumerate(bands.values()):
        m[:, j] = (f >= lo) & (f < hi) & ok & (f < 0.5 * fs_d)
    return m


def fast_length(n: int) -> int:
    """Smallest length >= ``n`` whose prime factors are 2, 3 and 5 (fast FFT sizes)."""
    m = max(int(n), 1)
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1


def frame_starts(n: int, fs_d: float, window_s: float, hop_s: float) -> tuple[np.ndarray, int]:
    """Start sample of every full window, one every ``round(hop_s * fs_d)`` samples, and the
    window length: ``window_s * fs_d`` rounded up to a fast FFT size."""
    n_win = fast_length(max(8, int(round(window_s * fs_d))))
    hop = max(1, int(round(hop_s * fs_d)))
    return np.arange(0, max(n - n_win + 1, 0), hop, dtype=np.int64), n_win


@kernel
def windowed_frames(x, first, hop, win, buf):
    """Fill ``buf`` (frames x len(win)) with mean-removed, windowed frames of ``x``, frame ``i``
    starting at sample ``first + i * hop``."""
    m, n = buf.shape
    inv = 1.0 / n
    for i in range(m):
        s = first + i * hop
        acc = 0.0
        for j in range(n):
            acc += x[s + j]
        mean = acc * inv
        for j in range(n):
            buf[i, j] = (x[s + j] - mean) * win[j]


@kernel
def band_power_accumulate(spec, pair_bin, pair_band, out, row0):
    """Add each bin's power to its bands: ``out[row0 + i, band] += |spec[i, bin]|²``."""
    for i in range(spec.shape[0]):
        r = row0 + i
        for q in range(pair_bin.shape[0]):
            z = spec[i, pair_bin[q]]
            out[r, pair_band[q]] += z.real * z.real + z.imag * z.imag


def band_log_power(x: np.ndarray, fs_d: float, starts: np.ndarray, n_win: int, bins: np.ndarray,
                   chunk: int = 512) -> np.ndarray:
    """Natural log of the Hann-window power in each band, (n_frames, n_bands).

    ``starts`` must be evenly spaced (:func:`frame_starts`). Each window's mean is removed; a
    flat line gives a very low value (``LOG_FLOOR``), never -inf.
    """
    win = np.hanning(n_win)
    win /= np.sqrt(np.sum(win ** 2))
    nf = starts.size
    out = np.zeros((nf, bins.shape[1]))
    hop = int(starts[1] - starts[0]) if nf > 1 else 1
    pair_bin, pair_band = (a.astype(np.int64) for a in np.nonzero(bins))
    buf = np.empty((min(chunk, nf), n_win))
    for a in range(0, nf, chunk):
        m = min(chunk, nf - a)
        windowed_frames(x, int(starts[a]), hop, win, buf[:m])
        band_power_accumulate(np.fft.rfft(buf[:m], axis=1), pair_bin, pair_band, out, a)
    np.maximum(out, LOG_FLOOR, out=out)
    return np.log(out)


class BandPowerStream:
    """:func:`band_log_power` fed the decimated signal block by block (:meth:`push`): the same
    frames in the same batches, so the same values bit for bit, holding only the samples that
    the next batch of frames needs."""

    def __init__(self, starts: np.ndarray, n_win: int, bins: np.ndarray, chunk: int = 512):
        self.win = np.hanning(n_win)
        self.win /= np.sqrt(np.sum(self.win ** 2))
        self.starts, self.n_win, self.chunk = starts, n_win, chunk
        self.nf = starts.size
        self.out = np.zeros((self.nf, bins.shape[1]))
        self.hop = int(starts[1] - starts[0]) if self.nf > 1 else 1
        self.pair_bin, self.pair_band = (a.astype(np.int64) for a in np.nonzero(bins))
        self.buf = np.empty((min(chunk, self.nf), n_win))
        self.pend, self.base, self.done = np.zeros(0), 0, 0  # samples base.. not yet consumed

    def push(self, blk: np.ndarray) -> None:
        """Take the next decimated samples; compute every batch of frames they complete."""
        st, nf, chunk = self.starts, self.nf, self.chunk
        pend = np.concatenate([self.pend, blk]) if self.pend.size else blk
        a, base = self.done, self.base
        while a < nf and st[min(a + chunk, nf) - 1] + self.n_win <= base + pend.size:
            m = min(chunk, nf - a)
            windowed_frames(pend, int(st[a]) - base, self.hop, self.win, self.buf[:m])
            band_power_accumulate(np.fft.rfft(self.buf[:m], axis=1), self.pair_bin, self.pair_band, self.out, a)
            a += m
            drop = int(st[a]) - base if a < nf else pend.size
            pend, base = pend[drop:], base + drop
        self.pend, self.base, self.done = pend, base, a

    def result(self) -> np.ndarray:
        """Natural log of each frame's band power (frames x bands), once every frame is in."""
        if self.done != self.nf:  # pragma: no cover - the frames are planned from the decimated length
            raise RuntimeError(f"EEG band power: {self.nf - self.done} of {self.nf} frames not computed")
        np.maximum(self.out, LOG_FLOOR, out=self.out)
        return np.log(self.out, out=self.out)


def streamed_band_log_power(sigs: list[DecimatedSignal], plans: list[tuple[np.ndarray, int, np.ndarray]],
                            chunk: int = 512) -> list[np.ndarray]:
    """:func:`band_log_power` of each :class:`DecimatedSignal` (``plans``: its frame starts,
    window length and band bins), never holding a whole channel: channels of one EDF file are
    decoded in one pass over its records (:func:`~jerkdetect.io.edf.chunks_together`), others one
    after another."""
    streams = [BandPowerStream(st, n_win, bins, chunk) for st, n_win, bins in plans]
    from ..io.edf import chunks_together, read_together
    chans = [s.ch for s in sigs]
    if all(c.dig_min is not None for c in chans) and read_together(chans):
        for s in sigs:
            s.restart()
        for blocks in chunks_together(chans, records=120):
            for s, stream, blk in zip(sigs, streams, blocks):
                stream.push(s.decimate_next(blk))
        for s in sigs:
            s.restart()
    else:
        for s, stream in zip(sigs, streams):
            for blk in s.blocks():
                stream.push(blk)
    return [stream.result() for stream in streams]


def band_log_power_reference(x: np.ndarray, fs_d: float, starts: np.ndarray, n_win: int,
                             bands: dict[str, tuple[float, float]], exclude: list[float]) -> np.ndarray:
    """One window at a time with an explicit DFT sum per band (slow; for tests)."""
    win = np.hanning(n_win)
    win /= np.sqrt(np.sum(win ** 2))
    f = np.arange(n_win // 2 + 1) * fs_d / n_win
    t = np.arange(n_win)
    out = np.empty((starts.size, len(bands)))
    for i, s in enumerate(starts):
        seg = x[s:s + n_win] - x[s:s + n_win].mean()
        for j, (lo, hi) in enumerate(bands.values()):
            tot = 0.0
            for b in range(f.size):
                if lo <= f[b] < hi and f[b] < 0.5 * fs_d and all(abs(f[b] - e) > 2.0 for e in exclude):
                    z = np.sum(seg * win * np.exp(-2j * np.pi * b * t / n_win))
                    tot += abs(z) ** 2
            out[i, j] = np.log(max(tot, LOG_FLOOR))
    return out
