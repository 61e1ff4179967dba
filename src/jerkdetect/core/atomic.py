"""Atomic file writes: write to a temporary name in the same folder, fsync, then rename."""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
import zlib
from typing import Callable, Sequence

from ..errors import OutputError

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting and restoring it, under a lock)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _hostname() -> str:
    """The host's name: ``os.uname()`` where there is one (as ``socket.gethostname()`` reads it,
    without importing ``socket``: ~7 ms of a fresh command)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket
    return socket.gethostname()


def temp_prefix() -> str:
    """``.tmp-<host>-<pid>-``: whose temporary a file is, so a clean-up never deletes a live run's."""
    host = zlib.crc32(_hostname().encode()) & 0xFFFF
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
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=os.path.basename(path), dir=folder)
    except OSError as e:
        raise output_error(path, e) from e
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        kw = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        _discard(tmp)
        if e.filename not in (None, tmp):  # another file's error inside the block: not this output's
            raise
        raise output_error(path, e) from e
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    if os.path.exists(tmp):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "w") as f:
        f.write(text)


_CAUSES = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
           errno.EACCES: "no permission to write there", errno.EPERM: "no permission to write there",
           errno.EROFS: "the file system is read-only"}


def output_error(path: str, e: OSError) -> OutputError:
    """One sentence naming the file the user asked for (not a temporary) and why it failed.

    Examples
    --------
    >>> print(output_error("/out/n_summary.json", OSError(errno.ENOSPC, "No space left on device")))
    cannot write /out/n_summary.json: No space left on device (the disk is full).
    """
    if isinstance(e, OutputError) and isinstance(e.__cause__, OSError):
        e = e.__cause__  # written through a temporary of its own (an EDF export): name this path
    why = e.strerror or str(e) or type(e).__name__
    hint = _CAUSES.get(e.errno)
    err = OutputError(f"cannot write {path}: {why}" + (f" ({hint})." if hint else "."))
    err.errno, err.filename = e.errno, path
    return err


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def write_together(files: Sequence[tuple[str, str | Callable[[str], None]]]) -> list[str]:
    """Write several files all or nothing: each goes to a temporary ``.tmp-*`` name beside it
    (text, or a function that writes the given path), and only when every one is complete are
    they renamed onto their names, in order (so the last one, a night's summary, marks the set
    complete). A failure while writing leaves the files as they were (an earlier complete set
    stays); a failure while renaming removes every file of the set. Either way no temporary and
    no mixed set is left, and
    :class:`~jerkdetect.errors.OutputError` names the file that failed and the cause (disk full,
    no permission). Returns the paths.
    """
    temps: list[tuple[str, str]] = []
    try:
        for path, content in files:
            folder = os.path.dirname(os.path.abspath(path))
            try:
                os.makedirs(folder, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=os.path.basename(path), dir=folder)
                temps.append((tmp, path))
                os.fchmod(fd, 0o666 & ~current_umask())
                os.close(fd)
                _write_text(tmp, content) if isinstance(content, str) else content(tmp)
            except OSError as e:
                raise output_error(path, e) from e
        for tmp, path in temps:
            try:
                os.replace(tmp, path)
            except OSError as e:
                # a rename failed half way: the set would mix new and earlier files, so none is kept
                for _, p in temps:
                    with contextlib.suppress(OSError):
                        os.unlink(p)
                raise output_error(path, e) from e
        return [p for _, p in temps]
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
