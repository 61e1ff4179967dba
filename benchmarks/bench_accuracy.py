"""Accuracy against ground truth on full simulated nights: seeds x sampling rates x units x rule sets.

Run: python benchmarks/bench_accuracy.py [--hours 8]

Each night has ECG bleed, mains hum, a raised-noise stretch per leg, fragmentary myoclonus, REM
chin twitches, respiratory events with LMs and arousals. The truth LMs are scored under the
same rules, hypnogram, arousals, respiratory events and unscorable stretches, so the figures
measure detection.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine, table  # noqa: E402

NIGHTS = [(101, 200.0, "uV"), (102, 256.0, "mV"), (103, 500.0, "uV"), (104, 512.0, "uV"),
          (105, 512.0, "mV"), (106, 256.0, "uV")]


def main() -> None:
    import jerkdetect as jd
    from jerkdetect.simulate import simulate_night
    from jerkdetect.simulate.evaluate import evaluate
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    a = ap.parse_args()
    print(f"machine: {machine()}\n")
    rows, tot = [], {}
    with tempfile.TemporaryDirectory() as d:
        for seed, fs, unit in NIGHTS:
            night = simulate_night(seed=seed, duration_h=a.hours, fs_emg=fs, fs_eeg=fs / 2, emg_unit=unit,
                                   full_montage=False)
            paths = night.write(d, f"s{seed}")
            for rules in ("wasm2016", "aasm2012"):
                res = jd.score(paths["recording"], rules=rules)
                ev = evaluate(res, night.truth, night.hypnogram, rules)
                rows.append(dict(seed=seed, fs=fs, unit=unit, rules=rules, lm_f1=ev["lm"]["f1"],
                                 plm_f1=ev["plm"]["f1"], jerks=f"{ev['jerk']['tp']}/{ev['jerk']['tp'] + ev['jerk']['fn']}"
                                 f" (+{ev['jerk']['fp']} fp)", plms_index=ev["plms_index"],
                                 plms_truth=ev["plms_index_truth"], plms_err=ev["plms_index_error"],
                                 max_onset_err_s=ev["lm"]["max_onset_error"], unscorable_cov=ev["unscorable_covered"]))
                for k in ("lm", "plm", "jerk"):
                    t = tot.setdefault((rules, k), [0, 0, 0])
                    t[0] += ev[k]["tp"]; t[1] += ev[k]["fp"]; t[2] += ev[k]["fn"]
    print(table(rows, ["seed", "fs", "unit", "rules", "lm_f1", "plm_f1", "jerks", "plms_index", "plms_truth",
                       "plms_err", "max_onset_err_s", "unscorable_cov"]))
    print("\npooled F1 (tp, fp, fn):")
    for (rules, k), (tp, fp, fn) in sorted(tot.items()):
        print(f"  {rules} {k:5s} F1 {2 * tp / (2 * tp + fp + fn):.4f}  ({tp}, {fp}, {fn})")


if __name__ == "__main__":
    main()
