"""ScoringResult.rescore: a night scored again under other rules, as score() would score it.

A notebook tries rule parameters on one night again and again; rescore reuses the night's
recording, scoring file, EMG bursts and arousals and runs only the rules. Each case below compares
it with a full score() call with the same arguments, event for event and index for index.
"""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.errors import InputError
from jerkdetect.rules import HypnicJerkRule, MotorRules
from jerkdetect.simulate.motor import motor_night
from jerkdetect.simulate.stress import stress_night


def _same(a, b) -> None:
    """Two results give the same events, summary and REM-epoch table (the run timings aside)."""
    assert a.events_tsv() == b.events_tsv()
    assert a.summary_dict() == b.summary_dict()
    assert a.rem_epoch_rows() == b.rem_epoch_rows()
    ia, ib = dict(a.info), dict(b.info)
    ia.pop("timings_s"), ib.pop("timings_s")
    assert ia == ib


@pytest.fixture(scope="module")
def stress_files(tmp_path_factory):
    """A mixed stress night (every effect: respiratory events, arousals, artefacts) at 200 Hz."""
    night = stress_night("mixed", seed=4, duration_h=1.5, fs_emg=200.0)
    return night.write(str(tmp_path_factory.mktemp("rescore")), "mixed")


CHANGES = [
    dict(rules="aasm2012"),
    dict(rules="wasm2016", max_imi_s=60.0),
    dict(min_imi_s=8.0, rule_params={"max_imi_s": 120.0}),
    dict(hypnic=HypnicJerkRule(min_peak_uv=15.0)),
    dict(motor=False),
    dict(motor={"alma.min_hz": 0.7}),
    dict(rules="aasm2012", motor=MotorRules(), hypnic=HypnicJerkRule()),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: ",".join(sorted(c)))
def test_rescore_gives_what_score_gives(sample_edf, stress_files, change):
    for path, base in ((sample_edf, dict(rules="wasm2016")),
                       (stress_files["recording"], dict(rules="wasm2016", arousals="detect"))):
        first = jd.score(path, **base)
        before = pickle.loads(pickle.dumps(first))
        again = first.rescore(**change)
        args = {**base, **change}
        if "rules" not in change:
            args["rules"] = first._night.rules  # the first result's rule set, its overrides with it
        _same(again, jd.score(path, **args))
        _same(first, before)  # the first result is left as it was


def test_rescore_changes_what_the_rules_decide(stress_files):
    """A stricter series rule scores fewer PLMs, and rescoring back gives the first result again."""
    res = jd.score(stress_files["recording"], rules="wasm2016")
    strict = res.rescore(min_series=8)
    assert 0 < strict.lm.plm.sum() < res.lm.plm.sum()
    assert strict.info["rules"]["min_series"] == 8 and res.info["rules"]["min_series"] == 4
    _same(strict.rescore(min_series=4), res)


def test_rescore_of_scored_leg_movements_and_after_pickling(sim_cache, tmp_path):
    paths, _ = sim_cache(seed=5, duration_h=1.0, include_leg_movements=True)
    first = jd.score(paths["recording"], leg_movements="scoring", rules="aasm2012")
    _same(first.rescore(rules="wasm2016"), jd.score(paths["recording"], leg_movements="scoring", rules="wasm2016"))
    thawed = pickle.loads(pickle.dumps(first))  # a result saved by a notebook or sent by a worker
    _same(thawed.rescore(max_imi_s=45.0),
          jd.score(paths["recording"], leg_movements="scoring", rules="aasm2012", max_imi_s=45.0))


def test_rescore_of_a_scoring_file_alone():
    """A night scored from its scoring file alone keeps what score_annotations adds (where its
    length came from, its clock-time start)."""
    path = jd.sample_path("profusion")
    first = jd.score_annotations(path, rules="wasm2016")
    _same(first.rescore(rules="aasm2012"), jd.score_annotations(path, rules="aasm2012"))
    assert first.rescore(rules="aasm2012").info["duration_source"] == first.info["duration_source"]


def test_rescore_switching_motor_events_with_arm_emg(tmp_path):
    """Arm EMG is read for the motor events only: switching them off gives score(motor=False)'s
    night (no arm channel in it), switching them on for a night scored without them is refused."""
    night = motor_night("rbd_arms", seed=3, duration_h=1.0, fs_emg=200.0)
    path = night.write(str(tmp_path), "arms")["recording"]
    with_motor = jd.score(path)
    assert {"arm_left", "arm_right"} <= set(with_motor.info["channels"])
    off = with_motor.rescore(motor=False)
    _same(off, jd.score(path, motor=False))
    assert "arm_left" not in off.info["channels"] and "arm_left" in with_motor.info["channels"]
    with pytest.raises(InputError, match="scored with motor=False.*call jerkdetect.score"):
        off.rescore(motor=True)
    with pytest.raises(InputError, match="scored with motor=False"):
        jd.score(path, motor=False).rescore(motor=MotorRules())
    _same(off.rescore(rules="aasm2012"), jd.score(path, motor=False, rules="aasm2012"))


def test_rescore_refuses_what_would_change_detection(sample_edf):
    res = jd.score(sample_edf)
    for kw in (dict(detection=jd.DetectionParams()), dict(channels={"leg_left": "Leg L"}), dict(arousals="none")):
        with pytest.raises(InputError, match=r"rescore\(\) runs the rules again.*call jerkdetect.score"):
            res.rescore(**kw)
    with pytest.raises(InputError, match=r"rescore\(\).*closest first\): max_imi_s") as e:
        res.rescore(max_imi=60)  # an unknown rule parameter names the closest, no detection argument
    assert "staging" not in str(e.value)
    with pytest.raises(InputError, match=r"rescore\(hypnic=\.\.\.\)"):
        res.rescore(hypnic={"min_peak_uv": 10})
    bare = jd.pipeline.ScoringResult(res.lm, res.jerks, res.hypnogram, res.lm_stage, res.jerk_stage, res.indices,
                                     res.by_stage)
    with pytest.raises(InputError, match="made by jerkdetect.score.*earlier versions"):
        bare.rescore(rules="aasm2012")
    assert np.array_equal(res.rescore().lm.onset, res.lm.onset)
