"""``cohort_report.html``: a batch at a glance (index distributions, nights by PLMS index, failures, warnings)."""
from __future__ import annotations

import json
import math
import os
from html import escape

from ..core.atomic import atomic_write_text
from ..core.html import Raw, img, page, table

DIST_INDICES = ("plms_index", "plmw_index", "plms_arousal_index", "plms_nonresp_index", "periodicity_index",
                "lm_index", "arousal_index", "respiratory_event_index", "tst_min", "imi_median_s",
                "hypnic_jerks_per_transition", "fm_per_h_nrem", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct",
                "rai")
TABLE_COLUMNS = ("plms_index", "plmw_index", "plms_arousal_index", "periodicity_index", "lm_index", "arousal_index",
                 "respiratory_event_index", "tst_min", "n_plm", "n_hypnic_jerks")
# motor events beyond PLM (issue 16), a table of their own
MOTOR_COLUMNS = ("fm_per_h_nrem", "efm", "rem_tonic_pct", "rem_phasic_pct", "rem_any_pct", "rai", "n_alma", "n_hft",
                 "n_lm_in_rhythmic_episodes")


def _num(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def _cell(column: str, v):
    if column == "efm":  # a nullable boolean of the cohort table
        import pandas as pd
        return None if v is None or pd.isna(v) else ("yes" if v else "no")
    if column == "rai":
        f = _num(v)
        return None if math.isnan(f) else round(f, 3)
    f = _num(v)
    if math.isnan(f):
        return None
    return int(f) if column.startswith("n_") else round(f, 2 if column in ("periodicity_index",) else 1)


def _night_warnings(out: str, stem: str) -> list[str]:
    p = os.path.join(out, f"{stem}_summary.json")
    try:
        with open(p) as f:
            return list(json.load(f).get("warnings", []))
    except (OSError, ValueError):
        return []


def _stem_cell(out: str, stem: str):
    rep = f"{stem}_report.html"
    if os.path.isfile(os.path.join(out, rep)):
        return Raw(f'<a href="{escape(rep)}">{escape(stem)}</a>')
    return stem


def render_cohort_report(df, out: str) -> str:
    """HTML text of the cohort report for a cohort table (as :func:`jerkdetect.score_many` returns)."""
    from .figures import histogram_figure
    from .mpl import png_b64, require_matplotlib
    require_matplotlib()
    counts = df["status"].value_counts().to_dict()
    rules = ", ".join(sorted({str(r) for r in df["rules"].dropna()})) or "?"
    scored = df[df["status"] != "failed"]
    body = [f"<h1>jerkdetect cohort report: {len(df)} nights</h1>",
            f'<p>{counts.get("ok", 0)} scored, {counts.get("skipped", 0)} already complete (not rescored), '
            f'{counts.get("failed", 0)} failed; rule set {escape(rules)}. Click a night for its report '
            "(when written with <code>--report</code>).</p>"]
    if len(scored):
        vals = {k: [_num(v) for v in scored[k]] for k in DIST_INDICES if k in scored}
        b, w, h = png_b64(histogram_figure(vals, "distribution over the nights scored"))
        body += ["<h2>Distribution of each index</h2>",
                 img(b, "index distributions", w, h, "One histogram per index; nulls (missing scoring) counted apart.")]
    order = scored.assign(_k=[-_num(v) if not math.isnan(_num(v)) else math.inf for v in scored["plms_index"]]) \
        .sort_values(["_k", "stem"]) if len(scored) else scored
    rows = []
    for _, r in order.iterrows():
        warns = _night_warnings(out, r["stem"])
        rows.append([_stem_cell(out, r["stem"]), r["status"]] + [_cell(c, r.get(c)) for c in TABLE_COLUMNS]
                    + [len(warns)])
    body += ["<h2>Nights by PLMS index</h2>",
             table(rows, ["night", "status", *TABLE_COLUMNS, "warnings"]) if rows else "<p>No night was scored.</p>"]
    body += _motor_section(order, out)
    failed = df[df["status"] == "failed"]
    body.append(f"<h2>Failures ({len(failed)})</h2>")
    body.append(table([[r["stem"], r["recording"], r["error"]] for _, r in failed.iterrows()],
                      ["night", "recording", "reason"]) if len(failed) else "<p>None.</p>")
    wrows = [[r["stem"], w] for _, r in order.iterrows() for w in _night_warnings(out, r["stem"])]
    body.append(f"<h2>Warnings ({len(wrows)})</h2>")
    body.append(table(wrows, ["night", "warning"]) if wrows else "<p>None.</p>")
    body.append('<p class="muted">A static file written by jerkdetect batch (no scripts, no network); the '
                "same numbers are in cohort_summary.tsv.</p>")
    return page("jerkdetect cohort report", "\n".join(body))


def _motor_section(order, out: str) -> list[str]:
    """Fragmentary myoclonus, REM muscle activity, RAI, ALMA and HFT per night (same order as the
    PLMS table); nothing when no night has motor scoring."""
    cols = [c for c in MOTOR_COLUMNS if c in order]
    if not len(order) or not cols or all(_cell(c, v) is None for c in cols for v in order[c]):
        return []
    from ..alignment.indices import INDEX_INFO
    rows = [[_stem_cell(out, r["stem"])] + [_cell(c, r.get(c)) for c in cols] for _, r in order.iterrows()]
    legend = "; ".join(f"<b>{escape(c)}</b>: {escape(INDEX_INFO[c][1])}" for c in cols if c in INDEX_INFO)
    return ["<h2>Motor events beyond PLM</h2>",
            "<p>Fragmentary myoclonus, REM sleep muscle activity (AASM, SINBAR), the REM atonia index and the "
            "rhythmic leg patterns of each night; empty where the night was scored without them "
            "(<code>--no-motor</code>), without EMG or without a hypnogram (each night's summary says why).</p>",
            table(rows, ["night", *cols]), f'<p class="muted">{legend}.</p>']


def write_cohort_report(df, out: str) -> str:
    """Write ``out/cohort_report.html`` atomically; return its path."""
    path = os.path.join(out, "cohort_report.html")
    atomic_write_text(path, render_cohort_report(df, out))
    return path
