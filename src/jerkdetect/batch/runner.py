"""Run many nights: local process pool (default) or a dask.distributed cluster."""
from __future__ import annotations

import importlib.util
import os
import time
from typing import Iterable

from ..core.atomic import atomic_write_text, temp_prefix
from ..core.log import logger
from ..errors import InputError
from ..pipeline.compile import announce_compilation
from .inputs import Job, check_unique_stems, collect_jobs
from .pool import IN_PROCESS_MAX_NIGHTS, Progress, available_cores, cohort_run, plan_workers, run_jobs
from .worker import INDEX_KEYS, score_job

__all__ = ["COHORT_COLUMNS", "IN_PROCESS_MAX_NIGHTS", "available_cores", "check_settings", "plan_workers",
           "score_many"]

COHORT_COLUMNS = ("stem", "recording", "annotations", "status", "rules") + INDEX_KEYS + ("error",)


def check_settings(rules, rule_params: dict | None, detection: dict | None, arousal_params: dict | None = None,
                   hypnic: dict | None = None, motor: bool | dict = True) -> None:
    """Check parameter names (rule set, EMG and arousal detectors, hypnic-jerk rule, motor rules) once,
    before any night: a typo fails the batch with one sentence (closest names first) rather than every
    night."""
    from dataclasses import fields

    from ..core.names import check_names
    from ..detection import ArousalParams, DetectionParams
    from ..rules import HypnicJerkRule, get_rules
    get_rules(rules, **dict(rule_params or {}))
    for given, cls, what in ((detection, DetectionParams, "detection parameter"),
                             (arousal_params, ArousalParams, "arousal-detector parameter"),
                             (hypnic, HypnicJerkRule, "hypnic-jerk rule parameter")):
        check_names(dict(given or {}), [f.name for f in fields(cls)], what, "score_many")
    if not isinstance(motor, bool):
        from ..rules.motor_events import MotorRules
        MotorRules.from_flat(motor)


def score_many(inputs: Iterable[str] | list[Job], out: str, rules: str = "wasm2016", jobs: int | None = None,
               channels: dict | None = None, rule_params: dict | None = None, detection: dict | None = None,
               force: bool = False, export: bool = True, dask_scheduler: str | None = None,
               dask_local: int | None = None, client=None, progress: str | None = None,
               leg_movements: str = "emg", report: bool | str = False, arousals: str = "auto",
               arousal_params: dict | None = None, hypnic: dict | None = None, motor: bool | dict = True):
    """Score many nights; write per-night files, ``cohort_summary.tsv`` (+ Parquet), ``errors.tsv``.

    Parameters
    ----------
    inputs : list of str or Job
        Folders (searched recursively), globs, manifest CSV/TSV files, or :class:`Job` objects.
    out : str
        Output folder.
    rules, rule_params, detection, channels
        As for :func:`jerkdetect.score` (``channels`` is the default role override of every night;
        a manifest row can set its own); ``detection`` as a dict of
        :class:`~jerkdetect.detection.DetectionParams` fields.
    arousal_params, hypnic : dict, optional
        Fields of :class:`~jerkdetect.detection.ArousalParams` and
        :class:`~jerkdetect.rules.HypnicJerkRule` to change.
    motor : bool or dict
        The motor events beyond PLM, as ``score(motor=...)``: True (default), False to skip them,
        or a dict of :meth:`MotorRules.flat <jerkdetect.rules.motor_events.MotorRules.flat>`
        names to change (``{"alma.min_hz": 0.6}``).
    jobs : int, optional
        Worker processes (default: the cores available), never more than nights; a batch of up
        to ``IN_PROCESS_MAX_NIGHTS`` nights runs in this process. Ignored with Dask.
    force : bool
        Rescore nights whose outputs are complete for the same parameters and inputs.
    dask_scheduler, dask_local, client
        Run on a dask.distributed cluster: its scheduler address, a LocalCluster of N workers,
        or an existing ``Client`` (e.g. from a notebook).
    arousals : "auto", "scoring", "detect" or "none"
        Arousal source, as for :func:`jerkdetect.score`.
    progress : None, "bar" or "log"
        None: silent (the log still goes to ``out/batch.log``); "bar": a tqdm progress bar with
        nights done/failed, rate and ETA (a widget in Jupyter); "log": one line per night on
        stderr (for log files).
    leg_movements : "emg" or "scoring"
        "scoring" scores the leg movements of the scoring files (``--from-scoring``); XML files
        that no recording pairs with are then scored on their own (:func:`jerkdetect.score_annotations`).
    report : bool or "cohort"
        True: ``X_report.html`` per night and ``cohort_report.html``; "cohort": the cohort report
        only. Needs matplotlib.

    Returns
    -------
    pandas.DataFrame
        The cohort table, one row per night (indices, TST, rule set, status, error), sorted by
        recording.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> df = jd.score_many(["sample_data"], out="results", jobs=1)  # doctest: +SKIP
    """
    import pandas as pd
    inputs = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    arousal_params, hypnic = dict(arousal_params or {}), dict(hypnic or {})
    with cohort_run(out, progress, "batch.log", "jerkdetect batch"):
        if report:
            from ..reporting.mpl import require_matplotlib
            require_matplotlib()
        job_list = [j for j in inputs if isinstance(j, Job)] if inputs and isinstance(inputs[0], Job) \
            else collect_jobs([os.fspath(i) for i in inputs], channels, scoring_only=leg_movements == "scoring")
        if not job_list:
            raise InputError("score_many: no recordings to score (inputs is empty).")
        check_unique_stems([j.stem for j in job_list], [j.recording for j in job_list])
        if not isinstance(motor, bool):
            motor = dict(motor)
        check_settings(rules, rule_params, detection, arousal_params, hypnic, motor)
        announce_compilation()
        settings = {"rules": rules, "rule_params": dict(rule_params or {}), "detection": dict(detection or {})}
        if leg_movements != "emg":
            settings["leg_movements"] = leg_movements
        if arousals != "auto":
            settings["arousals"] = arousals
        if arousal_params:  # only when set: the hash of an unchanged batch stays the same
            settings["arousal_params"] = arousal_params
        if hypnic:
            settings["hypnic"] = hypnic
        if motor is not True:
            settings["motor"] = motor
        if report is True or report == "all":
            settings["report"] = True
        logger.info("batch: %d nights, rules %s, out %s", len(job_list), rules, out)
        t0 = time.perf_counter()
        bar = Progress(len(job_list), progress)
        n = plan_workers(len(job_list), jobs)
        dask = dask_scheduler or dask_local or client is not None
        logger.info("%s", "on Dask" if dask else "in this process" if n <= 1 else f"{n} worker processes")
        try:
            rows = run_jobs(job_list, score_job, dict(out_dir=out, settings=settings, force=force, export=export),
                            n, bar, dask_scheduler, dask_local, client)
        finally:
            bar.close()
        rows.sort(key=lambda r: r["recording"])
        df = pd.DataFrame(rows)
        for c in COHORT_COLUMNS:
            if c not in df:
                df[c] = None
        df = df[list(COHORT_COLUMNS) + ["seconds"]]
        df["efm"] = df["efm"].astype("boolean")  # yes/no, null where not scored
        cohort = df.drop(columns=["seconds"])
        # 4 decimals at most, as every jerkdetect TSV (indices are not known to 16 digits); booleans as
        # true/false, as in every jerkdetect TSV
        text = cohort.round(4).astype({"efm": "object"})
        text["efm"] = [None if v is pd.NA else str(bool(v)).lower() for v in cohort["efm"]]
        atomic_write_text(os.path.join(out, "cohort_summary.tsv"), text.to_csv(sep="\t", index=False, na_rep="n/a"))
        if importlib.util.find_spec("pyarrow") is not None:  # Parquet only when pyarrow is there
            tmp = os.path.join(out, temp_prefix() + "cohort.parquet")
            cohort.astype({"annotations": "string", "error": "string"}).to_parquet(tmp, index=False)
            os.replace(tmp, os.path.join(out, "cohort_summary.parquet"))
        err = cohort[cohort["status"] == "failed"][["recording", "error"]]
        atomic_write_text(os.path.join(out, "errors.tsv"), err.to_csv(sep="\t", index=False))
        if report:
            from ..reporting.cohort_report import write_cohort_report
            write_cohort_report(df, out)
        n_ok = int((df["status"] == "ok").sum())
        logger.info("done in %.1f s: %d scored, %d skipped, %d failed", time.perf_counter() - t0, n_ok,
                    int((df["status"] == "skipped").sum()), len(err))
        return df
