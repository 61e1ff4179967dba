"""Writing and reading back: exact times at several rates, EDF+D gaps, units, roles, memory."""
import datetime as dt
import tracemalloc

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.io.edf_write import SignalSpec, write_edf
from jerkdetect.io.channels import assign_roles, role_of


@pytest.mark.parametrize("fs", [200, 256, 500, 512])
def test_event_times_exact_roundtrip(tmp_path, fs):
    rng = np.random.default_rng(fs)
    times = np.round(np.sort(rng.uniform(0, 600, 50)), 6)
    ann = [(float(t), 0.5, f"ev{i}") for i, t in enumerate(times)]
    x = rng.standard_normal(fs * 600) * 5
    p = tmp_path / f"r{fs}.edf"
    write_edf(p, [SignalSpec("Leg L", x, fs)], dt.datetime(2024, 1, 1, 23, 0), ann)
    rec = jd.read_psg(p)
    got = np.array([a[0] for a in rec.annotations])
    np.testing.assert_array_equal(got, times)  # bit-exact: no drift at any rate
    ch = rec.channel("leg_left")
    assert ch.fs == fs and ch.n_samples == fs * 600
    # sample k is at exactly k / fs seconds
    assert rec.index_to_time("Leg L", np.array([0, fs, 599 * fs]))[-1] == 599.0
    assert np.max(np.abs(ch.data - x)) <= ch.gain  # digitisation error only


@pytest.mark.parametrize("fs", [200, 256, 500, 512])
def test_simulated_burst_times_survive_file_roundtrip(tmp_path, fs):
    """A burst simulated at t seconds is detected within 0.1 s after writing and reading EDF."""
    from jerkdetect.detection import detect_channel
    from jerkdetect.simulate.waveforms import burst
    rng = np.random.default_rng(1)
    x = rng.standard_normal(fs * 300) * 1.5
    onsets = [20.0, 73.3331, 150.5, 222.25]
    for t in onsets:
        seg = burst(2.0, fs, 30.0, rng)
        i = int(np.ceil(t * fs))
        x[i:i + seg.size] += seg
    p = tmp_path / "b.edf"
    write_edf(p, [SignalSpec("Leg L", x, fs, "mV" if fs == 256 else "uV")])
    rec = jd.read_psg(p)
    b = detect_channel(rec, "Leg L")
    long = b.onset[b.duration >= 0.5]
    assert len(long) == 4
    np.testing.assert_allclose(long, onsets, atol=0.1)


def test_edf_plus_d_gaps(tmp_path):
    fs = 100
    onsets = [0, 1, 2, 10, 11, 12, 13]  # a 7-s gap after record 2
    x = np.arange(fs * len(onsets), dtype=float) % 50
    p = tmp_path / "d.edf"
    write_edf(p, [SignalSpec("EEG C3-M2", x, fs)], record_onsets=onsets, annotations=[(10.5, 1.0, "Arousal")])
    with pytest.warns(UserWarning, match="pyedflib refused .* own EDF\\+ parser"):
        rec = jd.read_psg(p)
    assert rec.annotations == [(10.5, 1.0, "Arousal")]
    assert rec.file_type == "EDF+D"
    assert rec.gaps() == [(3.0, 10.0)]
    assert rec.duration == 14.0
    t = rec.sample_times("EEG C3-M2")
    assert t[299] == pytest.approx(2.99) and t[300] == 10.0 and t[-1] == pytest.approx(13.99)


@pytest.mark.parametrize("ann, empty", [([], True), ([(3.5, 1.0, "Arousal")], False),
                                        ([(0.0, 0.0, "Lights off")], False),
                                        ([(2.0, 0.0, "a"), (2.2, 0.0, "b"), (2.4, 0.0, "c")], False)])
def test_records_with_time_keeping_only_skip_the_annotation_parse(tmp_path, ann, empty):
    """An EDF+ whose records hold nothing but the time-keeping TAL has no annotation (read without
    parsing 28,800 records for an 8-h night); any annotation, also in a record's first TAL, is
    still read, and the result equals pyedflib's."""
    import pyedflib
    from jerkdetect.io.edf import only_time_keeping, parse_header
    p = tmp_path / "a.edf"
    write_edf(p, [SignalSpec("Leg L", np.zeros(256 * 6), 256)], dt.datetime(2024, 1, 1), ann)
    assert only_time_keeping(parse_header(p)) == empty
    with pyedflib.EdfReader(str(p)) as r:
        on, du, de = r.readAnnotations()
    got = jd.read_psg(p).annotations
    assert [a[2] for a in got] == list(de) == [a[2] for a in ann]
    np.testing.assert_array_equal([a[0] for a in got], on)


def test_truncated_file_error(tmp_path):
    p = tmp_path / "t.edf"
    write_edf(p, [SignalSpec("Leg L", np.zeros(256 * 100), 256)])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(jd.RecordingError, match=r"t.edf: file is truncated: the header declares 100 data records"):
        jd.read_psg(p)


def test_not_an_edf(tmp_path):
    p = tmp_path / "x.edf"
    p.write_text("hello, this is not an EDF file" * 20)
    with pytest.raises(jd.RecordingError, match="not an EDF or BDF file"):
        jd.read_psg(p)


@pytest.mark.parametrize("unit,factor", [("uV", 1.0), ("mV", 1e3), ("V", 1e6), ("nV", 1e-3)])
def test_units_to_microvolts(tmp_path, unit, factor):
    x_uv = np.sin(np.arange(2560) / 10) * 40
    p = tmp_path / "u.edf"
    write_edf(p, [SignalSpec("Leg L", x_uv / factor, 256, unit)])
    # the writer converts from µV only for V/mV, so write physical values in `unit` directly
    if unit in ("V", "mV"):
        write_edf(p, [SignalSpec("Leg L", x_uv, 256, unit)])
    rec = jd.read_psg(p)
    ch = rec.channel("leg_left")
    assert ch.unit == unit and ch.unit_factor == factor
    np.testing.assert_allclose(ch.data, x_uv, atol=abs(ch.gain) * 1.01)


def test_blank_unit_inferred_with_warning(tmp_path):
    p = tmp_path / "blank.edf"
    write_edf(p, [SignalSpec("Leg L", np.sin(np.arange(2560)) * 0.04, 256, "")])  # ±0.04: millivolts
    with pytest.warns(UserWarning, match="'Leg L'.*suggests mV"):
        rec = jd.read_psg(p)
    assert rec.channel("leg_left").unit_factor == 1e3


@pytest.mark.parametrize("label,role", [
    ("Leg L", "leg_left"), ("Leg R", "leg_right"), ("LAT", "leg_left"), ("RAT", "leg_right"),
    ("EMG Tib L", "leg_left"), ("Left Leg", "leg_left"), ("LLEG1-LLEG2", "leg_left"),
    ("RLEG1-RLEG2", "leg_right"), ("PLMl", "leg_left"), ("PLMr", "leg_right"),
    ("Tib.ant.l", "leg_left"), ("Tib.ant.r", "leg_right"), ("Chin", "chin"), ("EMG Chin", "chin"),
    ("Chin1-Chin2", "chin"), ("EMG submental", "chin"), ("EMG", "chin"), ("C3-M2", "eeg"),
    ("EEG C4-A1", "eeg"), ("EEG Fpz-Cz", "eeg"), ("E1-M2", "eog"), ("LOC", "eog"), ("ECG", "ecg"),
    ("EKG", "ecg"), ("SpO2", "spo2"), ("Airflow", "resp"), ("Temp rectal", None)])
def test_role_patterns(label, role):
    assert role_of(label) == role


def test_role_override_and_errors():
    roles = assign_roles(["EMG1", "EMG2", "C3"], {"leg_left": "EMG1", "leg_right": "EMG2"})
    assert roles["leg_left"] == ["EMG1"] and roles["leg_right"] == ["EMG2"] and roles["chin"] == []
    with pytest.raises(jd.ChannelError, match="'X9'.*channels present: EMG1, EMG2, C3"):
        assign_roles(["EMG1", "EMG2", "C3"], {"leg_left": "X9"})


def test_from_arrays_and_mne_roundtrip():
    fs = {"Leg L": 512.0, "EEG C3-M2": 256.0}
    rec = jd.Recording.from_arrays({"Leg L": np.ones(512 * 10), "EEG C3-M2": np.ones(2560)}, fs)
    assert rec.channel("leg_left").fs == 512 and rec.channel("eeg").fs == 256
    raw = rec.to_mne()
    back = jd.Recording.from_mne(raw)
    np.testing.assert_allclose(back.channels["Leg L"].data, 1.0)  # volts in MNE, µV here
    assert back.channel("leg_left").fs == 512


def test_reading_one_channel_of_a_night_stays_small(tmp_path):
    """8-h night: reading one leg channel allocates ~its own float64 size, never the whole file."""
    fs_emg, hours = 512, 8
    n = fs_emg * 3600 * hours
    rng = np.random.default_rng(0)
    leg = (rng.standard_normal(n, dtype=np.float32) * 3)
    specs = [SignalSpec("Leg L", leg, fs_emg), SignalSpec("Leg R", leg, fs_emg),
             SignalSpec("EMG Chin", leg, fs_emg), SignalSpec("EEG C4-M1", leg[: n // 2], 256),
             SignalSpec("SpO2", np.full(3600 * hours, 96.0), 1, "%")]
    p = tmp_path / "big.edf"
    write_edf(p, specs)
    del leg, specs
    tracemalloc.start()
    rec = jd.read_psg(p)
    x = rec.channel("leg_left").data
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert x.size == n  # not resampled
    assert rec.channel("eeg").n_samples == n // 2 and rec.channel("spo2").fs == 1.0
    stored = n * 2  # the channel's int16 bytes in the file
    assert peak < 1.05 * 4 * stored  # the float64 result (4 x its stored bytes) and nothing else
    assert p.stat().st_size > 3 * stored  # the file is much larger than what was read


def test_bdf_plus_roundtrip(tmp_path):
    fs = 256
    x = np.sin(np.arange(fs * 20) / 7) * 300
    p = tmp_path / "r.bdf"
    write_edf(p, [SignalSpec("Leg L", x, fs)], annotations=[(3.25, 2.0, "Arousal")], bdf=True)
    rec = jd.read_psg(p)
    assert rec.file_type == "BDF+C" and rec.annotations == [(3.25, 2.0, "Arousal")]
    ch = rec.channel("leg_left")
    assert np.max(np.abs(ch.data - x)) <= ch.gain  # 24-bit: ~1e-4 µV steps


def test_corrupt_header_one_sentence(tmp_path):
    p = tmp_path / "bad.edf"
    write_edf(p, [SignalSpec("Leg L", np.zeros(2000), 200)])
    b = bytearray(p.read_bytes())
    b[184:192] = b"999     "
    p.write_bytes(bytes(b))
    # refused outright: a reader that trusts the field (MNE does) would read shifted samples
    msg = r"bad.edf: header says it is 999 bytes but 2 signals need 768; the header is corrupt"
    with pytest.raises(jd.RecordingError, match=msg):
        jd.read_psg(p)


@pytest.mark.parametrize("bdf", [False, True])
def test_streamed_blocks_are_bounded_in_bytes_and_exact(tmp_path, monkeypatch, bdf):
    """Channels are read block by block into one reused buffer: with long (30-s) data records a
    block holds as many records as fit the byte budget (at least one), and the blocks, used one
    at a time as they come, give exactly the channel's samples (EDF and BDF)."""
    from jerkdetect.io import edf
    fs, rec_s, n_rec = 64, 30.0, 11
    rng = np.random.default_rng(3)
    x = np.round(rng.standard_normal(int(fs * rec_s * n_rec)) * 200, 1)
    p = tmp_path / ("long.bdf" if bdf else "long.edf")
    write_edf(p, [SignalSpec("Leg L", x, fs), SignalSpec("EEG C4-M1", x[::2], fs / 2)],
              record_duration=rec_s, bdf=bdf)
    rec = jd.read_psg(p)
    ch = rec.channels["Leg L"]
    whole = ch.digital.reshape(-1).copy()
    rb = ch._chunks.__self__.h.record_bytes
    monkeypatch.setattr(edf, "BLOCK_BYTES", 4 * rb + 1)  # four records fit, not five
    got, sizes = [], []
    for blk in ch.digital_chunks(600):
        sizes.append(blk.shape[0])
        got.append(blk.reshape(-1).copy())
    assert sizes == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate(got), whole)
    monkeypatch.setattr(edf, "BLOCK_BYTES", 1)  # smaller than a record: one record per block
    assert [b.shape[0] for b in ch.digital_chunks(600)] == [1] * n_rec
    both = [ch, rec.channels["EEG C4-M1"]]
    monkeypatch.setattr(edf, "BLOCK_BYTES", 4 * rb + 1)
    parts = [(a.reshape(-1).copy(), b.reshape(-1).copy()) for a, b in edf.chunks_together(both, 600)]
    assert len(parts) == 3
    np.testing.assert_array_equal(np.concatenate([a for a, _ in parts]), whole)
    np.testing.assert_array_equal(np.concatenate([b for _, b in parts]), both[1].digital.reshape(-1))


def test_file_cut_short_after_it_was_opened(tmp_path):
    """A file truncated after read_psg (copied over, still being written): the detector's reads
    stop with a one-sentence RecordingError naming the file, not a NumPy buffer error."""
    from jerkdetect.detection import detect_channel
    from jerkdetect.errors import RecordingError
    p = tmp_path / "cut.edf"
    x = np.random.default_rng(0).standard_normal(512 * 600) * 5
    write_edf(p, [SignalSpec("Leg L", x, 512), SignalSpec("Leg R", x, 512)])
    rec = jd.read_psg(p)
    import os
    os.truncate(p, os.path.getsize(p) // 2)
    with pytest.raises(RecordingError, match=r"cut\.edf.*changed while being scored"):
        detect_channel(rec, "Leg L")
    with pytest.raises(RecordingError, match=r"cut\.edf.*changed while being scored"):
        list(rec.channels["Leg R"].digital_chunks())
