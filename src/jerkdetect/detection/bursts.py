"""EMG burst detection on one channel: filter -> ECG removal -> envelope -> baseline -> hysteresis."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..io.recording import Channel, Recording
from ..preprocessing import design_emg_filter, detect_mains, sos_filter, subtract_ecg
from .artefacts import ARTEFACT_BIN_S, flat_and_saturated, noisy_blocks, runs
from .kernels import envelope_blocks, hysteresis, longest_run, max_pool, morphology_ok, rolling_quantile
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
    rule_onset: np.ndarray | None = None   # 8-µV crossing (AASM/WASM onset); default ``onset``
    unscorable_kind: list = field(default_factory=list)  # 'flat', 'saturated' or 'noise' per stretch
    raw_peak_uv: np.ndarray | None = None  # largest |filtered EMG| in each burst (what the trace shows)
    raw_peaks: np.ndarray | None = field(default=None, repr=False)  # max |filtered EMG| per pool
    raw_peaks_fs: float = 0.0  # rate of ``raw_peaks`` (fs / a whole number of samples, ~RAW_PEAK_FS)
    sustained_s: np.ndarray | None = None  # longest uninterrupted stretch > 2 µV above rest per burst

    def __post_init__(self) -> None:
        if self.rule_onset is None:
            self.rule_onset = self.onset

    @property
    def duration(self) -> np.ndarray:
        """Duration under the rules: from the 8-µV crossing to the start of the quiet period."""
        return self.offset - self.rule_onset

    @property
    def unscorable_min(self) -> float:
        return float(np.sum(self.unscorable[:, 1] - self.unscorable[:, 0]) / 60) if self.unscorable.size else 0.0


ENVELOPE_FS = 100.0  # rate of the max-pooled envelope kept for multi-muscle coincidence checks
RAW_PEAK_FS = 20.0   # rate of the max-pooled |filtered EMG| kept for burst amplitudes


def detect_channel(rec: Recording, label: str, params: DetectionParams | None = None,
                   r_times: np.ndarray | None = None, buffer: np.ndarray | None = None) -> ChannelBursts:
    """Find every EMG burst on one channel by the AASM/WASM amplitude rules.

    Parameters
    ----------
    rec : Recording
    label : str
        Channel label (leg or chin EMG).
    params : DetectionParams, optional
        Detection parameters (default: the published defaults).
    r_times : array, optional
        R-peak times in seconds; when given (and ``params.ecg_removal``) the cardiac artefact is
        subtracted before rectification.
    buffer : float32 array, optional
        Work buffer of at least the channel's sample count (reused across channels).

    Returns
    -------
    ChannelBursts
        Onsets/offsets in seconds, the rule's own onset (8-µV crossing), peak amplitude above
        rest (µV), WASM morphology flag, and this channel's unscorable stretches (flat or
        saturated lead-off, raised noise; see :mod:`jerkdetect.detection.artefacts`).
    """
    params = params or DetectionParams()
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
    pool = max(1, int(round(fs / ENVELOPE_FS)))
    per_bin = max(1, int(round(ARTEFACT_BIN_S * fs / pool)))
    cbin = per_bin * pool  # artefact bin in samples (~0.1 s), a whole number of envelope samples
    out = buffer[: ch.n_samples] if buffer is not None and buffer.size >= ch.n_samples else None
    if digital:
        y, clipped = sos_filter(ch.digital_chunks(), sos, ch.gain, ch.offset, (ch.dig_min, ch.dig_max),
                                cbin, out, n=ch.n_samples)
    else:
        y, clipped = sos_filter(ch.data, sos, 1.0, 0.0, None, cbin, out)
    t1 = time.perf_counter()
    if r_times is not None and params.ecg_removal and r_times.size:
        subtract_ecg(y, fs, r_times)
    rpool = max(1, int(round(fs / RAW_PEAK_FS)))
    raw_ds = max_pool(y, rpool, True)  # before y becomes the envelope
    w = max(1, int(round(params.envelope_s * fs))) | 1
    bm, bmax = envelope_blocks(y, w, block)
    env_ds = max_pool(y, pool)
    dur = rec.duration if rec.record_onsets is not None else ch.n_samples / fs
    # lead-off first: its blocks are kept out of the resting level of their neighbours
    nb_bins = env_ds.size // per_bin
    env_bin_max = max_pool(env_ds, per_bin)
    bin_s = cbin / fs
    lead_off = flat_and_saturated(env_bin_max, clipped[:nb_bins] / cbin, params.flat_uv, params.flat_min_s,
                                  params.saturation_fraction, params.saturation_min_s, bin_s)
    valid = np.ones(bm.size, bool)
    for a, b, _ in lead_off:  # blocks touching a lead-off
        valid[a * cbin // block:-(-b * cbin // block)] = False
    half = int(round(params.baseline_window_s / params.block_s / 2))
    base = rolling_quantile(bm, half, params.baseline_quantile, valid)
    if np.isnan(base).all():  # nothing but artefact: the whole channel is unscorable
        base = np.zeros_like(base)
    on, off, pk, _, cross = hysteresis(y, base, block, params.onset_uv, params.offset_uv,
                                       max(1, int(round(params.quiet_s * fs))),
                                       int(round(params.onset_backtrack_s * fs)), bmax,
                                       int(round(params.quiet_tolerance_s * fs)), params.onset_uv)
    morph = morphology_ok(y, base, block, on, off, max(1, int(round(params.morph_window_s * fs))),
                          max(1, int(round(0.1 * fs))), params.morph_uv)
    sustained = longest_run(y, base, block, on, off, params.offset_uv) / fs
    stretches = [(a * cbin / fs, b * cbin / fs, kind) for a, b, kind in lead_off]
    stretches += [(a * block / fs, b * block / fs, "noise")
                  for a, b in runs(noisy_blocks(base, bm, params.max_rest_uv) & valid, 1)]
    bad = [(float(a), float(b)) for a, b in ch.bad_intervals]  # NaN/inf replaced at the edge (io.checks)
    stretches = [st for st in stretches if not any(a <= st[0] and st[1] <= b for a, b in bad)]
    stretches += [(a, b, "bad samples") for a, b in bad]
    stretches = sorted((min(a, dur), min(b, dur), k) for a, b, k in stretches)
    unsc = np.array([(a, b) for a, b, _ in stretches], dtype=np.float64).reshape(-1, 2)
    if rec.discontinuous and unsc.size:
        unsc = np.column_stack([rec.index_to_time(label, unsc[:, 0] * fs),
                                rec.index_to_time(label, np.maximum(unsc[:, 1] * fs - 1, 0)) + 1 / fs])
    raw_pk = _span_max(raw_ds, on // rpool, off // rpool + 1)
    t2 = time.perf_counter()
    return ChannelBursts(label, ch.role, fs, rec.index_to_time(label, on), rec.index_to_time(label, off),
                         pk, morph, unsc, float(np.median(base)) if base.size else float("nan"),
                         mains, dur, {"filter": t1 - t0, "detect": t2 - t1}, env_ds, fs / pool,
                         rec.index_to_time(label, cross), [k for _, _, k in stretches], raw_pk, raw_ds,
                         fs / rpool, sustained)


def _span_max(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(x[lo[i]:hi[i]]) for each span (spans clipped to x; empty spans give 0)."""
    lo = np.clip(lo, 0, x.size)
    hi = np.clip(np.maximum(hi, lo + 1), 0, x.size)
    out = np.zeros(lo.size)
    ok = hi > lo
    if ok.any():  # reduceat over [lo, hi) pairs: every even entry is one span
        idx = np.column_stack([lo[ok], hi[ok]]).ravel()
        out[ok] = np.maximum.reduceat(np.append(x, x.dtype.type(0)), idx)[::2]
    return out
