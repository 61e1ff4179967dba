"""EEG band power on short windows: decimate (Numba), then batched NumPy FFTs.

The EEG is reduced to ``target_fs``-ish (an integer factor, triangular anti-alias filter, straight
from the EDF digital samples), cut into Hann windows of ``window_s`` every ``hop_s``, and each window's power
is summed over the bands of :class:`~jerkdetect.detection.arousals.ArousalParams`. Bins near the
(aliased) 50/60 Hz mains frequency are left out of every band.
"""
from __future__ import annotations

import re

import numba as nb
import numpy as np

from ..io.channels import normalise_label
from ..io.recording import Recording

DERIVATION_ORDER = ("central", "occipital", "frontal", "parietal", "other")
_ELECTRODE = re.compile(r"^(fp|af|fc|cp|po|f|c|p|o|t|a|m)(\d+|z)")


def eeg_derivation(label: str) -> str:
    """Scalp region of an EEG derivation from its label (first electrode of 'C4-M1', 'EEG O2-A1').

    Examples
    --------
    >>> eeg_derivation("EEG C4-M1"), eeg_derivation("O2-A1"), eeg_derivation("EEG Fpz-Cz"), eeg_derivation("EEG")
    ('central', 'occipital', 'frontal', 'other')
    """
    s = normalise_label(label)
    s = re.sub(r"^eeg ?", "", s)
    m = _ELECTRODE.match(s)
    if not m:
        return "other"
    return {"c": "central", "o": "occipital", "f": "frontal", "fp": "frontal", "af": "frontal",
            "fc": "central", "cp": "central", "p": "parietal", "po": "occipital"}.get(m.group(1), "other")


def pick_eeg_channels(rec: Recording, max_channels: int = 2) -> list[str]:
    """EEG labels to use: central first, then occipital, then whatever derivations the file has."""
    labels = list(rec.roles.get("eeg") or [])
    ranked = sorted(labels, key=lambda lab: (DERIVATION_ORDER.index(eeg_derivation(lab)), labels.index(lab)))
    out, seen = [], set()
    for lab in ranked:  # one channel per region before a second of the same region
        if eeg_derivation(lab) not in seen:
            out.append(lab)
            seen.add(eeg_derivation(lab))
    out += [lab for lab in ranked if lab not in out]
    return out[:max_channels]


# --------------------------------------------------------------------------- decimation
@nb.njit(cache=True, nogil=True)
def decimate_tri(x2d, gain, offset, k, out, pos, ring, state):
    """Decimate by ``k`` with a triangular (2nd-order CIC) anti-alias filter, streaming.

    Two cascaded moving sums of ``k`` samples; every ``k``-th output (once both are full) is
    written to ``out[pos]``, scaled to µV by ``gain``/``offset``. Output ``m`` is the weighted mean
    of input samples ``m*k .. m*k + 2k - 2`` (weights 1, 2, .., k, .., 2, 1), centred on
    ``m*k + k - 1``. ``ring`` (2 x k) and ``state`` ([sum1, sum2, n_in]) carry the filter across
    calls, so ``x2d`` (records x samples) may come in chunks. Returns the next write position.
    """
    s1 = state[0]
    s2 = state[1]
    n_in = int(state[2])
    inv = 1.0 / (k * k)
    n_rec, spr = x2d.shape
    for r in range(n_rec):
        for j in range(spr):
            slot = n_in % k
            v = float(x2d[r, j])
            s1 += v - ring[0, slot]
            ring[0, slot] = v
            s2 += s1 - ring[1, slot]
            ring[1, slot] = s1
            n_in += 1
            if n_in >= 2 * k - 1 and (n_in - (2 * k - 1)) % k == 0:
                out[pos] = s2 * inv * gain + offset
                pos += 1
    state[0] = s1
    state[1] = s2
    state[2] = n_in
    return pos


def decimate_tri_reference(x: np.ndarray, k: int) -> np.ndarray:
    """Triangular-weighted means of ``x[m*k : m*k + 2k - 1]`` for every full window (NumPy)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    w = np.convolve(np.ones(k), np.ones(k)) / (k * k)
    full = np.convolve(x, w[::-1], mode="valid")  # full[i] = sum w[j] x[i + j]
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
    out = np.empty(max(ch.n_samples // k, 1))
    ring = np.zeros((2, k))
    state = np.zeros(3)
    pos = 0
    if ch.dig_min is not None:
        for blk in ch.digital_chunks():
            pos = decimate_tri(blk, ch.gain, ch.offset, k, out, pos, ring, state)
    else:
        x = ch.data
        if not np.all(np.isfinite(x)):
            from ..errors import RecordingError
            raise RecordingError(f"{rec.source}: EEG channel '{label}' holds NaN or infinite samples.")
        pos = decimate_tri(x.reshape(1, -1), 1.0, 0.0, k, out, pos, ring, state)
    return out[:pos], ch.fs / k, k


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


def frame_starts(n: int, fs_d: float, window_s: float, hop_s: float) -> tuple[np.ndarray, int]:
    """Start sample of every full window on an exact ``hop_s`` grid, and the window length."""
    n_win = max(8, int(round(window_s * fs_d)))
    n_fr = int(np.floor((n / fs_d - n_win / fs_d) / hop_s + 1e-9)) + 1 if n >= n_win else 0
    starts = np.rint(np.arange(n_fr) * hop_s * fs_d).astype(np.int64)
    return starts[starts + n_win <= n], n_win


def band_log_power(x: np.ndarray, fs_d: float, starts: np.ndarray, n_win: int, bins: np.ndarray,
                   chunk: int = 4096) -> np.ndarray:
    """Natural log of the Hann-window power in each band, (n_frames, n_bands), in chunks of frames.

    Each window is mean-removed; the log floor is 1e-6 µV² (a flat line gives a very low value,
    never -inf).
    """
    win = np.hanning(n_win)
    win /= np.sqrt(np.sum(win ** 2))
    out = np.empty((starts.size, bins.shape[1]))
    ar = np.arange(n_win)
    for a in range(0, starts.size, chunk):
        fr = x[starts[a:a + chunk, None] + ar]
        fr -= fr.mean(axis=1, keepdims=True)
        spec = np.fft.rfft(fr * win, axis=1)
        p = spec.real ** 2 + spec.imag ** 2
        out[a:a + chunk] = p @ bins
    np.maximum(out, 1e-6, out=out)
    return np.log(out)


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
            out[i, j] = np.log(max(tot, 1e-6))
    return out
