"""Checks :func:`jerkdetect.score` runs before any kernel: argument names, EMG rates, units, samples.

Each turns what would be a silently wrong night (a 1-Hz envelope scored as leg EMG, volts passed
as µV, a misspelt keyword) into an error or a note stated in the summary (``input_notes``).
"""
from __future__ import annotations

import os
import warnings
from typing import Mapping

import numpy as np

from ..core.names import check_names
from ..errors import ChannelError, InputError
from ..io.channels import missing_role_message
from ..io.checks import sanitize_samples
from ..io.recording import Channel, Recording

MIN_EMG_FS = 200.0        # AASM Manual, technical specifications: EMG minimal sampling rate 200 Hz
MIN_TYPICAL_UV = 0.05     # leg EMG at rest is ~1-10 µV; below this the samples are not µV
MAX_TYPICAL_UV = 1e4      # 10 mV typical amplitude: not a leg EMG in µV (units or a lost lead)
SCORE_ARGS = ("recording", "annotations", "rules", "channels", "detection", "hypnic", "leg_movements",
              "verbose", "rule_params", "arousals", "arousal_params", "staging", "force_annotations")


def rule_overrides(rules, rule_params: Mapping | None, extra: Mapping, caller: str = "score()") -> dict:
    """Merge ``rule_params={...}`` and keyword overrides; an unknown name raises, closest match first
    (for ``score()`` among its other arguments too).

    Examples
    --------
    >>> rule_overrides("wasm2016", {"max_imi_s": 100}, {"min_imi_s": 5})
    {'max_imi_s': 100, 'min_imi_s': 5}
    """
    from ..rules import RULESETS, RuleSet, rule_param_names
    if rule_params is not None and not isinstance(rule_params, Mapping):
        raise InputError(f"rule_params must be a dict of rule parameters, got {type(rule_params).__name__}.")
    params = {**(rule_params or {}), **extra}
    if not isinstance(rules, RuleSet) and str(rules).lower() not in RULESETS:
        return params  # get_rules names the unknown rule set
    valid = rule_param_names(rules)
    for k in params:
        if k in extra:
            others = [a for a in SCORE_ARGS if a != "recording"] if caller == "score()" else []
            check_names([k], valid + others, "keyword argument", caller)
        else:
            check_names([k], valid, "rule parameter", "rule_params")
    return params


def typical_amplitude(ch: Channel, stretches: int = 20, seconds: float = 10.0) -> float:
    """Median over stretches spread through the night of the 90th percentile of |x - median| (µV).

    Reads about ``stretches * seconds`` of signal, so it is cheap on a whole night.
    """
    n = int(seconds * ch.fs)
    total = ch.n_samples
    if total == 0:
        return 0.0
    n = max(1, min(n, total))
    starts = np.linspace(0, total - n, min(stretches, max(1, total // n))).astype(np.int64)
    d = ch.digital if ch.dig_min is not None and ch._data is None else None
    spreads = []
    for s in starts:
        if d is not None:
            spr = d.shape[1] if d.ndim == 2 else d.size
            r0, r1 = s // spr, -(-(s + n) // spr)
            seg = np.asarray(d[r0:r1], dtype=np.float64).reshape(-1)[s - r0 * spr: s - r0 * spr + n]
            seg = seg * ch.gain + ch.offset
        else:
            seg = ch.data[s:s + n]
        spreads.append(np.percentile(np.abs(seg - np.median(seg)), 90))
    return float(np.median(spreads))


def _check_units(ch: Channel, role: str, source: str, notes: list[str]) -> None:
    amp = typical_amplitude(ch)
    arrays = ch.dig_min is None
    if 0 < amp < MIN_TYPICAL_UV:
        guess, unit = ("volts", "V") if amp < 1e-3 else ("millivolts", "mV")
        fix = (f": pass units='{unit}'" if arrays else
               f", although the file declares '{ch.unit or 'no unit'}'; fix the unit in the header")
        raise ChannelError(f"{source}: channel '{ch.label}' ({role}) has a typical amplitude of {amp:.2g} µV, "
                           f"far below what leg EMG in µV can be (about 1-10 µV at rest): it looks like "
                           f"{guess}{fix}.")
    if amp > MAX_TYPICAL_UV:
        msg = (f"channel '{ch.label}' ({role}) has a typical amplitude of {amp:.3g} µV, far above leg EMG "
               "(check its unit, or a lead lost all night); its stretches will be unscorable")
        warnings.warn(f"{source}: {msg}.", UserWarning, stacklevel=3)
        notes.append(msg)


def _finite(ch: Channel, source: str) -> None:
    """A Channel built by hand with NaN/inf samples gets them replaced and marked bad (once)."""
    if ch._data is not None and not getattr(ch, "_checked", False):
        x, bad = sanitize_samples(ch._data, ch.fs, ch.label, source)
        if bad.size:
            ch._data = x
            ch.bad_intervals = np.concatenate([ch.bad_intervals.reshape(-1, 2), bad])
        ch._checked = True


def _same_length(rec: Recording) -> None:
    """The EMG channels must cover the same time: a shorter array's missing tail would otherwise
    count as scorable sleep without movements. (An EDF's channels always do.)"""
    chans = [(r, rec.channels[rec.roles[r][0]]) for r in ("leg_left", "leg_right", "chin", "arm_left", "arm_right")
             if rec.has_role(r) and rec.roles[r][0] in rec.channels]  # the channels this night reads
    ref_role, ref = chans[0]
    for role, ch in chans[1:]:
        if abs(ch.duration - ref.duration) > 1.0 / min(ch.fs, ref.fs) + 1e-9:
            raise ChannelError(f"{rec.source}: channel '{ch.label}' ({role}) lasts {ch.duration:.2f} s but "
                               f"'{ref.label}' ({ref_role}) lasts {ref.duration:.2f} s; the EMG channels of a night "
                               "must cover the same time (pad the shorter one with NaN, which is unscorable, or "
                               "trim the longer one).")


def prepare_emg(rec: Recording, det, explicit: Mapping[str, str] | None, labels: list[str]) -> list[str]:
    """Check the EMG channels score() will use; drop an unusable auto-detected chin. Returns notes.

    Leg EMG must be sampled at >= ``MIN_EMG_FS`` (AASM) and look like µV; an explicitly named chin
    must too, while an auto-detected chin below the rate (e.g. Sleep-EDF's 1-Hz submental
    envelope) is dropped with a warning and a note, since chin EMG only serves hypnic jerks.
    """
    notes: list[str] = []
    explicit = dict(explicit or {})
    min_fs = getattr(det, "min_emg_fs", MIN_EMG_FS)
    for role in ("leg_left", "leg_right"):
        if not rec.has_role(role):
            raise ChannelError(missing_role_message(role, labels, rec.source))
    _same_length(rec)
    for role in ("leg_left", "leg_right", "chin"):
        if not rec.has_role(role):
            continue
        ch = rec.channel(role)
        if ch.fs < min_fs:
            what = (f"channel '{ch.label}' ({role}) is sampled at {ch.fs:g} Hz; EMG needs at least "
                    f"{min_fs:g} Hz (AASM Manual), so it is an envelope or another signal, not raw EMG")
            if role == "chin" and "chin" not in explicit:
                warnings.warn(f"{rec.source}: {what}; it is not used (hypnic jerks are scored from the legs).",
                              UserWarning, stacklevel=3)
                notes.append(what + "; not used")
                rec.roles["chin"] = []
                continue
            raise ChannelError(f"{rec.source}: {what}.")
        band = getattr(det, "band", None)
        if band is not None and band[0] >= 0.45 * ch.fs:
            raise InputError(f"{rec.source}: DetectionParams.band = {band!r} starts at or above 0.45 x the "
                             f"{ch.fs:g}-Hz rate of channel '{ch.label}' ({role}); its low edge must be below "
                             f"{0.45 * ch.fs:g} Hz (the high edge is capped there).")
        _finite(ch, rec.source)
        if role != "chin":
            _check_units(ch, role, rec.source, notes)
        if ch.bad_intervals.size:
            notes.append(f"channel '{ch.label}' ({role}): {float(np.sum(np.diff(ch.bad_intervals, axis=1))):.1f} s "
                         "of NaN, infinite or absurd samples are unscorable")
    return notes


def check_argument_types(recording, annotations, detection, hypnic, arousal_params) -> None:
    """Refuse a ``score()`` argument of the wrong type in one sentence naming the accepted types
    (before a bare TypeError deep inside the pipeline)."""
    from ..core.hypnogram import Hypnogram, is_yasa_hypnogram
    from ..detection import ArousalParams, DetectionParams
    from ..io.scoring_model import Scoring
    from ..rules import HypnicJerkRule
    if not isinstance(recording, (str, os.PathLike, Recording)):
        raise InputError(f"score(recording=...) takes a file path or a Recording, got {type(recording).__name__}.")
    if not (annotations is None or isinstance(annotations, (str, os.PathLike, Scoring, Hypnogram))
            or is_yasa_hypnogram(annotations)):
        raise InputError(f"score(annotations=...) takes a scoring-file path, a Scoring, a Hypnogram, a "
                         f"yasa.Hypnogram or None, got {type(annotations).__name__} ({annotations!r:.60}).")
    for name, value, cls in (("detection", detection, DetectionParams), ("hypnic", hypnic, HypnicJerkRule),
                             ("arousal_params", arousal_params, ArousalParams)):
        if value is not None and not isinstance(value, cls):
            raise InputError(f"score({name}=...) takes a {cls.__name__} or None, got {type(value).__name__} "
                             f"({value!r:.60}).")


def check_leg_movements(value: str) -> str:
    if value not in ("emg", "scoring"):
        raise InputError(f"leg_movements must be 'emg' or 'scoring', got {value!r}.")
    return value
