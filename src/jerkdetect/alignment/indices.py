"""Per-night indices researchers publish (PLMS, PLMW, PLMS-arousal, periodicity, LM, jerks)."""
from __future__ import annotations

import numpy as np

from ..alignment import stage_durations
from ..core.hypnogram import STAGE_CODES, STAGE_NAMES, Hypnogram

SLEEP = (1, 2, 3, 4)
STAGE_CODES_BY_NAME = dict(STAGE_CODES)
# jerkdetect default: a night's rate per hour needs at least this much scorable time of its
# denominator (sleep for the PLMS/LM indices, wake for PLMW), two 30-s epochs; under it the index
# is null with the reason (a lost lead all night leaves seconds of scorable EMG, where no movement
# reads as 0.0 /h and one as hundreds per hour). No published minimum exists.
MIN_SCORABLE_MIN = 1.0
SLEEP_RATES = ("plms_index", "lm_index", "plms_arousal_index", "plms_nonresp_index")

# Every value of a night's summary and of its per-stage table: (unit, what it is). The command
# line prints the unit beside each number, the reports show the text beside each row; a test
# keeps every key a result can hold described here.
INDEX_INFO: dict[str, tuple[str, str]] = {
    "tst_min": ("min", "total sleep time (N1+N2+N3+R between lights off and on)"),
    "tst_scorable_min": ("min", "sleep time scored: total sleep time less stretches where both legs are unscorable"),
    "wake_scorable_min": ("min", "wake time scored between lights off and on, unscorable stretches left out"),
    "plms_index": ("/h", "PLMs in sleep per hour of scored sleep (respiratory-related ones included)"),
    "plmw_index": ("/h", "PLMs in wake per hour of scored wake"),
    "plms_arousal_index": ("/h", "arousal-linked PLMs in sleep per hour of scored sleep"),
    "plms_nonresp_index": ("/h", "PLMS index once respiratory-related LMs are removed and series searched again"),
    "periodicity_index": ("", "Ferri 2006 periodicity index: share of IMIs in sleep inside runs of >= 3 IMIs "
                              "of 10-90 s (0-1)"),
    "lm_index": ("/h", "candidate LMs in sleep per hour of scored sleep"),
    "n_lm": ("", "candidate LMs (AASM: LMs of 0.5-10 s; WASM: CLMs), periodic or not"),
    "n_lms": ("", "candidate LMs in sleep"),
    "n_plm": ("", "PLMs: candidate LMs in a PLM series, all stages"),
    "n_plms": ("", "PLMs in sleep"),
    "n_plmw": ("", "PLMs in wake"),
    "n_plm_series": ("", "PLM series"),
    "n_plms_arousal": ("", "arousal-linked PLMs in sleep"),
    "n_plms_nonresp": ("", "PLMs in sleep once respiratory-related LMs are removed"),
    "n_respiratory_lm": ("", "respiratory-related LMs"),
    "imi_n": ("", "inter-movement intervals between candidate LMs in sleep"),
    "imi_median_s": ("s", "median inter-movement interval in sleep"),
    "imi_iqr_s": ("s", "interquartile range of the inter-movement intervals in sleep"),
    "imi_fraction_under_10s": ("", "share of the inter-movement intervals in sleep shorter than 10 s"),
    "n_hypnic_jerks": ("", "hypnic jerks"),
    "n_wake_to_sleep_transitions": ("", "wake-to-sleep transitions (sleep onset and each return to sleep)"),
    "hypnic_jerks_per_transition": ("", "hypnic jerks per wake-to-sleep transition"),
    "hypnic_jerks_with_arousal": ("", "hypnic jerks followed by an arousal within 3 s"),
    "n_arousals": ("", "arousals (scored, or detected in the EEG: see arousal source) between lights off and on"),
    "arousal_index": ("/h", "arousals starting in sleep per hour of total sleep time"),
    "n_respiratory_events": ("", "respiratory events of the scoring file (apneas, hypopneas, RERAs) between "
                                 "lights off and on"),
    "respiratory_event_index": ("/h", "respiratory events starting in sleep per hour of total sleep time"),
    "recording_gaps_min": ("min", "time an EDF+D recording did not record"),
    "unscorable_min": ("min", "unscorable minutes of each leg (lead-off, saturation, raised noise)"),
    "unscorable_both_legs_min": ("min", "minutes where both legs are unscorable: left out of every denominator"),
    # motor events beyond PLM (rules.motor_events)
    "fm_per_h_nrem": ("/h", "fragmentary myoclonus potentials (<= 150 ms, >= 50 uV peak to peak) per hour of "
                            "NREM sleep, all muscles"),
    "efm": ("", "excessive fragmentary myoclonus: >= 20 min of NREM with >= 5 potentials per minute (AASM)"),
    "rem_tonic_pct": ("%", "scored REM epochs with tonic chin activity (AASM: >= 50 % above the NREM minimum)"),
    "rem_phasic_pct": ("%", "scored REM epochs with phasic activity in >= 5 of 10 mini-epochs (AASM, chin or "
                            "limbs)"),
    "rem_any_pct": ("%", "scored 3-s REM mini-epochs with any chin activity (SINBAR; RBD cut-off 18 %)"),
    "rai": ("", "REM atonia index of the chin (Ferri; < 0.8 reduced, 0.8-0.9 borderline)"),
    "n_alma": ("", "alternating leg muscle activation episodes"),
    "n_hft": ("", "hypnagogic foot tremor episodes"),
    "n_lm_in_rhythmic_episodes": ("", "monolateral leg movements within ALMA or HFT episodes: not LMs, left out "
                                      "of the PLM rules (MotorRules.exclude_rhythmic_lms)"),
    "motor": ("", "motor-event details: per muscle and stage, SINBAR and Montreal indices, REM epochs not "
                  "scored and why (see X_rem_epochs.tsv)"),
    # the per-stage table
    "stage": ("", "sleep stage"),
    "minutes": ("min", "scored time in the stage (unscorable stretches left out)"),
    "n_plm_arousal": ("", "arousal-linked PLMs"),
    "lm_per_h": ("/h", "candidate LMs per hour of the stage"),
    "plm_per_h": ("/h", "PLMs per hour of the stage"),
    "arousal_per_h": ("/h", "arousals per hour of the stage's whole time (leg artefacts do not hide arousals)"),
}


def with_unit(key: str, value, digits: int = 1) -> str:
    """A summary value as text with its unit: ``24.0 /h``, ``55.0 min``, ``2``, ``null``.

    Examples
    --------
    >>> with_unit("plms_index", 24.0), with_unit("tst_min", 55.04), with_unit("n_plm", 22)
    ('24.0 /h', '55.0 min', '22')
    """
    unit = INDEX_INFO.get(key, ("", ""))[0]
    if value is None:
        return "null"
    if isinstance(value, float):
        text = f"{value:.{digits if unit else 2}f}"
    elif isinstance(value, (list, tuple)):
        text = "-".join(f"{v:.{digits}f}" for v in value)
    elif isinstance(value, dict):
        return ", ".join(f"{k} {with_unit(key, v, digits)}" for k, v in value.items())
    else:
        text = str(value)
    return f"{text} {unit}" if unit else text


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


def sleep_imis(lm, stage_onset: np.ndarray, hyp: Hypnogram | None) -> np.ndarray:
    """The inter-movement intervals the ``imi_*`` indices describe: of candidate LMs starting in
    sleep between lights off and on, finite ones only (none without a hypnogram)."""
    imi = lm.imi[lm.candidate & np.isin(stage_onset, SLEEP) & _in_lights(lm, hyp)]
    return imi[np.isfinite(imi)]


def event_indices(events: np.ndarray | None, hyp: Hypnogram | None, count_key: str, index_key: str,
                  why_none: str) -> tuple[dict, dict, dict[int, int] | None]:
    """Count and per-hour index of scored events (arousals, respiratory events) of one night.

    Events count between lights off and on (all of them without a hypnogram); the index is those
    starting in sleep per hour of total sleep time, as the AASM arousal index and AHI are. Returns
    (values, null reasons, events per stage code or None). ``events`` None means the night has no
    such scoring: both values are null with ``why_none``.

    Examples
    --------
    >>> h = Hypnogram([0, 2, 2, 2], 30)
    >>> event_indices(np.array([[10.0, 3], [40, 3], [70, 5]]), h, "n_arousals", "arousal_index", "none")[0]
    {'n_arousals': 3, 'arousal_index': 80.0}
    """
    if events is None:
        return {count_key: None, index_key: None}, {count_key: why_none, index_key: why_none}, None
    ev = np.asarray(events, float).reshape(-1, 2)
    on = ev[:, 0]
    if hyp is None:
        return ({count_key: int(on.size), index_key: None},
                {index_key: "no hypnogram: sleep time is unknown"}, None)
    lo, hi = hyp.lights
    on = on[(on >= lo) & (on < hi)]
    stage = hyp.stage_at(on)
    per_stage = {code: int(np.sum(stage == code)) for code in (0, 1, 2, 3, 4)}
    n_sleep = sum(per_stage[c] for c in SLEEP)
    idx = _per_hour(n_sleep, hyp.tst)
    reasons = {} if idx is not None else {index_key: "the hypnogram has no sleep epoch inside the recording (TST 0)"}
    return {count_key: int(on.size), index_key: idx}, reasons, per_stage


def add_event_rows(by_stage: list[dict], hyp: Hypnogram | None, per_stage: dict[int, int] | None,
                   count_key: str, rate_key: str | None = None) -> None:
    """Put an event count (and its rate per hour of the stage) into each per-stage row; null
    where the night has no such scoring."""
    dur = hyp.durations() if hyp is not None else {}
    for row in by_stage:
        code = STAGE_CODES_BY_NAME[row["stage"]]
        n = None if per_stage is None else per_stage.get(code, 0)
        row[count_key] = n
        if rate_key:
            row[rate_key] = None if n is None else _per_hour(n, dur.get(code, 0.0))


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
                  unscorable: np.ndarray, has_arousals: bool, has_respiratory: bool,
                  min_scorable_min: float = MIN_SCORABLE_MIN) -> dict:
    """All summary indices of one night. Indices that need missing scoring are None with a reason;
    so are the rates per hour whose scorable sleep (or wake, for PLMW) is under ``min_scorable_min``."""
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
    imi_sleep = lm.imi[lm.candidate & sleep]  # NaN kept: a gap in the sequence is not an IMI
    out["periodicity_index"] = periodicity_index(imi_sleep)
    if out["periodicity_index"] is None:
        reasons["periodicity_index"] = "no inter-movement interval in sleep"
    fin = sleep_imis(lm, stage_onset, hyp)
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
    if hyp is not None:
        _null_short_rates(out, reasons, sleep_s, wake_s, min_scorable_min)
    out["null_reasons"] = {**reasons, **_null_reasons(out, reasons, hyp, sleep_s, wake_s, has_arousals)}
    return out


def _null_short_rates(out: dict, reasons: dict, sleep_s: float, wake_s: float, min_min: float) -> None:
    """Rates per hour over less than ``min_min`` minutes of scorable time become null with the reason."""
    for keys, seconds, what in ((SLEEP_RATES, sleep_s, "sleep"), (("plmw_index",), wake_s, "wake")):
        if 0 < seconds < min_min * 60:
            for k in keys:
                if out.get(k) is not None:
                    out[k] = None
                    amount = f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"
                    reasons[k] = (f"only {amount} of scorable {what} (the leg EMG is unscorable or the recording "
                                  f"has gaps elsewhere): under the {min_min:g}-min minimum for a rate per hour")


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


NOT_FINITE = "could not be computed (the arithmetic gave NaN or infinity)"


def _finite(v) -> tuple[object, bool]:
    """``v`` with every NaN or infinite number (nested in dicts, lists and arrays too) made None,
    and whether one was."""
    if isinstance(v, (float, np.floating)):
        return (float(v), False) if np.isfinite(v) else (None, True)
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return _finite(v.tolist()) if not np.isfinite(v).all() else (v, False)
    if isinstance(v, dict):
        pairs = {k: _finite(x) for k, x in v.items()}
        return {k: p[0] for k, p in pairs.items()}, any(p[1] for p in pairs.values())
    if isinstance(v, (list, tuple)):
        pairs = [_finite(x) for x in v]
        return type(v)(p[0] for p in pairs), any(p[1] for p in pairs)
    return v, False


def null_non_finite(idx: dict, by_stage: list[dict] | None = None) -> None:
    """The last guard of a night's results: a value that came out NaN or infinite becomes null
    with a reason (:data:`NOT_FINITE`), so no result or file ever holds one.

    Examples
    --------
    >>> d = {"plms_index": float("nan"), "imi_iqr_s": [1.0, float("inf")], "null_reasons": {}}
    >>> null_non_finite(d); d["plms_index"], d["imi_iqr_s"], d["null_reasons"]["plms_index"] == NOT_FINITE
    (None, [1.0, None], True)
    """
    reasons = idx.setdefault("null_reasons", {})
    for k, v in list(idx.items()):
        if k == "null_reasons":
            continue
        w, changed = _finite(v)
        if changed:
            idx[k] = w
            reasons.setdefault(k, NOT_FINITE)
    for row in by_stage or []:
        for k, v in list(row.items()):
            w, changed = _finite(v)
            if changed:
                row[k] = w


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

