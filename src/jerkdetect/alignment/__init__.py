"""Alignment: events against the hypnogram (stages, windows, denominators, indices) and cohorts.

The epoch arithmetic itself lives in :mod:`jerkdetect.core.epochs` (the hypnogram needs it) and
is re-exported here; all of jerkdetect goes through it. Times are converted to integer
microseconds before any division, so an event at 29.999999 s and one at 30.000000 s land in
different 30-s epochs whatever floating-point noise the inputs carry.
"""
from ..core.epochs import (UNSCORED, epoch_bounds, epoch_index, epochs_from_intervals, stage_at, stage_at_reference,
                           stage_overlap, to_microseconds)
from ..core.intervals import intersect_intervals, merge_intervals, time_in_windows
from ..core.stages import restrict_duration, sleep_transitions, stage_durations
from .cohort import CohortHypnograms, align_cohort, align_cohort_reference

__all__ = ["UNSCORED", "CohortHypnograms", "align_cohort", "align_cohort_reference", "epoch_bounds",
           "epoch_index", "epochs_from_intervals", "intersect_intervals",
           "merge_intervals", "restrict_duration", "sleep_transitions", "stage_at",
           "stage_at_reference", "stage_durations", "stage_overlap", "time_in_windows",
           "to_microseconds"]
