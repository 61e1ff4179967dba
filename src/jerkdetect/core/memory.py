"""Give freed memory back to the system between the stages of a night."""
from __future__ import annotations

import ctypes
import sys

_libc = None


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``); a no-op elsewhere.

    Arrays under 32 MB come from the heap, and glibc keeps the pages of freed ones: without
    this, the EMG stage's temporary arrays would stay resident under the next stage's peak.
    """
    global _libc
    if not sys.platform.startswith("linux"):
        return
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None)  # the process's own symbols, libc's among them
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            _libc = False
    if _libc:
        _libc.malloc_trim(0)
