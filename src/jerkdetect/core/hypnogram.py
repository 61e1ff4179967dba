"""The hypnogram: a first-class object with the sleep statistics researchers report."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..errors import InputError
from .limits import MAX_EPOCH_S, MAX_RECORDING_S, MIN_EPOCH_S, seconds_in_range
from .epochs import UNSCORED, epoch_bounds, epoch_index, epochs_from_intervals, stage_at
from .stages import sleep_transitions, stage_durations
from .stage_vocabulary import parse_stage, stage_codes

STAGE_CODES = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4}
STAGE_NAMES = {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R", UNSCORED: "unscored"}
SLEEP_CODES = (1, 2, 3, 4)

def is_yasa_hypnogram(obj) -> bool:
    """True for a ``yasa.Hypnogram`` (duck-typed: stage labels, epoch frequency and ``as_int``)."""
    return all(hasattr(obj, a) for a in ("hypno", "freq", "as_int", "n_stages"))


def check_epoch_length(value, where: str, field: str = "epoch length") -> float:
    """An epoch length in [1, 60] s (``MIN_EPOCH_S``, ``MAX_EPOCH_S``), checked before anything is sized by it.

    Scoring systems use 30-s epochs (AASM Manual; R&K also 20 s); 1-60 s covers every one (and
    4-s or 1-s micro-epochs). A length outside is refused in one sentence naming ``where`` and
    ``field``: 1e-6 s would give a TST of microseconds, 1e-9 s an allocation of terabytes.

    Examples
    --------
    >>> check_epoch_length("30", "night.txt")
    30.0
    """
    return seconds_in_range(value, where, field, MIN_EPOCH_S, MAX_EPOCH_S,
                            hint=f"; scoring epochs last {MIN_EPOCH_S:g}-{MAX_EPOCH_S:g} s (30 s under AASM, 20 or "
                                 "30 s under R&K)")


def check_hypnogram_layout(epoch_length, offset, n_epochs: int, source: str = "") -> tuple[float, float]:
    """Epoch length in [1, 60] s (:func:`check_epoch_length`), offset finite, and the hypnogram
    spanning at most 14 days."""
    where = source or "hypnogram"
    ep = check_epoch_length(epoch_length, where)
    try:
        off = float(offset)
    except (TypeError, ValueError):
        raise InputError(f"{where}: the hypnogram offset {offset!r} must be a number of seconds.") from None
    if not (math.isfinite(off) and abs(off) <= MAX_RECORDING_S):
        raise InputError(f"{where}: the hypnogram starts at {off!r} s from the recording start, outside "
                         f"±{MAX_RECORDING_S:g} s.")
    if n_epochs * ep > MAX_RECORDING_S:
        raise InputError(f"{where}: {n_epochs} epochs of {ep:g} s span {n_epochs * ep / 86400:.1f} days, "
                         f"beyond the {MAX_RECORDING_S / 86400:g} days jerkdetect scores.")
    return ep, off


@dataclass
class Hypnogram:
    """Sleep stages per epoch, placed on the recording's time axis.

    Parameters
    ----------
    stages : array of int
        One code per epoch: W=0, N1=1, N2=2, N3=3, R=4, unscored=-1; YASA's -2 (unscored) is
        accepted and stored as -1.
    epoch_length : float
        Seconds per epoch (30, or 20 for older R&K scoring).
    offset : float
        Seconds from the recording start to the start of epoch 0 (negative when scoring began
        before the recording).
    lights_off, lights_on : float, optional
        Seconds from the recording start; default the hypnogram's first and last epoch.

    Examples
    --------
    >>> h = Hypnogram([0, 0, 1, 2, 2, 0, 2, 4], epoch_length=30)
    >>> h.tst / 60, h.sleep_onset, h.stage_at(95.0).tolist()
    (2.5, 60.0, [2])
    """

    stages: np.ndarray
    epoch_length: float = 30.0
    offset: float = 0.0
    lights_off: float | None = None
    lights_on: float | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        raw = np.asarray(self.stages)
        if raw.ndim != 1 or not (np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating)
                                 or raw.size == 0):
            raise InputError(f"{self.source or 'hypnogram'}: stages must be a 1-D array of integer codes "
                             f"(W=0, N1=1, N2=2, N3=3, R=4, unscored=-1), got {raw.dtype} of shape {raw.shape}.")
        ok = np.isin(raw, (-2, UNSCORED, 0, 1, 2, 3, 4))
        if not ok.all():
            i = int(np.argmax(~ok))
            raise InputError(f"{self.source or 'hypnogram'}: stage codes must be W=0, N1=1, N2=2, N3=3, R=4 "
                             f"or unscored (-1, YASA's -2); epoch {i} is {raw[i]}.")
        self.stages = np.where(raw == -2, UNSCORED, raw).astype(np.int8)
        self.epoch_length, self.offset = check_hypnogram_layout(self.epoch_length, self.offset,
                                                                self.stages.size, self.source)

    # ---------------------------------------------------------------- layout
    @property
    def n_epochs(self) -> int:
        return int(self.stages.size)

    @property
    def start(self) -> float:
        return float(self.offset)

    @property
    def end(self) -> float:
        return float(self.bounds[1][-1]) if self.n_epochs else float(self.offset)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (s) of every epoch."""
        return epoch_bounds(self.n_epochs, self.offset, self.epoch_length)

    @property
    def lights(self) -> tuple[float, float]:
        """(lights off, lights on) in seconds, defaulting to the hypnogram's extent."""
        lo = self.start if self.lights_off is None else self.lights_off
        hi = self.end if self.lights_on is None else self.lights_on
        return float(lo), float(hi)

    def epoch_of(self, t) -> np.ndarray:
        return epoch_index(t, self.offset, self.epoch_length)

    def stage_at(self, t) -> np.ndarray:
        """Stage code at each time (seconds from recording start); unscored outside the hypnogram."""
        return stage_at(t, self.stages, self.offset, self.epoch_length)

    # ---------------------------------------------------------------- statistics
    def durations(self, exclude=None, within_lights: bool = True) -> dict[int, float]:
        """Seconds per stage code (optionally inside lights off/on and minus excluded intervals)."""
        win = self.lights if within_lights else None
        return stage_durations(self.stages, self.offset, self.epoch_length, win, exclude)

    @property
    def tst(self) -> float:
        """Total sleep time in seconds (N1+N2+N3+R between lights off and on)."""
        d = self.durations()
        return sum(d[c] for c in SLEEP_CODES)

    @property
    def sleep_onset(self) -> float | None:
        """Seconds from the recording start to the first sleep epoch after lights off."""
        times = self.bounds[0][np.isin(self.stages, SLEEP_CODES)]
        times = times[times >= self.lights[0] - 1e-9]
        return float(times[0]) if times.size else None

    @property
    def sleep_offset(self) -> float | None:
        """End of the last sleep epoch before lights on."""
        ends = self.bounds[1][np.isin(self.stages, SLEEP_CODES)]
        ends = ends[ends <= self.lights[1] + 1e-9]
        return float(ends[-1]) if ends.size else None

    @property
    def sleep_period(self) -> float:
        """Seconds from sleep onset to the end of the last sleep epoch (SPT)."""
        on, off = self.sleep_onset, self.sleep_offset
        return 0.0 if on is None or off is None else off - on

    @property
    def waso(self) -> float:
        """Wake after sleep onset, seconds (wake inside the sleep period)."""
        on, off = self.sleep_onset, self.sleep_offset
        if on is None:
            return 0.0
        return stage_durations(self.stages, self.offset, self.epoch_length, (on, off))[0]

    @property
    def sleep_latency(self) -> float | None:
        on = self.sleep_onset
        return None if on is None else on - self.lights[0]

    def transitions(self) -> np.ndarray:
        """Times of every wake -> sleep transition (sleep onset first) between lights off and on."""
        t = sleep_transitions(self.stages, self.offset, self.epoch_length)
        lo, hi = self.lights
        return t[(t >= lo - 1e-9) & (t < hi)]

    def minutes_per_stage(self) -> dict[str, float]:
        d = self.durations()
        return {STAGE_NAMES[c]: d[c] / 60 for c in (0, 1, 2, 3, 4, UNSCORED)}

    def summary(self) -> dict:
        """Standard sleep statistics, in minutes."""
        out = {"tib_min": (self.lights[1] - self.lights[0]) / 60, "tst_min": self.tst / 60,
               "sleep_onset_s": self.sleep_onset, "sleep_latency_min":
               None if self.sleep_latency is None else self.sleep_latency / 60,
               "spt_min": self.sleep_period / 60, "waso_min": self.waso / 60,
               "n_wake_to_sleep": int(self.transitions().size)}
        out["sleep_efficiency"] = out["tst_min"] / out["tib_min"] if out["tib_min"] else None
        out.update({f"{k}_min": v for k, v in self.minutes_per_stage().items()})
        return out

    # ---------------------------------------------------------------- conversions
    def to_yasa(self) -> np.ndarray:
        """Integer array in YASA's convention (W0 N1 1 N2 2 N3 3 R4, unscored -2)."""
        y = self.stages.astype(np.int64)
        y[y == UNSCORED] = -2
        return y

    @classmethod
    def from_yasa(cls, values, epoch_length: float = 30.0, offset: float = 0.0,
                  **kw) -> "Hypnogram":
        """From a ``yasa.Hypnogram`` or a YASA integer array (-2 unscored and -1 artefact become unscored).

        A ``yasa.Hypnogram`` brings its own epoch length (``freq``); its stage labels (``WAKE``,
        ``N1``, ``N2``, ``N3``, ``REM``, ``ART``, ``UNS``) are mapped by name, so a 2-, 3- or
        4-stage YASA hypnogram (``SLEEP``, ``LIGHT``, ``DEEP``) is refused rather than misread.

        Examples
        --------
        >>> Hypnogram.from_yasa([0, 1, 2, -2, 4]).stages.tolist()
        [0, 1, 2, -1, 4]
        """
        if is_yasa_hypnogram(values):
            import pandas as pd
            ep = pd.Timedelta(values.freq).total_seconds()
            labels = [str(x) for x in values.hypno]
            for i, lab in enumerate(labels):
                if parse_stage(lab) is None:
                    raise InputError(f"yasa.Hypnogram: epoch {i} is '{lab}', not an AASM stage (a "
                                     f"{values.n_stages}-stage YASA hypnogram cannot be mapped to W/N1/N2/N3/R).")
            if getattr(values, "n_stages", 5) != 5:  # 'DEEP' of a 4-stage YASA hypnogram is not read as N3 here
                raise InputError(f"yasa.Hypnogram: a {values.n_stages}-stage hypnogram cannot be mapped to "
                                 "W/N1/N2/N3/R; give a 5-stage one.")
            return cls.from_labels(labels, ep, offset, **{"source": "yasa.Hypnogram", **kw})
        try:
            v = np.asarray(list(values), dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("from_yasa needs a yasa.Hypnogram or a sequence of integer stage codes.") from None
        if not (np.isfinite(v).all() and (v == np.round(v)).all()):
            raise InputError("from_yasa: stage codes must be integers (W=0, N1=1, N2=2, N3=3, R=4, "
                             "-1 artefact, -2 unscored).")
        v = v.astype(np.int64)
        v[(v == -1) | (v == -2)] = UNSCORED
        return cls(v, epoch_length, offset, **kw)

    @classmethod
    def from_labels(cls, labels: Sequence[str], epoch_length: float = 30.0, offset: float = 0.0,
                    **kw) -> "Hypnogram":
        """From one stage label per epoch (``'W'``, ``'N2'``, ``'Stage 3'``, ``'?'``...)."""
        check_epoch_length(epoch_length, kw.get("source") or "hypnogram")
        try:
            codes, _ = stage_codes(labels, kw.get("source") or "hypnogram")
        except ValueError as e:
            raise InputError(str(e)) from None
        return cls(np.array(codes, dtype=np.int8), epoch_length, offset, **kw)

    @classmethod
    def from_intervals(cls, intervals: Sequence[tuple[float, float, int]], epoch_length: float = 30.0,
                       **kw) -> "Hypnogram":
        """From variable-length (onset, duration, code) stage annotations (Sleep-EDF style).

        Epochs are laid from the first onset; an epoch takes the stage covering its midpoint,
        gaps between annotations become unscored.
        """
        epoch_length = check_epoch_length(epoch_length, kw.get("source") or "hypnogram")
        stages, start = epochs_from_intervals(intervals, epoch_length)
        return cls(stages, epoch_length, start, **kw)

    def fit_to(self, duration: float, source: str = "recording") -> "Hypnogram":
        """Check the hypnogram against a recording of ``duration`` seconds; report, never crash.

        Epochs entirely outside the recording are dropped, and ``notes`` says how much was
        missing or extra; any mismatch of an epoch or more also gives one warning naming it.
        Lights off/on are clipped to the recording, so an epoch only partly recorded counts
        only its recorded part (TST never exceeds the recording).
        """
        notes = list(self.notes)
        ep_start, ep_end = self.bounds
        keep = (ep_end > 0) & (ep_start < duration)
        dropped = int((~keep).sum())
        if dropped:
            notes.append(f"{dropped} epochs of the hypnogram lie outside the {duration:.0f}-s recording "
                         "and were dropped")
        first = np.argmax(keep) if keep.any() else 0
        new = Hypnogram(self.stages[keep], self.epoch_length, float(ep_start[first]) if keep.any() else self.offset,
                        self.lights_off, self.lights_on, self.source, notes)
        lo, hi = new.lights
        if hi > duration:  # a partly recorded last epoch counts only its recorded part
            new.lights_on = float(duration)
        if lo < 0:
            new.lights_off = 0.0
        uncovered = duration - new.end
        if uncovered >= self.epoch_length:
            notes.append(f"the hypnogram ends {uncovered:.0f} s before the end of the recording; that time is unscored")
        if new.start >= self.epoch_length:
            notes.append(f"the hypnogram starts {new.start:.0f} s after the recording start")
        new_notes = notes[len(self.notes):]
        if new_notes:  # one warning naming every mismatch
            warnings.warn(f"{self.source or 'hypnogram'} vs {source}: {'; '.join(new_notes)}.",
                          UserWarning, stacklevel=2)
        return new

    def plot(self, ax=None):
        """Step plot of the hypnogram (needs matplotlib)."""
        from ..reporting.plots import plot_hypnogram
        return plot_hypnogram(self, ax=ax)

    def _repr_html_(self) -> str:
        from .reprs import hypnogram_html
        return hypnogram_html(self)

    def __repr__(self) -> str:
        return (f"<Hypnogram | {self.n_epochs} epochs of {self.epoch_length:g} s from {self.offset:g} s, "
                f"TST {self.tst / 60:.1f} min>")
