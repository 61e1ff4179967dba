"""Signal building blocks for the simulator: coloured noise, EMG bursts, ECG (EEG: ``simulate/eeg.py``)."""
from __future__ import annotations

import numpy as np
from scipy import signal as sps


def band_noise(n: int, fs: float, lo: float, hi: float, rng: np.random.Generator, order: int = 2) -> np.ndarray:
    """Unit-variance Gaussian noise band-limited to [lo, hi] Hz (hi clipped below Nyquist)."""
    hi = min(hi, 0.45 * fs)
    sos = sps.butter(order, [lo, hi], btype="band", fs=fs, output="sos")
    x = sps.sosfilt(sos, rng.standard_normal(n))
    sd = x[len(x) // 10:].std() if n > 100 else x.std()
    return x / (sd if sd > 0 else 1.0)


def emg_band(fs: float) -> tuple[float, float]:
    """Band of simulated EMG: 20-150 Hz, kept well inside the detector's pass-band at low rates."""
    return 20.0, min(150.0, 0.42 * fs)


def burst(duration: float, fs: float, amplitude: float, rng: np.random.Generator,
          ramp: float = 0.03) -> np.ndarray:
    """An EMG burst: band-limited noise whose mean rectified value is ``amplitude`` µV.

    Raised-cosine ramps of ``ramp`` s at both ends and a slow ±25 % amplitude wobble.
    """
    n = max(int(round(duration * fs)), 2)
    lo, hi = emg_band(fs)
    x = band_noise(n + 64, fs, lo, hi, rng)[64:]
    env = np.ones(n)
    r = max(1, min(int(ramp * fs), n // 3))
    w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, r))
    env[:r] = w
    env[-r:] = w[::-1]
    wob = 1 + 0.25 * np.sin(2 * np.pi * rng.uniform(0.3, 1.5) * np.arange(n) / fs + rng.uniform(0, 6.3))
    return x * env * wob * amplitude / 0.798


def ecg(duration: float, fs: float, rng: np.random.Generator, hr: float = 62.0):
    """Synthetic ECG (µV) from Gaussian P-QRS-T waves, its R-peak times, and a unit QRS-only trace."""
    n = int(round(duration * fs))
    t_r = []
    t = rng.uniform(0.2, 0.8)
    while t < duration:
        t_r.append(t)
        rr = 60.0 / hr * (1 + 0.05 * np.sin(2 * np.pi * t / 4.0)) + rng.normal(0, 0.02)
        t += max(rr, 0.4)
    t_r = np.array(t_r)
    out = np.zeros(n)
    qrs = np.zeros(n)
    waves = [(-0.2, 0.025, 120.0), (-0.03, 0.01, -100.0), (0.0, 0.012, 1000.0), (0.03, 0.01, -200.0),
             (0.25, 0.05, 250.0)]
    k = np.arange(-int(0.4 * fs), int(0.5 * fs))
    tk = k / fs
    templ = sum(a * np.exp(-0.5 * ((tk - c) / w) ** 2) for c, w, a in waves)
    qrs_t = sum(a * np.exp(-0.5 * ((tk - c) / w) ** 2) for c, w, a in waves[1:4]) / 1000.0
    idx = np.rint(t_r * fs).astype(int)
    for i in idx:
        j = i + k
        ok = (j >= 0) & (j < n)
        out[j[ok]] += templ[ok]
        qrs[j[ok]] += qrs_t[ok]
    return out, t_r, qrs


def add_segment(x: np.ndarray, fs: float, t0: float, seg: np.ndarray) -> None:
    """Add ``seg`` into ``x`` from the first sample at or after ``t0`` s (clipped at the end)."""
    i = int(np.ceil(t0 * fs - 1e-9))
    j = min(i + seg.size, x.size)
    if i < x.size:
        x[i:j] += seg[: j - i]
