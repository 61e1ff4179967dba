"""Checks at the edges: sampling rates, samples, event times and channel labels.

Whatever enters jerkdetect (arrays, ``mne.io.Raw``, EDF annotations, scoring files) passes here
before a compiled kernel or an allocation sees it: rates are finite and positive, samples are
finite (non-finite stretches become bad intervals, stated), event times are finite and bounded
by the recording, duplicate labels are made distinct.
"""
from __future__ import annotations

import math
import warnings
from typing import Iterable, Sequence

import numpy as np

from ..errors import InputError, RecordingError
from ..core.limits import MAX_RATE_HZ, MAX_RECORDING_S

MAX_ABS_SAMPLE = 1e9   # |sample| in µV (or the channel's unit): beyond any amplifier, refused as bad
BAD_MARGIN_S = 1.0     # bad intervals are widened by this much: the filters ring at their edges


def check_rate(fs, label: str, source: str) -> float:
    """A sampling rate that is a finite number in (0, 1 MHz]; raise :class:`InputError` otherwise.

    Examples
    --------
    >>> check_rate(256, "Leg L", "<arrays>")
    256.0
    """
    try:
        if isinstance(fs, (str, bytes, bool)):
            raise TypeError
        f = float(fs)
    except (TypeError, ValueError):
        raise InputError(f"{source}: channel '{label}' has sampling rate {fs!r}, not a number.") from None
    if not (math.isfinite(f) and 0 < f <= MAX_RATE_HZ):
        raise InputError(f"{source}: channel '{label}' has sampling rate {f!r} Hz; it must be a finite "
                         f"number above 0 and at most {MAX_RATE_HZ:g} Hz.")
    return f


def as_samples(arr, label: str, source: str) -> np.ndarray:
    """A 1-D float64 array of samples (a column or row vector is accepted; a 2-D table is not)."""
    try:
        a = np.asarray(arr)
        if np.iscomplexobj(a):
            raise TypeError("complex samples")
        a = a.astype(np.float64, copy=False)
    except (TypeError, ValueError) as e:
        raise InputError(f"{source}: channel '{label}' cannot be read as numbers ({e}).") from None
    if a.ndim != 1:
        if a.ndim == 2 and 1 in a.shape:
            a = a.reshape(-1)
        else:
            raise InputError(f"{source}: channel '{label}' has shape {a.shape}; pass one 1-D array per "
                             "channel (a dict label -> samples).")
    if a.size == 0:
        raise InputError(f"{source}: channel '{label}' has no samples.")
    return a


def sanitize_samples(x: np.ndarray, fs: float, label: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Replace non-finite or absurd samples (|x| > 1e9) and return them as bad intervals (s).

    The replaced samples take the median of the good ones, so the filters see no step; each
    bad stretch is widened by ``BAD_MARGIN_S`` (filter ringing) and is unscorable downstream.
    Raises :class:`RecordingError` when no sample is usable. Returns (samples, intervals).

    Examples
    --------
    >>> x = np.zeros(1000); x[500:510] = np.nan
    >>> y, bad = sanitize_samples(x, 100.0, "Leg L", "<arrays>")
    >>> bool(np.isfinite(y).all()), bad.tolist()
    (True, [[4.0, 6.1]])
    """
    ok = np.isfinite(x)
    ok &= np.abs(np.where(ok, x, 0.0)) <= MAX_ABS_SAMPLE
    if ok.all():
        return x, np.zeros((0, 2))
    if not ok.any():
        raise RecordingError(f"{source}: channel '{label}' has no finite sample of plausible size "
                             f"(every value is NaN, infinite or beyond ±{MAX_ABS_SAMPLE:g}).")
    y = np.where(ok, x, np.median(x[ok]))
    d = np.diff(np.concatenate([[0], (~ok).astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    dur = x.size / fs
    iv = np.column_stack([np.maximum(starts / fs - BAD_MARGIN_S, 0.0),
                          np.minimum(ends / fs + BAD_MARGIN_S, dur)])
    from ..core.intervals import merge_intervals
    iv = merge_intervals(iv)
    warnings.warn(f"{source}: channel '{label}' has {int((~ok).sum())} NaN, infinite or absurd samples in "
                  f"{len(starts)} stretches; those {float(np.sum(iv[:, 1] - iv[:, 0])):.1f} s are unscorable.",
                  UserWarning, stacklevel=3)
    return y, iv


def bound_events(events: Iterable[tuple[float, float, str]], source: str, lo: float = -MAX_RECORDING_S,
                 hi: float = MAX_RECORDING_S, what: str = "") -> list[tuple[float, float, str]]:
    """Events (onset, duration, text) with finite times inside [lo, hi]; the others dropped, counted.

    A negative duration becomes 0 and is counted. One warning says how many were dropped or
    changed and why, so a time of 1e12 s or NaN never sizes an allocation and never silently counts.

    Examples
    --------
    >>> bound_events([(1.0, 2.0, "a"), (float("nan"), 1.0, "b")], "x.tsv", 0, 100)
    [(1.0, 2.0, 'a')]
    """
    kept, bad, outside, negative = [], 0, 0, 0
    for o, d, t in events:
        try:
            o, d = float(o), float(d)
        except (TypeError, ValueError):
            bad += 1
            continue
        if not (math.isfinite(o) and math.isfinite(d)) or abs(d) > MAX_RECORDING_S:
            bad += 1
            continue
        if o < lo or o > hi:
            outside += 1
            continue
        negative += d < 0
        kept.append((o, max(d, 0.0), t))
    if bad or outside:
        parts = ([f"{bad} with a non-finite or absurd onset/duration"] if bad else []) + \
                ([f"{outside} outside {lo:g}..{hi:g} s{what}"] if outside else [])
        warnings.warn(f"{source}: dropped {bad + outside} annotations ({'; '.join(parts)}).",
                      UserWarning, stacklevel=3)
    if negative:
        warnings.warn(f"{source}: {negative} annotations had a negative duration; read as 0 s (an onset only).",
                      UserWarning, stacklevel=3)
    return kept


def distinct_labels(labels: Sequence[str], source: str) -> tuple[list[str], set[str]]:
    """Make repeated labels distinct (``'Leg L#1'``, ``'Leg L#2'``) and report them.

    Returns (labels, renamed). Renamed channels get no role from their label: which of two
    ``'Leg L'`` signals is the leg cannot be guessed, so the caller must name it (``channels=``).

    Examples
    --------
    >>> import warnings; warnings.simplefilter("ignore")
    >>> labels, renamed = distinct_labels(["Leg L", "Chin", "Leg L"], "x.edf")
    >>> labels, sorted(renamed)
    (['Leg L#1', 'Chin', 'Leg L#2'], ['Leg L#1', 'Leg L#2'])
    """
    counts: dict[str, int] = {}
    for lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    if all(c == 1 for c in counts.values()):
        return list(labels), set()
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        if counts[lab] > 1:
            seen[lab] = seen.get(lab, 0) + 1
            out.append(f"{lab}#{seen[lab]}")
        else:
            out.append(lab)
    renamed = {o for o, lab in zip(out, labels) if counts[lab] > 1}
    dups = [lab for lab, c in counts.items() if c > 1]
    warnings.warn(f"{source}: {len(dups)} channel labels are used more than once ({', '.join(repr(d) for d in dups)}); "
                  f"those channels are kept as {', '.join(sorted(renamed))} and get no role from their "
                  "label: name the one to use (e.g. --channel leg_left='" + sorted(renamed)[0] + "').",
                  UserWarning, stacklevel=3)
    return out, renamed
