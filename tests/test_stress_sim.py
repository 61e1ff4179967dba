"""The stress family of the simulator itself (not the detector): each effect is in the signals,
the truth says what the published rules say, and plain nights are unchanged."""
import json

import numpy as np
import pytest

from jerkdetect.simulate import simulate_night
from jerkdetect.evaluation.truth import per_leg_truth, truth_lms, truth_scoring
from jerkdetect.simulate.night import CHIN_TONE, LABELS
from jerkdetect.simulate.stress import EFFECTS, StressConfig, alma_movements, stress_night
from jerkdetect.simulate.stress_render import RestModel, amplitude_for_excess

LAB = {"left": LABELS["leg_left"], "right": LABELS["leg_right"], "chin": LABELS["chin"]}
SHORT = dict(duration_h=1.0, fs_emg=200.0)


@pytest.fixture(scope="module")
def nights():
    cache = {}

    def get(effect, seed=3, **kw):
        key = (effect, seed, tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = stress_night(effect, seed=seed, **{**SHORT, **kw})
        return cache[key]
    return get


def _span(night, m, a, b):
    fs = night.fs[LAB[m]]
    return night.signals[LAB[m]][int(round(a * fs)):int(round(b * fs))]


def _rest(night, m, t, before=3.0):
    """Mean rectified level of the quiet second ending ``before`` s ahead of ``t``."""
    return float(np.mean(np.abs(_span(night, m, t - before - 1.0, t - before))))


def _digest(night):
    return {k: night.signals[k].tobytes() for k in night.signals}


# -- plain nights stay as they were ---------------------------------------------------------------

def test_stress_off_leaves_plain_night_bit_identical():
    kw = dict(duration_h=0.3, fs_emg=200, fs_eeg=100, full_montage=False)
    plain = simulate_night(seed=5, **kw)
    off = simulate_night(seed=5, stress=StressConfig(), **kw)
    assert _digest(plain) == _digest(off)
    assert "stress" not in plain.truth and not per_leg_truth(plain.truth)
    assert plain.config.stress is None


def test_deterministic_by_seed_and_rate_independent_truth():
    a = stress_night("mixed", seed=7, duration_h=0.5, fs_emg=200.0)
    b = stress_night("mixed", seed=7, duration_h=0.5, fs_emg=200.0)
    assert _digest(a) == _digest(b)
    assert json.dumps(a.truth, default=str) == json.dumps(b.truth, default=str)
    times = lambda n: [(x["onset"], x["offset"], x["side"]) for x in n.truth["leg_movements"]]  # noqa: E731
    for fs in (256.0, 512.0):
        c = stress_night("mixed", seed=7, duration_h=0.5, fs_emg=fs)
        assert times(c) == times(a)
        assert [j["onset"] for j in c.truth["hypnic_jerks"]] == [j["onset"] for j in a.truth["hypnic_jerks"]]
    other = stress_night("mixed", seed=8, duration_h=0.5, fs_emg=200.0)
    assert other.truth["leg_movements"] != a.truth["leg_movements"]


def test_unknown_effect_or_option_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown stress effect 'clipping'"):
        stress_night("clipping")
    with pytest.raises(TypeError, match="unknown simulator or stress option 'clip'"):
        stress_night("clip150", clip=100)


# -- recording faults ------------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["uV", "mV"])
def test_clipping_sits_exactly_at_the_edf_rails(nights, tmp_path, unit):
    import pyedflib
    night = nights("clip100", emg_unit=unit)
    rail = 100.0
    for m in ("left", "right", "chin"):
        x = night.signals[LAB[m]]
        assert np.abs(x).max() == rail
    assert night.truth["stress"]["clipping"]["n_lm_at_rail"] >= 5
    assert any(lm["at_rail"] for lm in night.truth["leg_movements"])
    assert any(not lm["at_rail"] for lm in night.truth["leg_movements"])
    paths = night.write(str(tmp_path), "clip")
    f = pyedflib.EdfReader(paths["recording"])
    try:
        k = f.getSignalLabels().index(LAB["left"])
        scale = 1e-3 if unit == "mV" else 1.0
        assert f.getPhysicalMinimum(k) == pytest.approx(-rail * scale)
        assert f.getPhysicalMaximum(k) == pytest.approx(rail * scale)
        d = f.readSignal(k, digital=True)
        at = np.abs(night.signals[LAB["left"]]) >= rail
        assert set(np.unique(d[at])) == {f.getDigitalMinimum(k), f.getDigitalMaximum(k)}
        assert np.all((d > f.getDigitalMinimum(k)) & (d < f.getDigitalMaximum(k))) == (not at.any())
    finally:
        f.close()


def test_leadoff_flat_and_saturated_match_their_truth(nights):
    for effect, kind in (("leadoff_flat", "flat"), ("leadoff_saturated", "saturated")):
        night = nights(effect, duration_h=1.5)
        lo = [u for u in night.truth["unscorable"] if u["kind"] == kind]
        assert lo, effect
        for u in lo:
            other = "right" if u["leg"] == "left" else "left"
            x = _span(night, u["leg"], u["start"], u["end"])
            y = _span(night, other, u["start"], u["end"])
            assert 60 <= u["end"] - u["start"] <= 300
            assert np.std(y) > 1.0  # the intact leg is untouched
            if kind == "flat":
                assert np.var(x) < 1e-12
            else:
                rail = night.truth["physical_range_uv"][LAB[u["leg"]]][1]
                pinned = np.abs(x) >= rail
                assert pinned.mean() > 0.8 and x.max() == rail and x.min() == -rail
            # the samples just outside the artefact are ordinary EMG again
            assert np.std(_span(night, u["leg"], u["end"] + 0.5, u["end"] + 1.5)) < 30
            # LMs of the lost leg stop >= 1 s before and resume >= 2 s after; the other leg keeps moving
            lost = [lm for lm in night.truth["leg_movements"] if lm["side"] == u["leg"]]
            assert not any(lm["offset"] > u["start"] - 1.0 and lm["onset"] < u["end"] + 2.0 for lm in lost)
            assert any(u["start"] < lm["onset"] < u["end"] for lm in night.truth["leg_movements"]
                       if lm["side"] == other)


def test_per_leg_unscorable_truth_keeps_the_intact_leg():
    truth = dict(leg_movements=[dict(onset=100.0, offset=101.0, side="left"),
                                dict(onset=100.2, offset=101.5, side="right"),
                                dict(onset=300.0, offset=301.0, side="right")],
                 unscorable=[dict(leg="left", start=90.0, end=200.0, kind="flat")])
    per_leg = truth_lms(truth, per_leg=True)
    assert per_leg.onset.tolist() == [100.2, 300.0] and per_leg.side.tolist() == [1, 1]
    assert truth_lms(truth, np.array([[90.0, 200.0]])).onset.tolist() == [300.0]  # old behaviour
    assert per_leg_truth(truth)


def test_raised_noise_periods_are_3_to_6_uv_rms_and_keep_lms(nights):
    night = nights("noise", duration_h=1.5)
    periods = night.truth["stress"]["noise"]
    assert periods
    for p in periods:
        assert 3.0 <= p["rms_uv"] <= 6.0 and 120 <= p["end"] - p["start"] <= 600
        inside = [lm for lm in night.truth["leg_movements"] if lm["kind"] == "noise_period"
                  and p["start"] < lm["onset"] < p["end"]]
        assert inside
        for leg in p["legs"]:  # quiet seconds just before and inside the period (events excluded)
            busy = [(lm["onset"] - 1, lm["offset"] + 1) for lm in night.truth["leg_movements"] if lm["side"] == leg]
            quiet = lambda a, b: [(t, t + 1) for t in np.arange(a, b - 1)  # noqa: E731
                                  if all(t + 1 <= s or t >= e for s, e in busy)]
            before = np.concatenate([_span(night, leg, a, b) for a, b in quiet(p["start"] - 55, p["start"] - 1)])
            during = np.concatenate([_span(night, leg, a, b) for a, b in quiet(p["start"] + 1, p["start"] + 55)])
            added = np.sqrt(max(np.var(during) - np.var(before), 0.0))
            assert p["rms_uv"] * 0.8 < added < p["rms_uv"] * 1.2
        for lm in inside:  # amplitude set above the raised rest
            assert lm["excess_uv"] >= 12.0


@pytest.mark.parametrize("effect,hz", [("hum50", 50.0), ("hum60", 60.0)])
def test_strong_hum(nights, effect, hz):
    night = nights(effect, fs_emg=256.0, duration_h=0.5)
    assert night.truth["stress"]["hum"]["hz"] == hz == night.truth["mains_hz"]
    x = night.signals[LAB["chin"]][: 256 * 60]
    spec = np.abs(np.fft.rfft(x)) * 2 / x.size
    f = np.fft.rfftfreq(x.size, 1 / 256)
    peak = f[np.argmax(spec)]
    assert peak == pytest.approx(hz, abs=0.1)
    assert spec[np.argmin(np.abs(f - hz))] > 15.0


def test_ecg_bleed_with_and_without_ecg_channel(nights):
    with_ecg, without = nights("ecg_bleed"), nights("ecg_bleed_no_ecg")
    assert LABELS["ecg"] in with_ecg.signals and LABELS["ecg"] not in without.signals
    assert LABELS["ecg"] not in without.fs
    for n in (with_ecg, without):
        assert all(5.0 <= b <= 15.0 for b in n.truth["ecg_bleed_uv"].values())


# -- physiology ------------------------------------------------------------------------------------

def test_fragmentary_myoclonus_is_dense_small_brief_asynchronous(nights):
    night = nights("myoclonus")
    tw = [d for d in night.truth["fragmentary"] if d.get("kind") == "myoclonus"]
    assert len(tw) > 300
    assert {d["muscle"] for d in tw} == {"left", "right", "chin"}
    dur = np.array([d["duration"] for d in tw])
    ex = np.array([d["excess_uv"] for d in tw])
    assert dur.min() >= 0.02 and dur.max() <= 0.15 and ex.min() >= 5 and ex.max() <= 40
    on = np.array([d["onset"] for d in tw])
    mus = np.array([d["muscle"] for d in tw])
    for m in ("left", "right", "chin"):
        k = mus == m
        gaps = on[k][1:] - (on[k] + dur[k])[:-1]
        assert gaps.min() >= 0.7  # never an LM under the 0.5-s quiet rule
        assert 1 / np.median(np.diff(on[k])) <= 1.5  # up to about one per second
    close = np.diff(on) < 0.2
    assert not np.any(close & (mus[1:] != mus[:-1]))  # asynchronous
    assert all(night.hypnogram.stage_at(np.array([d["onset"]]))[0] in (1, 2, 3) for d in tw)
    # in the signal: each twitch lifts its muscle by roughly its excess above rest
    rest = RestModel(night.truth, night.stages, [])
    for d in tw[:60]:
        if d["duration"] < 0.06:
            continue
        seg = np.abs(_span(night, d["muscle"], d["onset"] + 0.01, d["onset"] + d["duration"] - 0.01))
        level = float(np.mean(seg)) - rest(d["muscle"], d["onset"])
        assert 0.3 * d["excess_uv"] < level + 3.0 and level < 2.5 * d["excess_uv"] + 6.0
    rem = [d for d in night.truth["rem_twitches"] if d.get("kind") == "rem_twitch"]
    assert rem and {d["muscle"] for d in rem} <= {"left", "right"}
    assert not any(lm["kind"] == "myoclonus" for lm in night.truth["leg_movements"])


def test_alma_alternates_at_its_frequency(nights):
    night = nights("alma", duration_h=1.5)
    trains = night.truth["stress"]["alma"]
    assert len(trains) >= 3
    for tr in trains:
        assert 0.5 <= tr["hz"] <= 3.0 and tr["n_per_leg"] >= 4
        bursts = sorted(tr["bursts"], key=lambda x: x["onset"])
        legs = [b["side"] for b in bursts]
        assert all(p != q for p, q in zip(legs, legs[1:]))  # L R L R ...
        for leg in ("left", "right"):
            on = np.array([b["onset"] for b in bursts if b["side"] == leg])
            assert np.median(1 / np.diff(on)) == pytest.approx(tr["hz"], rel=0.01)
        diff, ex = [], []
        for b in bursts:  # in the signal: this leg is active, the other is not
            assert 0.09 <= b["offset"] - b["onset"] <= 0.55
            other = "right" if b["side"] == "left" else "left"
            mid = (b["onset"] + 0.02, b["offset"] - 0.02)
            diff.append(np.mean(np.abs(_span(night, b["side"], *mid))) - np.mean(np.abs(_span(night, other, *mid))))
            ex.append(b["excess_uv"])
        assert np.mean(diff) > 0.6 * np.mean(ex)


def test_alma_trains_are_no_truth_lms_and_keep_the_bare_rule_reading(nights):
    fast = [dict(onset=k / 2.5, offset=k / 2.5 + 0.2, side="left") for k in range(6)]
    assert alma_movements(fast) == [(0.0, 2.2, "left")]  # quiet gaps 0.2 s: one movement
    slow = [dict(onset=k * 1.5, offset=k * 1.5 + 0.35, side="right") for k in range(6)]
    assert alma_movements(slow) == []  # 1.15-s gaps: six bursts < 0.5 s, no LM
    night = nights("alma", duration_h=1.5)
    assert not [lm for lm in night.truth["leg_movements"] if lm["kind"] == "alma"]
    trains = night.truth["stress"]["alma"]
    assert any(tr["merged"] for tr in trains) and any(not tr["merged"] for tr in trains)
    for tr in trains:
        gap = 1 / tr["hz"] - tr["burst_s"]
        assert abs(gap - 0.5) >= 0.1
        assert len(tr["bare_rule_lms"]) == (2 if tr["merged"] else 0) and tr["merged"] == (gap < 0.5)
        if not tr["merged"]:
            assert max(x["offset"] - x["onset"] for x in tr["bursts"]) < 0.4
        first, last = tr["bursts"][0]["onset"], max(b["offset"] for b in tr["bursts"])
        assert not any(first - 2 <= lm["onset"] <= last + 2 for lm in night.truth["leg_movements"])


def test_near_threshold_lms_rise_9_to_12_uv_above_rest(nights):
    night = nights("near_threshold", duration_h=1.5)
    lms = [lm for lm in night.truth["leg_movements"] if lm["kind"] == "near_threshold"]
    assert len(lms) >= 10
    rest = RestModel(night.truth, night.stages, [])
    measured = []
    for lm in lms:
        assert 9.0 <= lm["excess_uv"] <= 12.0
        x = np.abs(_span(night, lm["side"], lm["onset"] + 0.05, lm["offset"] - 0.05))
        measured.append(np.mean(x) - rest(lm["side"], lm["onset"]))
    assert 8.0 < np.median(measured) < 13.5  # ECG bleed and hum ride on top


def test_ragged_lms_have_dips_below_rest_shorter_than_half_a_second(nights):
    night = nights("ragged", duration_h=1.5)
    lms = [lm for lm in night.truth["leg_movements"] if lm["kind"] == "ragged"]
    assert len(lms) >= 10
    fs = night.fs[LAB["left"]]
    for lm in lms:
        segs = lm["segments"]
        assert 2 <= len(segs) <= 5 and lm["onset"] == segs[0][0] and lm["offset"] == segs[-1][1]
        dips = [b[0] - a[1] for a, b in zip(segs, segs[1:])]
        assert all(0.05 <= d < 0.5 for d in dips)
        assert len({round(s[2]) for s in segs}) > 1  # uneven peaks
    # the dip really goes down to rest in the signal
    lm = max(lms, key=lambda x: max(b[0] - a[1] for a, b in zip(x["segments"], x["segments"][1:])))
    a, b = max(zip(lm["segments"], lm["segments"][1:]), key=lambda p: p[1][0] - p[0][1])
    dip = np.abs(_span(night, lm["side"], a[1] + 0.03, b[0] - 0.03))
    assert dip.size >= int(0.05 * fs)
    assert np.mean(dip) < _rest(night, lm["side"], lm["onset"]) + 2.0 + 3.0


def test_staggered_bilaterals_split_the_rule_sets_as_published():
    # left 100-101 s, right 102-103 s: onsets 2 s apart, 1 s gap
    truth = dict(leg_movements=[dict(onset=100.0 + 30 * k, offset=101.0 + 30 * k, side="left") for k in range(5)] +
                 [dict(onset=102.0 + 30 * k, offset=103.0 + 30 * k, side="right") for k in range(5)],
                 unscorable=[], arousals=[], respiratory=[], hypnic_jerks=[])
    from jerkdetect.core.hypnogram import Hypnogram
    hyp = Hypnogram(np.full(20, 2), 30.0, 0.0)
    aasm, _ = truth_scoring(truth, hyp, "aasm2012")
    wasm, _ = truth_scoring(truth, hyp, "wasm2016")
    assert len(aasm) == 5 and aasm.plm.sum() == 5  # onsets < 5 s apart: one LM each
    assert len(wasm) == 10 and wasm.plm.sum() == 0  # 1-s gap: two CLMs, 2-s IMIs break every run


def test_staggered_lags_avoid_the_rule_boundaries(nights):
    night = nights("staggered", duration_h=1.5)
    by_group = {}
    for lm in night.truth["leg_movements"]:
        if lm["kind"] == "staggered":
            by_group.setdefault((lm["group"], lm["lag_s"]), []).append(lm)
    pairs = [sorted(v, key=lambda x: x["onset"]) for v in by_group.values() if len(v) == 2]
    assert len(pairs) >= 10
    for a, b in pairs:
        assert a["side"] != b["side"] and 0.5 <= b["onset"] - a["onset"] <= 4.7
        assert not 0.3 <= b["onset"] - a["offset"] <= 0.7


def test_irregular_trains_have_short_imis_and_long_movements(nights):
    night = nights("plm_irregular", duration_h=1.5)
    lm = night.truth["leg_movements"]
    short = [x for x in lm if x["kind"] == "short_imi"]
    long_ = [x for x in lm if x["kind"] == "long_mid_series"]
    assert short and long_
    assert all(11.0 <= x["offset"] - x["onset"] <= 20.0 for x in long_)
    for s in short:
        prev = max((x for x in lm if x["kind"] == "irregular" and x["onset"] < s["onset"]), key=lambda x: x["onset"])
        assert 2.0 <= s["onset"] - prev["onset"] <= 9.5
    # the rule sets read the long movement differently: AASM keeps the run, WASM breaks it
    t = long_[0]
    aasm, _ = truth_scoring(night.truth, night.hypnogram, "aasm2012")
    wasm, _ = truth_scoring(night.truth, night.hypnogram, "wasm2016")
    around = lambda r: [int(r.series[i]) for i in (np.flatnonzero(r.onset < t["onset"])[-1],  # noqa: E731
                                                   np.flatnonzero(r.onset > t["offset"])[0])]
    a_before, a_after = around(aasm)
    w_before, w_after = around(wasm)
    assert a_before == a_after >= 0
    assert w_before != w_after or w_before < 0


def test_hypnic_jerks_three_muscles_50_to_90_uv_and_waking_ones_move_the_transition(nights):
    night = nights("hypnic", duration_h=2.0)
    jerks = [j for j in night.truth["hypnic_jerks"] if j.get("kind") in ("onset", "drowsy")]
    assert len(jerks) >= 4 and any(j["kind"] == "drowsy" for j in jerks)
    trans = np.array(night.truth["transitions"])
    for j in jerks:
        assert [p["muscle"] for p in j["parts"]] == ["chin", "left", "right"]
        ons = [p["onset"] for p in j["parts"]]
        assert max(ons) - min(ons) <= 0.03 and j["onset"] == min(ons)
        for p in j["parts"]:
            assert 0.05 <= p["duration"] <= 0.3 and 50 <= p["peak_uv"] <= 90
            raw = np.abs(_span(night, p["muscle"], p["onset"], p["onset"] + p["duration"])).max()
            assert 0.8 * p["peak_uv"] < raw < p["peak_uv"] + 40
        if j["kind"] == "drowsy":
            lead = j["transition"] - j["onset"]
            assert j["transition"] in trans and 30 <= lead <= 90
            assert night.hypnogram.stage_at(np.array([j["onset"]]))[0] == 0
        else:
            assert -20 <= j["onset"] - j["transition"] <= 60 + 0.03
    # fragmentary myoclonus and REM twitches stay single-muscle and out of the jerks
    assert all("muscle" in d for d in night.truth["fragmentary"] + night.truth["rem_twitches"])


def test_rest_model_and_amplitude():
    truth = {"leg_rest": {"left": dict(rest_uv=2.0, period_s=3600.0, phase=0.0)}}
    rest = RestModel(truth, np.array([2, 2, 0]), [dict(legs=["left"], start=0.0, end=10.0, rms_uv=4.0)])
    assert rest("left", 0.0) == pytest.approx(0.798 * np.hypot(2.0 / 0.798, 4.0))
    assert rest("left", 20.0) == pytest.approx(2.0 * (1 + 0.3 * np.sin(2 * np.pi * 20 / 3600)))
    assert rest("chin", 65.0) == CHIN_TONE[0]
    a = amplitude_for_excess(2.0, 10.0)
    assert np.hypot(2.0, a) - 2.0 == pytest.approx(10.0)


def test_every_preset_writes_and_reads_back(tmp_path):
    night = stress_night("mixed", seed=2, duration_h=0.5, fs_emg=200.0)
    paths = night.write(str(tmp_path), "m")
    truth = json.load(open(paths["truth"]))
    assert truth["config"]["stress"]["clip_uv"] == 150.0
    assert {"lms", "jerks", "twitches"}.isdisjoint(truth["stress"])  # merged into the plain lists
    assert set(truth["stress"]["active"]) >= {"clip_uv", "leadoffs", "hum_uv"}
    assert all(u["kind"] in ("noise", "flat", "saturated") for u in truth["unscorable"])
    assert set(EFFECTS) >= {"baseline", "mixed", "clip150", "clip100", "leadoff_flat", "leadoff_saturated",
                            "myoclonus", "alma", "noise", "ecg_bleed", "ecg_bleed_no_ecg", "near_threshold",
                            "ragged", "staggered", "plm_irregular", "hum50", "hum60", "hypnic"}
