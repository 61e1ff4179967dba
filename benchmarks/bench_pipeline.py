"""Issue 4 benchmark: one 8-h PSG through jerkdetect and through naive MNE/SciPy pipelines, same run.

jerkdetect runs with EEG arousal detection on (``arousals="detect"``) unless a row says otherwise.

Run: python benchmarks/bench_pipeline.py [--quick]

Prints per-stage times, s/night, nights/hour, peak RSS, the ratio against the naive pipeline,
Numba compile vs cache-load vs steady-state cost, and scaling with recording length, sampling
rate and event count (alignment). Each measurement of a whole pipeline runs in a fresh child
process so that peak RSS is that pipeline's own.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import full_night, machine, quick_night, run_child, table  # noqa: E402

JD_STEADY = """
import time, jerkdetect as jd
jd.score({path!r}, arousals={mode!r})  # warm-up: load kernels, touch buffers
ts = []
for _ in range({reps}):
    t = time.perf_counter(); r = jd.score({path!r}, arousals={mode!r}); ts.append(time.perf_counter() - t)
OUT = dict(s_per_night=min(ts), stages=r.info['timings_s'], n_lm=int(len(r.lm)))
"""

JD_FRESH = """
import time
t0 = time.perf_counter()
import jerkdetect as jd
t1 = time.perf_counter()
r = jd.score({path!r}, arousals='detect')
r.write({out!r}, 'night')
t2 = time.perf_counter()
OUT = dict(import_s=t1 - t0, score_s=t2 - t1, total_s=t2 - t0)
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
import time, jerkdetect as jd
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


def _timeit(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the slow naive-MNE run and the 24-h point")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    path = full_night(8.0)
    size = os.path.getsize(path) / 1e6
    print(f"## One 8-h night ({size:.0f} MB EDF: 3 EMG @ 512 Hz, 2 EEG + 2 EOG + ECG @ 256 Hz, 2 resp @ 32 Hz, SpO2)\n")
    steady = run_child(JD_STEADY.format(path=path, reps=3, mode="detect"))
    scored = run_child(JD_STEADY.format(path=path, reps=3, mode="scoring"))
    with tempfile.TemporaryDirectory() as out:
        fresh = [run_child(JD_FRESH.format(path=path, out=out)) for _ in range(3)]
    with tempfile.TemporaryDirectory() as cache:
        comp = run_child(COMPILE.format(path=path), env={"NUMBA_CACHE_DIR": cache})
        comp2 = run_child(COMPILE.format(path=path), env={"NUMBA_CACHE_DIR": cache})
    emg = run_child(EMG_SCIPY.format(path=path))
    rows = [dict(pipeline=f"jerkdetect (steady state, warm process, {name})", read_s=r["stages"]["read"],
                 filter_s=r["stages"]["filter"], detect_s=r["stages"]["detect"], arousals_s=r["stages"]["arousals"],
                 rules_s=r["stages"]["rules"], align_s=r["stages"]["align"],
                 s_per_night=r["s_per_night"], nights_per_h=3600 / r["s_per_night"], peak_rss_mb=r["rss_mb"])
            for name, r in (("EEG arousal detection on", steady), ("arousals from the scoring file", scored))]
    fr = min(fresh, key=lambda r: r["wall_s"])
    rows.append(dict(pipeline="jerkdetect (fresh process, warm Numba cache)", s_per_night=fr["wall_s"],
                     nights_per_h=3600 / fr["wall_s"], peak_rss_mb=fr["rss_mb"],
                     read_s=f"import {fr['import_s']:.2f}"))
    rows.append(dict(pipeline="pyedflib EMG channels + SciPy sosfiltfilt + NumPy", read_s=emg["read_s"],
                     filter_s=emg["filter_s"], detect_s=emg["detect_s"], s_per_night=emg["s_per_night"],
                     nights_per_h=3600 / emg["s_per_night"], peak_rss_mb=emg["rss_mb"]))
    if not a.quick:
        naive = run_child(NAIVE_MNE.format(path=path))
        rows.append(dict(pipeline="naive: MNE read_raw_edf(preload) + raw.filter + NumPy", read_s=naive["read_s"],
                         filter_s=naive["filter_s"], detect_s=naive["detect_s"], s_per_night=naive["s_per_night"],
                         nights_per_h=3600 / naive["s_per_night"], peak_rss_mb=naive["rss_mb"]))
    print(table(rows, ["pipeline", "read_s", "filter_s", "detect_s", "arousals_s", "rules_s", "align_s",
                       "s_per_night", "nights_per_h", "peak_rss_mb"]))
    print(f"\nEEG arousal detection (2 EEG @ 256 Hz + chin): {steady['stages']['arousals']:.3f} s of "
          f"{steady['s_per_night']:.3f} s ({steady['stages']['arousals'] / steady['s_per_night']:.0%}); the night "
          f"without it: {scored['s_per_night']:.3f} s (same run)")
    print()
    if not a.quick:
        print(f"speed-up vs naive MNE pipeline: {naive['s_per_night'] / steady['s_per_night']:.1f}x steady state, "
              f"{naive['s_per_night'] / fr['wall_s']:.1f}x fresh process")
    print(f"speed-up vs pyedflib + SciPy:   {emg['s_per_night'] / steady['s_per_night']:.1f}x steady state\n")
    print("## Numba: compile vs cache load vs steady state (one night)\n")
    print(table([dict(run="empty cache (compiles every kernel)", first_call_s=comp["first_s"],
                      steady_s=comp["steady_s"]),
                 dict(run="second process (loads from cache)", first_call_s=comp2["first_s"],
                      steady_s=comp2["steady_s"])],
                ["run", "first_call_s", "steady_s"]))
    print(f"\ncompile time ~ {comp['first_s'] - comp['steady_s']:.2f} s; cache load + first-touch ~ "
          f"{comp2['first_s'] - comp2['steady_s']:.2f} s\n")
    print("## Scaling with recording length (3 EMG @ 512 Hz + ECG, steady state)\n")
    rows = []
    for h in (1, 2, 4, 8, 16) + (() if a.quick else (24,)):
        p = quick_night(h, 512.0)
        r = run_child(JD_STEADY.format(path=p, reps=2, mode="auto"))
        rows.append(dict(hours=h, s_per_night=r["s_per_night"], s_per_hour_of_recording=r["s_per_night"] / h,
                         peak_rss_mb=r["rss_mb"]))
    print(table(rows, ["hours", "s_per_night", "s_per_hour_of_recording", "peak_rss_mb"]))
    print("\n## Scaling with sampling rate (2-h recording)\n")
    rows = []
    for fs in (200.0, 256.0, 512.0, 1024.0):
        p = quick_night(2, fs)
        r = run_child(JD_STEADY.format(path=p, reps=2, mode="auto"))
        rows.append(dict(fs_hz=fs, s_per_night=r["s_per_night"],
                         ns_per_sample=r["s_per_night"] / (3 * 7200 * fs) * 1e9))
    print(table(rows, ["fs_hz", "s_per_night", "ns_per_sample"]))
    print("\n## Alignment (jerkdetect.alignment) vs NumPy / per-night baseline\n")
    print(table(bench_alignment(), ["case", "jerkdetect_ms", "numpy_ms", "ratio", "note"]))


if __name__ == "__main__":
    main()
