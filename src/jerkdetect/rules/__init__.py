"""Scoring rules: AASM 2012 and WASM 2016 PLM rules, arousal/respiratory association, hypnic jerks,
and the other motor events (fragmentary myoclonus, REM muscle activity, REM atonia index, ALMA, HFT)."""
from .aasm2012 import AASM2012
from .base import LegMovements, MonolateralLMs, RuleSet, associate, series_ids
from ..core.intervals import inside_intervals, overlaps_window
from .hypnic import HypnicJerkRule
from .wasm2016 import WASM2016
from .atonia_index import AtoniaIndexRule
from .fragmentary_myoclonus import FragmentaryMyoclonusRule
from .motor_events import MotorEvents, MotorRules, score_motor
from .rem_activity import REMActivityRule
from .rhythmic_leg import ALMARule, HFTRule

RULESETS = {"aasm2012": AASM2012, "wasm2016": WASM2016}


def get_rules(rules: str | RuleSet = "wasm2016", **params) -> RuleSet:
    """Return a rule-set object by name (``"wasm2016"``, ``"aasm2012"``) with parameter overrides."""
    from dataclasses import fields

    from ..core.names import check_names
    if isinstance(rules, RuleSet):
        if params:
            from dataclasses import replace
            check_names(params, rule_param_names(rules), "rule parameter", rules.name)
            return replace(rules, **params)
        return rules
    check_names([str(rules).lower()], RULESETS, "rule set")
    cls = RULESETS[str(rules).lower()]
    check_names(params, [f.name for f in fields(cls) if f.name != "name"], "rule parameter", cls.name)
    return cls(**params)


def rule_param_names(rules: str | RuleSet = "wasm2016") -> list[str]:
    """Names of the parameters a rule set takes (``min_imi_s``, ``max_imi_s``...)."""
    from dataclasses import fields
    cls = rules if isinstance(rules, RuleSet) else RULESETS[str(rules).lower()]
    return [f.name for f in fields(cls) if f.name != "name"]


__all__ = ["ALMARule", "AtoniaIndexRule", "FragmentaryMyoclonusRule", "HFTRule", "MotorEvents", "MotorRules",
           "REMActivityRule", "score_motor",
           "AASM2012", "HypnicJerkRule", "LegMovements", "MonolateralLMs", "RULESETS", "RuleSet",
           "WASM2016", "associate", "get_rules", "inside_intervals", "overlaps_window", "rule_param_names",
           "series_ids"]
