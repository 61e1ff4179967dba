"""The motor rules' Numba kernels equal their plain references (random and edge-case inputs)."""
import numpy as np
import pytest

from jerkdetect.detection.kernels import Envelope, envelope_features_reference, raw_extremes_reference
from jerkdetect.rules.motor_kernels import (burst_trains, burst_trains_reference, moving_min, moving_min_reference,
                                            threshold_runs, threshold_runs_reference)


def _envelope(rng, n):
    """A bursty positive envelope: rest ~1 with bursts of random height and length."""
    x = np.abs(rng.normal(1.0, 0.3, n)).astype(np.float32)
    for _ in range(n // 50):
        a = int(rng.integers(0, n))
        x[a:a + int(rng.integers(1, 40))] += float(rng.uniform(0.5, 30))
    return x


@pytest.mark.parametrize("seed", range(6))
def test_threshold_runs_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    env = _envelope(rng, n)
    ref = rng.uniform(0.5, 2.0, int(rng.integers(1, 40)))
    unit = float(rng.uniform(5.0, 150.0))
    args = (env, ref, unit, float(rng.choice([1.0, 2.0, 4.0])), float(rng.choice([0.0, 2.0])),
            int(rng.integers(0, 12)), int(rng.integers(0, max(1, n // 3))), n, float(rng.choice([0.0, 0.25, 0.5])),
            float(rng.choice([1.0, 0.75])))
    got, want = threshold_runs(*args), threshold_runs_reference(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)


def test_threshold_runs_edges():
    ref = np.array([1.0])
    empty = threshold_runs(np.zeros(0, np.float32), ref, 10.0, 1.0, 2.0, 0, 0, 0, 0.5)
    assert all(a.size == 0 for a in empty)
    allup = threshold_runs(np.full(50, 9.0, np.float32), ref, 10.0, 1.0, 2.0, 0, 0, 50, 0.5)
    assert allup[0].tolist() == [0] and allup[1].tolist() == [50]      # a run reaching the end closes there
    # two runs 3 samples apart: merged with a bridge of 3, not with 2
    env = np.ones(40, np.float32)
    env[5:10] = env[13:20] = 9.0
    assert len(threshold_runs(env, ref, 10.0, 1.0, 2.0, 2, 0, 40, 0.5)[0]) == 2
    assert len(threshold_runs(env, ref, 10.0, 1.0, 2.0, 3, 0, 40, 0.5)[0]) == 1


@pytest.mark.parametrize("seed", range(5))
def test_moving_min_matches_reference(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(5, 2, int(rng.integers(1, 400)))
    x[rng.random(x.size) < 0.1] = np.nan
    half = int(rng.integers(0, 40))
    np.testing.assert_array_equal(moving_min(x, half), moving_min_reference(x, half))


def test_moving_min_all_nan_and_empty():
    assert np.isnan(moving_min(np.full(5, np.nan), 2)).all()
    assert moving_min(np.zeros(0), 3).size == 0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("alternate", [True, False])
def test_burst_trains_matches_reference(seed, alternate):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    onset = np.sort(rng.uniform(0, n * 0.6 + 1, n))
    side = rng.integers(0, 2, n).astype(np.int8)
    ok = rng.random(n) < 0.9
    args = (onset, side, ok, alternate, 0.3, 2.0, float(rng.choice([0.0, 1.5])), 0.2 if alternate else 0.0,
            int(rng.integers(2, 6)))
    got, want = burst_trains(*args), burst_trains_reference(*args)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("rpool,step", [(1, 1001), (3, 97), (10, 5000), (26, 613)])
def test_envelope_keeps_the_signed_extremes_of_the_trace(rpool, step):
    """The fused envelope kernel keeps each pool's largest and smallest sample of the filtered trace
    (what the motor rules read), equal to the reference however the signal is handed over, and
    their larger magnitude is the |x| maximum detection keeps."""
    x = np.random.default_rng(rpool).normal(0, 10, 5001).astype(np.float32)
    want_max, want_min = raw_extremes_reference(x, rpool)
    raw_abs = envelope_features_reference(x.copy(), 25, 512, 10, rpool)[4]
    env = Envelope(x, 25, 512, 10, rpool)
    for upto in range(step, x.size + step, step):
        env.advance(min(upto, x.size))
    np.testing.assert_array_equal(env.raw_max, want_max)
    np.testing.assert_array_equal(env.raw_min, want_min)
    np.testing.assert_array_equal(env.result()[3], raw_abs)


@pytest.mark.parametrize("seed", range(5))
def test_epoch_rows_matches_reference(seed):
    from jerkdetect.rules.motor_kernels import epoch_rows, epoch_rows_reference
    rng = np.random.default_rng(seed)
    env = _envelope(rng, int(rng.integers(50, 5000)))
    ne = int(rng.integers(5, 400))
    first = np.sort(rng.integers(-ne, env.size + 10, int(rng.integers(1, 12))))
    keep = rng.random((first.size, ne)) < 0.9
    args = (env, first, ne, int(rng.integers(0, 9)), int(rng.integers(1, 6)), keep, float(rng.uniform(0, 1)),
            int(rng.integers(1, 5)))
    got, want = epoch_rows(*args), epoch_rows_reference(*args)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9)


def test_threshold_runs_height_quantile_matches_reference():
    rng = np.random.default_rng(9)
    env = _envelope(rng, 4000)
    args = (env, rng.uniform(0.5, 2.0, 40), 100.0, 1.0, 2.0, 0, 0, env.size, 0.1, 0.75)
    for g, w in zip(threshold_runs(*args), threshold_runs_reference(*args)):
        np.testing.assert_allclose(g, w)


def test_quantile_in_place_is_the_copying_quantile_bit_for_bit():
    """The selection the REM backgrounds and burst heights use gives _quantile's value to the last
    bit (ties, constant stretches, sorted and reversed input, one sample, NaN) and np.quantile's."""
    from jerkdetect.rules.motor_kernels import _quantile, _quantile_in_place
    rng = np.random.default_rng(11)
    cases = [rng.normal(0, 1, n) for n in (1, 2, 3, 5, 16, 17, 100, 769)]
    cases += [np.round(rng.normal(0, 2, 300)), np.full(50, 3.25), np.arange(200.0), np.arange(200.0)[::-1].copy(),
              rng.integers(0, 3, 500).astype(float)]
    for v in cases:
        for q in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, float(rng.uniform())):
            work = np.concatenate([v, rng.normal(0, 9, 7)])  # samples past n are not looked at
            got = _quantile_in_place(work, v.size, q)
            assert got == _quantile(v.copy(), q), (v.size, q)
            assert np.sort(work[:v.size]).tolist() == np.sort(v).tolist()  # reordered, nothing lost
            np.testing.assert_allclose(got, np.quantile(v, q), rtol=1e-12, atol=1e-12)
    v = np.array([1.0, np.nan, 0.5, 2.0])
    assert np.isnan(_quantile_in_place(v.copy(), 4, 0.9)) == np.isnan(_quantile(v.copy(), 0.9))
