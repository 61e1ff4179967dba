"""Blind EEG arousal benchmark: jerkdetect's detector as a black box on nights it was not built with.

    python benchmarks/bench_arousals_blind.py --src PATH/TO/src [--nights 4 --hours 4 --seed 0]
    python benchmarks/bench_arousals_blind.py --generator 2 --src PATH/TO/src --data PATH/TO/blind2
    python benchmarks/bench_arousals_blind.py --generator 3 --seed 1

The nights come from ``_blind_eeg.py`` (NumPy/SciPy/pyedflib only; written without reading the
detector or jerkdetect's simulators) and are cached under ``benchmarks/_data/blind/``; with
``--generator 2`` from ``_blind_eeg2.py``, a second generator built differently by someone who
read neither (held-out check), cached under ``benchmarks/_data/blind2/`` by default, and with
``--generator 3`` from ``_blind_eeg3.py``, a third (time-domain resonators and explicit
waveforms; arousals as one slow-decaying envelope whose gain is solved so that the rendered EEG
shows the drawn contrast; written from the AASM rule and issue 15's text only), cached under
``benchmarks/_data/blind3/``. A child
process with ``--src`` first on ``sys.path`` scores each night with the scoring file that has no
arousals (``arousals="detect"``) and with the one that has the true arousals
(``arousals="scoring"``), under AASM 2012 and WASM 2016. This process then reports, per night
and pooled: arousal precision / recall / event F1 (one-to-one overlap matching), the LM
arousal-link agreement (LMs of the two results matched by onset within 0.5 s), the PLMS-arousal
index error, recall by contrast, stage, duration and cause, the detector's false positives by
what lies under them, a naive baseline (8-30 Hz power in 1-s windows >= k x the night's
sleep median for >= 3 s, k tuned over a grid on the same nights) and, when it is installed,
psgscoring's rule-based AASM arousal detector as a peer (``_peer.run_psgscoring_arousals``; its
arousals are cached beside each night and written into a copy of the scoring file, which the
child scores with ``arousals="scoring"`` for the peer's link agreement and PLMS-arousal index
error; ``--no-peer`` skips it).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _blind_eeg as gen  # noqa: E402
import _blind_eeg2 as gen2  # noqa: E402
import importlib  # noqa: E402
import _peer  # noqa: E402
from _common import run_worker  # noqa: E402

GEN1 = gen  # ``gen`` is the generator of the run (main sets it); nights() of generator 1 use GEN1


def generator_module(generator: int):
    """The module of generator 1, 2 or 3 (``_blind_eeg``, ``_blind_eeg2``, ``_blind_eeg3``)."""
    return {1: GEN1, 2: gen2}.get(generator) or importlib.import_module(f"_blind_eeg{generator}")

RULES = ("aasm2012", "wasm2016")
LM_LABELS = ("plm", "lm", "lm_long")
K_GRID = (1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
CONTRAST_BINS = ((1.5, 2.0), (2.0, 3.0), (3.0, 4.0), (4.0, 6.0), (6.0, 8.0))
DUR_BINS = ((3.0, 4.5), (4.5, 6.0), (6.0, 9.0), (9.0, 12.0), (12.0, 15.001))  # generator 2: up to 15 s
GAP_BINS = ((10.0, 15.0), (15.0, 30.0), (30.0, 1e9))  # s from the previous true arousal's end
POWER_BINS = ((0.0, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, 1e9))  # measured 8-30 Hz power ratio
FP_ORDER = ("movement_artefact", "intrusion", "rem_alpha_no_chin", "k_complex", "spindle_train",
            "spindle", "sawtooth", "vertex_wave")


# ----------------------------------------------------------------------------- nights
def nights(seed: int, n: int, hours: float, folder: str, generator: int = 1) -> list[tuple[str, dict]]:
    """Generate (or reuse) the nights; night i is family modest for even i, ordinary for odd i."""
    out = []
    for i in range(n):
        if generator != 1:  # the second and third generators: their own file names and truth
            g = generator_module(generator)
            stem, version = f"blind{generator}_s{seed}_n{i}_{hours:g}h", g.GEN_VERSION

            def make(stem=stem, i=i, g=g):
                return g.make_night(seed * 1000 + i, hours, g.FAMILIES[i % 2], folder, stem)
        else:
            stem, version = f"blind_s{seed}_n{i}_{hours:g}h", GEN1.GEN_VERSION
            cfg = GEN1.BlindConfig(seed=seed * 1000 + i, hours=hours, family=GEN1.FAMILIES[i % 2])

            def make(stem=stem, cfg=cfg):
                return GEN1.make_night(cfg, folder, stem)
        out.append((os.path.join(folder, stem), cached_night(folder, stem, version, make)))
    return out


def cached_night(folder: str, stem: str, version, make) -> dict:
    """The truth of a night cached in ``folder`` by the same generator version, else ``make()``."""
    tp = os.path.join(folder, stem + "_truth.json")
    if os.path.exists(tp) and os.path.exists(os.path.join(folder, stem + ".edf")):
        with open(tp) as f:
            truth = json.load(f)
        if truth.get("gen_version") == version:
            return truth
    t0 = time.perf_counter()
    truth = make()
    print(f"generated {stem} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return truth


def night_file_problems(stem: str, truth: dict, generator: int = 1) -> list[str]:
    """What in a night's files disagrees with its truth (empty when nothing): channel labels and
    order, length, rates, µV, no arousal in the plain scoring file, every true arousal in the other,
    the recording's start declared once."""
    import pyedflib
    out = []
    f = pyedflib.EdfReader(stem + ".edf")
    try:
        labels = f.getSignalLabels()
        if labels != truth["eeg_labels"] + [truth["chin_label"]] + truth["leg_labels"]:
            out.append(f"labels {labels}")
        if abs(f.getFileDuration() - truth["duration_s"]) > 1e-6 * max(truth["duration_s"], 1.0):
            out.append(f"duration {f.getFileDuration()} s, truth {truth['duration_s']} s")
        if f.getSampleFrequency(0) != truth["fs_eeg"] or f.getSampleFrequency(len(labels) - 1) != truth["fs_emg"]:
            out.append("rates")
        if not all(f.getPhysicalDimension(k) == "uV" for k in range(len(labels))):
            out.append("units")
    finally:
        f.close()
    plain_sfx, scored_sfx = xml_suffixes(generator)
    with open(stem + plain_sfx) as fh:
        plain = fh.read()
    with open(stem + scored_sfx) as fh:
        scored = fh.read()
    if "Arousal" in plain:
        out.append(f"{plain_sfx} holds arousals")
    if scored.count("<EventConcept>Arousal|Arousal ()</EventConcept>") != len(truth["arousals"]):
        out.append(f"{scored_sfx} does not hold the {len(truth['arousals'])} true arousals")
    if plain.count("Recording Start Time") != 1:
        out.append(f"{plain_sfx} does not declare the recording's start once")
    return out


def xml_suffixes(generator: int) -> tuple[str, str]:
    """The scoring files of a night: (without arousals, with the true arousals)."""
    if generator == 1:
        return ".xml", "_arousals.xml"
    g = generator_module(generator)
    return g.XML_NOAR, g.XML_AR


# ----------------------------------------------------------------------------- the peer
PEER_XML = "_psgscoring.xml"


def peer_arousals(stem: str, truth: dict, generator: int) -> dict:
    """psgscoring's arousals on one night (cached beside it per psgscoring version), also written
    into a copy of the night's scoring file without arousals (``xml``) for the child to score."""
    version = _peer.available()
    cache = f"{stem}_psgscoring-{version}.json"
    if os.path.exists(cache):
        with open(cache) as f:
            out = json.load(f)
    else:
        res = _peer.run_psgscoring_arousals(stem + ".edf", stem + xml_suffixes(generator)[0], truth["eeg_labels"],
                                            truth.get("chin_label"))
        out = {"arousals": res["arousals"].tolist(), "seconds": res["seconds"], "version": version}
        with open(cache + ".tmp", "w") as f:
            json.dump(out, f)
        os.replace(cache + ".tmp", cache)
    out["xml"] = write_scoring_with_arousals(stem + xml_suffixes(generator)[0], out["arousals"], stem + PEER_XML)
    return out


def write_scoring_with_arousals(src: str, arousals, dst: str) -> str:
    """A copy of the NSRR XML ``src`` with ``arousals`` ((onset, duration) in s) added as scored events."""
    with open(src, encoding="utf-8") as f:
        text = f.read()
    if text.count("</ScoredEvents>") != 1:
        raise ValueError(f"{src}: not an NSRR XML with one <ScoredEvents> list")
    rows = "".join(f"<ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()"
                   f"</EventConcept><Start>{a:.3f}</Start><Duration>{d:.3f}</Duration></ScoredEvent>\n"
                   for a, d in arousals)
    with open(dst + ".tmp", "w", encoding="utf-8") as f:
        f.write(text.replace("</ScoredEvents>", rows + "</ScoredEvents>"))
    os.replace(dst + ".tmp", dst)
    return dst


# ----------------------------------------------------------------------------- child process
def worker(job: dict) -> dict:
    """Runs in the child: score every night four ways with the jerkdetect on sys.path (six with the
    peer's arousals: ``peer`` maps a night to its scoring file with them)."""
    import jerkdetect as jd
    res = {"jerkdetect": os.path.dirname(jd.__file__), "nights": []}
    noar, ar = job.get("xml", (".xml", "_arousals.xml"))
    for stem in job["stems"]:
        row = {}
        peer = job.get("peer", {}).get(stem)
        for rules in RULES:
            for mode, ann in (("detect", stem + noar), ("scoring", stem + ar)) + ((("peer", peer),) if peer else ()):
                t0 = time.perf_counter()
                r = jd.score(stem + ".edf", annotations=ann, arousals="scoring" if mode == "peer" else mode,
                             rules=rules)
                dt = time.perf_counter() - t0
                ev = r.events
                ev = ev[ev["label"].isin(LM_LABELS)]
                arr = (r.detected_arousals.to_array() if mode == "detect"
                       else np.asarray(r.scored_arousals if r.scored_arousals is not None else np.zeros((0, 2))))
                band = [str(b) for b in getattr(r.detected_arousals, "band", [])] if mode == "detect" else []
                s = r.summary()
                row[f"{rules}/{mode}"] = {
                    "arousals": np.asarray(arr, float).reshape(-1, 2).tolist(), "band": band,
                    "lm_onset": ev["onset"].astype(float).tolist(),
                    "lm_arousal": [bool(x) for x in ev["arousal"]],
                    "lm_plm": [x == "plm" for x in ev["label"]],
                    "plms_arousal_index": s.get("plms_arousal_index"),
                    "n_arousals": s.get("n_arousals"), "seconds": dt}
        res["nights"].append(row)
    return res


def run_child(src: str, stems: list[str], generator: int = 1, peer: dict | None = None) -> dict:
    return run_worker(__file__, src, {"stems": stems, "xml": xml_suffixes(generator), "peer": peer or {}})


# ----------------------------------------------------------------------------- metrics
def match_overlap(true: np.ndarray, det: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one matching of intervals that overlap, maximising the total overlap (Hungarian)."""
    from scipy.optimize import linear_sum_assignment
    if len(true) == 0 or len(det) == 0:
        return []
    a0, a1 = true[:, 0][:, None], (true[:, 0] + true[:, 1])[:, None]
    b0, b1 = det[:, 0][None, :], (det[:, 0] + det[:, 1])[None, :]
    ov = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None)
    r, c = linear_sum_assignment(-ov)
    return [(int(i), int(j)) for i, j in zip(r, c) if ov[i, j] > 0]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return p, r, f


def link_agreement(a: dict, b: dict, tol: float = 0.5) -> tuple[float, int, float]:
    """LMs of two results matched by onset within ``tol`` s: fraction whose arousal link agrees
    (all LMs, and PLMs only)."""
    oa, ob = np.asarray(a["lm_onset"]), np.asarray(b["lm_onset"])
    j, pairs = 0, []
    for i, t in enumerate(oa):
        while j < len(ob) and ob[j] < t - tol:
            j += 1
        if j < len(ob) and abs(ob[j] - t) <= tol:
            pairs.append((i, j))
            j += 1
    if not pairs:
        return float("nan"), 0, float("nan")
    agree = [a["lm_arousal"][i] == b["lm_arousal"][k] for i, k in pairs]
    plm = [agree[n] for n, (i, k) in enumerate(pairs) if b["lm_plm"][k]]
    return float(np.mean(agree)), len(pairs), (float(np.mean(plm)) if plm else float("nan"))


def fp_kind(d: np.ndarray, truth: dict, true_iv: np.ndarray, tol: float = 0.5) -> str:
    """What a detection no true arousal matched starts on: a look-alike at its onset (-1, +1.5 s),
    else one inside it ("... inside": long detections overlap spindles by chance), else a true
    arousal within 2 s, wake within 15 s, or nothing (background)."""
    def kinds_in(a, b):
        return {e["kind"] for e in truth["distractors"] if e["onset"] < b and e["onset"] + e["duration"] > a}
    at_onset, inside = kinds_in(d[0] - 1.0, d[0] + 1.5), kinds_in(d[0] - tol, d[0] + d[1] + tol)
    for k in FP_ORDER:
        if k in at_onset:
            return k
    for k in FP_ORDER:
        if k in inside:
            return k + " inside"
    a, b = d[0] - tol, d[0] + d[1] + tol
    if len(true_iv) and np.any((true_iv[:, 0] < b + 2) & (true_iv[:, 0] + true_iv[:, 1] > a - 2)):
        return "next to a true arousal (split)"
    st = truth["stages"]
    e0, e1 = int(max(0, d[0] - 15) // 30), int(min(len(st) * 30 - 1, d[0] + d[1] + 15) // 30)
    if "W" in st[e0:e1 + 1]:
        return "within 15 s of wake"
    return "background"


def night_arousal_stats(truth: dict, det: np.ndarray, band: list[str] | None = None) -> dict:
    true = np.array([[a["onset"], a["duration"]] for a in truth["arousals"]]).reshape(-1, 2)
    det = np.asarray(det, float).reshape(-1, 2)
    pairs = match_overlap(true, det)
    hit = np.zeros(len(true), bool)
    used = np.zeros(len(det), bool)
    on_err = []
    for i, j in pairs:
        hit[i], used[j] = True, True
        on_err.append(abs(det[j, 0] - true[i, 0]))
    band = band if band and len(band) == len(det) else ["?"] * len(det)
    fps = [(fp_kind(det[j], truth, true), band[j]) for j in np.flatnonzero(~used)]
    # look-alikes a detection overlaps (and no true arousal explains)
    flagged = {}
    unexpl = det[~used]
    for e in truth["distractors"]:
        k = e["kind"]
        n, m = flagged.get(k, (0, 0))
        ov = bool(len(unexpl) and np.any((unexpl[:, 0] < e["onset"] + e["duration"])
                                         & (unexpl[:, 0] + unexpl[:, 1] > e["onset"])))
        flagged[k] = (n + 1, m + int(ov))
    return {"n_true": len(true), "n_det": len(det), "tp": len(pairs), "fp": int((~used).sum()),
            "fn": int((~hit).sum()), "hit": hit.tolist(), "onset_err": on_err, "fp_kinds": fps,
            "flagged": flagged}


# ----------------------------------------------------------------------------- naive baseline
def band_power(path_edf: str, labels: list[str]) -> tuple[np.ndarray, float]:
    """8-30 Hz power of 1-s Hann windows every 0.5 s, averaged over the EEG channels."""
    import pyedflib
    f = pyedflib.EdfReader(path_edf)
    try:
        names = f.getSignalLabels()
        pw = None
        for lab in labels:
            k = names.index(lab)
            fs = f.getSampleFrequency(k)
            x = f.readSignal(k)
            w = int(round(fs))
            h = w // 2
            n = (len(x) - w) // h + 1
            idx = np.arange(w)[None, :] + h * np.arange(n)[:, None]
            seg = x[idx] - x[idx].mean(axis=1, keepdims=True)
            spec = np.abs(np.fft.rfft(seg * np.hanning(w), axis=1)) ** 2
            fr = np.fft.rfftfreq(w, 1 / fs)
            p = spec[:, (fr >= 8) & (fr <= 30)].sum(axis=1)
            pw = p if pw is None else pw[: len(p)] + p[: len(pw)]
        return pw / len(labels), 0.5
    finally:
        f.close()


def power_ratios(truth: dict, pw: np.ndarray, step: float) -> list[float]:
    """Per true arousal: median 8-30 Hz power inside it over the median of the 10 s before."""
    out = []
    for a in truth["arousals"]:
        i0 = int(round(a["onset"] / step))
        i1 = int(round((a["onset"] + a["duration"] - 1.0) / step))
        pre = np.median(pw[max(0, i0 - int(10 / step)):max(1, i0 - 1)])
        out.append(float(np.median(pw[i0:max(i1, i0 + 1)]) / pre) if pre > 0 else float("nan"))
    return out


def baseline_events(pw: np.ndarray, step: float, stages: list[str], k: float) -> np.ndarray:
    t = np.arange(len(pw)) * step
    ep = np.minimum((t // 30).astype(int), len(stages) - 1)
    sleep = np.array([stages[e] in gen.SLEEP for e in ep])
    med = np.median(pw[sleep])
    on = (pw > k * med) & sleep
    ev = []
    i = 0
    while i < len(on):
        if on[i]:
            j = i
            while j < len(on) and on[j]:
                j += 1
            dur = (j - i - 1) * step + 1.0
            if dur >= 3.0:
                ev.append((t[i], dur))
            i = j
        else:
            i += 1
    return np.array(ev).reshape(-1, 2)


# ----------------------------------------------------------------------------- report
def _f(x, nd=3):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    return f"{x:.{nd}g}" if isinstance(x, float) else str(x)


def table(rows: list[dict]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(_f(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(out) + "\n"


def split_recall(items: list[tuple[str, bool]], order: list[str] | None = None) -> list[dict]:
    keys = order or sorted({k for k, _ in items})
    rows = []
    for k in keys:
        h = [x for kk, x in items if kk == k]
        if h:
            rows.append({"bin": k, "n": len(h), "hit": int(sum(h)), "recall": float(np.mean(h))})
    return rows


def _bin(x, bins):
    for lo, hi in bins:
        if lo <= x < hi:
            return f"{lo:g}-{hi:.3g}" if hi < 1e8 else f">={lo:g}"
    return "other"


def plmsai_error(row: dict, rules: str, mode: str = "detect") -> float | None:
    """PLMS-arousal index of the ``mode`` run minus the scoring run's (same LMs: the arousals alone)."""
    a, b = row[f"{rules}/{mode}"]["plms_arousal_index"], row[f"{rules}/scoring"]["plms_arousal_index"]
    return None if a is None or b is None else float(a - b)


def set_summary(name: str, rows: list[dict]) -> dict:
    """One row of the pooled table over per-night rows: pooled P/R/F1, the weakest night's F1 and
    link agreement (either rule set), the largest PLMS-arousal index error."""
    tp, fp, fn = (sum(r[c] for r in rows) for c in ("tp", "fp", "fn"))
    p, r_, f = prf(tp, fp, fn)
    errs = [abs(r[c]) for r in rows for c in ("plmsai_err_aasm", "plmsai_err_wasm") if r[c] is not None]
    return {"set": name, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r_, "f1": f,
            "min_night_f1": min(r["f1"] for r in rows),
            "min_links": min(min(r["links_aasm"], r["links_wasm"]) for r in rows),
            "max_abs_plmsai_err": max(errs) if errs else None}


def report(src: str, ns: list[tuple[str, dict]], child: dict, args) -> dict:
    lines = [f"## Blind arousal nights: jerkdetect from `{src}`\n",
             f"generator {getattr(args, 'generator', 1)} (`{gen.__name__}` {gen.GEN_VERSION}); "
             f"{len(ns)} nights x {args.hours:g} h, seed {args.seed}; jerkdetect imported from "
             f"`{child['jerkdetect']}`\n"]
    per, peer, fpk, flagged, pooled = [], [], {}, {}, {}
    items = {k: [] for k in ("contrast", "power", "stage", "duration", "gap", "cause", "bands", "family")}
    pw_cache, cross = [], []
    for (stem, tr), row in zip(ns, child["nights"]):
        pw_cache.append(band_power(stem + ".edf", tr["eeg_labels"]))
        ratios = power_ratios(tr, *pw_cache[-1])
        det = np.array(row["aasm2012/detect"]["arousals"]).reshape(-1, 2)
        det_w = np.array(row["wasm2016/detect"]["arousals"]).reshape(-1, 2)
        st = night_arousal_stats(tr, det, row["aasm2012/detect"].get("band"))
        p, r, f = prf(st["tp"], st["fp"], st["fn"])
        la, nl, lp = link_agreement(row["aasm2012/detect"], row["aasm2012/scoring"])
        lw, _, lpw = link_agreement(row["wasm2016/detect"], row["wasm2016/scoring"])

        per.append({"night": os.path.basename(stem), "family": tr["family"], "fs": tr["fs_eeg"],
                    "eeg": len(tr["eeg_labels"]), "n_true": st["n_true"], "n_det": st["n_det"],
                    "tp": st["tp"], "fp": st["fp"], "fn": st["fn"], "precision": p, "recall": r, "f1": f,
                    "onset_med_s": float(np.median(st["onset_err"])) if st["onset_err"] else None,
                    "links_aasm": la, "links_wasm": lw, "plm_links_aasm": lp, "n_lm": nl,
                    "plmsai_err_aasm": plmsai_error(row, "aasm2012"), "plmsai_err_wasm": plmsai_error(row, "wasm2016"),
                    "plmsai_true_aasm": row["aasm2012/scoring"]["plms_arousal_index"],
                    "same_det_both_rules": bool(det.shape == det_w.shape and np.allclose(det, det_w))})
        if "aasm2012/peer" in row:
            pst = night_arousal_stats(tr, np.array(child["peer_arousals"][stem], float).reshape(-1, 2))
            peer.append({"night": os.path.basename(stem), "family": tr["family"], "n_true": pst["n_true"],
                         "n_det": pst["n_det"], "tp": pst["tp"], "fp": pst["fp"], "fn": pst["fn"],
                         "f1": prf(pst["tp"], pst["fp"], pst["fn"])[2],
                         "links_aasm": link_agreement(row["aasm2012/peer"], row["aasm2012/scoring"])[0],
                         "links_wasm": link_agreement(row["wasm2016/peer"], row["wasm2016/scoring"])[0],
                         "plmsai_err_aasm": plmsai_error(row, "aasm2012", "peer"),
                         "plmsai_err_wasm": plmsai_error(row, "wasm2016", "peer")})
        for k in ("tp", "fp", "fn"):
            pooled[k] = pooled.get(k, 0) + st[k]
        prev_end = -1e9
        for a, h, pr in zip(tr["arousals"], st["hit"], ratios):
            items["contrast"].append((_bin(a["contrast"], CONTRAST_BINS), h))
            cross.append((_bin(a["contrast"], CONTRAST_BINS), a["stage"], _bin(a["duration"], DUR_BINS), h))
            items["power"].append((_bin(pr, POWER_BINS), h))
            items["gap"].append((_bin(a["onset"] - prev_end, GAP_BINS), h))
            prev_end = a["onset"] + a["duration"]
            items["stage"].append((a["stage"], h))
            items["duration"].append((_bin(a["duration"], DUR_BINS), h))
            items["cause"].append((a["cause"], h))
            items["family"].append((tr["family"], h))
            items["bands"].append((a["bands"] + ("+theta" if a["theta"] > 1 else ""), h))
        for k, b in st["fp_kinds"]:
            fpk.setdefault(k, {})
            fpk[k][b] = fpk[k].get(b, 0) + 1
        for k, (n, m) in st["flagged"].items():
            a0, b0 = flagged.get(k, (0, 0))
            flagged[k] = (a0 + n, b0 + m)
    lines.append("### jerkdetect detector, per night (arousals from AASM 2012 run; links and PLMS-arousal "
                 "index error = detect - scoring, both rule sets)\n")
    lines.append(table(per))
    P, R, F = prf(pooled["tp"], pooled["fp"], pooled["fn"])
    # naive baseline, k tuned on the same nights
    best = None
    for k in K_GRID:
        tp = fp = fn = 0
        per_b = []
        for (stem, tr), (pw, step) in zip(ns, pw_cache):
            ev = baseline_events(pw, step, tr["stages"], k)
            st = night_arousal_stats(tr, ev)
            tp, fp, fn = tp + st["tp"], fp + st["fp"], fn + st["fn"]
            per_b.append({"night": os.path.basename(stem), "n_true": st["n_true"], "tp": st["tp"], "fp": st["fp"],
                          "fn": st["fn"], "f1": prf(st["tp"], st["fp"], st["fn"])[2]})
        f1 = prf(tp, fp, fn)[2]
        if best is None or f1 > best[1]:
            best = (k, f1, tp, fp, fn, per_b)
    k, bf1, btp, bfp, bfn, per_b = best
    bp, br, _ = prf(btp, bfp, bfn)
    lines.append(f"### Naive baseline (8-30 Hz power of 1-s windows >= {k:g} x the night's sleep median, "
                 f">= 3 s; k tuned over {list(K_GRID)} on these nights)\n")
    lines.append(table(per_b))
    lines.append("### Pooled\n")
    summ = [set_summary("jerkdetect", per),
            {"set": f"naive baseline (k={k:g})", "tp": btp, "fp": bfp, "fn": bfn, "precision": bp,
             "recall": br, "f1": bf1, "min_night_f1": min(r["f1"] for r in per_b), "min_links": None,
             "max_abs_plmsai_err": None}]
    peer_name = f"psgscoring {child.get('peer_version') or ''} (peer)".replace("  ", " ")
    if peer:
        summ.append(set_summary(peer_name, peer))
    for fam in gen.FAMILIES:
        for name, rows in (("jerkdetect", per), (peer_name, peer)):
            rows = [r for r in rows if r["family"] == fam]
            if rows:
                summ.append(set_summary(f"{name}, {fam} nights", rows))
    lines.append(table(summ))
    if peer:
        lines.append(f"{peer_name}, per night (its arousals put into the scoring file and scored by jerkdetect "
                     "for the links and the PLMS-arousal index error):\n")
        lines.append(table(peer))
    lines.append("### Where the misses are (recall of true arousals, all nights)\n")
    order = {"contrast": [_bin(lo, CONTRAST_BINS) for lo, _ in CONTRAST_BINS],
             "power": [_bin(lo, POWER_BINS) for lo, _ in POWER_BINS],
             "gap": [_bin(lo, GAP_BINS) for lo, _ in GAP_BINS],
             "duration": [_bin(lo, DUR_BINS) for lo, _ in DUR_BINS], "stage": list(gen.SLEEP)}
    what = {"contrast": "the drawn band amplitude over the local background",
            "power": "measured 8-30 Hz power in the arousal over the 10 s before, medians of 1-s windows",
            "gap": "s from the end of the previous true arousal",
            "bands": "the bands that rose"}
    for key in items:
        lines.append(f"by {key}" + (f" ({what[key]})" if key in what else "") + ":\n")
        lines.append(table(split_recall(items[key], order.get(key))))
    for col, what_ in ((1, "stage"), (2, "duration")):
        lines.append(f"hits / true arousals by contrast (rows) and {what_} (columns):\n")
        keys = order[what_]
        rows = []
        for cb in order["contrast"]:
            r_ = {"contrast": cb}
            for k in keys:
                h = [x[3] for x in cross if x[0] == cb and x[col] == k]
                r_[k] = f"{sum(h)}/{len(h)}" if h else ""
            rows.append(r_)
        lines.append(table(rows))
    lines.append("### Detector false positives by the look-alike at their onset (or inside them)\n")
    bands = sorted({b for v in fpk.values() for b in v})
    lines.append("(columns: the band the detector reported for the detection)\n")
    lines.append(table([{"kind": k, "n": sum(v.values()), **{b: v.get(b, 0) for b in bands}}
                        for k, v in sorted(fpk.items(), key=lambda x: -sum(x[1].values()))]))
    lines.append("Look-alikes (not arousals) that an unmatched detection overlaps anywhere:\n")
    lines.append(table([{"kind": k, "n": n, "flagged": m, "fraction": m / n if n else None}
                        for k, (n, m) in sorted(flagged.items())]))
    secs = [v["seconds"] for row in child["nights"] for v in row.values()]
    lines.append(f"scoring time per call: median {np.median(secs):.2f} s, max {max(secs):.2f} s\n")
    text = "\n".join(lines)
    print(text)
    return {"per_night": per, "peer_per_night": peer, "pooled": summ, "baseline_k": k, "fp_kinds": fpk,
            "recall_by": {k: split_recall(v, order.get(k)) for k, v in items.items()}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(os.path.dirname(HERE), "src"),
                    help="the jerkdetect source tree to measure (its src/ folder)")
    ap.add_argument("--nights", type=int, default=4)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generator", type=int, choices=(1, 2, 3), default=1,
                    help="1: _blind_eeg (default); 2: _blind_eeg2 and 3: _blind_eeg3, differently built generators")
    ap.add_argument("--data", help="where the nights are cached (default benchmarks/_data/blind, or blind2 / "
                                   "blind3 with --generator 2 / 3)")
    ap.add_argument("--json", help="also write the measured numbers to this JSON file")
    ap.add_argument("--no-peer", action="store_true", help="skip psgscoring's arousal detector (the peer)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    global gen
    gen = generator_module(a.generator)
    a.data = a.data or os.path.join(HERE, "_data", "blind" if a.generator == 1 else f"blind{a.generator}")
    if a.worker:
        print(json.dumps(worker(json.loads(a.worker))))
        return
    if not os.path.isdir(os.path.join(a.src, "jerkdetect")):
        sys.exit(f"--src {a.src}: no jerkdetect package there (give the src/ folder of a checkout)")
    if not 1 <= a.nights <= 50 or not 0.5 <= a.hours <= 12:
        sys.exit(f"--nights {a.nights} / --hours {a.hours}: allowed 1-50 nights of 0.5-12 h")
    t0 = time.perf_counter()
    ns = nights(a.seed, a.nights, a.hours, a.data, a.generator)
    peer = {}
    if not a.no_peer and _peer.available():
        peer = {stem: peer_arousals(stem, tr, a.generator) for stem, tr in ns}
    t1 = time.perf_counter()
    child = run_child(a.src, [s for s, _ in ns], a.generator, {stem: p["xml"] for stem, p in peer.items()})
    child["peer_version"] = _peer.available() if peer else None
    child["peer_arousals"] = {stem: p["arousals"] for stem, p in peer.items()}
    t2 = time.perf_counter()
    out = report(a.src, ns, child, a)
    print(f"wall: nights (and the peer) {t1 - t0:.0f} s, scoring {t2 - t1:.0f} s, "
          f"report {time.perf_counter() - t2:.0f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1, default=float)


if __name__ == "__main__":
    main()
