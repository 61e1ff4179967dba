"""Stress family: named presets of the stress effects and :func:`stress_night`.

The effects themselves, what each does to a night and how the truth reads the rules are
described in :mod:`jerkdetect.simulate.stress_effects`.

Presets
-------
``PRESETS`` (``stress_night(effect, ...)``): "baseline" (a plain night), one preset per effect
("clip150", "clip100", "leadoff_flat", "leadoff_saturated", "myoclonus" (an older control with
few PLMs), "alma", "noise", "ecg_bleed", "ecg_bleed_no_ecg", "near_threshold", "ragged",
"staggered", "plm_irregular", "hum50", "hum60", "hypnic"), each on top of a plain night, and
"mixed" / "mixed_no_ecg" with every effect at once (rail 150 / 100 µV, with / without ECG).

Examples
--------
>>> from jerkdetect.simulate.stress import stress_night
>>> night = stress_night("alma", seed=1, duration_h=0.5, fs_emg=200)
>>> len(night.truth["stress"]["alma"]) > 0
True
"""
from __future__ import annotations

from .night import SimConfig, SimulatedNight, simulate_night
from .config import StressConfig, split_overrides
from .stress_effects import alma_movements

__all__ = ["EFFECTS", "PRESETS", "StressConfig", "alma_movements", "stress_config", "stress_night"]


# effect -> (SimConfig overrides, StressConfig fields)
PRESETS: dict[str, tuple[dict, dict]] = {
    "baseline": ({}, {}),
    "clip150": (dict(lm_amplitude_uv=(15.0, 80.0), jerk_probability=1.0), dict(clip_uv=150.0)),
    "clip100": (dict(lm_amplitude_uv=(15.0, 80.0), jerk_probability=1.0), dict(clip_uv=100.0)),
    "leadoff_flat": ({}, dict(leadoffs=3, leadoff_kinds=("flat",), jerk_probability=1.0,
                              waking_jerk_fraction=0.0, awakenings_per_hour=2.0)),
    "leadoff_saturated": ({}, dict(leadoffs=3, leadoff_kinds=("saturated",), jerk_probability=1.0,
                                   waking_jerk_fraction=0.0, awakenings_per_hour=2.0)),
    "myoclonus": (dict(plm_series_per_hour=0.25, isolated_lm_per_hour=3.0),
                  dict(myoclonus_per_hour=4.0, rem_leg_twitches_per_min=6.0)),
    "alma": ({}, dict(alma_per_hour=5.0)),
    "noise": ({}, dict(noise_periods=4)),
    "ecg_bleed": (dict(ecg_bleed_uv=(5.0, 15.0)), {}),
    "ecg_bleed_no_ecg": (dict(ecg_bleed_uv=(5.0, 15.0)), dict(ecg_channel=False)),
    "near_threshold": ({}, dict(near_threshold_per_hour=3.0)),
    "ragged": ({}, dict(ragged_per_hour=3.0)),
    "staggered": ({}, dict(staggered_per_hour=3.0)),
    "plm_irregular": ({}, dict(irregular_per_hour=3.0)),
    "hum50": (dict(mains_hz=50.0), dict(hum_uv=(30.0, 100.0), hum_hz=50.0)),
    "hum60": (dict(mains_hz=60.0), dict(hum_uv=(30.0, 100.0), hum_hz=60.0)),
    "hypnic": (dict(jerk_probability=0.0), dict(awakenings_per_hour=4.0, jerk_probability=1.0,
                                                myoclonus_per_hour=1.0)),
    "mixed": (dict(ecg_bleed_uv=(5.0, 15.0), isolated_lm_per_hour=3.0, lm_amplitude_uv=(12.0, 60.0)),
              dict(clip_uv=150.0, leadoffs=2, noise_periods=2, hum_uv=(10.0, 30.0),
                   myoclonus_per_hour=0.7, rem_leg_twitches_per_min=2.0, alma_per_hour=0.5,
                   near_threshold_per_hour=0.5, ragged_per_hour=0.5, staggered_per_hour=0.5,
                   irregular_per_hour=0.4, awakenings_per_hour=1.0, jerk_probability=0.8)),
}
PRESETS["mixed_no_ecg"] = (PRESETS["mixed"][0], {**PRESETS["mixed"][1], "clip_uv": 100.0, "ecg_channel": False})
EFFECTS = tuple(PRESETS)


def stress_config(effect: str, **overrides) -> SimConfig:
    """The :class:`SimConfig` of a preset; ``overrides`` may name SimConfig or StressConfig fields.

    Examples
    --------
    >>> stress_config("clip150", duration_h=1.0).stress.clip_uv
    150.0
    """
    if effect not in PRESETS:
        raise ValueError(f"unknown stress effect '{effect}'; known: {', '.join(EFFECTS)}")
    base, st = PRESETS[effect]
    base, st = dict(base), dict(st)
    split_overrides(overrides, base, st, StressConfig, "stress")
    cfg = SimConfig(**base)
    if effect != "baseline" or st:
        cfg.stress = StressConfig(**st)
    return cfg


def stress_night(effect: str, seed: int = 0, duration_h: float = 2.0, fs_emg: float = 256.0,
                 fs_eeg: float | None = None, full_montage: bool = False, **overrides) -> SimulatedNight:
    """Simulate one night of a stress preset (see ``PRESETS``; "mixed" has every effect).

    Parameters
    ----------
    effect : str
        A key of ``PRESETS``.
    seed : int
        Same seed and options -> bit-identical night; truth times do not depend on ``fs_emg``.
    duration_h, fs_emg, fs_eeg, full_montage
        As in :class:`SimConfig` (``fs_eeg`` defaults to ``fs_emg / 2``).
    **overrides
        Any SimConfig or StressConfig field.

    Returns
    -------
    SimulatedNight

    Examples
    --------
    >>> night = stress_night("staggered", seed=2, duration_h=0.5, fs_emg=200)
    >>> {lm["kind"] for lm in night.truth["leg_movements"]} >= {"staggered"}
    True
    """
    cfg = stress_config(effect, duration_h=duration_h, fs_emg=fs_emg, fs_eeg=fs_eeg or fs_emg / 2,
                        full_montage=full_montage, **overrides)
    return simulate_night(seed=seed, config=cfg)
