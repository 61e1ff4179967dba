"""Agreement of the EMG scoring with a lab's own technician scoring, night by night and pooled.

A night is scored twice with the same scoring file and the same rule set
(:func:`jerkdetect.pipeline.agreement.score_night`):

* **EMG**: ``score(recording, annotations=file, rules=...)``: leg movements detected in the leg
  EMG (arousals from the file, or detected in the EEG with ``arousals="detect"``);
* **technician**: ``score(recording, annotations=file, rules=..., leg_movements="scoring")``:
  the file's own limb movements (Profusion / NSRR ``Limb Movement (Left)``, ``PLM`` events,
  EDF+ annotations, CSV) scored into LMs and PLM series by the same rule code.

Both use the file's hypnogram, respiratory events and (unless detected) arousals, so the
indices differ only where detection differs. This module compares the two, reduced to
:class:`ScoredNight`: events one to one under a stated :class:`Matching` rule (overlap, or
onset tolerance), per leg and for the LMs combined by the rules (a bilateral LM is one event:
AASM 2012 onsets < 5 s apart, WASM 2016 < 0.5 s gap); the indices (PLMS, PLMW, PLMS-arousal,
non-respiratory PLMS, periodicity, LM index; the arousal index when arousals are detected) over
the cohort by :func:`~jerkdetect.evaluation.agreement_stats.index_agreement`.

Example
-------
>>> e = compare_events([[10.0, 12.0], [30.0, 31.0]], [[10.2, 12.4]], Matching("onset", tolerance_s=0.5))
>>> e.tp, e.fp, e.fn, round(e.f1, 3), e.emg_only.tolist()
(1, 1, 0, 0.667, [[30.0, 31.0]])
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..core.params import Checked, choice, non_negative, positive
from ..core.stages import SLEEP
from ..errors import InputError
from ..rules import MonolateralLMs
from .matching import match_intervals, pair_onsets
from .agreement_stats import CATEGORY_CUTS, LOA_Z, categorize, category_labels, index_agreement

INDICES = ("plms_index", "plmw_index", "plms_arousal_index", "plms_nonresp_index", "periodicity_index",
           "lm_index")
AROUSAL_INDEX = "arousal_index"
EVENT_SETS = ("lm", "left", "right", "arousal")   # combined LMs, each leg, arousals (when detected)
MATCHING_RULES = ("overlap", "onset")
EVENTS_COMPARED = ("lm: every leg movement the rule set makes of each scoring's per-leg movements (the rows of "
                   "X_events.tsv labelled lm, plm or lm_long: a bilateral movement is one event); left/right: each "
                   "leg's movements of at least min_lm_s, the technician's as labelled in the file")
AROUSAL_MODES = ("scoring", "detect", "none")


@dataclass(frozen=True)
class Matching(Checked):
    """How an EMG event and a technician event are paired: one to one, every event at most once.

    Parameters
    ----------
    rule : "overlap" (default) or "onset"
        "overlap": events overlapping by more than ``min_overlap_s`` pair up, largest overlaps
        first (:func:`~jerkdetect.evaluation.matching.match_intervals`); "onset": onsets within
        ``tolerance_s``, each technician event taking its nearest free EMG event
        (:func:`~jerkdetect.evaluation.matching.pair_onsets`).
    tolerance_s : float
        Largest onset difference of a pair under "onset" (default 0.5 s).
    min_overlap_s : float
        Overlap a pair must exceed under "overlap" (default 0: any overlap).

    Examples
    --------
    >>> Matching("onset", tolerance_s=1.0).describe()
    'one to one, onsets within 1 s (each technician event takes its nearest free EMG event)'
    """

    rule: str = "overlap"
    tolerance_s: float = 0.5
    min_overlap_s: float = 0.0

    LIMITS = {"rule": choice(*MATCHING_RULES), "tolerance_s": positive(3600.0), "min_overlap_s": non_negative(3600.0)}

    def describe(self) -> str:
        if self.rule == "onset":
            return (f"one to one, onsets within {self.tolerance_s:g} s "
                    "(each technician event takes its nearest free EMG event)")
        return f"one to one, overlap > {self.min_overlap_s:g} s (largest overlaps first)"

    def to_dict(self) -> dict:
        par = {"tolerance_s": self.tolerance_s} if self.rule == "onset" else {"min_overlap_s": self.min_overlap_s}
        return {"rule": self.rule, **par, "description": self.describe()}

    def pairs(self, emg: np.ndarray, tech: np.ndarray) -> list[tuple[int, int]]:
        """Pairs (row in ``emg``, row in ``tech``) of two (n, 2) arrays of onset, offset."""
        emg, tech = as_events(emg), as_events(tech)
        if self.rule == "overlap":
            dur = lambda e: np.column_stack([e[:, 0], e[:, 1] - e[:, 0]])  # noqa: E731
            return match_intervals(dur(emg), dur(tech), self.min_overlap_s)["pairs"]
        oe, ot = np.argsort(emg[:, 0], kind="stable"), np.argsort(tech[:, 0], kind="stable")
        return sorted((int(oe[i]), int(ot[j])) for i, j in pair_onsets(emg[oe, 0], tech[ot, 0], self.tolerance_s))


def as_events(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(-1, 2)


def _quartiles(x: np.ndarray) -> tuple[float | None, float | None, float | None]:
    if not x.size:
        return None, None, None
    q = np.percentile(x, [25, 50, 75])
    return float(q[1]), float(q[0]), float(q[2])


@dataclass
class EventAgreement:
    """One-to-one agreement of two event lists: counts, rates and timing differences.

    ``onset_diff_s`` and ``offset_diff_s`` are EMG minus technician, one per matched pair;
    ``emg_only`` and ``tech_only`` (onset, offset) are the disputed events.
    """

    tp: int
    fp: int
    fn: int
    onset_diff_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    offset_diff_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    emg_only: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    tech_only: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    @property
    def sensitivity(self) -> float | None:
        """Fraction of the technician's events the EMG scoring found; None without any."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def ppv(self) -> float | None:
        """Fraction of the EMG events the technician also scored; None without any."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def f1(self) -> float | None:
        """2 TP / (2 TP + FP + FN); None when neither scored an event."""
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None

    @classmethod
    def pooled(cls, parts: Iterable["EventAgreement"]) -> "EventAgreement":
        """Counts summed and timing differences gathered over nights (micro-average)."""
        parts = list(parts)
        cat = lambda k, shape: np.concatenate([getattr(p, k) for p in parts]) if parts else np.zeros(shape)  # noqa: E731
        return cls(sum(p.tp for p in parts), sum(p.fp for p in parts), sum(p.fn for p in parts),
                   cat("onset_diff_s", 0), cat("offset_diff_s", 0), cat("emg_only", (0, 2)), cat("tech_only", (0, 2)))

    def to_dict(self) -> dict:
        """Counts, sensitivity, PPV, F1, median and quartiles of the onset and offset differences."""
        out: dict = dict(tp=int(self.tp), fp=int(self.fp), fn=int(self.fn), sensitivity=self.sensitivity,
                         ppv=self.ppv, f1=self.f1)
        for k in ("onset", "offset"):
            med, q1, q3 = _quartiles(getattr(self, f"{k}_diff_s"))
            out[f"{k}_diff_median_s"], out[f"{k}_diff_iqr_s"] = med, None if med is None else [q1, q3]
        why = {"sensitivity": "the technician scored no event", "ppv": "the EMG scoring found no event",
               "f1": "neither scoring has an event"}
        out["null_reasons"] = {k: v for k, v in why.items() if out[k] is None}
        if not self.onset_diff_s.size:
            for k in ("onset_diff_median_s", "onset_diff_iqr_s", "offset_diff_median_s", "offset_diff_iqr_s"):
                out["null_reasons"][k] = "no matched pair"
        return out


def compare_events(emg, tech, matching: Matching | None = None) -> EventAgreement:
    """Match two lists of (onset, offset) events under ``matching``.

    Examples
    --------
    >>> e = compare_events([[10.0, 12.0], [50.0, 51.0]], [[10.4, 12.5], [80.0, 82.0]])
    >>> e.tp, e.fp, e.fn, e.f1, e.onset_diff_s.round(3).tolist()
    (1, 1, 1, 0.5, [-0.4])
    """
    m = matching or Matching()
    emg, tech = as_events(emg), as_events(tech)
    pairs = m.pairs(emg, tech)
    i = np.array([p[0] for p in pairs], int)
    j = np.array([p[1] for p in pairs], int)
    return EventAgreement(len(pairs), emg.shape[0] - len(pairs), tech.shape[0] - len(pairs),
                          emg[i, 0] - tech[j, 0], emg[i, 1] - tech[j, 1],
                          np.delete(emg, i, axis=0), np.delete(tech, j, axis=0))


@dataclass
class ScoredNight:
    """What agreement keeps of one scoring of a night: events and indices, no signal, no bursts.

    The EMG and the technician scorings of a night are reduced to this one after the other
    (:func:`jerkdetect.pipeline.agreement.scored_night`), so a worker never holds two full
    :class:`~jerkdetect.ScoringResult` objects.

    Attributes
    ----------
    source : "emg" or "scoring"
        Where the leg movements come from (``info["leg_movement_source"]`` of the result).
    rules : dict
        Rule-set name and parameters (``info["rules"]``).
    lm : (n, 2) array
        Onset, offset (s) of the leg movements combined by the rules (bilateral = one row).
    legs : MonolateralLMs or None
        Per-leg movements the rules were given; None when some name no leg (``unsided``).
    unsided : int
        Leg movements of the scoring file that name no leg (0 for the EMG).
    indices : dict
        ``ScoringResult.indices`` (with ``null_reasons``).
    arousals : (n, 2) array or None
        Onset, offset (s) of the arousals compared: detected ones for the EMG (None when not
        detected), the file's for the technician (None when it has none).
    arousal_index : float or None
        :func:`arousal_index` of ``arousals``.
    info : dict
        Recording, annotation source, channels used, arousal source.
    """

    source: str
    rules: dict
    lm: np.ndarray
    legs: MonolateralLMs | None
    indices: dict
    unsided: int = 0
    arousals: np.ndarray | None = None
    arousal_index: float | None = None
    info: dict = field(default_factory=dict)


def scoring_legs(scoring, min_lm_s: float) -> tuple[MonolateralLMs, int]:
    """The scoring file's leg movements of one named leg lasting >= ``min_lm_s``, and the number
    of its leg movements that name no leg.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> sc = SimpleNamespace(leg_movements=np.array([[1.0, 2.0], [9.0, 0.2], [20.0, 1.0]]),
    ...                      leg_sides=["left", "right", "right"])
    >>> legs, unsided = scoring_legs(sc, 0.5)
    >>> legs.onset.tolist(), legs.side.tolist(), unsided
    ([1.0, 20.0], [0, 1], 0)
    """
    lm = np.asarray(scoring.leg_movements, float).reshape(-1, 2)
    side = np.array(scoring.leg_sides, dtype=object)
    known = np.isin(side, ("left", "right")) if side.size else np.zeros(0, bool)
    keep = known & (lm[:, 1] >= min_lm_s)
    legs = MonolateralLMs(lm[keep, 0], lm[keep, 0] + lm[keep, 1], (side[keep] == "right").astype(int))
    return legs, int((~known).sum())


def arousal_index(arousals, hypnogram) -> float | None:
    """Arousals starting in sleep between lights off and on, per hour of total sleep time
    (AASM Manual: arousal index); None without a hypnogram or sleep.

    ``arousals`` is an (n, 2) array whose first column is the onset (s).
    """
    if hypnogram is None or hypnogram.tst <= 0 or arousals is None:
        return None
    on = as_events(arousals)[:, 0]
    lo, hi = hypnogram.lights
    n = int(np.sum(np.isin(hypnogram.stage_at(on), SLEEP) & (on >= lo) & (on < hi)))
    return n / (hypnogram.tst / 3600.0)


def _event_record(e: "EventAgreement | None") -> dict | None:
    if e is None:
        return None
    return dict(tp=int(e.tp), fp=int(e.fp), fn=int(e.fn), onset_diff_s=e.onset_diff_s.tolist(),
                offset_diff_s=e.offset_diff_s.tolist(), emg_only=e.emg_only.tolist(), tech_only=e.tech_only.tolist())


def _event_from_record(r: dict | None) -> "EventAgreement | None":
    if r is None:
        return None
    return EventAgreement(int(r["tp"]), int(r["fp"]), int(r["fn"]), np.asarray(r["onset_diff_s"], float),
                          np.asarray(r["offset_diff_s"], float), as_events(r["emg_only"]), as_events(r["tech_only"]))


@dataclass
class NightAgreement:
    """One night's agreement between the EMG scoring and the technician's.

    Attributes
    ----------
    events : dict
        :class:`EventAgreement` for "lm" (LMs combined by the rules, long non-candidate LMs
        of WASM 2016 included), "left", "right" (per leg, None when the file has leg movements
        that name no leg) and "arousal" (detected against scored; None unless detected).
    indices : dict
        index name -> (EMG value, technician value), None where not computable.
    null_reasons : dict
        Why each None is None (``"plms_index_emg"``, ``"left"``...).
    info : dict
        Recording, scoring file, EMG channels used, arousal source, unscorable time.
    lm_events : dict
        "emg" and "tech": (n, 2) onset, offset of each scoring's combined LMs (the report marks
        them around disputed events).
    emg, tech : ScoredNight or None
        The two scorings compared (in memory only; not in :meth:`to_dict`).
    """

    night: str
    rules: dict
    matching: Matching
    events: dict
    indices: dict
    null_reasons: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    lm_events: dict = field(default_factory=dict, repr=False)
    emg: ScoredNight | None = field(default=None, repr=False, compare=False)
    tech: ScoredNight | None = field(default=None, repr=False, compare=False)

    def row(self) -> dict:
        """One flat row of the per-night table: counts and rates of the combined LMs unprefixed
        (``tp``, ``fp``, ``fn``, ``f1``...), per leg and arousals prefixed (``left_tp``,
        ``arousal_f1``), each index as ``<index>_emg``, ``<index>_tech`` and ``<index>_diff``."""
        row: dict = {"night": self.night}
        for key in EVENT_SETS:
            ev = self.events.get(key)
            d = ev.to_dict() if ev is not None else dict.fromkeys(
                ("tp", "fp", "fn", "sensitivity", "ppv", "f1", "onset_diff_median_s", "onset_diff_iqr_s",
                 "offset_diff_median_s", "offset_diff_iqr_s"))
            d.pop("null_reasons", None)
            pre = "" if key == "lm" else key + "_"
            for k, v in d.items():
                if k.endswith("_iqr_s"):
                    base = k[: -len("_iqr_s")]
                    row[f"{pre}{base}_q25_s"], row[f"{pre}{base}_q75_s"] = (None, None) if v is None else v
                else:
                    row[pre + k] = v
        for k, (e, t) in self.indices.items():
            row[f"{k}_emg"], row[f"{k}_tech"] = e, t
            row[f"{k}_diff"] = None if e is None or t is None else e - t
        for k, cuts in CATEGORY_CUTS.items():
            if k in self.indices:
                for who, v in zip(("emg", "tech"), self.indices[k]):
                    row[f"{k}_category_{who}"] = None if v is None else category_labels(cuts)[int(categorize(v, cuts))]
        row.update({k: self.info.get(k) for k in ("unscorable_both_legs_min", "unscorable_min_left",
                                                   "unscorable_min_right", "tech_unsided_lm")})
        return row

    def to_dict(self) -> dict:
        """Everything but the two scorings, as JSON-ready values (``X_agreement.json``);
        :meth:`from_dict` reads it back."""
        return {"night": self.night, "rules": self.rules, "matching": self.matching.to_dict(),
                "events": {k: _event_record(v) for k, v in self.events.items()},
                "indices": {k: list(v) for k, v in self.indices.items()},
                "null_reasons": dict(self.null_reasons), "info": dict(self.info),
                "lm_events": {k: as_events(v).tolist() for k, v in self.lm_events.items()}}

    @classmethod
    def from_dict(cls, d: Mapping) -> "NightAgreement":
        """The night :meth:`to_dict` wrote."""
        m = dict(d["matching"])
        m.pop("description", None)
        return cls(d["night"], dict(d["rules"]), Matching(**m),
                   {k: _event_from_record(v) for k, v in d["events"].items()},
                   {k: tuple(v) for k, v in d["indices"].items()}, dict(d["null_reasons"]), dict(d["info"]),
                   {k: as_events(v) for k, v in d.get("lm_events", {}).items()})


def compare_night(emg: ScoredNight, tech: ScoredNight, matching: Matching | None = None,
                  arousal_matching: Matching | None = None, night: str | None = None) -> NightAgreement:
    """Agreement of one night's EMG scoring with its technician scoring.

    Parameters
    ----------
    emg : ScoredNight
        ``score(recording, annotations=file, rules=...)`` (``leg_movements="emg"``), reduced.
    tech : ScoredNight
        ``score(recording, annotations=file, rules=..., leg_movements="scoring")``, same rules,
        reduced, its ``legs`` the file's own per-leg movements (:func:`scoring_legs`).
    matching : Matching
        Pairing of leg movements (default: any overlap).
    arousal_matching : Matching
        Pairing of detected and scored arousals (default: any overlap).
    night : str
        Name of the night (default: the recording's file stem).

    Returns
    -------
    NightAgreement
    """
    matching = matching or Matching()
    arousal_matching = arousal_matching or Matching("overlap")
    if (emg.source, tech.source) != ("emg", "scoring"):
        raise InputError(f"compare_night needs an EMG scoring and a scoring-file scoring of the night; got "
                         f"leg_movement_source {emg.source!r} and {tech.source!r}.")
    if emg.rules != tech.rules:
        raise InputError(f"{emg.info.get('recording')}: the EMG and technician scorings use different rules "
                         f"({emg.rules} and {tech.rules}); score both with the same ones.")
    name = night or os.path.splitext(os.path.basename(str(emg.info.get("recording") or "night")))[0]
    reasons: dict = {}
    events: dict = {"lm": compare_events(emg.lm, tech.lm, matching)}
    for k, leg in enumerate(("left", "right")):
        if tech.legs is None or tech.unsided:
            events[leg] = None
            reasons[leg] = f"{tech.unsided} of the technician's leg movements name no leg"
        else:
            a, b = emg.legs.subset(emg.legs.side == k), tech.legs.subset(tech.legs.side == k)
            events[leg] = compare_events(np.column_stack([a.onset, a.offset]), np.column_stack([b.onset, b.offset]),
                                         matching)
    indices = {k: (emg.indices.get(k), tech.indices.get(k)) for k in INDICES}
    if emg.arousals is not None:
        indices[AROUSAL_INDEX] = (emg.arousal_index, tech.arousal_index)
        if tech.arousals is None:
            events["arousal"] = None
            reasons["arousal"] = reasons[AROUSAL_INDEX + "_tech"] = "the scoring file has no arousal scoring"
        else:
            events["arousal"] = compare_events(emg.arousals, tech.arousals, arousal_matching)
    else:
        events["arousal"] = None
        reasons["arousal"] = "arousals were not detected (arousals='detect' compares them with the file's)"
    for k, (e, t) in indices.items():
        for who, v, side in (("emg", e, emg), ("tech", t, tech)):
            if v is None:
                reasons.setdefault(f"{k}_{who}", side.indices.get("null_reasons", {}).get(
                    k, "no hypnogram or no sleep" if k == AROUSAL_INDEX else "not computable for this night"))
    idx = emg.indices
    info = dict(recording=emg.info.get("recording"), annotations=tech.info.get("annotation_source"),
                channels=emg.info.get("channels"), arousal_source=emg.info.get("arousal_source"),
                unscorable_both_legs_min=idx.get("unscorable_both_legs_min"),
                unscorable_min_left=(idx.get("unscorable_min") or {}).get("leg_left"),
                unscorable_min_right=(idx.get("unscorable_min") or {}).get("leg_right"), tech_unsided_lm=tech.unsided)
    return NightAgreement(name, dict(emg.rules), matching, events, indices, reasons, info,
                          {"emg": as_events(emg.lm), "tech": as_events(tech.lm)}, emg, tech)


def disagreement(row: Mapping) -> tuple:
    """Sort key of a per-night row (:meth:`NightAgreement.row`), most disagreeing night first:
    the absolute PLMS-index difference (EMG minus technician, to 6 decimals so rounding noise
    is no disagreement), then the LM F1 (lower first); nights without both PLMS indices come
    last, then by name.

    Examples
    --------
    >>> rows = [{"night": "a", "plms_index_diff": 2.0, "f1": 0.9}, {"night": "b", "plms_index_diff": -9.0, "f1": 0.95},
    ...         {"night": "c", "plms_index_diff": None, "f1": 0.5}, {"night": "d", "plms_index_diff": 2.0, "f1": 0.7}]
    >>> [r["night"] for r in sorted(rows, key=disagreement)]
    ['b', 'd', 'a', 'c']
    """
    d = row.get("plms_index_diff")
    f1 = row.get("f1")
    return (d is None, -round(abs(d), 6) if d is not None else 0.0, 1.0 if f1 is None else f1, str(row.get("night")))


def nights_table(nights: Sequence[NightAgreement],
                 reported: Mapping[str, Mapping[str, float | None]] | None = None) -> list[dict]:
    """The per-night rows (:meth:`NightAgreement.row`), with ``<index>_file`` columns for the
    indices the scoring files report (``reported``: night -> index -> value); every row has
    the same columns."""
    rows = [n.row() for n in nights]
    if reported:
        keys = sorted({k for v in reported.values() for k in v})
        for r in rows:
            for k in keys:
                r[f"{k}_file"] = (reported.get(r["night"]) or {}).get(k)
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return [{k: r.get(k) for k in cols} for r in rows]


def _check_cohort(nights: Sequence[NightAgreement]) -> None:
    if not nights:
        raise InputError("agreement over a cohort needs at least one night; got none.")
    first = nights[0]
    for n in nights[1:]:
        if n.rules != first.rules:
            raise InputError(f"night {n.night} was scored under {n.rules.get('name')} {n.rules}, night {first.night} "
                             f"under {first.rules.get('name')} {first.rules}: a cohort uses one rule set.")
        if n.matching != first.matching:
            raise InputError(f"night {n.night} was matched with '{n.matching.describe()}', night {first.night} with "
                             f"'{first.matching.describe()}': a cohort uses one matching rule.")
    names = [n.night for n in nights]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise InputError(f"night names must be unique in a cohort; {', '.join(dup)} appear more than once.")


def cohort_summary(nights: Sequence[NightAgreement],
                   reported: Mapping[str, Mapping[str, float | None]] | None = None,
                   cuts: Mapping[str, tuple[float, ...]] = CATEGORY_CUTS, loa_z: float = LOA_Z) -> dict:
    """Pooled event agreement and index agreement over a cohort of nights.

    Parameters
    ----------
    nights : NightAgreement list
        One rule set and one matching rule for all.
    reported : dict, optional
        night -> index -> value that the scoring files (or the lab's own tables) report; adds
        ``emg_vs_file`` and ``tech_vs_file`` comparisons for those indices.
    cuts : dict
        index -> clinical category cut points (default: PLMS index < 5, 5-15, >= 15 /h).
    loa_z : float
        Limits of agreement at bias +- ``loa_z`` SD.

    Returns
    -------
    dict
        ``n_nights``, ``rules`` (the rule-set name; ``rule_parameters`` all of them),
        ``matching``; ``lm_f1``, ``lm_sensitivity``, ``lm_ppv``, ``lm_tp``/``fp``/``fn``
        (pooled over nights, LMs combined by the rules); ``plms_index_icc21`` with
        ``plms_index_icc21_ci95``, ``plms_index_icc31`` (and CI), ``plms_index_bias`` (mean of
        EMG minus technician), ``plms_index_loa_low``/``high``, ``plms_index_kappa``; ``events`` (pooled "lm",
        "left", "right", "arousal", see :meth:`EventAgreement.to_dict`); ``indices``:
        index -> {"emg_vs_tech": :func:`index_agreement`, "emg_vs_file", "tech_vs_file"};
        ``null_reasons`` for every null top-level figure.
    """
    _check_cohort(nights)
    names = [n.night for n in nights]
    rules = dict(nights[0].rules)
    out: dict = {"n_nights": len(nights), "rules": rules.get("name"), "rule_parameters": rules,
                 "matching": nights[0].matching.to_dict(), "events_compared": EVENTS_COMPARED}
    events: dict = {}
    reasons: dict = {}
    for key in EVENT_SETS:
        have = [n.events.get(key) for n in nights if n.events.get(key) is not None]
        if not have:
            events[key] = None
            reasons[f"events.{key}"] = nights[0].null_reasons.get(key, "not compared")
            continue
        events[key] = EventAgreement.pooled(have).to_dict()
        events[key]["n_nights"] = len(have)
    out.update({f"lm_{k}": events["lm"][k] for k in ("f1", "sensitivity", "ppv", "tp", "fp", "fn")})
    reasons.update({f"lm_{k}": v for k, v in events["lm"]["null_reasons"].items()})
    out["events"] = events
    keys = [k for k in INDICES + (AROUSAL_INDEX,) if any(k in n.indices for n in nights)]
    indices: dict = {}
    for k in keys:
        emg = [n.indices.get(k, (None, None))[0] for n in nights]
        tech = [n.indices.get(k, (None, None))[1] for n in nights]
        c = cuts.get(k)
        entry = {"emg_vs_tech": index_agreement(emg, tech, names, c, loa_z)}
        if reported and any(k in (reported.get(x) or {}) for x in names):
            file = [(reported.get(x) or {}).get(k) for x in names]
            entry["emg_vs_file"] = index_agreement(emg, file, names, c, loa_z)
            entry["tech_vs_file"] = index_agreement(tech, file, names, c, loa_z)
        indices[k] = entry
    out["indices"] = indices
    plms = indices["plms_index"]["emg_vs_tech"]
    flat = {"icc21": "icc21", "icc21_ci95": "icc21_ci95", "icc31": "icc31", "icc31_ci95": "icc31_ci95",
            "bias": "bias", "bias_ci95": "bias_ci95", "loa_low": "loa_low", "loa_high": "loa_high",
            "pearson_r": "pearson_r", "spearman_rho": "spearman_rho"}
    for mine, theirs in flat.items():
        out[f"plms_index_{mine}"] = plms[theirs]
        if plms[theirs] is None:
            reasons[f"plms_index_{mine}"] = plms["null_reasons"].get(theirs, "not computable")
    cat = plms["categories"]
    out["plms_index_kappa"] = cat["kappa"] if cat else None
    if cat and cat["kappa"] is None:
        reasons["plms_index_kappa"] = cat["null_reasons"]["kappa"]
    out["null_reasons"] = reasons
    return out
