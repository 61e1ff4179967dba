"""Alignment: every "when, in sleep terms" question (events -> epochs, stages, windows, denominators).

All epoch arithmetic in jerkdetect goes through this package. Times are converted to integer
microseconds before any division, so an event at 29.999999 s and one at 30.000000 s land in
different 30-s epochs whatever floating-point noise the inputs carry.
"""
from .epochs import (UNSCORED, epoch_bounds, epoch_index, epochs_from_intervals, stage_at,
                     stage_at_reference, stage_overlap, to_microseconds)
from .windows import (intersect_intervals, merge_intervals, restrict_duration, sleep_transitions, stage_durations,
                      time_in_windows)
from .cohort import CohortHypnograms, align_cohort, align_cohort_reference

__all__ = ["UNSCORED", "CohortHypnograms", "align_cohort", "align_cohort_reference", "epoch_bounds",
           "epoch_index", "epochs_from_intervals", "intersect_intervals",
           "merge_intervals", "restrict_duration", "sleep_transitions", "stage_at",
           "stage_at_reference", "stage_durations", "stage_overlap", "time_in_windows",
           "to_microseconds"]
