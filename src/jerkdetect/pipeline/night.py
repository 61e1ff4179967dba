"""One night's state and the stages of :func:`jerkdetect.score` that fill it, in order.

Each stage is a function ``stage(night)`` that reads a few named fields of :class:`Night` and
writes a few others; :data:`STAGES` lists them with the timing key each one books its time to.
A new stage is one function here and one line in :data:`STAGES`.
"""
from __future__ import annotations

import os
import threading
import warnings
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np

from ..core.hypnogram import Hypnogram
from ..core.intervals import intersect_intervals, merge_intervals, overlaps_window
from ..core.kernel import aot_in_use
from ..core.log import logger
from ..core.version import __version__
from ..core.threads import in_thread, night_threads
from ..detection import ArousalParams, DetectionParams
from ..detection.arousals import arousal_features
from ..detection.bursts import detect_emg_channels
from ..errors import ScoringFileError
from ..io.edf import read_psg
from ..io.recording import Recording
from ..io.scored_events import clean_scored
from ..io.scoring_model import Scoring
from ..alignment.indices import (add_event_rows, event_indices, indices_by_stage, night_indices,
                                 null_jerks_without_emg, null_non_finite)
from ..rules import HypnicJerkRule, LegMovements, MonolateralLMs, RuleSet
from ..rules.motor_events import (MotorEvents, MotorRules, count_lms_in_episodes, empty_motor, find_rhythmic,
                                  score_motor)
from ..rules.motor_features import EMGFeatures
from ..rules.rhythmic_leg import RhythmicEpisodes
from .arousal_source import ArousalChoice, chin_envelope, choose_arousals, detection_channels
from .preflight import prepare_emg
from .result import ScoringResult
from .scoring_file import find_scoring_file, scoring_for_recording

LEGS = ("leg_left", "leg_right")
ARMS = ("arm_left", "arm_right")  # flexor digitorum superficialis: read for the REM rules only
MUSCLE = {"chin": "chin", "leg_left": "left", "leg_right": "right"}  # role -> hypnic-jerk muscle name


@dataclass
class Night:
    """What :func:`jerkdetect.score` knows about one night, stage by stage.

    The first block is the call's arguments (checked); every later field is written by one stage.
    """

    # arguments
    recording: str | os.PathLike | Recording
    annotations: object
    rules: RuleSet
    channels: Mapping[str, str] | None
    detection: DetectionParams
    hypnic: HypnicJerkRule
    leg_movements: str
    arousal_mode: str
    arousal_params: ArousalParams | None
    staging: str
    force_annotations: bool = False
    motor_rules: MotorRules | None = None  # None: no motor events (fragmentary myoclonus, REM, ALMA, HFT)
    # read_recording
    path: str | None = None
    rec: Recording | None = None
    all_labels: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    # read_annotations
    scoring: Scoring | None = None
    annotation_source: str = "none"
    hypnogram: Hypnogram | None = None
    scored_arousals: np.ndarray | None = None
    respiratory: np.ndarray | None = None
    # detect_emg
    used: dict = field(default_factory=dict)
    bursts: dict = field(default_factory=dict)
    arm_bursts: dict = field(default_factory=dict)
    # find_leg_movements
    unscorable_by: dict = field(default_factory=dict)
    unscorable: np.ndarray | None = None
    mono: MonolateralLMs | None = None
    # find_rhythmic_leg_patterns
    motor_features: dict = field(default_factory=dict)
    rhythmic: tuple[RhythmicEpisodes, RhythmicEpisodes] | None = None
    in_rhythmic: np.ndarray | None = None  # per monolateral LM: within an ALMA or HFT episode
    lm_in_rhythmic: dict | None = None
    # start_arousal_detection (a future of the ArousalChoice, on its own thread), find_arousals
    arousals_future: Future | None = None
    emg_done: threading.Event | None = None  # set when detect_emg ends (emg_failed: by an error)
    emg_failed: bool = False
    arousal_choice: ArousalChoice | None = None
    # apply_rules
    lm: LegMovements | None = None
    # find_hypnic_jerks, align_events
    jerks: dict | None = None
    lm_stage: np.ndarray | None = None
    jerk_stage: np.ndarray | None = None
    # compute_indices
    indices: dict | None = None
    by_stage: list | None = None
    # score_motor_events
    motor: MotorEvents | None = None
    timings: dict = field(default_factory=dict)
    info_extra: dict = field(default_factory=dict)  # set after score() by its caller (score_annotations); in info

    @property
    def arousals(self):
        """The arousals the rules use (scored or detected), or None."""
        return self.arousal_choice.arousals


def read_recording(n: Night) -> None:
    """The recording (lazy channels, only the roles scoring needs) and the EMG checks."""
    if not isinstance(n.recording, Recording):
        n.path = os.fspath(n.recording)
        want = ["leg_left", "leg_right", "chin", "ecg", "eeg"] + (["eog"] if n.staging == "yasa" else []) \
            + (list(ARMS) if n.motor_rules is not None else []) if n.leg_movements == "emg" else None
        # the EDF+'s own annotations are the scoring only when no scoring file is given or lies
        # beside it (scoring_for_recording); else their scan of every data record is skipped
        embedded = n.annotations is None and find_scoring_file(n.path) is None
        n.rec = read_psg(n.path, roles=n.channels, annotations=embedded)
        n.all_labels = n.rec.labels
        if want:
            n.rec.channels = {k: v for k, v in n.rec.channels.items() if v.role in want}
    else:
        rec = n.recording
        n.all_labels = rec.labels
        if n.channels:
            rec = Recording(rec.channels, rec.start, rec.source, rec.file_type, rec.record_duration,
                            rec.record_onsets, rec.annotations, n.channels)
        n.rec = rec
    n.notes = prepare_emg(n.rec, n.detection, n.channels, n.all_labels) if n.leg_movements == "emg" else []


def read_annotations(n: Night) -> None:
    """The scoring file: hypnogram (or automatic staging), scored arousals, respiratory events."""
    n.scoring, n.annotation_source = scoring_for_recording(n.rec, n.path, n.annotations, n.force_annotations)
    sc = n.scoring
    hyp = sc.hypnogram if sc is not None else None
    if hyp is None and n.staging == "yasa":
        from .staging import stage_automatically
        hyp = stage_automatically(n.rec)
        logger.info("%s: no hypnogram; staged automatically (%s)", n.rec.source, hyp.source)
    elif n.staging not in ("none", "yasa"):
        raise ValueError(f"staging must be 'none' or 'yasa'; got '{n.staging}'.")
    if hyp is None:
        warnings.warn(f"{n.rec.source}: no hypnogram found (annotation source: {n.annotation_source}); "
                      "sleep/wake indices will be null.", UserWarning, stacklevel=3)
    n.hypnogram = hyp
    src = n.annotation_source
    n.scored_arousals = clean_scored(sc.arousals, [], src, "scored arousals")[0] \
        if sc is not None and sc.has_arousals else None
    n.respiratory = clean_scored(sc.respiratory, sc.respiratory_kinds, src, "scored respiratory events")[0] \
        if sc is not None and sc.has_respiratory else None


_EMG_STAGES_DONE = [0]  # nights whose EMG stage this process has run


def decide_beside_emg() -> bool:
    """Whether the arousal decision may run beside the EMG stage (after the EEG features), where
    the overlap takes ~0.15 s off an 8-h night: in every night after a process's first, and in
    the first too when the kernels come from a ``jerkdetect compile`` build. A first night through
    Numba's JIT keeps the decision after the EMG stage: there Numba's ~90 MB and its cache loads
    already fill the start, and the decision's ~25 MB beside the EMG stage's peak took the fresh
    command over 300 MB (with a build the fresh command peaks at ~195 MB; a night whose argument
    types the build lacks, e.g. BDF files before any was scored, still imports Numba for those
    kernels, which costs memory, never results)."""
    return _EMG_STAGES_DONE[0] > 0 or aot_in_use()


def start_arousal_detection(n: Night) -> None:
    """When the night will detect arousals and may use a second thread, detect them on a thread
    of their own, beside the EMG stage: the EEG features (decode, decimate, band power:
    :func:`~jerkdetect.detection.arousals.arousal_features`) and, from a process's second night on
    (:func:`decide_beside_emg`), every EEG check of the decision; its last step, the chin EMG test
    of R arousals, waits for the EMG stage's chin envelope.
    :func:`find_arousals` takes the result. On one thread :func:`find_arousals` does it all
    itself: the arousals are the same either way."""
    eeg = detection_channels(n.arousal_mode, n.scored_arousals, n.rec, n.hypnogram, n.arousal_params)
    if eeg is not None and night_threads(2) > 1:
        n.emg_done = threading.Event()
        n.arousals_future = in_thread("eeg", _arousals_beside, n, eeg, decide_beside_emg())


def _arousals_beside(n: Night, eeg: list[str], beside: bool = True) -> ArousalChoice | None:
    """On the EEG thread: the features and the decision; the chin test at its end (or, unless
    ``beside``, the whole decision: :func:`decide_beside_emg`) waits for the EMG stage (the chin
    envelope). None when the EMG stage failed (its error is the night's)."""
    feats = arousal_features(n.rec, n.arousal_params, eeg)
    if not beside:
        n.emg_done.wait()

    def chin():  # the decision asks for it after its EEG checks: wait for the EMG stage then
        n.emg_done.wait()
        return None if n.emg_failed else chin_envelope(n.rec, n.bursts, n.detection)
    choice = choose_arousals(n.arousal_mode, n.scored_arousals, n.rec, n.hypnogram, chin, n.arousal_params,
                             lambda: feats)
    return None if n.emg_failed else choice


def detect_emg(n: Night) -> None:
    """R peaks of the ECG, then bursts, envelopes and unscorable stretches of legs and chin; at
    its end (error or not) the arousal thread, if any, is told (``emg_done``)."""
    try:
        _detect_emg(n)
    except BaseException:
        n.emg_failed = True
        raise
    finally:
        _EMG_STAGES_DONE[0] += 1
        if n.emg_done is not None:
            n.emg_done.set()


def _detect_emg(n: Night) -> None:
    if n.leg_movements != "emg":
        return
    rec, det = n.rec, n.detection
    ecg = rec.channel("ecg").label if det.ecg_removal and rec.has_role("ecg") else None
    if ecg is not None:
        n.used["ecg"] = ecg
    emg_roles = ["leg_left", "leg_right"] + (["chin"] if rec.has_role("chin") else [])
    arm_roles = [r for r in ARMS if rec.has_role(r)] if n.motor_rules is not None else []
    labels = [rec.channel(role).label for role in emg_roles + arm_roles]
    n.used.update(zip(emg_roles + arm_roles, labels))
    bursts, _, timings = detect_emg_channels(rec, labels, det, ecg)
    n.bursts = {role: bursts[lab] for role, lab in zip(emg_roles, labels)}
    n.arm_bursts = {role: bursts[lab] for role, lab in zip(arm_roles, labels[len(emg_roles):])}
    # the filter passes run inside detection: book them apart from "detect"
    n.timings["filter"] = timings["filter"]
    n.timings["detect"] = n.timings.get("detect", 0.0) - timings["filter"]


def find_leg_movements(n: Night) -> None:
    """Monolateral LMs (from the EMG bursts, or the scoring file's) and the unscorable time."""
    if n.leg_movements == "emg":
        n.unscorable_by, n.unscorable = unscorable_time(n.bursts, n.rec.gaps())
        n.mono = monolateral_lms(n.bursts, n.unscorable_by, n.rules)
        return
    sc = n.scoring
    if sc is None or not len(sc.leg_movements):
        raise ScoringFileError(f"{n.annotation_source}: scoring from the technician's leg movements "
                               "(leg_movements='scoring', score_annotations, --from-scoring) needs scored limb "
                               "movements in the annotations, and there are none.")
    n.unscorable = np.asarray(n.rec.gaps(), dtype=float).reshape(-1, 2)
    # a Scoring built in memory is checked as a file is: bad rows refused, duplicates and one leg's overlaps merged
    lmv, side_names = clean_scored(sc.leg_movements, sc.leg_sides, n.annotation_source, "scored leg movements",
                                   legs=True)
    sides = np.array([0 if s == "left" else 1 for s in side_names])
    n.mono = MonolateralLMs(lmv[:, 0], lmv[:, 0] + lmv[:, 1], sides)
    n.used["leg_movements"] = n.annotation_source


def motor_skip_reason(n: Night) -> str | None:
    """Why the motor rules cannot run on this night (None: they can)."""
    if n.leg_movements != "emg":
        return "no EMG read: leg movements come from the scoring file"
    if n.rec.discontinuous:
        return "discontinuous recording (EDF+D): the motor rules need one sample clock"
    return None


def find_rhythmic_leg_patterns(n: Night) -> None:
    """ALMA and HFT episodes (:func:`~jerkdetect.rules.motor_events.find_rhythmic`), before the
    PLM rules: the monolateral LMs within them are marked (``in_rhythmic``) and, with
    ``MotorRules.exclude_rhythmic_lms``, leave the PLM rules (not LMs: AASM Manual)."""
    if n.motor_rules is None or motor_skip_reason(n):
        return
    env_s = n.detection.envelope_s
    n.motor_features = {MUSCLE.get(r, r): EMGFeatures.from_bursts(b, env_s)
                        for r, b in {**n.bursts, **n.arm_bursts}.items()}
    n.rhythmic = find_rhythmic(n.motor_features, n.hypnogram, n.motor_rules)
    n.in_rhythmic, n.lm_in_rhythmic = count_lms_in_episodes(n.mono, *n.rhythmic, n.motor_rules.rhythmic_lm_margin_s)


def find_arousals(n: Night) -> None:
    """Arousals from the scoring file, or detected in the EEG (``arousals=`` mode); those of
    :func:`start_arousal_detection`'s thread when it ran; a night re-scored under other rules
    (:func:`rules_again`) keeps those it had."""
    if n.arousal_choice is not None:
        return
    if n.arousals_future is not None:  # detected on their own thread (start_arousal_detection)
        n.arousal_choice = n.arousals_future.result()
        return
    n.arousal_choice = choose_arousals(n.arousal_mode, n.scored_arousals, n.rec, n.hypnogram,
                                       lambda: chin_envelope(n.rec, n.bursts, n.detection), n.arousal_params)


def apply_rules(n: Night) -> None:
    """Candidate LMs, bilateral LMs, PLM series, respiratory and arousal links under the rule set,
    over the monolateral LMs outside ALMA and HFT episodes (``MotorRules.exclude_rhythmic_lms``)."""
    mono = n.mono
    if n.in_rhythmic is not None and n.motor_rules.exclude_rhythmic_lms and n.in_rhythmic.any():
        mono = mono.subset(~n.in_rhythmic)
    n.lm = n.rules.score(mono, n.respiratory, n.arousals)


def find_hypnic_jerks(n: Night) -> None:
    """Hypnic jerks among the brief bursts of chin and legs around wake -> sleep transitions."""
    brief = {}
    for r, b in n.bursts.items():
        ok = ~overlaps_window(b.onset, b.offset, n.unscorable_by[r])
        brief[MUSCLE[r]] = (b.onset[ok], b.offset[ok], b.raw_peak_uv[ok])
    mono = n.mono
    transitions = n.hypnogram.transitions() if n.hypnogram is not None else np.zeros(0)
    all_lm = np.column_stack([mono.onset, mono.offset]) if mono.onset.size else np.zeros((0, 2))
    envs = {MUSCLE[r]: (b.envelope, b.envelope_fs) for r, b in n.bursts.items() if b.envelope is not None}
    raws = {MUSCLE[r]: (b.raw_peaks, b.raw_peaks_fs) for r, b in n.bursts.items() if b.raw_peaks is not None}
    n.jerks = n.hypnic.find(brief, transitions, all_lm, n.arousals, envs, raws)


def align_events(n: Night) -> None:
    """The sleep stage at each LM's and each jerk's onset (-1 without a hypnogram)."""
    hyp = n.hypnogram
    n.lm_stage = hyp.stage_at(n.lm.onset) if hyp is not None else np.full(len(n.lm), -1, np.int8)
    n.jerk_stage = hyp.stage_at(n.jerks["onset"]) if hyp is not None else np.full(len(n.jerks["onset"]), -1, np.int8)


def compute_indices(n: Night) -> None:
    """Night and per-stage indices, each null with a reason where it cannot be computed."""
    hyp, unsc, choice = n.hypnogram, n.unscorable, n.arousal_choice
    idx = night_indices(n.lm, n.lm_stage, hyp, n.jerks, unsc, n.arousals is not None, n.respiratory is not None)
    if n.arousals is None and hyp is not None and choice.reason:
        idx["null_reasons"]["plms_arousal_index"] = choice.reason
    if hyp is None:
        for k, why in idx["null_reasons"].items():
            if why.startswith("no hypnogram"):
                idx["null_reasons"][k] = why + (" (score with staging='yasa', extra jerkdetect[staging], "
                                                "to stage it automatically)")
    idx["recording_gaps_min"] = float(sum(b - a for a, b in n.rec.gaps()) / 60)
    idx["unscorable_min"] = {r: n.bursts[r].unscorable_min for r in LEGS if r in n.bursts}
    idx["unscorable_both_legs_min"] = float(sum(b - a for a, b in unsc) / 60) - idx["recording_gaps_min"]
    n.by_stage = indices_by_stage(n.lm, n.lm_stage, hyp, n.jerk_stage, unsc)
    no_arousals = choice.reason or "no arousal scoring in the annotations"
    no_resp = "no respiratory scoring in the annotations"
    for events, count, rate, why, stage_rate in ((n.arousals, "n_arousals", "arousal_index", no_arousals,
                                                  "arousal_per_h"),
                                                 (n.respiratory, "n_respiratory_events", "respiratory_event_index",
                                                  no_resp, None)):
        values, reasons, per_stage = event_indices(events, hyp, count, rate, why)
        idx.update(values)
        idx["null_reasons"].update(reasons)
        add_event_rows(n.by_stage, hyp, per_stage, count, stage_rate)
    if n.leg_movements == "scoring":
        null_jerks_without_emg(idx, n.by_stage)
    n.indices = idx


def score_motor_events(n: Night) -> None:
    """Fragmentary myoclonus, REM muscle activity and the REM atonia index
    (:mod:`jerkdetect.rules.motor_events`) from the EMG features of detection, with the ALMA and
    HFT episodes found before the PLM rules; their indices join the night's (null with a reason
    where a channel, the hypnogram or the EMG is missing)."""
    if n.motor_rules is None:
        return
    why = motor_skip_reason(n)
    if why:
        n.motor = empty_motor(n.motor_rules, why)
    else:
        mono = n.mono  # every leg movement, those within ALMA/HFT episodes too
        lm_by_leg = {m: np.column_stack([mono.onset[mono.side == k], mono.offset[mono.side == k]])
                     for k, m in enumerate(("left", "right"))}
        j = n.jerks
        jerks = np.column_stack([j["onset"], j["offset"]]) if len(j["onset"]) else np.zeros((0, 2))
        n.motor = score_motor(n.motor_features, n.hypnogram, lm_by_leg, jerks, n.arousals, n.respiratory,
                              n.motor_rules, n.rhythmic, n.lm_in_rhythmic)
    summary = n.motor.summary()
    why = summary.pop("motor_null_reasons", {})
    n.indices.update(summary)
    n.indices["null_reasons"].update(why)


# (timing key, stage) in the order they run; stages sharing a key add up. RULE_STAGES, the tail,
# are what a night re-scored under other rules runs again (rules_again).
RULE_STAGES: tuple[tuple[str, Callable[[Night], None]], ...] = (
    ("rules", find_leg_movements),
    ("motor", find_rhythmic_leg_patterns),  # ALMA, HFT: their leg movements leave the PLM rules
    ("arousals", find_arousals),
    ("rules", apply_rules),
    ("align", find_hypnic_jerks),
    ("align", align_events),
    ("report", compute_indices),
    ("motor", score_motor_events),
)
STAGES: tuple[tuple[str, Callable[[Night], None]], ...] = (
    ("read", read_recording),
    ("annotations", read_annotations),
    ("arousals", start_arousal_detection),  # on a thread of its own, beside the EMG stage
    ("detect", detect_emg),
) + RULE_STAGES


def before_rules(n: Night) -> Night:
    """A copy of night ``n`` as it was before :data:`RULE_STAGES` (recording, scoring file, EMG
    bursts, arousals), without the rule outputs: what a result keeps for
    :func:`jerkdetect.pipeline.score.rescore`."""
    return replace(n, used=dict(n.used), notes=list(n.notes), info_extra=dict(n.info_extra), unscorable_by={},
                   unscorable=None, mono=None,
                   motor_features={}, rhythmic=None, in_rhythmic=None, lm_in_rhythmic=None, arousals_future=None,
                   emg_done=None, lm=None, jerks=None, lm_stage=None, jerk_stage=None, indices=None, by_stage=None,
                   motor=None, timings={})


def rules_again(kept: Night, rules: RuleSet, hypnic: HypnicJerkRule, motor_rules: MotorRules | None) -> Night:
    """A new night from ``kept`` (:func:`before_rules`) under other rules; its rule stages are
    still to run. Without motor rules the arm EMG, read for them only, is left out as
    :func:`score` leaves it out. ``kept`` is left as it was."""
    night = before_rules(kept)
    night.rules, night.hypnic, night.motor_rules = rules, hypnic, motor_rules
    if motor_rules is None:
        night.arm_bursts = {}
        for role in ARMS:
            night.used.pop(role, None)
    return night


def night_info(n: Night) -> dict:
    """``ScoringResult.info``: rule set and parameters, channels and sources, notes, version, timings."""
    rec, hyp, choice, bursts = n.rec, n.hypnogram, n.arousal_choice, n.bursts
    return {
        "recording": rec.source, "recording_start": str(rec.start) if rec.start else None,
        "duration_s": rec.duration, "rules": n.rules.to_dict(), "detection": n.detection.to_dict(),
        "hypnic_jerk_rule": n.hypnic.to_dict(), "channels": n.used, "annotation_source": n.annotation_source,
        "leg_movement_source": n.leg_movements,
        "arousal_scoring": n.arousals is not None, "respiratory_scoring": n.respiratory is not None,
        "arousal_source": choice.source, "arousal_mode": n.arousal_mode,
        **({"arousal_detection": choice.info} if choice.detected is not None else {}),
        "hypnogram_notes": list(hyp.notes) if hyp is not None else ["no hypnogram"],
        "hypnogram_source": (hyp.source or n.annotation_source) if hyp is not None else None,
        "mains_hz": {r: b.mains for r, b in bursts.items()},
        "unscorable_stretches": {r: [[round(float(a), 3), round(float(e), 3), k] for (a, e), k in
                                     zip(b.unscorable, b.unscorable_kind)] for r, b in bursts.items()},
        "jerkdetect_version": __version__, "timings_s": n.timings, "input_notes": n.notes,
        **({"annotations_forced": n.scoring.forced} if n.scoring is not None and n.scoring.forced else {}),
        **({"motor_rules": n.motor_rules.to_dict()} if n.motor_rules is not None else {}),
        **n.info_extra,
    }


def to_result(n: Night) -> ScoringResult:
    """The :class:`ScoringResult` of a night whose stages have all run (no value NaN or infinite)."""
    null_non_finite(n.indices, n.by_stage)
    res = ScoringResult(n.lm, n.jerks, n.hypnogram, n.lm_stage, n.jerk_stage, n.indices, n.by_stage, night_info(n),
                        n.bursts, n.unscorable, detected_arousals=n.arousal_choice.detected,
                        scored_arousals=n.arousal_choice.scored, respiratory_events=n.respiratory, motor=n.motor)
    if n.path is None:
        res._source_recording = n.rec  # in-memory recording: kept for plot_event (files are re-read)
    res._night = before_rules(n)  # for ScoringResult.rescore
    return res


def unscorable_time(bursts: dict, gaps) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-muscle unscorable stretches (its own artefacts plus EDF+D gaps), and the time left out
    of the denominators: gaps and the stretches where BOTH legs are unscorable.

    One leg's artefact removes that leg's movements only; the other leg is still scored there
    (its movements count as monolateral), so that time stays in the denominators.
    """
    gaps = np.asarray(gaps, dtype=float).reshape(-1, 2)
    by = {r: merge_intervals(np.concatenate([b.unscorable, gaps])) for r, b in bursts.items()}
    both = intersect_intervals(by[LEGS[0]], by[LEGS[1]])
    return by, merge_intervals(np.concatenate([both, gaps]))


def monolateral_lms(bursts: dict, unsc_by: dict, rs: RuleSet) -> MonolateralLMs:
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


