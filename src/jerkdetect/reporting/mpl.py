"""Matplotlib without pyplot: a clear error when it is missing, Figures safe in workers, PNG out."""
from __future__ import annotations

import base64
import importlib.util
import io

DPI = 90


def require_matplotlib() -> None:
    """Raise one clear sentence when matplotlib (the ``plot`` extra) is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ImportError("plots and HTML reports need matplotlib: pip install 'jerkdetect[plot]' "
                          "(or pip install matplotlib)")


def new_figure(width: float, height: float, nrows: int = 1):
    """A matplotlib Figure that never touches pyplot (safe in workers and headless runs)."""
    require_matplotlib()
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, 1, squeeze=False)[:, 0]
    return fig, axes


def png_b64(fig) -> tuple[str, int, int]:
    """The figure as a base64 PNG and its pixel width and height."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    w, h = (int(round(v * DPI)) for v in fig.get_size_inches())
    return base64.b64encode(buf.getvalue()).decode("ascii"), w, h
