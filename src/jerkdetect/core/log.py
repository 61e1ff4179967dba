"""Library logger: MNE-style ``verbose`` instead of prints."""
from __future__ import annotations

import logging

logger = logging.getLogger("jerkdetect")
logger.addHandler(logging.NullHandler())


def set_log_level(verbose: bool | str | int | None) -> None:
    """Set the jerkdetect log level (``True`` = INFO, ``False`` = WARNING, or a level name)."""
    if verbose is None:
        return
    if isinstance(verbose, bool):
        level = logging.INFO if verbose else logging.WARNING
    elif isinstance(verbose, str):
        level = getattr(logging, verbose.upper())
    else:
        level = int(verbose)
    logger.setLevel(level)
    if not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.NullHandler)
               for h in logger.handlers):
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(levelname)s jerkdetect: %(message)s"))
        logger.addHandler(h)
