"""EEG arousal detection against simulated truth: seeds x rates x 1-2 channels x both rule sets.

Run: python benchmarks/bench_arousals.py [--hours 2] [--seeds 3] [--quick] [--param NAME=VALUE ...]

Each night is scored from a scoring file with its arousals removed (stages and respiratory
events only), so ``score()`` detects the arousals in the EEG (``arousals="auto"``). Reported per
night: arousal event F1 (overlap, one-to-one), onset error, agreement of the LM arousal links on
LMs matched to the truth, and the PLMS-arousal index error against the truth scored with the
true arousals. Two baselines in the same run:

* naive: alpha+beta (8-30 Hz) power in 1-s windows above a fixed multiple of the night's median
  in sleep, runs >= 3 s starting in sleep, any channel; its multiple is tuned on these very
  nights (best pooled F1 over a grid), so it is an optimistic baseline;
* the same nights' truth re-rendered by a second EEG renderer (``benchmarks/_alt_eeg.py``) that
  shares none of the simulator's code: 1/f backgrounds, sinusoidal alpha, other spindles,
  K-complexes and muscle artefact; half with the arousal amplitude set against the alpha band.

The arousal stress family (``jerkdetect.simulate.arousal_stress``: low-contrast arousals,
intrusions next to arousals, arousals right after spindles/K-complexes, alpha- and beta-rich
backgrounds, one channel, 100-200 Hz, pops and sweat, REM arousals with a small chin rise, chin
bursts without an arousal, trains of slow spindles) is
scored the same way, per effect and pooled, with the naive baseline beside each effect.

A peer on the same files when psgscoring is installed (``pip install ".[bench]"``; ``--no-peer``
skips it): psgscoring's rule-based AASM arousal detector with its defaults
(``_peer.run_psgscoring_arousals``), its arousals matched to the truth like jerkdetect's.

The weakest night and the missed and false arousals by kind are named at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _peer  # noqa: E402
from _common import machine, table  # noqa: E402

RATES = (100.0, 200.0, 256.0, 512.0)
NAIVE_RATIOS = (2.0, 3.0, 4.0, 6.0, 8.0)
SIM_EEG = ("EEG C4-M1", "EEG O2-M1")  # the simulator's EEG derivations (one or both per night)


def sim_eeg_labels(rec) -> list[str]:
    """The simulator's EEG derivations that a written night has."""
    return [lab for lab in SIM_EEG if lab in rec.channels]


def _no_arousal_scoring(night, path: str) -> str:
    rows = [f"{o:.6f}\t{d:.6f}\t{t}" for o, d, t in night.scoring_events() if t != "Arousal"]
    with open(path, "w") as f:
        f.write("onset\tduration\tdescription\n" + "\n".join(rows) + "\n")
    return path


def naive_arousals(rec, hyp, labels, ratios) -> dict[float, np.ndarray]:
    """Alpha+beta power / night median in sleep above ``ratio`` for >= 3 s (any channel)."""
    from jerkdetect.alignment import stage_at
    from jerkdetect.detection.eeg_features import band_bins, band_log_power, decimated, frame_starts
    above_by, t = {}, None
    for lab in labels:
        x, fs_d, k = decimated(rec, lab, 128.0)
        starts, n_win = frame_starts(x.size, fs_d, 1.0, 0.5)
        lp = band_log_power(x, fs_d, starts, n_win, band_bins(fs_d, n_win, {"ab": (8.0, 30.0)}, []))[:, 0]
        tc = (starts + (n_win - 1) / 2) * k / rec.channels[lab].fs
        t = tc if t is None else t
        lp = np.interp(t, tc, lp)
        sleep = np.isin(stage_at(t, hyp.stages, hyp.offset, hyp.epoch_length), (1, 2, 3, 4))
        med = np.median(lp[sleep])
        for r in ratios:
            above_by[r] = above_by.get(r, np.zeros(t.size, bool)) | (lp - med >= np.log(r))
    sleep = np.isin(stage_at(t, hyp.stages, hyp.offset, hyp.epoch_length), (1, 2, 3, 4))
    out = {}
    for r, above in above_by.items():
        d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
        s, e = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
        ev = [(t[a], t[b] - t[a] + 0.5) for a, b in zip(s, e) if t[b] - t[a] + 0.5 >= 3.0 and sleep[a]]
        out[r] = np.array(ev, float).reshape(-1, 2)
    return out


def peer_match(paths: dict, scoring: str, rec, truth: np.ndarray) -> dict | None:
    """psgscoring's arousals on a written night matched to the truth (None without psgscoring)."""
    if not _peer.available():
        return None
    from jerkdetect.evaluation.matching import match_intervals
    labels = sim_eeg_labels(rec)
    chin = rec.channel("chin").label if rec.has_role("chin") else None
    det = _peer.run_psgscoring_arousals(paths["recording"], scoring, labels, chin)["arousals"]
    return match_intervals(det, truth)


def _pool(rows, key="f1"):
    tp = sum(r["tp"] for r in rows)
    fp = sum(r["fp"] for r in rows)
    fn = sum(r["fn"] for r in rows)
    return 2 * tp / (2 * tp + fp + fn), tp, fp, fn


def _value(v: str):
    """A --param value: true/false, an integer or a float."""
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    return float(v) if "." in v or "e" in v.lower() else int(v)


def main() -> None:
    import jerkdetect as jd
    from jerkdetect.evaluation.matching import match_intervals
    from jerkdetect.simulate import simulate_night
    from jerkdetect.evaluation.truth import evaluate_arousals
    from _alt_eeg import render_alt_eeg
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one seed, 1-h nights")
    ap.add_argument("--stress-seeds", type=int, default=2, help="nights per arousal stress effect")
    ap.add_argument("--no-stress", action="store_true", help="skip the arousal stress family")
    ap.add_argument("--no-peer", action="store_true", help="skip psgscoring's arousal detector (the peer)")
    ap.add_argument("--param", action="append", metavar="NAME=VALUE", default=[],
                    help="ArousalParams override, e.g. --param on_ratio=3")
    a = ap.parse_args()
    params = jd.ArousalParams(**{k: _value(v) for k, v in (x.split("=", 1) for x in a.param)})
    hours, seeds = (1.0, 1) if a.quick else (a.hours, a.seeds)
    print(f"machine: {machine()}\n")
    print(f"{seeds} seeds x rates {', '.join(f'{r:g}' for r in RATES)} Hz, {hours:g}-h nights, "
          "1 or 2 EEG channels (C4-M1, O2-M1), chin EMG; scoring without arousals\n")
    rows, naive_rows, alt_rows, peer_rows = [], [], [], []
    fn_kinds, fp_kinds = Counter(), Counter()
    cost = []
    with tempfile.TemporaryDirectory() as d:
        for si in range(seeds):
            for ri, fs in enumerate(RATES):
                seed = 300 + 10 * si + ri
                channels = 2 if (si + ri) % 2 == 0 else 1
                night = simulate_night(seed=seed, duration_h=hours, fs_emg=max(fs, 200.0), fs_eeg=fs,
                                       full_montage=channels == 2)
                paths = night.write(d, f"s{seed}", scoring="none")
                sc = _no_arousal_scoring(night, os.path.join(d, f"s{seed}_no_arousals.tsv"))
                truth = np.array(night.truth["arousals"], float).reshape(-1, 2)
                desc = dict(seed=seed, fs=fs, eeg=channels, n_true=len(truth))
                for rules in ("wasm2016", "aasm2012"):
                    res = jd.score(paths["recording"], annotations=sc, rules=rules, arousal_params=params)
                    ev = evaluate_arousals(res, night.truth, night.hypnogram, rules)
                    same = res.compare_arousals(truth)  # same LMs, detected vs true arousals
                    e = ev["events"]
                    rows.append(dict(**desc, rules=rules, **{k: e[k] for k in ("tp", "fp", "fn")}, f1=e["f1"],
                                     onset_med_s=e["median_onset_error"], onset_max_s=e["max_onset_error"],
                                     links=ev["lm_link_agreement"], plm_links=ev["plm_link_agreement"],
                                     plmsai=ev["plms_arousal_index"], plmsai_truth=ev["plms_arousal_index_truth"],
                                     plmsai_err=ev["plms_arousal_index_error"],
                                     plmsai_err_same_lms=abs(same["plms_arousal_index_detected"]
                                                             - same["plms_arousal_index_reference"])))
                    if rules == "wasm2016":
                        cost.append(res.info["timings_s"]["arousals"] / hours)
                        _tally(res, night, fn_kinds, fp_kinds)
                rec = jd.read_psg(paths["recording"])
                labels = sim_eeg_labels(rec)
                for r, det in naive_arousals(rec, night.hypnogram, labels, NAIVE_RATIOS).items():
                    m = match_intervals(det, truth)
                    naive_rows.append(dict(**desc, ratio=r, tp=m["tp"], fp=m["fp"], fn=m["fn"], f1=m["f1"]))
                m = None if a.no_peer else peer_match(paths, sc, rec, truth)
                if m is not None:
                    peer_rows.append(dict(**desc, tp=m["tp"], fp=m["fp"], fn=m["fn"], f1=m["f1"]))
                # the same truth, EEG from the second renderer
                ratio_of = "band" if (si + ri) % 2 else "total"
                eeg = render_alt_eeg(night, fs, seed, channels, ratio_of)
                sig = {k: night.signals[k] for k in ("Leg L", "Leg R", "EMG Chin", "ECG")}
                rates = {k: night.fs[k] for k in sig}
                for lab, x in zip(("EEG C3-M2", "EEG O1-M2"), eeg):
                    sig[lab], rates[lab] = x, fs
                alt = jd.score(jd.Recording.from_arrays(sig, rates), annotations=sc, arousal_params=params)
                ev = evaluate_arousals(alt, night.truth, night.hypnogram)
                same = alt.compare_arousals(truth)
                e = ev["events"]
                alt_rows.append(dict(**desc, amplitude_vs=ratio_of, **{k: e[k] for k in ("tp", "fp", "fn")},
                                     f1=e["f1"], onset_med_s=e["median_onset_error"], links=ev["lm_link_agreement"],
                                     plmsai_err=ev["plms_arousal_index_error"],
                                     plmsai_err_same_lms=abs(same["plms_arousal_index_detected"]
                                                             - same["plms_arousal_index_reference"])))
    print("## jerkdetect detector, per night\n")
    print(table(rows, ["seed", "fs", "eeg", "rules", "n_true", "tp", "fp", "fn", "f1", "onset_med_s", "onset_max_s",
                       "links", "plm_links", "plmsai", "plmsai_truth", "plmsai_err", "plmsai_err_same_lms"]))
    best = max(NAIVE_RATIOS, key=lambda r: _pool([x for x in naive_rows if x["ratio"] == r])[0])
    nv = [x for x in naive_rows if x["ratio"] == best]
    print(f"\n## Naive band-power baseline (8-30 Hz power >= {best:g} x night median in sleep, >= 3 s; "
          "multiple tuned on these nights)\n")
    print(table(nv, ["seed", "fs", "eeg", "n_true", "tp", "fp", "fn", "f1"]))
    print("\n## Same truth, EEG from the second renderer (benchmarks/_alt_eeg.py), WASM 2016\n")
    print(table(alt_rows, ["seed", "fs", "eeg", "amplitude_vs", "n_true", "tp", "fp", "fn", "f1", "onset_med_s",
                           "links", "plmsai_err", "plmsai_err_same_lms"]))
    print("\n## Summary\n")
    summ = []
    for name, rs in (("jerkdetect, WASM 2016", [r for r in rows if r["rules"] == "wasm2016"]),
                     ("jerkdetect, AASM 2012", [r for r in rows if r["rules"] == "aasm2012"]),
                     ("jerkdetect, 1 EEG channel", [r for r in rows if r["eeg"] == 1 and r["rules"] == "wasm2016"]),
                     ("jerkdetect, 2 EEG channels", [r for r in rows if r["eeg"] == 2 and r["rules"] == "wasm2016"]),
                     (f"naive baseline (x{best:g})", nv),
                     ("second renderer", alt_rows)) + ((("psgscoring (peer)", peer_rows),) if peer_rows else ()):
        f1, tp, fp, fn = _pool(rs)
        links = [r["links"] for r in rs if r.get("links") is not None]
        errs = [r["plmsai_err"] for r in rs if r.get("plmsai_err") is not None]
        same = [r["plmsai_err_same_lms"] for r in rs if r.get("plmsai_err_same_lms") is not None]
        summ.append(dict(set=name, nights=len(rs), pooled_f1=f1, tp=tp, fp=fp, fn=fn,
                         min_night_f1=min(r["f1"] for r in rs),
                         min_links=min(links) if links else "", max_plmsai_err=max(errs) if errs else "",
                         max_plmsai_err_same_lms=max(same) if same else ""))
    print(table(summ, ["set", "nights", "pooled_f1", "tp", "fp", "fn", "min_night_f1", "min_links",
                       "max_plmsai_err", "max_plmsai_err_same_lms"]))
    print("plmsai_err: PLMS-arousal index against the truth (LM detection and arousals); _same_lms: on the "
          "same LMs, detected vs true arousals (the arousal detector alone)")
    if not a.no_stress:
        stress_family(params, hours, 1 if a.quick else a.stress_seeds, alt_rows, not a.no_peer)
    worst = min(rows + alt_rows, key=lambda r: r["f1"])
    print(f"\nweakest night: seed {worst['seed']}, {worst['fs']:g} Hz, {worst['eeg']} EEG channel(s)"
          f"{', second renderer' if 'amplitude_vs' in worst else ''}: F1 {worst['f1']:.3f} "
          f"({worst['tp']} tp, {worst['fp']} fp, {worst['fn']} fn)")
    print("missed arousals (own simulator, WASM runs) by kind, amplitude ratio and stage:",
          dict(fn_kinds.most_common()))
    print("false arousals by what they overlap:", dict(fp_kinds.most_common()))
    print(f"\narousal stage cost: median {np.median(cost) * 1e3:.1f} ms per hour of recording "
          f"(max {max(cost) * 1e3:.1f}), measured inside score() on a shared machine")


STRESS_RATES = (200.0, 256.0, 512.0)
LOW_RATES = (100.0, 128.0, 200.0)


def stress_family(params, hours: float, seeds: int, alt_rows: list, peer: bool = True) -> None:
    """Every arousal stress effect: pooled precision, recall, F1, LM link agreement and
    PLMS-arousal index error (both rule sets), the naive baseline and (``peer``, when installed)
    psgscoring on the same nights."""
    import jerkdetect as jd
    from jerkdetect.evaluation.matching import match_intervals
    from jerkdetect.evaluation.truth import evaluate_arousals
    from jerkdetect.simulate.arousal_stress import AROUSAL_EFFECTS, arousal_stress_night
    per, naive, peers = [], [], []
    with tempfile.TemporaryDirectory() as d:
        for ei, eff in enumerate(AROUSAL_EFFECTS):
            for si in range(seeds):
                seed = 700 + 10 * ei + si
                fs = (LOW_RATES if eff == "low_rate" else STRESS_RATES)[(ei + si) % 3]
                over = {} if eff == "one_channel" else dict(full_montage=si % 2 == 0)
                night = arousal_stress_night(eff, seed=seed, duration_h=hours, fs_eeg=fs, **over)
                paths = night.write(d, f"a{seed}", scoring="none")
                sc = _no_arousal_scoring(night, os.path.join(d, f"a{seed}_no_arousals.tsv"))
                truth = np.array(night.truth["arousals"], float).reshape(-1, 2)
                for rules in ("wasm2016", "aasm2012"):
                    res = jd.score(paths["recording"], annotations=sc, rules=rules, arousal_params=params)
                    ev = evaluate_arousals(res, night.truth, night.hypnogram, rules)
                    e = ev["events"]
                    per.append(dict(effect=eff, seed=seed, fs=fs, rules=rules, tp=e["tp"], fp=e["fp"], fn=e["fn"],
                                    links=ev["lm_link_agreement"], plmsai_err=ev["plms_arousal_index_error"]))
                rec = jd.read_psg(paths["recording"])
                labels = sim_eeg_labels(rec)
                for r, det in naive_arousals(rec, night.hypnogram, labels, NAIVE_RATIOS).items():
                    m = match_intervals(det, truth)
                    naive.append(dict(effect=eff, ratio=r, tp=m["tp"], fp=m["fp"], fn=m["fn"]))
                m = peer_match(paths, sc, rec, truth) if peer else None
                if m is not None:
                    peers.append(dict(effect=eff, tp=m["tp"], fp=m["fp"], fn=m["fn"]))
    best = max(NAIVE_RATIOS, key=lambda r: _pool([x for x in naive if x["ratio"] == r])[0])
    out = []
    for eff in AROUSAL_EFFECTS + ("second_renderer",):
        rs = [r for r in per if r["effect"] == eff and r["rules"] == "aasm2012"] if eff != "second_renderer" \
            else alt_rows
        both = [r for r in per if r["effect"] == eff] if eff != "second_renderer" else alt_rows
        f1, tp, fp, fn = _pool(rs)
        nv = [x for x in naive if x["effect"] == eff and x["ratio"] == best]
        pv = [x for x in peers if x["effect"] == eff]
        links = [r["links"] for r in both if r.get("links") is not None]
        errs = [r["plmsai_err"] for r in both if r.get("plmsai_err") is not None]
        out.append(dict(effect=eff, nights=len(rs), tp=tp, fp=fp, fn=fn, precision=tp / max(tp + fp, 1),
                        recall=tp / max(tp + fn, 1), f1=f1, naive_f1=_pool(nv)[0] if nv else "",
                        peer_f1=_pool(pv)[0] if pv else "", min_links=min(links) if links else "",
                        max_plmsai_err=max(errs) if errs else ""))
    f1, tp, fp, fn = _pool([r for r in per if r["rules"] == "aasm2012"])
    allinks = [r["links"] for r in per if r["links"] is not None]
    allerr = [r["plmsai_err"] for r in per if r["plmsai_err"] is not None]
    out.append(dict(effect="pooled (own simulator)", nights=len(per) // 2, tp=tp, fp=fp, fn=fn,
                    precision=tp / max(tp + fp, 1), recall=tp / max(tp + fn, 1), f1=f1,
                    naive_f1=_pool([x for x in naive if x["ratio"] == best])[0],
                    peer_f1=_pool(peers)[0] if peers else "", min_links=min(allinks) if allinks else "",
                    max_plmsai_err=max(allerr) if allerr else ""))
    print(f"\n## Arousal stress family ({seeds} night(s) per effect, {hours:g} h; naive baseline x{best:g}, "
          "tuned on these nights; peer_f1: psgscoring's detector with its defaults; links and PLMS-arousal index "
          "error over both rule sets)\n")
    print(table(out, ["effect", "nights", "tp", "fp", "fn", "precision", "recall", "f1", "naive_f1", "peer_f1",
                      "min_links", "max_plmsai_err"]))
    weakest = min(out[:-1], key=lambda r: r["f1"])
    print(f"\nweakest stress effect: {weakest['effect']} (F1 {weakest['f1']:.3f}, naive {weakest['naive_f1']:.3f})")


def _tally(res, night, fn_kinds: Counter, fp_kinds: Counter) -> None:
    from jerkdetect.evaluation.matching import match_intervals
    det = res.detected_arousals.to_array()
    m = match_intervals(det, np.array(night.truth["arousals"], float).reshape(-1, 2))
    hit_d = {i for i, _ in m["pairs"]}
    hit_t = {j for _, j in m["pairs"]}
    for j, a in enumerate(night.truth["arousal_details"]):
        if j not in hit_t:
            fn_kinds[f"{a['kind']} x{'2-4' if a['ratio'] < 4 else '4-7'} {'W N1 N2 N3 R'.split()[a['stage']]}"] += 1
    for i, (o, dur) in enumerate(det):
        if i not in hit_d:
            near = sorted({e["kind"] for e in night.truth["eeg_events"]
                           if e["onset"] < o + dur and e["onset"] + e["duration"] > o})
            fp_kinds["+".join(near) or "background"] += 1


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n(ran in {time.perf_counter() - t0:.0f} s)")
