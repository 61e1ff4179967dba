"""Figures and reports show what the README says (issue 19, items 1 and 8)."""
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import jerkdetect as jd
from conftest import SAMPLE

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.collections import LineCollection  # noqa: E402

from jerkdetect.alignment.indices import INDEX_INFO  # noqa: E402
from jerkdetect.reporting.figures import histogram_figure, night_figure  # noqa: E402
from jerkdetect.reporting.night_report import render_night_report  # noqa: E402

PROFUSION = str(SAMPLE / "sample_night_profusion.xml")


@pytest.fixture(scope="module")
def res(sample_edf):
    return jd.score(sample_edf)


@pytest.fixture(scope="module")
def res_detect(sample_edf):
    return jd.score(sample_edf, arousals="detect")


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _segments(ax, label) -> int:
    coll = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() == label]
    assert len(coll) == 1, label
    return len(coll[0].get_segments())


def test_hypnogram_rows_have_no_question_mark_row(res):
    ax = night_figure(res).axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert "?" not in rows and rows[:5] == ["N3", "N2", "N1", "R", "W"]
    h = jd.Hypnogram([0, 0, -1, 2, 2, 4, -1, 0])
    ax = h.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["N3", "N2", "N1", "R", "W"]


def test_arousals_and_respiratory_events_are_rows_with_legend_entries(res):
    ax = night_figure(res).axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert "arousals (scored)" in rows and "respiratory events" in rows and "leg movements" in rows
    legend = _legend(ax)
    assert "arousal (scored)" in legend and "respiratory event (scored)" in legend and "hypnic jerk" in legend
    assert _segments(ax, "arousal (scored)") == len(res.scored_arousals) == 17
    assert _segments(ax, "respiratory event (scored)") == len(res.respiratory_events) == 11


def test_detected_and_scored_arousals_are_told_apart(res_detect):
    ax = night_figure(res_detect).axes[0]
    legend = _legend(ax)
    assert "arousal (scored)" in legend and "arousal (detected in the EEG)" in legend
    assert _segments(ax, "arousal (detected in the EEG)") == len(res_detect.detected_arousals.to_array())


def test_annotation_only_night_has_no_hypnic_jerk_entry_but_its_arousals():
    r = jd.score_annotations(PROFUSION)
    ax = night_figure(r).axes[0]
    legend = _legend(ax)
    assert "hypnic jerk" not in legend and "arousal (scored)" in legend
    assert "hypnic jerks" not in [t.get_text() for t in ax.get_yticklabels()]


def test_zoom_is_drawn_in_the_seconds_it_is_given_in(res):
    ax = res.plot_events(tmin=1000, tmax=1400)
    assert ax.get_xlim() == (1000, 1400) and ax.get_xlabel().endswith("(s)")
    ax = res.plot_events()
    assert ax.get_xlim()[1] in (60.0, 1.0) and not ax.get_xlabel().endswith("(s)")


def test_imi_histogram_is_the_sleep_only_imis_with_titled_limits(res):
    ax = res.plot_imi()
    assert "inter-movement" in ax.get_title().lower() and "sleep" in ax.get_title()
    legend = _legend(ax)
    assert any("10 s" in t for t in legend) and any("90 s" in t for t in legend)
    counts = sum(p.get_height() for p in ax.patches)
    assert counts == res.summary()["imi_n"] == res.imis_in_sleep().size
    assert res.imis_in_sleep().size < np.isfinite(res.lm.imi).sum()  # wake IMIs are left out


def test_bilateral_close_up_traces_do_not_overlap(res):
    ev = res.events
    i = int(ev.index[(ev["side"] == "bilateral")][0])
    ax = res.plot_event(i)
    traces = [ln for ln in ax.get_lines() if len(ln.get_ydata()) > 100]
    assert len(traces) == 3
    spans = sorted((float(np.min(ln.get_ydata())), float(np.max(ln.get_ydata()))) for ln in traces)
    for (_, hi1), (lo2, _) in zip(spans, spans[1:]):
        assert hi1 < lo2, spans


def test_cohort_histograms_readable_for_a_small_cohort():
    fig = histogram_figure({"plms_index": [3.2, 24.0], "tst_min": [400.0, 355.5], "plmw_index": [np.nan, 2.0]})
    for ax in [a for a in fig.axes if a.get_visible()]:
        ticks = ax.get_yticks()
        assert np.allclose(ticks, np.round(ticks)), ticks
        assert ax.get_ylabel() == "nights"
        assert ax.xaxis.get_label().get_text()  # what and its unit
        assert min(t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()) >= 9


def test_every_summary_value_has_a_description(res, res_detect):
    for r in (res, res_detect, jd.score_annotations(PROFUSION)):
        keys = set(r.indices) - {"null_reasons"} | {k for row in r.by_stage for k in row}
        missing = sorted(k for k in keys if not INDEX_INFO.get(k, ("", ""))[1])
        assert not missing, missing


def test_night_report_numbers_descriptions_and_event_rows(res):
    html = render_night_report(res)
    assert "24.000" not in html and "24.0 /h" in html
    assert re.search(r"sleep efficiency</b></td><td[^>]*>\d+ %<", html)
    for key in res.indices:
        if key != "null_reasons":
            m = re.search(rf"<td>{key}</td><td>([^<]*)</td>", html)
            assert m and m.group(1).strip(), key
    for key in ("n_arousals", "arousal_index", "n_respiratory_events", "respiratory_event_index"):
        assert f"<td>{key}</td>" in html
    per_stage = html.split("<h2>Per stage</h2>")[1].split("</table>")[0]
    assert "n_arousals" in per_stage and "arousal_per_h" in per_stage and "n_respiratory_events" in per_stage
    caption = re.search(r'alt="inter-movement interval histogram".*?<figcaption>([^<]*)', html, re.S).group(1)
    assert "in sleep" in caption


def test_cohort_table_is_rounded_and_the_report_shows_arousals(tmp_path, sample_edf):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(sample_edf, d / "a.edf")
    shutil.copy(SAMPLE / "sample_night.xml", d / "a.xml")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "batch", str(d), "--out", str(out), "--report", "cohort",
                        "--quiet", "--no-export"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    text = (out / "cohort_summary.tsv").read_text()
    decimals = [len(x.split(".")[1]) for x in re.findall(r"\d+\.\d+", text)]
    assert decimals and max(decimals) <= 4
    df = pd.read_csv(out / "cohort_summary.tsv", sep="\t")
    assert df.loc[0, "arousal_index"] == pytest.approx(24.0) and "respiratory_event_index" in df
    html = (out / "cohort_report.html").read_text(encoding="utf-8")
    assert "arousal_index" in html and "respiratory_event_index" in html
