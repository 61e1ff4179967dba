"""All motor-event rules of one night in one call: ALMA, HFT, fragmentary myoclonus, REM activity
and the REM atonia index, from the EMG features burst detection already produced.

This is the body of the pipeline stage (``score()``): it takes the night's state (per-muscle
:class:`~jerkdetect.rules.motor_features.EMGFeatures`, hypnogram, leg movements, hypnic jerks,
scored arousals and respiratory events) and returns a :class:`MotorEvents` whose
:meth:`~MotorEvents.summary` carries the issue's output names (``fm_per_h_nrem``, ``efm``,
``rem_tonic_pct``, ``rem_phasic_pct``, ``rem_any_pct``, ``rai``, ``n_alma``, ``n_hft``, details
under ``motor``) and whose :meth:`~MotorEvents.event_rows` and :meth:`~MotorEvents.rem_epoch_rows`
are the rows of ``X_events.tsv`` and ``X_rem_epochs.tsv``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Mapping

import numpy as np

from ..core.params import Checked, flag, instance, non_negative
from .atonia_index import AtoniaIndex, AtoniaIndexRule
from .fragmentary_myoclonus import FragmentaryMyoclonus, FragmentaryMyoclonusRule
from .motor_features import EMGFeatures
from .rem_activity import REMActivity, REMActivityRule
from .rhythmic_leg import ALMARule, HFTRule, RhythmicEpisodes, lms_in_episodes

LEGS = ("left", "right")


@dataclass(frozen=True)
class MotorRules(Checked):
    """The parameters of every motor rule (each a frozen dataclass with the published defaults).

    Attributes
    ----------
    fragmentary_myoclonus, rem, atonia_index, alma, hft : the rules' own parameters
    jerk_margin_s : float
        No fragmentary-myoclonus potential is counted within this much of a hypnic jerk
        (jerkdetect's, 0.1 s).
    exclude_rhythmic_lms : bool
        Leave the leg movements within ALMA and HFT episodes out of the PLM rules (True, the
        jerkdetect reading; the AASM Manual scores ALMA and HFT as events of their own, under
        their own rules, not as leg movements). The monolateral leg movements lying within an
        episode of their own leg are then no LMs, candidate LMs, PLMs or long movements and end
        no PLM series; the episodes stay visible as ``alma`` / ``hft`` rows and the movements are
        counted apart (``n_lm_in_rhythmic_episodes``). False scores them as the PLM rules alone
        read them.
    rhythmic_lm_margin_s : float
        How far (s) a leg movement may reach past an episode's edges and still lie within it
        (jerkdetect's reading, 0.25 s; ``lms_in_episodes`` in ``rules.rhythmic_leg``).
    """

    fragmentary_myoclonus: FragmentaryMyoclonusRule = field(default_factory=FragmentaryMyoclonusRule)
    rem: REMActivityRule = field(default_factory=REMActivityRule)
    atonia_index: AtoniaIndexRule = field(default_factory=AtoniaIndexRule)
    alma: ALMARule = field(default_factory=ALMARule)
    hft: HFTRule = field(default_factory=HFTRule)
    jerk_margin_s: float = 0.1
    exclude_rhythmic_lms: bool = True
    rhythmic_lm_margin_s: float = 0.25

    LIMITS = {"fragmentary_myoclonus": instance(FragmentaryMyoclonusRule), "rem": instance(REMActivityRule),
              "atonia_index": instance(AtoniaIndexRule), "alma": instance(ALMARule), "hft": instance(HFTRule),
              "jerk_margin_s": non_negative(3600.0), "exclude_rhythmic_lms": flag(),
              "rhythmic_lm_margin_s": non_negative(3600.0)}

    def to_dict(self) -> dict:
        return asdict(self)

    def flat(self) -> dict[str, object]:
        """Every parameter under one flat name: ``jerk_margin_s``, ``alma.min_hz``, ``rem.tonic_fraction``...
        (the names of ``jerkdetect score --param motor.NAME=VALUE``).

        Examples
        --------
        >>> MotorRules().flat()["alma.min_bursts"], MotorRules().flat()["exclude_rhythmic_lms"]
        (4, True)
        """
        out: dict[str, object] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in RULE_FIELDS:
                out.update({f"{f.name}.{g.name}": getattr(v, g.name) for g in fields(v)})
            else:
                out[f.name] = v
        return out

    @classmethod
    def from_flat(cls, params: Mapping[str, object] | None = None) -> "MotorRules":
        """The default rules with the flat-named parameters of ``params`` changed; an unknown name
        or a value a rule refuses raises :class:`~jerkdetect.errors.InputError`.

        Examples
        --------
        >>> r = MotorRules.from_flat({"alma.min_hz": 0.6, "exclude_rhythmic_lms": False})
        >>> r.alma.min_hz, r.hft.min_hz, r.exclude_rhythmic_lms
        (0.6, 0.3, False)
        """
        from ..core.names import check_names
        from ..errors import InputError
        params = dict(params or {})
        check_names(params, cls().flat(), "motor parameter")
        top = {k: v for k, v in params.items() if "." not in k}
        try:
            subs = {}
            for name in RULE_FIELDS:
                mine = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(name + ".")}
                if mine:
                    subs[name] = type(getattr(cls(), name))(**mine)
            return cls(**subs, **top)
        except InputError:
            raise
        except (TypeError, ValueError) as e:
            raise InputError(f"motor parameters: {e}") from None


RULE_FIELDS = ("fragmentary_myoclonus", "rem", "atonia_index", "alma", "hft")


@dataclass
class MotorEvents:
    """Fragmentary myoclonus, REM activity, RAI, ALMA and HFT of one night."""

    fm: FragmentaryMyoclonus
    rem: REMActivity
    rai: AtoniaIndex
    alma: RhythmicEpisodes
    hft: RhythmicEpisodes
    duration_s: float = 0.0
    lm_in_episodes: dict | None = None  # kind -> monolateral LMs within its episodes; None: not known

    def summary(self) -> dict:
        """Night indices under the issue's names, null with a reason, details under ``motor``."""
        fm, rem = self.fm.summary(), self.rem.summary()
        hours = self.duration_s / 3600
        out = dict(fm_per_h_nrem=fm["fm_per_h_nrem"], efm=fm["efm"], rem_tonic_pct=rem["rem_tonic_pct"],
                   rem_phasic_pct=rem["rem_phasic_pct"], rem_any_pct=rem["rem_any_pct"],
                   rai=None if self.rai.value is None else round(self.rai.value, 4),
                   n_alma=None if self.alma.reason else len(self.alma),
                   n_hft=None if self.hft.reason else len(self.hft))
        why = {}
        if fm.get("fm_null_reason"):
            why.update(fm_per_h_nrem=fm["fm_null_reason"], efm=fm["fm_null_reason"])
        why.update({k: v for k, v in rem.get("rem_null_reasons", {}).items() if k in out})
        if self.rai.reason:
            why["rai"] = self.rai.reason
        for k, ep in (("n_alma", self.alma), ("n_hft", self.hft)):
            if ep.reason:
                why[k] = ep.reason
        inside = self.lm_in_episodes
        out["n_lm_in_rhythmic_episodes"] = None if inside is None else int(sum(inside.values()))
        if inside is None:
            why["n_lm_in_rhythmic_episodes"] = self.alma.reason or self.hft.reason or \
                "leg movements not counted (score_motor was given no count; jerkdetect.score counts them)"
        motor = dict(
            fragmentary_myoclonus=dict(n=fm["fm_n"], efm_minutes=fm["efm_minutes"], per_muscle=fm["fm_per_muscle"],
                                       nrem_min=round(self.fm.nrem_min, 3)),
            rem={k: v for k, v in rem.items() if k not in out},
            rai=dict(category=self.rai.category, n_mini_epochs=self.rai.n_mini_epochs,
                     fraction_atonic=self.rai.fraction_atonic,
                     fraction_1_2_uv=self.rai.fraction_excluded_class),
            alma=self._episode_summary(self.alma, hours),
            hft=self._episode_summary(self.hft, hours))
        out["motor"] = motor
        if why:
            out["motor_null_reasons"] = why
        return out

    def _episode_summary(self, ep: RhythmicEpisodes, hours: float) -> dict:
        inside = self.lm_in_episodes
        return dict(per_h=round(len(ep) / hours, 4) if hours and not ep.reason else None,
                    by_stage=self._by_stage(ep),
                    n_lm_within=None if inside is None else int(inside.get(ep.kind, 0)))

    def _by_stage(self, ep: RhythmicEpisodes) -> dict:
        st = ep.extra.get("stage")
        if st is None:
            return {}
        names = {-1: "unscored", 0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R"}
        return {names[int(s)]: int(np.sum(st == s)) for s in np.unique(st)}

    def event_rows(self) -> list[dict]:
        """Rows for ``X_events.tsv``: one per fragmentary-myoclonus potential (``channel``), one
        per ALMA and HFT episode."""
        rows = [dict(onset=float(o), duration=float(d), label="fragmentary_myoclonus", channel=c,
                     amplitude_uv=float(a), peak_uv=float(p), stage=int(s))
                for o, d, c, a, p, s in zip(self.fm.onset, self.fm.duration, self.fm.channel, self.fm.amplitude_uv,
                                            self.fm.peak_uv, self.fm.stage)]
        for ep in (self.alma, self.hft):
            st = ep.extra.get("stage")
            for k in range(len(ep)):
                rows.append(dict(onset=float(ep.onset[k]), duration=float(ep.offset[k] - ep.onset[k]), label=ep.kind,
                                 channel=ep.legs[k], n_bursts=int(ep.n_bursts[k]),
                                 frequency_hz=round(float(ep.frequency_hz[k]), 4),
                                 stage=int(st[k]) if st is not None else None))
        return sorted(rows, key=lambda r: (r["onset"], r["label"]))

    def rem_epoch_rows(self) -> dict[str, list]:
        """Columns of ``X_rem_epochs.tsv`` (onset, tonic, phasic_minis, any_minis, scored, reason...)."""
        return self.rem.epoch_table()


def empty_motor(rules: MotorRules, reason: str) -> MotorEvents:
    """Motor events that could not be scored at all: every index null with ``reason``."""
    fm = FragmentaryMyoclonus.empty(rules.fragmentary_myoclonus, [], reason)
    return MotorEvents(fm, REMActivity.empty(rules.rem, reason), AtoniaIndex(None, None, 0, reason),
                       RhythmicEpisodes.empty("alma", reason), RhythmicEpisodes.empty("hft", reason))


def find_rhythmic(channels: Mapping[str, EMGFeatures], hypnogram=None,
                  rules: MotorRules | None = None) -> tuple[RhythmicEpisodes, RhythmicEpisodes]:
    """ALMA and HFT episodes of a night from the leg channels of ``channels`` (the stage at each
    episode's onset in ``extra["stage"]`` with a hypnogram). The pipeline runs this before the
    PLM rules, which leave out the leg movements inside the episodes
    (``MotorRules.exclude_rhythmic_lms``)."""
    r = rules or MotorRules()
    legs = {m: channels[m] for m in LEGS if m in channels}
    alma = r.alma.find(legs)
    hft = r.hft.find(legs, alma, hypnogram)
    for ep in (alma, hft):
        if len(ep) and hypnogram is not None:
            ep.extra["stage"] = hypnogram.stage_at(ep.onset)
    return alma, hft


def count_lms_in_episodes(mono, alma: RhythmicEpisodes, hft: RhythmicEpisodes,
                          margin_s: float = 0.25) -> tuple[np.ndarray, dict[str, int]]:
    """Which monolateral LMs (``onset``, ``offset``, ``side`` 0/1, e.g. a
    :class:`~jerkdetect.rules.base.MonolateralLMs`) lie within an ALMA or HFT episode of their
    own leg, and how many per kind (an LM within both counts under ALMA)."""
    in_alma = lms_in_episodes(mono.onset, mono.offset, mono.side, [alma], margin_s)
    in_hft = lms_in_episodes(mono.onset, mono.offset, mono.side, [hft], margin_s) & ~in_alma
    return in_alma | in_hft, {"alma": int(in_alma.sum()), "hft": int(in_hft.sum())}


def score_motor(channels: Mapping[str, EMGFeatures], hypnogram=None,
                lm_by_leg: Mapping[str, np.ndarray] | None = None, jerks: np.ndarray | None = None,
                arousals=None, respiratory=None, rules: MotorRules | None = None,
                rhythmic: tuple[RhythmicEpisodes, RhythmicEpisodes] | None = None,
                lm_in_episodes: dict | None = None) -> MotorEvents:
    """Score every motor event of a night.

    Parameters
    ----------
    channels : dict muscle -> EMGFeatures
        'left', 'right' (legs), 'chin', 'arm_left', 'arm_right' (any subset).
    hypnogram : Hypnogram, optional
    lm_by_leg : dict leg -> (n, 2) onset/offset of that leg's movements (all of them, long ones
        included), optional
        No fragmentary-myoclonus potential is counted inside one.
    jerks : (n, 2) onset/offset of the hypnic jerks, optional
        Nor inside a jerk (widened by ``rules.jerk_margin_s``) in any muscle.
    arousals, respiratory : (n, 2) onset/duration, optional
        Scored events; REM mini-epochs that overlap them are not scored.
    rules : MotorRules, optional
    rhythmic : (ALMA, HFT) episodes, optional
        Found already (:func:`find_rhythmic`); found here when not given.
    lm_in_episodes : dict kind -> count, optional
        The leg movements within them (:func:`count_lms_in_episodes`), for the summary.

    Returns
    -------
    MotorEvents
    """
    r = rules or MotorRules()
    legs = {m: channels[m] for m in LEGS if m in channels}
    alma, hft = rhythmic if rhythmic is not None else find_rhythmic(channels, hypnogram, r)
    exclude: dict[str, np.ndarray] = {}
    rhythmic = np.concatenate([alma.intervals(), hft.intervals()])
    for m in legs:
        lm = np.asarray((lm_by_leg or {}).get(m, np.zeros((0, 2))), float).reshape(-1, 2)
        exclude[m] = np.concatenate([lm, rhythmic])
    if jerks is not None and len(jerks):
        j = np.asarray(jerks, float).reshape(-1, 2)
        exclude["*"] = np.column_stack([j[:, 0] - r.jerk_margin_s, j[:, 1] + r.jerk_margin_s])
    fm = r.fragmentary_myoclonus.find(channels, hypnogram, exclude)
    rem = r.rem.score(channels, hypnogram, arousals, respiratory)
    rai = r.atonia_index.compute(channels.get("chin"), hypnogram)
    dur = max((f.duration for f in channels.values()), default=0.0)
    return MotorEvents(fm, rem, rai, alma, hft, dur, lm_in_episodes)
