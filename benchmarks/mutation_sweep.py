"""Exhaustive mutation sweep: thousands of bad inputs, each in its own forked process.

Every EDF/BDF/EDF+D header field set to each of ~45 nasty values (NaN, inf, negative,
non-integer, absurd, empty, non-ASCII, another field's value, swapped ranges), truncations and
byte flips across the header and data, EDF+ TAL onsets and durations, EDF+D record onsets,
mutated scoring files (NSRR/Profusion XML, CSV/TSV, stage lists, garbage), arrays through the
Python API (NaN/inf/1e300 stretches, volts, bad rates, shapes), batch manifests, folder layouts
whose names could collide, and keyword/label names. Each case runs in a child forked from a
warm zygote (``tests/sandbox.py``) under a 1.5-GiB address-space cap and a 60-s limit, and is
classified by the oracle in ``tests/mutation_cases.py``: result, error (a jerkdetect error),
wrong (silently wrong), crash (another exception, a signal, a hang) or oom.

    python benchmarks/mutation_sweep.py            # the full sweep (~5,000 cases)
    python benchmarks/mutation_sweep.py --quick    # one case in ten
    python benchmarks/mutation_sweep.py --kinds edf_field,tal --out sweep.json

Exit status 1 when any case crashed, ran out of memory or was silently wrong.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))

from mutation_cases import (FIXED, LAYOUTS, NASTY, PER_SIGNAL, TAL_DURATIONS, TAL_ONSETS,  # noqa: E402
                            TEXT_NASTY, family_cases)
from sandbox import Sandbox  # noqa: E402

BAD = ("wrong", "crash", "oom", "timeout")


def cases() -> list[dict]:
    out: list[dict] = []
    values = NASTY + TEXT_NASTY + ["@other"]
    for base, signals in (("edf", range(8)), ("bdf", (0, 2, 5, 7)), ("edfd", (0, 3, 6))):
        for f in FIXED:
            for v in values:
                out.append({"kind": "edf_field", "base": base, "field": f, "signal": None,
                            "text": "1" if v == "@other" else v})
        for f, _ in PER_SIGNAL:
            for s in signals:
                for v in values + (["@swap"] if f in ("pmin", "pmax", "dmin", "dmax") else []):
                    out.append({"kind": "edf_field", "base": base, "field": f, "signal": s, "text": v})
    for base in ("edf", "bdf", "edfd"):
        for k in range(150):
            out.append({"kind": "edf_bytes", "base": base, "op": "truncate", "pos": (k * 7919 * 131) % (1 << 22)})
            out.append({"kind": "edf_bytes", "base": base, "op": "flip", "region": "header", "pos": k * 37,
                        "value": (k * 151) % 256})
            out.append({"kind": "edf_bytes", "base": base, "op": "flip", "region": "data", "pos": k * 104729,
                        "value": (k * 97 + 1) % 256})
    for o in TAL_ONSETS:
        for d in TAL_DURATIONS:
            for r in (0, 5, 1799):
                out.append({"kind": "tal", "base": "edf", "record": r, "timekeeping": r == 0 and d == "",
                            "tal": f"{o}{d}\x14Arousal\x14\x00"})
        for r in (0, 600, 1199):
            out.append({"kind": "tal", "base": "edfd", "record": r, "timekeeping": True, "tal": f"{o}\x14\x14\x00"})
    for o in TAL_ONSETS + ["+0", "+1299", "+600", "+599.5", "+1300", "-1", "+598"]:
        for r in (0, 1, 599, 600, 1199):
            out.append({"kind": "edfd_onsets", "changes": [(r, o)]})
    out += [{"kind": "scoring", "seed": s} for s in range(600)]
    for mut in ("nan", "inf", "-inf", "huge"):
        for lab in ("Leg L", "Leg R", "EMG Chin"):
            for pos, length in ((0, 0), (0, 5000), (100000, 1), (200000, 20000), (460000, 100000),
                                (460799, 10), (123457, 256 * 60 - 1)):
                out.append({"kind": "arrays", "mut": mut, "label": lab, "pos": pos, "length": length})
    for fs in (float("nan"), float("inf"), float("-inf"), -256.0, 0.0, 1e-3, 100.0, 199.9, 1e12, "256", None):
        out.append({"kind": "arrays", "mut": "fs", "fs": fs})
    for mut in ("volts", "millivolts", "shape", "empty"):
        out.append({"kind": "arrays", "mut": mut})
    for dt in ("int16", "int64", "float32", "complex128", "object", "bool"):
        out.append({"kind": "arrays", "mut": "dtype", "dtype": dt})
    for ann in ([(float("nan"), 1.0, "Arousal")], [(1e20, 1.0, "x")], [(5.0, -3.0, "Arousal")], [(5.0, 1e300, "x")],
                [("a", "b", "c")]):
        out.append({"kind": "arrays", "mut": "none", "annotations": ann})
    for units in ("furlong", "", "V", "mV", "nV", None):
        out.append({"kind": "arrays", "mut": "none", "units": units})
    heads = ["recording,annotations,channels", "recording;channels", "path\tchannels", "channels", "recording", ""]
    cells = ["data/a.edf", "data/missing.edf", "", "data/a.xml", "/nonexistent/x.edf", "data",
             "leg_left=Leg L;leg_right=Leg R", "leg_left", "=", "chin=EMG Chin;", "legg_left=X", "\xe9", '"a,b"']
    for h in heads:
        sep = ";" if ";" in h else "\t" if "\t" in h else ","
        for c in cells:
            for enc in ("utf-8", "latin-1", "utf-16"):
                text = f"{h}\n{sep.join(['data/a.edf', c][: 1 + h.count(sep)])}\n"
                out.append({"kind": "manifest", "content": text.encode(enc, "replace")})
    out += [{"kind": "manifest", "content": b""}, {"kind": "manifest", "content": b"\xff\xfe\x00\x00"},
            {"kind": "manifest", "content": b"recording\n" + b"data/a.edf\n" * 3}]
    out += [{"kind": "layout", "files": f} for f in LAYOUTS]
    for name in ("annotation", "max_imi", "rule_param", "min_imi_s", "max_imi_s", "rules_params", "leg_movement",
                 "hypnic_jerk", "detections", "use_morphology"):
        out.append({"kind": "names", "where": "score", "name": name, "value": 10.0})
    for name in ("plms", "PLM", "Lm", "lm_long", "jerk", "hypnic_jerk", "LM ", "all", "", "lms", "hypnic"):
        out.append({"kind": "names", "where": "label", "name": name})
    out += family_cases()  # tests/mutation_families_*.py (vocabulary, duplicates, scale, parameters, disk)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one case in ten")
    ap.add_argument("--kinds", help="comma-separated case kinds (default: all)")
    ap.add_argument("--out", help="write every non-result outcome and the counts as JSON here")
    ap.add_argument("--mem-gib", type=float, default=1.5)
    a = ap.parse_args(argv)
    todo = cases()
    if a.kinds:
        todo = [c for c in todo if c["kind"] in a.kinds.split(",")]
    if a.quick:
        todo = todo[::10]
    t0 = time.time()
    counts: dict = collections.defaultdict(collections.Counter)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        sb = Sandbox(tmp, mem_gib=a.mem_gib, timeout_s=60)
        try:
            for i, c in enumerate(todo):
                o = sb.run(c)
                counts[c["kind"]][o["status"]] += 1
                if o["status"] in BAD:
                    bad.append({"case": {k: (v.decode("latin-1") if isinstance(v, bytes) else v)
                                         for k, v in c.items()}, **o})
                    print(f"{o['status'].upper()}: {c} -> {o['detail']}", flush=True)
                if (i + 1) % 500 == 0:
                    print(f"{i + 1}/{len(todo)} cases, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
        finally:
            sb.close()
    total = collections.Counter()
    print(f"\n{'kind':<12} {'cases':>6} " + " ".join(f"{s:>7}" for s in ("result", "error") + BAD))
    for k, c in counts.items():
        total.update(c)
        print(f"{k:<12} {sum(c.values()):>6} " + " ".join(f"{c[s]:>7}" for s in ("result", "error") + BAD))
    print(f"{'all':<12} {sum(total.values()):>6} " + " ".join(f"{total[s]:>7}" for s in ("result", "error") + BAD))
    print(f"{time.time() - t0:.0f} s; crashes {total['crash'] + total['timeout']}, out-of-memory {total['oom']}, "
          f"silently wrong {total['wrong']}")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"counts": {k: dict(v) for k, v in counts.items()}, "bad": bad}, f, indent=1, default=str)
    return 1 if any(total[s] for s in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
