"""Issue 20 (part B): parameters checked where they enter, arrays that would read as scorable,
results without NaN, and a night's files written all or nothing with errors naming the file."""
import errno
import json
import math
import os
from dataclasses import fields, replace

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.batch.inputs import Job
from jerkdetect.batch.worker import score_job
from jerkdetect.cli import main
from jerkdetect.core.params import limits_of
from jerkdetect.detection import ArousalParams, DetectionParams
from jerkdetect.errors import ChannelError, InputError, OutputError
from jerkdetect.rules import AASM2012, WASM2016, HypnicJerkRule
from jerkdetect.rules.motor_events import MotorRules
from jerkdetect.rules.rhythmic_leg import ALMARule, HFTRule

PARAM_CLASSES = [DetectionParams, ArousalParams, AASM2012, WASM2016, HypnicJerkRule, MotorRules, ALMARule, HFTRule,
                 *(type(getattr(MotorRules(), n)) for n in ("fragmentary_myoclonus", "rem", "atonia_index"))]


def _numeric_fields():
    for cls in PARAM_CLASSES:
        lim = limits_of(cls)
        for f in fields(cls):
            if f.name != "name" and lim[f.name].kind in ("number", "whole"):
                yield cls, f.name


NUMERIC = list(_numeric_fields())


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize("cls", PARAM_CLASSES, ids=lambda c: c.__name__)
def test_every_parameter_declares_its_range_and_the_defaults_lie_in_it(cls):
    lim = limits_of(cls)
    missing = [f.name for f in fields(cls) if f.name != "name" and f.name not in lim]
    assert not missing
    cls()  # the published defaults pass their own checks


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1, 1e30, "8", True, None])
@pytest.mark.parametrize("cls,name", NUMERIC, ids=[f"{c.__name__}.{n}" for c, n in NUMERIC])
def test_a_nasty_number_is_refused_naming_the_parameter_value_and_range(cls, name, value):
    lim = limits_of(cls)[name]
    if value is None and lim.none:
        return  # notch=None: no notch, a legal value
    with pytest.raises(InputError) as e:
        cls(**{name: value})
    msg = str(e.value)
    assert f"{cls.__name__}.{name} = {value!r}" in msg and "it must be" in msg and msg.endswith(".")


@pytest.mark.parametrize("cls,name", [(DetectionParams, "band"), *((ArousalParams, f"{b}_band") for b in
                                      ("delta", "theta", "alpha", "sigma", "beta", "muscle"))])
def test_a_swapped_or_empty_band_is_refused(cls, name):
    lo, hi = getattr(cls(), name)
    for bad in ((hi, lo), (lo, lo), (lo, math.nan), [lo, hi], (lo,)):
        with pytest.raises(InputError, match=f"{cls.__name__}.{name}"):
            cls(**{name: bad})


def test_whole_numbers_refuse_fractions_and_ordered_pairs_their_order():
    with pytest.raises(InputError, match="min_series = 4.5 is invalid: it must be a whole number"):
        WASM2016(min_series=4.5)
    with pytest.raises(InputError, match=r"min_imi_s \(100.0\) must be below max_imi_s \(90.0\)"):
        AASM2012(min_imi_s=100)
    with pytest.raises(InputError, match="offset_uv"):
        DetectionParams(offset_uv=9.0)  # the offset level above the 8-µV onset level
    with pytest.raises(InputError, match="brief_muscles"):
        HypnicJerkRule(brief_muscles=("leftt",))
    assert WASM2016(min_series=np.int64(5)).min_series == 5  # a NumPy integer is a whole number


@pytest.mark.parametrize("kw,where", [({"max_imi_s": math.nan}, "WASM2016.max_imi_s = nan"),
                                      ({"rule_params": {"min_imi_s": -1}}, "WASM2016.min_imi_s = -1"),
                                      ({"detection": "fast"}, "score(detection=...) takes a DetectionParams"),
                                      ({"hypnic": {"min_peak_uv": 3}}, "score(hypnic=...) takes a HypnicJerkRule"),
                                      ({"motor": {"alma.min_hz": 0}}, "ALMARule.min_hz = 0")])
def test_score_refuses_bad_parameters_before_scoring(kw, where):
    """The issue's max_imi_s=nan gave a PLMS index of 0.0 and NaN in the summary JSON."""
    with pytest.raises(InputError) as e:
        jd.score(jd.sample_path(), **kw)
    assert where in str(e.value)


def test_the_issue_cases_are_refused_where_they_enter():
    with pytest.raises(InputError, match="block_s = 0 is invalid: it must be a number > 0"):
        DetectionParams(block_s=0)  # was a ZeroDivisionError deep in detection
    with pytest.raises(InputError, match="onset_uv = -1"):
        DetectionParams(onset_uv=-1)  # was accepted, and found nothing
    with pytest.raises(InputError, match=r"band = \(100, 10\)"):
        DetectionParams(band=(100, 10))
    with pytest.raises(InputError, match="onset_uv"):
        replace(DetectionParams(), onset_uv=math.inf)  # dataclasses.replace checks too


@pytest.mark.parametrize("param", ["block_s=0", "max_imi_s=1e30", "alma.min_hz=5", "rules.min_series=1",
                                   "notch=-50", "band=100,10"])
def test_cli_param_out_of_range_exits_2_naming_it(capsys, tmp_path, param):
    rc = main(["score", jd.sample_path(), "--out", str(tmp_path), "--param", param, "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and ("it must be" in err or "must be below" in err), err
    assert param.split("=")[0].split(".")[-1] in err
    assert not os.listdir(tmp_path)


def test_annotations_of_a_wrong_type_name_the_accepted_types():
    with pytest.raises(InputError, match="takes a scoring-file path, a Scoring, a Hypnogram, a yasa.Hypnogram or "
                                         r"None, got int \(5\)"):
        jd.score(jd.sample_path(), annotations=5)


# ---------------------------------------------------------------- arrays
FS = 256


def _legs(seconds_left, seconds_right, value=None):
    rng = np.random.default_rng(0)
    def one(s):
        return np.full(FS * s, value, float) if value is not None else rng.normal(0, 2.0, FS * s)
    return jd.Recording.from_arrays({"Leg L": one(seconds_left), "Leg R": one(seconds_right)}, FS)


def test_legs_of_different_lengths_are_refused():
    """A shorter leg used to count its missing time as scorable sleep without movements."""
    with pytest.raises(ChannelError, match=r"'Leg R' \(leg_right\) lasts 600.00 s but 'Leg L' \(leg_left\) lasts "
                                           r"1200.00 s; .*pad the shorter one with NaN"):
        jd.score(_legs(1200, 600), annotations=jd.Hypnogram([2] * 40))


def test_a_flat_night_gives_null_indices_with_the_reason_not_zero():
    """A constant (flat) leg EMG all night is lead-off: seconds of it are left as scorable, and
    the indices used to read 0.0 /h over 0.09 s of sleep."""
    res = jd.score(_legs(1800, 1800, value=5.0), annotations=jd.Hypnogram([2] * 60))
    s = res.summary()
    assert s["tst_scorable_min"] < 0.1
    for k in ("plms_index", "lm_index"):
        assert s[k] is None
        assert "of scorable sleep" in s["null_reasons"][k] and "1-min minimum" in s["null_reasons"][k]
    assert [k for *_, k in res.info["unscorable_stretches"]["leg_left"]] == ["flat"]


def test_a_night_with_enough_scorable_sleep_keeps_its_rate():
    res = jd.score(_legs(120, 120), annotations=jd.Hypnogram([2] * 4))
    s = res.summary()
    assert s["tst_scorable_min"] >= 1 and s["plms_index"] is not None and s["lm_index"] is not None


# ---------------------------------------------------------------- results never hold NaN
@pytest.fixture(scope="module")
def sample_result():
    return jd.score(jd.sample_path())


def _strict(text):
    def refuse(c):
        raise ValueError(f"{c} in strict JSON")
    return json.loads(text, parse_constant=refuse)


def test_summary_json_is_strict_and_a_nan_can_never_be_written(sample_result, tmp_path):
    paths = sample_result.write(str(tmp_path / "ok"), "n")
    _strict(open(paths["summary"]).read())
    bad = replace(sample_result, indices={**sample_result.indices, "plms_index": math.nan})
    with pytest.raises(ValueError, match="not JSON compliant"):
        bad.write(str(tmp_path / "bad"), "n")
    assert not (tmp_path / "bad").exists()  # nothing of the night is written


def test_no_result_value_is_nan_or_infinite(sample_result):
    def walk(v):
        if isinstance(v, float):
            assert math.isfinite(v)
        elif isinstance(v, dict):
            [walk(x) for x in v.values()]
        elif isinstance(v, (list, tuple)):
            [walk(x) for x in v]
    walk(sample_result.summary())
    walk(sample_result.by_stage)


# ---------------------------------------------------------------- outputs all or nothing
OUTPUTS = ["events.tsv", "summary.json", "rem_epochs.tsv", "bids_events.tsv", "bids_events.json", "scored.edf"]


def _fail_fsync(monkeypatch, suffix, code=errno.ENOSPC):
    """os.fsync raises ``code`` for the file whose name ends with ``suffix`` (disk full on that file)."""
    real = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith(suffix):
            raise OSError(code, os.strerror(code))
        return real(fd)
    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see which file is written")
@pytest.mark.parametrize("which", OUTPUTS)
def test_disk_full_at_any_output_leaves_nothing_and_names_the_file(sample_result, tmp_path, monkeypatch, which):
    _fail_fsync(monkeypatch, "n_" + which)
    with pytest.raises(OutputError) as e:
        sample_result.write(str(tmp_path), "n", export=True)
    assert str(e.value) == f"cannot write {tmp_path / ('n_' + which)}: No space left on device (the disk is full)."
    assert e.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def test_a_failed_night_leaves_its_earlier_complete_files_untouched(sample_result, tmp_path, monkeypatch):
    sample_result.write(str(tmp_path), "n", export=True)
    before = {f: open(tmp_path / f, "rb").read() for f in os.listdir(tmp_path)}
    _fail_fsync(monkeypatch, "n_summary.json")
    with pytest.raises(OutputError):
        sample_result.write(str(tmp_path), "n", export=True)
    assert {f: open(tmp_path / f, "rb").read() for f in os.listdir(tmp_path)} == before


def test_a_rename_failing_half_way_leaves_no_mixed_set(sample_result, tmp_path, monkeypatch):
    """The folder turns read-only between renames: new events beside an old summary would read as
    one complete night, so every file of the set goes."""
    sample_result.write(str(tmp_path), "n", export=True)
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith("n_summary.json"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), src, dst)
        return real(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match=f"cannot write {tmp_path / 'n_summary.json'}: Read-only file system"):
        sample_result.write(str(tmp_path), "n", export=True)
    assert os.listdir(tmp_path) == []


def test_no_permission_names_the_output_not_the_temporary(sample_result, tmp_path, monkeypatch):
    import tempfile

    def mkstemp(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(k["dir"], ".tmp-1234-5-xyz"))
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(OutputError) as e:
        sample_result.write(str(tmp_path), "n")
    msg = str(e.value)
    assert ".tmp-" not in msg and msg.startswith(f"cannot write {tmp_path}{os.sep}n_") and "(no permission" in msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_read_only_folder(sample_result, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=f"cannot write {out}{os.sep}n_.*Permission denied"):
            sample_result.write(str(out), "n")
        assert os.listdir(out) == []
    finally:
        out.chmod(0o755)


def test_cli_disk_full_names_the_file_and_leaves_nothing(capsys, tmp_path, monkeypatch):
    """The issue: 'error: : No space left on device.' and *_bids_events.* left without a summary."""
    _fail_fsync(monkeypatch, "_summary.json")
    rc = main(["score", jd.sample_path(), "--out", str(tmp_path), "--export", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"cannot write {tmp_path}{os.sep}" in err and "_summary.json: No space left on device" in err
    assert os.listdir(tmp_path) == []


def test_batch_night_that_cannot_be_written_leaves_no_file_not_even_its_report(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    _fail_fsync(monkeypatch, "night_events.tsv")
    job = Job(jd.sample_path(), stem="night")
    row = score_job(job, str(tmp_path), {"rules": "wasm2016", "report": True}, export=True)
    assert row["status"] == "failed"
    assert row["error"] == f"cannot write {tmp_path / 'night_events.tsv'}: No space left on device (the disk is full)."
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- annotations only
def test_annotations_only_recording_says_no_signal_channels(tmp_path):
    from jerkdetect.io.edf_write import write_edf
    p = tmp_path / "ann.edf"
    write_edf(str(p), [], None, [(0.0, 30.0, "Sleep stage W")], n_records=60)
    with pytest.raises(ChannelError) as e:
        jd.score(str(p))
    assert "no signal channels" in str(e.value) and "channels present:  " not in str(e.value)
    with pytest.raises(ChannelError, match="no signal channels"):
        jd.score(str(p), channels={"leg_left": "X"})


def test_a_band_above_the_recordings_rate_is_refused_naming_the_channel():
    """Legal in itself, band=(300, 400) on 200-Hz EMG high-passes above what the channel holds."""
    with pytest.raises(InputError, match=r"band = \(300.0, 400.0\) starts at or above 0.45 x the 200-Hz rate of "
                                         r"channel 'Leg L' \(leg_left\)"):
        jd.score(jd.sample_path(), detection=DetectionParams(band=(300, 400)))
