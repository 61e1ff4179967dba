"""Batch scoring: bad nights isolated, resumable, atomic under kill, pool == Dask."""
import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import jerkdetect as jd
from jerkdetect.io.edf_write import SignalSpec, write_edf


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Five short simulated nights, one truncated EDF, one recording without leg channels."""
    from jerkdetect.simulate import simulate_night
    d = tmp_path_factory.mktemp("cohort")
    for s in range(5):
        simulate_night(seed=30 + s, duration_h=0.5, fs_emg=200, fs_eeg=100, full_montage=False,
                       noisy_stretches_per_leg=0).write(str(d), f"night{s}")
    data = (d / "night0.edf").read_bytes()
    (d / "truncated.edf").write_bytes(data[: len(data) // 2])
    shutil.copy(d / "night0.xml", d / "truncated.xml")
    write_edf(d / "noleg.edf", [SignalSpec("EEG C3-M2", np.zeros(100 * 600), 100)])
    shutil.copy(d / "night1.xml", d / "noleg.xml")
    return d


def batch(*args):
    return subprocess.run([sys.executable, "-m", "jerkdetect", "batch", *map(str, args)],
                          capture_output=True, text=True)


def test_bad_nights_do_not_stop_the_others(cohort, tmp_path):
    p = batch(cohort, "--out", tmp_path, "--jobs", "2", "--quiet")
    assert p.returncode == 1  # some night failed
    df = pd.read_csv(tmp_path / "cohort_summary.tsv", sep="\t")
    assert sorted(df.loc[df.status == "ok", "stem"]) == [f"night{s}" for s in range(5)]
    err = pd.read_csv(tmp_path / "errors.tsv", sep="\t")
    reasons = dict(zip(err.recording.map(os.path.basename), err.error))
    assert set(reasons) == {"truncated.edf", "noleg.edf"}
    assert "truncated" in reasons["truncated.edf"] and "data records" in reasons["truncated.edf"]
    assert "no channel found for role 'leg_left'" in reasons["noleg.edf"]
    for s in range(5):
        assert (tmp_path / f"night{s}_events.tsv").exists()
        summary = json.loads((tmp_path / f"night{s}_summary.json").read_text())
        assert summary["rules"]["name"] == "wasm2016" and "batch" in summary
        assert (tmp_path / f"night{s}_bids_events.json").exists()
        assert len(__import__("mne").read_annotations(tmp_path / f"night{s}_scored.edf")) > 0
    assert (tmp_path / "batch.log").read_text().count(": ok") == 5
    # rerun: nothing new is scored, files untouched
    mtimes = {f: os.path.getmtime(tmp_path / f) for f in os.listdir(tmp_path) if f.endswith("_summary.json")}
    p2 = batch(cohort, "--out", tmp_path, "--jobs", "2", "--quiet")
    df2 = pd.read_csv(tmp_path / "cohort_summary.tsv", sep="\t")
    assert (df2.loc[df2.stem.str.startswith("night"), "status"] == "skipped").all()
    assert mtimes == {f: os.path.getmtime(tmp_path / f) for f in mtimes}
    assert "0 scored, 5 already complete, 2 failed" in p2.stderr
    # a changed parameter rescores everything
    batch(cohort, "--out", tmp_path, "--jobs", "2", "--quiet", "--param", "max_imi_s=100")
    df3 = pd.read_csv(tmp_path / "cohort_summary.tsv", sep="\t")
    assert (df3.loc[df3.stem.str.startswith("night"), "status"] == "ok").all()
    assert json.loads((tmp_path / "night0_summary.json").read_text())["rules"]["max_imi_s"] == 100


def test_killed_run_resumes_to_complete_correct_outputs(cohort, tmp_path):
    good = tmp_path / "in"
    good.mkdir()
    for s in range(5):
        for ext in (".edf", ".xml"):
            shutil.copy(cohort / f"night{s}{ext}", good / f"night{s}{ext}")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "jerkdetect", "batch", str(good), "--out", str(out),
                             "--jobs", "1", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def finished():  # temporary files (".tmp-...") are not outputs
        return [f for f in os.listdir(out) if f.endswith("_summary.json") and not f.startswith(".tmp-")] \
            if out.exists() else []

    t0 = time.time()
    while time.time() - t0 < 120 and not finished():
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = len(finished())
    assert 1 <= done_at_kill < 5, "the kill did not land mid-run"
    p = batch(good, "--out", out, "--jobs", "1", "--quiet")
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(out / "cohort_summary.tsv", sep="\t")
    assert (df.status == "skipped").sum() == done_at_kill and (df.status == "ok").sum() == 5 - done_at_kill
    assert not [f for f in os.listdir(out) if f.startswith(".tmp-")]
    for s in range(5):  # every night's outputs equal a fresh scoring
        fresh = jd.score(str(good / f"night{s}.edf"))
        assert (out / f"night{s}_events.tsv").read_text() == fresh.events_tsv()
        assert json.loads((out / f"night{s}_summary.json").read_text())["plms_index"] == fresh.summary()["plms_index"]


def test_process_pool_and_dask_give_identical_files(cohort, tmp_path):
    pytest.importorskip("dask.distributed")
    a, b = tmp_path / "pool", tmp_path / "dask"
    df_a = jd.score_many([str(cohort)], str(a), jobs=2)
    df_b = jd.score_many([str(cohort)], str(b), dask_local=2)
    pd.testing.assert_frame_equal(df_a.drop(columns="seconds"), df_b.drop(columns="seconds"))
    files = sorted(f for f in os.listdir(a) if f not in ("batch.log", "cohort_summary.parquet"))
    assert files == sorted(f for f in os.listdir(b) if f not in ("batch.log", "cohort_summary.parquet"))
    match, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(files)


def test_manifest_with_channel_overrides(tmp_path):
    fs = 200
    x = np.random.default_rng(0).standard_normal(fs * 300) * 2
    for t in (30, 60, 90, 120, 150):
        x[fs * t: fs * (t + 2)] += 40 * np.sign(np.sin(np.arange(2 * fs)))
    sub = tmp_path / "data"
    sub.mkdir()
    write_edf(sub / "a.edf", [SignalSpec("EMG3", x, fs), SignalSpec("EMG4", x * 0.5, fs)])
    (sub / "a_stages.tsv").write_text("onset\tduration\tdescription\n" + "".join(
        f"{k * 30}\t30\tN2\n" for k in range(10)))
    man = tmp_path / "manifest.csv"
    man.write_text("recording,annotations,leg_left,leg_right\ndata/a.edf,data/a_stages.tsv,EMG3,EMG4\n")
    df = jd.score_many([str(man)], str(tmp_path / "out"), jobs=1)
    assert df.status.tolist() == ["ok"]
    assert df.n_plm.tolist() == [5]
    s = json.loads((tmp_path / "out" / "a_summary.json").read_text())
    assert s["channels"]["leg_left"] == "EMG3"
