"""HTML reports (night and cohort), rendered in headless Chromium; notebook views of the objects."""
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import jerkdetect as jd
from conftest import SAMPLE

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROFUSION = str(SAMPLE / "sample_night_profusion.xml")


@pytest.fixture(scope="module")
def sample_result(sample_edf):
    return jd.score(sample_edf)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, sample_edf):
    """A --from-scoring batch with reports: the sample EDF with its Profusion file, a Profusion file alone
    (right-leg PLM events removed), a broken EDF."""
    d = tmp_path_factory.mktemp("cohort")
    shutil.copy(sample_edf, d / "emg_night.edf")
    shutil.copy(PROFUSION, d / "emg_night.xml")
    xml = open(PROFUSION, encoding="utf-8").read()
    (d / "xml_only.xml").write_text(re.sub(r"<ScoredEvent><Name>PLM \(Right\)</Name>.*?</ScoredEvent>", "", xml))
    (d / "broken.edf").write_bytes((d / "emg_night.edf").read_bytes()[:50000])
    out = tmp_path_factory.mktemp("out")
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "batch", str(d), "--out", str(out), "--from-scoring",
                        "--report", "--quiet", "--no-export"], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr  # the broken night failed, the others did not
    return out


def _pngs(html: str) -> list[bytes]:
    return [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def _not_blank(png: bytes) -> bool:
    img = matplotlib.image.imread(io.BytesIO(png), format="png")
    return img.shape[0] > 50 and img.shape[1] > 50 and float(np.std(img[..., :3])) > 0.02


def test_night_report_content(sample_result, tmp_path):
    path = sample_result.report(str(tmp_path / "sample_night_report.html"))
    html = open(path, encoding="utf-8").read()
    for section in ("Recording", "Indices", "Per stage", "Figures", "Rule set and parameters"):
        assert f"<h2>{section}</h2>" in html
    assert "wasm2016" in html and "min_imi_s" in html and "bilateral_gap_s" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html  # static, offline
    pngs = _pngs(html)
    assert len(pngs) == 4 and all(_not_blank(p) for p in pngs)  # raster, IMI histogram, EMG strips, REM raster
    assert 'alt="REM mini-epoch raster"' in html and "<h2>Motor events beyond PLM</h2>" in html
    from jerkdetect.reporting.figures import night_figure
    legend = [t.get_text() for t in night_figure(sample_result).axes[0].get_legend().get_texts()]
    assert legend == ["respiratory event (scored)", "arousal (scored)", "LM (not PLM)", "PLM", "respiratory-related LM",
                      "arousal-linked LM", "hypnic jerk", "unscorable (one leg)"]


def test_night_report_null_reasons_annotation_only(tmp_path):
    res = jd.score_annotations(PROFUSION)
    html = open(res.report(str(tmp_path / "x_report.html")), encoding="utf-8").read()
    assert "hypnic jerks not scored" in html  # raster title and the null reason
    assert "no EMG, hypnic jerks not scored" in html
    assert "No EMG strip" in html and len(_pngs(html)) == 2


def test_report_needs_matplotlib_clear_error(sample_result, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "matplotlib" else real(n, *a))
    with pytest.raises(ImportError, match=r"pip install 'jerkdetect\[plot\]'"):
        sample_result.report(str(tmp_path / "r.html"))
    assert not (tmp_path / "r.html").exists()


def test_cohort_report(reports):
    html = (reports / "cohort_report.html").read_text(encoding="utf-8")
    assert (reports / "emg_night_report.html").exists() and (reports / "xml_only_report.html").exists()
    assert '<a href="emg_night_report.html">' in html and '<a href="xml_only_report.html">' in html
    assert "Failures (1)" in html and "broken.edf" in html and "truncated" in html
    # nights sorted by PLMS index, highest first
    df = __import__("pandas").read_csv(reports / "cohort_summary.tsv", sep="\t").set_index("stem")
    assert df.loc["emg_night", "plms_index"] > df.loc["xml_only", "plms_index"]
    assert html.index("emg_night_report.html") < html.index("xml_only_report.html")
    pngs = _pngs(html)
    assert len(pngs) == 1 and _not_blank(pngs[0])


def _chromium(url: str, tmp, *args) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                           f"--user-data-dir={tmp / 'chromium-profile'}", *args, url],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("name", ["emg_night_report.html", "cohort_report.html"])
def test_reports_render_in_headless_chromium(reports, tmp_path, name):
    """The report opens offline; every figure decodes with a size; the screenshot is not blank.

    The screenshot is kept in $JERKDETECT_TEST_ARTIFACTS (or the test's tmp folder) for people to look at.
    """
    art = os.environ.get("JERKDETECT_TEST_ARTIFACTS") or str(tmp_path)
    os.makedirs(art, exist_ok=True)
    shot = os.path.join(art, name.replace(".html", ".png"))
    r = _chromium((reports / name).as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,2400")
    assert os.path.isfile(shot), r.stderr[-2000:]
    img = matplotlib.image.imread(shot)
    assert img.shape[:2] == (2400, 1280) and float(np.std(img[..., :3])) > 0.05
    # what the browser made of the figures: a copy of the page with a probe that records them
    probe = tmp_path / "probe.html"
    probe.write_text((reports / name).read_text(encoding="utf-8").replace(
        "</body>", "<script>document.body.setAttribute('data-figs', JSON.stringify(Array.from(document.images)"
                   ".map(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])))</script></body>"),
        encoding="utf-8")
    dom = _chromium(probe.as_uri(), tmp_path, "--dump-dom").stdout
    figs = json.loads(re.search(r"data-figs=\"([^\"]*)\"", dom).group(1).replace("&quot;", '"'))
    assert len(figs) == (3 if name.startswith("emg") else 1)
    assert all(w > 100 and h > 100 and shown > 100 for w, h, shown in figs), figs
    print(f"screenshot: {shot}")


def test_reprs_are_short_and_html(sample_result, sample_edf):
    rec = jd.read_psg(sample_edf)
    sc = jd.read_scoring(SAMPLE / "sample_night.xml")
    for obj, word in ((rec, "Recording"), (sc, "Scoring"), (sample_result.hypnogram, "Hypnogram"),
                      (sample_result, "ScoringResult")):
        r = repr(obj)
        assert r.startswith(f"<{word} |") and len(r) < 300 and "\n" not in r
        html = obj._repr_html_()
        assert html.startswith('<div class="jd-repr">') and "<table" in html
    assert "Leg L" in rec._repr_html_() and "leg_left" in rec._repr_html_()
    assert "TST" in sample_result.hypnogram._repr_html_()
    assert "plms_index" in sample_result._repr_html_()


def test_summary_as_frame(sample_result):
    df = sample_result.summary(as_frame=True)
    assert df.shape[0] == 1 and df.index.tolist() == ["sample_night"]
    s = sample_result.summary()
    assert df.loc["sample_night", "plms_index"] == s["plms_index"]
    assert df.loc["sample_night", "imi_iqr_s_low"] == s["imi_iqr_s"][0]
    assert df.loc["sample_night", "unscorable_min_leg_left"] == s["unscorable_min"]["leg_left"]
    assert "null_reasons" not in df


def test_plot_events_zoom_and_plot_event(sample_result):
    ax = sample_result.plot_events(tmin=600, tmax=900)  # drawn in the seconds it is asked in
    assert ax.get_xlim() == (600.0, 900.0) and "(s)" in ax.get_xlabel()
    rows = sample_result.event_rows()
    lm = next(i for i, r in enumerate(rows) if r["label"] == "plm")
    jerk = next(i for i, r in enumerate(rows) if r["label"] == "hypnic_jerk")
    for i in (lm, jerk):
        ax = sample_result.plot_event(i, pad=5)
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 100]
        assert len(lines) == 3  # both legs and the chin
        x = lines[0].get_xdata()
        assert x[0] == pytest.approx(-5, abs=0.01) and x[-1] == pytest.approx(rows[i]["duration"] + 5, abs=0.01)
        y = lines[0].get_ydata()
        inside = (x >= 0) & (x <= rows[i]["duration"])
        assert np.std(y[inside]) > 2 * np.std(y[x < -1])  # the movement stands out of its own baseline
    with pytest.raises(IndexError):
        sample_result.plot_event(len(rows))
    with pytest.raises(ValueError, match="no EMG"):
        jd.score_annotations(PROFUSION).plot_event(0)
    import matplotlib.pyplot as plt
    plt.close("all")


def test_compare_with_truth_is_the_documented_way(sample_result):
    truth_path = jd.sample_path("truth")
    m = jd.simulate.compare_with_truth(sample_result, truth_path)
    assert m == sample_result.compare_truth(truth_path)
    assert m["lm"]["f1"] == m["plm"]["f1"] == m["jerk"]["f1"] == 1.0 and m["plms_index_error"] == 0.0
    # the naive comparison counts each leg of a bilateral movement: it is not the accuracy
    legs = [x["onset"] for x in json.load(open(truth_path))["leg_movements"]]
    assert sample_result.compare(legs)["f1"] < 0.9
    aasm = jd.score(jd.sample_path(), rules="aasm2012", max_imi_s=60)
    assert jd.simulate.compare_with_truth(aasm, truth_path)["plm"]["f1"] == 1.0  # the result's own rule set


def test_plan_workers():
    from jerkdetect.batch.runner import IN_PROCESS_MAX_NIGHTS, plan_workers
    assert plan_workers(1, 8) == 1 and plan_workers(IN_PROCESS_MAX_NIGHTS, 2) == 1
    assert plan_workers(IN_PROCESS_MAX_NIGHTS + 1, 2) == 2
    assert plan_workers(IN_PROCESS_MAX_NIGHTS + 1, 64) == IN_PROCESS_MAX_NIGHTS + 1  # never more than nights


def test_to_mne_of_an_edf_keeps_its_start_time(sample_edf, sample_result):
    """An EDF's clock time becomes the Raw's meas_date (UTC, as MNE reads EDFs), annotations attach."""
    rec = jd.read_psg(sample_edf)
    raw = rec.to_mne(picks=["Leg L", "Leg R"])
    assert raw.info["meas_date"].replace(tzinfo=None) == rec.start
    raw.set_annotations(sample_result.to_annotations())
    assert len(raw.annotations) == len(sample_result.event_rows())
