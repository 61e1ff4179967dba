"""Scoring files with bad or unusual content (issue 20): stage vocabulary, time fields, scored
events (duplicates, overlaps, bad durations) and a million scored leg movements."""
import re
import warnings

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.core.stage_vocabulary import parse_stage
from jerkdetect.io.scoring import read_scoring
from jerkdetect.rules.base import MonolateralLMs, from_groups
from jerkdetect.rules.wasm2016 import WASM2016
from jerkdetect.rules.aasm2012 import AASM2012

SAMPLE_XML = jd.sample_path("scoring")
PROFUSION = jd.sample_path("profusion")


def nsrr(tmp_path, edit, name="night.xml"):
    text = open(SAMPLE_XML).read()
    p = tmp_path / name
    p.write_text(edit(text))
    return p


def caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, " ".join(str(x.message) for x in w)


# ---------------------------------------------------------------- stage vocabulary
@pytest.mark.parametrize("label,code", [
    ("Deep Sleep", 3), ("Deep sleep|3", 3), ("SWS", 3), ("Slow wave sleep", 3), ("SLEEP-S0", 0), ("SLEEP-S2", 2),
    ("SLEEP-REM", 4), ("SLEEP-MT", -1), ("SLEEP-UNSCORED", -1), ("NREM3", 3), ("NREM4", 3), ("Unscored|9", -1),
    ("Movement|6", -1), ("Stage 9 sleep|9", -1), ("Stage 4 sleep|4", 3), ("Sleep stage N1", 1), ("UNS", -1),
    ("ART", -1), ("Light sleep", None), ("NREM", None), ("", None), ("Stage X sleep|7", None)])
def test_stage_labels_of_real_exports(label, code):
    assert parse_stage(label) == code


def test_nsrr_deep_sleep_is_n3_not_dropped(tmp_path):
    p = nsrr(tmp_path, lambda t: t.replace("Stage 2 sleep|2", "Deep Sleep"))
    h = read_scoring(p).hypnogram
    ref = read_scoring(SAMPLE_XML).hypnogram
    n2 = ref.stages == 2
    assert n2.any() and (h.stages[n2] == 3).all() and h.tst == ref.tst > 0


def test_nsrr_unknown_stage_concepts_refused_with_names_and_counts(tmp_path):
    n_n2 = open(SAMPLE_XML).read().count("Stage 2 sleep|2")
    p = nsrr(tmp_path, lambda t: t.replace("Stage 2 sleep|2", "Stage X sleep|7", 3).replace("Stage 2 sleep|2", "", 2))
    with pytest.raises(jd.ScoringFileError) as e:
        read_scoring(p)
    msg = str(e.value)
    assert "night.xml" in msg and "'Stage X sleep|7' x3" in msg and "'' x2" in msg and "5 of" in msg
    assert n_n2 > 5


def test_nsrr_stage_9_is_unscored_with_a_stated_count(tmp_path):
    p = nsrr(tmp_path, lambda t: t.replace("Stage 2 sleep|2", "Stage 9 sleep|9", 4))
    sc, text = caught(lambda: read_scoring(p))
    ref = read_scoring(SAMPLE_XML).hypnogram
    assert (sc.hypnogram.stages == -1).sum() == 4 + (ref.stages == -1).sum()
    assert "4 epochs are scored as unscored" in text and "'Stage 9 sleep|9' x4" in text
    assert sc.hypnogram.tst == pytest.approx(ref.tst - 4 * 30)


def test_nsrr_empty_start_is_an_error_naming_the_event(tmp_path):
    def edit(t):
        k = t.index("<Start>", t.index("Arousal|Arousal"))
        return t[:k] + "<Start></Start>" + t[t.index("</Start>", k) + 8:]
    with pytest.raises(jd.ScoringFileError, match=r"night.xml: ScoredEvent \d+ \(.Arousal\|Arousal \(\).\): <Start> "
                                                  r"is empty"):
        read_scoring(nsrr(tmp_path, edit))


@pytest.mark.parametrize("value", ["1e-9", "1e-4", "0", "-30", "nan", "61", "abc", ""])
def test_nsrr_epoch_length_outside_1_60_s_refused_before_any_allocation(tmp_path, value):
    p = nsrr(tmp_path, lambda t: t.replace("<EpochLength>30</EpochLength>", f"<EpochLength>{value}</EpochLength>"))
    with pytest.raises(jd.ScoringFileError, match=r"night.xml: <EpochLength> is .*(1-60 s|allowed 1-60)"):
        read_scoring(p)


def test_text_hypnogram_epoch_length_header_checked(tmp_path):
    p = tmp_path / "hyp.txt"
    p.write_text("# epoch_length=1e-6\nW\nN2\nN2\nREM\n")
    with pytest.raises(jd.ScoringFileError, match=r"hyp.txt: the '# epoch_length=' header is 1e-06 s, outside the "
                                                  r"allowed 1..60 s; scoring epochs last 1-60 s"):
        read_scoring(p)
    p.write_text("# epoch_length=20\nW\nN2\nDeep\nREM\n")
    assert read_scoring(p).hypnogram.stages.tolist() == [0, 2, 3, 4]


def test_profusion_unknown_stage_code_refused(tmp_path):
    text = open(PROFUSION).read()
    p = tmp_path / "p.xml"
    p.write_text(text.replace("<SleepStage>2</SleepStage>", "<SleepStage>7</SleepStage>", 2))
    with pytest.raises(jd.ScoringFileError, match=r"p.xml: <SleepStage>: 2 of \d+ .*'7' x2"):
        read_scoring(p)
    p.write_text(text.replace("<SleepStage>2</SleepStage>", "<SleepStage>9</SleepStage>", 2))
    sc, said = caught(lambda: read_scoring(p))
    assert "2 epochs are scored as unscored" in said


def test_sleep_edf_question_mark_epochs_are_stated(fixtures):
    sc, said = caught(lambda: read_scoring(fixtures / "annotations/sleepedf_SC4001EC-Hypnogram.edf"))
    assert re.search(r"\d+ epochs are scored as unscored.*'Sleep stage \?' x1", said)


def test_edf_style_unknown_stage_annotation_refused(tmp_path):
    p = tmp_path / "ev.tsv"
    p.write_text("onset\tduration\tdescription\n0\t30\tSleep stage W\n30\t30\tSleep stage Deep\n"
                 "60\t30\tSleep stage 5X\n90\t30\tSleep stage N2\n")
    with pytest.raises(jd.ScoringFileError, match=r"ev.tsv: 1 of 4 sleep-stage labels .*'Sleep stage 5X' x1"):
        read_scoring(p)


# ---------------------------------------------------------------- scored events
def lm_table(tmp_path, rows, name="lm.tsv"):
    stages = [f"{30 * k}\t30\tN2" for k in range(120)]
    p = tmp_path / name
    p.write_text("onset\tduration\tdescription\n" + "\n".join(stages + rows) + "\n")
    return p


SERIES = [f"{100 + 20 * k}\t1\tLimb movement - left" for k in range(9)]


def test_duplicated_rows_give_the_deduplicated_result(tmp_path):
    once = jd.score_annotations(lm_table(tmp_path, SERIES, "once.tsv"))
    twice, said = caught(lambda: jd.score_annotations(lm_table(tmp_path, SERIES + SERIES, "twice.tsv")))
    assert "9 scored leg movements are exact duplicates" in said
    s1, s2 = once.summary(), twice.summary()
    assert s1["n_lm"] == s2["n_lm"] == 9
    assert s2["plms_index"] == s1["plms_index"] == pytest.approx(9 / (s1["tst_min"] / 60))
    assert np.nanmedian(twice.lm.imi) == 20.0


def test_overlapping_lms_of_one_leg_are_merged_and_stated(tmp_path):
    rows = SERIES + ["100.5\t1\tLimb movement - left", "100.2\t0.6\tLimb movement - right"]
    sc, said = caught(lambda: read_scoring(lm_table(tmp_path, rows)))
    assert "1 scored leg movements overlap an earlier movement of the same leg" in said
    left = sc.leg_movements[np.array(sc.leg_sides) == "left"]
    assert left[0].tolist() == [100.0, 1.5] and len(left) == 9 and sc.leg_sides.count("right") == 1


@pytest.mark.parametrize("dur", ["-1", "nan", "inf", "x"])
def test_negative_or_nan_duration_is_an_error_naming_the_row(tmp_path, dur):
    p = lm_table(tmp_path, SERIES[:3] + [f"500\t{dur}\tLimb movement - left"])
    with pytest.raises(jd.ScoringFileError, match=r"lm.tsv: row 125: 'duration' is"):
        read_scoring(p)


def test_scoring_built_in_memory_is_checked_too(tmp_path):
    sc = read_scoring(lm_table(tmp_path, SERIES))
    sc.leg_movements = np.vstack([sc.leg_movements, [[400.0, -2.0]]])
    sc.leg_sides = sc.leg_sides + ["left"]
    rec = jd.Recording(channels={}, source="mem", file_type="annotations", record_duration=3600.0,
                       record_onsets=np.zeros(1))
    with pytest.raises(jd.ScoringFileError, match=r"scored leg movements row 10 \(onset 400 s\): the duration is -2"):
        jd.score(rec, annotations=sc, leg_movements="scoring")


# ---------------------------------------------------------------- scale
def reference_combine(rule, lms):
    """The per-group loops of the rules before issue 20 (quadratic), the reference of the O(n) passes."""
    if isinstance(rule, WASM2016):
        m = lms.subset(lms.duration >= rule.min_lm_s)
        groups, i, n = [], 0, m.onset.size
        while i < n:
            g, end, j = [i], m.offset[i], i + 1
            while j < n and m.onset[j] - end < rule.bilateral_gap_s and any(m.side[j] != m.side[k] for k in g):
                g.append(j)
                end = max(end, m.offset[j])
                j += 1
            groups.append(g)
            i = j
        cand = [all(rule.min_lm_s <= m.duration[x] <= rule.max_lm_s for x in g)
                and m.offset[g].max() - m.onset[g].min() <= (rule.max_lm_s if len(g) == 1 else rule.max_bilateral_s)
                and len(g) <= rule.max_bilateral_members for g in groups]
        return from_groups(m, groups, np.array(cand, bool))
    d = lms.duration
    m = lms.subset((d >= rule.min_lm_s) & (d <= rule.max_lm_s))
    groups, i, n = [], 0, m.onset.size
    while i < n:
        g, j = [i], i + 1
        while j < n and m.onset[j] - m.onset[i] < rule.bilateral_onset_s and m.side[j] not in {m.side[k] for k in g}:
            g.append(j)
            j += 1
        groups.append(g)
        i = j
    return from_groups(m, groups, np.ones(len(groups), bool))


@pytest.mark.parametrize("rule", [WASM2016(use_morphology=False), AASM2012()], ids=["wasm", "aasm"])
def test_linear_leg_combination_equals_the_per_group_reference(rule):
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 30))
        on = np.sort(rng.uniform(0, 60, n))
        dur = rng.choice([0.3, 0.5, 1.0, 4.0, 9.99, 10.0, 10.01, 14.9, 15.1], n)
        pk = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1, 50, n))
        lms = MonolateralLMs(on, on + dur, rng.integers(0, 2, n), pk)
        a, b = rule.combine(lms), reference_combine(rule, lms)
        for k in ("onset", "offset", "side", "n_members", "peak_uv", "candidate"):
            assert np.array_equal(getattr(a, k), getattr(b, k), equal_nan=True), k


def test_a_million_scored_lms_on_a_24_h_night_are_combined():
    """1,000,000 scored LMs, alternating legs, 86.4 ms apart: every third lasts 0.6 s and overlaps
    the next long one (on the other leg), so WASM 2016 sees one bilateral chain of 333,334 LMs.
    Main re-read the durations per group member (quadratic) and never finished."""
    n = 1_000_000
    k = np.arange(n)
    on = k * (86400.0 / n)
    lms = MonolateralLMs(on, on + np.where(k % 3 == 0, 0.6, 0.06), k % 2)
    lm = WASM2016(use_morphology=False).score(lms)
    assert len(lm) == 1 and lm.n_members[0] == 333_334 and lm.side[0] == 2 and not lm.candidate[0]
    lm = AASM2012().score(lms)  # pairs of the two legs' long LMs, onsets 0.26 s apart: no series
    assert len(lm) == 166_667 and (lm.side == 2).all() and not lm.plm.any()


def test_a_million_scored_events_through_score_on_a_24_h_night():
    """A 24-h night of N2 whose scoring holds 1,000,000 leg-movement rows: 991,360 twitches of
    60 ms (too short for an LM) alternating legs every 86.4 ms, and an unsided PLM series (1 s
    every 20 s) listed twice. The copies are merged (main counted them: IMI 0, PLMS index 0) and
    the index is the series' 180/h."""
    n_series = 4320
    n_fill = 1_000_000 - 2 * n_series
    k = np.arange(n_fill)
    fill = np.column_stack([k * (86400.0 / n_fill), np.full(n_fill, 0.06)])
    series = np.column_stack([np.arange(n_series) * 20.0 + 5.0, np.ones(n_series)])
    sides = np.where(k % 2 == 0, "left", "right").tolist() + ["bilateral"] * (2 * n_series)
    sc = jd.io.scoring.Scoring("million.tsv", "table", jd.Hypnogram(np.full(2880, 2)),
                               leg_movements=np.vstack([fill, series, series]), leg_sides=sides)
    rec = jd.Recording(channels={}, source="million", file_type="annotations", record_duration=86400.0,
                       record_onsets=np.zeros(1))
    res, said = caught(lambda: jd.score(rec, annotations=sc, leg_movements="scoring"))
    assert f"{n_series} scored leg movements are exact duplicates" in said
    s = res.summary()
    assert s["n_lm"] == n_series and s["plms_index"] == pytest.approx(180.0)
    assert np.nanmedian(res.lm.imi) == 20.0


def test_leg_overlap_merge_equals_the_plain_loop():
    from agreement_truth import merge_same_leg
    from jerkdetect.io.scored_events import merge_leg_overlaps
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(0, 25))
        on = np.round(rng.uniform(0, 60, n), 1)
        du = np.round(rng.choice([0.0, 0.5, 1.0, 3.0, 8.0], n) * rng.uniform(0.5, 1.5, n), 1)
        side = rng.integers(0, 2, n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got, got_side = merge_leg_overlaps(np.column_stack([on, du]).reshape(-1, 2),
                                               [("left", "right")[k] for k in side], "x")
        ref, ref_side = merge_same_leg(np.column_stack([on, on + du]), side)
        key = lambda a, s: sorted(zip(np.round(a[:, 0], 9), np.round(a[:, 1], 9), s))  # noqa: E731
        assert key(np.column_stack([got[:, 0], got.sum(1)]), list(got_side)) == \
            key(ref, [("left", "right")[k] for k in ref_side])
