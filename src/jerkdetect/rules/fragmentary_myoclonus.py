"""Fragmentary myoclonus (FM) and excessive fragmentary myoclonus (EFM).

Published definition
--------------------
AASM Manual for the Scoring of Sleep and Associated Events (v2.x, movement rules, "excessive
fragmentary myoclonus"; unchanged through v2.6, 2020):

- the usual maximum duration of an EMG potential of fragmentary myoclonus is 150 ms;
- EFM: at least 20 min of NREM sleep with EFM must be recorded, with at least 5 EMG potentials
  per minute.

The potentials are brief, asynchronous and asymmetric twitches of any recorded muscle (legs,
chin, arms). The amplitude criterion is not in the AASM rule; the standard one, used by Lins et
al. (1993), ICSD-2 and Frauscher et al. (Sleep 2014;37:763, "Motor events during healthy sleep",
100 healthy sleepers, 9 with EFM) is a potential of 75-150 ms with an amplitude > 50 µV (Trimmel
et al., Clin Neurophysiol 2019, also report a 25-µV cut-off).

How jerkdetect reads it (every number a parameter of :class:`FragmentaryMyoclonusRule`)
---------------------------------------------------------------------------------------
- A candidate is a run of the EMG envelope (50-ms moving mean of the rectified EMG) at least
  ``activity_uv`` (2 µV, the AASM "quiet" level of the LM offset rule) above the muscle's
  resting level.
- Its duration is its visible extent: the run's width at ``edge_fraction`` (a tenth) of the
  height it holds above rest (its upper quartile, not one spike of the envelope), less what the
  50-ms envelope window and the envelope's max-pooling add (exact for a rectangular burst;
  :func:`~jerkdetect.rules.motor_kernels.burst_extent`), and must be at most ``max_duration_s``
  (0.15 s).
- Its amplitude is the peak-to-peak deflection of the band-passed trace over the run, at least
  ``min_amplitude_uv`` (50 µV).
- It must start in NREM (``stages``) and lie clear of the muscle's unscorable stretches and of
  the intervals given as ``exclude`` (the pipeline passes that muscle's leg movements, the hypnic
  jerks and the ALMA/HFT bursts): a potential is never also an LM or a hypnic jerk.
- EFM minutes: each run of consecutive NREM epochs is cut into ``minute_s`` windows from its
  start (a last partial window is dropped); a window with at least ``efm_per_min`` potentials of
  all muscles together is an EFM minute, and EFM is present with at least ``efm_min_minutes`` of
  them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

import numpy as np

from ..core.intervals import inside_intervals, intersect_intervals, merge_intervals, overlaps_window
from ..core.params import Checked, fraction, members, non_negative, positive
from ..core.stages import stage_durations
from .motor_features import EMGFeatures

NREM = (1, 2, 3)


@dataclass(frozen=True)
class FragmentaryMyoclonusRule(Checked):
    """Fragmentary myoclonus potentials and EFM (see the module notes for sources).

    Attributes
    ----------
    max_duration_s : float
        Longest potential (AASM: usual maximum 150 ms).
    min_amplitude_uv : float
        Smallest peak-to-peak amplitude on the 10-100 Hz trace (50 µV: Lins et al.; ICSD-2;
        Frauscher et al. 2014).
    activity_uv : float
        Envelope level above rest that delimits a candidate (2 µV; jerkdetect, the AASM LM offset
        level).
    edge_fraction : float
        Where the duration is measured, as a fraction of the height above rest (jerkdetect, 0.1).
    stages : tuple of int
        Stages in which potentials are counted (NREM: N1, N2, N3).
    efm_per_min, efm_min_minutes, minute_s : float
        EFM: >= 5 potentials per minute in >= 20 min of NREM (AASM), minutes of 60 s.
    """

    max_duration_s: float = 0.15
    min_amplitude_uv: float = 50.0
    activity_uv: float = 2.0
    stages: tuple[int, ...] = NREM
    efm_per_min: float = 5.0
    efm_min_minutes: float = 20.0
    minute_s: float = 60.0
    edge_fraction: float = 0.1

    LIMITS = {"max_duration_s": positive(60.0), "min_amplitude_uv": positive(1e5), "activity_uv": non_negative(1e4),
              "stages": members(0, 1, 2, 3, 4), "efm_per_min": positive(1e4),
              "efm_min_minutes": non_negative(1440.0 * 14),
              "minute_s": positive(3600.0), "edge_fraction": fraction()}

    def to_dict(self) -> dict:
        return asdict(self)

    def candidates(self, f: EMGFeatures) -> dict[str, np.ndarray]:
        """Every brief potential of one channel, before stages and exclusions: onset, duration
        (s, see :meth:`EMGFeatures.activity_bursts`), peak-to-peak amplitude (µV)."""
        b = f.activity_bursts(self.activity_uv, self.edge_fraction)
        brief = b["duration"] <= self.max_duration_s + 1e-9
        on, dur = b["onset"][brief], b["duration"][brief]
        p2p, peak = f.peak_to_peak(b["edge_start"][brief], b["edge_end"][brief], with_peak=True)
        big = p2p >= self.min_amplitude_uv
        return dict(onset=on[big], duration=dur[big], amplitude_uv=p2p[big], peak_uv=peak[big])

    def find(self, channels: Mapping[str, EMGFeatures], hypnogram=None,
             exclude: Mapping[str, np.ndarray] | None = None) -> "FragmentaryMyoclonus":
        """Fragmentary myoclonus potentials of every channel, their rates and EFM.

        Parameters
        ----------
        channels : dict muscle -> EMGFeatures
        hypnogram : Hypnogram, optional
            Without it no potential can be placed in NREM: the result is empty with a reason.
        exclude : dict muscle -> (n, 2) intervals (s), optional
            Stretches of each muscle in which no potential is counted (its leg movements, hypnic
            jerks, ALMA/HFT bursts); ``"*"`` applies to every muscle.

        Returns
        -------
        FragmentaryMyoclonus

        Examples
        --------
        >>> from jerkdetect.core.hypnogram import Hypnogram
        >>> env = np.full(6000, 1.0, np.float32); env[3000:3008] = 20.0   # one 80-ms potential
        >>> f = EMGFeatures("Leg L", "leg_left", env, 100.0, np.ones(60), np.ones(60), 1.0,
        ...                 np.full(1200, 1.0, np.float32), np.full(1200, -1.0, np.float32), 20.0)
        >>> f.trace_max[600:602] = 40; f.trace_min[600:602] = -40
        >>> fm = FragmentaryMyoclonusRule().find({"left": f}, Hypnogram([2, 2]))
        >>> fm.onset.round(1).tolist(), fm.channel
        ([30.0], ['left'])
        """
        exclude = exclude or {}
        muscles = list(channels)
        if hypnogram is None:
            return FragmentaryMyoclonus.empty(self, muscles, "no hypnogram: NREM cannot be found")
        rows = []
        for m, f in channels.items():
            c = self.candidates(f)
            st = hypnogram.stage_at(c["onset"]) if c["onset"].size else np.zeros(0, np.int8)
            keep = np.isin(st, self.stages)
            keep &= ~inside_intervals(c["onset"], f.unscorable)
            ex = [np.asarray(exclude[k], float).reshape(-1, 2) for k in (m, "*") if k in exclude]
            if ex:
                win = merge_intervals(np.concatenate(ex))
                keep &= ~overlaps_window(c["onset"], c["onset"] + c["duration"], win)
            for k in np.flatnonzero(keep):
                rows.append((float(c["onset"][k]), float(c["duration"][k]), m, float(c["amplitude_uv"][k]),
                             int(st[k]), float(c["peak_uv"][k])))
        rows.sort(key=lambda r: (r[0], r[2]))
        fm = FragmentaryMyoclonus(
            rule=self, muscles=muscles,
            onset=np.array([r[0] for r in rows], float), duration=np.array([r[1] for r in rows], float),
            channel=[r[2] for r in rows], amplitude_uv=np.array([r[3] for r in rows], float),
            stage=np.array([r[4] for r in rows], np.int8), peak_uv=np.array([r[5] for r in rows], float))
        self._rates(fm, channels, hypnogram)
        return fm

    def _rates(self, fm: "FragmentaryMyoclonus", channels: Mapping[str, EMGFeatures], hyp) -> None:
        """Rates per muscle and stage, the EFM minutes and the EFM verdict (in place)."""
        lights = hyp.lights
        all_bad = None
        for m, f in channels.items():
            dur = stage_durations(hyp.stages, hyp.offset, hyp.epoch_length, lights, f.unscorable)
            nrem_s = sum(dur[s] for s in self.stages)
            n = int(sum(c == m for c in fm.channel))
            fm.per_muscle[m] = dict(n=n, nrem_min=round(nrem_s / 60, 4),
                                    per_h_nrem=round(n / (nrem_s / 3600), 4) if nrem_s > 0 else None)
            for s, name in ((1, "N1"), (2, "N2"), (3, "N3")):
                ns = int(np.sum((fm.stage == s) & np.array([c == m for c in fm.channel], bool))) \
                    if fm.channel else 0
                fm.per_muscle[m][f"per_h_{name}"] = round(ns / (dur[s] / 3600), 4) if dur[s] > 0 else None
            bad = merge_intervals(f.unscorable)
            all_bad = bad if all_bad is None else intersect_intervals(all_bad, bad)
        dur = stage_durations(hyp.stages, hyp.offset, hyp.epoch_length, lights,
                              all_bad if all_bad is not None and all_bad.size else None)
        nrem_s = sum(dur[s] for s in self.stages)
        fm.nrem_min = nrem_s / 60
        if not channels:
            fm.reason = "no EMG channel"
        elif nrem_s <= 0:
            fm.reason = "no scorable NREM sleep"
        else:
            fm.per_h_nrem = len(fm) / (nrem_s / 3600)
        starts, counts = self.minutes(hyp, all_bad)
        k = np.searchsorted(starts, fm.onset, side="right") - 1
        inside = (k >= 0) & (fm.onset < starts[np.clip(k, 0, None)] + self.minute_s) if starts.size else \
            np.zeros(len(fm), bool)
        np.add.at(counts, k[inside], 1)
        fm.minute_start, fm.minute_count = starts, counts
        if fm.per_h_nrem is not None:
            fm.efm_minutes = int(np.sum(counts >= self.efm_per_min * self.minute_s / 60))
            fm.efm = bool(fm.efm_minutes * self.minute_s / 60 >= self.efm_min_minutes)

    def minutes(self, hyp, unscorable=None) -> tuple[np.ndarray, np.ndarray]:
        """Start times of the EFM minutes (``minute_s`` windows tiling each run of consecutive NREM
        epochs inside lights off, clear of ``unscorable``) and zero counts."""
        st = np.isin(hyp.stages, self.stages)
        starts, ends = hyp.bounds
        lo, hi = hyp.lights
        d = np.diff(np.concatenate([[0], st.astype(np.int8), [0]]))
        out = []
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            t0, t1 = max(starts[a], lo), min(ends[b - 1], hi)
            k = int(np.floor((t1 - t0) / self.minute_s + 1e-9))
            out.extend(t0 + self.minute_s * np.arange(k))
        s = np.asarray(out, float)
        if unscorable is not None and len(unscorable) and s.size:
            s = s[~overlaps_window(s, s + self.minute_s, np.asarray(unscorable, float).reshape(-1, 2))]
        return s, np.zeros(s.size, np.int64)


@dataclass
class FragmentaryMyoclonus:
    """Fragmentary myoclonus potentials of one night (one row per potential: onset, duration,
    channel (muscle), peak-to-peak ``amplitude_uv``, largest deflection ``peak_uv``, stage) and
    their rates.

    ``per_h_nrem`` (all muscles, per hour of scorable NREM), ``efm`` and ``efm_minutes`` are None
    with ``reason`` when they cannot be computed.
    """

    rule: FragmentaryMyoclonusRule
    muscles: list[str]
    onset: np.ndarray
    duration: np.ndarray
    channel: list[str]
    amplitude_uv: np.ndarray
    stage: np.ndarray
    peak_uv: np.ndarray = field(default_factory=lambda: np.zeros(0))
    per_muscle: dict = field(default_factory=dict)
    per_h_nrem: float | None = None
    nrem_min: float = 0.0
    efm: bool | None = None
    efm_minutes: int | None = None
    minute_start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    minute_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reason: str | None = None

    def __len__(self) -> int:
        return int(self.onset.size)

    @classmethod
    def empty(cls, rule: FragmentaryMyoclonusRule, muscles: list[str], reason: str) -> "FragmentaryMyoclonus":
        z = np.zeros(0)
        return cls(rule, muscles, z, z, [], z, np.zeros(0, np.int8), reason=reason)

    def summary(self) -> dict:
        """``fm_per_h_nrem``, ``efm``, ``efm_minutes`` and the per-muscle table (null with a reason)."""
        out = dict(fm_per_h_nrem=None if self.per_h_nrem is None else round(self.per_h_nrem, 4),
                   efm=self.efm, efm_minutes=self.efm_minutes, fm_n=len(self), fm_per_muscle=self.per_muscle)
        if self.reason:
            out["fm_null_reason"] = self.reason
        return out
