"""Unscorable stretches of one EMG channel: lead-off (flat or saturated) and raised noise.

Each stretch is found on its own channel and placed to within a 0.1-s bin (flat, saturated) or a
1-s block (noise), so an artefact on one leg removes that leg's movements only and never a
margin around it. Brief clipping inside a movement is not an artefact: a burst that reaches the
amplifier's rail is a leg movement whose amplitude is at least the rail, and its onset and
offset are still measured on the clipped signal.
"""
from __future__ import annotations

import numpy as np

ARTEFACT_BIN_S = 0.1  # resolution of the flat and saturation tests


def runs(mask: np.ndarray, min_len: int, bridge: int = 0) -> np.ndarray:
    """(start, end) index pairs of the runs of True that last >= ``min_len`` once gaps of at most
    ``bridge`` False values inside a run are filled.

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1, 1, 1, 0], bool), 2).tolist()
    [[1, 3], [4, 7]]
    >>> runs(np.array([0, 1, 1, 0, 1, 1, 1, 0], bool), 4, bridge=1).tolist()
    [[1, 7]]
    """
    m = np.asarray(mask, bool)
    if not m.any():
        return np.zeros((0, 2), np.int64)
    d = np.diff(np.concatenate([[0], m.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    if bridge > 0 and starts.size > 1:
        keep = np.concatenate([[True], starts[1:] - ends[:-1] > bridge])
        starts, ends = starts[keep], np.concatenate([ends[:-1][keep[1:]], ends[-1:]])
    ok = ends - starts >= min_len
    return np.column_stack([starts[ok], ends[ok]]).astype(np.int64)


def flat_and_saturated(env_bin_max: np.ndarray, clip_fraction: np.ndarray, flat_uv: float,
                       flat_min_s: float, saturation_fraction: float, saturation_min_s: float,
                       bin_s: float = ARTEFACT_BIN_S) -> list[tuple[int, int, str]]:
    """Lead-off stretches in bins: ``flat`` (the rectified EMG never exceeds ``flat_uv`` for at
    least ``flat_min_s``: no physiological EMG is that quiet) and ``saturated`` (at least
    ``saturation_fraction`` of the samples sit on the digital rails for at least
    ``saturation_min_s``, longer than any candidate leg movement, gaps under 1 s bridged).

    Returns (first bin, end bin, kind) triples.
    """
    n = min(env_bin_max.size, clip_fraction.size)
    out = [(int(a), int(b), "flat") for a, b in
           runs(env_bin_max[:n] < flat_uv, max(1, int(round(flat_min_s / bin_s))))]
    out += [(int(a), int(b), "saturated") for a, b in
            runs(clip_fraction[:n] >= saturation_fraction, max(1, int(round(saturation_min_s / bin_s))),
                 bridge=int(round(1.0 / bin_s)))]
    return out


def noisy_blocks(base: np.ndarray, block_mean: np.ndarray, max_rest_uv: float) -> np.ndarray:
    """Blocks of raised noise: where the resting level itself exceeds ``max_rest_uv``, extended to
    the neighbouring blocks whose mean rectified EMG stays above it (the edges of the noise).

    The resting level (a low quantile over a minute) only rises when most of the minute is
    raised, so leg movements, which are brief, never start a noisy stretch; the block means then
    place its edges to within a block.
    """
    core = base > max_rest_uv
    if not core.any():
        return core
    high = block_mean > max_rest_uv
    out = np.zeros(base.size, bool)
    for a, b in runs(high | core, 1):
        if core[a:b].any():
            out[a:b] = True
    return out
