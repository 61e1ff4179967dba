"""Plots (matplotlib, optional extra ``jerkdetect[plot]``)."""
from __future__ import annotations

import numpy as np

from ..hypnogram import Hypnogram

_ORDER = {0: 5, 4: 4, 1: 3, 2: 2, 3: 1, -1: 0}  # W on top, N3 at the bottom, unscored below
_LABELS = ["?", "N3", "N2", "N1", "R", "W"]


def _axes(ax, figsize=(12, 3)):
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_hypnogram(hyp: Hypnogram, ax=None):
    """Step plot of the hypnogram in hours from the recording start; REM drawn in red."""
    ax = _axes(ax)
    starts, ends = hyp.bounds
    t = np.append(starts, ends[-1:]) / 3600
    y = np.array([_ORDER[int(s)] for s in hyp.stages] + [_ORDER[int(hyp.stages[-1])]]) if hyp.n_epochs else np.zeros(1)
    ax.step(t, y, where="post", color="k", lw=1)
    rem = np.ma.masked_where(np.r_[hyp.stages, hyp.stages[-1:]] != 4, y) if hyp.n_epochs else y
    ax.step(t, rem, where="post", color="tab:red", lw=3)
    ax.set_yticks(range(6), _LABELS)
    ax.set_xlabel("time from recording start (h)")
    ax.set_xlim(t[0], t[-1])
    return ax


def plot_night(result, ax=None):
    """Hypnogram with LMs, PLMs (by series), respiratory-related LMs and hypnic jerks on top."""
    ax = _axes(ax, (14, 3.5))
    if result.hypnogram is not None:
        plot_hypnogram(result.hypnogram, ax)
    lm = result.lm
    h = lm.onset / 3600
    ax.vlines(h[~lm.plm], 5.6, 5.9, color="0.5", lw=0.8, label="LM")
    ax.vlines(h[lm.plm], 5.6, 6.1, color="tab:blue", lw=0.8, label="PLM")
    ax.vlines(h[lm.respiratory], 5.5, 5.7, color="tab:green", lw=1.2, label="respiratory-related")
    j = np.asarray(result.jerks["onset"]) / 3600
    ax.plot(j, np.full(j.size, 6.3), "v", color="tab:orange", ms=8, label="hypnic jerk")
    for a, b in result.unscorable:
        ax.axvspan(a / 3600, b / 3600, color="tab:red", alpha=0.12, lw=0)
    ax.set_ylim(-0.5, 6.6)
    ax.legend(loc="lower right", fontsize=8, ncol=4)
    i = result.indices
    fmt = lambda v: "null" if v is None else f"{v:.1f}"  # noqa: E731
    ax.set_title(f"{result.info.get('rules', {}).get('name', '')}: PLMS index {fmt(i.get('plms_index'))}/h, "
                 f"PLMW {fmt(i.get('plmw_index'))}/h, {i.get('n_hypnic_jerks', 0)} hypnic jerks")
    return ax


def plot_imi_histogram(result, ax=None, bins=None):
    """Histogram of inter-movement intervals (log-spaced bins, 10- and 90-s limits marked)."""
    ax = _axes(ax, (6, 3.5))
    imi = result.lm.imi[np.isfinite(result.lm.imi)]
    bins = bins if bins is not None else np.logspace(0, np.log10(200), 30)
    ax.hist(imi, bins=bins, color="tab:blue", alpha=0.8)
    ax.set_xscale("log")
    for x in (result.info.get("rules", {}).get("min_imi_s", 10.0), result.info.get("rules", {}).get("max_imi_s", 90.0)):
        ax.axvline(x, color="k", ls="--", lw=0.8)
    ax.set_xlabel("inter-movement interval (s)")
    ax.set_ylabel("count")
    return ax
