"""The chin EMG in arousal scoring: the AASM R rule, and chin support for a weak EEG shift.

AASM Manual, arousal rule: an arousal in R needs a concurrent increase in submental (chin) EMG
lasting at least 1 s. :func:`chin_increase` is that test (also applied in NREM, where the rule
does not ask for it but a scorer sees it). :func:`chin_supported` adds the EEG shifts that fell
short of the EEG-only event thresholds but passed lower ones *and* come with such a chin rise
(``ArousalParams.chin_support``): the chin does not replace the EEG shift the rule requires, it
settles a borderline one, as a scorer does when a modest alpha rise comes with a burst of chin
tone.
"""
from __future__ import annotations

import numpy as np

from .arousal_kernels import longest_run_above, median_of


def recording_chin(rec, detection=None) -> tuple[np.ndarray, float] | None:
    """The chin EMG envelope (rectified, smoothed, µV) and its rate from the recording's chin
    channel, as the leg-movement detector computes it (``detection``: its DetectionParams), or
    None when the recording has no chin channel."""
    if not rec.has_role("chin"):
        return None
    from .bursts import detect_channel
    b = detect_channel(rec, rec.channel("chin").label, detection)
    return None if b.envelope is None else (b.envelope, b.envelope_fs)


def chin_blocks(env: np.ndarray, env_fs: float, block_s: float = 0.1) -> tuple[np.ndarray, float]:
    """Chin EMG envelope as 0.1-s block means, then a 3-block running median (twitches vanish)."""
    k = max(1, int(round(block_s * env_fs)))
    m = env.size // k
    c = env[: m * k].reshape(m, k).mean(axis=1) if m else np.zeros(0)
    if m >= 3:  # median of 3 neighbours
        a, b = np.concatenate([[c[0]], c[:-1]]), np.concatenate([c[1:], [c[-1]]])
        c = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
    return np.ascontiguousarray(c, dtype=np.float64), env_fs / k


def chin_increase(chin: tuple[np.ndarray, float], onset: float, offset: float, p) -> bool:
    """AASM R arousal: chin EMG above its level of the 10 s before for >= ``p.rem_chin_min_s``.

    The level is the larger of ``p.chin_ratio`` x the median of the ``p.min_sleep_before_s``
    before the onset (up to 0.5 s before it) and that median + ``p.chin_min_uv``; the run above
    it is looked for from 0.5 s before the onset to the offset.
    """
    c, cfs = chin
    i0 = int((onset - p.min_sleep_before_s) * cfs)
    i1 = int((onset - 0.5) * cfs)
    pre = c[max(i0, 0):max(i1, 0)]
    if pre.size < 3:
        return False
    base = float(median_of(pre))
    level = max(p.chin_ratio * base, base + p.chin_min_uv)
    run = longest_run_above(c, int((onset - 0.5) * cfs), int(np.ceil(offset * cfs)) + 1, level)
    return run / cfs >= p.rem_chin_min_s - 1e-9


def chin_supported(shifts: list[dict], weak: list[dict], chin, p) -> list[dict]:
    """The weak shifts (``weak``: passed the lower ``chin_*`` thresholds, not the EEG-only ones)
    that a chin rise supports and that keep the AASM spacing with ``shifts`` (every EEG shift of
    the EEG-only pass that the spacing counts, scored or not): ``p.min_sleep_before_s`` from the
    end of the shift before and to the onset of the shift after, so no arousal found on the EEG
    alone loses its 10 s of sleep and none refused for its spacing is overruled. Each dict has
    ``onset`` and ``offset`` (s); ``chin`` is (blocks, rate) or None.

    Examples
    --------
    >>> from jerkdetect.detection.arousals import ArousalParams
    >>> rate = 10.0
    >>> c = np.ones(600); c[300:340] = 3.0                 # chin x3 for 4 s from 30 s
    >>> weak = [dict(onset=30.2, offset=34.0), dict(onset=50.0, offset=54.0)]
    >>> [w["onset"] for w in chin_supported([], weak, (c, rate), ArousalParams())]
    [30.2]
    """
    if chin is None or not weak:
        return []
    on = np.array([s["onset"] for s in shifts], float)
    off = np.array([s["offset"] for s in shifts], float)
    gap = p.min_sleep_before_s
    out = []
    for w in weak:
        before = on <= w["onset"]
        if np.any(w["onset"] - off[before] < gap) or np.any(on[~before] - w["offset"] < gap):
            continue
        if chin_increase(chin, w["onset"], w["offset"], p):
            out.append(w)
    return out
