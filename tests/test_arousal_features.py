"""Issue 18: the EEG features of arousal detection are streamed (the decimated channels are never
held whole), computed on a second thread beside the EMG stage, and give the same arousals as the
one-thread, full-length path, bit for bit."""
import threading
import tracemalloc

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.core.threads import ENV
from jerkdetect.detection import ArousalParams
from jerkdetect.detection.arousals import arousal_features, detect_arousals
from jerkdetect.detection.arousals import band_passed
from jerkdetect.detection.eeg_features import (DecimatedSignal, ReadAhead, SharedReads, band_bins, band_log_power,
                                               decimated, frame_starts, mains_aliases, streamed_band_log_power)
from jerkdetect.io.edf_write import SignalSpec, write_edf

RATES = {"EEG C4-M1": 256.0, "EEG O2-M1": 200.0}  # decimated by 2 and by 1


def _eeg_file(path, seconds: int, bdf: bool = False) -> str:
    """Two EEG channels of 1/f-ish noise with alpha bursts, at two rates, 1-s records."""
    rng = np.random.default_rng(7)
    specs = []
    for lab, fs in RATES.items():
        n = int(seconds * fs)
        x = np.cumsum(rng.standard_normal(n)) * 0.5
        x -= np.convolve(x, np.ones(256) / 256, mode="same")
        t = np.arange(n) / fs
        x += 15 * np.sin(2 * np.pi * 10 * t) * (np.sin(2 * np.pi * t / 97) > 0.7)
        specs.append(SignalSpec(lab, x, fs, phys_min=-400.0, phys_max=400.0))
    write_edf(path, specs, bdf=bdf)
    return str(path)


def _plan(sig: DecimatedSignal, p: ArousalParams):
    starts, n_win = frame_starts(sig.size, sig.fs, p.window_s, p.hop_s)
    return starts, n_win, band_bins(sig.fs, n_win, p.bands, mains_aliases(sig.fs))


@pytest.mark.parametrize("bdf", [False, True])
def test_streamed_features_equal_the_full_length_path(tmp_path, bdf):
    """EDF and BDF over several blocks of records, and the same channels in memory: the streamed
    band power and every stretch read back equal the full-length decimated signal's, bit for bit."""
    path = _eeg_file(tmp_path / ("e.bdf" if bdf else "e.edf"), 1500, bdf)  # > 2 blocks of 600 records
    rec = jd.read_psg(path)
    mem = jd.Recording.from_arrays({lab: rec.channels[lab].data for lab in RATES}, RATES)
    p = ArousalParams()
    for r in (rec, mem):
        sigs = [DecimatedSignal(r, lab, p.target_fs) for lab in RATES]
        plans = [_plan(s, p) for s in sigs]
        got = streamed_band_log_power(sigs, plans)
        for lab, s, (starts, n_win, bins), lp in zip(RATES, sigs, plans, got):
            full, fs_d, k = decimated(r, lab, p.target_fs)
            assert (s.size, s.fs, s.k) == (full.size, fs_d, k)
            np.testing.assert_array_equal(lp, band_log_power(full, fs_d, starts, n_win, bins))
            for i0, i1 in ((0, 50), (1000, 1385), (s.size - 77, s.size), (5, 5), (s.size - 3, s.size + 10)):
                np.testing.assert_array_equal(s[i0:i1], full[i0:i1])
    from jerkdetect.io.edf import chunks_together, read_together
    both = [rec.channels[lab] for lab in RATES]
    assert read_together(both) and not read_together([both[0], mem.channels["EEG O2-M1"]])
    with pytest.raises(ValueError, match="one EDF/BDF file"):
        next(chunks_together([both[0], mem.channels["EEG O2-M1"]]))
    ch = rec.channels["EEG O2-M1"]
    flat = ch.digital.reshape(-1)
    for s0, s1 in ((0, 10), (199, 201), (120_000, 120_600), (flat.size - 5, flat.size + 5)):
        np.testing.assert_array_equal(ch.digital_span(s0, s1), flat[s0:s1])


def test_read_ahead_gives_the_stretches_of_the_signal_bit_for_bit(tmp_path):
    """The edges' stretches read back through :class:`ReadAhead` (in time order, out of order,
    past the end, empty) equal the full-length decimated signal's, and stretches inside the last
    read are not read again."""
    rec = jd.read_psg(_eeg_file(tmp_path / "e.edf", 900))
    p = ArousalParams()
    for lab in RATES:
        sig = DecimatedSignal(rec, lab, p.target_fs)
        full = decimated(rec, lab, p.target_fs)[0]
        reads = []

        class Counted(DecimatedSignal):
            def __getitem__(self, sl):
                reads.append(sl)
                return super().__getitem__(sl)

        ra = ReadAhead(Counted(rec, lab, p.target_fs), ahead=int(30 * sig.fs))
        spans = [(100, 400), (500, 900), (2000, 2600), (50, 300), (sig.size - 40, sig.size + 5), (7, 7)]
        for i0, i1 in spans:
            np.testing.assert_array_equal(ra[i0:i1], full[i0:i1])
        # (500, 900) and (2000, 2600) lie inside the first read (30 s from 100); (50, 300) starts
        # before it; the empty stretch reads nothing
        assert [(sl.start, sl.stop) for sl in reads] == [(100, 100 + ra.ahead), (50, 50 + ra.ahead),
                                                         (sig.size - 40, sig.size)]
        with pytest.raises(ValueError, match="contiguous"):
            ra[0:10:2]
        with pytest.raises(ValueError, match="read-only"):  # a caller cannot spoil the next stretch
            ra[100:200][0] = 0.0


def test_shared_reads_give_each_channel_its_own_stretches_bit_for_bit(tmp_path, monkeypatch):
    """Two EEG channels of one file at different rates (decimated by 2 and by 1): the edges'
    stretches read through :class:`SharedReads`, alternating between the channels as the edges
    ask for them, equal each channel's full-length decimated signal; a stretch of the other
    channel at the same time is a slice of the shared read (no read of its own); channels in
    memory read alone."""
    rec = jd.read_psg(_eeg_file(tmp_path / "e.edf", 900))
    p = ArousalParams()
    sigs = [DecimatedSignal(rec, lab, p.target_fs) for lab in RATES]
    full = [decimated(rec, lab, p.target_fs)[0] for lab in RATES]
    reads = SharedReads.of(sigs, 30.0)
    assert all(r.shared is reads[0].shared for r in reads)
    from jerkdetect.io import edf
    calls = []
    orig = edf.spans_together
    monkeypatch.setattr(edf, "spans_together", lambda chans, spans: calls.append(spans) or orig(chans, spans))
    for t0, t1 in ((10.0, 13.0), (12.5, 15.5), (40.0, 43.5), (895.0, 900.0), (0.0, 2.0), (300.0, 300.5)):
        for r, s, x in zip(reads, sigs, full):
            i0, i1 = int(t0 * s.fs), min(int(t1 * s.fs), s.size)
            np.testing.assert_array_equal(r[i0:i1], x[i0:i1])
    monkeypatch.undo()
    assert len(calls) == 5  # one read per time, whichever channel asked: (12.5, 15.5) is inside the first
    ch = [rec.channels[lab] for lab in RATES]
    for s0, s1 in ((0, 7), (1000, 1500), (ch[1].n_samples - 9, ch[1].n_samples + 20)):
        got = edf.spans_together(ch, [(s0, s1), (s0 + 3, s1 + 3)])
        np.testing.assert_array_equal(got[0], ch[0].digital_span(s0, s1))
        np.testing.assert_array_equal(got[1], ch[1].digital_span(s0 + 3, s1 + 3))
    mem = jd.Recording.from_arrays({lab: rec.channels[lab].data for lab in RATES}, RATES)
    alone = SharedReads.of([DecimatedSignal(mem, lab, p.target_fs) for lab in RATES], 30.0)
    assert all(r.shared is None for r in alone)


def test_band_pass_of_stretches_together_equals_one_at_a_time():
    """The edges' FFT band-pass of both channels' stretches in one call gives each stretch's
    values to the last bit, as one call per stretch does; lengths or rates that differ go one by one."""
    rng = np.random.default_rng(3)
    for n in (16, 97, 384, 385, 1021):
        segs = [rng.standard_normal(n) * 20, rng.standard_normal(n) * 5]
        one = [np.fft.irfft(np.fft.rfft(x) * ((f >= 8.0) & (f < 12.0)), n)
               for x, f in ((x, np.fft.rfftfreq(n, 1 / 128.0)) for x in segs)]
        for got, ref in zip(band_passed(segs, [128.0, 128.0], (8.0, 12.0)), one):
            np.testing.assert_array_equal(got, ref)
    a, b = rng.standard_normal(300), rng.standard_normal(300)  # one length, two rates: each its own band
    got = band_passed([a, b], [128.0, 100.0], (8.0, 12.0))
    for x, fs, g in ((a, 128.0, got[0]), (b, 100.0, got[1])):
        f = np.fft.rfftfreq(300, 1 / fs)
        np.testing.assert_array_equal(g, np.fft.irfft(np.fft.rfft(x) * ((f >= 8.0) & (f < 12.0)), 300))
    a, b = rng.standard_normal(200), rng.standard_normal(150)
    got = band_passed([a, b], [128.0, 100.0], (8.0, 12.0))
    assert [g.size for g in got] == [200, 150]
    np.testing.assert_array_equal(got[1], np.fft.irfft(np.fft.rfft(b) * ((np.fft.rfftfreq(150, 0.01) >= 8.0)
                                                                         & (np.fft.rfftfreq(150, 0.01) < 12.0)), 150))


def test_features_do_not_hold_the_decimated_channels(tmp_path):
    """A 4-h, two-channel EEG: the features' memory stays well under the full-length decimated
    signals (2 x ~15 MB of float64) that arousal detection used to hold."""
    rec = jd.read_psg(_eeg_file(tmp_path / "long.edf", 4 * 3600))
    full = sum(DecimatedSignal(rec, lab, 128.0).size for lab in RATES) * 8
    tracemalloc.start()
    try:
        f = arousal_features(rec, channels=list(RATES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(f.feats) == 2 and f.feats[0][1].shape[1] == 6
    assert peak < 0.4 * full, (peak, full)


def _run(monkeypatch, threads, night, **kw):
    from jerkdetect.pipeline import night as stages
    seen = []
    orig = stages.arousal_features

    def spy(*a):
        seen.append(threading.current_thread().name)
        return orig(*a)

    monkeypatch.setattr(stages, "arousal_features", spy)
    monkeypatch.setenv(ENV, threads)
    return jd.score(night, arousals="detect", **kw), seen


def test_threaded_night_equals_one_thread(sim_cache, monkeypatch):
    """A simulated night scored with two threads (EEG features beside the EMG stage) and with
    one: the same arousals and events, field for field; and the features did run on their own
    thread."""
    paths, _ = sim_cache(seed=5, duration_h=1.5, fs_emg=256.0, fs_eeg=256.0)
    two, seen2 = _run(monkeypatch, "2", paths["recording"])
    one, seen1 = _run(monkeypatch, "1", paths["recording"])
    assert seen2 and all(name.startswith("jerkdetect-eeg") for name in seen2)
    assert seen1 == []  # one thread: detect_arousals computes them itself, in line
    assert len(two.detected_arousals) > 0
    assert two.detected_arousals.tsv() == one.detected_arousals.tsv()
    assert two.events_tsv() == one.events_tsv()
    assert two.summary() == one.summary()


def test_features_given_or_computed_give_the_same_arousals(sim_cache):
    night = sim_cache(seed=5, duration_h=1.5, fs_emg=256.0, fs_eeg=256.0)[1]
    rec = night.recording()
    f = arousal_features(rec)
    a = detect_arousals(rec, night.hypnogram, features=f)
    b = detect_arousals(rec, night.hypnogram)
    assert a.tsv() == b.tsv() and a.notes == b.notes
    with pytest.raises(ValueError, match="other parameters"):
        detect_arousals(rec, night.hypnogram, ArousalParams(z_event=4.0), features=f)


def test_an_emg_error_ends_the_eeg_thread(sim_cache, monkeypatch):
    """The EEG thread waits for the EMG stage before deciding: when that stage fails, the night
    raises its error and the EEG thread ends instead of waiting for ever."""
    from jerkdetect.pipeline import night as stages
    paths, _ = sim_cache(seed=5, duration_h=1.5, fs_emg=256.0, fs_eeg=256.0)

    def broken(*a, **k):
        raise RuntimeError("EMG stage failed")

    monkeypatch.setattr(stages, "detect_emg_channels", broken)
    monkeypatch.setenv(ENV, "2")
    with pytest.raises(RuntimeError, match="EMG stage failed"):
        jd.score(paths["recording"], arousals="detect")
    for t in threading.enumerate():
        if t.name.startswith("jerkdetect-eeg"):
            t.join(timeout=60)
            assert not t.is_alive()


def test_first_night_decides_after_the_emg_stage_later_nights_beside_it(sim_cache, monkeypatch):
    """A process's first night through Numba's JIT keeps the arousal decision after the EMG stage
    (its memory is all first touch); later nights run it beside that stage, and so does a first
    night with a ``jerkdetect compile`` build. The arousals and events are the same."""
    from jerkdetect.pipeline import night as stages
    paths, _ = sim_cache(seed=5, duration_h=1.5, fs_emg=256.0, fs_eeg=256.0)
    monkeypatch.setenv(ENV, "2")
    for built in (True, False):
        monkeypatch.setattr(stages, "aot_in_use", lambda: built)
        monkeypatch.setattr(stages, "_EMG_STAGES_DONE", [0])
        assert stages.decide_beside_emg() is built
    seen, deciding = [], threading.Event()
    real_choose, real_emg = stages.choose_arousals, stages.detect_emg_channels

    def spy(*a, **k):  # the decision starts: was the EMG stage over?
        seen.append(stages._EMG_STAGES_DONE[0] > start[0])
        deciding.set()
        return real_choose(*a, **k)

    def emg(*a, **k):  # later nights: the EMG stage holds until the decision has begun beside it
        if start[0] > 0:
            assert deciding.wait(timeout=120), "the decision did not start beside the EMG stage"
        return real_emg(*a, **k)

    monkeypatch.setattr(stages, "choose_arousals", spy)
    monkeypatch.setattr(stages, "detect_emg_channels", emg)
    out = {}
    for done in (0, 7):
        monkeypatch.setattr(stages, "_EMG_STAGES_DONE", [done])
        start = [done]
        deciding.clear()
        assert stages.decide_beside_emg() is (done > 0)
        out[done] = jd.score(paths["recording"], arousals="detect")
    assert seen == [True, False]
    assert out[0].detected_arousals.tsv() == out[7].detected_arousals.tsv()
    assert out[0].events_tsv() == out[7].events_tsv() and out[0].summary() == out[7].summary()
