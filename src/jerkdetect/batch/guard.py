"""Batch safety: one run per output folder, and workers that never outlive their parent."""
from __future__ import annotations

import os
import threading
import time

from ..errors import JerkdetectError

LOCK_NAME = ".jerkdetect-batch.lock"


class OutputLocked(JerkdetectError):
    """Another batch is writing to the same output folder."""


class OutputLock:
    """An exclusive ``flock`` on ``out/.jerkdetect-batch.lock`` held for the whole run.

    A second batch on the same folder waits up to ``wait_s`` seconds, then refuses with one
    sentence naming the folder and the other run's process id. The kernel releases the lock
    when the holder dies (even by ``kill -9``), so a killed run never leaves a stale lock.
    """

    def __init__(self, out: str, wait_s: float = 0.0):
        self.path = os.path.join(out, LOCK_NAME)
        self.wait_s = wait_s
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, as before
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise OutputLocked(f"{os.path.dirname(self.path)}: another jerkdetect batch (pid {other}) is "
                                       "writing to this output folder; wait for it to finish or use another --out.") \
                        from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def watch_parent(ppid: int | None = None, interval_s: float = 0.5) -> None:
    """Worker initializer: exit as soon as the process that started this worker is gone.

    A pool worker whose batch was killed (``kill -9`` of the main process) would otherwise go on
    scoring, and hold memory, with nobody to collect its results.
    """
    ppid = os.getppid() if ppid is None else ppid

    def run() -> None:
        while True:
            if os.getppid() != ppid:
                os._exit(1)
            time.sleep(interval_s)
    threading.Thread(target=run, name="jerkdetect-parent-watch", daemon=True).start()
