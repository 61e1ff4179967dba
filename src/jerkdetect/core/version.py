"""The installed version of jerkdetect (``0.0.0+unknown`` when run from a source tree)."""
from __future__ import annotations

import os
import sys


def dist_version(dist: str) -> str | None:
    """The version of an installed distribution, as ``importlib.metadata.version`` finds it (the
    first ``.dist-info`` on ``sys.path``), read from the folder's name: ~1 ms, where
    ``importlib.metadata`` takes ~25 ms of a fresh command (it imports and parses e-mail headers).
    Falls back to ``importlib.metadata`` where the name does not say (an egg, a zip on the path).
    """
    want = _normal(dist)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        hits = [n[:-len(".dist-info")].rsplit("-", 1) for n in names if n.endswith(".dist-info") and "-" in n]
        hits = [v for name, v in hits if _normal(name) == want]
        if len(hits) == 1:
            return hits[0]
        if hits:
            break
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


__version__ = dist_version("jerkdetect") or "0.0.0+unknown"
