"""``score()``: the whole pipeline for one night, from a file path or a Recording to results."""
from __future__ import annotations

import os
import time
import warnings
from typing import Mapping

import numpy as np

from ._logging import logger, set_log_level
from .arousal_source import check_mode, chin_envelope, choose_arousals
from .detection import ArousalParams, DetectionParams, detect_channel
from ._compile import announce_compilation
from .errors import ScoringFileError
from .preflight import check_leg_movements, prepare_emg, rule_overrides
from .hypnogram import Hypnogram, is_yasa_hypnogram
from .io.edf import read_psg
from .io.recording import Recording
from .io.scoring import Scoring, align_to_recording, read_scoring, scoring_from_events, scoring_from_yasa
from .preprocessing import detect_r_peaks
from .reporting.indices import indices_by_stage, night_indices, null_jerks_without_emg
from .reporting.results import ScoringResult
from .rules import HypnicJerkRule, MonolateralLMs, RuleSet, get_rules
from .rules.base import overlaps_window
from .alignment import intersect_intervals, merge_intervals

LEGS = ("leg_left", "leg_right")

SCORING_SUFFIXES = (".xml", "-nsrr.xml", ".tsv", "-Hypnogram.edf", "_hypnogram.edf", ".csv",
                    "-events.tsv", "_scoring.tsv", "-profusion.xml", "_profusion.xml",
                    "_sleepscoring.edf", "_sleepscoring.txt", "_sleepscoring.tsv", "_sleepscoring.csv")


def find_scoring_file(recording_path: str) -> str | None:
    """The scoring file next to a recording, by stem: X.xml, X-nsrr.xml, X-profusion.xml, X.tsv,
    X-Hypnogram.edf, X_sleepscoring.edf (HMC) ...

    Sleep-EDF pairs (``SC4001E0-PSG.edf`` with ``SC4001EC-Hypnogram.edf``) are matched on the
    first six characters of the stem as well.
    """
    folder, name = os.path.split(os.path.abspath(recording_path))
    stem = os.path.splitext(name)[0]
    stems = [stem]
    if stem.endswith("-PSG"):
        stems.append(stem[:-4])
    for s in stems:
        for suf in SCORING_SUFFIXES:
            p = os.path.join(folder, s + suf)
            if os.path.isfile(p):
                return p
    if stem.endswith("-PSG") and len(stem) > 6:
        import glob
        hits = sorted(glob.glob(os.path.join(folder, stem[:6] + "*-Hypnogram.edf")))
        if hits:
            return hits[0]
    return None


def _scoring_for(rec: Recording, path: str | None, annotations) -> tuple[Scoring | None, str]:
    if isinstance(annotations, Scoring):
        return align_to_recording(annotations, rec), annotations.source or "Scoring object"
    if is_yasa_hypnogram(annotations):
        return scoring_from_yasa(annotations, rec), "yasa.Hypnogram object"
    if isinstance(annotations, Hypnogram):
        return Scoring("hypnogram", "hypnogram", annotations.fit_to(rec.duration, rec.source)), "Hypnogram object"
    if annotations is not None:
        sc = read_scoring(annotations, rec)
        return sc, os.fspath(annotations)
    if path is not None:
        p = find_scoring_file(path)
        if p is not None:
            return read_scoring(p, rec), p
    if rec.annotations:
        sc = scoring_from_events(rec.annotations, rec.source, "edf+ embedded", 30.0, start=None)
        if sc.hypnogram is not None:
            sc.hypnogram = sc.hypnogram.fit_to(rec.duration, rec.source)
        return sc, f"{rec.source} (embedded EDF+ annotations)"
    return None, "none"


def _unscorable(bursts: dict, gaps) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-muscle unscorable stretches (its own artefacts plus EDF+D gaps), and the time left out
    of the denominators: gaps and the stretches where BOTH legs are unscorable.

    One leg's artefact removes that leg's movements only; the other leg is still scored there
    (its movements count as monolateral), so that time stays in the denominators.
    """
    gaps = np.asarray(gaps, dtype=float).reshape(-1, 2)
    by = {r: merge_intervals(np.concatenate([b.unscorable, gaps])) for r, b in bursts.items()}
    both = intersect_intervals(by[LEGS[0]], by[LEGS[1]])
    return by, merge_intervals(np.concatenate([both, gaps]))


def _monolateral(bursts: dict, unsc_by: dict, rs: RuleSet) -> MonolateralLMs:
    """Leg bursts lasting >= ``rs.min_lm_s`` under the rule's onset, holding ``rs.min_sustained_s``
    of uninterrupted activity, clear of their own leg's artefacts."""
    parts = []
    for k, role in enumerate(LEGS):
        b = bursts[role]
        keep = (b.duration >= rs.min_lm_s) & ~overlaps_window(b.onset, b.offset, unsc_by[role])
        if b.sustained_s is not None:  # a brief burst must hold some sustained activity
            keep &= (b.sustained_s >= rs.min_sustained_s) | (b.duration >= rs.sustained_below_s)
        parts.append((b.onset[keep], b.offset[keep], np.full(keep.sum(), k), b.raw_peak_uv[keep],
                      b.morph_ok[keep], b.rule_onset[keep]))
    on, off, side, pk, mo, ro = (np.concatenate(x) for x in zip(*parts))
    return MonolateralLMs(on, off, side, pk, mo, ro)


def score(recording: str | os.PathLike | Recording, annotations=None, rules: str | RuleSet = "wasm2016",
          channels: Mapping[str, str] | None = None, detection: DetectionParams | None = None,
          hypnic: HypnicJerkRule | None = None, leg_movements: str = "emg", arousals: str = "auto",
          arousal_params: ArousalParams | None = None, staging: str = "none",
          verbose: bool | str | None = None, rule_params: Mapping | None = None, **params) -> ScoringResult:
    """Score leg movements, PLM series and hypnic jerks in one night.

    Parameters
    ----------
    recording : path or Recording
        EDF/EDF+/BDF path, or a :class:`Recording` (also from ``mne.io.Raw`` or arrays).
    annotations : path, Scoring, Hypnogram or yasa.Hypnogram, optional
        Scoring file. Default: a file with the recording's stem next to it (``X.xml``,
        ``X-nsrr.xml``, ``X.tsv``, ``X-Hypnogram.edf``), else the EDF+'s own annotations.
    rules : "wasm2016" (default), "aasm2012" or a RuleSet
        PLM rule set; ``rule_params={"max_imi_s": 100}`` or keywords (``max_imi_s=100``) override
        its parameters. An unknown name raises :class:`~jerkdetect.errors.InputError` listing the
        valid ones, closest first.
    channels : dict role -> label, optional
        Override channel roles (``{"leg_left": "EMG3"}``).
    detection : DetectionParams, optional
    hypnic : HypnicJerkRule, optional
    leg_movements : "emg" or "scoring"
        "scoring" scores the leg movements already marked in the scoring file (e.g. Profusion
        ``Limb Movement (Left)``) into series and indices without reading EMG.
    arousals : "auto" (default), "scoring", "detect" or "none"
        Where arousals come from: "auto" uses the scoring file's arousals when it has arousal
        scoring and otherwise detects them in the EEG (needs an EEG channel and a hypnogram);
        "scoring" never detects; "detect" always detects (the file's arousals are kept for
        :meth:`ScoringResult.compare_arousals`); "none" leaves arousal links null. The source
        used is ``info["arousal_source"]`` ("scoring", "detected" or "none").
    arousal_params : ArousalParams, optional
        Parameters of the EEG arousal detector.
    staging : "none" (default) or "yasa"
        "yasa" stages a recording that has no hypnogram with YASA's SleepStaging (extra
        ``jerkdetect[staging]``, runs offline); the hypnogram is then labelled automatic in
        every output (``hypnogram_source``, ``hypnogram_notes``).

    Returns
    -------
    ScoringResult

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score(jd.sample_path())
    >>> sorted(res.summary())[:3]
    ['hypnic_jerks_per_transition', 'hypnic_jerks_with_arousal', 'imi_fraction_under_10s']
    """
    from . import __version__
    set_log_level(verbose)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    det = detection or DetectionParams()
    hj = hypnic or HypnicJerkRule()
    rs = get_rules(rules, **rule_overrides(rules, rule_params, params))
    check_leg_movements(leg_movements)
    arousal_mode = check_mode(arousals)
    announce_compilation()
    path = None
    if not isinstance(recording, Recording):
        path = os.fspath(recording)
        want = ["leg_left", "leg_right", "chin", "ecg", "eeg"] + (["eog"] if staging == "yasa" else []) \
            if leg_movements == "emg" else None
        rec = read_psg(path, roles=channels)
        all_labels = rec.labels
        if want:
            rec.channels = {k: v for k, v in rec.channels.items() if v.role in want}
    else:
        rec = recording
        all_labels = rec.labels
        if channels:
            rec = Recording(rec.channels, rec.start, rec.source, rec.file_type, rec.record_duration,
                            rec.record_onsets, rec.annotations, channels)
    timings["read"] = time.perf_counter() - t0
    notes = prepare_emg(rec, det, channels, all_labels) if leg_movements == "emg" else []
    t = time.perf_counter()
    sc, ann_source = _scoring_for(rec, path, annotations)
    hyp = sc.hypnogram if sc is not None else None
    if hyp is None and staging == "yasa":
        from .staging import stage_automatically
        hyp = stage_automatically(rec)
        logger.info("%s: no hypnogram; staged automatically (%s)", rec.source, hyp.source)
    elif staging not in ("none", "yasa"):
        raise ValueError(f"staging must be 'none' or 'yasa'; got '{staging}'.")
    if hyp is None:
        warnings.warn(f"{rec.source}: no hypnogram found (annotation source: {ann_source}); "
                      "sleep/wake indices will be null.", UserWarning, stacklevel=2)
    scored_arousals = sc.arousals if sc is not None and sc.has_arousals else None
    resp = sc.respiratory if sc is not None and sc.has_respiratory else None
    timings["annotations"] = time.perf_counter() - t
    used: dict[str, str] = {}
    bursts = {}
    unsc_by: dict[str, np.ndarray] = {}
    t = time.perf_counter()
    if leg_movements == "emg":
        r_times = None
        if det.ecg_removal and rec.has_role("ecg"):
            e = rec.channel("ecg")
            used["ecg"] = e.label
            if e.dig_min is not None:
                r_idx = detect_r_peaks(e.digital_chunks(), e.fs, e.gain, e.offset, n=e.n_samples)
            else:
                r_idx = detect_r_peaks(e.data, e.fs)
            r_times = rec.index_to_time(e.label, r_idx)
        emg_roles = ["leg_left", "leg_right"] + (["chin"] if rec.has_role("chin") else [])
        n_max = max(rec.channel(r).n_samples for r in emg_roles)
        buf = np.empty(n_max, dtype=np.float32)
        for role in emg_roles:
            ch = rec.channel(role)
            used[role] = ch.label
            bursts[role] = detect_channel(rec, ch.label, det, r_times, buf)
        timings["filter"] = sum(b.timings["filter"] for b in bursts.values())
        timings["detect"] = time.perf_counter() - t - timings["filter"]
        t = time.perf_counter()
        unsc_by, unsc = _unscorable(bursts, rec.gaps())
        mono = _monolateral(bursts, unsc_by, rs)
    else:
        if sc is None or not len(sc.leg_movements):
            raise ScoringFileError(f"{ann_source}: leg_movements='scoring' needs scored limb movements "
                                   "in the annotations, and there are none.")
        unsc = np.asarray(rec.gaps(), dtype=float).reshape(-1, 2)
        lmv = sc.leg_movements
        sides = np.array([0 if s == "left" else 1 for s in sc.leg_sides])
        mono = MonolateralLMs(lmv[:, 0], lmv[:, 0] + lmv[:, 1], sides)
        used["leg_movements"] = ann_source
    ta = time.perf_counter()
    choice = choose_arousals(arousal_mode, scored_arousals, rec, hyp, lambda: chin_envelope(rec, bursts, det),
                             arousal_params)
    arousals = choice.arousals
    timings["arousals"] = time.perf_counter() - ta
    lm = rs.score(mono, resp, arousals)
    timings["rules"] = time.perf_counter() - t - timings["arousals"]
    t = time.perf_counter()
    # hypnic jerks from brief bursts in chin and legs
    muscle = {"chin": "chin", "leg_left": "left", "leg_right": "right"}
    brief = {}
    for r, b in bursts.items():
        ok = ~overlaps_window(b.onset, b.offset, unsc_by[r])
        brief[muscle[r]] = (b.onset[ok], b.offset[ok], b.raw_peak_uv[ok])
    transitions = hyp.transitions() if hyp is not None else np.zeros(0)
    all_lm = np.column_stack([mono.onset, mono.offset]) if mono.onset.size else np.zeros((0, 2))
    envs = {muscle[r]: (b.envelope, b.envelope_fs) for r, b in bursts.items() if b.envelope is not None}
    raws = {muscle[r]: (b.raw_peaks, b.raw_peaks_fs) for r, b in bursts.items() if b.raw_peaks is not None}
    jerks = hj.find(brief, transitions, all_lm, arousals, envs, raws)
    lm_stage = hyp.stage_at(lm.onset) if hyp is not None else np.full(len(lm), -1, np.int8)
    jerk_stage = hyp.stage_at(jerks["onset"]) if hyp is not None else np.full(len(jerks["onset"]), -1, np.int8)
    timings["align"] = time.perf_counter() - t
    t = time.perf_counter()
    idx = night_indices(lm, lm_stage, hyp, jerks, unsc, arousals is not None, resp is not None)
    if arousals is None and hyp is not None and choice.reason:
        idx["null_reasons"]["plms_arousal_index"] = choice.reason
    if hyp is None:
        for k, why in idx["null_reasons"].items():
            if why.startswith("no hypnogram"):
                idx["null_reasons"][k] = why + " (score with staging='yasa', extra jerkdetect[staging], to stage it automatically)"
    idx["recording_gaps_min"] = float(sum(b - a for a, b in rec.gaps()) / 60)
    idx["unscorable_min"] = {r: bursts[r].unscorable_min for r in LEGS if r in bursts}
    idx["unscorable_both_legs_min"] = float(sum(b - a for a, b in unsc) / 60) - idx["recording_gaps_min"]
    by_stage = indices_by_stage(lm, lm_stage, hyp, jerk_stage, unsc)
    if leg_movements == "scoring":
        null_jerks_without_emg(idx, by_stage)
    timings["report"] = time.perf_counter() - t
    info = {
        "recording": rec.source, "recording_start": str(rec.start) if rec.start else None,
        "duration_s": rec.duration, "rules": rs.to_dict(), "detection": det.to_dict(),
        "hypnic_jerk_rule": hj.to_dict(), "channels": used, "annotation_source": ann_source,
        "leg_movement_source": leg_movements,
        "arousal_scoring": arousals is not None, "respiratory_scoring": resp is not None,
        "arousal_source": choice.source, "arousal_mode": arousal_mode,
        **({"arousal_detection": choice.info} if choice.detected is not None else {}),
        "hypnogram_notes": list(hyp.notes) if hyp is not None else ["no hypnogram"],
        "hypnogram_source": (hyp.source or ann_source) if hyp is not None else None,
        "mains_hz": {r: b.mains for r, b in bursts.items()},
        "unscorable_stretches": {r: [[round(float(a), 3), round(float(e), 3), k] for (a, e), k in
                                     zip(b.unscorable, b.unscorable_kind)] for r, b in bursts.items()},
        "jerkdetect_version": __version__, "timings_s": timings, "input_notes": notes,
    }
    logger.info("scored %s in %.2f s: %d LMs", rec.source, time.perf_counter() - t0, len(lm))
    res = ScoringResult(lm, jerks, hyp, lm_stage, jerk_stage, idx, by_stage, info, bursts, unsc,
                        detected_arousals=choice.detected, scored_arousals=choice.scored)
    if path is None:
        res._source_recording = rec  # in-memory recording: kept for plot_event (files are re-read)
    return res

