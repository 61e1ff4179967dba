"""Issue 10, batch and command line: no data loss, no orphans, clear errors, consistent exit codes."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import jerkdetect as jd
from jerkdetect.batch.guard import OutputLock
from jerkdetect.batch.inputs import Job, collect_jobs, output_stems
from jerkdetect.batch.state import clean_temporaries
from jerkdetect.cli import main
from jerkdetect.errors import InputError


def place(night, root, rel):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(night, p)
    shutil.copy(night.with_suffix(".tsv"), p.with_suffix(".tsv"))
    return p


def cli(capsys, *args):
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


# ---------------------------------------------------------------- output names
def test_lab_layouts_never_share_outputs(one_night, tmp_path):
    """S001/V1/PSG.edf vs S002/V1/PSG.edf and night01.edf vs night01.rec: four nights, four outputs."""
    src = tmp_path / "in"
    for rel in ("S001/V1/PSG.edf", "S002/V1/PSG.edf", "lab/night01.edf", "lab/night01.rec"):
        place(one_night, src, rel)
    jobs = collect_jobs([str(src)])
    assert sorted(j.stem for j in jobs) == ["S001__V1__PSG", "S002__V1__PSG", "night01_edf", "night01_rec"]
    df = jd.score_many([str(src)], str(tmp_path / "out"), jobs=1, export=False)
    assert (df.status == "ok").all() and len(df) == 4
    for _, row in df.iterrows():  # each summary holds its own night, none overwritten
        s = json.loads((tmp_path / "out" / f"{row.stem}_summary.json").read_text())
        assert s["recording"] == row.recording


def test_stems_equal_but_for_case_get_a_hash_and_job_lists_are_checked():
    a, b = output_stems(["/d/A.edf", "/d/a.edf"])
    assert a.lower() != b.lower()
    with pytest.raises(InputError, match="would both write the outputs 'X_\\*'"):
        jd.score_many([Job("/d/1/x.edf", stem="x"), Job("/d/2/x.edf", stem="X")], "/tmp/never-written", jobs=1)


def test_scoring_files_are_not_taken_for_recordings(one_night, tmp_path):
    shutil.copy(one_night, tmp_path / "SN001.edf")
    shutil.copy(one_night, tmp_path / "SN001_sleepscoring.edf")
    jobs = collect_jobs([str(tmp_path)])
    assert [os.path.basename(j.recording) for j in jobs] == ["SN001.edf"]
    assert jobs[0].annotations.endswith("SN001_sleepscoring.edf")


# ---------------------------------------------------------------- orphans, locks, temporaries
def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
                cmd = open(f"/proc/{d}/cmdline").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "spawn_main" in cmd:
                out.append(int(d))
    return out


def _running(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_exit_when_the_batch_is_killed(one_night, tmp_path):
    src = tmp_path / "in"
    for k in range(6):
        place(one_night, src, f"n{k}.edf")
    proc = subprocess.Popen([sys.executable, "-m", "jerkdetect", "batch", str(src), "--out", str(tmp_path / "out"),
                             "--jobs", "2", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers, t0 = [], time.time()
    while time.time() - t0 < 60 and len(workers) < 2 and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.02)
    assert workers, "no worker started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.time()
    while time.time() - t0 < 20 and any(_running(w) for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if _running(w)]
    for w in alive:  # clean up before failing
        os.kill(w, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived the killed batch"


def test_second_batch_on_the_same_folder_refuses(one_night, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(str(out)):
        with pytest.raises(jd.JerkdetectError, match=f"{out}: another jerkdetect batch \\(pid {os.getpid()}\\)"):
            jd.score_many([str(one_night)], str(out), jobs=1)
        rc, _, err = cli(capsys, "batch", one_night, "--out", out, "--jobs", "1", "--quiet")
        assert rc == 2 and "another jerkdetect batch" in err
    assert (jd.score_many([str(one_night)], str(out), jobs=1, export=False).status == "ok").all()


def test_clean_up_never_deletes_a_live_runs_temporaries(tmp_path):
    from jerkdetect.core.atomic import temp_prefix
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = tmp_path / (temp_prefix() + "a_summary.json")
    gone = tmp_path / (temp_prefix().replace(f"-{os.getpid()}-", f"-{dead.pid}-") + "b_summary.json")
    other_fresh = tmp_path / ".tmp-zzzz-1-c_events.tsv"
    other_old = tmp_path / ".tmp-zzzz-2-d_events.tsv"
    for p in (live, gone, other_fresh, other_old):
        p.write_text("x")
    os.utime(other_old, (time.time() - 3 * 86400,) * 2)
    assert clean_temporaries(str(tmp_path)) == 2
    assert live.exists() and other_fresh.exists() and not gone.exists() and not other_old.exists()


# ---------------------------------------------------------------- clear errors, exit statuses
@pytest.mark.parametrize("make,words", [
    (lambda d: d / "emptydir", "no recordings (.edf, .bdf, .rec) found"),
    (lambda d: str(d / "*.nothing"), "no such file, folder or matching recordings"),
    (lambda d: d / "manifest.csv", "the manifest has no rows"),
])
def test_batch_with_nothing_to_score_is_a_clear_error(tmp_path, capsys, make, words):
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "manifest.csv").write_text("recording,annotations\n")
    rc, _, err = cli(capsys, "batch", make(tmp_path), "--out", tmp_path / "o")
    assert rc == 2 and words in err and "Traceback" not in err


@pytest.mark.parametrize("content,words", [
    ("recording,channels\nn.edf,leg_left\n".encode(), "row 2: the channels cell needs ROLE=LABEL pairs"),
    ("recording,channels\nn.edf,legg_left=Leg L\n".encode(), "unknown channel role 'legg_left'"),
    ("recording,channels\nnuit_été.edf,\n".encode("latin-1"), "the manifest is not UTF-8 text"),
    (b"path\n\n", "the manifest has no rows"),
    ("file,annotations\nn.edf,\n".encode(), "the manifest needs a 'recording' column"),
])
def test_bad_manifests_are_clear_errors(one_night, tmp_path, capsys, content, words):
    shutil.copy(one_night, tmp_path / "n.edf")
    (tmp_path / "manifest.csv").write_bytes(content)
    rc, _, err = cli(capsys, "batch", tmp_path / "manifest.csv", "--out", tmp_path / "o")
    assert rc == 2 and words in err, err


def test_missing_recording_in_a_manifest_is_named(one_night, tmp_path, capsys):
    shutil.copy(one_night, tmp_path / "n.edf")
    shutil.copy(one_night.with_suffix(".tsv"), tmp_path / "n.tsv")
    (tmp_path / "manifest.csv").write_text("recording\nn.edf\nmissing.edf\n")
    rc, _, err = cli(capsys, "batch", tmp_path / "manifest.csv", "--out", tmp_path / "o", "--jobs", "1", "--quiet")
    assert rc == 1 and "1 failed" in err
    errs = pd.read_csv(tmp_path / "o" / "errors.tsv", sep="\t")
    assert errs.error.tolist() == [f"{tmp_path / 'missing.edf'}: recording not found."]


def test_missing_dask_extra_is_a_clear_error(one_night, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    with pytest.raises(jd.JerkdetectError, match="pip install 'jerkdetect\\[dask\\]'"):
        jd.score_many([str(one_night)], str(tmp_path / "o"), dask_local=1)
    rc, _, err = cli(capsys, "batch", one_night, "--out", tmp_path / "o2", "--dask-local", "1")
    assert rc == 2 and "jerkdetect[dask]" in err


def test_info_into_a_closed_pipe_is_quiet(sample_edf):
    p = subprocess.Popen([sys.executable, "-m", "jerkdetect", "info", sample_edf], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()  # like `| head -1` exiting before jerkdetect writes
    err = p.stderr.read().decode()
    assert p.wait() == 0 and "Traceback" not in err and "BrokenPipeError" not in err, err


@pytest.mark.parametrize("args,words", [
    (["--channel", "leg_left"], "--channel takes ROLE=LABEL"),
    (["--channel", "leg_lft=Leg L"], "unknown channel role 'leg_lft'; valid names (closest first): leg_left"),
    (["--param", "max_imi=100"], "unknown parameter 'max_imi'; valid names (closest first): max_imi_s"),
    (["--param", "max_imi_s=fast"], "--param max_imi_s takes a number"),
    (["--param", "max_imi_s=nan"], "must be a finite number"),
])
def test_usage_errors_exit_2(one_night, tmp_path, capsys, args, words):
    rc, _, err = cli(capsys, "score", one_night, "--out", tmp_path, *args)
    assert rc == 2 and words in err, err
    if "--param" in args:  # the batch refuses the typo before scoring any night
        rc, _, err = cli(capsys, "batch", one_night, "--out", tmp_path / "b", *args)
        assert rc == 2 and words in err


def test_input_errors_exit_2(one_night, tmp_path, capsys):
    rc, _, err = cli(capsys, "score", tmp_path / "nope.edf", "--out", tmp_path)
    assert rc == 2 and "cannot be opened" in err
    (tmp_path / "afile").write_text("x")
    rc, _, err = cli(capsys, "score", one_night, "--out", tmp_path / "afile")
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err
