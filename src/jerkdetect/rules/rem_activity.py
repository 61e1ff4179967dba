"""REM sleep muscle activity: AASM tonic and phasic epochs, SINBAR "any", Montreal densities.

Published definitions
---------------------
- **AASM** (Manual for the Scoring of Sleep and Associated Events v2.x, RBD rules, unchanged
  through v2.6, 2020): *sustained muscle activity (tonic)* in REM is an epoch with at least 50 %
  of its duration having a chin EMG amplitude greater than the minimum amplitude demonstrated
  in NREM sleep; *excessive transient muscle activity (phasic)*: in a 30-s REM epoch divided into
  10 sequential 3-s mini-epochs, at least 5 of them contain bursts of transient muscle activity,
  0.1-5.0 s long and at least 4 times as high as the background EMG activity (chin or limbs).
- **SINBAR** (Frauscher et al., Sleep 2012;35:835, mentalis, flexor digitorum superficialis,
  extensor digitorum brevis; 3-s mini-epochs): phasic activity is any burst of 0.1-5 s
  exceeding twice the background; tonic activity an epoch with > 50 % of increased tone (at least
  twice the background or > 10 µV); "any" activity is a mini-epoch with phasic or tonic activity
  or both. Cut-offs at 100 % specificity: "any" mentalis >= 18 % of REM mini-epochs; "any"
  mentalis combined with phasic FDS of both arms >= 32 %.
- **Montreal** (Montplaisir et al., Mov Disord 2010;25:2044; scoring of Lapierre & Montplaisir
  1992): tonic chin EMG density (% of 20-s REM epochs with tonic activity: > 50 % of the epoch at
  >= twice the background or > 10 µV) >= 30 %, phasic chin EMG density (% of 2-s REM mini-epochs
  with bursts of 0.1-10 s at > 4 times the background) >= 15 %. (The 20-s / 2-s lengths are from
  secondary descriptions of the method.)

Arousals, respiratory events, artefacts: SINBAR and Montreal leave out activity tied to
arousals after respiratory events and artefacts; RBDtector (the open SINBAR/AASM tool) leaves out
every mini-epoch and epoch that overlaps an arousal or a respiratory event. jerkdetect follows
RBDtector (``exclude_arousals``, ``exclude_respiratory``): a mini-epoch overlapping an arousal, a
respiratory event (widened by ``respiratory_margin_s``) or the channel's unscorable stretch is not
scored, and a 30-s epoch is scored for the AASM tonic/phasic judgement only when all its
mini-epochs are (``reason`` says why not).

How jerkdetect reads the amplitudes (every number a parameter of :class:`REMActivityRule`)
------------------------------------------------------------------------------------------
- Amplitude: the EMG envelope (mean rectified EMG over 50 ms), smoothed over ``smooth_s`` more.
- "Minimum amplitude demonstrated in NREM" (AASM tonic): the smallest, over the chin's scorable
  NREM epochs, of the epoch's median 1-s mean rectified amplitude: the level of the quietest
  NREM epoch, robust to single quiet seconds. An epoch is tonic when the envelope exceeds it
  during >= ``tonic_fraction`` of the epoch's scorable samples.
- "Background" of an epoch (phasic bursts): the ``background_quantile`` of the envelope over the
  epoch (the quiet part of the epoch; in a tonic epoch, the tonic level). REM background (SINBAR
  and Montreal tonic): the ``rem_background_quantile`` of the epochs' backgrounds, per channel.
- A burst is a run of the envelope at or above ratio x background, gaps of up to ``bridge_s``
  bridged; its onset, offset and duration are its visible extent, measured at ``edge_fraction``
  of its height (or at the threshold when higher) and corrected for the envelope window
  (:func:`~jerkdetect.rules.motor_kernels.burst_extent`). A mini-epoch contains the burst when
  any part of the burst lies in it (RBDtector's reading).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

import numpy as np

from ..core.intervals import overlaps_window
from ..core.params import Checked, flag, fraction, non_negative, number, positive, whole
from ..errors import InputError
from .motor_features import EMGFeatures
from .motor_kernels import burst_extent, epoch_rows, threshold_runs

REM = 4
NREM = (1, 2, 3)
LIMBS = ("left", "right", "arm_left", "arm_right")


@dataclass(frozen=True)
class REMActivityRule(Checked):
    """REM sleep muscle activity under AASM, SINBAR and Montreal rules (see the module notes).

    Attributes
    ----------
    epoch_s, mini_s : float
        30-s epochs of 10 mini-epochs of 3 s (AASM, SINBAR).
    tonic_fraction : float
        AASM tonic: >= 50 % of the epoch above the NREM minimum.
    phasic_ratio, phasic_min_s, phasic_max_s, phasic_min_minis : float, float, float, int
        AASM phasic: bursts 0.1-5.0 s at >= 4 x background in >= 5 of the 10 mini-epochs.
    sinbar_ratio, sinbar_tonic_uv, sinbar_min_s, sinbar_max_s : float
        SINBAR: >= 2 x background; tonic also > 10 µV; phasic bursts 0.1-5 s ("any" activity has
        no upper duration: sustained activity counts).
    sinbar_any_cutoff_pct, sinbar_combined_cutoff_pct : float
        SINBAR cut-offs: 18 % ("any" mentalis) and 32 % ("any" mentalis + phasic FDS, both arms).
    montreal_epoch_s, montreal_mini_s, montreal_phasic_max_s : float
        Montreal: 20-s epochs (tonic), 2-s mini-epochs (phasic, bursts 0.1-10 s at > 4 x background).
    montreal_tonic_cutoff_pct, montreal_phasic_cutoff_pct : float
        Montreal cut-offs: 30 % and 15 %.
    background_quantile, rem_background_quantile, smooth_s, bridge_s, edge_fraction : float
        jerkdetect's reading of "background" and of a burst (module notes).
    exclude_arousals, exclude_respiratory : bool
        Leave out mini-epochs overlapping arousals / respiratory events (RBDtector).
    respiratory_margin_s : float
        Respiratory events widened by this much on each side (0.5 s, the AASM LM-respiratory
        margin; jerkdetect's choice).
    """

    epoch_s: float = 30.0
    mini_s: float = 3.0
    tonic_fraction: float = 0.5
    phasic_ratio: float = 4.0
    phasic_min_s: float = 0.1
    phasic_max_s: float = 5.0
    phasic_min_minis: int = 5
    sinbar_ratio: float = 2.0
    sinbar_tonic_uv: float = 10.0
    sinbar_min_s: float = 0.1
    sinbar_max_s: float = 5.0
    sinbar_any_cutoff_pct: float = 18.0
    sinbar_combined_cutoff_pct: float = 32.0
    montreal_epoch_s: float = 20.0
    montreal_mini_s: float = 2.0
    montreal_phasic_max_s: float = 10.0
    montreal_tonic_cutoff_pct: float = 30.0
    montreal_phasic_cutoff_pct: float = 15.0
    background_quantile: float = 0.5
    rem_background_quantile: float = 0.1
    smooth_s: float = 0.05
    bridge_s: float = 0.1
    edge_fraction: float = 0.25
    exclude_arousals: bool = True
    exclude_respiratory: bool = True
    respiratory_margin_s: float = 0.5

    LIMITS = {"epoch_s": positive(3600.0), "mini_s": positive(3600.0), "tonic_fraction": fraction(),
              "phasic_ratio": positive(1e3), "phasic_min_s": non_negative(600.0), "phasic_max_s": positive(600.0),
              "phasic_min_minis": whole(1, 10000), "sinbar_ratio": positive(1e3), "sinbar_tonic_uv": non_negative(1e4),
              "sinbar_min_s": non_negative(600.0), "sinbar_max_s": positive(600.0),
              "sinbar_any_cutoff_pct": number(0.0, 100.0), "sinbar_combined_cutoff_pct": number(0.0, 100.0),
              "montreal_epoch_s": positive(3600.0), "montreal_mini_s": positive(3600.0),
              "montreal_phasic_max_s": positive(600.0), "montreal_tonic_cutoff_pct": number(0.0, 100.0),
              "montreal_phasic_cutoff_pct": number(0.0, 100.0), "background_quantile": fraction(),
              "rem_background_quantile": fraction(), "smooth_s": non_negative(60.0), "bridge_s": non_negative(60.0),
              "edge_fraction": fraction(), "exclude_arousals": flag(), "exclude_respiratory": flag(),
              "respiratory_margin_s": non_negative(3600.0)}
    ORDER = (("phasic_min_s", "<", "phasic_max_s"), ("sinbar_min_s", "<", "sinbar_max_s"),
             ("mini_s", "<=", "epoch_s"), ("montreal_mini_s", "<=", "montreal_epoch_s"))

    def check_more(self) -> None:
        """Epochs hold a whole number of mini-epochs."""
        for a, b in (("epoch_s", "mini_s"), ("epoch_s", "montreal_mini_s")):
            r = getattr(self, a) / getattr(self, b)
            if abs(r - round(r)) > 1e-9:
                raise InputError(f"REMActivityRule: {a} ({getattr(self, a)}) must be a whole number of {b} "
                                 f"({getattr(self, b)}).")

    @property
    def n_mini(self) -> int:
        return int(round(self.epoch_s / self.mini_s))

    def to_dict(self) -> dict:
        return asdict(self)

    # ------------------------------------------------------------------ per channel
    def nrem_reference(self, f: EMGFeatures, hyp) -> float | None:
        """AASM "minimum amplitude demonstrated in NREM": the smallest, over the scorable NREM
        epochs, of the epoch's median 1-s mean rectified amplitude (µV); None without NREM."""
        starts, ends = hyp.bounds
        lo, hi = hyp.lights
        ep = np.flatnonzero(np.isin(hyp.stages, NREM) & (starts >= lo - 1e-9) & (ends <= hi + 1e-9))
        nb = f.block_mean_uv.size
        if ep.size == 0 or nb == 0:
            return None
        per = max(1, int(round(hyp.epoch_length / f.block_s)))
        i0 = np.ceil(starts[ep] / f.block_s - 1e-9).astype(np.int64)
        idx = i0[:, None] + np.arange(per)[None, :]
        t = idx * f.block_s
        ok = (idx < nb) & (t + f.block_s <= ends[ep][:, None] + 1e-9)
        ok &= ~overlaps_window(t.ravel(), t.ravel() + f.block_s, f.unscorable).reshape(idx.shape)
        v = np.where(ok, f.block_mean_uv[np.minimum(idx, nb - 1)], np.nan)
        good = ok.sum(axis=1) >= max(1, per // 2)
        if not good.any():
            return None
        return float(np.min(np.nanmedian(v[good], axis=1)))

    def _runs(self, y: np.ndarray, ne: int, bg: np.ndarray, ratio: float, fs: float, window: float):
        """Bursts of every epoch row (:func:`~jerkdetect.rules.motor_kernels.epoch_rows`) at
        ``ratio`` x its background: (epoch, onset, offset, duration), times from the epoch start."""
        unit = y.shape[1]
        _, _, pk, _, hs, he, hl = threshold_runs(y.ravel(), np.where(np.isfinite(bg), bg, np.inf), float(unit),
                                                 ratio, 0.0, int(round(self.bridge_s * fs)), 0, y.size,
                                                 self.edge_fraction)
        e = hs // unit
        on, off, d = burst_extent(hs - e * unit, he - e * unit, hl, pk, bg[e], fs, window, True)
        return e, on, off, d

    def channel_minis(self, f: EMGFeatures, epochs: np.ndarray, hyp, nrem_ref: float | None,
                      excluded: np.ndarray, sinbar: bool = True) -> dict:
        """One channel's REM activity in the given REM epochs (indices into the hypnogram).

        ``excluded`` (epochs x mini-epochs, bool) marks the mini-epochs left out for arousals and
        respiratory events; the channel's own artefacts are added. Returns per-epoch and per
        mini-epoch tables (see :class:`REMActivity`). ``sinbar`` False leaves out the SINBAR and
        Montreal tables (all False): they are defined on the mentalis and the arm muscles, and
        the legs need only the AASM phasic test.
        """
        n_ep, nm = epochs.size, self.n_mini
        starts = hyp.bounds[0][epochs]
        fs = f.envelope_fs
        m_start = starts[:, None] + self.mini_s * np.arange(nm)[None, :]
        art = overlaps_window(m_start.ravel(), m_start.ravel() + self.mini_s, f.unscorable).reshape(n_ep, nm)
        excl = excluded | art
        ne = int(round(self.epoch_s * fs))
        first = np.round(starts * fs).astype(np.int64)
        mi = np.minimum((np.arange(ne) / (self.mini_s * fs)).astype(np.int64), nm - 1)
        keep = ~art[:, mi]
        bridge = int(round(self.bridge_s * fs))
        y, bg = epoch_rows(f.envelope, first, ne, int(round(self.smooth_s * fs)), bridge + 1, keep,
                           self.background_quantile, max(1, ne // 750))  # the quantile of ~750 samples
        x = y[:, :ne]
        keep &= x >= 0  # inside the recording
        n_keep = keep.sum(axis=1)
        enough = np.isfinite(bg)
        frac = lambda above: np.where(enough, (above & keep).sum(axis=1) / np.maximum(n_keep, 1), np.nan)  # noqa: E731
        tonic_frac = frac(x > nrem_ref) if nrem_ref is not None else np.full(n_ep, np.nan)
        rem_bg = float(np.nanquantile(bg, self.rem_background_quantile)) if np.isfinite(bg).any() else np.nan
        level = min(self.sinbar_ratio * rem_bg, self.sinbar_tonic_uv) if np.isfinite(rem_bg) and sinbar else np.nan
        above_level = x >= level if np.isfinite(level) else None
        sinbar_frac = frac(above_level) if above_level is not None else np.full(n_ep, np.nan)
        window = f.envelope_window_s + self.smooth_s
        nm_m = int(round(self.epoch_s / self.montreal_mini_s))
        marks = {}
        none = (np.zeros(0, np.int64),) + (np.zeros(0),) * 3
        for ratio in {self.phasic_ratio, self.sinbar_ratio} if sinbar else {self.phasic_ratio}:
            marks[ratio] = self._runs(y, ne, bg, ratio, fs, window) if n_ep else none
        out = {}
        for name, ratio, lo_s, hi_s, mini, n_cols in (
                ("phasic", self.phasic_ratio, self.phasic_min_s, self.phasic_max_s, self.mini_s, nm),
                ("sinbar_phasic", self.sinbar_ratio, self.sinbar_min_s, self.sinbar_max_s, self.mini_s, nm),
                ("sinbar_burst", self.sinbar_ratio, self.sinbar_min_s, np.inf, self.mini_s, nm),
                ("montreal_phasic", self.phasic_ratio, self.phasic_min_s, self.montreal_phasic_max_s,
                 self.montreal_mini_s, nm_m)):
            e, on, off, d = marks.get(ratio, none) if sinbar or name == "phasic" else none
            ok = (d >= lo_s - 1e-9) & (d <= hi_s + 1e-9)
            out[name] = _mark_minis(n_ep, n_cols, e[ok], on[ok], off[ok], mini)
        tonic = tonic_frac >= self.tonic_fraction
        sinbar_tonic = sinbar_frac > 0.5
        sinbar_any = out["sinbar_burst"] | sinbar_tonic[:, None]
        for a in (out["phasic"], out["sinbar_phasic"], sinbar_any):
            a &= ~excl
        mexcl = _regrid(excl, self.mini_s, self.montreal_mini_s, self.epoch_s)
        out["montreal_phasic"] &= ~mexcl
        wfrac, weps = self._montreal_windows(epochs, above_level & keep, keep, level, fs) \
            if above_level is not None else (np.zeros(0), [])
        return dict(background_uv=bg, rem_background_uv=rem_bg, tonic_fraction=tonic_frac, tonic=tonic,
                    sinbar_tonic=sinbar_tonic, sinbar_tonic_fraction=sinbar_frac, excluded=excl, artefact=art,
                    phasic=out["phasic"], sinbar_phasic=out["sinbar_phasic"], sinbar_any=sinbar_any,
                    montreal_phasic=out["montreal_phasic"], montreal_excluded=mexcl, level_uv=level,
                    montreal_window_fraction=wfrac, montreal_window_epochs=weps)

    def _montreal_windows(self, epochs, above, keep, level, fs) -> tuple[np.ndarray, list]:
        """Fraction of each ``montreal_epoch_s`` window (tiling each run of consecutive REM epochs
        from its start) at or above the SINBAR/Montreal tonic level, and the epochs it spans."""
        frac, eps = [], []
        if epochs.size == 0 or not np.isfinite(level):
            return np.zeros(0), eps
        w = int(round(self.montreal_epoch_s * fs))
        ne = above.shape[1]
        for run in np.split(np.arange(epochs.size), np.flatnonzero(np.diff(epochs) != 1) + 1):
            a, k = above[run].ravel(), keep[run].ravel()
            nw = a.size // w
            if not nw:
                continue
            ka = k[:nw * w].reshape(nw, w).sum(axis=1)
            aa = a[:nw * w].reshape(nw, w).sum(axis=1)
            frac.extend(np.where(ka > 0, aa / np.maximum(ka, 1), np.nan).tolist())
            for q in range(nw):
                eps.append(run[(q * w) // ne: ((q + 1) * w - 1) // ne + 1])
        return np.asarray(frac, float), eps

    # ------------------------------------------------------------------ night
    def score(self, channels: Mapping[str, EMGFeatures], hypnogram=None, arousals=None,
              respiratory=None) -> "REMActivity":
        """REM muscle activity of a night.

        Parameters
        ----------
        channels : dict muscle -> EMGFeatures
            'chin' plus any of 'left', 'right' (legs), 'arm_left', 'arm_right' (FDS).
        hypnogram : Hypnogram, optional
        arousals, respiratory : (n, 2) arrays of onset, duration (s), optional
            Scored arousals and respiratory events (see ``exclude_arousals``).

        Returns
        -------
        REMActivity
        """
        if hypnogram is None:
            return REMActivity.empty(self, "no hypnogram: REM sleep cannot be found")
        hyp = hypnogram
        starts, ends = hyp.bounds
        lo, hi = hyp.lights
        chin = channels.get("chin")
        dur = max((f.duration for f in channels.values()), default=0.0)
        rem = np.flatnonzero(hyp.stages == REM)
        inside = (starts[rem] >= lo - 1e-9) & (ends[rem] <= hi + 1e-9)
        rem = rem[inside]
        nm = self.n_mini
        mstart = starts[rem][:, None] + self.mini_s * np.arange(nm)[None, :]
        flat_on, flat_off = mstart.ravel(), mstart.ravel() + self.mini_s
        reasons = {}
        excluded = np.zeros(mstart.shape, bool)
        for name, use, ev, margin in (("arousal", self.exclude_arousals, arousals, 0.0),
                                      ("respiratory event", self.exclude_respiratory, respiratory,
                                       self.respiratory_margin_s)):
            if not use or ev is None:
                continue
            ev = np.asarray(ev, float).reshape(-1, 2)
            win = np.column_stack([ev[:, 0] - margin, ev[:, 0] + ev[:, 1] + margin]) if ev.size else ev
            hit = overlaps_window(flat_on, flat_off, win).reshape(mstart.shape)
            reasons[name] = hit
            excluded |= hit
        beyond = (ends[rem] > dur + 1e-6)
        excluded[beyond] = True
        per = {m: self.channel_minis(f, rem, hyp, self.nrem_reference(f, hyp) if m == "chin" else None, excluded,
                                     sinbar=m not in ("left", "right"))
               for m, f in channels.items()}
        act = REMActivity(self, epoch_index=rem, onset=starts[rem], per_channel=per,
                          nrem_reference_uv=self.nrem_reference(chin, hyp) if chin is not None else None)
        why = []
        for e in range(rem.size):
            if chin is None:
                why.append("no chin EMG channel")
            elif beyond[e]:
                why.append("epoch beyond the recording")
            elif per["chin"]["artefact"][e].any():
                why.append("chin artefact")
            elif "arousal" in reasons and reasons["arousal"][e].any():
                why.append("arousal")
            elif "respiratory event" in reasons and reasons["respiratory event"][e].any():
                why.append("respiratory event")
            elif act.nrem_reference_uv is None:
                why.append("no NREM sleep for the tonic reference")
            else:
                why.append("")
        act.reason = why
        act.scored = np.array([w == "" for w in why], bool)
        return act


def _mark_minis(n_ep: int, n_cols: int, e: np.ndarray, on: np.ndarray, off: np.ndarray, mini_s: float) -> np.ndarray:
    """(epochs x mini-epochs) mask of the mini-epochs that bursts [on, off) (s from their epoch's
    start) touch."""
    out = np.zeros((n_ep, n_cols), bool)
    if e.size == 0:
        return out
    i = np.clip(np.floor(on / mini_s).astype(np.int64), 0, n_cols - 1)
    j = np.clip(np.ceil(off / mini_s - 1e-9).astype(np.int64), i + 1, n_cols)
    for k in range(int((j - i).max())):
        sel = j - i > k
        out[e[sel], i[sel] + k] = True
    return out


def _regrid(mask: np.ndarray, a_s: float, b_s: float, epoch_s: float) -> np.ndarray:
    """A per-mini-epoch mask of ``a_s`` mini-epochs on a grid of ``b_s`` mini-epochs (overlap)."""
    nb = int(round(epoch_s / b_s))
    out = np.zeros((mask.shape[0], nb), bool)
    for k in range(nb):
        i0, i1 = int(np.floor(k * b_s / a_s)), int(np.ceil((k + 1) * b_s / a_s - 1e-9))
        out[:, k] = mask[:, i0:i1].any(axis=1)
    return out


@dataclass
class REMActivity:
    """REM muscle activity of one night.

    ``onset`` and ``epoch_index`` list every REM epoch (within lights off); ``scored`` and
    ``reason`` say which are judged; ``per_channel[muscle]`` holds the tables of
    :meth:`REMActivityRule.channel_minis` (per epoch: ``tonic``, ``tonic_fraction``,
    ``background_uv``; per epoch x mini-epoch: ``phasic``, ``sinbar_any``, ``excluded``...).
    """

    rule: REMActivityRule
    epoch_index: np.ndarray
    onset: np.ndarray
    per_channel: dict
    nrem_reference_uv: float | None = None
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    reason: list = field(default_factory=list)
    null_reason: str | None = None

    def __len__(self) -> int:
        return int(self.onset.size)

    @classmethod
    def empty(cls, rule: REMActivityRule, reason: str) -> "REMActivity":
        return cls(rule, np.zeros(0, np.int64), np.zeros(0), {}, null_reason=reason)

    # ------------------------------------------------------------------ per epoch
    @property
    def tonic(self) -> np.ndarray:
        """AASM tonic epochs (chin)."""
        c = self.per_channel.get("chin")
        return c["tonic"] if c is not None else np.zeros(len(self), bool)

    def phasic_minis(self, muscles=None) -> np.ndarray:
        """Mini-epochs per epoch with AASM phasic activity in the chin or any limb (or ``muscles``)."""
        use = [m for m in (muscles or self.per_channel) if m in self.per_channel]
        if not use:
            return np.zeros(len(self), np.int64)
        return np.any([self.per_channel[m]["phasic"] for m in use], axis=0).sum(axis=1)

    def any_minis(self, muscle: str = "chin") -> np.ndarray:
        """Mini-epochs per epoch with SINBAR "any" activity in one muscle (the chin: mentalis)."""
        c = self.per_channel.get(muscle)
        return c["sinbar_any"].sum(axis=1) if c is not None else np.zeros(len(self), np.int64)

    def scored_minis(self, muscle: str = "chin") -> np.ndarray:
        c = self.per_channel.get(muscle)
        return (~c["excluded"]).sum(axis=1) if c is not None else np.zeros(len(self), np.int64)

    @property
    def phasic(self) -> np.ndarray:
        """AASM phasic epochs: >= ``phasic_min_minis`` mini-epochs with phasic activity."""
        return self.phasic_minis() >= self.rule.phasic_min_minis

    def epoch_table(self) -> dict[str, list]:
        """Columns of ``X_rem_epochs.tsv``: onset, tonic, phasic_minis, any_minis, scored, reason,
        plus scored mini-epochs and the per-muscle phasic counts."""
        out = dict(onset=[round(float(x), 4) for x in self.onset], tonic=self.tonic.tolist(),
                   phasic_minis=self.phasic_minis().tolist(), any_minis=self.any_minis().tolist(),
                   scored=self.scored.tolist(), reason=list(self.reason),
                   scored_minis=self.scored_minis().tolist())
        for m in self.per_channel:
            out[f"phasic_minis_{m}"] = self.phasic_minis([m]).tolist()
        return out

    # ------------------------------------------------------------------ night
    def summary(self) -> dict:
        """Night indices (null with a reason): ``rem_tonic_pct``, ``rem_phasic_pct`` (AASM, % of
        scored REM epochs), ``rem_any_pct`` (SINBAR mentalis, % of scored REM mini-epochs), the
        SINBAR combined index, the Montreal densities and the per-muscle percentages."""
        r = self.rule
        keys = ("rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rem_sinbar_combined_pct",
                "rem_montreal_tonic_pct", "rem_montreal_phasic_pct")
        out: dict = {k: None for k in keys}
        why: dict[str, str] = {}
        base = self.null_reason or ("no REM sleep" if len(self) == 0 else None)
        out["rem_epochs"] = len(self)
        out["rem_epochs_scored"] = int(self.scored.sum())
        out["rem_epochs_not_scored"] = {w: self.reason.count(w) for w in sorted(set(self.reason)) if w}
        chin = self.per_channel.get("chin")
        if base:
            why = {k: base for k in keys}
        elif chin is None:
            why = {k: "no chin EMG channel" for k in keys}
        else:
            s = self.scored
            if s.any():
                out["rem_tonic_pct"] = round(100 * float(np.mean(self.tonic[s])), 3)
                out["rem_phasic_pct"] = round(100 * float(np.mean(self.phasic[s])), 3)
            else:
                why["rem_tonic_pct"] = why["rem_phasic_pct"] = "no scorable REM epoch"
            ok = ~chin["excluded"]
            if ok.any():
                out["rem_any_pct"] = round(100 * float(chin["sinbar_any"][ok].mean()), 3)
            else:
                why["rem_any_pct"] = "no scorable REM mini-epoch"
            arms = [self.per_channel.get(m) for m in ("arm_left", "arm_right")]
            if all(a is not None for a in arms):
                ok2 = ok & ~arms[0]["excluded"] & ~arms[1]["excluded"]
                hit = chin["sinbar_any"] | arms[0]["sinbar_phasic"] | arms[1]["sinbar_phasic"]
                if ok2.any():
                    out["rem_sinbar_combined_pct"] = round(100 * float(hit[ok2].mean()), 3)
                else:
                    why["rem_sinbar_combined_pct"] = "no REM mini-epoch scorable on chin and both arms"
            else:
                why["rem_sinbar_combined_pct"] = "needs flexor digitorum superficialis EMG of both arms"
            mt, mp = self._montreal(chin)
            out["rem_montreal_tonic_pct"], out["rem_montreal_phasic_pct"] = mt, mp
            if mt is None:
                why["rem_montreal_tonic_pct"] = "no scorable 20-s REM window"
            if mp is None:
                why["rem_montreal_phasic_pct"] = "no scorable REM mini-epoch"
        out["rem_cutoffs"] = dict(sinbar_any_pct=r.sinbar_any_cutoff_pct,
                                  sinbar_combined_pct=r.sinbar_combined_cutoff_pct,
                                  montreal_tonic_pct=r.montreal_tonic_cutoff_pct,
                                  montreal_phasic_pct=r.montreal_phasic_cutoff_pct)
        out["rem_per_muscle"] = {m: self._muscle_summary(m) for m in self.per_channel}
        out["rem_nrem_reference_uv"] = None if self.nrem_reference_uv is None else round(self.nrem_reference_uv, 4)
        if why:
            out["rem_null_reasons"] = why
        return out

    def _muscle_summary(self, m: str) -> dict:
        c = self.per_channel[m]
        ok_ep = ~c["excluded"].any(axis=1)
        ok = ~c["excluded"]
        pct = lambda x, k: round(100 * float(np.mean(x[k])), 3) if k.any() else None  # noqa: E731
        leg = m in ("left", "right")  # SINBAR's tables are the mentalis' and the arms'
        return dict(phasic_epochs_pct=pct(self.phasic_minis([m]) >= self.rule.phasic_min_minis, ok_ep),
                    phasic_minis_pct=pct(c["phasic"], ok), any_minis_pct=None if leg else pct(c["sinbar_any"], ok),
                    sinbar_phasic_minis_pct=None if leg else pct(c["sinbar_phasic"], ok),
                    rem_background_uv=None if not np.isfinite(c["rem_background_uv"]) else
                    round(float(c["rem_background_uv"]), 4))

    def _montreal(self, chin: dict) -> tuple[float | None, float | None]:
        """Montreal densities: tonic on the ``montreal_epoch_s`` windows tiling each run of
        consecutive REM epochs (a window is scored when none of its mini-epochs is excluded),
        phasic on the scored ``montreal_mini_s`` mini-epochs."""
        ok = ~chin["montreal_excluded"]
        phasic = round(100 * float(chin["montreal_phasic"][ok].mean()), 3) if ok.any() else None
        good = [f for f, eps in zip(chin["montreal_window_fraction"], chin["montreal_window_epochs"])
                if np.isfinite(f) and not chin["excluded"][eps].any()]
        tonic = round(100 * float(np.mean(np.asarray(good) > 0.5)), 3) if good else None
        return tonic, phasic
