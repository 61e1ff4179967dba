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
