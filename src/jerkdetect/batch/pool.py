"""The machinery every cohort run shares: workers (process pool or Dask), progress, the run's log.

A cohort run (:func:`~jerkdetect.batch.runner.score_many`, :func:`~jerkdetect.batch.agree.agree`)
hands :func:`run_jobs` its jobs and a *worker*: a module-level function ``worker(job, **kwargs)``
that does one night, writes its files atomically, never raises, and returns one small row (a
dict with at least ``stem``, ``status`` and ``error``). Only the job and the keyword arguments
travel to the worker; only the row comes back.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, Sequence

from ..core.log import logger
from ..errors import DependencyError
from .guard import OutputLock, watch_parent
from .inputs import Job
from .state import clean_temporaries

Worker = Callable[..., dict]

# Up to this many nights a batch runs in the calling process: starting worker processes (spawn,
# imports, Numba cache load) costs more than it saves (benchmarks/bench_small_cohort.py).
IN_PROCESS_MAX_NIGHTS = 4


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def plan_workers(n_nights: int, jobs: int | None) -> int:
    """Worker processes for a local batch: 1 means in-process; never more workers than nights.

    Examples
    --------
    >>> plan_workers(3, 8), plan_workers(10, 2), plan_workers(6, 64)
    (1, 2, 6)
    """
    n = min(jobs or available_cores(), n_nights)
    return 1 if n_nights <= IN_PROCESS_MAX_NIGHTS else max(n, 1)


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


class Progress:
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


def run_jobs(jobs: Sequence[Job], worker: Worker, kwargs: dict, n_workers: int = 1, progress: Progress | None = None,
             dask_scheduler: str | None = None, dask_local: int | None = None, client=None) -> list[dict]:
    """``worker(job, **kwargs)`` for every job: in this process (``n_workers`` <= 1), on a spawned
    process pool, or on a dask.distributed cluster (its scheduler address, a LocalCluster of
    ``dask_local`` workers, or an existing ``client``). Rows come back in completion order.

    Examples
    --------
    >>> def worker(job, tag):
    ...     return {"stem": job.stem, "status": "ok", "error": "", "tag": tag}
    >>> [r["tag"] for r in run_jobs([Job("a.edf", stem="a"), Job("b.edf", stem="b")], worker, {"tag": 1})]
    [1, 1]
    """
    progress = progress or Progress(len(jobs), None)
    if dask_scheduler or dask_local or client is not None:
        return _run_dask(jobs, worker, kwargs, dask_scheduler, dask_local, client, progress)
    rows: list[dict] = []
    if n_workers <= 1:
        for j in jobs:
            rows.append(worker(j, **kwargs))
            progress.update(rows[-1])
        return rows
    ctx = mp.get_context("spawn")  # clean workers: no inherited threads or state
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=watch_parent,
                             initargs=(os.getpid(),)) as pool:
        futs = [pool.submit(worker, j, **kwargs) for j in jobs]
        for f in as_completed(futs):
            rows.append(f.result())
            progress.update(rows[-1])
    return rows


def _run_dask(jobs: Sequence[Job], worker: Worker, kwargs: dict, scheduler: str | None, n_local: int | None, client,
              progress: Progress) -> list[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed as d_completed
    except ImportError:
        raise DependencyError("batch on Dask needs dask.distributed, which is not installed: "
                              "pip install 'jerkdetect[dask]' (or pip install 'dask[distributed]').") from None
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
        futs = client.map(worker, list(jobs), **kwargs, pure=False)
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


@contextlib.contextmanager
def cohort_run(out: str, progress: str | None, log_name: str, console_prefix: str) -> Iterator[None]:
    """The frame of a cohort run on ``out``: the output lock (one run per folder), a log file
    ``out/log_name`` with one line per night (on the console too in ``progress="log"`` mode),
    and the temporaries of killed runs cleaned up."""
    os.makedirs(out, exist_ok=True)
    with OutputLock(out):
        log_handler = logging.FileHandler(os.path.join(out, log_name))
        log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers: list[logging.Handler] = [log_handler]
        if progress == "log":
            console = logging.StreamHandler()
            console.setFormatter(logging.Formatter(f"%(asctime)s {console_prefix}: %(message)s"))
            handlers.append(console)
        for h in handlers:
            logger.addHandler(h)
        old_level, old_propagate = logger.level, logger.propagate
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            removed = clean_temporaries(out)
            if removed:
                logger.info("removed %d temporary files left by an interrupted run", removed)
            yield
        finally:
            for h in handlers:
                logger.removeHandler(h)
            log_handler.close()
            logger.setLevel(old_level)
            logger.propagate = old_propagate
