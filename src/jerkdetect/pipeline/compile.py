"""Say once, before the first scoring of a process, when the compiled kernels are not cached yet."""
from __future__ import annotations

import sys

from ..core.log import logger

_announced = False


def kernels_cached() -> bool:
    """True when the Numba kernels every scoring runs have an index file in their cache."""
    from ..core.epochs import _stage_at_kernel
    from ..detection.kernels import envelope_blocks, hysteresis, max_pool, rolling_quantile
    from ..preprocessing.filters import _sos_kernel
    import os
    for f in (_sos_kernel, envelope_blocks, rolling_quantile, hysteresis, max_pool, _stage_at_kernel):
        try:
            index = f._cache._cache_file._index_path
        except AttributeError:  # numba internals moved: do not guess
            return True
        if not os.path.exists(index):
            return False
    return True


def announce_compilation() -> None:
    """Write "compiling kernels (first run only)" to stderr once when the Numba cache is cold.

    The only direct write of the library: a first scoring that sits silent for 10-25 s looks
    like a hang, and the logger is silent by default.
    """
    global _announced
    if _announced:
        return
    _announced = True
    if not kernels_cached():
        msg = "jerkdetect: compiling kernels (first run only, 10-25 s); later runs load them from the cache"
        logger.info(msg)
        print(msg, file=sys.stderr, flush=True)
