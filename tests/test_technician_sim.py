"""The simulated technician: imperfections applied exactly as asked, said exactly, readable in every format."""
import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.simulate import simulate_night
from jerkdetect.simulate.technician import FORMATS, TechnicianErrors, technician_scoring

from agreement_truth import merge_same_leg

NIGHT = dict(seed=21, duration_h=1.0, fs_emg=200.0, fs_eeg=100.0, full_montage=False, plm_series_per_hour=3.0,
             resp_clusters_per_hour=1.0)


@pytest.fixture(scope="module")
def night():
    return simulate_night(**NIGHT)


def test_exact_technician_is_the_truth(night):
    tech = technician_scoring(night)
    truth = night.truth["leg_movements"]
    assert [(x["onset"], x["offset"], x["side"]) for x in tech.leg_movements] == \
        sorted(((t["onset"], t["offset"], t["side"]) for t in truth), key=lambda r: (r[0], r[2]))
    assert not (tech.missed or tech.shifted or tech.relabelled or tech.extra)


def test_every_alteration_is_accounted_for(night):
    e = TechnicianErrors(miss_fraction=0.3, onset_jitter_s=0.4, mislabel_leg="right", extra_per_hour=8)
    tech = technician_scoring(night, e, seed=4)
    truth = night.truth["leg_movements"]
    n = len(truth)
    assert len(tech.missed) == round(0.3 * n) and len(set(tech.missed)) == len(tech.missed)
    scored = [x for x in tech.leg_movements if x["truth"] is not None]
    assert sorted(x["truth"] for x in scored) == sorted(set(range(n)) - set(tech.missed))
    for x in scored:
        t = truth[x["truth"]]
        s = tech.shifted.get(x["truth"], 0.0)
        assert abs(s) <= 0.4
        assert x["onset"] == pytest.approx(t["onset"] + s, abs=1e-9)
        assert x["offset"] - x["onset"] == pytest.approx(t["offset"] - t["onset"], abs=2e-4)  # duration kept
        assert x["side"] == ("left" if t["side"] == "right" else t["side"])
        assert (x["truth"] in tech.relabelled) == (t["side"] == "right")
    assert len(tech.shifted) >= 0.9 * len(scored)  # a uniform draw is almost never exactly 0
    extras = [tech.leg_movements[k] for k in tech.extra]
    assert len(extras) >= 3 and all(x["truth"] is None for x in extras)
    for x in extras:
        assert 0.6 - 1e-4 <= x["offset"] - x["onset"] <= 4.0 + 1e-4
        assert all(x["offset"] <= t["onset"] - 15 + 1e-6 or x["onset"] >= t["offset"] + 15 - 1e-6 for t in truth)
    assert len(tech.leg_movements) == n - len(tech.missed) + len(extras)


def test_deterministic_by_seed(night):
    e = TechnicianErrors(miss_fraction=0.2, onset_jitter_s=0.5, extra_per_hour=5)
    a, b = technician_scoring(night, e, seed=9), technician_scoring(night, e, seed=9)
    c = technician_scoring(night, e, seed=10)
    assert a.leg_movements == b.leg_movements and a.missed == b.missed and a.shifted == b.shifted
    assert a.leg_movements != c.leg_movements
    assert night.truth["leg_movements"] == simulate_night(**NIGHT).truth["leg_movements"]  # night untouched


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_exactly(night, tmp_path, fmt):
    tech = technician_scoring(night, TechnicianErrors(miss_fraction=0.2, onset_jitter_s=0.3, mislabel_leg="left",
                                                      extra_per_hour=4), seed=2)
    ext = {"nsrr": "xml", "profusion": "xml"}.get(fmt, fmt)
    path = tech.write(tmp_path / f"night.{ext}", fmt)
    sc = jd.read_scoring(path, night.recording())
    assert sc.format == {"nsrr": "nsrr", "profusion": "profusion"}.get(fmt, "table")
    # the mislabelled leg puts both legs' movements of a bilateral LM on one leg: those overlap and
    # are read back merged into one movement (issue 20), as the plain-loop reference merges them
    ev, side = merge_same_leg(tech.events(), tech.sides())
    assert len(ev) < len(tech.leg_movements)
    np.testing.assert_allclose(sc.leg_movements[:, 0], ev[:, 0], atol=1e-9)
    np.testing.assert_allclose(sc.leg_movements.sum(1), ev[:, 1], atol=1e-9)
    assert sc.leg_sides == [("left", "right")[k] for k in side]
    assert np.array_equal(sc.hypnogram.stages, night.stages)
    assert len(night.truth["arousals"]) and len(night.truth["respiratory"])
    np.testing.assert_allclose(sc.arousals, np.array(night.truth["arousals"]).reshape(-1, 2), atol=1e-9)
    np.testing.assert_allclose(sc.respiratory, np.array([(a, d) for a, d, _ in night.truth["respiratory"]]), atol=1e-9)


def test_bad_errors_are_refused(night, tmp_path):
    with pytest.raises(ValueError, match="miss_fraction"):
        TechnicianErrors(miss_fraction=1.5)
    with pytest.raises(ValueError, match="mislabel_leg"):
        TechnicianErrors(mislabel_leg="both")
    with pytest.raises(ValueError, match="format"):
        technician_scoring(night).write(tmp_path / "x.edf")
