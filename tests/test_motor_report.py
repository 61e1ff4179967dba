"""The night report's motor sections (issue 16): the REM panel (RAI, percentages, scored epochs and
reasons, the mini-epoch raster) and the fragmentary myoclonus, ALMA and HFT sections."""
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.reporting.motor_figures import EXCLUDED, SCORED, rem_raster
from jerkdetect.reporting.night_report import render_night_report


@pytest.fixture(scope="module")
def scored():
    from jerkdetect.simulate.motor import motor_night, score_night_motor
    night = motor_night("mixed", seed=30, duration_h=1.0, fs_emg=200.0)
    res, _ = score_night_motor(night)
    return res


def test_raster_rows_colours_and_scored_epochs(scored):
    rem = scored.motor.rem
    img, labels, colour = rem_raster(rem)
    # chin and both arms: tonic, phasic, any; legs: AASM phasic only (SINBAR reads mentalis and arms)
    assert labels == ["epoch scored", "chin tonic", "chin phasic", "chin any", "leg L phasic", "leg R phasic",
                      "arm L tonic", "arm L phasic", "arm L any", "arm R tonic", "arm R phasic", "arm R any"]
    nm = rem.rule.n_mini
    assert img.shape == (len(labels), len(rem) * nm, 3)
    top = img[0, ::nm]
    assert np.array_equal(np.all(np.isclose(top, SCORED), axis=1), rem.scored)
    assert set(colour) == {w for w in rem.reason if w} and not rem.scored.all()
    chin = rem.per_channel["chin"]
    grey = np.all(np.isclose(img[2], EXCLUDED), axis=1)
    assert np.array_equal(grey, chin["excluded"].reshape(-1))          # unscored mini-epochs are grey
    marked = ~grey & ~np.all(np.isclose(img[2], 1.0), axis=1)
    assert np.array_equal(marked, (chin["phasic"] & ~chin["excluded"]).reshape(-1))


def test_night_report_has_the_rem_panel_and_motor_sections(scored):
    html = render_night_report(scored)
    for h in ("Motor events beyond PLM", "REM sleep muscle activity", "Fragmentary myoclonus",
              "ALMA and hypnagogic foot tremor"):
        assert f">{h}<" in html, h
    assert 'alt="REM mini-epoch raster"' in html
    s = scored.summary()
    assert f"{s['rai']:.3f}" in html and "not scored:" in html
    for why in {w for w in scored.motor.rem.reason if w}:
        assert why in html
    assert html.count("<td>ALMA</td>") == s["n_alma"] and html.count("<td>HFT</td>") == s["n_hft"]
    assert "not LMs: left out of the PLM rules" in html
    assert "<h3>Motor rules</h3>" in html and "alma.min_hz" in html and "exclude_rhythmic_lms" in html


def test_night_report_without_motor_says_so():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score(jd.sample_path(), motor=False)
    html = render_night_report(res)
    assert "Motor events beyond PLM" in html and "Not scored" in html and "REM mini-epoch raster" not in html
