"""The EEG arousal stage alone on the 8-h night: its CPU cost in two source trees, alternating.

Run: python benchmarks/bench_arousal_cost.py BASELINE_SRC [CANDIDATE_SRC] [--rounds 3] [--reps 6]

Issue 15 asks that arousal detection cost no more than it did. Each round scores the night once
per tree in a child process (baseline first, then candidate), to have its hypnogram and the chin
envelope of its EMG stage, then times, ``--reps`` times on one thread: the EEG features
(``arousal_features``: decode, decimate, band power) and the decision (``detect_arousals`` with
those features and that chin envelope), keeping the least thread CPU time of each. Medians over
rounds and their ratio are printed, with a digest of the detected arousals (onsets, durations
and scores at full precision, the TSV rows) to show whether the two trees find the same ones.
"""
from __future__ import annotations

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import alternate, full_night, machine, table, tree_pair_parser  # noqa: E402

CHILD = """
import hashlib, time, warnings
warnings.simplefilter("ignore")
import jerkdetect as jd
from jerkdetect.detection.arousals import arousal_features, detect_arousals
r = jd.score({path!r}, arousals="detect")
rec = jd.read_psg({path!r})
chin = r.bursts["chin"]
env = (chin.envelope, chin.envelope_fs)
best = [float("inf")] * 3
for _ in range({reps}):
    c0 = time.thread_time()
    f = arousal_features(rec)
    c1 = time.thread_time()
    a = detect_arousals(rec, r.hypnogram, features=f, chin_envelope=env)
    c2 = time.thread_time()
    best = [min(best[0], c1 - c0), min(best[1], c2 - c1), min(best[2], c2 - c0)]
digest = hashlib.sha256(a.to_array().tobytes() + a.score.tobytes() + a.tsv().encode()).hexdigest()[:16]
OUT = dict(features=best[0], decision=best[1], total=best[2], n=len(a), digest=digest)
"""


def main() -> None:
    a = tree_pair_parser(rounds=3, reps=6).parse_args()
    path = full_night()
    trees = {"baseline": os.path.abspath(a.baseline), "candidate": os.path.abspath(a.candidate)}
    runs = alternate(trees, CHILD.format(path=path, reps=a.reps), a.rounds, {"JERKDETECT_THREADS": "1"})
    print(f"machine: {machine()}\n")
    rows = []
    for part in ("features", "decision", "total"):
        med = {k: statistics.median(r[part] for r in v) * 1e3 for k, v in runs.items()}
        rows.append(dict(part=part, baseline_ms=round(med["baseline"], 1), candidate_ms=round(med["candidate"], 1),
                         ratio=round(med["candidate"] / med["baseline"], 3)))
    print(table(rows, ["part", "baseline_ms", "candidate_ms", "ratio"]))
    digests = {k: {r["digest"] for r in v} for k, v in runs.items()}
    same = len(digests["baseline"] | digests["candidate"]) == 1
    print(f"\n{runs['candidate'][0]['n']} arousals; detected arousals {'IDENTICAL' if same else 'DIFFER'} in the "
          f"two trees ({', '.join(f'{k} {sorted(d)}' for k, d in digests.items())})")
    print(f"\nnight {path}\nbaseline {trees['baseline']}\ncandidate {trees['candidate']}; least thread CPU "
          f"time of {a.reps} runs per process, median over {a.rounds} alternating rounds")


if __name__ == "__main__":
    main()
