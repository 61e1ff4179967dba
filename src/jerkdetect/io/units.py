"""Unit handling: every signal is returned in microvolts (µV)."""
from __future__ import annotations

import warnings

_FACTORS = {
    "v": 1e6, "volt": 1e6, "volts": 1e6,
    "mv": 1e3, "millivolt": 1e3,
    "uv": 1.0, "µv": 1.0, "μv": 1.0, "microvolt": 1.0, "micro-v": 1.0,
    "nv": 1e-3, "nanovolt": 1e-3,
}
# Roles whose signal is a voltage that must be in µV.
VOLTAGE_ROLES = frozenset({"leg_left", "leg_right", "chin", "eeg", "eog", "ecg", "emg", "arm_left", "arm_right"})


def unit_factor(unit: str) -> float | None:
    """Factor that converts a declared physical unit to µV, or None when it is not a voltage unit.

    Examples
    --------
    >>> unit_factor("mV")
    1000.0
    >>> unit_factor("%") is None
    True
    """
    key = unit.strip().lower().replace(" ", "")
    return _FACTORS.get(key)


def infer_factor(label: str, unit: str, phys_min: float, phys_max: float, source: str) -> float:
    """Guess the µV factor of a voltage channel with a blank or unknown unit from its physical range.

    A range within ±0.01 is taken as volts, within ±20 as millivolts, anything larger as µV.
    Always warns, naming the channel, because the guess may be wrong.
    """
    span = max(abs(phys_min), abs(phys_max))
    if span <= 0.01:
        factor, guess = 1e6, "V"
    elif span <= 20:
        factor, guess = 1e3, "mV"
    else:
        factor, guess = 1.0, "µV"
    warnings.warn(
        f"{source}: channel '{label}' declares unit '{unit}', which is not a voltage unit; "
        f"its physical range ±{span:g} suggests {guess}, so it is read as {guess}.",
        UserWarning, stacklevel=3)
    return factor
