"""jerkdetect: score hypnic jerks, periodic limb movements and arousal-linked leg movements in PSG."""
from .core.hypnogram import Hypnogram
from .core.log import set_log_level
from .core.version import __version__
from .errors import ChannelError, JerkdetectError, RecordingError, ScoringFileError
from .io import Channel, Recording, read_psg
from .io.scoring import Scoring, read_scoring
from .detection import ArousalParams, DetectionParams, detect_arousals
from .rules import AASM2012, WASM2016, HypnicJerkRule, MotorRules
from .pipeline import ScoringResult, find_scoring_file, score, score_annotations
from .batch import agree, score_many


def sample_path(kind: str = "recording") -> str:
    """Path of the shipped sample night.

    kind: "recording" (EDF+), "scoring" (NSRR XML), "truth" (JSON) or "profusion" (Profusion XML
    with the true leg movements scored as limb-movement events, for annotation-only scoring).
    """
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.path.join(here, "_sample"), os.path.join(here, "..", "..", "sample_data"),
                 os.path.join(os.getcwd(), "sample_data"), os.path.join(os.getcwd(), "..", "sample_data")):
        p = os.path.join(root, {"recording": "sample_night.edf", "scoring": "sample_night.xml",
                                "truth": "sample_night_truth.json",
                                "profusion": "sample_night_profusion.xml"}[kind])
        if os.path.exists(p):
            return os.path.abspath(p)
    raise FileNotFoundError("sample data not found; regenerate it with `python -m jerkdetect.simulate.sample`")


__all__ = ["AASM2012", "ArousalParams", "Channel", "ChannelError", "DetectionParams", "Hypnogram",
           "HypnicJerkRule", "JerkdetectError", "MotorRules", "Recording", "RecordingError", "Scoring",
           "ScoringFileError", "ScoringResult", "WASM2016", "__version__", "agree", "detect_arousals",
           "find_scoring_file", "read_psg",
           "read_scoring", "sample_path", "score", "score_annotations", "score_many", "set_log_level"]


def __getattr__(name: str):
    """``jd.simulate`` on first use (it imports SciPy, which scoring never needs)."""
    if name == "simulate":
        import importlib
        return importlib.import_module(".simulate", __name__)
    raise AttributeError(f"module 'jerkdetect' has no attribute '{name}'")
