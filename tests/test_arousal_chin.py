"""Chin support of weak EEG shifts (ArousalParams.chin_support) and the chin tests themselves.

Hand-built nights (tests/test_arousals.py's 1/f EEG): a modest alpha shift that the EEG-only
thresholds miss is scored when the chin EMG rises with it, and only then; each condition of
the rule is tested on both sides of its threshold.
"""
import numpy as np
import pytest

from jerkdetect.detection import ArousalParams, detect_arousals
from jerkdetect.detection.arousal_chin import chin_increase, chin_supported
from test_arousals import _chin, _night

WEAK = 1.6  # alpha amplitude x1.6: under the EEG-only event thresholds on these nights, over the chin ones


# --------------------------------------------------------------------------- the chin tests
def _blocks(rise_at=30.0, rise_s=4.0, factor=3.0, rate=10.0, n=900):
    c = np.ones(n)
    c[int(rise_at * rate):int((rise_at + rise_s) * rate)] = factor
    return c, rate


@pytest.mark.parametrize("factor, rise_s, ok", [(1.6, 4.0, True), (1.4, 4.0, False),   # chin_ratio 1.5
                                                (3.0, 1.1, True), (3.0, 0.9, False)])  # rem_chin_min_s 1 s
def test_chin_increase_on_both_sides_of_its_thresholds(factor, rise_s, ok):
    assert chin_increase(_blocks(rise_s=rise_s, factor=factor), 30.2, 36.0, ArousalParams()) is ok


@pytest.mark.parametrize("gap, ok", [(9.8, False), (10.2, True)])
def test_chin_support_keeps_the_aasm_spacing_with_eeg_shifts_before_and_after(gap, ok):
    p, chin = ArousalParams(), _blocks()
    weak = [dict(onset=30.2, offset=34.0)]
    before = [dict(onset=20.2 - gap - 4.0, offset=30.2 - gap)]   # ends `gap` s before the weak shift
    after = [dict(onset=34.0 + gap, offset=40.0 + gap)]         # starts `gap` s after it
    assert bool(chin_supported(before, weak, chin, p)) is ok
    assert bool(chin_supported(after, weak, chin, p)) is ok
    assert chin_supported([], weak, None, p) == []               # no chin channel: nothing added


# --------------------------------------------------------------------------- whole detection
@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_weak_shift_is_an_arousal_only_with_a_chin_rise(fs):
    ev = [("alpha", 200.0, 6.0, WEAK)]
    rec, hyp = _night(fs, events=ev, chin_rises=[(200.5, 3.0)])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    assert len(ar) == 1 and ar.support == ["eeg+chin"] and ar.chin == [True]
    assert abs(ar.onset[0] - 200.0) < 2.0 and ar.duration[0] >= 3.0
    assert ar.score[0] < ArousalParams().z_event           # the EEG alone would not have scored it
    assert ar.rows()[0]["support"] == "eeg+chin" and "\teeg+chin\t" in ar.tsv()
    assert len(detect_arousals(rec, hyp, ArousalParams(chin_support=False), chin_envelope=_chin(rec))) == 0
    rec, hyp = _night(fs, events=ev)                        # the same shift, chin quiet
    assert len(detect_arousals(rec, hyp, chin_envelope=_chin(rec))) == 0


def test_chin_event_thresholds_on_both_sides():
    rec, hyp = _night(256.0, events=[("alpha", 200.0, 6.0, WEAK)], chin_rises=[(200.5, 3.0)])
    z = detect_arousals(rec, hyp, chin_envelope=_chin(rec)).score[0]
    for dz, n in ((-0.05, 1), (0.05, 0)):
        p = ArousalParams(chin_z_event=z + dz)
        assert len(detect_arousals(rec, hyp, p, chin_envelope=_chin(rec))) == n
    strict_ratio = ArousalParams(event_ratio=5.0, chin_event_ratio=5.0)   # a mean power ratio of 5 is not reached
    assert len(detect_arousals(rec, hyp, strict_ratio, chin_envelope=_chin(rec))) == 0
    # the chin path is the EEG rule at the chin thresholds, plus the chin rise
    p = ArousalParams()
    eeg_at_chin = ArousalParams(on_ratio=p.chin_on_ratio, z_on=p.chin_z_on, z_event=p.chin_z_event,
                                event_ratio=p.chin_event_ratio, chin_support=False)
    same = detect_arousals(rec, hyp, eeg_at_chin, chin_envelope=_chin(rec))
    assert same.support == ["eeg"] and same.score[0] == pytest.approx(z)


@pytest.mark.parametrize("gap_s, n", [(5.0, 0), (3.0, 1)])
def test_a_weak_shift_with_a_chin_rise_running_into_wake_is_the_awakening(gap_s, n):
    stages = [2] * 7 + [0] * 3 + [2] * 10          # wake from 210 s; the shift ends ~4 s before
    rec, hyp = _night(256.0, stages=stages, events=[("alpha", 200.0, 6.0, WEAK)], chin_rises=[(200.5, 3.0)])
    ar = detect_arousals(rec, hyp, ArousalParams(chin_wake_gap_s=gap_s), chin_envelope=_chin(rec))
    assert len(ar) == n


@pytest.mark.parametrize("gap, onsets", [(8.0, [214.0]), (14.0, [200.0, 220.0])])
def test_chin_support_never_takes_the_prior_sleep_of_an_eeg_arousal(gap, onsets):
    ev = [("alpha", 200.0, 6.0, WEAK), ("alpha", 206.0 + gap, 6.0, 3.0)]
    rec, hyp = _night(256.0, events=ev, chin_rises=[(200.5, 3.0)])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    np.testing.assert_allclose(ar.onset, onsets, atol=2.0)
    eeg_only = detect_arousals(rec, hyp, ArousalParams(chin_support=False), chin_envelope=_chin(rec))
    np.testing.assert_array_equal(eeg_only.onset, ar.onset[np.array(ar.support) == "eeg"])


def test_a_sub_3_s_intrusion_with_a_chin_rise_is_not_an_arousal():
    rec, hyp = _night(256.0, events=[("alpha", 200.0, 2.0, 2.5), ("alpha", 300.0, 2.5, 2.0)],
                      chin_rises=[(200.2, 3.0), (300.2, 4.0)])
    assert len(detect_arousals(rec, hyp, chin_envelope=_chin(rec))) == 0


def test_chin_support_never_overrules_a_shift_refused_for_its_spacing():
    """Wake to 360 s; an alpha shift at 368 s (8 s after wake: no arousal) and a second at 379 s
    with a chin rise: the second is refused on the EEG alone (6 s after the first shift), and the
    chin does not overrule that: the spacing counts the first shift although it was not scored."""
    stages = [2] * 10 + [0] * 2 + [2] * 10
    ev = [("alpha", 368.0, 5.0, 4.0), ("alpha", 379.0, 5.0, 4.0)]
    rec, hyp = _night(256.0, stages=stages, events=ev, chin_rises=[(379.5, 3.0)])
    assert len(detect_arousals(rec, hyp, ArousalParams(chin_support=False), chin_envelope=_chin(rec))) == 0
    assert len(detect_arousals(rec, hyp, chin_envelope=_chin(rec))) == 0


def test_weak_rem_shift_is_scored_with_its_chin_rise_and_chin_thresholds_are_capped():
    rec, hyp = _night(256.0, stages=[4] * 20, events=[("alpha", 200.0, 6.0, WEAK)], chin_rises=[(200.5, 3.0)])
    ar = detect_arousals(rec, hyp, chin_envelope=_chin(rec))
    assert ar.support == ["eeg+chin"] and ar.stage.tolist() == [4]
    # chin thresholds above their EEG-only counterparts act as those (the chin never tightens the rule)
    p = ArousalParams()
    high = ArousalParams(chin_on_ratio=5.0, chin_z_on=9.0, chin_z_event=9.0, chin_event_ratio=5.0)
    capped = ArousalParams(chin_on_ratio=p.on_ratio, chin_z_on=p.z_on, chin_z_event=p.z_event,
                           chin_event_ratio=p.event_ratio)
    for q in (high, capped):
        assert len(detect_arousals(rec, hyp, q, chin_envelope=_chin(rec))) == 0
    # chin_on_ratio below off_ratio is raised to it: still a valid (on >= sustain) candidate stage
    low = detect_arousals(rec, hyp, ArousalParams(chin_on_ratio=1.01), chin_envelope=_chin(rec))
    assert low.support == ["eeg+chin"]


@pytest.mark.parametrize("loose, strict", [
    (dict(chin_on_ratio=1.7, chin_z_on=0.5), dict(on_ratio=3.0, chin_on_ratio=3.0, chin_z_on=0.5)),  # ratio binds
    (dict(chin_z_on=2.0), dict(chin_z_on=3.0))])                                                  # z binds
def test_chin_candidate_thresholds_on_both_sides(loose, strict):
    """The weak shift opens a candidate at the chin onset thresholds but not at higher ones."""
    rec, hyp = _night(256.0, events=[("alpha", 200.0, 6.0, WEAK)], chin_rises=[(200.5, 3.0)])
    assert len(detect_arousals(rec, hyp, ArousalParams(**loose), chin_envelope=_chin(rec))) == 1
    assert len(detect_arousals(rec, hyp, ArousalParams(**strict), chin_envelope=_chin(rec))) == 0


def test_the_summary_counts_the_chin_supported_arousals():
    from jerkdetect.pipeline.arousal_source import choose_arousals
    rec, hyp = _night(256.0, events=[("alpha", 200.0, 6.0, WEAK), ("alpha", 400.0, 6.0, 4.0)],
                      chin_rises=[(200.5, 3.0)])
    choice = choose_arousals("detect", None, rec, hyp, lambda: _chin(rec))
    assert choice.info["n"] == 2 and choice.info["n_chin_supported"] == 1
    assert choice.detected.support == ["eeg+chin", "eeg"]


def test_the_recording_s_own_chin_is_used_unless_told_otherwise():
    rec, hyp = _night(256.0, events=[("alpha", 200.0, 6.0, WEAK)], chin_rises=[(200.5, 3.0)])
    own = detect_arousals(rec, hyp)                        # no chin_envelope: the file's chin channel
    assert own.chin_used and own.support == ["eeg+chin"]
    np.testing.assert_array_equal(own.onset, detect_arousals(rec, hyp, chin_envelope=_chin(rec)).onset)
    off = detect_arousals(rec, hyp, chin_envelope=False)   # no chin: said, and no chin support
    assert len(off) == 0 and off.chin_used is False and "no chin EMG" in off.notes[-1]
