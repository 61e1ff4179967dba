"""Plots (matplotlib, optional extra ``jerkdetect[plot]``)."""
from __future__ import annotations

import numpy as np

from ..core.hypnogram import Hypnogram

STAGE_ROWS = {3: 0, 2: 1, 1: 2, 4: 3, 0: 4}  # N3 at the bottom, W on top; unscored epochs are gaps
STAGE_LABELS = ["N3", "N2", "N1", "R", "W"]
ROW_STEP = 0.75  # distance between the event rows drawn above the hypnogram


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
    """Step plot of the hypnogram (``scale`` s per ``unit``) from the recording start; REM in red.

    Rows are the five stages; unscored epochs are left as gaps and shaded grey (labelled
    "unscored epochs" when there are any).
    """
    ax = axes_or_new(ax)
    starts, ends = hyp.bounds
    t = np.append(starts, ends[-1:]) / scale if hyp.n_epochs else np.zeros(1)
    codes = np.r_[hyp.stages, hyp.stages[-1:]] if hyp.n_epochs else np.full(1, -1)
    y = np.array([STAGE_ROWS.get(int(c), np.nan) for c in codes], float)
    ax.step(t, y, where="post", color="k", lw=1)
    ax.step(t, np.where(codes == 4, y, np.nan), where="post", color="tab:red", lw=3)
    unscored = np.flatnonzero(hyp.stages == -1)
    for k in unscored:
        ax.axvspan(starts[k] / scale, ends[k] / scale, ymin=0, ymax=1, color="0.85", lw=0, zorder=0,
                   label="unscored epochs" if k == unscored[0] else None)
    ax.set_yticks(range(5), STAGE_LABELS)
    ax.set_ylim(-0.5, 4.5)
    ax.set_xlabel(f"time from recording start ({unit})")
    ax.set_xlim(t[0], t[-1])
    return ax


def _time_unit(span: float, zoomed: bool) -> tuple[float, str]:
    """A zoom is drawn in seconds, the unit ``tmin``/``tmax`` and the events table use; a whole night
    in minutes up to 2 h, else in hours."""
    if zoomed:
        return 1.0, "s"
    return (60.0, "min") if span <= 2 * 3600 else (3600.0, "h")


def _interval_row(ax, events, y: float, scale: float, color: str, label: str) -> None:
    ev = np.asarray(events, float).reshape(-1, 2)
    ax.hlines(np.full(len(ev), y), ev[:, 0] / scale, (ev[:, 0] + ev[:, 1]) / scale, color=color, lw=6,
              label=label)


def event_rows(result) -> list[tuple[str, str]]:
    """(row label, kind) of the rows drawn above the hypnogram, bottom to top: respiratory events and
    arousals (scored, detected) when the result has that scoring, leg movements, hypnic jerks when
    they were scored."""
    rows = []
    if getattr(result, "respiratory_events", None) is not None:
        rows.append(("respiratory events", "respiratory"))
    if getattr(result, "scored_arousals", None) is not None:
        rows.append(("arousals (scored)", "scored_arousals"))
    if getattr(result, "detected_arousals", None) is not None:
        rows.append(("arousals (detected)", "detected_arousals"))
    rows.append(("leg movements", "lm"))
    if result.indices.get("n_hypnic_jerks") is not None:
        rows.append(("hypnic jerks", "jerks"))
    return rows


def plot_night(result, ax=None, tmin: float | None = None, tmax: float | None = None):
    """Hypnogram with a row per kind of event above it: respiratory events and arousals (scored,
    or detected in the EEG; each said so), leg movements (LM, PLM, respiratory-related and
    arousal-linked LMs marked) and hypnic jerks, with unscorable stretches shaded.

    ``tmin``/``tmax`` (s from the recording start, as in the events table) zoom in; a zoom is drawn
    in seconds, a whole night in minutes (up to 2 h) or hours.
    """
    from matplotlib.patches import Patch
    ax = axes_or_new(ax, (14, 4.6))
    zoomed = tmin is not None or tmax is not None
    t_lo = 0.0 if tmin is None else float(tmin)
    t_hi = float(result.info.get("duration_s") or 0.0) if tmax is None else float(tmax)
    if t_hi <= t_lo:
        t_hi = t_lo + max(float(np.max(result.lm.offset, initial=0.0)), 30.0)
    scale, unit = _time_unit(t_hi - t_lo, zoomed)
    if result.hypnogram is not None:
        plot_hypnogram(result.hypnogram, ax, scale=scale, unit=unit)
    rows = event_rows(result)
    y = {kind: 5.0 + ROW_STEP * k for k, (_, kind) in enumerate(rows)}
    if "respiratory" in y:
        _interval_row(ax, result.respiratory_events, y["respiratory"], scale, "tab:green", "respiratory event (scored)")
    if "scored_arousals" in y:
        _interval_row(ax, result.scored_arousals, y["scored_arousals"], scale, "tab:purple", "arousal (scored)")
    if "detected_arousals" in y:
        _interval_row(ax, result.detected_arousals.to_array(), y["detected_arousals"], scale, "tab:pink",
                      "arousal (detected in the EEG)")
    lm, yl = result.lm, y["lm"]
    x = lm.onset / scale
    ax.vlines(x[~lm.plm], yl - 0.15, yl + 0.15, color="0.45", lw=0.9, label="LM (not PLM)")
    ax.vlines(x[lm.plm], yl - 0.25, yl + 0.25, color="tab:blue", lw=0.9, label="PLM")
    ax.plot(x[lm.respiratory], np.full(int(lm.respiratory.sum()), yl - 0.32), "^", color="tab:green", ms=4,
            label="respiratory-related LM")
    ax.plot(x[lm.arousal], np.full(int(lm.arousal.sum()), yl + 0.32), ".", color="tab:red", ms=5,
            label="arousal-linked LM")
    if "jerks" in y:
        j = np.asarray(result.jerks["onset"], dtype=float) / scale
        ax.plot(j, np.full(j.size, y["jerks"]), "v", color="tab:orange", ms=7, label="hypnic jerk")
    handles, labels = ax.get_legend_handles_labels()
    for iv, alpha, label in ((result.unscorable, 0.22, "unscorable (both legs)"),
                             (result.unscorable_one_leg(), 0.08, "unscorable (one leg)")):
        for a, b in iv:
            ax.axvspan(a / scale, b / scale, color="tab:red", alpha=alpha, lw=0)
        if len(iv):
            handles.append(Patch(color="tab:red", alpha=alpha * 2, lw=0))
            labels.append(label)
    ax.set_yticks(list(range(5)) + [y[k] for _, k in rows], STAGE_LABELS + [r for r, _ in rows])
    ax.set_ylim(-0.5, 5.0 + ROW_STEP * (len(rows) - 0.4))
    ax.set_xlim(t_lo / scale, t_hi / scale)
    ax.set_xlabel(f"time from recording start ({unit})")
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncol=6, frameon=False)
    i = result.indices
    fmt = lambda v, u=" /h": "null" if v is None else f"{v:.1f}{u}"  # noqa: E731
    nj = i.get("n_hypnic_jerks")
    ax.set_title(f"{result.info.get('rules', {}).get('name', '')}: PLMS index {fmt(i.get('plms_index'))}, "
                 f"PLMW {fmt(i.get('plmw_index'))}, arousals {_arousal_text(result)}, "
                 f"hypnic jerks {'not scored' if nj is None else nj}", fontsize=10)
    return ax


def _arousal_text(result) -> str:
    src = result.info.get("arousal_source")
    n = result.indices.get("n_arousals")
    if n is None:
        return "none"
    return f"{n} {'detected in the EEG' if src == 'detected' else 'scored'}"


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
    offsets, bar_at = stack_offsets([v for _, _, v in sig.values()])
    for (lab, t, v), shift in zip(sig.values(), offsets):
        ax.plot(t - on, v + shift, lw=0.5, color="k")
        ax.text(-pad, shift + (float(np.max(v)) if v.size else 0.0), lab, fontsize=8, va="bottom")
    ax.axvspan(0, off - on, color="tab:orange" if r["label"] == "hypnic_jerk" else "tab:blue", alpha=0.18, lw=0)
    ax.set_yticks([])
    ax.set_xlim(-pad, off - on + pad)
    ax.set_xlabel("time from event onset (s)")
    ax.plot([off - on + pad * 0.9] * 2, [bar_at, bar_at + 50], color="k", lw=2)
    ax.text(off - on + pad * 0.88, bar_at + 25, "50 µV", ha="right", va="center", fontsize=8)
    ax.set_title(f"event {i}: {r['label']} ({r['side']}) at {on:.2f} s, {r['duration']:.2f} s, stage {r['stage']}"
                 f"{', arousal' if r['arousal'] else ''}{', respiratory' if r['respiratory'] else ''}"
                 f" — {'band-passed' if filtered else 'raw'} EMG", fontsize=10)
    return ax


def stack_offsets(traces: list[np.ndarray], gap: float = 0.15, floor: float = 20.0) -> tuple[list[float], float]:
    """Vertical offsets that stack traces top to bottom without overlap, and where a scale bar fits.

    Each trace sits below the previous one by the previous trace's extent below zero plus this
    trace's extent above it, plus ``gap`` of the largest trace's range (at least ``floor`` µV),
    so a large movement in one leg never covers the other leg's trace.

    Examples
    --------
    >>> stack_offsets([np.array([-100.0, 100.0]), np.array([-5.0, 5.0])])[0]
    [0.0, -135.0]
    """
    rng = [(float(np.min(v)), float(np.max(v))) if v.size else (0.0, 0.0) for v in traces]
    space = max(floor, gap * max((hi - lo for lo, hi in rng), default=0.0))
    offsets = [0.0]
    for (lo_prev, _), (_, hi) in zip(rng, rng[1:]):
        offsets.append(offsets[-1] + lo_prev - hi - space)
    bar_at = rng[0][1] - 50.0 if rng else 0.0
    return offsets, bar_at


def plot_imi_histogram(result, ax=None, bins=None):
    """Histogram of the inter-movement intervals the ``imi_*`` indices describe (candidate LMs in
    sleep; log-spaced bins, as in Ferri et al.), with the rule set's IMI limits marked and named.

    Without a hypnogram sleep is unknown, so every candidate LM's interval is shown and the title
    says so.
    """
    ax = axes_or_new(ax, (6, 3.5))
    rules = result.info.get("rules", {})
    if result.hypnogram is not None:
        imi, what = result.imis_in_sleep(), "candidate LMs in sleep"
    else:
        imi = result.lm.imi[result.lm.candidate & np.isfinite(result.lm.imi)]
        what = "all candidate LMs (no hypnogram)"
    top = max(200.0, float(np.max(imi, initial=0.0)) * 1.05)
    bins = bins if bins is not None else np.logspace(0, np.log10(top), 30)
    ax.hist(np.clip(imi, bins[0], bins[-1]), bins=bins, color="tab:blue", alpha=0.8)
    ax.set_xscale("log")
    lo, hi = rules.get("min_imi_s", 10.0), rules.get("max_imi_s", 90.0)
    ax.axvline(lo, color="k", ls="--", lw=0.8, label=f"shortest IMI in a series ({lo:g} s)")
    ax.axvline(hi, color="k", ls=":", lw=1.0, label=f"longest IMI in a series ({hi:g} s)")
    ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("inter-movement interval, onset to onset (s)")
    ax.set_ylabel("intervals")
    ax.set_title(f"Inter-movement intervals, {what} (n={imi.size}, {rules.get('name', '')})", fontsize=10)
    return ax
