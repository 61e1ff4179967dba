"""The second blind EEG arousal generator (benchmarks/_blind_eeg2.py) and its hook in the runner.

Its nights are a held-out benchmark's ground truth: the arousals must be what the AASM rule scores
(>= 3 s, after >= 10 s of stable sleep, in R with a chin EMG rise >= 1 s), the look-alikes must not
be, the files must say what the truth says and jerkdetect must read them as an NSRR night.
"""
from __future__ import annotations

import json
import os
import shutil
import sys

import numpy as np
import pytest

pyedflib = pytest.importorskip("pyedflib")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import _blind_eeg2 as gen  # noqa: E402
import bench_arousals_blind as bench  # noqa: E402
from _blind_checks import assert_aasm_arousals, assert_seeded  # noqa: E402


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    d = tmp_path_factory.mktemp("blind2")
    truth = gen.make_night(21, 1.0, "ordinary", str(d), "n")
    return str(d / "n"), truth


def test_same_seed_same_files_other_seed_other_night(tmp_path, night):
    assert_seeded(gen, 21, night, tmp_path)


def test_truth_arousals_are_what_the_aasm_rule_scores(night):
    _, tr = night
    assert {"leg_movement", "spontaneous"} <= {a["cause"] for a in tr["arousals"]}
    assert_aasm_arousals(tr, gen.SLEEP, 15.0, contrast=(4.0, 8.0))  # ordinary family
    for a in tr["arousals"]:
        on, end = a["onset"], a["onset"] + a["duration"]
        if a["stage"] == "R":  # chin EMG increase >= 1 s within the arousal
            assert a["chin"] and a["chin_dur"] >= 1.0
            assert on <= a["chin_on"] and a["chin_on"] + a["chin_dur"] <= end + 1e-6
    # an arousal caused by a leg movement overlaps it (AASM association); no other LM comes within 0.5 s
    lms = np.array([[m["onset"], m["onset"] + m["duration"]] for m in tr["leg_movements"]])
    for a in tr["arousals"]:
        near = (lms[:, 0] < a["onset"] + a["duration"] + 0.5) & (lms[:, 1] > a["onset"] - 0.5)
        assert near.any() == (a["cause"] == "leg_movement"), a


def test_look_alikes_are_not_arousals(night):
    _, tr = night
    iv = np.array([[a["onset"] - 10, a["onset"] + a["duration"]] for a in tr["arousals"]])
    kinds = {e["kind"] for e in tr["distractors"]}
    assert {"intrusion", "spindle", "k_complex"} <= kinds
    for e in tr["distractors"]:
        if e["kind"] == "intrusion":
            assert 1.0 <= e["duration"] < 3.0
            assert tr["stages"][int(e["onset"] // 30)] in gen.SLEEP
        a, b = e["onset"], e["onset"] + e["duration"]
        if e["kind"] in ("intrusion", "rem_alpha_no_chin", "movement_artefact"):  # not in the 10 s before either
            assert not np.any((iv[:, 0] < b) & (iv[:, 1] > a)), e
        if e["kind"] in ("spindle", "spindle_train", "k_complex", "sawtooth"):  # may precede, never inside
            assert not np.any((iv[:, 0] + 10 < b) & (iv[:, 1] > a)), e


@pytest.mark.parametrize("generator", [1, 2, 3])
def test_files_carry_the_truth(generator, tmp_path):
    """Each blind generator, through the runner's cache: the files say what the truth says, and a
    copy that disagrees is caught."""
    (stem, tr), = bench.nights(seed=5, n=1, hours=0.5, folder=str(tmp_path), generator=generator)
    assert bench.night_file_problems(stem, tr, generator) == []
    assert bench.nights(seed=5, n=1, hours=0.5, folder=str(tmp_path), generator=generator)[0][1] == tr  # cached
    copy = str(tmp_path / "copy")
    for sfx in (".edf",) + bench.xml_suffixes(generator):
        shutil.copy(stem + sfx, copy + sfx)
    with open(copy + ".edf", "r+b") as f:
        f.seek(256 + 16 * len(tr["eeg_labels"]))
        f.write(b"Chin-broken     ")
    assert [p for p in bench.night_file_problems(copy, tr, generator) if "labels" in p]

def test_the_eeg_shows_the_arousals(night):
    stem, tr = night
    pw, step = bench.band_power(stem + ".edf", tr["eeg_labels"])
    ratios = bench.power_ratios(tr, pw, step)
    assert np.median(ratios) > 4.0  # ordinary: alpha/beta amplitude 4-8x, 8-30 Hz power several-fold


def test_jerkdetect_reads_the_night(night):
    import jerkdetect as jd
    stem, tr = night
    r = jd.score(stem + ".edf", annotations=stem + gen.XML_NOAR, arousals="detect", rules="aasm2012")
    assert len(r.events) > 0  # the tibialis bursts are found as leg movements
    s = jd.score(stem + ".edf", annotations=stem + gen.XML_AR, arousals="scoring", rules="aasm2012")
    want = np.array([[a["onset"], a["duration"]] for a in tr["arousals"]])
    assert np.allclose(np.asarray(s.scored_arousals, float).reshape(-1, 2), want, atol=1e-3)


def test_runner_uses_the_second_generator(tmp_path):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    out = tmp_path / "r.json"
    bench.main(["--generator", "2", "--src", src, "--nights", "1", "--hours", "0.5", "--seed", "3",
                "--data", str(tmp_path), "--json", str(out)])
    res = json.loads(out.read_text())
    row = res["per_night"][0]
    truth = json.load(open(tmp_path / "blind2_s3_n0_0.5h_truth.json"))
    assert truth["gen_version"] == gen.GEN_VERSION
    assert row["n_true"] == len(truth["arousals"]) == row["tp"] + row["fn"]
    assert row["n_det"] == row["tp"] + row["fp"]
