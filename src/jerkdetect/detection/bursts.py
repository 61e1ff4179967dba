"""EMG burst detection on one channel: filter -> ECG removal -> envelope -> baseline -> hysteresis."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..io.recording import Channel, Recording
from ..preprocessing import design_emg_filter, detect_mains, sos_filter, subtract_ecg
from .kernels import envelope_blocks, hysteresis, max_pool, morphology_ok, rolling_quantile
from .params import DetectionParams


@dataclass
class ChannelBursts:
    """Every burst found on one EMG channel, in seconds from the recording start."""

    label: str
    role: str | None
    fs: float
    onset: np.ndarray
    offset: np.ndarray
    peak_uv: np.ndarray
    morph_ok: np.ndarray
    unscorable: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    rest_uv: float = float("nan")
    mains: float | None = None
    duration_s: float = 0.0
    timings: dict = field(default_factory=dict)
    envelope: np.ndarray | None = field(default=None, repr=False)  # max-pooled, µV
    envelope_fs: float = 0.0

    @property
    def duration(self) -> np.ndarray:
        return self.offset - self.onset

    @property
    def unscorable_min(self) -> float:
        return float(np.sum(self.unscorable[:, 1] - self.unscorable[:, 0]) / 60) if self.unscorable.size else 0.0


ENVELOPE_FS = 100.0  # rate of the max-pooled envelope kept for multi-muscle coincidence checks


def _mask_to_intervals(mask: np.ndarray, block_s: float, limit: float) -> np.ndarray:
    if not mask.any():
        return np.zeros((0, 2))
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return np.column_stack([starts * block_s, np.minimum(ends * block_s, limit)])


def _dilate(mask: np.ndarray, k: int) -> np.ndarray:
    if k <= 0 or not mask.any():
        return mask
    c = np.concatenate([[0], np.cumsum(mask.astype(np.int64))])
    i = np.arange(mask.size)
    return (c[np.minimum(i + k + 1, mask.size)] - c[np.maximum(i - k, 0)]) > 0


def detect_channel(rec: Recording, label: str, params: DetectionParams = DetectionParams(),
                   r_times: np.ndarray | None = None, buffer: np.ndarray | None = None) -> ChannelBursts:
    """Find every EMG burst on one channel by the AASM/WASM amplitude rules.

    Parameters
    ----------
    rec : Recording
    label : str
        Channel label (leg or chin EMG).
    params : DetectionParams
    r_times : array, optional
        R-peak times in seconds; when given (and ``params.ecg_removal``) the cardiac artefact is
        subtracted before rectification.
    buffer : float32 array, optional
        Work buffer of at least the channel's sample count (reused across channels).

    Returns
    -------
    ChannelBursts
        Onsets/offsets in seconds, peak amplitude above rest (µV), WASM morphology flag, and the
        unscorable stretches (resting level above ``max_rest_uv`` or below ``min_rest_uv``,
        clipped samples).
    """
    import time
    t0 = time.perf_counter()
    ch: Channel = rec.channels[label]
    fs = ch.fs
    digital = ch.dig_min is not None
    mains = params.notch
    if mains == "auto":
        mains = detect_mains(ch.digital if digital else ch.data, fs)
    sos = design_emg_filter(fs, params.band, mains, params.notch_q)
    block = max(1, int(round(params.block_s * fs)))
    out = buffer[: ch.n_samples] if buffer is not None and buffer.size >= ch.n_samples else None
    if digital:
        y, clipped = sos_filter(ch.digital_chunks(), sos, ch.gain, ch.offset, (ch.dig_min, ch.dig_max),
                                block, out, n=ch.n_samples)
    else:
        y, clipped = sos_filter(ch.data, sos, 1.0, 0.0, None, block, out)
    t1 = time.perf_counter()
    if r_times is not None and params.ecg_removal and r_times.size:
        subtract_ecg(y, fs, r_times)
    w = max(1, int(round(params.envelope_s * fs))) | 1
    bm, bmax = envelope_blocks(y, w, block)
    half = int(round(params.baseline_window_s / params.block_s / 2))
    base = rolling_quantile(bm, half, params.baseline_quantile)
    on, off, pk, _ = hysteresis(y, base, block, params.onset_uv, params.offset_uv,
                                max(1, int(round(params.quiet_s * fs))),
                                int(round(params.onset_backtrack_s * fs)), bmax)
    morph = morphology_ok(y, base, block, on, off, max(1, int(round(params.morph_window_s * fs))),
                          max(1, int(round(0.1 * fs))), params.morph_uv)
    noisy = _dilate((base > params.max_rest_uv) | (base < params.min_rest_uv), half)
    clip_mask = _dilate(clipped[: bm.size] > 0, 1)
    dur = rec.duration if rec.record_onsets is not None else ch.n_samples / fs
    unsc = _mask_to_intervals(noisy | clip_mask, params.block_s, dur)
    if rec.discontinuous and unsc.size:
        unsc = np.column_stack([rec.index_to_time(label, unsc[:, 0] * fs),
                                rec.index_to_time(label, np.maximum(unsc[:, 1] * fs - 1, 0)) + 1 / fs])
    if ch.bad_intervals.size:  # NaN/inf stretches replaced at the edge (io.checks): unscorable
        from ..alignment import merge_intervals
        unsc = merge_intervals(np.concatenate([unsc, ch.bad_intervals]))
    pool = max(1, int(round(fs / ENVELOPE_FS)))
    env_ds = max_pool(y, pool)
    t2 = time.perf_counter()
    return ChannelBursts(label, ch.role, fs, rec.index_to_time(label, on), rec.index_to_time(label, off),
                         pk, morph, unsc, float(np.median(base)) if base.size else float("nan"),
                         mains, dur, {"filter": t1 - t0, "detect": t2 - t1}, env_ds, fs / pool)
