"""Validation of every numeric EDF/BDF header field, and of EDF+ record onsets.

Each check refuses a malformed value with one sentence naming the file, the field, the channel
and the value, before anything is allocated from it. References: the EDF specification (Kemp et
al. 1992) and EDF+ (Kemp & Olivan 2003, edfplus.info): ``ns``, ``n_records``, samples per record
and the digital range are integers; ``n_records`` is -1 only while recording; the digital maximum
exceeds the digital minimum; the physical maximum may be *smaller* than the physical minimum
(a negative amplifier gain), but never equal; a record duration of 0 is allowed only in an
annotation-only EDF+.
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..core.limits import MAX_RATE_HZ, MAX_RECORDING_S
from ..errors import RecordingError

MAX_SIGNALS = 4096               # far beyond any PSG montage; bounds the header read
MAX_PHYSICAL = 1e12              # |physical min/max| in any unit: beyond it the scaling overflows
_INT = re.compile(r"^[+-]?\d+$")
_DIGITAL = {False: (-32768, 32767), True: (-(1 << 23), (1 << 23) - 1)}


class HeaderError(RecordingError):
    """A header field is malformed or inconsistent: the file is refused (no fallback reader)."""


def _where(channel: str | None) -> str:
    return f" of channel '{channel}'" if channel is not None else ""


def int_field(text: str, name: str, path: str, lo: int, hi: int, channel: str | None = None) -> int:
    """An integer header field in [lo, hi]; integral float text ('200.0') is accepted, nothing else.

    Examples
    --------
    >>> int_field(" 200 ", "samples per record", "x.edf", 1, 10**7)
    200
    """
    t = text.strip()
    if _INT.match(t):
        v = int(t)
    else:
        try:
            f = float(t)
        except ValueError:
            f = math.nan
        if not (math.isfinite(f) and f == int(f)):
            raise HeaderError(f"{path}: header field '{name}'{_where(channel)} is '{t}', not an integer; "
                              "the header is corrupt.")
        v = int(f)
    if not lo <= v <= hi:
        raise HeaderError(f"{path}: header field '{name}'{_where(channel)} is '{t}', outside {lo}..{hi}; "
                          "the header is corrupt.")
    return v


def float_field(text: str, name: str, path: str, lo: float, hi: float, channel: str | None = None) -> float:
    """A finite real header field in [lo, hi]."""
    t = text.strip()
    try:
        v = float(t)
    except ValueError:
        raise HeaderError(f"{path}: header field '{name}'{_where(channel)} is '{t}', not a number; "
                          "the header is corrupt.") from None
    if not math.isfinite(v):
        raise HeaderError(f"{path}: header field '{name}'{_where(channel)} is '{t}', not a finite number; "
                          "the header is corrupt.")
    if not lo <= v <= hi:
        raise HeaderError(f"{path}: header field '{name}'{_where(channel)} is {v:g}, outside {lo:g}..{hi:g}; "
                          "the header is corrupt.")
    return v


def check_ranges(path: str, bdf: bool, labels: list[str], annotation: set[int], pmin: np.ndarray,
                 pmax: np.ndarray, dmin: np.ndarray, dmax: np.ndarray) -> list[int]:
    """Digital range inside the format's, digital max > min, physical max != min.

    Returns the indices of signals with a negative gain (physical max < min), which the EDF
    specification allows and the reader honours (the signal is inverted back).
    """
    lo, hi = _DIGITAL[bdf]
    inverted = []
    for i, lab in enumerate(labels):
        if i in annotation:
            continue
        for name, v in (("digital minimum", dmin[i]), ("digital maximum", dmax[i])):
            if not lo <= v <= hi:
                raise HeaderError(f"{path}: header field '{name}' of channel '{lab}' is {v}, outside the "
                                  f"{'BDF' if bdf else 'EDF'} range {lo}..{hi}; the header is corrupt.")
        if dmax[i] <= dmin[i]:
            raise HeaderError(f"{path}: channel '{lab}' has digital maximum {dmax[i]} <= digital minimum "
                              f"{dmin[i]}; the header is corrupt.")
        if pmax[i] == pmin[i]:
            raise HeaderError(f"{path}: channel '{lab}' has physical maximum = physical minimum "
                              f"({pmin[i]:g}), so its samples cannot be scaled; the header is corrupt.")
        if pmax[i] < pmin[i]:
            inverted.append(i)
    return inverted


def check_layout(path: str, size: int, header_bytes: int, n_records: int, record_bytes: int,
                 record_duration: float, spr: np.ndarray, labels: list[str], annotation: set[int]) -> int:
    """Record size, file size, rates and span consistent; returns the number of records to read.

    A declared record count must match the file: fewer complete records than declared is a
    truncated file, a whole record or more beyond it means a samples-per-record or record-count
    field is wrong (reading it would interleave the channels wrongly). A partial trailing record
    is ignored (the caller warns).
    """
    ordinary = [i for i in range(len(labels)) if i not in annotation]
    if record_bytes <= 0:
        raise HeaderError(f"{path}: every signal has 0 samples per record; the header is corrupt.")
    for i in ordinary:
        if spr[i] <= 0:
            raise HeaderError(f"{path}: header field 'samples per record' of channel '{labels[i]}' is "
                              f"{spr[i]}; a signal needs at least 1; the header is corrupt.")
    if ordinary and record_duration <= 0:
        raise HeaderError(f"{path}: header field 'data record duration' is {record_duration:g} s; only an "
                          "annotation-only EDF+ may have 0, so the sampling rates are unknown.")
    if ordinary:
        for i in ordinary:
            fs = spr[i] / record_duration
            if fs > MAX_RATE_HZ:
                raise HeaderError(f"{path}: channel '{labels[i]}' would be sampled at {fs:g} Hz "
                                  f"({spr[i]} samples per {record_duration:g}-s record), beyond "
                                  f"{MAX_RATE_HZ:g} Hz; the header is corrupt.")
    data = size - header_bytes
    complete = data // record_bytes
    if n_records == -1:
        n = complete
    else:
        n = n_records
        if complete < n_records:
            raise RecordingError(
                f"{path}: file is truncated: the header declares {n_records} data records of "
                f"{record_duration:g} s ({n_records * record_duration / 3600:.2f} h) but only {complete} "
                f"complete records ({complete * record_duration / 3600:.2f} h) are present.")
        if complete > n_records:
            raise HeaderError(
                f"{path}: file holds {complete} data records of {record_bytes} bytes but the header "
                f"declares {n_records}; a samples-per-record or record-count field is wrong.")
    if n * record_duration > MAX_RECORDING_S:
        raise HeaderError(f"{path}: {n} data records of {record_duration:g} s span "
                          f"{n * record_duration / 86400:.1f} days, beyond the {MAX_RECORDING_S / 86400:g} "
                          "days jerkdetect reads; the header is corrupt.")
    return n


def check_record_onsets(path: str, onsets: np.ndarray, record_duration: float) -> None:
    """EDF+ record onsets (first TAL of each record): finite, >= 0, increasing, records not overlapping.

    Examples
    --------
    >>> check_record_onsets("x.edf", np.array([0.0, 1.0, 5.0]), 1.0)
    >>> check_record_onsets("x.edf", np.array([0.0, 0.5]), 1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jerkdetect.io.edf_checks.HeaderError: x.edf: data record 1 starts at 0.5 s, before data record 0 (at 0 s) ...
    """
    bad = ~np.isfinite(onsets)
    if bad.any():
        r = int(np.argmax(bad))
        raise HeaderError(f"{path}: data record {r} has onset {onsets[r]}, not a finite time; the EDF+ "
                          "record onsets are corrupt.")
    if onsets.size and (onsets[0] < 0 or onsets[-1] > MAX_RECORDING_S):
        r = 0 if onsets[0] < 0 else onsets.size - 1
        raise HeaderError(f"{path}: data record {r} starts at {onsets[r]:g} s, outside 0..{MAX_RECORDING_S:g} s; "
                          "the EDF+ record onsets are corrupt.")
    ends = onsets[:-1] + record_duration
    over = onsets[1:] < ends - 1e-6
    if over.any():
        r = int(np.argmax(over)) + 1
        raise HeaderError(f"{path}: data record {r} starts at {onsets[r]:g} s, before data record {r - 1} "
                          f"(at {onsets[r - 1]:g} s) ends at {ends[r - 1]:g} s; the EDF+ record onsets are corrupt.")
