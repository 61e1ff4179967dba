"""Check the EEG arousal detector on a lab's own scored nights before trusting it on unscored ones."""
from __future__ import annotations

import numpy as np

from ..errors import JerkdetectError
from ..rules.base import associate
from .matching import match_intervals

SLEEP = (1, 2, 3, 4)


def _agreement(a: np.ndarray, b: np.ndarray) -> tuple[float | None, float | None]:
    """Fraction of equal flags and Cohen's kappa (None when there is nothing to compare)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if a.size == 0:
        return None, None
    po = float(np.mean(a == b))
    pe = float(np.mean(a) * np.mean(b) + np.mean(~a) * np.mean(~b))
    return po, (1.0 if po == 1.0 else (po - pe) / (1 - pe) if pe < 1 else None)


def link_agreement(links: np.ndarray, ref_links: np.ndarray, plm: np.ndarray) -> dict:
    """Agreement of two sets of LM arousal flags, over all LMs and over PLMs."""
    ag, kappa = _agreement(links, ref_links)
    ag_plm, _ = _agreement(links[plm], ref_links[plm])
    return dict(n_lm=int(links.size), lm_link_agreement=ag, lm_link_kappa=kappa,
                n_plm=int(plm.sum()), plm_link_agreement=ag_plm,
                n_links=int(links.sum()), n_links_reference=int(ref_links.sum()))


def compare_arousals(result, reference=None) -> dict:
    """Detected arousals of ``result`` against scored ones (the scoring file's, or ``reference``).

    Returns
    -------
    dict
        ``events``: one-to-one matching of overlapping arousals (tp, fp, fn, precision, recall,
        F1, onset errors in s); ``lm_link_agreement`` / ``lm_link_kappa``: how often an LM's
        arousal link (AASM/WASM association, < 0.5 s) is the same with the detected and with the
        scored arousals, and ``plm_link_agreement`` over PLMs; ``plms_arousal_index`` with each.
    """
    det = getattr(result, "detected_arousals", None)
    if det is None:
        raise JerkdetectError(f"{result.info.get('recording', 'this night')}: no detected arousals to compare; "
                              "score with arousals='detect'.")
    ref = result.scored_arousals if reference is None else np.asarray(reference, float).reshape(-1, 2)
    if ref is None:
        raise JerkdetectError(f"{result.info.get('recording', 'this night')}: the scoring file has no arousals "
                              "to compare with; pass reference=(n, 2) array of onset, duration.")
    ev = match_intervals(det.to_array(), ref)
    ev.pop("pairs")
    lm = result.lm
    gap = result.info.get("rules", {}).get("arousal_gap_s", 0.5)
    links = associate(lm.onset, lm.offset, det.to_array(), gap)
    ref_links = associate(lm.onset, lm.offset, ref, gap)
    out = dict(events=ev, n_detected=len(det), n_reference=int(len(ref)),
               **link_agreement(links, ref_links, lm.plm))
    hyp = result.hypnogram
    if hyp is not None:
        lo, hi = hyp.lights
        sleep = np.isin(result.lm_stage, SLEEP) & (lm.onset >= lo) & (lm.onset < hi)
        hours = (result.indices.get("tst_scorable_min") or 0.0) / 60
        for k, lk in (("plms_arousal_index_detected", links), ("plms_arousal_index_reference", ref_links)):
            out[k] = float(np.sum(lm.plm & sleep & lk) / hours) if hours > 0 else None
    return out
