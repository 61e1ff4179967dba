"""First-principles agreement figures for the tests: brute-force matchers of the stated rules,
the two-way ANOVA formulas of the ICCs and their McGraw & Wong intervals, the definitions of
Pearson r, Spearman rho, Cohen's kappa, and the technician's PLMS index (its own movements
through the rule set, counted per hour of sleep by hand). Written apart from the library.
"""
import math

import numpy as np
from scipy import stats

from jerkdetect.rules import MonolateralLMs, get_rules


def greedy_overlap_pairs(a, b, min_overlap=0.0):
    """One-to-one pairs by largest overlap first, ties by (a index, b index): all pairs tried."""
    cand = []
    for i, (a0, a1) in enumerate(a):
        for j, (b0, b1) in enumerate(b):
            ov = min(a1, b1) - max(a0, b0)
            if ov > min_overlap:
                cand.append((-ov, i, j))
    used_a, used_b, pairs = set(), set(), []
    for _, i, j in sorted(cand):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs


def nearest_onset_pairs(a, b, tol):
    """Each b event in onset order takes the nearest unused a event within ``tol``."""
    used, pairs = set(), []
    for j in np.argsort(b[:, 0], kind="stable"):
        best = None
        for i in range(len(a)):
            d = abs(a[i, 0] - b[j, 0])
            if i not in used and d <= tol and (best is None or d < best[0]):
                best = (d, i)
        if best is not None:
            used.add(best[1])
            pairs.append((best[1], int(j)))
    return pairs


def counts(a, b, pairs):
    tp = len(pairs)
    return tp, len(a) - tp, len(b) - tp


def f1_of(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn)


def anova_icc(x, y):
    """ICC(2,1), ICC(3,1) and their 95 % CIs from the two-way ANOVA mean squares
    (Shrout & Fleiss 1979; intervals: McGraw & Wong 1996, cases 2A and 3C)."""
    Y = np.column_stack([x, y]).astype(float)
    n, k = Y.shape
    g = Y.mean()
    msr = k * ((Y.mean(1) - g) ** 2).sum() / (n - 1)
    msc = n * ((Y.mean(0) - g) ** 2).sum() / (k - 1)
    mse = (((Y - g) ** 2).sum() - msr * (n - 1) - msc * (k - 1)) / ((n - 1) * (k - 1))
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    F = msr / mse
    df1, df2 = n - 1, (n - 1) * (k - 1)
    fl, fu = F / stats.f.ppf(0.975, df1, df2), F * stats.f.ppf(0.975, df2, df1)
    ci3 = ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
    a = k * icc2 / (n * (1 - icc2))
    b = 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f_lo, f_hi = stats.f.ppf(0.975, n - 1, v), stats.f.ppf(0.975, v, n - 1)
    lo2 = n * (msr - f_lo * mse) / (f_lo * (k * msc + (k * n - k - n) * mse) + n * msr)
    hi2 = n * (f_hi * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_hi * msr)
    return icc2, (lo2, hi2), icc3, ci3


def ranks(x):
    """Average ranks (1-based), ties sharing the mean of their positions."""
    x = np.asarray(x, float)
    order = np.argsort(x, kind="stable")
    r = np.empty(x.size)
    i = 0
    while i < x.size:
        j = i
        while j + 1 < x.size and x[order[j + 1]] == x[order[i]]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    return float((dx * dy).sum() / math.sqrt((dx ** 2).sum() * (dy ** 2).sum()))


def kappa_of(ca, cb, k=3):
    t = np.zeros((k, k))
    for i, j in zip(ca, cb):
        t[i, j] += 1
    n = t.sum()
    po, pe = np.trace(t) / n, (t.sum(1) * t.sum(0)).sum() / n ** 2
    return t.astype(int).tolist(), (po - pe) / (1 - pe)


def category(v):
    return 0 if v < 5 else 1 if v < 15 else 2


def merge_same_leg(ev, sides):
    """(onset, offset) movements with those of one leg that overlap merged (issue 20: one leg's
    overlapping movements are one LM), by a plain loop: the reference of the reader's merge."""
    out = []
    for s in sorted(set(int(x) for x in sides)):
        cur = None
        for a, b in sorted((float(a), float(b)) for (a, b), x in zip(ev, sides) if int(x) == s):
            if cur is not None and a < cur[1]:
                cur[1] = max(cur[1], b)
            else:
                if cur is not None:
                    out.append((cur[0], cur[1], s))
                cur = [a, b]
        if cur is not None:
            out.append((cur[0], cur[1], s))
    out.sort()
    return np.array([(a, b) for a, b, _ in out], float).reshape(-1, 2), np.array([s for _, _, s in out], int)


def tech_plms_index(tech, night, rules):
    """The technician's PLMS index: its own movements scored by the rules, PLMs starting in a
    sleep epoch per hour of sleep (no unscorable time: the file has no EMG)."""
    ev, sides = merge_same_leg(tech.events(), tech.sides())
    mono = MonolateralLMs(ev[:, 0], ev[:, 1], sides)
    resp = np.array([(a, d) for a, d, _ in night.truth["respiratory"]], float).reshape(-1, 2)
    ar = np.array(night.truth["arousals"], float).reshape(-1, 2)
    lm = get_rules(rules).score(mono, resp if resp.size else None, ar if ar.size else None)
    stage = night.stages[np.minimum((lm.onset // 30).astype(int), night.stages.size - 1)]
    sleep_h = np.isin(night.stages, (1, 2, 3, 4)).sum() * 30 / 3600
    return lm, float(np.sum(lm.plm & np.isin(stage, (1, 2, 3, 4))) / sleep_h)
