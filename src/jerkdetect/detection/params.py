"""Detection parameters, each named and documented with its source."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..core.params import Checked, flag, fraction, non_negative, number, pair, positive


@dataclass(frozen=True)
class DetectionParams(Checked):
    """Parameters of EMG burst detection.

    Attributes
    ----------
    band : (float, float)
        EMG band-pass in Hz. AASM Manual (v2.x, technical specifications): 10-100 Hz for leg EMG.
    notch : float, "auto" or None
        Mains notch frequency; "auto" detects 50/60 Hz line noise per channel.
    notch_q : float
        Quality factor of the notch. Q = 5 (jerkdetect default) rings for < 40 ms; narrow notches
        (Q = 30) ring long enough to stretch brief bursts past the 2-µV offset level.
    envelope_s : float
        Width of the centred moving mean of the rectified EMG (jerkdetect default, 50 ms).
    block_s, baseline_window_s, baseline_quantile : float
        Adaptive resting level: the ``baseline_quantile`` of 1-s block means over a centred
        ``baseline_window_s`` window (in the spirit of the adaptive noise floor of S-PLMAD and
        MATPLM, Ferri et al.).
    onset_uv : float
        LM onset: EMG >= 8 µV above the resting baseline (AASM 2012; WASM 2016).
    onset_backtrack_s : float
        After the 8-µV crossing, the onset moves back (at most this far) to where the EMG first
        rose >= ``offset_uv`` above rest: the visible start of the burst that a scorer marks
        (jerkdetect default 0.5 s; 0 gives the bare threshold crossing).
    offset_uv, quiet_s : float
        LM offset: start of a >= 0.5 s period with EMG < 2 µV above rest (AASM 2012; WASM 2016).
    quiet_tolerance_s : float
        Within those 0.5 s, the EMG may exceed 2 µV above rest for at most this long in all, as
        long as it never reaches the onset level (8 µV) (jerkdetect default 0.075 s: one isolated
        spike, smeared to ~50-75 ms by the 50-ms envelope, per quiet period). The resting
        EMG is a fluctuating band, not a line: with the bare rule every spike of the resting noise
        or of cardiac bleed restarts the 0.5-s wait, and offsets overshoot by seconds in a noisy
        leg or without an ECG channel. Anything reaching the onset level (a twitch, a sub-burst
        of a ragged movement), or sustained activity above 2 µV, still continues the movement as
        the rule says. 0 gives the bare rule.
    max_rest_uv : float
        Resting level above which the channel is unscorable (raised noise; jerkdetect default
        10 µV, above any resting tibialis EMG). The stretch starts where the resting level rises
        above it and is extended to the 1-s blocks around it whose mean stays above it.
    flat_uv, flat_min_s : float
        Lead-off (flat line): the rectified EMG stays below ``flat_uv`` (0.25 µV, below the
        amplifier noise of a connected electrode) for at least ``flat_min_s`` (1 s); placed to
        0.1 s.
    saturation_fraction, saturation_min_s : float
        Lead-off (saturated): at least ``saturation_fraction`` (half) of the samples sit on the
        digital rails for at least ``saturation_min_s`` (15 s, longer than any candidate LM), gaps
        under 1 s bridged; placed to 0.1 s. Shorter clipping is part of a movement: a burst that
        hits the rail is scored, its amplitude being at least the rail.
    ecg_removal : bool
        Subtract cardiac artefact when an ECG channel is present.
    morph_window_s, morph_uv : float
        WASM 2016 computer-scoring morphology: some 0.5-s window inside the LM has median
        rectified EMG >= 2 µV above rest.
    """

    band: tuple[float, float] = (10.0, 100.0)
    notch: float | str | None = "auto"
    notch_q: float = 5.0
    envelope_s: float = 0.05
    block_s: float = 1.0
    baseline_window_s: float = 60.0
    baseline_quantile: float = 0.2
    onset_uv: float = 8.0
    onset_backtrack_s: float = 0.5
    offset_uv: float = 2.0
    quiet_s: float = 0.5
    quiet_tolerance_s: float = 0.075
    max_rest_uv: float = 10.0
    flat_uv: float = 0.25
    flat_min_s: float = 1.0
    saturation_fraction: float = 0.5
    saturation_min_s: float = 15.0
    ecg_removal: bool = True
    morph_window_s: float = 0.5
    morph_uv: float = 2.0

    LIMITS = {"band": pair(0.0, 1e5, lo_open=True), "notch": number(0.0, 1e5, lo_open=True, words=("auto",), none=True),
              "notch_q": positive(1e3), "envelope_s": positive(10.0), "block_s": positive(60.0),
              "baseline_window_s": positive(86400.0), "baseline_quantile": fraction(), "onset_uv": positive(1e4),
              "onset_backtrack_s": non_negative(10.0), "offset_uv": positive(1e4), "quiet_s": positive(60.0),
              "quiet_tolerance_s": non_negative(60.0), "max_rest_uv": positive(1e4), "flat_uv": non_negative(1e4),
              "flat_min_s": positive(86400.0), "saturation_fraction": number(0.0, 1.0, lo_open=True),
              "saturation_min_s": positive(86400.0), "ecg_removal": flag(), "morph_window_s": positive(60.0),
              "morph_uv": non_negative(1e4)}
    ORDER = (("block_s", "<=", "baseline_window_s"), ("offset_uv", "<=", "onset_uv"),
             ("quiet_tolerance_s", "<", "quiet_s"))

    def to_dict(self) -> dict:
        return asdict(self)
