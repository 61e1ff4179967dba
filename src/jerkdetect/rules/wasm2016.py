"""WASM 2016 leg-movement rules (Ferri et al., Sleep Medicine 2016;26:86-95)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import LegMovements, MonolateralLMs, RuleSet, from_starts, group_all
from ..core.intervals import overlaps_window
from ..core.params import non_negative, positive, whole


@dataclass(frozen=True)
class WASM2016(RuleSet):
    """World Association of Sleep Medicine 2016 standards (Ferri et al. 2016).

    - Monolateral LM: 0.5-10 s (``min_lm_s``, ``max_lm_s``) is a candidate LM (CLM); longer
      movements stay in the sequence as non-candidate LMs that end any PLM series.
    - Monolateral LMs on different legs that overlap or are < 0.5 s apart (``bilateral_gap_s``)
      form one bilateral LM, a CLM when it lasts 0.5-15 s (``max_bilateral_s``) and joins at most
      4 monolateral LMs (``max_bilateral_members``), each of them 0.5-10 s.
    - PLM series: >= 4 consecutive CLMs (``min_series``) with IMI 10-90 s (``min_imi_s``,
      ``max_imi_s``); a CLM with IMI < 10 s, an IMI > 90 s or a non-CLM ends the series. Whether
      the CLM after a short IMI may open the next series is read both ways
      (``short_imi_opens_series``, default True as PLMScoRe and MATPLM; see
      :func:`~jerkdetect.rules.base.series_ids`).
    - An LM overlapping the window from 2 s before to 10.25 s after the end of an apnea,
      hypopnea or RERA is respiratory-related (``resp_before_end_s``, ``resp_after_end_s``).
      WASM 2016 defines PLM "regardless of the rules used to define association with
      respiration" and asks "also" for the rate without respiratory-related events. As PLMScoRe
      (``lm_score.R``): the PLM index counts every PLM, respiratory-related ones included
      (``plm``); the non-respiratory PLM index removes every respiratory-related LM and searches
      the series again (``plm_nonresp``, PLMScoRe's PLMnr).
    - LM and arousal are associated when they overlap or < 0.5 s separate the end of one and the
      onset of the other, in either order (``arousal_gap_s``).
    - Computer scoring morphology (``use_morphology``): the LM must contain a 0.5-s stretch whose
      median rectified EMG is >= 2 µV above rest.
    """

    name: str = "wasm2016"
    min_imi_s: float = 10.0
    bilateral_gap_s: float = 0.5
    max_bilateral_s: float = 15.0
    max_bilateral_members: int = 4
    resp_before_end_s: float = 2.0
    resp_after_end_s: float = 10.25
    use_morphology: bool = True

    LIMITS = {"bilateral_gap_s": non_negative(3600.0), "max_bilateral_s": positive(3600.0),
              "max_bilateral_members": whole(2, 1000), "resp_before_end_s": non_negative(3600.0),
              "resp_after_end_s": non_negative(3600.0)}

    def combine(self, lms: MonolateralLMs) -> LegMovements:
        keep = lms.duration >= self.min_lm_s
        if self.use_morphology:
            keep &= lms.morph_ok
        m = lms.subset(keep)
        starts = bilateral_runs(m.onset, m.offset, m.side, self.bilateral_gap_s)
        dur = m.duration  # computed once: a property re-read per group made this quadratic
        members_ok = group_all((dur >= self.min_lm_s) & (dur <= self.max_lm_s), starts)
        res = from_starts(m, starts, np.zeros(starts.size, bool))
        limit = np.where(res.n_members == 1, self.max_lm_s, self.max_bilateral_s)
        res.candidate = members_ok & (res.offset - res.onset <= limit) & (res.n_members <= self.max_bilateral_members)
        return res

    def mark_respiratory(self, lm: LegMovements, resp: np.ndarray) -> LegMovements:
        if resp.size:
            end = resp[:, 0] + resp[:, 1]
            win = np.column_stack([end - self.resp_before_end_s, end + self.resp_after_end_s])
            lm.respiratory = overlaps_window(lm.onset, lm.offset, win)
        return lm


def bilateral_runs(onset: np.ndarray, offset: np.ndarray, side: np.ndarray, gap: float) -> np.ndarray:
    """First index of each WASM 2016 bilateral group of monolateral LMs sorted by onset.

    An LM joins the group before it when its onset is < ``gap`` s after the group's latest
    offset (overlapping or < 0.5 s apart) and the group holds an LM of another leg. One pass,
    O(n): the group's legs are kept as a set, never re-read member by member.

    Examples
    --------
    >>> bilateral_runs(np.array([0.0, 0.2, 5.0, 5.1]), np.array([1.0, 1.2, 6.0, 6.1]),
    ...                np.array([0, 1, 0, 0]), 0.5).tolist()
    [0, 2, 3]
    """
    n = onset.size
    starts = []
    i = 0
    while i < n:
        starts.append(i)
        end = offset[i]
        legs = {int(side[i])}
        j = i + 1
        while j < n and onset[j] - end < gap and legs - {int(side[j])}:
            legs.add(int(side[j]))
            end = max(end, offset[j])
            j += 1
        i = j
    return np.asarray(starts, dtype=np.int64)
