"""Third, independent generator of synthetic PSG nights with known EEG arousals ("blind3").

Provenance
----------
Written only from the AASM arousal rule (AASM Manual v2.x: an abrupt shift of EEG
frequency -- alpha, theta and/or > 16 Hz but not spindles -- lasting >= 3 s after
>= 10 s of stable sleep; in REM also a concurrent chin-EMG rise lasting >= 1 s),
from textbook EEG knowledge and from the text of the project's issue describing the
independent test nights.  The author did NOT read the library's detector
(``jerkdetect.detection``), its simulator (``jerkdetect.simulate``), the earlier
benchmark generators (``_blind_eeg.py``, ``_blind_eeg2.py``, ``_alt_eeg.py``), the
arousal benchmarks or the READMEs.  Only numpy, scipy, pyedflib and the standard
library are used; jerkdetect is never imported.

Design (what is rendered and how)
---------------------------------
Everything is a time-domain model evaluated on the sample grid of the whole night:

* Hypnogram: initial wake (4-20 min), sleep-onset N1, then 4-5 NREM-REM cycles whose
  length is the sleep time divided by the cycle count (clamped to 50-110 min), so a
  short night still has all stages.  N3 dominates early cycles, REM grows late;
  brief awakenings (W then N1) and N1 at the start of later cycles.
* EEG background per derivation = weighted sum of five unit-RMS generators, each a
  mix of a generator shared by both derivations (correlation rho) and a local one:
    - 1/f background: white noise through a truncated fractional-integration
      filter (1-B)^-d, d in [0.45, 0.55] (4-s FIR, FFT convolution), then a gentle
      2nd-order 40 Hz low-pass so high frequencies fall faster;
    - alpha: a noise-driven AR(2) resonator (bandwidth 0.8-1.6 Hz) whose centre
      frequency is the subject's alpha (8.5-11.5 Hz) + an OU drift (+-0.25 Hz), a
      little slower in REM/N1; coefficients are updated every 5 s with the filter
      state carried over and the drive rescaled so the output variance does not
      depend on the frequency;
    - theta: a wide AR(2) resonator at 5-7 Hz; beta: Butterworth 15-30 Hz noise;
      delta: Butterworth 0.4-3.5 Hz noise.
  Each generator has a stage-dependent gain (uV RMS) evaluated per second, smoothed
  with a 21-s Hann window across stage changes, with an OU log-wander (2-min time
  constant, ~12 %).  Wake alternates eyes-closed (alpha-rich) and eyes-open
  (alpha x0.3) epochs.
* Explicit event waveforms added on top: spindles (Hann-windowed 11-16 Hz chirps,
  0.5-2 s, some in trains of 3-6), K-complexes (sharp negative + slow positive
  Gaussian, some followed by a spindle), vertex waves in N1, saw-tooth trains
  (2-6 Hz, asymmetric) in REM and large explicit slow waves in N3.
* Arousals, intrusions and REM alpha look-alikes are the SAME object: a multiplicative
  envelope env(t) in [0, 1] applied to the alpha and/or beta generators
  (x (1 + k env)), with optional theta gain (x (1 + (theta-1) env)) and a delta drop
  (x (1 - drop env)); spindles and K-complexes are not placed inside them.  The
  added part k env g(t) c(t) uses an amplitude-normalised copy c(t) of the
  generator (same phase and frequency drift, divided by its smoothed analytic
  amplitude, band-limited, rescaled to the generator's RMS), so a random fade of
  the narrow-band background cannot swallow the rise.
  env rises with a raised cosine (0.2-1.5 s), stays at 1 (optionally with a Gaussian
  dip of depth 0.15-0.35 in the middle), and decays slowly (0.5-3 s) as
  0.5 (1 + cos(pi u^p)).  The TRUE onset/offset are the half-way crossings of env
  (rise: start + rise/2; decay: td 0.5^(1/p) after the plateau), so the drawn
  duration is exactly the distance between half-amplitude points.
* Contrast = RMS of the band-passed first EEG derivation (4th-order Butterworth,
  zero phase, 8-12 Hz for alpha, 16-30 Hz for beta, computed on a segment from
  onset-15 s to the end of the envelope + 5 s) over the "plateau" (from the first
  time env reaches 0.9 to the last time it leaves 0.9) divided by the same over the
  10 s before the onset.  Because the band-passed signal is linear in k, the gain k
  that makes the measured ratio equal the drawn contrast is the root of a quadratic
  (the rise before the onset is counted in the 10-s baseline, exactly as measured);
  all other components (spindles, K-complexes before the onset, movement artefact,
  EMG bleed, theta rise, delta drop) are already in the signal when it is solved,
  and every event is solved in time order on the fully rendered signal.  The
  reported ``contrast`` is re-measured on the final signal (``contrast_target`` is
  the draw).  If the background alone already exceeds the target, a mild
  attenuation (k >= -0.5) is allowed; if the target is unreachable (only seen for
  ~1-s intrusions with ordinary-family targets, whose rise leaks into the
  baseline) the largest reachable fraction is used and ``solved`` is False.
* Nuisance (chosen per night): mains 50/60 Hz (+3rd harmonic), sweat episodes
  (0.03-0.4 Hz, large), electrode pops (step + exponential return, one derivation),
  movement artefact on the EEG during some leg movements (0.3-3 Hz burst + 1-45 Hz
  broadband), EMG bleed (20-90 Hz broadband, same envelope) during some arousals and
  a few stand-alone bleed bursts; K-complex right before some arousals (K-alpha) and
  spindles ending right before some arousals.
* EMG channels (one rate >= the EEG rate): band-limited Gaussian noise (20-150 Hz)
  times an RMS envelope.  Legs: resting 1-3 uV RMS, LMs with 30-80 ms edges and an
  RMS amplitude of 12-60 uV (so the rectified mean is >= 8 uV above rest), 0.5-10 s,
  mostly in periodic series (4-25 LMs, 5.5-89 s apart), bilateral or one-sided.
  Chin: stage tone (REM atonia), REM twitches, rises of x1.5-8 for >= 1.5 s during
  all REM arousals and some NREM arousals; none during the REM look-alikes.
* Placement honours the AASM rule: each arousal (and its 12-s clean pre-window and
  its whole envelope) lies inside one sleep-stage run, >= 15 s from any wake epoch,
  and footprints of arousals/intrusions/look-alikes never overlap, so arousals are
  >= 12 s apart.  Causes: after a leg movement (~75 % of these start within 0.5 s of
  the LM end or overlap it), after a respiratory event (XML only), or spontaneous
  (no LM within 0.5 s).

Families: ``modest`` (contrast 1.5-2 for ~30 %, 2-4 for ~65 %, 4-5 for ~5 %;
~35-45 intrusions of 1-2.9 s per hour of sleep) and ``ordinary`` (contrast 4-8;
10-20 intrusions per hour).
"""
from __future__ import annotations

import datetime
import json
import math
import os
import time

import numpy as np
import pyedflib
from scipy import signal

GEN_VERSION = "blind3-1"
FAMILIES = ("modest", "ordinary")
SLEEP = ("N1", "N2", "N3", "R")
XML_NOAR = "_noar.xml"
XML_AR = "_ar.xml"

RATES = (200, 256, 500, 512)
EPOCH = 30.0
PRE_S = 10.0          # contrast baseline window before onset
PRE_CLEAN = 12.0      # clean (event-free) window kept before each arousal onset
SEG_PAD = 5.0         # padding of the filtering segment
BANDS = {"alpha": (8.0, 12.0), "beta": (16.0, 30.0)}
GRID = 10             # occupancy grid resolution (per second)
STAGE_CONCEPT = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2",
                 "N3": "Stage 3 sleep|3", "R": "REM sleep|5"}
RESP_CONCEPTS = ("Obstructive apnea|Obstructive Apnea", "Hypopnea|Hypopnea",
                 "Central apnea|Central Apnea")
START_DT = datetime.datetime(2001, 1, 1, 22, 45, 0)

# rise of raised cosine reaches 0.9 at this fraction of the rise time
_U90_RISE = math.acos(-0.8) / math.pi
_U90_DEC = math.acos(0.8) / math.pi        # u**p at which the decay is at 0.9


# ----------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------
_SOS_CACHE: dict = {}


def _sos(fs, band, order=4, btype="bandpass"):
    key = (fs, tuple(np.atleast_1d(band)), order, btype)
    if key not in _SOS_CACHE:
        _SOS_CACHE[key] = signal.butter(order, band, btype=btype, fs=fs, output="sos")
    return _SOS_CACHE[key]


def _unit(x):
    s = float(np.std(x))
    return x / s if s > 0 else x


def _ou(rng, n, tau, sigma):
    """Stationary Ornstein-Uhlenbeck / AR(1) series of n steps, time constant tau steps."""
    a = math.exp(-1.0 / tau)
    e = rng.standard_normal(n) * sigma * math.sqrt(1.0 - a * a)
    x0 = rng.standard_normal() * sigma
    return signal.lfilter([1.0], [1.0, -a], e, zi=[a * x0])[0]


def _local_noise(rng, n, fs, band, btype="bandpass", order=2):
    pad = int(2 * fs) + 16
    w = rng.standard_normal(n + 2 * pad)
    y = signal.sosfiltfilt(_sos(fs, band, order, btype), w)[pad:pad + n]
    return _unit(y)


def _add(arr, fs, t0, wave):
    i0 = int(round(t0 * fs))
    j0 = max(0, -i0)
    i0c = max(0, i0)
    i1 = min(len(arr), i0 + len(wave))
    if i1 > i0c:
        arr[i0c:i1] += wave[j0:j0 + (i1 - i0c)]


def _r(x, nd=4):
    return float(round(float(x), nd))


# ----------------------------------------------------------------------------------
# envelope of arousals / intrusions / look-alikes
# ----------------------------------------------------------------------------------
def _env_params(rng, dur):
    tr = rng.uniform(0.2, 1.5)
    td = rng.uniform(0.5, 3.0)
    p = rng.uniform(0.6, 1.4)
    uh = 0.5 ** (1.0 / p)
    used = tr / 2 + td * uh
    lim = 0.6 * dur
    if used > lim:
        f = lim / used
        tr *= f
        td *= f
    plateau = dur - tr / 2 - td * uh
    e = {"rise": tr, "decay": td, "decay_p": p, "plateau": plateau,
         "dip_depth": 0.0, "dip_pos": 0.5, "dip_width": 0.0}
    if dur >= 5.0 and rng.random() < 0.25:
        e["dip_depth"] = rng.uniform(0.15, 0.35)
        e["dip_pos"] = rng.uniform(0.35, 0.65)
        e["dip_width"] = min(0.6, plateau / 6.0)
    return e


def _env_start(ev):
    return ev["onset"] - ev["env"]["rise"] / 2


def _support(ev):
    e = ev["env"]
    s = _env_start(ev)
    return s, s + e["rise"] + e["plateau"] + e["decay"]


def _plateau_window(ev):
    e = ev["env"]
    s = _env_start(ev)
    p0 = s + _U90_RISE * e["rise"]
    p1 = s + e["rise"] + e["plateau"] + e["decay"] * _U90_DEC ** (1.0 / e["decay_p"])
    return p0, p1


def _env(t, ev):
    e = ev["env"]
    s = _env_start(ev)
    tr, P, td, p = e["rise"], e["plateau"], e["decay"], e["decay_p"]
    y = np.zeros_like(t)
    u = (t - s) / tr
    m = (u >= 0) & (u < 1)
    y[m] = 0.5 * (1 - np.cos(np.pi * u[m]))
    m = (t >= s + tr) & (t <= s + tr + P)
    y[m] = 1.0
    u = (t - (s + tr + P)) / td
    m = (u > 0) & (u < 1)
    y[m] = 0.5 * (1 + np.cos(np.pi * u[m] ** p))
    if e["dip_depth"] > 0:
        c = s + tr + e["dip_pos"] * P
        y *= 1 - e["dip_depth"] * np.exp(-0.5 * ((t - c) / e["dip_width"]) ** 2)
    return y


def _half_points(t, y):
    """Numerical half-amplitude crossing times (linear interpolation) of a sampled envelope."""
    above = y >= 0.5
    idx = np.flatnonzero(above)
    if len(idx) == 0:
        return float("nan"), float("nan")
    i, j = idx[0], idx[-1]
    if i > 0:
        on = t[i - 1] + (0.5 - y[i - 1]) / (y[i] - y[i - 1]) * (t[i] - t[i - 1])
    else:
        on = t[i]
    if j < len(y) - 1:
        off = t[j] + (y[j] - 0.5) / (y[j] - y[j + 1]) * (t[j + 1] - t[j])
    else:
        off = t[j]
    return float(on), float(off)


def _seg_bounds(ev, fs, n):
    s, e = _support(ev)
    i0 = max(0, int(math.floor((ev["onset"] - PRE_S - SEG_PAD) * fs)))
    i1 = min(n, int(math.ceil((e + SEG_PAD) * fs)))
    return i0, i1


def _masks(ev, fs, i0, i1):
    t = np.arange(i0, i1) / fs
    on = ev["onset"]
    pre = (t >= on - PRE_S) & (t < on)
    p0, p1 = _plateau_window(ev)
    plat = (t >= p0) & (t <= p1)
    half = (t >= on) & (t <= on + ev["duration"])
    return t, pre, plat, half


def measure_contrast(x, fs, ev, band, region="plateau"):
    """Band RMS over the plateau (or the half-amplitude interval) / band RMS over the 10 s before onset.

    ``x`` is the whole first EEG derivation (uV) at ``fs``; ``ev`` an arousal/intrusion
    dict from the truth (needs ``onset``, ``duration`` and ``env``)."""
    i0, i1 = _seg_bounds(ev, fs, len(x))
    t, pre, plat, half = _masks(ev, fs, i0, i1)
    y = signal.sosfiltfilt(_sos(fs, BANDS[band]), np.asarray(x[i0:i1], float))
    w = plat if region == "plateau" else half
    return float(np.sqrt(np.mean(y[w] ** 2)) / np.sqrt(np.mean(y[pre] ** 2)))


# ----------------------------------------------------------------------------------
# hypnogram
# ----------------------------------------------------------------------------------
def _hypnogram(rng, n_ep):
    st = ["W"] * int(rng.integers(8, 41))
    if rng.random() < 0.5:   # a drift into N1 and back to wake before sleep onset
        st += ["N1"] * int(rng.integers(1, 3)) + ["W"] * int(rng.integers(1, 4))
    st += ["N1"] * int(rng.integers(2, 7))
    final_w = int(rng.integers(2, 11))
    budget = n_ep - len(st) - final_w
    if budget < 20:
        st += ["N2"] * max(0, budget)
    else:
        ncyc = int(rng.integers(4, 6))
        cl = float(np.clip(budget / ncyc, 100, 220))
        ncyc = max(1, int(round(budget / cl)))
        lens = rng.uniform(0.85, 1.15, ncyc)
        lens = np.maximum(12, np.round(lens / lens.sum() * budget)).astype(int)
        for i, L in enumerate(lens):
            x = i / (ncyc - 1) if ncyc > 1 else 0.3
            fr = max(0.06, 0.10 + 0.25 * x + rng.uniform(-0.03, 0.03))
            f3 = max(0.0, 0.38 * (1 - x) ** 1.5 + rng.uniform(-0.03, 0.03))
            nR = max(2, int(round(fr * L)))
            n3 = int(round(f3 * L))
            n1 = int(rng.integers(2, 7)) if i > 0 else 0
            n2 = max(4, L - nR - n3 - n1)
            n2a = int(round(n2 * rng.uniform(0.4, 0.7)))
            n2b = n2 - n2a
            cyc = ["N1"] * n1 + ["N2"] * n2a + ["N3"] * n3
            part_b = ["N2"] * n2b
            if rng.random() < 0.5 and n2b > 6:      # brief awakening inside NREM
                k = int(rng.integers(2, n2b - 3))
                part_b = part_b[:k] + ["W"] * int(rng.integers(1, 4)) + ["N1"] * int(rng.integers(2, 5)) + part_b[k:]
            if rng.random() < 0.5 and n2a > 8:      # stage shift N2 -> N1 -> N2
                k = int(rng.integers(3, n2a - 3))
                cyc = cyc[:n1 + k] + ["N1"] * int(rng.integers(1, 4)) + cyc[n1 + k:]
            cyc += part_b
            rem = ["R"] * nR
            if nR > 12 and rng.random() < 0.4:      # REM interrupted by a short N2/N1 stretch
                k = int(rng.integers(4, nR - 4))
                rem = rem[:k] + [("N2" if rng.random() < 0.6 else "N1")] * int(rng.integers(1, 3)) + rem[k:]
            cyc += rem
            if rng.random() < 0.5:                  # brief awakening after REM
                cyc += ["W"] * int(rng.integers(1, 5)) + ["N1"] * int(rng.integers(1, 4))
            st += cyc
    st = st[: n_ep - final_w]
    st += ["W"] * (n_ep - len(st))
    return st[:n_ep]


def _runs(stages):
    runs = []
    i = 0
    while i < len(stages):
        j = i
        while j + 1 < len(stages) and stages[j + 1] == stages[i]:
            j += 1
        runs.append((stages[i], i, j + 1))
        i = j + 1
    return runs


# ----------------------------------------------------------------------------------
# the night
# ----------------------------------------------------------------------------------
class _Night:
    def __init__(self, seed, hours, family):
        if family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}")
        n_sec = hours * 3600.0
        if abs(n_sec - round(n_sec)) > 1e-6 or n_sec < 600:
            raise ValueError("hours*3600 must be a whole number of seconds (>= 600)")
        self.seed, self.hours, self.family = int(seed), float(hours), family
        self.n_sec = int(round(n_sec))
        self.T = float(self.n_sec)
        ss = np.random.SeedSequence([int(seed), FAMILIES.index(family), self.n_sec])
        c = ss.spawn(3)
        self.rng = np.random.default_rng(c[0])       # layout / parameters
        self.nrng = np.random.default_rng(c[1])      # background noise
        self.erng = np.random.default_rng(c[2])      # event waveforms / EMG noise
        rng = self.rng
        self.fs_eeg = int(rng.choice(RATES))
        self.fs_emg = int(rng.choice([r for r in RATES if r >= self.fs_eeg]))
        schemes = [("C3-M2", "C4-M1"), ("C4-M1", "C3-M2"), ("C3-A2", "C4-A1"),
                   ("EEG C4-A1", "EEG C3-A2"), ("EEG C3-A2", "EEG C4-A1")]
        lab = schemes[int(rng.integers(len(schemes)))]
        self.eeg_labels = list(lab) if rng.random() < 0.7 else [lab[0]]
        n_ep = int(math.ceil(self.n_sec / EPOCH))
        self.stages = _hypnogram(rng, n_ep)
        self.stage_sec = np.repeat(np.array(self.stages), int(EPOCH))[: self.n_sec]
        self.occ = np.zeros(self.n_sec * GRID + 1, bool)      # footprints of alpha events
        self.sleep_s = float(np.isin(self.stage_sec, SLEEP).sum())
        self.p = self._draw_night_params()

    # ------------------------------------------------------------------ parameters
    def _draw_night_params(self):
        rng = self.rng
        mod = self.family == "modest"
        p = {
            "amp_scale": rng.uniform(0.75, 1.3),
            "alpha_wake_rms": rng.uniform(6.0, 14.0),
            "alpha_freq": rng.uniform(8.5, 11.5),
            "alpha_bw": rng.uniform(0.8, 1.6),
            "theta_freq": rng.uniform(5.0, 7.0),
            "pink_d": rng.uniform(0.45, 0.55),
            "rho_derivations": rng.uniform(0.7, 0.9),
            "deriv2_gain": rng.uniform(0.85, 1.15),
            "spindle_freq": rng.uniform(12.0, 14.5),
            "spindle_rate_per_min": rng.uniform(2.5, 6.0),
            "spindle_train_rate_per_min": rng.uniform(0.15, 0.5),
            "kc_rate_per_min": rng.uniform(0.7, 2.5),
            "vertex_rate_per_min": rng.uniform(1.5, 5.0),
            "sawtooth_rate_per_min": rng.uniform(0.5, 2.0),
            "arousal_rate_per_h": rng.uniform(15.0, 25.0),
            "frac_lm": rng.uniform(0.25, 0.40),
            "frac_resp": rng.uniform(0.10, 0.25),
            "lm_rate_per_h": rng.uniform(20.0, 50.0),
            "lm_series_frac": rng.uniform(0.6, 0.85),
            "lm_assoc_frac": rng.uniform(0.75, 0.9),
            "resp_rate_per_h": rng.uniform(3.0, 15.0),
            "intrusion_rate_per_h": rng.uniform(35.0, 45.0) if mod else rng.uniform(10.0, 20.0),
            "rem_lookalike_rate_per_h_rem": rng.uniform(6.0, 12.0),
            "p_bleed": rng.uniform(0.2, 0.4) if mod else rng.uniform(0.35, 0.6),
            "p_k_alpha": rng.uniform(0.1, 0.25),
            "p_after_spindle": rng.uniform(0.1, 0.25),
            "p_theta": 0.25,
            "p_chin_nrem": rng.uniform(0.25, 0.5),
            "leg_rest_rms": [rng.uniform(1.0, 3.0), rng.uniform(1.0, 3.0)],
            "chin_wake_rms": rng.uniform(6.0, 12.0),
            "chin_rem_rms": rng.uniform(0.8, 1.5),
            "mains_hz": int(rng.choice([50, 60])),
            "mains_uv": rng.uniform(0.5, 3.0) if rng.random() < 0.8 else 0.0,
            "n_sweat": int(rng.integers(1, 4)) if rng.random() < 0.6 else 0,
            "pop_rate_per_h": rng.uniform(1.0, 5.0) if rng.random() < 0.7 else 0.0,
            "p_movement_artefact": rng.uniform(0.1, 0.35),
            "bleed_burst_rate_per_h": rng.uniform(2.0, 6.0),
        }
        return p

    # ------------------------------------------------------------------ geometry
    def _stage_at(self, t):
        i = int(t // EPOCH)
        i = min(max(i, 0), len(self.stages) - 1)
        return self.stages[i]

    def _same_stage(self, a, b, stage):
        if a < 0 or b > self.T:
            return False
        e0, e1 = int(a // EPOCH), int((b - 1e-9) // EPOCH)
        return all(self.stages[k] == stage for k in range(e0, e1 + 1))

    def _no_wake_near(self, a, b, margin=15.0):
        e0 = max(0, int((a - margin) // EPOCH))
        e1 = min(len(self.stages) - 1, int((b + margin) // EPOCH))
        return all(self.stages[k] != "W" for k in range(e0, e1 + 1))

    def _free(self, a, b):
        i0, i1 = max(0, int(a * GRID)), min(len(self.occ), int(math.ceil(b * GRID)) + 1)
        return not self.occ[i0:i1].any()

    def _mark(self, a, b):
        i0, i1 = max(0, int(a * GRID)), min(len(self.occ), int(math.ceil(b * GRID)) + 1)
        self.occ[i0:i1] = True

    def _random_time_in(self, stage_set, weights=None):
        """Uniform time inside a random epoch of one of the stages (optionally stage-weighted)."""
        rng = self.rng
        if not hasattr(self, "_sidx"):
            self._sidx = {s: [i for i, x in enumerate(self.stages) if x == s] for s in STAGE_CONCEPT}
        if weights:
            st = [s for s in weights if self._sidx[s]]
            if not st:
                return None
            w = np.array([weights[s] * len(self._sidx[s]) for s in st], float)
            s = st[int(rng.choice(len(st), p=w / w.sum()))]
            idx = self._sidx[s]
        else:
            idx = [i for s in stage_set for i in self._sidx[s]]
        if not idx:
            return None
        return (idx[int(rng.integers(len(idx)))] + rng.random()) * EPOCH

    # ------------------------------------------------------------------ leg movements
    def _place_lms(self):
        rng, p = self.rng, self.p
        occ = np.zeros(self.n_sec * GRID + 1, bool)
        lms = []

        def free(a, b):
            return a >= 0 and b <= self.T - 1 and not occ[int(a * GRID):int(math.ceil(b * GRID)) + 1].any()

        def add(on, dur, side, amp, series):
            occ[int((on - 1.0) * GRID):int(math.ceil((on + dur + 1.0) * GRID)) + 1] = True
            lms.append({"onset": on, "duration": dur, "side": side, "amp": amp,
                        "series": series, "arousal": False})

        def draw_dur(cap=10.0):
            return float(np.clip(rng.lognormal(math.log(1.8), 0.55), 0.5, min(10.0, cap)))

        sleep_h = self.sleep_s / 3600.0
        n_series_target = p["lm_rate_per_h"] * sleep_h * p["lm_series_frac"]
        n_done, sid, tries = 0, 0, 0
        while n_done < n_series_target and tries < 200:
            tries += 1
            t = self._random_time_in(("N1", "N2", "N3", "R"),
                                     weights={"N1": 1.0, "N2": 1.0, "N3": 0.5, "R": 0.3})
            if t is None:
                break
            nlm = int(rng.integers(4, 26))
            imi_mean = rng.uniform(12.0, 40.0)
            sp = rng.random()
            side_p = [0.35, 0.35, 0.30]
            added = 0
            for _ in range(nlm):
                imi = float(np.clip(imi_mean * rng.uniform(0.8, 1.2), 5.5, 89.0))
                dur = draw_dur(cap=imi - 2.5)
                if not free(t - 1.0, t + dur + 1.0):
                    break
                side = ("left", "right", "both")[int(rng.choice(3, p=side_p))] if sp < 0.5 else \
                       ("left", "right", "both")[int(rng.choice(3, p=[0.2, 0.2, 0.6]))]
                add(t, dur, side, rng.uniform(12.0, 60.0), sid)
                added += 1
                t += imi
            n_done += added
            sid += 1
        n_iso = int(round(p["lm_rate_per_h"] * sleep_h * (1 - p["lm_series_frac"])))
        wake_h = (self.n_sec - self.sleep_s) / 3600.0
        n_wake = int(round(rng.uniform(20.0, 60.0) * wake_h))
        for pool, n in ((("N1", "N2", "N3", "R"), n_iso), (("W",), n_wake)):
            k = 0
            for _ in range(n * 20):
                if k >= n:
                    break
                t = self._random_time_in(pool)
                if t is None:
                    break
                dur = draw_dur()
                if free(t - 3.0, t + dur + 3.0):
                    add(t, dur, ("left", "right", "both")[int(rng.integers(3))],
                        rng.uniform(12.0, 60.0), None)
                    k += 1
        lms.sort(key=lambda d: d["onset"])
        for lm in lms:
            lm["stage"] = self._stage_at(lm["onset"])
        self.lms = lms

    def _lm_near(self, on, off, before=0.5, after=0.5):
        """True if an LM overlaps [on-before, off+after]."""
        for lm in self.lms:
            if lm["onset"] > off + after:
                break
            if lm["onset"] + lm["duration"] >= on - before:
                return True
        return False

    # ------------------------------------------------------------------ respiratory
    def _place_resp(self):
        rng, p = self.rng, self.p
        n = int(round(p["resp_rate_per_h"] * self.sleep_s / 3600.0))
        ev = []
        for _ in range(n * 30):
            if len(ev) >= n:
                break
            t = self._random_time_in(SLEEP, weights={"N1": 1.5, "N2": 1.0, "N3": 0.3, "R": 1.5})
            if t is None:
                break
            c = int(rng.choice(3, p=[0.3, 0.6, 0.1]))
            dur = rng.uniform(10.0, 40.0) if c != 1 else rng.uniform(10.0, 60.0)
            if t + dur + 5 > self.T:
                continue
            if any(self._stage_at(x) == "W" for x in np.arange(t, t + dur + 5, 10.0)):
                continue
            if any(not (t > r["onset"] + r["duration"] + 15 or t + dur + 15 < r["onset"]) for r in ev):
                continue
            ev.append({"onset": t, "duration": dur, "concept": RESP_CONCEPTS[c], "arousal": False})
        ev.sort(key=lambda d: d["onset"])
        self.resp = ev

    # ------------------------------------------------------------------ alpha events
    def _draw_contrast(self, kind):
        rng = self.rng
        if self.family == "modest":
            u = rng.random()
            if u < 0.3:
                return rng.uniform(1.5, 2.0)
            if u < 0.95:
                return rng.uniform(2.0, 4.0)
            return rng.uniform(4.0, 5.0)
        if kind == "intrusion":
            return rng.uniform(2.0, 8.0)
        return rng.uniform(4.0, 8.0)

    def _draw_event(self, kind, onset, stage, dur=None):
        rng, p = self.rng, self.p
        if dur is None:
            if kind == "intrusion":
                dur = rng.uniform(1.0, 2.9)
            elif kind == "rem_alpha_no_chin":
                dur = rng.uniform(3.0, 10.0)
            else:
                dur = rng.uniform(3.0, 9.0) if rng.random() < 0.8 else rng.uniform(9.0, 15.0)
        if kind == "rem_alpha_no_chin":
            bands = "alpha"
        elif stage == "R":
            bands = ("alpha", "alpha+beta", "beta")[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
        else:
            bands = ("alpha", "beta", "alpha+beta")[int(rng.choice(3, p=[0.45, 0.2, 0.35]))]
        C = self._draw_contrast(kind)
        targets = {}
        if bands == "alpha+beta":
            prim = "alpha" if rng.random() < 0.6 else "beta"
            sec = "beta" if prim == "alpha" else "alpha"
            targets[prim] = C
            targets[sec] = 1.0 + (C - 1.0) * rng.uniform(0.35, 0.75)
        else:
            targets[bands] = C
        ev = {"kind": kind, "onset": float(onset), "duration": float(dur), "stage": stage,
              "bands": bands, "targets": targets, "env": _env_params(rng, dur),
              "theta": 1.0, "delta_drop": 0.0, "chin": False, "emg_bleed": False,
              "bleed_uv": 0.0, "k_alpha": False, "after_spindle": False}
        if kind == "arousal":
            ev["delta_drop"] = rng.uniform(0.3, 0.7)
            if rng.random() < p["p_theta"]:
                ev["theta"] = rng.uniform(1.5, 3.0)
            if rng.random() < p["p_bleed"]:
                ev["emg_bleed"] = True
                ev["bleed_uv"] = rng.uniform(2.0, 8.0)
            if stage == "R" or rng.random() < p["p_chin_nrem"]:
                ev["chin"] = True
                lc = min(dur, max(1.5, dur * rng.uniform(0.5, 1.0)))
                ev["chin_onset"] = onset + rng.uniform(0.0, max(0.0, dur - lc))
                ev["chin_duration"] = lc
                ev["chin_factor"] = rng.uniform(3.0, 8.0) if stage == "R" else rng.uniform(1.5, 3.0)
            if stage in ("N2", "N3"):
                u = rng.random()
                if u < p["p_k_alpha"]:
                    ev["k_alpha"] = True
                elif u < p["p_k_alpha"] + p["p_after_spindle"] and stage == "N2":
                    ev["after_spindle"] = True
        elif kind == "intrusion":
            ev["delta_drop"] = rng.uniform(0.0, 0.4)
            if rng.random() < 0.15:
                ev["theta"] = rng.uniform(1.3, 2.5)
            if rng.random() < 0.1:
                ev["emg_bleed"] = True
                ev["bleed_uv"] = rng.uniform(2.0, 6.0)
            if stage == "N2" and rng.random() < 0.12:
                ev["k_alpha"] = True
        else:  # rem look-alike: alpha only, no chin, no bleed
            ev["delta_drop"] = rng.uniform(0.0, 0.3)
        return ev

    def _try_place(self, ev, strict=True):
        """Check the AASM-style placement constraints; mark the footprint if accepted."""
        on, dur, stage = ev["onset"], ev["duration"], ev["stage"]
        s, e = _support(ev)
        pre = PRE_CLEAN if ev["kind"] != "intrusion" else PRE_S + 1.0
        a, b = min(on - pre, s - 1.5), e + 1.0
        if ev["k_alpha"] or ev["after_spindle"]:
            a = min(a, s - 2.5)
        if not self._same_stage(a, b, stage):
            return False
        if strict and not self._no_wake_near(on, on + dur, 15.0):
            return False
        if not self._free(a, b):
            return False
        self._mark(a, b)
        return True

    def _place_alpha_events(self):
        rng, p = self.rng, self.p
        sleep_h = self.sleep_s / 3600.0
        n_total = int(round(p["arousal_rate_per_h"] * sleep_h))
        n_lm = int(round(p["frac_lm"] * n_total))
        n_resp = int(round(p["frac_resp"] * n_total))
        events = []
        # --- arousals after leg movements
        order = rng.permutation(len(self.lms))
        k = n_assoc = 0
        for i in order:
            if k >= n_lm:
                break
            lm = self.lms[i]
            end = lm["onset"] + lm["duration"]
            assoc = n_assoc < p["lm_assoc_frac"] * (k + 1)     # keep the drawn share
            if assoc:
                gap = rng.uniform(-min(1.5, 0.8 * lm["duration"]), 0.45)
            else:
                gap = rng.uniform(0.6, 2.5)
            on = end + gap
            stage = self._stage_at(on)
            if stage not in SLEEP or self._stage_at(lm["onset"]) != stage:
                continue
            ev = self._draw_event("arousal", on, stage)
            ev["cause"], ev["lm_index"], ev["lm_gap"] = "lm", int(i), float(gap)
            if self._try_place(ev):
                lm["arousal"] = True
                events.append(ev)
                k += 1
                n_assoc += assoc
        # --- arousals after respiratory events
        k = 0
        for i in rng.permutation(len(self.resp)):
            if k >= n_resp:
                break
            r = self.resp[i]
            on = r["onset"] + r["duration"] + rng.uniform(-2.0, 2.5)
            stage = self._stage_at(on)
            if stage not in SLEEP:
                continue
            ev = self._draw_event("arousal", on, stage)
            if self._lm_near(on, on + ev["duration"]):
                continue
            ev["cause"], ev["resp_index"] = "respiratory", int(i)
            if self._try_place(ev):
                r["arousal"] = True
                events.append(ev)
                k += 1
        # --- spontaneous arousals
        n_sp = n_total - len(events)
        k = 0
        w = {"N1": 1.5, "N2": 1.0, "N3": 0.4, "R": 0.8}
        for _ in range(max(1, n_sp) * 200):
            if k >= n_sp:
                break
            on = self._random_time_in(SLEEP, weights=w)
            if on is None:
                break
            stage = self._stage_at(on)
            ev = self._draw_event("arousal", on, stage)
            if self._lm_near(on, on + ev["duration"], before=3.0, after=0.5):
                continue
            ev["cause"] = "spontaneous"
            if self._try_place(ev):
                events.append(ev)
                k += 1
        # --- REM alpha bursts >= 3 s WITHOUT chin rise (not arousals)
        rem_h = sum(1 for s in self.stages if s == "R") * EPOCH / 3600.0
        n_rl = int(round(p["rem_lookalike_rate_per_h_rem"] * rem_h))
        k = 0
        for _ in range(max(1, n_rl) * 200):
            if k >= n_rl:
                break
            on = self._random_time_in(("R",))
            if on is None:
                break
            ev = self._draw_event("rem_alpha_no_chin", on, "R")
            if self._lm_near(on, on + ev["duration"], before=3.0, after=0.5):
                continue
            if self._try_place(ev):
                events.append(ev)
                k += 1
        # --- short intrusions (< 3 s), some right after a leg movement
        n_in = int(round(p["intrusion_rate_per_h"] * sleep_h))
        k = 0
        n_after_lm = int(round(0.25 * n_in))
        for i in rng.permutation(len(self.lms)):
            if k >= n_after_lm:
                break
            lm = self.lms[i]
            on = lm["onset"] + lm["duration"] + rng.uniform(-0.5, 0.5)
            stage = self._stage_at(on)
            if stage not in SLEEP:
                continue
            ev = self._draw_event("intrusion", on, stage)
            ev["after_lm"] = True
            if self._try_place(ev, strict=False):
                events.append(ev)
                k += 1
        w = {"N1": 1.2, "N2": 1.0, "N3": 0.5, "R": 0.9}
        for _ in range(max(1, n_in) * 200):
            if k >= n_in:
                break
            on = self._random_time_in(SLEEP, weights=w)
            if on is None:
                break
            ev = self._draw_event("intrusion", on, self._stage_at(on))
            ev["after_lm"] = False
            if self._try_place(ev, strict=False):
                events.append(ev)
                k += 1
        events.sort(key=lambda d: d["onset"])
        self.events = events

    # ------------------------------------------------------------------ gains
    def _per_second_gains(self):
        p, rng = self.p, self.rng
        aw, s = p["alpha_wake_rms"], p["amp_scale"]
        tab = {
            "bg": {"W": 6.0, "N1": 6.0, "N2": 7.0, "N3": 8.0, "R": 5.5},
            "alpha": {"W": aw, "N1": 0.35 * aw, "N2": 0.2 * aw, "N3": 0.15 * aw, "R": 0.25 * aw},
            "beta": {"W": 3.0, "N1": 2.0, "N2": 1.6, "N3": 1.2, "R": 2.4},
            "theta": {"W": 2.5, "N1": 5.5, "N2": 4.5, "N3": 4.5, "R": 6.5},
            "delta": {"W": 4.0, "N1": 8.0, "N2": 16.0, "N3": 38.0, "R": 7.0},
        }
        n = self.n_sec
        hann = np.hanning(23)[1:-1]
        hann /= hann.sum()
        out = {}
        eyes = np.ones(n)
        beta_eyes = np.ones(n)
        closed = []
        for i, st in enumerate(self.stages):
            if st == "W":
                c = rng.random() < (0.8 if i < 40 else 0.6)
                closed.append(c)
                if not c:
                    eyes[i * 30:(i + 1) * 30] = 0.3
                    beta_eyes[i * 30:(i + 1) * 30] = 1.3
        h3 = np.hanning(5)[1:-1]
        h3 /= h3.sum()
        eyes = np.convolve(np.pad(eyes, 2, mode="edge"), h3, "same")[2:-2]
        beta_eyes = np.convolve(np.pad(beta_eyes, 2, mode="edge"), h3, "same")[2:-2]
        for band, t in tab.items():
            jit = rng.uniform(0.85, 1.15)
            g = np.array([t[x] for x in self.stage_sec], float) * s * jit
            g = np.convolve(np.pad(g, 11, mode="edge"), hann, "same")[11:-11]
            g *= np.exp(_ou(rng, n, 120.0, 0.12))
            if band == "alpha":
                g *= eyes
            if band == "beta":
                g *= beta_eyes
            out[band] = g
        self.gains_sec = out
        self.p["wake_eyes_closed_frac"] = float(np.mean(closed)) if closed else None

    # ------------------------------------------------------------------ generators
    def _pink(self, n, fs):
        d = self.p["pink_d"]
        L = int(4 * fs)
        k = np.arange(1, L)
        psi = np.empty(L)
        psi[0] = 1.0
        psi[1:] = np.cumprod((k - 1 + d) / k)
        w = self.nrng.standard_normal(n + L - 1)
        x = signal.oaconvolve(w, psi, mode="valid")
        x = signal.sosfilt(_sos(fs, 40.0, 2, "lowpass"), x)
        return _unit(x - x.mean())

    def _resonator(self, n, fs, f_blocks, bw, block_s=5.0):
        r = math.exp(-math.pi * bw / fs)
        w = self.nrng.standard_normal(n)
        y = np.empty(n)
        nb = int(block_s * fs)
        zi = np.zeros(2)
        for bi, i0 in enumerate(range(0, n, nb)):
            om = 2 * math.pi * f_blocks[min(bi, len(f_blocks) - 1)] / fs
            phi1, phi2 = 2 * r * math.cos(om), -r * r
            var = (1 - phi2) / ((1 + phi2) * ((1 - phi2) ** 2 - phi1 ** 2))
            y[i0:i0 + nb], zi = signal.lfilter([1.0 / math.sqrt(var)], [1.0, -phi1, -phi2],
                                               w[i0:i0 + nb], zi=zi)
        return y

    def _bandnoise(self, n, fs, band, order=4):
        return _unit(signal.sosfilt(_sos(fs, band, order), self.nrng.standard_normal(n)))

    def _render_background(self):
        fs, n = self.fs_eeg, self.n_sec * self.fs_eeg
        p = self.p
        nd = len(self.eeg_labels)
        tsec = np.arange(self.n_sec) + 0.5
        tt = np.arange(n) / fs
        g = {b: np.interp(tt, tsec, v) for b, v in self.gains_sec.items()}
        # alpha centre frequency per 5-s block: subject + drift + stage shift
        nblk = int(math.ceil(self.n_sec / 5.0))
        shift = {"W": 0.0, "N1": -0.3, "N2": 0.0, "N3": 0.0, "R": -0.5}
        fb = p["alpha_freq"] + _ou(self.rng, nblk, 12.0, 0.25)
        fb += np.array([shift[self._stage_at(5.0 * i + 2.5)] for i in range(nblk)])
        fb = np.clip(fb, 7.8, 12.5)
        self.alpha_f_blocks = fb
        rho = p["rho_derivations"]
        a_sh, a_lo = math.sqrt(rho), math.sqrt(1 - rho)

        def mixed(make):
            sh = make()
            return [a_sh * sh + a_lo * make() for _ in range(nd)]

        comps = {
            "bg": mixed(lambda: self._pink(n, fs)),
            "alpha": mixed(lambda: self._resonator(n, fs, fb, p["alpha_bw"])),
            "beta": mixed(lambda: self._bandnoise(n, fs, (15.0, 30.0))),
            "theta": mixed(lambda: self._resonator(n, fs, [p["theta_freq"]], 3.5)),
            "delta": mixed(lambda: self._bandnoise(n, fs, (0.4, 3.5), 2)),
        }
        # multiplicative modulation of theta / delta by alpha events
        mod_th = np.ones(n)
        mod_de = np.ones(n)
        for ev in self.events:
            s, e = _support(ev)
            i0, i1 = max(0, int(s * fs)), min(n, int(math.ceil(e * fs)) + 1)
            env = _env(np.arange(i0, i1) / fs, ev)
            if ev["theta"] != 1.0:
                mod_th[i0:i1] += (ev["theta"] - 1.0) * env
            if ev["delta_drop"] > 0:
                mod_de[i0:i1] *= 1 - ev["delta_drop"] * env
        wd = [1.0, p["deriv2_gain"]][:nd]
        self.alpha_c, self.beta_c, eeg = [], [], []
        for d in range(nd):
            al = wd[d] * g["alpha"] * comps["alpha"][d]
            be = wd[d] * g["beta"] * comps["beta"][d]
            x = al + be + wd[d] * (g["bg"] * comps["bg"][d] + g["theta"] * comps["theta"][d] * mod_th
                                   + g["delta"] * comps["delta"][d] * mod_de)
            self.alpha_c.append(al)
            self.beta_c.append(be)
            eeg.append(x)
        self.eeg = eeg
        # bleed noise (20-90 Hz), unit RMS, one per derivation
        hi = min(90.0, 0.45 * fs)
        self.bleed_noise = [self._bandnoise(n, fs, (20.0, hi)) for _ in range(nd)]

    # ------------------------------------------------------------------ waveform events
    def _blocked(self, a, b):
        """True if [a, b] touches the support of an alpha event (spindles/KCs drop there)."""
        for s, e in self._supports:
            if s - 0.3 <= b and a <= e + 0.5:
                return True
        return False

    def _spindle_wave(self, f0, dur, amp, fs):
        rng = self.erng
        t = np.arange(int(dur * fs)) / fs
        chirp = rng.uniform(-0.8, 0.1)
        ph = 2 * np.pi * (f0 * t + 0.5 * chirp / max(dur, 1e-3) * t ** 2) + rng.uniform(0, 2 * np.pi)
        env = np.sin(np.pi * t / dur) ** 2
        return amp * env * np.sin(ph)

    def _kc_wave(self, amp, fs):
        rng = self.erng
        s1, s2 = rng.uniform(0.08, 0.12), rng.uniform(0.18, 0.28)
        t1 = 2.5 * s1
        t2 = t1 + rng.uniform(0.35, 0.5)
        L = t2 + 2.5 * s2
        t = np.arange(int(L * fs)) / fs
        neg = np.exp(-0.5 * ((t - t1) / s1) ** 2)
        pos = np.exp(-0.5 * ((t - t2) / s2) ** 2)
        w = -0.6 * amp * neg + 0.4 * amp * pos
        return w, L, t2

    def _render_waveforms(self):
        fs = self.fs_eeg
        rng = self.rng
        p = self.p
        nd = len(self.eeg_labels)
        n = len(self.eeg[0])
        E = np.zeros(n)
        self._supports = [_support(ev) for ev in self.events]
        dist = []
        sp_f = p["spindle_freq"]

        def spindle(t0, dur=None, train=None):
            dur = dur or rng.uniform(0.5, 2.0)
            f0 = float(np.clip(sp_f + rng.normal(0, 0.7), 11.0, 16.0))
            amp = rng.uniform(15.0, 50.0) * p["amp_scale"]
            _add(E, fs, t0, self._spindle_wave(f0, dur, amp, fs))
            d = {"kind": "spindle", "onset": _r(t0), "duration": _r(dur), "freq": _r(f0, 2),
                 "amp": _r(amp, 1), "stage": self._stage_at(t0)}
            if train is not None:
                d["train"] = train
            dist.append(d)
            return dur

        # K-alpha and after-spindle companions
        for ev in self.events:
            s, _ = _support(ev)
            if ev["k_alpha"]:
                amp = rng.uniform(75.0, 200.0) * p["amp_scale"]
                w, L, _ = self._kc_wave(amp, fs)
                t0 = s - L - rng.uniform(0.0, 0.2)
                _add(E, fs, t0, w)
                dist.append({"kind": "k_complex", "onset": _r(t0), "duration": _r(L), "amp": _r(amp, 1),
                             "stage": ev["stage"], "before": ev["kind"]})
                ev["k_alpha_onset"] = t0
            if ev["after_spindle"]:
                dur = rng.uniform(0.6, 1.6)
                t0 = s - dur - rng.uniform(0.0, 0.3)
                spindle(t0, dur)
                dist[-1]["before"] = ev["kind"]
                ev["after_spindle_end"] = t0 + dur

        def poisson_times(stage, rate_per_min):
            out = []
            for i, st in enumerate(self.stages):
                r = rate_per_min.get(st, 0.0) if isinstance(rate_per_min, dict) else (
                    rate_per_min if st == stage else 0.0)
                if r <= 0:
                    continue
                k = rng.poisson(r * 0.5)
                out.extend(i * EPOCH + rng.random(k) * EPOCH)
            return sorted(out)

        sr = p["spindle_rate_per_min"]
        last_end = -10.0
        taken = []     # spindle / KC intervals, to avoid overlaps
        for t0 in poisson_times(None, {"N2": sr, "N3": 0.3 * sr, "N1": 0.1 * sr}):
            dur = rng.uniform(0.5, 2.0)
            if t0 < last_end + 1.0 or self._blocked(t0, t0 + dur) or t0 + dur > self.T:
                continue
            spindle(t0, dur)
            taken.append((t0, t0 + dur))
            last_end = t0 + dur
        tid = 0
        for t0 in poisson_times(None, {"N2": p["spindle_train_rate_per_min"]}):
            nsp = int(rng.integers(3, 7))
            ts = [t0]
            for _ in range(nsp - 1):
                ts.append(ts[-1] + rng.uniform(2.5, 5.0))
            end = ts[-1] + 2.0
            if end > self.T or self._blocked(t0, end) or any(a <= end and t0 <= b for a, b in taken):
                continue
            if not self._same_stage(t0, end, "N2"):
                continue
            durs = [spindle(t, train=tid) for t in ts]
            dist.append({"kind": "spindle_train", "onset": _r(t0), "duration": _r(ts[-1] + durs[-1] - t0),
                         "n": nsp, "train": tid})
            taken.append((t0, end))
            tid += 1
        for t0 in poisson_times(None, {"N2": p["kc_rate_per_min"], "N3": 0.4 * p["kc_rate_per_min"]}):
            amp = rng.uniform(75.0, 200.0) * p["amp_scale"]
            w, L, tpos = self._kc_wave(amp, fs)
            follow = rng.random() < 0.3
            end = t0 + L + (2.0 if follow else 0.0)
            if end > self.T or self._blocked(t0, end) or any(a - 0.5 <= end and t0 <= b + 0.5 for a, b in taken):
                continue
            _add(E, fs, t0, w)
            dist.append({"kind": "k_complex", "onset": _r(t0), "duration": _r(L), "amp": _r(amp, 1),
                         "stage": self._stage_at(t0)})
            if follow:
                spindle(t0 + tpos, rng.uniform(0.6, 1.5))
                dist[-1]["after_k"] = True
            taken.append((t0, end))
        for t0 in poisson_times("N1", p["vertex_rate_per_min"]):
            if self._blocked(t0, t0 + 0.6) or t0 + 0.6 > self.T:
                continue
            amp = rng.uniform(40.0, 120.0) * p["amp_scale"]
            sg = rng.uniform(0.04, 0.07)
            t = np.arange(int(0.6 * fs)) / fs
            w = -amp * np.exp(-0.5 * ((t - 0.15) / sg) ** 2) + 0.3 * amp * np.exp(-0.5 * ((t - 0.32) / (2 * sg)) ** 2)
            _add(E, fs, t0, w)
            dist.append({"kind": "vertex_wave", "onset": _r(t0), "duration": 0.6, "amp": _r(amp, 1)})
        for t0 in poisson_times("R", p["sawtooth_rate_per_min"]):
            f = rng.uniform(2.0, 6.0)
            nw = int(rng.integers(3, 11))
            L = nw / f
            if self._blocked(t0, t0 + L) or t0 + L > self.T:
                continue
            amp = rng.uniform(20.0, 60.0) * p["amp_scale"]
            t = np.arange(int(L * fs)) / fs
            w = (amp * signal.sawtooth(2 * np.pi * f * t, width=rng.uniform(0.15, 0.3))
                 * signal.windows.tukey(len(t), 0.3))
            _add(E, fs, t0, w)
            dist.append({"kind": "sawtooth", "onset": _r(t0), "duration": _r(L), "freq": _r(f, 2),
                         "amp": _r(amp, 1)})
        # large explicit slow waves in N3 (not listed as distractors)
        for t0 in poisson_times("N3", rng.uniform(6.0, 15.0)):
            f = rng.uniform(0.6, 1.4)
            L = rng.integers(1, 3) / f
            if self._blocked(t0, t0 + L) or t0 + L > self.T:
                continue
            t = np.arange(int(L * fs)) / fs
            amp = rng.uniform(30.0, 80.0) * p["amp_scale"]
            _add(E, fs, t0, -amp * np.sin(2 * np.pi * f * t) * np.sin(np.pi * t / L) ** 0.5)
        w2 = rng.uniform(0.8, 1.1)
        for d in range(nd):
            self.eeg[d] += E * (1.0 if d == 0 else w2)
        self.distractors = dist

    # ------------------------------------------------------------------ nuisance on EEG
    def _render_nuisance(self):
        fs, p, rng, erng = self.fs_eeg, self.p, self.rng, self.erng
        nd = len(self.eeg_labels)
        n = len(self.eeg[0])
        tt = np.arange(n) / fs
        dist = self.distractors
        # movement artefact during some leg movements
        for lm in self.lms:
            if rng.random() >= p["p_movement_artefact"]:
                continue
            L = lm["duration"] + 0.4
            m = int(L * fs)
            tuk = signal.windows.tukey(m, 0.3)
            lo_amp = rng.uniform(15.0, 80.0)
            bb_amp = rng.uniform(2.0, 8.0)
            for d in range(nd):
                f = 1.0 if d == 0 else rng.uniform(0.5, 1.2)
                w = f * tuk * (lo_amp * _local_noise(erng, m, fs, (0.3, 3.0))
                               + bb_amp * _local_noise(erng, m, fs, (1.0, min(45.0, 0.45 * fs))))
                _add(self.eeg[d], fs, lm["onset"] - 0.2, w)
            lm["eeg_artefact"] = True
            dist.append({"kind": "movement_artefact", "onset": _r(lm["onset"] - 0.2), "duration": _r(L),
                         "lo_uv": _r(lo_amp, 1), "broadband_uv": _r(bb_amp, 1)})
        # sweat / slow baseline drift
        for _ in range(p["n_sweat"]):
            L = rng.uniform(120.0, 600.0)
            t0 = rng.uniform(0, self.T - L)
            m = int(L * fs)
            amp = rng.uniform(40.0, 200.0)
            which = [0] if (nd == 1 or rng.random() < 0.5) else list(range(nd))
            for d in which:
                w = amp * _local_noise(erng, m, fs, 0.4, "lowpass", 2) * signal.windows.tukey(m, 0.2)
                _add(self.eeg[d], fs, t0, w)
            dist.append({"kind": "sweat", "onset": _r(t0), "duration": _r(L), "amp": _r(amp, 1),
                         "derivations": which})
        # electrode pops (one derivation), kept away from alpha-event footprints
        n_pop = rng.poisson(p["pop_rate_per_h"] * self.hours)
        for _ in range(n_pop * 20):
            if n_pop <= 0:
                break
            t0 = rng.uniform(5, self.T - 10)
            if not self._free(t0 - 3.0, t0 + 5.0):
                continue
            amp = rng.uniform(50.0, 400.0) * (1 if rng.random() < 0.5 else -1)
            tau = rng.uniform(0.1, 1.0)
            L = 6 * tau
            t = np.arange(int(L * fs)) / fs
            w = amp * (1 - np.exp(-t / 0.004)) * np.exp(-t / tau)
            d = int(rng.integers(nd))
            _add(self.eeg[d], fs, t0, w)
            dist.append({"kind": "pop", "onset": _r(t0), "duration": _r(5 * tau), "amp": _r(amp, 1),
                         "derivation": d})
            n_pop -= 1
        # stand-alone short EMG bleed bursts (chewing / muscle) in sleep
        n_b = int(round(p["bleed_burst_rate_per_h"] * self.sleep_s / 3600.0))
        k = 0
        for _ in range(n_b * 50):
            if k >= n_b:
                break
            t0 = self._random_time_in(SLEEP)
            if t0 is None:
                break
            L = rng.uniform(0.3, 2.5)
            if not self._free(t0 - 2.0, t0 + L + 2.0):
                continue
            amp = rng.uniform(3.0, 12.0)
            m = int(L * fs)
            i0 = int(t0 * fs)
            tuk = signal.windows.tukey(m, 0.3)
            for d in range(nd):
                self.eeg[d][i0:i0 + m] += amp * tuk * self.bleed_noise[d][i0:i0 + m]
            dist.append({"kind": "emg_bleed", "onset": _r(t0), "duration": _r(L), "amp": _r(amp, 1)})
            k += 1
        # mains
        if p["mains_uv"] > 0:
            ph = rng.uniform(0, 2 * np.pi)
            hum = p["mains_uv"] * np.sin(2 * np.pi * p["mains_hz"] * tt + ph)
            if 3 * p["mains_hz"] < 0.5 * fs:
                hum += 0.2 * p["mains_uv"] * np.sin(2 * np.pi * 3 * p["mains_hz"] * tt + 2 * ph)
            for d in range(nd):
                self.eeg[d] += hum * (1.0 if d == 0 else rng.uniform(0.5, 1.5))

    # ------------------------------------------------------------------ contrast solving
    @staticmethod
    def _solve_k(A, B, pre, plat, C):
        ap, bp, cp = np.mean(A[plat] ** 2), np.mean(A[plat] * B[plat]), np.mean(B[plat] ** 2)
        aq, bq, cq = np.mean(A[pre] ** 2), np.mean(A[pre] * B[pre]), np.mean(B[pre] ** 2)
        C2 = C * C
        al, be, ga = cp - C2 * cq, bp - C2 * bq, ap - C2 * aq
        if abs(al) < 1e-15:
            return None if be == 0 else [-ga / (2 * be)]
        disc = be * be - al * ga
        if disc < 0:
            return None
        sq = math.sqrt(disc)
        return [(-be + sq) / al, (-be - sq) / al]

    def _solve_events(self):
        fs = self.fs_eeg
        nd = len(self.eeg_labels)
        n = len(self.eeg[0])
        for ev in self.events:
            i0, i1 = _seg_bounds(ev, fs, n)
            t, pre, plat, half = _masks(ev, fs, i0, i1)
            env = _env(t, ev)
            base = [self.eeg[d][i0:i1].copy() for d in range(nd)]
            comp = {"alpha": [self._carrier(self.alpha_c[d][i0:i1], fs, "alpha") * env for d in range(nd)],
                    "beta": [self._carrier(self.beta_c[d][i0:i1], fs, "beta") * env for d in range(nd)]}
            Bf = {b: signal.sosfiltfilt(_sos(fs, BANDS[b]), comp[b][0]) for b in BANDS}
            bleed = ev["bleed_uv"] if ev["emg_bleed"] else 0.0
            prim = max(ev["targets"], key=ev["targets"].get)
            for attempt in range(5):
                bl = [bleed * env * self.bleed_noise[d][i0:i1] for d in range(nd)]
                x1 = base[0] + bl[0]
                ks = {b: 0.0 for b in ev["targets"]}
                ok = True       # all drawn bands reachable
                ok_prim = True  # the primary (largest) band reachable
                for _ in range(4):
                    for b, C in ev["targets"].items():
                        cur = x1 + sum(ks[bb] * comp[bb][0] for bb in ks)
                        A = signal.sosfiltfilt(_sos(fs, BANDS[b]), cur)
                        roots = self._solve_k(A, Bf[b], pre, plat, C)
                        cand = [r for r in (roots or []) if ks[b] + r >= 0]
                        if not cand:   # background alone already above target: mild attenuation
                            cand = [r for r in (roots or []) if ks[b] + r >= -0.5]
                        if not cand:
                            ok = False
                            ok_prim = ok_prim and b != prim
                            # unreachable (e.g. a very short event whose rise leaks into the
                            # baseline): settle for the largest reachable fraction of the target
                            for j in range(1, 30):
                                roots = self._solve_k(A, Bf[b], pre, plat, 1.0 + (C - 1.0) * 0.9 ** j)
                                cand = [r for r in (roots or []) if ks[b] + r >= 0]
                                if cand:
                                    break
                            if not cand:
                                continue
                        ks[b] += min(cand, key=abs)
                cur = x1 + sum(ks[bb] * comp[bb][0] for bb in ks)
                meas = {b: self._ratio(cur, fs, b, pre, plat) for b in BANDS}
                # the drawn primary band must be the one that rose most
                other = [b for b in BANDS if b != prim][0]
                if other in ev["targets"]:
                    leak = meas[other] > 1.1 * ev["targets"][other]
                else:
                    leak = meas[other] >= 0.9 * meas[prim]
                if bleed > 0 and (not ok or leak):
                    bleed *= 0.5
                    if attempt == 3:
                        bleed = 0.0
                    continue
                break
            for d in range(nd):
                self.eeg[d][i0:i1] = base[d] + bl[d] + sum(ks[b] * comp[b][d] for b in ks)
            ev["k"] = {b: float(v) for b, v in ks.items()}
            ev["bleed_uv"] = float(bleed)
            ev["emg_bleed"] = bool(bleed > 0)
            ev["solved"] = bool(ok_prim)
            ev["all_bands_solved"] = bool(ok)

    @staticmethod
    def _carrier(c, fs, band):
        """Amplitude-normalised copy of a generator segment (same phase / frequency drift).

        A narrow-band noise fades at random; multiplying the raw generator would make
        the rise vanish when the plateau falls into a fade.  The carrier divides the
        generator by its smoothed analytic amplitude, is band-limited around its band
        (no far skirts), and is rescaled to the generator's RMS over the segment, so
        ``1 + k env`` still reads as a gain on the background rhythm."""
        rms = float(np.sqrt(np.mean(c ** 2)))
        if rms <= 0:
            return c
        a = np.abs(signal.hilbert(c))
        k = max(1, int((0.4 if band == "alpha" else 0.2) * fs))
        a = np.convolve(a, np.ones(k) / k, mode="same")
        y = c / np.maximum(a, 0.2 * float(np.median(a)))
        wide = (6.5, 13.5) if band == "alpha" else (14.0, min(32.0, 0.45 * fs))
        y = signal.sosfiltfilt(_sos(fs, wide, 2), y)
        return y * rms / float(np.sqrt(np.mean(y ** 2)))

    @staticmethod
    def _ratio(x, fs, b, pre, plat):
        y = signal.sosfiltfilt(_sos(fs, BANDS[b]), x)
        return float(np.sqrt(np.mean(y[plat] ** 2)) / np.sqrt(np.mean(y[pre] ** 2)))

    # ------------------------------------------------------------------ EMG channels
    def _render_emg(self):
        fs, p, rng, erng = self.fs_emg, self.p, self.rng, self.erng
        n = self.n_sec * fs
        hi = min(150.0, 0.45 * fs)
        tsec = np.arange(self.n_sec) + 0.5
        tt = np.arange(n) / fs

        def emg_noise():
            return _unit(signal.sosfilt(_sos(fs, (20.0, hi), 4), erng.standard_normal(n)))

        def ramp_env(env, on, dur, amp, edge):
            """Add a flat-topped burst whose half-amplitude points are on and on+dur."""
            i0 = int(math.floor((on - edge / 2) * fs))
            i1 = int(math.ceil((on + dur + edge / 2) * fs)) + 1
            i0, i1 = max(0, i0), min(n, i1)
            t = np.arange(i0, i1) / fs
            u_on = np.clip((t - (on - edge / 2)) / edge, 0, 1)
            u_off = np.clip((on + dur + edge / 2 - t) / edge, 0, 1)
            sh = np.minimum(0.5 * (1 - np.cos(np.pi * u_on)), 0.5 * (1 - np.cos(np.pi * u_off)))
            env[i0:i1] += amp * sh
            return i0, i1, sh

        mains = np.zeros(n)
        if p["mains_uv"] > 0:
            mains = 0.5 * p["mains_uv"] * np.sin(2 * np.pi * p["mains_hz"] * tt + rng.uniform(0, 6.3))
        # chin
        tone = {"W": p["chin_wake_rms"], "N1": 0.7 * p["chin_wake_rms"], "N2": 0.5 * p["chin_wake_rms"],
                "N3": 0.45 * p["chin_wake_rms"], "R": p["chin_rem_rms"]}
        g = np.array([tone[s] for s in self.stage_sec], float)
        h = np.hanning(13)[1:-1]
        g = np.convolve(np.pad(g, 6, mode="edge"), h / h.sum(), "same")[6:-6]
        g *= np.exp(_ou(rng, self.n_sec, 60.0, 0.1))
        chin_env = np.interp(tt, tsec, g)
        mult = np.ones(n)
        for ev in self.events:
            if ev["kind"] == "arousal" and ev["chin"]:
                on, dur = ev["chin_onset"], ev["chin_duration"]
                i0 = int(math.floor((on - 0.05) * fs))
                i1 = int(math.ceil((on + dur + 0.05) * fs)) + 1
                t = np.arange(i0, i1) / fs
                u_on = np.clip((t - (on - 0.05)) / 0.1, 0, 1)
                u_off = np.clip((on + dur + 0.05 - t) / 0.1, 0, 1)
                sh = np.minimum(0.5 * (1 - np.cos(np.pi * u_on)), 0.5 * (1 - np.cos(np.pi * u_off)))
                mult[i0:i1] += (ev["chin_factor"] - 1.0) * sh
        chin_env *= mult
        # REM twitches, away from the no-chin look-alikes
        noch = [(ev["onset"] - 2.0, ev["onset"] + ev["duration"] + 2.0)
                for ev in self.events if ev["kind"] == "rem_alpha_no_chin"]
        n_tw = 0
        for i, st in enumerate(self.stages):
            if st != "R":
                continue
            for t0 in i * EPOCH + rng.random(rng.poisson(rng.uniform(5.0, 15.0) * 0.5)) * EPOCH:
                dur = rng.uniform(0.05, 0.4)
                if any(a <= t0 + dur and t0 <= b for a, b in noch) or t0 + dur + 0.1 > self.T:
                    continue
                ramp_env(chin_env, t0, dur, p["chin_rem_rms"] * rng.uniform(2.0, 7.0), 0.03)
                n_tw += 1
        self.p["n_rem_twitches"] = n_tw
        chin = chin_env * emg_noise() + mains
        # legs
        legs = []
        envs = [np.full(n, p["leg_rest_rms"][0]), np.full(n, p["leg_rest_rms"][1])]
        for lm in self.lms:
            sides = {"left": [0], "right": [1], "both": [0, 1]}[lm["side"]]
            edge = rng.uniform(0.03, 0.08)
            for s in sides:
                i0, i1, sh = ramp_env(envs[s], lm["onset"], lm["duration"], lm["amp"], edge)
                # interior modulation (sub-bursts), never below 70 % of the amplitude
                k = rng.uniform(0.5, 3.0)
                mod = 0.15 * np.sin(2 * np.pi * k * np.arange(i1 - i0) / fs + rng.uniform(0, 6.3))
                envs[s][i0:i1] += lm["amp"] * sh * mod
        for s in range(2):
            legs.append(envs[s] * emg_noise() + mains * rng.uniform(0.3, 1.0))
        self.chin, self.legs = chin, legs

    # ------------------------------------------------------------------ outputs
    def build(self):
        self._place_lms()
        self._place_resp()
        self._place_alpha_events()
        self._per_second_gains()
        self._render_background()
        self._render_waveforms()
        self._render_nuisance()
        self._solve_events()
        self._render_emg()

    def truth(self):
        fs = self.fs_eeg
        x = self.eeg[0]
        ar, dist = [], list(self.distractors)
        for ev in self.events:
            ca = measure_contrast(x, fs, ev, "alpha")
            cb = measure_contrast(x, fs, ev, "beta")
            prim = max(ev["targets"], key=ev["targets"].get)
            meas = {"alpha": ca, "beta": cb}
            s, e = _support(ev)
            p0, p1 = _plateau_window(ev)
            d = {"onset": _r(ev["onset"]), "duration": _r(ev["duration"]), "stage": ev["stage"],
                 "contrast": _r(meas[prim]), "contrast_target": _r(ev["targets"][prim]),
                 "contrast_band": prim, "contrast_alpha": _r(ca), "contrast_beta": _r(cb),
                 "contrast_half": _r(measure_contrast(x, fs, ev, prim, "half")),
                 "bands": ev["bands"], "theta": _r(ev["theta"], 3), "delta_drop": _r(ev["delta_drop"], 3),
                 "emg_bleed": ev["emg_bleed"], "bleed_uv": _r(ev["bleed_uv"], 2),
                 "k_alpha": ev["k_alpha"], "after_spindle": ev["after_spindle"],
                 "k": {b: _r(v) for b, v in ev["k"].items()}, "solved": ev["solved"],
                 "all_bands_solved": ev["all_bands_solved"],
                 "env": {"start": _r(s, 6), **{kk: (_r(v, 6) if isinstance(v, float) else v)
                                                for kk, v in ev["env"].items()}},
                 "support": [_r(s), _r(e)], "plateau_window": [_r(p0), _r(p1)]}
            if ev["kind"] == "arousal":
                d.update({"cause": ev["cause"], "chin": ev["chin"]})
                if ev["chin"]:
                    d.update({"chin_onset": _r(ev["chin_onset"]), "chin_duration": _r(ev["chin_duration"]),
                              "chin_factor": _r(ev["chin_factor"], 3)})
                if ev["cause"] == "lm":
                    d.update({"lm_index": ev["lm_index"], "lm_gap": _r(ev["lm_gap"]),
                              "lm_associated": bool(ev["lm_gap"] <= 0.5)})
                if ev["cause"] == "respiratory":
                    d["resp_index"] = ev["resp_index"]
                ar.append(d)
            else:
                d["kind"] = ev["kind"]
                d["chin"] = False
                if ev["kind"] == "intrusion":
                    d["after_lm"] = ev.get("after_lm", False)
                dist.append(d)
        dist.sort(key=lambda q: (q["onset"], q["kind"]))
        p = {k: (_r(v, 4) if isinstance(v, float) else v) for k, v in self.p.items()}
        p["leg_rest_rms"] = [_r(v, 3) for v in self.p["leg_rest_rms"]]
        p["alpha_freq_range"] = [_r(self.alpha_f_blocks.min(), 3), _r(self.alpha_f_blocks.max(), 3)]
        return {
            "gen_version": GEN_VERSION, "seed": self.seed, "hours": self.hours, "family": self.family,
            "duration_s": float(self.n_sec), "fs_eeg": self.fs_eeg, "fs_emg": self.fs_emg,
            "eeg_labels": list(self.eeg_labels), "chin_label": "Chin EMG", "leg_labels": ["Leg L", "Leg R"],
            "stages": list(self.stages), "night": p,
            "arousals": ar,
            "leg_movements": [{"onset": _r(lm["onset"]), "duration": _r(lm["duration"]), "side": lm["side"],
                               "amp": _r(lm["amp"], 2), "arousal": bool(lm["arousal"]), "stage": lm["stage"],
                               "series": lm["series"], "eeg_artefact": bool(lm.get("eeg_artefact", False))}
                              for lm in self.lms],
            "respiratory": [{"onset": _r(r["onset"], 3), "duration": _r(r["duration"], 3),
                             "concept": r["concept"], "arousal": bool(r["arousal"])} for r in self.resp],
            "distractors": dist,
        }

    def write_edf(self, path):
        sigs = list(self.eeg) + [self.chin] + list(self.legs)
        labels = list(self.eeg_labels) + ["Chin EMG", "Leg L", "Leg R"]
        rates = [self.fs_eeg] * len(self.eeg) + [self.fs_emg] * 3
        heads = []
        for lab, x, fs in zip(labels, sigs, rates):
            assert len(x) == self.n_sec * fs
            pm = int(math.ceil(float(np.max(np.abs(x))) * 1.05 + 1.0))
            heads.append({"label": lab, "dimension": "uV", "sample_frequency": fs,
                          "physical_max": pm, "physical_min": -pm, "digital_max": 32767,
                          "digital_min": -32768, "transducer": "", "prefilter": ""})
        w = pyedflib.EdfWriter(path, len(sigs), file_type=pyedflib.FILETYPE_EDFPLUS)
        try:
            w.setSignalHeaders(heads)
            w.setStartdatetime(START_DT)
            w.writeSamples([np.ascontiguousarray(x, dtype=np.float64) for x in sigs])
        finally:
            w.close()


def _xml(truth, with_ar):
    L = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
         "<PSGAnnotation><SoftwareVersion>Compumedics</SoftwareVersion><EpochLength>30</EpochLength><ScoredEvents>",
         "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
         f"<Duration>{truth['duration_s']:.1f}</Duration><ClockTime>00.00.00 22.45.00</ClockTime></ScoredEvent>"]
    T = truth["duration_s"]
    for st, i, j in _runs(truth["stages"]):
        a, b = i * EPOCH, min(j * EPOCH, T)
        L.append(f"<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>{STAGE_CONCEPT[st]}"
                 f"</EventConcept><Start>{a:.1f}</Start><Duration>{b - a:.1f}</Duration></ScoredEvent>")
    for r in truth["respiratory"]:
        L.append(f"<ScoredEvent><EventType>Respiratory|Respiratory</EventType><EventConcept>{r['concept']}"
                 f"</EventConcept><Start>{r['onset']:.3f}</Start><Duration>{r['duration']:.3f}</Duration></ScoredEvent>")
    if with_ar:
        for a in truth["arousals"]:
            L.append("<ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()"
                     f"</EventConcept><Start>{a['onset']:.3f}</Start><Duration>{a['duration']:.3f}</Duration></ScoredEvent>")
    L.append("</ScoredEvents></PSGAnnotation>")
    return "\n".join(L) + "\n"


def make_night(seed: int, hours: float, family: str, folder: str, stem: str) -> dict:
    """Render one night; write EDF+, the two XMLs and the truth JSON into ``folder``; return the truth."""
    os.makedirs(folder, exist_ok=True)
    night = _Night(seed, hours, family)
    night.build()
    truth = night.truth()
    night.write_edf(os.path.join(folder, stem + ".edf"))
    with open(os.path.join(folder, stem + XML_NOAR), "w") as f:
        f.write(_xml(truth, False))
    with open(os.path.join(folder, stem + XML_AR), "w") as f:
        f.write(_xml(truth, True))
    with open(os.path.join(folder, stem + "_truth.json"), "w") as f:
        json.dump(truth, f)
    return truth


# ----------------------------------------------------------------------------------
# self check
# ----------------------------------------------------------------------------------
def _self_check(truth, folder, stem, verbose=True):
    """Read the files back and verify the night; return a dict of summary numbers."""
    import re
    out = {}
    path = os.path.join(folder, stem + ".edf")
    r = pyedflib.EdfReader(path)
    try:
        labels = r.getSignalLabels()
        exp = truth["eeg_labels"] + [truth["chin_label"]] + truth["leg_labels"]
        assert labels == exp, (labels, exp)
        nd = len(truth["eeg_labels"])
        for i in range(len(labels)):
            fs = r.getSampleFrequency(i)
            want = truth["fs_eeg"] if i < nd else truth["fs_emg"]
            assert abs(fs - want) < 1e-9, (labels[i], fs, want)
            assert r.getPhysicalDimension(i) == "uV", r.getPhysicalDimension(i)
            dig = r.readSignal(i, digital=True)
            assert len(dig) == int(truth["duration_s"] * want)
            nclip = int(np.sum(dig >= 32767) + np.sum(dig <= -32768))
            assert nclip == 0, (labels[i], nclip)
        assert abs(r.getFileDuration() - truth["duration_s"]) < 1e-9, r.getFileDuration()
        sd = r.getStartdatetime()
        assert (sd.hour, sd.minute, sd.second) == (22, 45, 0), sd
        x = r.readSignal(0)
    finally:
        r.close()
    fs = truth["fs_eeg"]
    # contrast & durations
    rel, rel_t, bad_dur = [], [], []
    for ev in truth["arousals"] + [d for d in truth["distractors"] if "env" in d]:
        env_ev = {"onset": ev["onset"], "duration": ev["duration"],
                  "env": {k: v for k, v in ev["env"].items() if k != "start"}}
        band = ev["contrast_band"]
        c = measure_contrast(x, fs, env_ev, band)
        rel.append(c / ev["contrast"] - 1.0)
        rel_t.append(c / ev["contrast_target"] - 1.0)
        s, e = _support(env_ev)
        t = np.arange(int(math.floor(s * fs)) - 2, int(math.ceil(e * fs)) + 3) / fs
        on, off = _half_points(t, _env(t, env_ev))
        dur = off - on
        kind = ev.get("kind", "arousal")
        if abs(on - ev["onset"]) > 2e-3 or abs(dur - ev["duration"]) > 2e-3:
            bad_dur.append((kind, ev["onset"], dur, ev["duration"]))
        if kind == "intrusion" and not dur < 3.0:
            bad_dur.append((kind, ev["onset"], dur))
        if kind in ("arousal", "rem_alpha_no_chin") and not dur >= 3.0 - 1e-6:
            bad_dur.append((kind, ev["onset"], dur))
    rel, rel_t = np.abs(rel), np.abs(rel_t)
    n_ar = len(truth["arousals"])
    out["contrast_rel_err_vs_truth_max"] = round(float(rel.max()), 4)
    out["arousal_contrast_rel_err_vs_drawn_max"] = round(float(rel_t[:n_ar].max()), 4)
    out["other_events_within_15pct_of_drawn"] = round(float(np.mean(rel_t[n_ar:] <= 0.15)), 4)
    out["unsolved_events"] = [(d.get("kind", "arousal"), d["onset"]) for d in
                              truth["arousals"] + truth["distractors"] if d.get("solved") is False]
    assert rel.max() < 0.02, rel.max()
    assert rel_t[:n_ar].max() <= 0.15, rel_t[:n_ar].max()
    assert np.mean(rel_t[n_ar:] <= 0.15) > 0.97, np.mean(rel_t[n_ar:] <= 0.15)
    assert not bad_dur, bad_dur[:5]
    # XML
    with open(os.path.join(folder, stem + XML_NOAR)) as f:
        noar = f.read()
    with open(os.path.join(folder, stem + XML_AR)) as f:
        arx = f.read()
    assert "Arousal" not in noar
    assert arx.count("<EventConcept>Arousal|Arousal ()</EventConcept>") == len(truth["arousals"])
    assert arx.count("Recording Start Time") == 1 and noar.count("Recording Start Time") == 1
    inv = {v: k for k, v in STAGE_CONCEPT.items()}
    st = []
    for m in re.finditer(r"<EventType>Stages\|Stages</EventType><EventConcept>([^<]+)</EventConcept>"
                         r"<Start>([\d.]+)</Start><Duration>([\d.]+)</Duration>", noar):
        n_ep = int(round(float(m.group(3)) / EPOCH))
        st += [inv[m.group(1)]] * n_ep
    assert st == truth["stages"], "stage runs differ"
    import xml.etree.ElementTree as ET
    for name in (XML_NOAR, XML_AR):
        ET.parse(os.path.join(folder, stem + name))
    # EMG: LM rectified amplitude >= 8 uV above rest; chin rise during REM arousals
    r = pyedflib.EdfReader(path)
    try:
        chin = r.readSignal(nd)
        legs = [r.readSignal(nd + 1), r.readSignal(nd + 2)]
    finally:
        r.close()
    fe = truth["fs_emg"]
    rest = [float(np.median(np.abs(leg))) for leg in legs]
    lm_ok = []
    for lm in truth["leg_movements"]:
        for s_ in {"left": [0], "right": [1], "both": [0, 1]}[lm["side"]]:
            seg = legs[s_][int((lm["onset"] + 0.1) * fe):int((lm["onset"] + lm["duration"] - 0.1) * fe)]
            if len(seg):
                lm_ok.append(float(np.mean(np.abs(seg))) - rest[s_])
    out["lm_rect_above_rest_min_uv"] = round(min(lm_ok), 2)
    assert min(lm_ok) >= 8.0, min(lm_ok)
    cr = []
    for a in truth["arousals"]:
        if a["stage"] == "R":
            c0, c1 = a["chin_onset"], a["chin_onset"] + a["chin_duration"]
            # median rectified amplitude: robust to the brief REM twitches
            during = np.median(np.abs(chin[int((c0 + 0.1) * fe):int((c1 - 0.1) * fe)]))
            before = np.median(np.abs(chin[int((a["onset"] - 10) * fe):int((a["onset"] - 1) * fe)]))
            cr.append(during / before)
    if cr:
        out["rem_arousal_chin_ratio_min"] = round(float(min(cr)), 2)
        assert min(cr) > 2.0, min(cr)
    # AASM placement rules
    stages = truth["stages"]
    ars = truth["arousals"]
    for a in ars:
        e0, e1 = int((a["onset"] - PRE_S) // EPOCH), int((a["onset"] + a["duration"]) // EPOCH)
        assert all(stages[k] == a["stage"] for k in range(e0, e1 + 1)), a
        w0 = max(0, int((a["onset"] - 15) // EPOCH))
        w1 = min(len(stages) - 1, int((a["onset"] + a["duration"] + 15) // EPOCH))
        assert all(stages[k] != "W" for k in range(w0, w1 + 1)), a
        if a["stage"] == "R":
            assert a["chin"] and a["chin_duration"] >= 1.0
    gaps = [b["onset"] - (a["onset"] + a["duration"]) for a, b in zip(ars, ars[1:])]
    assert min(gaps) >= 10.0, min(gaps)
    # summary
    sleep_h = sum(1 for s in stages if s in SLEEP) * EPOCH / 3600.0
    con = np.array([a["contrast"] for a in ars])
    dur = np.array([a["duration"] for a in ars])
    lm_ar = [a for a in ars if a["cause"] == "lm"]
    intr = [d for d in truth["distractors"] if d["kind"] == "intrusion"]
    lms = truth["leg_movements"]
    out.update({
        "arousals": len(ars), "sleep_h": round(sleep_h, 2), "arousals_per_h_sleep": round(len(ars) / sleep_h, 1),
        "contrast_q": [round(float(q), 2) for q in np.quantile(con, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])],
        "frac_contrast_lt2": round(float(np.mean(con < 2)), 2),
        "duration_q": [round(float(q), 2) for q in np.quantile(dur, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])],
        "stages": {s: sum(1 for a in ars if a["stage"] == s) for s in SLEEP},
        "causes": {c: sum(1 for a in ars if a["cause"] == c) for c in ("lm", "respiratory", "spontaneous")},
        "bands": {b: sum(1 for a in ars if a["bands"] == b) for b in ("alpha", "beta", "alpha+beta")},
        "chin": sum(a["chin"] for a in ars), "emg_bleed": sum(a["emg_bleed"] for a in ars),
        "k_alpha": sum(a["k_alpha"] for a in ars), "after_spindle": sum(a["after_spindle"] for a in ars),
        "theta": sum(a["theta"] > 1 for a in ars),
        "frac_other_band_rose_more": round(float(np.mean(
            [(a["contrast_beta"] if a["contrast_band"] == "alpha" else a["contrast_alpha"]) > a["contrast"]
             for a in ars])), 3),
        "lm_ar_within_0.5s": round(float(np.mean([a["lm_gap"] <= 0.5 for a in lm_ar])), 2) if lm_ar else None,
        "intrusions": len(intr), "intrusions_per_h_sleep": round(len(intr) / sleep_h, 1),
        "intrusion_dur_q": [round(float(q), 2) for q in np.quantile([d["duration"] for d in intr], [0, 0.5, 1])],
        "intrusion_contrast_q": [round(float(q), 2) for q in np.quantile([d["contrast"] for d in intr], [0, 0.5, 1])],
        "rem_alpha_no_chin": sum(1 for d in truth["distractors"] if d["kind"] == "rem_alpha_no_chin"),
        "lms": len(lms), "lms_in_series": sum(1 for lm in lms if lm["series"] is not None),
        "resp": len(truth["respiratory"]),
        "distractor_kinds": {k: sum(1 for d in truth["distractors"] if d["kind"] == k)
                             for k in sorted({d["kind"] for d in truth["distractors"]})},
        "edf_mb": round(os.path.getsize(path) / 1e6, 1),
    })
    if verbose:
        for k, v in out.items():
            print(f"  {k}: {v}")
    return out


def _spectrum_report(truth, folder, stem):
    """Welch spectra per stage and before/during one N2 arousal of the first derivation."""
    r = pyedflib.EdfReader(os.path.join(folder, stem + ".edf"))
    try:
        x = r.readSignal(0)
    finally:
        r.close()
    fs = truth["fs_eeg"]
    stages = truth["stages"]
    rng = np.random.default_rng(0)
    bands = {"delta": (0.5, 4), "theta": (4, 8), "alpha": (8, 12), "sigma": (11, 16), "beta": (16, 30),
             "gamma": (30, 45)}
    rows = {}
    for s in ("W", "N1", "N2", "N3", "R"):
        idx = [i for i, q in enumerate(stages) if q == s]
        if not idx:
            continue
        idx = rng.choice(idx, min(40, len(idx)), replace=False)
        P = []
        for i in idx:
            f, pxx = signal.welch(signal.detrend(x[int(i * 30 * fs):int((i + 1) * 30 * fs)]), fs, nperseg=int(4 * fs))
            P.append(pxx)
        pxx = np.median(P, axis=0)
        tot = pxx[(f >= 0.5) & (f < 45)].sum()
        rel = {b: round(float(pxx[(f >= lo) & (f < hi)].sum() / tot), 3) for b, (lo, hi) in bands.items()}
        m = (f >= 2) & (f <= 40)
        slope = float(np.polyfit(np.log10(f[m]), np.log10(pxx[m]), 1)[0])
        lo_hi = (8, 16) if s != "N2" else (11, 16)
        mm = (f >= lo_hi[0]) & (f <= lo_hi[1])
        pk = f[mm][np.argmax(pxx[mm] * f[mm])]      # peak of the 1/f-compensated spectrum
        rows[s] = {"rel_power": rel, "loglog_slope_2_40": round(slope, 2), "peak_hz": round(float(pk), 2)}
        print(f"  {s}: slope {slope:.2f}, peak({lo_hi[0]}-{lo_hi[1]}, f*P) {pk:.2f} Hz, rel {rel}")
    ar = [a for a in truth["arousals"] if a["stage"] == "N2" and 1.5 < a["contrast"] < 4]
    if ar:
        a = ar[len(ar) // 2]
        on = a["onset"]
        pre = x[int((on - 10) * fs):int(on * fs)]
        p0, p1 = a["plateau_window"]
        dur = x[int(p0 * fs):int(p1 * fs)]
        nps = int(min(len(dur), 2 * fs))
        f1, pa = signal.welch(pre, fs, nperseg=nps)
        f2, pb = signal.welch(dur, fs, nperseg=nps)
        def bp(f, pxx, lo, hi):
            return float(pxx[(f >= lo) & (f < hi)].sum())
        print(f"  N2 arousal @{on:.1f}s dur {a['duration']:.1f}s contrast {a['contrast']:.2f} ({a['bands']}):")
        for b, (lo, hi) in bands.items():
            print(f"    {b:6s} amplitude ratio during/before {math.sqrt(bp(f2, pb, lo, hi) / bp(f1, pa, lo, hi)):.2f}")
    return rows


if __name__ == "__main__":
    import sys
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/blind3_check"
    hours = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    for fam in FAMILIES:
        for seed in (0, 1):
            stem = f"b3_{fam}_{seed}"
            t0 = time.time()
            tr = make_night(seed, hours, fam, outdir, stem)
            dt = time.time() - t0
            print(f"{stem}: fs_eeg {tr['fs_eeg']} fs_emg {tr['fs_emg']} {tr['eeg_labels']} gen {dt:.1f} s")
            _self_check(tr, outdir, stem)
            _spectrum_report(tr, outdir, stem)
