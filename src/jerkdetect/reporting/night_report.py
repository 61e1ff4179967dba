"""One night as a self-contained HTML report (inline PNG figures; no scripts, no network)."""
from __future__ import annotations

import os
from html import escape

from ..core.atomic import atomic_write_text
from ..core.html import img, kv_table, page, table

# (key, what it is) in the order a reader looks for them; other keys follow as they come
INDEX_ROWS = (
    ("tst_min", "total sleep time (min)"),
    ("tst_scorable_min", "sleep time scored, unscorable stretches left out (min)"),
    ("wake_scorable_min", "wake time scored, unscorable stretches left out (min)"),
    ("plms_index", "PLMs in sleep per hour of sleep"),
    ("plmw_index", "PLMs in wake per hour of wake"),
    ("plms_arousal_index", "arousal-linked PLMs in sleep per hour of sleep"),
    ("plms_nonresp_index", "PLMS index, respiratory-related LMs left out"),
    ("plms_index_incl_respiratory", "PLMS index, respiratory-related LMs counted"),
    ("periodicity_index", "Ferri 2006 periodicity index (IMIs in sleep)"),
    ("lm_index", "candidate LMs in sleep per hour of sleep"),
    ("n_lm", "candidate LMs"), ("n_lms", "candidate LMs in sleep"), ("n_plm", "PLMs"), ("n_plms", "PLMs in sleep"),
    ("n_plmw", "PLMs in wake"), ("n_plms_arousal", "arousal-linked PLMs in sleep"),
    ("n_plm_series", "PLM series"), ("n_respiratory_lm", "respiratory-related LMs"),
    ("imi_n", "inter-movement intervals in sleep"),
    ("imi_median_s", "median inter-movement interval in sleep (s)"),
    ("imi_iqr_s", "IMI interquartile range (s)"),
    ("imi_fraction_under_10s", "fraction of IMIs under 10 s"),
    ("n_hypnic_jerks", "hypnic jerks"), ("n_wake_to_sleep_transitions", "wake-to-sleep transitions"),
    ("hypnic_jerks_per_transition", "hypnic jerks per transition"),
    ("hypnic_jerks_with_arousal", "hypnic jerks with an arousal"),
    ("unscorable_min", "unscorable minutes per leg"), ("recording_gaps_min", "EDF+D gaps (min)"),
)


def _duration(s) -> str:
    if not s:
        return "unknown"
    s = float(s)
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min ({s:.0f} s)"


def _facts(res) -> list[tuple[str, object]]:
    i = res.info
    lm_src = i.get("leg_movement_source", "emg")
    facts = [("recording", i.get("recording")), ("start", i.get("recording_start") or "unknown"),
             ("length", _duration(i.get("duration_s"))
              + (f", {i['duration_source']}" if i.get("duration_source") else "")),
             ("annotations", i.get("annotation_source")),
             ("leg movements", "detected in the leg EMG" if lm_src == "emg" else "read from the scoring file (no EMG)"),
             ("channels", i.get("channels") or "-"),
             ("arousal scoring", i.get("arousal_scoring")), ("respiratory scoring", i.get("respiratory_scoring"))]
    if i.get("mains_hz"):
        facts.append(("mains notch (Hz)", i["mains_hz"]))
    if res.hypnogram is not None:
        h = res.hypnogram.summary()
        facts += [("time in bed", f"{h['tib_min']:.1f} min"), ("sleep efficiency", h["sleep_efficiency"]),
                  ("sleep latency", None if h["sleep_latency_min"] is None else f"{h['sleep_latency_min']:.1f} min"),
                  ("WASO", f"{h['waso_min']:.1f} min")]
    facts.append(("jerkdetect", i.get("jerkdetect_version")))
    return facts


def _index_rows(res) -> list[tuple]:
    idx, reasons = res.indices, res.indices.get("null_reasons", {})
    known = dict(INDEX_ROWS)
    keys = [k for k, _ in INDEX_ROWS if k in idx] + [k for k in idx if k not in known and k != "null_reasons"]
    return [(k, known.get(k, ""), idx[k], reasons.get(k, "")) for k in keys]


def _figures(res) -> str:
    from .figures import emg_strip_figure, example_events, imi_figure, night_figure
    from .mpl import png_b64
    parts = []
    b, w, h = png_b64(night_figure(res))
    parts.append(img(b, "hypnogram with event raster", w, h,
                     "Hypnogram (REM in red) with the scored events above it; shaded: unscorable."))
    b, w, h = png_b64(imi_figure(res))
    parts.append(img(b, "inter-movement interval histogram", w, h,
                     "Onset-to-onset intervals between candidate LMs (all stages)."))
    ev = example_events(res)
    strip = emg_strip_figure(res, ev)
    if strip is not None:
        b, w, h = png_b64(strip)
        parts.append(img(b, "EMG around example events", w, h,
                         "Raw leg and chin EMG (µV, each trace centred) around example events; "
                         "the event is shaded."))
    else:
        parts.append('<p class="muted">No EMG strip: the leg movements come from the scoring file '
                     "or the recording cannot be read.</p>")
    return "\n".join(parts)


def render_night_report(res, title: str | None = None) -> str:
    """The HTML text of one night's report (figures inline; needs matplotlib)."""
    from .mpl import require_matplotlib
    require_matplotlib()
    info = res.info
    name = title or os.path.basename(str(info.get("recording", "night")))
    rules = dict(info.get("rules", {}))
    warns = list(info.get("warnings", [])) + [n for n in info.get("hypnogram_notes", []) if n != "no hypnogram"]
    body = [f"<h1>jerkdetect report: {escape(name)}</h1>",
            f'<p class="muted">Rule set <b>{escape(str(rules.get("name", "?")))}</b>; times in seconds '
            "from the recording start. A null index needs scoring the file does not have; the reason "
            "is given beside it.</p>",
            "<h2>Recording</h2>", kv_table(_facts(res))]
    if warns:
        body += ["<h2>Warnings</h2>", "<ul>" + "".join(f'<li class="warn">{escape(w)}</li>' for w in warns) + "</ul>"]
    body += ["<h2>Indices</h2>",
             table(_index_rows(res), ["index", "what", "value", "null reason"], digits=3),
             "<h2>Per stage</h2>",
             table([[r.get(c) for c in _stage_cols(res)] for r in res.by_stage], _stage_cols(res)),
             "<h2>Figures</h2>", _figures(res),
             "<h2>Rule set and parameters</h2>", kv_table(sorted(rules.items()), digits=3),
             "<h3>Detection</h3>", kv_table(sorted(info.get("detection", {}).items()), digits=3),
             "<h3>Hypnic-jerk rule</h3>", kv_table(sorted(info.get("hypnic_jerk_rule", {}).items()), digits=3),
             f'<p class="muted">Written by jerkdetect {escape(str(info.get("jerkdetect_version")))}; '
             "a static file (no scripts, no network).</p>"]
    return page(f"jerkdetect: {name}", "\n".join(body))


def _stage_cols(res) -> list[str]:
    return list(res.by_stage[0]) if res.by_stage else ["stage"]


def write_night_report(res, path: str) -> str:
    """Write ``path`` (``X_report.html``) atomically; return the path."""
    path = os.fspath(path)
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write_text(path, render_night_report(res, os.path.basename(path).removesuffix("_report.html")))
    return path
