"""Figures for the static reports: matplotlib ``Figure`` objects (no pyplot state) as inline PNG."""
from __future__ import annotations

import numpy as np

from .mpl import new_figure


def night_figure(result):
    from .plots import plot_night
    fig, (ax,) = new_figure(13, 4.6)
    plot_night(result, ax=ax)
    return fig


def imi_figure(result):
    from .plots import plot_imi_histogram
    fig, (ax,) = new_figure(7, 3.4)
    plot_imi_histogram(result, ax=ax)
    return fig


def example_events(result, n: int = 4) -> list[int]:
    """Rows of ``result.event_rows()`` worth showing: the first PLM, a jerk, a respiratory-related
    LM, an arousal-linked LM and a non-periodic LM, in that order of preference (deterministic)."""
    rows = result.event_rows()
    wanted = [lambda r: r["label"] == "plm", lambda r: r["label"] == "hypnic_jerk",
              lambda r: r["respiratory"], lambda r: r["arousal"] and r["label"] != "hypnic_jerk",
              lambda r: r["label"] == "lm", lambda r: r["label"] == "lm_long"]
    picked: list[int] = []
    for cond in wanted:
        k = next((i for i, r in enumerate(rows) if cond(r) and i not in picked), None)
        if k is not None:
            picked.append(k)
        if len(picked) == n:
            break
    return picked


def emg_strip_figure(result, events: list[int], pad: float = 8.0):
    """One row per example event: leg and chin EMG around it (None when no EMG can be read)."""
    from .plots import plot_event
    from .raw import source_recording
    if not events or source_recording(result) is None:
        return None
    fig, axes = new_figure(13, 2.6 * len(events), nrows=len(events))
    for ax, i in zip(axes, events):
        plot_event(result, i, ax=ax, pad=pad, filtered=False)
    return fig


def histogram_figure(values: dict[str, np.ndarray], title: str = ""):
    """Small multiples: one histogram per index of a cohort (NaN/None left out, counted in the title).

    Readable for a cohort of two nights as for two thousand: whole-number night counts on the y
    axis, the index and its unit on the x axis, text at 10 pt.
    """
    from matplotlib.ticker import MaxNLocator

    from ..alignment.indices import INDEX_INFO
    names = list(values)
    cols = 2
    rows = max(1, -(-len(names) // cols))
    fig, _ = new_figure(12, 3.0 * rows)
    fig.clear()
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        v = np.asarray(values[name], dtype=float)
        ok = v[np.isfinite(v)]
        ax.hist(ok, bins=min(20, max(5, ok.size)), color="tab:blue", alpha=0.85)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("nights", fontsize=10)
        unit = INDEX_INFO.get(name, ("", ""))[0]
        ax.set_xlabel(name + (f" ({unit})" if unit else ""), fontsize=10)
        ax.set_title(f"{name}: {ok.size} night{'s' if ok.size != 1 else ''}"
                     + (f", {v.size - ok.size} null" if v.size > ok.size else ""), fontsize=10)
        ax.tick_params(labelsize=10)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
