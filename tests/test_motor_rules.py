"""Hand-built cases of every motor rule, on both sides of each threshold, at 200, 256 and 512 Hz.

Signals are built here (Gaussian EMG of known mean rectified level, bursts at known times) and go
through the real burst detection, so the rules are tested on what the pipeline gives them.
"""
import numpy as np
import pytest

from jerkdetect.detection import DetectionParams, detect_channel
from jerkdetect.errors import InputError
from jerkdetect.core.hypnogram import Hypnogram
from jerkdetect.io.recording import Recording
from jerkdetect.rules.atonia_index import AtoniaIndexRule
from jerkdetect.rules.fragmentary_myoclonus import FragmentaryMyoclonusRule
from jerkdetect.rules.motor_events import score_motor
from jerkdetect.rules.motor_features import EMGFeatures
from jerkdetect.rules.rem_activity import REMActivityRule
from jerkdetect.rules.rhythmic_leg import ALMARule, HFTRule
from jerkdetect.simulate.motor_render import p2p_filtered
from jerkdetect.simulate.waveforms import band_noise

RATES = (200.0, 256.0, 512.0)
LEG = {"left": "Leg L", "right": "Leg R", "chin": "EMG Chin"}


def _noise(n, fs, level, rng):
    """Gaussian EMG (20-90 Hz: inside the AASM 10-100 Hz band at every rate) with mean rectified
    value ``level`` µV."""
    return band_noise(n, fs, 20.0, 90.0, rng) * level / 0.798


def _add_burst(x, fs, t0, dur, level, rng, ramp_s=0.005):
    n = max(int(round(dur * fs)), 2)
    seg = _noise(n + 200, fs, level, rng)[100:100 + n]
    r = max(1, min(int(ramp_s * fs), n // 3))
    w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, r))
    seg[:r] *= w
    seg[-r:] *= w[::-1]
    i = int(round(t0 * fs))
    x[i:i + n] += seg
    return seg


def _add_potential(x, fs, t0, dur, p2p, rng):
    """A brief potential scaled to a peak-to-peak amplitude ``p2p`` on the 10-100 Hz trace."""
    n = max(int(round(dur * fs)), 2)
    seg = _noise(n + 200, fs, 1.0, rng)[100:100 + n] * np.hanning(n)
    seg *= p2p / p2p_filtered(seg, fs)
    i = int(round(t0 * fs))
    x[i:i + n] += seg


def _features(signals, fs):
    rec = Recording.from_arrays(signals, fs)
    out = {}
    for m, lab in LEG.items():
        if lab in signals:
            out[m] = EMGFeatures.from_bursts(detect_channel(rec, lab, DetectionParams(notch=None)))
    return out


# ------------------------------------------------------------------------------ fragmentary myoclonus
@pytest.mark.parametrize("fs", RATES)
def test_fm_counts_brief_large_potentials_only(fs):
    rng = np.random.default_rng(int(fs))
    dur = 600.0
    x = _noise(int(dur * fs), fs, 2.0, rng)
    big_brief = np.arange(20.0, 300.0, 7.3)          # 60-ms potentials of 120 µV: counted
    small = np.arange(302.0, 420.0, 7.3)             # 60 ms but 25 µV: below 50 µV
    longer = np.arange(422.0, 590.0, 7.3)            # 120 µV but 300 ms: longer than 150 ms
    for t in big_brief:
        _add_potential(x, fs, t, 0.06, 120.0, rng)
    for t in small:
        _add_potential(x, fs, t, 0.06, 25.0, rng)
    for t in longer:
        _add_potential(x, fs, t, 0.30, 120.0, rng)
    f = _features({"Leg L": x}, fs)
    fm = FragmentaryMyoclonusRule().find(f, Hypnogram(np.full(20, 2)))
    assert len(fm) == big_brief.size
    np.testing.assert_allclose(fm.onset, big_brief, atol=0.03)          # onsets do not drift with fs
    assert np.all((fm.duration > 0.015) & (fm.duration < 0.1))         # Hann-tapered: visibly < 60 ms
    assert np.all(fm.amplitude_uv > 80)
    assert fm.per_h_nrem == pytest.approx(big_brief.size / (dur / 3600))
    assert fm.channel == ["left"] * big_brief.size


@pytest.mark.parametrize("fs", RATES)
def test_fm_only_in_nrem_and_never_inside_excluded_stretches(fs):
    rng = np.random.default_rng(3)
    x = _noise(int(300 * fs), fs, 2.0, rng)
    times = np.arange(5.0, 295.0, 10.0)
    for t in times:
        _add_potential(x, fs, t, 0.05, 150.0, rng)
    stages = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])       # W, N1, N2, N3, R
    f = _features({"Leg L": x}, fs)
    lm = np.array([[153.0, 157.0]])                            # the potential at 155 s is inside an LM
    fm = FragmentaryMyoclonusRule().find(f, Hypnogram(stages), {"left": lm})
    want = [t for t in times if stages[int(t // 30)] in (1, 2, 3) and not 153 <= t <= 157]
    np.testing.assert_allclose(fm.onset, want, atol=0.03)
    assert set(fm.stage.tolist()) == {1, 2, 3}


def _synthetic_fm_features(onsets, minutes):
    """Exact potentials on a hand-made envelope (100 Hz) and trace pools (20 Hz): 60-ms, 20 µV
    above a 1-µV rest, 100 µV peak-to-peak."""
    n = int(minutes * 60 * 100)
    env = np.ones(n, np.float32)
    tmax = np.full(n // 5, 2.0, np.float32)
    tmin = -tmax
    for t in onsets:
        i = int(round(t * 100))
        env[i:i + 6] = 21.0
        tmax[i // 5:(i + 6) // 5 + 1] = 50.0
        tmin[i // 5:(i + 6) // 5 + 1] = -50.0
    nb = n // 100
    return EMGFeatures("Chin", "chin", env, 100.0, np.ones(nb), np.ones(nb), 1.0, tmax, tmin, 20.0)


@pytest.mark.parametrize("per_min, minutes, efm", [(5, 20, True), (5, 19, False), (4, 20, False), (6, 25, True)])
def test_efm_needs_20_minutes_with_5_per_minute(per_min, minutes, efm):
    # NREM for 30 min; the first ``minutes`` minutes carry ``per_min`` potentials each, evenly spread
    on = [60.0 * m + 3.0 + k * (50.0 / per_min) for m in range(minutes) for k in range(per_min)]
    fm = FragmentaryMyoclonusRule().find({"chin": _synthetic_fm_features(on, 30)}, Hypnogram(np.full(60, 2)))
    assert len(fm) == len(on)
    assert fm.efm is efm
    assert fm.efm_minutes == (minutes if per_min >= 5 else 0)


def test_fm_without_hypnogram_is_null_with_reason():
    fm = FragmentaryMyoclonusRule().find({"chin": _synthetic_fm_features([10.0], 2)}, None)
    assert fm.per_h_nrem is None and fm.efm is None and "hypnogram" in fm.reason
    assert fm.summary()["fm_per_h_nrem"] is None


# ------------------------------------------------------------------------------ REM activity
def _rem_night(fs, seed=0):
    """4 N2 epochs (chin 3 µV) then 10 REM epochs (chin 0.8 µV) with one pattern each."""
    rng = np.random.default_rng(seed)
    st = np.array([2] * 4 + [4] * 10)
    n = int(st.size * 30 * fs)
    level = np.repeat(np.where(st == 2, 3.0, 0.8), int(30 * fs))[:n]
    chin = _noise(n, fs, 1.0, rng) * level
    R = lambda k: 120.0 + 30.0 * k  # noqa: E731  start of REM epoch k
    _add_burst(chin, fs, R(0) + 3.1, 18.0, 8.0, rng, 0.1)            # 60 % tone: tonic
    _add_burst(chin, fs, R(1) + 3.1, 12.0, 8.0, rng, 0.1)            # 40 % tone: not tonic (> 5 s: not phasic)
    for i in range(6):                                               # 6 mini-epochs with 0.4-s bursts (12x)
        _add_burst(chin, fs, R(2) + 3 * i + 1.0, 0.4, 10.0, rng)
    for i in range(4):                                               # 4 mini-epochs: not phasic
        _add_burst(chin, fs, R(3) + 3 * i + 1.0, 0.4, 10.0, rng)
    for i in range(7):                                               # 7 mini-epochs of 40-ms twitches: too brief
        _add_burst(chin, fs, R(4) + 3 * i + 1.0, 0.04, 10.0, rng)
    for i in range(6):                                               # 6 mini-epochs at ~2.7x: SINBAR only
        _add_burst(chin, fs, R(5) + 3 * i + 1.0, 0.6, 2.0, rng, 0.02)
    _add_burst(chin, fs, R(6) + 10.5, 4.0, 10.0, rng, 0.02)          # one 4-s burst: phasic (< 5 s)
    _add_burst(chin, fs, R(7) + 10.5, 6.0, 10.0, rng, 0.02)          # one 6-s burst: not phasic, but "any"
    for i in range(6):                                               # phasic, but an arousal in mini 3
        _add_burst(chin, fs, R(8) + 3 * i + 1.0, 0.4, 10.0, rng)
    for i in range(6):                                               # 6 mini-epochs at ~1.4x: nothing
        _add_burst(chin, fs, R(9) + 3 * i + 1.0, 0.6, 0.8, rng, 0.02)
    return chin, st, np.array([[R(8) + 9.5, 4.0]])


@pytest.mark.parametrize("fs", RATES)
def test_rem_tonic_phasic_any_both_sides(fs):
    chin, st, arousals = _rem_night(fs)
    f = _features({"EMG Chin": chin}, fs)
    rem = REMActivityRule().score(f, Hypnogram(st), arousals)
    assert rem.nrem_reference_uv == pytest.approx(3.0, rel=0.15)
    assert rem.tonic.tolist() == [True] + [False] * 9
    ph = rem.phasic_minis().tolist()
    assert ph[2] == 6 and ph[3] == 4 and ph[4] == 0 and ph[5] == 0 and ph[9] == 0
    assert 2 <= ph[6] <= 3 and ph[7] == 0
    assert rem.phasic.tolist() == [False, False, True] + [False] * 7      # epoch 8 is not scored
    anym = rem.any_minis().tolist()
    assert anym[0] == 10 and anym[5] == 6 and anym[4] == 0 and anym[9] == 0 and anym[7] >= 2
    assert 4 <= anym[1] <= 6                                   # the 12-s tone touches 4-5 mini-epochs
    assert rem.scored.tolist() == [True] * 8 + [False, True] and rem.reason[8] == "arousal"
    assert rem.per_channel["chin"]["excluded"][8].tolist() == [False] * 3 + [True, True] + [False] * 5
    s = rem.summary()
    assert s["rem_tonic_pct"] == pytest.approx(100 / 9, abs=1e-3)
    assert s["rem_phasic_pct"] == pytest.approx(100 / 9, abs=1e-3)           # epoch 2 only
    assert s["rem_epochs_not_scored"] == {"arousal": 1}


def test_rem_exclusions_respiratory_and_artefact():
    fs = 256.0
    chin, st, _ = _rem_night(fs)
    chin[int(210 * fs):int(214 * fs)] = 0.0                      # flat chin (lead-off) in REM epoch 3
    f = _features({"EMG Chin": chin}, fs)
    resp = np.array([[150.5, 10.0]])                             # hypopnea over REM epoch 1
    rem = REMActivityRule().score(f, Hypnogram(st), None, resp)
    assert rem.reason[1] == "respiratory event" and rem.reason[3] == "chin artefact"
    assert not rem.scored[1] and not rem.scored[3]
    rem2 = REMActivityRule(exclude_respiratory=False).score(f, Hypnogram(st), None, resp)
    assert rem2.scored[1]


def test_rem_nulls_with_reasons():
    assert REMActivityRule().score({}, None).summary()["rem_null_reasons"]["rem_tonic_pct"].startswith("no hypnogram")
    chin, st, _ = _rem_night(200.0)
    f = _features({"Leg L": chin}, 200.0)                        # legs only: no chin
    s = REMActivityRule().score(f, Hypnogram(st)).summary()
    assert s["rem_tonic_pct"] is None and s["rem_null_reasons"]["rem_any_pct"] == "no chin EMG channel"
    chin_only = _features({"EMG Chin": chin}, 200.0)
    s2 = REMActivityRule().score(chin_only, Hypnogram(st)).summary()
    assert "both arms" in s2["rem_null_reasons"]["rem_sinbar_combined_pct"]


def test_rem_rule_validates_parameters():
    with pytest.raises(ValueError, match="whole number"):
        REMActivityRule(mini_s=7.0)
    with pytest.raises(ValueError, match="background_quantile"):
        REMActivityRule(background_quantile=1.5)


# ------------------------------------------------------------------------------ atonia index
def _rai_features(amp):
    return EMGFeatures("Chin", "chin", np.zeros(amp.size * 100, np.float32), 100.0, amp, amp, 1.0)


@pytest.mark.parametrize("tone_s, category", [(0, "normal"), (9, "normal"), (12, "borderline"), (25, "reduced")])
def test_rai_categories_both_sides_of_the_cutoffs(tone_s, category):
    # REM of 100 s at 0.5 µV; in each 100 s, ``tone_s`` seconds at 5 µV (corrected > 2 µV)
    amp = np.full(300, 0.5)
    for k in range(3):
        amp[100 * k + 40: 100 * k + 40 + tone_s] = 5.0
    r = AtoniaIndexRule().compute(_rai_features(amp), Hypnogram(np.full(10, 4)))
    assert r.value == pytest.approx(1 - tone_s / 100)
    assert r.category == category


def test_rai_subtracts_the_moving_minimum_and_excludes_the_1_2_uv_class():
    amp = np.full(120, 10.0)                 # a constant offset (noise floor) is removed entirely
    amp[20:50] = 11.5                        # 1.5 µV above the floor: the 1-2 µV class
    r = AtoniaIndexRule().compute(_rai_features(amp), Hypnogram(np.full(4, 4)))
    assert r.fraction_atonic == pytest.approx(0.75)
    assert r.value == pytest.approx(1.0)     # 0.75 / (1 - 0.25)
    assert AtoniaIndexRule().compute(None, Hypnogram([4])).reason == "no chin EMG channel"
    assert AtoniaIndexRule().compute(_rai_features(amp), Hypnogram(np.full(4, 2))).reason == "no scorable REM sleep"


# ------------------------------------------------------------------------------ ALMA and HFT
def _legs(fs, trains, dur=120.0, seed=0):
    """Leg EMG (rest 2 µV) with bursts (side, onset, duration) of 25 µV above rest."""
    rng = np.random.default_rng(seed)
    x = {m: _noise(int(dur * fs), fs, 2.0, rng) for m in ("left", "right")}
    for side, t, d in trains:
        _add_burst(x[side], fs, t, d, 25.0, rng, 0.01)
    return _features({LEG[m]: v for m, v in x.items()}, fs)


def _alma(t0, hz, n, d, phase=0.5):
    return [("left" if k % 2 == 0 else "right", t0 + (k // 2 + phase * (k % 2)) / hz, d) for k in range(n)]


@pytest.mark.parametrize("fs", RATES)
@pytest.mark.parametrize("case, n_episodes", [
    (dict(hz=1.0, n=6, d=0.2), 1), (dict(hz=1.0, n=4, d=0.2), 1), (dict(hz=1.0, n=3, d=0.2), 0),
    (dict(hz=0.7, n=6, d=0.2), 1), (dict(hz=0.4, n=6, d=0.2), 0),        # 0.5-Hz minimum
    (dict(hz=2.5, n=8, d=0.15), 1), (dict(hz=3.6, n=8, d=0.1), 0),       # 3.0-Hz maximum
    (dict(hz=1.0, n=6, d=0.35), 1), (dict(hz=0.8, n=6, d=0.6), 0),       # bursts of 0.1-0.5 s
    (dict(hz=1.0, n=6, d=0.2, phase=0.0), 0),                            # legs in step: not alternating
])
def test_alma_both_sides(fs, case, n_episodes):
    f = _legs(fs, _alma(30.0, **case))
    ep = ALMARule().find(f)
    assert len(ep) == n_episodes
    if n_episodes:
        assert ep.n_bursts[0] == case["n"]
        assert ep.frequency_hz[0] == pytest.approx(case["hz"], rel=0.05)
        assert ep.onset[0] == pytest.approx(30.0, abs=0.03)


@pytest.mark.parametrize("fs", RATES)
@pytest.mark.parametrize("case, n_episodes", [
    (dict(hz=1.0, n=6, d=0.4), 1), (dict(hz=1.0, n=3, d=0.4), 0),
    (dict(hz=0.5, n=5, d=0.5), 1), (dict(hz=0.2, n=5, d=0.5), 0),        # 0.3-Hz minimum
    (dict(hz=1.0, n=6, d=0.15), 0), (dict(hz=0.5, n=6, d=0.9), 1), (dict(hz=0.4, n=6, d=1.4), 0),  # 0.25-1 s
])
def test_hft_both_sides(fs, case, n_episodes):
    tr = [("right", 20.0 + k / case["hz"], case["d"]) for k in range(case["n"])]
    ep = HFTRule().find(_legs(fs, tr))
    assert len(ep) == n_episodes
    if n_episodes:
        assert ep.legs == ["right"] and ep.n_bursts[0] == case["n"]
        assert ep.frequency_hz[0] == pytest.approx(case["hz"], rel=0.05)


def test_hft_both_legs_in_step_is_one_episode_and_alternation_is_alma():
    tr = [(s, 20.0 + k + (0.02 if s == "right" else 0.0), 0.4) for k in range(6) for s in ("left", "right")]
    f = _legs(256.0, tr)
    alma = ALMARule().find(f)
    hft = HFTRule().find(f, alma)
    assert len(alma) == 0 and len(hft) == 1 and hft.legs == ["both"]
    f2 = _legs(256.0, _alma(20.0, 1.0, 8, 0.3))              # alternating 0.3-s bursts: ALMA, not HFT
    alma2 = ALMARule().find(f2)
    assert len(alma2) == 1 and len(HFTRule().find(f2, alma2)) == 0


def test_hft_is_hypnagogic_with_a_hypnogram():
    tr = [("left", 20.0 + k, 0.4) for k in range(6)]
    f = _legs(256.0, tr)
    assert len(HFTRule().find(f, None, Hypnogram([1, 1, 1, 1]))) == 1
    assert len(HFTRule().find(f, None, Hypnogram([4, 4, 4, 4]))) == 0
    assert len(HFTRule(stages=(0, 1, 2, 3, 4)).find(f, None, Hypnogram([4, 4, 4, 4]))) == 1


def test_alma_needs_both_legs():
    f = _legs(200.0, [])
    del f["right"]
    assert ALMARule().find(f).reason == "no right leg EMG channel"


# ------------------------------------------------------------------------------ all together
def test_score_motor_summary_names_and_nulls():
    fs = 200.0
    chin, st, ar = _rem_night(fs)
    f = _features({"EMG Chin": chin}, fs)
    ev = score_motor(f, Hypnogram(st), arousals=ar)
    s = ev.summary()
    for k in ("fm_per_h_nrem", "efm", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rai", "n_alma", "n_hft"):
        assert k in s
    assert s["n_alma"] is None and s["motor_null_reasons"]["n_alma"].startswith("no left")
    assert s["rai"] is not None and "motor" in s
    rows = ev.rem_epoch_rows()
    assert set(rows) >= {"onset", "tonic", "phasic_minis", "any_minis", "scored", "reason"}
    assert len(rows["onset"]) == 10


def test_emg_features_reject_bad_input():
    with pytest.raises(InputError, match="envelope_fs"):
        EMGFeatures("Chin", "chin", np.ones(10, np.float32), 0.0, np.ones(1), np.ones(1), 1.0)
    with pytest.raises(InputError, match="finite"):
        EMGFeatures("Chin", "chin", np.array([1.0, np.nan], np.float32), 100.0, np.ones(1), np.ones(1), 1.0)
