"""One night scored from its EMG and from its technician's leg movements, then compared.

The two scorings run one after the other; each is reduced to a
:class:`~jerkdetect.evaluation.agreement.ScoredNight` (events and indices only) before the next
one starts, so at most one full :class:`ScoringResult` is alive at a time. The comparison
itself is :func:`jerkdetect.evaluation.agreement.compare_night`.
"""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from ..errors import InputError, ScoringFileError
from ..io.recording import Recording
from ..evaluation.agreement import (AROUSAL_MODES, Matching, NightAgreement, ScoredNight, as_events, arousal_index,
                                    compare_night, scoring_legs)
from ..rules import MonolateralLMs, RuleSet, get_rules
from .night import monolateral_lms, unscorable_time
from .result import ScoringResult


def rules_of(result: ScoringResult) -> RuleSet:
    """The RuleSet (with its parameters) a ScoringResult was scored under."""
    r = dict(result.info.get("rules", {"name": "wasm2016"}))
    return get_rules(r.pop("name"), **r)


def emg_legs(result: ScoringResult) -> MonolateralLMs:
    """The per-leg LMs an EMG scoring gave its rules: each leg's bursts lasting >= ``min_lm_s``
    (with the sustained-activity check), clear of that leg's unscorable stretches
    (:func:`~jerkdetect.pipeline.night.monolateral_lms`, as :func:`score` ran it).

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score(jd.sample_path())
    >>> legs = emg_legs(res)
    >>> bool(legs.onset.size >= res.n_lm), sorted(set(legs.side.tolist()))
    (True, [0, 1])
    """
    if result.info.get("leg_movement_source") != "emg":
        raise InputError(f"{result.info.get('recording')}: per-leg EMG movements need a scoring of the EMG; this "
                         f"one read its leg movements from {result.info.get('annotation_source')}.")
    # result.unscorable holds the recording's gaps (and the stretches where both legs are
    # unscorable, which each leg's own stretches already cover): the same per-leg union score() used
    unsc_by, _ = unscorable_time(result.bursts, result.unscorable)
    return monolateral_lms(result.bursts, unsc_by, rules_of(result))


def scored_night(result: ScoringResult, legs: MonolateralLMs | None = None, unsided: int = 0) -> ScoredNight:
    """Reduce a ScoringResult to what agreement needs (:class:`ScoredNight`).

    ``legs`` default: :func:`emg_legs` for an EMG scoring; a scoring-file scoring must pass the
    file's own per-leg movements (:func:`~jerkdetect.evaluation.agreement.scoring_legs`).
    """
    source = result.info.get("leg_movement_source", "emg")
    if legs is None and source == "emg":
        legs = emg_legs(result)
    if source == "emg":
        det = result.detected_arousals
        ar = None if det is None else as_events(det.to_array())
    else:
        sc = result.scored_arousals
        ar = None if sc is None else as_events(sc)
    ar = None if ar is None else np.column_stack([ar[:, 0], ar[:, 0] + ar[:, 1]])
    info = {k: result.info.get(k) for k in ("recording", "annotation_source", "channels", "arousal_source")}
    return ScoredNight(source, dict(result.info["rules"]), np.column_stack([result.lm.onset, result.lm.offset]),
                       legs, dict(result.indices), unsided, ar,
                       arousal_index(ar, result.hypnogram) if ar is not None else None, info)


def score_night(recording, annotations, rules="wasm2016", arousals: str = "scoring",
                matching: Matching | None = None, arousal_matching: Matching | None = None,
                night: str | None = None, on_emg: Callable[[ScoringResult], None] | None = None,
                **score_params) -> NightAgreement:
    """Score one night from its EMG and from its technician's leg movements; compare them.

    Parameters
    ----------
    recording : path or Recording
        EDF/EDF+/BDF recording (a path is read by each scoring, only the channels it needs).
    annotations : path
        The technician's scoring file (leg movements, hypnogram, arousals, respiratory events).
    rules : "wasm2016" (default), "aasm2012" or a RuleSet
        The one rule set both scorings use.
    arousals : "scoring" (default), "detect" or "none"
        Arousals of the EMG scoring: the file's (only leg-movement detection differs), detected
        in the EEG (then compared with the file's, events and arousal index), or none. The
        technician scoring always takes the file's (none with "none").
    matching, arousal_matching : Matching
        Pairing of leg movements and of arousals (default: any overlap, one to one).
    night : str, optional
        Name of the night (default: the recording's stem).
    on_emg : callable, optional
        Called with the EMG :class:`ScoringResult` before it is dropped (a batch writes the
        night's files and report there).
    **score_params
        Passed to both :func:`jerkdetect.score` calls (``channels``, ``detection`` and
        ``arousal_params`` to the EMG one only; ``rule_params`` to both).

    Returns
    -------
    NightAgreement
        With the two reduced scorings in ``emg`` and ``tech``.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> n = score_night(jd.sample_path(), jd.sample_path("profusion"), rules="aasm2012")
    >>> n.events["lm"].f1 > 0.9, n.indices["plms_index"][1] > 0
    (True, True)
    """
    from ..io.edf import read_psg
    from ..io.scoring import read_scoring
    from .score import score
    if arousals not in AROUSAL_MODES:
        raise InputError(f"arousals must be one of {', '.join(AROUSAL_MODES)}; got '{arousals}'.")
    in_memory = isinstance(recording, Recording)
    path = recording if in_memory else os.fspath(recording)
    annotations = os.fspath(annotations)
    name = night or os.path.splitext(os.path.basename((recording.source if in_memory else path) or annotations))[0]
    rec = recording if in_memory else read_psg(path, annotations=False)
    scoring = read_scoring(annotations, rec)
    if not len(scoring.leg_movements):
        raise ScoringFileError(f"{annotations}: holds no technician-scored leg movements (Limb Movement (Left/Right), "
                               "PLM or LM events); agreement needs them.")
    del rec
    res = score(path, annotations=annotations, rules=rules, arousals=arousals, **score_params)
    if on_emg is not None:
        on_emg(res)
    emg = scored_night(res)
    legs, unsided = scoring_legs(scoring, rules_of(res).min_lm_s)
    del res
    tech_params = {k: v for k, v in score_params.items() if k not in ("detection", "arousal_params", "channels")}
    res = score(path, annotations=annotations, rules=rules, leg_movements="scoring",
                arousals="none" if arousals == "none" else "scoring", **tech_params)
    tech = scored_night(res, legs, unsided)
    del res
    return compare_night(emg, tech, matching, arousal_matching, name)
