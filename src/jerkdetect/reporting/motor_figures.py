"""The REM panel's figure: every REM epoch's 3-s mini-epochs, per muscle, tonic / phasic / any
activity, and which epochs were scored (and why not)."""
from __future__ import annotations

import numpy as np

from .mpl import new_figure

MUSCLE_ORDER = ("chin", "left", "right", "arm_left", "arm_right")
LEGS = ("left", "right")
MUSCLE_NAMES = {"chin": "chin", "left": "leg L", "right": "leg R", "arm_left": "arm L", "arm_right": "arm R"}
# (row, RGB): AASM tonic (chin) / SINBAR tonic (limbs), AASM phasic, SINBAR "any"
KINDS = (("tonic", (0.80, 0.15, 0.15)), ("phasic", (0.95, 0.55, 0.05)), ("any", (0.20, 0.35, 0.80)))
EXCLUDED = (0.78, 0.78, 0.78)
QUIET = (1.0, 1.0, 1.0)
SCORED = (0.30, 0.65, 0.30)
REASON_COLOURS = ((0.55, 0.35, 0.65), (0.15, 0.60, 0.70), (0.45, 0.45, 0.45), (0.85, 0.45, 0.65),
                  (0.55, 0.55, 0.20))


def rem_raster(rem) -> tuple[np.ndarray, list[str], dict[str, tuple]]:
    """RGB image (rows x REM mini-epochs x 3) of a :class:`~jerkdetect.rules.rem_activity.REMActivity`,
    its row labels and the colour of each epoch reason.

    Row 0: the 30-s epoch scored (green) or not (a colour per reason). Then per muscle: tonic (the
    chin's AASM tonic epoch, an arm's SINBAR tonic epoch: the whole epoch marked), phasic (AASM
    phasic mini-epochs), any (SINBAR "any" mini-epochs); the legs have the AASM phasic row only
    (SINBAR's tables are the mentalis' and the arms'). Grey: the mini-epoch is not scored
    (arousal, respiratory event, artefact).
    """
    n_ep, nm = len(rem), rem.rule.n_mini
    muscles = [m for m in MUSCLE_ORDER if m in rem.per_channel] + \
        [m for m in rem.per_channel if m not in MUSCLE_ORDER]
    reasons = sorted({w for w in rem.reason if w})
    colour = {w: REASON_COLOURS[k % len(REASON_COLOURS)] for k, w in enumerate(reasons)}
    rows, labels = [], ["epoch scored"]
    for m in muscles:
        c = rem.per_channel[m]
        tonic = np.repeat(np.asarray(c["tonic"] if m == "chin" else c["sinbar_tonic"], bool)[:, None], nm, axis=1)
        marks = dict(zip(("tonic", "phasic", "any"), (tonic, c["phasic"], c["sinbar_any"])))
        for kind, rgb in KINDS:
            if m in LEGS and kind != "phasic":
                continue
            r = np.tile(np.array(QUIET), (n_ep * nm, 1))
            r[np.asarray(marks[kind], bool).reshape(-1)] = rgb
            r[np.asarray(c["excluded"], bool).reshape(-1)] = EXCLUDED
            rows.append(r)
            labels.append(f"{MUSCLE_NAMES.get(m, m)} {kind}")
    top = np.array([colour[w] if w else SCORED for w in rem.reason for _ in range(nm)]).reshape(1, -1, 3)
    img = np.concatenate([top, np.array(rows).reshape(len(rows), -1, 3)]) if rows else top
    return img, labels, colour


def rem_raster_figure(rem):
    """The REM mini-epoch raster (see :func:`rem_raster`) with REM periods separated and the time of
    each period's first epoch on the x axis; None without REM epochs."""
    if rem is None or len(rem) == 0:
        return None
    from matplotlib.patches import Patch
    img, labels, colour = rem_raster(rem)
    nm = rem.rule.n_mini
    fig, (ax,) = new_figure(13, 1.6 + 0.22 * len(labels))
    ax.imshow(img, aspect="auto", interpolation="nearest", extent=(0, img.shape[1], img.shape[0], 0))
    ax.set_yticks(np.arange(len(labels)) + 0.5, labels, fontsize=8)
    muscle = [lab.rsplit(" ", 1)[0] for lab in labels]
    for r in range(1, len(labels)):
        if muscle[r] != muscle[r - 1]:
            ax.axhline(r, color="k", lw=0.6)
    # REM periods: epochs that do not follow each other
    idx = np.asarray(rem.epoch_index)
    starts = np.flatnonzero(np.concatenate([[True], np.diff(idx) != 1]))
    for s in starts[1:]:
        ax.axvline(s * nm, color="k", lw=1.2)
    ax.set_xticks(starts * nm, [f"{rem.onset[s] / 3600:.2f} h" for s in starts], fontsize=8)
    ax.set_xlabel(f"REM epochs in order ({len(rem)} epochs of {nm} mini-epochs of {rem.rule.mini_s:g} s; "
                  "black lines: a new REM period, labelled with the time of its first epoch)", fontsize=9)
    handles = [Patch(color=rgb, label=k) for k, rgb in KINDS] + [Patch(color=EXCLUDED, label="mini-epoch not scored"),
                                                                Patch(color=SCORED, label="epoch scored")]
    handles += [Patch(color=c, label=f"not scored: {w}") for w, c in colour.items()]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 7), fontsize=8, frameon=False)
    return fig
