"""How many threads one night may use (the compiled kernels release the GIL).

A night's EMG channels (and the ECG) are filtered and scanned in parallel threads. A process of
``jerkdetect batch`` already has a core of its own per night, so there a night runs on one
thread; so does any process started by :mod:`multiprocessing` (a pool worker, a Dask worker).
``JERKDETECT_THREADS`` overrides both (``1`` turns the threads off).
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor

from ..errors import InputError

ENV = "JERKDETECT_THREADS"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def night_threads(tasks: int) -> int:
    """Threads for ``tasks`` independent jobs of one night: ``JERKDETECT_THREADS`` when set, 1 in
    a child process of a pool, otherwise the available cores; never more than ``tasks``.

    Examples
    --------
    >>> night_threads(1)
    1
    """
    value = os.environ.get(ENV, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            raise InputError(f"environment variable {ENV} must be a whole number of threads; got {value!r}.") from None
        if n < 1:
            raise InputError(f"environment variable {ENV} must be at least 1; got {n}.")
    elif _in_pool_worker():
        n = 1
    else:
        n = available_cores()
    return max(1, min(n, tasks))


def _in_pool_worker() -> bool:
    """True in a process started by :mod:`multiprocessing` (such a process has imported it)."""
    mp = sys.modules.get("multiprocessing")
    return mp is not None and mp.parent_process() is not None


def in_thread(name: str, fn, *args) -> Future:
    """Run ``fn(*args)`` on a thread of its own (named ``jerkdetect-<name>``); its result, or its
    exception, comes from the returned future's ``result()``. The thread ends with the call."""
    ex = ThreadPoolExecutor(1, thread_name_prefix=f"jerkdetect-{name}")
    try:
        return ex.submit(fn, *args)
    finally:
        ex.shutdown(wait=False)
