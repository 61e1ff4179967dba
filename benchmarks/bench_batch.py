"""Batch throughput: nights per hour with 1, 2, ... all cores (process pool) and Dask LocalCluster.

Run: python benchmarks/bench_batch.py [--nights 16] [--hours 4]

Uses distinct synthetic nights (3 EMG at 512 Hz + ECG); every run rescored from scratch
(``force=True``, no exports). Worker start-up (imports, Numba cache load) is included, as a lab
would see it. One worker scores in this process, with a night's own threads and on one thread;
pool workers use one thread each (``jerkdetect.core.threads``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import DATA, machine, quick_night, table  # noqa: E402


def main() -> None:
    import jerkdetect as jd
    from jerkdetect.batch.runner import available_cores
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=16)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--dask", action="store_true", help="also run on a Dask LocalCluster")
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    folder = os.path.join(DATA, f"cohort_{a.nights}x{a.hours:g}h")
    os.makedirs(folder, exist_ok=True)
    for k in range(a.nights):
        p = os.path.join(folder, f"night{k:03d}.edf")
        if not os.path.exists(p):
            src = quick_night(a.hours, 512.0, seed=k)
            shutil.move(src, p)
            shutil.move(src[:-4] + ".tsv", p[:-4] + ".tsv")
    n_cores = available_cores()
    workers = sorted({1, 2, n_cores} | ({4, 8, 16} & set(range(1, n_cores + 1))))
    rows, base = [], None
    # one worker scores in this process: once with the night's own threads (what a user gets), once
    # on one thread (the reference for the efficiency of the pool, whose workers use one thread)
    configs = [(1, "1")] + [(1, "")] + [(w, "") for w in workers if w > 1]
    jd.score(os.path.join(folder, "night000.edf"))  # this process's kernels loaded, as in a pool worker's 2nd night
    for w, threads in configs:
        os.environ["JERKDETECT_THREADS"] = threads
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            df = jd.score_many([folder], out, jobs=w, force=True, export=False)
            wall = time.perf_counter() - t
        assert (df.status == "ok").all()
        nph = a.nights / wall * 3600
        base = base or nph
        label = "in this process" if w == 1 else "process pool"
        rows.append(dict(backend=label, workers=w, threads_per_night=threads or ("2" if w == 1 else "1"),
                         wall_s=wall, nights_per_hour=nph, per_worker=nph / w, efficiency=nph / (base * w)))
    os.environ["JERKDETECT_THREADS"] = ""
    if a.dask:
        for w in workers[1:] or workers:
            with tempfile.TemporaryDirectory() as out:
                t = time.perf_counter()
                df = jd.score_many([folder], out, dask_local=w, force=True, export=False)
                wall = time.perf_counter() - t
            nph = a.nights / wall * 3600
            rows.append(dict(backend="dask LocalCluster", workers=w, threads_per_night="1", wall_s=wall,
                             nights_per_hour=nph,
                             per_worker=nph / w, efficiency=nph / (base * w)))
    print(f"{a.nights} nights of {a.hours:g} h (3 EMG @ 512 Hz + ECG), {n_cores} cores available\n")
    print(table(rows, ["backend", "workers", "threads_per_night", "wall_s", "nights_per_hour", "per_worker",
                       "efficiency"]))
    print("\nefficiency = nights per hour / (one worker on one thread x workers); worker start-up (imports, "
          "Numba cache loads) is included, as a lab sees it.")


if __name__ == "__main__":
    main()
