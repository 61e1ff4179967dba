"""Render the stress family into a night's signals (after the plain night is rendered).

Order: movements, jerks, twitches and ALMA bursts; raised noise; hum; lead-off; the
amplifier rail last (a real amplifier clips whatever reaches it). See :mod:`.stress`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal as sps

from .config import CHIN_TONE, LABELS, SimConfig
from .waveforms import add_segment, band_noise, burst, emg_band

MUSCLE_LABEL = {"left": LABELS["leg_left"], "right": LABELS["leg_right"], "chin": LABELS["chin"]}


class RestModel:
    """Resting EMG (mean rectified µV) of a muscle at a time: leg rest with its drift, raised by
    the noise periods, or the chin tone of the stage."""

    def __init__(self, truth: dict, stages: np.ndarray, noise: list[dict]):
        self.leg = truth["leg_rest"]
        self.stages = stages
        self.noise = noise

    def __call__(self, muscle: str, t: float) -> float:
        if muscle == "chin":
            return CHIN_TONE[int(self.stages[min(int(t // 30), self.stages.size - 1)])]
        p = self.leg[muscle]
        r = p["rest_uv"] * (1 + 0.3 * np.sin(2 * np.pi * t / p["period_s"] + p["phase"]))
        for n in self.noise:
            if muscle in n["legs"] and n["start"] <= t < n["end"]:
                r = 0.798 * np.hypot(r / 0.798, n["rms_uv"])
        return float(r)


def amplitude_for_excess(rest_uv: float, excess_uv: float) -> float:
    """Mean rectified amplitude of a Gaussian burst that lifts a resting level by ``excess_uv``.

    Independent Gaussian activity adds in variance: the rectified mean of rest + burst is
    ``hypot(rest, A)``; solve ``hypot(rest, A) - rest = excess`` for ``A``.

    Examples
    --------
    >>> round(amplitude_for_excess(3.0, 9.0), 3)
    11.619
    """
    return float(np.sqrt((rest_uv + excess_uv) ** 2 - rest_uv ** 2))


def _ramps(n: int, fs: float, ramp_s: float) -> np.ndarray:
    env = np.ones(n)
    r = max(1, min(int(ramp_s * fs), n // 3))
    w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, r))
    env[:r] = w
    env[-r:] = np.minimum(env[-r:], w[::-1])
    return env


@lru_cache(maxsize=8)
def _emg_sos(fs: float) -> np.ndarray:
    lo, hi = emg_band(fs)
    return sps.butter(2, [lo, min(hi, 0.45 * fs)], btype="band", fs=fs, output="sos")


def _emg(env: np.ndarray, fs: float, rng: np.random.Generator) -> np.ndarray:
    """EMG-band Gaussian noise whose mean rectified value follows ``env`` (µV)."""
    x = sps.sosfilt(_emg_sos(fs), rng.standard_normal(env.size + 64))[64:]
    sd = x.std()
    return x * env / (0.798 * (sd if sd > 0 else 1.0))


def _movement(lm: dict, fs: float, rest: RestModel, rng: np.random.Generator) -> np.ndarray | None:
    """Samples of one stress LM by its shape; sets its ``amplitude`` (mean rectified µV)."""
    shape = lm.get("shape", "burst")
    if shape == "none":
        return None
    r = rest(lm["side"], lm["onset"])
    dur = lm["offset"] - lm["onset"]
    n = max(int(round(dur * fs)), 2)
    if shape == "burst":
        lm["amplitude"] = amplitude_for_excess(r, lm["excess_uv"])
        return burst(dur, fs, lm["amplitude"], rng)
    if shape == "flat":
        lm["amplitude"] = amplitude_for_excess(r, lm["excess_uv"])
        t = np.arange(n) / fs
        wob = 1 + 0.05 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t + rng.uniform(0, 6.3))
        return _emg(lm["amplitude"] * _ramps(n, fs, 0.02) * wob, fs, rng)
    if shape == "ragged":
        env = np.zeros(n)
        for a, b, ex in lm["segments"]:
            i, j = int(round((a - lm["onset"]) * fs)), min(n, int(round((b - lm["onset"]) * fs)))
            k = j - i
            if k < 2:
                continue
            tau = np.arange(k) / fs
            depth, f = rng.uniform(0.3, 0.8), rng.uniform(1.0, 4.0)
            env[i:j] = amplitude_for_excess(r, ex) * _ramps(k, fs, 0.02) * \
                (1 - depth * (1 - np.cos(2 * np.pi * f * tau)) / 2)
        lm["amplitude"] = float(env[env > 0].mean()) if np.any(env > 0) else 0.0
        return _emg(env, fs, rng)
    raise ValueError(f"unknown stress movement shape '{shape}'")


def _twitch(d: dict, fs: float, amp: float, rng: np.random.Generator, ramp_s: float = 0.005) -> np.ndarray:
    n = max(int(round(d["duration"] * fs)), 2)
    return _emg(amp * _ramps(n, fs, ramp_s), fs, rng)


def _hum(n: int, fs: float, hz: float, amp: float, rng: np.random.Generator) -> np.ndarray:
    """Mains hum: slowly modulated fundamental plus a third harmonic below 0.45 fs."""
    t = np.arange(n) / fs
    x = amp * (1 + 0.3 * np.sin(2 * np.pi * t / rng.uniform(20, 120) + rng.uniform(0, 6.3))) * \
        np.sin(2 * np.pi * hz * t + rng.uniform(0, 6.3))
    if 3 * hz < 0.45 * fs:
        x += amp * rng.uniform(0.1, 0.2) * np.sin(2 * np.pi * 3 * hz * t + rng.uniform(0, 6.3))
    return x


def _leadoff(u: dict, n: int, fs: float, rail: float, mains: float, rng: np.random.Generator) -> np.ndarray:
    """Flat: a constant level. Saturated: a floating input driven rail to rail by drift and mains."""
    if u["kind"] == "flat":
        return np.full(n, rng.uniform(-20.0, 20.0))
    t = np.arange(n) / fs
    drive = band_noise(n, fs, 0.05, 2.0, rng) + 0.6 * np.sin(2 * np.pi * mains * t + rng.uniform(0, 6.3))
    return rail * np.clip(30.0 * drive, -1.0, 1.0)


def apply_stress(signals: dict, fs: dict, stages: np.ndarray, truth: dict, cfg: SimConfig,
                 rng: np.random.Generator) -> None:
    """Render ``truth["stress"]`` into ``signals`` (in place) and merge its events into the truth."""
    sc = cfg.stress
    st = truth["stress"]
    fe = cfg.fs_emg
    rest = RestModel(truth, stages, st["noise"])
    sig = {m: signals[lab] for m, lab in MUSCLE_LABEL.items()}
    # movements, jerks, twitches, ALMA
    for lm in st["lms"]:
        seg = _movement(lm, fe, rest, rng)
        if seg is not None:
            add_segment(sig[lm["side"]], fe, lm["onset"], seg)
    for j in st["jerks"]:
        for p in j["parts"]:
            seg = burst(p["duration"], fe, 1.0, rng, ramp=0.01)
            seg *= p["peak_uv"] / np.max(np.abs(seg))
            p["amplitude"] = float(np.mean(np.abs(seg)))
            add_segment(sig[p["muscle"]], fe, p["onset"], seg)
    for d in st["twitches"]:
        d["amplitude"] = amplitude_for_excess(rest(d["muscle"], d["onset"]), d["excess_uv"])
        add_segment(sig[d["muscle"]], fe, d["onset"], _twitch(d, fe, d["amplitude"], rng))
    for train in st["alma"]:
        for b in train["bursts"]:
            b["amplitude"] = amplitude_for_excess(rest(b["side"], b["onset"]), b["excess_uv"])
            n = max(int(round((b["offset"] - b["onset"]) * fe)), 2)
            add_segment(sig[b["side"]], fe, b["onset"], _emg(b["amplitude"] * _ramps(n, fe, 0.02), fe, rng))
    # raised baseline noise
    lo, hi = emg_band(fe)
    for p in st["noise"]:
        i, j = int(round(p["start"] * fe)), int(round(p["end"] * fe))
        for leg in p["legs"]:
            sig[leg][i:j] += band_noise(j - i, fe, lo, hi, rng) * p["rms_uv"]
    # mains hum
    if sc.hum_uv is not None:
        hz = sc.hum_hz or float(rng.choice([50.0, 60.0]))
        st["hum"] = dict(hz=hz, uv={})
        for m, x in sig.items():
            a = float(rng.uniform(*sc.hum_uv))
            st["hum"]["uv"][m] = a
            x += _hum(x.size, fe, hz, a, rng)
    # lead-off, then the amplifier rail
    ranges: dict[str, list[float]] = {}
    rails = {m: sc.clip_uv for m in sc.clip_muscles} if sc.clip_uv else {}
    for u in st["leadoff"]:
        if u["kind"] == "saturated":
            rails.setdefault(u["leg"], sc.leadoff_rail_uv)
    for u in st["leadoff"]:
        i, j = int(round(u["start"] * fe)), int(round(u["end"] * fe))
        rail = rails.get(u["leg"], sc.leadoff_rail_uv)
        sig[u["leg"]][i:j] = _leadoff(u, j - i, fe, rail, truth["mains_hz"], rng)
        truth["unscorable"].append(u)
    clip = {}
    for m, rail in rails.items():
        np.clip(sig[m], -rail, rail, out=sig[m])
        ranges[MUSCLE_LABEL[m]] = [-rail, rail]
        clip[m] = float(np.mean(np.abs(sig[m]) >= rail))
    truth["physical_range_uv"] = ranges
    st["clipping"] = dict(rail_uv=rails, fraction_at_rail=clip)
    # merge into the plain truth
    truth["leg_movements"] += st.pop("lms")
    truth["hypnic_jerks"] += st.pop("jerks")
    tw = st.pop("twitches")
    truth["fragmentary"] += [d for d in tw if d["kind"] == "myoclonus"]
    truth["rem_twitches"] += [d for d in tw if d["kind"] == "rem_twitch"]
    for k in ("leg_movements", "hypnic_jerks", "fragmentary", "rem_twitches", "unscorable"):
        truth[k].sort(key=lambda d: (d.get("onset", d.get("start")), d.get("side", d.get("leg", ""))))
    n_rail = 0
    for lm in truth["leg_movements"]:
        if lm["side"] in rails:
            i, j = int(lm["onset"] * fe), int(np.ceil(lm["offset"] * fe))
            lm["at_rail"] = bool(np.any(np.abs(sig[lm["side"]][i:j]) >= rails[lm["side"]]))
            n_rail += lm["at_rail"]
    st["clipping"]["n_lm_at_rail"] = n_rail
    if not sc.ecg_channel:
        del signals[LABELS["ecg"]], fs[LABELS["ecg"]]
    st["ecg_channel"] = bool(sc.ecg_channel)
    st["active"] = sc.active()
