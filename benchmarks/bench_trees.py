"""Two source trees on the same 8-h night, in alternating fresh processes: steady-state ratio.

Run: python benchmarks/bench_trees.py BASELINE_SRC [CANDIDATE_SRC] [--rounds 5] [--reps 3]

For changes that must not cost time (a refactor) or must save it: each round scores the night in
a child process per tree (baseline first, then candidate, alternating), each child keeping the
best of ``--reps`` warm scorings, once with EEG arousal detection and once with the scoring
file's arousals. The ratio candidate / baseline of the medians over rounds is printed; alternating
the trees cancels most of the drift of a shared machine. CANDIDATE_SRC defaults to this tree.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import full_night, machine, run_child, table  # noqa: E402

STEADY = """
import time, warnings, jerkdetect as jd
warnings.simplefilter("ignore")
out = {{}}
for mode in ("detect", "scoring"):
    jd.score({path!r}, arousals=mode)
    ts = []
    for _ in range({reps}):
        t = time.perf_counter(); jd.score({path!r}, arousals=mode); ts.append(time.perf_counter() - t)
    out[mode] = min(ts)
OUT = out
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline")
    ap.add_argument("candidate", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    path = full_night()
    trees = {"baseline": os.path.abspath(a.baseline), "candidate": os.path.abspath(a.candidate)}
    runs = {k: [] for k in trees}
    for _ in range(a.rounds):
        for name, src in trees.items():
            runs[name].append(run_child(STEADY.format(path=path, reps=a.reps), env={"PYTHONPATH": src}))
    print(f"machine: {machine()}\n")
    rows = []
    for mode in ("detect", "scoring"):
        med = {k: statistics.median(r[mode] for r in v) for k, v in runs.items()}
        rows.append(dict(arousals=mode, baseline_s=med["baseline"], candidate_s=med["candidate"],
                         ratio=med["candidate"] / med["baseline"],
                         rounds=" ".join(f"{c[mode] / b[mode]:.3f}"
                                         for b, c in zip(runs["baseline"], runs["candidate"]))))
    print(table(rows, ["arousals", "baseline_s", "candidate_s", "ratio", "rounds"]))
    print(f"\nbaseline {trees['baseline']}\ncandidate {trees['candidate']}; steady state = best of {a.reps} "
          f"warm scorings per process, median over {a.rounds} alternating rounds")


if __name__ == "__main__":
    main()
