"""Where a night's time goes: import per package, per stage, per Numba kernel, fresh and steady.

Run: python benchmarks/bench_stages.py [BASELINE_SRC] [--rounds 3] [--path EDF]

Scores the 8-h night (EEG arousal detection on) with the CLI's own path (``jerkdetect score``,
outputs written) in fresh interpreters, and again in a warm process, for this tree and, when
given, a baseline source tree, alternating the trees round by round (a shared machine drifts).
Three kinds of child process per tree and round:

* ``-X importtime`` of the whole command: self time of each imported module, summed per
  top-level package (and per jerkdetect sub-package);
* a fresh command with probes: wall and CPU time of the import, of each stage of ``score()``
  (probes wrap the functions named in ``PROBES`` wherever they exist in the tree), of the
  outputs, the first call of each Numba kernel (its cache load: ``Dispatcher._compile_for_args``)
  and the peak RSS reached in each stage (``/proc/self/clear_refs`` resets the high-water mark);
* the steady state: best of ``--reps`` warm scorings with the same probes.

Medians over the rounds are printed. Probes add ~1 µs per call; the stage totals come from
``ScoringResult.info['timings_s']`` without them. The probed runs use one thread
(``JERKDETECT_THREADS=1``) so that each part's time is its own; the bare command runs as a user
runs it (threads on), and once more on one thread. CPU time includes every thread of the process.
Every child runs Numba's JIT (``JERKDETECT_AOT=0``): this is the breakdown of the JIT path, whose
cache loads it times; ``bench_pipeline.py`` measures a ``jerkdetect compile`` build beside it.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile

os.environ["JERKDETECT_AOT"] = "0"  # the children inherit it: the JIT path (see above)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import fresh_cli, full_night, machine, run_child, table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")

# (row of the breakdown, module, attribute): every function wrapped where the tree has it. A
# stage's rows are its own named parts; what is left of the stage is booked to "<stage> (rest)".
PROBES = [
    ("read: header, annotations (read_psg)", "jerkdetect.pipeline.night", "read_psg"),
    ("read: EMG checks (prepare_emg)", "jerkdetect.pipeline.night", "prepare_emg"),
    ("ECG: R peaks (decode + filter + peaks)", "jerkdetect.pipeline.night", "detect_r_peaks"),
    ("ECG: R peaks (decode + filter + peaks)", "jerkdetect.detection.bursts", "_r_times"),
    ("EMG: mains detection", "jerkdetect.detection.bursts", "detect_mains"),
    ("EMG: decode + filter", "jerkdetect.detection.bursts", "sos_filter"),
    ("ECG: template subtraction", "jerkdetect.detection.bursts", "subtract_ecg"),
    ("ECG: template subtraction", "jerkdetect.detection.bursts", "TemplateSubtraction.advance"),
    ("EMG: envelope + pooling", "jerkdetect.detection.bursts", "envelope_blocks"),
    ("EMG: envelope + pooling", "jerkdetect.detection.bursts", "max_pool"),
    ("EMG: envelope + pooling", "jerkdetect.detection.bursts", "envelope_features"),
    ("EMG: envelope + pooling", "jerkdetect.detection.bursts", "Envelope.advance"),
    ("EMG: resting level", "jerkdetect.detection.bursts", "rolling_quantile"),
    ("EMG: bursts (hysteresis, morphology, sustained)", "jerkdetect.detection.bursts", "hysteresis"),
    ("EMG: bursts (hysteresis, morphology, sustained)", "jerkdetect.detection.bursts", "morphology_ok"),
    ("EMG: bursts (hysteresis, morphology, sustained)", "jerkdetect.detection.bursts", "longest_run"),
    ("EMG: bursts (hysteresis, morphology, sustained)", "jerkdetect.detection.bursts", "burst_features"),
    ("EMG: lead-off, noise, times (rest of the channel)", "jerkdetect.detection.bursts", "_finish"),
    ("arousals: EEG decode + decimation", "jerkdetect.detection.arousals", "decimated"),
    ("arousals: band power", "jerkdetect.detection.arousals", "band_log_power"),
    # since issue 18c: the channels read in one pass, decimated and band-powered block by block
    ("arousals: EEG read of the records (one pass)", "jerkdetect.detection.arousals", "streamed_band_log_power"),
    ("arousals: EEG decode + decimation", "jerkdetect.detection.eeg_features", "DecimatedSignal.decimate_next"),
    ("arousals: band power", "jerkdetect.detection.eeg_features", "BandPowerStream.push"),
    ("arousals: band power", "jerkdetect.detection.eeg_features", "BandPowerStream.result"),
    ("arousals: edge refinement (EEG stretches read back)", "jerkdetect.detection.arousals", "refine_edge"),
]
# a probe whose function calls other probed functions: their time is taken out of its row
NESTED = {"EMG: lead-off, noise, times (rest of the channel)": ("EMG: resting level",
                                                              "EMG: bursts (hysteresis, morphology, sustained)"),
          "arousals: EEG read of the records (one pass)": ("arousals: EEG decode + decimation", "arousals: band power")}
STAGE_ROWS = {  # stage key of timings_s -> prefix of its probe rows
    "read": "read:", "annotations": None, "filter": None, "detect": ("ECG:", "EMG:"), "arousals": "arousals:",
    "rules": None, "align": None, "report": None,
}

CHILD = r'''
import os, sys, time, json, collections, importlib
T0 = time.perf_counter(); C0 = time.process_time()
PROBES = {probes!r}
acc = collections.defaultdict(lambda: [0.0, 0.0])
loads = []
def hwm():
    return int([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1]) / 1024
def reset_hwm():
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass
import numba.core.dispatcher as _nd
_orig = _nd.Dispatcher._compile_for_args
def _timed(self, *a, **k):
    t = time.perf_counter(); c = time.process_time()
    try:
        return _orig(self, *a, **k)
    finally:
        f = self.py_func
        loads.append((f.__module__.replace('jerkdetect.', '') + '.' + f.__name__,
                      time.perf_counter() - t, time.process_time() - c))
_nd.Dispatcher._compile_for_args = _timed
import jerkdetect.cli as cli
T1 = time.perf_counter(); C1 = time.process_time()
def wrap(label, mod, attr):
    try:
        owner = importlib.import_module(mod)
        *path, name = attr.split('.')
        for p in path:
            owner = getattr(owner, p)
        f = getattr(owner, name)
    except (ImportError, AttributeError):
        return
    def w(*a, **k):
        t = time.perf_counter(); c = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            acc[label][0] += time.perf_counter() - t
            acc[label][1] += time.thread_time() - c
    setattr(owner, name, w)
for p in PROBES:
    wrap(*p)
import jerkdetect.pipeline.night as night
stage_rss = {{}}
stage_cpu = collections.defaultdict(float)
def stage_probe(key, fn):
    def w(n):
        reset_hwm(); c = time.process_time()
        fn(n)
        stage_cpu[key] += time.process_time() - c
        stage_rss[key] = max(stage_rss.get(key, 0.0), hwm())
    return w
night.STAGES = tuple((k, stage_probe(k, f)) for k, f in night.STAGES)
sys.modules['jerkdetect.pipeline.score'].STAGES = night.STAGES  # the package's 'score' is the function
from jerkdetect.pipeline import outputs as _outputs  # every writer of a night's files goes through write_night
captured = {{}}
_write = _outputs.write_night
def write(result, *a, **k):
    t = time.perf_counter(); c = time.process_time(); reset_hwm()
    try:
        return _write(result, *a, **k)
    finally:
        captured['timings'] = dict(result.info['timings_s'])
        captured['write'] = (time.perf_counter() - t, time.process_time() - c, hwm())
_outputs.write_night = write
import warnings
argv = ['score', {path!r}, '--arousals', 'detect', '--out', {out!r}, '--quiet']
if {steady!r}:
    warnings.simplefilter('ignore')
    rc = cli.main(argv)
    best = None
    for _ in range({reps!r}):
        acc.clear(); stage_rss.clear(); stage_cpu.clear()
        t = time.perf_counter(); c = time.process_time()
        rc = cli.main(argv)
        w = time.perf_counter() - t; cpu = time.process_time() - c
        if best is None or w < best['best_wall_s']:
            best = dict(best_wall_s=w, best_cpu_s=cpu, probes={{k: v[:] for k, v in acc.items()}},
                        timings=captured['timings'], write=captured['write'], stage_rss=dict(stage_rss),
                        stage_cpu=dict(stage_cpu))
    OUT = dict(best, kind='steady')
else:
    reset_hwm()
    rc = cli.main(argv)
    T2 = time.perf_counter(); C2 = time.process_time()
    OUT = dict(kind='fresh', import_wall_s=T1 - T0, import_cpu_s=C1 - C0, run_wall_s=T2 - T1, run_cpu_s=C2 - C1,
               probes={{k: v[:] for k, v in acc.items()}}, timings=captured['timings'], write=captured['write'],
               loads=loads, stage_rss=stage_rss, stage_cpu=dict(stage_cpu), import_rss_mb=None)
'''


def importtime(src: str, path: str, out: str) -> dict[str, float]:
    """Self import time (ms) of each top-level package (jerkdetect per sub-package) for the command."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "jerkdetect", "score", path, "--arousals",
                        "detect", "--out", out, "--quiet"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": src, "PYTHONWARNINGS": "ignore"})
    tot: dict[str, float] = collections.defaultdict(float)
    for ln in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", ln)
        if not m:
            continue
        name = m[4]
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "jerkdetect" and len(parts) > 1 else parts[0]
        tot[key] += int(m[1]) / 1e3
    return dict(tot)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline", nargs="?", help="source tree to compare with (e.g. ../baseline/src)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--path", default=None, help="recording (default: the 8-h benchmark night)")
    ap.add_argument("--this", default=SRC, help="source tree of the 'this' column (default: this checkout)")
    a = ap.parse_args()
    path = a.path or full_night()
    trees = {"this": os.path.abspath(a.this)}
    if a.baseline:
        trees = {"baseline": os.path.abspath(a.baseline), **trees}
    res = {k: collections.defaultdict(list) for k in trees}
    with tempfile.TemporaryDirectory() as out:
        for src in trees.values():  # warm the Numba cache and the page cache
            fresh_cli(src, path, out)
        for _ in range(a.rounds):
            for name, src in trees.items():
                r = res[name]
                r["bare"].append(fresh_cli(src, path, out))
                r["bare1"].append(fresh_cli(src, path, out, "1"))
                r["imports"].append(importtime(src, path, out))
                env = {"PYTHONPATH": src, "PYTHONWARNINGS": "ignore", "JERKDETECT_THREADS": "1"}
                r["fresh"].append(run_child(CHILD.format(probes=PROBES, path=path, out=out, steady=False, reps=1),
                                            env=env))
                r["steady"].append(run_child(CHILD.format(probes=PROBES, path=path, out=out, steady=True,
                                                          reps=a.reps), env=env))
    print(f"machine: {machine()}\nnight: {path} ({os.path.getsize(path) / 1e6:.0f} MB), arousals='detect', "
          f"medians of {a.rounds} alternating rounds\n")
    names = list(trees)
    print("## Whole command (`jerkdetect score`, warm Numba cache), no probes\n")
    rows = []
    for n in names:
        for kind, label in (("bare", "threads on"), ("bare1", "1 thread")):
            b = res[n][kind]
            rows.append(dict(tree=n, threads=label, wall_s=med([x["wall_s"] for x in b]),
                             cpu_s=med([x["cpu_s"] for x in b]), peak_rss_mb=med([x["rss_mb"] for x in b])))
    print(table(rows, ["tree", "threads", "wall_s", "cpu_s", "peak_rss_mb"]))
    print("\n## Import (self time per package, ms, `-X importtime` of the command; importtime inflates it)\n")
    keys = sorted({k for n in names for d in res[n]["imports"] for k in d},
                  key=lambda k: -max(med([d.get(k, 0.0) for d in res[n]["imports"]]) for n in names))
    rows = []
    for k in keys:
        vals = {n: med([d.get(k, 0.0) for d in res[n]["imports"]]) for n in names}
        if max(vals.values()) >= 2.0:
            rows.append(dict(package=k, **{f"{n}_ms": vals[n] for n in names}))
    rows.append(dict(package="total", **{f"{n}_ms": med([sum(d.values()) for d in res[n]["imports"]])
                                         for n in names}))
    print(table(rows, ["package"] + [f"{n}_ms" for n in names]))
    for kind in ("fresh", "steady"):
        print(f"\n## Stages, {kind} {'process (first night)' if kind == 'fresh' else 'state (best of warm runs)'}"
              " (ms wall; cpu in brackets)\n")
        rows = _stage_rows(res, names, kind)
        print(table(rows, ["stage"] + [f"{n}_ms" for n in names] + [f"{n}_peak_mb" for n in names]))
    print("\n## Numba: first call of each kernel in a fresh process (cache load), ms wall (cpu)\n")
    rows = []
    kern = collections.OrderedDict()
    for n in names:
        for r in res[n]["fresh"]:
            for k, _, _ in r["loads"]:
                kern.setdefault(k, None)
    for k in kern:
        row = dict(kernel=k)
        for n in names:
            w = [sum(x[1] for x in r["loads"] if x[0] == k) for r in res[n]["fresh"]]
            c = [sum(x[2] for x in r["loads"] if x[0] == k) for r in res[n]["fresh"]]
            row[f"{n}_ms"] = f"{med(w) * 1e3:.1f} ({med(c) * 1e3:.1f})" if any(w) else ""
        rows.append(row)
    tot = dict(kernel="total (kernels loaded)")
    for n in names:
        w = med([sum(x[1] for x in r["loads"]) for r in res[n]["fresh"]])
        c = med([sum(x[2] for x in r["loads"]) for r in res[n]["fresh"]])
        cnt = med([len(r["loads"]) for r in res[n]["fresh"]])
        tot[f"{n}_ms"] = f"{w * 1e3:.0f} ({c * 1e3:.0f}), {cnt:g} loads"
    rows.append(tot)
    print(table(rows, ["kernel"] + [f"{n}_ms" for n in names]))
    print("\nThe first load in a process also pays Numba's registry set-up (it imports numba.np.*, and, "
          "before issue 18c's import hook, through numba.np.arraymath SciPy's linalg for BLAS).")


def _stage_rows(res, names, kind) -> list[dict]:
    rows = []
    order = ["import", "read", "annotations", "filter", "detect", "arousals", "rules", "align", "report", "write",
             "total"]
    labels = list(dict.fromkeys(lab for lab, _, _ in PROBES))
    for st in order:
        row = dict(stage=st)
        sub_rows = []
        for n in names:
            rs = res[n][kind]
            if st == "import":
                if kind != "fresh":
                    continue
                row[f"{n}_ms"] = _fmt([r["import_wall_s"] for r in rs], [r["import_cpu_s"] for r in rs])
            elif st == "write":
                row[f"{n}_ms"] = _fmt([r["write"][0] for r in rs], [r["write"][1] for r in rs])
                row[f"{n}_peak_mb"] = med([r["write"][2] for r in rs])
            elif st == "total":
                if kind == "fresh":
                    row[f"{n}_ms"] = _fmt([r["import_wall_s"] + r["run_wall_s"] for r in rs],
                                          [r["import_cpu_s"] + r["run_cpu_s"] for r in rs])
                else:
                    row[f"{n}_ms"] = _fmt([r["best_wall_s"] for r in rs], [r["best_cpu_s"] for r in rs])
            else:
                row[f"{n}_ms"] = _fmt([r["timings"].get(st, 0.0) for r in rs],
                                      [r["stage_cpu"].get(st, 0.0) for r in rs] if st not in ("filter", "detect")
                                      else None)
                if st not in ("filter", "detect"):
                    row[f"{n}_peak_mb"] = med([r["stage_rss"].get(st) for r in rs])
                elif st == "detect":
                    row[f"{n}_peak_mb"] = med([r["stage_rss"].get(st) for r in rs])
        rows.append(row)
        pre = STAGE_ROWS.get(st)
        if pre:
            pre = (pre,) if isinstance(pre, str) else pre
            for lab in labels:
                if lab.startswith(pre):
                    sub = dict(stage="  " + lab)
                    for n in names:
                        v = [_exclusive(r["probes"], lab) for r in res[n][kind]]
                        if any(x[0] for x in v):
                            sub[f"{n}_ms"] = _fmt([x[0] for x in v], [x[1] for x in v])
                    sub_rows.append(sub)
        rows += sub_rows
    return rows


def _exclusive(probes: dict, label: str) -> list[float]:
    """[wall, cpu] of a probe row without the probed functions it calls."""
    w, c = probes.get(label, [0.0, 0.0])
    if label not in probes:  # a tree without that function
        return [0.0, 0.0]
    for inner in NESTED.get(label, ()):
        iw, ic = probes.get(inner, [0.0, 0.0])
        w, c = w - iw, c - ic
    return [w, c]


def _fmt(wall, cpu) -> str:
    w = med(wall)
    if cpu is None:
        return f"{w * 1e3:.0f}"
    return f"{w * 1e3:.0f} ({med(cpu) * 1e3:.0f})"


if __name__ == "__main__":
    main()
