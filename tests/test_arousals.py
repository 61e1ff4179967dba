"""EEG arousal detection: kernels vs references, the AASM rule on hand-built EEG, whole nights.

Hand-built nights: 1/f background EEG (N2, R or W by hypnogram) with shifts placed where the
right answer is known. Simulated nights: arousals removed from the scoring, detected from the
EEG, compared with the truth under both rule sets.
"""
import json

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.detection import ArousalParams, detect_arousals
from jerkdetect.detection.arousals import shift_evidence
from jerkdetect.detection.arousal_kernels import (arousal_candidates, arousal_candidates_reference, candidate_bands,
                                                  candidate_bands_reference, epoch_medians,
                                                  epoch_medians_reference, longest_run_above,
                                                  longest_run_above_reference, median_of, smoothed_log_power,
                                                  smoothed_log_power_reference, variance_change_cost,
                                                  variance_change_cost_reference)
from jerkdetect.detection.eeg_features import (band_bins, band_log_power, band_log_power_reference, decimate_tri,
                                               decimate_tri_reference, eeg_derivation, frame_starts, mains_aliases,
                                               pick_eeg_channels, triangle_weights)
from jerkdetect.errors import ChannelError, JerkdetectError, ScoringFileError


# --------------------------------------------------------------------------- kernels vs references
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_decimate_tri_matches_reference_in_chunks(k):
    x = np.random.default_rng(k).standard_normal(2003) * 30
    out, pos, tail = np.empty(x.size), 0, np.zeros(0)
    for a in range(0, x.size, 157):  # chunk edges fall anywhere in a window
        y = np.concatenate([tail, x[a:a + 157]])
        pos, used = decimate_tri(y, k, triangle_weights(k), 0.5, 3.0, out, pos)
        tail = y[used:]
    np.testing.assert_allclose(out[:pos], decimate_tri_reference(x, k) * 0.5 + 3.0, atol=1e-9)


@pytest.mark.parametrize("fs_d", [100.0, 128.0, 102.4, 200.0])
def test_band_power_matches_explicit_dft(fs_d):
    rng = np.random.default_rng(1)
    t = np.arange(int(6 * fs_d)) / fs_d
    x = rng.standard_normal(t.size) * 10 + 40 + 20 * np.sin(2 * np.pi * 10 * t)  # DC offset must not leak
    bands = ArousalParams().bands
    starts, n_win = frame_starts(x.size, fs_d, 1.0, 0.5)
    bins = band_bins(fs_d, n_win, bands, mains_aliases(fs_d))
    got = band_log_power(x, fs_d, starts, n_win, bins, chunk=3)
    np.testing.assert_allclose(got, band_log_power_reference(x, fs_d, starts, n_win, bands, mains_aliases(fs_d)),
                               atol=1e-9)
    assert np.all(np.argmax(got[:, :5], axis=1) == 2)  # a 10-Hz tone is alpha


def test_epoch_medians_and_candidates_and_runs_match_references():
    rng = np.random.default_rng(2)
    v = rng.standard_normal((500, 3))
    ep = np.sort(rng.integers(-2, 14, 500))
    np.testing.assert_array_equal(epoch_medians(v, ep, 12), epoch_medians_reference(v, ep, 12))
    for seed in range(20):
        r = np.random.default_rng(seed)
        e = np.convolve(r.standard_normal(400), np.ones(5) / 5, "same") * 2
        ok = r.random(400) > 0.2
        for gap in (0, 1, 3):
            a = arousal_candidates(e, ok, 1.0, 0.4, gap)
            b = arousal_candidates_reference(e, ok, 1.0, 0.4, gap)
            assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
        assert longest_run_above(e, 10, 300, 0.3) == longest_run_above_reference(e, 10, 300, 0.3)


def test_candidate_bands_and_median_equal_numpy_to_the_last_bit():
    """Each candidate's band (largest column mean, first on a tie, first NaN) and plateau (median
    of its inner frames in that band, NaN if any) as NumPy gives them, for candidates of 1 to 60
    frames; the compiled median as ``np.median``, odd and even lengths, strided views, NaN."""
    rng = np.random.default_rng(5)
    scaled = rng.normal(0.0, 1.0, (2000, 4))
    edge = rng.normal(0.0, 1.0, (2000, 4))
    scaled[700:705] = 0.25  # a four-way tie: the first band
    scaled[900, 2] = np.nan  # a NaN mean: its band; a NaN plateau
    edge[1301, 1:] = np.nan
    edge[1500:1503, :] = -0.0  # a plateau of zeros: +0.0, as NumPy's median gives it
    scaled[1500:1503] = np.array([0.1, 0.3, 0.2, 0.0])  # a 3-frame candidate: all its frames, band 1
    edge[1501, 1] = 5.0
    starts = np.array([0, 10, 100, 700, 890, 1300, 1500, 1990], np.int64)
    ends = np.array([0, 11, 159, 704, 905, 1303, 1502, 1999], np.int64)
    got = (np.empty(starts.size, np.int64), np.empty(starts.size))
    ref = (np.empty(starts.size, np.int64), np.empty(starts.size))
    candidate_bands(scaled, edge, starts, ends, *got)
    candidate_bands_reference(scaled, edge, starts, ends, *ref)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])  # NaN where NumPy has NaN
    assert got[0][3] == 0 and got[0][4] == 2 and np.isnan(got[1][4]) == np.isnan(ref[1][4])
    assert got[0][6] == 1 and got[1][6] == 0.0 and not np.signbit(got[1][6])  # median of (-0, 5, -0)
    edge[1501, 1] = -0.0
    candidate_bands(scaled, edge, starts[6:7], ends[6:7], got[0][:1], got[1][:1])
    assert got[1][0] == 0.0 and not np.signbit(got[1][0])
    for n in (1, 2, 3, 4, 57, 58):
        x = rng.normal(0.0, 1.0, (n, 3))[:, 1]
        assert median_of(x) == np.median(x)
    assert np.isnan(median_of(np.array([1.0, np.nan, 2.0])))
    for zeros in ([-0.0], [-0.0, -0.0], [-1.0, -0.0, 1.0]):
        assert not np.signbit(median_of(np.array(zeros))) and not np.signbit(np.median(zeros))


def test_local_background_uses_the_stage_sleep_mask_and_stage_background_fills_outside_frames(monkeypatch):
    """A NaN stretch leaves its frames out of the arousal candidates, not out of the recent-past
    background (the stage's sleep mask, as before the mask was shared); frames past the
    hypnogram's end take the night's median of every band."""
    import jerkdetect.detection.arousals as A
    assert A.SLEEP_STAGES == tuple(range(A.SLEEP_STAGES[0], A.SLEEP_STAGES[-1] + 1))  # _sleep_mask's range test
    seen = []
    orig = A.local_background
    monkeypatch.setattr(A, "local_background", lambda ls, valid, *a: seen.append(valid.copy()) or orig(ls, valid, *a))
    with pytest.warns(UserWarning, match="NaN, infinite or absurd"):
        bad = jd.Recording.from_arrays({"EEG C4-M1": np.r_[np.zeros(3000), np.full(4000, np.nan),
                                                          np.random.default_rng(0).standard_normal(53000)]}, 100.0)
    out = detect_arousals(bad, jd.Hypnogram([2] * 20))
    assert any("NaN/inf" in n for n in out.notes) and len(seen) == 1 and seen[0].all()
    logp = np.random.default_rng(1).normal(0.0, 1.0, (130, 6))
    times = np.arange(130) * 5.0  # 650 s: the last 10 frames after a 600-s hypnogram
    hyp = jd.Hypnogram([2] * 10 + [4] * 10)
    got = A.stage_background(logp, times, hyp, 10)
    inside = A.stage_background(logp[:120], times[:120], hyp, 10)
    np.testing.assert_array_equal(got[:120], inside)
    med = A.epoch_medians(logp, hyp.epoch_of(times).astype(np.int64), hyp.n_epochs)
    np.testing.assert_array_equal(got[120:], np.broadcast_to(np.nanmedian(med, axis=0), (10, 6)))


def _numpy_calls_libm() -> bool:
    """Whether NumPy's float64 exp and log round as the C library's do (the kernels call the C
    library; NumPy has its own versions on AVX-512 CPUs, which may differ in the last bit)."""
    import math
    x = np.random.default_rng(0).normal(0.0, 20.0, 20_000)
    y = np.abs(x) + 1e-3
    return (np.array_equal(np.exp(x), [math.exp(v) for v in x])
            and np.array_equal(np.log(y), [math.log(v) for v in y]))


def _assert_same(got, ref):
    """Equal to the last bit where NumPy's exp/log are the C library's, else within 1e-12."""
    if _numpy_calls_libm():
        np.testing.assert_array_equal(got, ref)
    else:  # pragma: no cover - AVX-512 machines
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [2, 5, 9, 1000])
@pytest.mark.parametrize("w", [2, 3, 5, 8])
def test_smoothed_log_power_equals_its_reference_to_the_last_bit(n, w):
    """The compiled smoothing (cumulative sums, exp and log) gives the NumPy reference's values
    exactly, shrinking windows at both ends and windows wider than the night included."""
    logp = np.random.default_rng(n * 10 + w).normal(3.0, 2.0, size=(n, 7))
    out = np.empty_like(logp)
    smoothed_log_power(logp, w, out)
    _assert_same(out, smoothed_log_power_reference(logp, w))
    flat = np.full((n, 7), 2.5)  # a flat band stays at its own level
    smoothed_log_power(flat, w, out)
    np.testing.assert_allclose(out, 2.5, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_variance_change_cost_equals_its_reference_and_finds_the_step(seed):
    """The compiled change-point cost equals the NumPy reference to the last bit (uneven sample
    times as in EDF+D, grid points before the first and after the last sample), and its minimum
    is where the variance steps."""
    rng = np.random.default_rng(seed)
    n = 300 + 50 * seed
    step = 120 + 20 * seed
    y = rng.standard_normal(n) * np.where(np.arange(n) < step, 1.0, 3.0)
    ts = np.cumsum(rng.uniform(0.005, 0.02, n))
    ts[n // 2:] += 5.0  # a gap
    grid = np.sort(np.concatenate([rng.uniform(ts[0] - 1, ts[-1] + 1, 200), [ts[0] - 2, ts[-1] + 2]]))
    got, ref = np.full(grid.size, 1.5), np.full(grid.size, 1.5)
    variance_change_cost(y, ts, grid, got)
    variance_change_cost_reference(y, ts, grid, ref)
    _assert_same(got, ref)
    fine = np.linspace(ts[5], ts[-5], 2000)
    cost = np.zeros(fine.size)
    variance_change_cost(y, ts, fine, cost)
    assert abs(np.searchsorted(ts, fine[np.argmin(cost)]) - step) <= 10


def test_eeg_channel_choice():
    assert [eeg_derivation(x) for x in ("EEG C3-A2", "O1-M2", "EEG Fpz-Cz", "EEG Pz-Oz", "EEG")] == \
        ["central", "occipital", "frontal", "parietal", "other"]
    sig = {lab: np.zeros(1000) for lab in ("EEG F4-M1", "EEG C4-M1", "EEG C3-M2", "EEG O2-M1")}
    rec = jd.Recording.from_arrays(sig, 100.0)
    assert pick_eeg_channels(rec, 2) == ["EEG C4-M1", "EEG O2-M1"]
    assert pick_eeg_channels(rec, 4) == ["EEG C4-M1", "EEG O2-M1", "EEG F4-M1", "EEG C3-M2"]
    # referential recordings ('X-REF'): the ear/mastoid electrodes are the reference sites, last
    sig = {lab: np.zeros(1000) for lab in ("EEG A1-REF", "EEG C3-REF", "EEG A2-REF", "EEG C4-REF")}
    rec = jd.Recording.from_arrays(sig, 100.0)
    assert pick_eeg_channels(rec, 2) == ["EEG C3-REF", "EEG C4-REF"]
    assert pick_eeg_channels(rec, 3) == ["EEG C3-REF", "EEG C4-REF", "EEG A1-REF"]


# --------------------------------------------------------------------------- hand-built nights
def _one_over_f(n, fs, rng, slope=1.5, rms=30.0, sigma_hump=0.0):
    f = np.fft.rfftfreq(n, 1 / fs)
    f[0] = f[1]
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) / f ** (slope / 2)
    spec *= 1.0 + sigma_hump * np.exp(-0.5 * ((f - 13.0) / 1.0) ** 2)  # spindle-rich N2: a sigma peak
    spec[f < 0.3] = 0
    x = np.fft.irfft(spec, n)
    return x / x.std() * rms


def _band_rms(x, fs, lo, hi):
    p = np.abs(np.fft.rfft(x - x.mean())) ** 2
    f = np.fft.rfftfreq(x.size, 1 / fs)
    return np.sqrt(2 * p[(f >= lo) & (f < hi)].sum()) / x.size


def _band_part(x, fs, lo, hi):
    f = np.fft.rfftfreq(x.size, 1 / fs)
    return np.fft.irfft(np.fft.rfft(x) * ((f >= lo) & (f < hi)), x.size)


def _night(fs=256.0, stages=None, seed=0, events=(), chin_rises=(), chin=True, gain=1.0, channels=1,
           sigma_hump=0.0):
    """EEG (+ chin) for a hypnogram; ``events`` = (kind, onset, duration[, ratio])."""
    rng = np.random.default_rng(seed)
    stages = np.array([2] * 20 if stages is None else stages)
    n = int(len(stages) * 30 * fs)
    t = np.arange(n) / fs
    sig, rates = {}, {}
    for lab in ["EEG C4-M1", "EEG O2-M1"][:channels]:
        x = _one_over_f(n, fs, rng, sigma_hump=sigma_hump)
        bg = x.copy()
        broad = _band_part(bg, fs, 8.0, 30.0) if any(e[0] == "broadband" for e in events) else None
        for kind, on, dur, *ratio in events:
            i, j = int(on * fs), int((on + dur) * fs)
            tt = t[i:j] - on
            ramp = np.clip(np.minimum(tt, dur - tt) / 0.1, 0, 1)
            r = ratio[0] if ratio else 3.0
            if kind == "alpha":  # alpha-band amplitude x r against the 10 s before
                a = _band_rms(bg[max(0, i - int(10 * fs)):i], fs, 8, 12) * np.sqrt(r ** 2 - 1)
                x[i:j] += np.sqrt(2) * a * np.sin(2 * np.pi * 10.0 * tt) * ramp
            elif kind == "broadband":  # the whole 8-30 Hz range (sigma too) x r in amplitude
                x[i:j] += (r - 1.0) * broad[i:j] * ramp
            elif kind == "spindle":  # 13-Hz waxing-waning burst, 25 µV
                x[i:j] += 25.0 * np.sin(np.pi * tt / dur) ** 2 * np.sin(2 * np.pi * 13.0 * tt)
            elif kind == "k_complex":  # 150 µV biphasic slow wave
                x[i:j] += 150 * (-np.exp(-0.5 * ((tt - 0.25 * dur) / (0.1 * dur)) ** 2)
                                 + 0.6 * np.exp(-0.5 * ((tt - 0.6 * dur) / (0.18 * dur)) ** 2))
            elif kind == "muscle":  # white 30-100 Hz muscle artefact, 20 µV
                m = np.fft.rfftfreq(j - i, 1 / fs)
                spec = np.fft.rfft(rng.standard_normal(j - i)) * ((m > 30) & (m < 100))
                y = np.fft.irfft(spec, j - i)
                x[i:j] += y / y.std() * 20.0
        sig[lab], rates[lab] = x * gain, fs
    if chin:
        fc = 200.0
        nc = int(len(stages) * 30 * fc)
        c = rng.standard_normal(nc) * 1.0
        for on, dur in chin_rises:
            c[int(on * fc):int((on + dur) * fc)] *= 4.0
        sig["EMG Chin"], rates["EMG Chin"] = c, fc
    rec = jd.Recording.from_arrays(sig, rates)
    return rec, jd.Hypnogram(stages)


def _chin(rec):
    from jerkdetect.pipeline.arousal_source import chin_envelope
    return chin_envelope(rec, {}, jd.DetectionParams())


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_alpha_shift_after_stable_sleep_is_an_arousal_at_its_time(fs):
    rec, hyp = _night(fs, events=[("alpha", 200.0, 6.0), ("alpha", 400.3, 4.2, 2.5)])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    assert len(ar) == 2
    np.testing.assert_allclose(ar.onset, [200.0, 400.3], atol=0.35)  # times do not drift with the rate
    np.testing.assert_allclose(ar.duration, [6.0, 4.2], atol=0.6)
    assert ar.band == ["alpha", "alpha"] and ar.stage.tolist() == [2, 2] and ar.channels[0] == "EEG C4-M1"
    assert ar.strength[0] > 4


def test_aasm_conditions_duration_prior_sleep_and_spacing():
    stages = [2] * 10 + [0] * 2 + [2] * 10  # wake 300-360 s
    rec, hyp = _night(stages=stages, events=[
        ("alpha", 100.0, 2.0),   # too short
        ("alpha", 150.0, 5.0),   # arousal
        ("alpha", 160.0, 4.0),   # 5 s after the previous one: not 10 s of stable sleep
        ("alpha", 320.0, 5.0),   # in wake
        ("alpha", 365.0, 5.0),   # 5 s after wake
        ("alpha", 450.0, 5.0),   # arousal
    ])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    np.testing.assert_allclose(ar.onset, [150.0, 450.0], atol=0.35)
    rec, hyp = _night(events=[("alpha", 150.0, 5.0), ("alpha", 160.0, 4.0)])
    p = ArousalParams(min_sleep_before_s=3.0)  # every threshold is a parameter
    np.testing.assert_allclose(detect_arousals(rec, hyp, p, chin_envelope=_chin(rec)).onset, [150.0, 160.0], atol=0.35)


def test_rem_arousal_needs_a_chin_emg_increase():
    stages = [4] * 20
    ev = [("alpha", 150.0, 6.0), ("alpha", 300.0, 6.0)]
    rec, hyp = _night(stages=stages, events=ev, chin_rises=[(150.5, 3.0)])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    np.testing.assert_allclose(ar.onset, [150.0], atol=0.35)
    assert ar.chin == [True] and not ar.notes
    rec, hyp = _night(stages=stages, events=ev, chin=False)
    ar = detect_arousals(rec, hyp)  # without a chin channel: EEG alone, and it says so
    assert len(ar) == 2 and ar.chin == [None, None] and "no chin EMG" in ar.notes[0]


def test_chin_given_late_scores_the_same_and_the_spacing_counts_every_eeg_shift():
    """The chin EMG test of R arousals comes after every EEG check (so the EEG part can run while the
    chin envelope is still being computed): a callable chin is asked once, at the end, and gives the
    arousals a ready one gives; an R shift without a chin rise is no arousal, yet a shift 8 s after it
    is still not preceded by 10 s of stable sleep (AASM spacing counts the EEG shift)."""
    stages = [4] * 20
    ev = [("alpha", 150.0, 6.0), ("alpha", 300.0, 5.0), ("alpha", 313.0, 5.0)]
    rec, hyp = _night(stages=stages, events=ev, chin_rises=[(150.5, 3.0), (313.5, 3.0)])
    env = _chin(rec)
    calls = []

    def late():
        calls.append(1)
        return env
    now = detect_arousals(rec, hyp, chin_envelope=env)
    later = detect_arousals(rec, hyp, chin_envelope=late)
    assert calls == [1] and later.chin_used and now.chin_used
    np.testing.assert_array_equal(later.onset, now.onset)
    assert later.chin == now.chin == [True]
    np.testing.assert_allclose(now.onset, [150.0], atol=0.35)   # 300 s: no chin rise; 313 s: too close to it
    spaced = detect_arousals(rec, hyp, ArousalParams(min_sleep_before_s=5.0), chin_envelope=late)
    np.testing.assert_allclose(spaced.onset, [150.0, 313.0], atol=0.35)
    none = detect_arousals(rec, hyp, chin_envelope=lambda: None)   # no chin after all: EEG alone, said
    np.testing.assert_allclose(none.onset, [150.0, 300.0], atol=0.35)
    assert none.chin_used is False and "no chin EMG" in none.notes[-1]


def test_no_false_arousals_from_spindles_k_complexes_or_muscle():
    ev = []
    for k, t0 in enumerate(np.arange(30.0, 560.0, 22.0)):
        if k % 3 == 0:  # spindle trains: 3 spindles of 1.5 s, 0.3 s apart
            ev += [("spindle", t0 + i * 1.8, 1.5) for i in range(3)]
        elif k % 3 == 1:  # K-complex followed by a spindle
            ev += [("k_complex", t0, 1.0), ("spindle", t0 + 1.0, 1.2)]
        else:  # muscle artefact of 5 s (a leg movement without arousal)
            ev += [("muscle", t0, 5.0)]
    for fs in (100.0, 256.0):
        rec, hyp = _night(fs, events=ev, channels=2)
        ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
        assert len(ar) == 0, list(zip(ar.onset, ar.duration, ar.band))


def _frames(r_alpha, r_sigma, r_beta, n=21):
    """Hand-built frames (n x 6 bands) of log power and its background: the background levels
    (log µV²) make sigma's absolute excess more than ``spindle_ratio`` x alpha's, as in spindle-rich N2."""
    ref = np.tile([5.0, 3.0, 2.0, 2.5, 1.0, 0.0], (n, 1))
    logp = ref + np.array([0.0, 0.0, r_alpha, r_sigma, r_beta, 0.0])
    return logp, ref, np.array([8, 8, 8, 8, 28, 18])


@pytest.mark.parametrize("focus_ratio, is_spindle", [(1.8, False), (2.2, True)])
def test_spindle_is_a_narrowband_sigma_rise_on_both_sides_of_spindle_focus(focus_ratio, is_spindle):
    """A spindle raises sigma more than alpha relative to each band's background (``spindle_focus``,
    2x in power): then alpha does not count. A rise of alpha and sigma together (the whole 8-30 Hz
    range, as arousals often show) is no spindle, whatever sigma's absolute excess."""
    p = ArousalParams()
    logp, ref, width = _frames(1.0, 1.0 + np.log(focus_ratio), 1.0)
    ev = shift_evidence(logp, ref, width, p, muscle_ok=False)
    assert np.allclose(ev[:, 1], 0.0 if is_spindle else 1.0)


@pytest.mark.parametrize("alpha_up", [True, False])
def test_beta_counts_in_a_spindle_only_as_part_of_a_broad_rise(alpha_up):
    """Within a spindle, beta counts when it rises within ``spindle_focus`` of sigma while alpha rises
    too (a broad 8-30 Hz shift with sigma in it); a fast spindle's spill into 16-18 Hz, without alpha,
    does not count."""
    p = ArousalParams()
    r_s = 2.0  # sigma stands out over alpha (by more than spindle_focus): a spindle
    logp, ref, width = _frames(r_s - np.log(2.2) if alpha_up else 0.1, r_s, r_s - np.log(1.8))
    ev = shift_evidence(logp, ref, width, p, muscle_ok=False)
    assert np.allclose(ev[:, 1], 0.0)                  # alpha vetoed either way
    assert np.allclose(ev[:, 2], r_s - np.log(1.8) if alpha_up else 0.0)
    logp[:, 4] = ref[:, 4] + r_s - np.log(2.2)        # beta further below sigma than spindle_focus
    assert np.allclose(shift_evidence(logp, ref, width, p, muscle_ok=False)[:, 2], 0.0)


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_broad_8_30_hz_rise_in_spindle_rich_n2_is_an_arousal_and_spindles_are_not(fs):
    """Arousals rendered as the whole 8-30 Hz range of the background x3 in amplitude (sigma with
    it), in N2 with a sigma peak and a spindle every 14 s: every one is found at its time, no spindle
    is (before spindle_focus, the spindle test vetoed most of these arousals)."""
    ev = [("spindle", t0 + (k % 5) * 0.7, 1.0 + 0.1 * (k % 6)) for k, t0 in enumerate(np.arange(30.0, 560.0, 14.0))]
    onsets = [100.3, 210.0, 330.7, 450.0]
    ev += [("broadband", t, 5.0 + i, 3.0) for i, t in enumerate(onsets)]
    rec, hyp = _night(fs, events=ev, channels=2, sigma_hump=1.5)
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    np.testing.assert_allclose(ar.onset, onsets, atol=0.5)
    np.testing.assert_allclose(ar.duration, [5.0, 6.0, 7.0, 8.0], atol=0.6)


def test_amplitude_scale_does_not_change_the_arousals():
    ev = [("alpha", 120.0, 5.0, 2.5), ("alpha", 300.0, 8.0, 3.5), ("spindle", 450.0, 1.5)]
    out = []
    for gain in (1.0, 1e-3, 50.0):
        rec, hyp = _night(events=ev, gain=gain)
        ar = detect_arousals(rec, hyp)
        out.append(np.round(ar.to_array(), 9).tolist())
    assert out[0] == out[1] == out[2] and len(out[0]) == 2


def test_clear_errors():
    rec, hyp = _night(chin=False)
    legs = jd.Recording.from_arrays({"Leg L": np.zeros(60000), "Leg R": np.zeros(60000)}, 100.0)
    with pytest.raises(ChannelError, match="needs an EEG channel"):
        detect_arousals(legs, hyp)
    with pytest.raises(ValueError, match="arousals must be one of"):
        jd.score(rec, annotations=hyp, arousals="eeg")
    with pytest.warns(UserWarning, match="NaN, infinite or absurd"):  # replaced at the edge, stated
        bad = jd.Recording.from_arrays({"EEG C4-M1": np.r_[np.zeros(10), np.nan, np.zeros(60000)]}, 100.0)
    out = detect_arousals(bad, jd.Hypnogram([2] * 20))
    assert any("NaN/inf" in n for n in out.notes)


# --------------------------------------------------------------------------- pipeline
NIGHT = dict(seed=71, duration_h=1.5, fs_emg=256.0, fs_eeg=256.0, full_montage=True, plm_series_per_hour=2.0,
             resp_clusters_per_hour=0.8, spontaneous_arousals_per_hour=8.0, arousal_after_plm=0.4)


@pytest.fixture(scope="module")
def night(sim_cache, tmp_path_factory):
    """A simulated night, and its scoring without the arousals (stages and respiratory events)."""
    paths, n = sim_cache(**NIGHT)
    scoring = tmp_path_factory.mktemp("no_arousals") / "scoring.tsv"
    rows = [f"{o:.6f}\t{d:.6f}\t{t}" for o, d, t in n.scoring_events() if t != "Arousal"]
    scoring.write_text("onset\tduration\tdescription\n" + "\n".join(rows) + "\n")
    return paths, n, str(scoring)


@pytest.mark.parametrize("rules", ["wasm2016", "aasm2012"])
def test_detected_arousals_agree_with_truth(night, rules):
    from jerkdetect.evaluation.truth import evaluate_arousals
    paths, n, stages = night
    res = jd.score(paths["recording"], annotations=stages, rules=rules)  # no arousals scored: auto detects
    assert res.summary()["plms_nonresp_index"] is not None
    assert res.info["arousal_source"] == "detected" and res.scored_arousals is None
    ev = evaluate_arousals(res, n.truth, n.hypnogram, rules)
    assert len(n.truth["arousals"]) >= 20
    assert ev["events"]["f1"] >= 0.85, ev["events"]
    assert ev["lm_link_agreement"] >= 0.90, ev
    assert ev["plms_arousal_index_error"] <= 1.0, ev
    assert ev["events"]["median_onset_error"] <= 0.5
    assert res.summary()["plms_arousal_index"] is not None


def test_scored_arousals_are_not_replaced_unless_asked(night, tmp_path):
    paths, n, _ = night
    auto = jd.score(paths["recording"])
    assert auto.info["arousal_source"] == "scoring" and auto.detected_arousals is None
    assert auto.info["timings_s"]["arousals"] < 0.05  # the detector did not run
    det = jd.score(paths["recording"], arousals="detect")
    assert det.info["arousal_source"] == "detected" and len(det.scored_arousals) == len(n.truth["arousals"])
    cmp = det.compare_arousals()
    assert cmp["events"]["f1"] >= 0.85 and cmp["lm_link_agreement"] >= 0.9
    assert cmp["n_reference"] == len(n.truth["arousals"])
    none = jd.score(paths["recording"], arousals="none")
    assert none.summary()["plms_arousal_index"] is None
    assert "arousals='none'" in none.summary()["null_reasons"]["plms_arousal_index"]
    with pytest.raises(JerkdetectError, match="no detected arousals"):
        auto.compare_arousals()


def test_cli_writes_detected_arousals_and_exports(night, tmp_path):
    import mne

    from jerkdetect.cli import main
    paths, n, stages = night
    assert main(["score", paths["recording"], "--annotations", stages, "--out", str(tmp_path), "--export",
                 "--quiet"]) == 0
    stem = paths["recording"].rsplit("/", 1)[-1][:-4]
    s = json.loads((tmp_path / f"{stem}_summary.json").read_text())
    assert s["arousal_source"] == "detected" and s["arousal_detection"]["channels"] == ["EEG C4-M1", "EEG O2-M1"]
    rows = (tmp_path / f"{stem}_arousals.tsv").read_text().splitlines()
    assert rows[0].split("\t") == ["onset", "duration", "stage", "channels", "strength", "band", "chin", "score",
                                    "theta_ratio", "alpha_ratio", "beta_ratio", "support", "source"]
    assert len(rows) - 1 == s["arousal_detection"]["n"] and rows[1].endswith("\tdetected")
    assert s["arousal_detection"]["n_chin_supported"] == sum("\teeg+chin\t" in r for r in rows[1:])
    ev = (tmp_path / f"{stem}_events.tsv").read_text().splitlines()[0].split("\t")
    assert ev[:6] == ["onset", "duration", "label", "side", "stage", "arousal"] and len(ev) == 13  # columns kept
    bids = (tmp_path / f"{stem}_bids_events.tsv").read_text()
    assert bids.count("\tarousal_detected\t") == s["arousal_detection"]["n"]
    ann = mne.read_annotations(str(tmp_path / f"{stem}_scored.edf"))
    assert sum(d.startswith("arousal_detected") for d in ann.description) == s["arousal_detection"]["n"]
    with pytest.raises(ScoringFileError, match="needs a hypnogram"), pytest.warns(UserWarning, match="no hypnogram"):
        legs = np.random.default_rng(0).standard_normal((2, 12000)) * 2.0  # 1 min of resting EMG at 200 Hz
        jd.score(jd.Recording.from_arrays({"EEG C4-M1": np.zeros(6000), "Leg L": legs[0], "Leg R": legs[1]},
                                          {"EEG C4-M1": 100.0, "Leg L": 200.0, "Leg R": 200.0}), arousals="detect")


def test_simulator_records_look_alikes_and_keeps_emg_apart():
    from jerkdetect.simulate import simulate_night
    a = simulate_night(seed=5, duration_h=0.75, fs_emg=200, fs_eeg=100, full_montage=False)
    b = simulate_night(seed=5, duration_h=0.75, fs_emg=200, fs_eeg=100, full_montage=False,
                       spindle_trains_per_hour=20.0, kcomplexes_per_min=3.0, eeg_gain=(3.0, 3.0))
    for lab in ("Leg L", "Leg R", "ECG"):  # the EEG draws from its own generator
        assert np.array_equal(a.signals[lab], b.signals[lab])
    assert a.truth["arousals"] == b.truth["arousals"]
    kinds = {e["kind"] for e in b.truth["eeg_events"]}
    assert {"spindle_train", "k_complex", "spindle", "short_intrusion"} <= kinds
    assert all(e["duration"] < 3.0 for e in b.truth["eeg_events"] if e["kind"] == "short_intrusion")
    assert len(a.truth["arousal_details"]) == len(a.truth["arousals"])


def test_automatic_staging_when_there_is_no_hypnogram(tmp_path):
    pytest.importorskip("yasa")
    from jerkdetect.simulate import simulate_night
    n = simulate_night(seed=8, duration_h=0.5, fs_emg=200, fs_eeg=100, full_montage=False)
    paths = n.write(str(tmp_path), "n", scoring="none")
    with pytest.warns(UserWarning, match="no hypnogram"):
        plain = jd.score(paths["recording"])
    assert plain.summary()["plms_index"] is None and "staging='yasa'" in plain.summary()["null_reasons"]["plms_index"]
    res = jd.score(paths["recording"], staging="yasa")
    assert res.info["hypnogram_source"].startswith("automatic (YASA")
    assert "not scored by a person" in res.info["hypnogram_notes"][0]
    assert res.summary()["tst_min"] > 0 and res.hypnogram.n_epochs == 60
    assert np.mean(res.hypnogram.stages == n.stages) > 0.5  # it stages, roughly, even simulated EEG
    bids = json.loads(open(res.write_bids(str(tmp_path / "b_events.tsv"))[1]).read())
    assert bids["HypnogramSource"].startswith("automatic")


# --------------------------------------------------------------------------- issue 15: abrupt shifts, event score
def test_local_background_is_the_median_of_the_recent_past():
    from jerkdetect.detection.arousals import local_background
    ls = np.zeros((400, 6))
    ls[200:, 2] = 2.0                       # alpha steps up at frame 200 (100 s) and stays
    bg = local_background(ls, np.ones(400, bool), span_s=20.0, gap_s=1.0, hop_s=0.5)
    assert np.isnan(bg[:, 0]).all() and np.isnan(bg[:, 3]).all()   # only theta, alpha, beta
    assert np.all(bg[150:205, 2] == 0.0)    # just after the step: the past is still the old level
    assert np.all(bg[260:, 2] == 2.0)       # > 20 s later: the new level is the background
    masked = np.ones(400, bool)
    masked[200:] = False                    # frames left out (wake, NaN) never enter the median
    assert np.all(local_background(ls, masked, 20.0, 1.0, 0.5)[200:, 2] == 0.0)


def test_a_slow_climb_of_alpha_is_not_an_arousal_but_an_abrupt_shift_is():
    """AASM: an arousal is an *abrupt* shift; alpha that climbs over 90 s (drowsiness) is not."""
    fs = 256.0
    rec, hyp = _night(fs, stages=[2] * 30, seed=3, events=[("alpha", 600.0, 5.0, 3.0)])
    x = rec.channels["EEG C4-M1"].data.copy()
    t = np.arange(x.size) / fs
    a = _band_rms(x[:int(200 * fs)], fs, 8, 12)
    climb = np.clip((t - 200.0) / 90.0, 0, 1) * (t < 420) * 2.0  # alpha x1 -> x3 over 90 s, held to 420 s
    x += np.sqrt(2) * a * climb * np.sin(2 * np.pi * 10.3 * t + 0.3)
    rec = jd.Recording.from_arrays({"EEG C4-M1": x, "EMG Chin": rec.channels["EMG Chin"].data},
                                   {"EEG C4-M1": fs, "EMG Chin": 200.0})
    ar = detect_arousals(rec, hyp)
    np.testing.assert_allclose(ar.onset, [600.0], atol=0.35)
    # without the recent-past background, the plateau of the climb is scored as a long "arousal"
    loose = detect_arousals(rec, hyp, ArousalParams(local_background_s=0.0, z_event=0.0, event_ratio=1.0))
    assert len(loose) == 2 and loose.duration.max() > 30


def test_event_score_and_event_ratio_thresholds_on_both_sides():
    from jerkdetect.detection.arousals import event_score
    assert event_score(1.0, 0.0, 0.4, 3.0, 3.0) == pytest.approx(2.5)
    assert event_score(1.0, 0.0, 0.4, 12.0, 3.0) == pytest.approx(5.0)   # 4x longer: half the noise
    assert event_score(1.0, 0.0, 0.4, 1.0, 3.0) == pytest.approx(2.5)    # never below one smoothing span
    rec, hyp = _night(events=[("alpha", 200.0, 6.0, 2.5)])
    base = detect_arousals(rec, hyp)
    assert len(base) == 1
    assert len(detect_arousals(rec, hyp, ArousalParams(z_event=1e3))) == 0
    assert len(detect_arousals(rec, hyp, ArousalParams(event_ratio=50.0))) == 0
    loose = detect_arousals(rec, hyp, ArousalParams(z_event=0.0, event_ratio=1.0))
    extra = np.abs(loose.onset - 200.0) > 1.0   # what the second stage (event score) removes
    assert (~extra).sum() == 1 and np.all(loose.score[extra] < ArousalParams().z_event)


def test_detected_arousal_rows_carry_their_evidence():
    rec, hyp = _night(events=[("alpha", 200.0, 6.0, 3.0)], channels=2)
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    row = ar.rows()[0]
    assert row["band"] in ("alpha", "alpha+beta") and row["strength"] > 2
    assert row["score"] >= ArousalParams().z_event
    assert set(row["channels"].split("+")) <= {"EEG C4-M1", "EEG O2-M1"}
    head = ar.tsv().splitlines()[0].split("\t")
    assert {"score", "alpha_ratio", "beta_ratio", "theta_ratio"} <= set(head)
