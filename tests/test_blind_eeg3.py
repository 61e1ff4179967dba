"""The third blind EEG arousal generator (benchmarks/_blind_eeg3.py) and its hook in the runner.

Like the second, its nights are ground truth for a held-out benchmark: the arousals must be what
the AASM rule scores, the look-alikes must not be, the files must say what the truth says, the
contrast must be what the EEG shows, and jerkdetect must read them as an NSRR night.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

pyedflib = pytest.importorskip("pyedflib")
pytest.importorskip("scipy")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import _blind_eeg3 as gen  # noqa: E402
import bench_arousals_blind as bench  # noqa: E402
from _blind_checks import assert_aasm_arousals, assert_seeded  # noqa: E402


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    d = tmp_path_factory.mktemp("blind3")
    truth = gen.make_night(31, 1.0, "ordinary", str(d), "n")
    return str(d / "n"), truth


def test_same_seed_same_files_other_seed_other_night(tmp_path, night):
    assert_seeded(gen, 31, night, tmp_path)


def test_truth_arousals_are_what_the_aasm_rule_scores(night):
    _, tr = night
    assert_aasm_arousals(tr, gen.SLEEP, 15.0, contrast=(3.9, 8.1))  # ordinary family, re-measured on the EEG
    assert all(a["chin"] for a in tr["arousals"] if a["stage"] == "R")  # a chin EMG rise with every REM arousal


def test_look_alikes_are_not_arousals(night):
    _, tr = night
    iv = np.array([[a["onset"] - 10, a["onset"] + a["duration"]] for a in tr["arousals"]])
    assert {"intrusion", "spindle", "k_complex"} <= {e["kind"] for e in tr["distractors"]}
    for e in tr["distractors"]:
        a, b = e["onset"], e["onset"] + e["duration"]
        if e["kind"] == "intrusion":
            assert 1.0 <= e["duration"] < 3.0
        if e["kind"] in ("intrusion", "rem_alpha_no_chin"):  # never inside an arousal or its 10 s before
            assert not np.any((iv[:, 0] < b) & (iv[:, 1] > a)), e
        if e["kind"] == "rem_alpha_no_chin":
            assert e["duration"] >= 3.0 and not e["chin"]


def test_the_generators_own_check_passes(night):
    """Labels, rates, µV, no clipping, contrast re-measured, half-amplitude durations, XMLs."""
    stem, tr = night
    out = gen._self_check(tr, os.path.dirname(stem), os.path.basename(stem), verbose=False)
    assert out["arousals_per_h_sleep"] > 5


def test_the_eeg_shows_the_arousals(night):
    stem, tr = night
    pw, step = bench.band_power(stem + ".edf", tr["eeg_labels"])
    assert np.median(bench.power_ratios(tr, pw, step)) > 4.0  # 4-8x amplitude: 8-30 Hz power several-fold


def test_jerkdetect_reads_the_night(night):
    import jerkdetect as jd
    stem, tr = night
    assert bench.night_file_problems(stem, tr, 3) == []
    s = jd.score(stem + ".edf", annotations=stem + gen.XML_AR, arousals="scoring", rules="aasm2012")
    want = np.array([[a["onset"], a["duration"]] for a in tr["arousals"]])
    assert np.allclose(np.asarray(s.scored_arousals, float).reshape(-1, 2), want, atol=1e-3)
    assert len(s.events) > 0  # the tibialis bursts are found as leg movements


def test_runner_uses_the_third_generator(tmp_path):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    out = tmp_path / "r.json"
    bench.main(["--generator", "3", "--src", src, "--nights", "1", "--hours", "0.5", "--seed", "3",
                "--data", str(tmp_path), "--json", str(out), "--no-peer"])
    row = json.loads(out.read_text())["per_night"][0]
    truth = json.load(open(tmp_path / "blind3_s3_n0_0.5h_truth.json"))
    assert truth["gen_version"] == gen.GEN_VERSION
    assert row["n_true"] == len(truth["arousals"]) == row["tp"] + row["fn"]
    assert row["n_det"] == row["tp"] + row["fp"]
