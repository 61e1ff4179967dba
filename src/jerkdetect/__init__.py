"""jerkdetect: score hypnic jerks, periodic limb movements and arousal-linked leg movements in PSG."""
from importlib.metadata import PackageNotFoundError, version as _version

from ._logging import set_log_level
from .errors import ChannelError, JerkdetectError, RecordingError, ScoringFileError
from .io import Channel, Recording, read_psg

try:
    __version__ = _version("jerkdetect")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["Channel", "ChannelError", "JerkdetectError", "Recording", "RecordingError",
           "ScoringFileError", "read_psg", "set_log_level", "__version__"]

from .hypnogram import Hypnogram  # noqa: E402
from .io.scoring import Scoring, read_scoring  # noqa: E402
from .scoring import find_scoring_file, score  # noqa: E402
from .detection import ArousalParams, DetectionParams, detect_arousals  # noqa: E402
from .rules import AASM2012, WASM2016, HypnicJerkRule  # noqa: E402
from .reporting import ScoringResult  # noqa: E402
from .batch import score_many  # noqa: E402
from .annotations_only import score_annotations  # noqa: E402


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


__all__ += ["AASM2012", "ArousalParams", "DetectionParams", "detect_arousals", "Hypnogram", "HypnicJerkRule",
            "Scoring", "ScoringResult", "WASM2016", "find_scoring_file", "read_scoring", "sample_path", "score",
            "score_annotations", "score_many"]


def __getattr__(name: str):
    """``jd.simulate`` on first use (it imports SciPy, which scoring never needs)."""
    if name == "simulate":
        import importlib
        return importlib.import_module(".simulate", __name__)
    raise AttributeError(f"module 'jerkdetect' has no attribute '{name}'")
