"""``agreement_report.html``: how the EMG scoring agrees with a lab's technicians over a cohort.

Pooled event agreement, index agreement (ICC, correlation, Bland-Altman, clinical categories),
a scatter and a Bland-Altman plot per index, the nights sorted by disagreement (each linked to
its own report), and for the nights that disagree most the raw EMG around the disputed leg
movements, so a reader sees *why* they disagree. Self-contained: inline PNGs, no scripts.
"""
from __future__ import annotations

import os
from html import escape
from typing import Mapping, Sequence

import numpy as np

from ..core.atomic import atomic_write_text
from ..core.html import Raw, img, kv_table, page, table
from ..evaluation.agreement import AROUSAL_INDEX, EVENT_SETS, INDICES, NightAgreement, disagreement
from ..alignment.indices import INDEX_INFO

WHAT = {**{k: what for k, (_, what) in INDEX_INFO.items()}, AROUSAL_INDEX: "arousals in sleep per hour of sleep"}
EVENT_NAMES = {"lm": "leg movements (combined by the rules)", "left": "left leg", "right": "right leg",
               "arousal": "arousals (detected in the EEG vs scored)"}
COMPARISONS = {"emg_vs_tech": "EMG vs technician", "emg_vs_file": "EMG vs file's report",
               "tech_vs_file": "technician vs file's report"}


def _ci(v, ci, digits: int = 2) -> str | None:
    if v is None:
        return None
    return f"{v:.{digits}f}" + (f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]" if ci else "")


def _signed(v: float) -> str:
    v = round(v, 2) + 0.0  # no "-0.00"
    return f"{v:+.2f}" if v else "0.00"


def _iqr(med, iqr) -> str | None:
    return None if med is None else f"{_signed(med)} [{_signed(iqr[0])}, {_signed(iqr[1])}]"


def key_figures(summary: Mapping) -> str:
    """One line of the figures a validation paper quotes first."""
    f = lambda v, d=3: "null" if v is None else f"{v:.{d}f}"  # noqa: E731
    ci = summary.get("plms_index_icc21_ci95")
    return (f'<p style="font-size:1.1em">Leg movements: <b>F1 {f(summary["lm_f1"])}</b> (sensitivity '
            f'{f(summary["lm_sensitivity"])}, PPV {f(summary["lm_ppv"])}). PLMS index: <b>ICC(2,1) '
            f'{f(summary["plms_index_icc21"], 2)}</b>{f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""}, '
            f'<b>bias {f(summary["plms_index_bias"], 2)}/h</b>, limits of agreement '
            f'{f(summary["plms_index_loa_low"], 2)} to {f(summary["plms_index_loa_high"], 2)}/h.</p>')


def event_table(summary: Mapping) -> str:
    rows = []
    for key in EVENT_SETS:
        e = summary["events"].get(key)
        if e is None:
            continue
        rows.append([EVENT_NAMES[key], e["n_nights"], e["tp"], e["fp"], e["fn"], e["sensitivity"], e["ppv"], e["f1"],
                     _iqr(e["onset_diff_median_s"], e["onset_diff_iqr_s"]),
                     _iqr(e["offset_diff_median_s"], e["offset_diff_iqr_s"])])
    return table(rows, ["events", "nights", "TP", "FP", "FN", "sensitivity", "PPV", "F1",
                        "onset EMG - tech, s: median [IQR]", "offset: median [IQR]"], digits=3)


def index_table(summary: Mapping) -> str:
    rows = []
    for k, entry in summary["indices"].items():
        for comp, s in entry.items():
            cat = s.get("categories")
            rows.append([k, COMPARISONS[comp], s["n"], s["mean_a"], s["mean_b"], _ci(s["bias"], s["bias_ci95"]),
                         None if s["loa_low"] is None else f"{s['loa_low']:.2f} to {s['loa_high']:.2f}",
                         _ci(s["icc21"], s["icc21_ci95"]), _ci(s["icc31"], s["icc31_ci95"]),
                         s["pearson_r"], s["spearman_rho"], "-" if cat is None else cat["kappa"]])
    return table(rows, ["index", "comparison", "nights", "mean of the first", "mean of the second", "bias [95% CI]",
                        "limits of agreement", "ICC(2,1) [95% CI]", "ICC(3,1) [95% CI]", "Pearson r", "Spearman rho",
                        "kappa (categories)"])


def category_table(summary: Mapping, index: str = "plms_index") -> str:
    cat = ((summary["indices"].get(index) or {}).get("emg_vs_tech") or {}).get("categories")
    if not cat:
        return ""
    labels = cat["labels"]
    rows = [[Raw(f"<b>EMG {escape(lab)}</b>")] + counts for lab, counts in zip(labels, cat["confusion"])]
    kappa = "null (" + cat["null_reasons"]["kappa"] + ")" if cat["kappa"] is None else f"{cat['kappa']:.3f}"
    agree = "null" if cat["agreement"] is None else f"{100 * cat['agreement']:.0f} %"
    return (f"<p>{escape(index)} categories (/h), rows EMG, columns technician: same category on {agree} of the "
            f"nights; Cohen's kappa {escape(kappa)}.</p>" + table(rows, ["", *[f"tech {x}" for x in labels]]))


def _night_cell(out: str, night: str):
    rep = f"{night}_report.html"
    if os.path.isfile(os.path.join(out, rep)):
        return Raw(f'<a href="{escape(rep)}">{escape(night)}</a>')
    return night


def nights_rows(rows: Sequence[Mapping], out: str) -> tuple[list[list], list[str]]:
    """The per-night table, most disagreeing night first (:func:`disagreement`)."""
    arousal = any(r.get("arousal_index_emg") is not None for r in rows)
    cols = {"plms_index_emg": "PLMS EMG", "plms_index_tech": "PLMS tech", "plms_index_diff": "difference",
            "_category": "category EMG / tech", "tp": "TP", "fp": "FP", "fn": "FN", "f1": "F1", "left_f1": "F1 left",
            "right_f1": "F1 right", "onset_diff_median_s": "onset diff (s)"}
    if arousal:
        cols.update(arousal_f1="arousal F1", arousal_index_emg="arousal index EMG",
                    arousal_index_tech="arousal index tech")
    cols["unscorable_both_legs_min"] = "unscorable (min)"
    body = []
    for r in sorted(rows, key=disagreement):
        cat = f"{r.get('plms_index_category_emg') or 'null'} / {r.get('plms_index_category_tech') or 'null'}"
        body.append([_night_cell(out, r["night"])] + [cat if c == "_category" else r.get(c) for c in cols])
    return body, ["night", *cols.values()]


def pick_events(ev: np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` rows of ``ev`` spread evenly over the night (first, last and between), in order.

    Examples
    --------
    >>> pick_events(np.arange(20.0).reshape(10, 2), 3)[:, 0].tolist()
    [0.0, 8.0, 18.0]
    """
    ev = np.asarray(ev, float).reshape(-1, 2)
    if len(ev) <= k:
        return ev
    return ev[np.unique(np.round(np.linspace(0, len(ev) - 1, k)).astype(int))]


def disputed_section(night: NightAgreement, per_kind: int, pad: float = 8.0) -> str:
    """Facts and EMG strips of one night's disputed leg movements (up to ``per_kind`` of each kind)."""
    from .agreement_figures import disputed_strips_figure
    from .mpl import png_b64
    e = night.events["lm"]
    plms = night.indices.get("plms_index", (None, None))
    fmt = lambda v: "null" if v is None else f"{v:.1f}/h"  # noqa: E731
    head = (f"<h3>{escape(night.night)}</h3><p>PLMS index {fmt(plms[0])} from the EMG, {fmt(plms[1])} from the "
            f"technician's events; {e.tp} leg movements agree, {e.fp} only in the EMG, {e.fn} only in the "
            f"technician's scoring (F1 {'null' if e.f1 is None else f'{e.f1:.3f}'}).")
    legs = [f"{leg} leg F1 {night.events[leg].f1:.3f}" for leg in ("left", "right")
            if night.events.get(leg) is not None and night.events[leg].f1 is not None]
    head += (" " + ", ".join(legs) + "." if legs else "") + "</p>"
    events = [("emg", float(a), float(b)) for a, b in pick_events(e.emg_only, per_kind)]
    events += [("tech", float(a), float(b)) for a, b in pick_events(e.tech_only, per_kind)]
    if not events:
        return head + '<p class="muted">No disputed leg movement: the nights differ only in their indices.</p>'
    path = night.info.get("recording")
    rec = None
    if path and os.path.isfile(str(path)):
        from ..io.edf import read_psg
        rec = read_psg(str(path), annotations=False)
    fig = disputed_strips_figure(rec, night.info.get("channels") or {}, events, night.lm_events, pad) if rec else None
    if fig is None:
        return head + f'<p class="muted">No EMG strip: {escape(str(path))} cannot be read.</p>'
    b, w, h = png_b64(fig)
    return head + img(b, f"EMG around the disputed events of {night.night}", w, h,
                      "Raw leg and chin EMG (µV, each trace centred) around leg movements only one scoring has; "
                      "shaded: the disputed event; bars: every EMG LM (blue, above) and technician LM (orange, "
                      "below) in the window.")


def _index_figure(summary: Mapping, rows: Sequence[Mapping]) -> str:
    from .agreement_figures import index_agreement_figure
    from .mpl import png_b64
    panels = []
    for k in INDICES + (AROUSAL_INDEX,):
        s = (summary["indices"].get(k) or {}).get("emg_vs_tech")
        if s is None or s["n"] == 0:
            continue
        panels.append((k, [r.get(f"{k}_emg") for r in rows], [r.get(f"{k}_tech") for r in rows], s))
    if not panels:
        return "<p>No index has a value from both scorings on any night.</p>"
    b, w, h = png_b64(index_agreement_figure(panels))
    return img(b, "scatter and Bland-Altman plots", w, h,
               "Left: each night's index from the technician's events (x) and the EMG (y), dashed the identity. "
               "Right: Bland-Altman, EMG minus technician against their mean; solid the bias, dashed red the "
               "limits of agreement (bias +- 1.96 SD).")


HOW_TO_READ = """<details><summary><b>How to read this</b></summary><ul>
<li><b>Technician</b> means the leg movements in each night's scoring file, scored into LMs, PLM series
and indices by the <i>same</i> rule code, hypnogram, arousals and respiratory events as the EMG: the two
columns differ only where the detection of leg movements differs.</li>
<li><b>Events</b>: TP are pairs of one EMG and one technician leg movement under the stated matching rule;
FP are EMG-only, FN technician-only. Sensitivity = TP / (TP + FN), PPV = TP / (TP + FP), F1 their harmonic
mean, pooled over the nights (sums of counts). Onset and offset differences are EMG minus technician.</li>
<li><b>Indices</b>: ICC(2,1) (absolute agreement: a constant offset lowers it) and ICC(3,1) (consistency:
it does not), with 95 % CIs; bias is the mean of EMG minus technician and the limits of agreement are
bias +- 1.96 SD of the differences: 95 % of nights are expected to differ by no more. A bias whose CI
excludes 0 is systematic (e.g. the detector finds small movements a technician leaves out).</li>
<li><b>Nights</b> are sorted by the absolute PLMS-index difference; read the strips of the first ones: an EMG-only
event with a clear burst is a movement the technician did not mark, a technician-only event over flat EMG is
one the EMG does not show (a mislabelled leg, a movement seen on video, or an artefact).</li>
</ul></details>"""


def render_agreement_report(summary: Mapping, nights: Sequence[NightAgreement], rows: Sequence[Mapping], out: str,
                            failed: Mapping[str, str] | None = None, strips: int = 3, per_kind: int = 3) -> str:
    """HTML text of the agreement report (needs matplotlib).

    Parameters
    ----------
    summary : dict
        :func:`~jerkdetect.evaluation.agreement.cohort_summary` (with the run's extra keys).
    nights : NightAgreement list
    rows : the per-night table (:func:`~jerkdetect.evaluation.agreement.nights_table`)
    out : folder of the per-night reports the table links to
    failed : night -> why it could not be compared
    strips : how many of the most disagreeing nights get EMG strips
    per_kind : EMG-only and technician-only events shown per night
    """
    from .mpl import require_matplotlib
    require_matplotlib()
    failed = dict(failed or {})
    m = summary["matching"]
    body = [f"<h1>jerkdetect agreement report: {summary['n_nights']} nights</h1>",
            f"<p>The leg EMG scored by jerkdetect against the technicians' leg movements in the same scoring files, "
            f"both under <b>{escape(str(summary['rules']))}</b>; events matched {escape(m['description'])}; "
            f"arousals: {escape(str(summary.get('arousals', 'scoring')))}. "
            f"{len(failed)} night{'s' if len(failed) != 1 else ''} could not be compared (below).</p>"]
    if summary["n_nights"]:
        body += [key_figures(summary), HOW_TO_READ,
                 "<h2>Leg movements, event by event (all nights pooled)</h2>", event_table(summary),
                 "<h2>Indices</h2>", index_table(summary), category_table(summary),
                 "<h2>Scatter and Bland-Altman plots</h2>", _index_figure(summary, rows)]
        table_rows, header = nights_rows(rows, out)
        body += ["<h2>Nights, most disagreeing first</h2>",
                 "<p>Sorted by the absolute difference of the PLMS index (EMG minus technician), then by F1. "
                 "Click a night for its own report (the EMG scoring).</p>", table(table_rows, header)]
        order = sorted(rows, key=disagreement)[:strips]
        by_name = {n.night: n for n in nights}
        if order:
            body.append(f"<h2>Why the {len(order)} most disagreeing nights disagree</h2>")
            body += [disputed_section(by_name[r["night"]], per_kind) for r in order]
    body.append(f"<h2>Nights not compared ({len(failed)})</h2>")
    body.append(table(sorted(failed.items()), ["night", "reason"]) if failed else "<p>None.</p>")
    reasons = summary.get("null_reasons") or {}
    if reasons:
        body += ["<h2>Figures that are null, and why</h2>", kv_table(sorted(reasons.items()))]
    body += ["<h2>Rule set and matching</h2>", kv_table(sorted((summary.get("rule_parameters") or {}).items()), 3),
             kv_table(sorted(m.items()), 3),
             f'<p class="muted">Written by jerkdetect {escape(str(summary.get("jerkdetect_version", "")))}: a static '
             "file (no scripts, no network); the same numbers are in agreement_summary.json and "
             "agreement_nights.tsv.</p>"]
    return page("jerkdetect agreement report", "\n".join(body))


def write_agreement_report(summary: Mapping, nights: Sequence[NightAgreement], rows: Sequence[Mapping], out: str,
                           failed: Mapping[str, str] | None = None, strips: int = 3, path: str | None = None) -> str:
    """Write ``out/agreement_report.html`` (or ``path``) atomically; return its path."""
    path = path or os.path.join(out, "agreement_report.html")
    atomic_write_text(path, render_agreement_report(summary, nights, rows, out, failed, strips))
    return path
