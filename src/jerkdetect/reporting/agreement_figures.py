"""Figures of an agreement study: scatter and Bland-Altman plot of each index, EMG strips of the
disputed leg movements (matplotlib, no pyplot state in the report)."""
from __future__ import annotations

import numpy as np

from .mpl import new_figure
from .plots import axes_or_new

EMG_COLOUR, TECH_COLOUR = "tab:blue", "tab:orange"


def _paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([np.nan if v is None else float(v) for v in a])
    y = np.array([np.nan if v is None else float(v) for v in b])
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def _fmt(v, ci=None) -> str:
    if v is None:
        return "null"
    return f"{v:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def plot_agreement_scatter(emg, tech, ax=None, stats: dict | None = None, label: str = "PLMS index"):
    """Each night's index from the technician's events (x) against the EMG's (y), the identity
    line dashed; ``stats`` (:func:`~jerkdetect.evaluation.agreement_stats.index_agreement`) adds
    ICC(2,1) and Pearson r to the title. Nights without both values are left out.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_agreement_scatter([1.0, 5, 20], [2.0, 5, 18], Figure().subplots())
    >>> len(ax.collections[0].get_offsets())
    3
    """
    ax = axes_or_new(ax, (4.5, 4.5))
    x, y = _paired(tech, emg)
    hi = max(float(np.max(np.r_[x, y, 1.0])) * 1.05, 1.0)
    ax.plot([0, hi], [0, hi], ls="--", color="0.5", lw=0.8)
    ax.scatter(x, y, s=16, color=EMG_COLOUR, alpha=0.8, lw=0, clip_on=False)
    ax.set_xlim(-0.02 * hi, hi)
    ax.set_ylim(-0.02 * hi, hi)
    ax.set_xlabel(f"{label}, technician's events")
    ax.set_ylabel(f"{label}, EMG")
    s = stats or {}
    ax.set_title(f"{label}: ICC(2,1) {_fmt(s.get('icc21'), s.get('icc21_ci95'))}, r {_fmt(s.get('pearson_r'))}"
                 if stats else label, fontsize=9)
    return ax


def plot_bland_altman(emg, tech, ax=None, stats: dict | None = None, label: str = "PLMS index"):
    """Bland-Altman plot: the mean of the two values (x) against EMG minus technician (y), with the
    bias and the limits of agreement of ``stats`` (or computed here at +-1.96 SD) as lines.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_bland_altman([1.0, 5, 20], [2.0, 5, 18], Figure().subplots())
    >>> [round(float(line.get_ydata()[0]), 2) for line in ax.lines[:3]]  # bias, lower and upper limit
    [0.33, -2.66, 3.33]
    """
    ax = axes_or_new(ax, (5.5, 4.5))
    a, b = _paired(emg, tech)
    d, m = a - b, (a + b) / 2
    s = dict(stats or {})
    if not stats and d.size:
        sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
        s = {"bias": float(d.mean()), "loa_low": float(d.mean()) - 1.96 * sd, "loa_high": float(d.mean()) + 1.96 * sd}
    ax.scatter(m, d, s=16, color=EMG_COLOUR, alpha=0.8, lw=0)
    for key, style in (("bias", "-"), ("loa_low", "--"), ("loa_high", "--")):
        if s.get(key) is not None:
            ax.axhline(s[key], color="k" if key == "bias" else "tab:red", ls=style, lw=0.9)
    ax.axhline(0, color="0.7", lw=0.6, zorder=0)
    ax.set_xlabel(f"mean of EMG and technician ({label})")
    ax.set_ylabel("EMG minus technician")
    ax.set_title(f"{label}: bias {_fmt(s.get('bias'))}, limits {_fmt(s.get('loa_low'))} to {_fmt(s.get('loa_high'))}",
                 fontsize=9)
    return ax


def index_agreement_figure(panels: list[tuple[str, list, list, dict]]):
    """One row per index: scatter (left) and Bland-Altman plot (right).

    ``panels``: (index name, EMG values, technician values, its ``emg_vs_tech`` statistics).
    """
    fig, _ = new_figure(11, 3.6 * max(len(panels), 1))
    fig.clear()
    axes = fig.subplots(max(len(panels), 1), 2, squeeze=False)
    for (name, emg, tech, stats), (left, right) in zip(panels, axes):
        plot_agreement_scatter(emg, tech, left, stats, name)
        plot_bland_altman(emg, tech, right, stats, name)
    return fig


MIN_TRACE_STEP_UV = 40.0  # traces at least this far apart, so a quiet strip looks quiet


def trace_step(signals: list[dict]) -> float:
    """One vertical spacing (µV) for every strip of a figure: 2.2 x the largest 99.5th percentile
    of |EMG|, so strips share one scale and a burst-free one looks flat."""
    peaks = [np.percentile(np.abs(v), 99.5) for s in signals for _, _, v in s.values() if v.size]
    return max(max(peaks, default=0.0) * 2.2, MIN_TRACE_STEP_UV)


def disputed_strip(ax, signals: dict, event: tuple[str, float, float], lm_events: dict, pad: float,
                   step: float | None = None) -> None:
    """Leg and chin EMG around one disputed leg movement, the event shaded, every EMG LM (blue,
    above) and technician LM (orange, below) in the window drawn as bars; traces ``step`` µV apart."""
    kind, on, off = event
    step = step or trace_step([signals])
    for k, (_role, (lab, t, v)) in enumerate(signals.items()):
        ax.plot(t - on, v - k * step, lw=0.5, color="k")
        ax.text(-pad, -k * step + 0.3 * step, lab, fontsize=8, va="bottom")
    n = max(len(signals), 1)
    top, bottom = 0.75 * step, -(n - 1) * step - 0.75 * step
    for who, y, colour in (("emg", top, EMG_COLOUR), ("tech", bottom, TECH_COLOUR)):
        ev = np.asarray(lm_events.get(who, np.zeros((0, 2))), float).reshape(-1, 2)
        near = ev[(ev[:, 1] > on - pad) & (ev[:, 0] < off + pad)]
        ax.hlines(np.full(len(near), y), near[:, 0] - on, near[:, 1] - on, color=colour, lw=5,
                  label="EMG LMs" if who == "emg" else "technician LMs")
    ax.axvspan(0, off - on, color=EMG_COLOUR if kind == "emg" else TECH_COLOUR, alpha=0.15, lw=0)
    ax.set_yticks([])
    ax.set_xlim(-pad, off - on + pad)
    ax.set_ylim(bottom - 0.5 * step, top + 0.5 * step)
    ax.set_xlabel("time from the disputed event's onset (s)")
    ax.plot([off - on + pad * 0.9] * 2, [0.3 * step, 0.3 * step + 50], color="k", lw=2)
    ax.text(off - on + pad * 0.88, 0.3 * step + 25, "50 µV", ha="right", va="center", fontsize=8)
    who = ("EMG only (no technician LM left to pair with it)" if kind == "emg"
           else "technician only (no EMG LM left to pair with it)")
    ax.set_title(f"{who}: {on:.2f} s, {off - on:.2f} s long", fontsize=9)


def disputed_strips_figure(rec, labels: dict, events: list[tuple[str, float, float]], lm_events: dict,
                           pad: float = 8.0):
    """One row per disputed event (("emg" or "tech", onset, offset)): raw leg and chin EMG of
    ``rec`` (each trace centred, one scale for all), read on demand; None without EMG to show."""
    from .raw import emg_signals
    if not events:
        return None
    sig = [emg_signals(rec, labels, on - pad, off + pad) for _, on, off in events]
    if not any(sig):
        return None
    fig, axes = new_figure(12, 2.5 * len(events), nrows=len(events))
    step = trace_step(sig)
    for ax, s, ev in zip(axes, sig, events):
        disputed_strip(ax, s, ev, lm_events, pad, step)
    axes[0].legend(loc="lower right", fontsize=7, frameon=False, ncol=2)
    return fig
