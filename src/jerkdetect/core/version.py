"""The installed version of jerkdetect (``0.0.0+unknown`` when run from a source tree)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jerkdetect")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
