"""The scoring of one night in memory (:class:`Scoring`) and how scored events are sorted into it.

Event descriptions from any format are classified here (stage, arousal, respiratory event, leg
movement with its side); the format readers are in :mod:`.scoring_formats`, the entry point
:func:`jerkdetect.io.scoring.read_scoring`.
"""
from __future__ import annotations

import collections
import copy
import datetime as _dt
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..core.hypnogram import Hypnogram, check_epoch_length, parse_stage
from ..core.intervals import overlaps_window
from ..core.stage_vocabulary import UNSCORED, looks_like_stage, unknown_stages_message, unscored_note
from ..errors import InputError, ScoringFileError
from .scored_events import check_events, clean_scored


_RESP = re.compile(r"apn(o)?ea|hypopn(o)?ea|\brera\b|respiratory effort|effort.related", re.I)

_NOT_RESP = re.compile(r"desat|artifact|artefact|snore|periodic breathing", re.I)

_AROUSAL = re.compile(r"arousal|\barou\b", re.I)

_LM = re.compile(r"limb movement|leg movement|\bplm\b|\blm\b|\blms\b|\bplms\b|leg ?mov", re.I)

_PLM = re.compile(r"\bplms?\b|periodic (leg|limb) movement", re.I)

_LEFT = re.compile(r"\bleft\b|\(l\)|\bl\b|_l\b|lleg", re.I)

_RIGHT = re.compile(r"\bright\b|\(r\)|\br\b|_r\b|rleg", re.I)


@dataclass
class Scoring:
    """Everything a scoring file says, in seconds from the recording start.

    Attributes
    ----------
    hypnogram : Hypnogram or None
    arousals : (n, 2) array of onset, duration
    respiratory : (n, 2) array of onset, duration; ``respiratory_kinds`` names each
    leg_movements : (n, 2) array of onset, duration; ``leg_sides`` is 'left'/'right'/'bilateral'
    has_arousals, has_respiratory : bool
        Whether the file carries that scoring at all (a night with no arousal scored is not the
        same as a night whose arousals were never scored). Respiratory scoring is present when
        the file holds an apnea, hypopnea or RERA, or says respiratory events were scored: a
        Profusion ``ScoredEventSetting`` for one of them, an NSRR event of the ``Respiratory``
        category (SpO2 desaturations included), or an NSRR file that scores sleep stages and
        arousals (NSRR's XMLs export whole PSG scorings, respiration included). A file that says
        nothing of respiration (a hypnogram alone, an event table without respiratory events) has
        none: indices that need it are null, never computed as if the night had no events.
    duration : float or None
        Recording length the file declares (NSRR ``Recording Start Time`` duration), if any.
    start_is_clock_time : bool
        ``start`` came from a clock time without a date (NSRR XML); once aligned to a recording
        it carries the recording's date.
    forced : str or None
        Why the file did not look like the recording's, when it was used anyway
        (``score(..., force_annotations=True)``).
    """

    source: str = ""
    format: str = ""
    hypnogram: Hypnogram | None = None
    arousals: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    respiratory: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    respiratory_kinds: list[str] = field(default_factory=list)
    leg_movements: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    leg_sides: list[str] = field(default_factory=list)
    lights_off: float | None = None
    lights_on: float | None = None
    events: list[tuple[float, float, str]] = field(default_factory=list)
    start: _dt.datetime | None = None
    has_arousals: bool = False
    has_respiratory: bool = False
    duration: float | None = None
    start_is_clock_time: bool = False
    forced: str | None = None
    shifted_s: float = 0.0  # seconds added to every time since it was read (its clock -> the recording's)

    def shift(self, seconds: float) -> "Scoring":
        """A copy with every time moved by ``seconds`` (scoring clock -> recording clock); this
        scoring is left as it is."""
        s = copy.copy(self)
        s.shifted_s = self.shifted_s + seconds
        s.arousals = s.arousals + [seconds, 0]
        s.respiratory = s.respiratory + [seconds, 0]
        s.leg_movements = s.leg_movements + [seconds, 0]
        s.events = [(o + seconds, d, t) for o, d, t in s.events]
        s.lights_off = None if s.lights_off is None else s.lights_off + seconds
        s.lights_on = None if s.lights_on is None else s.lights_on + seconds
        if s.hypnogram is not None:
            h = s.hypnogram = copy.copy(s.hypnogram)
            h.offset += seconds
            h.lights_off, h.lights_on = s.lights_off, s.lights_on
            h.notes = list(h.notes)
        return s

    def __repr__(self) -> str:
        return f"<Scoring | {self.summary()}>"

    def _repr_html_(self) -> str:
        from ..core.reprs import scoring_html
        return scoring_html(self)

    def summary(self) -> str:
        h = self.hypnogram
        return (f"{self.source} ({self.format}): "
                + (f"{h.n_epochs} epochs of {h.epoch_length:g} s from {h.offset:g} s" if h else "no hypnogram")
                + f", {len(self.arousals)} arousals, {len(self.respiratory)} respiratory events, "
                  f"{len(self.leg_movements)} leg movements")


def is_respiratory(description: str) -> bool:
    """An apnea, hypopnea or RERA (not a desaturation, snore or artefact).

    Examples
    --------
    >>> is_respiratory("Obstructive Apnea"), is_respiratory("RERA"), is_respiratory("SpO2 desaturation")
    (True, True, False)
    """
    return bool(_RESP.search(description)) and not _NOT_RESP.search(description)


def scoring_from_events(events, source: str, fmt: str, epoch_length: float | None = None,
                        hypnogram: Hypnogram | None = None, start=None,
                        arousal_scored: bool | None = None, resp_scored: bool | None = None,
                        warn_unscored: bool = True) -> Scoring:
    """Classify (onset, duration, description) events into a :class:`Scoring`.

    Every onset and duration is checked first (:func:`~jerkdetect.io.scored_events.check_events`:
    a non-finite, negative or absurd one is an error naming the event). A description given as
    a sleep stage that the vocabulary does not know (:mod:`jerkdetect.core.stage_vocabulary`) is
    an error naming every such label and its count; stages scored as unscored or movement time
    are stated in one warning (``warn_unscored``). Scored arousals, respiratory events and leg
    movements that are exact duplicates are merged, and overlapping leg movements of one leg
    merged (:func:`~jerkdetect.io.scored_events.merge_leg_overlaps`), each with a counted warning.
    """
    events = check_events(events, source)
    stages, ar, resp, kinds, lm, sides, plm_label = [], [], [], [], [], [], []
    unknown, unscored = collections.Counter(), collections.Counter()
    lights_off = lights_on = None
    seen: dict[str, tuple] = {}  # a night has few distinct descriptions: each is classified once
    for onset, dur, desc in events:
        d = str(desc)
        c = seen.get(d)
        if c is None:
            c = seen[d] = classify_description(d)
        what = c[0]
        if what == "unknown stage":
            unknown[d.strip()] += 1
        elif what == "stage" and (dur > 0 or epoch_length):
            stages.append((onset, dur if dur > 0 else epoch_length, c[1]))
            if c[1] == UNSCORED:
                unscored[d.strip()] += 1
        elif c[2] == "lights off":
            lights_off = onset
        elif c[2] == "lights on":
            lights_on = onset
        elif c[2] == "respiratory":
            resp.append((onset, dur))
            kinds.append(d.split("|")[0])
        elif c[2] == "arousal":
            ar.append((onset, dur))
        elif c[2] == "lm":
            lm.append((onset, dur))
            sides.append(c[3])
            plm_label.append(c[4])
    if unknown:
        raise ScoringFileError(unknown_stages_message(source, unknown, len(stages) + sum(unknown.values())))
    if warn_unscored and unscored:
        warnings.warn(f"{source}: {unscored_note(unscored)}.", UserWarning, stacklevel=3)
    lm, sides = drop_plm_markers(lm, sides, plm_label)
    if hypnogram is None and stages:
        lens = [s[1] for s in stages]
        inferred = epoch_length is None
        ep = epoch_length or (30.0 if min(lens) >= 30 or 30 in lens else 20.0 if 20 in lens else min(lens))
        try:
            ep = check_epoch_length(ep, source, "the epoch length (the shortest stage annotation's duration)"
                                    if inferred else "the epoch length")
            hypnogram = Hypnogram.from_intervals(stages, ep, source=source)
        except InputError as e:
            raise ScoringFileError(str(e)) from None
    if hypnogram is not None:
        hypnogram.lights_off, hypnogram.lights_on = lights_off, lights_on
        hypnogram.source = source
    arr = lambda x: np.asarray(x, dtype=np.float64).reshape(-1, 2)  # noqa: E731
    ar_, _ = clean_scored(arr(ar), [], source, "scored arousals")
    resp_, kinds = clean_scored(arr(resp), kinds, source, "scored respiratory events")
    lm_, sides = clean_scored(arr(lm), sides, source, "scored leg movements", legs=True)
    return Scoring(source, fmt, hypnogram, ar_, resp_, kinds, lm_, sides, lights_off,
                   lights_on, list(events), start,
                   bool(ar) if arousal_scored is None else arousal_scored or bool(ar),
                   bool(resp) if resp_scored is None else resp_scored or bool(resp))


def classify_description(d: str) -> tuple:
    """What an event description is: ``(kind, stage code, other kind, side, PLM label)``.

    ``kind`` is "stage", "unknown stage" (given as a stage, not in the vocabulary) or "";
    ``other kind`` (used when the event is not a stage, or a stage without a duration) is
    "lights off", "lights on", "respiratory", "arousal", "lm" or "".
    """
    low = d.lower()
    code = parse_stage(d) if ("stage" in low or len(low) <= 12) and not _LM.search(low) else None
    if code is None and looks_like_stage(d) and not (_LM.search(d) or _AROUSAL.search(d) or is_respiratory(d)):
        return ("unknown stage", None, "", "", False)
    kind = "stage" if code is not None else ""
    if "lights off" in low or "lights out" in low:
        other = "lights off"
    elif "lights on" in low:
        other = "lights on"
    elif is_respiratory(d):
        other = "respiratory"
    elif _AROUSAL.search(d):
        other = "arousal"
    elif _LM.search(d):
        side = "left" if _LEFT.search(d) else "right" if _RIGHT.search(d) else "bilateral"
        return (kind, code, "lm", side, bool(_PLM.search(d)))
    else:
        other = ""
    return (kind, code, other, "", False)


def drop_plm_markers(lm: list, sides: list, plm_label: list) -> tuple[list, list]:
    """Leg movements of a scoring file, each counted once.

    Profusion and NSRR files mark a leg movement in a PLM series either as ``PLM (Left)`` /
    ``Periodic leg movement - left`` instead of ``Limb Movement (Left)``, or as a PLM event on
    top of the same movement's LM event. A PLM-labelled event that overlaps an LM-labelled event
    of the same leg (either leg when a side is unknown) is such a second mark and is dropped;
    any other PLM-labelled event is a leg movement. The PLM labels themselves are not trusted:
    series are rescored under the chosen rules.

    Examples
    --------
    >>> drop_plm_markers([(10, 2), (10.1, 1.5), (40, 1)], ["left", "left", "left"], [False, True, True])
    ([(10, 2), (40, 1)], ['left', 'left'])
    """
    if not any(plm_label):
        return lm, sides
    iv = np.asarray(lm, dtype=np.float64).reshape(-1, 2)
    on, off = iv[:, 0], iv[:, 0] + iv[:, 1]
    plm, side = np.asarray(plm_label, bool), np.asarray(sides)
    keep = np.ones(len(lm), bool)
    for s in ("left", "right", "bilateral"):
        mark = plm & (side == s)
        same = ~plm & ((side == s) | (side == "bilateral") | (s == "bilateral"))
        win = np.column_stack([on[same], off[same]])
        keep[mark] = ~overlaps_window(on[mark], np.maximum(off[mark], on[mark] + 1e-6), win)
    return [x for x, k in zip(lm, keep) if k], [x for x, k in zip(sides, keep) if k]
