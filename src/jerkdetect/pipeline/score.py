"""``score()``: the whole pipeline for one night, from a file path or a Recording to results."""
from __future__ import annotations

import os
import time
from typing import Mapping

from ..core.log import logger, set_log_level
from ..detection import ArousalParams, DetectionParams
from ..io.recording import Recording
from ..rules import HypnicJerkRule, RuleSet, get_rules
from ..rules.motor_events import MotorRules
from .arousal_source import check_mode
from .compile import announce_compilation, compilation_done
from .night import RULE_STAGES, STAGES, Night, rules_again, to_result
from .preflight import SCORE_ARGS, check_argument_types, check_leg_movements, rule_overrides
from .result import ScoringResult


def score(recording: str | os.PathLike | Recording, annotations=None, rules: str | RuleSet = "wasm2016",
          channels: Mapping[str, str] | None = None, detection: DetectionParams | None = None,
          hypnic: HypnicJerkRule | None = None, leg_movements: str = "emg", arousals: str = "auto",
          arousal_params: ArousalParams | None = None, staging: str = "none",
          verbose: bool | str | None = None, rule_params: Mapping | None = None, force_annotations: bool = False,
          motor: MotorRules | Mapping | bool = True, **params) -> ScoringResult:
    """Score leg movements, PLM series, hypnic jerks and the other motor events of one night.

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
    force_annotations : bool
        Use a scoring file that does not look like the recording's (another length, start or
        day; see :func:`jerkdetect.io.scoring.scoring_mismatch`), which is otherwise refused. The
        reason is kept in ``info["annotations_forced"]`` (the summary and the report show it).
    motor : bool, MotorRules or dict
        Fragmentary myoclonus, REM muscle activity (AASM tonic/phasic, SINBAR, Montreal), the
        REM atonia index, ALMA and HFT (:mod:`jerkdetect.rules.motor_events`): True (default)
        with the published parameters, a :class:`~jerkdetect.rules.motor_events.MotorRules` (or
        a dict of its flat names, ``{"alma.min_hz": 0.6}``) to change them, False to skip them.
        Arm EMG (flexor digitorum superficialis) is read when present. Results: ``res.motor``,
        rows in the events table, indices in the summary and ``X_rem_epochs.tsv``. ALMA and HFT
        are found before the PLM rules, which leave out the leg movements within them
        (``MotorRules.exclude_rhythmic_lms``, counted in ``n_lm_in_rhythmic_episodes``); with
        False every leg movement goes to the PLM rules.

    Returns
    -------
    ScoringResult

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score(jd.sample_path())
    >>> sorted(res.summary())[:3]
    ['arousal_index', 'efm', 'fm_per_h_nrem']
    """
    set_log_level(verbose)
    t0 = time.perf_counter()
    check_argument_types(recording, annotations, detection, hypnic, arousal_params)
    night = Night(recording, annotations, get_rules(rules, **rule_overrides(rules, rule_params, params)), channels,
                  detection or DetectionParams(), hypnic or HypnicJerkRule(), check_leg_movements(leg_movements),
                  check_mode(arousals), arousal_params, staging, bool(force_annotations), _motor_rules(motor))
    announce_compilation()
    res = _run(night, STAGES)
    compilation_done()
    _log_scored(night, res, t0)
    return res


def rescore(result: ScoringResult, rules: str | RuleSet | None = None, rule_params: Mapping | None = None,
            hypnic: HypnicJerkRule | None = None, motor: MotorRules | Mapping | bool | None = None,
            verbose: bool | str | None = None, **params) -> ScoringResult:
    """The night of ``result`` scored again under other rules, without reading or detecting again.

    The recording, the scoring file, the EMG bursts, the unscorable stretches and the arousals
    (scored or detected) are those of ``result``; the leg-movement rules, PLM series, hypnic jerks,
    alignment, indices and motor events run again. The new result is the one :func:`score` gives
    with the same arguments and these rule arguments, event for event (a test checks it), in
    about an eighth of the time of an 8-h night with EEG arousal detection (0.108 s against
    0.834 s, most of it the motor events; 12 ms with ``motor=False``): for notebooks trying
    parameters. ``result``
    is left as it was; the two results share the night's bursts, arousals and hypnogram (treat
    them as read-only).

    Parameters
    ----------
    result : ScoringResult
        From :func:`score` (or an earlier rescore) of this version, in this or another process
        (it pickles).
    rules, rule_params, **params
        As in :func:`score`. Without ``rules`` the parameters change ``result``'s rule set (its
        overrides kept).
    hypnic : HypnicJerkRule, optional
        Default: ``result``'s.
    motor : bool, MotorRules or dict, optional
        As in :func:`score` (a dict changes the published defaults, not ``result``'s motor
        rules). Default: ``result``'s. Switching motor events on for a night scored without them
        is refused: its arm EMG, read for them only, was not read.

    Anything that changes what is read or detected (``detection``, ``channels``, ``arousals``,
    ``arousal_params``, the scoring file...) needs :func:`score`; naming it here is an error.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score(jd.sample_path(), rules="wasm2016")
    >>> aasm = res.rescore(rules="aasm2012")
    >>> aasm.info["rules"]["name"], res.info["rules"]["name"]
    ('aasm2012', 'wasm2016')
    """
    from ..errors import InputError
    set_log_level(verbose)
    t0 = time.perf_counter()
    kept = getattr(result, "_night", None)
    if not isinstance(result, ScoringResult) or kept is None:
        raise InputError("rescore() needs a ScoringResult made by jerkdetect.score() of this version (it keeps "
                         f"the night's detected events; results saved by earlier versions do not): got "
                         f"{type(result).__name__}; score the night again.")
    detecting = sorted(k for k in params if k in SCORE_ARGS)
    if detecting:
        raise InputError(f"rescore() runs the rules again on the night's detected events; {', '.join(detecting)} "
                         "would change what is read or detected: call jerkdetect.score() with it.")
    if hypnic is not None and not isinstance(hypnic, HypnicJerkRule):
        raise InputError(f"rescore(hypnic=...) takes a HypnicJerkRule or None, got {type(hypnic).__name__}.")
    motor_rules = kept.motor_rules if motor is None else _motor_rules(motor, "rescore")
    if motor_rules is not None and kept.motor_rules is None:
        raise InputError("rescore(motor=...): this night was scored with motor=False, so its arm EMG (read for the "
                         "motor events only) was not read: call jerkdetect.score() with motor=... instead.")
    base = kept.rules if rules is None else rules
    night = rules_again(kept, get_rules(base, **rule_overrides(base, rule_params, params, "rescore()")),
                        kept.hypnic if hypnic is None else hypnic, motor_rules)
    res = _run(night, RULE_STAGES)
    _log_scored(night, res, t0)
    return res


def _run(night: Night, stages) -> ScoringResult:
    """Run ``stages`` on ``night``, timing each, and make its result."""
    for key, stage in stages:
        t = time.perf_counter()
        stage(night)
        night.timings[key] = night.timings.get(key, 0.0) + time.perf_counter() - t
    return to_result(night)


def _log_scored(night: Night, res: ScoringResult, t0: float) -> None:
    n_long = int(len(night.lm) - res.n_lm)
    logger.info("scored %s in %.2f s: %d LMs (%d PLMs), %d long movements (not LMs), %s", night.rec.source,
                time.perf_counter() - t0, res.n_lm, int(night.lm.plm.sum()), n_long,
                "hypnic jerks not scored" if res.indices.get("n_hypnic_jerks") is None
                else f"{res.indices['n_hypnic_jerks']} hypnic jerks")


def _motor_rules(motor, caller: str = "score") -> MotorRules | None:
    """The motor rules a ``motor=`` argument asks for (None: skip them)."""
    if isinstance(motor, MotorRules):
        return motor
    if motor is True:
        return MotorRules()
    if motor is False or motor is None:
        return None
    if isinstance(motor, Mapping):
        return MotorRules.from_flat(motor)
    from ..errors import InputError
    raise InputError(f"{caller}(motor=...) must be True, False, a MotorRules or a dict of its parameters, "
                     f"got {motor!r}.")
