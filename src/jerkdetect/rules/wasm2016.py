"""WASM 2016 leg-movement rules (Ferri et al., Sleep Medicine 2016;26:86-95)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import LegMovements, MonolateralLMs, RuleSet, from_groups
from ..core.intervals import overlaps_window
from ..core.params import non_negative, positive, whole


@dataclass(frozen=True)
class WASM2016(RuleSet):
    """World Association of Sleep Medicine 2016 standards (Ferri et al. 2016).

    - Monolateral LM: 0.5-10 s is a candidate LM (CLM); longer movements stay in the sequence as
      non-candidate LMs that end any PLM series.
    - Monolateral LMs on different legs that overlap or are < 0.5 s apart (``bilateral_gap_s``)
      form one bilateral LM, a CLM when it lasts 0.5-15 s (``max_bilateral_s``) and joins at most
      4 monolateral LMs (``max_bilateral_members``), each of them 0.5-10 s.
    - PLM series: >= 4 consecutive CLMs with IMI 10-90 s; a CLM with IMI < 10 s, an IMI > 90 s or a
      non-CLM ends the series. Whether the CLM after a short IMI may open the next series is read
      both ways (``short_imi_opens_series``, default True as PLMScoRe and MATPLM; see
      :func:`~jerkdetect.rules.base.series_ids`).
    - An LM overlapping the window from 2 s before to 10.25 s after the end of an apnea,
      hypopnea or RERA is respiratory-related (``resp_before_end_s``, ``resp_after_end_s``).
      WASM 2016 defines PLM "regardless of the rules used to define association with
      respiration" and asks "also" for the rate without respiratory-related events. As PLMScoRe
      (``lm_score.R``): the PLM index counts every PLM, respiratory-related ones included
      (``plm``); the non-respiratory PLM index removes every respiratory-related LM and searches
      the series again (``plm_nonresp``, PLMScoRe's PLMnr).
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
        n = m.onset.size
        groups: list[list[int]] = []
        i = 0
        while i < n:
            g = [i]
            end = m.offset[i]
            j = i + 1
            while j < n and m.onset[j] - end < self.bilateral_gap_s \
                    and any(m.side[j] != m.side[k] for k in g):
                g.append(j)
                end = max(end, m.offset[j])
                j += 1
            groups.append(g)
            i = j
        cand = np.zeros(len(groups), bool)
        for k, g in enumerate(groups):
            members_ok = all(self.min_lm_s <= m.duration[x] <= self.max_lm_s for x in g)
            span = m.offset[g].max() - m.onset[g].min()
            limit = self.max_lm_s if len(g) == 1 else self.max_bilateral_s
            cand[k] = members_ok and span <= limit and len(g) <= self.max_bilateral_members
        return from_groups(m, groups, cand)

    def mark_respiratory(self, lm: LegMovements, resp: np.ndarray) -> LegMovements:
        if resp.size:
            end = resp[:, 0] + resp[:, 1]
            win = np.column_stack([end - self.resp_before_end_s, end + self.resp_after_end_s])
            lm.respiratory = overlaps_window(lm.onset, lm.offset, win)
        return lm
