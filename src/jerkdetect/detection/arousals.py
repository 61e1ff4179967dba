"""EEG arousal detection by the AASM rule, against the night's own per-stage background.

Rule (AASM Manual for the Scoring of Sleep and Associated Events, v2.x, Arousal rule): score an
arousal during N1, N2, N3 or R when there is an abrupt shift of EEG frequency, including alpha,
theta and/or frequencies greater than 16 Hz (but not spindles), that lasts at least 3 s, with at
least 10 s of stable sleep preceding it. Scoring an arousal during R also requires a concurrent
increase in submental (chin) EMG lasting at least 1 s.

How the shift is measured (jerkdetect's operationalisation; every number is a parameter of
:class:`ArousalParams`): each EEG channel is decimated to ~100 Hz and cut into 1-s Hann windows
every 0.5 s; the power of each band is averaged over 5 windows (3 s) and compared, as a log
ratio, with the band's background. The background is the larger of two references: the median
over the neighbouring epochs of the same sleep stage, and the median of the last 20 s (ending
1 s before). The second makes the rule's *abrupt* shift explicit: alpha that climbs over a minute
(drowsiness) or a slow change of the background level is no shift, while a 3-9 s rise stands out
against a reference that its own frames cannot move (a median over 40 frames). A window counts as
shifted when alpha, beta, their combination or (weighted down) theta rises above its background,
unless the rise is better explained by

* a spindle: a *narrowband* sigma (12-16 Hz) rise, more excess power in sigma than in alpha and a
  sigma rise clearly larger, relative to each band's background, than alpha's; beta then counts
  only where it rises with sigma and alpha (an arousal often raises the whole 8-30 Hz range,
  sigma included: that is a shift, not a spindle, even where sigma's background is large, as in
  spindle-rich N2);
* a muscle artefact: beta rising no more (per Hz) than the 36-45 Hz band does (a flat EMG
  spectrum, not an EEG rhythm);
* a K-complex or slow wave: theta rising no more (per Hz) than delta does.

Two stages. (1) Candidates: shifted windows of all channels are averaged (evidence combined
across channels, and alpha with beta: a modest arousal that raises both is seen at a lower noise
than in either band); an event opens where a band's evidence reaches its onset threshold, the
larger of ``on_ratio`` and ``z_on`` robust standard deviations of that band's evidence in sleep
(a per-night adaptive threshold), and extends while it stays above the ``off_ratio`` fraction of
it; onset and offset are placed where the amplitude crosses half-way to the event's plateau.
(2) Checks: a calibrated event score, the event's mean evidence over its whole length in
standard errors of the night's noise (which shrink with the square root of the event's length),
must reach ``z_event``, and its mean power ratio ``event_ratio``; then the AASM conditions
(duration, 10 s of sleep before, 10 s since the last arousal, chin EMG in R) are applied.
(3) Chin support (``chin_support``): the same two stages run again at lower thresholds
(``chin_on_ratio``, ``chin_z_on``, ``chin_z_event``, ``chin_event_ratio``), and a shift found
only there is scored when the chin EMG rises with it for >= 1 s (the R test), when it keeps 10 s
from every EEG shift the EEG-only pass measured (scored or refused for its spacing) and when
sleep goes on ``chin_wake_gap_s`` after it. Why
it works: the EEG measure of a 1.5-3 x rise over 3-9 s is close to the noise of the background
itself, and a concurrent chin rise is independent evidence from another channel (arousals often
raise the chin tone, in NREM too); the EEG shift the rule asks for is still required, so a chin
burst alone, or with a sub-3-s intrusion, is not an arousal. Each arousal keeps its evidence:
band, strength, score, theta/alpha/beta ratios, channels, chin rise, and ``support`` ("eeg" or
"eeg+chin").

It is a rule-based detector, not an expert scorer: see the README for its measured agreement.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from ..core.log import logger
from ..core.params import Checked, flag, non_negative, number, pair, positive, whole
from ..io.channels import present
from ..core.epochs import stage_at
from ..io.recording import Recording
from ..core.intervals import inside_intervals
from .arousal_chin import chin_blocks, chin_increase, chin_supported, recording_chin
from .arousal_kernels import (arousal_candidates, candidate_bands, epoch_medians, smoothed_log_power,
                              variance_change_cost)
from .eeg_features import (DecimatedSignal, SharedReads, band_bins, frame_starts, mains_aliases, pick_eeg_channels,
                           streamed_band_log_power)
from .kernels import rolling_quantile

SLEEP_STAGES = (1, 2, 3, 4)  # consecutive codes (_sleep_mask)
BAND_NAMES = ("delta", "theta", "alpha", "sigma", "beta", "muscle")


@dataclass(frozen=True)
class ArousalParams(Checked):
    """Parameters of EEG arousal detection.

    AASM rule (AASM Manual, arousal rule; published values):

    min_duration_s : float
        The EEG shift lasts at least 3 s.
    min_sleep_before_s : float
        At least 10 s of stable sleep precede the arousal (and separate it from the last one).
    rem_chin_min_s : float
        In R, a concurrent chin EMG increase lasting at least 1 s.

    Bands in Hz (AASM: alpha, theta, > 16 Hz, not spindles, which are 11-16 Hz):

    delta_band, theta_band, alpha_band, sigma_band, beta_band
        Sigma is the spindle band; delta is used to recognise K-complexes and slow waves.
    muscle_band : (float, float)
        36-45 Hz, above the EEG rhythms: where muscle artefact shows (jerkdetect default; bins
        within 2 Hz of 50/60 Hz or their aliases are left out). Needs a rate >= ~90 Hz.

    jerkdetect defaults (no published values exist; chosen on simulated nights and kept
    independent of amplitude, montage and sampling rate):

    target_fs : float
        The EEG is reduced by an integer factor to at least this rate (triangular anti-alias
        filter), so that 50/60 Hz and most muscle power stay above the bands.
    window_s, hop_s : float
        1-s Hann windows every 0.5 s.
    smooth_windows, edge_windows : int
        Band power is averaged over 5 consecutive windows (3 s) to find events, over 3 to place
        their onset and offset.
    background_epochs : int
        Background of a band in an epoch: median of its per-epoch medians over this many
        epochs of the same stage on either side (a running, stage-specific reference).
    on_ratio, off_ratio : float
        Band power / background that opens (2.0, i.e. amplitude x 1.4) and sustains a candidate
        (the sustain level is the fraction ln(off_ratio)/ln(on_ratio) of the onset level)...
    z_on : float
        ... or, when the night's background is noisier, ``z_on`` robust standard deviations of
        that band's evidence in sleep (MAD x 1.4826), so a noisy band needs a clearer rise.
    local_background_s, local_gap_s : float
        The recent-past background: median of the last ``local_background_s`` of sleep ending
        ``local_gap_s`` before the window (theta, alpha, beta); 0 turns it off.
    z_event, event_ratio : float
        Second stage: the event's mean evidence must lie ``z_event`` standard errors above the
        night's median (the 3-s noise scaled by sqrt(3 s / duration)) and its mean power ratio
        reach ``event_ratio`` (amplitude x 1.34).
    slow_rise_discount : float
        A rise of delta power beyond ``off_ratio`` is taken off every band's evidence (times
        this factor): a shift of frequency, not a broadband rise in amplitude (movement,
        electrode artefact) or a K-complex.
    theta_weight : float
        Theta's log ratio counts at this weight (theta is also the N1/R background, and theta
        bursts, K-complex tails and sawtooth waves are common; a theta-only shift needs ~4x the
        power rise of an alpha one).
    spindle_ratio, spindle_beta_margin, spindle_focus : float
        A window whose sigma power rises, exceeds its background by more than ``spindle_ratio``
        x alpha's excess (µV²) and whose power ratio (to its background) is more than
        ``spindle_focus`` x alpha's is a spindle: alpha does not count there, and beta only when
        its excess exceeds sigma's by ``spindle_beta_margin``, or when alpha rises too and beta's
        power ratio is within ``spindle_focus`` of sigma's. ``spindle_focus`` separates a spindle
        (a narrowband sigma burst) from an arousal that raises the whole 8-30 Hz range with sigma
        in it: without it, in spindle-rich N2 (sigma's background above alpha's) such arousals
        were vetoed as spindles.
    muscle_ratio : float
        Beta counts only when its excess power per Hz is at least this many times the muscle
        band's.
    max_gap_s : float
        Dips below ``off_ratio`` this short do not split an event.
    veto_margin_windows : int
        The spindle and muscle checks also hold this many windows either side of where they
        fire (their edges smear differently across bands).
    clip_log : (float, float)
        Log ratios are clipped to this range (a lead-off channel cannot cancel the other).
    chin_ratio : float
        Chin EMG increase (R rule; also the chin support test): mean rectified chin EMG (0.1-s
        blocks, 3-block median) at least ``chin_ratio`` x its median over the 10 s before the
        arousal (and ``chin_min_uv`` above it) for ``rem_chin_min_s``.
    chin_min_uv : float
        The chin rise must also be this many µV above the median of the 10 s before (a floor
        for a very quiet chin).
    chin_support : bool
        Also score an EEG shift that falls short of the EEG-only thresholds above but passes
        the lower ``chin_*`` ones when the chin EMG rises with it (the chin test above, in any
        stage) and it keeps ``min_sleep_before_s`` from every EEG shift the EEG-only pass
        measured (scored or refused for its spacing). The rule's EEG shift is still required;
        the chin settles a borderline one, as a scorer does. Such arousals have ``support``
        "eeg+chin"; weak shifts without a chin rise count for nothing, the spacing included.
        No chin channel: off.
    chin_on_ratio, chin_z_on : float
        Chin support's candidate thresholds, in place of ``on_ratio`` and ``z_on`` (jerkdetect's
        own values; never above those, and ``chin_on_ratio`` never below ``off_ratio``).
    chin_z_event, chin_event_ratio : float
        Chin support's event thresholds, in place of ``z_event`` and ``event_ratio`` (never
        above those).
    chin_wake_gap_s : float
        A chin-supported shift must be followed by this much scored sleep (wake, an unscored
        epoch or the end of the hypnogram within it drop the shift): alpha with a chin rise that
        runs into a wake epoch is the awakening itself (chin tone and alpha rise as the sleeper
        wakes), not an arousal within sleep.
    max_channels : int
        EEG channels used (central, then occipital, then other derivations).
    refine_edges, edge_search_s : bool, float
        Place onset and offset at the maximum-likelihood change of band power within
        ``edge_search_s`` of the window-based estimate (sharper than 0.5-s windows).
    """

    min_duration_s: float = 3.0
    min_sleep_before_s: float = 10.0
    rem_chin_min_s: float = 1.0
    delta_band: tuple[float, float] = (0.5, 4.0)
    theta_band: tuple[float, float] = (4.0, 8.0)
    alpha_band: tuple[float, float] = (8.0, 12.0)
    sigma_band: tuple[float, float] = (12.0, 16.0)
    beta_band: tuple[float, float] = (16.0, 30.0)
    muscle_band: tuple[float, float] = (36.0, 45.0)
    target_fs: float = 128.0
    window_s: float = 1.0
    hop_s: float = 0.5
    smooth_windows: int = 5
    edge_windows: int = 3
    background_epochs: int = 10
    on_ratio: float = 2.0
    z_on: float = 3.0
    off_ratio: float = 1.6
    theta_weight: float = 0.5
    slow_rise_discount: float = 1.0
    spindle_ratio: float = 2.0
    spindle_beta_margin: float = 2.0
    spindle_focus: float = 2.0
    muscle_ratio: float = 2.0
    max_gap_s: float = 0.5
    veto_margin_windows: int = 2
    clip_log: tuple[float, float] = (-1.5, 6.0)
    chin_ratio: float = 1.5
    chin_min_uv: float = 0.3
    chin_support: bool = True
    chin_on_ratio: float = 1.7
    chin_z_on: float = 2.0
    chin_z_event: float = 2.0
    chin_event_ratio: float = 1.4
    chin_wake_gap_s: float = 5.0
    max_channels: int = 2
    refine_edges: bool = True
    edge_search_s: float = 1.5
    local_background_s: float = 20.0
    local_gap_s: float = 1.0
    z_event: float = 3.5
    event_ratio: float = 1.8

    LIMITS = {"min_duration_s": positive(600.0), "min_sleep_before_s": non_negative(3600.0),
              "rem_chin_min_s": non_negative(600.0), **{f"{b}_band": pair(0.0, 1e4) for b in BAND_NAMES},
              "target_fs": positive(1e5), "window_s": positive(60.0), "hop_s": positive(60.0),
              "smooth_windows": whole(1, 1000), "edge_windows": whole(1, 1000), "background_epochs": whole(1, 10000),
              "on_ratio": number(1.0, 1e3, lo_open=True), "z_on": positive(1e3),
              "off_ratio": number(1.0, 1e3, lo_open=True),
              "theta_weight": non_negative(100.0), "slow_rise_discount": non_negative(100.0),
              "spindle_ratio": positive(1e3), "spindle_beta_margin": positive(1e3),
              "spindle_focus": number(1.0, 1e3), "muscle_ratio": positive(1e3),
              "max_gap_s": non_negative(600.0), "veto_margin_windows": whole(0, 1000), "clip_log": pair(-1e3, 1e3),
              "chin_ratio": positive(1e3), "chin_min_uv": non_negative(1e4), "max_channels": whole(1, 64),
              "chin_support": flag(), "chin_on_ratio": number(1.0, 1e3, lo_open=True), "chin_z_on": positive(1e3),
              "chin_z_event": non_negative(1e3), "chin_event_ratio": number(1.0, 1e3),
              "chin_wake_gap_s": non_negative(600.0),
              "refine_edges": flag(), "edge_search_s": non_negative(60.0),
              "local_background_s": non_negative(3600.0), "local_gap_s": non_negative(600.0),
              "z_event": non_negative(1e3), "event_ratio": number(1.0, 1e3)}
    ORDER = (("hop_s", "<=", "window_s"), ("off_ratio", "<=", "on_ratio"))

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def bands(self) -> dict[str, tuple[float, float]]:
        return dict(zip(BAND_NAMES, (self.delta_band, self.theta_band, self.alpha_band, self.sigma_band,
                                     self.beta_band, self.muscle_band)))


@dataclass
class Arousals:
    """Detected arousals, in seconds from the recording start.

    Attributes
    ----------
    onset, duration : arrays
    stage : int array (stage code at onset)
    channels : list of str
        For each arousal, the EEG labels whose own evidence reached ``off_ratio`` (``+``-joined).
    strength : array
        Mean band power over the event / background of the strongest band (a power ratio).
    band : list of str
        Band that carried the event (alpha, beta or theta).
    chin : array of bool or None
        Chin EMG increase of >= 1 s found (None where no chin channel).
    notes : list of str
        What the detector could not do on this night (no chin, low rate, ...).
    score : array
        Calibrated event score: standard errors of the night's noise by which the event's mean
        evidence exceeds the median (kept when >= ``ArousalParams.z_event``).
    ratios : (n, 3) array
        Theta, alpha and beta power over the event / their background (geometric mean over the
        event; a rise a veto explained, e.g. a spindle, counts as 1): the audit trail.
    chin_used : bool or None
        Whether a chin EMG was there for the R test (None: detection did not run that far).
    support : list of str
        "eeg": the EEG shift passed on its own; "eeg+chin": a weaker shift that the chin EMG
        rise supports (``ArousalParams.chin_support``).
    """

    onset: np.ndarray
    duration: np.ndarray
    stage: np.ndarray
    channels: list[str]
    strength: np.ndarray
    band: list[str]
    chin: list
    notes: list[str] = field(default_factory=list)
    params: ArousalParams = field(default_factory=ArousalParams)
    labels: list[str] = field(default_factory=list)
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ratios: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    chin_used: bool | None = None
    support: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.onset.size)

    def to_array(self) -> np.ndarray:
        """(n, 2) array of onset, duration: what the rules take."""
        return np.column_stack([self.onset, self.duration]) if len(self) else np.zeros((0, 2))

    def rows(self) -> list[dict]:
        from ..core.hypnogram import STAGE_NAMES
        return [dict(onset=float(self.onset[i]), duration=float(self.duration[i]),
                     stage=STAGE_NAMES[int(self.stage[i])], channels=self.channels[i],
                     strength=float(self.strength[i]), band=self.band[i],
                     chin=self.chin[i], score=float(self.score[i]) if self.score.size else None,
                     theta_ratio=float(self.ratios[i, 0]) if self.ratios.size else None,
                     alpha_ratio=float(self.ratios[i, 1]) if self.ratios.size else None,
                     beta_ratio=float(self.ratios[i, 2]) if self.ratios.size else None,
                     support=self.support[i] if self.support else "eeg",
                     source="detected") for i in range(len(self))]

    def tsv(self) -> str:
        """``X_arousals.tsv``: onset, duration, stage, channels, strength, band, chin, score,
        theta_ratio, alpha_ratio, beta_ratio, support, source."""
        from ..core.tsv import tsv_value as _fmt
        cols = ("onset", "duration", "stage", "channels", "strength", "band", "chin", "score", "theta_ratio",
                "alpha_ratio", "beta_ratio", "support", "source")
        lines = ["\t".join(cols)]
        lines += ["\t".join(_fmt(r[c]) for c in cols) for r in self.rows()]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- features
def _channel_features(rec: Recording, labels: list[str], p: ArousalParams, notes: list[str]) -> list:
    """Per EEG channel: frame times, band log power (frames x bands), band widths (bins) and the
    decimated signal (samples, rate, factor). The samples are a :class:`DecimatedSignal`, which
    decodes a stretch when sliced: the whole channel is never held decimated, and the channels
    are decoded in one pass over the file's records."""
    sigs, plans, out = [], [], []
    for label in labels:
        x = DecimatedSignal(rec, label, p.target_fs)
        ch = rec.channels[label]
        starts, n_win = frame_starts(x.size, x.fs, p.window_s, p.hop_s)
        bins = band_bins(x.fs, n_win, p.bands, mains_aliases(x.fs))
        width = bins.sum(axis=0)
        if width[BAND_NAMES.index("muscle")] < 3:
            notes.append(f"{label}: {ch.fs:g} Hz is too low to see muscle artefact (36-45 Hz); beta is not checked "
                         "for it")
        if width[BAND_NAMES.index("beta")] < 3:
            notes.append(f"{label}: {ch.fs:g} Hz is too low for the beta band")
        sigs.append(x)
        plans.append((starts, n_win, bins))
    for x, (starts, n_win, bins), logp in zip(sigs, plans, streamed_band_log_power(sigs, plans)):
        centre = (starts + (n_win - 1) / 2.0) * x.k + (x.k - 1)
        out.append((rec.index_to_time(x.label, centre), logp, np.maximum(bins.sum(axis=0), 1), (x, x.fs, x.k)))
    return out


def smooth_log_power(logp: np.ndarray, w: int) -> np.ndarray:
    """Log of the band power averaged over ``w`` consecutive windows (centred; shorter at the ends:
    :func:`~jerkdetect.detection.arousal_kernels.smoothed_log_power`)."""
    if w <= 1 or logp.shape[0] < 2:
        return logp
    out = np.empty(logp.shape)
    smoothed_log_power(np.ascontiguousarray(logp, dtype=np.float64), int(w), out)
    return out


def stage_background(logp: np.ndarray, times: np.ndarray, hyp, half: int) -> np.ndarray:
    """Per-frame background of every band: median, over the ``half`` same-stage epochs either side,
    of the per-epoch median log power (a running reference for each stage)."""
    ep = hyp.epoch_of(times)
    n_ep = hyp.n_epochs
    med = epoch_medians(logp, ep.astype(np.int64), n_ep)
    ref = np.full_like(med, np.nan)
    stages = hyp.stages
    for s in np.unique(stages):
        idx = np.flatnonzero((stages == s) & np.isfinite(med[:, 0]))
        if idx.size == 0:
            continue
        for b in range(med.shape[1]):
            ref[idx, b] = rolling_quantile(np.ascontiguousarray(med[idx, b]), half, 0.5)
    # epochs without a same-stage value (no frames) fall back to the night's median
    night = np.nanmedian(med, axis=0) if np.isfinite(med).any() else np.zeros(med.shape[1])
    ref = np.where(np.isfinite(ref), ref, night)
    inside = (ep >= 0) & (ep < n_ep)
    if inside.all():
        return np.take(ref, ep, axis=0)
    out = np.empty_like(logp)
    out[inside] = ref[ep[inside]]
    out[~inside] = night
    return out


LOCAL_BANDS = (1, 2, 4)  # theta, alpha, beta: the bands whose rise is the shift


def local_background(ls: np.ndarray, valid: np.ndarray, span_s: float, gap_s: float, hop_s: float,
                     stride: int = 2) -> np.ndarray:
    """Per-frame background of the shift bands (theta, alpha, beta; the others NaN) from the
    recent past: median of the smoothed log power over the sleep frames from ``span_s + gap_s``
    to ``gap_s`` before the frame (computed every ``stride`` frames, held in between)."""
    out = np.full_like(ls, np.nan)
    n = ls.shape[0]
    sub = ls[::stride]
    h = max(1, int(round(span_s / hop_s / 2 / stride)))
    lag = h + int(np.ceil(gap_s / hop_s / stride))
    for b in LOCAL_BANDS:
        rq = rolling_quantile(sub[:, b], h, 0.5, valid[::stride])
        past = np.concatenate([np.full(min(lag, rq.size), rq[0]), rq[:max(rq.size - lag, 0)]])
        out[:, b] = np.repeat(past, stride)[:n]
    return out


EVIDENCE_BANDS = ("theta", "alpha", "beta", "alpha+beta")


def _dilate(mask: np.ndarray, k: int) -> np.ndarray:
    """True within ``k`` frames of a True frame."""
    if k <= 0 or not mask.any():
        return mask
    c = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    i = np.arange(mask.size)
    return (c[np.minimum(i + k + 1, mask.size)] - c[np.maximum(i - k, 0)]) > 0


def shift_evidence(logp: np.ndarray, ref: np.ndarray, width: np.ndarray, p: ArousalParams,
                   muscle_ok: bool = True, ref_power: np.ndarray | None = None) -> np.ndarray:
    """Per-frame evidence of an arousal shift in theta, alpha and beta (frames x 3): the band's
    log power ratio against its background; a rise better explained by a spindle, muscle
    artefact or a K-complex/slow wave (see the module docstring) counts as no rise (0).
    ``ref_power``: ``exp(ref)``, when the caller has it."""
    r = np.clip(logp - ref, *p.clip_log)
    slow = np.maximum(np.minimum(r[:, 0], r[:, 5]), 0.0) * p.slow_rise_discount
    excess = np.exp(logp) - (np.exp(ref) if ref_power is None else ref_power)  # µV² above background, per band
    per_hz = excess / width
    d, t, a, s, b, m = range(len(BAND_NAMES))
    up = r > np.log(p.off_ratio)  # bands clearly above their background
    focus = np.log(p.spindle_focus)
    narrow = r[:, s] - r[:, a] > focus  # sigma stands out over alpha: not a rise of the whole 8-30 Hz
    spindle = _dilate(up[:, s] & (excess[:, s] > p.spindle_ratio * excess[:, a]) & narrow, p.veto_margin_windows)
    ea = np.where(spindle, np.minimum(r[:, a], 0.0), r[:, a])
    with_sigma = (r[:, s] - r[:, b] <= focus) & up[:, a]  # beta rises with sigma, and alpha too: a broad rise
    beta_ok = ~spindle | (excess[:, b] > p.spindle_beta_margin * excess[:, s]) | with_sigma
    if muscle_ok:
        beta_ok &= ~_dilate(up[:, m] & (per_hz[:, b] < p.muscle_ratio * per_hz[:, m]), p.veto_margin_windows)
    eb = np.where(beta_ok, r[:, b], np.minimum(r[:, b], 0.0))
    theta_ok = (per_hz[:, t] > per_hz[:, d]) & (excess[:, t] > excess[:, s])
    et = p.theta_weight * np.where(theta_ok, r[:, t], np.minimum(r[:, t], 0.0))
    return np.column_stack([et, ea, eb]) - slow[:, None]


def shift_evidence_by_blocks(logp: np.ndarray, ref: np.ndarray, width: np.ndarray, p: ArousalParams,
                             muscle_ok: bool = True, block: int = 4096,
                             ref_power: np.ndarray | None = None) -> np.ndarray:
    """:func:`shift_evidence` computed ``block`` frames at a time (each with the veto margin of its
    neighbours): the same values to the last bit, with temporaries of one block instead of the night."""
    n = logp.shape[0]
    out = np.empty((n, 3))
    m = int(p.veto_margin_windows) + 1
    for a in range(0, n, block):
        b = min(a + block, n)
        lo, hi = max(a - m, 0), min(b + m, n)
        out[a:b] = shift_evidence(logp[lo:hi], ref[lo:hi], width, p, muscle_ok,
                                  None if ref_power is None else ref_power[lo:hi])[a - lo:b - lo]
    return out


def with_combined(ev: np.ndarray) -> np.ndarray:
    """Evidence columns (theta, alpha, beta) plus alpha+beta: the mean of the alpha and beta log
    ratios (an arousal that raises both shows at a lower noise than either band alone)."""
    return np.column_stack([ev, 0.5 * (ev[:, 1] + ev[:, 2])])


def evidence_spread(ev: np.ndarray, sleep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust standard deviation (MAD x 1.4826) of each evidence band in sleep."""
    x = ev[sleep] if sleep.sum() > 20 else ev.copy()
    med = np.median(x, axis=0)
    x -= med
    return med, 1.4826 * np.median(np.abs(x, out=x), axis=0)


def event_score(mean_ev: float, med: float, sd: float, duration_s: float, span_s: float) -> float:
    """Calibrated score of one event: how many standard errors its mean evidence lies above the
    night's median, the noise of the smoothed evidence (``sd``, over ``span_s``) shrinking with
    the square root of the event's length (independent stretches averaged)."""
    return (mean_ev - med) / max(sd * np.sqrt(span_s / max(duration_s, span_s)), 1e-9)


def band_thresholds(ev: np.ndarray, sleep: np.ndarray, p: ArousalParams) -> np.ndarray:
    """Onset threshold of each evidence band: ``ln(on_ratio)``, raised to ``z_on`` robust standard
    deviations of that band's evidence in sleep when the night's background is that noisy."""
    med, sd = evidence_spread(ev, sleep)
    return np.maximum(np.log(p.on_ratio), med + p.z_on * sd)


# --------------------------------------------------------------------------- events
def _half_crossing(t: np.ndarray, e: np.ndarray, i0: int, i1: int, level: float, forward: bool) -> float:
    """Time where ``e`` crosses ``level`` near the event edge, interpolated between frames."""
    n = e.size
    if forward:
        j = max(i0 - 4, 1)
        while j <= i1 and e[j] < level:
            j += 1
        j = min(j, n - 1)
        if j == 0 or e[j - 1] >= level:
            return float(t[j])
        f = (level - e[j - 1]) / (e[j] - e[j - 1])
        return float(t[j - 1] + f * (t[j] - t[j - 1]))
    j = min(i1 + 4, n - 2)
    while j >= i0 and e[j] < level:
        j -= 1
    j = max(j, 0)
    if j == n - 1 or e[j + 1] >= level:
        return float(t[j])
    f = (e[j] - level) / (e[j] - e[j + 1])
    return float(t[j] + f * (t[j + 1] - t[j]))


READ_AHEAD_S = 30.0  # the EEG read back for the edges, this much at a time (events come in time order)


def refine_edge(rec: Recording, labels: list[str], signals: list, band: tuple[float, float], t0: float, t1: float,
                default: float, step_s: float = 0.02, min_side_s: float = 0.4) -> float:
    """Where, between ``t0`` and ``t1``, the power in ``band`` steps from one level to another.

    Maximum-likelihood change point of the variance of the band-passed EEG (FFT band-pass of the
    stretch, each channel at its own rate, the log-likelihoods of the channels summed:
    :func:`~jerkdetect.detection.arousal_kernels.variance_change_cost`); returns ``default`` when
    the stretch is too short. ``signals``: per channel of ``labels``, the decimated EEG (sliced by
    stretches: a :class:`DecimatedSignal` or a :class:`ReadAhead` of one), its rate and factor.
    """
    grid = np.arange(t0 + min_side_s, t1 - min_side_s, step_s)
    if grid.size < 3:
        return default
    cost = np.zeros(grid.size)
    segs, first = [], []
    for lab, (x, _, k) in zip(labels, signals):
        fs = rec.channels[lab].fs
        i0 = max(int(np.floor((t0 * fs - (k - 1)) / k)), 0)
        i1 = min(int(np.ceil((t1 * fs - (k - 1)) / k)), x.size)
        if i1 - i0 < 16:
            return default
        seg = x[i0:i1]
        segs.append(seg - seg.mean())
        first.append(i0)
    for lab, (_, _, k), i0, y in zip(labels, signals, first, band_passed(segs, [s[1] for s in signals], band)):
        variance_change_cost(y, rec.index_to_time(lab, np.arange(i0, i0 + y.size) * k + (k - 1)), grid, cost)
    return float(grid[int(np.argmin(cost))])


@lru_cache(maxsize=4096)
def pass_band(n: int, fs: float, lo: float, hi: float) -> np.ndarray:
    """Which bins of the real FFT of ``n`` samples at ``fs`` lie in ``[lo, hi)`` Hz (read-only)."""
    f = np.fft.rfftfreq(n, 1.0 / fs)
    m = (f >= lo) & (f < hi)
    m.flags.writeable = False
    return m


def band_passed(segs: list[np.ndarray], rates: list[float], band: tuple[float, float]) -> list[np.ndarray]:
    """Each stretch band-passed to ``band`` (FFT, the bins outside it zeroed). Stretches of one
    length and rate go through one FFT call: the same values, bit for bit, as one call each
    (NumPy transforms the rows one by one), for less overhead per call."""
    if len(segs) > 1 and len({s.size for s in segs}) == 1 and len(set(rates)) == 1:
        n = segs[0].size
        y = np.fft.irfft(np.fft.rfft(np.stack(segs), axis=-1) * pass_band(n, rates[0], *band), n, axis=-1)
        return list(y)
    return [np.fft.irfft(np.fft.rfft(s) * pass_band(s.size, fs, *band), s.size) for s, fs in zip(segs, rates)]


@dataclass
class ArousalFeatures:
    """What arousal detection takes from the EEG alone (:func:`arousal_features`): per channel the
    frame times, band log power, band widths and the decimated signal (read back by stretches);
    the notes about the channels; the parameters they were computed with."""

    labels: list[str]
    feats: list
    notes: list[str]
    params: ArousalParams


def arousal_features(rec: Recording, params: ArousalParams | None = None,
                     channels: list[str] | None = None) -> ArousalFeatures:
    """The EEG features of :func:`detect_arousals` (decode, decimate, band log power per channel).

    They need neither the hypnogram nor the chin EMG, so a night can compute them on a second
    thread while its EMG is filtered, then pass them to :func:`detect_arousals` (``features=``).
    """
    from ..errors import ChannelError
    p = params or ArousalParams()
    labels = list(channels) if channels else pick_eeg_channels(rec, p.max_channels)
    if not labels:
        raise ChannelError(f"{rec.source}: arousal detection needs an EEG channel and there is none; "
                           f"{present(rec.labels)} (name one with --channel eeg=LABEL).")
    notes: list[str] = []
    return ArousalFeatures(labels, _channel_features(rec, labels, p, notes), notes, p)


def detect_arousals(rec: Recording, hypnogram, params: ArousalParams | None = None,
                    channels: list[str] | None = None,
                    chin_envelope=None, features: ArousalFeatures | None = None) -> Arousals:
    """Detect EEG arousals (AASM rule) in one night.

    Parameters
    ----------
    rec : Recording
        Needs at least one EEG channel (role ``eeg``).
    hypnogram : Hypnogram
        Sleep stages: arousals are scored in N1, N2, N3 and R only, and the background is
        estimated per stage.
    params : ArousalParams, optional
    channels : list of str, optional
        EEG labels; default :func:`pick_eeg_channels` (central, then occipital, ...).
    chin_envelope : (array, rate), a callable returning one or None, None or False, optional
        Rectified, smoothed chin EMG (µV) and its rate, e.g. ``ChannelBursts.envelope``. None
        (default): computed from the recording's chin channel when it has one. False, or no chin
        at all: arousals in R are scored on the EEG alone, chin support is off, and a note says
        so. A callable is called once, after every EEG check (the chin tests come last, so the
        EEG part can run before the chin EMG is ready, e.g. on another thread).
    features : ArousalFeatures, optional
        The night's EEG features from :func:`arousal_features` (computed here when not given);
        ``params`` and ``channels`` are then theirs.

    Returns
    -------
    Arousals

    Examples
    --------
    >>> import jerkdetect as jd
    >>> from jerkdetect.simulate import simulate_night
    >>> night = simulate_night(seed=2, duration_h=1.0, fs_emg=200, fs_eeg=100)
    >>> ar = detect_arousals(night.recording(), night.hypnogram)
    >>> ar.to_array().shape[1]
    2
    """
    f = features if features is not None else arousal_features(rec, params, channels)
    if params is not None and f.params != params:
        raise ValueError("detect_arousals: features= were computed with other parameters than params=")
    p, labels, feats, notes = f.params, f.labels, f.feats, list(f.notes)
    t = feats[0][0]
    if t.size < 4 * p.smooth_windows:
        notes.append("recording too short for arousal detection")
        return Arousals(np.zeros(0), np.zeros(0), np.zeros(0, np.int8), [], np.zeros(0), [], [], notes, p, labels)
    half = max(1, int(p.background_epochs))
    stage = stage_at(t, hypnogram.stages, hypnogram.offset, hypnogram.epoch_length)
    staged_sleep = _sleep_mask(stage)
    sleep = staged_sleep.copy()
    for lab in labels:  # NaN/inf stretches replaced at the edge (io.checks): no arousal scored there
        bad = np.asarray(rec.channels[lab].bad_intervals, float).reshape(-1, 2)
        if bad.size:
            sleep &= ~inside_intervals(t, bad)
            notes.append(f"{lab}: {len(bad)} stretch(es) of NaN/inf samples left out of arousal detection")
    ev_c, edge_c = [], []
    for _lab, (tc, logp, width, _) in zip(labels, feats):
        muscle_ok = width[BAND_NAMES.index("muscle")] >= 3
        per = []
        ls = smooth_log_power(logp, p.smooth_windows)
        ref = stage_background(ls, tc, hypnogram, half)  # also serves the less smoothed series
        if p.local_background_s > 0:  # and against the recent past: a rise must be abrupt
            sl = staged_sleep if tc is t else _sleep_mask(stage_at(tc, hypnogram.stages, hypnogram.offset,
                                                                       hypnogram.epoch_length))
            ref = np.fmax(ref, local_background(ls, sl, p.local_background_s, p.local_gap_s, p.hop_s))
        ref_power = np.exp(ref)  # the background's power, for both smoothings
        for w in (p.smooth_windows, p.edge_windows):
            ev = shift_evidence_by_blocks(smooth_log_power(logp, w) if w != p.smooth_windows else ls, ref,
                                          width, p, muscle_ok, ref_power=ref_power)
            if tc.size != t.size or not np.allclose(tc, t, atol=1e-3):
                ev = np.column_stack([np.interp(t, tc, ev[:, j]) for j in range(ev.shape[1])])
            per.append(ev)
        ev_c.append(per[0])
        edge_c.append(per[1])
    ev_c = [with_combined(x) for x in ev_c]
    ev = np.mean(ev_c, axis=0)                  # frames x (theta, alpha, beta, alpha+beta), channels averaged
    ev_edge = with_combined(np.mean(edge_c, axis=0))
    med, sd = evidence_spread(ev, sleep)
    reads = SharedReads.of([x for *_, (x, _, _) in feats], READ_AHEAD_S)  # channels of one file: one read
    signals = [(r, fs_d, k) for r, (*_, (_, fs_d, k)) in zip(reads, feats)]
    ctx = _Night(rec, labels, signals, hypnogram, p, t, sleep, ev, ev_edge, ev_c, med, sd)
    strict = _scored_shifts(ctx, p.on_ratio, p.z_on, p.z_event, p.event_ratio)
    shifts, spaced = _finished_shifts(ctx, strict)  # spaced: every EEG shift the AASM spacing counts
    weak = []
    if p.chin_support:  # lower EEG thresholds; kept below only where the chin rises with the shift
        weak = _scored_shifts(ctx, max(min(p.chin_on_ratio, p.on_ratio), p.off_ratio), min(p.chin_z_on, p.z_on),
                              min(p.chin_z_event, p.z_event), min(p.chin_event_ratio, p.event_ratio), spaced)
    # last, the chin: AASM R arousals need a chin EMG increase (the spacing above counts every
    # EEG shift, R or not, so dropping R shifts without one here changes no other arousal)
    if chin_envelope is None:
        chin_envelope = recording_chin(rec)
    env = chin_envelope() if callable(chin_envelope) else (chin_envelope or None)
    chin = chin_blocks(*env) if env is not None and env[0].size else None
    if chin is None:
        notes.append("no chin EMG: arousals in R are scored on the EEG alone "
                     "(the AASM rule asks for a chin EMG increase), and no weak EEG shift with chin support")
    elif weak:  # edges and AASM checks only for the weak shifts with a chin rise (their edges cost)
        weak, _ = _finished_shifts(ctx, weak, lambda on, off: chin_increase(chin, on, off, p))
        weak = [w for w in weak if _asleep(hypnogram, w["offset"], w["offset"] + p.chin_wake_gap_s)]
    for x in shifts:
        x["chin"] = chin_increase(chin, x["onset"], x["offset"], p) if chin is not None else None
        x["support"] = "eeg"
    for x in chin_supported(spaced, weak, chin, p):
        x["chin"], x["support"] = True, "eeg+chin"
        shifts.append(x)
    shifts.sort(key=lambda x: x["onset"])
    out = []
    for x in shifts:
        if x["stage"] == 4 and x["chin"] is False:
            logger.debug("shift at %.2f s in R without a chin EMG increase", x["onset"])
        else:
            out.append(x)
    logger.info("arousal detection on %s: %d EEG shifts scored, %d arousals (%d with chin support)", ", ".join(labels),
                len(strict), len(out), sum(x["support"] == "eeg+chin" for x in out))
    col = lambda k: [x[k] for x in out]  # noqa: E731
    return Arousals(np.array(col("onset"), float), np.array(col("duration"), float),
                    np.array(col("stage"), np.int8), col("channels"), np.array(col("strength"), float),
                    col("band"), col("chin"), notes, p, labels, np.array(col("score"), float),
                    np.array(col("ratios"), float).reshape(-1, 3), chin_used=chin is not None,
                    support=col("support"))


def _asleep(hyp, t0: float, t1: float) -> bool:
    """Whether the hypnogram is in a sleep stage all the way from ``t0`` to ``t1`` (s)."""
    return _all_sleep(stage_at(np.linspace(t0, t1, max(2, int(np.ceil((t1 - t0) * 2)) + 1)), hyp.stages,
                               hyp.offset, hyp.epoch_length))


def _all_sleep(stages: np.ndarray) -> bool:
    """Whether every stage code is a sleep stage."""
    return bool(_sleep_mask(stages).all())


def _sleep_mask(stages: np.ndarray) -> np.ndarray:
    """Which stage codes are sleep stages (:data:`SLEEP_STAGES`: N1, N2, N3, R, codes 1-4)."""
    return (stages >= SLEEP_STAGES[0]) & (stages <= SLEEP_STAGES[-1])


@dataclass
class _Night:
    """What the event stage of :func:`detect_arousals` reads: the recording, the decimated EEG
    (read back by stretches for the edges) and hypnogram, the frame times, sleep mask and the
    evidence (smoothed, edge, per channel) with its median and spread in sleep."""

    rec: Recording
    labels: list
    signals: list
    hypnogram: object
    p: ArousalParams
    t: np.ndarray
    sleep: np.ndarray
    ev: np.ndarray
    ev_edge: np.ndarray
    ev_c: list
    med: np.ndarray
    sd: np.ndarray


def _scored_shifts(n: _Night, on_ratio: float, z_on: float, z_event: float, event_ratio: float,
                   taken: list[dict] | None = None) -> list[dict]:
    """First stage and event score at one set of thresholds: candidates (onset threshold the larger
    of ``on_ratio`` and ``z_on`` robust s.d., sustained at the ``off_ratio`` fraction), their band,
    plateau and half-amplitude edges, kept when their event score reaches ``z_event`` and their mean
    power ratio ``event_ratio``. With ``taken`` (the shifts of the EEG-only thresholds), a candidate
    overlapping one of them is marked ``taken`` (it still counts for the spacing)."""
    p, t, ev, ev_edge, med, sd = n.p, n.t, n.ev, n.ev_edge, n.med, n.sd
    thr = np.maximum(np.log(on_ratio), med + z_on * sd)  # band_thresholds, spread computed once
    span_s = p.window_s + (p.smooth_windows - 1) * p.hop_s   # the time one smoothed value covers
    scaled = ev / thr
    e = np.maximum(scaled.max(axis=1), 0.0)     # 1.0 = onset threshold of the strongest band
    off = np.log(p.off_ratio) / np.log(on_ratio)
    max_gap = int(round(p.max_gap_s / p.hop_s))
    s_idx, e_idx = arousal_candidates(e, n.sleep, 1.0, off, max_gap)
    taken_iv = np.array([(x["onset"], x["offset"]) for x in taken or []], float).reshape(-1, 2)
    bands, plateaus = np.empty(s_idx.size, np.int64), np.empty(s_idx.size)
    candidate_bands(np.ascontiguousarray(scaled), ev_edge, s_idx, e_idx, bands, plateaus)  # each one's band, plateau
    out = []
    for i0, i1, bi, plateau in zip(s_idx, e_idx, bands.tolist(), plateaus.tolist()):
        seg = slice(i0, i1 + 1)
        eb = ev_edge[:, bi]
        if plateau < off * thr[bi]:
            logger.debug("shift near %.2f s not sustained in %s", t[i0], EVIDENCE_BANDS[bi])
            continue
        level = 2.0 * np.log((1.0 + np.exp(plateau / 2.0)) / 2.0)  # half-way in amplitude
        onset = _half_crossing(t, eb, i0, i1, level, True)
        offset = _half_crossing(t, eb, i0, i1, level, False)
        x = dict(onset=onset, offset=offset, seg=seg, band_index=bi, plateau=plateau, thr=thr, off=off, taken=False)
        if taken_iv.size and np.any((taken_iv[:, 0] < offset) & (onset < taken_iv[:, 1])):
            x["taken"] = True
            out.append(x)
            continue
        # second stage: the shift over the whole event, against the night's noise of that band
        inside = slice(int(np.searchsorted(t, onset)), int(np.searchsorted(t, offset, "right")))  # t is sorted
        mean_ev = float(np.mean(ev_edge[inside, bi])) if inside.stop > inside.start else plateau
        z = event_score(mean_ev, med[bi], sd[bi], offset - onset, span_s)
        if z < z_event or mean_ev < np.log(event_ratio):
            logger.debug("shift at %.2f s: event score %.2f, ratio %.2f: too weak", onset, z, np.exp(mean_ev))
            continue
        x["score"] = z
        out.append(x)
    return out


def _finished_shifts(n: _Night, scored: list[dict], keep=None) -> tuple[list[dict], list[dict]]:
    """The scored shifts (:func:`_scored_shifts`), in order, given their edges (maximum-likelihood
    refinement) and the AASM checks: >= ``min_duration_s``, in sleep after ``min_sleep_before_s``
    of sleep, that long since the last shift. ``keep(onset, offset)``, when given, is asked first
    (a shift it refuses is no shift: it neither counts for the spacing nor costs its edges).

    Returns (the shifts that pass, every shift that counts for the spacing: those that pass and
    those of >= ``min_duration_s`` that lacked the sleep before them; onset and offset each)."""
    p, t, ev_edge, hyp = n.p, n.t, n.ev_edge, n.hypnogram
    out, spaced = [], []
    last_end = -np.inf
    for x in scored:
        onset, offset, bi, seg = x["onset"], x["offset"], x["band_index"], x["seg"]
        if x["taken"]:
            last_end = max(last_end, offset)
            continue
        if keep is not None and not keep(onset, offset):
            continue
        if p.refine_edges and offset - onset > 1.0:
            band = p.bands[EVIDENCE_BANDS[bi].split("+")[0]]
            half = min(p.edge_search_s, (offset - onset) / 2)
            onset = refine_edge(n.rec, n.labels, n.signals, band, onset - p.edge_search_s, onset + half, onset)
            offset = refine_edge(n.rec, n.labels, n.signals, band, offset - half, offset + p.edge_search_s, offset)
        dur = offset - onset
        if dur < p.min_duration_s:
            logger.debug("shift at %.2f s: %.2f s, shorter than %g s", onset, dur, p.min_duration_s)
            continue
        before = stage_at(np.linspace(onset - p.min_sleep_before_s, onset, 21), hyp.stages,
                          hyp.offset, hyp.epoch_length)  # its last time is the onset
        st = int(before[-1])
        gap = onset - last_end
        last_end = max(last_end, offset)
        spaced.append(dict(onset=onset, offset=offset))
        if not _all_sleep(before) or gap < p.min_sleep_before_s:
            logger.debug("shift at %.2f s (%.2f s): not preceded by %g s of sleep (stage %d, %.1f s since "
                         "the last shift)", onset, dur, p.min_sleep_before_s, st, gap)
            continue
        thr = x["thr"]
        shown = [lab for lab, ec in zip(n.labels, n.ev_c) if (ec[seg] / thr).max(axis=1).mean() >= x["off"]]
        inside = slice(int(np.searchsorted(t, onset)), int(np.searchsorted(t, offset, "right")))
        m = ev_edge[inside, :3].mean(axis=0) if inside.stop > inside.start else np.zeros(3)
        out.append(dict(onset=onset, offset=offset, duration=dur, stage=st,
                        channels="+".join(shown) if shown else n.labels[0], strength=float(np.exp(x["plateau"])),
                        band=EVIDENCE_BANDS[bi], score=x["score"],
                        ratios=np.exp(m / np.array([max(p.theta_weight, 1e-9), 1.0, 1.0]))))
    return out, spaced
