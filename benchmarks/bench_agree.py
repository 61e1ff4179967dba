"""`jerkdetect agree` against `jerkdetect batch` on the same cohort: cost per night, reports included.

Run: python benchmarks/bench_agree.py [--nights 100] [--hours 1] [--jobs 2] [--repeat 2]

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
"""
from __future__ import annotations

import argparse
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import DATA, machine, run_child, table  # noqa: E402

KINDS = [  # technician imperfections, cycled over the cohort
    dict(), dict(miss_fraction=0.1), dict(onset_jitter_s=0.4), dict(miss_fraction=0.2, extra_per_hour=6),
    dict(mislabel_leg="left"), dict(miss_fraction=0.05, onset_jitter_s=1.0, extra_per_hour=2),
]
FORMATS = ["nsrr", "profusion", "csv", "tsv"]

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=100)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="pairs of runs (batch, agree)")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    folder = cohort(a.nights, a.hours)
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
