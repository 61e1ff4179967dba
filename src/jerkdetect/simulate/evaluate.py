"""Compare a scoring with a simulated night's ground truth (used by tests and benchmarks)."""
from __future__ import annotations

import numpy as np

from ..reporting.compare import match_onsets
from ..reporting.indices import night_indices
from ..rules import MonolateralLMs, get_rules
from ..rules.base import inside_intervals


def truth_lms(truth: dict, exclude: np.ndarray | None = None) -> MonolateralLMs:
    """Ground-truth monolateral LMs (optionally leaving out those starting in ``exclude`` intervals)."""
    lm = truth["leg_movements"]
    on = np.array([x["onset"] for x in lm])
    off = np.array([x["offset"] for x in lm])
    side = np.array([0 if x["side"] == "left" else 1 for x in lm])
    keep = np.ones(on.size, bool) if exclude is None else ~inside_intervals(on, exclude)
    return MonolateralLMs(on[keep], off[keep], side[keep])


def _truth_scoring(result, truth: dict, hypnogram, rules):
    """The truth's LMs scored under the result's rule set, hypnogram and unscorable stretches."""
    rs = get_rules(rules if isinstance(rules, str) else rules)
    ar = np.array(truth["arousals"], float).reshape(-1, 2)
    resp = np.array([(a, d) for a, d, _ in truth["respiratory"]], float).reshape(-1, 2)
    t_lm = rs.score(truth_lms(truth, result.unscorable), resp, ar)
    t_stage = hypnogram.stage_at(t_lm.onset)
    jerks_t = np.array([j["onset"] for j in truth["hypnic_jerks"]])
    t_idx = night_indices(t_lm, t_stage, hypnogram, dict(onset=jerks_t, arousal=np.zeros(jerks_t.size, bool)),
                          result.unscorable, True, True)
    return t_lm, t_idx, jerks_t


def evaluate(result, truth: dict, hypnogram, rules="wasm2016", tolerance: float = 0.5) -> dict:
    """F1 of LMs, PLMs and hypnic jerks and the PLMS-index error of ``result`` against ``truth``.

    The truth is scored under the same rule set, hypnogram, arousals, respiratory events and
    unscorable stretches as the result, so differences come from detection alone.
    """
    t_lm, t_idx, jerks_t = _truth_scoring(result, truth, hypnogram, rules)
    lm_m = match_onsets(result.lm.onset[result.lm.candidate], t_lm.onset[t_lm.candidate], tolerance)
    plm_m = match_onsets(result.lm.onset[result.lm.plm], t_lm.onset[t_lm.plm], tolerance)
    jk_m = match_onsets(result.jerks["onset"], jerks_t, tolerance)
    d = result.indices.get("plms_index"), t_idx.get("plms_index")
    return dict(lm=lm_m, plm=plm_m, jerk=jk_m, plms_index=d[0], plms_index_truth=d[1],
                plms_index_error=None if None in d else abs(d[0] - d[1]),
                unscorable_covered=_covered(truth, result))


def evaluate_arousals(result, truth: dict, hypnogram, rules="wasm2016", tolerance: float = 0.5) -> dict:
    """Arousals of ``result`` (e.g. ``score(..., arousals="detect")``) against the simulated truth.

    Returns event matching (overlap, one-to-one) of the arousals used by ``result``, the
    agreement of the LM arousal links on LMs matched to the true LMs (onsets within
    ``tolerance``), and the PLMS-arousal index error against the truth scored with the true
    arousals.
    """
    from ..reporting.arousal_compare import link_agreement
    from ..reporting.compare import match_intervals, pair_onsets
    t_lm, t_idx, _ = _truth_scoring(result, truth, hypnogram, rules)
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
    """Fraction of the simulated noisy stretches that the scorer marked unscorable."""
    tot = cov = 0.0
    for u in truth["unscorable"]:
        a, b = u["start"], u["end"]
        tot += b - a
        for s, e in result.unscorable:
            cov += max(0.0, min(b, e) - max(a, s))
    return 1.0 if tot == 0 else cov / tot
