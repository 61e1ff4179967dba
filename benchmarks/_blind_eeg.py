"""Blind test nights for EEG arousal detection, written without reading jerkdetect's detector or simulators.

Built from the physiology and the AASM arousal rule (AASM Manual for the Scoring of Sleep and
Associated Events, v2.x, arousal rule: an abrupt shift of EEG frequency including alpha, theta
and/or frequencies > 16 Hz but not spindles, lasting >= 3 s, after >= 10 s of stable sleep; in R
also a concurrent chin EMG increase lasting >= 1 s). Only NumPy, SciPy and pyedflib are used here:
nothing of jerkdetect, so the nights are as foreign to the detector as another group's would be.

EEG model (not 1/f noise + sinusoids): a sum of band components, each white noise through a
damped oscillator (an AR(2) resonator at the band's peak, the pole radius setting its width) or a
band-pass, times a wandering amplitude (Ornstein-Uhlenbeck walks of the log amplitude over minutes and
tens of seconds, eyes-open / eyes-closed stretches in wake), plus transient graphoelements: spindles
(11-16 Hz, 0.5-2 s, some in trains), K-complexes, vertex sharp waves (N1), sawtooth trains (R).
Band amplitudes change with the stage over ~10 s around an epoch boundary (no steps at epoch
edges). Two derivations share 75 % of each band's power (a common source) and have their own remainder.

Arousals multiply the alpha and/or beta amplitude (sometimes theta, sometimes with less delta) by
a contrast over the local background for 3-12 s, with 0.2-0.5 s ramps; in R with a chin EMG rise.
Look-alikes that are NOT arousals (truth ``distractors``): alpha/beta intrusions of 1-2.9 s,
spindles and spindle trains, K-complexes, vertex waves, sawtooth trains, movement artefact during
leg movements, REM alpha bursts >= 3 s without a chin EMG rise.

Families: ``modest`` (arousal contrast 1.5-4x, 30 % below 2x; many intrusions) and ``ordinary``
(4-8x). Truth onsets/durations are the plateau's half-ramp points. A planned arousal is kept only
where the AASM rule scores it: all of [onset - 10 s, end] in one sleep stage, nothing else within
the 10 s before, and in R a chin rise >= 1 s inside it.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import xml.sax.saxutils as _sx
from dataclasses import dataclass

import numpy as np
from scipy import signal as _sig

GEN_VERSION = 2  # bump when the nights change, so cached nights are redrawn
EPOCH = 30.0
GRID = 20.0  # Hz, the grid amplitude envelopes are built on before interpolation to samples
STAGE_NAMES = ("W", "N1", "N2", "N3", "R")
SLEEP = ("N1", "N2", "N3", "R")
NSRR_STAGE = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2",
              "N3": "Stage 3 sleep|3", "R": "REM sleep|5"}

# Band background, µV RMS, per stage (central derivation, adult); jerkdetect-independent values
# read off textbook spectra (Niedermeyer; Berry, Fundamentals of Sleep Medicine).
BANDS = ("delta", "theta", "alpha", "sigma", "beta")
BAND_RMS = {
    "W": {"delta": 9.0, "theta": 6.0, "alpha": 18.0, "sigma": 2.0, "beta": 5.0},
    "N1": {"delta": 12.0, "theta": 11.0, "alpha": 5.0, "sigma": 2.0, "beta": 3.5},
    "N2": {"delta": 22.0, "theta": 10.0, "alpha": 4.5, "sigma": 2.5, "beta": 3.0},
    "N3": {"delta": 50.0, "theta": 10.0, "alpha": 3.5, "sigma": 2.0, "beta": 2.5},
    "R": {"delta": 10.0, "theta": 10.0, "alpha": 5.5, "sigma": 1.5, "beta": 4.0},
}
CHIN_UV = {"W": 8.0, "N1": 4.0, "N2": 3.0, "N3": 2.5, "R": 0.9}  # chin EMG σ per stage
LABELS = {  # spellings seen in real exports
    "eeg": [("C3-M2", "C4-M1"), ("EEG C3-M2", "EEG C4-M1"), ("C4-M1", "C3-M2"), ("C3-A2", "C4-A1")],
    "chin": ["Chin1-Chin2", "EMG Chin", "Chin"],
    "legs": [("LAT", "RAT"), ("Tib-L", "Tib-R"), ("Leg/L", "Leg/R"), ("EMG Tib L", "EMG Tib R")],
}
FAMILIES = ("modest", "ordinary")


@dataclass
class BlindConfig:
    """One blind night: seed, length, family and recording set-up."""

    seed: int
    hours: float = 4.0
    family: str = "modest"

    def rng(self, part: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, part]))


# ----------------------------------------------------------------------------- hypnogram
def make_hypnogram(rng: np.random.Generator, n_epochs: int) -> list[str]:
    """Wake, then ~90-min cycles (N1, N2, N3 early, REM growing later), with brief awakenings."""
    st: list[str] = ["W"] * int(rng.integers(10, 36))
    cycle = 0
    while len(st) < n_epochs:
        n3 = [int(rng.integers(30, 50)), int(rng.integers(14, 30)), int(rng.integers(0, 10))]
        rem = [int(rng.integers(8, 16)), int(rng.integers(20, 36)), int(rng.integers(30, 50))]
        st += ["N1"] * int(rng.integers(2, 8) if cycle == 0 else rng.integers(1, 4))
        st += ["N2"] * int(rng.integers(20, 40))
        st += ["N3"] * (n3[cycle] if cycle < 3 else 0)
        st += ["N2"] * int(rng.integers(6, 16))
        st += ["R"] * rem[min(cycle, 2)]
        cycle += 1
    st = st[:n_epochs]
    first_sleep = next(i for i, s in enumerate(st) if s != "W")
    n_awake = int(round(n_epochs / 120 * 2.5))  # ~2.5 brief awakenings per hour
    for _ in range(n_awake):
        i = int(rng.integers(first_sleep + 20, n_epochs - 3))
        k = int(rng.integers(1, 4))
        st[i:i + k] = ["W"] * k
        if i + k < n_epochs and st[i + k] in ("N2", "N3"):
            st[i + k] = "N1"
    return st


# ----------------------------------------------------------------------------- small helpers
def _ou(rng, n, tau, sigma):
    """Ornstein-Uhlenbeck walk sampled on the envelope grid (stationary σ = ``sigma``)."""
    a = np.exp(-1.0 / (tau * GRID))
    e = rng.standard_normal(n) * sigma * np.sqrt(1 - a * a)
    x = _sig.lfilter([1.0], [1.0, -a], e)
    return x


def _smoothstep(t, t0, width):
    """0 before t0 - width/2, 1 after t0 + width/2, a raised-cosine ramp between."""
    u = np.clip((t - t0) / max(width, 1e-6) + 0.5, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _plateau(t, on, off, r_on, r_off):
    return _smoothstep(t, on, r_on) * (1.0 - _smoothstep(t, off, r_off))


def _resonator(rng, n, fs, f0, bw):
    """Unit-variance noise through a damped oscillator (AR(2)) peaking at f0 with ~bw Hz width."""
    r = max(0.5, 1.0 - np.pi * bw / fs)
    w = 2 * np.pi * f0 / fs
    y = _sig.lfilter([1.0], [1.0, -2 * r * np.cos(w), r * r], rng.standard_normal(n))
    return y / (np.std(y) + 1e-12)


def _bandnoise(rng, n, fs, lo, hi, order=4):
    hi = min(hi, 0.45 * fs)
    sos = _sig.butter(order, [lo, hi], btype="band", fs=fs, output="sos")
    y = _sig.sosfilt(sos, rng.standard_normal(n))
    return y / (np.std(y) + 1e-12)


def _to_samples(env_grid, n, fs):
    tg = np.arange(env_grid.size) / GRID
    return np.interp(np.arange(n) / fs, tg, env_grid)


# ----------------------------------------------------------------------------- event planning
class _Busy:
    """Intervals already used by an EEG event (arousal, intrusion, artefact...)."""

    def __init__(self):
        self.iv: list[tuple[float, float]] = []

    def free(self, a, b):
        return all(b <= s or a >= e for s, e in self.iv)

    def add(self, a, b):
        self.iv.append((a, b))


def _stage_at(stages, t):
    i = int(t // EPOCH)
    return stages[i] if 0 <= i < len(stages) else "W"


def _same_stage(stages, a, b):
    """The one stage covering all of [a, b], or None."""
    if a < 0 or b >= len(stages) * EPOCH:
        return None
    s = {stages[i] for i in range(int(a // EPOCH), int(b // EPOCH) + 1)}
    return s.pop() if len(s) == 1 else None


def _contrast(rng, family):
    if family == "ordinary":
        return float(rng.uniform(4.0, 8.0))
    return float(rng.uniform(1.5, 2.0) if rng.random() < 0.3 else rng.uniform(2.0, 4.0))


def _plan_legs(rng, stages, T):
    """Leg movements: periodic series (IMI 10-90 s, >= 4 LMs) and isolated ones; 0.5-10 s."""
    lms = []

    def dur():
        return float(np.clip(rng.lognormal(np.log(1.6), 0.55), 0.5, 10.0))

    def ok(t, d):
        return t > 5 and t + d < T - 5 and all(t + d + 1.0 < a or t > a + b + 1.0 for a, b, *_ in lms)

    sleep_t = [i * EPOCH for i, s in enumerate(stages) if s in ("N1", "N2", "N3")]
    n_series = max(2, int(round(T / 3600 * rng.uniform(1.0, 2.5))))
    for _ in range(n_series):
        t = float(rng.choice(sleep_t)) + float(rng.uniform(0, EPOCH))
        imi_mean = float(rng.uniform(15, 45))
        n = int(rng.integers(4, 30))
        for _k in range(n):
            d = dur()
            if ok(t, d):
                lms.append((t, d, "series"))
            t += float(np.clip(rng.normal(imi_mean, 0.15 * imi_mean), 10.5, 89.0))
            if t > T - 20:
                break
    for _ in range(int(T / 3600 * rng.uniform(8, 16))):
        t = float(rng.uniform(60, T - 60))
        d = dur()
        if ok(t, d):
            lms.append((t, d, "isolated"))
    lms.sort()
    out = []
    for t, d, kind in lms:
        side = ["left", "right", "both"][int(rng.choice(3, p=[0.35, 0.35, 0.3]))]
        amp = float(np.exp(rng.uniform(np.log(8.0), np.log(100.0))))
        out.append({"onset": round(t, 3), "duration": round(d, 3), "kind": kind, "side": side,
                    "amp_uv": round(amp, 2), "lag_s": round(float(rng.uniform(0, 0.3)), 3)})
    return out


def _plan_resp(rng, stages, T):
    """Hypopneas / obstructive apneas of 10-40 s in N1, N2 and R (none in some nights)."""
    rate = float(rng.choice([0.0, 4.0, 10.0]))
    ev = []
    for _ in range(int(T / 3600 * rate)):
        t = float(rng.uniform(600, T - 60))
        d = float(rng.uniform(10, 40))
        if _same_stage(stages, t, t + d) in ("N1", "N2", "R") and all(t > e + 20 or t + d + 20 < s
                                                                    for s, e, _ in ev):
            ev.append((t, t + d, "Hypopnea" if rng.random() < 0.6 else "Obstructive apnea"))
    return [{"onset": round(s, 3), "duration": round(e - s, 3), "kind": k} for s, e, k in sorted(ev)]


def _plan_eeg_events(rng, cfg, stages, T, lms, resp):
    """Arousals (with AASM truth) and the look-alikes that are not arousals."""
    busy = _Busy()
    arousals, distr = [], []
    fam = cfg.family

    def try_arousal(t, d, cause):
        d = float(d)
        st = _same_stage(stages, t - 10.0, t + d + 0.5)
        if st not in SLEEP or not busy.free(t - 12.0, t + d + 3.0):
            return False
        c = _contrast(rng, fam)
        bands = ["alpha", "beta", "alpha+beta"][int(rng.choice(3, p=[0.4, 0.2, 0.4]))]
        theta = float(rng.uniform(1.3, 2.0)) if rng.random() < 0.3 else 1.0
        chin = st == "R" or rng.random() < 0.4
        a = {"onset": round(t, 3), "duration": round(d, 3), "stage": st, "cause": cause,
             "contrast": round(c, 3), "bands": bands, "theta": round(theta, 3),
             "delta": round(float(rng.uniform(0.6, 1.0)), 3), "chin": chin,
             "r_on": round(float(rng.uniform(0.2, 0.5)), 3), "r_off": round(float(rng.uniform(0.3, 0.8)), 3)}
        if chin:
            c_on = t + float(rng.uniform(0.0, min(1.0, d - 1.5)))
            a["chin_on"] = round(c_on, 3)
            a["chin_dur"] = round(float(rng.uniform(1.3, t + d - c_on)), 3)
            a["chin_gain"] = round(float(rng.uniform(3.0, 6.0)), 3)
        arousals.append(a)
        busy.add(t - 10.0, t + d)  # nothing else in the 10 s of stable sleep before it
        return True

    def adur():
        return rng.uniform(3.0, 9.0) if rng.random() < 0.85 else rng.uniform(9.0, 12.0)

    # arousals after leg movements (overlap, or onset within 0.4 s of the LM's end)
    for lm in lms:
        if _stage_at(stages, lm["onset"]) in SLEEP and rng.random() < 0.25:
            t = lm["onset"] + lm["duration"] + float(rng.uniform(-min(lm["duration"], 1.5), 0.4))
            try_arousal(t, adur(), "lm")
    # after respiratory events
    for ev in resp:
        if rng.random() < 0.7:
            try_arousal(ev["onset"] + ev["duration"] + float(rng.uniform(-2.0, 2.0)), adur(), "respiratory")
    # spontaneous, 7-12 per hour of sleep
    tst = sum(EPOCH for s in stages if s in SLEEP)
    target = len(arousals) + int(tst / 3600 * rng.uniform(7, 12))
    w = np.array([{"N1": 1.0, "N2": 1.2, "N3": 0.4, "R": 0.8}.get(s, 0.0) for s in stages])
    tries = 0
    while len(arousals) < target and tries < 20 * target:
        tries += 1
        i = int(rng.choice(len(stages), p=w / w.sum()))
        try_arousal(i * EPOCH + float(rng.uniform(0, EPOCH)), adur(), "spontaneous")

    # look-alikes that the rule does not score
    def place(kind, dur_fn, stages_ok, rate_per_h, extra=None, margin=2.5):
        sel = [i for i, s in enumerate(stages) if s in stages_ok]
        if not sel:
            return
        hours_ok = len(sel) * EPOCH / 3600
        for _ in range(int(round(hours_ok * rate_per_h))):
            for _try in range(20):
                t = (int(rng.choice(sel)) + float(rng.uniform(0, 1))) * EPOCH
                d = float(dur_fn())
                if _same_stage(stages, t - 1, t + d + 1) in stages_ok and busy.free(t - margin, t + d + margin):
                    ev = {"kind": kind, "onset": round(t, 3), "duration": round(d, 3),
                          "stage": _stage_at(stages, t)}
                    ev.update(extra() if extra else {})
                    distr.append(ev)
                    busy.add(t, t + d)
                    break

    n_intr = 40.0 if fam == "modest" else 20.0
    place("intrusion", lambda: rng.uniform(1.0, 2.9), SLEEP, n_intr,
          lambda: {"contrast": round(_contrast(rng, fam), 3),
                   "bands": ["alpha", "beta", "alpha+beta"][int(rng.integers(3))]})
    place("rem_alpha_no_chin", lambda: rng.uniform(3.0, 8.0), ("R",), 4.0,
          lambda: {"contrast": round(_contrast(rng, fam), 3), "bands": "alpha"})
    # movement artefact on the EEG during isolated LMs without an arousal
    for lm in lms:
        t, d = lm["onset"], lm["duration"]
        if (lm["kind"] == "isolated" and lm["amp_uv"] > 30 and rng.random() < 0.5
                and _stage_at(stages, t) in SLEEP and busy.free(t - 2.0, t + d + 2.0)):
            distr.append({"kind": "movement_artefact", "onset": round(t, 3),
                          "duration": round(min(d, 4.0), 3), "stage": _stage_at(stages, t),
                          "amp_uv": round(float(rng.uniform(15, 60)), 2)})
            busy.add(t, t + d)
    # graphoelements: they may fall anywhere in their stage (a spindle may ride on an arousal's
    # background; the rule still scores the arousal)
    for i, s in enumerate(stages):
        t0 = i * EPOCH
        if s in ("N2", "N3"):
            n_sp = rng.poisson(2.2 if s == "N2" else 0.8)
            for _ in range(n_sp):
                t = t0 + float(rng.uniform(0, EPOCH - 2))
                if rng.random() < 0.08:  # a train of 2-3 spindles
                    k = int(rng.integers(2, 4))
                    tt = t
                    for _j in range(k):
                        d = float(rng.uniform(0.7, 1.6))
                        distr.append(_spindle(rng, tt, d, s, train=True))
                        tt += d + float(rng.uniform(0.1, 0.4))
                else:
                    distr.append(_spindle(rng, t, float(rng.uniform(0.5, 2.0)), s))
        if s == "N2":
            for _ in range(rng.poisson(0.8)):
                t = t0 + float(rng.uniform(0, EPOCH - 1.5))
                distr.append({"kind": "k_complex", "onset": round(t, 3), "duration": 1.0, "stage": s,
                              "amp_uv": round(float(rng.uniform(70, 180)), 2),
                              "spindle_after": bool(rng.random() < 0.3)})
        if s == "N1":
            for _ in range(rng.poisson(1.0)):
                t = t0 + float(rng.uniform(0, EPOCH - 0.5))
                distr.append({"kind": "vertex_wave", "onset": round(t, 3), "duration": 0.3, "stage": s,
                              "amp_uv": round(float(rng.uniform(40, 100)), 2)})
        if s == "R":
            for _ in range(rng.poisson(0.8)):
                t = t0 + float(rng.uniform(0, EPOCH - 3))
                f = float(rng.uniform(2.0, 5.0))
                k = int(rng.integers(3, 9))
                distr.append({"kind": "sawtooth", "onset": round(t, 3), "duration": round(k / f, 3),
                              "stage": s, "freq": round(f, 3), "amp_uv": round(float(rng.uniform(20, 45)), 2)})
    arousals.sort(key=lambda a: a["onset"])
    distr.sort(key=lambda e: e["onset"])
    return arousals, distr


def _spindle(rng, t, d, stage, train=False):
    return {"kind": "spindle_train" if train else "spindle", "onset": round(t, 3), "duration": round(d, 3),
            "stage": stage, "freq": round(float(rng.uniform(11.0, 16.0) if rng.random() < 0.25
                                                else rng.uniform(12.5, 14.5)), 3),
            "amp_uv": round(float(rng.uniform(10, 35)), 2)}


# ----------------------------------------------------------------------------- rendering
def _band_envelopes(rng, stages, n_grid, arousals, distr, fs_eeg):
    """Per-band amplitude (µV RMS) on the 20-Hz grid: stage table x jitter x wander x events."""
    t = np.arange(n_grid) / GRID
    ep = np.minimum((t // EPOCH).astype(int), len(stages) - 1)
    scale = {b: float(rng.uniform(0.75, 1.3)) for b in BANDS}
    env = {}
    for b in BANDS:
        per_epoch = np.array([BAND_RMS[s][b] for s in stages]) * scale[b]
        e = per_epoch[ep]
        k = int(10 * GRID)  # stage changes ramp over ~10 s around the epoch boundary
        e = np.convolve(np.pad(e, (k, k), mode="edge"), np.ones(k) / k, mode="same")[k:-k]
        # continuous wander, slow (minutes) and faster (tens of seconds), not steps at epoch edges
        e *= np.exp(_ou(rng, n_grid, tau=120.0, sigma=0.15) + _ou(rng, n_grid, tau=15.0, sigma=0.2))
        env[b] = e
    # eyes open / closed in wake: stretches of 10-60 s
    wake = np.array([s == "W" for s in stages])[ep]
    eo = np.zeros(n_grid, bool)
    i = 0
    while i < n_grid:
        n = int(rng.uniform(10, 60) * GRID)
        if rng.random() < 0.35:
            eo[i:i + n] = True
        i += n
    eo &= wake
    env["alpha"] = np.where(eo, env["alpha"] * 0.25, env["alpha"])
    env["beta"] = np.where(eo, env["beta"] * 1.4, env["beta"])
    mult = {b: np.ones(n_grid) for b in BANDS}
    for a in arousals:
        p = _plateau(t, a["onset"], a["onset"] + a["duration"], a["r_on"], a["r_off"])
        for b in ("alpha", "beta"):
            if b in a["bands"]:
                mult[b] *= 1.0 + (a["contrast"] - 1.0) * p
        mult["theta"] *= 1.0 + (a["theta"] - 1.0) * p
        mult["delta"] *= 1.0 + (a["delta"] - 1.0) * p
    for e in distr:
        if e["kind"] in ("intrusion", "rem_alpha_no_chin"):
            p = _plateau(t, e["onset"], e["onset"] + e["duration"], 0.25, 0.4)
            for b in ("alpha", "beta"):
                if b in e["bands"]:
                    mult[b] *= 1.0 + (e["contrast"] - 1.0) * p
    return {b: env[b] * mult[b] for b in BANDS}


def _render_eeg(rng, stages, T, fs, n_ch, arousals, distr):
    n = int(round(T * fs))
    n_grid = int(T * GRID) + 2
    env = _band_envelopes(rng, stages, n_grid, arousals, distr, fs)
    f_alpha = float(rng.uniform(8.8, 10.8))
    f_theta = float(rng.uniform(5.0, 7.0))
    makers = {
        "delta": lambda r: (0.8 * _resonator(r, n, fs, 0.9, 1.2) + 0.6 * _resonator(r, n, fs, 2.2, 1.5)) / 1.0,
        "theta": lambda r: _resonator(r, n, fs, f_theta, 2.0),
        "alpha": lambda r: _resonator(r, n, fs, f_alpha, 1.4),
        "sigma": lambda r: _resonator(r, n, fs, 13.0, 2.0),
        "beta": lambda r: _bandnoise(r, n, fs, 16.0, 32.0),
    }
    out = [np.zeros(n) for _ in range(n_ch)]
    for b in BANDS:
        e = _to_samples(env[b], n, fs)
        common = makers[b](rng)
        for c in range(n_ch):
            x = np.sqrt(0.75) * common + np.sqrt(0.25) * makers[b](rng) if n_ch > 1 else common
            out[c] += x * e * float(rng.uniform(0.9, 1.1))
        del common, e
    # slow drift (electrode) and amplifier noise
    for c in range(n_ch):
        out[c] += 4.0 * _sig.lfilter([1.0], [1.0, -0.999], rng.standard_normal(n)) * np.sqrt(1 - 0.999 ** 2)
        out[c] += 0.6 * rng.standard_normal(n)
    # transients
    for e in distr:
        k = e["kind"]
        i0 = int(e["onset"] * fs)
        if k in ("spindle", "spindle_train"):
            m = int(e["duration"] * fs)
            tt = np.arange(m) / fs
            w = np.sin(np.pi * tt / e["duration"]) ** 2
            f = e["freq"] + rng.uniform(-0.4, 0.4) * tt / e["duration"]
            x = e["amp_uv"] * w * np.sin(2 * np.pi * np.cumsum(f) / fs + rng.uniform(0, 2 * np.pi))
            for c in range(n_ch):
                out[c][i0:i0 + m] += x[: max(0, min(m, n - i0))] * rng.uniform(0.7, 1.0)
        elif k == "k_complex":
            m = int(1.6 * fs)
            tt = np.arange(m) / fs
            a = e["amp_uv"]
            x = (-a * np.exp(-0.5 * ((tt - 0.25) / 0.08) ** 2) + 0.55 * a * np.exp(-0.5 * ((tt - 0.75) / 0.18) ** 2))
            if e["spindle_after"]:
                sp = (tt > 0.9) * np.sin(np.pi * np.clip((tt - 0.9) / 0.7, 0, 1)) ** 2
                x += 15.0 * sp * np.sin(2 * np.pi * 12.5 * tt)
            for c in range(n_ch):
                out[c][i0:i0 + m] += x[: max(0, min(m, n - i0))]
        elif k == "vertex_wave":
            m = int(0.5 * fs)
            tt = np.arange(m) / fs
            x = -e["amp_uv"] * np.exp(-0.5 * ((tt - 0.15) / 0.05) ** 2)
            for c in range(n_ch):
                out[c][i0:i0 + m] += x[: max(0, min(m, n - i0))]
        elif k == "sawtooth":
            m = int(e["duration"] * fs)
            tt = np.arange(m) / fs
            ph = (tt * e["freq"]) % 1.0
            x = e["amp_uv"] * (np.where(ph < 0.8, ph / 0.8, (1 - ph) / 0.2) - 0.5) * np.hanning(m) ** 0.3
            for c in range(n_ch):
                out[c][i0:i0 + m] += x[: max(0, min(m, n - i0))]
        elif k == "movement_artefact":
            m = int(e["duration"] * fs)
            if m < 4:
                continue
            tt = np.arange(m) / fs
            w = np.hanning(m)
            mus = _bandnoise(rng, m + 64, fs, 20.0, 90.0)[64:]
            slow = np.sin(np.pi * tt / e["duration"]) * rng.choice([-1, 1]) * e["amp_uv"] * 2
            for c in range(n_ch):
                out[c][i0:i0 + m] += (e["amp_uv"] * w * mus + slow)[: max(0, min(m, n - i0))]
    return out


def _emg_floor(rng, n, fs, sigma):
    return _bandnoise(rng, n, fs, 15.0, 150.0, order=2) * sigma


def _burst_env(t_grid, on, d, r_on, r_off):
    return _plateau(t_grid, on + r_on / 2, on + d - r_off / 2, r_on, r_off)


def _render_chin(rng, stages, T, fs, arousals):
    n = int(round(T * fs))
    n_grid = int(T * GRID) + 2
    t = np.arange(n_grid) / GRID
    ep = np.minimum((t // EPOCH).astype(int), len(stages) - 1)
    lvl = np.array([CHIN_UV[s] for s in stages]) * float(rng.uniform(0.7, 1.4))
    lvl = lvl * rng.lognormal(0, 0.12, len(stages))
    e = lvl[ep]
    k = int(5 * GRID)
    e = np.convolve(np.pad(e, (k, k), mode="edge"), np.ones(k) / k, mode="same")[k:-k]
    e *= np.exp(_ou(rng, n_grid, 30.0, 0.15))
    mult = np.ones(n_grid)
    for a in arousals:
        if a["chin"]:
            mult *= 1.0 + (a["chin_gain"] - 1.0) * _burst_env(t, a["chin_on"], a["chin_dur"], 0.15, 0.3)
    # REM phasic twitches (< 0.5 s, no arousal)
    for i, s in enumerate(stages):
        if s == "R":
            for _ in range(rng.poisson(2.5)):
                on = i * EPOCH + float(rng.uniform(0, EPOCH))
                mult *= 1.0 + float(rng.uniform(3, 12)) * _burst_env(t, on, float(rng.uniform(0.1, 0.4)), 0.05, 0.05)
    return _emg_floor(rng, n, fs, 1.0) * _to_samples(e * mult, n, fs)


def _render_legs(rng, T, fs, lms):
    n = int(round(T * fs))
    out = []
    for leg in ("left", "right"):
        floor = float(rng.uniform(1.2, 2.4))  # σ: mean rectified ~1-2 µV
        x = _emg_floor(rng, n, fs, floor)
        for lm in lms:
            if lm["side"] not in (leg, "both"):
                continue
            on = lm["onset"] + (lm["lag_s"] if (lm["side"] == "both" and leg == "right") else 0.0)
            d = lm["duration"]
            i0, m = int(on * fs), int(d * fs)
            if m < 2 or i0 + m >= n:
                continue
            tt = np.arange(m) / fs
            env = _plateau(tt, 0.05, d - 0.1, 0.1, 0.2)
            # sub-bursts: amplitude modulated 0.5-1.3x at 2-6 Hz
            env *= 0.9 + 0.4 * np.sin(2 * np.pi * rng.uniform(2, 6) * tt + rng.uniform(0, 6.3))
            amp = lm["amp_uv"] * (1.0 if lm["side"] != "both" else float(rng.uniform(0.6, 1.0)))
            x[i0:i0 + m] += _bandnoise(rng, m + 64, fs, 20.0, 150.0, order=2)[64:] * env * amp / 0.8
        out.append(x)
    return out


# ----------------------------------------------------------------------------- files
def _write_edf(path, chans, start):
    import pyedflib
    hdrs, sigs = [], []
    for label, x, fs in chans:
        lim = float(np.max(np.abs(x))) * 1.05 + 1.0
        lim = float(f"{lim:.1f}")
        hdrs.append(pyedflib.highlevel.make_signal_header(label, dimension="uV", sample_frequency=fs,
                                                           physical_min=-lim, physical_max=lim))
        sigs.append(np.clip(x, -lim, lim))
    hdr = pyedflib.highlevel.make_header(technician="", recording_additional="blind", patientname="X",
                                         startdate=start)
    tmp = path + ".tmp.edf"
    pyedflib.highlevel.write_edf(tmp, sigs, hdrs, hdr, file_type=pyedflib.FILETYPE_EDFPLUS)
    os.replace(tmp, path)


def _write_nsrr(path, stages, T, start, resp, arousals):
    """NSRR-style XML (as exported for SHHS/MESA): stage runs, respiratory events, arousals."""
    ev = [("", "Recording Start Time", 0.0, T)]
    i = 0
    while i < len(stages):
        j = i
        while j < len(stages) and stages[j] == stages[i]:
            j += 1
        ev.append(("Stages|Stages", NSRR_STAGE[stages[i]], i * EPOCH, (j - i) * EPOCH))
        i = j
    for r in resp:
        c = "Hypopnea|Hypopnea" if r["kind"] == "Hypopnea" else "Obstructive apnea|Obstructive Apnea"
        ev.append(("Respiratory|Respiratory", c, r["onset"], r["duration"]))
    for a in arousals:
        ev.append(("Arousals|Arousals", "Arousal|Arousal ()", a["onset"], a["duration"]))
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', "<PSGAnnotation>",
             "<SoftwareVersion>Compumedics</SoftwareVersion>", "<EpochLength>30</EpochLength>", "<ScoredEvents>"]
    for k, (typ, con, s, d) in enumerate(ev):
        et = f"<EventType>{_sx.escape(typ)}</EventType>" if typ else "<EventType/>"
        clock = f"<ClockTime>00.00.00 {start.strftime('%H.%M.%S')}</ClockTime>" if k == 0 else ""
        lines.append(f"<ScoredEvent>{et}<EventConcept>{_sx.escape(con)}</EventConcept>"
                     f"<Start>{s:.1f}</Start><Duration>{d:.1f}</Duration>{clock}</ScoredEvent>")
    lines += ["</ScoredEvents>", "</PSGAnnotation>", ""]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def make_night(cfg: BlindConfig, folder: str, stem: str) -> dict:
    """Generate one night; write ``stem.edf``, ``stem.xml`` (no arousals), ``stem_arousals.xml``
    (the true arousals) and ``stem_truth.json``; return the truth."""
    os.makedirs(folder, exist_ok=True)
    T = float(round(cfg.hours * 3600 / EPOCH) * EPOCH)
    r_plan, r_eeg, r_emg, r_set = cfg.rng(1), cfg.rng(2), cfg.rng(3), cfg.rng(4)
    fs_eeg = int(r_set.choice([200, 256, 512]))
    fs_emg = int(r_set.choice([200, 256, 512]))
    n_eeg = int(r_set.choice([1, 2]))
    eeg_lab = LABELS["eeg"][int(r_set.integers(len(LABELS["eeg"])))][:n_eeg]
    chin_lab = LABELS["chin"][int(r_set.integers(len(LABELS["chin"])))]
    leg_lab = LABELS["legs"][int(r_set.integers(len(LABELS["legs"])))]
    start = _dt.datetime(2025, 3, 1 + int(r_set.integers(0, 27)), 22, int(r_set.integers(0, 60)), 0)
    stages = make_hypnogram(r_plan, int(T // EPOCH))
    lms = _plan_legs(r_plan, stages, T)
    resp = _plan_resp(r_plan, stages, T)
    arousals, distr = _plan_eeg_events(r_plan, cfg, stages, T, lms, resp)
    eeg = _render_eeg(r_eeg, stages, T, fs_eeg, n_eeg, arousals, distr)
    chans = [(lab, x, fs_eeg) for lab, x in zip(eeg_lab, eeg)]
    del eeg
    chans.append((chin_lab, _render_chin(r_emg, stages, T, fs_emg, arousals), fs_emg))
    legs = _render_legs(r_emg, T, fs_emg, lms)
    chans += [(leg_lab[0], legs[0], fs_emg), (leg_lab[1], legs[1], fs_emg)]
    _write_edf(os.path.join(folder, stem + ".edf"), chans, start)
    _write_nsrr(os.path.join(folder, stem + ".xml"), stages, T, start, resp, [])
    _write_nsrr(os.path.join(folder, stem + "_arousals.xml"), stages, T, start, resp, arousals)
    truth = {"gen_version": GEN_VERSION, "seed": cfg.seed, "hours": cfg.hours, "family": cfg.family, "duration_s": T,
             "fs_eeg": fs_eeg, "fs_emg": fs_emg, "eeg_labels": list(eeg_lab), "chin_label": chin_lab,
             "leg_labels": list(leg_lab), "start": start.isoformat(), "stages": stages,
             "arousals": arousals, "distractors": distr, "leg_movements": lms, "respiratory": resp}
    tmp = os.path.join(folder, stem + "_truth.json.tmp")
    with open(tmp, "w") as f:
        json.dump(truth, f)
    os.replace(tmp, os.path.join(folder, stem + "_truth.json"))
    return truth
