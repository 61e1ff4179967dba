"""Per-night indices researchers publish (PLMS, PLMW, PLMS-arousal, periodicity, LM, jerks)."""
from __future__ import annotations

import numpy as np

from ..alignment import stage_durations
from ..core.hypnogram import Hypnogram, STAGE_NAMES

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


def count_lm(lm, mask: np.ndarray | None = None) -> int:
    """The one definition of an LM count: candidate leg movements (AASM 2012: every LM of
    0.5-10 s; WASM 2016: CLMs), periodic or not; WASM's long non-candidate LMs are not counted.
    Used by ``summary()["n_lm"]``, ``ScoringResult.n_lm`` and its repr, and ``compare(label="lm")``.
    """
    return int(np.sum(lm.candidate if mask is None else lm.candidate & mask))


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
        for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "lm_index", "plms_nonresp_index"):
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
        if has_arousals:
            out["n_plms_arousal"] = int(np.sum(lm.plm & sleep & lm.arousal))
            out["plms_arousal_index"] = _per_hour(out["n_plms_arousal"], sleep_s)
        else:
            out["plms_arousal_index"] = None
            reasons["plms_arousal_index"] = "no arousal scoring in the annotations"
    if has_respiratory:
        out["n_respiratory_lm"] = int(np.sum(lm.respiratory))
        out["n_plms_nonresp"] = int(np.sum(lm.plm_nonresp & sleep))
        if hyp is not None:
            out["plms_nonresp_index"] = _per_hour(out["n_plms_nonresp"], sleep_s)
    else:
        out["n_respiratory_lm"] = None
        out["plms_nonresp_index"] = None
        why = "no respiratory scoring in the annotations: respiratory-related LMs could not be excluded"
        reasons["n_respiratory_lm"] = why
        reasons.setdefault("plms_nonresp_index", why)
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
    out["null_reasons"] = {**reasons, **_null_reasons(out, reasons, hyp, sleep_s, wake_s, has_arousals)}
    return out


def _null_reasons(out: dict, known: dict, hyp, sleep_s: float, wake_s: float, has_arousals: bool) -> dict:
    """A reason for every null index that has none yet: a null is never left unexplained."""
    if hyp is None:
        base = "no hypnogram: sleep and wake time are unknown"
        sleep = wake = base
    else:
        tst = hyp.tst / 60
        sleep = ("the hypnogram has no sleep epoch inside the recording (TST 0)" if tst <= 0 else
                 f"no scorable sleep time: all {tst:.1f} min of sleep fall in unscorable leg EMG or gaps")
        wake = "no scorable wake time between lights off and lights on"
    why = {"plms_index": sleep, "lm_index": sleep, "plms_index_incl_respiratory": sleep,
           "plms_nonresp_index": sleep, "plms_arousal_index": sleep if has_arousals else
           "no arousal scoring in the annotations", "plmw_index": wake,
           "imi_median_s": "no inter-movement interval in sleep", "imi_iqr_s": "no inter-movement interval in sleep",
           "imi_fraction_under_10s": "no inter-movement interval in sleep",
           "hypnic_jerks_per_transition": "no wake-to-sleep transition in the hypnogram" if hyp is not None
           else "no hypnogram: wake-to-sleep transitions are unknown",
           "hypnic_jerks_with_arousal": "no arousal scoring in the annotations"}
    return {k: why.get(k, "not computable for this night") for k, v in out.items()
            if v is None and k not in known and k != "null_reasons"}


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

