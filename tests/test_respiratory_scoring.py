"""No respiratory scoring vs. respiratory scoring with no event (issue 19, item 7).

The rule (``jerkdetect.io.scoring_model``): a file carries respiratory scoring when it holds a
respiratory event, or when it says respiratory events were scored: a Profusion
``ScoredEventSetting`` for an apnea, hypopnea or RERA, an NSRR event of the ``Respiratory``
category (SpO2 desaturations are scored there too), or an NSRR file that scores stages and
arousals (NSRR's exports are whole PSG scorings). A file that says nothing (a hypnogram, an event
table without respiratory events) does not.
"""
import datetime as dt

import pytest

import jerkdetect as jd
from jerkdetect.io.edf_write import SignalSpec, write_edf
from jerkdetect.io.scoring import read_scoring
from jerkdetect.simulate import write_nsrr_xml
from test_edge_inputs import FS, emg

START = dt.datetime(2000, 1, 1, 22)  # write_edf's default start


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    d = tmp_path_factory.mktemp("resp")
    write_edf(d / "n.edf", [SignalSpec("Leg L", emg(), FS), SignalSpec("Leg R", emg(seed=1), FS)])
    return d / "n.edf"


def _nsrr(path, arousals=True, extra=()):
    ev = [(30.0 * k, 30.0, "Sleep stage N2") for k in range(6)] + list(extra)
    if arousals:
        ev.append((95.0, 5.0, "Arousal"))
    write_nsrr_xml(str(path), sorted(ev), START)
    return str(path)


def _profusion(path, settings, events=""):
    xml = ("<?xml version='1.0'?><CMPStudyConfig><EpochLength>30</EpochLength><ScoredEventSettings>"
           + "".join(f"<ScoredEventSetting><Name>{s}</Name></ScoredEventSetting>" for s in settings)
           + f"</ScoredEventSettings><ScoredEvents>{events}</ScoredEvents><SleepStages>"
           + "<SleepStage>2</SleepStage>" * 6 + "</SleepStages></CMPStudyConfig>")
    path.write_text(xml)
    return str(path)


def test_nsrr_full_scoring_without_apneas_gives_the_nonrespiratory_index(night, tmp_path):
    res = jd.score(str(night), annotations=_nsrr(tmp_path / "full.xml"))
    s = res.summary()
    assert res.info["respiratory_scoring"] is True
    assert s["plms_nonresp_index"] is not None and s["plms_nonresp_index"] == s["plms_index"] > 0
    assert s["n_respiratory_lm"] == 0 and "plms_nonresp_index" not in s["null_reasons"]


def test_nsrr_desaturations_only_count_as_respiratory_scoring(tmp_path):
    p = _nsrr(tmp_path / "desat.xml", arousals=False, extra=[(40.0, 10.0, "SpO2 desaturation")])
    sc = read_scoring(p)
    assert sc.has_respiratory and len(sc.respiratory) == 0


def test_nsrr_hypnogram_alone_says_nothing(night, tmp_path):
    res = jd.score(str(night), annotations=_nsrr(tmp_path / "stages.xml", arousals=False))
    s = res.summary()
    assert res.info["respiratory_scoring"] is False and s["plms_nonresp_index"] is None
    assert "no respiratory scoring" in s["null_reasons"]["plms_nonresp_index"]


@pytest.mark.parametrize("settings,scored", [(["Arousal (ASDA)", "Obstructive Apnea", "Hypopnea"], True),
                                             (["Arousal (ASDA)", "RERA"], True),
                                             (["Arousal (ASDA)", "SpO2 desaturation"], False),
                                             (["Arousal (ASDA)"], False)])
def test_profusion_event_settings_decide(night, tmp_path, settings, scored):
    res = jd.score(str(night), annotations=_profusion(tmp_path / "p.xml", settings))
    assert res.info["respiratory_scoring"] is scored
    assert (res.summary()["plms_nonresp_index"] is not None) is scored


def test_event_table_without_respiratory_events_says_nothing(night, tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("onset\tduration\tdescription\n" + "".join(f"{30 * k}\t30\tN2\n" for k in range(6))
                 + "95\t5\tArousal\n")
    s = jd.score(str(night), annotations=str(p)).summary()
    assert s["plms_nonresp_index"] is None and "no respiratory scoring" in s["null_reasons"]["plms_nonresp_index"]
