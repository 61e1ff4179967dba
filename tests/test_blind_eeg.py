"""The blind EEG arousal nights (benchmarks/_blind_eeg.py) and their runner's scoring.

The nights are a benchmark's ground truth: their arousals must be the ones the AASM rule scores
(>= 3 s, after >= 10 s of stable sleep, in R with a chin EMG rise >= 1 s), the look-alikes must not
be, the files must say what the truth says, and the runner's matching must count as documented.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

pyedflib = pytest.importorskip("pyedflib")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import _blind_eeg as gen  # noqa: E402
import bench_arousals_blind as bench  # noqa: E402
from _blind_checks import assert_aasm_arousals, assert_same_files, stem_in  # noqa: E402


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    d = tmp_path_factory.mktemp("blind")
    truth = gen.make_night(gen.BlindConfig(seed=11, hours=1.0, family="ordinary"), str(d), "n")
    return str(d / "n"), truth


def test_same_seed_same_files_other_seed_other_night(tmp_path, night):
    stem, truth = night
    again = gen.make_night(gen.BlindConfig(seed=11, hours=1.0, family="ordinary"), str(tmp_path), "n")
    assert_same_files(stem, stem_in(tmp_path, "n"), (".edf", ".xml", "_arousals.xml"))
    assert again["arousals"] == truth["arousals"]
    other = gen.make_night(gen.BlindConfig(seed=12, hours=0.5), str(tmp_path), "o")
    assert other["arousals"] != truth["arousals"][: len(other["arousals"])]


def test_truth_arousals_are_what_the_aasm_rule_scores(night):
    _, tr = night
    assert_aasm_arousals(tr, gen.SLEEP, 12.0)
    for a in tr["arousals"]:
        if a["stage"] == "R":  # chin EMG increase >= 1 s within the arousal
            on, end = a["onset"], a["onset"] + a["duration"]
            assert a["chin"] and a["chin_dur"] >= 1.0
            assert on <= a["chin_on"] and a["chin_on"] + a["chin_dur"] <= end + 1e-6


def test_look_alikes_are_not_arousals(night):
    _, tr = night
    iv = np.array([[a["onset"] - 10, a["onset"] + a["duration"]] for a in tr["arousals"]])
    kinds = {e["kind"] for e in tr["distractors"]}
    assert {"intrusion", "spindle", "k_complex"} <= kinds
    for e in tr["distractors"]:
        if e["kind"] == "intrusion":
            assert 1.0 <= e["duration"] < 3.0
        if e["kind"] in ("intrusion", "rem_alpha_no_chin", "movement_artefact"):
            a, b = e["onset"], e["onset"] + e["duration"]
            assert not np.any((iv[:, 0] < b) & (iv[:, 1] > a)), e


def test_the_eeg_shows_the_arousals(night):
    stem, tr = night
    pw, step = bench.band_power(stem + ".edf", tr["eeg_labels"])
    ratios = bench.power_ratios(tr, pw, step)
    # ordinary family: alpha/beta amplitude 4-8x, so 8-30 Hz power rises several-fold
    assert np.median(ratios) > 4.0


def test_overlap_matching_is_one_to_one():
    true = np.array([[10.0, 5.0], [30.0, 4.0], [60.0, 3.0]])
    det = np.array([[11.0, 1.0], [13.0, 3.0], [50.0, 3.0], [59.0, 1.5]])
    pairs = bench.match_overlap(true, det)
    assert sorted(pairs) == [(0, 1), (2, 3)]  # the larger overlap wins; 30-34 is missed
    st = bench.night_arousal_stats({"arousals": [{"onset": a, "duration": d} for a, d in true],
                                    "distractors": [], "stages": ["N2"] * 4}, det)
    assert (st["tp"], st["fp"], st["fn"]) == (2, 2, 1)
    assert bench.prf(2, 2, 1) == pytest.approx((0.5, 2 / 3, 4 / 7))


def test_link_agreement_matches_onsets_within_half_a_second():
    a = {"lm_onset": [10.0, 50.0, 90.0, 130.0], "lm_arousal": [True, False, True, False],
         "lm_plm": [True, True, False, False]}
    b = {"lm_onset": [10.3, 50.0, 91.0, 130.4], "lm_arousal": [True, True, True, False],
         "lm_plm": [True, True, False, False]}
    frac, n, plm = bench.link_agreement(a, b)
    assert n == 3 and frac == pytest.approx(2 / 3) and plm == pytest.approx(0.5)


def test_baseline_keeps_runs_of_three_seconds_in_sleep_only():
    stages = ["N2", "W"]
    pw = np.ones(120)  # 0.5-s steps over 60 s
    pw[10:15] = 10.0   # 5 windows: 3.0 s -> kept
    pw[30:34] = 10.0   # 4 windows: 2.5 s -> dropped
    pw[70:80] = 10.0   # in wake -> dropped
    ev = bench.baseline_events(pw, 0.5, stages, 3.0)
    assert ev.tolist() == [[5.0, 3.0]]


def test_runner_end_to_end(tmp_path):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    out = tmp_path / "r.json"
    bench.main(["--src", src, "--nights", "1", "--hours", "0.5", "--seed", "3", "--data", str(tmp_path),
                "--json", str(out), "--no-peer"])
    res = json.loads(out.read_text())
    assert res["peer_per_night"] == []
    row = res["per_night"][0]
    truth = json.load(open(tmp_path / "blind_s3_n0_0.5h_truth.json"))
    assert row["n_true"] == len(truth["arousals"]) == row["tp"] + row["fn"]
    assert row["n_det"] == row["tp"] + row["fp"]
    assert 0.0 <= row["links_aasm"] <= 1.0


def test_false_positives_are_named_by_what_starts_them():
    tr = {"stages": ["N2"] * 4 + ["W"], "arousals": [],
          "distractors": [{"kind": "intrusion", "onset": 10.0, "duration": 2.0},
                          {"kind": "spindle", "onset": 40.0, "duration": 1.0},
                          {"kind": "spindle", "onset": 66.0, "duration": 1.0}]}
    none = np.zeros((0, 2))
    assert bench.fp_kind(np.array([10.5, 4.0]), tr, none) == "intrusion"
    assert bench.fp_kind(np.array([35.0, 8.0]), tr, none) == "spindle inside"
    assert bench.fp_kind(np.array([65.5, 4.0]), tr, none) == "spindle"
    assert bench.fp_kind(np.array([80.0, 4.0]), tr, none) == "background"
    assert bench.fp_kind(np.array([110.0, 4.0]), tr, none) == "within 15 s of wake"
    assert bench.fp_kind(np.array([80.0, 4.0]), tr, np.array([[85.0, 5.0]])) == "next to a true arousal (split)"


def test_the_peers_arousals_go_into_a_copy_of_the_scoring_file(tmp_path, night):
    """The benchmark scores psgscoring's arousals by writing them into the night's scoring file:
    jerkdetect reads back exactly those arousals, and the same hypnogram."""
    import jerkdetect as jd
    stem, _ = night
    peer = [(125.25, 3.5), (1804.125, 7.0)]
    out = bench.write_scoring_with_arousals(stem + ".xml", peer, str(tmp_path / "peer.xml"))
    plain, copy = jd.read_scoring(stem + ".xml"), jd.read_scoring(out)
    assert not plain.has_arousals and copy.has_arousals
    np.testing.assert_allclose(np.asarray(copy.arousals, float), peer, atol=1e-9)
    assert np.array_equal(plain.hypnogram.stages, copy.hypnogram.stages)
    bad = tmp_path / "bad.xml"
    bad.write_text("<PSGAnnotation/>")
    with pytest.raises(ValueError, match="ScoredEvents"):
        bench.write_scoring_with_arousals(str(bad), peer, str(tmp_path / "x.xml"))


def test_peer_rows_end_to_end(tmp_path):
    """With psgscoring installed, the runner scores its arousals beside jerkdetect's: counts that
    add up per night, and its rows in the pooled table."""
    pytest.importorskip("psgscoring")
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    out = tmp_path / "r.json"
    bench.main(["--src", src, "--nights", "1", "--hours", "0.5", "--seed", "3", "--data", str(tmp_path),
                "--json", str(out)])
    res = json.loads(out.read_text())
    row = res["peer_per_night"][0]
    truth = json.load(open(tmp_path / "blind_s3_n0_0.5h_truth.json"))
    assert row["n_true"] == len(truth["arousals"]) == row["tp"] + row["fn"]
    assert row["n_det"] == row["tp"] + row["fp"]
    assert 0.0 <= row["links_aasm"] <= 1.0
    assert any(r["set"].startswith("psgscoring") for r in res["pooled"])
    assert list(tmp_path.glob("blind_s3_n0_0.5h_psgscoring-*.json"))  # cached beside the night
