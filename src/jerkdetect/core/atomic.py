"""Atomic file writes: write to a temporary name in the same folder, fsync, then rename."""
from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import zlib

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting and restoring it, under a lock)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def temp_prefix() -> str:
    """``.tmp-<host>-<pid>-``: whose temporary a file is, so a clean-up never deletes a live run's."""
    host = zlib.crc32(socket.gethostname().encode()) & 0xFFFF
    return f".tmp-{host:04x}-{os.getpid()}-"


@contextlib.contextmanager
def atomic_open(path: str, mode: str = "w"):
    """Open a temporary ``.tmp-*`` file beside ``path``; rename it onto ``path`` only on success.

    Readers see the old file or the whole new one, never half of it; an interrupted write leaves
    only the temporary, which batch runs clean up. The file gets the permissions an ordinary
    ``open`` would (0666 less the umask), not ``mkstemp``'s 0600, so colleagues on a shared
    server can read the results.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=os.path.basename(path), dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        kw = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "w") as f:
        f.write(text)
