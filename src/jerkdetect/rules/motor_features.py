"""What the motor rules read from one EMG channel: the features burst detection already computes.

:func:`jerkdetect.detection.detect_channel` filters each EMG channel once (10-100 Hz, notch, ECG
removal), rectifies it and keeps, besides the bursts:

- the envelope: the 50-ms centred moving mean of the rectified EMG, max-pooled to ~100 Hz (µV);
- per 1-s block, the mean rectified EMG (``block_mean_uv``: Ferri's 1-s amplitude) and the
  resting level (``rest_blocks_uv``: a low quantile of the block means over a minute);
- per ~50-ms pool, the largest and smallest value of the filtered trace (peak-to-peak amplitude
  of brief potentials);
- the channel's unscorable stretches (lead-off, raised noise).

:class:`EMGFeatures` gathers them for one channel; the rules never see the raw signal. Times are
seconds on the channel's own sample clock (a continuous recording; the pipeline maps EDF+D
records).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

MUSCLE_OF_ROLE = {"chin": "chin", "leg_left": "left", "leg_right": "right", "arm_left": "arm_left",
                  "arm_right": "arm_right"}


@dataclass
class EMGFeatures:
    """The per-channel features the motor rules read (see the module notes).

    Examples
    --------
    >>> import numpy as np
    >>> f = EMGFeatures("EMG Chin", "chin", np.ones(1000, np.float32), 100.0, np.ones(10), np.ones(10), 1.0)
    >>> f.duration, f.muscle
    (10.0, 'chin')
    """

    label: str
    role: str | None
    envelope: np.ndarray
    envelope_fs: float
    block_mean_uv: np.ndarray
    rest_blocks_uv: np.ndarray
    block_s: float
    trace_max: np.ndarray | None = None
    trace_min: np.ndarray | None = None
    trace_fs: float = 0.0
    unscorable: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    envelope_window_s: float = 0.05
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.envelope = np.ascontiguousarray(self.envelope)
        self.block_mean_uv = np.ascontiguousarray(self.block_mean_uv, dtype=np.float64)
        self.rest_blocks_uv = np.ascontiguousarray(self.rest_blocks_uv, dtype=np.float64)
        self.unscorable = np.asarray(self.unscorable, dtype=np.float64).reshape(-1, 2)
        for name in ("envelope_fs", "block_s"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{self.label}: EMG feature '{name}' must be a positive number, got {v!r}.")
        for name in ("envelope", "block_mean_uv", "rest_blocks_uv"):
            a = getattr(self, name)
            if a.ndim != 1 or (a.size and not np.all(np.isfinite(a))):
                raise InputError(f"{self.label}: EMG feature '{name}' must be a 1-D array of finite values.")
        if self.rest_blocks_uv.size == 0:
            raise InputError(f"{self.label}: EMG feature 'rest_blocks_uv' is empty.")

    @property
    def muscle(self) -> str:
        """Short muscle name: 'chin', 'left', 'right', 'arm_left', 'arm_right' (else the label)."""
        return MUSCLE_OF_ROLE.get(self.role or "", self.label)

    @property
    def duration(self) -> float:
        return self.envelope.size / self.envelope_fs

    @property
    def rest_unit(self) -> float:
        """Envelope samples per rest block (the ``unit_len`` of the threshold kernels)."""
        return self.block_s * self.envelope_fs

    @classmethod
    def from_bursts(cls, b, envelope_window_s: float = 0.05) -> "EMGFeatures":
        """From a :class:`~jerkdetect.detection.bursts.ChannelBursts` of ``detect_channel``
        (``envelope_window_s``: ``DetectionParams.envelope_s`` of that detection)."""
        if b.envelope is None or b.block_mean_uv is None or b.rest_blocks_uv is None:
            raise InputError(f"{b.label}: the burst detection kept no envelope or block features.")
        return cls(b.label, b.role, b.envelope, b.envelope_fs, b.block_mean_uv, b.rest_blocks_uv, b.block_s,
                   b.trace_max, b.trace_min, b.raw_peaks_fs, b.unscorable, envelope_window_s)

    def activity_bursts(self, activity_uv: float = 2.0, frac: float = 0.1,
                        height_q: float = 0.75) -> dict[str, np.ndarray]:
        """Every burst of the channel above rest, computed once per (level, fraction) and shared
        by the rules: runs of the envelope ``activity_uv`` above the resting level, their visible
        onset, offset and duration (measured at ``frac`` of the height the run holds, its
        ``height_q`` quantile, and corrected for the envelope window:
        :func:`~jerkdetect.rules.motor_kernels.burst_extent`) and peak above rest (µV)."""
        key = ("activity", float(activity_uv), float(frac), float(height_q))
        if key not in self._cache:
            from .motor_kernels import burst_extent, threshold_runs
            env = self.envelope
            _, _, pk, at, hs, he, hl = threshold_runs(env, self.rest_blocks_uv, self.rest_unit, 1.0, activity_uv,
                                                      0, 0, env.size, frac, height_q)
            rest = self.rest_blocks_uv[np.minimum((at / self.rest_unit).astype(np.int64), self.rest_blocks_uv.size - 1)]
            height = rest + (hl - rest) / frac if frac > 0 else pk  # the height the edges were measured on
            on, off, dur = burst_extent(hs, he, hl, np.maximum(height, hl), rest, self.envelope_fs,
                                        self.envelope_window_s, True)
            self._cache[key] = dict(onset=on, offset=off, duration=dur, excess_uv=pk - rest,
                                    edge_start=hs / self.envelope_fs, edge_end=he / self.envelope_fs)
        return self._cache[key]

    def peak_to_peak(self, start_s: np.ndarray, end_s: np.ndarray, with_peak: bool = False):
        """Peak-to-peak amplitude (µV) of the filtered trace over each [start, end) stretch (s),
        read from the ~50-ms max/min pools that overlap it; NaN without the pools. With
        ``with_peak`` also the largest absolute deflection."""
        start_s = np.asarray(start_s, float)
        if self.trace_max is None or self.trace_min is None or self.trace_fs <= 0:
            nan = np.full(start_s.size, np.nan)
            return (nan, nan.copy()) if with_peak else nan
        from ..detection.kernels import span_extreme
        lo = np.floor(start_s * self.trace_fs).astype(np.int64)
        hi = np.ceil(np.asarray(end_s, float) * self.trace_fs).astype(np.int64)
        mx = span_extreme(self.trace_max, lo, hi, False)
        mn = span_extreme(self.trace_min, lo, hi, True)
        p2p = (mx - mn).astype(np.float64)
        return (p2p, np.maximum(mx, -mn).astype(np.float64)) if with_peak else p2p

    def epoch_slice(self, start_s: float, end_s: float) -> tuple[int, int]:
        """Envelope sample range [i, j) of a time stretch (clipped to the channel)."""
        i = int(np.clip(round(start_s * self.envelope_fs), 0, self.envelope.size))
        j = int(np.clip(round(end_s * self.envelope_fs), i, self.envelope.size))
        return i, j


def features_from_bursts(bursts: dict, envelope_window_s: float = 0.05) -> dict[str, EMGFeatures]:
    """:class:`EMGFeatures` of every channel of ``{role: ChannelBursts}``, keyed by muscle."""
    out = {}
    for b in bursts.values():
        f = EMGFeatures.from_bursts(b, envelope_window_s)
        out[f.muscle] = f
    return out
