"""Scoring files: one entry point for hypnograms, arousals, respiratory events, leg movements.

Formats (detected by content, then extension): EDF+/BDF+ annotations (embedded or
annotation-only, Sleep-EDF and HMC style), NSRR XML (``<PSGAnnotation>``), Compumedics Profusion
XML (``<CMPStudyConfig>``), CSV/TSV event tables (BIDS ``events.tsv``), one-stage-per-line
hypnogram text files, and YASA integer arrays (:meth:`Hypnogram.from_yasa`).
"""
from __future__ import annotations

import datetime as _dt
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


def read_scoring(path: str | os.PathLike, recording=None, epoch_length: float | None = None,
                 force: bool = False) -> Scoring:
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
    force : bool
        Use a scoring that does not look like the recording's (see :func:`align_to_recording`).

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
    if epoch_length is not None:
        from .scoring_formats import epoch_length_of
        epoch_length = epoch_length_of(epoch_length, path, "epoch_length (the argument)")
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
        sc = align_to_recording(sc, recording, force)
    return sc


def align_to_recording(sc: Scoring, recording, force: bool = False) -> Scoring:
    """Shift a scoring onto the recording clock by start timestamps, check it belongs, bound it.

    A start given as a clock time only (NSRR XML) takes the recording's date, or the next or
    previous day's when that puts it nearer the recording start (a scoring that starts after
    midnight). A scoring that is clearly another recording's is refused in one sentence naming
    both files (:func:`scoring_mismatch` gives the rules); with ``force`` it is used anyway, with
    a warning, and ``sc.forced`` keeps the reason. Arousals, respiratory events and leg movements
    that start outside the recording are dropped with one counted warning; the hypnogram is
    fitted (:meth:`Hypnogram.fit_to`). A hypnogram with no epoch inside the recording is an
    error that gives both start dates, forced or not: nothing of it could be used.
    """
    delta = None
    if sc.start is not None and recording.start is not None:
        b = recording.start.replace(tzinfo=None)
        a = sc.start.replace(tzinfo=None)
        if sc.start_is_clock_time:
            a = nearest_day(a.time(), b)
        delta = (a - b).total_seconds()
        sc = sc.shift(round(delta, 6) - sc.shifted_s)  # a scoring aligned before is not moved again
        sc.start = a
    else:
        sc = sc.shift(0.0)  # a copy: the caller's scoring is never changed
    dur = recording.duration
    h = sc.hypnogram
    if h is not None and h.n_epochs and (h.end <= 0 or h.start >= dur):
        if recording.start is not None:  # both on the recording's clock (the scoring's start applied)
            r0 = recording.start.replace(tzinfo=None)
            h0, h1, r1 = (r0 + _dt.timedelta(seconds=float(s)) for s in (h.start, h.end, dur))
            when = f"the hypnogram runs from {h0} to {h1}, the recording from {r0} to {r1}"
        else:
            when = f"the hypnogram covers {h.start:g}..{h.end:g} s and the recording 0..{dur:g} s"
        raise ScoringFileError(f"{sc.source} does not belong to the recording {recording.source}: its hypnogram "
                               f"does not overlap the recording ({when}), so it belongs to another night.")
    why = scoring_mismatch(sc, dur, recording.start, delta)
    if why:
        sentence = f"{sc.source} does not belong to the recording {recording.source}: {why}"
        if not force:
            raise ScoringFileError(f"{sentence}; check the pairing, or pass --force-annotations "
                                   "(force_annotations=True) to use it anyway.")
        import warnings
        warnings.warn(f"{sentence}; used anyway (forced).", UserWarning, stacklevel=3)
        sc.forced = sentence
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
    if h is not None and h.n_epochs == 0:
        sc.hypnogram = None
    if sc.hypnogram is not None:
        sc.hypnogram = sc.hypnogram.fit_to(dur, recording.source)
    return sc


# A scoring of this recording cannot lie outside it: overhangs come from a partly recorded last
# epoch, rounding or a recording cut short, and are dropped with a warning. Beyond a third of the
# scoring (and one epoch) it was scored on another recording: a hypnogram twice as long as the
# recording has half of it outside.
MAX_OUTSIDE_FRACTION = 1 / 3
ANOTHER_DAY_S = 12 * 3600.0


def nearest_day(clock: _dt.time, ref: _dt.datetime) -> _dt.datetime:
    """The date-time with clock time ``clock`` nearest to ``ref`` (the day before, of, or after it).

    Examples
    --------
    >>> nearest_day(_dt.time(0, 10), _dt.datetime(2024, 3, 1, 23, 50))
    datetime.datetime(2024, 3, 2, 0, 10)
    >>> nearest_day(_dt.time(23, 0), _dt.datetime(2024, 3, 2, 0, 30))
    datetime.datetime(2024, 3, 1, 23, 0)
    """
    same = _dt.datetime.combine(ref.date(), clock)
    days = (same + _dt.timedelta(days=k) for k in (-1, 0, 1))
    return min(days, key=lambda d: abs((d - ref).total_seconds()))


def _length(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def scoring_mismatch(sc: Scoring, rec_duration: float, rec_start, delta: float | None) -> str | None:
    """Why a scoring (already shifted onto the recording clock by ``delta`` s) is not the recording's, or None.

    In order, a scoring is another recording's when:

    1. both give a start date and time, and the scoring starts 12 h or more from the recording;
    2. both give a start, the starts differ by more than one epoch, and yet the hypnogram is as
       long as the recording (within one epoch): the scoring of this recording that started
       later would end earlier;
    3. the file declares the length of the recording it was scored on (NSRR) and it differs from
       this recording's by more than ``MAX_OUTSIDE_FRACTION`` of the longer one;
    4. more than one epoch and more than ``MAX_OUTSIDE_FRACTION`` of the hypnogram lie outside
       the recording (a hypnogram twice as long as the recording has half of it outside), unless
       both give the same start date and time (within one epoch): that is a recording cut
       short, and the overhang is dropped with a warning.

    A scoring that starts later or ends earlier than the recording (lights off and on) is not a
    mismatch.
    """
    h = sc.hypnogram
    ep = h.epoch_length if h is not None else 30.0
    full_dates = delta is not None and not sc.start_is_clock_time
    if delta is not None:
        side = "after" if delta > 0 else "before"
        gap = _length(abs(delta))
    if full_dates and abs(delta) >= ANOTHER_DAY_S:
        return f"it starts {sc.start}, {gap} {side} the recording ({rec_start}), on another day"
    span = h.end - h.start if h is not None and h.n_epochs else 0.0
    if delta is not None and span and abs(delta) > ep and abs(span - rec_duration) <= ep:
        return (f"it starts at {sc.start}, {gap} {side} the recording ({rec_start}), though both last "
                f"{_length(rec_duration)}")
    if sc.duration and abs(sc.duration - rec_duration) > MAX_OUTSIDE_FRACTION * max(sc.duration, rec_duration):
        return (f"the file says its recording lasted {_length(sc.duration)} and this one lasts "
                f"{_length(rec_duration)}")
    confirmed = full_dates and abs(delta) <= ep
    if span and not confirmed:
        outside = max(0.0, -h.start) + max(0.0, h.end - rec_duration)
        if outside > ep and outside > MAX_OUTSIDE_FRACTION * span:
            return (f"its hypnogram has {h.n_epochs} epochs ({_length(span)}) and the recording lasts "
                    f"{_length(rec_duration)}, so {100 * outside / span:.0f} % of the hypnogram lies outside it")
    return None


def scoring_from_yasa(hyp, recording=None, force: bool = False) -> Scoring:
    """A :class:`Scoring` from a ``yasa.Hypnogram``: its start time (when set) aligns it to the recording."""
    h = Hypnogram.from_yasa(hyp)
    start = getattr(hyp, "start", None)
    start = None if start is None else __import__("pandas").Timestamp(start).to_pydatetime()
    sc = Scoring("yasa.Hypnogram", "yasa", h, start=start)
    return align_to_recording(sc, recording, force) if recording is not None else sc
