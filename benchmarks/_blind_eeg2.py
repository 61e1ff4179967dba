"""Second blind EEG-arousal night generator: spectral synthesis per 30-s epoch (held-out check).

Written from the text of issue 15, the AASM arousal rule and textbook sleep-EEG physiology only,
without reading jerkdetect's detector, its simulators or the first blind generator
(``_blind_eeg.py``). NumPy, SciPy and pyedflib only; jerkdetect is not imported.

How a night is built
--------------------
* Hypnogram: a semi-Markov sequence of ~5 NREM-REM cycles (sleep latency, N1 -> N2 -> N3 -> N2 ->
  R, N3 shrinking and R growing across the night, brief awakenings at some transitions), bout
  lengths drawn from gamma laws and scaled to ``hours`` (an 8-h night is the reference).
* Background EEG: for every 30-s epoch one *random-phase spectral synthesis* (fixed magnitudes
  from the stage's power spectrum, uniform random phases, inverse FFT) of a parametric spectrum:
  an aperiodic 1/f^beta component with a knee plus Gaussian peaks (delta, theta, alpha, sigma,
  beta) whose sizes are textbook per stage and jittered per epoch. Neighbouring epochs are
  joined by a 2-s power-preserving sine/cosine cross-fade. Two derivations share most of their
  activity (a shared and a private synthesis mixed with correlation ``rho``).
* Arousals (AASM 2012 rule: an abrupt shift of EEG frequency to alpha, theta and/or > 16 Hz,
  not spindles, lasting >= 3 s after >= 10 s of stable sleep; in R with a chin EMG rise >= 1 s):
  each one is its own synthesis of a *shifted* spectrum - the stage spectrum with the delta and
  sigma peaks reduced and power added at the night's alpha frequency and/or in the beta band
  (and theta for some), sized so the band amplitude is ``contrast`` x the stage background's -
  faded in over a 0.2-1 s onset ramp and out over a 0.3-3 s decay with a power-preserving
  cross-fade. Some are preceded by a K-complex or a delta burst. Causes: leg movements (tibialis
  bursts 0.5-10 s, isolated or in periodic series), respiratory events (arousal at the event's
  end) or none.
* Look-alikes not scored by the rule: alpha/beta intrusions of 1-2.9 s (the arousal mechanism,
  shorter), spindles and spindle trains, K-complexes, vertex waves in N1, sawtooth waves in R,
  alpha bursts in R without a chin rise, EEG movement artefact on leg movements that have no
  arousal, sweat drift, electrode pops, alpha-rich wake/N1, alpha-delta sleep, beta-rich
  (benzodiazepine-like) nights.

``make_night`` writes ``stem.edf`` (EDF+, uV), ``stem_noar.xml`` (NSRR XML: recording start and
length, stages, respiratory events, no arousals), ``stem_ar.xml`` (the same plus the true
arousals) and ``stem_truth.json``.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

GEN_VERSION = "blind2-2"
FAMILIES = ("modest", "ordinary")
SLEEP = ("N1", "N2", "N3", "R")
STAGES = ("W", "N1", "N2", "N3", "R")
EPOCH = 30.0
XML_NOAR, XML_AR = "_noar.xml", "_ar.xml"
NSRR_STAGE = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2", "N3": "Stage 3 sleep|3",
              "R": "REM sleep|5"}
ALPHA_BAND, THETA_BAND, BETA_BAND = (8.0, 12.5), (4.0, 8.0), (16.0, 30.0)

# RMS amplitude (uV) of each spectral component per stage, before the night's gain
STAGE_RMS = {  # aperiodic, delta, theta, alpha, sigma, beta
    "W": (10.0, 2.0, 3.0, 12.0, 1.0, 4.0),
    "N1": (12.0, 4.0, 7.0, 3.5, 1.0, 3.0),
    "N2": (17.0, 12.0, 6.0, 2.0, 2.0, 2.5),
    "N3": (30.0, 38.0, 6.0, 1.5, 1.5, 2.0),
    "R": (11.0, 4.0, 7.0, 3.0, 1.0, 3.0),
}


@dataclass
class Night:
    """Per-night parameters drawn from the seed (the subject, the montage, the artefacts)."""
    fs_eeg: int
    fs_emg: int
    eeg_labels: list
    chin_label: str
    leg_labels: list
    gain: float
    beta_exp: float
    knee: float
    alpha_f: float
    sigma_f: float
    theta_f: float
    beta_f: float
    rho: float
    alpha_rich_n1: bool
    alpha_delta: bool
    beta_rich: bool
    sweat: bool
    pops: bool


def _draw_night(rng: np.random.Generator) -> Night:
    fs_emg = int(rng.choice([200, 256, 512]))
    fs_eeg = int(rng.choice([128, 200, 256, fs_emg]))
    montage = [["C4-M1", "C3-M2"], ["EEG C3-A2", "EEG C4-A1"], ["C3-M2"], ["EEG C4-A1"]][int(rng.integers(4))]
    if len(montage) == 2 and rng.random() < 0.3:
        montage = montage[:1]
    legs = [["Leg L", "Leg R"], ["LAT", "RAT"]][int(rng.integers(2))]
    return Night(fs_eeg=fs_eeg, fs_emg=fs_emg, eeg_labels=montage,
                 chin_label=str(rng.choice(["Chin EMG", "EMG Chin", "Chin1-Chin2"])), leg_labels=legs,
                 gain=float(rng.uniform(0.75, 1.35)), beta_exp=float(rng.uniform(1.6, 2.3)),
                 knee=float(rng.uniform(0.6, 1.6)), alpha_f=float(rng.uniform(8.6, 10.8)),
                 sigma_f=float(rng.uniform(12.0, 14.2)), theta_f=float(rng.uniform(5.0, 7.0)),
                 beta_f=float(rng.uniform(18.0, 24.0)), rho=float(rng.uniform(0.65, 0.9)),
                 alpha_rich_n1=bool(rng.random() < 0.4), alpha_delta=bool(rng.random() < 0.2),
                 beta_rich=bool(rng.random() < 0.3), sweat=bool(rng.random() < 0.5),
                 pops=bool(rng.random() < 0.6))


# ----------------------------------------------------------------------------- hypnogram
def hypnogram(rng: np.random.Generator, hours: float) -> list[str]:
    """Stage per 30-s epoch: ~5 NREM-REM cycles of an 8-h night scaled to ``hours``."""
    n = int(round(hours * 3600 / EPOCH))
    s = max(hours / 8.0, 0.3)  # a short night keeps bouts long enough to hold arousals

    def bout(mean_min: float) -> int:
        if mean_min <= 0:
            return 0
        return max(1, int(round(rng.gamma(4.0, mean_min * s / 4.0) * 2)))

    out = ["W"] * max(2, bout(12.0))
    # textbook adult night: N1 ~5 %, N2 ~50 %, N3 ~15-20 % (early), R ~20-25 % (late) of sleep
    n3 = (35.0, 22.0, 10.0, 4.0, 0.0, 0.0)
    rem = (7.0, 12.0, 16.0, 20.0, 22.0, 22.0)
    k = 0
    while len(out) < n:
        seq = [("N1", 2.5), ("N2", 20.0), ("N3", n3[min(k, 5)]), ("N2", 9.0), ("R", rem[min(k, 5)])]
        for st, m in seq:
            out += [st] * bout(m)
            if st in ("N2", "R") and rng.random() < 0.3:  # brief awakening, back through N1
                out += ["W"] * int(rng.integers(1, 3)) + ["N1"] * int(rng.integers(1, 3))
        k += 1
    out = out[:n]
    k_end = int(rng.integers(1, 3))
    return out[:n - k_end] + ["W"] * k_end


# ----------------------------------------------------------------------------- spectra
def _gauss(f, f0, sd):
    g = np.exp(-0.5 * ((f - f0) / sd) ** 2)
    return g / (np.trapezoid(g, f) or 1.0)


def stage_psd(nt: Night, stage: str, f: np.ndarray, jitter=None) -> np.ndarray:
    """One-sided PSD (uV^2/Hz) of a stage's background: 1/f^beta with a knee plus peaks."""
    a = np.array(STAGE_RMS[stage], float) * nt.gain
    if stage == "N1" and nt.alpha_rich_n1:
        a[3] *= 2.6
    if stage in ("N2", "N3") and nt.alpha_delta:
        a[3] *= 3.0
    if nt.beta_rich and stage != "W":
        a[5] *= 3.0
    if jitter is not None:
        a = a * jitter
    ap = 1.0 / (1.0 + (np.maximum(f, 0.1) / nt.knee) ** nt.beta_exp)
    ap[f < 0.3] = 0.0
    ap /= np.trapezoid(ap, f)
    shapes = (ap, _gauss(f, 1.0, 0.6), _gauss(f, nt.theta_f, 1.0), _gauss(f, nt.alpha_f, 0.7),
              _gauss(f, nt.sigma_f, 0.8), _gauss(f, nt.beta_f, 4.5))
    return sum(ai ** 2 * sh for ai, sh in zip(a, shapes))


def band_power(psd: np.ndarray, f: np.ndarray, band: tuple) -> float:
    m = (f >= band[0]) & (f <= band[1])
    return float(np.trapezoid(psd[m], f[m]))


def arousal_psd(nt: Night, stage: str, f: np.ndarray, ev: dict) -> np.ndarray:
    """The stage spectrum shifted as an arousal: delta and sigma down, alpha/beta/theta up so that
    each raised band's amplitude is its gain x the stage background's (AASM: a frequency shift)."""
    bg = stage_psd(nt, stage, f)
    out = bg * np.where(f < 3.0, ev["delta_gain"] ** 2, 1.0)
    out = out - (1 - ev["sigma_gain"] ** 2) * nt.gain ** 2 * STAGE_RMS[stage][4] ** 2 * _gauss(f, nt.sigma_f, 0.8)
    for key, band, shape in (("alpha", ALPHA_BAND, _gauss(f, ev["alpha_f"], 0.8)),
                             ("beta", BETA_BAND, _gauss(f, nt.beta_f, 4.0)),
                             ("theta", THETA_BAND, _gauss(f, nt.theta_f, 0.9))):
        c = ev[key]
        if c > 1.0:
            m = (f >= band[0]) & (f <= band[1])
            need = (c ** 2 - 1.0) * band_power(bg, f, band)
            out = out + shape * need / float(np.trapezoid(shape[m], f[m]))
    return np.maximum(out, 0.0)


def synth(psd: np.ndarray, m: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    """Random-phase synthesis: fixed magnitudes sqrt(2 PSD df), uniform phases, inverse FFT."""
    df = fs / m
    amp = np.sqrt(2.0 * psd * df)
    ph = rng.uniform(0, 2 * np.pi, len(psd))
    spec = (m / 2.0) * amp * np.exp(1j * ph)
    spec[0] = 0.0
    return np.fft.irfft(spec, m)


def synth_ch(psd, m, fs, rng, n_ch, rho):
    """n_ch derivations sharing a synthesis with correlation rho, each with the PSD given."""
    common = synth(psd, m, fs, rng)
    if n_ch == 1:
        return common[None, :]
    return np.stack([rho * common + np.sqrt(1 - rho ** 2) * synth(psd, m, fs, rng) for _ in range(n_ch)])


# ----------------------------------------------------------------------------- events
class Timeline:
    """Intervals taken by kind, to keep events apart as the rules require."""

    def __init__(self):
        self.iv: dict[str, list] = {}

    def add(self, kind, a, b):
        self.iv.setdefault(kind, []).append((a, b))

    def free(self, kind, a, b) -> bool:
        return not any(x < b and y > a for x, y in self.iv.get(kind, []))


def _stage_at(stages, t):
    return stages[min(int(t // EPOCH), len(stages) - 1)]


def _stable(stages, on, end):
    """Same sleep stage from 10 s before onset to the end (AASM: >= 10 s of stable sleep)."""
    if on - 10.0 < 0 or end >= len(stages) * EPOCH - 1:
        return None
    sts = {stages[i] for i in range(int((on - 10.0) // EPOCH), int(end // EPOCH) + 1)}
    return next(iter(sts)) if len(sts) == 1 and next(iter(sts)) in SLEEP else None


def _contrast(rng, family):
    if family == "modest":
        return float(rng.uniform(1.5, 4.0)) if rng.random() < 0.85 else float(rng.uniform(4.0, 6.0))
    return float(rng.uniform(4.0, 8.0))


def _shift(rng, nt, family, stage, dur, kind):
    """Band gains of one arousal-like EEG shift (arousal, intrusion, R alpha burst)."""
    c = _contrast(rng, family)
    u = rng.random()
    if stage == "R" or kind == "rem_alpha_no_chin":
        bands = "alpha" if u < 0.7 else "alpha+beta"
    else:
        bands = "alpha" if u < 0.4 else "beta" if u < 0.6 else "alpha+beta"
    alpha = c if "alpha" in bands else 1.0
    beta = 1.0 if "beta" not in bands else c if bands == "beta" else max(1.2, c * float(rng.uniform(0.7, 1.0)))
    theta = float(rng.uniform(1.5, 3.0)) if rng.random() < 0.3 else 1.0
    ramp = float(rng.uniform(0.2, 1.0))
    if kind == "intrusion":  # a short burst: its fade stays short too
        decay = float(rng.uniform(0.3, 1.0))
    else:  # a gradual decay for 40 %
        decay = float(rng.uniform(1.0, 3.0)) if rng.random() < 0.4 else float(rng.uniform(0.3, 1.0))
    return {"contrast": round(c, 3), "bands": bands, "alpha": alpha, "beta": beta,
            "theta": theta, "alpha_f": nt.alpha_f + float(rng.uniform(-0.8, 0.5)),
            "delta_gain": float(rng.uniform(0.3, 0.8)), "sigma_gain": float(rng.uniform(0.2, 0.7)),
            "ramp": round(ramp, 3), "decay": round(decay, 3)}


def plan_events(rng, nt: Night, stages: list[str], family: str) -> dict:
    """Place arousals (with causes), leg movements, respiratory events and look-alikes."""
    T = len(stages) * EPOCH
    tl = Timeline()
    arousals, lms, resp, dis = [], [], [], []
    sleep_h = sum(s in SLEEP for s in stages) * EPOCH / 3600

    def try_arousal(on, dur, cause):
        end = on + dur
        st = _stable(stages, on, end)
        if st is None or not tl.free("arousal", on - 10.0, end + 10.0) or not tl.free("busy", on - 3.0, end + 3.0):
            return None
        ev = _shift(rng, nt, family, st, dur, "arousal")
        ev.update({"onset": round(on, 3), "duration": round(dur, 3), "stage": st, "cause": cause})
        if st == "R" or rng.random() < 0.4:  # chin EMG rise (required in R)
            cd = float(rng.uniform(1.0, min(dur, 6.0)))
            c0 = on + float(rng.uniform(0.0, dur - cd))
            ev.update({"chin": True, "chin_on": round(c0, 3), "chin_dur": round(cd, 3),
                       "chin_gain": float(rng.uniform(2.0, 4.0))})
        else:
            ev.update({"chin": False, "chin_on": None, "chin_dur": 0.0, "chin_gain": 1.0})
        ev["pre"] = None
        if st in ("N2", "N3") and rng.random() < 0.25:
            ev["pre"] = "k_complex" if rng.random() < 0.6 else "delta_burst"
        tl.add("arousal", on - 10.0, end + 10.0)
        tl.add("eeg", on - 2.0, end + 2.0)
        arousals.append(ev)
        return ev

    def arousal_dur():
        return float(np.clip(3.0 + rng.exponential(3.5 if family == "modest" else 4.5), 3.0, 15.0))

    def add_lm(on, dur, arousal=None):
        if not tl.free("lm", on - 4.0, on + dur + 4.0):
            return False
        if arousal is None:  # an LM of no arousal stays clear of every arousal (AASM 0.5-s link)
            if not tl.free("arousal_core", on - 3.0, on + dur + 3.0):
                return False
        side = str(rng.choice(["left", "right", "both"], p=[0.35, 0.35, 0.3]))
        lms.append({"onset": round(on, 3), "duration": round(dur, 3), "side": side,
                    "amp": float(rng.uniform(12.0, 45.0)), "arousal": arousal is not None})
        tl.add("lm", on, on + dur)
        tl.add("busy", on, on + dur)
        return True

    def core(ev):
        tl.add("arousal_core", ev["onset"], ev["onset"] + ev["duration"])

    # periodic LM series (AASM/WASM: >= 4 LMs 5-90 s apart), some LMs with an arousal
    n_series = int(rng.poisson(max(1.5, rng.uniform(1.5, 3.0) * sleep_h)))
    for _ in range(n_series):
        t = float(rng.uniform(0, T))
        n = int(rng.integers(4, 16))
        period = float(rng.uniform(16.0, 40.0))
        for _ in range(n):
            if _stage_at(stages, t) in ("N1", "N2", "N3") or (_stage_at(stages, t) == "R" and rng.random() < 0.3):
                dur = float(np.clip(rng.gamma(2.0, 0.9), 0.5, 8.0))
                if rng.random() < 0.4:  # the arousal starts during the LM (AASM: linked)
                    a_on = t + float(rng.uniform(0.0, min(1.0, 0.8 * dur)))
                    ev = try_arousal(a_on, arousal_dur(), "leg_movement")
                    if ev is not None:
                        if add_lm(t, dur, ev):
                            core(ev)
                        else:
                            arousals.pop()
                            ev = None
                    if ev is None:
                        add_lm(t, dur)
                else:
                    add_lm(t, dur)
            t += period * float(rng.uniform(0.85, 1.15))
    # respiratory events; ~60 % end with an arousal
    n_resp = int(rng.poisson(max(2.0, rng.uniform(3.0, 12.0) * sleep_h)))  # AHI-like 3-12 /h
    for _ in range(40 * n_resp):
        if len(resp) >= n_resp:
            break
        on = float(rng.uniform(0, T))
        dur = float(rng.uniform(10.0, 40.0))
        st = _stable(stages, on + 10.0, on + dur)
        if st not in ("N1", "N2", "R") or not tl.free("resp", on - 20.0, on + dur + 20.0):
            continue
        if not tl.free("busy", on, on + dur):
            continue
        kind = str(rng.choice(["Obstructive apnea|Obstructive Apnea", "Hypopnea|Hypopnea"], p=[0.4, 0.6]))
        ev = None
        if rng.random() < 0.6:
            ev = try_arousal(on + dur + float(rng.uniform(0.0, 2.5)), arousal_dur(), "respiratory")
            if ev is not None:
                core(ev)
        resp.append({"onset": round(on, 3), "duration": round(dur, 3), "concept": kind,
                     "arousal": ev is not None})
        tl.add("resp", on, on + dur)
    # spontaneous arousals up to the night's index (10-22 /h of sleep in all)
    target = int(round(rng.uniform(10.0, 22.0) * sleep_h))
    tries = 0
    while len(arousals) < target and tries < 50 * max(target, 1):
        tries += 1
        ev = try_arousal(float(rng.uniform(0, T)), arousal_dur(), "spontaneous")
        if ev is not None:
            core(ev)
    arousals.sort(key=lambda e: e["onset"])
    # isolated LMs with no arousal (some with EEG movement artefact)
    for _ in range(int(rng.poisson(8 * sleep_h))):
        t = float(rng.uniform(0, T))
        add_lm(t, float(np.clip(rng.gamma(2.0, 1.0), 0.5, 10.0)))
    for lm in lms:
        if not lm["arousal"] and rng.random() < 0.4:
            d = float(rng.uniform(0.3, min(2.0, lm["duration"] + 0.5)))
            dis.append({"kind": "movement_artefact", "onset": round(lm["onset"], 3), "duration": round(d, 3),
                        "amp": float(rng.uniform(40.0, 150.0)), "emg": float(rng.uniform(5.0, 25.0))})
    # look-alikes
    n_intr = int(rng.poisson((40.0 if family == "modest" else 15.0) * sleep_h))
    for _ in range(n_intr):
        t = float(rng.uniform(0, T))
        d = float(rng.uniform(1.0, 2.9))
        st = _stage_at(stages, t)
        if st not in SLEEP or _stage_at(stages, t + d) != st:
            continue
        if not tl.free("arousal", t - 5.0, t + d + 5.0) or not tl.free("eeg", t - 2.0, t + d + 2.0):
            continue
        ev = _shift(rng, nt, family, st, d, "intrusion")
        ev.update({"kind": "intrusion", "onset": round(t, 3), "duration": round(d, 3), "stage": st})
        dis.append(ev)
        tl.add("eeg", t - 1.0, t + d + 1.0)
    for i, st in enumerate(stages):
        t0 = i * EPOCH
        if st == "R":
            if rng.random() < 0.12:  # alpha burst in R without a chin rise: not an arousal
                t, d = t0 + float(rng.uniform(2, 20)), float(rng.uniform(3.0, 7.0))
                if _stage_at(stages, t + d) == "R" and tl.free("arousal", t - 10, t + d + 10) \
                        and tl.free("eeg", t - 2, t + d + 2):
                    ev = _shift(rng, nt, family, "R", d, "rem_alpha_no_chin")
                    ev.update({"kind": "rem_alpha_no_chin", "onset": round(t, 3), "duration": round(d, 3),
                               "stage": "R"})
                    dis.append(ev)
                    tl.add("eeg", t - 2, t + d + 2)
                    tl.add("no_twitch", t - 2, t + d + 2)
            for _ in range(int(rng.poisson(0.5))):
                t, d = t0 + float(rng.uniform(0, 27)), float(rng.uniform(1.0, 5.0))
                if tl.free("eeg", t, t + d):
                    dis.append({"kind": "sawtooth", "onset": round(t, 3), "duration": round(d, 3),
                                "freq": float(rng.uniform(2.0, 5.0)), "amp": float(rng.uniform(20.0, 50.0))})
        elif st in ("N2", "N3"):
            rate = 2.5 if st == "N2" else 0.7  # spindles per epoch (N2: ~5 /min)
            for _ in range(int(rng.poisson(rate))):
                t = t0 + float(rng.uniform(0, 29))
                d = float(rng.uniform(0.5, 2.0))
                if tl.free("eeg", t, t + d):
                    dis.append({"kind": "spindle", "onset": round(t, 3), "duration": round(d, 3),
                                "freq": float(nt.sigma_f + rng.uniform(-1.0, 1.0)),
                                "amp": float(rng.uniform(8.0, 22.0)) * nt.gain})
            if st == "N2" and rng.random() < 0.06:  # a train of spindles 3-6 s long
                t = t0 + float(rng.uniform(0, 24))
                if tl.free("eeg", t - 1, t + 7) and tl.free("arousal", t - 2, t + 7):
                    k = int(rng.integers(2, 4))
                    d = [float(rng.uniform(1.0, 1.8)) for _ in range(k)]
                    dis.append({"kind": "spindle_train", "onset": round(t, 3), "duration": round(sum(d) + 0.3 * k, 3),
                                "parts": d, "freq": float(nt.sigma_f + rng.uniform(-0.7, 0.7)),
                                "amp": float(rng.uniform(10.0, 22.0)) * nt.gain})
                    tl.add("eeg", t, t + sum(d) + 0.3 * k)
            for _ in range(int(rng.poisson(0.8 if st == "N2" else 0.3))):
                t = t0 + float(rng.uniform(0, 29))
                if tl.free("eeg", t - 0.5, t + 1.5):
                    dis.append({"kind": "k_complex", "onset": round(t, 3), "duration": 1.2,
                                "amp": float(rng.uniform(60.0, 140.0)) * nt.gain})
        elif st == "N1":
            for _ in range(int(rng.poisson(0.6))):
                t = t0 + float(rng.uniform(0, 29))
                if tl.free("eeg", t - 0.5, t + 1.0):
                    dis.append({"kind": "vertex_wave", "onset": round(t, 3), "duration": 0.4,
                                "amp": float(rng.uniform(40.0, 90.0)) * nt.gain})
    for ev in arousals:  # the K-complex or delta burst just before some arousals
        if ev["pre"] == "k_complex":
            dis.append({"kind": "k_complex", "onset": round(ev["onset"] - 1.3, 3), "duration": 1.2,
                        "amp": float(rng.uniform(60.0, 140.0)) * nt.gain, "before_arousal": True})
        elif ev["pre"] == "delta_burst":
            d = float(rng.uniform(1.0, 2.0))
            dis.append({"kind": "delta_burst", "onset": round(ev["onset"] - d, 3), "duration": round(d, 3),
                        "freq": float(rng.uniform(1.0, 2.0)), "amp": float(rng.uniform(40.0, 90.0)) * nt.gain,
                        "before_arousal": True})
    if nt.pops:
        for _ in range(int(rng.poisson(3 * len(stages) * EPOCH / 3600))):
            dis.append({"kind": "pop", "onset": round(float(rng.uniform(0, T - 5)), 3), "duration": 1.0,
                        "channel": int(rng.integers(len(nt.eeg_labels))),
                        "amp": float(rng.choice([-1, 1]) * rng.uniform(100, 300)), "tau": float(rng.uniform(0.1, 0.6))})
    if nt.sweat:
        for _ in range(int(rng.integers(1, 4))):
            d = float(rng.uniform(120, 600))
            dis.append({"kind": "sweat", "onset": round(float(rng.uniform(0, max(1.0, T - d))), 3),
                        "duration": round(d, 3), "amp": float(rng.uniform(20.0, 80.0)),
                        "freq": float(rng.uniform(0.05, 0.3))})
    dis.sort(key=lambda e: e["onset"])
    lms.sort(key=lambda e: e["onset"])
    resp.sort(key=lambda e: e["onset"])
    return {"arousals": arousals, "lms": lms, "resp": resp, "distractors": dis, "timeline": tl}


# ----------------------------------------------------------------------------- rendering
def _fade(n: int) -> np.ndarray:
    return np.sin(0.5 * np.pi * (np.arange(n) + 0.5) / n)


def render_eeg(rng, nt: Night, stages: list[str], plan: dict) -> np.ndarray:
    """The EEG (n_ch, n) in uV: per-epoch random-phase syntheses cross-faded, then the events."""
    fs, n_ch = nt.fs_eeg, len(nt.eeg_labels)
    n = int(len(stages) * EPOCH * fs)
    ov = int(2 * fs)  # cross-fade length
    m = int(EPOCH * fs) + ov
    f = np.fft.rfftfreq(m, 1 / fs)
    x = np.zeros((n_ch, n + ov))
    up = _fade(ov)
    win = np.ones(m)
    win[:ov], win[-ov:] = up, up[::-1]  # sin^2 + cos^2 = 1: power kept across the join
    for i, st in enumerate(stages):
        jit = np.exp(rng.normal(0.0, 0.12, 6))
        seg = synth_ch(stage_psd(nt, st, f, jit), m, fs, rng, n_ch, nt.rho)
        w = win.copy()
        if i == 0:
            w[:ov] = 1.0
        if i == len(stages) - 1:
            w[-ov:] = 1.0
        x[:, i * int(EPOCH * fs): i * int(EPOCH * fs) + m] += seg * w
    x = x[:, ov // 2: ov // 2 + n]  # epoch boundaries sit mid-fade
    shifts = [(e, e["stage"]) for e in plan["arousals"]]
    shifts += [(e, e["stage"]) for e in plan["distractors"] if e["kind"] in ("intrusion", "rem_alpha_no_chin")]
    for ev, st in shifts:
        r, d = ev["ramp"], ev["decay"]
        a0 = ev["onset"] - r / 2
        a1 = ev["onset"] + ev["duration"] + d / 2
        i0, i1 = max(0, int(a0 * fs)), min(n, int(np.ceil(a1 * fs)))
        mm = i1 - i0
        if mm < 8:
            continue
        ff = np.fft.rfftfreq(mm, 1 / fs)
        seg = synth_ch(arousal_psd(nt, st, ff, ev), mm, fs, rng, n_ch, nt.rho)
        t = (np.arange(i0, i1) + 0.5) / fs
        wr = np.clip((t - a0) / r, 0, 1)
        wd = np.clip((a1 - t) / d, 0, 1)
        w = np.minimum(0.5 - 0.5 * np.cos(np.pi * wr), 0.5 - 0.5 * np.cos(np.pi * wd))
        x[:, i0:i1] = np.sqrt(1 - w) * x[:, i0:i1] + np.sqrt(w) * seg
    for e in plan["distractors"]:
        k = e["kind"]
        i0 = int(e["onset"] * fs)
        if k in ("spindle", "spindle_train"):
            parts = [e["duration"]] if k == "spindle" else e["parts"]
            t0 = e["onset"]
            for d in parts:
                j0, mm = int(t0 * fs), int(d * fs)
                tt = np.arange(mm) / fs
                wave = e["amp"] * np.hanning(mm) ** 0.7 * np.sin(2 * np.pi * e["freq"] * tt + rng.uniform(0, 6.3))
                _add(x, j0, wave)
                t0 += d + 0.3
        elif k == "k_complex":
            tt = np.arange(int(1.2 * fs)) / fs
            neg = -np.exp(-0.5 * ((tt - 0.25) / 0.09) ** 2)
            pos = 0.55 * np.exp(-0.5 * ((tt - 0.65) / 0.2) ** 2)
            _add(x, i0, e["amp"] * (neg + pos))
        elif k == "vertex_wave":
            tt = np.arange(int(0.4 * fs)) / fs
            _add(x, i0, -e["amp"] * np.exp(-0.5 * ((tt - 0.2) / 0.06) ** 2))
        elif k == "delta_burst":
            tt = np.arange(int(e["duration"] * fs)) / fs
            _add(x, i0, e["amp"] * np.hanning(len(tt)) * np.sin(2 * np.pi * e["freq"] * tt))
        elif k == "sawtooth":
            tt = np.arange(int(e["duration"] * fs)) / fs
            saw = signal.sawtooth(2 * np.pi * e["freq"] * tt, 0.8)
            _add(x, i0, e["amp"] * 0.5 * saw * np.hanning(len(tt)) ** 0.3)
        elif k == "movement_artefact":
            mm = int(e["duration"] * fs)
            tt = np.arange(mm) / fs
            slow = e["amp"] * np.sin(np.pi * tt / (mm / fs)) * rng.choice([-1, 1])
            mus = rng.normal(0, 1, mm)
            b, a = signal.butter(3, [20.0 / (fs / 2), min(0.9, 60.0 / (fs / 2))], "band")
            mus = signal.lfilter(b, a, mus)
            mus *= e["emg"] / (mus.std() or 1.0) * np.hanning(mm)
            _add(x, i0, slow + mus)
        elif k == "pop":
            tt = np.arange(int(3 * fs)) / fs
            wave = e["amp"] * np.exp(-tt / e["tau"])
            c = e["channel"]
            j1 = min(n, i0 + len(wave))
            x[c, i0:j1] += wave[: j1 - i0]
        elif k == "sweat":
            tt = np.arange(int(e["duration"] * fs)) / fs
            for c in range(n_ch):
                drift = e["amp"] * np.sin(2 * np.pi * e["freq"] * tt + rng.uniform(0, 6.3)) * np.hanning(len(tt))
                j1 = min(n, i0 + len(drift))
                x[c, i0:j1] += drift[: j1 - i0] * (1.0 if c == 0 else rng.uniform(0.3, 1.0))
    return x


def _add(x, i0, wave):
    i0 = max(0, i0)
    j1 = min(x.shape[1], i0 + len(wave))
    if j1 > i0:
        x[:, i0:j1] += wave[: j1 - i0]


def _bump(env, fs, on, dur, level, ramp=0.1):
    """Raise an envelope to ``level`` over [on, on + dur] with raised-cosine edges."""
    i0, i1 = int(on * fs), int((on + dur) * fs)
    r = max(1, int(ramp * fs))
    a = max(0, i0 - r)
    b = min(len(env), i1 + r)
    if b <= a:
        return
    t = np.arange(a, b)
    w = np.ones(b - a)
    up = t < i0
    w[up] = 0.5 - 0.5 * np.cos(np.pi * (t[up] - (i0 - r)) / r)
    dn = t >= i1
    w[dn] = 0.5 + 0.5 * np.cos(np.pi * (t[dn] - i1) / r)
    env[a:b] = np.maximum(env[a:b], env[a:b] * (1 - w) + level * w)


def _emg_noise(rng, n, fs):
    sos = signal.butter(4, [10.0 / (fs / 2), min(0.9, 100.0 / (fs / 2))], "band", output="sos")
    z = signal.sosfilt(sos, rng.normal(0, 1, n))
    return z / z.std()


def render_emg(rng, nt: Night, stages, plan):
    """Chin and two tibialis EMG (uV): filtered noise times a stage/event envelope."""
    fs = nt.fs_emg
    n = int(len(stages) * EPOCH * fs)
    tone = {"W": 8.0, "N1": 6.0, "N2": 4.5, "N3": 4.0, "R": 1.2}
    lv = np.repeat([tone[s] * float(np.exp(rng.normal(0, 0.1))) for s in stages], int(EPOCH * fs))[:n]
    chin = ndimage.uniform_filter1d(lv, int(fs * 5), mode="nearest")  # tone changes over seconds
    for i, st in enumerate(stages):  # phasic twitches in R
        if st == "R":
            for _ in range(int(rng.poisson(3))):
                t = i * EPOCH + float(rng.uniform(0, 29))
                d = float(rng.uniform(0.1, 0.4))
                if plan["timeline"].free("no_twitch", t - 0.5, t + d + 0.5) and \
                        plan["timeline"].free("arousal", t - 0.5, t + d + 0.5):
                    _bump(chin, fs, t, d, float(rng.uniform(4, 10)), 0.03)
    for ev in plan["arousals"]:
        if ev["chin"]:
            base = tone[ev["stage"]]
            _bump(chin, fs, ev["chin_on"], ev["chin_dur"], base * ev["chin_gain"], 0.1)
    chin = chin * _emg_noise(rng, n, fs)
    legs = []
    for side in ("left", "right"):
        env = np.full(n, float(rng.uniform(1.0, 2.0)))
        for lm in plan["lms"]:
            if lm["side"] in (side, "both"):
                _bump(env, fs, lm["onset"], lm["duration"], lm["amp"] * float(rng.uniform(0.8, 1.2)), 0.08)
        legs.append(env * _emg_noise(rng, n, fs))
    return chin, legs


# ----------------------------------------------------------------------------- files
def _write_edf(path, nt: Night, eeg, chin, legs, start):
    import pyedflib
    sigs = list(eeg) + [chin] + list(legs)
    labels = nt.eeg_labels + [nt.chin_label] + nt.leg_labels
    fss = [nt.fs_eeg] * len(eeg) + [nt.fs_emg] * (1 + len(legs))
    heads = []
    for lab, s, fs in zip(labels, sigs, fss):
        lim = float(np.ceil(max(abs(s.min()), abs(s.max()), 50.0) * 1.1))
        heads.append({"label": lab, "dimension": "uV", "sample_frequency": fs, "physical_max": lim,
                      "physical_min": -lim, "digital_max": 32767, "digital_min": -32768,
                      "transducer": "", "prefilter": ""})
    w = pyedflib.EdfWriter(path, len(sigs), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        w.setSignalHeaders(heads)
        w.setStartdatetime(start)
        w.setPatientCode("blind2")
        w.writeSamples([np.ascontiguousarray(s) for s in sigs])
    finally:
        w.close()


def _xml(path, stages, resp, arousals, duration, start):
    ev = ['<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>'
          f'<Duration>{duration:.1f}</Duration><ClockTime>00.00.00 {start:%H.%M.%S}</ClockTime></ScoredEvent>']
    i = 0
    while i < len(stages):
        j = i
        while j < len(stages) and stages[j] == stages[i]:
            j += 1
        ev.append(f"<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>{NSRR_STAGE[stages[i]]}"
                  f"</EventConcept><Start>{i * EPOCH:.1f}</Start><Duration>{(j - i) * EPOCH:.1f}</Duration>"
                  "</ScoredEvent>")
        i = j
    items = [(r["onset"], "Respiratory|Respiratory", r["concept"], r["duration"]) for r in resp]
    items += [(a["onset"], "Arousals|Arousals", "Arousal|Arousal ()", a["duration"]) for a in arousals]
    for on, et, ec, d in sorted(items):
        ev.append(f"<ScoredEvent><EventType>{et}</EventType><EventConcept>{ec}</EventConcept>"
                  f"<Start>{on:.3f}</Start><Duration>{d:.3f}</Duration></ScoredEvent>")
    text = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>'
            "<SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength><ScoredEvents>\n"
            + "\n".join(ev) + "\n</ScoredEvents></PSGAnnotation>\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def make_night(seed: int, hours: float, family: str, folder: str, stem: str) -> dict:
    """Generate one night into ``folder``; returns (and writes as ``stem_truth.json``) its truth.

    Parameters
    ----------
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``: same seed, same bytes.
    hours : float
        Length of the recording (0.5-12 h).
    family : {"modest", "ordinary"}
        ``modest``: most arousals raise alpha/beta amplitude 1.5-4x, ~40 intrusions/h of sleep;
        ``ordinary``: 4-8x, ~15 intrusions/h.
    """
    if family not in FAMILIES:
        raise ValueError(f"family {family!r}: allowed {FAMILIES}")
    if not 0.5 <= hours <= 12:
        raise ValueError(f"hours {hours}: allowed 0.5-12")
    rng = np.random.default_rng(seed)
    nt = _draw_night(rng)
    stages = hypnogram(rng, hours)
    plan = plan_events(rng, nt, stages, family)
    eeg = render_eeg(rng, nt, stages, plan)
    chin, legs = render_emg(rng, nt, stages, plan)
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, stem)
    start = _dt.datetime(2026, 1, 1, 22, int(rng.integers(0, 60)), 0)
    dur = len(stages) * EPOCH
    _write_edf(base + ".edf", nt, eeg, chin, legs, start)
    _xml(base + XML_NOAR, stages, plan["resp"], [], dur, start)
    _xml(base + XML_AR, stages, plan["resp"], plan["arousals"], dur, start)
    keep = ("onset", "duration", "stage", "cause", "contrast", "bands", "alpha", "beta", "theta", "ramp", "decay",
            "chin", "chin_on", "chin_dur", "pre")
    truth = {"gen_version": GEN_VERSION, "seed": seed, "hours": hours, "family": family, "duration_s": dur,
             "fs_eeg": nt.fs_eeg, "fs_emg": nt.fs_emg, "eeg_labels": nt.eeg_labels, "chin_label": nt.chin_label,
             "leg_labels": nt.leg_labels, "stages": stages,
             "night": {k: v for k, v in vars(nt).items() if k not in ("eeg_labels", "leg_labels", "chin_label")},
             "arousals": [{k: a[k] for k in keep} for a in plan["arousals"]],
             "leg_movements": plan["lms"], "respiratory": plan["resp"],
             "distractors": [{k: v for k, v in e.items() if k not in ("alpha_f", "delta_gain", "sigma_gain")}
                             for e in plan["distractors"]],
             "files": {"edf": stem + ".edf", "xml_noar": stem + XML_NOAR, "xml_ar": stem + XML_AR}}
    with open(base + "_truth.json", "w") as f:
        json.dump(truth, f, indent=0, default=float)
    return json.loads(json.dumps(truth, default=float))
