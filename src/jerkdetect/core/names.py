"""Check user-given names (parameters, labels) against the valid ones: unknown names never pass silently."""
from __future__ import annotations

import difflib
from typing import Iterable

from ..errors import InputError


def closest_first(name: str, valid: Iterable[str]) -> list[str]:
    """Valid names ordered by similarity to ``name`` (difflib ratio), the closest first.

    Examples
    --------
    >>> closest_first("max_imi", ["min_imi_s", "max_imi_s", "min_lm_s"])[0]
    'max_imi_s'
    """
    valid = list(dict.fromkeys(valid))
    score = {v: difflib.SequenceMatcher(None, name.lower(), v.lower()).ratio() for v in valid}
    return sorted(valid, key=lambda v: (-score[v], v))


def check_names(given: Iterable[str], valid: Iterable[str], what: str, where: str = "") -> None:
    """Raise :class:`InputError` naming the first unknown name and listing the valid ones, closest first.

    Examples
    --------
    >>> check_names(["max_imi_s"], ["min_imi_s", "max_imi_s"], "rule parameter")
    >>> check_names(["max_imi"], ["min_imi_s", "max_imi_s"], "rule parameter")
    Traceback (most recent call last):
    ...
    jerkdetect.errors.InputError: unknown rule parameter 'max_imi'; valid names (closest first): max_imi_s, min_imi_s.
    """
    valid = list(valid)
    for name in given:
        if name not in valid:
            prefix = f"{where}: " if where else ""
            raise InputError(f"{prefix}unknown {what} '{name}'; valid names (closest first): "
                             f"{', '.join(closest_first(str(name), valid))}.")
