"""Per-format parsers behind :func:`jerkdetect.io.scoring.read_scoring`."""
from __future__ import annotations

import collections
import csv
import datetime as _dt
import warnings
import xml.etree.ElementTree as ET

import numpy as np

from ..errors import InputError, ScoringFileError
from ..core.hypnogram import Hypnogram, check_epoch_length, parse_stage
from ..core.stage_vocabulary import PROFUSION_CODES, UNSCORED, stage_codes, unknown_stages_message, unscored_note
from .scored_events import DURATION_RANGE, ONSET_RANGE, column_times, event_time
from .scoring_model import Scoring, is_respiratory, scoring_from_events


def epoch_length_of(value, path: str, field: str) -> float:
    """:func:`check_epoch_length` for a scoring file: a :class:`ScoringFileError` naming the file and field."""
    try:
        return check_epoch_length(value, path, field)
    except InputError as e:
        raise ScoringFileError(str(e)) from None


def _xml_epoch_length(root, path: str) -> float:
    el = root.find("EpochLength")
    return 30.0 if el is None else epoch_length_of((el.text or "").strip(), path, "<EpochLength>")


def _event_times(ev, path: str, k: int, name: str) -> tuple[float, float]:
    """<Start> (required) and <Duration> (0 when absent) of the k-th <ScoredEvent>, checked."""
    where = f"{path}: ScoredEvent {k} ({name[:40]!r})"
    onset = event_time(_text(ev, "Start"), where, "<Start>", *ONSET_RANGE)
    dur = 0.0 if ev.find("Duration") is None else event_time(_text(ev, "Duration"), where, "<Duration>",
                                                             *DURATION_RANGE)
    return onset, dur


def warn_unscored(path: str, labels: collections.Counter) -> None:
    """One warning stating how many epochs are scored unscored or movement time, by label."""
    note = unscored_note(labels)
    if note:
        warnings.warn(f"{path}: {note}.", UserWarning, stacklevel=4)


def profusion_stages(texts: list, path: str) -> np.ndarray:
    """Stage codes of Profusion ``<SleepStage>`` values (:data:`PROFUSION_CODES`); others refused, named."""
    codes, unknown, unscored = [], collections.Counter(), collections.Counter()
    for t in texts:
        t = (t or "").strip()
        c = PROFUSION_CODES.get(int(t)) if t.lstrip("-").isdigit() else None
        if c is None:
            unknown[t] += 1
        elif c == UNSCORED:
            unscored[t] += 1
        codes.append(c)
    if unknown:
        raise ScoringFileError(unknown_stages_message(f"{path}: <SleepStage>", unknown, len(codes)).replace(
            "rename them", "Profusion codes are 0 W, 1-3 N1-N3, 4 N3 (R&K), 5 R, 6 movement, 9 unscored; fix them"))
    warn_unscored(path, unscored)
    return np.array(codes, dtype=np.int8)


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
    ep = _xml_epoch_length(root, path)
    stages = profusion_stages([x.text for x in root.iter("SleepStage")], path)
    events = []
    for k, ev in enumerate(root.iter("ScoredEvent"), 1):
        name = _text(ev, "Name")
        events.append((*_event_times(ev, path, k, name), name))
    settings = [_text(s, "Name") for s in root.iter("ScoredEventSetting")]
    hyp = Hypnogram(stages, ep, 0.0, source=path) if len(stages) else None
    return scoring_from_events(events, path, "profusion", ep, hyp, warn_unscored=False,
                               arousal_scored=any("Arousal" in s for s in settings),
                               resp_scored=any(is_respiratory(s) for s in settings))


def read_nsrr(path: str, epoch_length=None) -> Scoring:
    root = ET.parse(path).getroot()
    ep = _xml_epoch_length(root, path)
    events, start, length = [], None, None
    cats = set()
    unknown, unscored, n_stages = collections.Counter(), collections.Counter(), 0
    for k, ev in enumerate(root.iter("ScoredEvent"), 1):
        etype = _text(ev, "EventType")
        concept = _text(ev, "EventConcept")
        onset, dur = _event_times(ev, path, k, concept)
        if concept.lower().startswith("recording start time"):
            start, clock_only = nsrr_clock_time(_text(ev, "ClockTime"))
            length = dur if dur > 0 else None  # NSRR: the whole recording's length
            continue
        cats.add(etype.split("|")[0].lower())
        if etype.lower().startswith("stages"):  # a stage by its type: an unknown concept is refused, not skipped
            n_stages += 1
            code = parse_stage(concept)
            if code is None:
                unknown[concept] += 1
                continue
            if code == UNSCORED:
                unscored[concept] += 1
            concept = f"Sleep stage {'W N1 N2 N3 R'.split()[code] if code >= 0 else '?'}"
        events.append((onset, dur, concept))
    if unknown:
        raise ScoringFileError(unknown_stages_message(f"{path}: EventConcept of Stages events", unknown, n_stages))
    warn_unscored(path, unscored)
    # NSRR XMLs export whole PSG scorings: one that scores stages and arousals scored respiration
    # too, so a night without a respiratory event had none (see Scoring.has_respiratory)
    sc = scoring_from_events(events, path, "nsrr", ep, arousal_scored="arousals" in cats, warn_unscored=False,
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
    lines = [ln for ln in read_utf8(path).splitlines() if ln.strip()]
    if not lines:
        raise ScoringFileError(f"{path}: the table is empty.")
    first = lines[0]
    delim = max(("\t", ";", ","), key=first.count) if any(c in first for c in "\t;,") else ","
    cells = [c.strip() for c in first.split(delim)]
    if len(cells) == 1 and parse_stage(cells[0]) is not None:  # one stage per line, no header
        return read_stage_list(path, epoch_length, [ln.strip().strip(delim) for ln in lines])
    reader = csv.reader(lines, delimiter=delim)
    header = next(reader)
    cols = {c.lower().strip(): k for k, c in enumerate(header) if c}
    names = {v: header[v] for v in cols.values()}
    desc_col = next((cols[c] for c in ("description", "trial_type", "event", "label", "type", "name",
                                       "annotation", "stage") if c in cols), None)
    cell = lambda r, k: r[k] if k is not None and k < len(r) else None  # noqa: E731 - a short row has None
    if len(lines) < 2:
        raise ScoringFileError(f"{path}: the table has a header but no rows.")
    if "onset" not in cols and "stage" in cols:
        return read_stage_list(path, epoch_length, [cell(r, cols["stage"]) or "" for r in reader])
    if "onset" not in cols or desc_col is None:
        raise ScoringFileError(f"{path}: an event table needs 'onset' and 'description' (or "
                               f"'trial_type'/'stage') columns, or one stage per line; its header is "
                               f"{', '.join(names.values())}.")
    ocol, dcol = cols["onset"], cols.get("duration")
    onsets, durs, descs, same = [], [], [], {}
    for r in reader:
        onsets.append(cell(r, ocol))
        durs.append(cell(r, dcol))
        d = cell(r, desc_col) or ""
        descs.append(same.setdefault(d, d))  # one string per distinct description (a million rows, few labels)
    del lines, reader
    where = lambda i: f"{path}: row {i + 2}"  # noqa: E731 - the header is row 1
    on = column_times(onsets, where, f"'{names[ocol]}'", *ONSET_RANGE)
    du = column_times(durs, where, f"'{names[dcol]}'", *DURATION_RANGE, empty=0.0) if dcol is not None \
        else np.zeros(len(onsets))
    del onsets, durs
    events = list(zip(on.tolist(), du.tolist(), descs))
    del on, du, descs
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
                    ep = epoch_length_of(s.split("=", 1)[1].strip(), path, "the '# epoch_length=' header")
                continue
            if s:
                lines.append(s.split()[-1] if len(s.split()) > 1 and parse_stage(s) is None else s)
    try:
        codes, unscored = stage_codes(lines, path)
    except ValueError as e:
        raise ScoringFileError(str(e)) from None
    warn_unscored(path, unscored)
    hyp = Hypnogram(np.array(codes, dtype=np.int8), epoch_length_of(ep or 30.0, path, "epoch length"), source=path)
    return Scoring(path, "stages", hyp)


READERS = {"edf": read_edf_annotations, "profusion": read_profusion, "nsrr": read_nsrr,
           "table": read_table, "text": read_stage_list,
           "xml": lambda p, e=None: (_ for _ in ()).throw(
               ScoringFileError(f"{p}: XML root is neither PSGAnnotation (NSRR) nor CMPStudyConfig (Profusion)."))}
