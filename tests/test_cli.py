"""The command line as a lab pipeline uses it."""
import json
import subprocess
import sys

import numpy as np

from jerkdetect.io.edf_write import SignalSpec, write_edf


def run(*args):
    return subprocess.run([sys.executable, "-m", "jerkdetect", *map(str, args)], capture_output=True, text=True)


def test_score_writes_events_and_summary(sample_edf, tmp_path):
    p = run("score", sample_edf, "--out", tmp_path, "--rules", "aasm2012")
    assert p.returncode == 0, p.stderr
    ev = (tmp_path / "sample_night_events.tsv").read_text().splitlines()
    assert ev[0].split("\t") == ["onset", "duration", "label", "side", "stage", "arousal", "respiratory",
                                 "series", "imi", "peak_uv"]
    assert len(ev) > 10
    s = json.loads((tmp_path / "sample_night_summary.json").read_text())
    for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "periodicity_index", "lm_index",
              "n_hypnic_jerks", "rules", "detection", "channels", "annotation_source", "jerkdetect_version"):
        assert k in s
    assert s["rules"]["name"] == "aasm2012" and s["rules"]["min_imi_s"] == 5.0
    assert s["annotation_source"].endswith("sample_night.xml")
    assert s["channels"]["leg_left"] == "Leg L"


def test_channel_override(tmp_path):
    fs = 200
    x = np.random.default_rng(0).standard_normal(fs * 120) * 2
    x[fs * 30: fs * 32] += 40 * np.sign(np.sin(np.arange(2 * fs)))
    p = tmp_path / "odd.edf"
    write_edf(p, [SignalSpec("EMG3", x, fs), SignalSpec("EMG4", x * 0.5, fs)])
    (tmp_path / "odd.tsv").write_text("onset\tduration\tdescription\n0\t120\tN2\n")
    bad = run("score", p, "--out", tmp_path)
    assert bad.returncode == 2 and "no channel found for role 'leg_left'" in bad.stderr and "EMG3" in bad.stderr
    ok = run("score", p, "--out", tmp_path, "--channel", "leg_left=EMG3", "--channel", "leg_right=EMG4")
    assert ok.returncode == 0, ok.stderr
    s = json.loads((tmp_path / "odd_summary.json").read_text())
    assert s["channels"]["leg_left"] == "EMG3" and s["n_lm"] == 1


def test_info(sample_edf):
    p = run("info", sample_edf)
    assert p.returncode == 0 and "leg_left" in p.stdout and "tst_min" in p.stdout
