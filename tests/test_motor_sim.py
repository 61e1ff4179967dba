"""Motor-event nights: deterministic, truth kept away from the rule thresholds, and the rules
reproduce it end to end on nights from both renderers."""
import numpy as np
import pytest

from jerkdetect.evaluation import motor as me
from jerkdetect.simulate.config import MotorConfig
from jerkdetect.simulate.motor import motor_night, score_night_motor
from jerkdetect.simulate.motor_render import p2p_filtered


@pytest.fixture(scope="module")
def mixed():
    return motor_night("mixed", seed=3, duration_h=2.5, fs_emg=200.0)


def test_same_seed_same_night_and_the_generator_is_separate():
    a = motor_night("alma", seed=5, duration_h=0.5, fs_emg=200.0)
    b = motor_night("alma", seed=5, duration_h=0.5, fs_emg=200.0)
    for k in a.signals:
        np.testing.assert_array_equal(a.signals[k], b.signals[k])
    assert a.truth["motor"]["alma"] == b.truth["motor"]["alma"]
    with pytest.raises(ValueError, match="renderer"):
        MotorConfig(renderer="other")
    with pytest.raises(ValueError, match="unknown motor preset"):
        motor_night("nope")


def test_rem_truth_stays_clear_of_the_thresholds(mixed):
    eps = mixed.truth["motor"]["rem_epochs"]
    assert eps and any(e["tonic"] for e in eps) and not all(e["tonic"] for e in eps)
    for e in eps:
        s = e["onset"]
        n_act = len({b["mini"] for b in e["bursts"]})
        assert n_act <= 3 or n_act >= 7                       # AASM phasic: >= 5 of 10
        cover = sum(t["offset"] - t["onset"] for t in e["tone"]) / 30.0
        assert cover >= 0.8 if e["tonic"] else cover <= 0.25   # AASM tonic: 50 %
        for b in e["bursts"]:
            lo, hi = s + 3 * b["mini"], s + 3 * b["mini"] + 3
            assert lo + 0.149 <= b["onset"] and b["offset"] <= hi - 0.149
            assert 0.2 - 1e-9 <= b["offset"] - b["onset"] <= 1.0 + 1e-9   # 0.1-5 s
        for t in e["twitches"]:
            assert t["duration"] <= 0.04                      # below 0.1 s


def test_fm_truth_stays_clear_of_the_thresholds(mixed):
    fm = mixed.truth["motor"]["fm"]
    assert len(fm) > 100
    assert all(0.02 <= x["duration"] <= 0.08 and x["p2p_uv"] >= 90 for x in fm)      # <= 150 ms, >= 50 µV
    assert all(x["p2p_uv"] <= 15 for x in mixed.truth["motor"]["twitches"])
    on = np.array([x["onset"] for x in fm])
    assert np.all(np.isin(mixed.stages[(on // 30).astype(int)], (1, 2, 3)))
    for x in fm:
        for lm in mixed.truth["leg_movements"]:
            assert not (lm["onset"] - 2 < x["onset"] < lm["offset"] + 2)


def test_rendered_potentials_have_their_true_amplitude():
    from jerkdetect.simulate.motor_render import RENDERERS
    rng = np.random.default_rng(0)
    for r in RENDERERS.values():
        for fs in (200.0, 512.0):
            seg = r.potential(0.05, fs, rng)
            assert np.isfinite(seg).all() and p2p_filtered(seg, fs) > 0


def test_rhythmic_truth_in_the_published_ranges(mixed):
    for t in mixed.truth["motor"]["alma"]:
        assert 0.6 <= t["hz"] <= 2.2 and t["n_bursts"] >= 6
        assert all(0.16 <= b["offset"] - b["onset"] <= 0.44 for b in t["bursts"])
        sides = [b["side"] for b in t["bursts"]]
        assert all(a != b for a, b in zip(sides, sides[1:]))
    for t in mixed.truth["motor"]["hft"]:
        assert 0.5 <= t["hz"] <= 1.5 and all(0.36 <= b["offset"] - b["onset"] <= 0.87 for b in t["bursts"])


@pytest.mark.parametrize("renderer, fs, preset, seed", [("gauss", 200.0, "mixed", 3), ("muap", 256.0, "mixed", 4),
                                                        ("muap", 512.0, "mixed_control", 5)])
def test_rules_reproduce_the_truth(renderer, fs, preset, seed):
    night = motor_night(preset, seed=seed, duration_h=2.5, fs_emg=fs, renderer=renderer)
    _, mo = score_night_motor(night)
    m = night.truth["motor"]
    for kind in ("alma", "hft"):
        ep = getattr(mo, kind)
        assert me.match_episodes(ep.onset, ep.offset, m[kind])["f1"] >= 0.95
    fm = me.eval_fm(mo.fm, night.truth, night.stages)
    assert abs(fm["rel_err"]) <= 0.15 and fm["truth_efm"] == fm["det_efm"]
    rem = me.eval_rem(mo.rem, night.truth)
    assert rem["tonic_agree"] >= 0.95 and rem["phasic_agree"] >= 0.95 and abs(rem["any_err"]) <= 5
    assert (mo.rai.value < 0.8) if m["rem_profile"] == "rbd" else (mo.rai.value > 0.9)
