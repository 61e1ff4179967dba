"""Scoring rules: AASM 2012 and WASM 2016 PLM rules, arousal/respiratory association, hypnic jerks."""
from .aasm2012 import AASM2012
from .base import (LegMovements, MonolateralLMs, RuleSet, associate, inside_intervals,
                   overlaps_window, series_ids)
from .hypnic import HypnicJerkRule
from .wasm2016 import WASM2016

RULESETS = {"aasm2012": AASM2012, "wasm2016": WASM2016}


def get_rules(rules: str | RuleSet = "wasm2016", **params) -> RuleSet:
    """Return a rule-set object by name (``"wasm2016"``, ``"aasm2012"``) with parameter overrides."""
    if isinstance(rules, RuleSet):
        return rules
    try:
        return RULESETS[rules.lower()](**params)
    except KeyError:
        raise ValueError(f"unknown rule set '{rules}'; choose from {', '.join(RULESETS)}") from None


__all__ = ["AASM2012", "HypnicJerkRule", "LegMovements", "MonolateralLMs", "RULESETS", "RuleSet",
           "WASM2016", "associate", "get_rules", "inside_intervals", "overlaps_window", "series_ids"]
