"""Annotation-only scoring: the leg movements of a scoring file, without the recording."""
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import jerkdetect as jd
from conftest import SAMPLE

PROFUSION = str(SAMPLE / "sample_night_profusion.xml")
LOCATION_KEYS = {"recording", "recording_start", "duration_source"}


def _indices(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in LOCATION_KEYS}


@pytest.mark.parametrize("rules", ["wasm2016", "aasm2012"])
def test_annotation_only_equals_edf_path_to_the_last_digit(sample_edf, rules):
    """The shipped Profusion file scored alone == the EDF scored with it and --from-scoring."""
    alone = jd.score_annotations(PROFUSION, rules=rules)
    with_edf = jd.score(sample_edf, annotations=PROFUSION, rules=rules, leg_movements="scoring")
    assert alone.info["duration_s"] == with_edf.info["duration_s"] == 3600.0
    assert alone.info["duration_source"] == "end of the last epoch"
    assert _indices(alone.summary_dict()) == _indices(with_edf.summary_dict())
    assert alone.events_tsv() == with_edf.events_tsv()
    assert alone.summary()["n_plm"] > 10 and alone.summary()["plms_arousal_index"] is not None
    assert alone.summary()["n_hypnic_jerks"] is None  # no EMG: not looked for, not zero
    assert "no EMG" in alone.summary()["null_reasons"]["n_hypnic_jerks"]


def test_cli_annotation_only_matches_edf_path(sample_edf, tmp_path):
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "score", PROFUSION, "--from-scoring",
                        "--rules", "aasm2012", "--out", str(tmp_path), "--report"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    report = tmp_path / "sample_night_profusion_report.html"
    assert report.stat().st_size > 20_000 and str(report) in p.stdout
    s = json.loads((tmp_path / "sample_night_profusion_summary.json").read_text())
    ref = jd.score(sample_edf, annotations=PROFUSION, rules="aasm2012", leg_movements="scoring").summary_dict()
    ref = json.loads(json.dumps(ref, default=str))  # as the file stores it
    assert _indices(s) == _indices(ref)
    assert s["leg_movement_source"] == "scoring" and s["rules"]["name"] == "aasm2012"
    bad = subprocess.run([sys.executable, "-m", "jerkdetect", "score", PROFUSION, "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "sample_night_profusion.xml" in bad.stderr


def _nsrr(events: str, length: float = 1200.0) -> str:
    head = ("<?xml version='1.0' encoding='UTF-8'?><PSGAnnotation><SoftwareVersion>Compumedics</SoftwareVersion>"
            "<EpochLength>30</EpochLength><ScoredEvents>"
            "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
            f"<Duration>{length}</Duration><ClockTime>00.00.00 23.00.00</ClockTime></ScoredEvent>")
    return head + events + "</ScoredEvents></PSGAnnotation>"


def _ev(etype: str, concept: str, start: float, dur: float) -> str:
    return (f"<ScoredEvent><EventType>{etype}</EventType><EventConcept>{concept}</EventConcept>"
            f"<Start>{start}</Start><Duration>{dur}</Duration></ScoredEvent>")


LM = "Limb Movement|Limb Movement"


@pytest.fixture()
def nsrr_night(tmp_path):
    """Hand-built NSRR night: W 0-60 s, N2 60-1200 s; PLM marks on top of LMs, PLM-only events, an arousal."""
    ev = _ev("Stages|Stages", "Wake|0", 0, 60) + _ev("Stages|Stages", "Stage 2 sleep|2", 60, 1140)
    for t in (100, 120, 140, 160):  # scored as LMs, and marked again as PLMs: one movement each
        ev += _ev(LM, "Limb movement - left|Limb Movement (Left)", t, 1.5)
        ev += _ev(LM, "Periodic leg movement - left|PLM (Left)", t, 1.5)
    for t in (300, 307, 314, 321, 328):  # only a PLM event: the PLM event is the movement
        ev += _ev(LM, "Periodic leg movement - right|PLM (Right)", t, 1.0)
    ev += _ev(LM, "Limb movement - left|Limb Movement (Left)", 500, 2.0)  # bilateral under both rule sets
    ev += _ev(LM, "Limb movement - right|Limb Movement (Right)", 500.3, 2.0)
    ev += _ev("Arousals|Arousals", "Arousal|Arousal ()", 141, 3)
    p = tmp_path / "hand-nsrr.xml"
    p.write_text(_nsrr(ev))
    return str(p)


@pytest.mark.parametrize("rules, n_plm", [("aasm2012", 9), ("wasm2016", 4)])
def test_hand_built_nsrr_night(nsrr_night, rules, n_plm):
    """AASM: IMI 5-90 s, so the 7-s run of 5 is a series too; WASM: IMI 10-90 s, only the 20-s run."""
    res = jd.score_annotations(nsrr_night, rules=rules)
    s = res.summary()
    sleep_h = 1140 / 3600
    assert res.info["duration_s"] == 1200.0 and "Recording Start Time" in res.info["duration_source"]
    assert s["n_lm"] == 10  # 4 + 5 + 1 bilateral; the 4 PLM marks are not extra movements
    assert s["n_plm"] == s["n_plms"] == n_plm
    assert s["plms_index"] == pytest.approx(n_plm / sleep_h)
    assert s["lm_index"] == pytest.approx(10 / sleep_h)
    assert s["plms_arousal_index"] == pytest.approx(1 / sleep_h)  # the LM at 140 s
    # an NSRR file scoring stages and arousals scored respiration too: no respiratory event, none excluded
    assert res.info["respiratory_scoring"] and s["plms_nonresp_index"] == s["plms_index"]
    assert res.lm.side_names[-1] == "bilateral"
    assert res.info["recording_start"] == "23:00:00"


def test_real_profusion_file_conventions(fixtures, tmp_path):
    """Limb movements put into the real Profusion file: its epochs, stages, arousals and apneas apply."""
    real = (fixtures / "annotations" / "luna_learn-nsrr01.xml").read_text()
    with pytest.raises(jd.ScoringFileError, match="luna_learn-nsrr01.xml.*no|limb movements"):
        jd.score_annotations(fixtures / "annotations" / "luna_learn-nsrr01.xml")
    stages = np.array([int(x) for x in re.findall(r"<SleepStage>(\d)</SleepStage>", real)])
    scored = [(float(a), float(a) + float(d)) for a, d in
              re.findall(r"<ScoredEvent><Name>[^<]*</Name><Start>([\d.]+)</Start><Duration>([\d.]+)</Duration>", real)]

    def quiet(t0):  # six N2 epochs with no arousal, apnea or other event within 20 s
        e = int(t0 // 30)
        return (stages[e:e + 6] == 2).all() and not any(a < t0 + 200 and b > t0 - 20 for a, b in scored)
    t0 = next(k * 30.0 for k in range(stages.size - 6) if quiet(k * 30.0)) + 10
    ev = "".join(f"<ScoredEvent><Name>Limb Movement (Left)</Name><Start>{t0 + 25 * j}</Start>"
                 f"<Duration>2</Duration><Input>LEFT LEG</Input></ScoredEvent>" for j in range(4))
    p = tmp_path / "real.xml"
    p.write_text(real.replace("<ScoredEvents>", "<ScoredEvents>" + ev, 1))
    tst_h = np.isin(stages, (1, 2, 3, 4, 5)).sum() * 30.0 / 3600  # Profusion: 5 is REM
    for rules in ("aasm2012", "wasm2016"):
        res = jd.score_annotations(p, rules=rules)
        s = res.summary()
        assert res.info["duration_s"] == stages.size * 30.0
        assert s["tst_min"] == pytest.approx(tst_h * 60)
        assert s["n_lm"] == s["n_plms"] == 4 and s["n_respiratory_lm"] == 0
        assert s["plms_index"] == pytest.approx(4 / tst_h)
        assert s["plms_arousal_index"] == 0.0  # arousals scored in this file, none near these LMs


def test_batch_over_a_folder_of_xml(tmp_path, nsrr_night):
    import shutil
    folder = tmp_path / "xml"
    folder.mkdir()
    shutil.copy(PROFUSION, folder / "a.xml")
    shutil.copy(nsrr_night, folder / "b.xml")
    (folder / "c.xml").write_text("<PSGAnnotation><EpochLength>30</EpochLength><ScoredEvents>"
                                  "<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0"
                                  "</EventConcept><Start>0</Start><Duration>60</Duration></ScoredEvent>"
                                  "</ScoredEvents></PSGAnnotation>")
    out = tmp_path / "out"
    df = jd.score_many([str(folder)], str(out), rules="aasm2012", leg_movements="scoring", export=False)
    by = df.set_index("stem")
    assert by.loc["a", "status"] == by.loc["b", "status"] == "ok"
    assert by.loc["c", "status"] == "failed" and "no" in by.loc["c", "error"]
    assert by.loc["a", "plms_index"] == jd.score_annotations(PROFUSION, rules="aasm2012").summary()["plms_index"]
    assert by.loc["b", "n_plm"] == 9
    assert pd.isna(by.loc["a", "n_hypnic_jerks"])


def test_edf_plus_annotation_file_alone(tmp_path):
    """An annotation-only EDF+ (no signal) is a scoring file: --from-scoring scores it on its own."""
    import datetime as dt
    from jerkdetect.io.edf_write import write_edf
    ev = [(k * 30.0, 30.0, "Sleep stage 2") for k in range(40)]
    ev += [(t, 1.5, "Limb movement - left") for t in (100, 120, 140, 160)]
    p = tmp_path / "night-annotations.edf"
    write_edf(p, [], dt.datetime(2020, 1, 1, 23, 0, 0), ev, n_records=1)
    from jerkdetect.pipeline.annotations_only import has_signals
    assert not has_signals(p)
    res = jd.score_annotations(p, rules="wasm2016")
    assert res.info["duration_s"] == 1200.0 and res.info["recording_start"] == "2020-01-01 23:00:00"
    assert res.summary()["n_plms"] == 4 and res.summary()["plms_index"] == pytest.approx(4 / (1200 / 3600))
