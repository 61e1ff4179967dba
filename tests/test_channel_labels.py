"""Channel roles from the labels real systems and cohorts write (issue 19, item 3)."""
import json
import subprocess
import sys

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.errors import InputError
from jerkdetect.io.channels import (ROLES, assign_roles, check_role, closest_roles, label_table,
                                    normalise_label, role_of)
from jerkdetect.io.edf_write import SignalSpec, write_edf

# Written by hand from cohort documentation, vendor exports and the labels users reported: independent
# of channel_labels.json, so a pattern that stops matching one of them fails here.
REAL_WORLD = [
    # legs
    ("Tib-L", "leg_left"), ("TIB-L", "leg_left"), ("Tib-R", "leg_right"), ("Leg-L", "leg_left"),
    ("L-Leg", "leg_left"), ("R-Leg", "leg_right"), ("LAT1-LAT2", "leg_left"), ("RAT1-RAT2", "leg_right"),
    ("EMG L-TA", "leg_left"), ("EMG R-TA", "leg_right"), ("LLM", "leg_left"), ("RLM", "leg_right"),
    ("Tib L", "leg_left"), ("Tib_L", "leg_left"), ("LAT", "leg_left"), ("LLEG", "leg_left"),
    ("PLM l", "leg_left"), ("PLM r", "leg_right"), ("lleg", "leg_left"), ("rleg", "leg_right"),
    ("Leg L", "leg_left"), ("Leg R", "leg_right"), ("L Leg", "leg_left"), ("Left Leg", "leg_left"),
    ("Leg/R", "leg_right"), ("LLeg1-LLeg2", "leg_left"), ("EMG Tib.R", "leg_right"),
    ("TIBIALIS ANT L", "leg_left"),
    # chin
    ("EMG", "chin"), ("Chin1-Chin2", "chin"), ("EMG submental", "chin"), ("EMG chin", "chin"),
    ("cchin_l", "chin"), ("L Chin", "chin"), ("EMG1", "chin"),
    # arms (flexor digitorum superficialis, SINBAR)
    ("FDS L", "arm_left"), ("FDS R", "arm_right"), ("Arm L", "arm_left"), ("EMG Arm R", "arm_right"),
    ("larm", "arm_left"), ("rarm", "arm_right"), ("FDS", "arm_left"),
    # EEG, EOG, ECG
    ("EEG Fpz-Cz", "eeg"), ("EEG(sec)", "eeg"), ("C4-M1", "eeg"), ("C3_M2", "eeg"), ("EEG C3-CLE", "eeg"),
    ("EEG F4-M1", "eeg"), ("EOG(L)", "eog"), ("EOG-R", "eog"), ("E1-M2", "eog"), ("LOC", "eog"),
    ("EOG horizontal", "eog"), ("ECG", "ecg"), ("EKG", "ecg"), ("ECG I", "ecg"), ("ECG L", "ecg"),
    ("ECG1_2", "ecg"),
    # not a role: never guessed
    ("Leg", None), ("H.R.", None), ("Temp rectal", None), ("Heart Rate", None),
]


def test_real_world_table_is_large():
    assert len(REAL_WORLD) >= 40
    assert {r for _, r in REAL_WORLD} >= {"leg_left", "leg_right", "chin", "arm_left", "arm_right", "eeg", "eog",
                                          "ecg", None}


@pytest.mark.parametrize("label,role", REAL_WORLD)
def test_real_world_label(label, role):
    assert role_of(label) == role


@pytest.mark.parametrize("label,role,seen_in", label_table()["labels"], ids=lambda v: str(v))
def test_every_label_of_the_data_file(label, role, seen_in):
    assert role_of(label) == role, f"{label!r} ({seen_in})"
    assert role is None or role in ROLES


def test_case_and_separators_do_not_matter():
    for variant in ("tib-l", "TIB_L", "Tib.L", "tib  l", "Tib/L"):
        assert normalise_label(variant) == "tib l" and role_of(variant) == "leg_left"


def test_arm_without_a_side_takes_the_free_arm_role():
    assert assign_roles(["FDS"])["arm_left"] == ["FDS"]
    r = assign_roles(["FDS", "FDS L"])
    assert r["arm_left"] == ["FDS L"] and r["arm_right"] == ["FDS"]
    r = assign_roles(["FDS R", "FDS"])
    assert r["arm_right"] == ["FDS R"] and r["arm_left"] == ["FDS"]


def test_arm_roles_are_roles_and_read_in_uv(tmp_path):
    p = tmp_path / "arms.edf"
    x = np.random.default_rng(0).standard_normal(200 * 60) * 0.003  # millivolts, no unit
    write_edf(p, [SignalSpec("FDS L", x, 200, ""), SignalSpec("FDS R", x, 200, "")])
    with pytest.warns(UserWarning, match="suggests mV"):
        rec = jd.read_psg(p)
    assert rec.roles["arm_left"] == ["FDS L"] and rec.roles["arm_right"] == ["FDS R"]
    assert rec.channel("arm_left").unit_factor == 1e3


def test_unknown_role_suggests_the_closest_roles_first():
    assert closest_roles("leftleg")[0] == "leg_left"
    assert closest_roles("leftleg").index("leg_left") < closest_roles("leftleg").index("eeg")
    assert closest_roles("right_leg")[0] == "leg_right" and closest_roles("chn")[0] == "chin"
    with pytest.raises(InputError, match=r"--channel: unknown channel role 'leftleg'; valid names "
                                            r"\(closest first\): leg_left, "):
        check_role("leftleg", "--channel")


def _edf(tmp_path, labels, name="rec.edf"):
    fs = 200
    rng = np.random.default_rng(0)
    sigs = []
    for k, lab in enumerate(labels):
        x = rng.standard_normal(fs * 180) * 2
        if k < 2:
            for t in (30, 60, 90, 120):
                x[int(t * fs): int((t + 2) * fs)] += 40 * np.sign(np.sin(np.arange(2 * fs)))
        sigs.append(SignalSpec(lab, x, fs))
    p = tmp_path / name
    write_edf(p, sigs)
    (tmp_path / name.replace(".edf", ".tsv")).write_text(
        "onset\tduration\tdescription\n" + "".join(f"{30 * k}\t30\tN2\n" for k in range(6)))
    return p


def run(*args):
    return subprocess.run([sys.executable, "-m", "jerkdetect", *map(str, args)], capture_output=True, text=True)


def test_channel_option_ignores_case_and_separators(tmp_path):
    p = _edf(tmp_path, ["Bein links", "Bein rechts"])
    r = run("score", p, "--out", tmp_path, "--channel", "leg_left=bein-LINKS", "--channel", "leg_right=BEIN_RECHTS")
    assert r.returncode == 0, r.stderr
    s = json.loads((tmp_path / "rec_summary.json").read_text())
    assert s["channels"]["leg_left"] == "Bein links" and s["channels"]["leg_right"] == "Bein rechts"


def test_common_leg_labels_score_without_naming_them(tmp_path):
    p = _edf(tmp_path, ["Tib-L", "TIB-R"])
    res = jd.score(str(p))
    assert res.info["channels"] == {"leg_left": "Tib-L", "leg_right": "TIB-R"} and res.n_lm == 4
    rec = jd.read_psg(p, roles={"leg_left": "tib-l"})
    assert rec.channel("leg_left").label == "Tib-L"


def test_misspelt_label_lists_the_closest_labels(tmp_path):
    p = _edf(tmp_path, ["Tib-L", "TIB-R", "EEG C3-M2"])
    with pytest.raises(jd.ChannelError, match=r"Channel 'Tibb-L' given for role 'leg_left' is not in the "
                                              r"recording .*; closest labels: Tib-L, "):
        jd.read_psg(p, roles={"leg_left": "Tibb-L"})


def test_ambiguous_label_is_refused(tmp_path):
    p = _edf(tmp_path, ["Leg L", "LEG_L", "Leg R"])
    with pytest.raises(jd.ChannelError, match=r"matches several channels .*\(Leg L, LEG_L\)"):
        jd.read_psg(p, roles={"leg_left": "leg-l"})


def test_missing_leg_names_the_closest_labels_and_roles(tmp_path):
    p = _edf(tmp_path, ["EEG C3-M2", "Leg", "X1"])
    r = run("score", p, "--out", tmp_path)
    assert r.returncode == 2
    msg = r.stderr
    assert "no channel found for role 'leg_left'; channels present, closest first: Leg (no role; closest: " \
           "leg_left)" in msg
    assert "EEG C3-M2 (eeg)" in msg and "X1 (no role)" in msg and "--channel leg_left=LABEL" in msg
    assert len(msg.strip().splitlines()) == 1
