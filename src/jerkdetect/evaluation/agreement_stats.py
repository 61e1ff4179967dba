"""Agreement of one index (PLMS index, arousal index...) between two scorings of the same nights.

What a validation study of a PLM scorer reports for each index: intraclass correlation
(ICC(2,1) and ICC(3,1) with 95 % CIs), Pearson and Spearman correlation, Bland-Altman bias and
limits of agreement, and the agreement of clinical categories (confusion counts, Cohen's kappa).

Libraries, and why
------------------
* ICC: **pingouin** (``pingouin.intraclass_corr``, optional extra ``jerkdetect[agree]``). It
  gives the Shrout & Fleiss (Psychol Bull 1979;86:420-8) two-way coefficients with the
  McGraw & Wong (Psychol Methods 1996;1:30-46) F-based confidence intervals, including the
  approximate (Satterthwaite) interval of the absolute-agreement ICC(2,1) that is easy to get
  wrong by hand; it is maintained, tested against R's ``psych::ICC`` and cited in validation
  papers. scipy has no ICC; statsmodels has none either (only mixed models one would have to
  turn into one). Its weight (scikit-learn, statsmodels, seaborn and a few more) is why it is an
  optional extra, imported only when agreement is computed. Its intervals are rounded to 2
  decimals by default (``pingouin.options["round.column.CI95"]``): they are read unrounded.
* Cohen's kappa: **statsmodels** (``statsmodels.stats.inter_rater.cohens_kappa``, installed with
  pingouin), from the confusion table, so categories neither scorer used still count.
* Pearson (with the Fisher-z 95 % CI) and Spearman: **scipy.stats**, already a dependency.
* Bland-Altman (Lancet 1986;1:307-10; Stat Methods Med Res 1999;8:135-60): mean and SD of the
  differences, nothing a library adds (pingouin and statsmodels only draw the plot).

Small or degenerate cohorts never give NaN: fewer than :data:`MIN_NIGHTS` nights, an index
that is the same on every night, or all nights in one category give ``None`` for the figures
that cannot be computed, each with its reason in ``null_reasons``.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..errors import DependencyError

MIN_NIGHTS = 3            # fewest nights for ICC, correlations, SD and limits of agreement, kappa
LOA_Z = 1.96              # limits of agreement: bias +- 1.96 SD (Bland & Altman 1986)
CI_LEVEL = 0.95
# Clinical categories of the PLMS index (/h): < 5, 5 to < 15, >= 15 (ICSD-3: PLMD needs > 15/h in
# adults, > 5/h in children). Cut points are parameters of :func:`category_agreement`.
CATEGORY_CUTS: dict[str, tuple[float, ...]] = {"plms_index": (5.0, 15.0)}


def _finite(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def _need_pingouin():
    try:
        import pingouin
    except ImportError:
        raise DependencyError("agreement statistics (ICC) need pingouin, which is not installed: "
                              "pip install 'jerkdetect[agree]' (or pip install pingouin statsmodels).") from None
    return pingouin


def icc(a: np.ndarray, b: np.ndarray) -> dict:
    """ICC(2,1) (two-way random, absolute agreement) and ICC(3,1) (two-way mixed, consistency)
    of two scorers over the same nights, with 95 % CIs, from ``pingouin.intraclass_corr``.

    Returns
    -------
    dict
        ``icc21``, ``icc21_ci95``, ``icc31``, ``icc31_ci95`` (None when not computable) and
        ``null_reasons``.

    Examples
    --------
    >>> r = icc(np.array([1.0, 4, 9, 16, 3]), np.array([1.5, 3.8, 10, 16, 3.3]))
    >>> round(r["icc21"], 3), round(r["icc31"], 3)
    (0.996, 0.997)
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    keys = ("icc21", "icc21_ci95", "icc31", "icc31_ci95")
    out: dict = dict.fromkeys(keys)
    why = None
    if a.size < MIN_NIGHTS:
        why = f"fewer than {MIN_NIGHTS} nights ({a.size})"
    elif np.ptp(np.concatenate([a, b])) == 0:
        why = f"every night has the same value ({a[0]:g}) from both scorings: no variance to apportion"
    if why:
        out["null_reasons"] = dict.fromkeys(keys, why)
        return out
    import pandas as pd
    pg = _need_pingouin()
    n = a.size
    data = pd.DataFrame({"night": np.tile(np.arange(n), 2), "scorer": ["a"] * n + ["b"] * n,
                         "value": np.concatenate([a, b])})
    saved = dict(pg.options)
    try:  # intervals unrounded (pingouin rounds CI95 to 2 decimals by default)
        pg.options.update({"round": None, "round.column.CI95": None})
        with warnings.catch_warnings():  # pingouin's own pandas deprecations are not the user's
            warnings.filterwarnings("ignore", module="pingouin")
            tab = pg.intraclass_corr(data=data, targets="night", raters="scorer", ratings="value")
    finally:
        pg.options.clear()
        pg.options.update(saved)
    names = {"ICC(A,1)": "icc21", "ICC(C,1)": "icc31"}
    reasons: dict = {}
    constant_diff = np.ptp(a - b) == 0
    for _, row in tab.iterrows():
        key = names.get(row["Type"])
        if key is None:
            continue
        out[key] = _finite(row["ICC"])
        lo, hi = (_finite(v) for v in row["CI95"])
        if constant_diff:
            reasons[key + "_ci95"] = ("the difference between the scorings is the same on every night (no residual "
                                      "variance): the F-based interval is degenerate")
        elif lo is None or hi is None:
            reasons[key + "_ci95"] = "the interval is not finite for these values"
        else:
            out[key + "_ci95"] = [lo, hi]
        if out[key] is None:
            reasons[key] = "not finite for these values"
    out["null_reasons"] = reasons
    return out


def correlation(a: np.ndarray, b: np.ndarray) -> dict:
    """Pearson r (with its Fisher-z 95 % CI and p) and Spearman rho (with p), scipy.stats.

    Examples
    --------
    >>> r = correlation(np.array([1.0, 2, 3, 4]), np.array([1.0, 2, 3, 5]))
    >>> round(r["pearson_r"], 3), r["spearman_rho"]
    (0.983, 1.0)
    """
    from scipy import stats
    a, b = np.asarray(a, float), np.asarray(b, float)
    keys = ("pearson_r", "pearson_r_ci95", "pearson_p", "spearman_rho", "spearman_p")
    out: dict = dict.fromkeys(keys)
    why = None
    if a.size < MIN_NIGHTS:
        why = f"fewer than {MIN_NIGHTS} nights ({a.size})"
    elif np.ptp(a) == 0 or np.ptp(b) == 0:
        which = "first" if np.ptp(a) == 0 else "second"
        why = f"the {which} scoring gives the same value on every night: a correlation is undefined"
    if why:
        out["null_reasons"] = dict.fromkeys(keys, why)
        return out
    p = stats.pearsonr(a, b)
    s = stats.spearmanr(a, b)
    out.update(pearson_r=_finite(p.statistic), pearson_p=_finite(p.pvalue), spearman_rho=_finite(s.statistic),
               spearman_p=_finite(s.pvalue))
    reasons = {k: "not finite for these values" for k in keys if k != "pearson_r_ci95" and out[k] is None}
    # Fisher z: SE 1/sqrt(n - 3), z = atanh(r), so the interval needs 4 nights and |r| < 1
    if a.size < 4:
        reasons["pearson_r_ci95"] = f"the Fisher-z interval needs at least 4 nights ({a.size})"
    elif out["pearson_r"] is None or abs(out["pearson_r"]) >= 1.0 - 1e-12:
        reasons["pearson_r_ci95"] = "r is +-1 (the scorings are exactly linear): the Fisher-z interval is undefined"
    else:
        ci = p.confidence_interval(CI_LEVEL)
        out["pearson_r_ci95"] = [float(ci.low), float(ci.high)]
    out["null_reasons"] = reasons
    return out


def bland_altman(a: np.ndarray, b: np.ndarray, loa_z: float = LOA_Z) -> dict:
    """Bland-Altman bias (mean of ``a - b``), SD of the differences, limits of agreement
    ``bias +- loa_z * SD``, and the 95 % CIs of the bias (t) and of each limit
    (SE = SD * sqrt(3 / n), Bland & Altman 1999, section 4.1).

    Examples
    --------
    >>> r = bland_altman(np.array([10.0, 20, 30]), np.array([9.0, 21, 27]))
    >>> r["bias"], round(r["sd_diff"], 3), round(r["loa_low"], 2)
    (1.0, 2.0, -2.92)
    """
    from scipy import stats
    d = np.asarray(a, float) - np.asarray(b, float)
    n = d.size
    keys = ("bias", "bias_ci95", "sd_diff", "loa_low", "loa_high", "loa_low_ci95", "loa_high_ci95")
    out: dict = dict.fromkeys(keys)
    reasons: dict = {}
    if n == 0:
        out["null_reasons"] = dict.fromkeys(keys, "no night has this index from both scorings")
        return out
    out["bias"] = float(d.mean())
    if n < MIN_NIGHTS:
        reasons = dict.fromkeys(keys[1:], f"fewer than {MIN_NIGHTS} nights ({n})")
    else:
        sd = float(d.std(ddof=1))
        t = float(stats.t.ppf(0.5 + CI_LEVEL / 2, n - 1))
        lo, hi = out["bias"] - loa_z * sd, out["bias"] + loa_z * sd
        se_bias, se_loa = sd / np.sqrt(n), sd * np.sqrt(3.0 / n)
        out.update(sd_diff=sd, loa_low=lo, loa_high=hi,
                   bias_ci95=[float(out["bias"] - t * se_bias), float(out["bias"] + t * se_bias)],
                   loa_low_ci95=[float(lo - t * se_loa), float(lo + t * se_loa)],
                   loa_high_ci95=[float(hi - t * se_loa), float(hi + t * se_loa)])
    out["null_reasons"] = reasons
    return out


def category_labels(cuts: Sequence[float]) -> list[str]:
    """``["<5", "5-15", ">=15"]`` for cuts (5, 15): each category is [lower, upper)."""
    c = [f"{x:g}" for x in cuts]
    return [f"<{c[0]}"] + [f"{lo}-{hi}" for lo, hi in zip(c, c[1:])] + [f">={c[-1]}"]


def categorize(x: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Category number of each value: 0 below ``cuts[0]``, k for ``cuts[k-1] <= x < cuts[k]``."""
    return np.digitize(np.asarray(x, float), np.asarray(cuts, float), right=False)


def category_agreement(a: np.ndarray, b: np.ndarray, cuts: Sequence[float]) -> dict:
    """Confusion counts of the clinical categories (rows: ``a``, columns: ``b``), the fraction of
    nights in the same category and Cohen's kappa (Cohen 1960, statsmodels).

    Examples
    --------
    >>> r = category_agreement(np.array([1.0, 7, 20, 30]), np.array([2.0, 16, 18, 4]), (5, 15))
    >>> r["labels"], r["confusion"], r["agreement"]
    (['<5', '5-15', '>=15'], [[1, 0, 0], [0, 0, 1], [1, 0, 1]], 0.5)
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    labels = category_labels(cuts)
    k = len(labels)
    table = np.zeros((k, k), int)
    np.add.at(table, (categorize(a, cuts), categorize(b, cuts)), 1)
    n = a.size
    out = dict(cuts=[float(c) for c in cuts], labels=labels, confusion=table.tolist(),
               agreement=float(np.trace(table) / n) if n else None, kappa=None, null_reasons={})
    pe = float(table.sum(1) @ table.sum(0)) / n ** 2 if n else 1.0
    if n < MIN_NIGHTS:
        out["null_reasons"]["kappa"] = f"fewer than {MIN_NIGHTS} nights ({n})"
    elif pe >= 1.0:
        out["null_reasons"]["kappa"] = (f"every night is in category {labels[int(np.argmax(table.sum(1)))]} for both "
                                        "scorings: kappa is undefined (the agreement is 1)")
    else:
        from statsmodels.stats.inter_rater import cohens_kappa
        out["kappa"] = _finite(cohens_kappa(table, return_results=True).kappa)
    if n == 0:
        out["null_reasons"]["agreement"] = "no night has this index from both scorings"
    return out


def index_agreement(a: Sequence, b: Sequence, nights: Sequence[str] | None = None,
                    cuts: Sequence[float] | None = None, loa_z: float = LOA_Z) -> dict:
    """Every agreement statistic of one index between scorings ``a`` and ``b`` of the same nights.

    Nights where either value is None (or not finite) are left out and listed, with the count
    used in ``n``.

    Parameters
    ----------
    a, b : sequences of float or None
        The index of each night by the two scorings (``a - b`` is the Bland-Altman difference).
    nights : names of the nights, optional
    cuts : category cut points (e.g. (5, 15) for the PLMS index), optional
    loa_z : float
        Limits of agreement at ``bias +- loa_z * SD``.

    Returns
    -------
    dict
        ``n``, ``left_out`` (night -> why), ``mean_a``, ``mean_b``, the keys of :func:`icc`,
        :func:`correlation` and :func:`bland_altman`, ``categories`` (:func:`category_agreement`,
        None without ``cuts``) and ``null_reasons`` for every null figure.

    Examples
    --------
    >>> r = index_agreement([10.0, 20, None, 31, 5], [9.0, 22, 4.0, 30, 6], list("abcde"), cuts=(5, 15))
    >>> r["n"], r["left_out"], r["bias"]
    (4, {'c': 'no value from the first scoring'}, -0.25)
    """
    a_arr = np.array([np.nan if v is None else float(v) for v in a])
    b_arr = np.array([np.nan if v is None else float(v) for v in b])
    if a_arr.size != b_arr.size:
        raise ValueError(f"index_agreement: {a_arr.size} values from the first scoring and {b_arr.size} "
                         "from the second; they must be the same nights.")
    names = list(nights) if nights is not None else [str(i) for i in range(a_arr.size)]
    ok_a, ok_b = np.isfinite(a_arr), np.isfinite(b_arr)
    left_out = {names[i]: ("no value from either scoring" if not (ok_a[i] or ok_b[i]) else
                           "no value from the first scoring" if not ok_a[i] else "no value from the second scoring")
                for i in np.flatnonzero(~(ok_a & ok_b))}
    x, y = a_arr[ok_a & ok_b], b_arr[ok_a & ok_b]
    out: dict = dict(n=int(x.size), left_out=left_out, mean_a=float(x.mean()) if x.size else None,
                     mean_b=float(y.mean()) if y.size else None)
    reasons: dict = {}
    if not x.size:
        reasons.update(dict.fromkeys(("mean_a", "mean_b"), "no night has this index from both scorings"))
    for part in (icc(x, y), correlation(x, y), bland_altman(x, y, loa_z)):
        reasons.update(part.pop("null_reasons"))
        out.update(part)
    out["categories"] = category_agreement(x, y, cuts) if cuts is not None else None
    if cuts is None:
        reasons["categories"] = "no clinical category cut points for this index"
    out["null_reasons"] = reasons
    return out
