"""``jerkdetect agree`` end to end: the files' numbers against ones computed here from the
technician's known alterations and brute-force matching; bad nights; resume; --reported; Dask.

The cohort is small and short (five 40-min nights at 200 Hz) to keep CI quick; the statistics
themselves are tested more widely in test_agreement.py.
"""
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
from jerkdetect.cli import main
from jerkdetect.simulate.technician import TechnicianErrors as E, write_technician_cohort

from agreement_truth import anova_icc, counts, f1_of, greedy_overlap_pairs, tech_plms_index

pytest.importorskip("pingouin")
pytest.importorskip("matplotlib")

NIGHT = dict(duration_h=2 / 3, fs_emg=200.0, fs_eeg=100.0, full_montage=False, resp_clusters_per_hour=1.0,
             noisy_stretches_per_leg=0)
COHORT = [("a1", 51, E(), "nsrr"), ("a2", 52, E(miss_fraction=0.15), "profusion"),
          ("a3", 53, E(onset_jitter_s=0.4, extra_per_hour=6), "csv"),
          ("a4", 54, E(mislabel_leg="left"), "tsv"), ("a5", 55, E(miss_fraction=0.3, extra_per_hour=3), "nsrr")]
PLM_RATE = {"a1": 1.0, "a2": 3.0, "a3": 5.0, "a4": 6.0, "a5": 8.0}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    d = tmp_path_factory.mktemp("agree_cohort")
    written = {}
    for stem, seed, errors, fmt in COHORT:
        (w,) = write_technician_cohort(d, [(stem, seed, errors, fmt)], plm_series_per_hour=PLM_RATE[stem], **NIGHT)
        written[stem] = w
    return d, written


def run_cli(capsys, *args):
    rc = main(["agree", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def expected(written: dict, rules: str = "wasm2016") -> tuple[dict, dict]:
    """Per-night and pooled figures computed here: EMG LMs and PLMS index from jd.score, the
    technician's from its own (known) movements through the rules, brute-force overlap pairs."""
    per, tot = {}, np.zeros(3, int)
    emg_idx, tech_idx = [], []
    for stem, w in sorted(written.items()):
        res = jd.score(w["recording"], annotations=w["scoring"], rules=rules, arousals="scoring")
        a = np.column_stack([res.lm.onset, res.lm.offset])
        lm, t_index = tech_plms_index(w["tech"], w["tech"].night, rules)
        b = np.column_stack([lm.onset, lm.offset])
        c = counts(a, b, greedy_overlap_pairs(a, b))
        per[stem] = dict(tp=c[0], fp=c[1], fn=c[2], plms_index_emg=res.indices["plms_index"], plms_index_tech=t_index)
        tot += c
        emg_idx.append(res.indices["plms_index"])
        tech_idx.append(t_index)
    e, t = np.array(emg_idx), np.array(tech_idx)
    d = e - t
    icc2, ci2, _, _ = anova_icc(e, t)
    pooled = dict(tp=int(tot[0]), fp=int(tot[1]), fn=int(tot[2]), f1=f1_of(*tot), sens=tot[0] / (tot[0] + tot[2]),
                  ppv=tot[0] / (tot[0] + tot[1]), icc21=icc2, icc21_ci=ci2, bias=d.mean(),
                  loa=(d.mean() - 1.96 * d.std(ddof=1), d.mean() + 1.96 * d.std(ddof=1)),
                  diff=dict(zip(sorted(per), d)))
    return per, pooled


def strict_json(path):
    def no_nan(x):
        raise AssertionError(f"{path}: {x} in JSON")
    with open(path) as f:
        return json.loads(f.read(), parse_constant=no_nan)


def test_cli_end_to_end_numbers_equal_independent_ones(cohort, tmp_path, capsys):
    folder, written = cohort
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, folder, "--out", out, "--jobs", "2", "--quiet")  # 5 nights: a process pool
    assert rc == 0, err
    per, pooled = expected(written)
    s = strict_json(out / "agreement_summary.json")
    assert s["n_nights"] == 5 and s["rules"] == "wasm2016" and s["n_failed"] == 0
    assert (s["lm_tp"], s["lm_fp"], s["lm_fn"]) == (pooled["tp"], pooled["fp"], pooled["fn"])
    assert round(s["lm_f1"], 3) == round(pooled["f1"], 3)
    assert round(s["lm_sensitivity"], 3) == round(pooled["sens"], 3)
    assert round(s["lm_ppv"], 3) == round(pooled["ppv"], 3)
    assert round(s["plms_index_icc21"], 2) == round(pooled["icc21"], 2)
    assert np.round(s["plms_index_icc21_ci95"], 2).tolist() == np.round(pooled["icc21_ci"], 2).tolist()
    assert round(s["plms_index_bias"], 2) == round(pooled["bias"], 2)
    assert round(s["plms_index_loa_low"], 2) == round(pooled["loa"][0], 2)
    assert round(s["plms_index_loa_high"], 2) == round(pooled["loa"][1], 2)
    # the alterations show (a mislabelled leg no longer adds misses: its overlapping "one-leg" movements
    # are merged into one, issue 20)
    assert pooled["fn"] > 0 and pooled["fp"] > 0 and pooled["f1"] < 0.97
    tsv = pd.read_csv(out / "agreement_nights.tsv", sep="\t", na_values="n/a").set_index("night")
    assert sorted(tsv.index) == sorted(per)
    for stem, x in per.items():
        r = tsv.loc[stem]
        assert (r.tp, r.fp, r.fn) == (x["tp"], x["fp"], x["fn"]), stem
        assert round(r.f1, 3) == round(f1_of(x["tp"], x["fp"], x["fn"]), 3)
        assert r.plms_index_emg == pytest.approx(x["plms_index_emg"], abs=1e-4)
        assert r.plms_index_tech == pytest.approx(x["plms_index_tech"], abs=1e-4)
    # the mislabelled leg: every left movement labelled right, so the left leg never agrees
    assert tsv.loc["a4", "left_tp"] == 0 and tsv.loc["a4", "left_fn"] == 0 and tsv.loc["a4", "left_fp"] > 0
    assert "F1" in stdout and "ICC(2,1)" in stdout and "agreement_report.html" in stdout
    # the report: every night linked to its own report, sorted by |PLMS index difference|, then F1
    html = (out / "agreement_report.html").read_text()
    f1 = {k: f1_of(x["tp"], x["fp"], x["fn"]) for k, x in per.items()}
    order = sorted(per, key=lambda k: (-abs(round(pooled["diff"][k], 6)), f1[k], k))
    positions = [html.index(f'<a href="{k}_report.html">') for k in order]
    assert positions == sorted(positions)
    for k in per:
        assert (out / f"{k}_report.html").is_file() and (out / f"{k}_events.tsv").is_file()
    worst = order[0]
    assert f"<h3>{worst}</h3>" in html and html.count("data:image/png;base64") >= 2  # index plots + strips
    assert f"EMG around the disputed events of {worst}" in html  # its strips


def test_python_api_results_object(cohort, tmp_path):
    folder, written = cohort
    res = jd.agree([str(folder)], str(tmp_path), rules="aasm2012", report=False, matching="onset", tolerance_s=1.0)
    s = res.summary()
    assert s["rules"] == "aasm2012" and s["matching"]["rule"] == "onset" and s["matching"]["tolerance_s"] == 1.0
    assert not (tmp_path / "agreement_report.html").exists() and not (tmp_path / "a1_report.html").exists()
    assert list(res.table.index) == sorted(written) and res.table.loc["a1", "tp"] >= 1
    worst = res.most_disagreeing(1)[0]
    assert abs(res.table.loc[worst, "plms_index_diff"]) == res.table["plms_index_diff"].abs().max()
    from matplotlib.figure import Figure
    ax = res.plot_bland_altman("plms_index", Figure().subplots())
    assert ax.lines[0].get_ydata()[0] == pytest.approx(s["plms_index_bias"])
    res.plot_scatter("lm_index", Figure().subplots())
    with pytest.raises(KeyError, match="plms_index"):
        res.plot_scatter("no_such_index")
    assert "AgreementResults" in repr(res) and "ICC(2,1)" in repr(res)
    path = res.report(tmp_path / "again.html")
    assert os.path.getsize(path) > 10_000


def test_bad_nights_never_stop_the_others(cohort, tmp_path, capsys):
    folder, _ = cohort
    d = tmp_path / "in"
    shutil.copytree(folder, d)
    data = (d / "a1.edf").read_bytes()
    (d / "broken.edf").write_bytes(data[: len(data) // 2])       # truncated recording
    shutil.copy(d / "a1.xml", d / "broken.xml")
    shutil.copy(d / "a2.edf", d / "alone.edf")                  # no scoring file
    shutil.copy(d / "a3.edf", d / "nolm.edf")                   # scoring without leg movements
    (d / "nolm.tsv").write_text("onset\tduration\tdescription\n0\t30\tSleep stage W\n30\t30\tSleep stage N2\n")
    rc, _, err = run_cli(capsys, d, "--out", tmp_path / "out", "--jobs", "1", "--quiet", "--report", "cohort")
    assert rc == 1
    s = strict_json(tmp_path / "out" / "agreement_summary.json")
    assert s["n_nights"] == 5 and s["n_failed"] == 3 and s["nights"] == ["a1", "a2", "a3", "a4", "a5"]
    assert "truncated" in s["failed"]["broken"]
    assert "no scoring file" in s["failed"]["alone"]
    assert "holds no technician-scored leg movements" in s["failed"]["nolm"]
    errors = pd.read_csv(tmp_path / "out" / "agreement_errors.tsv", sep="\t")
    assert sorted(errors.night) == ["alone", "broken", "nolm"]
    assert "3 failed" in err and "agreement_errors.tsv" in err
    assert "Nights not compared (3)" in (tmp_path / "out" / "agreement_report.html").read_text()


def test_resume_reads_finished_nights_back_and_recomputes_only_what_changed(cohort, tmp_path):
    folder, _ = cohort
    out = tmp_path / "out"
    first = jd.agree([str(folder)], str(out), report="cohort", jobs=1)
    marks = {k: os.path.getmtime(out / f"{k}_agreement.json") for k in first.table.index}
    summary = (out / "agreement_summary.json").read_text()
    nights_tsv = (out / "agreement_nights.tsv").read_text()
    again = jd.agree([str(folder)], str(out), report="cohort", jobs=1)
    assert marks == {k: os.path.getmtime(out / f"{k}_agreement.json") for k in marks}  # nothing rescored
    assert "5 compared (5 read back)" in (out / "agree.log").read_text()
    assert (out / "agreement_nights.tsv").read_text() == nights_tsv
    assert json.loads((out / "agreement_summary.json").read_text()) == json.loads(summary)
    assert again.summary() == first.summary()
    os.remove(out / "a3_agreement.json")                      # as if the run had died on a3
    jd.agree([str(folder)], str(out), report="cohort", jobs=1)
    assert {k: os.path.getmtime(out / f"{k}_agreement.json") for k in marks if k != "a3"} == \
        {k: v for k, v in marks.items() if k != "a3"}
    assert (out / "agreement_nights.tsv").read_text() == nights_tsv
    changed = jd.agree([str(folder / "a1.edf")], str(out), report="cohort", matching="onset")  # other settings
    assert os.path.getmtime(out / "a1_agreement.json") > marks["a1"]
    assert changed.summary()["matching"]["rule"] == "onset" and changed.summary()["nights"] == ["a1"]


def test_killed_run_resumes_to_the_same_files(cohort, tmp_path):
    folder, _ = cohort
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "jerkdetect", "agree", str(folder), "--out", str(out),
                             "--jobs", "1", "--quiet", "--report", "none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finished():
        return [f for f in os.listdir(out) if f.endswith("_agreement.json") and not f.startswith(".tmp-")] \
            if out.exists() else []
    t0 = time.time()
    while time.time() - t0 < 120 and not finished():
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 1 <= len(finished()) < 5, "the kill did not land mid-run"
    assert not (out / "agreement_summary.json").exists()
    resumed = jd.agree([str(folder)], str(out), report=False, jobs=1)
    clean = jd.agree([str(folder)], str(tmp_path / "clean"), report=False, jobs=1)
    assert (out / "agreement_nights.tsv").read_text() == (tmp_path / "clean" / "agreement_nights.tsv").read_text()
    keep = ("jerkdetect_version", "libraries")
    assert {k: v for k, v in resumed.summary().items() if k not in keep} == \
        {k: v for k, v in clean.summary().items() if k not in keep}
    assert not [f for f in os.listdir(out) if f.startswith(".tmp-")]


def test_dask_gives_the_same_agreement(cohort, tmp_path):
    pytest.importorskip("dask.distributed")
    folder, _ = cohort
    two = [str(folder / "a1.edf"), str(folder / "a4.edf")]
    jd.agree(two, str(tmp_path / "local"), report=False)
    jd.agree(two, str(tmp_path / "dask"), report=False, dask_local=2)
    for f in ("agreement_nights.tsv", "a1_agreement.json", "a4_events.tsv"):
        assert (tmp_path / "local" / f).read_text() == (tmp_path / "dask" / f).read_text(), f


def test_reported_table_is_compared_and_checked(cohort, tmp_path, capsys):
    folder, _ = cohort
    lab = {"a1": 2.5, "a2": 11.0, "a3": 19.25, "a4": 30.0}  # a5: the lab reported nothing
    table = tmp_path / "lab.csv"
    table.write_text("night,plms_index\n" + "".join(f"{k},{v}\n" for k, v in lab.items()) + "a5,n/a\nzz9,4.0\n")
    with pytest.warns(UserWarning, match="zz9"):
        res = jd.agree([str(folder)], str(tmp_path / "o"), report=False, reported=str(table))
    t = res.table
    for who in ("emg", "tech"):
        r = res.summary()["indices"]["plms_index"][f"{who}_vs_file"]
        d = np.array([t.loc[k, f"plms_index_{who}"] - v for k, v in lab.items()])
        assert r["n"] == 4 and list(r["left_out"]) == ["a5"]
        assert round(r["bias"], 2) == round(d.mean(), 2) and round(r["sd_diff"], 2) == round(d.std(ddof=1), 2)
    assert t.loc["a1", "plms_index_file"] == 2.5 and pd.isna(t.loc["a5", "plms_index_file"])
    bad = tmp_path / "bad.csv"
    bad.write_text("night,plms_idx\na1,3\n")
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o2", "--reported", bad)
    assert rc == 2 and "unknown reported index column 'plms_idx'" in err and "plms_index" in err
    bad.write_text("night,plms_index\na1,three\n")
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o3", "--reported", bad)
    assert rc == 2 and "row 2, column plms_index: 'three' is not a number" in err


def test_bad_arguments_are_one_sentence(cohort, tmp_path, capsys):
    folder, _ = cohort
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o", "--param", "max_imi=3")
    assert rc == 2 and "unknown parameter 'max_imi'" in err and "max_imi_s" in err
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o", "--param", "hypnic.min_peak_uv=40")
    assert rc == 2 and "--param hypnic.min_peak_uv does not apply" in err
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o", "--param", "alma.min_hz=0.6")
    assert rc == 2 and "--param motor.alma.min_hz does not apply" in err      # never silently ignored
    rc, _, err = run_cli(capsys, folder, "--out", tmp_path / "o", "--match", "onset", "--tolerance", "-1")
    assert rc == 2 and "Matching.tolerance_s = -1.0 is invalid: it must be a number > 0" in err
    with pytest.raises(jd.JerkdetectError, match="arousals must be one of"):
        jd.agree([str(folder)], str(tmp_path / "o"), arousals="auto")


@pytest.mark.parametrize("text, message", [
    ("night,plms_index\na,1\na,2\n", "night a appears in more than one row"),
    ("stem_x,plms_index\na,1\n", "needs a 'night' column"),
    ("night,plms_index\na,-3\n", "-3 is not an index"),
    ("night,plms_index\na,inf\n", "inf is not an index"),
    ("night,plms_index,plmw\na,1,2\n", "unknown reported index column 'plmw'"),
    ("night\na\n", "no index column"),
    ("", "has no rows"),
])
def test_reported_table_errors_name_the_file_row_and_value(tmp_path, text, message):
    from jerkdetect.batch.inputs import Job
    from jerkdetect.batch.reported import read_reported
    p = tmp_path / "lab.csv"
    p.write_text(text)
    with pytest.raises(jd.JerkdetectError, match=message) as e:
        read_reported(str(p), [Job("/d/a.edf", stem="a")])
    assert str(p) in str(e.value)


def test_reported_table_names_nights_as_a_lab_would(tmp_path):
    from jerkdetect.batch.inputs import Job
    from jerkdetect.batch.reported import read_reported
    jobs = [Job("/d/S001/V1/PSG.edf", stem="S001__V1__PSG"), Job("/d/n2.edf", stem="n2")]
    p = tmp_path / "lab.csv"
    p.write_text("recording;plms_index;arousal_index\n/d/S001/V1/PSG.edf;12,5;n/a\nN2.EDF;0;7\n")  # ; and decimal ,
    assert read_reported(str(p), jobs) == {"S001__V1__PSG": {"plms_index": 12.5, "arousal_index": None},
                                           "n2": {"plms_index": 0.0, "arousal_index": 7.0}}


def test_a_cohort_where_no_night_can_be_compared_says_so(cohort, tmp_path, capsys):
    folder, _ = cohort
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(folder / "a1.edf", d / "alone.edf")  # no scoring file at all
    rc, _, err = run_cli(capsys, d, "--out", tmp_path / "out", "--quiet", "--report", "cohort")
    assert rc == 1 and "0 nights compared" in err and "1 failed" in err
    s = strict_json(tmp_path / "out" / "agreement_summary.json")
    assert s["n_nights"] == 0 and s["lm_f1"] is None and "no night could be compared" in s["null_reasons"]["lm_f1"]
    assert "Nights not compared (1)" in (tmp_path / "out" / "agreement_report.html").read_text()
