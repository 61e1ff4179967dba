"""A simulated night's truth written as a technician's scoring, with chosen imperfections.

To test agreement statistics (:mod:`jerkdetect.evaluation.agreement`) the expected answer has to
be known exactly: :func:`technician_scoring` takes a :class:`~jerkdetect.simulate.SimulatedNight`
and scores its true leg movements the way an imperfect technician would (misses a given
fraction, marks onsets late or early, labels one leg as the other, adds movements that are not
there), deterministically by seed, and says which events it altered and how. The hypnogram,
arousals and respiratory events are the truth's. :meth:`TechnicianScoring.write` writes the
result as an NSRR XML (``Limb Movement (Left)``), a Compumedics Profusion XML or a CSV/TSV
event table, the formats :func:`jerkdetect.read_scoring` reads.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .night import SimulatedNight, write_nsrr_xml
from .profusion import write_profusion_xml

FORMATS = ("nsrr", "profusion", "csv", "tsv")
LEG_SIDES = ("left", "right")
_PRECISION = 4  # decimals of every written time (the truth's own precision)


@dataclass(frozen=True)
class TechnicianErrors:
    """The imperfections of a simulated technician.

    Parameters
    ----------
    miss_fraction : float
        Fraction of the true monolateral leg movements left unscored, exactly
        ``round(miss_fraction * n)`` of them, chosen at random.
    onset_jitter_s : float
        Each scored movement is marked shifted by a uniform draw in +-``onset_jitter_s`` s
        (onset and offset together, so the duration, and whether it is an LM, is kept).
    mislabel_leg : "left", "right" or None
        Every movement of this leg is labelled as the other leg's.
    extra_per_hour : float
        Movements scored where the truth has none (Poisson count per hour of the night), each at
        least ``extra_clearance_s`` from any true movement and any other extra, on a random leg.
    extra_duration_s : (float, float)
        Range of the extra movements' durations.
    extra_clearance_s : float
    """

    miss_fraction: float = 0.0
    onset_jitter_s: float = 0.0
    mislabel_leg: str | None = None
    extra_per_hour: float = 0.0
    extra_duration_s: tuple[float, float] = (0.6, 4.0)
    extra_clearance_s: float = 15.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.miss_fraction <= 1.0:
            raise ValueError(f"miss_fraction must be within 0..1; got {self.miss_fraction}.")
        if not (np.isfinite(self.onset_jitter_s) and self.onset_jitter_s >= 0):
            raise ValueError(f"onset_jitter_s must be >= 0 s; got {self.onset_jitter_s}.")
        if self.mislabel_leg not in (None,) + LEG_SIDES:
            raise ValueError(f"mislabel_leg must be 'left', 'right' or None; got {self.mislabel_leg!r}.")
        if not (np.isfinite(self.extra_per_hour) and self.extra_per_hour >= 0):
            raise ValueError(f"extra_per_hour must be >= 0; got {self.extra_per_hour}.")
        lo, hi = self.extra_duration_s
        if not 0 < lo <= hi:
            raise ValueError(f"extra_duration_s must be (low, high) with 0 < low <= high; got {self.extra_duration_s}.")


@dataclass
class TechnicianScoring:
    """A technician's scoring of a simulated night and what it changed from the truth.

    Attributes
    ----------
    leg_movements : list of dict
        What the technician scored, sorted by onset: ``onset``, ``offset``, ``side`` (as
        labelled), ``truth`` (index in ``night.truth["leg_movements"]``, None for an extra).
    missed : list of int
        Truth indices left unscored.
    shifted : dict
        Truth index -> shift (s) of every scored movement that moved (onset_jitter_s > 0).
    relabelled : list of int
        Truth indices labelled with the other leg.
    extra : list of int
        Positions in ``leg_movements`` of the movements the truth does not have.
    """

    night: SimulatedNight
    errors: TechnicianErrors
    seed: int
    leg_movements: list[dict] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    shifted: dict[int, float] = field(default_factory=dict)
    relabelled: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    def events(self) -> np.ndarray:
        """(n, 2) onset, offset of the scored leg movements."""
        return np.array([[x["onset"], x["offset"]] for x in self.leg_movements], float).reshape(-1, 2)

    def sides(self) -> np.ndarray:
        """Side of each scored leg movement as labelled: 0 left, 1 right."""
        return np.array([LEG_SIDES.index(x["side"]) for x in self.leg_movements], int)

    def scoring_events(self) -> list[tuple[float, float, str]]:
        """Stages, arousals, respiratory events (the truth's) and the technician's leg movements."""
        lm = [(x["onset"], round(x["offset"] - x["onset"], _PRECISION), f"Limb movement - {x['side']}")
              for x in self.leg_movements]
        return sorted(self.night.scoring_events(include_leg_movements=False) + lm)

    def write(self, path: str | os.PathLike, fmt: str | None = None) -> str:
        """Write the scoring: "nsrr" (``Limb Movement (Left)`` events, the night's start time),
        "profusion" (``CMPStudyConfig``), "csv" or "tsv" (onset, duration, description);
        default from the extension (``.xml`` -> nsrr). Times keep 4 decimals.

        Examples
        --------
        >>> import tempfile, jerkdetect as jd
        >>> from jerkdetect.simulate import simulate_night
        >>> night = simulate_night(seed=2, duration_h=0.5, fs_emg=200, fs_eeg=100)
        >>> tech = technician_scoring(night, TechnicianErrors(miss_fraction=0.2), seed=1)
        >>> p = tech.write(os.path.join(tempfile.mkdtemp(), "n.tsv"))
        >>> len(jd.read_scoring(p).leg_movements) == len(tech.leg_movements)
        True
        """
        path = os.fspath(path)
        fmt = fmt or {".xml": "nsrr", ".csv": "csv", ".tsv": "tsv"}.get(os.path.splitext(path)[1].lower())
        if fmt not in FORMATS:
            raise ValueError(f"{path}: format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        if fmt == "nsrr":
            write_nsrr_xml(path, self.scoring_events(), self.night.start, self.night.duration)
        elif fmt == "profusion":
            truth = {"arousals": self.night.truth["arousals"], "respiratory": self.night.truth["respiratory"],
                     # no "kind": every movement is a "Limb Movement (Side)" event, so none is read as a
                     # PLM mark on top of another movement (drop_plm_markers) and the file holds them all
                     "leg_movements": [{k: x[k] for k in ("onset", "offset", "side")} for x in self.leg_movements]}
            write_profusion_xml(path, self.night.stages, truth)
        else:
            from ..core.atomic import atomic_write_text
            sep = "," if fmt == "csv" else "\t"
            rows = [sep.join(("onset", "duration", "description"))]
            rows += [sep.join((f"{o:.{_PRECISION}f}", f"{d:.{_PRECISION}f}", t)) for o, d, t in self.scoring_events()]
            atomic_write_text(path, "\n".join(rows) + "\n")
        return path


def technician_scoring(night: SimulatedNight, errors: TechnicianErrors | None = None,
                       seed: int = 0) -> TechnicianScoring:
    """Score a simulated night's true leg movements as an imperfect technician.

    Misses first, then shifts, then the leg labels, then the extras; each from its own draw of
    one generator seeded by ``seed`` (the night's own generator is untouched), so the same night,
    errors and seed give the same scoring.

    Parameters
    ----------
    night : SimulatedNight
    errors : TechnicianErrors, optional
        Default: none (the exact truth).
    seed : int

    Returns
    -------
    TechnicianScoring

    Examples
    --------
    >>> from jerkdetect.simulate import simulate_night
    >>> night = simulate_night(seed=2, duration_h=0.5, fs_emg=200, fs_eeg=100)
    >>> n = len(night.truth["leg_movements"])
    >>> tech = technician_scoring(night, TechnicianErrors(miss_fraction=0.25, mislabel_leg="left"), seed=3)
    >>> len(tech.missed) == round(0.25 * n), len(tech.leg_movements) == n - len(tech.missed)
    (True, True)
    >>> all(x["side"] == "right" for x in tech.leg_movements)
    True
    """
    e = errors or TechnicianErrors()
    rng = np.random.default_rng([int(seed), 17])
    truth = night.truth["leg_movements"]
    n = len(truth)
    missed = sorted(int(i) for i in rng.choice(n, size=int(round(e.miss_fraction * n)), replace=False)) if n else []
    gone = set(missed)
    kept = [i for i in range(n) if i not in gone]
    j = e.onset_jitter_s
    shifts = rng.uniform(-j, j, len(kept)) if j > 0 else np.zeros(len(kept))
    out, shifted, relabelled = [], {}, []
    for i, s in zip(kept, shifts):
        lm = truth[i]
        s = round(float(max(s, -lm["onset"])), _PRECISION)  # never before the recording start
        side = lm["side"]
        if side == e.mislabel_leg:
            side = LEG_SIDES[1 - LEG_SIDES.index(side)]
            relabelled.append(i)
        if s != 0:
            shifted[i] = s
        out.append(dict(onset=round(lm["onset"] + s, _PRECISION), offset=round(lm["offset"] + s, _PRECISION),
                        side=side, truth=i))
    out += _extras(night, e, rng)
    out.sort(key=lambda x: (x["onset"], x["side"]))
    extra = [k for k, x in enumerate(out) if x["truth"] is None]
    return TechnicianScoring(night, e, int(seed), out, missed, shifted, relabelled, extra)


def _extras(night: SimulatedNight, e: TechnicianErrors, rng) -> list[dict]:
    """Movements the truth does not have, clear of every true movement and of each other."""
    busy = [(x["onset"] - e.extra_clearance_s, x["offset"] + e.extra_clearance_s) for x in night.truth["leg_movements"]]
    T = night.duration
    out = []
    for _ in range(int(rng.poisson(e.extra_per_hour * T / 3600.0))):
        for _try in range(200):
            dur = float(rng.uniform(*e.extra_duration_s))
            a = float(rng.uniform(0.0, T - dur))
            if all(a + dur <= s or a >= f for s, f in busy):
                a = round(a, _PRECISION)
                out.append(dict(onset=a, offset=round(a + dur, _PRECISION), side=LEG_SIDES[int(rng.integers(2))],
                                truth=None))
                busy.append((a - e.extra_clearance_s, a + dur + e.extra_clearance_s))
                break
    return out


def write_technician_cohort(folder: str | os.PathLike, nights: list[tuple[str, int, TechnicianErrors, str]],
                            **night_params) -> list[dict]:
    """Write a cohort for ``jerkdetect agree``: per night ``stem.edf``, the technician's scoring
    next to it (``stem.xml``, ``.csv`` or ``.tsv``), ``stem_truth.json`` and
    ``stem_technician.json`` (what the technician changed: missed, shifted, relabelled, extra).

    Parameters
    ----------
    folder : path
    nights : list of (stem, seed, TechnicianErrors, format)
        Format "nsrr", "profusion", "csv" or "tsv"; the technician's seed is the night's.
    **night_params
        Passed to :func:`~jerkdetect.simulate.simulate_night` (``duration_h``, ``plm_series_per_hour``...).

    Returns
    -------
    list of dict
        Per night its paths (``recording``, ``scoring``, ``truth``, ``technician``) and the
        :class:`TechnicianScoring` (``tech``).
    """
    import json

    from ..core.atomic import atomic_write_text
    from .night import simulate_night
    folder = os.fspath(folder)
    out = []
    for stem, seed, errors, fmt in nights:
        night = simulate_night(seed=seed, **night_params)
        paths = night.write(folder, stem, scoring="none")
        tech = technician_scoring(night, errors, seed)
        ext = {"nsrr": ".xml", "profusion": ".xml", "csv": ".csv", "tsv": ".tsv"}[fmt]
        paths["scoring"] = tech.write(os.path.join(folder, stem + ext), fmt)
        paths["technician"] = os.path.join(folder, stem + "_technician.json")
        atomic_write_text(paths["technician"], json.dumps(
            {"errors": {k: getattr(errors, k) for k in errors.__dataclass_fields__}, "seed": seed, "format": fmt,
             "missed": tech.missed, "shifted": {str(k): v for k, v in tech.shifted.items()},
             "relabelled": tech.relabelled, "extra": tech.extra}, indent=1))
        out.append({**paths, "tech": tech})
    return out
