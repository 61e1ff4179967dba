"""Leg-movement tables and the shared machinery of the PLM rule sets."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..core.intervals import overlaps_window
from ..core.params import Checked, flag, non_negative, positive, whole

SIDES = ("left", "right", "bilateral")


@dataclass
class MonolateralLMs:
    """Leg movements of single legs (from EMG bursts or a scoring file): onset/offset in s, side 0/1."""

    onset: np.ndarray
    offset: np.ndarray
    side: np.ndarray                   # 0 left, 1 right
    peak_uv: np.ndarray | None = None
    morph_ok: np.ndarray | None = None
    rule_onset: np.ndarray | None = None   # the rule's own onset (8-µV crossing); default ``onset``

    _FIELDS = ("onset", "offset", "side", "peak_uv", "morph_ok", "rule_onset")

    def __post_init__(self) -> None:
        self.onset = np.asarray(self.onset, dtype=np.float64)
        self.offset = np.asarray(self.offset, dtype=np.float64)
        self.side = np.asarray(self.side, dtype=np.int8)
        n = self.onset.size
        self.peak_uv = np.full(n, np.nan) if self.peak_uv is None else np.asarray(self.peak_uv, float)
        self.morph_ok = np.ones(n, bool) if self.morph_ok is None else np.asarray(self.morph_ok, bool)
        self.rule_onset = self.onset.copy() if self.rule_onset is None else np.asarray(self.rule_onset, float)
        o = np.lexsort((self.side, self.onset))
        for k in self._FIELDS:
            setattr(self, k, getattr(self, k)[o])

    @classmethod
    def from_lists(cls, items) -> "MonolateralLMs":
        """From (onset, offset, side) tuples, side 'left'/'right' or 0/1."""
        items = list(items)
        side = [0 if s in (0, "left", "l", "L") else 1 for _, _, s in items]
        return cls([i[0] for i in items], [i[1] for i in items], side)

    @property
    def duration(self) -> np.ndarray:
        """Duration under the rules: from the rule's onset (8-µV crossing) to the offset."""
        return self.offset - self.rule_onset

    def subset(self, mask) -> "MonolateralLMs":
        return MonolateralLMs(*(getattr(self, k)[mask] for k in self._FIELDS))


@dataclass
class LegMovements:
    """Combined leg movements under one rule set: one row per LM (a bilateral LM is one row)."""

    onset: np.ndarray
    offset: np.ndarray
    side: np.ndarray          # 0 left, 1 right, 2 bilateral
    n_members: np.ndarray
    peak_uv: np.ndarray
    candidate: np.ndarray     # counts for IMI/series (AASM: LM 0.5-10 s; WASM: CLM)
    respiratory: np.ndarray = field(default=None)
    arousal: np.ndarray = field(default=None)
    series: np.ndarray = field(default=None)   # PLM series id, -1 none
    imi: np.ndarray = field(default=None)      # onset-to-onset from previous candidate, NaN first
    plm: np.ndarray = field(default=None)      # PLM: in a series (WASM: respiratory-related included)
    plm_nonresp: np.ndarray = field(default=None)  # PLM once respiratory-related LMs are removed

    def __post_init__(self) -> None:
        n = self.onset.size
        for k, fill in (("respiratory", False), ("arousal", False), ("series", -1), ("imi", np.nan),
                        ("plm", False), ("plm_nonresp", False)):
            if getattr(self, k) is None:
                setattr(self, k, np.full(n, fill, dtype=type(fill) if k != "imi" else float))

    def __len__(self) -> int:
        return int(self.onset.size)

    @property
    def duration(self) -> np.ndarray:
        return self.offset - self.onset

    @property
    def in_series(self) -> np.ndarray:
        return self.series >= 0

    @property
    def side_names(self) -> list[str]:
        return [SIDES[s] for s in self.side]


@dataclass(frozen=True)
class RuleSet(Checked):
    """Common parameters of the published PLM rule sets (see :class:`AASM2012`, :class:`WASM2016`).

    Besides the published limits, two jerkdetect computer-scoring parameters apply to EMG
    bursts (not to leg movements read from a scoring file): a burst shorter than
    ``sustained_below_s`` (1 s) is an LM only when it holds ``min_sustained_s`` (0.25 s) of
    uninterrupted activity above 2 µV over rest. Fragmentary myoclonus twitches last <= 150 ms
    (AASM Manual), so two or three of them less than 0.5 s apart fuse, by the bare 8-µV / 0.5-s
    quiet rule, into a 0.5-1 s "movement" made of spikes; a real LM, even a ragged one, holds
    a sustained contraction (the same idea as the WASM morphology rule of Ferri et al. 2016 and
    Skeba et al., Sleep Med 2018). ``min_sustained_s=0`` gives the bare rule.
    """

    name: str = "base"
    min_lm_s: float = 0.5
    max_lm_s: float = 10.0
    min_imi_s: float = 5.0
    max_imi_s: float = 90.0
    min_series: int = 4
    arousal_gap_s: float = 0.5
    short_imi_opens_series: bool = True
    min_sustained_s: float = 0.25
    sustained_below_s: float = 1.0

    LIMITS = {"min_lm_s": non_negative(3600.0), "max_lm_s": positive(3600.0), "min_imi_s": non_negative(86400.0),
              "max_imi_s": positive(86400.0), "min_series": whole(2, 10000), "arousal_gap_s": non_negative(3600.0),
              "short_imi_opens_series": flag(), "min_sustained_s": non_negative(3600.0),
              "sustained_below_s": non_negative(3600.0), "use_morphology": flag()}
    ORDER = (("min_lm_s", "<", "max_lm_s"), ("min_imi_s", "<", "max_imi_s"))

    def to_dict(self) -> dict:
        return asdict(self)

    # -- subclasses implement these two
    def combine(self, lms: MonolateralLMs) -> LegMovements:  # pragma: no cover - abstract
        raise NotImplementedError

    def mark_respiratory(self, lm: LegMovements, resp: np.ndarray) -> LegMovements:  # pragma: no cover
        raise NotImplementedError

    def score(self, lms: MonolateralLMs, respiratory=None, arousals=None) -> LegMovements:
        """Combine legs, apply the respiratory rule, find PLM series, associate arousals."""
        lm = self.combine(lms)
        if respiratory is not None:
            lm = self.mark_respiratory(lm, np.asarray(respiratory, float).reshape(-1, 2))
        self.find_series(lm)
        if arousals is not None:
            lm.arousal = associate(lm.onset, lm.offset, np.asarray(arousals, float).reshape(-1, 2),
                                   self.arousal_gap_s)
        return lm

    def find_series(self, lm: LegMovements) -> LegMovements:
        """PLM series with this rule set's limits; ``plm_nonresp`` from the series found again
        without the respiratory-related LMs (PLMScoRe's PLMnr)."""
        args = (self.min_imi_s, self.max_imi_s, self.min_series, self.short_imi_opens_series)
        lm.series, lm.imi = series_ids(lm.onset, lm.candidate, *args)
        lm.plm = lm.series >= 0
        keep = ~lm.respiratory
        lm.plm_nonresp = np.zeros(len(lm), bool)
        lm.plm_nonresp[keep] = series_ids(lm.onset[keep], lm.candidate[keep], *args)[0] >= 0
        return lm


def series_ids(onset: np.ndarray, candidate: np.ndarray, min_imi: float, max_imi: float, min_len: int,
               short_imi_opens: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """PLM series id of each LM (-1 outside a series) and its IMI (onset to onset from the
    previous candidate LM; NaN after a non-candidate or at the start).

    A series is >= ``min_len`` consecutive candidate LMs with IMI in [``min_imi``, ``max_imi``]
    (AASM 2012: 4 LMs, 5-90 s; WASM 2016: 4 CLMs, 10-90 s). A candidate whose IMI is out of range,
    or a non-candidate LM in between, ends the current series. After an IMI below ``min_imi``,
    WASM 2016 asks for runs "without any CLM preceded by an interval < 10 s interrupting the
    run"; whether that CLM may open the next run is read both ways: PLMScoRe (``lm_score.R``) and
    MATPLM (``candidate_lms.m``) let it (``short_imi_opens=True``, the default); the stricter
    reading, kept by MATPLM's authors as an option (``params.inlm``), does not (False).

    Examples
    --------
    >>> on = np.array([0, 20, 40, 45, 65, 85, 105])
    >>> series_ids(on, np.ones(7, bool), 10, 90, 4)[0].tolist()
    [-1, -1, -1, 0, 0, 0, 0]
    >>> series_ids(on, np.ones(7, bool), 10, 90, 4, short_imi_opens=False)[0].tolist()
    [-1, -1, -1, -1, -1, -1, -1]
    """
    n = onset.size
    series = np.full(n, -1, dtype=np.int64)
    imi = np.full(n, np.nan)
    run: list[int] = []
    sid = 0
    prev = -1

    def close(run: list[int]) -> None:
        nonlocal sid
        if len(run) >= min_len:
            series[run] = sid
            sid += 1

    for i in range(n):
        if not candidate[i]:
            close(run)
            run = []
            prev = -1
            continue
        if prev >= 0:
            imi[i] = onset[i] - onset[prev]
            if min_imi <= imi[i] <= max_imi:
                run.append(i)
            else:
                close(run)
                run = [i] if imi[i] > max_imi or short_imi_opens else []
        else:
            run = [i]
        prev = i
    close(run)
    return series, imi


def associate(on: np.ndarray, off: np.ndarray, events: np.ndarray, gap: float) -> np.ndarray:
    """True where an event (onset, duration) overlaps [on, off] or lies < ``gap`` s from it, either order.

    AASM 2012 and WASM 2016 arousal association: "< 0.5 s between the end of one event and the
    onset of the other, regardless of which is first".
    """
    windows = np.column_stack([events[:, 0], events[:, 0] + events[:, 1]]) if events.size else events
    return overlaps_window(on - gap, off + gap, windows)


def from_groups(m: MonolateralLMs, groups: list[list[int]], candidate: np.ndarray) -> LegMovements:
    """One combined LM per group of monolateral LMs (bilateral when the group spans both legs).

    The plain per-group reference of :func:`from_starts` (groups given as index lists)."""
    on = np.array([m.onset[g].min() for g in groups]) if groups else np.zeros(0)
    off = np.array([m.offset[g].max() for g in groups]) if groups else np.zeros(0)
    side = np.array([2 if len(set(m.side[g])) > 1 else int(m.side[g[0]]) for g in groups], dtype=np.int8)
    nm = np.array([len(g) for g in groups], dtype=np.int64)
    pk = np.array([np.nanmax(m.peak_uv[g]) if np.isfinite(m.peak_uv[g]).any() else np.nan for g in groups])
    return LegMovements(on, off, side, nm, pk, np.asarray(candidate, bool))


def from_starts(m: MonolateralLMs, starts: np.ndarray, candidate: np.ndarray) -> LegMovements:
    """One combined LM per run of consecutive monolateral LMs, each run given by its first index.

    The same table as :func:`from_groups` for contiguous groups, in a few vectorised passes
    (O(n)), so a night of a million scored LMs is combined in seconds.
    """
    starts = np.asarray(starts, dtype=np.int64)
    if starts.size == 0:
        return from_groups(m, [], np.zeros(0, bool))
    nm = np.diff(np.append(starts, m.onset.size))
    on = np.minimum.reduceat(m.onset, starts)
    off = np.maximum.reduceat(m.offset, starts)
    lo, hi = np.minimum.reduceat(m.side, starts), np.maximum.reduceat(m.side, starts)
    side = np.where(lo != hi, 2, lo).astype(np.int8)
    pk = np.fmax.reduceat(m.peak_uv, starts)  # NaN only when every member's peak is NaN
    return LegMovements(on, off, side, nm, pk, np.asarray(candidate, bool))


def group_all(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per run of ``values`` (runs given by their first index): True when every value is True."""
    bad = np.add.reduceat((~np.asarray(values, bool)).astype(np.int64), starts) if starts.size else starts
    return np.asarray(bad == 0, bool)
