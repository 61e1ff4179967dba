"""Compare a scoring with a simulated night's ground truth (used by tests and benchmarks)."""
from __future__ import annotations

import numpy as np

from ..core.intervals import intersect_intervals, merge_intervals
from .matching import match_onsets
from ..alignment.indices import SLEEP, night_indices
from ..rules import MonolateralLMs, get_rules
from ..core.intervals import overlaps_window

LEGS = ("left", "right")


def per_leg_truth(truth: dict) -> bool:
    """Whether the truth says which leg each unscorable stretch belongs to and what it is
    (stress-family nights); older truths are evaluated against the scorer's own stretches."""
    return "stress" in truth or any("kind" in u for u in truth["unscorable"])


def truth_unscorable(truth: dict, leg: str | None = None, kind: str | None = None) -> np.ndarray:
    """Truth unscorable stretches as an (n, 2) array, of one leg (or both) and one kind (or all)."""
    iv = [(u["start"], u["end"]) for u in truth["unscorable"]
          if (leg is None or u["leg"] == leg) and (kind is None or u.get("kind", "noise") == kind)]
    return np.array(iv, float).reshape(-1, 2)


RHYTHMIC_KINDS = ("alma", "hft")


def truth_lms(truth: dict, exclude=None, per_leg: bool = False) -> MonolateralLMs:
    """Ground-truth monolateral LMs.

    ``exclude``: leave out those overlapping these intervals, an (n, 2) array for both legs or
    a dict ``{"left": ..., "right": ...}`` per leg. ``per_leg``: leave out those overlapping an
    unscorable stretch of their own leg in the truth; the other leg's movements stay.

    ALMA and HFT trains are no LMs (AASM Manual: events of their own; jerkdetect's
    ``MotorRules.exclude_rhythmic_lms``): truth files written before this reading listed the
    movements of fused ALMA trains with ``kind`` "alma"; they are left out here too.
    """
    lm = [x for x in truth["leg_movements"] if x.get("kind") not in RHYTHMIC_KINDS]
    on = np.array([x["onset"] for x in lm], float)
    off = np.array([x["offset"] for x in lm], float)
    side = np.array([0 if x["side"] == "left" else 1 for x in lm], int)
    keep = np.ones(on.size, bool)
    for k, leg in enumerate(LEGS):
        iv = [] if exclude is None else exclude.get(leg, []) if isinstance(exclude, dict) else exclude
        if per_leg:
            iv = np.concatenate([np.asarray(iv, float).reshape(-1, 2), truth_unscorable(truth, leg)])
        keep &= ~((side == k) & overlaps_window(on, off, np.asarray(iv, float).reshape(-1, 2)))
    return MonolateralLMs(on[keep], off[keep], side[keep])


def truth_scoring(truth: dict, hypnogram, rules="wasm2016", exclude: np.ndarray | None = None):
    """The truth LMs scored under ``rules`` with the truth's arousals and respiratory events.

    ``exclude`` None: each leg's own truth unscorable stretches leave that leg's LMs, and the
    time where both legs are unscorable leaves the denominators (jerkdetect's convention, see
    :func:`jerkdetect.score`); otherwise ``exclude`` is the scorer's own per-leg
    stretches (dict) or both-leg intervals, and its both-leg part leaves the denominators.

    Returns
    -------
    (LegMovements, dict)
        The combined truth LMs and their night indices.
    """
    rs = get_rules(rules if isinstance(rules, str) else rules)
    ar = np.array(truth["arousals"], float).reshape(-1, 2)
    resp = np.array([(a, d) for a, d, _ in truth["respiratory"]], float).reshape(-1, 2)
    if exclude is None:
        mono = truth_lms(truth, per_leg=True)
        denom = intersect_intervals(truth_unscorable(truth, "left"), truth_unscorable(truth, "right"))
    elif isinstance(exclude, dict):
        mono, denom = truth_lms(truth, exclude), intersect_intervals(exclude["left"], exclude["right"])
    else:
        mono, denom = truth_lms(truth, exclude), exclude
    t_lm = rs.score(mono, resp, ar)
    jerks_t = np.array([j["onset"] for j in truth["hypnic_jerks"]])
    t_idx = night_indices(t_lm, hypnogram.stage_at(t_lm.onset), hypnogram,
                          dict(onset=jerks_t, arousal=np.zeros(jerks_t.size, bool)), denom, True, True)
    return t_lm, t_idx


def evaluate(result, truth: dict, hypnogram, rules="wasm2016", tolerance: float = 0.5,
             unscorable: str = "auto") -> dict:
    """F1 of LMs, PLMs and hypnic jerks and the PLMS-index error of ``result`` against ``truth``.

    The truth is scored under the same rule set, hypnogram, arousals and respiratory events as
    the result, so differences come from detection. ``unscorable`` says which stretches leave
    the truth: "truth" (each leg's own, from the truth; time denominators without the time where
    both legs are unscorable), "result" (the scorer's own per-leg stretches, as for plain
    nights before the stress family), or "auto" ("truth" where the truth names legs and kinds, see
    :func:`per_leg_truth`).

    Returns
    -------
    dict
        ``lm``, ``lms`` (LMs starting in sleep), ``plm``, ``jerk`` (each from
        :func:`~jerkdetect.evaluation.matching.match_onsets`),
        ``plms_index``, ``plms_index_truth``, ``plms_index_error``, ``unscorable_covered``
        (fraction of the truth stretches the scorer marked), ``unscorable_excess_s`` (time the
        scorer marked outside them, per leg where it says which), ``lm_by_kind`` and
        ``jerk_by_kind`` (truth count and matches per simulated kind), ``unscorable_mode``.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> from jerkdetect.simulate.stress import stress_night
    >>> night = stress_night("staggered", seed=1, duration_h=0.5, fs_emg=200)
    >>> res = jd.score(night.recording(), annotations=night.hypnogram, rules="aasm2012")
    >>> ev = evaluate(res, night.truth, night.hypnogram, "aasm2012")
    >>> sorted(ev)[:3]
    ['jerk', 'jerk_by_kind', 'lm']
    """
    mode = ("truth" if per_leg_truth(truth) else "result") if unscorable == "auto" else unscorable
    if mode not in ("truth", "result"):
        raise ValueError(f"unscorable must be 'auto', 'truth' or 'result', not '{unscorable}'")
    t_lm, t_idx = truth_scoring(truth, hypnogram, rules, _result_excluded(result) if mode == "result" else None)
    jerks_t = np.array([j["onset"] for j in truth["hypnic_jerks"]])
    det_lm = result.lm.onset[result.lm.candidate]
    lm_m = match_onsets(det_lm, t_lm.onset[t_lm.candidate], tolerance)
    asleep = np.isin(hypnogram.stage_at(det_lm), SLEEP)
    lms_m = match_onsets(det_lm[asleep], t_lm.onset[t_lm.candidate & np.isin(hypnogram.stage_at(t_lm.onset), SLEEP)],
                         tolerance)
    plm_m = match_onsets(result.lm.onset[result.lm.plm], t_lm.onset[t_lm.plm], tolerance)
    jk_m = match_onsets(result.jerks["onset"], jerks_t, tolerance)
    d = result.indices.get("plms_index"), t_idx.get("plms_index")
    return dict(lm=lm_m, lms=lms_m, plm=plm_m, jerk=jk_m, plms_index=d[0], plms_index_truth=d[1],
                plms_index_error=None if None in d else abs(d[0] - d[1]),
                unscorable_covered=_covered(truth, result), unscorable_excess_s=_excess(truth, result),
                lm_by_kind=_by_kind(det_lm, t_lm.onset[t_lm.candidate], truth["leg_movements"], tolerance),
                jerk_by_kind=_by_kind(result.jerks["onset"], jerks_t, truth["hypnic_jerks"], tolerance),
                unscorable_mode=mode)


def _by_kind(detected: np.ndarray, reference: np.ndarray, items: list[dict], tolerance: float) -> dict:
    """Truth count and matches per ``kind`` (a combined LM takes the kind of its earliest member)."""
    kind_at = {round(x["onset"], 6): x.get("kind", "plain") for x in sorted(items, key=lambda x: -x["onset"])}
    kinds = np.array([kind_at.get(round(float(t), 6), "plain") for t in reference])
    out = {}
    for k in sorted(set(kinds.tolist())):
        m = match_onsets(detected, reference[kinds == k], tolerance)
        out[k] = dict(n=int(m["tp"] + m["fn"]), found=int(m["tp"]))
    return out


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Total time covered by both interval sets."""
    return float(sum(max(0.0, min(e, f) - max(s, r)) for s, e in merge_intervals(a) for r, f in merge_intervals(b)))


def _result_excluded(result) -> dict:
    """The scorer's unscorable stretches per leg (each leg's own plus the both-leg ones)."""
    return {leg: np.concatenate([_result_unscorable(result, leg), np.asarray(result.unscorable, float).reshape(-1, 2)])
            for leg in LEGS}


def _result_unscorable(result, leg: str) -> np.ndarray:
    b = getattr(result, "bursts", None) or {}
    role = "leg_" + leg
    if role in b and getattr(b[role], "unscorable", None) is not None:
        return np.asarray(b[role].unscorable, float).reshape(-1, 2)
    return np.asarray(result.unscorable, float).reshape(-1, 2)


def evaluate_arousals(result, truth: dict, hypnogram, rules="wasm2016", tolerance: float = 0.5) -> dict:
    """Arousals of ``result`` (e.g. ``score(..., arousals="detect")``) against the simulated truth.

    Returns event matching (overlap, one-to-one) of the arousals used by ``result``, the
    agreement of the LM arousal links on LMs matched to the true LMs (onsets within
    ``tolerance``), and the PLMS-arousal index error against the truth scored with the true
    arousals.
    """
    from .arousals import link_agreement
    from .matching import match_intervals, pair_onsets
    mode = "truth" if per_leg_truth(truth) else "result"
    t_lm, t_idx = truth_scoring(truth, hypnogram, rules, _result_excluded(result) if mode == "result" else None)
    used = result.detected_arousals.to_array() if result.detected_arousals is not None else result.scored_arousals
    ev = match_intervals(np.zeros((0, 2)) if used is None else used, np.array(truth["arousals"], float).reshape(-1, 2))
    ev.pop("pairs")
    pairs = pair_onsets(result.lm.onset, t_lm.onset, tolerance)  # both sorted by onset
    i, j = (np.array([p[k] for p in pairs], int) for k in (0, 1))
    links = link_agreement(result.lm.arousal[i], t_lm.arousal[j], result.lm.plm[i] & t_lm.plm[j])
    d = result.indices.get("plms_arousal_index"), t_idx.get("plms_arousal_index")
    return dict(events=ev, **links, plms_arousal_index=d[0], plms_arousal_index_truth=d[1],
                plms_arousal_index_error=None if None in d else abs(d[0] - d[1]))


def compare_with_truth(result, truth, tolerance: float = 0.5) -> dict:
    """Compare a scoring of a simulated night with that night's ground truth (``X_truth.json``).

    The truth lists every monolateral leg movement (a bilateral movement is two entries), so it
    cannot be matched onset for onset against the scored LMs (``result.compare(onsets)`` would
    count the second leg of every bilateral movement as missed). This scores the truth under the
    result's own rule set (with its parameters), hypnogram, arousals, respiratory events and
    unscorable stretches, then matches: differences come from detection alone.

    Parameters
    ----------
    result : ScoringResult
    truth : path or dict
        The simulator's truth JSON (``sample_path("truth")`` for the sample night).
    tolerance : float
        Largest onset difference (s) of a match.

    Returns
    -------
    dict
        ``lm``, ``plm``, ``jerk``: precision, recall, F1, onset errors; ``plms_index`` and
        ``plms_index_truth``, their ``plms_index_error``; ``unscorable_covered``.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.score(jd.sample_path())
    >>> m = jd.simulate.compare_with_truth(res, jd.sample_path("truth"))
    >>> m["lm"]["f1"], m["plm"]["f1"], m["plms_index_error"]
    (1.0, 1.0, 0.0)
    """
    import json
    import os
    from ..rules import RULESETS
    if isinstance(truth, (str, os.PathLike)):
        with open(truth) as f:
            truth = json.load(f)
    if result.hypnogram is None:
        raise ValueError("comparing with the truth needs the result's hypnogram, and it has none")
    r = dict(result.info.get("rules", {"name": "wasm2016"}))
    rs = RULESETS[r.pop("name")](**r)
    return evaluate(result, truth, result.hypnogram, rs, tolerance)


def _covered(truth: dict, result) -> float:
    """Fraction of the simulated unscorable stretches that the scorer marked unscorable."""
    tot = cov = 0.0
    for u in truth["unscorable"]:
        a, b = u["start"], u["end"]
        tot += b - a
        cov += _overlap(np.array([[a, b]]), _result_unscorable(result, u["leg"]))
    return 1.0 if tot == 0 else cov / tot


def _excess(truth: dict, result) -> float:
    """Seconds marked unscorable by the scorer outside the truth's stretches, summed over legs."""
    out = 0.0
    for leg in LEGS:
        mine = merge_intervals(_result_unscorable(result, leg))
        if mine.size:
            out += float(np.sum(mine[:, 1] - mine[:, 0])) - _overlap(mine, truth_unscorable(truth, leg))
    return out
