"""Simulated overnight PSG with exact ground truth, deterministic by seed."""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import asdict, dataclass, field

import numpy as np

from .config import CHIN_TONE, LABELS, SimConfig
from .hypnogram import simulate_hypnogram
from .eeg import aasm_scorable, add_chin_arousals, eeg_rng, plan_eeg, render_eeg
from .waveforms import add_segment, band_noise, burst, ecg, emg_band

@dataclass
class SimulatedNight:
    """A simulated PSG: signals (µV), rates, hypnogram, scored events and ground truth."""

    signals: dict[str, np.ndarray]
    fs: dict[str, float]
    stages: np.ndarray
    truth: dict
    config: SimConfig
    seed: int
    start: _dt.datetime = field(default_factory=lambda: _dt.datetime(2024, 3, 1, 22, 30))

    @property
    def duration(self) -> float:
        return self.config.duration_h * 3600

    @property
    def hypnogram(self):
        from ..core.hypnogram import Hypnogram
        return Hypnogram(self.stages, 30.0, 0.0, source="simulated")

    def recording(self):
        """The night as a :class:`~jerkdetect.Recording` (no file round trip)."""
        from ..io.recording import Recording
        return Recording.from_arrays(self.signals, self.fs, units={k: "uV" for k in self.signals},
                                     start=self.start)

    def scoring_events(self, include_leg_movements: bool = False) -> list[tuple[float, float, str]]:
        """Stages, arousals and respiratory events as a technician would have scored them."""
        ev = [(30.0 * i, 30.0, f"Sleep stage {'W N1 N2 N3 R'.split()[s]}") for i, s in enumerate(self.stages)]
        ev += [(a, d, "Arousal") for a, d in self.truth["arousals"]]
        ev += [(a, d, k) for a, d, k in self.truth["respiratory"]]
        if include_leg_movements:
            for lm in self.truth["leg_movements"]:
                ev.append((lm["onset"], lm["offset"] - lm["onset"],
                           f"Limb movement - {lm['side']}"))
        return sorted(ev)

    def write(self, folder: str, stem: str = "night", scoring: str = "xml", bdf: bool = False,
              include_leg_movements: bool = False, embed_annotations: bool = False) -> dict[str, str]:
        """Write ``stem.edf`` (EDF+C), a scoring file and ``stem_truth.json``.

        ``scoring`` is "xml" (NSRR ``stem.xml``), "tsv" (``stem.tsv``) or "none";
        ``embed_annotations`` also puts the scoring into the EDF+ itself.
        """
        from ..io.edf_write import SignalSpec, from_uv, write_edf
        os.makedirs(folder, exist_ok=True)
        specs = []
        ranges = self.truth.get("physical_range_uv", {})  # amplifier rails (stress family)
        for lab, x in self.signals.items():
            unit = self.config.emg_unit if lab in (LABELS["leg_left"], LABELS["leg_right"], LABELS["chin"]) \
                else "%" if lab == LABELS["spo2"] else "uV"
            lo, hi = (from_uv(v, unit) for v in ranges[lab]) if lab in ranges else (None, None)
            specs.append(SignalSpec(lab, x, self.fs[lab], unit, lo, hi,
                                    transducer="AgAgCl electrode" if unit != "%" else "oximeter"))
        ext = ".bdf" if bdf else ".edf"
        paths = {"recording": os.path.join(folder, stem + ext)}
        ann = self.scoring_events(include_leg_movements) if embed_annotations else []
        write_edf(paths["recording"], specs, self.start, ann, bdf=bdf)
        if scoring == "xml":
            paths["scoring"] = os.path.join(folder, stem + ".xml")
            write_nsrr_xml(paths["scoring"], self.scoring_events(include_leg_movements), self.start, self.duration)
        elif scoring == "tsv":
            paths["scoring"] = os.path.join(folder, stem + ".tsv")
            with open(paths["scoring"], "w") as f:
                f.write("onset\tduration\tdescription\n")
                for o, d, t in self.scoring_events(include_leg_movements):
                    f.write(f"{o:.6f}\t{d:.6f}\t{t}\n")
        paths["truth"] = os.path.join(folder, stem + "_truth.json")
        with open(paths["truth"], "w") as f:
            json.dump({"seed": self.seed, "config": asdict(self.config), **self.truth}, f, indent=1)
        return paths


def write_nsrr_xml(path: str, events, start: _dt.datetime, duration: float = 0.0) -> None:
    """Write events as an NSRR ``PSGAnnotation`` XML (stages, arousals, respiratory, limb movements);
    ``duration`` (s) is the recording length the file declares, as NSRR exports do (0: none)."""
    from xml.sax.saxutils import escape
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', "<PSGAnnotation>",
            "<SoftwareVersion>jerkdetect</SoftwareVersion>",
            "<EpochLength>30</EpochLength>", "<ScoredEvents>",
            f"<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
            f"<Duration>{duration:g}</Duration><ClockTime>00.00.00 {start.strftime('%H.%M.%S')}</ClockTime>"
            "</ScoredEvent>"]
    stage_concept = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2", "N3": "Stage 3 sleep|3",
                     "R": "REM sleep|5"}
    for o, d, t in events:
        if t.startswith("Sleep stage"):
            et, ec = "Stages|Stages", stage_concept[t.split()[-1]]
        elif t == "Arousal":
            et, ec = "Arousals|Arousals", "Arousal|Arousal ()"
        elif t.startswith("Limb movement"):
            side = t.split()[-1]
            et, ec = "Limb Movement|Limb Movement", f"Limb movement - {side}|Limb Movement ({side.title()})"
        else:
            et, ec = "Respiratory|Respiratory", f"{t}|{t.title()}"
        rows.append(f"<ScoredEvent><EventType>{escape(et)}</EventType><EventConcept>{escape(ec)}</EventConcept>"
                    f"<Start>{o:.6f}</Start><Duration>{d:.6f}</Duration></ScoredEvent>")
    rows += ["</ScoredEvents>", "</PSGAnnotation>"]
    from ..core.atomic import atomic_write_text
    atomic_write_text(path, "\n".join(rows))


class _Planner:
    """Places events on the timeline without collisions, so the ground truth stays unambiguous."""

    def __init__(self, duration: float):
        self.duration = duration
        self.busy: list[tuple[float, float]] = []

    def free(self, a: float, b: float) -> bool:
        return a >= 0 and b <= self.duration and all(b <= s or a >= e for s, e in self.busy)

    def take(self, a: float, b: float) -> None:
        self.busy.append((a, b))


def simulate_night(seed: int = 0, config: SimConfig | None = None, **overrides) -> SimulatedNight:
    """Simulate one overnight PSG with known ground truth.

    Parameters
    ----------
    seed : int
        Same seed and config -> bit-identical night.
    config : SimConfig, optional
        Rates, amplitudes, sampling rates and units; keyword ``overrides`` replace its fields.
        ``stress=StressConfig(...)`` adds the stress family (:mod:`jerkdetect.simulate.stress`,
        its own random generator; None leaves the night bit-identical to a plain one).

    Returns
    -------
    SimulatedNight
        ``truth`` holds monolateral ``leg_movements`` (onset, offset, side, kind, group),
        ``hypnic_jerks`` (onset, muscles), ``arousals`` (those the AASM rule scores; the others
        are in ``arousals_not_scorable``), ``arousal_details`` (how each looks in the EEG and chin),
        ``respiratory``, ``unscorable``, the EMG distractors (``fragmentary``, ``rem_twitches``) and
        the EEG look-alikes (``eeg_events``, see :mod:`jerkdetect.simulate.eeg`).

    Examples
    --------
    >>> from jerkdetect.simulate import simulate_night
    >>> night = simulate_night(seed=1, duration_h=1.0, fs_emg=200, fs_eeg=100)
    >>> {"leg_movements", "hypnic_jerks", "arousals"} <= set(night.truth)
    True
    """
    cfg = config or SimConfig()
    for k, v in overrides.items():
        if not hasattr(cfg, k):
            raise TypeError(f"unknown simulator option '{k}'")
        setattr(cfg, k, v)
    rng = np.random.default_rng(seed)
    T = cfg.duration_h * 3600
    n_ep = int(T // 30)
    stages = simulate_hypnogram(n_ep, rng)
    stage_at = lambda t: int(stages[min(int(t // 30), n_ep - 1)])  # noqa: E731
    plan = _Planner(T)
    if cfg.stress is not None:  # stress events take their slots first, from their own generator
        from . import stress_effects
        spec = stress_effects.reserve(stages, plan, cfg, seed)
        stages = spec.stages
    if cfg.motor is not None:  # then the motor patterns (REM periods, rhythmic trains), own generator
        from . import motor_effects
        mspec = motor_effects.reserve(stages, plan, cfg, seed)
    lms: list[dict] = []
    arousals: list[tuple[float, float]] = []
    resp: list[tuple[float, float, str]] = []
    jerks: list[dict] = []
    unscorable: list[dict] = []
    group = [0]

    def add_lm(onset: float, kind: str, side: str | None = None, dur: tuple[float, float] = (0.8, 4.0)):
        side = side or rng.choice(["bilateral", "bilateral", "left", "right"])
        g = group[0]
        group[0] += 1
        sides = ["left", "right"] if side == "bilateral" else [side]
        for i, s in enumerate(sides):
            on = onset + (rng.uniform(0.0, 0.4) if i else 0.0)
            lms.append(dict(onset=round(on, 4), offset=round(on + rng.uniform(*dur), 4), side=s,
                            kind=kind, group=g, amplitude=float(rng.uniform(*cfg.lm_amplitude_uv))))
        return max(x["offset"] for x in lms[-len(sides):])

    # 1. raised-noise (unscorable) stretches, one leg each
    for leg in ("left", "right"):
        for _ in range(cfg.noisy_stretches_per_leg):
            for _try in range(50):
                d = rng.uniform(*cfg.noisy_stretch_s)
                a = rng.uniform(0.15 * T, 0.9 * T - d)
                if plan.free(a - 60, a + d + 60):
                    plan.take(a - 60, a + d + 60)
                    unscorable.append(dict(leg=leg, start=round(a, 3), end=round(a + d, 3),
                                           noise_uv=float(rng.uniform(20, 40))))
                    break
    # 2. hypnic jerks at wake->sleep transitions
    from ..core.stages import sleep_transitions
    trans = sleep_transitions(stages, 0.0, 30.0)
    for t in trans:
        if rng.random() > cfg.jerk_probability:
            continue
        tj = round(float(t + rng.uniform(-25, 50)), 4)
        if not plan.free(tj - 20, tj + 20):
            continue
        plan.take(tj - 20, tj + 20)
        r = rng.random()
        muscles = ["chin", "left", "right"] if r < 0.6 else ["chin", rng.choice(["left", "right"])] \
            if r < 0.9 else ["left", "right"]
        parts = []
        for m in muscles:
            parts.append(dict(muscle=str(m), onset=round(tj + rng.uniform(0, 0.03), 4),
                              duration=round(rng.uniform(0.06, 0.25), 4),
                              amplitude=float(rng.uniform(*cfg.jerk_amplitude_uv))))
        jerks.append(dict(onset=tj, muscles=[str(m) for m in muscles], parts=parts, transition=float(t)))
        if rng.random() < cfg.arousal_after_jerk:
            arousals.append((round(tj + rng.uniform(0.3, 1.0), 4), round(rng.uniform(3, 10), 4)))
    # 3. PLMW series in quiet wake before sleep onset
    if cfg.plmw_series and len(trans):
        n = int(rng.integers(5, 8))
        imi = rng.uniform(15, 25)
        a = 40.0
        if a + n * imi + 100 < trans[0] - 30 and plan.free(a - 40, a + n * imi + 100):
            plan.take(a - 40, a + n * imi + 100)
            for i in range(n):
                add_lm(a + i * imi + rng.uniform(-2, 2), "plm")
    # 4. PLM series in NREM sleep
    n_series = rng.poisson(cfg.plm_series_per_hour * cfg.duration_h)
    for _ in range(n_series):
        for _try in range(100):
            a = rng.uniform(0, T)
            if stage_at(a) != 2:
                continue
            n = int(rng.integers(6, 25))
            imis = np.clip(rng.normal(rng.uniform(20, 35), 4, n - 1), 14, 60)
            span = float(imis.sum()) + 5
            if not plan.free(a - 100, a + span + 100):
                continue
            plan.take(a - 100, a + span + 100)
            on = a
            for i in range(n):
                end = add_lm(on, "plm")
                if rng.random() < cfg.arousal_after_plm:
                    ao = lms[-1]["onset"] + rng.uniform(0.5, 2.0)
                    arousals.append((round(ao, 4), round(rng.uniform(3, 12), 4)))
                if i < n - 1:
                    on += imis[i]
            break
    # 5. respiratory clusters with LMs at the end of events
    for _ in range(rng.poisson(cfg.resp_clusters_per_hour * cfg.duration_h)):
        for _try in range(100):
            a = rng.uniform(0, T)
            if stage_at(a) not in (2, 4):
                continue
            k = int(rng.integers(3, 8))
            durs = rng.uniform(12, 30, k)
            gaps = rng.uniform(20, 35, k)
            span = float(durs.sum() + gaps.sum())
            if not plan.free(a - 100, a + span + 100):
                continue
            plan.take(a - 100, a + span + 100)
            t = a
            for d, g in zip(durs, gaps):
                kind = "Obstructive apnea" if rng.random() < 0.5 else "Hypopnea"
                resp.append((round(t, 4), round(float(d), 4), kind))
                end = t + d
                if rng.random() < 0.8:
                    add_lm(end + rng.uniform(0.0, 3.0), "respiratory")
                arousals.append((round(end + rng.uniform(0.0, 1.0), 4), round(rng.uniform(3, 10), 4)))
                t = end + g
            break
    # 6. long movements (> 10 s: not candidate LMs) and isolated LMs
    for kind, count, dur in (("long", cfg.long_lm_per_night, (11.0, 25.0)),
                             ("isolated", rng.poisson(cfg.isolated_lm_per_hour * cfg.duration_h), (0.6, 8.0))):
        for _ in range(int(count)):
            for _try in range(100):
                a = rng.uniform(60, T - 60)
                if plan.free(a - 100, a + 130):
                    plan.take(a - 100, a + 130)
                    add_lm(a, kind, dur=dur)
                    break
    # 7. spontaneous arousals away from leg movements
    lm_iv = [(x["onset"] - 5, x["offset"] + 5) for x in lms]
    for _ in range(rng.poisson(cfg.spontaneous_arousals_per_hour * cfg.duration_h)):
        a = rng.uniform(0, T - 20)
        d = rng.uniform(3, 15)
        if stage_at(a) != 0 and all(a + d <= s or a >= e for s, e in lm_iv):
            arousals.append((round(a, 4), round(d, 4)))
    # 8. distractors: fragmentary myoclonus (NREM), phasic REM twitches (chin)
    protect = [(x["onset"] - 2, x["offset"] + 2) for x in lms] + \
              [(j["onset"] - 15, j["onset"] + 15) for j in jerks] + [(t - 40, t + 70) for t in trans]
    fm, twitches = [], []
    ok = lambda a: all(a < s or a > e for s, e in protect)  # noqa: E731
    for _ in range(rng.poisson(cfg.fragmentary_stretches_per_hour * cfg.duration_h)):
        a = rng.uniform(0, T - 300)
        if stage_at(a) not in (2, 3):
            continue
        for t in np.sort(rng.uniform(a, a + 300, int(rng.integers(20, 60)))):
            if ok(t):
                fm.append(dict(onset=round(float(t), 4), muscle=str(rng.choice(["left", "right", "chin"])),
                               duration=round(float(rng.uniform(0.02, 0.12)), 4),
                               amplitude=float(rng.uniform(8, 20))))
    rem_idx = np.flatnonzero(stages == 4)
    n_tw = rng.poisson(cfg.rem_twitches_per_min * rem_idx.size / 2)
    for _ in range(n_tw):
        t = (rng.choice(rem_idx) + rng.uniform(0, 1)) * 30
        if ok(t):
            twitches.append(dict(onset=round(float(t), 4), muscle="chin",
                                 duration=round(float(rng.uniform(0.03, 0.15)), 4),
                                 amplitude=float(rng.uniform(10, 30))))
    lms.sort(key=lambda x: x["onset"])
    arousals, not_scorable = aasm_scorable(arousals, stages)
    resp.sort()
    truth = dict(leg_movements=lms, hypnic_jerks=sorted(jerks, key=lambda j: j["onset"]),
                 arousals=arousals, arousals_not_scorable=not_scorable, respiratory=resp, unscorable=unscorable,
                 fragmentary=fm, rem_twitches=twitches, transitions=[float(t) for t in trans])
    if cfg.stress is not None:
        stress_effects.plan_stress(truth, spec)
    if cfg.motor is not None:
        motor_effects.plan_motor(truth, mspec)
    rng_eeg = eeg_rng(seed)
    plan_eeg(stages, truth, cfg, rng_eeg)
    if cfg.arousal_stress is not None:
        from .arousal_stress_effects import arousal_stress_rng, plan_arousal_stress
        plan_arousal_stress(stages, truth, cfg.arousal_stress, cfg.duration_h * 3600, arousal_stress_rng(seed))
    signals, fs = _render(cfg, rng, stages, truth, rng_eeg)
    if cfg.stress is not None:
        from .stress_render import apply_stress
        apply_stress(signals, fs, stages, truth, cfg, spec.rng)
    if cfg.motor is not None:
        motor_effects.apply_motor(signals, fs, stages, truth, cfg, mspec)
    return SimulatedNight(signals, fs, stages, truth, cfg, seed,
                          _dt.datetime.fromisoformat(cfg.start))


def _skip_legacy_eeg_draws(rng, n: int, n_channels: int) -> None:
    """Draw what the former EEG renderer drew from the main generator (6 noise traces per
    channel), so the EOG, ECG noise and respiration of existing seeds stay the same."""
    for _ in range(6 * n_channels):
        rng.standard_normal(n)


def _render(cfg: SimConfig, rng, stages, truth, rng_eeg) -> tuple[dict, dict]:
    T = cfg.duration_h * 3600
    fe, fg = cfg.fs_emg, cfg.fs_eeg
    fc = cfg.fs_ecg or fg
    n_emg, n_eeg = int(round(T * fe)), int(round(T * fg))
    ep_emg = np.minimum((np.arange(n_emg) / fe // 30).astype(int), len(stages) - 1)
    ep_eeg = np.minimum((np.arange(n_eeg) / fg // 30).astype(int), len(stages) - 1)
    lo, hi = emg_band(fe)
    mains = cfg.mains_hz or float(rng.choice([50.0, 60.0]))
    ecg_sig, r_peaks, qrs = ecg(T, fc, rng)
    # QRS bleed resampled onto the EMG grid
    qrs_emg = np.interp(np.arange(n_emg) / fe, np.arange(qrs.size) / fc, qrs)
    bleed = {}
    sig: dict[str, np.ndarray] = {}
    t_emg = np.arange(n_emg) / fe
    for m, lab in (("left", LABELS["leg_left"]), ("right", LABELS["leg_right"]), ("chin", LABELS["chin"])):
        if m == "chin":
            level = np.vectorize(CHIN_TONE.get)(stages).astype(float)[ep_emg]
        else:
            rest = rng.uniform(*cfg.leg_rest_uv)
            period, phase = rng.uniform(1800, 5400), rng.uniform(0, 6.3)
            drift = 1 + 0.3 * np.sin(2 * np.pi * t_emg / period + phase)
            level = rest * drift
            truth.setdefault("leg_rest", {})[m] = dict(rest_uv=float(rest), period_s=float(period),
                                                       phase=float(phase))
        x = band_noise(n_emg, fe, lo, hi, rng) * level / 0.798
        if m != "chin":
            b = float(rng.uniform(*cfg.ecg_bleed_uv))
            bleed[m] = b
            x += qrs_emg * b
        if mains < 0.45 * fe:
            x += rng.uniform(*cfg.mains_uv) * np.sin(2 * np.pi * mains * t_emg + rng.uniform(0, 6.3))
        for u in truth["unscorable"]:
            if u["leg"] == m:
                i, j = int(u["start"] * fe), int(u["end"] * fe)
                x[i:j] += band_noise(j - i, fe, lo, hi, rng) * u["noise_uv"] / 0.798
        for lm in truth["leg_movements"]:
            if lm["side"] == m:
                add_segment(x, fe, lm["onset"], burst(lm["offset"] - lm["onset"], fe, lm["amplitude"], rng))
        for j in truth["hypnic_jerks"]:
            for p in j["parts"]:
                if p["muscle"] == m:
                    add_segment(x, fe, p["onset"], burst(p["duration"], fe, p["amplitude"], rng, ramp=0.01))
        for d in truth["fragmentary"] + truth["rem_twitches"]:
            if d["muscle"] == m:
                add_segment(x, fe, d["onset"], burst(d["duration"], fe, d["amplitude"], rng, ramp=0.01))
        sig[lab] = x
    truth["ecg_bleed_uv"] = bleed
    truth["mains_hz"] = mains
    add_chin_arousals(sig[LABELS["chin"]], fe, truth, CHIN_TONE, rng_eeg)
    st_eeg = stages[ep_eeg]
    eeg_labels = [LABELS["eeg"]] + ([LABELS["eeg2"]] if cfg.full_montage else [])
    _skip_legacy_eeg_draws(rng, n_eeg, len(eeg_labels))
    traces = render_eeg(stages, fg, n_eeg, truth, rng_eeg, ("central", "occipital")[:len(eeg_labels)], mains)
    sig.update(zip(eeg_labels, traces))
    eog = band_noise(n_eeg, fg, 0.3, 10, rng) * 8
    sem = band_noise(n_eeg, fg, 0.05, 0.4, rng) * 60 * (st_eeg == 1)
    rems = (band_noise(n_eeg, fg, 0.5, 3, rng) > 2.0) * 150.0 * (st_eeg == 4)
    sig[LABELS["eog"]] = eog + sem + rems
    if cfg.full_montage:
        sig[LABELS["eog2"]] = -(eog + sem + rems) + band_noise(n_eeg, fg, 0.3, 10, rng) * 4
    sig[LABELS["ecg"]] = ecg_sig + band_noise(ecg_sig.size, fc, 0.5, 40, rng) * 10
    fs = {k: fe for k in (LABELS["leg_left"], LABELS["leg_right"], LABELS["chin"])}
    fs.update({k: fg for k in (LABELS["eeg"], LABELS["eeg2"], LABELS["eog"], LABELS["eog2"]) if k in sig})
    fs[LABELS["ecg"]] = fc
    fr = cfg.fs_resp
    n_r = int(round(T * fr))
    tr = np.arange(n_r) / fr
    amp = np.ones(n_r)
    for a, d, k in truth["respiratory"]:
        amp[int(a * fr):int((a + d) * fr)] = 0.05 if "apnea" in k.lower() else 0.4
    sig[LABELS["resp"]] = 200 * amp * np.sin(2 * np.pi * 0.25 * tr) + band_noise(n_r, fr, 0.05, 2, rng) * 10
    fs[LABELS["resp"]] = fr
    if cfg.full_montage:
        sig[LABELS["resp2"]] = 300 * np.sqrt(amp) * np.sin(2 * np.pi * 0.25 * tr + 0.3)
        fs[LABELS["resp2"]] = fr
        spo2 = np.full(int(T), 96.0)
        for a, d, k in truth["respiratory"]:
            i = int(a + d + 10)
            spo2[i:i + 20] -= np.hanning(20)[: max(0, min(20, spo2.size - i))] * (5 if "apnea" in k.lower() else 3)
        sig[LABELS["spo2"]] = spo2
        fs[LABELS["spo2"]] = 1.0
    return sig, fs
