"""Two source trees on the same 8-h night, in alternating fresh processes: steady-state ratio.

Run: python benchmarks/bench_trees.py BASELINE_SRC [CANDIDATE_SRC] [--rounds 5] [--reps 3]
     [--path EDF | --stress mixed]

For changes that must not cost time (a refactor) or must save it: each round scores the night in
a child process per tree (baseline first, then candidate, alternating), each child keeping the
best of ``--reps`` warm scorings, once with EEG arousal detection and once with the scoring
file's arousals. The ratio candidate / baseline of the medians over rounds is printed; alternating
the trees cancels most of the drift of a shared machine. CANDIDATE_SRC defaults to this tree.
Each child also digests its outputs (every event row at full precision, the detected arousals,
the summary without timings), and the script says whether the two trees give the same night.
"""
from __future__ import annotations

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import alternate, full_night, machine, table, tree_pair_parser  # noqa: E402

STEADY = """
import hashlib, json, time, warnings, jerkdetect as jd
warnings.simplefilter("ignore")
out = {{}}
for mode in ("detect", "scoring"):
    jd.score({path!r}, arousals=mode)
    ts, cs = [], []
    for _ in range({reps}):
        t = time.perf_counter(); c = time.process_time()
        jd.score({path!r}, arousals=mode)
        ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
    out[mode] = min(ts)
    out[mode + "_cpu"] = min(cs)
    r = jd.score({path!r}, arousals=mode)
    summary = {{k: v for k, v in r.summary_dict().items() if k not in ("timings_s", "jerkdetect_version")}}
    arousals = r.detected_arousals.rows() if r.detected_arousals is not None else None
    text = json.dumps([r.event_rows(), arousals, summary], sort_keys=True, default=str)
    out[mode + "_digest"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    out[mode + "_n"] = len(r.event_rows())
OUT = out
"""


def stress_night_path(preset: str, hours: float = 8.0, fs: float = 512.0, seed: int = 7) -> str:
    """An 8-h stress night of ``preset`` (every effect for 'mixed'), written once into ``_data``."""
    from _common import DATA
    stem = f"stress_{preset}_{hours:g}h_{fs:g}Hz"
    path = os.path.join(DATA, stem + ".edf")
    if not os.path.exists(path):
        from jerkdetect.simulate.stress import stress_night
        os.makedirs(DATA, exist_ok=True)
        stress_night(preset, seed=seed, duration_h=hours, fs_emg=fs).write(DATA, stem)
    return path


def main() -> None:
    ap = tree_pair_parser(rounds=5, reps=3)
    ap.add_argument("--path", help="another recording (default: the 8-h benchmark night)")
    ap.add_argument("--stress", metavar="PRESET", help="score a simulated 8-h stress night at 512 Hz (e.g. mixed)")
    a = ap.parse_args()
    path = a.path or (stress_night_path(a.stress) if a.stress else full_night())
    trees = {"baseline": os.path.abspath(a.baseline), "candidate": os.path.abspath(a.candidate)}
    runs = alternate(trees, STEADY.format(path=path, reps=a.reps), a.rounds)
    print(f"machine: {machine()}\n")
    rows = []
    for mode in ("detect", "scoring"):
        for kind, key in (("wall", mode), ("cpu", mode + "_cpu")):
            med = {k: statistics.median(r[key] for r in v) for k, v in runs.items()}
            rows.append(dict(arousals=mode, time=kind, baseline_s=med["baseline"], candidate_s=med["candidate"],
                             ratio=med["candidate"] / med["baseline"],
                             rounds=" ".join(f"{c[key] / b[key]:.3f}"
                                             for b, c in zip(runs["baseline"], runs["candidate"]))))
    print(table(rows, ["arousals", "time", "baseline_s", "candidate_s", "ratio", "rounds"]))
    for mode in ("detect", "scoring"):
        digests = {k: {r[mode + "_digest"] for r in v} for k, v in runs.items()}
        same = len(digests["baseline"] | digests["candidate"]) == 1
        print(f"\narousals={mode}: {runs['candidate'][0][mode + '_n']} events; outputs (every event at full "
              f"precision, detected arousals, summary) {'IDENTICAL' if same else 'DIFFER'} in the two trees "
              f"({', '.join(f'{k} {sorted(d)}' for k, d in digests.items())})")
    print(f"\nnight {path}\nbaseline {trees['baseline']}\ncandidate {trees['candidate']}; "
          f"steady state = best of {a.reps} "
          f"warm scorings per process, median over {a.rounds} alternating rounds; cpu = process time of the "
          "scoring (all threads), steadier than wall time on a shared machine")


if __name__ == "__main__":
    main()
