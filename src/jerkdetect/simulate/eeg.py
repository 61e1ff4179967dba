"""Simulated EEG: stage backgrounds, AASM arousals, and the look-alikes an arousal detector must ignore.

Everything here draws from its own generator (``np.random.default_rng([seed, EEG_STREAM])``), so
the EMG, the events and the truth that the rest of the simulator makes from the main generator
do not move when the EEG changes.

Backgrounds are band-limited noise whose per-band amplitude follows the stage (alpha in quiet
wake, theta in N1/REM, delta in N3) with 10-s cross-fades at stage changes, a per-night gain
(montage, amplifier, age) and a slow drift. N2/N3 carry single spindles and K-complexes.

Arousals are abrupt shifts (0.1-s edges) of band amplitude (alpha, alpha+beta, beta or theta+alpha) of 3-15 s,
most of them modest (the band's amplitude 2-4 times what it measures in the 10 s before), with
slow waves damped; in REM, and in a share of NREM arousals, chin EMG rises for at least 1 s.

Look-alikes, each recorded in ``truth["eeg_events"]`` with its kind:

``short_intrusion``
    alpha/beta bursts of 1-2.7 s in sleep (too short to be arousals);
``spindle_train``, ``spindle``
    trains of 2-5 spindles (11.5-15.5 Hz, 0.5-2 s each) and single spindles;
``k_complex``
    biphasic slow waves of 0.6-1.5 s, some followed by a spindle;
``rem_alpha``
    REM alpha bursts of 3-10 s without a chin EMG increase (AASM: not an arousal in R);
``wake_alpha``, ``eyes_open``
    alpha bursts in wake; alpha blocked, beta up and blinks in wake;
``sleep_onset_alpha``
    alpha that lingers into the first sleep epoch or returns within its first 10 s;
``muscle``
    20-100 Hz muscle artefact on the EEG during leg movements that have no arousal;
``arousal_not_scorable``
    shifts planned as arousals that the AASM rule does not score (in wake, or without 10 s of
    sleep since the last arousal or since wake); rendered, but not in ``truth["arousals"]``.
"""
from __future__ import annotations

import numpy as np

from .waveforms import band_noise

EEG_STREAM = 0xEE6  # second word of the EEG generator's seed

BANDS = {"delta": (0.5, 3.5), "theta": (4.0, 7.5), "alpha": (8.0, 12.0), "sigma": (12.0, 15.5),
         "beta": (16.0, 30.0), "gamma": (30.0, 45.0)}
# stage -> RMS µV per band (before the night's gain); -1 = unscored
BACKGROUND = {
    0: dict(delta=8.0, theta=6.0, alpha=18.0, sigma=3.0, beta=6.0, gamma=1.5),
    1: dict(delta=12.0, theta=14.0, alpha=4.0, sigma=2.5, beta=4.0, gamma=1.0),
    2: dict(delta=25.0, theta=11.0, alpha=3.5, sigma=3.0, beta=3.0, gamma=0.8),
    3: dict(delta=60.0, theta=10.0, alpha=2.5, sigma=2.0, beta=2.0, gamma=0.6),
    4: dict(delta=10.0, theta=12.0, alpha=4.5, sigma=2.0, beta=4.5, gamma=1.0),
    -1: dict(delta=10.0, theta=8.0, alpha=8.0, sigma=2.0, beta=4.0, gamma=1.0),
}
# per-derivation factors: occipital alpha is stronger, central sigma and delta are
DERIVATION = {"central": dict(alpha=1.0, sigma=1.2, delta=1.1), "occipital": dict(alpha=1.6, sigma=0.8, delta=0.8)}
AROUSAL_KINDS = {"alpha": dict(alpha=1.0, beta=0.3), "alpha+beta": dict(alpha=1.0, beta=1.0),
                 "beta": dict(beta=1.0, alpha=0.15), "theta+alpha": dict(theta=0.8, alpha=1.0)}
# drawn only by the arousal stress family: the whole 8-30 Hz range, sigma with it
SHIFT_KINDS = {**AROUSAL_KINDS, "broad": dict(alpha=1.0, sigma=1.0, beta=1.0)}
SLEEP = (1, 2, 3, 4)
ABRUPT_S = 0.1  # raised-cosine edges of an abrupt shift (arousals, intrusions)


def eeg_rng(seed: int) -> np.random.Generator:
    """The EEG's own generator for a night's seed."""
    return np.random.default_rng([int(seed), EEG_STREAM])


def aasm_scorable(arousals, stages: np.ndarray, epoch_s: float = 30.0, min_sleep_s: float = 10.0):
    """Split planned arousals into those the AASM rule scores and those it does not.

    An arousal is scored when it starts in N1, N2, N3 or R, the ``min_sleep_s`` before it are
    sleep, and at least ``min_sleep_s`` of sleep separate it from the previous scored arousal.

    Returns
    -------
    kept : list of (onset, duration)
    dropped : list of (onset, duration, reason)
    """
    n = len(stages)

    def sleep_between(a: float, b: float) -> bool:
        k0, k1 = int(max(a, 0) // epoch_s), int(b // epoch_s)
        return a >= 0 and all(0 <= k < n and stages[k] in SLEEP for k in range(k0, k1 + 1))

    kept, dropped = [], []
    last_end = -np.inf
    for a, d in sorted(arousals):
        if not sleep_between(a - min_sleep_s, a):
            dropped.append((a, d, "wake or less than 10 s of sleep before"))
        elif a - last_end < min_sleep_s:
            dropped.append((a, d, "less than 10 s after the previous arousal"))
        else:
            kept.append((a, d))
            last_end = a + d
            continue
        last_end = max(last_end, a + d)
    return kept, dropped


class _Free:
    """Intervals already taken on the EEG timeline (look-alikes stay clear of arousals and each other)."""

    def __init__(self, busy):
        self.busy = [tuple(b) for b in busy]

    def ok(self, a: float, b: float) -> bool:
        return all(b <= s or a >= e for s, e in self.busy)

    def take(self, a: float, b: float) -> None:
        self.busy.append((a, b))


def plan_eeg(stages: np.ndarray, truth: dict, cfg, rng: np.random.Generator) -> None:
    """Choose how each arousal looks and place the look-alikes; fills ``truth["arousal_details"]``,
    ``truth["eeg_events"]`` and ``truth["eeg_gain"]``."""
    T = cfg.duration_h * 3600
    n_ep = len(stages)
    st = lambda t: int(stages[min(max(int(t // 30), 0), n_ep - 1)])  # noqa: E731
    gain = float(np.exp(rng.uniform(*np.log(cfg.eeg_gain))))

    def ratio() -> float:
        return float(rng.uniform(2.0, 4.0) if rng.random() < cfg.modest_arousal_fraction else rng.uniform(4.0, 7.0))

    lms = truth["leg_movements"]
    details = []
    for a, d in truth["arousals"]:
        s = st(a)
        kind = str(rng.choice(list(AROUSAL_KINDS), p=[0.35, 0.35, 0.15, 0.15]))
        chin = s == 4 or rng.random() < cfg.arousal_chin_fraction
        near_lm = any(a - 3.0 <= x["onset"] <= a + 0.5 for x in lms)
        muscle = near_lm and kind != "beta" and rng.random() < 0.4
        details.append(dict(onset=a, duration=d, stage=s, kind=kind, ratio=ratio(), chin=bool(chin),
                            chin_ratio=float(rng.uniform(2.0, 4.0)), chin_delay=float(rng.uniform(0.0, 0.5)),
                            delta_factor=float(rng.uniform(0.4, 1.0)), muscle=bool(muscle),
                            muscle_uv=float(rng.uniform(8, 25))))
    events: list[dict] = []
    for a, d, why in truth.get("arousals_not_scorable", []):
        kind = str(rng.choice(["alpha", "alpha+beta"]))
        events.append(dict(kind="arousal_not_scorable", onset=a, duration=d, stage=st(a), band=kind,
                           ratio=ratio(), reason=why))
    free = _Free([(a - 12.0, a + d + 12.0) for a, d in truth["arousals"]] +
                 [(e["onset"] - 12.0, e["onset"] + e["duration"] + 12.0) for e in events])
    hours = {s: float(np.sum(stages == s)) / 120 for s in (0, 1, 2, 3, 4)}
    sleep_h = sum(hours[s] for s in SLEEP)

    def place(n: int, stage_ok, dur, margin: float = 2.0, tries: int = 60):
        out = []
        for _ in range(int(n)):
            for _t in range(tries):
                a = float(rng.uniform(15, T - 30))
                d = float(rng.uniform(*dur)) if isinstance(dur, tuple) else float(dur)
                if stage_ok(st(a)) and stage_ok(st(a + d)) and free.ok(a - margin, a + d + margin):
                    free.take(a - margin, a + d + margin)
                    out.append((round(a, 4), round(d, 4)))
                    break
        return out

    # sleep-onset alpha: at every return to sleep, before the 10 s of sleep the rule asks for
    for t in truth.get("transitions", []):
        d = float(rng.uniform(2.0, 6.0))
        b = t + d + float(rng.uniform(0.5, 2.5))
        d2 = float(rng.uniform(3.0, 6.0))
        again = rng.random() < 0.5
        if not free.ok(t - 1.0, (b + d2 if again else t + d) + 12.0):
            continue
        events.append(dict(kind="sleep_onset_alpha", onset=round(t, 4), duration=round(d, 4), stage=st(t),
                           band="alpha", ratio=float(rng.uniform(1.5, 3.0))))
        if again:
            events.append(dict(kind="sleep_onset_alpha", onset=round(b, 4), duration=round(d2, 4),
                               stage=st(b), band="alpha", ratio=ratio()))
        free.take(t - 5.0, (b + d2 if again else t + d) + 12.0)
    for a, d in place(rng.poisson(cfg.short_intrusions_per_hour * sleep_h), lambda s: s in SLEEP, (1.0, 2.7), 10.0):
        events.append(dict(kind="short_intrusion", onset=a, duration=d, stage=st(a),
                           band=str(rng.choice(["alpha", "alpha+beta", "beta"])), ratio=ratio()))
    for a, d in place(rng.poisson(cfg.rem_alpha_per_hour * hours[4]), lambda s: s == 4, (3.0, 10.0), 10.0):
        events.append(dict(kind="rem_alpha", onset=a, duration=d, stage=4, band="alpha", ratio=ratio()))
    for a, d in place(rng.poisson(cfg.wake_alpha_per_hour * hours[0]), lambda s: s == 0, (3.0, 12.0)):
        events.append(dict(kind="wake_alpha", onset=a, duration=d, stage=0, band="alpha",
                           ratio=float(rng.uniform(1.5, 3.0))))
    for a, d in place(rng.poisson(cfg.eyes_open_per_hour * hours[0]), lambda s: s == 0, (3.0, 15.0)):
        events.append(dict(kind="eyes_open", onset=a, duration=d, stage=0,
                           blinks=np.round(np.sort(rng.uniform(a, a + d, int(rng.integers(1, 5)))), 4).tolist()))
    n2n3 = lambda s: s in (2, 3)  # noqa: E731
    for a, _ in place(rng.poisson(cfg.spindle_trains_per_hour * (hours[2] + hours[3])), n2n3, 12.0, 3.0):
        t = a
        parts = []
        f0 = float(rng.uniform(11.5, 15.5))
        for _k in range(int(rng.integers(2, 6))):
            sd = float(rng.uniform(0.5, 2.0))
            parts.append(dict(onset=round(t, 4), duration=round(sd, 4),
                              freq=float(np.clip(f0 + rng.normal(0, 0.4), 11, 16)),
                              uv=float(rng.uniform(10, 30))))
            t += sd + float(rng.uniform(0.1, 1.0))
        events.append(dict(kind="spindle_train", onset=round(a, 4), duration=round(t - a, 4), stage=st(a), parts=parts))
    for a, _ in place(rng.poisson(cfg.kcomplexes_per_min * 60 * hours[2]), lambda s: s == 2, 4.0, 2.0):
        kc = dict(kind="k_complex", onset=a, duration=round(float(rng.uniform(0.6, 1.5)), 4), stage=2,
                  uv=float(rng.uniform(75, 200)))
        if rng.random() < 0.3:
            kc["spindle"] = dict(onset=round(a + kc["duration"], 4), duration=round(float(rng.uniform(0.5, 1.5)), 4),
                                 freq=float(rng.uniform(11.5, 15.0)), uv=float(rng.uniform(10, 25)))
        events.append(kc)
    for a, d in place(rng.poisson(cfg.spindles_per_min * 60 * hours[2] + 0.3 * cfg.spindles_per_min * 60 * hours[3]),
                      n2n3, (0.5, 2.0), 0.5):
        events.append(dict(kind="spindle", onset=a, duration=d, stage=st(a), freq=float(rng.uniform(11.5, 15.5)),
                           uv=float(rng.uniform(10, 30))))
    # muscle artefact on the EEG during leg movements that have no arousal
    groups: dict[int, list] = {}
    for x in lms:
        groups.setdefault(x["group"], []).append(x)
    ar = np.array(truth["arousals"], float).reshape(-1, 2)
    for g in sorted(groups):
        on = min(x["onset"] for x in groups[g])
        off = max(x["offset"] for x in groups[g])
        if ar.size and np.any((ar[:, 0] < off + 3.0) & (ar[:, 0] + ar[:, 1] > on - 3.0)):
            continue
        if rng.random() < cfg.lm_muscle_artifact_fraction:
            events.append(dict(kind="muscle", onset=on, duration=round(off - on, 4), stage=st(on),
                               uv=float(rng.uniform(8, 30))))
    events.sort(key=lambda e: e["onset"])
    truth["arousal_details"] = details
    truth["eeg_events"] = events
    truth["eeg_gain"] = gain


def _ramp(n: int, fs: float, ramp_s: float) -> np.ndarray:
    """0 -> 1 -> 0 envelope with raised-cosine edges of ``ramp_s``."""
    env = np.ones(n)
    r = max(1, min(int(ramp_s * fs), n // 2))
    w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, r))
    env[:r] = w
    env[n - r:] = w[::-1]
    return env


def _span(fs: float, onset: float, duration: float, n: int) -> tuple[int, int]:
    i = int(np.ceil(onset * fs - 1e-9))
    return max(i, 0), min(i + max(int(round(duration * fs)), 1), n)


def _stage_weights(stages: np.ndarray, fs: float, n: int, band: str, factor: float,
                   by_stage: dict | None = None) -> np.ndarray:
    """Per-sample RMS of one band: the stage table (times ``by_stage[str(stage)]`` where given),
    cross-faded over 10 s at stage changes."""
    by_stage = by_stage or {}
    per_ep = np.array([BACKGROUND[int(s)][band] * by_stage.get(str(int(s)), 1.0) for s in stages], float) * factor
    grid = np.repeat(per_ep, 30)  # 1-s grid
    k = np.ones(10) / 10
    smooth = np.convolve(np.concatenate([np.full(5, grid[0]), grid, np.full(4, grid[-1])]), k, mode="valid")
    return np.interp(np.arange(n) / fs, np.arange(smooth.size) + 0.5, smooth)


def _spindle(fs: float, duration: float, freq: float, uv: float, rng) -> np.ndarray:
    t = np.arange(max(int(round(duration * fs)), 2)) / fs
    env = np.sin(np.pi * t / duration) ** 2
    return uv * env * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))


def _k_complex(fs: float, duration: float, uv: float) -> np.ndarray:
    """Sharp negative wave then a slower positive one (EEG polarity: negative up is not used here)."""
    t = np.arange(max(int(round(duration * fs)), 2)) / fs
    neg = -np.exp(-0.5 * ((t - 0.22 * duration) / (0.09 * duration)) ** 2)
    pos = 0.7 * np.exp(-0.5 * ((t - 0.58 * duration) / (0.17 * duration)) ** 2)
    return 0.6 * uv * (neg + pos)


def _modulations(truth: dict) -> list[tuple[float, float, dict, float]]:
    """(onset, duration, band -> amplitude ratio, ramp s) of every band-amplitude change."""
    out = []
    for a in truth["arousal_details"]:
        m = {b: 1.0 + (a["ratio"] - 1.0) * w for b, w in SHIFT_KINDS[a["kind"]].items()}
        m["delta"] = a["delta_factor"]
        m.setdefault("sigma", min(1.0, a["delta_factor"] + 0.3))  # damped, unless the kind raises it
        out.append((a["onset"], a["duration"], m, ABRUPT_S))
    for e in truth["eeg_events"]:
        if "band" in e:
            ramp = ABRUPT_S if e["kind"] != "sleep_onset_alpha" else 1.0
            m = {b: 1.0 + (e["ratio"] - 1.0) * w for b, w in SHIFT_KINDS[e["band"]].items()}
            out.append((e["onset"], e["duration"], m, min(ramp, e["duration"] / 3)))
        elif e["kind"] == "eyes_open":
            out.append((e["onset"], e["duration"], dict(alpha=0.3, beta=1.5), ABRUPT_S))
    return out


def _band_rms(x: np.ndarray, fs: float, lo: float, hi: float) -> float:
    """RMS of ``x`` within [lo, hi) Hz (periodogram)."""
    if x.size < 8:
        return 0.0
    p = np.abs(np.fft.rfft(x - x.mean())) ** 2
    f = np.fft.rfftfreq(x.size, 1 / fs)
    return float(np.sqrt(2 * p[(f >= lo) & (f < hi)].sum()) / x.size)


def render_eeg(stages: np.ndarray, fs: float, n: int, truth: dict, rng: np.random.Generator,
               derivations=("central",), mains_hz: float | None = None) -> list[np.ndarray]:
    """One EEG trace (µV) per derivation ('central', 'occipital') from the planned truth.

    A band ratio ``m`` > 1 of an arousal or look-alike makes that band's amplitude ``m`` times
    what it measures in the 10 s before (band-limited noise added with RMS sqrt(m² - 1) times
    that); ratios < 1 damp the band's background.
    """
    gain = truth["eeg_gain"]
    mods = _modulations(truth)
    out = []
    drift = 1 + 0.15 * np.sin(2 * np.pi * np.arange(n) / fs / rng.uniform(7200, 18000) + rng.uniform(0, 6.3))
    for c, der in enumerate(derivations):
        x = np.zeros(n)
        for band, (lo, hi) in BANDS.items():
            if lo >= 0.45 * fs:
                continue
            w = _stage_weights(stages, fs, n, band, DERIVATION[der].get(band, 1.0) * gain,
                               truth.get("eeg_background_factor", {}).get(band))
            for on, dur, m, ramp in mods:
                if m.get(band, 1.0) < 1.0:
                    i, j = _span(fs, on, dur, n)
                    if j > i:
                        w[i:j] *= 1.0 + (m[band] - 1.0) * _ramp(j - i, fs, ramp)
            x += band_noise(n, fs, lo, hi, rng) * w
        x += rng.standard_normal(n) * 0.5 * gain  # amplifier floor
        bg = x.copy()
        for on, dur, m, ramp in mods:
            i, j = _span(fs, on, dur, n)
            pre = bg[max(0, i - int(10 * fs)):i] if i > fs else bg[i:j]
            for band, ratio in sorted(m.items()):
                if ratio <= 1.0 or j - i < 4 or BANDS[band][0] >= 0.45 * fs:
                    continue
                lo, hi = BANDS[band]
                rms = _band_rms(pre, fs, lo, hi)
                seg = band_noise(j - i + 256, fs, lo, min(hi, 0.45 * fs), rng, order=4)[256:]
                x[i:j] += seg * rms * np.sqrt(ratio ** 2 - 1.0) * _ramp(j - i, fs, ramp)
        for e in truth["eeg_events"]:
            k = e["kind"]
            parts = e["parts"] if k == "spindle_train" else [e] if k == "spindle" else \
                [e["spindle"]] if k == "k_complex" and "spindle" in e else []
            for p in parts:
                i, j = _span(fs, p["onset"], p["duration"], n)
                f = DERIVATION[der].get("sigma", 1.0) * gain
                x[i:j] += _spindle(fs, p["duration"], p["freq"], p["uv"] * f, rng)[: j - i]
            if k == "k_complex":
                i, j = _span(fs, e["onset"], e["duration"], n)
                x[i:j] += _k_complex(fs, e["duration"], e["uv"] * gain * DERIVATION[der].get("delta", 1.0))[: j - i]
            elif k == "eyes_open":
                for b in e["blinks"]:
                    i, j = _span(fs, b, 0.4, n)
                    x[i:j] += 25.0 * gain * np.hanning(j - i)
            elif k == "muscle":
                _add_muscle(x, fs, e["onset"], e["duration"], e["uv"] * gain, rng)
            elif k == "pop" and e["channel"] == min(c, len(derivations) - 1):
                i, j = _span(fs, e["onset"], 5 * e["duration"], n)
                x[i:j] += e["uv"] * gain * np.exp(-np.arange(j - i) / fs / e["duration"])
            elif k == "sweat":
                i, j = _span(fs, e["onset"], e["duration"], n)
                tt = np.arange(j - i) / fs
                x[i:j] += e["uv"] * gain * np.sin(2 * np.pi * e["freq"] * tt + e["phase"]) * _ramp(j - i, fs, 5.0)
        for a in truth["arousal_details"]:
            if a["muscle"]:
                _add_muscle(x, fs, a["onset"] - 0.5, min(a["duration"], 3.0), a["muscle_uv"] * gain, rng)
        if mains_hz is not None and mains_hz < 0.5 * fs:
            x += rng.uniform(0.3, 3.0) * np.sin(2 * np.pi * mains_hz * np.arange(n) / fs + rng.uniform(0, 6.3))
        out.append(x * drift)
    return out


def _add_muscle(x: np.ndarray, fs: float, onset: float, duration: float, uv: float, rng) -> None:
    i, j = _span(fs, onset, duration, x.size)
    if j - i < 4:
        return
    seg = band_noise(j - i + 64, fs, 20.0, min(100.0, 0.45 * fs), rng)[64:]
    x[i:j] += seg * uv * _ramp(j - i, fs, 0.05)


def add_chin_arousals(x: np.ndarray, fs: float, truth: dict, tone: dict, rng: np.random.Generator) -> None:
    """Raise the chin EMG during the arousals that have ``chin`` (all REM arousals): RMS x 2-4
    for at least 1.2 s from shortly after the arousal onset."""
    from .waveforms import burst
    for a in truth["arousal_details"]:
        if not a["chin"]:
            continue
        t0 = a["onset"] + a["chin_delay"]
        d = max(1.2, a["duration"] - a["chin_delay"])
        base = tone[a["stage"]]
        i = int(np.ceil(t0 * fs - 1e-9))
        seg = burst(d, fs, base * np.sqrt(a["chin_ratio"] ** 2 - 1.0), rng, ramp=0.1)
        j = min(i + seg.size, x.size)
        if i < x.size:
            x[i:j] += seg[: j - i]
    for e in truth["eeg_events"]:  # chin rises without an arousal (arousal stress: chin_bursts)
        if e["kind"] == "chin_burst":
            i = int(np.ceil(e["onset"] * fs - 1e-9))
            seg = burst(e["duration"], fs, tone[e["stage"]] * np.sqrt(e["chin_ratio"] ** 2 - 1.0), rng, ramp=0.1)
            j = min(i + seg.size, x.size)
            if i < x.size:
                x[i:j] += seg[: j - i]
