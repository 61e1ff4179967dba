"""One night of an agreement run inside a worker (process pool or Dask); never raises.

The night is scored from its EMG (its files and report written as ``batch`` writes them), then
from the technician's leg movements, then compared (:func:`jerkdetect.pipeline.agreement.score_night`);
``X_agreement.json``, written last and atomically, is the night's completion marker.
"""
from __future__ import annotations

import json
import os
import time
import warnings

from ..core.atomic import atomic_write_text
from ..core.tsv import json_default
from ..errors import RecordingError, ScoringFileError
from .inputs import Job
from .state import file_fingerprint, params_hash
from .worker import failure_text

AGREEMENT_SUFFIX = "_agreement.json"


def agreement_path(out_dir: str, stem: str) -> str:
    return os.path.join(out_dir, stem + AGREEMENT_SUFFIX)


def read_finished(path: str, p_hash: str, in_hash: str) -> dict | None:
    """The night's record when ``path`` holds a finished comparison for the same parameters and
    inputs; None otherwise (missing, unreadable, or from other settings)."""
    try:
        with open(path) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        return None
    b = rec.get("batch", {})
    if b.get("params_hash") != p_hash or b.get("input_hash") != in_hash or "night" not in rec:
        return None
    return rec


def agree_job(job: Job, out_dir: str, settings: dict, force: bool = False) -> dict:
    """Compare one night and write its files; return one row (status ok/skipped/failed, and the
    night's :meth:`~jerkdetect.evaluation.agreement.NightAgreement.to_dict` as ``night``).

    ``settings``: ``rules``, ``rule_params``, ``detection``, ``arousals``, ``matching`` and
    ``arousal_matching`` (:class:`~jerkdetect.evaluation.agreement.Matching` fields), ``report``.
    """
    from ..core.version import __version__
    t0 = time.perf_counter()
    row = {"recording": job.recording, "stem": job.stem, "annotations": job.annotations, "night": None}
    path = agreement_path(out_dir, job.stem)
    try:
        if not os.path.isfile(job.recording):
            raise RecordingError(f"{job.recording}: recording not found.")
        if not job.annotations:
            raise ScoringFileError(f"{job.recording}: no scoring file found next to it (X.xml, X.tsv, X.csv...); "
                                   "agreement needs the technician's scoring (a manifest's 'annotations' column "
                                   "can name it).")
        if not os.path.isfile(job.annotations):
            raise ScoringFileError(f"{job.annotations}: scoring file not found.")
        report = bool(settings.get("report", False))
        p_hash = params_hash({**{k: v for k, v in settings.items() if k != "report"},
                              "channels": dict(job.channels), "version": __version__, "kind": "agree"})
        in_hash = params_hash({"recording": file_fingerprint(job.recording),
                               "annotations": file_fingerprint(job.annotations)})
        report_path = os.path.join(out_dir, f"{job.stem}_report.html")
        done = None if force else read_finished(path, p_hash, in_hash)
        if done is not None and (not report or os.path.isfile(report_path)):
            return {**row, "night": done["night"], "status": "skipped", "error": "",
                    "seconds": time.perf_counter() - t0}
        night = _compare(job, out_dir, settings, report, report_path)
        record = {"night": night.to_dict(), "jerkdetect_version": __version__,
                  "batch": {"params_hash": p_hash, "input_hash": in_hash}}
        atomic_write_text(path, json.dumps(record, indent=1, allow_nan=False, default=json_default) + "\n")
        return {**row, "night": record["night"], "status": "ok", "error": "", "seconds": time.perf_counter() - t0}
    except Exception as e:  # noqa: BLE001 - one bad night must never stop the others
        return {**row, "status": "failed", "error": failure_text(job, e), "seconds": time.perf_counter() - t0}


def _compare(job: Job, out_dir: str, settings: dict, report: bool, report_path: str):
    from ..detection import DetectionParams
    from ..evaluation.agreement import Matching
    from ..pipeline.agreement import score_night
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def write_emg(res) -> None:  # the EMG scoring's own files, as `batch` writes them
            res.info["warnings"] = sorted({str(w.message) for w in caught})
            if report:
                res.report(report_path)
            res.write(out_dir, job.stem)

        night = score_night(job.recording, job.annotations, rules=settings["rules"],
                            arousals=settings.get("arousals", "scoring"), matching=Matching(**settings["matching"]),
                            arousal_matching=Matching(**settings["arousal_matching"]), night=job.stem,
                            on_emg=write_emg, channels=dict(job.channels) or None,
                            detection=DetectionParams(**settings.get("detection", {})),
                            rule_params=settings.get("rule_params", {}))
    night.info["warnings"] = sorted({str(w.message) for w in caught})
    return night
