"""Alignment core: exact epoch arithmetic, stage overlap, transitions, cohort pass vs reference loops."""
import numpy as np
import pytest

from jerkdetect.alignment import (CohortHypnograms, align_cohort, align_cohort_reference, epoch_index,
                                  sleep_transitions, stage_at, stage_at_reference, stage_durations,
                                  stage_overlap)
from jerkdetect.core.hypnogram import Hypnogram


def test_exact_at_epoch_boundaries():
    # times are rounded to the microsecond, so 1 µs before the boundary is still epoch 0
    assert epoch_index([29.999, 30.0, 29.999999], 0.0, 30.0).tolist() == [0, 1, 0]
    # float noise: 90.1 - 0.1 is 89.99999999999999 in binary floating point
    assert epoch_index([90.1], 0.1, 30.0).tolist() == [3]
    assert epoch_index([19.999999, 20.0], 0.0, 20.0).tolist() == [0, 1]


@pytest.mark.parametrize("epoch", [20.0, 30.0])
@pytest.mark.parametrize("offset", [-45.0, 0.0, 12.5])
def test_stage_at_matches_reference_loop(epoch, offset):
    rng = np.random.default_rng(int(epoch + offset + 100))
    stages = rng.integers(-1, 5, 900).astype(np.int8)
    t = rng.uniform(offset - 100, offset + 900 * epoch + 100, 20000)
    t[:200] = offset + rng.integers(0, 900, 200) * epoch  # exactly on boundaries
    np.testing.assert_array_equal(stage_at(t, stages, offset, epoch), stage_at_reference(t, stages, offset, epoch))


def test_stage_overlap_of_long_events():
    stages = np.array([0, 2, 4], np.int8)
    ov = stage_overlap([25.0, 50.0], [35.0, 95.0], stages, 0.0, 30.0)
    # columns: unscored, W, N1, N2, N3, R
    assert ov[0].tolist() == [0, 5, 0, 5, 0, 0]
    assert ov[1].tolist() == [5, 0, 0, 10, 0, 30]


def test_stage_durations_exclude_intervals():
    d = stage_durations([2, 2, 2, 0], 0.0, 30.0, exclude=[(10.0, 40.0), (35.0, 45.0)])
    assert d[2] == 90.0 - 35.0 and d[0] == 30.0


def test_transitions():
    assert sleep_transitions([0, 0, 1, 2, 0, 0, 2, -1, 2], 0.0, 30.0).tolist() == [60.0, 180.0]
    assert sleep_transitions([2, 2, 0, 1], 15.0, 30.0).tolist() == [105.0]


def test_cohort_matches_reference():
    rng = np.random.default_rng(5)
    hyps = [Hypnogram(rng.integers(-1, 5, rng.integers(1, 1000)), rng.choice([20.0, 30.0]),
                      float(rng.uniform(-100, 100))) for _ in range(200)]
    cohort = CohortHypnograms.from_hypnograms(hyps)
    night = rng.integers(0, 200, 50000)
    t = rng.uniform(-200, 30000, night.size)
    np.testing.assert_array_equal(align_cohort(night, t, cohort), align_cohort_reference(night, t, hyps))


def test_cohort_rejects_bad_night_id():
    c = CohortHypnograms.from_hypnograms([Hypnogram([0, 1])])
    with pytest.raises(ValueError, match="night ids"):
        align_cohort([1], [0.0], c)


def test_epoch_bounds_exact_and_intervals():
    from jerkdetect.alignment import epoch_bounds, epochs_from_intervals
    s, e = epoch_bounds(4, 0.1, 30.0)
    assert s.tolist() == [0.1, 30.1, 60.1, 90.1] and e.tolist() == [30.1, 60.1, 90.1, 120.1]
    # Sleep-EDF style: one 90-s W annotation, a 30-s N1, a gap, a 60-s N2
    stages, start = epochs_from_intervals([(0.0, 90.0, 0), (90.0, 30.0, 1), (150.0, 60.0, 2)], 30.0)
    assert start == 0.0 and stages.tolist() == [0, 0, 0, 1, -1, 2, 2]


def test_stage_overlap_matches_reference():
    from jerkdetect.core.epochs import stage_overlap_reference
    rng = np.random.default_rng(8)
    stages = rng.integers(-1, 5, 50).astype(np.int8)
    on = rng.uniform(-40, 1540, 300)
    off = on + rng.uniform(0.5, 70, 300)
    np.testing.assert_allclose(stage_overlap(on, off, stages, 0.0, 30.0),
                               stage_overlap_reference(on, off, stages, 0.0, 30.0), atol=1e-6)
