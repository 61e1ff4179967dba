"""Two renderers of the motor truth (:mod:`.motor`): the same events, drawn two different ways.

``gauss``: band-limited Gaussian EMG (20-150 Hz) whose mean rectified value follows the event's
envelope, raised-cosine edges; the family of the plain simulator.

``muap``: trains of motor-unit action potentials (Hermite-Rodriguez waveforms of 3-10 ms, units
firing at 8-25 Hz with jittered intervals, recruited as the drive rises), anti-aliased, so the
spectrum and the sample statistics differ (spikier, heavier-tailed); bursts with an asymmetric
attack and decay and a dip in the longer ones; tone with a slow waver; brief potentials
polyphasic (2-4 units) rather than noise; and a background that adds 1/f activity in the EMG band,
baseline wander and cardiac bleed on the chin. Mean rectified levels are matched to the truth,
so what separates the two renderers is shape, spectrum and background, not amplitude.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal as sps

from .stress_render import _emg, _ramps
from .waveforms import band_noise, emg_band


def p2p_filtered(seg: np.ndarray, fs: float) -> float:
    """Peak-to-peak (µV) of a segment on the AASM EMG trace (10-100 Hz, zero phase)."""
    pad = np.concatenate([np.zeros(int(0.2 * fs)), seg, np.zeros(int(0.2 * fs))])
    y = sps.sosfiltfilt(_band_sos(fs), pad)
    return float(y.max() - y.min())


@lru_cache(maxsize=8)
def _band_sos(fs: float) -> np.ndarray:
    return sps.butter(2, [10.0, min(100.0, 0.45 * fs)], btype="band", fs=fs, output="sos")


def _component(total: float, base: float) -> float:
    """Mean rectified amplitude of independent activity that lifts ``base`` to ``total``."""
    return float(np.sqrt(max(total ** 2 - base ** 2, 0.0)))


class GaussRenderer:
    """Band-limited Gaussian EMG (see the module notes)."""

    name = "gauss"

    @staticmethod
    def background(n: int, fs: float, rest: float, rng) -> np.ndarray:
        lo, hi = emg_band(fs)
        return band_noise(n, fs, lo, hi, rng) * rest / 0.798

    @staticmethod
    def decorate(sig: dict, fs: float, ecg: np.ndarray | None, rng) -> None:
        return None

    @staticmethod
    def tone(dur: float, fs: float, level: float, base: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 2)
        return _emg(_component(level, base) * _ramps(n, fs, 0.1), fs, rng)

    @staticmethod
    def burst(dur: float, fs: float, total: float, base: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 2)
        return _emg(_component(total, base) * _ramps(n, fs, 0.01), fs, rng)

    @staticmethod
    def potential(dur: float, fs: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 2)
        return _emg(_ramps(n, fs, 0.005), fs, rng)


def _hermite(width_s: float, fs: float, order: int, rng) -> np.ndarray:
    """A motor-unit action potential: Hermite-Rodriguez function of order 1 or 2."""
    half = max(2, int(round(1.5 * width_s * fs)))
    t = np.arange(-half, half + 1) / fs / (width_s / 2)
    g = np.exp(-t ** 2)
    w = t * g if order == 1 else (1 - 2 * t ** 2) * g
    return w * (1 if rng.random() < 0.5 else -1) / np.max(np.abs(w))


def _muap_train(env: np.ndarray, fs: float, rng) -> np.ndarray:
    """Motor units recruited in turn as ``env`` (mean rectified µV) rises; the summed train is
    scaled so that its 50-ms mean rectified value follows ``env``."""
    n = env.size
    if n < 3 or not np.any(env > 0):
        return np.zeros(n)
    x = np.zeros(n + int(0.05 * fs))
    top = float(env.max())
    k_units = int(rng.integers(6, 16))
    thresholds = np.sort(rng.uniform(0.0, 0.7, k_units)) * top
    for k in range(k_units):
        w = _hermite(float(rng.uniform(0.003, 0.010)), fs, int(rng.integers(1, 3)), rng) * float(rng.uniform(0.5, 1.5))
        rate = float(rng.uniform(8.0, 25.0))
        t = float(rng.uniform(0, 1.0 / rate))
        while t * fs < n:
            i = int(t * fs)
            if env[i] > thresholds[k]:
                j = min(i + w.size, x.size)
                x[i:j] += w[: j - i]
            t += max(0.02, rng.normal(1.0 / rate, 0.15 / rate))
    x = x[:n]
    lp = sps.butter(4, 0.4 * fs, btype="low", fs=fs, output="sos")
    x = sps.sosfiltfilt(lp, x) if n > 60 else x
    w = max(1, min(n, int(0.05 * fs)))
    ma = np.convolve(np.abs(x), np.ones(w) / w, mode="same")
    if not ma.size or ma.max() <= 0:
        return np.zeros(n)
    return x * env / np.maximum(ma, 0.05 * ma.max())


class MUAPRenderer:
    """Motor-unit action potential trains (see the module notes)."""

    name = "muap"

    @staticmethod
    def background(n: int, fs: float, rest: float, rng) -> np.ndarray:
        lo, hi = emg_band(fs)
        x = band_noise(n, fs, lo, hi, rng) * rest / 0.798 * 0.8
        return x + _pink(n, fs, rng) * 0.3 * rest

    @staticmethod
    def decorate(sig: dict, fs: float, ecg: np.ndarray | None, rng) -> None:
        """1/f activity and baseline wander on every EMG channel; cardiac bleed on the chin
        (``ecg``: the ECG channel on the EMG time grid)."""
        for x in sig.values():
            n = x.size
            x += _pink(n, fs, rng) * 0.25
            x += band_noise(n, fs, 0.05, 1.0, rng) * 15.0
        if ecg is not None and "chin" in sig:
            sig["chin"] += ecg[: sig["chin"].size] * float(rng.uniform(0.002, 0.004))

    @staticmethod
    def tone(dur: float, fs: float, level: float, base: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 2)
        t = np.arange(n) / fs
        waver = 1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t + rng.uniform(0, 6.3))
        return _muap_train(_component(level, base) * _ramps(n, fs, 0.3) * waver, fs, rng)

    @staticmethod
    def burst(dur: float, fs: float, total: float, base: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 3)
        u = np.linspace(0, 1, n)
        att, dec = float(rng.uniform(0.1, 0.2)), float(rng.uniform(0.25, 0.4))
        env = np.minimum(np.clip(u / att, 0, 1), np.clip((1 - u) / dec, 0, 1))
        env = np.maximum(env, 0.25 * (env > 0))  # no long near-zero tails
        if dur >= 0.4:
            env *= 1 - 0.35 * np.exp(-((u - rng.uniform(0.4, 0.6)) / 0.08) ** 2)
        env /= np.mean(env)  # mean rectified over the burst = the target
        return _muap_train(_component(total, base) * env, fs, rng)

    @staticmethod
    def potential(dur: float, fs: float, rng) -> np.ndarray:
        n = max(int(round(dur * fs)), 3)
        x = np.zeros(n)
        for _ in range(int(rng.integers(2, 5))):
            w = _hermite(float(rng.uniform(0.003, min(0.010, dur / 2))), fs, int(rng.integers(1, 3)), rng)
            i = int(rng.integers(0, max(1, n - w.size)))
            j = min(i + w.size, n)
            x[i:j] += w[: j - i] * float(rng.uniform(0.5, 1.0))
        return x


def _pink(n: int, fs: float, rng) -> np.ndarray:
    """Unit-variance 1/f noise restricted to 10-40 Hz (the low part of the EMG band)."""
    f = np.fft.rfftfreq(n, 1 / fs)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) / np.sqrt(np.maximum(f, 1.0))
    spec[(f < 10) | (f > 40)] = 0
    x = np.fft.irfft(spec, n)
    sd = x.std()
    return x / sd if sd > 0 else x


RENDERERS = {"gauss": GaussRenderer, "muap": MUAPRenderer}
