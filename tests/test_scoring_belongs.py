"""A scoring file must belong to the recording it is paired with (issue 19, items 2 and 4)."""
import datetime as dt
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.io.edf_write import SignalSpec, write_edf
from jerkdetect.io.scoring import read_scoring
from jerkdetect.simulate import write_nsrr_xml

SAMPLE_START = dt.datetime(2024, 3, 1, 22, 30)  # the sample night: 1 h, 120 epochs


def nsrr(path, n_epochs, start, arousals=()):
    """An NSRR XML of ``n_epochs`` N2 epochs whose Recording Start Time is ``start`` (clock time only)."""
    ev = [(30.0 * k, 30.0, "Sleep stage N2") for k in range(n_epochs)] + [(a, 5.0, "Arousal") for a in arousals]
    write_nsrr_xml(str(path), sorted(ev), start)
    return str(path)


def run(*args):
    return subprocess.run([sys.executable, "-m", "jerkdetect", *map(str, args)], capture_output=True, text=True)


def test_hypnogram_twice_as_long_is_refused_naming_both_files(tmp_path, sample_edf):
    other = nsrr(tmp_path / "another_night.xml", 240, SAMPLE_START)
    with pytest.raises(jd.ScoringFileError) as e:
        jd.score(sample_edf, annotations=other)
    msg = str(e.value)
    assert msg.startswith(f"{other} does not belong to the recording {sample_edf}:")
    assert "240 epochs (2.0 h)" in msg and "1.0 h" in msg and "force_annotations" in msg
    assert msg.count(". ") == 0 and msg.endswith(".")  # one sentence
    p = run("score", sample_edf, "--annotations", other, "--out", tmp_path)
    assert p.returncode == 2 and "does not belong" in p.stderr and "--force-annotations" in p.stderr
    assert not (tmp_path / "sample_night_summary.json").exists()


def test_same_length_hypnogram_from_another_start_is_refused(tmp_path, sample_edf):
    other = nsrr(tmp_path / "other.xml", 120, dt.datetime(2020, 1, 1, 23, 10))
    with pytest.raises(jd.ScoringFileError, match=r"other.xml does not belong to the recording .*sample_night.edf: "
                                                  r"it starts at 2024-03-01 23:10:00, 40 min after the recording "
                                                  r"\(2024-03-01 22:30:00\), though both last 1.0 h"):
        jd.score(sample_edf, annotations=other)


def test_nsrr_clock_time_takes_the_recordings_date_also_after_midnight(tmp_path):
    fs = 100
    rec_path = tmp_path / "late.edf"
    write_edf(rec_path, [SignalSpec("EEG C3-M2", np.zeros(fs * 3600), fs)], start=dt.datetime(2024, 3, 1, 23, 50))
    xml = nsrr(tmp_path / "late.xml", 80, dt.datetime(1999, 1, 1, 0, 10))  # scoring began 20 min later
    rec = jd.read_psg(rec_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = read_scoring(xml, rec)
    assert sc.start == dt.datetime(2024, 3, 2, 0, 10)
    assert sc.hypnogram.offset == 1200.0
    alone = read_scoring(xml)
    assert alone.start_is_clock_time and alone.start.time() == dt.time(0, 10)
    assert "1900-01-01" not in repr(alone) and "1900-01-01" not in alone.summary()


@pytest.mark.parametrize("clock,shown", [(dt.time(23, 10), "2024-03-01 23:10:00"),
                                         (dt.time(3, 0), "the hypnogram runs from 2024-03-02 03:00:00")])
def test_nsrr_refusal_shows_the_recordings_date_not_1900(tmp_path, sample_edf, clock, shown):
    other = nsrr(tmp_path / "other.xml", 120, dt.datetime.combine(dt.date(2020, 1, 1), clock))
    with pytest.raises(jd.ScoringFileError) as e:
        jd.score(sample_edf, annotations=other)
    assert "1900-01-01" not in str(e.value) and shown in str(e.value)


def test_hypnogram_starting_on_another_day_is_refused(tmp_path):
    fs = 100
    rec_path = tmp_path / "long.edf"
    write_edf(rec_path, [SignalSpec("EEG C3-M2", np.zeros(fs * 3600 * 14), fs)], start=dt.datetime(2024, 3, 1, 20))
    hyp = tmp_path / "long-Hypnogram.edf"
    write_edf(hyp, [SignalSpec("Marker", np.zeros(10), 1.0)], start=dt.datetime(2024, 3, 2, 8),
              annotations=[(30.0 * k, 30.0, "Sleep stage 2") for k in range(240)])
    rec = jd.read_psg(rec_path)
    with pytest.raises(jd.ScoringFileError, match=r"long-Hypnogram.edf does not belong to the recording .*long.edf: "
                                                  r"it starts 2024-03-02 08:00:00, 12.0 h after the recording "
                                                  r"\(2024-03-01 20:00:00\), on another day"):
        read_scoring(hyp, rec)


def test_declared_length_of_another_recording_is_refused(tmp_path, sample_edf):
    other = tmp_path / "declared.xml"
    text = open(nsrr(other, 120, SAMPLE_START), encoding="utf-8").read()
    other.write_text(text.replace("<Duration>0</Duration>", "<Duration>28800</Duration>", 1))
    with pytest.raises(jd.ScoringFileError, match=r"declared.xml does not belong to the recording .*: the file says "
                                                  r"its recording lasted 8.0 h and this one lasts 1.0 h"):
        jd.score(sample_edf, annotations=str(other))


def test_forced_mismatch_is_scored_and_recorded(tmp_path, sample_edf):
    other = nsrr(tmp_path / "another_night.xml", 240, SAMPLE_START)
    with pytest.warns(UserWarning, match="does not belong to the recording.*used anyway"):
        res = jd.score(sample_edf, annotations=other, force_annotations=True)
    assert "240 epochs (2.0 h)" in res.info["annotations_forced"]
    p = run("score", sample_edf, "--annotations", other, "--out", tmp_path, "--force-annotations", "--report")
    assert p.returncode == 0, p.stderr
    s = json.loads((tmp_path / "sample_night_summary.json").read_text())
    assert "does not belong" in s["annotations_forced"]
    html = (tmp_path / "sample_night_report.html").read_text(encoding="utf-8")
    assert "does not belong" in html and "forced" in html


def test_hypnogram_object_twice_as_long_is_refused(sample_edf):
    with pytest.raises(jd.ScoringFileError, match="hypnogram does not belong to the recording"):
        jd.score(sample_edf, annotations=jd.Hypnogram([2] * 240))
    with pytest.warns(UserWarning, match="used anyway"):
        jd.score(sample_edf, annotations=jd.Hypnogram([2] * 240), force_annotations=True)


@pytest.mark.parametrize("n_epochs,later_s", [(120, 0), (110, 0), (116, 90), (122, 0), (100, 600)])
def test_own_scoring_with_small_offsets_and_trims_is_accepted(tmp_path, sample_edf, n_epochs, later_s):
    """Lights-off trims, a scoring starting a little later, a partly recorded last epoch: all belong."""
    xml = nsrr(tmp_path / "own.xml", n_epochs, SAMPLE_START + dt.timedelta(seconds=later_s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score(sample_edf, annotations=xml)
    assert res.hypnogram.offset == later_s and "annotations_forced" not in res.info


def test_xml_given_as_recording_gets_a_hint(tmp_path, sample_edf):
    xml = str(jd.sample_path("scoring"))
    for cmd in (["score", xml, "--out", tmp_path], ["info", xml]):
        p = run(*cmd)
        if cmd[0] == "info":
            assert p.returncode == 0, p.stderr
            assert "NSRR XML" in p.stdout or "nsrr" in p.stdout
            assert "120 epochs" in p.stdout and "arousals" in p.stdout
        else:
            assert p.returncode == 2
            assert "is a scoring file, not a recording" in p.stderr and "--from-scoring" in p.stderr
            assert "--annotations" in p.stderr and "version field" not in p.stderr
    with pytest.raises(jd.RecordingError, match="is a scoring file, not a recording"):
        jd.score(xml)


# ------------------------------------------------------------------ each rule on both sides of its threshold
@pytest.mark.parametrize("n_epochs,refused", [(178, False), (180, False), (182, True)])
def test_outside_fraction_threshold(tmp_path, sample_edf, n_epochs, refused):
    """More than a third of the hypnogram outside the 120-epoch recording is another recording's."""
    xml = nsrr(tmp_path / "x.xml", n_epochs, SAMPLE_START)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if refused:
            with pytest.raises(jd.ScoringFileError, match="% of the hypnogram lies outside it"):
                jd.score(sample_edf, annotations=xml)
        else:
            assert jd.score(sample_edf, annotations=xml).hypnogram.n_epochs == 120


@pytest.mark.parametrize("later_s,refused", [(30, False), (60, True)])
def test_same_length_start_threshold(tmp_path, sample_edf, later_s, refused):
    """A same-length hypnogram may start up to one epoch away from the recording."""
    xml = nsrr(tmp_path / "x.xml", 120, SAMPLE_START + dt.timedelta(seconds=later_s))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if refused:
            with pytest.raises(jd.ScoringFileError, match="though both last 1.0 h"):
                jd.score(sample_edf, annotations=xml)
        else:
            assert jd.score(sample_edf, annotations=xml).hypnogram.offset == later_s


@pytest.mark.parametrize("declared_s,refused", [(5400, False), (5760, True), (2400, False), (2340, True)])
def test_declared_length_threshold(tmp_path, sample_edf, declared_s, refused):
    """The length an NSRR file declares may differ from the recording's by up to a third of the longer."""
    p = tmp_path / "x.xml"
    text = open(nsrr(p, 120, SAMPLE_START), encoding="utf-8").read()
    p.write_text(text.replace("<Duration>0</Duration>", f"<Duration>{declared_s}</Duration>", 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if refused:
            with pytest.raises(jd.ScoringFileError, match="the file says its recording lasted"):
                jd.score(sample_edf, annotations=str(p))
        else:
            jd.score(sample_edf, annotations=str(p))


@pytest.mark.parametrize("hours_later,refused", [(11.5, False), (12.0, True)])
def test_another_day_threshold(tmp_path, hours_later, refused):
    rec_path = tmp_path / "long.edf"
    write_edf(rec_path, [SignalSpec("Marker", np.zeros(3600 * 14), 1.0)], start=dt.datetime(2024, 3, 1, 20))
    hyp = tmp_path / "h-Hypnogram.edf"
    write_edf(hyp, [SignalSpec("Marker", np.zeros(10), 1.0)],
              start=dt.datetime(2024, 3, 1, 20) + dt.timedelta(hours=hours_later),
              annotations=[(30.0 * k, 30.0, "Sleep stage 2") for k in range(120)])
    rec = jd.read_psg(rec_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if refused:
            with pytest.raises(jd.ScoringFileError, match="on another day"):
                read_scoring(hyp, rec)
        else:
            assert read_scoring(hyp, rec).hypnogram.offset == hours_later * 3600


def test_recording_cut_short_with_the_same_start_date_and_time_is_accepted(tmp_path):
    """A scoring with the recording's own start date and time is its scoring, however much of it the
    recording lacks (Sleep-EDF's 5-min excerpt of a 24-h hypnogram): the rest is dropped with a warning."""
    start = dt.datetime(2024, 3, 1, 22)
    write_edf(tmp_path / "cut.edf", [SignalSpec("Marker", np.zeros(600), 1.0)], start=start)
    write_edf(tmp_path / "cut-Hypnogram.edf", [SignalSpec("Marker", np.zeros(10), 1.0)], start=start,
              annotations=[(30.0 * k, 30.0, "Sleep stage 2") for k in range(960)])
    with pytest.warns(UserWarning, match="940 epochs of the hypnogram lie outside"):
        sc = read_scoring(tmp_path / "cut-Hypnogram.edf", jd.read_psg(tmp_path / "cut.edf"))
    assert sc.hypnogram.n_epochs == 20 and sc.forced is None


def test_a_scoring_object_is_shifted_once_and_left_unchanged(tmp_path, sample_edf):
    """A Scoring read for the recording (already on its clock) and passed to score() is not shifted
    a second time, and score() never changes the caller's object."""
    xml = nsrr(tmp_path / "late.xml", 100, SAMPLE_START + dt.timedelta(seconds=60), arousals=[300.0, 900.0])
    rec = jd.read_psg(sample_edf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = read_scoring(xml, rec)
        before = (sc.hypnogram.offset, sc.arousals.copy(), sc.start)
        by_object = jd.score(sample_edf, annotations=sc)
        by_path = jd.score(sample_edf, annotations=xml)
        raw = read_scoring(xml)  # on the file's own clock: aligned by score() once
        by_raw = jd.score(sample_edf, annotations=raw)
    assert before[0] == 60.0 and before[1][:, 0].tolist() == [360.0, 960.0]
    for res in (by_object, by_raw):
        assert res.hypnogram.offset == by_path.hypnogram.offset == 60.0
        assert res.scored_arousals[:, 0].tolist() == by_path.scored_arousals[:, 0].tolist() == [360.0, 960.0]
    assert (sc.hypnogram.offset, sc.arousals.tolist(), sc.start) == (before[0], before[1].tolist(), before[2])
    assert raw.hypnogram.offset == 0.0 and raw.arousals[:, 0].tolist() == [300.0, 900.0]


def test_simulated_nights_declare_their_length_so_a_mispairing_is_caught(tmp_path):
    # every simulated night starts at the same clock time: only the declared length tells them apart
    from jerkdetect.simulate import simulate_night
    short = simulate_night(seed=1, duration_h=0.25, fs_emg=200, fs_eeg=100).write(str(tmp_path / "a"), "short")
    long = simulate_night(seed=2, duration_h=0.5, fs_emg=200, fs_eeg=100).write(str(tmp_path / "b"), "long")
    assert read_scoring(long["scoring"]).duration == 1800
    with pytest.raises(jd.ScoringFileError, match=r"short.xml does not belong to the recording .*long.edf"):
        jd.score(long["recording"], annotations=short["scoring"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert jd.score(long["recording"], annotations=long["scoring"]).summary()["tst_min"] > 0
