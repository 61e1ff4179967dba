"""jerkdetect: score hypnic jerks, periodic limb movements and arousal-linked leg movements in PSG.

The names below are imported on first use (``jd.score`` imports the pipeline, ``jd.score_many``
the batch runner), so ``import jerkdetect`` and a command that needs a few of them start fast.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .core.numba_start import defer_blas_check

defer_blas_check()  # Numba's first kernel load then skips importing scipy.linalg (no Numba import here)

# public name -> module (relative to this package) that defines it
_EXPORTS = {
    "Hypnogram": ".core.hypnogram", "set_log_level": ".core.log", "__version__": ".core.version",
    "ChannelError": ".errors", "JerkdetectError": ".errors", "RecordingError": ".errors",
    "ScoringFileError": ".errors", "Channel": ".io", "Recording": ".io", "read_psg": ".io",
    "Scoring": ".io.scoring", "read_scoring": ".io.scoring", "ArousalParams": ".detection",
    "DetectionParams": ".detection", "detect_arousals": ".detection", "AASM2012": ".rules", "WASM2016": ".rules",
    "HypnicJerkRule": ".rules", "MotorRules": ".rules", "ScoringResult": ".pipeline", "find_scoring_file": ".pipeline",
    "score": ".pipeline", "score_annotations": ".pipeline", "score_many": ".batch", "agree": ".batch",
}
_SUBPACKAGES = ("simulate",)  # ``jd.simulate`` on first use (it imports SciPy, which scoring never needs)

if TYPE_CHECKING:  # what static tools and IDEs see
    from .batch import agree, score_many
    from .core.hypnogram import Hypnogram
    from .core.log import set_log_level
    from .core.version import __version__
    from .detection import ArousalParams, DetectionParams, detect_arousals
    from .errors import ChannelError, JerkdetectError, RecordingError, ScoringFileError
    from .io import Channel, Recording, read_psg
    from .io.scoring import Scoring, read_scoring
    from .pipeline import ScoringResult, find_scoring_file, score, score_annotations
    from .rules import AASM2012, WASM2016, HypnicJerkRule, MotorRules


def sample_path(kind: str = "recording") -> str:
    """Path of the shipped sample night.

    kind: "recording" (EDF+), "scoring" (NSRR XML), "truth" (JSON) or "profusion" (Profusion XML
    with the true leg movements scored as limb-movement events, for annotation-only scoring).
    """
    import os
    files = {"recording": "sample_night.edf", "scoring": "sample_night.xml", "truth": "sample_night_truth.json",
             "profusion": "sample_night_profusion.xml"}
    if kind not in files:
        from .core.names import check_names
        check_names([kind], files, "sample kind")
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.path.join(here, "_sample"), os.path.join(here, "..", "..", "sample_data"),
                 os.path.join(os.getcwd(), "sample_data"), os.path.join(os.getcwd(), "..", "sample_data")):
        p = os.path.join(root, files[kind])
        if os.path.exists(p):
            return os.path.abspath(p)
    raise FileNotFoundError("sample data not found; regenerate it with `python -m jerkdetect.simulate.sample`")


__all__ = ["AASM2012", "ArousalParams", "Channel", "ChannelError", "DetectionParams", "Hypnogram",
           "HypnicJerkRule", "JerkdetectError", "MotorRules", "Recording", "RecordingError", "Scoring",
           "ScoringFileError", "ScoringResult", "WASM2016", "__version__", "agree", "detect_arousals",
           "find_scoring_file", "read_psg",
           "read_scoring", "sample_path", "score", "score_annotations", "score_many", "set_log_level"]


def __getattr__(name: str):
    """Import a public name (or ``simulate``) the first time it is used, then keep it here."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module 'jerkdetect' has no attribute '{name}'")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBPACKAGES))
