"""Tab-separated text as every jerkdetect table writes it (events, arousals, BIDS events)."""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np


def tsv_value(v) -> str:
    """A value as TSV text: true/false, n/a for None and NaN, floats to 4 decimals without trailing zeros.

    Examples
    --------
    >>> [tsv_value(x) for x in (True, None, 2.50, 0.0, "left")]
    ['true', 'n/a', '2.5', '0', 'left']
    """
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4f}".rstrip("0").rstrip(".") if float(v) != 0 else "0"
    return str(v)


def tsv_text(rows: Iterable[Mapping], columns: Sequence[str]) -> str:
    """A header line of ``columns`` and one line per row (values through :func:`tsv_value`; a
    column a row does not have is n/a)."""
    lines = ["\t".join(columns)]
    lines += ["\t".join(tsv_value(r.get(c)) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def json_default(o):
    """``json.dumps(default=...)`` for NumPy scalars and arrays, tuples; anything else as text."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return str(o)
