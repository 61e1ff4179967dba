"""Do reports, reprs and the notebook helpers cost anything when not asked for?

Run: python benchmarks/bench_report_overhead.py BASELINE_SRC [--hours 8] [--rounds 3]

BASELINE_SRC is the ``src`` folder of another checkout (e.g. the main branch before this change).
Each round scores the same synthetic night (3 EMG at 512 Hz + ECG) in fresh interpreters, one
with the baseline on ``PYTHONPATH`` and one with this tree, alternating so that a busy machine
disturbs both alike; each child reports the best of 5 warm ``score()`` calls. This tree's child
also times ``res.report()`` once (asked-for cost, not part of scoring).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine, quick_night, run_child, table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CODE = """
import os, tempfile, time
import jerkdetect as jd
path = {path!r}
jd.score(path)  # kernels loaded, page cache warm
times = []
for _ in range(5):
    t = time.perf_counter()
    jd.score(path)
    times.append(time.perf_counter() - t)
OUT = {{"score_s": min(times)}}
if {report}:
    res = jd.score(path)
    t = time.perf_counter()
    res.report(os.path.join(tempfile.mkdtemp(), "x_report.html"))
    OUT["report_s"] = time.perf_counter() - t
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline_src")
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    path = quick_night(a.hours, 512.0)
    here_src = os.path.join(os.path.dirname(HERE), "src")
    base, this, rep = [], [], []
    for _ in range(a.rounds):
        base.append(run_child(CODE.format(path=path, report=False), {"PYTHONPATH": a.baseline_src})["score_s"])
        r = run_child(CODE.format(path=path, report=True), {"PYTHONPATH": here_src})
        this.append(r["score_s"])
        rep.append(r["report_s"])
    rows = [dict(what="score() baseline", median_s=statistics.median(base), best_s=min(base)),
            dict(what="score() this tree", median_s=statistics.median(this), best_s=min(this)),
            dict(what="res.report() (asked for)", median_s=statistics.median(rep), best_s=min(rep))]
    print(f"{a.hours:g}-h night, 3 EMG @ 512 Hz + ECG; best of 5 warm score() per child, {a.rounds} rounds\n")
    print(table(rows, ["what", "median_s", "best_s"]))
    print(f"\nratio this/baseline (medians): {statistics.median(this) / statistics.median(base):.3f}")


if __name__ == "__main__":
    main()
