"""Run many nights: local process pool (default) or a dask.distributed cluster."""
from __future__ import annotations

import importlib.util
import logging
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterable

from ..core.atomic import atomic_write_text, temp_prefix
from ..pipeline.compile import announce_compilation
from ..core.log import logger
from ..errors import DependencyError, InputError
from .guard import OutputLock, watch_parent
from .inputs import Job, check_unique_stems, collect_jobs
from .state import clean_temporaries
from .worker import INDEX_KEYS, score_job

COHORT_COLUMNS = ("stem", "recording", "annotations", "status", "rules") + INDEX_KEYS + ("error",)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _tqdm(total: int):
    """A tqdm bar: a widget in Jupyter (``tqdm.auto``), text in a terminal or without ipywidgets."""
    import warnings
    try:
        with warnings.catch_warnings():  # "IProgress not found": handled below
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
        return tqdm(total=total, unit="night", dynamic_ncols=True)
    except ImportError:  # no tqdm, or a notebook without ipywidgets
        try:
            from tqdm import tqdm
            return tqdm(total=total, unit="night", dynamic_ncols=True)
        except ImportError:
            return None


# Up to this many nights a batch runs in the calling process: starting worker processes (spawn,
# imports, Numba cache load) costs more than it saves (benchmarks/bench_small_cohort.py).
IN_PROCESS_MAX_NIGHTS = 4


def plan_workers(n_nights: int, jobs: int | None) -> int:
    """Worker processes for a local batch: 1 means in-process; never more workers than nights."""
    n = min(jobs or available_cores(), n_nights)
    return 1 if n_nights <= IN_PROCESS_MAX_NIGHTS else max(n, 1)


class _Progress:
    """tqdm bar with done/failed counts, rate and ETA; plain log lines in quiet mode or without tqdm."""

    def __init__(self, total: int, mode: str | None):
        self.failed = 0
        self.bar = None
        if mode == "bar":
            self.bar = _tqdm(total)

    def update(self, row: dict) -> None:
        self.failed += row["status"] == "failed"
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)
        logger.info("%s: %s%s", row["stem"], row["status"], f" ({row['error']})" if row["error"] else "")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run_local(jobs: list[Job], out: str, settings: dict, force: bool, export: bool, n: int,
               progress: _Progress) -> list[dict]:
    rows = []
    if n <= 1:
        for j in jobs:
            rows.append(score_job(j, out, settings, force, export))
            progress.update(rows[-1])
        return rows
    ctx = mp.get_context("spawn")  # clean workers: no inherited threads or state
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=watch_parent,
                             initargs=(os.getpid(),)) as pool:
        futs = [pool.submit(score_job, j, out, settings, force, export) for j in jobs]
        for f in as_completed(futs):
            rows.append(f.result())
            progress.update(rows[-1])
    return rows


def _run_dask(jobs: list[Job], out: str, settings: dict, force: bool, export: bool,
              scheduler: str | None, n_local: int | None, client, progress: _Progress) -> list[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed as d_completed
    except ImportError:
        raise DependencyError("batch on Dask needs dask.distributed, which is not installed: "
                              "pip install 'jerkdetect[dask]'.") from None
    own = None
    if client is None:
        if scheduler:
            client = own = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_local or available_cores(), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = own = Client(cluster)
    try:
        # workers read the files themselves: only paths go out, one small dict per night comes back
        futs = client.map(score_job, jobs, out_dir=out, settings=settings, force=force, export=export,
                          pure=False)
        rows = []
        for f in d_completed(futs):
            rows.append(f.result())
            progress.update(rows[-1])
        return rows
    finally:
        if own is not None:
            cl = getattr(own, "cluster", None)
            own.close()
            if cl is not None and not scheduler:
                cl.close()


def check_settings(rules, rule_params: dict | None, detection: dict | None) -> None:
    """Check rule and detection parameter names once, before any night: a typo fails the batch
    with one sentence (closest names first) rather than every night with the same error."""
    from dataclasses import fields

    from ..core.names import check_names
    from ..detection import DetectionParams
    from ..rules import get_rules
    get_rules(rules, **dict(rule_params or {}))
    check_names(dict(detection or {}), [f.name for f in fields(DetectionParams)], "detection parameter",
                "score_many")


def score_many(inputs: Iterable[str] | list[Job], out: str, rules: str = "wasm2016", jobs: int | None = None,
               channels: dict | None = None, rule_params: dict | None = None, detection: dict | None = None,
               force: bool = False, export: bool = True, dask_scheduler: str | None = None,
               dask_local: int | None = None, client=None, progress: str | None = None,
               leg_movements: str = "emg", report: bool | str = False, arousals: str = "auto"):
    """Score many nights; write per-night files, ``cohort_summary.tsv`` (+ Parquet), ``errors.tsv``.

    Parameters
    ----------
    inputs : list of str or Job
        Folders (searched recursively), globs, manifest CSV/TSV files, or :class:`Job` objects.
    out : str
        Output folder.
    rules, rule_params, detection, channels
        As for :func:`jerkdetect.score` (``channels`` is the default role override of every night;
        a manifest row can set its own).
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
    os.makedirs(out, exist_ok=True)
    with OutputLock(out):
        return _score_many(inputs, out, rules, jobs, channels, rule_params, detection, force, export,
                           dask_scheduler, dask_local, client, progress, leg_movements, report, arousals, pd)


def _score_many(inputs, out, rules, jobs, channels, rule_params, detection, force, export, dask_scheduler,
                dask_local, client, progress, leg_movements, report, arousals, pd):
    # the log file always gets one line per night; the console gets them only in quiet mode
    # (otherwise the progress bar shows them)
    log_handler = logging.FileHandler(os.path.join(out, "batch.log"))
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handlers = [log_handler]
    if progress == "log":
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(asctime)s jerkdetect batch: %(message)s"))
        handlers.append(console)
    for h in handlers:
        logger.addHandler(h)
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        if report:
            from ..reporting.mpl import require_matplotlib
            require_matplotlib()
        job_list = [j for j in inputs if isinstance(j, Job)] if inputs and isinstance(inputs[0], Job) \
            else collect_jobs([os.fspath(i) for i in inputs], channels, scoring_only=leg_movements == "scoring")
        if not job_list:
            raise InputError("score_many: no recordings to score (inputs is empty).")
        check_unique_stems([j.stem for j in job_list], [j.recording for j in job_list])
        check_settings(rules, rule_params, detection)
        announce_compilation()
        removed = clean_temporaries(out)
        if removed:
            logger.info("removed %d temporary files left by an interrupted run", removed)
        settings = {"rules": rules, "rule_params": dict(rule_params or {}), "detection": dict(detection or {})}
        if leg_movements != "emg":
            settings["leg_movements"] = leg_movements
        if arousals != "auto":
            settings["arousals"] = arousals
        if report is True or report == "all":
            settings["report"] = True
        logger.info("batch: %d nights, rules %s, out %s", len(job_list), rules, out)
        t0 = time.perf_counter()
        bar = _Progress(len(job_list), progress)
        try:
            if dask_scheduler or dask_local or client is not None:
                rows = _run_dask(job_list, out, settings, force, export, dask_scheduler, dask_local, client, bar)
            else:
                n = plan_workers(len(job_list), jobs)
                logger.info("%s", "in this process" if n <= 1 else f"{n} worker processes")
                rows = _run_local(job_list, out, settings, force, export, n, bar)
        finally:
            bar.close()
        rows.sort(key=lambda r: r["recording"])
        df = pd.DataFrame(rows)
        for c in COHORT_COLUMNS:
            if c not in df:
                df[c] = None
        df = df[list(COHORT_COLUMNS) + ["seconds"]]
        cohort = df.drop(columns=["seconds"])
        atomic_write_text(os.path.join(out, "cohort_summary.tsv"), cohort.to_csv(sep="\t", index=False, na_rep="n/a"))
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
    finally:
        for h in handlers:
            logger.removeHandler(h)
        log_handler.close()
        logger.setLevel(old_level)
        logger.propagate = old_propagate
