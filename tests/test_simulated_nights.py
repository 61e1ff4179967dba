"""Detection + rules against the simulator's ground truth: several seeds, rates, units, both rule sets.

Each night has ECG bleed (3-15 µV), mains hum (50 or 60 Hz), a raised-noise stretch per leg,
fragmentary myoclonus, REM chin twitches, respiratory events followed by LMs, and arousals.
"""
import json

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.evaluation.truth import evaluate

NIGHTS = {  # id: simulator options
    "200Hz": dict(seed=11, fs_emg=200.0, fs_eeg=100.0),
    "256Hz-mV": dict(seed=12, fs_emg=256.0, fs_eeg=128.0, emg_unit="mV"),
    "500Hz": dict(seed=13, fs_emg=500.0, fs_eeg=250.0),
    "512Hz": dict(seed=14, fs_emg=512.0, fs_eeg=256.0),
}
COMMON = dict(duration_h=2.5, full_montage=False, jerk_probability=1.0, plm_series_per_hour=1.5,
              resp_clusters_per_hour=0.8, fragmentary_stretches_per_hour=1.0)
_jerks: dict = {}


@pytest.mark.parametrize("rules", ["wasm2016", "aasm2012"])
@pytest.mark.parametrize("night_id", sorted(NIGHTS))
def test_detection_matches_truth(sim_cache, night_id, rules):
    paths, night = sim_cache(**NIGHTS[night_id], **COMMON)
    res = jd.score(paths["recording"], rules=rules)
    ev = evaluate(res, night.truth, night.hypnogram, rules)
    assert ev["lm"]["f1"] >= 0.97, ev["lm"]
    assert ev["plm"]["f1"] >= 0.95, ev["plm"]
    assert ev["plms_index_error"] <= 1.0, (ev["plms_index"], ev["plms_index_truth"])
    assert ev["lm"]["max_onset_error"] <= 0.1  # event times do not drift at any rate
    assert ev["unscorable_covered"] >= 0.95
    assert res.info["channels"]["leg_left"] == "Leg L"
    assert res.info["mains_hz"]["leg_left"] == night.truth["mains_hz"]
    _jerks.setdefault(night_id, ev["jerk"])


def test_hypnic_jerk_f1_over_all_nights(sim_cache):
    tp = fp = fn = 0
    for opts in NIGHTS.values():
        paths, night = sim_cache(**opts, **COMMON)
        res = jd.score(paths["recording"])
        ev = evaluate(res, night.truth, night.hypnogram)["jerk"]
        tp, fp, fn = tp + ev["tp"], fp + ev["fp"], fn + ev["fn"]
    assert tp + fn >= 8  # enough jerks to mean something
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.90, (tp, fp, fn)


def test_deterministic(sim_cache):
    paths, _ = sim_cache(**NIGHTS["200Hz"], **COMMON)
    a = jd.score(paths["recording"]).events_tsv()
    b = jd.score(paths["recording"]).events_tsv()
    assert a == b
    from jerkdetect.simulate import simulate_night
    n1 = simulate_night(seed=5, duration_h=0.2, fs_emg=200, fs_eeg=100, full_montage=False)
    n2 = simulate_night(seed=5, duration_h=0.2, fs_emg=200, fs_eeg=100, full_montage=False)
    assert all(np.array_equal(n1.signals[k], n2.signals[k]) for k in n1.signals)


@pytest.mark.parametrize("rules", ["wasm2016", "aasm2012"])
def test_prescored_leg_movements_give_same_series_as_emg(sim_cache, rules):
    paths, night = sim_cache(seed=21, include_leg_movements=True, noisy_stretches_per_leg=0,
                             fs_emg=256.0, fs_eeg=128.0, **COMMON)
    emg = jd.score(paths["recording"], rules=rules)
    pre = jd.score(paths["recording"], rules=rules, leg_movements="scoring")
    assert pre.info["leg_movement_source"] == "scoring"
    assert pre.lm.plm.sum() == emg.lm.plm.sum() > 10
    np.testing.assert_allclose(pre.lm.onset[pre.lm.plm], emg.lm.onset[emg.lm.plm], atol=0.1)
    assert pre.lm.series[pre.lm.plm].tolist() == emg.lm.series[emg.lm.plm].tolist()
    assert pre.summary()["plms_index"] == pytest.approx(emg.summary()["plms_index"])


def test_no_arousal_or_respiratory_scoring_gives_null_with_reason(sim_cache, tmp_path):
    paths, night = sim_cache(**NIGHTS["200Hz"], **COMMON)
    hyp_only = tmp_path / "stages.txt"
    hyp_only.write_text("\n".join("W N1 N2 N3 R".split()[s] for s in night.stages))
    res = jd.score(paths["recording"], annotations=str(hyp_only), arousals="scoring")
    s = res.summary()
    assert s["plms_arousal_index"] is None and "no arousal scoring" in s["null_reasons"]["plms_arousal_index"]
    assert s["plms_nonresp_index"] is None and "no respiratory scoring" in s["null_reasons"]["plms_nonresp_index"]
    assert s["plms_index"] is not None
    assert not res.lm.arousal.any()
    assert res.info["arousal_source"] == "none" and res.detected_arousals is None


def test_results_object(sample_edf):
    res = jd.score(sample_edf)
    ev = res.events
    assert list(ev.columns) == ["onset", "duration", "label", "side", "stage", "arousal", "respiratory",
                                "series", "imi", "peak_uv", "channel", "n_bursts", "frequency_hz"]
    assert set(ev["label"]) <= {"lm", "plm", "lm_long", "hypnic_jerk", "fragmentary_myoclonus", "alma", "hft"}
    assert (ev["label"] == "hypnic_jerk").sum() == res.summary()["n_hypnic_jerks"] >= 1
    by = res.summary(by="stage")
    assert list(by.index) == ["W", "N1", "N2", "N3", "R"]
    assert by["n_plm"].sum() == res.summary()["n_plm"]
    mask = res.get_mask(100.0, "plm")
    assert mask.size == 360000 and mask.any()
    ann = res.to_annotations()
    assert len(ann) == len(ev)
    truth = json.loads(open(sample_edf.replace(".edf", "_truth.json")).read())
    assert res.compare([j["onset"] for j in truth["hypnic_jerks"]], "hypnic_jerk")["f1"] == 1.0


def test_plots(sample_edf, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = jd.score(sample_edf)
    ax = res.plot_events()
    assert "PLMS index" in ax.get_title()
    ax.figure.savefig(tmp_path / "night.png")
    ax2 = res.plot_imi()
    assert ax2.get_xscale() == "log"
    assert res.hypnogram.plot().get_yticklabels()[-1].get_text() == "W"
    plt.close("all")
    assert (tmp_path / "night.png").stat().st_size > 10_000


def test_edf_plus_d_gaps_leave_the_denominators(tmp_path):
    """A 10-min gap in an EDF+D recording is neither scored nor counted as sleep time."""
    from jerkdetect.io.edf_write import SignalSpec, write_edf
    fs = 200
    rng = np.random.default_rng(0)
    onsets = list(range(0, 600)) + list(range(1200, 1800))  # records of 1 s; 600-1200 s missing
    x = rng.standard_normal(fs * len(onsets)) * 2
    p = tmp_path / "gap.edf"
    write_edf(p, [SignalSpec("Leg L", x, fs), SignalSpec("Leg R", x, fs)], record_onsets=onsets)
    hyp = jd.Hypnogram([2] * 60)  # 30 min of N2
    res = jd.score(str(p), annotations=hyp)  # no annotation to read: pyedflib (which refuses EDF+D) is not asked
    assert res.summary()["recording_gaps_min"] == 10.0
    assert res.summary()["tst_scorable_min"] == pytest.approx(20.0)
    assert res.summary()["tst_min"] == 30.0


def test_prescored_profusion_leg_movements(tmp_path):
    """Profusion XML 'Limb Movement (Left)/(Right)' events scored into a WASM 2016 series without EMG."""
    from jerkdetect.io.edf_write import SignalSpec, write_edf
    ev = "".join(f"<ScoredEvent><Name>Limb Movement ({side})</Name><Start>{t}</Start><Duration>1.5</Duration>"
                 f"<Input>{side[0]} Leg</Input></ScoredEvent>"
                 for t, side in [(300, "Left"), (320.2, "Right"), (340, "Left"), (360, "Left"), (380, "Right"),
                                 (600, "Left")])
    ev += ("<ScoredEvent><Name>Arousal (ASDA)</Name><Start>341</Start><Duration>5</Duration><Input>C3</Input>"
           "</ScoredEvent>")
    xml = ("<?xml version='1.0'?><CMPStudyConfig><EpochLength>30</EpochLength>"
           "<ScoredEventSettings><ScoredEventSetting><Name>Arousal (ASDA)</Name></ScoredEventSetting>"
           "</ScoredEventSettings>"
           f"<ScoredEvents>{ev}</ScoredEvents><SleepStages>" + "<SleepStage>2</SleepStage>" * 40 +
           "</SleepStages></CMPStudyConfig>")
    write_edf(tmp_path / "old.edf", [SignalSpec("EEG C3-M2", np.zeros(100 * 1200), 100)])
    (tmp_path / "old.xml").write_text(xml)
    res = jd.score(str(tmp_path / "old.edf"), leg_movements="scoring")
    assert res.info["annotation_source"].endswith("old.xml")
    assert res.lm.plm.tolist() == [True] * 5 + [False]
    assert res.lm.arousal.tolist() == [False, False, True, False, False, False]
    assert res.summary()["plms_index"] == pytest.approx(5 / (1200 / 3600))
    assert res.summary()["plms_nonresp_index"] is None  # no respiratory scoring in this file


def test_notebook_paths_arrays_and_mne_raw(sim_cache):
    """Scoring from NumPy arrays and from an mne.io.Raw finds the same movements as from the EDF."""
    paths, night = sim_cache(**NIGHTS["200Hz"], **COMMON)
    from_file = jd.score(paths["recording"])
    rec = night.recording()  # arrays, µV, own rates
    from_arrays = jd.score(rec, annotations=paths["scoring"])
    assert from_arrays.compare(from_file, "lm", tolerance=0.02)["f1"] == 1.0
    assert from_arrays.summary()["plms_index"] == pytest.approx(from_file.summary()["plms_index"])
    raw = jd.Recording.from_arrays({k: v for k, v in night.signals.items() if k in ("Leg L", "Leg R", "ECG")},
                                   {k: night.fs[k] for k in ("Leg L", "Leg R", "ECG")}).to_mne()
    from_raw = jd.score(jd.Recording.from_mne(raw), annotations=night.hypnogram)
    assert from_raw.compare(from_file, "lm", tolerance=0.05)["f1"] >= 0.97


def test_compare_two_rule_sets(sample_edf):
    w = jd.score(sample_edf, rules="wasm2016")
    a = jd.score(sample_edf, rules="aasm2012")
    m = w.compare(a, "lm", tolerance=0.01)
    assert m["f1"] > 0.8  # same EMG, mostly the same movements under both rule sets
    assert w.compare(w, "plm")["f1"] == 1.0
