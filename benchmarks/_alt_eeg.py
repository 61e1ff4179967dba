"""A second, deliberately different EEG renderer for robustness checks of the arousal detector.

The library's simulator (``jerkdetect.simulate.eeg``) was written next to the detector and shares
its assumptions. This one does not reuse any of it: 1/f^a backgrounds drawn epoch by epoch with
a +/-15 % level jitter, an alpha peak from a different filter, Gaussian-envelope spindles at
11-16 Hz, K-complexes of another shape, arousals as a pure alpha sinusoid and/or 16-30 Hz noise
(amplitude 2-4 x the background measured either over the whole EEG or in the alpha band, with
short linear edges), and 30-120 Hz muscle artefact on half of all leg movements. It re-renders
the EEG of a simulated night over that night's truth (stages, arousals, leg movements).
"""
from __future__ import annotations

import numpy as np
from scipy import signal as sps

ALPHA = {0: 2.0, 1: 0.4, 2: 0.25, 3: 0.2, 4: 0.4, -1: 0.5}   # alpha peak vs the 1/f part
SLOPE = {0: 1.0, 1: 1.3, 2: 1.6, 3: 2.0, 4: 1.2, -1: 1.3}
LEVEL = {0: 15, 1: 18, 2: 25, 3: 45, 4: 15, -1: 15}           # µV RMS


def _pink(n: int, fs: float, slope: float, rng) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1 / fs)
    f[0] = f[1]
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) / f ** (slope / 2)
    spec[f > 0.45 * fs] *= 0.05
    spec[f < 0.3] = 0
    x = np.fft.irfft(spec, n)
    return x / x.std()


def render_alt_eeg(night, fs: float, seed: int, channels: int = 1, ratio_of: str = "total",
                   ramp_s: float = 0.05, gain: float = 1.0) -> list[np.ndarray]:
    """EEG traces (µV x ``gain``) for ``night.truth``; ``ratio_of`` 'total' or 'band'."""
    rng = np.random.default_rng(seed)
    n = int(night.duration * fs)
    st = night.stages
    out = []
    for c in range(channels):
        x = np.zeros(n)
        for e, s in enumerate(st):
            i, j = int(e * 30 * fs), min(int((e + 1) * 30 * fs), n)
            if j <= i:
                continue
            seg = _pink(j - i, fs, SLOPE[int(s)], rng) * LEVEL[int(s)] * rng.uniform(0.85, 1.15)
            a = sps.sosfilt(sps.butter(3, [8.5, 11.5], "band", fs=fs, output="sos"), rng.standard_normal(j - i))
            x[i:j] = seg + a / a.std() * LEVEL[int(s)] * ALPHA[int(s)] * (1.3 if c == 1 else 1.0)
        bg = x.copy()
        n2 = np.flatnonzero(st == 2)
        for _ in range(int(n2.size * 2)):  # spindles, 4 per minute of N2
            t0 = (rng.choice(n2) + rng.uniform(0, 1)) * 30
            d = rng.uniform(0.5, 2.0)
            i, m = int(t0 * fs), int(d * fs)
            tt = np.arange(m) / fs
            x[i:i + m] += (rng.uniform(15, 40) * np.exp(-0.5 * ((tt - d / 2) / (d / 5)) ** 2)
                           * np.sin(2 * np.pi * rng.uniform(11, 16) * tt))[: max(0, n - i)]
        for _ in range(int(n2.size * 0.75)):  # K-complexes, 1.5 per minute of N2
            i, m = int((rng.choice(n2) + rng.uniform(0, 1)) * 30 * fs), int(fs)
            tt = np.arange(m) / fs
            x[i:i + m] += (rng.uniform(80, 250) * (-np.exp(-0.5 * ((tt - 0.25) / 0.08) ** 2)
                                                  + 0.5 * np.exp(-0.5 * ((tt - 0.6) / 0.15) ** 2)))[: max(0, n - i)]
        for a, d in night.truth["arousals"]:
            i, m = int(a * fs), int(d * fs)
            ref = bg[max(0, i - int(10 * fs)):i]
            if ratio_of == "band":
                base = sps.sosfiltfilt(sps.butter(3, [8, 12], "band", fs=fs, output="sos"), ref).std()
            else:
                base = ref.std()
            r = rng.uniform(2, 4)
            tt = np.arange(m) / fs
            env = np.clip(np.minimum(tt, d - tt) / ramp_s, 0, 1)
            amp = base * np.sqrt(r ** 2 - 1)
            kind = rng.random()
            sig = np.zeros(m)
            if kind < 0.7:
                sig += np.sqrt(2) * amp * np.sin(2 * np.pi * rng.uniform(8.5, 11.5) * tt + rng.uniform(0, 6.3))
            if kind > 0.4:
                beta_sos = sps.butter(4, [16, 30], "band", fs=fs, output="sos")
                bb = sps.sosfilt(beta_sos, rng.standard_normal(m + 200))[200:]
                sig += bb / bb.std() * amp * (0.6 if kind < 0.7 else 1.0)
            x[i:i + m] += (sig * env)[: max(0, n - i)]
        for lm in night.truth["leg_movements"]:
            if rng.random() < 0.5:
                i, m = int(lm["onset"] * fs), int((lm["offset"] - lm["onset"]) * fs)
                mm = sps.sosfilt(sps.butter(2, [30, min(120, 0.45 * fs)], "band", fs=fs, output="sos"),
                                 rng.standard_normal(m + 200))[200:]
                x[i:i + m] += (mm / max(mm.std(), 1e-9) * rng.uniform(10, 40))[: max(0, n - i)]
        out.append(x * gain + rng.standard_normal(n) * 0.3 * gain)
    return out
