"""Hypnogram statistics and every scoring-file format."""
import datetime as dt

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.core.hypnogram import Hypnogram, parse_stage
from jerkdetect.io.edf_write import SignalSpec, write_edf
from jerkdetect.io.scoring import read_scoring


def test_hypnogram_statistics():
    #           W  W  N1 N2 N2 W  N2 R  N3 W
    h = Hypnogram([0, 0, 1, 2, 2, 0, 2, 4, 3, 0], epoch_length=30)
    assert h.tst == 6 * 30
    assert h.sleep_onset == 60.0
    assert h.sleep_offset == 270.0
    assert h.sleep_period == 210.0
    assert h.waso == 30.0
    assert h.transitions().tolist() == [60.0, 180.0]
    m = h.minutes_per_stage()
    assert m["N2"] == 1.5 and m["W"] == 2.0 and m["R"] == 0.5 and m["N3"] == 0.5


def test_lights_restrict_statistics():
    h = Hypnogram([2, 2, 0, 2, 2, 2], 30, lights_off=30.0, lights_on=150.0)
    assert h.tst == 90.0  # epochs 1, 3, 4 lie inside lights
    assert h.sleep_onset == 30.0


def test_twenty_second_epochs_and_offset():
    h = Hypnogram([0, 1, 2], epoch_length=20, offset=-10)
    assert h.stage_at([-10.0, 9.9999, 10.0, 29.999999, 30.0, 50.0]).tolist() == [0, 0, 1, 1, 2, -1]


@pytest.mark.parametrize("text,code", [
    ("Sleep stage W", 0), ("Sleep stage 1", 1), ("Sleep stage 3", 3), ("Sleep stage 4", 3),
    ("Sleep stage R", 4), ("Sleep stage ?", -1), ("Movement time", -1), ("Stage 2 sleep|2", 2),
    ("REM sleep|5", 4), ("Wake|0", 0), ("N3", 3), ("Sleep stage N2", 2), ("Arousal", None)])
def test_parse_stage(text, code):
    assert parse_stage(text) == code


def test_yasa_roundtrip():
    y = np.array([0, 1, 2, 3, 4, -1, -2])
    h = Hypnogram.from_yasa(y)
    assert h.stages.tolist() == [0, 1, 2, 3, 4, -1, -1]
    assert h.to_yasa().tolist() == [0, 1, 2, 3, 4, -2, -2]


def test_tsv_events_and_stage_text(tmp_path):
    p = tmp_path / "night.tsv"
    p.write_text("onset\tduration\ttrial_type\n0\t30\tW\n30\t30\tN1\n60\t30\tN2\n65.5\t12\tHypopnea\n"
                 "70\t5\tArousal\n80\t2\tLimb movement - left\n")
    sc = read_scoring(p)
    assert sc.hypnogram.stages.tolist() == [0, 1, 2]
    assert sc.respiratory.tolist() == [[65.5, 12.0]]
    assert sc.arousals.tolist() == [[70.0, 5.0]]
    assert sc.leg_movements.tolist() == [[80.0, 2.0]] and sc.leg_sides == ["left"]
    q = tmp_path / "hyp.txt"
    q.write_text("# epoch_length=20\nW\nW\nN1\nN2\nREM\n")
    h = read_scoring(q).hypnogram
    assert h.epoch_length == 20 and h.stages.tolist() == [0, 0, 1, 2, 4]


def test_csv_missing_columns_clear_error(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("time,what\n1,x\n")
    with pytest.raises(jd.ScoringFileError, match="bad.csv: an event table needs 'onset'"):
        read_scoring(p)


def test_unreadable_xml_clear_error(tmp_path):
    p = tmp_path / "bad.xml"
    p.write_text("<PSGAnnotation><ScoredEvents><ScoredEvent><Start>1")
    with pytest.raises(jd.ScoringFileError, match="bad.xml: cannot be read"):
        read_scoring(p)


def test_scoring_file_starting_later_is_aligned_by_timestamp(tmp_path):
    fs = 100
    start = dt.datetime(2024, 1, 1, 23, 0, 0)
    rec_path = tmp_path / "rec.edf"
    write_edf(rec_path, [SignalSpec("EEG C3-M2", np.zeros(fs * 600), fs)], start)
    ann_path = tmp_path / "rec-Hypnogram.edf"
    stages = [(i * 30.0, 30.0, f"Sleep stage {s}") for i, s in enumerate("W W 1 2 2 2 R".split())]
    # the scoring file starts 90 s after the recording
    write_edf(ann_path, [SignalSpec("EEG C3-M2", np.zeros(fs * 210), fs)], start + dt.timedelta(seconds=90), stages)
    rec = jd.read_psg(rec_path)
    with pytest.warns(UserWarning, match="ends 300 s before the end of the recording"):
        sc = read_scoring(ann_path, rec)
    assert sc.hypnogram.offset == 90.0
    assert rec.duration == 600
    assert sc.hypnogram.stage_at([89.0, 90.0, 150.0, 299.9, 300.0]).tolist() == [-1, 0, 1, 4, -1]
    assert any("ends" in n for n in sc.hypnogram.notes)


def test_hypnogram_longer_than_recording_is_reported(tmp_path):
    h = Hypnogram([2] * 100, 30)
    with pytest.warns(UserWarning, match="80 epochs of the hypnogram lie outside"):
        fit = h.fit_to(600.0, "rec.edf")
    assert fit.n_epochs == 20


def test_nsrr_xml_from_simulator(sim_cache):
    paths, night = sim_cache(seed=3, duration_h=1.0, fs_emg=200, fs_eeg=100, full_montage=False)
    sc = read_scoring(paths["scoring"])
    assert sc.format == "nsrr"
    assert sc.hypnogram.stages.tolist() == night.stages.tolist()
    assert len(sc.arousals) == len(night.truth["arousals"])
    assert len(sc.respiratory) == len(night.truth["respiratory"])
