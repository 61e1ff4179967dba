"""Arousal stress family, the effects: how each is planned into a night's EEG truth (the presets
and :func:`~jerkdetect.simulate.arousal_stress.arousal_stress_night` are in
:mod:`jerkdetect.simulate.arousal_stress`, which describes every effect)."""
from __future__ import annotations

import dataclasses

import numpy as np

from .config import ArousalStressConfig
from .eeg import EEG_STREAM

AROUSAL_STRESS_STREAM = 0xA5  # third word of this family's generator seed
SLEEP = (1, 2, 3, 4)


def arousal_stress_rng(seed: int) -> np.random.Generator:
    """This family's own generator for a night's seed."""
    return np.random.default_rng([int(seed), EEG_STREAM, AROUSAL_STRESS_STREAM])


def plan_arousal_stress(stages: np.ndarray, truth: dict, sc: ArousalStressConfig, duration_s: float,
                        rng: np.random.Generator) -> None:
    """Apply the effects of ``sc`` to the planned EEG truth (after ``plan_eeg``), in place.

    Changes arousal ratios and chin rises in ``truth["arousal_details"]``, adds look-alikes and
    artefacts to ``truth["eeg_events"]``, sets ``truth["eeg_background_factor"]`` (band -> stage
    -> amplitude factor) and lists what was done in ``truth["arousal_stress"]``.
    """
    n_ep = len(stages)
    st = lambda t: int(stages[min(max(int(t // 30), 0), n_ep - 1)])  # noqa: E731
    details, events = truth["arousal_details"], truth["eeg_events"]
    log: dict[str, list] = {}
    if sc.arousal_ratio is not None:
        for a in details:
            a["ratio"] = float(rng.uniform(*sc.arousal_ratio))
        log["low_contrast"] = [a["ratio"] for a in details]
    if sc.arousal_s is not None:  # shorter arousals keep the AASM spacing of the planned ones
        for a, k in zip(details, range(len(details))):
            a["duration"] = round(float(min(rng.uniform(*sc.arousal_s), a["duration"])), 4)
            truth["arousals"][k] = (a["onset"], a["duration"])
    if sc.broad_arousals:
        for a in details:
            if rng.random() < sc.broad_arousals:
                a["kind"] = "broad"
    if sc.rem_chin_ratio is not None:
        for a in details:
            if a["stage"] == 4:
                a["chin_ratio"] = float(rng.uniform(*sc.rem_chin_ratio))
    busy = [(a["onset"], a["onset"] + a["duration"]) for a in details]
    busy += [(e["onset"], e["onset"] + e["duration"]) for e in events]

    def free(a: float, b: float, margin: float = 0.5) -> bool:
        return all(b + margin <= s or a - margin >= e for s, e in busy)

    def sleep(a: float, b: float) -> bool:
        return all(st(t) in SLEEP for t in np.linspace(a, b, 5))

    added = []
    for a in details:
        if sc.neighbour_intrusions and rng.random() < sc.neighbour_intrusions:
            d = float(rng.uniform(*sc.intrusion_s))
            gap = float(rng.uniform(*sc.intrusion_gap_s))
            lo = a["onset"] - gap - d if rng.random() < 0.5 else a["onset"] + a["duration"] + gap
            if sleep(lo, lo + d) and free(lo, lo + d):
                band = a["kind"] if a["kind"] in ("alpha", "alpha+beta", "beta", "broad") else "alpha"
                ev = dict(kind="neighbour_intrusion", onset=round(lo, 4), duration=round(d, 4), stage=st(lo),
                          band=band, ratio=float(max(a["ratio"], rng.uniform(2.0, 4.0))))
                added.append(ev)
                busy.append((lo, lo + d))
        if sc.after_graphoelement and a["stage"] in (2, 3) and rng.random() < sc.after_graphoelement:
            lead = float(rng.uniform(0.0, 0.5))
            if rng.random() < 0.5:
                d = float(rng.uniform(0.5, 1.5))
                ev = dict(kind="spindle", onset=round(a["onset"] - lead - d, 4), duration=round(d, 4),
                          stage=a["stage"], freq=float(rng.uniform(11.5, 15.5)), uv=float(rng.uniform(15, 35)),
                          before_arousal=True)
            else:
                d = float(rng.uniform(0.6, 1.5))
                ev = dict(kind="k_complex", onset=round(a["onset"] - lead - d, 4), duration=round(d, 4),
                          stage=a["stage"], uv=float(rng.uniform(75, 200)), before_arousal=True)
            if free(ev["onset"], ev["onset"] + d, 0.0):
                added.append(ev)
                busy.append((ev["onset"], ev["onset"] + d))
    hours = duration_s / 3600
    for _ in range(rng.poisson(sc.pops_per_hour * hours)):
        t = float(rng.uniform(15, duration_s - 15))
        if st(t) in SLEEP:
            added.append(dict(kind="pop", onset=round(t, 4), duration=round(float(rng.uniform(0.1, 0.8)), 4),
                              stage=st(t), uv=float(rng.uniform(50, 300)) * (1 if rng.random() < 0.5 else -1),
                              channel=int(rng.integers(0, 2))))
    for _ in range(rng.poisson(sc.sweat_per_hour * hours)):
        t = float(rng.uniform(15, duration_s - 150))
        if st(t) in SLEEP:
            added.append(dict(kind="sweat", onset=round(t, 4), duration=round(float(rng.uniform(20, 120)), 4),
                              stage=st(t), uv=float(rng.uniform(30, 120)), freq=float(rng.uniform(0.1, 0.6)),
                              phase=float(rng.uniform(0, 2 * np.pi))))
    factor: dict[str, dict[str, float]] = {}
    if sc.alpha_background is not None:
        f = float(rng.uniform(*sc.alpha_background))
        factor["alpha"] = {str(s): f for s in (1, 2, 3)}
    if sc.beta_background is not None:
        f = float(rng.uniform(*sc.beta_background))
        factor["beta"] = {str(s): f for s in SLEEP}
        factor["sigma"] = {"2": 1.5, "3": 1.5}
    if sc.sigma_background is not None:
        f = float(rng.uniform(*sc.sigma_background))
        factor["sigma"] = {s: factor.get("sigma", {}).get(s, 1.0) * f for s in ("2", "3")}
    if factor:
        truth["eeg_background_factor"] = factor
    if sc.chin_bursts_per_hour > 0:  # drawn last: the other effects' draws are unchanged
        added += _chin_bursts(sc, duration_s, st, free, busy, rng)
    if sc.slow_spindle_trains_per_hour > 0:  # after the chin bursts, for the same reason
        added += _slow_spindle_trains(sc, stages, st, free, busy, rng)
    for ev in added:
        log.setdefault(ev["kind"], []).append(ev["onset"])
    events.extend(added)
    events.sort(key=lambda e: e["onset"])
    truth["arousal_stress"] = {"config": dataclasses.asdict(sc), "added": {k: len(v) for k, v in log.items()}}


def _chin_bursts(sc: ArousalStressConfig, duration_s: float, st, free, busy: list, rng: np.random.Generator) -> list:
    """Chin EMG rises without an arousal, >= 10 s from every arousal and look-alike, half of
    them starting with a sub-3-s alpha/beta intrusion."""
    out = []
    for _ in range(rng.poisson(sc.chin_bursts_per_hour * duration_s / 3600)):
        d, ratio, with_intrusion = float(rng.uniform(1.0, 6.0)), float(rng.uniform(2.0, 4.0)), bool(rng.random() < 0.5)
        di, band = float(rng.uniform(1.5, 2.9)), str(rng.choice(["alpha", "alpha+beta", "beta"]))
        ri = float(rng.uniform(2.0, 4.0))
        for t in rng.uniform(30, duration_s - 30, 40):  # the first free place in sleep, of 40 draws
            t = float(t)
            if all(st(x) in SLEEP for x in np.linspace(t - 10, t + d + 10, 9)) and free(t - 10, t + d + 10):
                break
        else:
            continue
        out.append(dict(kind="chin_burst", onset=round(t, 4), duration=round(d, 4), stage=st(t), chin_ratio=ratio))
        if with_intrusion:
            out.append(dict(kind="chin_intrusion", onset=round(t, 4), duration=round(di, 4), stage=st(t),
                            band=band, ratio=ri))
        busy.append((t, t + d))
    return out


def _slow_spindle_trains(sc: ArousalStressConfig, stages: np.ndarray, st, free, busy: list,
                         rng: np.random.Generator) -> list:
    """Trains of 2-5 slow spindles (0.5-2 s each, 0.1-0.6 s apart, 3 s or longer) in N2/N3, >= 3 s
    from every arousal and planned look-alike: sigma-band events by the AASM (11-16 Hz) whose power
    lies mostly in 8-12 Hz, where an alpha shift is looked for. A train shorter than 3 s is drawn
    again, so the rate is that of 3-s trains; pops and sweat sway, which have no place of their
    own, may fall next to a train."""
    out = []
    nrem_h = float(np.isin(stages, (2, 3)).sum()) * 30.0 / 3600
    lo, hi = sc.slow_spindle_hz
    end = len(stages) * 30.0
    for _ in range(rng.poisson(sc.slow_spindle_trains_per_hour * nrem_h)):
        f0 = float(rng.uniform(lo, hi))
        length = 0.0
        while length < 3.0:
            parts, t = [], 0.0
            for _k in range(int(rng.integers(2, 6))):
                d = float(rng.uniform(0.5, 2.0))
                parts.append(dict(onset=t, duration=round(d, 4), freq=float(np.clip(f0 + rng.normal(0, 0.2), lo, hi)),
                                  uv=float(rng.uniform(15, 35))))
                t += d + float(rng.uniform(0.1, 0.6))
            length = parts[-1]["onset"] + parts[-1]["duration"]
        if end - 30 - length <= 30:  # a night too short for a train away from its ends
            continue
        for a in rng.uniform(30, end - 30 - length, 40):  # the first free place in N2/N3, of 40 draws
            a = float(a)
            if all(s in (2, 3) for s in stages[int(a // 30):int((a + length) // 30) + 1]) \
                    and free(a - 3.0, a + length + 3.0):
                break
        else:
            continue
        for p in parts:
            p["onset"] = round(a + p["onset"], 4)
        out.append(dict(kind="spindle_train", onset=round(a, 4), duration=round(length, 4), stage=st(a),
                        parts=parts, slow=True))
        busy.append((a, a + length))
    return out
