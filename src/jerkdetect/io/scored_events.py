"""Times read from scoring files, checked where they enter; scored events de-duplicated.

Every onset, duration and epoch length of a scoring file (NSRR and Profusion XML, CSV/TSV, text
stage lists, EDF+ annotations) passes :func:`event_time` or :func:`check_events`: a value that is
not a finite number inside its range is refused in one sentence naming the file, the event or
row, the field, the value and the allowed range (a silently dropped or zeroed event would change
an index without a word). Scored leg movements, arousals and respiratory events then pass
:func:`merge_duplicates` (exact duplicates, counted) and leg movements :func:`merge_leg_overlaps`
(overlapping movements of one leg, counted). Everything here is O(n log n) in the event count.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..core.limits import MAX_RECORDING_S, seconds_in_range
from ..errors import ScoringFileError

ONSET_RANGE = (-MAX_RECORDING_S, MAX_RECORDING_S)   # seconds from the scoring's start
DURATION_RANGE = (0.0, MAX_RECORDING_S)


def event_time(text, where: str, field: str, lo: float, hi: float) -> float:
    """A time field (seconds) read as a finite number in [lo, hi], or a :class:`ScoringFileError`.

    ``where`` names the file and the event or row (``"night.xml: ScoredEvent 12 ('Arousal')"``).

    Examples
    --------
    >>> event_time(" 12.5 ", "x.xml: ScoredEvent 1", "<Start>", 0, 100)
    12.5
    >>> event_time("", "x.xml: ScoredEvent 1", "<Start>", 0, 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jerkdetect.errors.ScoringFileError: x.xml: ScoredEvent 1: <Start> is empty; it must be a number ... 0..100.
    """
    return seconds_in_range(text, where, field, lo, hi, error=ScoringFileError)


def check_events(events, source: str) -> list[tuple[float, float, str]]:
    """(onset, duration, text) events with finite onsets in ±14 days and durations in [0, 14 days].

    The first event outside is refused, naming its position and text (EDF+ annotations, events
    handed over in memory); the file readers check their own fields with their row names first.
    One vectorised pass; the per-event loop runs only to name a bad event.
    """
    events = list(events)
    if not events:
        return []
    try:
        a = np.array([(o, d) for o, d, _ in events], dtype=np.float64).reshape(-1, 2)
        ok = bool((np.isfinite(a).all(axis=1) & (np.abs(a[:, 0]) <= ONSET_RANGE[1]) & (a[:, 1] >= 0)
                   & (a[:, 1] <= DURATION_RANGE[1])).all())
    except (TypeError, ValueError):
        ok = False
    if ok:
        return list(zip(a[:, 0].tolist(), a[:, 1].tolist(), (t for _, _, t in events)))
    out = []
    for i, (o, d, t) in enumerate(events):
        where = f"{source}: event {i + 1} ({str(t)[:40]!r})"
        out.append((event_time(o, where, "onset", *ONSET_RANGE),
                    event_time(d, where, "duration", *DURATION_RANGE), t))
    return out


def column_times(texts: list, where_row, field: str, lo: float, hi: float, empty: float | None = None) -> np.ndarray:
    """One column of a table as seconds in [lo, hi]; ``where_row(i)`` names row i in an error.

    Cells that are empty or ``n/a`` take ``empty`` when it is given (BIDS: no duration), else are
    refused like any other bad cell (:func:`event_time`)."""
    vals = np.empty(len(texts))
    for i, t in enumerate(texts):
        s = (t or "").strip()
        if empty is not None and s in ("", "n/a"):
            vals[i] = empty
            continue
        try:
            vals[i] = float(s)
        except ValueError:
            event_time(t, where_row(i), field, lo, hi)  # raises, naming the row
            raise
    bad = ~(np.isfinite(vals) & (vals >= lo) & (vals <= hi))
    if bad.any():
        i = int(np.argmax(bad))
        event_time(texts[i], where_row(i), field, lo, hi)
    return vals


def merge_duplicates(ev: np.ndarray, labels: list, source: str, what: str) -> tuple[np.ndarray, list]:
    """Scored events (onset, duration) with exact duplicates (same onset, duration and label) kept once.

    A file that lists an event twice (an export run twice, two scorers' tables concatenated)
    would double its count and put a 0-s interval between the copies; the copies are merged and
    one warning gives their count. The first copy of each stays, in file order. O(n log n).

    Examples
    --------
    >>> import warnings; warnings.simplefilter("ignore")
    >>> ev, lab = merge_duplicates(np.array([[5.0, 1.0], [1.0, 2.0], [5.0, 1.0]]), ["left"] * 3, "x.tsv", "LMs")
    >>> ev.tolist(), lab
    ([[5.0, 1.0], [1.0, 2.0]], ['left', 'left'])
    """
    n = len(ev)
    if n == 0:
        return ev, list(labels)
    names, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True) if labels \
        else (np.zeros(0), np.zeros(n, np.int64))
    o = np.lexsort((codes, ev[:, 1], ev[:, 0]))
    s_on, s_du, s_co = ev[o, 0], ev[o, 1], codes[o]
    dup = np.zeros(n, bool)
    dup[1:] = (s_on[1:] == s_on[:-1]) & (s_du[1:] == s_du[:-1]) & (s_co[1:] == s_co[:-1])
    if not dup.any():
        return ev, list(labels)
    keep = np.sort(o[~dup])  # file order
    warnings.warn(f"{source}: {int(dup.sum())} {what} are exact duplicates of another (same onset, duration "
                  f"and label) and were merged: {n - int(dup.sum())} remain.", UserWarning, stacklevel=3)
    lab = [labels[k] for k in keep] if labels else []
    return ev[keep], lab


def merge_leg_overlaps(ev: np.ndarray, sides: list, source: str) -> tuple[np.ndarray, list]:
    """Scored leg movements with overlapping movements of one leg merged into one.

    AASM 2012 and WASM 2016 end an LM when its leg's EMG has been quiet for 0.5 s, so two
    movements of one leg that overlap in time are one movement: they become one LM from the
    first onset to the last offset, and one warning gives the count (a double-scored movement
    would otherwise add an LM and a near-zero IMI that breaks its PLM series). Movements that
    only touch or are apart are kept as scored. Legs are told apart by the scoring's side label
    (left, right, or unsided). O(n log n).

    Examples
    --------
    >>> import warnings; warnings.simplefilter("ignore")
    >>> merge_leg_overlaps(np.array([[0.0, 2.0], [1.0, 2.0], [1.5, 1.0], [9.0, 1.0]]),
    ...                    ["left", "left", "right", "left"], "x.tsv")[0].tolist()
    [[0.0, 3.0], [1.5, 1.0], [9.0, 1.0]]
    """
    if len(ev) < 2:
        return ev, list(sides)
    side = np.asarray(sides, dtype=object).astype(str)
    names, code = np.unique(side, return_inverse=True)
    o = np.lexsort((ev[:, 1], ev[:, 0], code))  # by leg, onset, then duration: deterministic on ties
    on, off, c = ev[o, 0], ev[o, 0] + ev[o, 1], code[o]
    new_leg = np.ones(len(c), bool)
    new_leg[1:] = c[1:] != c[:-1]
    run_end = np.empty_like(off)  # latest offset so far within each leg: a movement starting before it overlaps
    bounds = np.append(np.flatnonzero(new_leg), len(c))
    for a, b in zip(bounds[:-1], bounds[1:]):  # at most three legs (left, right, unsided)
        run_end[a:b] = np.maximum.accumulate(off[a:b])
    starts = np.ones(len(c), bool)
    starts[1:] = new_leg[1:] | (on[1:] >= run_end[:-1])
    n_merged = int((~starts).sum())
    if not n_merged:
        return ev, list(sides)
    first = np.flatnonzero(starts)
    m_on = on[first]
    m_off = np.maximum.reduceat(off, first)
    m_side = names[c[first]]
    order = np.lexsort((c[first], m_on))
    warnings.warn(f"{source}: {n_merged} scored leg movements overlap an earlier movement of the same leg and were "
                  f"merged with it (one leg's overlapping movements are one LM under AASM 2012 and WASM 2016): "
                  f"{len(first)} remain.", UserWarning, stacklevel=3)
    return np.column_stack([m_on[order], (m_off - m_on)[order]]), [str(s) for s in m_side[order]]


def check_rows(ev, source: str, what: str) -> np.ndarray:
    """An (n, 2) array of scored (onset, duration) with finite onsets in ±14 days and durations in
    [0, 14 days]; the first row outside is refused, naming it (a :class:`Scoring` built in memory).

    Examples
    --------
    >>> check_rows(np.array([[1.0, -0.5]]), "my scoring", "leg movements")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jerkdetect.errors.ScoringFileError: my scoring: leg movements row 1 (onset 1 s): the duration is -0.5 s, ...
    """
    try:
        a = np.asarray(ev, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ScoringFileError(f"{source}: {what} must be an (n, 2) array of onset, duration in seconds.") from None
    bad = ~(np.isfinite(a).all(axis=1) & (np.abs(a[:, 0]) <= ONSET_RANGE[1]) & (a[:, 1] >= 0)
            & (a[:, 1] <= DURATION_RANGE[1]))
    if bad.any():
        i = int(np.argmax(bad))
        o, d = a[i]
        where = f"{source}: {what} row {i + 1} (onset {o:g} s)"
        event_time(o, where, "the onset", *ONSET_RANGE)
        event_time(d, where, "the duration", *DURATION_RANGE)
    return a


def clean_scored(ev, labels: list, source: str, what: str, legs: bool = False) -> tuple[np.ndarray, list]:
    """Scored events checked (:func:`check_rows`), exact duplicates merged, and for leg movements
    (``legs``) overlapping movements of one leg merged; each merge stated in one warning."""
    a = check_rows(ev, source, what)
    a, labels = merge_duplicates(a, list(labels), source, what)
    if legs:
        a, labels = merge_leg_overlaps(a, labels, source)
    return a, labels
