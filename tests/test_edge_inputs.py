"""Issue 10, reading and scoring: every input gives a right answer or a clear error.

One test (or parameter) per case the issue lists: header fields, EDF+D onsets, TALs, duplicate
labels, arrays, units, rates, names, labels, the LM count, scoring files, hypnogram mismatch,
YASA objects. Signals are small and hand-built, so the right answer is known.
"""
import datetime as dt
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.errors import InputError, RecordingError
from jerkdetect.io.edf_write import SignalSpec, write_edf

FS = 256
LM_TIMES = [30.0 + 20.0 * k for k in range(6)]  # one PLM series, IMI 20 s


def emg(fs=FS, seconds=180, bursts=LM_TIMES, amp=40.0, seed=0, dur=1.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(fs * seconds)) * 1.5
    for t in bursts:
        i, n = int(t * fs), int(dur * fs)
        x[i:i + n] += amp * np.sin(2 * np.pi * 40 * np.arange(n) / fs)
    return x


def stages_tsv(path, seconds=180, stage="N2"):
    path.write_text("onset\tduration\tdescription\n" + "".join(
        f"{k * 30}\t30\t{stage}\n" for k in range(int(seconds // 30))))
    return path


@pytest.fixture
def night(tmp_path):
    """A 3-min EDF+ with both legs at 256 Hz, six LMs in a series, and an N2 hypnogram."""
    p = tmp_path / "n.edf"
    write_edf(p, [SignalSpec("Leg L", emg(), FS), SignalSpec("Leg R", emg(seed=1), FS)],
              annotations=[(10.0, 3.0, "Arousal")])
    stages_tsv(tmp_path / "n.tsv")
    return p


def patch(path, offset, width, text):
    b = bytearray(path.read_bytes())
    b[offset:offset + width] = text.encode("latin-1").ljust(width)[:width]
    path.write_bytes(bytes(b))


def sig_offset(ns, field, i):
    widths = [("label", 16), ("transducer", 80), ("units", 8), ("pmin", 8), ("pmax", 8), ("dmin", 8),
              ("dmax", 8), ("prefilter", 80), ("spr", 8)]
    off = 256
    for name, w in widths:
        if name == field:
            return off + i * w, w
        off += ns * w


# ---------------------------------------------------------------- header fields
FIXED_CASES = [  # (field offset, width, value, words the one-sentence error must contain)
    (236, 8, "nan", ["number of data records", "nan"]), (236, 8, "inf", ["number of data records", "inf"]),
    (236, 8, "-5", ["number of data records", "-5"]), (236, 8, "2.5", ["number of data records", "2.5"]),
    (236, 8, "1e30", ["number of data records"]), (236, 8, "400", ["truncated"]),
    (236, 8, "100", ["holds 180 data records", "declares 100"]),
    (252, 4, "nan", ["number of signals", "nan"]), (252, 4, "-1", ["number of signals", "-1"]),
    (252, 4, "0", ["number of signals", "0"]), (252, 4, "9999", ["number of signals", "9999"]),
    (184, 8, "nan", ["header bytes", "nan"]), (184, 8, "-256", ["header bytes", "-256"]),
    (184, 8, "2048", ["header says it is 2048 bytes but 3 signals need 1024"]),
    (244, 8, "0", ["data record duration", "0 s"]), (244, 8, "-1", ["data record duration", "-1"]),
    (244, 8, "nan", ["data record duration", "nan"]), (244, 8, "inf", ["data record duration", "inf"]),
    (244, 8, "1e9", ["data record duration", "1e+09"]), (244, 8, "abc", ["data record duration", "abc"]),
]


@pytest.mark.parametrize("offset,width,value,words", FIXED_CASES)
def test_fixed_header_fields_refused_with_one_sentence(night, offset, width, value, words):
    patch(night, offset, width, value)
    with pytest.raises(RecordingError) as e:
        jd.read_psg(night)
    msg = str(e.value)
    assert msg.startswith(str(night)) and msg.count(". ") == 0, msg
    for w in words:
        assert w in msg, msg


SIGNAL_CASES = [  # (field, channel index, value, words)
    ("dmin", 0, "1e30", ["digital minimum", "Leg L", "1e30"]), ("dmax", 1, "1e30", ["digital maximum", "Leg R"]),
    ("dmax", 0, "-32768", ["Leg L", "digital maximum -32768 <= digital minimum -32768"]),
    ("dmin", 0, "40000", ["digital minimum", "40000", "-32768..32767"]),
    ("pmin", 0, "nan", ["physical minimum", "Leg L", "nan"]), ("pmax", 0, "inf", ["physical maximum", "inf"]),
    ("pmax", 0, "-inf", ["physical maximum", "-inf"]), ("pmax", 0, "1e30", ["physical maximum", "1e+30"]),
    ("spr", 0, "200.5", ["samples per record", "Leg L", "200.5"]),
    ("spr", 0, "-3000", ["samples per record", "-3000"]), ("spr", 0, "0", ["samples per record", "Leg L", "0"]),
    ("spr", 1, "128", ["declares 180", "samples-per-record"]),  # fewer samples: the data size disagrees
    ("spr", 1, "300", ["truncated"]),
]


@pytest.mark.parametrize("field,i,value,words", SIGNAL_CASES)
def test_signal_header_fields_refused_naming_field_channel_value(night, field, i, value, words):
    off, w = sig_offset(3, field, i)
    patch(night, off, w, value)
    with pytest.raises(RecordingError) as e:
        jd.read_psg(night)
    for word in words:
        assert word in str(e.value), str(e.value)


def test_equal_physical_range_refused(night):
    off, w = sig_offset(3, "pmin", 0)
    pmax = night.read_bytes()[off + 3 * 8: off + 3 * 8 + 8].decode()
    patch(night, off, w, pmax)
    with pytest.raises(RecordingError, match="physical maximum = physical minimum"):
        jd.read_psg(night)


def swap_fields(path, a, b, i=0):
    """Swap two 8-byte per-signal fields of signal i (3 signals)."""
    p0, p1 = sig_offset(3, a, i)[0], sig_offset(3, b, i)[0]
    raw = bytearray(path.read_bytes())
    raw[p0:p0 + 8], raw[p1:p1 + 8] = raw[p1:p1 + 8], raw[p0:p0 + 8]
    path.write_bytes(bytes(raw))


def test_swapped_digital_range_refused(night):
    swap_fields(night, "dmin", "dmax")
    with pytest.raises(RecordingError, match="'Leg L' has digital maximum -32768 <= digital minimum 32767"):
        jd.read_psg(night)


def test_swapped_physical_range_is_a_negative_gain_and_scores_the_same(night):
    """The EDF specification allows physical max < min (negative amplifier gain): the samples are
    inverted back, stated in a warning, and the LMs are exactly those of the original."""
    ref = jd.score(str(night))
    x = jd.read_psg(night).channel("leg_left").data
    swap_fields(night, "pmin", "pmax")
    with pytest.warns(UserWarning, match="negative amplifier gain"):
        rec = jd.read_psg(night)
    np.testing.assert_allclose(rec.channel("leg_left").data, -x, atol=1e-3)  # gain ~0.005 µV
    with pytest.warns(UserWarning, match="negative amplifier gain"):
        res = jd.score(str(night))
    np.testing.assert_allclose(res.lm.onset, ref.lm.onset, atol=1 / FS)
    assert res.n_lm == ref.n_lm == 6


@pytest.mark.parametrize("fs", [200, 256, 512])
def test_a_valid_record_duration_is_honoured(tmp_path, fs):
    """Plain EDF, record duration 1 -> 2 s: the rate halves and every time doubles (no silent
    rate change). An EDF+ whose time-keeping annotations disagree is refused (next tests)."""
    p = tmp_path / "d.edf"
    write_edf(p, [SignalSpec("Leg L", emg(fs=2 * fs), 2 * fs), SignalSpec("Leg R", emg(fs=2 * fs, seed=1), 2 * fs)])
    patch(p, 192, 44, "")  # plain EDF: the annotation signal becomes an ordinary one
    patch(p, 256 + 2 * 16, 16, "Marker")
    ref = jd.score(jd.read_psg(p), annotations=jd.Hypnogram([2] * 6))
    patch(p, 244, 8, "2")
    rec = jd.read_psg(p)
    assert rec.channel("leg_left").fs == fs and rec.duration == 360.0
    res = jd.score(rec, annotations=jd.Hypnogram([2] * 12))
    np.testing.assert_allclose(res.lm.onset, 2 * ref.lm.onset, atol=0.1)


def test_a_zero_record_duration_never_becomes_a_rate(night):
    patch(night, 244, 8, "0")
    with pytest.raises(RecordingError, match="only an annotation-only EDF[+] may have 0"):
        jd.score(str(night))


@pytest.mark.parametrize("value", ["0.5", "2"])
def test_record_duration_contradicted_by_the_time_keeping_annotations_refused(night, value):
    patch(night, 244, 8, value)
    with pytest.raises(RecordingError, match=f"'data record duration' is {value} s but the time-keeping "
                                             "annotations start records 1 s apart"):
        jd.read_psg(night)


# ---------------------------------------------------------------- EDF+D onsets and TALs
def _edfd(tmp_path, onsets):
    p = tmp_path / "d.edf"
    n = len(onsets)
    write_edf(p, [SignalSpec("Leg L", emg(seconds=n, bursts=[]), FS),
                  SignalSpec("Leg R", emg(seconds=n, bursts=[]), FS)],
              record_onsets=onsets)
    return p


@pytest.mark.parametrize("onsets,words", [
    ([0, 1, 2, 5, 4, 6], "data record 4 starts at 4 s, before data record 3"),
    ([0, 1, 2, 3, 4, 0], "data record 5 starts at 0 s"),          # '+0' on the last record
    ([0, 1, 1.5, 3, 4, 5], "data record 2 starts at 1.5 s"),      # overlapping records
    ([-3, 1, 2, 3, 4, 5], "data record 0 starts at -3 s"),
])
def test_edf_plus_d_record_onsets_checked(tmp_path, onsets, words):
    with pytest.raises(RecordingError, match=words):
        jd.read_psg(_edfd(tmp_path, onsets))


@pytest.mark.parametrize("text", ["+1_000", "+1e20", "+nan", "+inf"])
def test_edf_plus_d_onset_written_outside_the_spec_refused(tmp_path, text):
    p = _edfd(tmp_path, [0, 1, 2, 10, 11, 12])
    b = p.read_bytes()
    i = b.index(b"+10\x14\x14")
    p.write_bytes(b[:i] + text.encode() + b[i + 3:i + 3 + 16 - len(text)] + b[i + 16:] if len(text) <= 16
                  else b)
    with pytest.raises(RecordingError, match="data record 3 has no valid EDF[+] time-keeping annotation"):
        jd.read_psg(p)


def test_header_that_lost_plus_d_is_read_with_its_gaps(tmp_path):
    p = _edfd(tmp_path, [0, 1, 2, 10, 11, 12])
    patch(p, 192, 44, "")
    with pytest.warns(UserWarning, match="read as discontinuous"):
        rec = jd.read_psg(p)
    assert rec.gaps() == [(3.0, 10.0)] and rec.duration == 13.0


@pytest.mark.parametrize("placeholder,onset", [(7.25, "+1e20"), (7.125, "-1e300"), (123.1234567, "+99999999999")])
def test_absurd_tal_onsets_are_dropped_and_counted(tmp_path, placeholder, onset):
    """Onsets outside the EDF+ syntax or the recording never become times (nor allocations)."""
    p = tmp_path / "t.edf"
    write_edf(p, [SignalSpec("Leg L", emg(), FS), SignalSpec("Leg R", emg(seed=1), FS)],
              annotations=[(5.0, 1.0, "Arousal"), (placeholder, 1.0, "Arousal")])
    b = p.read_bytes()
    old = f"+{placeholder:g}".encode() if placeholder != 123.1234567 else b"+123.1234567"
    assert len(old) == len(onset) and b.count(old) == 1
    p.write_bytes(b.replace(old, onset.encode()))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rec = jd.read_psg(p)
        res = jd.score(rec, annotations=jd.Hypnogram([2] * 6))
    assert [a[0] for a in rec.annotations] == [5.0]
    if onset == "+99999999999":  # valid EDF+ syntax, outside the recording: dropped and counted
        assert any("dropped 1 annotations (1 outside" in str(x.message) for x in w)
    assert res.n_lm == 6


def test_embedded_annotations_are_not_scanned_when_a_scoring_file_is_used(tmp_path, monkeypatch):
    """An EDF+ with embedded annotations and a scoring file (beside it, or given): the scoring
    file is used and the embedded annotations are never read (their scan of every data record
    costs ~30-50 ms of an 8-h night), with the same night as when they were read; without a
    scoring file they are read and used."""
    from jerkdetect.io import edf
    from jerkdetect.simulate import simulate_night
    night = simulate_night(seed=8, duration_h=0.5, fs_emg=200, fs_eeg=100, full_montage=False)
    paths = night.write(str(tmp_path), "both", scoring="xml", embed_annotations=True)
    reads = []
    orig = edf._annotations
    monkeypatch.setattr(edf, "_annotations", lambda *a: reads.append(a) or orig(*a))
    beside = jd.score(paths["recording"])
    given = jd.score(paths["recording"], annotations=paths["scoring"])
    assert reads == [] and beside.info["annotation_source"] == given.info["annotation_source"] == paths["scoring"]
    rec = jd.read_psg(paths["recording"])  # as before: the embedded annotations read as well
    assert len(reads) == 1 and len(rec.annotations) > 0
    full = jd.score(rec, annotations=paths["scoring"])
    assert beside.summary() | {"timings_s": 0} == full.summary() | {"timings_s": 0}
    assert beside.events.equals(full.events)
    os.remove(paths["scoring"])
    alone = jd.score(paths["recording"])
    assert len(reads) == 2 and alone.info["annotation_source"].endswith("(embedded EDF+ annotations)")


def test_duplicate_labels_are_kept_apart_and_never_guessed(tmp_path):
    """A chin labelled 'Leg L' beside the real 'Leg L': both kept, neither scored as the leg unless named."""
    p = tmp_path / "dup.edf"
    chin = np.random.default_rng(3).standard_normal(FS * 180) * 4
    write_edf(p, [SignalSpec("Leg L", emg(), FS), SignalSpec("Leg R", emg(seed=1), FS), SignalSpec("Leg L", chin, FS)])
    stages_tsv(tmp_path / "dup.tsv")
    with pytest.warns(UserWarning, match="used more than once.*'Leg L'.*Leg L#1, Leg L#2"):
        rec = jd.read_psg(p)
    assert rec.labels == ["Leg L#1", "Leg R", "Leg L#2"] and rec.roles["leg_left"] == []
    with pytest.raises(jd.ChannelError, match="no channel found for role 'leg_left'.*Leg L#1"):
        jd.score(str(p))
    res = jd.score(str(p), channels={"leg_left": "Leg L#1"})
    assert res.info["channels"]["leg_left"] == "Leg L#1" and res.n_lm == 6


# ---------------------------------------------------------------- arrays through the API
def _arrays(**over):
    sig = {"Leg L": emg(), "Leg R": emg(seed=1)}
    sig.update(over)
    return sig


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e300])
def test_nan_inf_and_absurd_samples_become_a_stated_unscorable_stretch(value):
    x = emg()
    x[FS * 100] = value  # one sample is enough (it used to segfault the rolling quantile)
    x[FS * 150: FS * 155] = value
    with pytest.warns(UserWarning, match="NaN, infinite or absurd samples in 2 stretches"):
        rec = jd.Recording.from_arrays(_arrays(**{"Leg L": x}), FS)
    assert np.isfinite(rec.channel("leg_left").data).all()
    res = jd.score(rec, annotations=jd.Hypnogram([2] * 6))
    u = res.unscorable_by_leg()["leg_left"]  # that leg's own stretches (the other leg scores on)
    assert ["bad samples"] * 2 == [k for *_, k in res.info["unscorable_stretches"]["leg_left"]]
    for a, b in ((100, 100 + 1 / FS), (150, 155)):
        assert ((u[:, 0] <= a) & (u[:, 1] >= b)).any(), u
    assert any("NaN, infinite or absurd samples are unscorable" in n for n in res.info["input_notes"])
    assert res.summary()["unscorable_min"]["leg_left"] > 0
    assert np.isin(np.round(res.lm.onset), [30, 50, 70, 90, 110, 130]).all()  # the LMs outside are kept


def test_rolling_quantile_never_reads_past_its_window_on_nan():
    """The kernel itself is bounded: NaN input gives NaN-ish output, not a segmentation fault."""
    code = ("import numpy as np; from jerkdetect.detection.kernels import rolling_quantile as r; "
            "v = np.random.default_rng(0).random(500); v[[3, 50, 51, 300]] = np.nan; "
            "print(r(v, 30, 0.2).shape)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and "(500,)" in p.stdout, p.stderr


def test_all_nan_channel_is_an_error():
    with pytest.raises(RecordingError, match="'Leg L' has no finite sample"):
        jd.Recording.from_arrays(_arrays(**{"Leg L": np.full(FS * 10, np.nan)}), FS)


@pytest.mark.parametrize("fs", [np.nan, np.inf, -256, 0, "fast", "256", None, 1e12])
def test_impossible_sampling_rates_refused(fs):
    with pytest.raises(InputError, match="sampling rate"):
        jd.Recording.from_arrays(_arrays(), fs)


@pytest.mark.parametrize("bad", [np.zeros((2, 100)), np.zeros(0), np.zeros(10, complex)])
def test_arrays_of_the_wrong_shape_or_type_refused(bad):
    with pytest.raises(InputError, match="'Leg L'"):
        jd.Recording.from_arrays(_arrays(**{"Leg L": bad}), FS)


def test_volts_passed_as_microvolts_is_an_error_naming_the_fix():
    sig = {k: v * 1e-6 for k, v in _arrays().items()}  # what raw.get_data() returns
    rec = jd.Recording.from_arrays(sig, FS)
    with pytest.raises(jd.ChannelError, match="looks like volts: pass units='V'"):
        jd.score(rec, annotations=jd.Hypnogram([2] * 6))
    res = jd.score(jd.Recording.from_arrays(sig, FS, units="V"), annotations=jd.Hypnogram([2] * 6))
    assert res.n_lm == 6


def test_millivolts_passed_as_microvolts_is_an_error():
    rec = jd.Recording.from_arrays({k: v * 1e-3 for k, v in _arrays().items()}, FS)
    with pytest.raises(jd.ChannelError, match="looks like millivolts: pass units='mV'"):
        jd.score(rec, annotations=jd.Hypnogram([2] * 6))


def test_unknown_unit_of_a_leg_refused():
    with pytest.raises(InputError, match="'Leg L' \\(leg_left\\) has unit 'furlong', not a voltage unit"):
        jd.Recording.from_arrays(_arrays(), FS, units="furlong")


def test_from_mne_nan_becomes_unscorable():
    mne = pytest.importorskip("mne")
    data = np.array([emg(), emg(seed=1)]) * 1e-6
    data[0, FS * 60: FS * 61] = np.nan
    raw = mne.io.RawArray(data, mne.create_info(["Leg L", "Leg R"], FS, "emg"), verbose=False)
    with pytest.warns(UserWarning, match="1 stretches"):
        rec = jd.Recording.from_mne(raw)
    res = jd.score(rec, annotations=jd.Hypnogram([2] * 6))
    u = res.unscorable_by_leg()["leg_left"]
    assert ((u[:, 0] <= 60) & (u[:, 1] >= 61)).any()


def test_nan_onset_in_an_annotation_is_dropped_and_counted():
    with pytest.warns(UserWarning, match="dropped 2 annotations"):
        rec = jd.Recording.from_arrays(_arrays(), FS, annotations=[(np.nan, 1, "Arousal"), (5, 1, "Arousal"),
                                                                   (1e12, 1, "Arousal")])
    assert rec.annotations == [(5.0, 1.0, "Arousal")]


# ---------------------------------------------------------------- EMG rates
@pytest.mark.parametrize("fs", [1, 100, 199])
def test_leg_emg_below_200_hz_refused(fs):
    rec = jd.Recording.from_arrays({"Leg L": emg(fs=fs, bursts=[]), "Leg R": emg(fs=fs, bursts=[])}, fs)
    with pytest.raises(jd.ChannelError, match=f"sampled at {fs} Hz; EMG needs at least 200 Hz"):
        jd.score(rec, annotations=jd.Hypnogram([2] * 6))


def test_eeg_chosen_as_leg_refused(fixtures):
    with pytest.raises(jd.ChannelError, match="'EEG Fpz-Cz' \\(leg_left\\) is sampled at 100 Hz"):
        jd.score(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf",
                 channels={"leg_left": "EEG Fpz-Cz", "leg_right": "EEG Pz-Oz"})


def test_auto_detected_1hz_chin_envelope_dropped_with_a_note_explicit_chin_refused():
    sig = {**_arrays(), "EMG submental": np.abs(np.random.default_rng(2).standard_normal(180)) + 5}
    rec = jd.Recording.from_arrays(sig, {"Leg L": FS, "Leg R": FS, "EMG submental": 1.0})
    with pytest.warns(UserWarning, match="'EMG submental' \\(chin\\) is sampled at 1 Hz.*not used"):
        res = jd.score(rec, annotations=jd.Hypnogram([2] * 6))
    assert "chin" not in res.info["channels"] and res.n_lm == 6
    assert any("EMG submental" in n for n in res.info["input_notes"])
    rec = jd.Recording.from_arrays(sig, {"Leg L": FS, "Leg R": FS, "EMG submental": 1.0})
    with pytest.raises(jd.ChannelError, match="'EMG submental' \\(chin\\) is sampled at 1 Hz"):
        jd.score(rec, annotations=jd.Hypnogram([2] * 6), channels={"chin": "EMG submental"})


# ---------------------------------------------------------------- names, labels, one LM count
def test_misspelt_keyword_lists_valid_names_closest_first(night):
    with pytest.raises(InputError, match=r"score\(\): unknown keyword argument 'annotation'; valid names "
                                         r"\(closest first\): annotations,"):
        jd.score(str(night), annotation=str(night.with_suffix(".tsv")))
    with pytest.raises(InputError, match="unknown keyword argument 'max_imi'; valid names .*: max_imi_s,"):
        jd.score(str(night), max_imi=100)
    with pytest.raises(InputError, match="rule_params: unknown rule parameter 'max_imi'"):
        jd.score(str(night), rule_params={"max_imi": 100})


def test_rule_params_dict_as_documented(night):
    res = jd.score(str(night), rules="aasm2012", rule_params={"max_imi_s": 15})
    assert res.info["rules"]["max_imi_s"] == 15 and res.summary()["n_plm"] == 0  # IMI 20 s > 15 s
    assert jd.score(str(night), rules="aasm2012", max_imi_s=15).summary()["n_plm"] == 0


def test_labels_checked_and_one_lm_count(night):
    res = jd.score(str(night))
    with pytest.raises(InputError, match="unknown event label 'plms'; valid names \\(closest first\\): plm,"):
        res.get_mask(100, label="plms")
    with pytest.raises(InputError, match="unknown event label"):
        res.onsets("jerks")
    assert res.compare(res, label="PLM")["tp"] == res.summary()["n_plm"] == 6  # case-insensitive
    n = res.summary()["n_lm"]
    assert res.n_lm == n == len(res.onsets("lm")) == res.compare(res, label="lm")["tp"]
    assert f"{n} LMs" in repr(res)


def test_lm_count_leaves_long_movements_apart(tmp_path):
    """WASM: a 12-s movement is an 'lm_long' row, not an LM; every count agrees on that."""
    p = tmp_path / "long.edf"
    x = emg(bursts=LM_TIMES + [150.0])
    x[int(150 * FS): int(162 * FS)] += 40 * np.sin(2 * np.pi * 40 * np.arange(12 * FS) / FS)
    write_edf(p, [SignalSpec("Leg L", x, FS), SignalSpec("Leg R", emg(seed=1), FS)])
    stages_tsv(tmp_path / "long.tsv")
    res = jd.score(str(p))
    assert len(res.lm) == 7 and len(res.onsets("lm_long")) == 1
    assert res.n_lm == res.summary()["n_lm"] == len(res.onsets("lm")) == 6 and "6 LMs" in repr(res)


# ---------------------------------------------------------------- scoring files
def test_hypnogram_from_another_night_is_an_error_giving_both_dates(tmp_path, night):
    old = tmp_path / "old-Hypnogram.edf"
    write_edf(old, [SignalSpec("Marker", np.zeros(10), 1.0)], start=dt.datetime(1965, 1, 1, 22),
              annotations=[(30.0 * k, 30.0, "Sleep stage 2") for k in range(6)])
    with pytest.raises(jd.ScoringFileError, match="does not overlap the recording.*1965-01-01 22:00:00.*"
                                                  "2000-01-01 22:00:00"):
        jd.score(str(night), annotations=str(old))


def test_scoring_whose_stages_start_hours_late_names_where_its_hypnogram_lies(tmp_path):
    """Same clock time as the recording, every event 5 h later: the sentence gives the
    hypnogram's own times, not the two identical start times."""
    import re
    xml = open(jd.sample_path("scoring")).read()
    late = re.sub(r"<Start>([0-9.]+)</Start>", lambda m: f"<Start>{float(m.group(1)) + 18000:g}</Start>", xml)
    p = tmp_path / "late.xml"
    p.write_text(late)
    rec = jd.read_psg(jd.sample_path())
    r0 = rec.start.replace(tzinfo=None)
    with pytest.raises(jd.ScoringFileError) as e:
        jd.score(rec, annotations=str(p))
    msg = str(e.value)
    assert f"runs from {r0 + dt.timedelta(hours=5)}" in msg and f"the recording from {r0} to" in msg


def test_unknown_sample_kind_lists_the_valid_ones():
    with pytest.raises(jd.errors.InputError, match="unknown sample kind 'xml'; valid names .*scoring"):
        jd.sample_path("xml")


@pytest.mark.parametrize("content,ext", [("", ".txt"), ("onset\tduration\tdescription\n", ".tsv"),
                                          ("onset,duration,description\n1,2,Snore\n", ".csv"),
                                          ("<PSGAnnotation><ScoredEvents/></PSGAnnotation>", ".xml")])
def test_empty_or_unrecognised_scoring_file_is_an_error(tmp_path, night, content, ext):
    f = tmp_path / ("s" + ext)
    f.write_text(content)
    with pytest.raises(jd.ScoringFileError, match=str(f)):
        jd.score(str(night), annotations=str(f))


def test_scored_events_after_the_recording_are_dropped_with_a_count(tmp_path, night):
    f = tmp_path / "lm.tsv"
    rows = [f"{k * 30}\t30\tN2" for k in range(6)] + [f"{t}\t1\tLimb movement - left" for t in LM_TIMES] + \
        ["500\t1\tLimb movement - left"]
    f.write_text("onset\tduration\tdescription\n" + "\n".join(rows) + "\n")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = jd.score(str(night), annotations=str(f), leg_movements="scoring")
    text = " ".join(str(x.message) for x in w)
    assert "1 scored events" in text and "were dropped" in text
    assert res.n_lm == 6 and res.lm.onset.max() < 180
    # an onset no recording reaches is not a time at all: refused, naming the row (issue 20)
    f.write_text(f.read_text() + "1e12\t1\tLimb movement - left\n")
    with pytest.raises(jd.ScoringFileError, match=r"lm.tsv: row 15: 'onset' is 1000000000000.0 s, outside"):
        jd.score(str(night), annotations=str(f), leg_movements="scoring")


def test_partly_recorded_last_epoch_counts_only_its_recorded_part(tmp_path):
    p = tmp_path / "short.edf"
    write_edf(p, [SignalSpec("Leg L", emg(seconds=170), FS), SignalSpec("Leg R", emg(seconds=170, seed=1), FS)])
    res = jd.score(str(p), annotations=jd.Hypnogram([2] * 6))  # 180 s of N2 over 170 s of recording
    assert res.summary()["tst_min"] == pytest.approx(170 / 60)


def test_every_null_index_has_a_reason(night):
    res = jd.score(jd.read_psg(night), annotations=jd.Hypnogram([0] * 6))  # all wake
    s = res.summary()
    nulls = [k for k, v in s.items() if v is None]
    assert "plms_index" in nulls and set(nulls) <= set(s["null_reasons"])
    assert "no sleep epoch" in s["null_reasons"]["plms_index"]


def test_semicolon_csv_and_headerless_stage_column(tmp_path, night):
    a = tmp_path / "a.csv"
    a.write_text("onset;duration;description\n" + "".join(f"{k * 30};30;N2\n" for k in range(6)))
    b = tmp_path / "b.csv"
    b.write_text("N2\n" * 6)
    for f in (a, b):
        assert jd.read_scoring(f).hypnogram.stages.tolist() == [2] * 6
        assert jd.score(str(night), annotations=str(f)).summary()["tst_min"] == 3.0
    c = tmp_path / "c.csv"
    c.write_text("start;kind\n0;x\n")
    with pytest.raises(jd.ScoringFileError, match="needs 'onset' and 'description'.*one stage per line"):
        jd.read_scoring(c)


@pytest.mark.parametrize("name", ["SN001_sleepscoring.edf", "SN001-profusion.xml"])
def test_scoring_file_pairing_finds_real_names(tmp_path, name):
    (tmp_path / "SN001.edf").write_bytes(b"")
    (tmp_path / name).write_bytes(b"")
    assert jd.find_scoring_file(str(tmp_path / "SN001.edf")) == str(tmp_path / name)


# ---------------------------------------------------------------- YASA
class FakeYasaHypnogram:
    """Duck-typed stand-in for yasa.Hypnogram (labels, freq, start, n_stages, as_int)."""

    def __init__(self, labels, freq="30s", start=None):
        import pandas as pd
        self.hypno = pd.Series(labels)
        self.freq, self.start, self.n_stages = freq, start, 5

    def as_int(self):
        return self.hypno.map({"WAKE": 0, "N1": 1, "N2": 2, "N3": 3, "REM": 4, "ART": -1, "UNS": -2})


def _yasa_objects():
    objs = [FakeYasaHypnogram(["WAKE", "N2", "N2", "N3", "REM", "UNS"], start="2000-01-01 22:00:00")]
    try:
        import yasa
        objs.append(yasa.Hypnogram(["W", "N2", "N2", "N3", "R", "UNS"], freq="30s", start="2000-01-01 22:00:00"))
    except ImportError:
        pass
    return objs


@pytest.mark.parametrize("h", _yasa_objects(), ids=lambda h: type(h).__module__)
def test_yasa_hypnogram_objects_accepted(night, h):
    hyp = jd.Hypnogram.from_yasa(h)
    assert hyp.stages.tolist() == [0, 2, 2, 3, 4, -1] and hyp.epoch_length == 30
    res = jd.score(str(night), annotations=h)
    assert res.summary()["tst_min"] == 2.0 and res.info["annotation_source"] == "yasa.Hypnogram object"


def test_yasa_unscored_minus_two_accepted_and_four_stage_refused():
    assert jd.Hypnogram([0, -2, 2]).stages.tolist() == [0, -1, 2]
    assert jd.Hypnogram.from_yasa([0, -2, -1, 4]).stages.tolist() == [0, -1, -1, 4]
    with pytest.raises(InputError, match="epoch 1 is 'LIGHT'"):
        h = FakeYasaHypnogram(["WAKE", "LIGHT"])
        h.n_stages = 4
        jd.Hypnogram.from_yasa(h)


# ---------------------------------------------------------------- files, sample, compile message
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_honour_the_umask(night, tmp_path, umask):
    res = jd.score(str(night))
    old = os.umask(umask)
    try:
        paths = res.write(str(tmp_path / "out"), "n", export=True)
    finally:
        os.umask(old)
    for p in paths.values():
        assert os.stat(p).st_mode & 0o777 == 0o666 & ~umask, p


def test_cold_numba_cache_is_announced(tmp_path):
    code = "from jerkdetect.pipeline.compile import kernels_cached; print(kernels_cached())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert cold.stdout.strip() == "False", cold.stderr
    from jerkdetect.pipeline import compile as _compile
    _compile._announced = False
    _compile.kernels_cached, real = (lambda: False), _compile.kernels_cached
    try:
        import io
        import contextlib
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            _compile.announce_compilation()
            _compile.announce_compilation()
        assert err.getvalue().count("compiling kernels (first run only") == 1
    finally:
        _compile.kernels_cached = real


def test_sample_night_is_installed_inside_the_package(tmp_path):
    """The package build (what `pip install .` installs) holds the sample night as jerkdetect/_sample,
    so jd.sample_path() works from any folder; sample_data/ stays at the root for the README."""
    import shutil
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = tmp_path / "src"
    src.mkdir()
    for f in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(os.path.join(root, f), src / f)
    shutil.copytree(os.path.join(root, "src"), src / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(os.path.join(root, "sample_data"), src / "sample_data")
    p = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "-d", str(tmp_path / "lib")], cwd=src,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lib = tmp_path / "lib"
    for f in ("sample_night.edf", "sample_night.xml", "sample_night_truth.json"):
        assert (lib / "jerkdetect" / "_sample" / f).is_file()
    assert (lib / "jerkdetect" / "io" / "channel_labels.json").is_file()  # the channel-label table
    code = "import jerkdetect as jd; print(jd.sample_path())"
    env = {**os.environ, "PYTHONPATH": str(lib)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str(lib / "jerkdetect" / "_sample" / "sample_night.edf"), out.stderr


def test_negative_annotation_duration_is_read_as_an_onset_and_said():
    """An annotation with a negative duration (invalid in EDF+) becomes a 0-s onset, with a warning
    that counts it: never a silently shortened or dropped scored event."""
    x = np.zeros(2000)
    with pytest.warns(UserWarning, match="1 annotations had a negative duration"):
        rec = jd.Recording.from_arrays({"Leg L": x}, {"Leg L": 200.0},
                                       annotations=[(1.0, -2.0, "LM"), (3.0, 1.5, "LM")])
    assert rec.annotations == [(1.0, 0.0, "LM"), (3.0, 1.5, "LM")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # valid durations: no warning
        jd.Recording.from_arrays({"Leg L": x}, {"Leg L": 200.0}, annotations=[(3.0, 1.5, "LM")])
