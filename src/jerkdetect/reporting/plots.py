"""Plots (matplotlib, optional extra ``jerkdetect[plot]``)."""
from __future__ import annotations

import numpy as np

from ..core.hypnogram import Hypnogram

_ORDER = {0: 5, 4: 4, 1: 3, 2: 2, 3: 1, -1: 0}  # W on top, N3 at the bottom, unscored below
_LABELS = ["?", "N3", "N2", "N1", "R", "W"]


def axes_or_new(ax, figsize=(12, 3)):
    """``ax``, or new pyplot axes of ``figsize`` when it is None (for interactive use)."""
    if ax is not None:
        return ax
    from .mpl import require_matplotlib
    require_matplotlib()
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_hypnogram(hyp: Hypnogram, ax=None, scale: float = 3600.0, unit: str = "h"):
    """Step plot of the hypnogram in hours (``scale`` s per ``unit``) from the recording start; REM in red."""
    ax = axes_or_new(ax)
    starts, ends = hyp.bounds
    t = np.append(starts, ends[-1:]) / scale
    y = np.array([_ORDER[int(s)] for s in hyp.stages] + [_ORDER[int(hyp.stages[-1])]]) if hyp.n_epochs else np.zeros(1)
    ax.step(t, y, where="post", color="k", lw=1)
    rem = np.ma.masked_where(np.r_[hyp.stages, hyp.stages[-1:]] != 4, y) if hyp.n_epochs else y
    ax.step(t, rem, where="post", color="tab:red", lw=3)
    ax.set_yticks(range(6), _LABELS)
    ax.set_xlabel(f"time from recording start ({unit})")
    ax.set_xlim(t[0], t[-1])
    return ax


def result_arousals(result) -> np.ndarray:
    """The scored arousals a result carries, as (onset, duration) rows (empty when it has none)."""
    a = getattr(result, "arousals", None)
    if a is None:
        return np.zeros((0, 2))
    a = np.asarray(a, dtype=float)
    return a.reshape(-1, 2) if a.size else np.zeros((0, 2))


def _time_unit(tmin: float, tmax: float) -> tuple[float, str]:
    return (60.0, "min") if tmax - tmin <= 2 * 3600 else (3600.0, "h")


def plot_night(result, ax=None, tmin: float | None = None, tmax: float | None = None):
    """Hypnogram with an event raster: LMs, PLMs, respiratory-related and arousal-linked LMs,
    arousals (when the result carries them), hypnic jerks and unscorable stretches.

    ``tmin``/``tmax`` (s from the recording start) zoom in; short spans are drawn in minutes.
    """
    from matplotlib.patches import Patch
    ax = axes_or_new(ax, (14, 3.8))
    t_lo = 0.0 if tmin is None else float(tmin)
    t_hi = float(result.info.get("duration_s") or 0.0) if tmax is None else float(tmax)
    if t_hi <= t_lo:
        t_hi = t_lo + max(float(np.max(result.lm.offset, initial=0.0)), 30.0)
    scale, unit = _time_unit(t_lo, t_hi)
    if result.hypnogram is not None:
        plot_hypnogram(result.hypnogram, ax, scale=scale, unit=unit)
    lm = result.lm
    x = lm.onset / scale
    other = ~lm.plm
    ax.vlines(x[other], 5.65, 5.95, color="0.45", lw=0.9, label="LM (not PLM)")
    ax.vlines(x[lm.plm], 5.65, 6.15, color="tab:blue", lw=0.9, label="PLM")
    ax.vlines(x[lm.respiratory], 5.5, 5.7, color="tab:green", lw=1.4, label="respiratory-related LM")
    ax.plot(x[lm.arousal], np.full(int(lm.arousal.sum()), 6.25), ".", color="tab:red", ms=4,
            label="arousal-linked LM")
    ar = result_arousals(result)
    if ar.size:
        ax.hlines(np.full(len(ar), -0.3), ar[:, 0] / scale, (ar[:, 0] + ar[:, 1]) / scale, color="tab:purple",
                  lw=4, label="arousal")
    j = np.asarray(result.jerks["onset"], dtype=float) / scale
    ax.plot(j, np.full(j.size, 6.45), "v", color="tab:orange", ms=7, label="hypnic jerk")
    handles, labels = ax.get_legend_handles_labels()
    for iv, alpha, label in ((result.unscorable, 0.22, "unscorable (both legs)"),
                             (result.unscorable_one_leg(), 0.08, "unscorable (one leg)")):
        for a, b in iv:
            ax.axvspan(a / scale, b / scale, color="tab:red", alpha=alpha, lw=0)
        if len(iv):
            handles.append(Patch(color="tab:red", alpha=alpha * 2, lw=0))
            labels.append(label)
    ax.set_ylim(-0.6, 6.7)
    ax.set_xlim(t_lo / scale, t_hi / scale)
    ax.set_xlabel(f"time from recording start ({unit})")
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=8, frameon=False)
    i = result.indices
    fmt = lambda v, u="/h": "null" if v is None else f"{v:.1f}{u}"  # noqa: E731
    nj = i.get("n_hypnic_jerks")
    ax.set_title(f"{result.info.get('rules', {}).get('name', '')}: PLMS index {fmt(i.get('plms_index'))}, "
                 f"PLMW {fmt(i.get('plmw_index'))}, hypnic jerks {'not scored' if nj is None else nj}")
    return ax


def plot_event(result, i: int, ax=None, pad: float = 10.0, filtered: bool = False):
    """Leg and chin EMG around event ``i`` (a row of ``result.events``), the event shaded.

    The signal is read from the recording on demand (nothing is kept by scoring): raw µV, each
    trace centred on its median, or with ``filtered`` through the detector's band-pass and notch.
    """
    from .raw import event_signals
    rows = result.event_rows()
    if not 0 <= i < len(rows):
        raise IndexError(f"event {i} does not exist: the result has {len(rows)} events")
    r = rows[i]
    on, off = r["onset"], r["onset"] + r["duration"]
    sig = event_signals(result, on, off, pad, filtered)
    if not sig:
        raise ValueError(f"{result.info.get('recording')}: no EMG to show (scored from annotations, "
                         "or the recording cannot be read).")
    ax = axes_or_new(ax, (12, 3.6))
    step = max((np.percentile(np.abs(v), 99.5) if v.size else 1.0) for _, _, v in sig.values()) * 2.2
    step = max(step, 20.0)
    for k, (_role, (lab, t, v)) in enumerate(sig.items()):
        ax.plot(t - on, v - k * step, lw=0.5, color="k")
        ax.text(-pad, -k * step + 0.3 * step, lab, fontsize=8, va="bottom")
    ax.axvspan(0, off - on, color="tab:orange" if r["label"] == "hypnic_jerk" else "tab:blue", alpha=0.18, lw=0)
    ax.set_yticks([])
    ax.set_xlim(-pad, off - on + pad)
    ax.set_xlabel("time from event onset (s)")
    ax.plot([off - on + pad * 0.9] * 2, [0.3 * step, 0.3 * step + 50], color="k", lw=2)
    ax.text(off - on + pad * 0.88, 0.3 * step + 25, "50 µV", ha="right", va="center", fontsize=8)
    ax.set_title(f"event {i}: {r['label']} ({r['side']}) at {on:.2f} s, {r['duration']:.2f} s, stage {r['stage']}"
                 f"{', arousal' if r['arousal'] else ''}{', respiratory' if r['respiratory'] else ''}"
                 f" — {'band-passed' if filtered else 'raw'} EMG", fontsize=10)
    return ax


def plot_imi_histogram(result, ax=None, bins=None):
    """Histogram of inter-movement intervals (log-spaced bins, 10- and 90-s limits marked)."""
    ax = axes_or_new(ax, (6, 3.5))
    imi = result.lm.imi[np.isfinite(result.lm.imi)]
    bins = bins if bins is not None else np.logspace(0, np.log10(200), 30)
    ax.hist(imi, bins=bins, color="tab:blue", alpha=0.8)
    ax.set_xscale("log")
    for x in (result.info.get("rules", {}).get("min_imi_s", 10.0), result.info.get("rules", {}).get("max_imi_s", 90.0)):
        ax.axvline(x, color="k", ls="--", lw=0.8)
    ax.set_xlabel("inter-movement interval (s)")
    ax.set_ylabel("count")
    return ax
