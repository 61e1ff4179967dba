"""Numba kernels against their plain references, on random and simulated inputs."""
import numpy as np
import pytest
import scipy.signal as sps

from jerkdetect.detection.kernels import (burst_features, envelope_features, envelope_features_reference,
                                          envelope_reference, hysteresis, hysteresis_reference, longest_run,
                                          rolling_quantile, rolling_quantile_reference)
from jerkdetect.preprocessing import butter2, design_emg_filter, detect_mains, notch, sos_filter
from jerkdetect.preprocessing.ecg import detect_r_peaks


@pytest.mark.parametrize("fs", [200, 256, 500, 512, 1024])
def test_biquad_design_matches_scipy(fs):
    np.testing.assert_allclose(butter2(10, fs, "high"), sps.butter(2, 10, "high", fs=fs, output="sos")[0])
    np.testing.assert_allclose(butter2(100 if fs > 220 else 90, fs, "low"),
                               sps.butter(2, 100 if fs > 220 else 90, "low", fs=fs, output="sos")[0])
    b, a = sps.iirnotch(50, 5, fs)
    np.testing.assert_allclose(notch(50, fs, 5), np.concatenate([b, a]))


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float64])
def test_sos_filter_matches_scipy(dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(20000) * 1000).astype(dtype)
    sos = design_emg_filter(512, mains=50)
    y, _ = sos_filter(x.reshape(40, 500), sos, gain=0.5, offset=3.0)  # records x samples, scaled
    ref = sps.sosfilt(sos, x.astype(np.float64) * 0.5 + 3.0)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-3)


def test_sos_filter_block_by_block_equals_whole():
    x = (np.random.default_rng(4).standard_normal((300, 256)) * 500).astype(np.int16)
    sos = design_emg_filter(256, mains=60)
    whole, c1 = sos_filter(x, sos, 0.1, 1.0, (-32768, 32767), 256)
    parts, c2 = sos_filter((x[i:i + 7] for i in range(0, 300, 7)), sos, 0.1, 1.0, (-32768, 32767), 256,
                           n=x.size)
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(c1, c2)


def test_sos_filter_counts_clipped_samples():
    x = np.zeros(1000, dtype=np.int16)
    x[[5, 6, 700]] = 32767
    _, clipped = sos_filter(x, design_emg_filter(256), clip_range=(-32768, 32767), block=256)
    assert clipped.tolist() == [2, 0, 1, 0]  # samples 5 and 6 in block 0, sample 700 in block 2


@pytest.mark.parametrize("n, w, block, pool, rpool", [
    (5000, 1, 100, 5, 26), (5000, 3, 100, 5, 26), (10_050, 25, 100, 5, 26), (40_000, 51, 512, 5, 26),
    (33_281, 25, 512, 5, 26), (70_001, 11, 200, 2, 10), (7, 25, 4, 2, 3), (30, 25, 4, 2, 3), (1, 1, 1, 1, 1)])
def test_envelope_features_matches_reference(n, w, block, pool, rpool):
    """Envelope, block means and maxima, pooled envelope and pooled |x| against NumPy, at the
    edges (windows wider than the signal, partial tiles, blocks and runs) and across tiles."""
    x = np.random.default_rng(n + w).standard_normal(n).astype(np.float32) * 10
    env, means, maxes, env_pooled, raw_pooled = envelope_features_reference(x, w, block, pool, rpool)
    y = x.copy()
    g_means, g_maxes, g_env_pooled, g_raw_pooled = envelope_features(y, w, block, pool, rpool)
    np.testing.assert_allclose(y, env, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g_means, means, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g_maxes, maxes, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g_env_pooled, env_pooled, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(g_raw_pooled, raw_pooled)  # a maximum of the input is exact
    # the summaries are exactly those of the envelope the kernel wrote
    np.testing.assert_array_equal(g_env_pooled, y[:n // pool * pool].reshape(-1, pool).max(axis=1))
    np.testing.assert_array_equal(g_maxes, np.maximum.reduceat(y, np.arange(0, n, block)))


@pytest.mark.parametrize("seed, per, tail", [(0, 7, 0), (1, 7, 3), (2, 100, 2), (3, 100, 60), (4, 40, 4)])
def test_envelope_and_ecg_subtraction_by_pieces_equal_the_whole(seed, per, tail):
    """Scoring on two threads subtracts the ECG and computes the envelope while the filter is
    still running, as far as the filtered samples allow: in any pieces, the result is the
    whole-signal result to the last bit, and samples reported final never change afterwards.
    ``tail`` beats in the last block of ``per``: under 5, it borrows the template of the ``per``
    beats before the end, which the envelope must not have overwritten yet (more than a tile)."""
    from jerkdetect.detection.kernels import Envelope
    from jerkdetect.preprocessing.ecg import TemplateSubtraction, subtract_ecg
    rng = np.random.default_rng(seed)
    fs = 256.0
    r_times = 1.0 + np.cumsum(rng.uniform(0.5, 1.3, 3 * per + tail))
    n = int((r_times[-1] + 2.0) * fs) + int(rng.integers(0, 300))
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    for t in r_times:  # cardiac spikes to subtract
        i = int(t * fs)
        x[i:i + 5] += 20
    subtracted = subtract_ecg(x.copy(), fs, r_times, beats_per_template=per)
    want = subtracted.copy()
    w_means, w_maxes, w_env, w_raw = envelope_features(want, 13, 256, 3, 13)
    y = x.copy()
    sub = TemplateSubtraction(y, fs, r_times, beats_per_template=per)
    env = Envelope(y, 13, 256, 3, 13, per_bin=7)
    filtered, steps = 0, 0
    while filtered < n:
        filtered = min(n, filtered + int(rng.integers(1, n // 8)))
        final = min(filtered, sub.advance(filtered))
        # what is called final is the whole-signal subtraction already (before the envelope's part)
        np.testing.assert_array_equal(y[env.done:final], subtracted[env.done:final])
        env.advance(final)
        np.testing.assert_array_equal(y[:env.done], want[:env.done])  # envelope written: for good
        steps += 1
    assert steps > 5
    for a, b in zip(env.result(), (w_means, w_maxes, w_env, w_raw)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y, want)
    # the maximum of each bin of 7 pooled values, bins completed across tiles
    np.testing.assert_array_equal(env.bin_max, w_env[:w_env.size // 7 * 7].reshape(-1, 7).max(axis=1))


def test_rolling_quantile_matches_numpy():
    v = np.random.default_rng(1).gamma(2, 2, 700)
    for half, q in [(0, 0.5), (3, 0.2), (30, 0.2), (400, 0.9)]:
        np.testing.assert_allclose(rolling_quantile(v, half, q), rolling_quantile_reference(v, half, q))


@pytest.mark.parametrize("back", [0, 30])
@pytest.mark.parametrize("seed", range(6))
def test_hysteresis_matches_reference(seed, back):
    rng = np.random.default_rng(seed)
    n, block = 20000, 100
    env = np.abs(rng.standard_normal(n)).astype(np.float32) * 1.5
    for _ in range(15):  # random bursts
        i = rng.integers(0, n - 400)
        env[i:i + rng.integers(5, 400)] += rng.uniform(5, 40)
    base = rng.uniform(0.5, 1.5, n // block)
    got = hysteresis(env, base, block, 8.0, 2.0, 50, back)
    ref = hysteresis_reference(env, base, block, 8.0, 2.0, 50, back)
    bmax = np.array([env[i:i + block].max() for i in range(0, n, block)], dtype=np.float32)
    skipping = hysteresis(env, base, block, 8.0, 2.0, 50, back, bmax)
    for g, r, k in zip(got, ref, skipping):
        np.testing.assert_allclose(g, r, rtol=1e-6)
        np.testing.assert_array_equal(g, k)


def test_hysteresis_offset_needs_half_second_quiet():
    fs, block = 100, 100
    env = np.zeros(1000, np.float32)
    env[100:200] = 20   # burst 1: 1.0-2.0 s
    env[240:300] = 20   # 0.4 s quiet gap -> same movement
    env[360:400] = 20   # 0.6 s quiet gap -> a new movement
    on, off, pk, _, _ = hysteresis(env, np.zeros(10), block, 8.0, 2.0, int(0.5 * fs))
    assert on.tolist() == [100, 360] and off.tolist() == [300, 400]


def test_onset_backtracks_to_start_of_rise():
    env = np.zeros(300, np.float32)
    env[100:110] = 4.0    # the burst starts rising at sample 100 ...
    env[110:200] = 20.0   # ... and crosses 8 µV at sample 110
    assert hysteresis(env, np.zeros(3), 100, 8.0, 2.0, 50, 0)[0].tolist() == [110]
    assert hysteresis(env, np.zeros(3), 100, 8.0, 2.0, 50, 25)[0].tolist() == [100]
    assert hysteresis(env, np.zeros(3), 100, 8.0, 2.0, 50, 5)[0].tolist() == [105]  # limited


def test_mains_detection():
    fs = 512
    t = np.arange(fs * 120) / fs
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(t.size)
    assert detect_mains(noise + 3 * np.sin(2 * np.pi * 60 * t), fs) == 60
    assert detect_mains(noise + 3 * np.sin(2 * np.pi * 50 * t), fs) == 50
    assert detect_mains(noise, fs) is None


def test_ecg_subtraction_matches_reference_and_removes_bleed():
    from jerkdetect.preprocessing.ecg import subtract_ecg, subtract_ecg_reference
    from jerkdetect.simulate.waveforms import ecg
    fs = 256.0
    _, r_true, qrs = ecg(120.0, fs, np.random.default_rng(2))
    noise = np.random.default_rng(3).standard_normal(qrs.size)
    x = (noise + 12 * qrs).astype(np.float32)
    ref = subtract_ecg_reference(x, fs, r_true, beats_per_template=17)
    got = subtract_ecg(x.copy(), fs, r_true, beats_per_template=17)
    np.testing.assert_allclose(got, ref, atol=1e-4)
    assert np.abs(got - noise).max() < 0.3 * np.abs(12 * qrs).max()


def test_r_peaks_on_simulated_ecg():
    from jerkdetect.simulate.waveforms import ecg
    sig, r_true, _ = ecg(300.0, 256.0, np.random.default_rng(3))
    idx = detect_r_peaks(sig + np.random.default_rng(4).standard_normal(sig.size) * 20, 256.0)
    found = idx / 256.0
    assert abs(found.size - r_true.size) <= 1
    assert np.median(np.abs(found[:, None] - r_true[None, :]).min(axis=1)) < 0.01


def test_sos_kernel_matches_plain_reference():
    from jerkdetect.preprocessing.filters import sos_filter_reference
    x = (np.random.default_rng(11).standard_normal(3000) * 900).astype(np.int16)
    sos = design_emg_filter(512, mains=50)
    got, _ = sos_filter(x.reshape(6, 500), sos, 0.3, -2.0)
    np.testing.assert_allclose(got, sos_filter_reference(x, sos, 0.3, -2.0), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("sections", [1, 2, 3, 4])
def test_sos_kernel_is_exactly_the_reference_arithmetic(sections):
    """Cascades of up to three sections keep their state in registers, longer ones take the
    general loop: both do the reference's float64 arithmetic, so the float32 output is equal to
    the last bit, also when the signal comes in blocks of records (state carried over)."""
    from jerkdetect.preprocessing.filters import sos_filter_reference
    rng = np.random.default_rng(sections)
    x = rng.integers(-3000, 3000, 6 * 500).astype(np.int16)
    sos = np.array([butter2(10.0, 500, "high"), butter2(100.0, 500, "low"), notch(50.0, 500, 5.0),
                    butter2(200.0, 500, "low")])[:sections]
    want = sos_filter_reference(x, sos, 0.3, -2.0).astype(np.float32)
    whole, _ = sos_filter(x.reshape(6, 500), sos, 0.3, -2.0)
    blocks, _ = sos_filter((x.reshape(6, 500)[i:i + 2] for i in range(0, 6, 2)), sos, 0.3, -2.0, n=x.size)
    np.testing.assert_array_equal(whole, want)
    np.testing.assert_array_equal(blocks, want)


def test_morphology_matches_reference():
    from jerkdetect.detection.kernels import morphology_ok, morphology_reference
    rng = np.random.default_rng(12)
    env = np.abs(rng.standard_normal(20000)).astype(np.float32) * 2
    env[3000:4000] += 5
    env[9000:9100] += 30  # a short spike: its 0.5-s windows have a low median
    base = rng.uniform(0.5, 1.5, 200)
    on = np.array([2900, 8990, 15000, 100])
    off = np.array([4100, 9600, 15200, 700])
    got = morphology_ok(env, base, 100, on, off, 250, 51, 2.0)
    ref = morphology_reference(env, base, 100, on, off, 250, 51, 2.0)
    assert got.tolist() == ref.tolist() == [True, False, False, False]


def test_r_peak_kernels_match_reference():
    from jerkdetect.preprocessing.ecg import _pick_peaks_blocked, _r_threshold, r_peaks_reference
    from jerkdetect.simulate.waveforms import ecg
    sig, _, _ = ecg(120.0, 256.0, np.random.default_rng(13))
    y, _ = sos_filter(sig, np.array([butter2(5.0, 256, "high"), butter2(30.0, 256, "low")]))
    ref = r_peaks_reference(y, 256.0)
    a = y.copy()
    thr = _r_threshold(a, 256, 10)
    np.testing.assert_array_equal(_pick_peaks_blocked(a, thr, 256, int(0.3 * 256)), ref)
    np.testing.assert_array_equal(detect_r_peaks(sig, 256.0), ref)  # one compiled call: _r_peaks


def test_detection_chain_matches_references_on_simulated_emg():
    """Filter -> envelope -> rest level -> hysteresis on 10 min of a simulated leg channel,
    Numba kernels against the plain references, burst by burst."""
    from jerkdetect.detection.kernels import morphology_ok, morphology_reference
    from jerkdetect.preprocessing.filters import sos_filter_reference
    from jerkdetect.simulate import simulate_night
    night = simulate_night(seed=4, duration_h=0.5, fs_emg=200, fs_eeg=100, full_montage=False,
                           isolated_lm_per_hour=30, noisy_stretches_per_leg=0)
    x = night.signals["Leg L"]
    fs, block = 200, 200
    sos = design_emg_filter(fs, mains=night.truth["mains_hz"])
    y, _ = sos_filter(x, sos)
    means, maxes, _, _ = envelope_features(y, 11, block, 2, 10)
    base = rolling_quantile(means, 30, 0.2)
    got = hysteresis(y, base, block, 8.0, 2.0, 100, 100, maxes)
    r = envelope_reference(sos_filter_reference(x, sos), 11)
    r_means = np.array([r[i:i + block].mean() for i in range(0, r.size, block)])
    r_base = rolling_quantile_reference(r_means, 30, 0.2)
    ref = hysteresis_reference(r, r_base, block, 8.0, 2.0, 100, 100)
    assert got[0].size >= 3
    for g, rr in zip(got, ref):
        np.testing.assert_allclose(g, rr, rtol=1e-3, atol=1e-3)
    m_ref = morphology_reference(r, r_base, block, ref[0], ref[1], 100, 20, 2.0)
    m_got = morphology_ok(y, base, block, got[0], got[1], 100, 20, 2.0)
    assert m_got.tolist() == m_ref.tolist()
    long = (ref[1] - ref[0]) >= 0.5 * fs
    assert long.sum() >= 3 and m_ref[long].all()  # every LM-length burst passes the WASM check
    # the single compiled entry that scoring calls gives exactly the three kernels' results
    on, off, pk, cross, morph, sustained = burst_features(y, base, block, 8.0, 2.0, 100, 100, maxes, 15, 8.0,
                                                          100, 20, 2.0, 2.0)
    h = hysteresis(y, base, block, 8.0, 2.0, 100, 100, maxes, 15, 8.0)
    for a, b in zip((on, off, pk, cross), (h[0], h[1], h[2], h[4])):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(morph, morphology_ok(y, base, block, on, off, 100, 20, 2.0))
    np.testing.assert_array_equal(sustained, longest_run(y, base, block, on, off, 2.0))


def test_span_extreme_matches_reference():
    """The largest and smallest sample of each span (raw LM peaks, motor-event peak-to-peak),
    spans past either end, reversed or empty, on float32 and float64 traces."""
    from jerkdetect.detection.kernels import span_extreme, span_extreme_reference
    rng = np.random.default_rng(3)
    for dtype, n in ((np.float32, 1000), (np.float64, 37), (np.float32, 0)):
        x = rng.normal(0, 50, n).astype(dtype)
        lo = rng.integers(-5, n + 5, 300)
        hi = lo + rng.integers(-3, 40, 300)
        for lowest in (False, True):
            got = span_extreme(x, lo, hi, lowest)
            want = span_extreme_reference(x, lo, hi, lowest)
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, want)
        if n:
            i = int(np.argmax(x))
            assert span_extreme(x, np.array([0]), np.array([n]), False)[0] == x[i]
            assert span_extreme(x, np.array([n]), np.array([n + 3]), False)[0] == 0.0  # past the end
