"""EMG burst detection on one channel: filter -> ECG removal -> envelope -> baseline -> hysteresis."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..io.recording import Channel, Recording
from ..core.memory import release_free_memory
from ..core.threads import night_threads
from ..preprocessing import design_emg_filter, detect_mains, detect_r_peaks, sos_filter, subtract_ecg
from .artefacts import ARTEFACT_BIN_S, flat_and_saturated, noisy_blocks, runs
from .kernels import burst_features, envelope_features, rolling_quantile
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
    return _scan(rec, label, params, _filtered(rec, label, params, buffer), r_times)


def detect_emg_channels(rec: Recording, labels: list[str], params: DetectionParams | None = None,
                        ecg: str | None = None) -> tuple[dict[str, ChannelBursts], np.ndarray | None, dict]:
    """:func:`detect_channel` on each of ``labels``, after the R peaks of the ``ecg`` channel (when
    given and ``params.ecg_removal``).

    The channels run one after another in one full-length float32 buffer, so memory does not
    grow with the number of channels. With a second thread
    (:func:`~jerkdetect.core.threads.night_threads`) the R peaks are found in a buffer of their
    own beside the first channel's filter, which waits for them only before its ECG template
    subtraction. The bursts do not depend on the number of threads.

    Returns
    -------
    (bursts by label in the order of ``labels``, R-peak times in s or None, timings)
        timings: ``filter`` and ``detect`` split the wall time by the work each did; ``threads``.
    """
    params = params or DetectionParams()
    t0 = time.perf_counter()
    ecg = ecg if ecg is not None and params.ecg_removal else None
    threads = night_threads(2) if ecg is not None else 1
    size = max(rec.channels[lab].n_samples for lab in labels)
    buffer = np.empty(size, dtype=np.float32)
    work = {"filter": 0.0, "detect": 0.0}

    def r_peaks(buf):
        t = time.perf_counter()
        out = _r_times(rec, ecg, buf)
        work["detect"] += time.perf_counter() - t
        return out

    def channel(label, r_times):
        f = _filtered(rec, label, params, buffer)
        b = _scan(rec, label, params, f, r_times() if callable(r_times) else r_times)
        work["filter"] += b.timings["filter"]
        work["detect"] += b.timings["detect"]
        return b

    if threads == 1:
        r_times = r_peaks(buffer) if ecg is not None else None
        out = {lab: channel(lab, r_times) for lab in labels}
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="jerkdetect-ecg") as ex:
            r_future = ex.submit(r_peaks, np.empty(rec.channels[ecg].n_samples, dtype=np.float32))
            out = {lab: channel(lab, r_future.result) for lab in labels}
            r_times = r_future.result()
    buffer = None
    release_free_memory()  # the channels' temporaries, before the next stage allocates its own
    wall = time.perf_counter() - t0
    busy = work["filter"] + work["detect"]
    share = work["filter"] / busy if busy > 0 else 0.0
    return out, r_times, {"filter": wall * share, "detect": wall * (1.0 - share), "threads": threads}


def _r_times(rec: Recording, label: str, buffer: np.ndarray) -> np.ndarray:
    """R-peak times (s) of the ECG channel ``label``, filtered into ``buffer`` when it is long enough."""
    e = rec.channels[label]
    out = buffer[:e.n_samples] if buffer.size >= e.n_samples else None
    if e.dig_min is not None:
        idx = detect_r_peaks(e.digital_chunks(), e.fs, e.gain, e.offset, n=e.n_samples, out=out)
    else:
        idx = detect_r_peaks(e.data, e.fs, out=out)
    return rec.index_to_time(label, idx)


def _filtered(rec: Recording, label: str, params: DetectionParams, buffer: np.ndarray | None):
    """The band-passed (and notched) channel in µV, decoded from the file straight into the filter:
    (samples, clipped samples per artefact bin, mains frequency, seconds it took)."""
    t0 = time.perf_counter()
    ch: Channel = rec.channels[label]
    fs = ch.fs
    digital = ch.dig_min is not None
    mains = params.notch
    if mains == "auto":
        mains = detect_mains(ch.digital if digital else ch.data, fs)
    sos = design_emg_filter(fs, params.band, mains, params.notch_q)
    cbin = _bins(fs)[1]
    out = buffer[: ch.n_samples] if buffer is not None and buffer.size >= ch.n_samples else None
    if digital:
        y, clipped = sos_filter(ch.digital_chunks(), sos, ch.gain, ch.offset, (ch.dig_min, ch.dig_max),
                                cbin, out, n=ch.n_samples)
    else:
        y, clipped = sos_filter(ch.data, sos, 1.0, 0.0, None, cbin, out)
    return y, clipped, mains, time.perf_counter() - t0


def _bins(fs: float) -> tuple[int, int, int]:
    """(envelope pool, artefact bin, artefact bins per envelope pool) in samples at ``fs``."""
    pool = max(1, int(round(fs / ENVELOPE_FS)))
    per_bin = max(1, int(round(ARTEFACT_BIN_S * fs / pool)))
    return pool, per_bin * pool, per_bin  # the bin (~0.1 s) is a whole number of envelope samples


def _scan(rec: Recording, label: str, params: DetectionParams, filtered, r_times) -> ChannelBursts:
    """Everything after the filter: ECG subtraction, envelope, lead-off and noise, resting level,
    bursts and their measures (see :func:`detect_channel`)."""
    y, clipped, mains, filter_s = filtered
    t1 = time.perf_counter()
    ch: Channel = rec.channels[label]
    fs = ch.fs
    block = max(1, int(round(params.block_s * fs)))
    pool, cbin, per_bin = _bins(fs)
    if r_times is not None and params.ecg_removal and r_times.size:
        subtract_ecg(y, fs, r_times)
    rpool = max(1, int(round(fs / RAW_PEAK_FS)))
    w = max(1, int(round(params.envelope_s * fs))) | 1
    bm, bmax, env_ds, raw_ds = envelope_features(y, w, block, pool, rpool)  # y becomes the envelope
    dur = rec.duration if rec.record_onsets is not None else ch.n_samples / fs
    # lead-off first: its blocks are kept out of the resting level of their neighbours
    nb_bins = env_ds.size // per_bin
    env_bin_max = env_ds[:nb_bins * per_bin].reshape(-1, per_bin).max(axis=1)
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
    on, off, pk, cross, morph, sustained = burst_features(
        y, base, block, params.onset_uv, params.offset_uv, max(1, int(round(params.quiet_s * fs))),
        int(round(params.onset_backtrack_s * fs)), bmax, int(round(params.quiet_tolerance_s * fs)),
        params.onset_uv, max(1, int(round(params.morph_window_s * fs))), max(1, int(round(0.1 * fs))),
        params.morph_uv, params.offset_uv)
    sustained = sustained / fs
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
                         mains, dur, {"filter": filter_s, "detect": t2 - t1}, env_ds, fs / pool,
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
