"""The indices a lab's own system reported for each night (``jerkdetect agree --reported TABLE``).

No scoring-file reader extracts the PLMS index a Profusion or Remlogic report printed, so a lab
that wants agreement with those figures gives them as a table: one row per night, a ``night``
column (the output stem, the recording's file name or its path) and one column per index
(``plms_index``, ``plmw_index``, ``plms_arousal_index``, ``plms_nonresp_index``,
``periodicity_index``, ``lm_index``, ``arousal_index``); an empty cell or ``n/a`` is a night the
report has no value for.
"""
from __future__ import annotations

import csv
import math
import os
import warnings
from typing import Sequence

from ..core.names import check_names
from ..errors import InputError
from ..evaluation.agreement import AROUSAL_INDEX, INDICES
from .inputs import Job

REPORTED_INDICES = INDICES + (AROUSAL_INDEX,)
NIGHT_COLUMNS = ("night", "recording", "stem")
EMPTY = ("", "n/a", "na", "nan", "null", "none", "-")


def read_reported(path: str, jobs: Sequence[Job]) -> dict[str, dict[str, float | None]]:
    """night stem -> index -> value, for the nights of ``jobs`` the table names.

    A row naming no night of the cohort is left out with one warning that lists them; an unknown
    column, a night named twice, or a value that is not a finite number raise
    :class:`~jerkdetect.errors.InputError` naming the file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "reported.csv")
    >>> _ = open(p, "w").write("night,plms_index\\nn1,12.5\\nn2,\\n")
    >>> read_reported(p, [Job("/d/n1.edf", stem="n1"), Job("/d/n2.edf", stem="n2")])
    {'n1': {'plms_index': 12.5}, 'n2': {'plms_index': None}}
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"{path}: the reported-indices table cannot be read ({e.strerror}).") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the reported-indices table is not UTF-8 text.") from None
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delim = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.DictReader(lines, delimiter=delim))
    if not rows:
        raise InputError(f"{path}: the reported-indices table has no rows (a header and one row per night).")
    cols = [c.strip() for c in rows[0] if c]
    key = next((c for c in cols if c.lower() in NIGHT_COLUMNS), None)
    if key is None:
        raise InputError(f"{path}: the reported-indices table needs a 'night' column (the output stem or the "
                         f"recording's file name); it has {', '.join(cols)}.")
    value_cols = [c for c in cols if c != key]
    check_names(value_cols, REPORTED_INDICES, "reported index column", path)
    if not value_cols:
        raise InputError(f"{path}: the reported-indices table has no index column ({', '.join(REPORTED_INDICES)}).")
    by_name = _night_names(jobs)
    out: dict[str, dict[str, float | None]] = {}
    unknown = []
    for i, r in enumerate(rows):
        if None in r:
            raise InputError(f"{path}: row {i + 2} has more cells than the header has columns.")
        r = {k.strip(): (v or "").strip() for k, v in r.items() if k}
        name = r[key]
        stem = by_name.get(name) or by_name.get(name.lower())
        if stem is None:
            unknown.append(name or f"(row {i + 2}: empty)")
            continue
        if stem in out:
            raise InputError(f"{path}: night {stem} appears in more than one row (row {i + 2} is the second).")
        out[stem] = {c: _value(r[c], path, i + 2, c) for c in value_cols}
    if unknown:
        warnings.warn(f"{path}: {len(unknown)} rows name no night of this cohort and are left out: "
                      f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}.", UserWarning, stacklevel=2)
    return out


def _night_names(jobs: Sequence[Job]) -> dict[str, str]:
    """Every name a table may use for a night -> its stem (stem, file name, its stem, full path)."""
    names: dict[str, str] = {}
    for j in jobs:
        for n in (j.stem, os.path.basename(j.recording), os.path.splitext(os.path.basename(j.recording))[0],
                  j.recording):
            names.setdefault(n, j.stem)
            names.setdefault(n.lower(), j.stem)
    return names


def _value(text: str, path: str, row: int, column: str) -> float | None:
    if text.lower() in EMPTY:
        return None
    try:
        v = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        raise InputError(f"{path}: row {row}, column {column}: '{text}' is not a number.") from None
    if not math.isfinite(v) or v < 0:
        raise InputError(f"{path}: row {row}, column {column}: {text} is not an index (a finite number >= 0).")
    return v
