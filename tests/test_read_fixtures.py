"""Every real file in ../shared/fixtures: channels, rates, units, start, annotations, errors."""
import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pyedflib
import pytest

import jerkdetect as jd
from jerkdetect.io.scoring import read_scoring

EXPECTED = {  # file: (n channels, first rate, start, n annotations, file type)
    "edf/edfize_simulated-01.edf": (3, 1.0, dt.datetime(2014, 5, 7, 14, 25, 42), 0, "EDF"),
    "edf/mne_chtypes_edf.edf": (42, 200.0, dt.datetime(2015, 11, 19, 19, 33, 9), 8, "EDF+C"),
    "edf/mne_subsecond_starttime.edf": (3, 512.0, dt.datetime(2020, 1, 24, 4, 5, 56, 394531), 2, "EDF+C"),
    "edf/mne_test_utf8_annotations.edf": (11, 200.0, dt.datetime(2009, 12, 10, 12, 44, 2), 2, "EDF+C"),
    "edf/sleepedf_SC4001E0_short_psg.edf": (7, 100.0, dt.datetime(1989, 4, 24, 16, 13), 0, "EDF"),
    "edf/sleepedf_SC4001E0_short_psg.bdf": (7, 100.0, dt.datetime(1989, 4, 24, 16, 13), 0, "BDF"),
    "annotations/sleepedf_SC4001EC-Hypnogram.edf": (0, None, dt.datetime(1989, 4, 24, 16, 13), 154, "EDF+C"),
    "annotations/hmc_SN001_sleepscoring__wfdb_test_edfann.edf": (0, None, dt.datetime(2001, 1, 1, 23, 59, 30), 856,
                                                                 "EDF+C"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_header(fixtures, name):
    n_ch, fs, start, n_ann, ftype = EXPECTED[name]
    rec = jd.read_psg(fixtures / name)
    assert len(rec.channels) == n_ch
    assert rec.file_type == ftype
    assert rec.start == start
    assert len(rec.annotations) == n_ann
    if fs is not None:
        assert next(iter(rec.channels.values())).fs == fs


@pytest.mark.parametrize("name", [n for n, v in EXPECTED.items() if v[0] > 0])
def test_samples_identical_to_pyedflib(fixtures, name):
    rec = jd.read_psg(fixtures / name)
    with pyedflib.EdfReader(str(fixtures / name)) as r:
        for i, lab in enumerate(r.getSignalLabels()):
            ch = rec.channels[lab]
            assert np.array_equal(r.readSignal(i, digital=True), ch.digital.reshape(-1))
            np.testing.assert_allclose(ch.data / ch.unit_factor, r.readSignal(i), rtol=1e-9, atol=1e-9)
            assert ch.fs == r.getSampleFrequency(i)


def test_units_are_microvolts(fixtures):
    rec = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf")
    eeg = rec.channel("eeg")
    assert eeg.unit == "uV" and eeg.unit_factor == 1.0
    # EEG in µV: tens of µV, not 1e-5 volts
    assert 5 < np.std(eeg.data) < 500


def test_bdf_equals_edf(fixtures):
    a = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf")
    b = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.bdf")
    for lab in a.labels:
        assert a.channels[lab].n_samples == b.channels[lab].n_samples
        np.testing.assert_allclose(a.channels[lab].data, b.channels[lab].data,
                                   atol=2 * a.channels[lab].gain + 1e-9)


def test_header_reference_json(fixtures):
    ref = json.loads((fixtures / "edf/sleepedf_SC4001E0_short_psg_header_reference.json").read_text())
    rec = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf")
    text = json.dumps(ref)
    for lab in rec.labels:
        assert lab in text
    assert rec.duration == 300.0


def test_roles_on_real_psg(fixtures):
    rec = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf")
    assert rec.roles["eeg"] == ["EEG Fpz-Cz", "EEG Pz-Oz"]
    assert rec.roles["chin"] == ["EMG submental"]
    assert rec.roles["eog"] == ["EOG horizontal"]
    with pytest.raises(jd.ChannelError, match="leg_left.*EEG Fpz-Cz"):
        rec.channel("leg_left")


def test_zero_data_records_clear_error(fixtures):
    with pytest.raises(jd.RecordingError, match=r"edfize_zero-data-records.edf: .*0 data records"):
        jd.read_psg(fixtures / "edf/edfize_zero-data-records.edf")


def test_cli_error_is_one_sentence_without_traceback(fixtures, tmp_path):
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "score",
                        str(fixtures / "edf/edfize_zero-data-records.edf"), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and "0 data records" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_missing_leg_channel_lists_channels(fixtures, tmp_path):
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "score",
                        str(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf"), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "leg_left" in p.stderr and "EEG Fpz-Cz" in p.stderr


def test_sleepedf_hypnogram_aligns_with_psg(fixtures):
    rec = jd.read_psg(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf")
    with pytest.warns(UserWarning, match="2870 epochs of the hypnogram lie outside the 300-s recording"):
        sc = read_scoring(fixtures / "annotations/sleepedf_SC4001EC-Hypnogram.edf", rec)
    h = sc.hypnogram
    # same start time: epoch 0 starts at second 0 of the recording; the first 5 min are wake
    assert h.offset == 0.0 and h.epoch_length == 30.0
    assert h.n_epochs == 10  # the 5-min PSG covers 10 epochs; the rest of the 24-h hypnogram is dropped
    assert h.stage_at([0.0, 29.99, 30.0, 299.0]).tolist() == [0, 0, 0, 0]
    assert any("dropped" in n for n in h.notes)


def test_sleepedf_hypnogram_full(fixtures):
    sc = read_scoring(fixtures / "annotations/sleepedf_SC4001EC-Hypnogram.edf")
    h = sc.hypnogram
    assert h.n_epochs == 2880  # 24 h of 30-s epochs
    # first sleep (stage 1) starts at 30630 s; R&K stages 3 and 4 both map to N3
    assert h.sleep_onset == 30630.0
    assert h.stage_at(30630.0)[0] == 1
    assert set(np.unique(h.stages)) <= {-1, 0, 1, 2, 3, 4}
    assert (h.stages == 3).sum() > 0


def test_hmc_annotations_and_lights(fixtures):
    sc = read_scoring(fixtures / "annotations/hmc_SN001_sleepscoring__wfdb_test_edfann.edf")
    assert sc.lights_off == pytest.approx(33.43)
    assert sc.lights_on is not None and sc.lights_on > 25000
    assert sc.hypnogram.n_epochs == 854
    assert sc.hypnogram.lights == (pytest.approx(33.43), pytest.approx(sc.lights_on))


def test_profusion_xml(fixtures):
    sc = read_scoring(fixtures / "annotations/luna_learn-nsrr01.xml")
    assert sc.format == "profusion"
    assert sc.hypnogram.n_epochs == 1364 and sc.hypnogram.epoch_length == 30
    assert sc.has_arousals and sc.has_respiratory
    assert len(sc.arousals) == 194
    assert set(sc.respiratory_kinds) == {"Obstructive Apnea", "Hypopnea"}
    # desaturations and artefacts are not respiratory events
    assert len(sc.respiratory) == 398


def test_subsecond_start_and_annotation_onsets(fixtures):
    import mne
    rec = jd.read_psg(fixtures / "edf/mne_subsecond_starttime.edf")
    assert rec.start.microsecond == 394531
    ref = mne.read_annotations(fixtures / "edf/mne_subsecond_starttime.edf")
    np.testing.assert_allclose([a[0] for a in rec.annotations], ref.onset, atol=1e-6)


def test_utf8_annotations(fixtures):
    rec = jd.read_psg(fixtures / "edf/mne_test_utf8_annotations.edf")
    assert "仰卧" in [a[2] for a in rec.annotations]


def test_only_requested_channels(fixtures):
    rec = jd.read_psg(fixtures / "edf/mne_chtypes_edf.edf", channels=["eeg"])
    assert len(rec.channels) == 1


@pytest.mark.parametrize("name", [n for n, v in EXPECTED.items() if v[3] > 0])
def test_own_tal_parser_equals_pyedflib(fixtures, name):
    from jerkdetect.io.edf import _record_onsets, parse_header, parse_tals
    h = parse_header(fixtures / name)
    ours = parse_tals(h, _record_onsets(h)[1])
    with pyedflib.EdfReader(str(fixtures / name)) as r:
        on, du, de = r.readAnnotations()
    assert [a[2] for a in ours] == list(de)
    np.testing.assert_allclose([a[0] for a in ours], on, atol=1e-6)
    np.testing.assert_allclose([a[1] for a in ours], np.maximum(du, 0), atol=1e-6)


def test_sleepedf_pair_found_by_name(fixtures, tmp_path):
    """SC4001E0-PSG.edf pairs with SC4001EC-Hypnogram.edf (Sleep-EDF naming) without --annotations."""
    import shutil
    from jerkdetect.pipeline.scoring_file import find_scoring_file
    shutil.copy(fixtures / "edf/sleepedf_SC4001E0_short_psg.edf", tmp_path / "SC4001E0-PSG.edf")
    shutil.copy(fixtures / "annotations/sleepedf_SC4001EC-Hypnogram.edf", tmp_path / "SC4001EC-Hypnogram.edf")
    assert find_scoring_file(str(tmp_path / "SC4001E0-PSG.edf")).endswith("SC4001EC-Hypnogram.edf")
