"""AASM 2012 periodic limb movement rules (AASM Manual for the Scoring of Sleep, v2.0 and later)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import LegMovements, MonolateralLMs, RuleSet, from_starts
from ..core.intervals import overlaps_window
from ..core.params import non_negative


@dataclass(frozen=True)
class AASM2012(RuleSet):
    """AASM 2012 (Manual v2.0+, movement rules).

    - LM duration 0.5-10 s (``min_lm_s``, ``max_lm_s``); longer movements are not LMs.
    - LMs on the two legs with onsets < 5 s apart count as one LM (``bilateral_onset_s``).
    - PLM series: >= 4 consecutive LMs (``min_series``) with onset-to-onset period 5-90 s
      (``min_imi_s``, ``max_imi_s``).
    - An LM within 0.5 s before or after an apnea, hypopnea or RERA is not scored
      (``respiratory_margin_s``).
    - LM and arousal are associated when < 0.5 s separate the end of one and the onset of the
      other, in either order (``arousal_gap_s``).
    - ``use_morphology`` (default False, not part of AASM 2012): also apply the WASM 2016
      computer-scoring morphology check (see :class:`WASM2016`).
    """

    name: str = "aasm2012"
    bilateral_onset_s: float = 5.0
    respiratory_margin_s: float = 0.5
    use_morphology: bool = False

    LIMITS = {"bilateral_onset_s": non_negative(3600.0), "respiratory_margin_s": non_negative(3600.0)}

    def combine(self, lms: MonolateralLMs) -> LegMovements:
        d = lms.duration
        keep = (d >= self.min_lm_s) & (d <= self.max_lm_s)
        if self.use_morphology:
            keep &= lms.morph_ok
        m = lms.subset(keep)
        starts = onset_pairs(m.onset, m.side, self.bilateral_onset_s)
        return from_starts(m, starts, np.ones(starts.size, bool))

    def mark_respiratory(self, lm: LegMovements, resp: np.ndarray) -> LegMovements:
        """Remove LMs from ``respiratory_margin_s`` before to after a respiratory event (not scored)."""
        win = np.column_stack([resp[:, 0] - self.respiratory_margin_s,
                               resp[:, 0] + resp[:, 1] + self.respiratory_margin_s]) if resp.size else resp
        drop = overlaps_window(lm.onset, lm.offset, win)
        keep = ~drop
        return LegMovements(lm.onset[keep], lm.offset[keep], lm.side[keep], lm.n_members[keep],
                            lm.peak_uv[keep], lm.candidate[keep])



def onset_pairs(onset: np.ndarray, side: np.ndarray, window: float) -> np.ndarray:
    """First index of each AASM 2012 group of monolateral LMs sorted by onset.

    An LM joins the LM that opened the group when its onset is < ``window`` s after that onset
    and no LM of its leg is in the group yet (two legs: at most one LM per leg). One pass, O(n).

    Examples
    --------
    >>> onset_pairs(np.array([0.0, 1.0, 2.0, 9.0]), np.array([0, 1, 0, 1]), 5.0).tolist()
    [0, 2, 3]
    """
    n = onset.size
    starts = []
    i = 0
    while i < n:
        starts.append(i)
        legs = {int(side[i])}
        j = i + 1
        while j < n and onset[j] - onset[i] < window and int(side[j]) not in legs:
            legs.add(int(side[j]))
            j += 1
        i = j
    return np.asarray(starts, dtype=np.int64)
