"""The files and tables of one scored night: ``X_events.tsv``, ``X_summary.json``, detected
arousals, BIDS-style events with a JSON sidecar, EDF+ annotations, and the one-row summary frame."""
from __future__ import annotations

import json
import os

from ..core.atomic import write_together
from ..core.tsv import json_default, tsv_text
from .events import EVENT_COLUMNS, annotation_text

BIDS_SIDECAR = {
    "onset": {"Description": "Onset of the event in seconds from the first sample of the recording.",
              "Units": "s"},
    "duration": {"Description": "Duration of the event.", "Units": "s"},
    "trial_type": {"Description": "Scored event type.",
                   "Levels": {"plm": "leg movement in a periodic limb movement series, counted as PLM",
                              "lm": "candidate leg movement not counted as PLM",
                              "lm_long": "leg movement too long to be a candidate LM (WASM 2016)",
                              "hypnic_jerk": "hypnic jerk (jerkdetect operational definition)",
                              "arousal_detected": "EEG arousal found by jerkdetect's rule-based detector "
                                                  "(AASM arousal rule), not scored by a person",
                              "fragmentary_myoclonus": "fragmentary myoclonus potential (<= 150 ms, >= 50 uV "
                                                       "peak to peak, NREM; AASM excessive fragmentary myoclonus)",
                              "alma": "alternating leg muscle activation episode (AASM)",
                              "hft": "hypnagogic foot tremor episode (AASM)"}},
    "side": {"Description": "left, right or bilateral leg movement; for a hypnic jerk the muscles involved; "
                            "for a detected arousal the EEG channels that showed it"},
    "stage": {"Description": "Sleep stage at onset (W, N1, N2, N3, R, unscored)."},
    "arousal": {"Description": "Associated with an arousal (< 0.5 s apart, either order)."},
    "respiratory": {"Description": "Respiratory-related under the chosen rule set."},
    "series": {"Description": "PLM series identifier, n/a when not in a series."},
    "imi": {"Description": "Inter-movement interval from the previous candidate LM (onset to onset).",
            "Units": "s"},
    "peak_uv": {"Description": "Largest deflection of the band-passed EMG trace during the event "
                               "(a clipped burst shows the rail).", "Units": "uV"},
    "channel": {"Description": "EMG channel(s) of a fragmentary-myoclonus potential or an ALMA/HFT episode."},
    "n_bursts": {"Description": "Number of bursts in an ALMA or HFT episode."},
    "frequency_hz": {"Description": "Burst rate of an ALMA (per leg) or HFT episode.", "Units": "Hz"},
}
REM_EPOCH_COLUMNS = ("onset", "tonic", "phasic_minis", "any_minis", "scored", "reason", "scored_minis")


def export_rows(result) -> list[dict]:
    """Scored events plus detected arousals (label ``arousal_detected``), sorted by onset."""
    rows = result.event_rows()
    det = getattr(result, "detected_arousals", None)
    if det is not None:
        blank = dict.fromkeys(EVENT_COLUMNS)
        rows += [{**blank, "onset": a["onset"], "duration": a["duration"], "label": "arousal_detected",
                  "side": a["channels"], "stage": a["stage"]} for a in det.rows()]
        rows.sort(key=lambda r: (r["onset"], r["label"]))
    return rows


def bids_files(result, path: str) -> list[tuple[str, str]]:
    """The BIDS ``*_events.tsv`` (``trial_type`` column) and its JSON sidecar: (path, text) each."""
    cols = ["onset", "duration", "trial_type"] + [c for c in EVENT_COLUMNS if c not in ("onset", "duration", "label")]
    tsv = tsv_text(({**r, "trial_type": r["label"]} for r in export_rows(result)), cols)
    side = path[:-4] + ".json" if path.endswith(".tsv") else path + ".json"
    meta = {**BIDS_SIDECAR, "GeneratedBy": [{"Name": "jerkdetect",
                                            "Version": result.info.get("jerkdetect_version"),
                                            "RuleSet": result.info.get("rules", {}).get("name")}],
            "HypnogramSource": result.info.get("hypnogram_source")}
    return [(path, tsv), (side, _json(meta))]


def write_bids_events(result, path: str) -> tuple[str, str]:
    """Write a BIDS ``*_events.tsv`` (``trial_type`` column) and its JSON sidecar, both or neither."""
    tsv, side = write_together(bids_files(result, path))
    return tsv, side


def write_edf_annotations(result, path: str, start=None) -> str:
    """Write the scored events as an annotation-only EDF+ file (opens in EDFbrowser, MNE, pyedflib).

    ``start`` (datetime) should be the recording's start so viewers line the events up.
    """
    import datetime as _dt

    from ..io.edf_write import write_edf  # only for exports
    rows = export_rows(result)
    ann = [(r["onset"], r["duration"], annotation_text(r)) for r in rows]
    if start is None and result.info.get("recording_start"):
        start = _dt.datetime.fromisoformat(result.info["recording_start"])
    dur = result.info.get("duration_s") or (max((o + d for o, d, _ in ann), default=1.0))
    n_rec = max(1, int(-(-dur // 1)))
    write_edf(path, [], start, ann, record_duration=1.0, record_onsets=None, n_records=n_rec)
    return path


def summary_dict(result) -> dict:
    """What ``X_summary.json`` holds: indices, per-stage table, every parameter and source.

    Run timings are left out so the same night and parameters always give the same file.
    """
    info = {k: v for k, v in result.info.items() if k not in result.indices and k != "timings_s"}
    return {**result.indices, **info, "by_stage": result.by_stage}


def _json(obj) -> str:
    """Strict JSON text: a NaN or infinity raises (it would make the file unreadable to strict parsers)."""
    return json.dumps(obj, indent=2, allow_nan=False, default=json_default) + "\n"


def write_night(result, out_dir: str, stem: str, export: bool = False) -> dict[str, str]:
    """Write ``stem_events.tsv`` and ``stem_summary.json``, all or nothing; return their paths.

    With ``export`` also ``stem_bids_events.tsv`` (+ JSON sidecar) and ``stem_scored.edf``;
    with detected arousals also ``stem_arousals.tsv``; with motor events ``stem_rem_epochs.tsv``
    (one row per REM epoch). Every file is written to a temporary name first and renamed only
    when all are complete, the summary last, so its presence means every file of the night is
    complete; on a failure (disk full, no permission) no file of the night is left and
    :class:`~jerkdetect.errors.OutputError` names the file and the cause
    (:func:`~jerkdetect.core.atomic.write_together`).
    """
    base = os.path.join(out_dir, stem)
    paths = {"events": f"{base}_events.tsv", "summary": f"{base}_summary.json"}
    files: list[tuple[str, object]] = []
    if export:
        paths["bids"], paths["bids_sidecar"] = f"{base}_bids_events.tsv", f"{base}_bids_events.json"
        files += bids_files(result, paths["bids"])
        paths["edf"] = f"{base}_scored.edf"
        files.append((paths["edf"], lambda tmp: write_edf_annotations(result, tmp)))
    if result.detected_arousals is not None:
        paths["arousals"] = f"{base}_arousals.tsv"
        files.append((paths["arousals"], result.detected_arousals.tsv()))
    if getattr(result, "motor", None) is not None:
        paths["rem_epochs"] = f"{base}_rem_epochs.tsv"
        rows = result.rem_epoch_rows()
        extra = [c for c in (rows[0] if rows else {}) if c not in REM_EPOCH_COLUMNS]
        files.append((paths["rem_epochs"], tsv_text(({**r, "reason": r["reason"] or None} for r in rows),
                                                    list(REM_EPOCH_COLUMNS) + extra)))
    files.append((paths["events"], tsv_text(result.event_rows(), EVENT_COLUMNS)))
    files.append((paths["summary"], _json(summary_dict(result))))
    write_together(files)
    return paths


def write_with_report(result, out_dir: str, stem: str, export: bool, report: str | None) -> dict[str, str]:
    """:func:`write_night` after a report already written at ``report`` (or None): when the night's
    files fail, the report is removed too, so nothing of the night is left."""
    try:
        paths = write_night(result, out_dir, stem, export)
    except BaseException:
        if report is not None and os.path.exists(report):
            os.unlink(report)
        raise
    return {**paths, "report": report} if report is not None else paths


def _flat(prefix: str, v, out: dict) -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            _flat(f"{prefix}_{k}", x, out)
    elif isinstance(v, (list, tuple)) and len(v) == 2 and prefix.endswith("_iqr_s"):
        out[f"{prefix}_low"], out[f"{prefix}_high"] = v
    elif isinstance(v, (list, tuple)):
        out[prefix] = ", ".join(map(str, v))
    else:
        out[prefix] = v


def summary_frame(res, name: str | None = None):
    """One row: every index (nested values flattened), the rule set, the sources; index = ``name``
    (default: the recording's file stem)."""
    import pandas as pd
    row: dict = {}
    for k, v in res.indices.items():
        if k != "null_reasons":
            _flat(k, v, row)
    info = res.info
    row["rules"] = info.get("rules", {}).get("name")
    row["leg_movement_source"] = info.get("leg_movement_source")
    row["annotation_source"] = info.get("annotation_source")
    row["recording"] = info.get("recording")
    stem = name or os.path.splitext(os.path.basename(str(info.get("recording") or "night")))[0]
    return pd.DataFrame([row], index=pd.Index([stem], name="night"))
