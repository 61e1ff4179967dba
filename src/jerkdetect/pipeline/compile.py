"""Say once, before the first scoring of a process, when the compiled kernels are not cached yet."""
from __future__ import annotations

import sys
import time

from ..core.log import logger

_announced = False


def kernels_cached() -> bool:
    """True when the kernels every scoring runs are compiled already: in an ahead-of-time build
    (``jerkdetect compile``) or with an index file in Numba's cache."""
    import os

    from ..core.epochs import _stage_at_kernel
    from ..detection.kernels import _envelope_advance, burst_features, rolling_quantile_masked
    from ..preprocessing.ecg import _r_peaks, _subtract_kernel
    from ..preprocessing.filters import _sos_kernel
    kernels = (_sos_kernel, _r_peaks, _subtract_kernel, _envelope_advance, rolling_quantile_masked, burst_features,
               _stage_at_kernel)
    if all(k.uses_aot for k in kernels):
        return True
    for f in kernels:
        try:
            index = f.jit._cache._cache_file._index_path
        except AttributeError:  # numba internals moved: do not guess
            return True
        if not os.path.exists(index):
            return False
    return True


# Measured from an empty NUMBA_CACHE_DIR, first scoring of the sample night: 13-19 s on the
# project's 2-core VM under load (with and without EEG arousal detection), 34 s on a user's
# laptop (issue 19). Later processes load the cache in well under a second.
COLD_RANGE_S = (10, 40)
_announced = False
_cold_since: float | None = None


def announce_compilation() -> None:
    """Write "compiling kernels (first run only, about 10-40 s)" to stderr once when the Numba cache
    is cold; :func:`compilation_done` then says how long it took.

    The only direct writes of the library: a first scoring that sits silent for half a minute
    looks like a hang, and the logger is silent by default.
    """
    global _announced, _cold_since
    if _announced:
        return
    _announced = True
    if not kernels_cached():
        _cold_since = time.perf_counter()
        lo, hi = COLD_RANGE_S
        msg = (f"jerkdetect: compiling kernels (first run only, about {lo}-{hi} s, more on a slow or busy "
               "machine); later runs load them from the cache")
        logger.info(msg)
        print(msg, file=sys.stderr, flush=True)


def compilation_done() -> None:
    """After the first scoring of a process that compiled: say once how long it took."""
    global _cold_since
    if _cold_since is None:
        return
    msg = (f"jerkdetect: kernels compiled and cached in {time.perf_counter() - _cold_since:.0f} s "
           "(`jerkdetect compile`, once, makes later commands start faster still)")
    _cold_since = None
    logger.info(msg)
    print(msg, file=sys.stderr, flush=True)
