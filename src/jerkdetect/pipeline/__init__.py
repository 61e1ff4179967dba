"""Pipeline: one night from a recording (or a scoring file alone) to a :class:`ScoringResult`.

:func:`score` runs the stages of :mod:`.night` in order; :func:`score_annotations` scores a
scoring file's own leg movements without a recording.
"""
from .annotations_only import score_annotations
from .result import ScoringResult
from .score import score
from .scoring_file import find_scoring_file

__all__ = ["ScoringResult", "find_scoring_file", "score", "score_annotations"]
