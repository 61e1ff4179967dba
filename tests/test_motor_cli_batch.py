"""Motor events on the command line and in batch (issue 16): ``--no-motor`` and the ``motor``
parameter group, ``jerkdetect params``, the cohort table and report, and the exports."""
import json
import warnings

import pytest

from jerkdetect.cli import main
from jerkdetect.cli.params import catalogue, route_params
from jerkdetect.errors import InputError
from jerkdetect.rules.motor_events import MotorRules

MOTOR_COLUMNS = ("fm_per_h_nrem", "efm", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rai", "n_alma", "n_hft")


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """A 1-h 'mixed' motor night (RBD REM, dense FM, an ALMA and an HFT train) and a 'control'
    night at 200 Hz, each beside its NSRR XML."""
    from jerkdetect.simulate.motor import motor_night
    d = tmp_path_factory.mktemp("motor_cohort")
    for i, preset in enumerate(("mixed", "control")):
        motor_night(preset, seed=30 + i, duration_h=1.0, fs_emg=200.0).write(str(d), f"n{i}", scoring="xml")
    return d


def _tsv(path):
    lines = open(path).read().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:]]


def test_motor_parameters_route_to_their_group():
    p = route_params(["alma.min_hz=0.6", "motor.hft.stages=0,1,2,3", "exclude_rhythmic_lms=false",
                      "rem.tonic_fraction=0.6", "onset_uv=9"])
    assert p["motor"] == {"alma.min_hz": 0.6, "hft.stages": (0, 1, 2, 3), "exclude_rhythmic_lms": False,
                          "rem.tonic_fraction": 0.6}
    assert p["detection"] == {"onset_uv": 9.0}
    r = MotorRules.from_flat(p["motor"])
    got = (r.alma.min_hz, r.hft.stages, r.exclude_rhythmic_lms, r.rem.tonic_fraction)
    assert got == (0.6, (0, 1, 2, 3), False, 0.6)
    with pytest.raises(InputError, match="'min_hz' is a parameter of 2 motor rules: write alma.min_hz or hft.min_hz"):
        route_params(["min_hz=1"])                       # two motor rules have it: name the rule
    with pytest.raises(InputError, match="not a motor parameter"):
        route_params(["motor.alma.nope=1"])
    with pytest.raises(InputError, match="max_hz"):
        MotorRules.from_flat({"alma.min_hz": 5.0})       # above max_hz: the rule refuses it


def test_params_lists_every_motor_parameter():
    rows = {(r["group"], r["name"]): r for r in catalogue()}
    for name in MotorRules().flat():
        assert ("motor", name) in rows, name
        assert rows[("motor", name)]["what"] not in ("", "-"), name
    assert rows[("motor", "alma.min_hz")]["default"] == "0.5" and rows[("motor", "alma.min_hz")]["unit"] == "Hz"
    assert rows[("motor", "exclude_rhythmic_lms")]["default"] == "true"
    assert rows[("motor", "rem.sinbar_any_cutoff_pct")]["source"].startswith("SINBAR")
    assert rows[("motor", "atonia_index.reduced_below")]["source"].startswith("Ferri")


def test_score_switches_motor_off_or_sets_its_parameters(nights, tmp_path, capsys):
    edf = nights / "n0.edf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["score", str(edf), "--out", str(tmp_path / "on"), "--quiet"]) == 0
        assert main(["score", str(edf), "--out", str(tmp_path / "off"), "--quiet", "--no-motor"]) == 0
        assert main(["score", str(edf), "--out", str(tmp_path / "keep"), "--quiet",
                     "--param", "exclude_rhythmic_lms=false", "--param", "alma.min_bursts=5"]) == 0
    on, off, keep = (json.load(open(tmp_path / k / "n0_summary.json")) for k in ("on", "off", "keep"))
    assert all(on[k] is not None for k in MOTOR_COLUMNS) and on["n_lm_in_rhythmic_episodes"] > 0
    assert not any(k in off for k in MOTOR_COLUMNS) and "motor_rules" not in off
    assert not (tmp_path / "off" / "n0_rem_epochs.tsv").exists() and (tmp_path / "on" / "n0_rem_epochs.tsv").exists()
    assert keep["motor_rules"]["exclude_rhythmic_lms"] is False and keep["motor_rules"]["alma"]["min_bursts"] == 5
    assert off["n_lm"] == keep["n_lm"] > on["n_lm"]    # the LMs within the trains count only without the exclusion
    capsys.readouterr()
    assert main(["score", str(edf), "--out", str(tmp_path / "x"), "--no-motor", "--param", "alma.min_hz=0.6"]) == 2
    assert "--no-motor" in capsys.readouterr().err


def test_batch_cohort_table_report_and_exports_carry_the_motor_events(nights, tmp_path):
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["batch", str(nights), "--out", str(out), "--jobs", "1", "--quiet", "--report", "cohort"]) == 0
    rows = {r["stem"]: r for r in _tsv(out / "cohort_summary.tsv")}
    for c in MOTOR_COLUMNS + ("n_lm_in_rhythmic_episodes",):
        assert all(r[c] != "n/a" for r in rows.values()), c
    summary = json.load(open(out / "n0_summary.json"))
    assert rows["n0"]["efm"] == str(summary["efm"]).lower() and rows["n1"]["efm"] == "false"
    assert float(rows["n0"]["rai"]) == pytest.approx(summary["rai"], abs=1e-4)
    assert int(rows["n0"]["n_alma"]) == summary["n_alma"] >= 1 and int(rows["n0"]["n_hft"]) == summary["n_hft"] >= 1
    html = open(out / "cohort_report.html").read()
    assert "Motor events beyond PLM" in html and "n_lm_in_rhythmic_episodes" in html
    # exports: every X_events.tsv row, labelled alike, in the BIDS events and the EDF+ annotations
    import mne
    events = [r["label"] for r in _tsv(out / "n0_events.tsv")]
    bids = [r["trial_type"] for r in _tsv(out / "n0_bids_events.tsv")]
    ann = [d.split(" ")[0] for d in mne.read_annotations(str(out / "n0_scored.edf")).description]
    assert {"fragmentary_myoclonus", "alma", "hft"} <= set(events)
    assert sorted(bids) == sorted(events) == sorted(ann)
    levels = json.load(open(out / "n0_bids_events.json"))["trial_type"]["Levels"]
    assert {"fragmentary_myoclonus", "alma", "hft"} <= set(levels)


def test_batch_without_motor_leaves_the_columns_null(nights, tmp_path):
    out = tmp_path / "off"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["batch", str(nights), "--out", str(out), "--jobs", "1", "--quiet", "--no-motor",
                     "--no-export"]) == 0
    rows = _tsv(out / "cohort_summary.tsv")
    assert all(r[c] == "n/a" for r in rows for c in MOTOR_COLUMNS)
    assert not list(out.glob("*_rem_epochs.tsv"))
    with pytest.raises(InputError, match="unknown motor parameter"):
        from jerkdetect.batch.runner import score_many
        score_many([str(nights)], str(tmp_path / "bad"), motor={"alma.nope": 1})


def test_params_states_each_rule_sets_own_interval_range():
    """AASM 2012 counts IMIs of 5-90 s, WASM 2016 of 10-90 s: one text for both would be wrong for one."""
    rows = {(r["group"], r["name"]): r for r in catalogue()}
    row = rows[("rules", "min_imi_s")]
    assert row["default"] == "wasm2016: 10; aasm2012: 5"
    wasm, aasm = row["what"].split("; aasm2012: ")
    assert wasm.startswith("wasm2016: ") and "10-90 s" in wasm and "5-90" not in wasm
    assert "5-90 s" in aasm and "10-90" not in aasm
    # one text only where both rule sets' documentation gives the same
    assert rows[("rules", "min_sustained_s")]["what"].startswith("Besides the published limits")
    # a text from one rule set's documentation is named as that rule set's, never shown as both
    assert rows[("rules", "short_imi_opens_series")]["what"].startswith("wasm2016: ")
    assert "aasm2012" not in rows[("rules", "short_imi_opens_series")]["what"]
    lm = rows[("rules", "max_lm_s")]["what"]
    assert lm.startswith("wasm2016: ") and "; aasm2012: " in lm and "not LMs" in lm.split("; aasm2012: ")[1]
