"""Hand-built cases at every published rule boundary, under AASM 2012 and WASM 2016."""
import numpy as np
import pytest

from jerkdetect.rules import AASM2012, WASM2016, MonolateralLMs, HypnicJerkRule, associate
from jerkdetect.alignment.indices import periodicity_index

RULES = [AASM2012(), WASM2016()]


def mono(*items):
    return MonolateralLMs.from_lists(items)


def series_of(onsets, dur=1.0, side="left"):
    return [(t, t + dur, side) for t in onsets]


# --------------------------------------------------------------------------- LM duration
@pytest.mark.parametrize("rules", RULES, ids=lambda r: r.name)
@pytest.mark.parametrize("dur,is_lm", [(0.49, False), (0.51, True), (9.9, True), (10.1, False)])
def test_lm_duration_limits(rules, dur, is_lm):
    lm = rules.score(mono((100.0, 100.0 + dur, "left")))
    if rules.name == "aasm2012":
        assert len(lm) == int(is_lm)  # AASM: outside 0.5-10 s it is not an LM
    else:
        # WASM: < 0.5 s is not an LM; > 10 s stays as a non-candidate LM
        assert len(lm) == (0 if dur < 0.5 else 1)
        if len(lm):
            assert lm.candidate[0] == is_lm


def test_wasm_long_lm_breaks_series_aasm_does_not():
    items = series_of([0, 20, 40, 60, 80, 100]) + [(65.0, 76.0, "right")]  # an 11-s movement inside
    a = AASM2012().score(mono(*items))
    w = WASM2016().score(mono(*items))
    assert a.plm.sum() == 6  # AASM: the 11-s movement is simply not an LM
    assert w.plm.sum() == 4  # WASM: it ends the series after 4 CLMs; 80, 100 are too few
    assert not w.candidate[w.onset == 65.0][0]


# --------------------------------------------------------------------------- bilateral
@pytest.mark.parametrize("gap,n_rows", [(4.9, 1), (5.1, 2)])
def test_aasm_bilateral_onsets_under_5s(gap, n_rows):
    lm = AASM2012().score(mono((10.0, 11.0, "left"), (10.0 + gap, 10.0 + gap + 1.0, "right")))
    assert len(lm) == n_rows
    if n_rows == 1:
        assert lm.side_names == ["bilateral"]


@pytest.mark.parametrize("gap,n_rows", [(0.49, 1), (0.51, 2)])
def test_wasm_bilateral_gap_under_half_second(gap, n_rows):
    lm = WASM2016().score(mono((10.0, 12.0, "left"), (12.0 + gap, 13.0 + gap, "right")))
    assert len(lm) == n_rows


@pytest.mark.parametrize("span,candidate", [(14.9, True), (15.1, False)])
def test_wasm_bilateral_max_15s(span, candidate):
    # left 0-8 s, right overlapping, ending at `span`: each monolateral LM <= 10 s
    lm = WASM2016().score(mono((0.0, 8.0, "left"), (7.0, span, "right")))
    assert len(lm) == 1 and lm.side_names == ["bilateral"]
    assert lm.candidate[0] == candidate


def test_wasm_bilateral_at_most_four_members():
    chain = [(0.0, 1.0, "left"), (0.8, 2.0, "right"), (1.9, 3.0, "left"), (2.8, 4.0, "right")]
    assert WASM2016().score(mono(*chain)).candidate.tolist() == [True]
    assert WASM2016().score(mono(*chain, (3.9, 5.0, "left"))).candidate.tolist() == [False]


# --------------------------------------------------------------------------- IMI and series
@pytest.mark.parametrize("rules,short", [(AASM2012(), 4.9), (WASM2016(), 9.9)], ids=["aasm", "wasm"])
def test_short_imi_breaks_series(rules, short):
    ok = rules.min_imi_s + 0.1
    onsets = np.cumsum([0, ok, ok, ok, short, ok, ok])
    lm = rules.score(mono(*series_of(onsets)))
    # 4 LMs make a series; the short IMI ends it; the 3 LMs after it are too few for another
    assert lm.series.tolist() == [0, 0, 0, 0, -1, -1, -1]
    # with one more LM the LM after the short IMI starts a new series of 4
    lm2 = rules.score(mono(*series_of(np.append(onsets, onsets[-1] + ok))))
    assert lm2.series.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("rules", RULES, ids=lambda r: r.name)
@pytest.mark.parametrize("imi,in_series", [(89.9, True), (90.1, False)])
def test_max_imi_90s(rules, imi, in_series):
    lm = rules.score(mono(*series_of(np.arange(4) * imi)))
    assert lm.plm.all() == in_series


@pytest.mark.parametrize("rules,imi,ok", [(AASM2012(), 4.9, False), (AASM2012(), 5.1, True),
                                          (WASM2016(), 9.9, False), (WASM2016(), 10.1, True)],
                         ids=["aasm4.9", "aasm5.1", "wasm9.9", "wasm10.1"])
def test_min_imi(rules, imi, ok):
    # unilateral movements so that AASM does not merge them as bilateral
    lm = rules.score(mono(*series_of(np.arange(4) * imi, dur=0.6)))
    assert lm.plm.all() == ok


@pytest.mark.parametrize("rules", RULES, ids=lambda r: r.name)
def test_three_lms_are_not_a_series(rules):
    assert not rules.score(mono(*series_of([0, 20, 40]))).plm.any()
    assert rules.score(mono(*series_of([0, 20, 40, 60]))).plm.all()


# --------------------------------------------------------------------------- respiratory
@pytest.mark.parametrize("gap,scored", [(0.49, False), (0.51, True)])
def test_aasm_lm_within_half_second_of_respiratory_event_not_scored(gap, scored):
    resp = np.array([[100.0, 20.0]])  # 100-120 s
    before = AASM2012().score(mono((100.0 - gap - 1.0, 100.0 - gap, "left")), resp)
    after = AASM2012().score(mono((120.0 + gap, 121.0 + gap, "left")), resp)
    assert len(before) == int(scored) and len(after) == int(scored)


@pytest.mark.parametrize("lm_on,lm_off,related", [
    (116.0, 117.9, False),   # ends 2.1 s before the end of the event (120 s)
    (116.0, 118.1, True),    # ends 1.9 s before the end: inside -2 s
    (130.1, 131.0, True),    # starts 10.1 s after the end
    (130.4, 131.0, False),   # starts 10.4 s after the end: outside +10.25 s
])
def test_wasm_respiratory_window(lm_on, lm_off, related):
    resp = np.array([[100.0, 20.0]])
    lm = WASM2016().score(mono((lm_on, lm_off, "left")), resp)
    assert len(lm) == 1  # kept either way (for IMIs)
    assert lm.respiratory[0] == related


def test_wasm_respiratory_plm_counted_in_plm_index_and_removed_for_plmnr():
    """PLMScoRe reading: the PLM index counts respiratory-related PLMs; PLMnr removes them and
    searches the series again."""
    onsets = [0, 20, 40, 60, 80]
    resp = np.array([[30.0, 8.0]])  # ends at 38: the CLM at 40 is respiratory-related
    lm = WASM2016().score(mono(*series_of(onsets)), resp)
    assert lm.respiratory.tolist() == [False, False, True, False, False]
    assert lm.series.tolist() == [0, 0, 0, 0, 0]
    assert lm.plm.tolist() == [True] * 5
    # without the CLM at 40: IMIs 20, 40, 20 -> still one series of 4
    assert lm.plm_nonresp.tolist() == [True, True, False, True, True]
    assert np.isnan(lm.imi[0]) and lm.imi[1:].tolist() == [20, 20, 20, 20]


def test_wasm_plmnr_series_found_again_can_break():
    """Removing a respiratory-related CLM can leave an IMI > 90 s: PLMnr loses that series."""
    onsets = [0, 50, 100, 150, 200]
    resp = np.array([[80.0, 18.0]])  # ends at 98: the CLM at 100 is respiratory-related
    lm = WASM2016().score(mono(*series_of(onsets)), resp)
    assert lm.plm.sum() == 5
    assert lm.plm_nonresp.sum() == 0  # 0, 50 | 150, 200: IMI 100 s breaks it into two short runs


def test_wasm_noncandidate_in_respiratory_window_is_respiratory():
    """PLMScoRe labels every LM in the window (candidate or not); removing a long LM for PLMnr
    removes its break."""
    lms = [(0, 1, "left"), (20, 21, "left"), (40, 52, "left"), (60, 61, "left"), (80, 81, "left"),
           (100, 101, "left")]
    resp = np.array([[30.0, 9.0]])  # ends at 39: the 12-s LM at 40 is respiratory-related
    lm = WASM2016().score(mono(*lms), resp)
    assert lm.candidate.tolist() == [True, True, False, True, True, True]
    assert lm.respiratory[2] and lm.plm.sum() == 0  # the long LM breaks 0-20 from 60-100
    assert lm.plm_nonresp.tolist() == [True, True, False, True, True, True]


@pytest.mark.parametrize("opens,expected", [(True, [-1, -1, -1, 0, 0, 0, 0]), (False, [-1] * 7)])
def test_wasm_short_imi_readings(opens, expected):
    """The CLM after an IMI < 10 s opens the next series (PLMScoRe, MATPLM default) or not
    (stricter reading, MATPLM option)."""
    onsets = [0, 20, 40, 45, 65, 85, 105]
    lm = WASM2016(short_imi_opens_series=opens).score(mono(*series_of(onsets)))
    assert lm.series.tolist() == expected
    assert lm.imi[3] == 5.0


# --------------------------------------------------------------------------- arousal association
@pytest.mark.parametrize("rules", RULES, ids=lambda r: r.name)
@pytest.mark.parametrize("gap,linked", [(0.49, True), (0.51, False)])
def test_arousal_gap_either_order(rules, gap, linked):
    lm_after = rules.score(mono((50.0, 52.0, "left")), arousals=np.array([[40.0, 10.0 - gap]]))
    lm_before = rules.score(mono((50.0, 52.0, "left")), arousals=np.array([[52.0 + gap, 5.0]]))
    assert lm_after.arousal[0] == linked and lm_before.arousal[0] == linked


def test_associate_overlap_and_far():
    on, off = np.array([10.0, 100.0]), np.array([12.0, 101.0])
    assert associate(on, off, np.array([[11.0, 20.0]]), 0.5).tolist() == [True, False]


# --------------------------------------------------------------------------- periodicity index
def test_periodicity_index_known_values():
    assert periodicity_index([20, 20, 20]) == 1.0
    assert periodicity_index([20, 20, 5, 20, 20]) == 0.0
    assert periodicity_index([20, 20, 20, 5, 20, 20]) == 0.5
    assert periodicity_index([]) is None


# --------------------------------------------------------------------------- hypnic jerks
def _b(*items):
    on = np.array([i[0] for i in items], float)
    return on, on + np.array([i[1] for i in items], float), np.array([i[2] for i in items], float)


def test_hypnic_jerk_multi_muscle_at_transition():
    rule = HypnicJerkRule()
    bursts = {"chin": _b((1000.0, 0.15, 60)), "left": _b((1000.02, 0.2, 80)), "right": _b()}
    j = rule.find(bursts, np.array([990.0]), np.zeros((0, 2)), np.array([[1001.0, 5.0]]))
    assert j["onset"].tolist() == [1000.0] and j["muscles"] == ["chin+left"] and j["arousal"].tolist() == [True]


@pytest.mark.parametrize("case", ["one_muscle", "lag", "weak", "leg_is_lm", "far_from_transition", "near_lm"])
def test_hypnic_jerk_exclusions(case):
    rule = HypnicJerkRule()
    chin, left, trans, lms = (1000.0, 0.15, 60), (1000.02, 0.2, 80), np.array([990.0]), np.zeros((0, 2))
    if case == "one_muscle":
        chin = None
    if case == "lag":
        left = (1000.2, 0.2, 80)            # onsets 200 ms apart: not simultaneous
    if case == "weak":
        chin, left = (1000.0, 0.1, 20), (1000.02, 0.1, 25)  # fragmentary-myoclonus-sized
    if case == "leg_is_lm":
        left = (1000.02, 0.6, 80)           # >= 0.5 s: a leg movement, not a jerk
    if case == "far_from_transition":
        trans = np.array([1100.0])          # 100 s before the transition: outside -90 s
    if case == "near_lm":
        lms = np.array([[1001.5, 1005.0]])  # an LM 1.3 s after: not isolated
    bursts = {"chin": _b(chin) if chin else _b(), "left": _b(left), "right": _b()}
    assert len(rule.find(bursts, trans, lms)["onset"]) == 0


def test_hypnic_window_edges():
    rule = HypnicJerkRule()
    mk = lambda t: {"chin": _b((t, 0.1, 60)), "left": _b((t, 0.1, 60))}  # noqa: E731
    trans = np.array([1000.0])
    assert len(rule.find(mk(970.5), trans, np.zeros((0, 2)))["onset"]) == 1   # last wake epoch
    assert len(rule.find(mk(910.5), trans, np.zeros((0, 2)))["onset"]) == 1   # woke the sleeper: 3 epochs
    assert len(rule.find(mk(909.0), trans, np.zeros((0, 2)))["onset"]) == 0
    assert len(rule.find(mk(1059.5), trans, np.zeros((0, 2)))["onset"]) == 1  # first two sleep epochs
    assert len(rule.find(mk(1061.0), trans, np.zeros((0, 2)))["onset"]) == 0


def test_hypnic_jerk_on_top_of_raised_chin_tone():
    """The chin is already active (wake tone) so it has no burst onset at the jerk; its envelope
    still jumps. With envelopes the jerk is found; from burst onsets alone it is not."""
    rule = HypnicJerkRule()
    fs = 100.0
    chin_env = np.full(int(2000 * fs), 3.0)
    chin_env[int(995 * fs):int(1010 * fs)] = 12.0            # raised tone from 995 s
    chin_env[int(1000.0 * fs):int(1000.15 * fs)] = 90.0       # the jerk at 1000 s
    bursts = {"chin": _b((995.0, 15.0, 9.0)), "left": _b((1000.02, 0.15, 80)), "right": _b()}
    trans = np.array([1010.0])
    assert len(rule.find(bursts, trans, np.zeros((0, 2)))["onset"]) == 0
    j = rule.find(bursts, trans, np.zeros((0, 2)), envelopes={"chin": (chin_env, fs)})
    assert j["muscles"] == ["chin+left"] and j["onset"].tolist() == [1000.02]
    flat = np.full(int(2000 * fs), 12.0)  # tone raised but no jump: still not a jerk
    assert len(rule.find(bursts, trans, np.zeros((0, 2)), envelopes={"chin": (flat, fs)})["onset"]) == 0
