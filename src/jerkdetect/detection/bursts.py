"""EMG burst detection on one channel: filter -> ECG removal -> envelope -> baseline -> hysteresis."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..io.recording import Channel, Recording
from ..core.memory import release_free_memory
from ..core.threads import night_threads
from ..preprocessing import design_emg_filter, detect_mains, detect_r_peaks, sos_filter
from ..preprocessing.ecg import TemplateSubtraction
from .artefacts import ARTEFACT_BIN_S, flat_and_saturated, noisy_blocks, runs
from .kernels import Envelope, burst_features, rolling_quantile, span_extreme
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
    # per-block features kept for the motor rules (rules/motor_features.py); blocks of ``block_s``
    block_mean_uv: np.ndarray | None = field(default=None, repr=False)  # mean rectified EMG per block
    rest_blocks_uv: np.ndarray | None = field(default=None, repr=False)  # resting level per block
    block_s: float = 0.0
    trace_max: np.ndarray | None = field(default=None, repr=False)  # max of filtered EMG per raw pool
    trace_min: np.ndarray | None = field(default=None, repr=False)  # min of filtered EMG per raw pool

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
    plan = _Plan(rec, label, params)
    t0 = time.perf_counter()
    y, clipped = plan.filter(buffer)
    t1 = time.perf_counter()
    clean = _Cleaner(y, plan, params, r_times)
    clean.advance(y.size)
    return _finish(rec, label, params, plan, y, clipped, clean, {"filter": t1 - t0, "detect": time.perf_counter() - t1})


def detect_emg_channels(rec: Recording, labels: list[str], params: DetectionParams | None = None,
                        ecg: str | None = None) -> tuple[dict[str, ChannelBursts], np.ndarray | None, dict]:
    """:func:`detect_channel` on each of ``labels``, after the R peaks of the ``ecg`` channel (when
    given and ``params.ecg_removal``).

    The channels run one after another in one full-length float32 buffer, so memory does not
    grow with the number of channels. With a second thread
    (:func:`~jerkdetect.core.threads.night_threads`) the R peaks are found in a buffer of their
    own beside the first channel's filter, and each channel's ECG subtraction and envelope
    follow its filter a block of records behind, then find the bursts. The bursts do not
    depend on the number of threads: every kernel sees the same samples in the same order.

    Returns
    -------
    (bursts by label in the order of ``labels``, R-peak times in s or None, timings)
        timings: ``filter`` and ``detect`` split the wall time by the work each did; ``threads``.
    """
    params = params or DetectionParams()
    t0 = time.perf_counter()
    ecg = ecg if ecg is not None and params.ecg_removal else None
    threads = night_threads(2)
    release_free_memory()  # what earlier stages (or nights) freed, before this stage's peak
    buffer = np.empty(max(rec.channels[lab].n_samples for lab in labels), dtype=np.float32)
    out: dict[str, ChannelBursts] = {}
    if threads == 1:
        r_times = _r_times(rec, ecg, buffer) if ecg is not None else None
        for lab in labels:
            out[lab] = detect_channel(rec, lab, params, r_times, buffer)
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="jerkdetect-emg") as ex:
            r_future = ex.submit(_r_times, rec, ecg, _mapped_buffer(rec.channels[ecg].n_samples)) \
                if ecg is not None else None
            for lab in labels:
                out[lab] = _pipelined(rec, lab, params, buffer, r_future, ex)
            r_times = r_future.result() if r_future is not None else None
    buffer = None
    release_free_memory()  # the channels' temporaries, before the next stage allocates its own
    wall = time.perf_counter() - t0
    busy = sum(b.timings["filter"] + b.timings["detect"] for b in out.values())
    share = sum(b.timings["filter"] for b in out.values()) / busy if busy > 0 else 0.0
    return out, r_times, {"filter": wall * share, "detect": wall * (1.0 - share), "threads": threads}


def _pipelined(rec: Recording, label: str, params: DetectionParams, buffer: np.ndarray, r_future,
               ex: ThreadPoolExecutor) -> ChannelBursts:
    """One channel on two threads: this one filters it block by block of records; the executor's
    thread follows with the ECG subtraction and the envelope, then finds the bursts."""
    plan = _Plan(rec, label, params)
    n = plan.n
    y = buffer[:n]
    cond = threading.Condition()
    state = {"filtered": 0, "done": False, "clipped": None, "error": False}

    def progress(k: int) -> None:
        with cond:
            state["filtered"] = k
            cond.notify()

    def follow() -> ChannelBursts:
        r_times = r_future.result() if r_future is not None else None
        busy = 0.0
        clean = _Cleaner(y, plan, params, r_times)
        seen = 0
        while True:
            with cond:
                while state["filtered"] == seen and not state["done"]:
                    cond.wait()
                seen, done = state["filtered"], state["done"]
            if state["error"]:
                raise RuntimeError(f"the filter of channel '{label}' failed")
            t = time.perf_counter()
            clean.advance(n if done else seen)
            busy += time.perf_counter() - t
            if done:
                break
        t = time.perf_counter()
        b = _finish(rec, label, params, plan, y, state["clipped"], clean, {})
        b.timings = {"filter": state["filter_s"], "detect": busy + time.perf_counter() - t}
        return b

    future = ex.submit(follow)
    t0 = time.perf_counter()
    try:
        _, clipped = plan.filter(y, progress)
    except BaseException:
        with cond:
            state["done"] = state["error"] = True
            cond.notify()
        raise
    with cond:
        state.update(filtered=n, done=True, clipped=clipped, filter_s=time.perf_counter() - t0)
        cond.notify()
    return future.result()


def _mapped_buffer(n: int) -> np.ndarray:
    """A float32 buffer of ``n`` samples allocated above glibc's largest mmap threshold (32 MB).

    Freeing a mapped block under 32 MB raises glibc's threshold to its size, and arrays under
    it then come from the heap, whose freed pages stay resident: a 30-MB ECG buffer would keep
    ~90 MB of the next stage's temporaries. Pages past ``n`` are never touched (no memory used).
    """
    return np.empty(max(n, (32 << 20) // 4 + 1024), dtype=np.float32)[:n]


def _r_times(rec: Recording, label: str, buffer: np.ndarray | None) -> np.ndarray:
    """R-peak times (s) of the ECG channel ``label``, filtered into ``buffer`` when it is long enough."""
    e = rec.channels[label]
    out = buffer[:e.n_samples] if buffer is not None and buffer.size >= e.n_samples else None
    if e.dig_min is not None:
        idx = detect_r_peaks(e.digital_chunks(), e.fs, e.gain, e.offset, n=e.n_samples, out=out)
    else:
        idx = detect_r_peaks(e.data, e.fs, out=out)
    return rec.index_to_time(label, idx)


class _Plan:
    """The sizes and the filter of one EMG channel (mains detected here)."""

    def __init__(self, rec: Recording, label: str, params: DetectionParams):
        ch: Channel = rec.channels[label]
        self.ch, self.fs, self.n = ch, ch.fs, ch.n_samples
        fs = ch.fs
        self.mains = params.notch
        if self.mains == "auto":
            self.mains = detect_mains(ch.digital if ch.dig_min is not None else ch.data, fs)
        self.sos = design_emg_filter(fs, params.band, self.mains, params.notch_q)
        self.block = max(1, int(round(params.block_s * fs)))
        self.pool = max(1, int(round(fs / ENVELOPE_FS)))
        self.per_bin = max(1, int(round(ARTEFACT_BIN_S * fs / self.pool)))
        self.cbin = self.per_bin * self.pool  # artefact bin (~0.1 s), a whole number of envelope samples
        self.rpool = max(1, int(round(fs / RAW_PEAK_FS)))
        self.w = max(1, int(round(params.envelope_s * fs))) | 1

    def filter(self, buffer: np.ndarray | None, progress=None):
        """The band-passed (and notched) channel in µV, decoded from the file straight into the
        filter: (samples, clipped samples per artefact bin); ``progress(k)`` after each block."""
        ch = self.ch
        out = buffer[:self.n] if buffer is not None and buffer.size >= self.n else None
        if ch.dig_min is not None:
            return sos_filter(ch.digital_chunks(), self.sos, ch.gain, ch.offset, (ch.dig_min, ch.dig_max),
                              self.cbin, out, n=self.n, progress=progress)
        return sos_filter(ch.data, self.sos, 1.0, 0.0, None, self.cbin, out, progress=progress)


class _Cleaner:
    """ECG template subtraction, then the envelope, of one filtered channel, as far as the
    filtered samples allow (``advance``); the envelope overwrites the samples."""

    def __init__(self, y: np.ndarray, plan: _Plan, params: DetectionParams, r_times: np.ndarray | None):
        use = r_times is not None and params.ecg_removal and r_times.size
        self.sub = TemplateSubtraction(y, plan.fs, r_times) if use else None
        self.env = Envelope(y, plan.w, plan.block, plan.pool, plan.rpool, plan.per_bin)

    def advance(self, filtered: int) -> None:
        final = min(filtered, self.sub.advance(filtered)) if self.sub is not None else filtered
        self.env.advance(final)


def _finish(rec: Recording, label: str, params: DetectionParams, plan: _Plan, y: np.ndarray, clipped: np.ndarray,
            clean: _Cleaner, timings: dict) -> ChannelBursts:
    """Everything after the envelope: lead-off and noise, resting level, bursts and their measures."""
    ch, fs, block, cbin, rpool = plan.ch, plan.fs, plan.block, plan.cbin, plan.rpool
    bm, bmax, env_ds, raw_ds = clean.env.result()  # y is now the envelope
    dur = rec.duration if rec.record_onsets is not None else ch.n_samples / fs
    # lead-off first: its blocks are kept out of the resting level of their neighbours
    env_bin_max = clean.env.bin_max  # the envelope's maximum in each artefact bin
    nb_bins = env_bin_max.size
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
    raw_pk = span_extreme(raw_ds, on // rpool, off // rpool + 1, False)
    return ChannelBursts(label, ch.role, fs, rec.index_to_time(label, on), rec.index_to_time(label, off),
                         pk, morph, unsc, float(np.median(base)) if base.size else float("nan"),
                         plan.mains, dur, timings, env_ds, fs / plan.pool,
                         rec.index_to_time(label, cross), [k for _, _, k in stretches], raw_pk, raw_ds,
                         fs / rpool, sustained, bm, base, block / fs, clean.env.raw_max, clean.env.raw_min)
