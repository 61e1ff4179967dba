"""Exports for the ecosystem: BIDS-style events with a JSON sidecar, EDF+ annotation files."""
from __future__ import annotations

import json

from .._atomic import atomic_write_text
from .results import EVENT_COLUMNS, _fmt

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
                                                  "(AASM arousal rule), not scored by a person"}},
    "side": {"Description": "left, right or bilateral leg movement; for a hypnic jerk the muscles involved; "
                            "for a detected arousal the EEG channels that showed it"},
    "stage": {"Description": "Sleep stage at onset (W, N1, N2, N3, R, unscored)."},
    "arousal": {"Description": "Associated with an arousal (< 0.5 s apart, either order)."},
    "respiratory": {"Description": "Respiratory-related under the chosen rule set."},
    "series": {"Description": "PLM series identifier, n/a when not in a series."},
    "imi": {"Description": "Inter-movement interval from the previous candidate LM (onset to onset).",
            "Units": "s"},
    "peak_uv": {"Description": "Largest deflection of the band-passed EMG trace during the event (a clipped burst shows the rail).", "Units": "uV"},
}


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


def write_bids_events(result, path: str) -> tuple[str, str]:
    """Write a BIDS ``*_events.tsv`` (``trial_type`` column) and its JSON sidecar, atomically."""
    cols = ["onset", "duration", "trial_type"] + [c for c in EVENT_COLUMNS if c not in ("onset", "duration", "label")]
    lines = ["\t".join(cols)]
    for r in export_rows(result):
        r = {**r, "trial_type": r["label"]}
        lines.append("\t".join(_fmt(r[c]) for c in cols))
    atomic_write_text(path, "\n".join(lines) + "\n")
    side = path[:-4] + ".json" if path.endswith(".tsv") else path + ".json"
    meta = {**BIDS_SIDECAR, "GeneratedBy": [{"Name": "jerkdetect",
                                            "Version": result.info.get("jerkdetect_version"),
                                            "RuleSet": result.info.get("rules", {}).get("name")}],
            "HypnogramSource": result.info.get("hypnogram_source")}
    atomic_write_text(side, json.dumps(meta, indent=2) + "\n")
    return path, side


def write_edf_annotations(result, path: str, start=None) -> str:
    """Write the scored events as an annotation-only EDF+ file (opens in EDFbrowser, MNE, pyedflib).

    ``start`` (datetime) should be the recording's start so viewers line the events up.
    """
    import datetime as _dt

    from ..io.edf_write import write_edf
    rows = export_rows(result)
    ann = [(r["onset"], r["duration"], f"{r['label']} {r['side']}") for r in rows]
    if start is None and result.info.get("recording_start"):
        start = _dt.datetime.fromisoformat(result.info["recording_start"])
    dur = result.info.get("duration_s") or (max((o + d for o, d, _ in ann), default=1.0))
    n_rec = max(1, int(-(-dur // 1)))
    write_edf(path, [], start, ann, record_duration=1.0, record_onsets=None, n_records=n_rec)
    return path
