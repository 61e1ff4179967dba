"""Small cohorts: a batch in the calling process vs a pool of 2 workers, from a fresh process.

Run: python benchmarks/bench_small_cohort.py [--hours 8] [--nights 1 2 3 4 6 8]

Each configuration runs in a new interpreter (imports, Numba cache load and worker start-up
included, as ``jerkdetect batch`` pays them), scoring N copies of one synthetic night (3 EMG at
512 Hz + ECG) without exports. "pool" is what ``score_many`` did before for any cohort
(``--jobs 2``); "in-process" is what it does now for up to ``IN_PROCESS_MAX_NIGHTS`` nights.
The ratio pool / in-process is the number to read (> 1: the pool is slower).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import DATA, machine, quick_night, run_child, table  # noqa: E402

CODE = """
import tempfile, time
t0 = time.perf_counter()
from jerkdetect.batch.inputs import collect_jobs
from jerkdetect.batch.pool import run_jobs
from jerkdetect.batch.worker import score_job
jobs = collect_jobs([{folder!r}])
with tempfile.TemporaryDirectory() as out:
    settings = {{"rules": "wasm2016", "rule_params": {{}}, "detection": {{}}}}
    rows = run_jobs(jobs, score_job, dict(out_dir=out, settings=settings, force=True, export=False), {workers})
assert all(r["status"] == "ok" for r in rows), rows
OUT = {{"inner_s": time.perf_counter() - t0}}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--nights", type=int, nargs="+", default=[1, 2, 3, 4, 6, 8])
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs per cell")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    src = quick_night(a.hours, 512.0)
    rows = []
    for n in a.nights:
        folder = os.path.join(DATA, f"small_{n}x{a.hours:g}h")
        os.makedirs(folder, exist_ok=True)
        for k in range(n):
            for ext in (".edf", ".tsv"):
                p = os.path.join(folder, f"night{k}{ext}")
                if not os.path.exists(p):
                    os.link(src[:-4] + ext, p)
        t = {w: min(run_child(CODE.format(folder=folder, workers=w))["wall_s"] for _ in range(a.repeat))
             for w in (1, 2)}
        rows.append(dict(nights=n, in_process_s=t[1], pool2_s=t[2], pool_over_in_process=t[2] / t[1]))
    print(f"N copies of a {a.hours:g}-h night (3 EMG @ 512 Hz + ECG), fresh process per run, best of {a.repeat}\n")
    print(table(rows, ["nights", "in_process_s", "pool2_s", "pool_over_in_process"]))


if __name__ == "__main__":
    main()
