"""The command line explains itself (issue 19, item 5): help for every option with its default, examples,
help from the bare command, ``score`` into the current folder, every parameter settable and listed."""
import argparse
import json
import subprocess
import sys

import pytest

from jerkdetect.cli import build_parser, main
from jerkdetect.errors import InputError

SUBCOMMANDS = ("info", "score", "batch", "simulate", "params")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "jerkdetect", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def _subparsers(parser):
    act = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return act.choices


def test_every_subcommand_and_option_has_help():
    subs = _subparsers(build_parser())
    assert set(SUBCOMMANDS) <= set(subs)
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, sp in subs.items() for a in sp._actions
               if not isinstance(a, argparse._HelpAction) and not (a.help or "").strip()]
    assert not missing, missing


@pytest.mark.parametrize("cmd,shown", [
    ("score", ["(default: wasm2016)", "(default: auto)", "(default: the current folder)"]),
    ("batch", ["(default: wasm2016)", "(default: the cores available)"]),
    ("simulate", ["(default: 0)", "(default: 8.0)", "(default: 512.0)", "(default: uV)"]),
])
def test_help_shows_defaults_and_examples(cmd, shown):
    p = run(cmd, "--help")
    assert p.returncode == 0
    text = " ".join(p.stdout.split())
    for s in shown:
        assert s in text, (s, p.stdout)
    assert "examples:" in p.stdout and f"jerkdetect {cmd}" in p.stdout.split("examples:")[1]


@pytest.mark.parametrize("cmd", ["info", "params"])
def test_every_subcommand_has_examples(cmd):
    p = run(cmd, "--help")
    assert p.returncode == 0 and "examples:" in p.stdout


def test_bare_command_prints_help_and_exits_0():
    p = run()
    assert p.returncode == 0
    for cmd in SUBCOMMANDS:
        assert cmd in p.stdout
    assert "usage: jerkdetect" in p.stdout and "examples:" in p.stdout and not p.stderr


def test_score_writes_into_the_current_folder_by_default(one_night, tmp_path):
    p = run("score", one_night, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "n_events.tsv").is_file() and (tmp_path / "n_summary.json").is_file()


def test_param_sets_detection_rule_and_hypnic_parameters(one_night, tmp_path, capsys):
    rc = main(["score", str(one_night), "--out", str(tmp_path), "--quiet", "--param", "onset_uv=10",
               "--param", "min_imi_s=15", "--param", "detection.quiet_s=0.6", "--param", "band=20,150",
               "--param", "notch=none", "--param", "ecg_removal=false", "--param", "min_peak_uv=45",
               "--param", "min_series=5"])
    assert rc == 0, capsys.readouterr().err
    s = json.loads((tmp_path / "n_summary.json").read_text())
    d, r, h = s["detection"], s["rules"], s["hypnic_jerk_rule"]
    assert d["onset_uv"] == 10 and d["quiet_s"] == 0.6 and d["band"] == [20, 150] and d["notch"] is None
    assert d["ecg_removal"] is False and r["min_imi_s"] == 15 and r["min_series"] == 5 and h["min_peak_uv"] == 45
    assert isinstance(r["min_series"], int)


def test_param_sets_arousal_detector_parameters(tmp_path, capsys, sample_edf):
    rc = main(["score", sample_edf, "--out", str(tmp_path), "--quiet", "--arousals", "detect",
               "--param", "on_ratio=3.5", "--param", "arousal.min_duration_s=4"])
    assert rc == 0, capsys.readouterr().err
    s = json.loads((tmp_path / "sample_night_summary.json").read_text())
    p = s["arousal_detection"]["params"]
    assert p["on_ratio"] == 3.5 and p["min_duration_s"] == 4


@pytest.mark.parametrize("args,words", [
    (["--param", "max_imi=100"], "unknown parameter 'max_imi'; valid names (closest first): max_imi_s"),
    (["--param", "onset_u=9"], "valid names (closest first): onset_uv"),
    (["--param", "max_imi_s=fast"], "--param max_imi_s takes a number"),
    (["--param", "min_series=3.5"], "--param min_series takes a whole number"),
    (["--param", "ecg_removal=maybe"], "--param ecg_removal takes true or false"),
    (["--param", "band=20"], "--param band takes 2 numbers separated by commas"),
    (["--param", "max_imi_s"], "--param takes NAME=VALUE"),
    (["--param", "rules.onset_uv=9"], "'onset_uv' is not a rules parameter"),
    (["--param", "bilateral_gap_s=1", "--rules", "aasm2012"], "a wasm2016 parameter, not one of aasm2012"),
])
def test_param_errors(one_night, tmp_path, capsys, args, words):
    rc = main(["score", str(one_night), "--out", str(tmp_path), *args])
    assert rc == 2 and words in capsys.readouterr().err


def test_an_ambiguous_name_must_be_qualified(monkeypatch):
    """Were a name in two groups, the bare name is refused and the qualified ones work."""
    from jerkdetect.cli import params
    groups = dict(params.groups("wasm2016"))
    monkeypatch.setattr(params, "groups", lambda rules: {**groups, "arousal": (groups["arousal"][0],
                                                                               groups["arousal"][1] + ["onset_uv"])})
    with pytest.raises(InputError, match=r"'onset_uv' is a parameter of detection and arousal: write "
                                         r"detection.onset_uv or arousal.onset_uv"):
        params.route_params(["onset_uv=9"], "wasm2016")
    assert params.route_params(["detection.onset_uv=9"], "wasm2016")["detection"] == {"onset_uv": 9.0}


def test_no_parameter_name_is_in_two_groups():
    from jerkdetect.cli.params import groups
    for rules in ("wasm2016", "aasm2012"):
        names = [n for _, ns in groups(rules).values() for n in ns]
        assert len(names) == len(set(names))


def test_params_lists_every_parameter_with_default_unit_and_source():
    from dataclasses import fields

    from jerkdetect.detection import ArousalParams, DetectionParams
    from jerkdetect.rules import AASM2012, WASM2016, HypnicJerkRule
    p = run("params")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    header = lines[0].split("\t")
    assert header == ["group", "name", "default", "unit", "source", "what", "range"]
    rows = {tuple(r.split("\t")[:2]): r.split("\t") for r in lines[1:]}
    for group, cls in (("detection", DetectionParams), ("arousal", ArousalParams), ("hypnic", HypnicJerkRule),
                       ("rules", WASM2016), ("rules", AASM2012)):
        for f in fields(cls):
            if f.name != "name":
                assert (group, f.name) in rows, (group, f.name)
    assert rows[("rules", "min_imi_s")][2] == "wasm2016: 10; aasm2012: 5"
    assert rows[("detection", "onset_uv")][3] == "µV" and "AASM" in rows[("detection", "onset_uv")][4]
    assert rows[("rules", "max_imi_s")][3] == "s" and rows[("rules", "bilateral_gap_s")][2] == "wasm2016: 0.5"
    assert "WASM 2016" in rows[("rules", "bilateral_gap_s")][4]
    assert rows[("arousal", "on_ratio")][4] == "jerkdetect default"
    assert all(r[5] for r in rows.values())  # every parameter says what it is
    assert all(r[6] != "-" for r in rows.values())  # and the range it accepts
    assert rows[("detection", "block_s")][6] == "a number > 0 and <= 60"
    assert rows[("motor", "alma.min_bursts")][6] == "a whole number >= 2 and <= 10000"
