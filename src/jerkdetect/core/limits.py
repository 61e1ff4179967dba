"""Bounds on what jerkdetect accepts anywhere (files, arrays, scoring): beyond them an input is refused."""
from __future__ import annotations

import math

from ..errors import InputError

MAX_RECORDING_S = 14 * 86400.0   # longest span jerkdetect accepts (multi-day ambulatory recordings)
MAX_RATE_HZ = 1e6                # samples per second of one signal
MIN_EPOCH_S = 1.0                # shortest scoring epoch accepted (1-s micro-epochs)
MAX_EPOCH_S = 60.0               # longest scoring epoch accepted (scoring systems use 20 or 30 s)


def seconds_in_range(value, where: str, field: str, lo: float, hi: float, error: type = InputError,
                     hint: str = "") -> float:
    """``value`` (a number or its text) as a finite number of seconds in ``[lo, hi]``, or ``error``
    in one sentence naming ``where``, ``field``, the value and the range (``hint`` appended).

    Examples
    --------
    >>> seconds_in_range(" 12.5 ", "x.xml: ScoredEvent 1", "<Start>", 0, 100)
    12.5
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise error(f"{where}: {field} is empty; it must be a number of seconds in {lo:g}..{hi:g}{hint}.")
    try:
        if isinstance(value, (bool, bytes)):
            raise TypeError
        v = float(value)
    except (TypeError, ValueError):
        raise error(f"{where}: {field} is {str(value)[:40]!r}, not a number of seconds "
                    f"(allowed {lo:g}..{hi:g}){hint}.") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise error(f"{where}: {field} is {v!r} s, outside the allowed {lo:g}..{hi:g} s{hint}.")
    return v
