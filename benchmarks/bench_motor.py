"""Motor events beyond PLM (issue 16): accuracy on simulated nights from two renderers, and cost.

Run: python benchmarks/bench_motor.py [--quick] [--hours H] [--seeds N] [--no-cost] [--json PATH]

Accuracy: every preset of ``jerkdetect.simulate.motor`` (RBD and control REM, dense and sparse
fragmentary myoclonus, ALMA, HFT, mixed nights, RBD with arm channels), each drawn by both
renderers ("gauss": Gaussian EMG; "muap": motor-unit trains with another spectrum, burst shape and
background) at 200, 256 and 512 Hz, scored in memory with the whole pipeline (``score()``, then
every motor rule, ``rules.motor_events.score_motor``) and compared with the truth
(``simulate.motor_eval``): ALMA and HFT episode F1, fragmentary myoclonus per hour error and EFM
yes/no, REM epoch tonic and phasic agreement, SINBAR "any" % error, RBD vs control by RAI. The
weakest night of each metric is printed, not only the mean. The same nights also show how the
PLM rules treat ALMA and HFT: the scored leg movements overlapping the true trains (none should:
the monolateral LMs within a detected episode leave the PLM rules, ``MotorRules.exclude_rhythmic_lms``)
and how many were left out (``n_lm_in_rhythmic_episodes``).

Cost: the reference 8-h night of ``bench_pipeline`` (3 EMG at 512 Hz) scored with and without
the motor stages (``score(motor=False)``), alternated in the same process (``--reps`` rounds, 15 by
default): the growth of the steady time in seconds (best against best, and the median of the
rounds' paired differences, which cancels the drift of a shared machine) and as a ratio, the
stages' own timing (``timings_s["motor"]``: ALMA/HFT before the PLM rules, the rest after) and
its parts. ``--cost-only`` skips the accuracy nights.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import full_night, machine, table  # noqa: E402

TARGETS = dict(episode_f1=0.95, fm_rel_err=0.15, epoch_agree=0.95, any_err_points=5.0)
PRESETS = ("rbd", "control", "efm", "fm_sparse", "alma", "hft", "mixed", "mixed_control", "rbd_arms")
RATES = (200.0, 256.0, 512.0)


def one_night(preset: str, seed: int, hours: float, fs: float, renderer: str) -> dict:
    from jerkdetect.core.intervals import overlaps_window
    from jerkdetect.evaluation import motor as me
    from jerkdetect.simulate.motor import motor_night, score_night_motor
    t0 = time.perf_counter()
    night = motor_night(preset, seed=seed, duration_h=hours, fs_emg=fs, renderer=renderer)
    t1 = time.perf_counter()
    res, mo = score_night_motor(night)
    t2 = time.perf_counter()
    m = night.truth["motor"]
    row = dict(preset=preset, seed=seed, fs=fs, renderer=renderer, gen_s=round(t1 - t0, 1), score_s=round(t2 - t1, 2),
               lm_left_out=res.indices.get("n_lm_in_rhythmic_episodes") or 0)
    for kind in ("alma", "hft"):
        if m[kind]:
            ep = getattr(mo, kind)
            r = me.match_episodes(ep.onset, ep.offset, m[kind])
            row[f"{kind}_f1"], row[f"{kind}_n"] = r["f1"], len(m[kind])
            row[f"{kind}_missed"], row[f"{kind}_spurious"] = r["missed"], r["spurious"]
            iv = np.array([(t["onset"], t["offset"]) for t in m[kind]])
            hit = overlaps_window(res.lm.onset, res.lm.offset, iv)
            row[f"{kind}_lms"] = int(hit.sum())
            row[f"{kind}_plms"] = int(res.lm.plm[hit].sum())
        elif len(getattr(mo, kind)):
            row[f"{kind}_spurious"] = [round(float(x), 2) for x in getattr(mo, kind).onset]
    if m["fm_profile"]:
        e = me.eval_fm(mo.fm, night.truth, night.stages)
        row.update(fm_truth_per_h=e["truth_per_h"], fm_det_per_h=e["det_per_h"], fm_rel_err=e["rel_err"],
                   efm_truth=e["truth_efm"], efm_ok=e["truth_efm"] == e["det_efm"], fm_recall=e["recall"])
    if m["rem_profile"]:
        e = me.eval_rem(mo.rem, night.truth)
        row.update(rem_epochs=e["n_both"], tonic_agree=e["tonic_agree"], phasic_agree=e["phasic_agree"],
                   any_truth=e["truth_any_pct"], any_err=e["any_err"], scored_agree=e["scored_agree"],
                   rai=mo.rai.value, rai_category=mo.rai.category, rem_profile=m["rem_profile"],
                   bad_epochs=e["bad_epochs"])
    return row


def accuracy(hours: float, seeds: int, presets, rates) -> list[dict]:
    rows = []
    for renderer in ("gauss", "muap"):
        for fs in rates:
            for preset in presets:
                for s in range(seeds):
                    seed = 1000 + 17 * s + PRESETS.index(preset)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        r = one_night(preset, seed, hours, fs, renderer)
                    rows.append(r)
                    print(f"  {renderer:5} {fs:5g} Hz {preset:13} seed {seed}: "
                          + ", ".join(f"{k}={r[k]:.3g}" if isinstance(r[k], float) else f"{k}={r[k]}"
                                      for k in r if k.endswith(("_f1", "_err", "_agree", "efm_ok")) or k == "rai"),
                          flush=True)
    return rows


def summarise(rows: list[dict]) -> str:
    out = []
    cols = ["renderer", "fs", "nights", "alma_f1", "hft_f1", "fm_rel_err", "efm_ok", "tonic_agree",
            "phasic_agree", "any_err"]
    agg = []
    for renderer in ("gauss", "muap"):
        for fs in sorted({r["fs"] for r in rows}):
            rs = [r for r in rows if r["renderer"] == renderer and r["fs"] == fs]
            if not rs:
                continue
            a = dict(renderer=renderer, fs=fs, nights=len(rs))
            for k, worst in (("alma_f1", min), ("hft_f1", min), ("tonic_agree", min), ("phasic_agree", min)):
                v = [r[k] for r in rs if r.get(k) is not None]
                a[k] = worst(v) if v else ""
            v = [abs(r["fm_rel_err"]) for r in rs if r.get("fm_rel_err") is not None]
            a["fm_rel_err"] = max(v) if v else ""
            v = [r["efm_ok"] for r in rs if "efm_ok" in r]
            a["efm_ok"] = f"{sum(v)}/{len(v)}" if v else ""
            v = [abs(r["any_err"]) for r in rs if r.get("any_err") is not None]
            a["any_err"] = max(v) if v else ""
            agg.append(a)
    out.append("Worst night per renderer and rate (F1 and agreement: minimum; errors: largest |value|; "
               "any_err in percentage points)\n")
    out.append(table(agg, cols))
    rbd = [r["rai"] for r in rows if r.get("rem_profile") == "rbd" and r.get("rai") is not None]
    ctl = [r["rai"] for r in rows if r.get("rem_profile") == "control" and r.get("rai") is not None]
    if rbd and ctl:
        out.append(f"\nRAI: RBD nights {len(rbd)}, max {max(rbd):.3f}; control nights {len(ctl)}, min {min(ctl):.3f}; "
                   f"separated every time: {max(rbd) < min(ctl)}; RBD all < 0.8: {max(rbd) < 0.8}; "
                   f"controls all > 0.9: {min(ctl) > 0.9}")
    for kind in ("alma", "hft"):
        n = sum(r.get(f"{kind}_n", 0) for r in rows)
        lms = sum(r.get(f"{kind}_lms", 0) for r in rows)
        plms = sum(r.get(f"{kind}_plms", 0) for r in rows)
        if n:
            out.append(f"PLM rules on {kind.upper()}: {n} true trains carry {lms} scored leg movements "
                       f"({plms} of them PLMs)")
    out.append(f"Monolateral leg movements within detected ALMA/HFT episodes, left out of the PLM rules: "
               f"{sum(r.get('lm_left_out', 0) for r in rows)}")
    bad = [r for r in rows if any(isinstance(r.get(k), float) and r[k] < TARGETS["episode_f1"]
                                  for k in ("alma_f1", "hft_f1"))
           or (r.get("fm_rel_err") is not None and abs(r["fm_rel_err"]) > TARGETS["fm_rel_err"])
           or r.get("efm_ok") is False
           or any(isinstance(r.get(k), float) and r[k] < TARGETS["epoch_agree"]
                  for k in ("tonic_agree", "phasic_agree"))
           or (r.get("any_err") is not None and abs(r["any_err"]) > TARGETS["any_err_points"])]
    out.append(f"\nNights below a target: {len(bad)} of {len(rows)}")
    for r in bad:
        out.append("  " + json.dumps({k: v for k, v in r.items() if v not in ([], None)}, default=str))
    return "\n".join(out)


def cost(reps: int = 15) -> dict:
    """Steady time of the reference 8-h night with and without the motor stages, alternated in the
    same process (best of ``reps`` each, and the median of the paired differences), and the parts."""
    import jerkdetect as jd
    from jerkdetect.rules.motor_events import MotorRules
    from jerkdetect.rules.motor_features import features_from_bursts
    path = full_night(8.0)
    rules = MotorRules()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jd.score(path)
        jd.score(path, motor=False)  # warm-up: kernels from the cache, pages touched
        on, off, stage = [], [], []
        for k in range(reps):
            for motor in ((True, False) if k % 2 == 0 else (False, True)):  # either order, every other round
                t = time.perf_counter()
                r = jd.score(path, motor=motor)
                (on if motor else off).append(time.perf_counter() - t)
                if motor:
                    res = r
                    stage.append(r.info["timings_s"]["motor"])
        hyp = res.hypnogram
        parts = {}
        for name, fn in (("fragmentary_myoclonus", lambda f: rules.fragmentary_myoclonus.find(f, hyp)),
                         ("rem", lambda f: rules.rem.score(f, hyp)),
                         ("atonia_index", lambda f: rules.atonia_index.compute(f.get("chin"), hyp)),
                         ("alma_hft", lambda f: rules.hft.find(f, rules.alma.find(f), hyp))):
            ts = []
            for _ in range(reps):
                f = features_from_bursts(res.bursts)
                t = time.perf_counter()
                fn(f)
                ts.append(time.perf_counter() - t)
            parts[name] = min(ts)
    import statistics
    return dict(with_s=min(on), without_s=min(off), growth_s=min(on) - min(off), ratio=min(on) / min(off),
                paired_growth_s=statistics.median(a - b for a, b in zip(on, off)),
                stage_s=min(stage), stage_median_s=statistics.median(stage), parts=parts, n_fm=len(res.motor.fm),
                n_rem_epochs=len(res.motor.rem), reps=reps, load=os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--hours", type=float, default=None)
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--no-cost", action="store_true")
    ap.add_argument("--cost-only", action="store_true")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    hours = a.hours or (2.0 if a.quick else 4.0)
    seeds = a.seeds or 1
    presets = ("rbd", "control", "mixed", "mixed_control") if a.quick else PRESETS
    rates = (256.0,) if a.quick else RATES
    print(f"# Motor events (issue 16)\n\n{machine()}\n\nAccuracy: {hours:g}-h nights, {seeds} seed(s) per preset, "
          f"presets {', '.join(presets)}, rates {', '.join(f'{r:g}' for r in rates)} Hz, renderers gauss and muap\n")
    rows = [] if a.cost_only else accuracy(hours, seeds, presets, rates)
    if rows:
        print()
        print(summarise(rows))
    result = dict(rows=rows)
    if not a.no_cost:
        c = cost(a.reps)
        result["cost"] = c
        print(f"\nCost on the reference 8-h night (3 EMG @ 512 Hz), steady state, {c['reps']} alternated rounds in one "
              f"process (load average {', '.join(f'{x:.1f}' for x in c['load'])}): score() {c['with_s']:.3f} s "
              f"with the motor stages, {c['without_s']:.3f} s with motor=False (best of each): "
              f"+{c['growth_s'] * 1000:.0f} ms (x{c['ratio']:.3f}); median of the paired differences "
              f"{c['paired_growth_s'] * 1000:+.0f} ms; the stages' own timing "
              f"{c['stage_s'] * 1000:.0f} ms best, {c['stage_median_s'] * 1000:.0f} ms median "
              f"(FM {c['parts']['fragmentary_myoclonus'] * 1000:.1f} ms, REM {c['parts']['rem'] * 1000:.1f} ms, "
              f"RAI {c['parts']['atonia_index'] * 1000:.1f} ms, ALMA+HFT {c['parts']['alma_hft'] * 1000:.1f} ms; "
              f"{c['n_rem_epochs']} REM epochs, {c['n_fm']} potentials)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1, default=str)


if __name__ == "__main__":
    main()
