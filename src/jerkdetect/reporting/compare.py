"""Comparison helpers: event matching and F1 against a reference scoring."""
from __future__ import annotations

import numpy as np


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
    used = np.zeros(det.size, bool)
    errs = []
    tp = 0
    for r in ref:
        k = np.searchsorted(det, r)
        best, bi = None, -1
        for j in (k - 1, k, k + 1):
            if 0 <= j < det.size and not used[j] and abs(det[j] - r) <= tolerance:
                if best is None or abs(det[j] - r) < best:
                    best, bi = abs(det[j] - r), j
        if bi >= 0:
            used[bi] = True
            tp += 1
            errs.append(det[bi] - r)
    fp, fn = det.size - tp, ref.size - tp
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    e = np.abs(errs) if errs else np.zeros(0)
    return dict(tp=tp, fp=fp, fn=fn, precision=prec, recall=rec, f1=f1,
                max_onset_error=float(e.max()) if e.size else 0.0,
                median_onset_error=float(np.median(e)) if e.size else 0.0)
