"""Compare motor events (fragmentary myoclonus, REM activity, ALMA, HFT) with a simulated
night's truth (``truth["motor"]``, see :mod:`jerkdetect.simulate.motor`).

The truth side is computed here from the truth events alone (epoch tiling, exclusions, minutes),
not with the rules' code, so a shared mistake has two chances to show. Functions take the
night's ``truth`` dict and ``stages`` array, so nothing here imports the simulator.
"""
from __future__ import annotations

import numpy as np

EPOCH_S, MINI_S = 30.0, 3.0
NREM = (1, 2, 3)


# ------------------------------------------------------------------------------ episodes
def match_episodes(det_on, det_off, truth: list[dict]) -> dict:
    """One-to-one matching of detected and true episodes by overlap (largest overlap first);
    returns tp, fp, fn, precision, recall, f1 and the unmatched onsets."""
    det = list(zip(np.asarray(det_on, float), np.asarray(det_off, float)))
    tru = [(t["onset"], t["offset"]) for t in truth]
    pairs = []
    for i, (a, b) in enumerate(det):
        for k, (c, d) in enumerate(tru):
            ov = min(b, d) - max(a, c)
            if ov > 0:
                pairs.append((ov, i, k))
    used_d, used_t = set(), set()
    for _, i, k in sorted(pairs, reverse=True):
        if i not in used_d and k not in used_t:
            used_d.add(i)
            used_t.add(k)
    tp = len(used_d)
    fp, fn = len(det) - tp, len(tru) - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return dict(tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=2 * p * r / (p + r) if p + r else 0.0,
                missed=[round(tru[k][0], 2) for k in range(len(tru)) if k not in used_t],
                spurious=[round(det[i][0], 2) for i in range(len(det)) if i not in used_d])


# ------------------------------------------------------------------------------ myoclonus
def truth_fm(truth: dict, stages) -> dict:
    """True potentials per hour of NREM (lights off = the whole simulated night), EFM minutes
    (60-s windows tiling each run of NREM epochs from its start), EFM yes/no."""
    st = np.asarray(stages)
    fm = truth["motor"]["fm"]
    nrem_h = float(np.isin(st, NREM).sum()) * EPOCH_S / 3600
    counts = []
    on = np.sort([x["onset"] for x in fm])
    k = 0
    n = st.size
    while k < n:
        if st[k] in NREM:
            j = k
            while j < n and st[j] in NREM:
                j += 1
            t0, t1 = k * EPOCH_S, j * EPOCH_S
            for m in range(int((t1 - t0) // 60)):
                a = t0 + 60 * m
                counts.append(int(np.searchsorted(on, a + 60, "left") - np.searchsorted(on, a, "left")))
            k = j
        else:
            k += 1
    efm_min = int(np.sum(np.asarray(counts) >= 5))
    return dict(n=len(fm), per_h_nrem=len(fm) / nrem_h if nrem_h else None, efm_minutes=efm_min, efm=efm_min >= 20)


def eval_fm(fm, truth: dict, stages, tol_s: float = 0.1) -> dict:
    """Detected vs true fragmentary myoclonus: rate error, EFM agreement, potential matching."""
    t = truth_fm(truth, stages)
    tru = truth["motor"]["fm"]
    det_on, det_ch = np.asarray(fm.onset), np.asarray(fm.channel)
    hit = 0
    for x in tru:
        ok = (det_ch == x["muscle"]) & (np.abs(det_on - x["onset"]) <= tol_s)
        hit += bool(ok.any())
    rate = fm.per_h_nrem
    err = (rate - t["per_h_nrem"]) / t["per_h_nrem"] if rate is not None and t["per_h_nrem"] else None
    return dict(truth_per_h=t["per_h_nrem"], det_per_h=rate, rel_err=err, truth_efm=t["efm"], det_efm=fm.efm,
                truth_efm_min=t["efm_minutes"], det_efm_min=fm.efm_minutes, recall=hit / len(tru) if tru else None,
                n_truth=len(tru), n_det=len(fm))


# ------------------------------------------------------------------------------ REM
def truth_rem(truth: dict, margin_s: float = 0.5) -> dict:
    """Per REM epoch: scored (no mini-epoch overlapping an arousal or a respiratory event
    widened by ``margin_s``), AASM tonic, phasic mini-epochs (chin or limbs), chin "any"
    mini-epochs, and the excluded mini-epochs."""
    m = truth["motor"]
    ev = [(a, a + d) for a, d in truth["arousals"]]
    ev += [(a - margin_s, a + d + margin_s) for a, d, _ in truth["respiratory"]]
    out = dict(onset=[], scored=[], tonic=[], phasic_minis=[], any_minis=[], excluded=[], any_mask=[])
    for e in m["rem_epochs"]:
        s = e["onset"]
        excl = np.array([any(a < s + (i + 1) * MINI_S and b > s + i * MINI_S for a, b in ev) for i in range(10)])
        phasic = np.zeros(10, bool)
        chin_any = np.zeros(10, bool)
        for b in e["bursts"]:
            phasic[b["mini"]] = True
            if b["muscle"] == "chin":
                chin_any[b["mini"]] = True
        for t in e["tone"]:
            for i in range(10):
                if t["onset"] < s + (i + 1) * MINI_S and t["offset"] > s + i * MINI_S:
                    chin_any[i] = True
        if e["tonic"]:
            chin_any[:] = True
        out["onset"].append(s)
        out["scored"].append(not excl.any())
        out["tonic"].append(bool(e["tonic"]))
        out["phasic_minis"].append(int(phasic.sum()))
        out["any_minis"].append(int((chin_any & ~excl).sum()))
        out["excluded"].append(excl)
        out["any_mask"].append(chin_any)
    return {k: (np.array(v) if k not in ("excluded", "any_mask") else np.array(v).reshape(-1, 10))
            for k, v in out.items()}


def eval_rem(rem, truth: dict) -> dict:
    """Epoch-by-epoch agreement of AASM tonic and phasic judgements (on epochs scored by both),
    the SINBAR "any" percentage (chin) and the scored-epoch agreement."""
    t = truth_rem(truth)
    if len(rem) != t["onset"].size or (len(rem) and not np.allclose(rem.onset, t["onset"])):
        raise AssertionError("REM epochs of the result and the truth differ")
    both = rem.scored & t["scored"]
    ph_det = rem.phasic_minis() >= rem.rule.phasic_min_minis
    ph_tru = t["phasic_minis"] >= 5
    excl_det = rem.per_channel["chin"]["excluded"] if "chin" in rem.per_channel else np.ones((len(rem), 10), bool)
    ok_t = ~t["excluded"]
    any_t = 100 * float(t["any_mask"][ok_t].mean()) if ok_t.any() else None
    any_d = rem.summary()["rem_any_pct"]
    bad_ep = np.flatnonzero(both & ((rem.tonic != t["tonic"]) | (ph_det != ph_tru)))
    return dict(n_epochs=len(rem), n_both=int(both.sum()),
                scored_agree=float(np.mean(rem.scored == t["scored"])) if len(rem) else None,
                tonic_agree=float(np.mean(rem.tonic[both] == t["tonic"][both])) if both.any() else None,
                phasic_agree=float(np.mean(ph_det[both] == ph_tru[both])) if both.any() else None,
                truth_tonic_pct=100 * float(np.mean(t["tonic"][t["scored"]])) if t["scored"].any() else None,
                truth_phasic_pct=100 * float(np.mean(ph_tru[t["scored"]])) if t["scored"].any() else None,
                truth_any_pct=any_t, det_any_pct=any_d,
                any_err=None if any_t is None or any_d is None else any_d - any_t,
                excluded_agree=float(np.mean(excl_det == t["excluded"])) if len(rem) else None,
                bad_epochs=[(int(k), float(rem.onset[k])) for k in bad_ep[:8]])
