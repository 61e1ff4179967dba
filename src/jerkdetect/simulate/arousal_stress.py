"""Arousal stress family: EEG nights built to break an arousal detector.

Each effect is a field of :class:`~jerkdetect.simulate.config.ArousalStressConfig` (all off by
default, so a night without ``arousal_stress`` is bit-identical to one simulated before this
module existed) and draws from its own generator (``arousal_stress_rng(seed)``). The effects
come from what makes arousals hard to score in clinical recordings (AASM Manual, arousal rule:
an abrupt shift to alpha, theta or > 16 Hz, not spindles, for >= 3 s), not from how
``jerkdetect.detection.arousals`` works:

``low_contrast``
    every arousal raises its band's amplitude only 1.5-4 x over the 10 s before, for 3-9 s;
``neighbour_intrusions``
    alpha/beta intrusions of 1-2.9 s (not arousals) 1-4 s before or after real arousals;
``after_spindle``
    N2/N3 arousals that start right after (0-0.5 s) a spindle or a K-complex;
``alpha_background``
    alpha-rich N1 and alpha-delta sleep (sleep alpha 2.5-4 x);
``beta_background``
    benzodiazepine-like sleep: beta 2.5-4 x and spindle (sigma) power 1.5 x;
``one_channel``, ``low_rate``
    one central EEG derivation only; EEG sampled at 100-200 Hz (the bench picks the rate);
``artefacts``
    electrode pops and sweat sway in sleep;
``rem_small_chin``
    REM arousals with a chin EMG rise of only 1.6-2.0 x;
``broad_rise``
    arousals (and their neighbour intrusions) that raise the whole 8-30 Hz range, sigma with
    it, in spindle-rich N2/N3 (sigma 2-3 x), where a spindle test by absolute sigma power
    mistakes them for spindles.
``chin_bursts``
    low-contrast arousals (1.5-4 x), half of the NREM ones with a chin rise, among chin EMG rises
    without an arousal (20 per hour), half of which start with a 1.5-2.9-s alpha/beta intrusion:
    a detector that lets the chin settle a weak EEG shift must not score these.
``slow_spindles``
    trains of 2-5 slow spindles at 11.0-12.3 Hz (AASM's spindles are 11-16 Hz) lasting 3 s or
    more in N2/N3, 30 per hour of N2/N3: most of their power lies in the 8-12 Hz alpha band.

The second, differently built renderer (``benchmarks/_alt_eeg.py``) is run by the benchmark.

Examples
--------
>>> from jerkdetect.simulate.arousal_stress import arousal_stress_night
>>> night = arousal_stress_night("neighbour_intrusions", seed=1, duration_h=0.5)
>>> any(e["kind"] == "neighbour_intrusion" for e in night.truth["eeg_events"])
True
"""
from __future__ import annotations

from .arousal_stress_effects import arousal_stress_rng, plan_arousal_stress
from .config import ArousalStressConfig, SimConfig, split_overrides
from .night import simulate_night

__all__ = ["AROUSAL_EFFECTS", "AROUSAL_PRESETS", "arousal_stress_config", "arousal_stress_night",
           "arousal_stress_rng", "plan_arousal_stress"]

# effect -> (SimConfig overrides, ArousalStressConfig fields)
AROUSAL_PRESETS: dict[str, tuple[dict, dict]] = {
    "low_contrast": ({}, dict(arousal_ratio=(1.5, 4.0), arousal_s=(3.0, 9.0))),
    "neighbour_intrusions": (dict(modest_arousal_fraction=1.0),
                             dict(neighbour_intrusions=0.7)),
    "after_spindle": (dict(modest_arousal_fraction=1.0), dict(after_graphoelement=0.8)),
    "alpha_background": (dict(modest_arousal_fraction=1.0), dict(alpha_background=(2.5, 4.0))),
    "beta_background": (dict(modest_arousal_fraction=1.0), dict(beta_background=(2.5, 4.0))),
    "one_channel": (dict(modest_arousal_fraction=1.0, full_montage=False), dict(arousal_ratio=(2.0, 4.0))),
    "low_rate": (dict(modest_arousal_fraction=1.0, fs_eeg=128.0), dict(arousal_ratio=(2.0, 4.0))),
    "artefacts": (dict(modest_arousal_fraction=1.0), dict(pops_per_hour=30.0, sweat_per_hour=3.0)),
    "rem_small_chin": (dict(modest_arousal_fraction=1.0), dict(rem_chin_ratio=(1.6, 2.0))),
    "mixed": ({}, dict(arousal_ratio=(1.5, 4.0), neighbour_intrusions=0.3, after_graphoelement=0.3,
                       alpha_background=(1.5, 2.5), pops_per_hour=10.0, sweat_per_hour=1.0,
                       rem_chin_ratio=(1.6, 2.0))),
    "broad_rise": (dict(modest_arousal_fraction=1.0),
                   dict(broad_arousals=1.0, sigma_background=(2.0, 3.0), neighbour_intrusions=0.3)),
    "chin_bursts": ({}, dict(arousal_ratio=(1.5, 4.0), chin_bursts_per_hour=20.0)),
    "slow_spindles": (dict(modest_arousal_fraction=1.0), dict(slow_spindle_trains_per_hour=30.0)),
}
AROUSAL_EFFECTS = tuple(AROUSAL_PRESETS)


def arousal_stress_config(effect: str, **overrides) -> SimConfig:
    """The :class:`SimConfig` of an arousal stress preset; ``overrides`` name SimConfig or
    ArousalStressConfig fields."""
    if effect not in AROUSAL_PRESETS:
        raise ValueError(f"unknown arousal stress effect '{effect}'; known: {', '.join(AROUSAL_EFFECTS)}")
    base, st = (dict(x) for x in AROUSAL_PRESETS[effect])
    split_overrides(overrides, base, st, ArousalStressConfig, "arousal stress")
    cfg = SimConfig(**base)
    cfg.arousal_stress = ArousalStressConfig(**st)
    return cfg


def arousal_stress_night(effect: str, seed: int = 0, duration_h: float = 2.0, **overrides):
    """Simulate one night of an arousal stress preset (see ``AROUSAL_PRESETS``).

    Parameters
    ----------
    effect : str
        A key of ``AROUSAL_PRESETS``.
    seed : int
        Same seed and options -> bit-identical night.
    duration_h : float
    **overrides
        Any SimConfig or ArousalStressConfig field (e.g. ``fs_eeg=200.0``).

    Returns
    -------
    SimulatedNight
    """
    overrides.setdefault("fs_emg", 256.0)
    return simulate_night(seed=seed, config=arousal_stress_config(effect, duration_h=duration_h, **overrides))

