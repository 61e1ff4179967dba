"""Scale: 1e4, 1e5 and 1e6 scored leg movements on a 24-h night, wall time and peak memory.

Each size is an event table (2,880 30-s epochs of stages and ``n`` ``Limb movement - left/right``
rows) scored by :func:`jerkdetect.score_annotations` under WASM 2016 and AASM 2012 in a fresh
child process; the child reports its wall time and peak resident memory (``VmHWM``). The LMs
alternate legs at even spacing (86,400 s / n) with durations of 0.5-3 s and 1 % of the rows
listed twice, so at 1e6 every leg's movements overlap (the worst case of the duplicate and
overlap merges and of the bilateral chains). ``--baseline SRC`` scores the same files with
another checkout's ``src`` (main: its WASM combination is quadratic, so its sizes are capped by
``--baseline-max``, and a child that passes ``--timeout`` is reported as such).

    python benchmarks/bench_scale.py                       # this checkout, 1e4 1e5 1e6
    python benchmarks/bench_scale.py --baseline /work/main/src --baseline-max 100000
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
NIGHT_S = 86400.0


def write_night(path: str, n: int, seed: int = 0) -> None:
    """A 24-h event table: stages (30-s epochs, a W/N1/N2/N3/R cycle) and ``n`` scored LMs (1 % listed twice)."""
    rng = np.random.default_rng(seed)
    cycle = ["W"] * 2 + ["N1"] * 2 + ["N2"] * 20 + ["N3"] * 10 + ["N2"] * 10 + ["R"] * 16
    stages = [cycle[k % len(cycle)] for k in range(int(NIGHT_S // 30))]
    on = np.arange(n) * (NIGHT_S / n) + rng.uniform(0, 0.01, n)
    dur = np.round(rng.uniform(0.5, 3.0, n), 3)
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    dup = rng.random(n) < 0.01
    with open(path, "w") as f:
        f.write("onset\tduration\tdescription\n")
        f.writelines(f"{30 * k}\t30\t{s}\n" for k, s in enumerate(stages))
        rows = [f"{o:.4f}\t{d:.3f}\tLimb movement - {s}\n" for o, d, s in zip(on, dur, side)]
        f.writelines(rows)
        f.writelines(r for r, x in zip(rows, dup) if x)


def child(path: str, rules: str) -> dict:
    import warnings
    import jerkdetect as jd
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score_annotations(path, rules=rules)
    wall = time.perf_counter() - t0
    s = res.summary()
    with open("/proc/self/status") as f:
        hwm = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(hwm / 1024, 1), "n_lm": s["n_lm"], "rows": len(res.lm),
            "plms_index": s.get("plms_index"), "jerkdetect": jd.__file__}


def run_child(src: str, path: str, rules: str, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": src}
    cmd = [sys.executable, os.path.abspath(__file__), "--child", path, "--rules", rules]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall_s": None, "note": f"not finished in {timeout:g} s"}
    if p.returncode != 0:
        return {"wall_s": None, "note": p.stderr.strip().splitlines()[-1][:200] if p.stderr else f"rc {p.returncode}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--rules", default="wasm2016,aasm2012")
    ap.add_argument("--baseline", help="another checkout's src folder (e.g. /work/main/src)")
    ap.add_argument("--baseline-max", type=int, default=100000, help="largest size given to the baseline")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.rules)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in map(int, a.sizes.split(",")):
            path = os.path.join(tmp, f"lm_{n}.tsv")
            write_night(path, n)
            for rules in a.rules.split(","):
                runs = [("this", SRC)] + ([("baseline", a.baseline)] if a.baseline and n <= a.baseline_max else [])
                for who, src in runs:
                    r = run_child(src, path, rules, a.timeout)
                    rows.append({"n": n, "rules": rules, "code": who, **r})
                    print(json.dumps(rows[-1]), flush=True)
    print(f"\n{'scored LMs':>10} {'rules':<9} {'code':<9} {'wall s':>8} {'peak MB':>8} {'n_lm':>7} {'PLMS/h':>7}")
    for r in rows:
        w = "-" if r.get("wall_s") is None else f"{r['wall_s']:.2f}"
        pk = f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "-"
        idx = r.get("plms_index")
        print(f"{r['n']:>10} {r['rules']:<9} {r['code']:<9} {w:>8} {pk:>8} {r.get('n_lm', '-')!s:>7} "
              f"{'-' if idx is None else f'{idx:.1f}':>7} {r.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
