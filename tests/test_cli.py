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
                                 "series", "imi", "peak_uv", "channel", "n_bursts", "frequency_hz"]
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


def test_embedded_edf_annotations_are_used_and_named(tmp_path):
    from jerkdetect.simulate import simulate_night
    night = simulate_night(seed=8, duration_h=0.5, fs_emg=200, fs_eeg=100, full_montage=False)
    paths = night.write(str(tmp_path), "emb", scoring="none", embed_annotations=True)
    assert "scoring" not in paths
    p = run("score", paths["recording"], "--out", tmp_path)
    assert p.returncode == 0, p.stderr
    s = json.loads((tmp_path / "emb_summary.json").read_text())
    assert s["annotation_source"].endswith("emb.edf (embedded EDF+ annotations)")
    assert s["tst_min"] == night.hypnogram.tst / 60


def test_from_scoring_flag(sim_cache, tmp_path):
    from test_simulated_nights import COMMON
    paths, night = sim_cache(seed=21, include_leg_movements=True, noisy_stretches_per_leg=0,
                             fs_emg=256.0, fs_eeg=128.0, **COMMON)
    p = run("score", paths["recording"], "--out", tmp_path, "--from-scoring")
    assert p.returncode == 0, p.stderr
    s = json.loads(next(tmp_path.glob("*_summary.json")).read_text())
    assert s["leg_movement_source"] == "scoring" and s["n_lm"] > 0


def test_score_export(sample_edf, tmp_path):
    import mne
    p = run("score", sample_edf, "--out", tmp_path, "--export", "--quiet")
    assert p.returncode == 0, p.stderr
    ev = (tmp_path / "sample_night_bids_events.tsv").read_text().splitlines()
    assert ev[0].split("\t")[:3] == ["onset", "duration", "trial_type"]
    side = json.loads((tmp_path / "sample_night_bids_events.json").read_text())
    assert side["onset"]["Units"] == "s" and side["GeneratedBy"][0]["Name"] == "jerkdetect"
    ann = mne.read_annotations(tmp_path / "sample_night_scored.edf")
    assert len(ann) == len(ev) - 1


def test_the_command_freezes_its_objects_at_exit_and_main_changes_no_exit(sample_edf, tmp_path):
    """``jerkdetect`` / ``python -m jerkdetect`` exit without Python's final garbage collection
    (their objects frozen) and leave every file complete; a program that calls ``main`` keeps its
    usual exit, so an unclosed file of its own is still flushed."""
    check = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0, file=sys.stderr))\n")
    # the check is registered first, so it runs after the command's hook (atexit runs the last registered first)
    p = subprocess.run([sys.executable, "-c", check + "from jerkdetect.cli import console_main\n"
                        "sys.exit(console_main(sys.argv[1:]))\n", "score", sample_edf, "--out", tmp_path, "--quiet"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "frozen: True" in p.stderr
    events = (tmp_path / "sample_night_events.tsv").read_text()
    assert events.endswith("\n") and len(events.splitlines()) > 10
    json.loads((tmp_path / "sample_night_summary.json").read_text())
    own = tmp_path / "own.txt"
    code = (check + "from jerkdetect.cli import main\n"
            f"f = open({str(own)!r}, 'w'); f.me = f; f.write('kept line')\n"  # a cycle, never closed
            "assert main(['params']) == 0\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "frozen: False" in p.stderr
    assert own.read_text() == "kept line"
