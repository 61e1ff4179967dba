"""Where a night's arousals come from: the scoring file, the EEG detector, or nowhere.

``score(..., arousals=MODE)``:

* ``"auto"`` (default): the scoring file's arousals when it has arousal scoring, otherwise
  arousals detected in the EEG (when there are an EEG channel and a hypnogram), otherwise none;
* ``"scoring"``: only the scoring file's arousals (never detect);
* ``"detect"``: always detect, even when the scoring file has arousals (those are kept for
  :meth:`ScoringResult.compare_arousals`);
* ``"none"``: no arousals (arousal links and the PLMS-arousal index stay null).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..detection.arousals import ArousalFeatures, ArousalParams, Arousals, detect_arousals
from ..detection.eeg_features import pick_eeg_channels
from ..errors import ChannelError, ScoringFileError

AROUSAL_MODES = ("auto", "scoring", "detect", "none")


@dataclass
class ArousalChoice:
    """The arousals used for a night and where they came from."""

    arousals: np.ndarray | None          # (n, 2) onset, duration; None = no arousal information
    source: str                          # "scoring", "detected" or "none"
    mode: str
    scored: np.ndarray | None = None     # the scoring file's arousals, when it has arousal scoring
    detected: Arousals | None = None
    reason: str | None = None            # why there are none
    info: dict = field(default_factory=dict)


def check_mode(mode: str) -> str:
    if mode not in AROUSAL_MODES:
        raise ValueError(f"arousals must be one of {', '.join(AROUSAL_MODES)}; got '{mode}'.")
    return mode


def detection_channels(mode: str, scored: np.ndarray | None, rec, hypnogram,
                       params: ArousalParams | None = None) -> list[str] | None:
    """The EEG labels :func:`choose_arousals` will detect arousals on, or None when it will not
    detect (arousals from the scoring file or none; a night it refuses)."""
    if mode not in ("auto", "detect") or (mode == "auto" and scored is not None) or hypnogram is None:
        return None
    return pick_eeg_channels(rec, (params or ArousalParams()).max_channels) or None


def choose_arousals(mode: str, scored: np.ndarray | None, rec, hypnogram, chin_envelope=None,
                    params: ArousalParams | None = None, features=None) -> ArousalChoice:
    """Pick the night's arousals by ``mode`` (see the module docstring); detect when needed.

    ``chin_envelope`` is a callable returning (envelope, rate) or None, so the chin is only
    read when a detection needs it, after the EEG checks. ``features``, when given, is a callable returning the
    night's :class:`~jerkdetect.detection.arousals.ArousalFeatures` (e.g. a future's
    ``result``, computed on another thread), called only when a detection runs.
    """
    check_mode(mode)
    if mode == "none":
        return ArousalChoice(None, "none", mode, scored, reason="arousals='none' was asked for")
    if mode in ("auto", "scoring") and scored is not None:
        return ArousalChoice(scored, "scoring", mode, scored)
    if mode == "scoring":
        return ArousalChoice(None, "none", mode, None, reason="no arousal scoring in the annotations")
    eeg = pick_eeg_channels(rec, (params or ArousalParams()).max_channels)
    missing = None
    if hypnogram is None:
        missing = "no hypnogram (arousals are scored in sleep stages only)"
    elif not eeg:
        missing = "no EEG channel"
    if missing is not None:
        if mode == "detect":
            err = ScoringFileError if hypnogram is None else ChannelError
            raise err(f"{rec.source}: arousals='detect' needs a hypnogram and an EEG channel, and there is "
                      f"{missing}.")
        return ArousalChoice(None, "none", mode, None,
                             reason=f"no arousal scoring in the annotations, and {missing} to detect them")
    feats: ArousalFeatures | None = features() if features is not None else None
    det = detect_arousals(rec, hypnogram, params, eeg, chin_envelope, features=feats)  # the chin last
    info = {"channels": det.labels, "n": len(det), "n_chin_supported": det.support.count("eeg+chin"),
            "notes": list(det.notes),
            "params": det.params.to_dict(), "chin": bool(det.chin_used),
            "scored_arousals_in_file": None if scored is None else int(len(scored))}
    return ArousalChoice(det.to_array(), "detected", mode, scored, det, info=info)


def chin_envelope(rec, bursts: dict, detection) -> tuple[np.ndarray, float] | None:
    """The chin EMG envelope of the night: from the EMG detection when it ran, else computed."""
    b = bursts.get("chin")
    if b is None:
        from ..detection.arousal_chin import recording_chin
        return recording_chin(rec, detection)
    return None if b.envelope is None else (b.envelope, b.envelope_fs)
