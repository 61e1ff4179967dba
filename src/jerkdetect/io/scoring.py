"""Scoring files: one entry point for hypnograms, arousals, respiratory events, leg movements.

Formats (detected by content, then extension): EDF+/BDF+ annotations (embedded or
annotation-only, Sleep-EDF and HMC style), NSRR XML (``<PSGAnnotation>``), Compumedics Profusion
XML (``<CMPStudyConfig>``), CSV/TSV event tables (BIDS ``events.tsv``), one-stage-per-line
hypnogram text files, and YASA integer arrays (:meth:`Hypnogram.from_yasa`).
"""
from __future__ import annotations

import os

import numpy as np

from ..core.hypnogram import Hypnogram
from ..errors import ScoringFileError
from .scoring_formats import READERS
from .scoring_model import Scoring, drop_plm_markers, scoring_from_events

__all__ = ["Scoring", "align_to_recording", "drop_plm_markers", "read_scoring", "scoring_from_events",
           "scoring_from_yasa"]


def _sniff(path: str) -> str:
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:8].strip() == b"0" or head[:8] == b"\xffBIOSEMI":
        return "edf"
    text = head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
    if text.startswith("<"):
        if "CMPStudyConfig" in text:
            return "profusion"
        if "PSGAnnotation" in text:
            return "nsrr"
        return "xml"
    ext = os.path.splitext(path)[1].lower()
    first_line = text.splitlines()[0] if text else ""
    if ext in (".csv", ".tsv") or "\t" in first_line or first_line.lower().startswith("onset"):
        return "table"
    return "text"


def read_scoring(path: str | os.PathLike, recording=None, epoch_length: float | None = None) -> Scoring:
    """Read any supported scoring file; times are put on the recording's clock when both say when they start.

    Parameters
    ----------
    path : path-like
        The scoring file (format detected from its content, then its extension).
    recording : Recording, optional
        When given, a scoring file that carries its own start time (EDF+ annotation file, NSRR
        ``Recording Start Time``) is aligned to the recording start by timestamp, and the
        hypnogram is checked against the recording's length (:meth:`Hypnogram.fit_to`).
    epoch_length : float, optional
        For formats that do not say it (plain hypnogram text, tables of stages).

    Examples
    --------
    >>> import jerkdetect as jd
    >>> sc = jd.read_scoring(jd.sample_path("scoring"))
    >>> sc.hypnogram.epoch_length
    30.0
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ScoringFileError(f"{path}: scoring file not found.")
    kind = _sniff(path)
    try:
        sc = READERS[kind](path, epoch_length)
    except ScoringFileError:
        raise
    except Exception as e:  # noqa: BLE001 - any parse failure becomes one clear sentence
        raise ScoringFileError(f"{path}: cannot be read as a {kind} scoring file ({type(e).__name__}: {e}).") from None
    if (sc.hypnogram is None or sc.hypnogram.n_epochs == 0) and not (
            len(sc.arousals) or len(sc.respiratory) or len(sc.leg_movements)):
        raise ScoringFileError(f"{path}: holds no sleep stage, arousal, respiratory event or leg movement that "
                               f"jerkdetect recognises ({len(sc.events)} events read as {kind}).")
    if recording is not None:
        sc = align_to_recording(sc, recording)
    return sc


def align_to_recording(sc: Scoring, recording) -> Scoring:
    """Shift a scoring onto the recording clock by start timestamps, bound it to the recording.

    Arousals, respiratory events and leg movements that start outside the recording are dropped
    with one counted warning; the hypnogram is fitted (:meth:`Hypnogram.fit_to`). A hypnogram
    with no epoch inside the recording is an error that gives both start dates.
    """
    if sc.start is not None and recording.start is not None:
        a = sc.start.replace(tzinfo=None)
        b = recording.start.replace(tzinfo=None)
        delta = (a - b).total_seconds()
        if sc.format == "nsrr" and abs(delta) >= 86400:  # NSRR gives clock time only
            delta = ((delta + 43200) % 86400) - 43200
        sc = sc.shift(round(delta, 6))
    dur = recording.duration
    dropped = 0
    for name in ("arousals", "respiratory", "leg_movements"):
        ev = getattr(sc, name)
        keep = (ev[:, 0] >= -1e-6) & (ev[:, 0] < dur) if ev.size else np.zeros(0, bool)
        dropped += int((~keep).sum())
        if (~keep).any():
            setattr(sc, name, ev[keep])
            if name == "respiratory":
                sc.respiratory_kinds = [k for k, ok in zip(sc.respiratory_kinds, keep) if ok]
            if name == "leg_movements":
                sc.leg_sides = [k for k, ok in zip(sc.leg_sides, keep) if ok]
    if dropped:
        import warnings
        warnings.warn(f"{sc.source}: {dropped} scored events (arousals, respiratory events, leg movements) "
                      f"start outside the {dur:.0f}-s recording {recording.source} and were dropped.",
                      UserWarning, stacklevel=3)
    h = sc.hypnogram
    if h is not None and h.n_epochs and (h.end <= 0 or h.start >= dur):
        when = (f"the scoring starts {sc.start} and the recording {recording.start}"
                if sc.start is not None and recording.start is not None else
                f"the hypnogram covers {h.start:g}..{h.end:g} s and the recording 0..{dur:g} s")
        raise ScoringFileError(f"{sc.source}: the hypnogram does not overlap the recording {recording.source} "
                               f"({when}); it belongs to another night.")
    if h is not None and h.n_epochs == 0:
        sc.hypnogram = None
    if sc.hypnogram is not None:
        sc.hypnogram = sc.hypnogram.fit_to(dur, recording.source)
    return sc


def scoring_from_yasa(hyp, recording=None) -> Scoring:
    """A :class:`Scoring` from a ``yasa.Hypnogram``: its start time (when set) aligns it to the recording."""
    h = Hypnogram.from_yasa(hyp)
    start = getattr(hyp, "start", None)
    start = None if start is None else __import__("pandas").Timestamp(start).to_pydatetime()
    sc = Scoring("yasa.Hypnogram", "yasa", h, start=start)
    return align_to_recording(sc, recording) if recording is not None else sc
