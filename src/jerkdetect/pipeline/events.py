"""The events table of one night: its columns, its labels and one row per scored event."""
from __future__ import annotations

import numpy as np

from ..core.hypnogram import STAGE_NAMES
from ..core.names import check_names
from ..rules.base import LegMovements

EVENT_COLUMNS = ("onset", "duration", "label", "side", "stage", "arousal", "respiratory", "series",
                 "imi", "peak_uv", "channel", "n_bursts", "frequency_hz")
# What each label selects among the event rows. An "LM" is a candidate leg movement under the
# rule set (AASM 2012: every LM of 0.5-10 s; WASM 2016: a CLM), periodic or not: the rows
# labelled 'lm' and 'plm'. Non-candidate long movements ('lm_long', WASM) are counted apart.
LABEL_ROWS = {"lm": ("lm", "plm"), "plm": ("plm",), "lm_long": ("lm_long",), "hypnic_jerk": ("hypnic_jerk",),
              "fragmentary_myoclonus": ("fragmentary_myoclonus",), "alma": ("alma",), "hft": ("hft",)}


def label_rows(label: str) -> tuple[str, ...]:
    """Row labels selected by ``label`` (case-insensitive); an unknown label raises, closest first.

    Examples
    --------
    >>> label_rows("LM")
    ('lm', 'plm')
    """
    key = str(label).strip().lower()
    check_names([key], LABEL_ROWS, "event label")
    return LABEL_ROWS[key]


def annotation_text(row: dict) -> str:
    """How an event row is spelt as an annotation (``mne.Annotations`` and the EDF+ export alike):
    label and side, e.g. ``plm bilateral``, ``hypnic_jerk chin+left``, ``arousal_detected EEG C4-M1``.

    Examples
    --------
    >>> annotation_text({"label": "plm", "side": "bilateral"})
    'plm bilateral'
    """
    return f"{row['label']} {row['side']}"


def event_rows(lm: LegMovements, lm_stage: np.ndarray, jerks: dict, jerk_stage: np.ndarray) -> list[dict]:
    """Leg movements and hypnic jerks as plain dicts (the columns of ``EVENT_COLUMNS``), sorted by onset."""
    rows = []
    for i in range(len(lm)):
        label = "plm" if lm.plm[i] else "lm" if lm.candidate[i] else "lm_long"
        rows.append(dict(onset=float(lm.onset[i]), duration=float(lm.duration[i]), label=label,
                         side=lm.side_names[i], stage=STAGE_NAMES[int(lm_stage[i])],
                         arousal=bool(lm.arousal[i]), respiratory=bool(lm.respiratory[i]),
                         series=int(lm.series[i]) if lm.series[i] >= 0 else None,
                         imi=float(lm.imi[i]), peak_uv=float(lm.peak_uv[i])))
    j = jerks
    for i in range(len(j["onset"])):
        rows.append(dict(onset=float(j["onset"][i]), duration=float(j["offset"][i] - j["onset"][i]),
                         label="hypnic_jerk", side=j["muscles"][i],
                         stage=STAGE_NAMES[int(jerk_stage[i])], arousal=bool(j["arousal"][i]),
                         respiratory=False, series=None, imi=float("nan"), peak_uv=float(j["peak_uv"][i])))
    rows.sort(key=lambda r: (r["onset"], r["label"]))
    return rows


def motor_event_rows(motor, labels: dict[str, str]) -> list[dict]:
    """Fragmentary-myoclonus potentials (one row each: ``side`` the muscle, ``channel`` its label,
    ``peak_uv`` the largest deflection) and ALMA and HFT episodes (``side`` the legs, ``n_bursts``,
    ``frequency_hz``) of a :class:`~jerkdetect.rules.motor_events.MotorEvents`; ``labels`` maps
    muscle ('left', 'chin', 'arm_left'...) to the channel label."""
    if motor is None:
        return []
    rows = []
    blank = dict.fromkeys(EVENT_COLUMNS)
    for r in motor.event_rows():
        st = r.get("stage")
        row = dict(blank, onset=r["onset"], duration=r["duration"], label=r["label"],
                   stage=STAGE_NAMES[int(st)] if st is not None else None)
        if r["label"] == "fragmentary_myoclonus":
            row.update(side=r["channel"], channel=labels.get(r["channel"], r["channel"]), peak_uv=r["peak_uv"])
        else:
            legs = ("left", "right") if r["channel"] == "both" else (r["channel"],)
            row.update(side=r["channel"], channel="+".join(labels.get(m, m) for m in legs), n_bursts=r["n_bursts"],
                       frequency_hz=r["frequency_hz"])
        rows.append(row)
    return rows
