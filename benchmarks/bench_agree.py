"""`jerkdetect agree` against `jerkdetect batch` on the same cohort: cost per night, reports included.

Run: python benchmarks/bench_agree.py [--nights 100] [--hours 1] [--jobs 2] [--repeat 2]
     python benchmarks/bench_agree.py --accuracy     # agreement figures only, no timing


The cohort: N simulated nights (full montage, 3 EMG at 512 Hz, EEG/EOG/ECG at 256 Hz), each with
a simulated technician's scoring next to it (misses, onset shifts, a mislabelled leg, extra
movements, in NSRR, Profusion, CSV and TSV; written once to benchmarks/_data). Each run is a
fresh process (imports, Numba cache load and worker start-up included) on ``--jobs`` workers,
everything recomputed (``force``):

* batch: ``score_many(report=True, export=False)``: each night scored from its EMG, its files
  and ``X_report.html``, then ``cohort_report.html``;
* agree: ``agree(report=True)``: the same, plus the technician's scoring of each night, the
  comparison, ``X_agreement.json``, the tables and ``agreement_report.html`` with EMG strips.

Runs alternate (batch, agree, batch, agree...) so the machine's load hits both alike. Two
costs per run: wall time, and CPU time (user + system of the run and all its workers, from
``getrusage(RUSAGE_CHILDREN)``), which other jobs on a shared machine disturb far less. The
numbers to read are the ratios agree / batch of each pair, and their medians.

``--accuracy`` times nothing: one ``agree(report=False)`` per rule set (WASM 2016, AASM 2012) on
the same cohort, in this process, printing the pooled figures and a table by kind of technician
(the README's "Is it right on my data?" table), most disagreeing nights last.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import DATA, machine, run_child, table  # noqa: E402

KINDS = [  # technician imperfections, cycled over the cohort (night k has KINDS[k % 6])
    dict(), dict(miss_fraction=0.1), dict(onset_jitter_s=0.4), dict(miss_fraction=0.2, extra_per_hour=6),
    dict(mislabel_leg="left"), dict(miss_fraction=0.05, onset_jitter_s=1.0, extra_per_hour=2),
]
KIND_NAMES = ["the exact truth", "misses 10 %", "onsets shifted by up to 0.4 s", "misses 20 %, 6 extra/h",
              "every left-leg movement labelled right", "misses 5 %, shifts up to 1 s, 2 extra/h"]
FORMATS = ["nsrr", "profusion", "csv", "tsv"]
POOLED = ("lm_f1", "lm_sensitivity", "lm_ppv", "plms_index_icc21", "plms_index_icc21_ci95", "plms_index_icc31",
          "plms_index_bias", "plms_index_loa_low", "plms_index_loa_high", "plms_index_kappa")

CODE = """
import tempfile, time
import jerkdetect as jd
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as out:
    if {what!r} == "batch":
        df = jd.score_many([{folder!r}], out, jobs={jobs}, force=True, report=True, export=False)
        assert (df.status == "ok").all(), df[df.status != "ok"]
    else:
        res = jd.agree([{folder!r}], out, jobs={jobs}, force=True, report=True)
        assert not res.failed, res.failed
        S = res.summary()
OUT = {{"inner_s": time.perf_counter() - t0, **({{k: S[k] for k in ("lm_f1", "plms_index_icc21")}}
                                              if {what!r} == "agree" else {{}})}}
"""


def cohort(n: int, hours: float) -> str:
    from jerkdetect.simulate.technician import TechnicianErrors, write_technician_cohort
    folder = os.path.join(DATA, f"agree_{n}x{hours:g}h")
    os.makedirs(folder, exist_ok=True)
    for k in range(n):
        stem = f"night{k:03d}"
        if os.path.exists(os.path.join(folder, stem + "_technician.json")):
            continue
        write_technician_cohort(folder, [(stem, 1000 + k, TechnicianErrors(**KINDS[k % len(KINDS)]),
                                          FORMATS[k % len(FORMATS)])],
                                duration_h=hours, plm_series_per_hour=float(k % 9))
    return folder


def by_kind(table_) -> list[dict]:
    """Per kind of technician: nights, TP/FP/FN summed, pooled F1, the weakest night's F1, the mean
    PLMS-index difference (EMG minus technician) and the largest one with its night."""
    t = table_.assign(kind=table_.night.str[5:].astype(int) % len(KINDS))
    rows = []
    for k, g in t.groupby("kind"):
        tp, fp, fn = int(g.tp.sum()), int(g.fp.sum()), int(g.fn.sum())
        worst = g.loc[g.plms_index_diff.abs().idxmax()]
        rows.append(dict(technician=KIND_NAMES[k], nights=len(g), tp=tp, fp=fp, fn=fn,
                         lm_f1=round(2 * tp / (2 * tp + fp + fn), 3), weakest_f1=round(float(g.f1.min()), 3),
                         weakest_f1_night=g.loc[g.f1.idxmin(), "night"],
                         plms_bias=round(float(g.plms_index_diff.mean()), 2),
                         largest_plms_diff=round(float(worst.plms_index_diff), 1), night=worst.night,
                         plms_emg=round(float(worst.plms_index_emg), 1),
                         plms_tech=round(float(worst.plms_index_tech), 1)))
    return sorted(rows, key=lambda r: -r["lm_f1"])


def accuracy(folder: str, jobs: int) -> None:
    """One agree run per rule set, no reports, no timing: pooled figures and the table by kind."""
    import tempfile

    import jerkdetect as jd
    for rules in ("wasm2016", "aasm2012"):
        with tempfile.TemporaryDirectory() as out:
            res = jd.agree([folder], out, rules=rules, jobs=jobs, force=True, report=False)
            assert not res.failed, res.failed
            S, nights = res.summary(), res.table.reset_index()
            S["plms_index_icc21_ci95"] = "[" + ", ".join(f"{v:.3f}" for v in S["plms_index_icc21_ci95"]) + "]"
            print(f"## {rules}: {S['n_nights']} nights\n")
            print(", ".join(f"{k} {S[k]:.3f}" if isinstance(S[k], float) else f"{k} {S[k]}" for k in POOLED), "\n")
            print(table(by_kind(nights), ["technician", "nights", "tp", "fp", "fn", "lm_f1", "weakest_f1",
                                             "weakest_f1_night", "plms_bias", "largest_plms_diff", "night",
                                             "plms_emg", "plms_tech"]))
            print("\nmost disagreeing nights (PLMS index):")
            top = nights.loc[nights.plms_index_diff.abs().sort_values(ascending=False).index].head(5)
            cols = ["night", "tp", "fp", "fn", "f1", "plms_index_emg", "plms_index_tech"]
            print(top[cols].to_string(index=False), "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=100)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="pairs of runs (batch, agree)")
    ap.add_argument("--accuracy", action="store_true", help="agreement figures only (one run per rule set), no timing")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    folder = cohort(a.nights, a.hours)
    if a.accuracy:
        accuracy(folder, a.jobs)
        return
    rows = []
    for rep in range(a.repeat):
        t = {}
        for what in ("batch", "agree"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = run_child(CODE.format(what=what, folder=folder, jobs=a.jobs))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            r["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            t[what] = r
        b, g = t["batch"], t["agree"]
        rows.append(dict(pair=rep + 1, batch_wall_s=b["wall_s"], agree_wall_s=g["wall_s"],
                         wall_ratio=g["wall_s"] / b["wall_s"], batch_cpu_per_night_s=b["cpu_s"] / a.nights,
                         agree_cpu_per_night_s=g["cpu_s"] / a.nights, cpu_ratio=g["cpu_s"] / b["cpu_s"],
                         lm_f1=g["lm_f1"], plms_icc21=g["plms_index_icc21"]))
    print(f"{a.nights} nights of {a.hours:g} h (full montage, 3 EMG @ 512 Hz), {a.jobs} workers, reports included, "
          f"fresh process per run\n")
    print(table(rows, ["pair", "batch_wall_s", "agree_wall_s", "wall_ratio", "batch_cpu_per_night_s",
                       "agree_cpu_per_night_s", "cpu_ratio", "lm_f1", "plms_icc21"]))
    for k in ("wall_ratio", "cpu_ratio"):
        v = sorted(r[k] for r in rows)
        print(f"agree / batch, {k.split('_')[0]}: median {v[len(v) // 2]:.2f} (range {v[0]:.2f}-{v[-1]:.2f})")


if __name__ == "__main__":
    main()
