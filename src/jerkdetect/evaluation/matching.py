"""Comparison helpers: event matching and F1 against a reference scoring."""
from __future__ import annotations

import numpy as np


def pair_onsets(detected: np.ndarray, reference: np.ndarray, tolerance: float = 0.5) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (detected index, reference index) of onsets within ``tolerance`` s,
    each reference taking its nearest free detection; both arrays must be sorted.

    Every detection within the tolerance is a candidate, not only the neighbours of the
    reference's position, so dense events are not left unpaired when their neighbours are taken.

    Examples
    --------
    >>> [(int(i), j) for i, j in pair_onsets(np.array([0.0, 0.1, 0.2]), np.array([0.1, 0.11, 0.12]), 0.5)]
    [(1, 0), (2, 1), (0, 2)]
    """
    det, ref = np.asarray(detected, float), np.asarray(reference, float)
    used = np.zeros(det.size, bool)
    pairs = []
    lo = np.searchsorted(det, ref - tolerance, side="left")
    hi = np.searchsorted(det, ref + tolerance, side="right")
    for j, r in enumerate(ref):
        best, bi = None, -1
        for i in range(lo[j], hi[j]):
            if not used[i] and abs(det[i] - r) <= tolerance:
                if best is None or abs(det[i] - r) < best:
                    best, bi = abs(det[i] - r), i
        if bi >= 0:
            used[bi] = True
            pairs.append((bi, j))
    return pairs


def match_onsets(detected: np.ndarray, reference: np.ndarray, tolerance: float = 0.5) -> dict:
    """Greedy one-to-one matching of onsets within ``tolerance`` s; precision, recall, F1, timing error.

    Examples
    --------
    >>> m = match_onsets(np.array([1.0, 5.02, 9.0]), np.array([1.05, 5.0]), 0.1)
    >>> m["tp"], m["fp"], m["fn"]
    (2, 1, 0)
    """
    det = np.sort(np.asarray(detected, float))
    ref = np.sort(np.asarray(reference, float))
    pairs = pair_onsets(det, ref, tolerance)
    errs = [det[i] - ref[j] for i, j in pairs]
    tp = len(pairs)
    fp, fn = det.size - tp, ref.size - tp
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    e = np.abs(errs) if errs else np.zeros(0)
    return dict(tp=tp, fp=fp, fn=fn, precision=prec, recall=rec, f1=f1,
                max_onset_error=float(e.max()) if e.size else 0.0,
                median_onset_error=float(np.median(e)) if e.size else 0.0)


def match_intervals(detected: np.ndarray, reference: np.ndarray, min_overlap_s: float = 0.0) -> dict:
    """One-to-one matching of (onset, duration) events that overlap by more than ``min_overlap_s``,
    largest overlaps first; precision, recall, F1, onset errors and the matched pairs.

    Examples
    --------
    >>> m = match_intervals(np.array([[10.0, 5.0], [40.0, 3.0]]), np.array([[11.0, 4.0], [80.0, 5.0]]))
    >>> m["tp"], m["fp"], m["fn"], m["pairs"]
    (1, 1, 1, [(0, 0)])
    """
    det = np.asarray(detected, float).reshape(-1, 2)
    ref = np.asarray(reference, float).reshape(-1, 2)
    cand = []
    if det.size and ref.size:
        d0, d1 = det[:, 0], det[:, 0] + det[:, 1]
        order = np.argsort(d0)
        d0s, longest = d0[order], float(np.max(d1 - d0))
        for j, (a, dur) in enumerate(ref):
            b = a + dur
            k0 = np.searchsorted(d0s, a - longest)  # earlier detections end before the reference starts
            k = np.searchsorted(d0s, b)  # detections starting before the reference ends
            for i in order[k0:k]:
                ov = min(b, d1[i]) - max(a, d0[i])
                if ov > min_overlap_s:
                    cand.append((ov, int(i), j))
    cand.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_d, used_r, pairs = set(), set(), []
    for _ov, i, j in cand:
        if i not in used_d and j not in used_r:
            used_d.add(i)
            used_r.add(j)
            pairs.append((i, j))
    pairs.sort()
    tp = len(pairs)
    fp, fn = det.shape[0] - tp, ref.shape[0] - tp
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    e = np.array([det[i, 0] - ref[j, 0] for i, j in pairs])
    return dict(tp=tp, fp=fp, fn=fn, precision=prec, recall=rec, f1=f1,
                median_onset_error=float(np.median(np.abs(e))) if e.size else 0.0,
                max_onset_error=float(np.max(np.abs(e))) if e.size else 0.0,
                mean_onset_bias=float(np.mean(e)) if e.size else 0.0, pairs=pairs)
