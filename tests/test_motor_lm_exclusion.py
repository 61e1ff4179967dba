"""ALMA and HFT are not leg movements: the monolateral LMs lying within an episode leave the PLM
rules (``MotorRules.exclude_rhythmic_lms``), on both sides of the rule, at 200, 256 and 512 Hz.

Hand-built legs through the whole pipeline (``score()`` on arrays). An ALMA train becomes LMs
under the bare LM rule only when its bursts fuse (per-leg gaps < 0.5 s: a fast train); at 1 Hz
per leg its bursts (<= 0.5 s) stand alone and are no LMs either way. HFT bursts of 0.5-1 s are
LMs each, or fuse into one at 1 Hz.
"""
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.core.hypnogram import Hypnogram
from jerkdetect.rules.motor_events import MotorRules
from jerkdetect.rules.rhythmic_leg import RhythmicEpisodes, lms_in_episodes
from test_motor_rules import _add_burst, _alma, _noise

RATES = (200.0, 256.0, 512.0)
KEEP = MotorRules(exclude_rhythmic_lms=False)


def _score(fs, bursts, dur=300.0, seed=0, **kw):
    """Legs at rest 2 µV with bursts (side, onset, duration) 25 µV above rest; a night of N2."""
    rng = np.random.default_rng(seed)
    x = {m: _noise(int(dur * fs), fs, 2.0, rng) for m in ("left", "right")}
    for side, t, d in bursts:
        _add_burst(x[side], fs, t, d, 25.0, rng, 0.01)
    rec = jd.Recording.from_arrays({"Leg L": x["left"], "Leg R": x["right"]}, fs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jd.score(rec, annotations=Hypnogram(np.full(int(dur // 30), 2), 30.0), arousals="none", **kw)


def _lms(res):
    return [(round(float(o), 1), s) for o, s in zip(res.lm.onset, res.lm.side_names)]


def _hft(t0, hz, n, d, side="right"):
    return [(side, t0 + k / hz, d) for k in range(n)]


@pytest.mark.parametrize("fs", RATES)
def test_fast_alma_train_of_4_bursts_is_no_lm_and_3_bursts_stay_one(fs):
    four = _score(fs, _alma(100.0, 1.5, 4, 0.3))     # L R L R, 0.3 s each, 1.5 Hz per leg: fused per leg
    assert len(four.motor.alma) == 1 and _lms(four) == [] and four.summary()["n_lm_in_rhythmic_episodes"] == 2
    assert four.summary()["motor"]["alma"]["n_lm_within"] == 2
    assert _lms(_score(fs, _alma(100.0, 1.5, 4, 0.3), motor=KEEP)) == [(100.0, "bilateral")]  # the bare reading
    assert _lms(_score(fs, _alma(100.0, 1.5, 4, 0.3), motor={"exclude_rhythmic_lms": False})) == [(100.0, "bilateral")]
    assert _lms(_score(fs, _alma(100.0, 1.5, 4, 0.3), motor=False)) == [(100.0, "bilateral")]  # no motor: no episodes
    three = _score(fs, _alma(100.0, 1.5, 3, 0.3))    # L R L: no ALMA (>= 4 bursts); the left leg's LM stays
    assert len(three.motor.alma) == 0 and _lms(three) == [(100.0, "left")]
    assert three.summary()["n_lm_in_rhythmic_episodes"] == 0


@pytest.mark.parametrize("fs", RATES)
def test_alma_at_1_hz_is_an_episode_and_never_an_lm(fs):
    res = _score(fs, _alma(100.0, 1.0, 4, 0.3))      # 4 alternating bursts at 1 Hz
    assert len(res.motor.alma) == 1 and res.motor.alma.n_bursts.tolist() == [4]
    assert _lms(res) == [] and _lms(_score(fs, _alma(100.0, 1.0, 4, 0.3), motor=KEEP)) == []
    rows = [r for r in res.event_rows() if r["label"] == "alma"]
    assert len(rows) == 1 and rows[0]["onset"] == pytest.approx(100.0, abs=0.05) and rows[0]["n_bursts"] == 4


@pytest.mark.parametrize("fs", RATES)
@pytest.mark.parametrize("hz, d, n_lms_bare", [(0.5, 0.8, 4), (1.0, 0.7, 1)])
def test_hft_bursts_are_no_lms_and_3_bursts_stay_lms(fs, hz, d, n_lms_bare):
    four = _score(fs, _hft(100.0, hz, 4, d))
    assert len(four.motor.hft) == 1 and _lms(four) == []
    assert four.summary()["n_lm_in_rhythmic_episodes"] == n_lms_bare   # counted apart
    assert len(_score(fs, _hft(100.0, hz, 4, d), motor=KEEP).lm) == n_lms_bare
    three = _score(fs, _hft(100.0, hz, 3, d))
    assert len(three.motor.hft) == 0 and len(three.lm) == (3 if n_lms_bare == 4 else 1)
    assert three.lm.candidate.all()


@pytest.mark.parametrize("fs", RATES)
def test_the_other_legs_movement_during_a_one_leg_tremor_stays_an_lm(fs):
    res = _score(fs, _hft(100.0, 0.5, 5, 0.8, "right") + [("left", 103.2, 2.0)])
    assert res.motor.hft.legs == ["right"] and _lms(res) == [(103.2, "left")]


@pytest.mark.parametrize("fs", RATES)
@pytest.mark.parametrize("rules", ["wasm2016", "aasm2012"])
def test_plm_series_next_to_an_alma_episode_is_unaffected(fs, rules):
    plm = [("left", 20.0 + 20.0 * k, 1.5) for k in range(5)]          # IMI 20 s: one series of 5
    alma = _alma(47.0, 1.5, 8, 0.3)                                   # 7 s after the 2nd LM, fused per leg
    alone = _score(fs, plm, rules=rules)
    both = _score(fs, plm + alma, rules=rules)
    assert len(both.motor.alma) == 1 and int(alone.lm.plm.sum()) == 5
    same = ("onset", "offset", "side", "candidate", "series", "plm")
    for k in same:
        np.testing.assert_array_equal(getattr(both.lm, k), getattr(alone.lm, k), err_msg=k)
    bare = _score(fs, plm + alma, rules=rules, motor=KEEP)            # the train read as an LM, 7 s after
    assert len(bare.lm) == 6 and int(bare.lm.plm.sum()) == (6 if rules == "aasm2012" else 4)


@pytest.mark.parametrize("fs", RATES)
def test_a_movement_right_after_a_train_is_not_within_it(fs):
    res = _score(fs, _alma(100.0, 1.5, 6, 0.3) + [("left", 104.0, 2.0)])
    assert len(res.motor.alma) == 1 and res.motor.alma.offset[0] < 104.0
    assert (104.0, "left") in _lms(res)


def test_lms_in_episodes_margin_both_sides():
    ep = RhythmicEpisodes.from_rows("alma", [(10.0, 20.0, 12, 1.2, "both", False)])
    on = np.array([9.8, 9.7, 15.0, 19.0, 19.0, 15.0])
    off = np.array([11.0, 11.0, 16.0, 20.2, 20.3, 16.0])
    side = np.array([0, 0, 1, 1, 1, 0])
    assert lms_in_episodes(on, off, side, [ep]).tolist() == [True, False, True, True, False, True]
    assert lms_in_episodes(on, off, side, [ep], margin_s=0.35).tolist() == [True, True, True, True, True, True]
    hft = RhythmicEpisodes.from_rows("hft", [(10.0, 20.0, 6, 0.5, "left", False)])
    assert lms_in_episodes(on, off, side, [hft]).tolist() == [True, False, False, False, False, True]
    assert lms_in_episodes(on, off, side, []).tolist() == [False] * 6
    with pytest.raises(ValueError, match="margin_s"):
        lms_in_episodes(on, off, side, [ep], margin_s=-1.0)


@pytest.mark.parametrize("bad", [dict(rhythmic_lm_margin_s=-0.1), dict(rhythmic_lm_margin_s=float("nan")),
                                 dict(exclude_rhythmic_lms="yes"), dict(jerk_margin_s=-1.0)])
def test_motor_rules_check_the_exclusion_parameters(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        MotorRules(**bad)


def test_without_emg_the_count_is_null_with_a_reason():
    from jerkdetect.rules.motor_events import empty_motor
    s = empty_motor(MotorRules(), "no EMG read: leg movements come from the scoring file").summary()
    assert s["n_lm_in_rhythmic_episodes"] is None
    assert s["motor_null_reasons"]["n_lm_in_rhythmic_episodes"].startswith("no EMG read")
