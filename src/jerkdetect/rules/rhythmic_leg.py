"""Rhythmic leg patterns that are not leg movements: ALMA and hypnagogic foot tremor (HFT).

Published definitions
---------------------
AASM Manual for the Scoring of Sleep and Associated Events (v2.x movement rules, unchanged
through v2.6, 2020), after Chervin et al. (Mov Disord 2003;18:551) and Wichniak et al. (Mov
Disord 2001;16:1164):

- **ALMA** (alternating leg muscle activation): at least 4 discrete bursts of anterior tibialis
  activity alternating between the legs, at 0.5-3.0 Hz. Chervin et al. describe activations of
  0.1-0.5 s each, alternating at about 1-2 Hz, in sequences of several to 20 s.
- **HFT** (hypnagogic foot tremor): at least 4 bursts in a train, at 0.3-4.0 Hz, in one or both
  legs; bursts usually 250-1000 ms (Wichniak et al.: 300-700 ms at 1-2 per second, at the
  wake-sleep transition and in light sleep). Yang & Winkelman (JCSM 2010;6:431) score the
  same pattern as "high frequency leg movements" (>= 4 leg movements at 0.3-4 Hz).

Neither is a leg movement of the PLM rules, and neither is scored as one by a visual scorer.

How jerkdetect reads them (every number a parameter)
----------------------------------------------------
- Bursts are runs of a leg's EMG envelope at least ``activity_uv`` (2 µV) above its resting
  level whose peak rises at least ``min_excess_uv`` (8 µV, the LM onset level: jerkdetect's
  reading of "burst") above rest; a burst's onset, offset and duration are its visible extent,
  measured at ``edge_fraction`` (a tenth) of the height it holds (its upper quartile) and
  corrected for the envelope window (:func:`~jerkdetect.rules.motor_kernels.burst_extent`).
- A candidate burst lasts ``min_burst_s``-``max_burst_s``; any other burst of the leg(s) in the
  train (a leg movement, a longer contraction) ends the train.
- ALMA frequency: the rate of the alternation cycle, i.e. one over the onset-to-onset period of
  the same leg (``frequency_basis="leg"``, the reading of the simulated stress family and of a
  cycle "left-right"); ``"sequence"`` reads it from consecutive bursts of either leg instead.
  Consecutive bursts must be on opposite legs, and each leg's burst must start between
  ``min_phase`` (0.2, jerkdetect) and 0.8 of the other leg's cycle (alternating, not in step).
- HFT is hypnagogic: with a hypnogram, a train must start in wake, N1 or N2 (``stages``;
  Wichniak et al.: presleep wakefulness, persisting into N1 and N2). Yang & Winkelman also saw
  such trains in REM (9.5 %), where the irregular leg twitches of REM sleep without atonia chain
  into 0.3-Hz "trains" by chance; ``stages=(0, 1, 2, 3, 4)`` scores them in every stage.
- HFT: each leg's own train; trains of the two legs that overlap in time form one episode
  (``legs`` "both"). An HFT train that overlaps an ALMA episode is part of it (the alternating
  pattern is the more specific one) and is not reported.
- ``max_period_change`` (1.5, jerkdetect): consecutive periods of a train differ by at most this
  factor. The published rules name a frequency band, i.e. a rhythm; without this, random twitches
  of dense fragmentary myoclonus chain into trains by chance.

Leg movements inside an episode
-------------------------------
The AASM Manual scores ALMA and HFT as events of their own, under their own rules, beside the
PLM rules; they are rhythmic leg patterns, not leg movements. Under the bare LM onset/offset rule
(8 µV up, 0.5 s below 2 µV ends it) a fast ALMA train fuses into one "movement" per leg and HFT
bursts of 0.5-1 s are each long enough to be one, so a scorer that runs the PLM rules over every
burst counts them. :func:`lms_in_episodes` finds the monolateral leg movements that lie within
an episode of their own leg (its extent widened by a small margin, because the LM rule and the
episode measure edges differently); :func:`jerkdetect.score` leaves them out of the PLM rules
(``MotorRules.exclude_rhythmic_lms``) and counts them apart (``n_lm_in_rhythmic_episodes``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..core.intervals import within_intervals
from ..core.params import Checked, choice, fraction, members, non_negative, number, positive, whole
from .motor_features import EMGFeatures
from .motor_kernels import burst_trains

LEGS = ("left", "right")


@dataclass(frozen=True)
class _TrainRule(Checked):
    """Parameters shared by the ALMA and HFT rules (see the module notes).

    Attributes
    ----------
    min_bursts : int
        Bursts in a train (AASM: at least 4).
    min_hz, max_hz : float
        Burst rate band of the train (AASM: ALMA 0.5-3.0 Hz, HFT 0.3-4.0 Hz).
    min_burst_s, max_burst_s : float
        Duration of each burst (ALMA 0.1-0.5 s, Chervin et al.; HFT 0.25-1.0 s, AASM Manual).
    min_excess_uv : float
        A burst's peak above rest (8 µV, the LM onset level: jerkdetect's reading of "burst").
    activity_uv : float
        Envelope level above rest that delimits a burst (2 µV, the LM offset level; jerkdetect's reading).
    max_period_change : float
        Consecutive periods of a train differ by at most this factor (jerkdetect's reading of a rhythm, 1.5).
    edge_fraction : float
        Where a burst's onset and offset are measured, as a fraction of its height (jerkdetect's reading, 0.1).
    """

    min_bursts: int = 4
    min_hz: float = 0.5
    max_hz: float = 3.0
    min_burst_s: float = 0.1
    max_burst_s: float = 0.5
    min_excess_uv: float = 8.0
    activity_uv: float = 2.0
    max_period_change: float = 1.5
    edge_fraction: float = 0.1

    LIMITS = {"min_bursts": whole(2, 10000), "min_hz": positive(100.0), "max_hz": positive(100.0),
              "min_burst_s": non_negative(60.0), "max_burst_s": positive(60.0), "min_excess_uv": positive(1e4),
              "activity_uv": non_negative(1e4), "max_period_change": number(1.0, 100.0), "edge_fraction": fraction(),
              "frequency_basis": choice("leg", "sequence"), "min_phase": number(0.0, 0.5),
              "stages": members(0, 1, 2, 3, 4)}
    ORDER = (("min_hz", "<", "max_hz"), ("min_burst_s", "<", "max_burst_s"))

    def to_dict(self) -> dict:
        return asdict(self)


def leg_bursts(f: EMGFeatures, activity_uv: float = 2.0, min_excess_uv: float = 8.0,
               edge_fraction: float = 0.1) -> dict[str, np.ndarray]:
    """Every burst of one leg: visible onset, offset and duration (s) and peak above rest (µV)
    (:meth:`EMGFeatures.activity_bursts`); runs that never reach ``min_excess_uv`` above rest are
    not bursts."""
    b = f.activity_bursts(activity_uv, edge_fraction)
    big = b["excess_uv"] >= min_excess_uv
    return {k: v[big] for k, v in b.items()}


@dataclass(frozen=True)
class ALMARule(_TrainRule):
    """Alternating leg muscle activation (AASM Manual v2.x; Chervin et al. 2003): >= 4 bursts of
    0.1-0.5 s alternating between the legs at 0.5-3.0 Hz. See the module notes.

    Attributes
    ----------
    frequency_basis : str
        "leg": the rate of each leg's own bursts, one alternation cycle (jerkdetect's reading);
        "sequence": the rate of consecutive bursts of either leg.
    min_phase : float
        Each leg's burst starts between this fraction and 1 minus it of the other leg's cycle
        (alternating, not in step; jerkdetect's reading, 0.2).
    """

    frequency_basis: str = "leg"
    min_phase: float = 0.2

    def find(self, legs: Mapping[str, EMGFeatures]) -> "RhythmicEpisodes":
        """ALMA episodes of a night from the two legs' features.

        Examples
        --------
        >>> from jerkdetect.rules.motor_features import EMGFeatures
        >>> envs = {m: np.ones(2000, np.float32) for m in LEGS}
        >>> for k in range(6):                      # 0.2-s bursts, each leg at 1 Hz, half a cycle apart
        ...     i = 500 + 50 * k
        ...     envs[LEGS[k % 2]][i:i + 20] = 30.0
        >>> f = {m: EMGFeatures(m, "leg_" + m, e, 100.0, np.ones(20), np.ones(20), 1.0) for m, e in envs.items()}
        >>> ep = ALMARule().find(f)
        >>> len(ep), ep.n_bursts.tolist(), ep.frequency_hz.round(2).tolist()
        (1, [6], [1.0])
        """
        if any(m not in legs for m in LEGS):
            missing = [m for m in LEGS if m not in legs]
            return RhythmicEpisodes.empty("alma", f"no {' or '.join(missing)} leg EMG channel")
        b = _both_legs(legs, self)
        ok = (b["duration"] >= self.min_burst_s - 1e-9) & (b["duration"] <= self.max_burst_s + 1e-9)
        leg_basis = self.frequency_basis == "leg"
        f_lo, f_hi = self.min_hz, self.max_hz
        first, last = burst_trains(b["onset"], b["side"], ok, True, 1.0 / f_hi, 1.0 / f_lo,
                                   self.max_period_change, self.min_phase, self.min_bursts) if leg_basis else \
            _sequence_trains(b, ok, 1.0 / f_hi, 1.0 / f_lo, self.max_period_change, self.min_bursts)
        rows = []
        for a, z in zip(first, last):
            on = b["onset"][a:z + 1]
            per = (on[2:] - on[:-2]) if leg_basis else np.diff(on)
            rows.append((float(on[0]), float(b["offset"][a:z + 1].max()), int(z - a + 1),
                         float(1.0 / np.median(per)), "both", b["unscorable"][a:z + 1].any()))
        return RhythmicEpisodes.from_rows("alma", rows)


def _sequence_trains(b, ok, min_p, max_p, max_change, min_count):
    """ALMA trains read on consecutive bursts of either leg (``frequency_basis="sequence"``):
    the kernel's one-sequence mode, with alternation checked here."""
    first, last = burst_trains(b["onset"], b["side"], ok, False, min_p, max_p, max_change, 0.0, 1)
    out_f, out_l = [], []
    for a, z in zip(first, last):
        s = a
        for k in range(a + 1, z + 2):  # split where two bursts of one leg follow or overlap
            end = k == z + 1 or b["side"][k] == b["side"][k - 1] or b["onset"][k] < b["offset"][k - 1]
            if end:
                if k - s >= min_count:
                    out_f.append(s)
                    out_l.append(k - 1)
                s = k
    return np.array(out_f, np.int64), np.array(out_l, np.int64)


@dataclass(frozen=True)
class HFTRule(_TrainRule):
    """Hypnagogic foot tremor (AASM Manual v2.x; Wichniak et al. 2001): >= 4 bursts of
    250-1000 ms at 0.3-4.0 Hz in one or both legs. See the module notes.

    Attributes
    ----------
    stages : tuple of int
        A train must start in one of these stages (W, N1, N2: hypnagogic, Wichniak et al. 2001).
    """

    min_hz: float = 0.3
    max_hz: float = 4.0
    min_burst_s: float = 0.25
    max_burst_s: float = 1.0
    stages: tuple[int, ...] = (0, 1, 2)

    def find(self, legs: Mapping[str, EMGFeatures], alma: "RhythmicEpisodes | None" = None,
             hypnogram=None) -> "RhythmicEpisodes":
        """HFT episodes of a night (legs that are present); trains overlapping ``alma`` dropped,
        and with a hypnogram those that start outside ``stages``."""
        present = [m for m in LEGS if m in legs]
        if not present:
            return RhythmicEpisodes.empty("hft", "no leg EMG channel")
        trains = []
        for m in present:
            b = _one_leg(legs[m], self)
            ok = (b["duration"] >= self.min_burst_s - 1e-9) & (b["duration"] <= self.max_burst_s + 1e-9)
            first, last = burst_trains(b["onset"], np.zeros(b["onset"].size, np.int8), ok, False,
                                       1.0 / self.max_hz, 1.0 / self.min_hz, self.max_period_change, 0.0,
                                       self.min_bursts)
            for a, z in zip(first, last):
                on = b["onset"][a:z + 1]
                trains.append([float(on[0]), float(b["offset"][a:z + 1].max()), int(z - a + 1),
                               float(1.0 / np.median(np.diff(on))), m, bool(b["unscorable"][a:z + 1].any())])
        trains.sort()
        rows: list[list] = []
        for t in trains:  # trains of the two legs that overlap are one episode
            if rows and t[0] < rows[-1][1] and t[4] != rows[-1][4]:
                r = rows[-1]
                if t[2] > r[2]:
                    r[2], r[3] = t[2], t[3]
                r[1] = max(r[1], t[1])
                r[4] = "both"
                r[5] = r[5] or t[5]
            else:
                rows.append(t)
        if alma is not None and len(alma):
            rows = [r for r in rows if not np.any((alma.onset < r[1]) & (alma.offset > r[0]))]
        if hypnogram is not None and rows:
            st = hypnogram.stage_at(np.array([r[0] for r in rows]))
            rows = [r for r, s in zip(rows, st) if s in self.stages]
        return RhythmicEpisodes.from_rows("hft", [tuple(r) for r in rows])


def _one_leg(f: EMGFeatures, rule: _TrainRule) -> dict[str, np.ndarray]:
    b = leg_bursts(f, rule.activity_uv, rule.min_excess_uv, rule.edge_fraction)
    from ..core.intervals import overlaps_window
    b["unscorable"] = overlaps_window(b["onset"], b["offset"], f.unscorable)
    return b


def _both_legs(legs: Mapping[str, EMGFeatures], rule: _TrainRule) -> dict[str, np.ndarray]:
    parts = [_one_leg(legs[m], rule) for m in LEGS]
    side = np.concatenate([np.full(p["onset"].size, k, np.int8) for k, p in enumerate(parts)])
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    o = np.lexsort((side, out["onset"]))
    out = {k: v[o] for k, v in out.items()}
    out["side"] = side[o]
    return out


@dataclass
class RhythmicEpisodes:
    """ALMA or HFT episodes: onset, offset (s), number of bursts, frequency (Hz), legs, and whether
    a burst touches an unscorable stretch (``artefact``). ``reason`` says why none could be
    scored (a leg channel missing)."""

    kind: str
    onset: np.ndarray
    offset: np.ndarray
    n_bursts: np.ndarray
    frequency_hz: np.ndarray
    legs: list[str]
    artefact: np.ndarray
    reason: str | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.onset.size)

    @property
    def duration(self) -> np.ndarray:
        return self.offset - self.onset

    @classmethod
    def empty(cls, kind: str, reason: str | None = None) -> "RhythmicEpisodes":
        z = np.zeros(0)
        return cls(kind, z, z, np.zeros(0, np.int64), z, [], np.zeros(0, bool), reason)

    @classmethod
    def from_rows(cls, kind: str, rows: list[tuple]) -> "RhythmicEpisodes":
        if not rows:
            return cls.empty(kind)
        rows = sorted(rows)
        col = list(zip(*rows))
        return cls(kind, np.array(col[0], float), np.array(col[1], float), np.array(col[2], np.int64),
                   np.array(col[3], float), list(col[4]), np.array(col[5], bool))

    def intervals(self) -> np.ndarray:
        """(onset, offset) of every episode as an (n, 2) array."""
        return np.column_stack([self.onset, self.offset]) if len(self) else np.zeros((0, 2))


def lms_in_episodes(onset: np.ndarray, offset: np.ndarray, side: np.ndarray,
                    episodes: Sequence[RhythmicEpisodes], margin_s: float = 0.25) -> np.ndarray:
    """Which monolateral leg movements lie within an ALMA or HFT episode of their own leg.

    A movement of leg ``side`` (0 left, 1 right) lies within an episode when the episode involves
    that leg (ALMA: both; HFT: its ``legs``) and the movement starts no earlier than ``margin_s``
    before the episode and ends no later than ``margin_s`` after it. The margin (jerkdetect's,
    0.25 s) absorbs the different edges of the two readings: the LM rule starts a movement at its
    8-µV rise and ends it where 0.5 s of quiet begins, an episode runs over the bursts' visible
    extent; on simulated nights they lie within 0.05 s of each other. A leg movement that the train
    merely touches (a real LM right after the last burst fuses with it and outlasts the episode)
    is not within it.

    Parameters
    ----------
    onset, offset : arrays (s)
    side : array of 0 (left) / 1 (right)
    episodes : RhythmicEpisodes (ALMA, HFT)
    margin_s : float

    Returns
    -------
    bool array, one per movement

    Examples
    --------
    >>> ep = RhythmicEpisodes.from_rows("hft", [(10.0, 16.0, 6, 1.0, "left", False)])
    >>> lms_in_episodes(np.array([10.0, 11.0, 15.5]), np.array([10.7, 11.7, 17.0]), np.array([0, 1, 0]), [ep]).tolist()
    [True, False, False]
    """
    if not (np.isfinite(margin_s) and margin_s >= 0):
        raise ValueError(f"margin_s must be a number >= 0, got {margin_s!r}.")
    onset, offset = np.asarray(onset, float), np.asarray(offset, float)
    side = np.asarray(side)
    out = np.zeros(onset.size, bool)
    for k, leg in enumerate(LEGS):
        win = [(a - margin_s, b + margin_s) for ep in episodes for a, b, legs in zip(ep.onset, ep.offset, ep.legs)
               if legs in (leg, "both")]
        mine = side == k
        if win and mine.any():
            out[mine] = within_intervals(onset[mine], offset[mine], win)
    return out
