"""Agreement with a technician's scoring: every reported number against one computed here.

Cohorts of simulated nights are scored from the EMG and from a simulated technician's file with
known imperfections (misses, onset shifts, a mislabelled leg, extra movements; several file
formats). The figures the library reports (event counts, F1, timing differences, ICC, Pearson,
Spearman, Bland-Altman, categories, kappa) are recomputed here from first principles: a
brute-force matcher of the stated rule, the two-way ANOVA formulas of the ICCs and their
McGraw & Wong intervals, the definitions of r, rho, bias, limits and kappa.
"""
import json

import numpy as np
import pytest
from scipy import stats

import jerkdetect as jd
from jerkdetect.errors import DependencyError, InputError
from jerkdetect.evaluation.agreement import Matching, NightAgreement, cohort_summary, compare_events, nights_table, \
    scoring_legs
from jerkdetect.pipeline.agreement import emg_legs, rules_of, score_night
from jerkdetect.evaluation.agreement_stats import index_agreement
from jerkdetect.rules import get_rules
from jerkdetect.simulate import simulate_night
from jerkdetect.simulate.technician import TechnicianErrors, technician_scoring

from agreement_truth import (anova_icc, category, counts, f1_of, greedy_overlap_pairs, kappa_of,
                             merge_same_leg, nearest_onset_pairs, pearson, ranks, tech_plms_index)

pytest.importorskip("pingouin")

COMMON = dict(duration_h=1.0, fs_emg=200.0, fs_eeg=100.0, full_montage=False, resp_clusters_per_hour=1.0)
COHORT = [  # seed, PLM series per hour, technician errors, file format
    (31, 0.0, TechnicianErrors(), "nsrr"),
    (32, 1.0, TechnicianErrors(miss_fraction=0.1), "profusion"),
    (33, 2.0, TechnicianErrors(onset_jitter_s=0.4), "csv"),
    (34, 3.0, TechnicianErrors(miss_fraction=0.2, extra_per_hour=6), "tsv"),
    (35, 4.0, TechnicianErrors(mislabel_leg="left", onset_jitter_s=0.2), "nsrr"),
    (36, 6.0, TechnicianErrors(miss_fraction=0.3, onset_jitter_s=0.3, extra_per_hour=4), "profusion"),
    (37, 8.0, TechnicianErrors(miss_fraction=0.05, onset_jitter_s=1.0), "nsrr"),
]
EXT = {"nsrr": "xml", "profusion": "xml", "csv": "csv", "tsv": "tsv"}


# ----------------------------------------------------------------------------- the cohort
@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("agree")
    out = []
    for seed, plm_rate, errors, fmt in COHORT:
        night = simulate_night(seed=seed, plm_series_per_hour=plm_rate, **COMMON)
        tech = technician_scoring(night, errors, seed=seed)
        path = tech.write(root / f"n{seed}.{EXT[fmt]}", fmt)
        out.append((f"n{seed}", night, tech, path))
    return out


@pytest.fixture(scope="module", params=["wasm2016", "aasm2012"])
def cohort(request, simulated):
    rules = request.param
    nights = [score_night(night.recording(), path, rules=rules, night=name) for name, night, _, path in simulated]
    return rules, nights, cohort_summary(nights)


def test_pooled_lm_agreement_equals_a_brute_force_count(cohort, simulated):
    rules, nights, summary = cohort
    tp = fp = fn = 0
    onset_d, offset_d = [], []
    for (name, night, tech, _), n in zip(simulated, nights):
        a = n.emg.lm
        b_lm, _ = tech_plms_index(tech, night, rules)
        b = np.column_stack([b_lm.onset, b_lm.offset])
        pairs = greedy_overlap_pairs(a, b)
        c = counts(a, b, pairs)
        row = n.row()
        assert (row["tp"], row["fp"], row["fn"]) == c, name
        if c[0]:
            assert row["f1"] == pytest.approx(f1_of(*c), abs=5e-4)
        tp, fp, fn = tp + c[0], fp + c[1], fn + c[2]
        onset_d += [a[i, 0] - b[j, 0] for i, j in pairs]
        offset_d += [a[i, 1] - b[j, 1] for i, j in pairs]
    assert summary["n_nights"] == len(COHORT) and summary["rules"] == rules
    assert (summary["lm_tp"], summary["lm_fp"], summary["lm_fn"]) == (tp, fp, fn)
    assert round(summary["lm_f1"], 3) == round(f1_of(tp, fp, fn), 3)
    assert round(summary["lm_sensitivity"], 3) == round(tp / (tp + fn), 3)
    assert round(summary["lm_ppv"], 3) == round(tp / (tp + fp), 3)
    lm = summary["events"]["lm"]
    assert lm["onset_diff_median_s"] == pytest.approx(np.median(onset_d), abs=1e-3)
    assert lm["onset_diff_iqr_s"] == pytest.approx(np.percentile(onset_d, [25, 75]), abs=1e-3)
    assert lm["offset_diff_median_s"] == pytest.approx(np.median(offset_d), abs=1e-3)
    # the technician's misses and extras do show: not a cohort where everything agrees
    assert fn >= 10 and fp >= 5 and 0.6 < summary["lm_f1"] < 0.97, (tp, fp, fn)


def test_per_leg_agreement_equals_a_brute_force_count(cohort, simulated):
    rules, nights, summary = cohort
    pooled = {"left": [0, 0, 0], "right": [0, 0, 0]}
    for (name, _night, tech, _), n in zip(simulated, nights):
        mine = n.emg.legs
        ev, side = merge_same_leg(tech.events(), tech.sides())  # as the reader merges them (issue 20)
        min_lm = get_rules(rules).min_lm_s
        for k, leg in enumerate(("left", "right")):
            a = np.column_stack([mine.onset, mine.offset])[mine.side == k]
            b = ev[(side == k) & (ev[:, 1] - ev[:, 0] >= min_lm)]
            c = counts(a, b, greedy_overlap_pairs(a, b))
            assert (n.events[leg].tp, n.events[leg].fp, n.events[leg].fn) == c, (name, leg)
            pooled[leg] = [p + q for p, q in zip(pooled[leg], c)]
        if tech.errors.mislabel_leg == "left":  # every left movement scored as right: no left agreement
            assert n.events["left"].tp == 0 and n.events["left"].fn == 0 and n.events["left"].fp > 0
    for leg in ("left", "right"):
        e = summary["events"][leg]
        assert [e["tp"], e["fp"], e["fn"]] == pooled[leg]
        assert round(e["f1"], 3) == round(f1_of(*pooled[leg]), 3)


def test_emg_legs_are_what_the_rules_were_given(cohort, simulated):
    """Scoring the per-leg LMs again under the rules gives the night's LMs, to the last digit."""
    rules, nights, _ = cohort
    for (_, night, _, path), n in zip(simulated, nights):
        res = jd.score(night.recording(), annotations=path, rules=rules, arousals="scoring")
        legs = emg_legs(res)
        np.testing.assert_array_equal(legs.onset, n.emg.legs.onset)
        np.testing.assert_array_equal(np.column_stack([res.lm.onset, res.lm.offset]), n.emg.lm)
        resp = np.array([(a, d) for a, d, _ in night.truth["respiratory"]], float).reshape(-1, 2)
        lm = rules_of(res).score(emg_legs(res), resp, np.array(night.truth["arousals"]))
        np.testing.assert_array_equal(lm.onset, res.lm.onset)
        np.testing.assert_array_equal(lm.offset, res.lm.offset)
        np.testing.assert_array_equal(lm.candidate, res.lm.candidate)
        np.testing.assert_array_equal(lm.plm, res.lm.plm)


def test_plms_index_statistics_equal_first_principles(cohort, simulated):
    rules, nights, summary = cohort
    emg, tech = [], []
    for (name, night, t, _), n in zip(simulated, nights):
        e = n.emg.indices["plms_index"]
        _, ti = tech_plms_index(t, night, rules)
        row = n.row()
        assert row["plms_index_emg"] == e and row["plms_index_tech"] == pytest.approx(ti, abs=1e-9), name
        emg.append(e)
        tech.append(ti)
    emg, tech = np.array(emg), np.array(tech)
    assert np.ptp(tech) > 20 and np.any(emg != tech)  # a spread of severities, and disagreement
    icc2, ci2, icc3, ci3 = anova_icc(emg, tech)
    s = summary
    assert round(s["plms_index_icc21"], 2) == round(icc2, 2)
    assert round(s["plms_index_icc31"], 2) == round(icc3, 2)
    assert np.round(s["plms_index_icc21_ci95"], 2).tolist() == np.round(ci2, 2).tolist()
    assert np.round(s["plms_index_icc31_ci95"], 2).tolist() == np.round(ci3, 2).tolist()
    d = emg - tech
    sd = d.std(ddof=1)
    assert round(s["plms_index_bias"], 2) == round(d.mean(), 2)
    assert round(s["plms_index_loa_low"], 2) == round(d.mean() - 1.96 * sd, 2)
    assert round(s["plms_index_loa_high"], 2) == round(d.mean() + 1.96 * sd, 2)
    t = stats.t.ppf(0.975, d.size - 1)
    assert np.round(s["plms_index_bias_ci95"], 2).tolist() == \
        np.round([d.mean() - t * sd / np.sqrt(d.size), d.mean() + t * sd / np.sqrt(d.size)], 2).tolist()
    full = s["indices"]["plms_index"]["emg_vs_tech"]
    se_loa = sd * np.sqrt(3 / d.size)
    assert np.round(full["loa_low_ci95"], 2).tolist() == np.round([d.mean() - 1.96 * sd - t * se_loa,
                                                                   d.mean() - 1.96 * sd + t * se_loa], 2).tolist()
    r = pearson(emg, tech)
    assert round(s["plms_index_pearson_r"], 3) == round(r, 3)
    z, half = np.arctanh(r), stats.norm.ppf(0.975) / np.sqrt(d.size - 3)
    assert np.round(full["pearson_r_ci95"], 3).tolist() == np.round(np.tanh([z - half, z + half]), 3).tolist()
    assert round(s["plms_index_spearman_rho"], 3) == round(pearson(ranks(emg), ranks(tech)), 3)
    table, kappa = kappa_of([category(v) for v in emg], [category(v) for v in tech])
    assert full["categories"]["confusion"] == table
    assert full["categories"]["labels"] == ["<5", "5-15", ">=15"]
    if s["plms_index_kappa"] is not None:
        assert round(s["plms_index_kappa"], 3) == round(kappa, 3)
    else:
        assert "category" in s["null_reasons"]["plms_index_kappa"]
    assert full["n"] == len(COHORT) and full["left_out"] == {}


def test_every_index_is_compared_and_nothing_is_nan(cohort):
    _, nights, summary = cohort
    text = json.dumps(summary, allow_nan=False)  # raises on NaN or inf
    assert "NaN" not in text
    for k in ("plms_index", "plmw_index", "plms_arousal_index", "periodicity_index", "lm_index"):
        agreement = summary["indices"][k]["emg_vs_tech"]
        assert agreement["n"] + len(agreement["left_out"]) == len(nights)
        for key, v in agreement.items():
            if v is None:
                assert key in agreement["null_reasons"], (k, key)
    rows = nights_table(nights)
    assert len({tuple(r) for r in rows}) == 1  # one set of columns
    assert {"night", "tp", "fp", "fn", "plms_index_emg", "plms_index_tech"} <= set(rows[0])


def test_technician_against_the_truth_gives_exactly_the_alterations(simulated):
    """Without the detector, per-leg agreement follows from what the technician changed: the
    truth's movements against the altered ones, by both matching rules."""
    for name, night, tech, path in simulated:
        if tech.errors.mislabel_leg:
            continue
        exact = technician_scoring(night)
        truth_legs, _ = scoring_legs(jd.read_scoring(exact.write(path.replace(".", "_exact."))), 0.0)
        tech_legs, unsided = scoring_legs(jd.read_scoring(path), 0.0)
        assert unsided == 0
        for m in (Matching("overlap"), Matching("onset", tolerance_s=1.01 * max(tech.errors.onset_jitter_s, 0.01))):
            for k, leg in enumerate(("left", "right")):
                a, b = truth_legs.subset(truth_legs.side == k), tech_legs.subset(tech_legs.side == k)
                e = compare_events(np.column_stack([a.onset, a.offset]), np.column_stack([b.onset, b.offset]), m)
                truth_side = [x["side"] for x in night.truth["leg_movements"]]
                missed = sum(truth_side[i] == leg for i in tech.missed)
                extra = sum(tech.leg_movements[i]["side"] == leg for i in tech.extra)
                assert (e.tp, e.fp, e.fn) == (truth_side.count(leg) - missed, missed, extra), (name, leg, m.rule)
                shifts = [-s for i, s in tech.shifted.items() if truth_side[i] == leg]
                expect = np.median(shifts + [0.0] * (e.tp - len(shifts))) if e.tp else None
                assert e.to_dict()["onset_diff_median_s"] == pytest.approx(expect, abs=1e-6)


def test_onset_matching_equals_a_brute_force_count(simulated):
    name, night, tech, path = simulated[3]
    n = score_night(night.recording(), path, matching=Matching("onset", tolerance_s=0.5))
    a, b = n.emg.lm, n.tech.lm
    assert (n.events["lm"].tp, n.events["lm"].fp, n.events["lm"].fn) == counts(a, b, nearest_onset_pairs(a, b, 0.5))
    assert cohort_summary([n])["matching"]["rule"] == "onset"
    assert "onsets within 0.5 s" in cohort_summary([n])["matching"]["description"]


@pytest.mark.parametrize("seed", range(6))
def test_matchers_equal_brute_force_on_dense_random_events(seed):
    """Crowded, overlapping events, where a matcher that looks only at neighbours goes wrong."""
    rng = np.random.default_rng(seed)

    def events(n):
        on = np.sort(rng.uniform(0, 60, n))
        return np.column_stack([on, on + rng.uniform(0.5, 4, n)])
    a, b = events(40), events(35)
    cases = [(Matching("overlap"), greedy_overlap_pairs(a, b)),
             (Matching("overlap", min_overlap_s=0.5), greedy_overlap_pairs(a, b, 0.5))]
    cases += [(Matching("onset", tolerance_s=t), nearest_onset_pairs(a, b, t)) for t in (0.5, 2.0)]
    for m, pairs in cases:
        e = compare_events(a, b, m)
        assert (e.tp, e.fp, e.fn) == counts(a, b, pairs), m
        np.testing.assert_allclose(np.sort(e.onset_diff_s), np.sort([a[i, 0] - b[j, 0] for i, j in pairs]))
        np.testing.assert_allclose(np.sort(e.tech_only[:, 0]), np.sort(np.delete(b, [j for _, j in pairs], 0)[:, 0]))


def test_detected_arousals_against_the_files(simulated):
    nights = [score_night(night.recording(), path, arousals="detect", night=name)
              for name, night, _, path in simulated[:4]]
    s = cohort_summary(nights)
    tp = fp = fn = 0
    emg_ai, tech_ai = [], []
    for (_name, night, _, path), n in zip(simulated[:4], nights):
        res = jd.score(night.recording(), annotations=path, arousals="detect")
        det = res.detected_arousals.to_array()
        ref = np.array(night.truth["arousals"], float).reshape(-1, 2)
        a, b = np.column_stack([det[:, 0], det.sum(1)]), np.column_stack([ref[:, 0], ref.sum(1)])
        c = counts(a, b, greedy_overlap_pairs(a, b))
        assert (n.events["arousal"].tp, n.events["arousal"].fp, n.events["arousal"].fn) == c
        tp, fp, fn = tp + c[0], fp + c[1], fn + c[2]
        tst_h = np.isin(night.stages, (1, 2, 3, 4)).sum() * 30 / 3600
        in_sleep = lambda on: np.isin(night.stages[np.minimum((on // 30).astype(int), night.stages.size - 1)],  # noqa
                                      (1, 2, 3, 4)).sum()
        emg_ai.append(in_sleep(det[:, 0]) / tst_h)
        tech_ai.append(in_sleep(ref[:, 0]) / tst_h)
        assert n.indices["arousal_index"] == pytest.approx((emg_ai[-1], tech_ai[-1]), abs=1e-9)
    assert round(s["events"]["arousal"]["f1"], 3) == round(f1_of(tp, fp, fn), 3)
    ai = s["indices"]["arousal_index"]["emg_vs_tech"]
    assert round(ai["bias"], 2) == round(float(np.mean(np.subtract(emg_ai, tech_ai))), 2)
    assert round(ai["icc21"], 2) == round(anova_icc(emg_ai, tech_ai)[0], 2)


def test_a_night_read_back_from_its_file_gives_the_same_row_and_summary(cohort):
    """Resuming reads each finished night from X_agreement.json: nothing may change on the way."""
    _, nights, summary = cohort
    back = [NightAgreement.from_dict(json.loads(json.dumps(n.to_dict(), allow_nan=False))) for n in nights]
    assert [b.row() for b in back] == [n.row() for n in nights]
    assert json.dumps(cohort_summary(back), sort_keys=True) == json.dumps(summary, sort_keys=True)


def test_reported_indices_are_compared_where_given(cohort):
    _, nights, _ = cohort
    reported = {n.night: {"plms_index": n.indices["plms_index"][1] + 1.0} for n in nights[1:]}
    s = cohort_summary(nights, reported=reported)
    tf = s["indices"]["plms_index"]["tech_vs_file"]
    assert tf["n"] == len(nights) - 1 and list(tf["left_out"]) == [nights[0].night]
    assert tf["bias"] == pytest.approx(-1.0) and tf["sd_diff"] == pytest.approx(0.0, abs=1e-9)
    assert tf["icc31"] == pytest.approx(1.0) and tf["icc31_ci95"] is None and "same on every night" in \
        tf["null_reasons"]["icc31_ci95"]
    assert "plmw_index" not in reported[nights[1].night] and "emg_vs_file" not in s["indices"]["plmw_index"]
    rows = nights_table(nights, reported)
    assert rows[0]["plms_index_file"] is None and rows[1]["plms_index_file"] == reported[nights[1].night]["plms_index"]


# ----------------------------------------------------------------------------- small and degenerate cohorts
def test_small_cohorts_give_null_with_a_reason_not_nan():
    r = index_agreement([3.0, 20.0], [4.0, 18.0], ["a", "b"], cuts=(5, 15))
    assert r["n"] == 2 and r["bias"] == pytest.approx(0.5)
    for k in ("icc21", "icc21_ci95", "icc31", "pearson_r", "spearman_rho", "loa_low", "sd_diff"):
        assert r[k] is None and "fewer than 3 nights (2)" in r["null_reasons"][k]
    assert r["categories"]["kappa"] is None and r["categories"]["confusion"] == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    same = index_agreement([7.0] * 4, [7.0] * 4, cuts=(5, 15))
    assert same["icc21"] is None and "same value" in same["null_reasons"]["icc21"]
    assert same["pearson_r"] is None and "same value on every night" in same["null_reasons"]["pearson_r"]
    assert same["bias"] == 0.0 and same["sd_diff"] == 0.0
    assert same["categories"]["kappa"] is None and "kappa is undefined" in same["categories"]["null_reasons"]["kappa"]
    flat = index_agreement([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0])
    assert flat["pearson_r"] is None and "second scoring" in flat["null_reasons"]["pearson_r"]
    assert flat["icc21"] is not None  # one constant scorer still has a (poor) ICC
    empty = index_agreement([None, None], [1.0, None], ["a", "b"])
    assert empty["n"] == 0 and empty["bias"] is None and empty["left_out"] == {
        "a": "no value from the first scoring", "b": "no value from either scoring"}
    for r in (same, flat, empty):
        json.dumps(r, allow_nan=False)


def test_icc_boundaries_by_hand():
    """ICC on both sides of its meaning: perfect agreement 1, constant offset lowers only ICC(2,1)."""
    x = np.array([2.0, 8.0, 15.0, 30.0, 45.0])
    r = index_agreement(x, x)
    assert r["icc21"] == pytest.approx(1.0) and r["icc31"] == pytest.approx(1.0)
    shifted = index_agreement(x + 10, x)
    with np.errstate(divide="ignore", invalid="ignore"):  # no residual: the F ratio is infinite
        expected = anova_icc(x + 10, x)[0]
    assert shifted["icc31"] == pytest.approx(1.0) and shifted["icc21"] == pytest.approx(expected)
    assert shifted["icc21"] < 0.9 and shifted["bias"] == pytest.approx(10.0)
    noisy = index_agreement(x + [3, -3, 3, -3, 0], x)
    assert noisy["icc31"] < 1.0 and noisy["icc31_ci95"][0] < noisy["icc31"] < noisy["icc31_ci95"][1]


def test_category_edges():
    r = index_agreement([4.999, 5.0, 14.999, 15.0], [0.0, 5.0, 10.0, 100.0], cuts=(5, 15))
    assert r["categories"]["confusion"] == [[1, 0, 0], [0, 2, 0], [0, 0, 1]]


def test_cohort_refuses_mixed_rules_and_duplicates(simulated):
    name, night, _, path = simulated[1]
    a = score_night(night.recording(), path, rules="wasm2016", night="a")
    b = score_night(night.recording(), path, rules="aasm2012", night="b")
    with pytest.raises(InputError, match="one rule set"):
        cohort_summary([a, b])
    with pytest.raises(InputError, match="unique"):
        cohort_summary([a, a])
    with pytest.raises(InputError, match="Matching.rule = .nearest. is invalid: it must be one of .overlap., .onset."):
        Matching("nearest")


def test_missing_pingouin_names_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "pingouin", None)
    with pytest.raises(DependencyError, match=r"jerkdetect\[agree\]"):
        index_agreement([1.0, 2.0, 4.0], [1.0, 3.0, 4.0])


def test_pingouin_rounding_option_is_left_as_found():
    import pingouin
    before = dict(pingouin.options)
    r = index_agreement([1.0, 2.0, 4.0, 9.0], [1.5, 2.2, 3.1, 9.4])
    assert dict(pingouin.options) == before
    assert r["icc21_ci95"][0] != round(r["icc21_ci95"][0], 2)  # read unrounded


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_exact_technician_onsets_do_not_drift_with_the_rate(fs, tmp_path):
    night = simulate_night(seed=41, duration_h=0.5, fs_emg=fs, fs_eeg=100.0, full_montage=False,
                           plm_series_per_hour=4.0)
    path = technician_scoring(night).write(tmp_path / "n.xml")
    n = score_night(night.recording(), path)
    e = n.events["lm"]
    assert e.f1 >= 0.95
    assert abs(np.median(e.onset_diff_s)) <= 0.05 and np.max(np.abs(e.onset_diff_s)) <= 0.25


def test_one_full_result_at_a_time(simulated, monkeypatch):
    """score_night drops the EMG ScoringResult before the technician's scoring starts."""
    import gc
    import importlib
    import weakref
    score_module = importlib.import_module("jerkdetect.pipeline.score")
    real, alive = score_module.score, []

    def watched(*args, **kwargs):
        gc.collect()
        alive.append([r() is not None for r in refs])
        res = real(*args, **kwargs)
        refs.append(weakref.ref(res))
        return res
    refs: list = []
    monkeypatch.setattr(score_module, "score", watched)
    name, night, _, path = simulated[1]
    n = score_night(night.recording(), path, night=name)
    assert alive == [[], [False]] and n.events["lm"].tp > 0


@pytest.mark.parametrize("a, b, why", [
    ([1.0, 5.0, 9.0], [2.0, 4.0, 10.0], "at least 4 nights"),           # SE 1/sqrt(n - 3) is infinite
    ([1.0, 5.0, 9.0, 20.0], [2.0, 6.0, 10.0, 21.0], "exactly linear"),  # r = 1: atanh(r) is infinite
])
def test_pearson_interval_null_with_reason_where_fisher_z_is_undefined(a, b, why):
    import warnings

    from jerkdetect.evaluation.agreement_stats import correlation
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from an infinite z either
        r = correlation(np.array(a), np.array(b))
    assert r["pearson_r"] is not None and r["pearson_r_ci95"] is None
    assert why in r["null_reasons"]["pearson_r_ci95"]
    # one more night, not exactly linear: the interval is there and holds r
    r = correlation(np.array(a + [30.0]), np.array(b + [29.0]))
    assert r["pearson_r_ci95"][0] < r["pearson_r"] < r["pearson_r_ci95"][1]
    assert "pearson_r_ci95" not in r["null_reasons"]
