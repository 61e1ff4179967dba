"""psgscoring (PyPI, AASM only) as a peer LM/PLM scorer and EEG arousal detector on the same EDF files.

How it is called (see benchmarks/README.md): the two leg channels are read from the EDF with
``mne.io.read_raw_edf`` (volts), the hypnogram and the respiratory events from the same NSRR
XML that jerkdetect reads (parsed with ``jerkdetect.read_scoring``: stage codes to the
"W"/"N1"/"N2"/"N3"/"R" strings psgscoring expects, events to ``onset_s``/``duration_s``), and
``psgscoring.analyze_plm(leg_l, leg_r, sf, hypno, resp_events=..., leg_unit="V",
event_list_cap=None)`` is called with its defaults otherwise (``offset_aasm=False``,
``bilateral_window_s=0.5``, ``resp_exclusion="aasm"``). It returns the sleep LMs that are not
respiratory-related (``events``, each with ``onset_s`` and ``is_plm``) and a summary.

Arousals (:func:`run_psgscoring_arousals`): its rule-based AASM detector,
``psgscoring.arousal.detect_arousals`` (``detect_arousals_multi`` for two derivations), with its
defaults (no LightGBM re-classifier: that needs an environment variable or ``lgbm=True``).
The EEG and the chin EMG are read with pyedflib at their own rates in the file's µV (MNE would
resample every channel to the file's highest rate), the chin resampled to the EEG's rate (the
detector takes one rate), the hypnogram from the scoring file without arousals.
"""
from __future__ import annotations

import time

import numpy as np

STAGE_STR = {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R"}


def available() -> str | None:
    """psgscoring's version, or None when it is not installed."""
    try:
        import psgscoring
    except ImportError:
        return None
    return getattr(psgscoring, "__version__", "?")


def run_psgscoring(edf: str, scoring: str, legs=("Leg L", "Leg R")) -> dict:
    """Score one night with ``psgscoring.analyze_plm``; adds ``seconds`` (reading excluded)."""
    import mne
    from psgscoring import analyze_plm

    import jerkdetect as jd
    raw = mne.io.read_raw_edf(edf, include=list(legs), preload=True, verbose="error")
    x = raw.get_data(picks=list(legs))
    sc = jd.read_scoring(scoring)
    hyp = [STAGE_STR.get(int(s), "W") for s in sc.hypnogram.stages]
    resp = [dict(onset_s=float(o), duration_s=float(d)) for o, d in sc.respiratory]
    t = time.perf_counter()
    res = analyze_plm(x[0], x[1], raw.info["sfreq"], hyp, resp_events=resp, leg_unit="V", event_list_cap=None)
    res["seconds"] = time.perf_counter() - t
    if not res.get("success"):
        raise RuntimeError(f"{edf}: psgscoring failed: {res.get('error')}")
    return res


def run_psgscoring_arousals(edf: str, scoring: str, eeg_labels: list[str], chin_label: str | None = None) -> dict:
    """psgscoring's EEG arousals on one night: ``arousals`` ((n, 2) onset, duration in s),
    ``seconds`` (reading excluded) and ``version``."""
    from fractions import Fraction

    import pyedflib
    from psgscoring.arousal import detect_arousals, detect_arousals_multi
    from scipy.signal import resample_poly

    import jerkdetect as jd
    f = pyedflib.EdfReader(edf)
    try:
        labels = f.getSignalLabels()
        eeg = [(lab, f.readSignal(labels.index(lab)), f.getSampleFrequency(labels.index(lab))) for lab in eeg_labels]
        chin = None
        if chin_label is not None:
            k = labels.index(chin_label)
            ratio = Fraction(eeg[0][2] / f.getSampleFrequency(k)).limit_denominator(1000)
            chin = resample_poly(f.readSignal(k), ratio.numerator, ratio.denominator)[:eeg[0][1].size]
    finally:
        f.close()
    if len({fs for _, _, fs in eeg}) != 1:
        raise ValueError(f"{edf}: the EEG channels {eeg_labels} have different rates")
    hyp = [STAGE_STR.get(int(s), "W") for s in jd.read_scoring(scoring).hypnogram.stages]
    t = time.perf_counter()
    if len(eeg) == 1:
        res = detect_arousals(eeg[0][1], eeg[0][2], hyp, emg_data=chin)
    else:
        res = detect_arousals_multi(eeg, eeg[0][2], hyp, emg_data=chin)
    seconds = time.perf_counter() - t
    if not res.get("success"):
        raise RuntimeError(f"{edf}: psgscoring's arousal detection failed: {res.get('error')}")
    arr = np.array([[e["onset_s"], e["duration_s"]] for e in res["events"]], float).reshape(-1, 2)
    return {"arousals": arr, "seconds": seconds, "version": available()}


def evaluate_peer(res: dict, truth: dict, hypnogram, tolerance: float = 0.5) -> dict:
    """psgscoring's LMs and PLMs against the truth scored under AASM 2012.

    psgscoring returns sleep LMs only (respiratory-related ones removed), so only its sleep-LM
    F1 (``lms``) is measured, against the truth's AASM LMs in sleep. Its PLMS index is its PLM count over the truth's
    scorable sleep time (its own ``plm_index`` divides by the whole TST; both are returned).
    """
    from jerkdetect.evaluation.matching import match_onsets
    from jerkdetect.evaluation.truth import truth_scoring
    t_lm, t_idx = truth_scoring(truth, hypnogram, "aasm2012")
    sleep = np.isin(hypnogram.stage_at(t_lm.onset), (1, 2, 3, 4))
    ev = res["events"]
    on = np.array([e["onset_s"] for e in ev], float)
    plm = np.array([bool(e.get("is_plm")) for e in ev], bool)
    lms_m = match_onsets(on, t_lm.onset[t_lm.candidate & sleep], tolerance)
    plm_m = match_onsets(on[plm] if on.size else on, t_lm.onset[t_lm.plm & sleep], tolerance)
    sleep_h = t_idx["tst_scorable_min"] / 60
    idx = res["summary"]["n_plm"] / sleep_h if sleep_h > 0 else None
    truth_idx = t_idx.get("plms_index")
    return dict(lms=lms_m, plm=plm_m, plms_index=idx, plms_index_truth=truth_idx,
                plms_index_error=None if idx is None or truth_idx is None else abs(idx - truth_idx),
                plm_index_own=res["summary"]["plm_index"], seconds=res["seconds"])
