"""Notebook views (``_repr_html_``) of Recording, Scoring, Hypnogram and ScoringResult: short tables."""
from __future__ import annotations

from html import escape

from .html import kv_table, table


def _box(title: str, pairs, extra: str = "") -> str:
    return (f'<div class="jd-repr"><b>{escape(title)}</b>{kv_table(pairs, digits=2)}{extra}</div>')


def recording_html(rec) -> str:
    rows = [(c.label, c.role or "-", c.fs, c.unit or "?", round(c.duration, 1)) for c in rec.channels.values()]
    pairs = [("source", rec.source), ("type", rec.file_type), ("start", str(rec.start) if rec.start else "unknown"),
             ("duration", f"{rec.duration / 3600:.2f} h ({rec.duration:.0f} s)"),
             ("channels", len(rec.channels)), ("annotations", len(rec.annotations))]
    if rec.discontinuous:
        pairs.append(("gaps (EDF+D)", len(rec.gaps())))
    return _box("Recording", pairs, table(rows, ["label", "role", "fs (Hz)", "unit", "duration (s)"]))


def hypnogram_html(hyp) -> str:
    s = hyp.summary()
    stages = [(k[:-4], v) for k, v in s.items() if k[:-4] in ("W", "N1", "N2", "N3", "R", "unscored")]
    pairs = [("epochs", f"{hyp.n_epochs} x {hyp.epoch_length:g} s from {hyp.offset:g} s"),
             ("TST", f"{s['tst_min']:.1f} min"), ("time in bed", f"{s['tib_min']:.1f} min"),
             ("sleep efficiency", s["sleep_efficiency"]), ("WASO", f"{s['waso_min']:.1f} min"),
             ("wake-to-sleep transitions", s["n_wake_to_sleep"])]
    return _box("Hypnogram", pairs, table([[round(v, 1) for _, v in stages]], [k + " (min)" for k, _ in stages]))


def scoring_html(sc) -> str:
    h = sc.hypnogram
    pairs = [("source", sc.source), ("format", sc.format),
             ("hypnogram", f"{h.n_epochs} epochs of {h.epoch_length:g} s" if h is not None else "none"),
             ("arousals", len(sc.arousals) if sc.has_arousals else "not scored"),
             ("respiratory events", len(sc.respiratory) if sc.has_respiratory else "not scored"),
             ("leg movements", len(sc.leg_movements))]
    if sc.duration:
        pairs.append(("declared length", f"{sc.duration:.0f} s"))
    return _box("Scoring", pairs)


def result_html(res) -> str:
    i, reasons = res.indices, res.indices.get("null_reasons", {})
    keys = ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "plms_nonresp_index",
            "periodicity_index", "lm_index", "n_lm", "n_plm", "n_plm_series", "n_hypnic_jerks")
    rows = [(k, i.get(k), reasons.get(k, "")) for k in keys if k in i]
    pairs = [("rules", res.info.get("rules", {}).get("name")), ("recording", res.info.get("recording")),
             ("leg movements", "EMG" if res.info.get("leg_movement_source", "emg") == "emg" else "scoring file"),
             ("events", f"{res.n_lm} LMs, {len(res.jerks['onset'])} hypnic jerks")]
    return _box("ScoringResult", pairs, table(rows, ["index", "value", "null reason"], digits=2))
