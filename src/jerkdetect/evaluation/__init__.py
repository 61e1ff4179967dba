"""Evaluation: event matching, arousal agreement, and comparison with a simulated night's truth."""
from .arousals import compare_arousals
from .matching import match_intervals, match_onsets
from .truth import compare_with_truth

__all__ = ["compare_arousals", "compare_with_truth", "match_intervals", "match_onsets"]
