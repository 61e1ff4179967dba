"""Declared ranges of parameter dataclasses, checked once where a value enters.

Every parameter dataclass (``DetectionParams``, ``ArousalParams``, the rule sets, the hypnic-jerk
and motor rules) derives from :class:`Checked` and declares, per field, what it accepts in a
``LIMITS`` table (merged along the class hierarchy) and which fields must be ordered in
``ORDER``. Constructing one with a value out of range (NaN, infinity, a negative or zero
duration, a whole number given as 1.5, a swapped band, a word where a number goes) raises
:class:`~jerkdetect.errors.InputError` with one sentence naming the parameter, the value and the
allowed range. The upper bounds are sanity limits (far beyond any published value), so that
absurd values never reach the kernels.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Limit:
    """What one parameter accepts.

    ``kind`` is "number", "whole", "flag", "pair" (two increasing numbers), "words" (one of
    ``words``), "members" (a non-empty tuple drawn from ``words``) or "instance" (an ``of``).
    A "number" may also take the words in ``words`` and, with ``none``, None.
    """

    kind: str
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    words: tuple = ()
    none: bool = False
    of: type | None = None

    def describe(self) -> str:
        """The allowed range in words ("a number > 0 and <= 60")."""
        if self.kind == "flag":
            return "True or False"
        if self.kind == "words":
            return "one of " + ", ".join(repr(w) for w in self.words)
        if self.kind == "members":
            return "a non-empty tuple of " + ", ".join(repr(w) for w in self.words)
        if self.kind == "instance":
            return f"a {self.of.__name__}"
        lo = f"{'>' if self.lo_open else '>='} {self.lo:g}"
        span = f"{lo} and <= {self.hi:g}"
        if self.kind == "pair":
            return f"two increasing numbers (low, high), each {span}"
        text = f"a {'whole ' if self.kind == 'whole' else ''}number {span}"
        extra = [repr(w) for w in self.words] + (["None"] if self.none else [])
        return ", ".join(extra) + " or " + text if extra else text

    def _in_range(self, v) -> bool:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            return False
        if not math.isfinite(float(v)):
            return False
        above = v > self.lo if self.lo_open else v >= self.lo
        return bool(above and v <= self.hi)

    def normal(self, v):
        """An accepted value in its plain Python type (8 -> 8.0 for a number, NumPy scalars to
        Python), so that equal values give identical results and summaries."""
        if v is None or isinstance(v, str):
            return v
        if self.kind == "flag":
            return bool(v)
        if self.kind == "whole":
            return int(v)
        if self.kind == "number":
            return float(v)
        if self.kind == "pair":
            return (float(v[0]), float(v[1]))
        if self.kind == "members":
            return tuple(x.item() if hasattr(x, "item") else x for x in v)
        return v

    def accepts(self, v) -> bool:
        """True when ``v`` lies in the range."""
        if v is None:
            return self.none
        if self.kind == "flag":
            return isinstance(v, (bool, np.bool_))
        if self.kind == "words":
            return isinstance(v, str) and v in self.words
        if self.kind == "members":
            return isinstance(v, tuple) and len(v) > 0 and all(
                not isinstance(x, bool) and x in self.words for x in v)
        if self.kind == "instance":
            return isinstance(v, self.of)
        if self.kind == "pair":
            return (isinstance(v, tuple) and len(v) == 2 and all(self._in_range(x) for x in v)
                    and v[0] < v[1])
        if isinstance(v, str):
            return v in self.words
        if self.kind == "whole" and not isinstance(v, numbers.Integral):
            return False
        return self._in_range(v)


def number(lo: float, hi: float, lo_open: bool = False, words: tuple = (), none: bool = False) -> Limit:
    """A finite number in [lo, hi] ((lo, hi] with ``lo_open``), or one of ``words``, or None."""
    return Limit("number", lo, hi, lo_open, tuple(words), none)


def positive(hi: float) -> Limit:
    """A finite number > 0 and <= ``hi``."""
    return number(0.0, hi, lo_open=True)


def non_negative(hi: float) -> Limit:
    """A finite number >= 0 and <= ``hi``."""
    return number(0.0, hi)


def fraction() -> Limit:
    """A finite number from 0 to 1."""
    return number(0.0, 1.0)


def whole(lo: int, hi: int) -> Limit:
    """A whole number (int, not float) from ``lo`` to ``hi``."""
    return Limit("whole", lo, hi)


def flag() -> Limit:
    """True or False."""
    return Limit("flag")


def pair(lo: float, hi: float, lo_open: bool = False) -> Limit:
    """Two increasing finite numbers (a band), each in [lo, hi]."""
    return Limit("pair", lo, hi, lo_open)


def choice(*words: str) -> Limit:
    """One of ``words``."""
    return Limit("words", words=words)


def members(*allowed) -> Limit:
    """A non-empty tuple of items from ``allowed``."""
    return Limit("members", words=allowed)


def instance(cls: type) -> Limit:
    """An instance of ``cls``."""
    return Limit("instance", of=cls)


def limits_of(cls: type) -> dict[str, Limit]:
    """Every field's declared limit, merged along the class hierarchy (subclasses win)."""
    out: dict[str, Limit] = {}
    for c in reversed(cls.__mro__):
        out.update(c.__dict__.get("LIMITS", {}))
    return out


def order_of(cls: type) -> list[tuple[str, str, str]]:
    """Every ``(low, "<" or "<=", high)`` constraint, along the class hierarchy."""
    out: list[tuple[str, str, str]] = []
    for c in reversed(cls.__mro__):
        out += list(c.__dict__.get("ORDER", ()))
    return out


def check_params(obj: Any) -> None:
    """Raise :class:`InputError` for the first field of dataclass ``obj`` out of its declared range;
    store every accepted value in its plain Python type (:meth:`Limit.normal`).

    Examples
    --------
    >>> from jerkdetect.detection import DetectionParams
    >>> DetectionParams(block_s=0)
    Traceback (most recent call last):
    ...
    jerkdetect.errors.InputError: DetectionParams.block_s = 0 is invalid: it must be a number > 0 and <= 60.
    """
    cls = type(obj)
    lim = limits_of(cls)
    for f in fields(obj):
        if f.name == "name":
            continue
        v = getattr(obj, f.name)
        if f.name not in lim:
            raise TypeError(f"{cls.__name__}.{f.name} has no declared range (add it to LIMITS).")
        if not lim[f.name].accepts(v):
            raise InputError(f"{cls.__name__}.{f.name} = {v!r} is invalid: it must be "
                             f"{lim[f.name].describe()}.")
        w = lim[f.name].normal(v)
        if w is not v:
            object.__setattr__(obj, f.name, w)
    for a, op, b in order_of(cls):
        x, y = getattr(obj, a), getattr(obj, b)
        if x is None or y is None or isinstance(x, str) or isinstance(y, str):
            continue
        if not (x < y if op == "<" else x <= y):
            raise InputError(f"{cls.__name__}: {a} ({x!r}) must be {'below' if op == '<' else 'at most'} "
                             f"{b} ({y!r}).")


class Checked:
    """Mixin of parameter dataclasses: ``__post_init__`` checks every field against ``LIMITS``
    and ``ORDER``, then runs :meth:`check_more` (cross-field rules a range cannot say)."""

    LIMITS: ClassVar[dict[str, Limit]] = {}
    ORDER: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __post_init__(self) -> None:
        check_params(self)
        self.check_more()

    def check_more(self) -> None:
        """Further checks of a subclass (raise :class:`InputError`); none by default."""
