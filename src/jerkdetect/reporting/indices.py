"""Per-night indices researchers publish (PLMS, PLMW, PLMS-arousal, periodicity, LM, jerks)."""
from __future__ import annotations

import numpy as np

from ..alignment import merge_intervals, stage_durations
from ..hypnogram import Hypnogram, STAGE_NAMES

SLEEP = (1, 2, 3, 4)


def periodicity_index(imi: np.ndarray, lo: float = 10.0, hi: float = 90.0, min_run: int = 3) -> float | None:
    """Ferri et al. (Sleep 2006;29:759-69) periodicity index.

    The number of IMIs with ``lo`` <= IMI <= ``hi`` that belong to runs of at least ``min_run``
    consecutive such IMIs, divided by the total number of IMIs. None when there is no IMI.

    Examples
    --------
    >>> periodicity_index(np.array([20, 20, 20, 5, 20, 20]))
    0.5
    """
    imi = np.asarray(imi, float)
    imi = imi[np.isfinite(imi)]
    if imi.size == 0:
        return None
    ok = (imi >= lo) & (imi <= hi)
    count, run = 0, 0
    for v in list(ok) + [False]:
        if v:
            run += 1
        else:
            if run >= min_run:
                count += run
            run = 0
    return count / imi.size


def _in_lights(lm, hyp: Hypnogram | None) -> np.ndarray:
    """LMs starting between lights off and lights on (all of them without a hypnogram)."""
    if hyp is None:
        return np.ones(len(lm), bool)
    return (lm.onset >= hyp.lights[0]) & (lm.onset < hyp.lights[1])


def _per_hour(n: int, seconds: float) -> float | None:
    return None if seconds <= 0 else n / (seconds / 3600.0)


def night_indices(lm, stage_onset: np.ndarray, hyp: Hypnogram | None, jerks: dict,
                  unscorable: np.ndarray, has_arousals: bool, has_respiratory: bool) -> dict:
    """All summary indices of one night. Indices that need missing scoring are None with a reason."""
    out: dict = {}
    reasons: dict = {}
    if hyp is None:
        for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "lm_index"):
            out[k] = None
            reasons[k] = "no hypnogram: sleep and wake time are unknown"
        sleep_s = wake_s = 0.0
    else:
        lights = hyp.lights
        dur = stage_durations(hyp.stages, hyp.offset, hyp.epoch_length, lights, unscorable)
        sleep_s = sum(dur[c] for c in SLEEP)
        wake_s = dur[0]
        out["tst_min"] = hyp.tst / 60
        out["tst_scorable_min"] = sleep_s / 60
        out["wake_scorable_min"] = wake_s / 60
    in_lights = _in_lights(lm, hyp)
    sleep = np.isin(stage_onset, SLEEP) & in_lights
    wake = (stage_onset == 0) & in_lights
    n_plms = int(np.sum(lm.plm & sleep))
    out["n_lm"] = int(np.sum(lm.candidate))
    out["n_lms"] = int(np.sum(lm.candidate & sleep))
    out["n_plm"] = int(np.sum(lm.plm))
    out["n_plms"] = n_plms
    out["n_plmw"] = int(np.sum(lm.plm & wake))
    out["n_plm_series"] = int(len(np.unique(lm.series[lm.series >= 0])))
    if hyp is not None:
        out["plms_index"] = _per_hour(n_plms, sleep_s)
        out["plmw_index"] = _per_hour(out["n_plmw"], wake_s)
        out["lm_index"] = _per_hour(out["n_lms"], sleep_s)
        out["plms_index_incl_respiratory"] = _per_hour(int(np.sum(lm.in_series & sleep)), sleep_s)
        if has_arousals:
            out["n_plms_arousal"] = int(np.sum(lm.plm & sleep & lm.arousal))
            out["plms_arousal_index"] = _per_hour(out["n_plms_arousal"], sleep_s)
        else:
            out["plms_arousal_index"] = None
            reasons["plms_arousal_index"] = "no arousal scoring in the annotations"
    if has_respiratory:
        out["n_respiratory_lm"] = int(np.sum(lm.respiratory))
        out["plms_nonresp_index"] = out.get("plms_index")
    else:
        out["n_respiratory_lm"] = None
        out["plms_nonresp_index"] = None
        reasons["plms_nonresp_index"] = reasons["n_respiratory_lm"] = \
            "no respiratory scoring in the annotations: respiratory-related LMs could not be excluded"
    imi_sleep = lm.imi[lm.candidate & sleep]
    out["periodicity_index"] = periodicity_index(imi_sleep)
    if out["periodicity_index"] is None:
        reasons["periodicity_index"] = "no inter-movement interval in sleep"
    fin = imi_sleep[np.isfinite(imi_sleep)]
    out["imi_n"] = int(fin.size)
    out["imi_median_s"] = float(np.median(fin)) if fin.size else None
    out["imi_iqr_s"] = [float(np.percentile(fin, 25)), float(np.percentile(fin, 75))] if fin.size else None
    out["imi_fraction_under_10s"] = float(np.mean(fin < 10)) if fin.size else None
    nj = int(len(jerks["onset"]))
    out["n_hypnic_jerks"] = nj
    ntr = int(hyp.transitions().size) if hyp is not None else 0
    out["n_wake_to_sleep_transitions"] = ntr
    out["hypnic_jerks_per_transition"] = nj / ntr if ntr else None
    out["hypnic_jerks_with_arousal"] = int(np.sum(jerks["arousal"])) if has_arousals else None
    out["null_reasons"] = reasons
    return out


def indices_by_stage(lm, stage_onset: np.ndarray, hyp: Hypnogram | None, jerk_stage: np.ndarray,
                     unscorable: np.ndarray) -> list[dict]:
    """Counts and per-hour rates for each stage (W, N1, N2, N3, R)."""
    rows = []
    dur = stage_durations(hyp.stages, hyp.offset, hyp.epoch_length, hyp.lights, unscorable) if hyp else {}
    in_lights = _in_lights(lm, hyp)
    for code in (0, 1, 2, 3, 4):
        m = (stage_onset == code) & in_lights
        sec = dur.get(code, 0.0)
        row = {"stage": STAGE_NAMES[code], "minutes": sec / 60, "n_lm": int(np.sum(lm.candidate & m)),
               "n_plm": int(np.sum(lm.plm & m)), "n_plm_arousal": int(np.sum(lm.plm & lm.arousal & m)),
               "n_hypnic_jerks": int(np.sum(jerk_stage == code))}
        row["lm_per_h"] = _per_hour(row["n_lm"], sec)
        row["plm_per_h"] = _per_hour(row["n_plm"], sec)
        rows.append(row)
    return rows


JERK_KEYS = ("n_hypnic_jerks", "hypnic_jerks_per_transition", "hypnic_jerks_with_arousal")


def null_jerks_without_emg(idx: dict, by_stage: list[dict]) -> None:
    """Hypnic-jerk counts become null (with the reason) when leg movements came from a scoring file.

    Hypnic jerks are found in the chin and leg EMG only; without it they were not looked for,
    which is not the same as none found.
    """
    for k in JERK_KEYS:
        idx[k] = None
        idx["null_reasons"][k] = "leg movements read from the scoring file: no EMG, hypnic jerks not scored"
    for row in by_stage:
        row["n_hypnic_jerks"] = None


def unscorable_union(per_leg: dict[str, np.ndarray]) -> np.ndarray:
    iv = [v for v in per_leg.values() if v.size]
    return merge_intervals(np.concatenate(iv)) if iv else np.zeros((0, 2))
