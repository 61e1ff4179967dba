"""Issues 4 and 18: one 8-h PSG through jerkdetect and through naive MNE/SciPy pipelines, same run.

jerkdetect runs with EEG arousal detection on (``arousals="detect"``) unless a row says otherwise.

Run: python benchmarks/bench_pipeline.py [--baseline OTHER_SRC] [--rounds 3] [--quick]

Prints, for this source tree (and a baseline tree when given, the two alternating round by
round): the fresh command (``jerkdetect score``, a new interpreter, outputs written; kernels from
a ``jerkdetect compile`` build made first, and through Numba's JIT from its warm cache; Python's
bytecode cached, as in an installed package) with threads on and on one thread, and the steady
state (best of 3 scorings in a warm process), each with wall time, CPU time and peak RSS; the
naive MNE pipeline and a pyedflib + SciPy pipeline in the same run; the ratios to the naive
pipeline and the issue-18 targets; then Numba compile vs cache load, scaling with recording
length and sampling rate, and
alignment. Each whole pipeline runs in a fresh child process, so peak RSS is its own
(``VmHWM``). Medians over the rounds. On a shared machine read the CPU columns and the ratios;
the wall columns need an idle machine. CI times nothing: this script is run by hand.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import fresh_cli, full_night, machine, quick_night, run_child, table  # noqa: E402

JD_STEADY = """
import time, warnings, jerkdetect as jd
warnings.simplefilter("ignore")
jd.score({path!r}, arousals={mode!r})  # warm-up: load kernels, touch buffers
ts, cs = [], []
for _ in range({reps}):
    t = time.perf_counter(); c = time.process_time()
    r = jd.score({path!r}, arousals={mode!r})
    ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
OUT = dict(s_per_night=min(ts), cpu_per_night=min(cs), stages=r.info['timings_s'], n_lm=int(len(r.lm)))
"""

# The naive pipeline of issue 4: whole-file MNE read (resamples every channel), raw.filter, NumPy.
NAIVE_MNE = """
import time, numpy as np, mne
t0 = time.perf_counter()
raw = mne.io.read_raw_edf({path!r}, preload=True, verbose='error')
t1 = time.perf_counter()
picks = [raw.ch_names.index(c) for c in ('Leg L', 'Leg R', 'EMG Chin')]
raw.filter(10., 100., picks=picks, verbose='error')
t2 = time.perf_counter()
x = raw.get_data(picks=picks) * 1e6
fs = raw.info['sfreq']
w = int(0.05 * fs)
env = np.array([np.convolve(np.abs(c), np.ones(w) / w, mode='same') for c in x])
on = [np.flatnonzero(np.diff((e > np.percentile(e, 20) + 8).astype(np.int8)) == 1) for e in env]
t3 = time.perf_counter()
OUT = dict(read_s=t1 - t0, filter_s=t2 - t1, detect_s=t3 - t2, s_per_night=t3 - t0, n=sum(len(o) for o in on))
"""

# Reading only the EMG channels (pyedflib) and filtering with SciPy.
EMG_SCIPY = """
import time, numpy as np, pyedflib, scipy.signal as sps
t0 = time.perf_counter()
with pyedflib.EdfReader({path!r}) as f:
    labs = f.getSignalLabels()
    x = [f.readSignal(labs.index(c)) for c in ('Leg L', 'Leg R', 'EMG Chin')]
    fs = f.getSampleFrequency(labs.index('Leg L'))
t1 = time.perf_counter()
sos = sps.butter(4, [10, 100], 'band', fs=fs, output='sos')
y = [sps.sosfiltfilt(sos, c) for c in x]
t2 = time.perf_counter()
w = int(0.05 * fs)
env = [np.convolve(np.abs(c), np.ones(w) / w, mode='same') for c in y]
on = [np.flatnonzero(np.diff((e > np.percentile(e, 20) + 8).astype(np.int8)) == 1) for e in env]
t3 = time.perf_counter()
OUT = dict(read_s=t1 - t0, filter_s=t2 - t1, detect_s=t3 - t2, s_per_night=t3 - t0)
"""

COMPILE = """
import time, warnings, jerkdetect as jd
warnings.simplefilter("ignore")
t = time.perf_counter(); jd.score({path!r}, arousals='detect'); first = time.perf_counter() - t
t = time.perf_counter(); jd.score({path!r}, arousals='detect'); second = time.perf_counter() - t
OUT = dict(first_s=first, steady_s=second)
"""


def bench_alignment() -> list[dict]:
    from jerkdetect.alignment import CohortHypnograms, align_cohort, stage_at
    from jerkdetect.core.hypnogram import Hypnogram
    rng = np.random.default_rng(0)
    rows = []
    stages = rng.integers(-1, 5, 960).astype(np.int8)
    stage_at(np.zeros(4), stages)  # load kernel
    for n in (10_000, 100_000, 1_000_000, 10_000_000):
        t = rng.uniform(0, 28800, n)
        best = min(_timeit(lambda: stage_at(t, stages, 0.0, 30.0)) for _ in range(5))
        # plain NumPy vectorised baseline and a per-event Python loop (on a sample)
        npy = min(_timeit(lambda: _numpy_stage_at(t, stages)) for _ in range(3))
        rows.append(dict(case=f"one night, {n:,} events", jerkdetect_ms=best * 1e3, numpy_ms=npy * 1e3,
                         ratio=npy / best))
    hyps = [Hypnogram(rng.integers(-1, 5, rng.integers(800, 1100)), 30.0, float(rng.uniform(-60, 60)))
            for _ in range(1000)]
    t0 = time.perf_counter()
    cohort = CohortHypnograms.from_hypnograms(hyps)
    pack = time.perf_counter() - t0
    night = np.repeat(np.arange(1000), 1000)
    t = rng.uniform(0, 30000, night.size)
    align_cohort(night[:10], t[:10], cohort)
    best = min(_timeit(lambda: align_cohort(night, t, cohort)) for _ in range(5))
    loop = min(_timeit(lambda: [h.stage_at(t[night == k]) for k, h in enumerate(hyps[:100])]) for _ in range(2)) * 10
    rows.append(dict(case="cohort: 1,000 nights x 1,000 events", jerkdetect_ms=best * 1e3,
                     numpy_ms=loop * 1e3, ratio=loop / best,
                     note=f"pack {pack * 1e3:.0f} ms; baseline = per-night calls"))
    return rows


def _numpy_stage_at(t, stages):
    k = np.floor_divide(np.rint(t * 1e6).astype(np.int64), 30_000_000)
    ok = (k >= 0) & (k < stages.size)
    out = np.full(t.size, -1, np.int8)
    out[ok] = stages[k[ok]]
    return out


def _aot_env(src: str, folder: str) -> dict:
    """Build the tree's kernels ahead of time into ``folder`` (``jerkdetect compile``) when the tree
    has the command; the environment its runs then get (bytecode written, as an installed package has)."""
    env = {"PYTHONDONTWRITEBYTECODE": "", "JERKDETECT_AOT_DIR": folder}
    if os.path.exists(os.path.join(src, "jerkdetect", "cli", "kernel_build.py")):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jerkdetect", "compile"], env={**os.environ, **env, "PYTHONPATH": src},
                       check=True, capture_output=True)
        print(f"`jerkdetect compile` for {src}: {time.perf_counter() - t:.0f} s")
    return env


def _med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _timeit(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one naive-MNE run instead of two, no 24-h point")
    ap.add_argument("--baseline", help="another source tree (e.g. a checkout of main) measured in the same run")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the jerkdetect runs")
    ap.add_argument("--night-only", action="store_true", help="stop after the 8-h night and the Numba table")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    path = full_night(8.0)
    size = os.path.getsize(path) / 1e6
    print(f"## One 8-h night ({size:.0f} MB EDF: 3 EMG @ 512 Hz, 2 EEG + 2 EOG + ECG @ 256 Hz, 2 resp @ 32 Hz, SpO2)\n")
    trees = {"this tree": os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")}
    if a.baseline:
        trees["baseline"] = os.path.abspath(a.baseline)
    runs = {t: {k: [] for k in ("steady", "scored", "fresh", "fresh1", "freshjit")} for t in trees}
    naive, emg = [], None
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as builds:
        tree_env = {name: _aot_env(src, os.path.join(builds, f"aot{k}")) for k, (name, src) in enumerate(trees.items())}
        for name, src in trees.items():  # warm the Numba cache, the bytecode and the page cache
            fresh_cli(src, path, out, env=tree_env[name])
            fresh_cli(src, path, out, env={**tree_env[name], "JERKDETECT_AOT": "0"})
        for k in range(a.rounds):
            for name, src in trees.items():
                env = {"PYTHONPATH": src, **tree_env[name]}
                r = runs[name]
                r["fresh"].append(fresh_cli(src, path, out, env=tree_env[name]))
                r["freshjit"].append(fresh_cli(src, path, out, env={**tree_env[name], "JERKDETECT_AOT": "0"}))
                r["fresh1"].append(fresh_cli(src, path, out, threads="1", env=tree_env[name]))
                r["steady"].append(run_child(JD_STEADY.format(path=path, reps=3, mode="detect"), env=env))
                r["scored"].append(run_child(JD_STEADY.format(path=path, reps=3, mode="scoring"), env=env))
            if k < (1 if a.quick else 2):
                naive.append(run_child(NAIVE_MNE.format(path=path)))
        emg = run_child(EMG_SCIPY.format(path=path))
    nv = dict(wall=_med(naive, "s_per_night"), cpu=_med(naive, "cpu_s"))
    rows = []
    for name in trees:
        r = runs[name]
        for key, what in (("fresh", "fresh `jerkdetect score` (new process, `jerkdetect compile` build), threads on"),
                          ("freshjit", "fresh `jerkdetect score`, Numba's JIT (warm cache, JERKDETECT_AOT=0)"),
                          ("fresh1", "fresh `jerkdetect score` (build), one thread"),
                          ("steady", "steady state (warm process), EEG arousal detection on"),
                          ("scored", "steady state, arousals from the scoring file")):
            wall_key, cpu_key = ("wall_s", "cpu_s") if key.startswith("fresh") else ("s_per_night", "cpu_per_night")
            w, c = _med(r[key], wall_key), _med(r[key], cpu_key)
            row = dict(pipeline=f"jerkdetect {name}: {what}", wall_s=w, cpu_s=c, peak_rss_mb=_med(r[key], "rss_mb"),
                       x_naive_wall=nv["wall"] / w, x_naive_cpu=nv["cpu"] / c)
            if not key.startswith("fresh"):
                st = {s: statistics.median(x["stages"].get(s, 0.0) for x in r[key])
                      for s in ("read", "filter", "detect", "arousals", "rules", "align")}
                row.update({f"{s}_s": v for s, v in st.items()})
            rows.append(row)
    rows.append(dict(pipeline="pyedflib EMG channels + SciPy sosfiltfilt + NumPy", read_s=emg["read_s"],
                     filter_s=emg["filter_s"], detect_s=emg["detect_s"], wall_s=emg["s_per_night"], cpu_s=emg["cpu_s"],
                     peak_rss_mb=emg["rss_mb"]))
    rows.append(dict(pipeline=f"naive: MNE read_raw_edf(preload) + raw.filter + NumPy (median of {len(naive)})",
                     read_s=_med(naive, "read_s"), filter_s=_med(naive, "filter_s"), detect_s=_med(naive, "detect_s"),
                     wall_s=nv["wall"], cpu_s=nv["cpu"], peak_rss_mb=_med(naive, "rss_mb")))
    print(table(rows, ["pipeline", "wall_s", "cpu_s", "peak_rss_mb", "x_naive_wall", "x_naive_cpu", "read_s",
                       "filter_s", "detect_s", "arousals_s", "rules_s", "align_s"]))
    this = runs["this tree"]
    fw, sw = _med(this["fresh"], "wall_s"), _med(this["steady"], "s_per_night")
    print(f"\nmedians of {a.rounds} alternating rounds (naive: {len(naive)} runs); x_naive = naive time / this time")
    print("\nissue 18 targets (this tree, threads on, same run):")
    print(f"  fresh command >= 15x faster than naive: {nv['wall'] / fw:.1f}x wall, "
          f"{nv['cpu'] / _med(this['fresh'], 'cpu_s'):.1f}x CPU")
    print(f"  steady state <= 0.5 s per 8-h night, arousal detection on: {sw:.3f} s wall "
          f"({_med(this['steady'], 'cpu_per_night'):.3f} s CPU)")
    print(f"  peak RSS of the fresh command <= 300 MB: {_med(this['fresh'], 'rss_mb'):.0f} MB")
    st = {s: statistics.median(x["stages"]["arousals"] for x in this["steady"]) for s in ("arousals",)}
    print(f"\nEEG arousal detection (2 EEG @ 256 Hz + chin): {st['arousals']:.3f} s of {sw:.3f} s "
          f"({st['arousals'] / sw:.0%}); the night without it: {_med(this['scored'], 's_per_night'):.3f} s\n")
    env_this = {"PYTHONPATH": trees["this tree"], "JERKDETECT_AOT": "0"}
    with tempfile.TemporaryDirectory() as cache:
        comp = run_child(COMPILE.format(path=path), env={**env_this, "NUMBA_CACHE_DIR": cache})
        comp2 = run_child(COMPILE.format(path=path), env={**env_this, "NUMBA_CACHE_DIR": cache})
    print("## Numba: compile vs cache load vs steady state (one night)\n")
    print(table([dict(run="empty cache (compiles every kernel)", first_call_s=comp["first_s"],
                      steady_s=comp["steady_s"]),
                 dict(run="second process (loads from cache)", first_call_s=comp2["first_s"],
                      steady_s=comp2["steady_s"])],
                ["run", "first_call_s", "steady_s"]))
    print(f"\ncompile time ~ {comp['first_s'] - comp['steady_s']:.2f} s; cache load + first-touch ~ "
          f"{comp2['first_s'] - comp2['steady_s']:.2f} s\n")
    if a.night_only:
        return
    print("## Scaling with recording length (3 EMG @ 512 Hz + ECG, steady state)\n")
    rows = []
    for h in (1, 2, 4, 8, 16) + (() if a.quick else (24,)):
        p = quick_night(h, 512.0)
        r = run_child(JD_STEADY.format(path=p, reps=2, mode="auto"), env=env_this)
        rows.append(dict(hours=h, s_per_night=r["s_per_night"], s_per_hour_of_recording=r["s_per_night"] / h,
                         peak_rss_mb=r["rss_mb"]))
    print(table(rows, ["hours", "s_per_night", "s_per_hour_of_recording", "peak_rss_mb"]))
    print("\n## Scaling with sampling rate (2-h recording)\n")
    rows = []
    for fs in (200.0, 256.0, 512.0, 1024.0):
        p = quick_night(2, fs)
        r = run_child(JD_STEADY.format(path=p, reps=2, mode="auto"), env=env_this)
        rows.append(dict(fs_hz=fs, s_per_night=r["s_per_night"],
                         ns_per_sample=r["s_per_night"] / (3 * 7200 * fs) * 1e9))
    print(table(rows, ["fs_hz", "s_per_night", "ns_per_sample"]))
    print("\n## Alignment (jerkdetect.alignment) vs NumPy / per-night baseline\n")
    print(table(bench_alignment(), ["case", "jerkdetect_ms", "numpy_ms", "ratio", "note"]))


if __name__ == "__main__":
    main()
