"""Hypnic jerks (sleep starts): jerkdetect's operational definition.

No published scoring rule exists. The definition follows the clinical and polysomnographic
descriptions: ICSD-3 "sleep starts (hypnic jerks)": sudden brief simultaneous contractions of
the body or one or more body segments at sleep onset; Calandra-Buonaura et al. (Sleep Med
Rev 2014, "Hypnic jerks") and the AASM Manual's distinction from fragmentary myoclonus
(bursts <= 150 ms, scattered in NREM, one muscle) and phasic REM activity. Every criterion is a
parameter of :class:`HypnicJerkRule`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..core.intervals import overlaps_window
from ..core.params import Checked, members, non_negative, positive, whole


@dataclass(frozen=True)
class HypnicJerkRule(Checked):
    """Operational hypnic-jerk definition (all criteria are parameters).

    Attributes
    ----------
    max_burst_s : float
        Each leg burst is shorter than an LM (< 0.5 s): a jerk is not a leg movement.
    brief_muscles : tuple of str
        Muscles whose burst must be brief. The chin is not among them by default: after a jerk
        the chin tone often stays up (arousal, awakening), so only its onset is used.
    min_peak_uv : float
        The strongest muscle's burst reaches a peak of >= 30 µV on the band-passed (10-100 Hz)
        EMG trace: the deflection a scorer reads. Hypnic jerks are "high-amplitude" bursts,
        typically 50-200 µV on the raw trace; 30 µV leaves room for what the 100-Hz low-pass
        takes off a brief burst, and stays above cardiac bleed and resting noise (< 25 µV). A
        peak, not a 50-ms mean: a 0.1-s burst whose trace peaks at 60 µV has a mean rectified
        value of only ~20 µV. On its own this does not separate jerks from fragmentary
        myoclonus, whose twitches can be as large: synchrony across muscles, the sleep-onset
        window, quiet surroundings and isolation do.
    min_muscles : int
        Bursts in >= 2 muscles (chin and/or legs) ...
    max_lag_s : float
        ... whose onsets lie within 0.1 s of the first ("within tens of ms").
    window_before_s, window_after_s : float
        Within 90 s before to 60 s after (the first two sleep epochs) a wake -> sleep transition:
        sleep onset and each return to sleep. A jerk in drowsy wake or early N1 often wakes the
        sleeper, and scorers then stage one or two more wake epochs, so the staged transition
        comes 30-90 s after the jerk: 90 s is three epochs (the jerk's epoch and two more).
    isolation_s : float
        No leg movement (>= 0.5 s) within 2 s: the jerk is isolated, not part of an LM or PLM series.
    background_s : float
        No other burst starts in a leg within 1.5 s of the jerk: a jerk stands out of quiet leg
        EMG. Fragmentary myoclonus (up to ~1 twitch per second per muscle) meets in time across
        muscles by chance; without this test a night with myoclonus around sleep onset gets
        several false jerks per transition.
    twitch_window_s, twitch_background : float, int
        Where a leg shows more than 4 other brief bursts within 30 s (fragmentary myoclonus,
        ALMA), a coincidence of two muscles is too likely by chance: every recorded muscle
        (chin and both legs) must then take part.
    arousal_within_s : float
        An arousal starting within 3 s after the jerk (or overlapping it) marks it arousal-linked.
    rise_uv, rise_reference_s : float
        With envelopes, a muscle also takes part when its envelope rises >= 8 µV (the LM onset
        level) within the coincidence window above its median over the preceding 2 s; this finds
        a jerk in a muscle whose tone was already raised (chin in wake), where no burst onset is
        seen. A muscle with a burst onset of its own within ``rise_exclusion_s`` (0.5 s) of the
        jerk takes part only through that onset: a twitch starting 0.2 s later is not
        simultaneous (fragmentary myoclonus is asynchronous), even though its envelope rises
        inside the window.
    """

    max_burst_s: float = 0.5
    brief_muscles: tuple[str, ...] = ("left", "right")
    min_peak_uv: float = 30.0
    min_muscles: int = 2
    max_lag_s: float = 0.1
    window_before_s: float = 90.0
    window_after_s: float = 60.0
    isolation_s: float = 2.0
    arousal_within_s: float = 3.0
    rise_uv: float = 8.0
    rise_reference_s: float = 2.0
    rise_exclusion_s: float = 0.5
    background_s: float = 1.5
    twitch_window_s: float = 30.0
    twitch_background: int = 4

    LIMITS = {"max_burst_s": positive(60.0), "brief_muscles": members("left", "right", "chin"),
              "min_peak_uv": non_negative(1e4), "min_muscles": whole(1, 16), "max_lag_s": non_negative(60.0),
              "window_before_s": non_negative(86400.0), "window_after_s": non_negative(86400.0),
              "isolation_s": non_negative(3600.0), "arousal_within_s": non_negative(3600.0), "rise_uv": positive(1e4),
              "rise_reference_s": positive(3600.0), "rise_exclusion_s": non_negative(60.0),
              "background_s": non_negative(3600.0), "twitch_window_s": positive(86400.0),
              "twitch_background": whole(0, 100000)}

    def to_dict(self) -> dict:
        return asdict(self)

    def _rise(self, env: np.ndarray, fs: float, t: float) -> float:
        """Envelope rise (µV) at time t: max in the coincidence window minus the preceding median."""
        i0 = int(np.floor((t - self.max_lag_s) * fs))
        i1 = int(np.ceil((t + self.max_lag_s + 0.1) * fs)) + 1
        r0 = int(np.floor((t - self.rise_reference_s) * fs))
        r1 = int(np.floor((t - 0.2) * fs))
        if r0 < 0 or i1 > env.size or r1 <= r0:
            return 0.0
        return float(env[max(i0, 0):i1].max() - np.median(env[r0:r1]))

    def _twitching(self, bursts: dict, grp: list, t: float) -> bool:
        """True when a brief muscle twitches in the background (more than ``twitch_background``
        other bursts within ``twitch_window_s``): then chance coincidences of fragmentary
        myoclonus are likely, and every recorded muscle must take part."""
        mine = {(g[3], g[0]) for g in grp}
        for m in self.brief_muscles:
            on = bursts.get(m, (np.zeros(0),))[0]
            near = on[np.abs(on - t) <= self.twitch_window_s]
            if sum((m, float(x)) not in mine for x in near) > self.twitch_background:
                return True
        return False

    def _stands_out(self, bursts: dict, grp: list, t: float) -> bool:
        """No other burst starts in the brief (leg) muscles within ``background_s`` of the jerk:
        a jerk is one event standing out of quiet EMG, whereas trains of fragmentary myoclonus
        keep every muscle twitching and meet in time by chance."""
        mine = {(g[3], g[0]) for g in grp}
        for m in self.brief_muscles:
            on = bursts.get(m, (np.zeros(0),))[0]
            near = on[np.abs(on - t) <= self.background_s]
            if any((m, float(x)) not in mine for x in near):
                return False
        return True

    def _peak(self, raw: tuple[np.ndarray, float] | None, t: float) -> float:
        """Largest trace deflection (µV) in the coincidence window after t (0 without the trace)."""
        if raw is None:
            return 0.0
        x, fs = raw
        i0 = max(int(np.floor((t - self.max_lag_s) * fs)), 0)
        i1 = min(int(np.ceil((t + self.max_lag_s + 0.2) * fs)) + 1, x.size)
        return float(x[i0:i1].max()) if i1 > i0 else 0.0

    def find(self, bursts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
             transitions: np.ndarray, lm_intervals: np.ndarray,
             arousals: np.ndarray | None = None,
             envelopes: dict[str, tuple[np.ndarray, float]] | None = None,
             raw_peaks: dict[str, tuple[np.ndarray, float]] | None = None) -> dict[str, np.ndarray | list]:
        """Find hypnic jerks.

        Parameters
        ----------
        bursts : dict muscle -> (onset, offset, peak_uv)
            Bursts per muscle ('chin', 'left', 'right'); ``peak_uv`` is the burst's largest
            deflection on the filtered trace (compared with ``min_peak_uv``).
        transitions : array
            Wake -> sleep transition times (s).
        lm_intervals : (n, 2) array
            All leg movements (onset, offset) to stay clear of.
        arousals : (n, 2) array of onset, duration, optional
        envelopes : dict muscle -> (envelope in µV, its rate), optional
            Enables the envelope-rise participation test (``rise_uv``).
        raw_peaks : dict muscle -> (max-pooled |filtered EMG| in µV, its rate), optional
            The peak of a muscle that takes part by an envelope rise only.

        Returns
        -------
        dict with onset, offset, peak_uv, muscles (list of str), arousal (bool), transition (s).
        """
        rows = []
        for m, (on, off, pk) in bursts.items():
            brief = (off - on) < self.max_burst_s if m in self.brief_muscles else np.ones(on.size, bool)
            for a, b, p in zip(on[brief], off[brief], pk[brief]):
                rows.append((a, b, p, m))
        rows.sort()
        out = dict(onset=[], offset=[], peak_uv=[], muscles=[], arousal=[], transition=[])
        trans = np.sort(np.asarray(transitions, float))
        i = 0
        while i < len(rows):
            j = i + 1
            while j < len(rows) and rows[j][0] - rows[i][0] <= self.max_lag_s:
                j += 1
            grp = rows[i:j]
            t = grp[0][0]
            k = np.flatnonzero((trans - self.window_before_s <= t) & (t <= trans + self.window_after_s))
            if not k.size:  # not at a wake -> sleep transition: nothing more to check
                i = j
                continue
            strength = {}
            for g in grp:
                strength[g[3]] = max(strength.get(g[3], 0.0), g[2])
            for m, (env, fs) in (envelopes or {}).items():
                own = bursts[m][0] if m in bursts else np.zeros(0)
                if m not in strength and not np.any(np.abs(own - t) <= self.rise_exclusion_s):
                    r = self._rise(env, fs, t)
                    if r >= self.rise_uv:
                        strength[m] = self._peak((raw_peaks or {}).get(m), t) or r
            muscles = sorted(strength)
            need = len(bursts) if self._twitching(bursts, grp, t) else self.min_muscles
            if len(muscles) >= need and max(strength.values()) >= self.min_peak_uv:
                end = max(g[1] for g in grp if g[3] in self.brief_muscles) \
                    if any(g[3] in self.brief_muscles for g in grp) else min(g[1] for g in grp)
                clear = not overlaps_window(np.array([t - self.isolation_s]), np.array([end + self.isolation_s]),
                                            np.asarray(lm_intervals, float).reshape(-1, 2))[0] \
                    and self._stands_out(bursts, grp, t)
                if clear:
                    out["onset"].append(t)
                    out["offset"].append(end)
                    out["peak_uv"].append(max(strength.values()))
                    out["muscles"].append("+".join(muscles))
                    out["transition"].append(float(trans[k[0]]))
                    ar = False
                    if arousals is not None and len(arousals):
                        a = np.asarray(arousals, float).reshape(-1, 2)
                        ar = bool(np.any((a[:, 0] <= end + self.arousal_within_s) & (a[:, 0] + a[:, 1] >= t)))
                    out["arousal"].append(ar)
            i = j
        for k in ("onset", "offset", "peak_uv", "transition"):
            out[k] = np.asarray(out[k], float)
        out["arousal"] = np.asarray(out["arousal"], bool)
        return out
