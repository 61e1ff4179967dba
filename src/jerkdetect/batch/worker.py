"""Score one night inside a worker (process pool or Dask); never raises."""
from __future__ import annotations

import json
import os
import time
import traceback
import warnings

from ..errors import JerkdetectError, RecordingError
from .inputs import Job
from ..pipeline.outputs import write_with_report
from .state import file_fingerprint, outputs_complete, params_hash

INDEX_KEYS = ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "plms_nonresp_index",
              "periodicity_index", "lm_index", "n_lm", "n_plm", "n_plms", "n_plmw", "n_plm_series",
              "imi_median_s", "n_hypnic_jerks", "n_wake_to_sleep_transitions", "hypnic_jerks_per_transition",
              "n_arousals", "arousal_index", "n_respiratory_events", "respiratory_event_index",
              # motor events beyond PLM (null with score(motor=False) or without EMG)
              "fm_per_h_nrem", "efm", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rai", "n_alma", "n_hft",
              "n_lm_in_rhythmic_episodes")


def _score(job: Job, settings: dict):
    """EDF scoring, or with ``leg_movements="scoring"`` a scoring file alone when there is no signal."""
    from ..pipeline.annotations_only import has_signals, score_annotations
    from ..detection import ArousalParams, DetectionParams
    from ..pipeline.score import score
    from ..rules import HypnicJerkRule
    lm_source = settings.get("leg_movements", "emg")
    if lm_source == "scoring" and not has_signals(job.recording):
        return score_annotations(job.recording, rules=settings["rules"], **settings.get("rule_params", {}))
    return score(job.recording, annotations=job.annotations, rules=settings["rules"],
                 channels=dict(job.channels) or None, leg_movements=lm_source,
                 detection=DetectionParams(**settings.get("detection", {})),
                 arousal_params=ArousalParams(**settings["arousal_params"]) if settings.get("arousal_params") else None,
                 hypnic=HypnicJerkRule(**settings["hypnic"]) if settings.get("hypnic") else None,
                 arousals=settings.get("arousals", "auto"), rule_params=settings.get("rule_params", {}),
                 motor=settings.get("motor", True))


def score_job(job: Job, out_dir: str, settings: dict, force: bool = False, export: bool = True) -> dict:
    """Score one night and write its files; return one cohort-table row (status ok/skipped/failed)."""
    from ..core.version import __version__
    t0 = time.perf_counter()
    row = {"recording": job.recording, "stem": job.stem, "annotations": job.annotations,
           "rules": settings["rules"]}
    ev_path = os.path.join(out_dir, f"{job.stem}_events.tsv")
    su_path = os.path.join(out_dir, f"{job.stem}_summary.json")
    try:
        for what, p in (("recording", job.recording), ("scoring file", job.annotations)):
            if p and not os.path.isfile(p):
                raise RecordingError(f"{p}: {what} not found.")
        report = settings.get("report", False)
        p_hash = params_hash({**{k: v for k, v in settings.items() if k != "report"},
                              "channels": dict(job.channels), "version": __version__, "export": export})
        in_hash = params_hash({"recording": file_fingerprint(job.recording),
                               "annotations": file_fingerprint(job.annotations)})
        report_path = os.path.join(out_dir, f"{job.stem}_report.html")
        if not force and outputs_complete(su_path, ev_path, p_hash, in_hash) \
                and (not report or os.path.isfile(report_path)):
            with open(su_path) as f:
                s = json.load(f)
            return {**row, **{k: s.get(k) for k in INDEX_KEYS}, "status": "skipped", "error": "",
                    "seconds": time.perf_counter() - t0}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _score(job, settings)
        res.info["warnings"] = sorted({str(w.message) for w in caught})
        res.info["batch"] = {"params_hash": p_hash, "input_hash": in_hash}
        # the report first, then the night's files all or nothing (the summary, the completion
        # marker, last); if they fail the report goes too: nothing of a failed night is left
        write_with_report(res, out_dir, job.stem, export, res.report(report_path) if report else None)
        s = res.summary()
        return {**row, **{k: s.get(k) for k in INDEX_KEYS}, "status": "ok", "error": "",
                "seconds": time.perf_counter() - t0}
    except Exception as e:  # noqa: BLE001 - one bad night must never stop the batch
        return {**row, "status": "failed", "error": failure_text(job, e), "seconds": time.perf_counter() - t0}


def failure_text(job: Job, e: Exception) -> str:
    """Why a night failed, in one line: the library's own sentence, or for an unexpected error
    its type, message and the last line of jerkdetect it passed through."""
    if isinstance(e, JerkdetectError):
        return str(e)
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if f"{os.sep}jerkdetect{os.sep}" in f.filename]
    where = (ours or frames)[-1]
    return (f"{job.recording}: unexpected {type(e).__name__}: {e} "
            f"(at {os.path.basename(where.filename)}:{where.lineno}).")
