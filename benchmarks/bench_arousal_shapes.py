"""Arousal spectral shapes the detector was not built around: recall and false positives per shape.

Run: python benchmarks/bench_arousal_shapes.py [--baseline OTHER/src] [--hours 1] [--seeds 1]

A third EEG renderer, built differently from the library's simulator and from both blind
generators (which add power at an alpha peak and in 16-30 Hz, with sigma held or lowered): the
background is stationary 1/f noise of one stage (two derivations sharing most of it), and an
arousal multiplies *a band of the background itself* by the contrast ``c`` (amplitude) for 3-9 s
with 0.3-s ramps. Shapes: alpha (8-12 Hz), the whole 8-30 Hz range (sigma with it), 8-48 Hz
(into the muscle band), 4-30 Hz, beta (16-30 Hz), alpha and beta with sigma left alone, and 8-30 Hz
after a K-complex. Look-alikes: intrusions of the same shape and contrast lasting 1-2.9 s (half the
gaps), and, in N2, a sigma peak in the background with 1.5-s 12-14-Hz spindles (4 per minute).
Stages: N2 (spindle-rich, background amplitude ~1/f), N2 with a flatter background (~1/f^0.5),
N1 (alpha peak), N3 (delta peak).

Reported per cell: arousals found / true (any overlap), and false positives over all contrasts,
for this tree and, with ``--baseline``, another one in the same run; the naive 8-30 Hz
threshold (power > 3x the night's median for >= 3 s) beside them. No timing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import run_worker  # noqa: E402
FS = 256.0
SHAPES = {"alpha 8-12": [(8, 12)], "8-30 (sigma too)": [(8, 30)], "8-48 (muscle band too)": [(8, 48)],
          "4-30": [(4, 30)], "beta 16-30": [(16, 30)], "alpha + beta, sigma alone": [(8, 12), (16, 30)],
          "8-30 after a K-complex": [(8, 30)]}
STAGES = {"N2 spindle-rich": ("N2", 1.0), "N2 flatter (1/f^0.5)": ("N2", 0.5), "N1 alpha-rich": ("N1", 1.0),
          "N3 delta-rich": ("N3", 1.0)}
CONTRASTS = (1.5, 2.0, 3.0, 4.0)


def background(rng, n: int, stage: str, slope: float) -> list[np.ndarray]:
    """Two derivations of stationary noise with amplitude ~ 1/f^slope and the stage's peaks."""
    f = np.fft.rfftfreq(n, 1 / FS)
    amp = 1.0 / np.maximum(f, 0.5) ** slope
    peak = {"N2": (13.0, 1.2), "N1": (10.0, 0.8), "N3": (1.0, 3.0)}[stage]
    amp = amp * (1 + peak[1] * np.exp(-0.5 * ((f - peak[0]) / (0.7 if stage == "N3" else 1.0)) ** 2))
    amp[f > 60] *= 0.1
    spec = [rng.normal(size=f.size) + 1j * rng.normal(size=f.size) for _ in range(3)]
    xs = [np.fft.irfft(amp * (0.85 * spec[0] + 0.5 * spec[k]), n) for k in (1, 2)]
    return [x / x.std() * 25.0 for x in xs]


def band_part(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    f = np.fft.rfftfreq(x.size, 1 / FS)
    return np.fft.irfft(np.fft.rfft(x) * ((f >= lo) & (f < hi)), x.size)


def plan(rng, hours: float) -> tuple[list, list]:
    """(arousals, intrusions) as (onset, duration): arousals 3-9 s, 30-70 s apart; an intrusion of
    1-2.9 s in half the gaps, at least 12 s from either arousal."""
    ar, intr = [], []
    t = 60.0
    while t < hours * 3600 - 60:
        d = float(rng.uniform(3, 9))
        ar.append((t, d))
        gap = float(rng.uniform(30, 70))
        if rng.random() < 0.5:
            intr.append((t + d + 12.0 + float(rng.uniform(0, gap - 27.0)), float(rng.uniform(1.0, 2.9))))
        t += d + gap
    return ar, intr


def render(shape: str, stage_key: str, c: float, seed: int, hours: float):
    """(signals dict, stage label, true arousals)."""
    stage, slope = STAGES[stage_key]
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * FS)
    xs = background(rng, n, stage, slope)
    parts = [[band_part(x, lo, hi) for lo, hi in SHAPES[shape]] for x in xs]
    ar, intr = plan(rng, hours)
    tt = np.arange(n) / FS
    for on, d in ar + intr:
        i0, i1 = int((on - 0.5) * FS), int((on + d + 0.5) * FS)
        seg = tt[i0:i1]
        g = np.clip((seg - on) / 0.3 + 0.5, 0, 1) * np.clip((on + d - seg) / 0.3 + 0.5, 0, 1)  # half at on, on+d
        for x, ps in zip(xs, parts):
            for p in ps:
                x[i0:i1] += (c - 1) * g * p[i0:i1]
    if "K-complex" in shape:
        k = np.arange(int(0.8 * FS)) / FS
        kc = -80 * np.sin(2 * np.pi * k / 0.8) * np.hanning(k.size)
        for on, _ in ar:
            for x in xs:
                x[int(on * FS):int(on * FS) + k.size] += kc
    if stage == "N2":  # spindles fall anywhere, unscaled (1.5 s, 12-14 Hz, 20 µV)
        ts = np.arange(int(1.5 * FS)) / FS
        for _ in range(int(hours * 60 * 4)):
            i = int(rng.integers(0, n - ts.size))
            w = np.sin(np.pi * ts / ts[-1]) ** 2 * 20 * np.sin(2 * np.pi * rng.uniform(12, 14) * ts)
            for x in xs:
                x[i:i + ts.size] += w
    return {"EEG C3-M2": xs[0], "EEG C4-M1": xs[1]}, stage, ar


def naive_events(sig: dict, k: float = 3.0) -> np.ndarray:
    """8-30 Hz power of 1-s Hann windows every 0.5 s (channels averaged) above k x its median >= 3 s."""
    pw = 0.0
    for x in sig.values():
        w, h = int(FS), int(FS) // 2
        m = (x.size - w) // h + 1
        seg = np.lib.stride_tricks.sliding_window_view(x, w)[::h][:m]
        spec = np.abs(np.fft.rfft((seg - seg.mean(axis=1, keepdims=True)) * np.hanning(w), axis=1)) ** 2
        fr = np.fft.rfftfreq(w, 1 / FS)
        pw = pw + spec[:, (fr >= 8) & (fr <= 30)].sum(axis=1)
    on = pw > k * np.median(pw)
    ev, i = [], 0
    while i < on.size:
        if on[i]:
            j = i
            while j < on.size and on[j]:
                j += 1
            if (j - i - 1) * 0.5 + 1.0 >= 3.0:
                ev.append((i * 0.5, (j - i - 1) * 0.5 + 1.0))
            i = j
        else:
            i += 1
    return np.array(ev).reshape(-1, 2)


def count(truth: list, det: np.ndarray) -> tuple[int, int]:
    """(true arousals overlapped by a detection, detections overlapping no true arousal)."""
    det = np.asarray(det, float).reshape(-1, 2)
    hit = sum(bool(np.any((det[:, 0] < on + d) & (det[:, 0] + det[:, 1] > on))) for on, d in truth)
    fp = sum(not any(a < on + d and a + b > on for on, d in truth) for a, b in det)
    return hit, fp


def worker(job: dict) -> dict:
    """In the child: every cell with the jerkdetect on sys.path (and the naive threshold)."""
    import warnings
    import jerkdetect as jd
    from jerkdetect.detection import detect_arousals
    warnings.simplefilter("ignore")
    out = {"jerkdetect": os.path.dirname(jd.__file__), "cells": []}
    for stage_key in STAGES:
        for shape in SHAPES:
            for c in CONTRASTS:
                for seed in range(job["seeds"]):
                    sig, stage, truth = render(shape, stage_key, c, 1000 * seed + int(c * 10), job["hours"])
                    rec = jd.Recording.from_arrays(sig, FS)
                    hyp = jd.Hypnogram.from_labels([stage] * int(round(job["hours"] * 120)))
                    det = detect_arousals(rec, hyp).to_array()
                    row = {"stage": stage_key, "shape": shape, "c": c, "n": len(truth)}
                    row["hit"], row["fp"] = count(truth, det)
                    if job["naive"]:
                        row["naive_hit"], row["naive_fp"] = count(truth, naive_events(sig))
                    out["cells"].append(row)
    return out


def run_tree(src: str, hours: float, seeds: int, naive: bool) -> dict:
    return run_worker(__file__, src, {"hours": hours, "seeds": seeds, "naive": naive})


def table(trees: dict[str, dict]) -> str:
    names = list(trees)
    first = trees[names[0]]["cells"]
    scorers = names + ["naive 8-30 Hz x3"]
    lines = ["| stage | shape | scorer | " + " | ".join(f"c={c:g}" for c in CONTRASTS) + " | false positives |",
             "|---|---|---|" + "---|" * (len(CONTRASTS) + 1)]
    keys = list(dict.fromkeys((r["stage"], r["shape"]) for r in first))
    for stage, shape in keys:
        for s in scorers:
            cells = trees[names[0] if s not in trees else s]["cells"]
            hit, fp = ("naive_hit", "naive_fp") if s not in trees else ("hit", "fp")
            rows = [r for r in cells if r["stage"] == stage and r["shape"] == shape]
            parts = []
            for c in CONTRASTS:
                rc = [r for r in rows if r["c"] == c]
                parts.append(f"{sum(r[hit] for r in rc)}/{sum(r['n'] for r in rc)}")
            lines.append(f"| {stage} | {shape} | {s} | " + " | ".join(parts) + f" | {sum(r[fp] for r in rows)} |")
    return "\n".join(lines) + "\n"


def weakest(cells: list[dict], c_min: float = 2.0) -> str:
    """The (stage, shape) cell with the lowest recall at contrasts >= c_min."""
    agg: dict = {}
    for r in cells:
        if r["c"] >= c_min:
            h, n = agg.get((r["stage"], r["shape"]), (0, 0))
            agg[(r["stage"], r["shape"])] = (h + r["hit"], n + r["n"])
    (stage, shape), (h, n) = min(agg.items(), key=lambda kv: kv[1][0] / max(kv[1][1], 1))
    return f"{stage}, {shape}: recall {h / max(n, 1):.2f} ({h}/{n}) at contrast >= {c_min:g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", help="another source tree (e.g. a checkout of main) in the same run")
    ap.add_argument("--hours", type=float, default=1.0, help="length of each night (default 1 h)")
    ap.add_argument("--seeds", type=int, default=1, help="nights per cell (default 1)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(json.loads(a.worker))))
        return
    trees = {"this": run_tree(os.path.join(HERE, "..", "src"), a.hours, a.seeds, True)}
    if a.baseline:
        trees["baseline"] = run_tree(a.baseline, a.hours, a.seeds, False)
    print(f"{a.seeds} night(s) of {a.hours:g} h per cell, EEG at {FS:g} Hz, 2 derivations\n")
    print(table(trees))
    for name, t in trees.items():
        print(f"weakest cell ({name}): {weakest(t['cells'])}")


if __name__ == "__main__":
    main()
