"""Raw EMG around one event, read on demand (scoring keeps no signal, so views cost nothing until asked)."""
from __future__ import annotations

import os

import numpy as np

EMG_ROLES = ("leg_left", "leg_right", "chin")


def source_recording(result):
    """The recording a result was scored from: the object itself, or the file re-read (lazily).

    Returns None when there is no EMG to show (annotation-only scoring, or the file is gone).
    """
    rec = getattr(result, "_source_recording", None)
    if rec is not None:
        return rec if rec.channels else None
    from ..pipeline.annotations_only import has_signals
    path = result.info.get("recording")
    if not path or not os.path.isfile(path) or not has_signals(path):
        return None
    from ..io.edf import read_psg
    rec = read_psg(path, annotations=False)
    result._source_recording = rec
    return rec


def channel_window(rec, label: str, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """(times in s from the recording start, values in µV) of one channel between t0 and t1.

    Reads only the data records that cover the window (EDF+D gaps honoured).
    """
    ch = rec.channels[label]
    dig = ch.digital
    if dig is None or dig.ndim != 2:
        i0, i1 = max(int(np.floor(t0 * ch.fs)), 0), min(int(np.ceil(t1 * ch.fs)) + 1, ch.n_samples)
        idx = np.arange(i0, max(i1, i0))
        return rec.index_to_time(label, idx), np.asarray(ch.data[i0:i1], dtype=np.float64)
    n_rec, spr = dig.shape
    rd = rec.record_duration or spr / ch.fs
    onsets = rec.record_onsets if rec.record_onsets is not None else np.arange(n_rec) * rd
    r0 = max(int(np.searchsorted(onsets, t0, side="right")) - 1, 0)
    r1 = min(int(np.searchsorted(onsets, t1, side="left")) + 1, n_rec)
    block = np.asarray(dig[r0:r1], dtype=np.float64)
    t = (onsets[r0:r1, None] + np.arange(spr)[None, :] / ch.fs).reshape(-1)
    v = block.reshape(-1) * ch.gain + ch.offset
    keep = (t >= t0) & (t <= t1)
    return t[keep], v[keep]


def band_passed(result, role: str, fs: float, x: np.ndarray) -> np.ndarray:
    """The detector's own EMG filter (band-pass, and the notch it chose for this channel)."""
    from ..preprocessing import design_emg_filter, sos_filter
    band = tuple(result.info.get("detection", {}).get("band", (10.0, 100.0)))
    mains = result.info.get("mains_hz", {}).get(role)
    sos = design_emg_filter(fs, band, mains, result.info.get("detection", {}).get("notch_q", 5.0))
    if x.size == 0:
        return x
    y, _ = sos_filter(np.ascontiguousarray(x - x[0]), sos)
    return y.astype(np.float64)


def event_signals(result, onset: float, offset: float, pad: float = 10.0, filtered: bool = False) -> dict:
    """role -> (label, times, µV) of the legs and chin from ``pad`` s before to after an event.

    Raw µV with each trace's median removed (the recorded signal, centred); with ``filtered`` the
    detector's band-pass instead (2 s of lead-in are read and dropped so the filter has settled).
    Empty when the result has no recording to read.
    """
    rec = source_recording(result)
    if rec is None:
        return {}
    band = (lambda role, fs, v: band_passed(result, role, fs, v)) if filtered else None
    return emg_signals(rec, result.info.get("channels", {}), onset - pad, offset + pad, band)


def emg_signals(rec, labels: dict, t0: float, t1: float, band=None) -> dict:
    """role -> (label, times, µV) of the legs and chin of ``rec`` between ``t0`` and ``t1`` s.

    ``labels`` (role -> channel label, e.g. a result's ``info["channels"]``) says which channel
    plays each role; a role it lacks takes the recording's own. Raw µV with each trace's median
    removed, or ``band(role, fs, values)`` applied after 2 s of lead-in that are then dropped.
    """
    out = {}
    lead = 2.0 if band is not None else 0.0
    t0 = max(t0, 0.0)
    for role in EMG_ROLES:
        lab = (labels or {}).get(role)
        if lab is None and rec.has_role(role):
            lab = rec.roles[role][0]
        if lab is None or lab not in rec.channels:
            continue
        t, v = channel_window(rec, lab, max(t0 - lead, 0.0), t1)
        if band is not None:
            v = band(role, rec.channels[lab].fs, v)
        elif v.size:
            v = v - np.median(v)
        keep = t >= t0
        out[role] = (lab, t[keep], v[keep])
    return out
