"""Compare a scoring with a simulated night's ground truth (used by tests and benchmarks)."""
from __future__ import annotations

import numpy as np

from ..alignment import merge_intervals
from ..reporting.compare import match_onsets
from ..reporting.indices import night_indices
from ..rules import MonolateralLMs, get_rules
from ..rules.base import overlaps_window


def truth_lms(truth: dict, exclude=None) -> MonolateralLMs:
    """Ground-truth monolateral LMs, leaving out those that overlap ``exclude``: (n, 2) intervals
    for both legs, or a dict ``{"left": intervals, "right": intervals}`` (per-leg artefacts)."""
    lm = truth["leg_movements"]
    on = np.array([x["onset"] for x in lm], dtype=float)
    off = np.array([x["offset"] for x in lm], dtype=float)
    side = np.array([0 if x["side"] == "left" else 1 for x in lm], dtype=int)
    keep = np.ones(on.size, bool)
    if exclude is not None:
        per = exclude if isinstance(exclude, dict) else {"left": exclude, "right": exclude}
        for k, leg in enumerate(("left", "right")):
            iv = np.asarray(per.get(leg, np.zeros((0, 2))), float).reshape(-1, 2)
            keep[side == k] &= ~overlaps_window(on[side == k], off[side == k], iv)
    return MonolateralLMs(on[keep], off[keep], side[keep])


def _excluded(result) -> dict | np.ndarray:
    """What the result left out of scoring, per leg when it has per-leg artefacts."""
    b = getattr(result, "bursts", None) or {}
    if "leg_left" in b and "leg_right" in b:
        gaps = result.unscorable
        return {"left": np.concatenate([b["leg_left"].unscorable, gaps]),
                "right": np.concatenate([b["leg_right"].unscorable, gaps])}
    return result.unscorable


def evaluate(result, truth: dict, hypnogram, rules="wasm2016", tolerance: float = 0.5) -> dict:
    """F1 of LMs, PLMs and hypnic jerks and the PLMS-index error of ``result`` against ``truth``.

    The truth is scored under the same rule set, hypnogram, arousals, respiratory events and
    unscorable stretches as the result, so differences come from detection alone.
    """
    rs = get_rules(rules if isinstance(rules, str) else rules)
    ar = np.array(truth["arousals"], float).reshape(-1, 2)
    resp = np.array([(a, d) for a, d, _ in truth["respiratory"]], float).reshape(-1, 2)
    t_lm = rs.score(truth_lms(truth, _excluded(result)), resp, ar)
    t_stage = hypnogram.stage_at(t_lm.onset)
    jerks_t = np.array([j["onset"] for j in truth["hypnic_jerks"]])
    t_idx = night_indices(t_lm, t_stage, hypnogram, dict(onset=jerks_t, arousal=np.zeros(jerks_t.size, bool)),
                          result.unscorable, True, True)
    lm_m = match_onsets(result.lm.onset[result.lm.candidate], t_lm.onset[t_lm.candidate], tolerance)
    plm_m = match_onsets(result.lm.onset[result.lm.plm], t_lm.onset[t_lm.plm], tolerance)
    jk_m = match_onsets(result.jerks["onset"], jerks_t, tolerance)
    d = result.indices.get("plms_index"), t_idx.get("plms_index")
    return dict(lm=lm_m, plm=plm_m, jerk=jk_m, plms_index=d[0], plms_index_truth=d[1],
                plms_index_error=None if None in d else abs(d[0] - d[1]),
                unscorable_covered=_covered(truth, result))


def _covered(truth: dict, result) -> float:
    """Fraction of the simulated unscorable stretches that the scorer marked unscorable (on the
    same leg when the result has per-leg artefacts)."""
    ex = _excluded(result)
    tot = cov = 0.0
    for u in truth["unscorable"]:
        a, b = u["start"], u["end"]
        tot += b - a
        for s, e in merge_intervals(ex.get(u.get("leg"), ex["left"]) if isinstance(ex, dict) else ex):
            cov += max(0.0, min(b, e) - max(a, s))
    return 1.0 if tot == 0 else cov / tot
