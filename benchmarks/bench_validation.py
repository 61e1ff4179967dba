"""Issue 10 benchmark: what the input checks cost on the steady-state scoring of an 8-h night.

Run: python benchmarks/bench_validation.py [--baseline PATH_TO_OTHER_SRC]

Times, in one warm process: the header validation (``parse_header``), the record-onset check,
the preflight of score() (EMG rates and the sampled "looks like volts" amplitude check), and a
whole ``score()``; the checks are reported as a fraction of the scoring. With ``--baseline``
(e.g. the main branch's ``src``), the same night is scored by that source tree in a child
process right after, and the ratio of the two steady-state times is printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import full_night, machine, run_child  # noqa: E402

STEADY = """
import time, jerkdetect as jd
jd.score({path!r})
ts = []
for _ in range({reps}):
    t = time.perf_counter(); jd.score({path!r}); ts.append(time.perf_counter() - t)
OUT = dict(s_per_night=min(ts))
"""


def best(f, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", help="another jerkdetect source tree (its src/) to compare with")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    import jerkdetect as jd
    from jerkdetect.detection import DetectionParams
    from jerkdetect.io.edf import _record_onsets, parse_header
    from jerkdetect.pipeline.preflight import prepare_emg
    path = full_night()
    print(machine())
    jd.score(path)  # warm
    h = parse_header(path)
    t_header = best(lambda: parse_header(path), a.reps)
    t_onsets = best(lambda: _record_onsets(h), a.reps)
    rec = jd.read_psg(path)
    t_pre = best(lambda: prepare_emg(rec, DetectionParams(), None, rec.labels), a.reps)
    t_score = best(lambda: jd.score(path), a.reps)
    print("\n| step | seconds | share of score() |\n| --- | --- | --- |")
    for name, t in (("header validation", t_header), ("EDF+ record onsets", t_onsets),
                    ("score() preflight (rates, sampled amplitude)", t_pre), ("whole score()", t_score)):
        print(f"| {name} | {t:.4f} | {t / t_score:.1%} |")
    if a.baseline:
        with tempfile.TemporaryDirectory() as cache:
            env = {"PYTHONPATH": os.path.abspath(a.baseline), "NUMBA_CACHE_DIR": cache,
                   "PYTHONDONTWRITEBYTECODE": "1"}
            other = run_child(STEADY.format(path=path, reps=a.reps), env=env)["s_per_night"]
            mine = run_child(STEADY.format(path=path, reps=a.reps))["s_per_night"]
        print(f"\nsteady state, same run: this tree {mine:.3f} s, baseline {other:.3f} s, ratio {mine / other:.3f}")


if __name__ == "__main__":
    main()
