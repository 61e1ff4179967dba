"""Reporting: indices, results object, tables, plots."""
from .indices import indices_by_stage, night_indices, periodicity_index
from .results import ScoringResult

__all__ = ["ScoringResult", "indices_by_stage", "night_indices", "periodicity_index"]
