"""Shared helpers for the benchmarks: test nights, child-process timing, table printing."""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "_data")


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.node()} | {cpu} | {os.cpu_count()} cores | Python {platform.python_version()}"


def full_night(hours: float = 8.0) -> str:
    """The reference 8-h PSG of issue 4: 3 EMG at 512 Hz, 2 EEG + 2 EOG + ECG at 256 Hz, 2 resp, SpO2."""
    os.makedirs(DATA, exist_ok=True)
    stem = f"full_{hours:g}h"
    p = os.path.join(DATA, stem + ".edf")
    if not os.path.exists(p):
        from jerkdetect.simulate import simulate_night
        simulate_night(seed=42, duration_h=hours).write(DATA, stem)
    return p


def quick_night(hours: float, fs: float, seed: int = 0) -> str:
    """A fast synthetic recording for scaling runs: 2 legs + chin at ``fs``, ECG at 256 Hz, bursts every ~25 s."""
    from jerkdetect.io.edf_write import SignalSpec, write_edf
    os.makedirs(DATA, exist_ok=True)
    p = os.path.join(DATA, f"quick_{hours:g}h_{fs:g}Hz.edf")
    if os.path.exists(p):
        return p
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * fs)
    specs = []
    for lab in ("Leg L", "Leg R", "EMG Chin"):
        x = rng.standard_normal(n, dtype=np.float32) * 2.0
        for t in np.arange(30, hours * 3600 - 30, 25.0):
            i = int(t * fs)
            x[i:i + int(2 * fs)] *= 12
        specs.append(SignalSpec(lab, x, fs))
    specs.append(SignalSpec("ECG", rng.standard_normal(int(hours * 3600 * 256), dtype=np.float32) * 30, 256))
    write_edf(p, specs)
    hyp = os.path.join(DATA, f"quick_{hours:g}h_{fs:g}Hz.tsv")
    with open(hyp, "w") as f:
        f.write("onset\tduration\tdescription\n")
        for k in range(int(hours * 120)):
            f.write(f"{k * 30}\t30\t{'W' if k < 20 else 'N2'}\n")
    return p


def run_child(code: str, env: dict | None = None) -> dict:
    """Run Python code in a fresh process; it prints one JSON line. Adds wall time, the child's CPU
    time (user + system, all threads) and peak RSS (MB)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # VmHWM is this process's own peak RSS (ru_maxrss would carry the parent's over fork/exec)
    p = subprocess.run([sys.executable, "-c", code + "\nimport json\n"
                        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
                        "print('@@' + json.dumps({**OUT, 'rss_mb': int(hwm.split()[1]) / 1024}))"],
                       capture_output=True, text=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru2.ru_utime + ru2.ru_stime - ru.ru_utime - ru.ru_stime
    if p.returncode:
        raise RuntimeError(p.stderr[-2000:])
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")][-1]
    return {**json.loads(line[2:]), "wall_s": wall, "cpu_s": cpu}


def run_worker(script: str, src: str, job: dict) -> dict:
    """Run ``script --worker JOB`` in a child that imports jerkdetect from ``src``; the child
    prints its result as a JSON line with the jerkdetect folder it used (``"jerkdetect"``), checked
    here to lie inside ``src``."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    p = subprocess.run([sys.executable, os.path.abspath(script), "--worker", json.dumps(job)], env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"child scoring failed with {src}:\n{p.stderr[-3000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    if not os.path.abspath(out["jerkdetect"]).startswith(os.path.abspath(src)):
        sys.exit(f"child imported jerkdetect from {out['jerkdetect']}, not from {src}")
    return out


def table(rows: list[dict], cols: list[str]) -> str:
    def f(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(f(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def fresh_cli(src: str | None, path: str, out: str, threads: str = "", arousals: str = "detect",
              env: dict | None = None) -> dict:
    """``jerkdetect score PATH --arousals detect`` in a new interpreter (the source tree ``src``
    first on the path): wall and CPU time of the whole process, peak RSS. ``threads`` sets
    ``JERKDETECT_THREADS`` ("" = the default); ``env`` adds to the environment."""
    code = ("import sys, runpy\nsys.argv = ['jerkdetect', 'score', %r, '--arousals', %r, '--out', %r, "
            "'--quiet']\ntry:\n    runpy.run_module('jerkdetect', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\nOUT = {}\n") % (path, arousals, out)
    env = {"PYTHONWARNINGS": "ignore", "JERKDETECT_THREADS": threads, **(env or {})}
    if src:
        env["PYTHONPATH"] = src
    return run_child(code, env=env)


def tree_pair_parser(rounds: int, reps: int):
    """Arguments of a benchmark that compares two source trees: BASELINE_SRC [CANDIDATE_SRC
    (default: this tree)] --rounds --reps."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline")
    ap.add_argument("candidate", nargs="?", default=os.path.join(HERE, "..", "src"))
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--reps", type=int, default=reps)
    return ap


def alternate(trees: dict[str, str], code: str, rounds: int, env: dict | None = None) -> dict[str, list[dict]]:
    """``code`` in a child per tree and round (:func:`run_child`, the tree first on the path),
    the trees alternating round by round (a shared machine drifts): results per tree name."""
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(rounds):
        for name, src in trees.items():
            runs[name].append(run_child(code, env={"PYTHONPATH": src, **(env or {})}))
    return runs
