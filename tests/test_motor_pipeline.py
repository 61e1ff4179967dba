"""The motor events in ``score()``: files and names as issue 16 asks, nulls with reasons, and the
leg-movement, PLM and hypnic-jerk results untouched by them."""
import json
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.simulate.motor import motor_night

KEYS = ("fm_per_h_nrem", "efm", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rai", "n_alma", "n_hft")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    night = motor_night("mixed", seed=21, duration_h=2.0, fs_emg=256.0)
    folder = tmp_path_factory.mktemp("motor")
    paths = night.write(str(folder), "m", scoring="xml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score(paths["recording"], arousals="scoring")
    out = res.write(str(folder / "out"), "m")
    return night, res, out


def test_events_summary_and_rem_epochs_files(written):
    night, res, out = written
    lines = open(out["events"]).read().splitlines()
    head = lines[0].split("\t")
    rows = [dict(zip(head, ln.split("\t"))) for ln in lines[1:]]
    fm = [r for r in rows if r["label"] == "fragmentary_myoclonus"]
    assert len(fm) == len(res.motor.fm) > 100
    assert {r["channel"] for r in fm} <= {"Leg L", "Leg R", "EMG Chin", "EMG Arm L", "EMG Arm R"}
    assert {r["side"] for r in fm} >= {"left", "right", "chin"}
    for kind in ("alma", "hft"):
        ep = [r for r in rows if r["label"] == kind]
        assert len(ep) == len(night.truth["motor"][kind])
        assert all(int(r["n_bursts"]) >= 4 and float(r["frequency_hz"]) > 0 for r in ep)
    s = json.load(open(out["summary"]))
    for k in KEYS:
        assert s[k] is not None, k
    assert s["efm"] is True and s["rai"] < 0.8 and "motor" in s and "rem" in s["motor"]
    assert s["channels"]["arm_left"] == "EMG Arm L"                # arms read for SINBAR
    assert s["motor"]["rem"]["rem_sinbar_combined_pct"] is not None
    rem = open(out["rem_epochs"]).read().splitlines()
    cols = rem[0].split("\t")
    assert cols[:6] == ["onset", "tonic", "phasic_minis", "any_minis", "scored", "reason"]
    assert len(rem) - 1 == int((night.stages == 4).sum())
    first = dict(zip(cols, rem[1].split("\t")))
    assert first["tonic"] in ("true", "false") and 0 <= int(first["phasic_minis"]) <= 10


def test_leg_movements_plms_and_jerks_do_not_change(written):
    """Motor scoring changes nothing of the LMs, PLMs and jerks but what it must: with the ALMA/HFT
    exclusion off they equal ``motor=False``; with it on, exactly the LMs within an episode go."""
    from jerkdetect.rules.motor_events import MotorRules
    night, res, out = written
    edf = out["events"].replace("out/m_events.tsv", "m.edf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        off = jd.score(edf, arousals="scoring", motor=False)
        keep = jd.score(edf, arousals="scoring", motor=MotorRules(exclude_rhythmic_lms=False))
    labels = ("lm", "plm", "lm_long", "hypnic_jerk")
    rows = lambda r: [x for x in r.event_rows() if x["label"] in labels]  # noqa: E731
    same = lambda x, y: json.dumps(x, sort_keys=True, default=str) == json.dumps(y, sort_keys=True, default=str)  # noqa: E731
    assert len(rows(keep)) > 20 and same(rows(keep), off.event_rows())           # NaN-safe comparison
    assert off.motor is None and not any(k in off.summary() for k in KEYS)
    on = keep.summary()
    assert same({k: v for k, v in on.items() if k != "null_reasons"},
                {**{k: v for k, v in off.summary().items() if k != "null_reasons"},
                 **{k: v for k, v in on.items() if k not in off.summary()}})
    # the default: the LMs within ALMA/HFT episodes leave, every other LM and every jerk stays
    ep = np.concatenate([res.motor.alma.intervals(), res.motor.hft.intervals()])
    gone = [(x["onset"], x["side"]) for x in rows(off) if x["label"] != "hypnic_jerk"]
    kept = [(x["onset"], x["side"]) for x in rows(res) if x["label"] != "hypnic_jerk"]
    assert set(kept) < set(gone)
    for t, _ in set(gone) - set(kept):
        assert np.any((ep[:, 0] - 0.25 <= t) & (t <= ep[:, 1])), t
    assert res.summary()["n_lm_in_rhythmic_episodes"] >= len(set(gone) - set(kept)) > 0
    assert same([x for x in rows(res) if x["label"] == "hypnic_jerk"],
                [x for x in rows(off) if x["label"] == "hypnic_jerk"])


def test_nulls_with_reasons_without_hypnogram_or_emg():
    night = motor_night("rbd", seed=2, duration_h=1.5, fs_emg=200.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score(night.recording(), arousals="none")
    s = res.summary()
    assert s["fm_per_h_nrem"] is None and s["rem_tonic_pct"] is None and s["rai"] is None
    assert s["null_reasons"]["rem_tonic_pct"].startswith("no hypnogram")
    assert s["n_alma"] == 0            # ALMA needs no hypnogram
    assert res.rem_epoch_rows() == []


def test_motor_argument_is_checked():
    with pytest.raises(jd.errors.InputError, match="motor"):
        jd.score(jd.sample_path(), motor="yes")


def test_custom_rules_reach_the_stage():
    from jerkdetect.rules.fragmentary_myoclonus import FragmentaryMyoclonusRule
    from jerkdetect.rules.motor_events import MotorRules
    night = motor_night("efm", seed=4, duration_h=1.5, fs_emg=200.0)
    from jerkdetect.io.scoring import scoring_from_events
    rec = night.recording()
    sc = scoring_from_events(night.scoring_events(), rec.source, "simulated", 30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rules = MotorRules(fragmentary_myoclonus=FragmentaryMyoclonusRule(min_amplitude_uv=300))
        strict = jd.score(rec, sc, motor=rules)
        usual = jd.score(rec, sc)
    assert len(strict.motor.fm) < len(usual.motor.fm) and strict.info["motor_rules"]["fragmentary_myoclonus"][
        "min_amplitude_uv"] == 300
    assert np.isfinite(usual.summary()["fm_per_h_nrem"])
