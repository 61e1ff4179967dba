"""One night as a self-contained HTML report (inline PNG figures; no scripts, no network)."""
from __future__ import annotations

import os
from html import escape

from ..core.atomic import atomic_write_text
from ..alignment.indices import INDEX_INFO, with_unit
from ..core.html import Num, img, kv_table, page, table
from .motor_report import motor_sections

# the order a reader looks for them in; any other index follows as it comes
INDEX_ORDER = (
    "tst_min", "tst_scorable_min", "wake_scorable_min", "plms_index", "plmw_index", "plms_arousal_index",
    "plms_nonresp_index", "periodicity_index", "lm_index", "arousal_index", "respiratory_event_index",
    "n_lm", "n_lms", "n_plm", "n_plms", "n_plmw", "n_plms_arousal", "n_plms_nonresp", "n_plm_series",
    "n_respiratory_lm", "n_arousals", "n_respiratory_events", "imi_n", "imi_median_s", "imi_iqr_s",
    "imi_fraction_under_10s", "n_hypnic_jerks", "n_wake_to_sleep_transitions", "hypnic_jerks_per_transition",
    "hypnic_jerks_with_arousal", "unscorable_min", "unscorable_both_legs_min", "recording_gaps_min",
)
# the per-stage table's columns, in order
STAGE_COLUMNS = ("stage", "minutes", "n_lm", "lm_per_h", "n_plm", "plm_per_h", "n_plm_arousal", "n_arousals",
                 "arousal_per_h", "n_respiratory_events", "n_hypnic_jerks")


def _duration(s) -> str:
    if not s:
        return "unknown"
    s = float(s)
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min ({s:.0f} s)"


def _arousal_fact(res) -> str:
    i = res.info
    n = res.indices.get("n_arousals")
    if i.get("arousal_source") == "detected":
        return f"{n} detected in the EEG by jerkdetect's rule-based detector (not scored by a person)"
    if i.get("arousal_source") == "scoring":
        return f"{n} scored, from the scoring file"
    return "none: " + res.indices.get("null_reasons", {}).get("n_arousals", "no arousal scoring")


def _facts(res) -> list[tuple[str, object]]:
    i = res.info
    lm_src = i.get("leg_movement_source", "emg")
    n_resp = res.indices.get("n_respiratory_events")
    facts = [("recording", i.get("recording")), ("start", i.get("recording_start") or "unknown"),
             ("length", _duration(i.get("duration_s"))
              + (f", {i['duration_source']}" if i.get("duration_source") else "")),
             ("annotations", i.get("annotation_source")
              + (" (forced: it did not look like this recording's)" if i.get("annotations_forced") else "")),
             ("leg movements", "detected in the leg EMG" if lm_src == "emg" else "read from the scoring file (no EMG)"),
             ("channels", i.get("channels") or "-"),
             ("arousals", _arousal_fact(res)),
             ("respiratory events", f"{n_resp} scored, from the scoring file" if n_resp is not None else
              "no respiratory scoring in the scoring file")]
    if i.get("mains_hz"):
        facts.append(("mains notch (Hz)", i["mains_hz"]))
    if res.hypnogram is not None:
        h = res.hypnogram.summary()
        eff = h["sleep_efficiency"]
        facts += [("time in bed", f"{h['tib_min']:.1f} min"),
                  ("sleep efficiency", "null" if eff is None else f"{100 * eff:.0f} %"),
                  ("sleep latency", None if h["sleep_latency_min"] is None else f"{h['sleep_latency_min']:.1f} min"),
                  ("WASO", f"{h['waso_min']:.1f} min")]
    facts.append(("jerkdetect", i.get("jerkdetect_version")))
    return facts


def _index_rows(res) -> list[tuple]:
    """index, what it is, value with its unit (right-aligned), null reason: every index of the night."""
    idx, reasons = res.indices, res.indices.get("null_reasons", {})
    keys = [k for k in INDEX_ORDER if k in idx] + [k for k in idx if k not in INDEX_ORDER and k != "null_reasons"]
    return [(k, INDEX_INFO.get(k, ("", ""))[1], None if idx[k] is None else _value(k, idx[k]),
             reasons.get(k, "")) for k in keys]


def _value(key: str, value) -> str:
    """A summary value for the index table; the nested motor details stay in the summary JSON."""
    return "in X_summary.json" if key == "motor" else Num(with_unit(key, value))


def _stage_rows(res) -> tuple[list[list], list[str]]:
    cols = [c for c in STAGE_COLUMNS if res.by_stage and c in res.by_stage[0]]
    cols += [c for c in (res.by_stage[0] if res.by_stage else {}) if c not in cols]
    rows = [[r[c] if c == "stage" or r[c] is None else Num(with_unit(c, r[c]).split(" ")[0]) for c in cols]
            for r in res.by_stage]
    return rows, cols


def _stage_legend(cols: list[str]) -> str:
    parts = [f"<b>{escape(c)}</b>: {escape(INDEX_INFO[c][1])}" + (f" ({INDEX_INFO[c][0]})" if INDEX_INFO[c][0] else "")
             for c in cols if c in INDEX_INFO and c != "stage"]
    return '<p class="muted">' + "; ".join(parts) + ". Null: the night has no such scoring.</p>"


def _figures(res) -> str:
    from .figures import emg_strip_figure, example_events, imi_figure, night_figure
    from .mpl import png_b64
    parts = []
    b, w, h = png_b64(night_figure(res))
    parts.append(img(b, "hypnogram with event raster", w, h,
                     "Hypnogram (REM in red) with a row per kind of event above it: respiratory events and "
                     "arousals (scored, or detected in the EEG) when the night has them, leg movements, hypnic "
                     "jerks when scored; shaded red: unscorable leg EMG, grey: unscored epochs."))
    b, w, h = png_b64(imi_figure(res))
    parts.append(img(b, "inter-movement interval histogram", w, h,
                     "Onset-to-onset intervals between candidate LMs in sleep, the intervals the imi_* indices "
                     "describe."))
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


def _flat_rules(rules: dict) -> list[tuple[str, object]]:
    """The motor rules' parameters under their ``--param`` names (``alma.min_hz``), sorted."""
    return sorted((f"{k}.{n}" if isinstance(v, dict) else k, x) for k, v in rules.items()
                  for n, x in (v.items() if isinstance(v, dict) else [(k, v)]))


def render_night_report(res, title: str | None = None) -> str:
    """The HTML text of one night's report (figures inline; needs matplotlib)."""
    from .mpl import require_matplotlib
    require_matplotlib()
    info = res.info
    name = title or os.path.basename(str(info.get("recording", "night")))
    rules = dict(info.get("rules", {}))
    warns = list(info.get("warnings", [])) + [n for n in info.get("hypnogram_notes", []) if n != "no hypnogram"]
    if info.get("annotations_forced"):  # a scoring file used although it did not look like this night's
        warns.insert(0, f"scoring file forced (--force-annotations): {info['annotations_forced']}")
    body = [f"<h1>jerkdetect report: {escape(name)}</h1>",
            f'<p class="muted">Rule set <b>{escape(str(rules.get("name", "?")))}</b>; times in seconds '
            "from the recording start. A null index needs scoring the file does not have; the reason "
            "is given beside it.</p>",
            "<h2>Recording</h2>", kv_table(_facts(res))]
    if warns:
        body += ["<h2>Warnings</h2>", "<ul>" + "".join(f'<li class="warn">{escape(w)}</li>' for w in warns) + "</ul>"]
    body += ["<h2>Indices</h2>",
             table(_index_rows(res), ["index", "what", "value", "null reason"]),
             "<h2>Per stage</h2>", table(*_stage_rows(res)), _stage_legend(_stage_rows(res)[1]),
             "<h2>Figures</h2>", _figures(res),
             motor_sections(res),
             "<h2>Rule set and parameters</h2>", kv_table(sorted(rules.items()), digits=3),
             "<h3>Detection</h3>", kv_table(sorted(info.get("detection", {}).items()), digits=3),
             "<h3>Hypnic-jerk rule</h3>", kv_table(sorted(info.get("hypnic_jerk_rule", {}).items()), digits=3),
             *(["<h3>Motor rules</h3>", kv_table(_flat_rules(info["motor_rules"]), digits=3)]
               if info.get("motor_rules") else []),
             f'<p class="muted">Written by jerkdetect {escape(str(info.get("jerkdetect_version")))}; '
             "a static file (no scripts, no network).</p>"]
    return page(f"jerkdetect: {name}", "\n".join(body))


def write_night_report(res, path: str) -> str:
    """Write ``path`` (``X_report.html``) atomically; return the path."""
    path = os.fspath(path)
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write_text(path, render_night_report(res, os.path.basename(path).removesuffix("_report.html")))
    return path
