"""Annotation-only scoring: PLM indices from the leg movements a scoring file already holds.

Large cohorts (NSRR's SHHS, MrOS, MESA, CFS...) publish their expert scoring (stages, arousals,
respiratory events, limb movements) as XML files that researchers hold without the EDFs.
:func:`score_annotations` scores those limb movements into PLM series and indices under either
rule set through the same ``leg_movements="scoring"`` path of :func:`jerkdetect.score` that a
recording with a scoring file takes, so both give the same numbers.
"""
from __future__ import annotations

import os

import numpy as np

from ..io.recording import Recording
from ..io.scoring_model import Scoring
from ..io.scoring import _sniff, read_scoring


def scoring_length(sc: Scoring) -> tuple[float, str]:
    """Length (s) of the recording a scoring file describes, and where it comes from.

    The length the file declares (NSRR ``Recording Start Time`` duration) wins; otherwise the
    end of the last epoch of the hypnogram or of the last event, whichever is later.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> scoring_length(jd.read_scoring(jd.sample_path("profusion")))
    (3600.0, 'end of the last epoch')
    """
    if sc.duration:
        return float(sc.duration), "declared by the file (Recording Start Time)"
    hyp_end = sc.hypnogram.end if sc.hypnogram is not None else 0.0
    ev_end = max((o + d for o, d, _ in sc.events), default=0.0)
    if hyp_end <= 0 and ev_end <= 0:
        raise ValueError(f"{sc.source}: the scoring file has no epochs or events, so its length is unknown.")
    return (float(hyp_end), "end of the last epoch") if hyp_end >= ev_end else (float(ev_end), "end of the last event")


def has_signals(path: str | os.PathLike) -> bool:
    """True for an EDF/BDF with at least one recorded signal (not an annotation-only EDF+ or an XML)."""
    from ..errors import JerkdetectError
    from ..io.edf import parse_header
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise JerkdetectError(f"{path}: no such file.")
    if _sniff(path) != "edf":
        return False
    h = parse_header(path)
    return len(h.labels) > len(h.annotation_indices) and h.record_duration > 0


def score_annotations(path: str | os.PathLike, rules="wasm2016", hypnic=None,
                      verbose: bool | str | None = None, **rule_params):
    """Score the limb movements of a scoring file without its recording.

    PLMS, PLMW, PLMS-arousal and periodicity indices from the scored limb movements, the
    hypnogram, the arousals and the respiratory events of an NSRR or Compumedics Profusion XML,
    an EDF+ annotation file or an event table, under AASM 2012 or WASM 2016. The file's own PLM
    marks are not trusted: series are rescored under ``rules`` (see
    :func:`jerkdetect.io.scoring.drop_plm_markers`).

    Parameters
    ----------
    path : path-like
        The scoring file.
    rules : "wasm2016" (default), "aasm2012" or a RuleSet
        ``rule_params`` override its parameters, as for :func:`jerkdetect.score`.
    hypnic, verbose
        As for :func:`jerkdetect.score` (no hypnic jerks can be found without EMG).

    Returns
    -------
    ScoringResult
        ``info["duration_source"]`` says where the recording length came from.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score_annotations(jd.sample_path("profusion"), rules="aasm2012")
    >>> res.info["leg_movement_source"], res.summary()["n_plm"] > 0
    ('scoring', True)
    """
    from .score import score
    path = os.fspath(path)
    sc = read_scoring(path)
    length, how = scoring_length(sc)
    start = None if sc.start_is_clock_time else sc.start  # NSRR: clock time only
    rec = Recording(channels={}, start=start, source=path, file_type="annotations",
                    record_duration=length, record_onsets=np.zeros(1))  # one record spanning the night
    res = score(rec, annotations=sc, rules=rules, hypnic=hypnic, leg_movements="scoring",
                verbose=verbose, **rule_params)
    extra = {"duration_source": how}
    if sc.start is not None and start is None:
        extra["recording_start"] = sc.start.strftime("%H:%M:%S")
    res.info.update(extra)
    res._night.info_extra.update(extra)  # and in every rescore of it
    return res
