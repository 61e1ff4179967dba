"""Per-format parsers behind :func:`jerkdetect.io.scoring.read_scoring`."""
from __future__ import annotations

import csv
import datetime as _dt
import xml.etree.ElementTree as ET

import numpy as np

from ..errors import ScoringFileError
from ..core.hypnogram import Hypnogram, parse_stage
from .scoring_model import Scoring, is_respiratory, scoring_from_events

_PROFUSION_STAGES = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4}


def read_edf_annotations(path: str, epoch_length=None) -> Scoring:
    from .edf import parse_header, read_annotations_edf
    h = parse_header(path)
    events = read_annotations_edf(path)
    if not events:
        raise ScoringFileError(f"{path}: the EDF holds no annotations, so it carries no scoring.")
    return scoring_from_events(events, path, "edf+", epoch_length, start=h.start)


def _text(el, tag, default=""):
    x = el.find(tag)
    return default if x is None or x.text is None else x.text.strip()


def read_profusion(path: str, epoch_length=None) -> Scoring:
    root = ET.parse(path).getroot()
    ep = float(_text(root, "EpochLength", "30"))
    codes = [int(x.text) for x in root.iter("SleepStage")]
    stages = np.array([_PROFUSION_STAGES.get(c, -1) for c in codes], dtype=np.int8)
    events = []
    for ev in root.iter("ScoredEvent"):
        events.append((float(_text(ev, "Start", "0")), float(_text(ev, "Duration", "0")),
                       _text(ev, "Name")))
    settings = [_text(s, "Name") for s in root.iter("ScoredEventSetting")]
    hyp = Hypnogram(stages, ep, 0.0, source=path) if len(stages) else None
    return scoring_from_events(events, path, "profusion", ep, hyp,
                               arousal_scored=any("Arousal" in s for s in settings),
                               resp_scored=any(is_respiratory(s) for s in settings))


def read_nsrr(path: str, epoch_length=None) -> Scoring:
    root = ET.parse(path).getroot()
    ep = float(_text(root, "EpochLength", "30"))
    events, start, length = [], None, None
    cats = set()
    for ev in root.iter("ScoredEvent"):
        etype = _text(ev, "EventType")
        concept = _text(ev, "EventConcept")
        onset, dur = float(_text(ev, "Start", "0")), float(_text(ev, "Duration", "0"))
        if concept.lower().startswith("recording start time"):
            start, clock_only = nsrr_clock_time(_text(ev, "ClockTime"))
            length = dur if dur > 0 else None  # NSRR: the whole recording's length
            continue
        cats.add(etype.split("|")[0].lower())
        if etype.lower().startswith("stages"):
            code = parse_stage(concept)
            concept = f"Sleep stage {'W N1 N2 N3 R'.split()[code] if code is not None and code >= 0 else '?'}"
        events.append((onset, dur, concept))
    # NSRR XMLs export whole PSG scorings: one that scores stages and arousals scored respiration
    # too, so a night without a respiratory event had none (see Scoring.has_respiratory)
    sc = scoring_from_events(events, path, "nsrr", ep, arousal_scored="arousals" in cats,
                             resp_scored="respiratory" in cats or {"stages", "arousals"} <= cats)
    if start is not None:
        sc.start, sc.start_is_clock_time = start, clock_only
    sc.duration = length
    return sc


def nsrr_clock_time(text: str) -> tuple[_dt.datetime | None, bool]:
    """NSRR ``ClockTime`` (``"00.00.00 22.30.00"``): the start and whether it is a clock time only.

    NSRR writes a placeholder date (``00.00.00``); the time then sits on 1900-01-01 until
    :func:`jerkdetect.io.scoring.align_to_recording` gives it the recording's date.

    Examples
    --------
    >>> nsrr_clock_time("00.00.00 23.05.00")
    (datetime.datetime(1900, 1, 1, 23, 5), True)
    >>> nsrr_clock_time("01.03.24 23.05.00")
    (datetime.datetime(2024, 3, 1, 23, 5), False)
    """
    parts = text.split()
    if len(parts) == 2 and parts[0] != "00.00.00":
        try:
            return _dt.datetime.strptime(text, "%d.%m.%y %H.%M.%S"), False
        except ValueError:
            pass
    try:
        return _dt.datetime.strptime(parts[-1], "%H.%M.%S"), True
    except (ValueError, IndexError):
        return None, False


def read_utf8(path: str) -> str:
    """The file as text; a file that is not UTF-8 is refused in one sentence naming the byte."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScoringFileError(f"{path}: is not UTF-8 text (byte {e.start} is {raw[e.start:e.start + 1]!r}); "
                               "save it as UTF-8.") from None


def read_table(path: str, epoch_length=None) -> Scoring:
    """CSV/TSV event table (``onset``, ``duration``, ``description``/``trial_type``/``stage``), or a
    stage column with or without a header; tab, comma or semicolon separated."""
    text = read_utf8(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ScoringFileError(f"{path}: the table is empty.")
    first = lines[0]
    delim = max(("\t", ";", ","), key=first.count) if any(c in first for c in "\t;,") else ","
    cells = [c.strip() for c in first.split(delim)]
    if len(cells) == 1 and parse_stage(cells[0]) is not None:  # one stage per line, no header
        return read_stage_list(path, epoch_length, [ln.strip().strip(delim) for ln in lines])
    rows = list(csv.DictReader(lines, delimiter=delim))
    if not rows:
        raise ScoringFileError(f"{path}: the table has a header but no rows.")
    cols = {c.lower().strip(): c for c in rows[0].keys() if c}
    desc_col = next((cols[c] for c in ("description", "trial_type", "event", "label", "type", "name",
                                       "annotation", "stage") if c in cols), None)
    if "onset" not in cols and "stage" in cols:
        return read_stage_list(path, epoch_length, [r[cols["stage"]] for r in rows])
    if "onset" not in cols or desc_col is None:
        raise ScoringFileError(f"{path}: an event table needs 'onset' and 'description' (or "
                               f"'trial_type'/'stage') columns, or one stage per line; its header is "
                               f"{', '.join(cols.values())}.")
    dcol = cols.get("duration")
    events = []
    for i, r in enumerate(rows):
        try:
            dur = float(r[dcol]) if dcol and r[dcol] not in ("", "n/a", None) else 0.0
            events.append((float(r[cols["onset"]]), dur, r[desc_col] or ""))
        except (TypeError, ValueError):
            raise ScoringFileError(f"{path}: row {i + 2} has onset '{r[cols['onset']]}' and duration "
                                   f"'{r.get(dcol) if dcol else ''}', not numbers.") from None
    return scoring_from_events(events, path, "table", epoch_length or 30.0)


def read_stage_list(path: str, epoch_length=None, lines=None) -> Scoring:
    """One stage per line (``W``, ``N2``, ``2``, ``REM``...), optional ``# epoch_length=30`` header."""
    ep = epoch_length
    if lines is None:
        lines = []
        for ln in read_utf8(path).splitlines():
            s = ln.strip()
            if s.startswith("#"):
                if "epoch" in s and "=" in s:
                    ep = float(s.split("=")[1])
                continue
            if s:
                lines.append(s.split()[-1] if len(s.split()) > 1 and parse_stage(s) is None else s)
    hyp = Hypnogram.from_labels(lines, ep or 30.0, source=path)
    return Scoring(path, "stages", hyp)


READERS = {"edf": read_edf_annotations, "profusion": read_profusion, "nsrr": read_nsrr,
           "table": read_table, "text": read_stage_list,
           "xml": lambda p, e=None: (_ for _ in ()).throw(
               ScoringFileError(f"{p}: XML root is neither PSGAnnotation (NSRR) nor CMPStudyConfig (Profusion)."))}
