"""Interoperability with MNE-Python: Raw in, Raw and Annotations out."""
from __future__ import annotations

import datetime as _dt

from typing import Mapping, Sequence

import numpy as np

from .units import VOLTAGE_ROLES


def recording_from_raw(cls, raw, roles: Mapping[str, str] | None):
    from .channels import role_of
    from .checks import bound_events, check_rate, sanitize_samples
    from .channel import Channel

    data = raw.get_data()  # volts for EEG/EMG/EOG/ECG channels
    types = raw.get_channel_types()
    chans = {}
    voltage_types = {"eeg", "emg", "eog", "ecg", "seeg", "misc"}
    source = str(raw.filenames[0]) if raw.filenames and raw.filenames[0] else "<mne.Raw>"
    fs = check_rate(raw.info["sfreq"], raw.ch_names[0] if raw.ch_names else "?", source)
    by_role = dict((v, k) for k, v in (roles or {}).items())
    for i, lab in enumerate(raw.ch_names):
        role = by_role.get(lab) or role_of(lab)
        volts = types[i] in voltage_types and (types[i] != "misc" or role in VOLTAGE_ROLES)
        fac = 1e6 if volts else 1.0
        x, bad = sanitize_samples(data[i] * fac, fs, lab, source)
        chans[lab] = Channel(label=lab, fs=fs, unit="V" if volts else "",
                             unit_factor=fac, _data=x, n_samples=data.shape[1], bad_intervals=bad)
    ann = bound_events([(float(a["onset"]) - raw.first_time, float(a["duration"]), str(a["description"]))
                        for a in raw.annotations], source)
    start = raw.info.get("meas_date")
    rec = cls(channels=chans, start=start, source=source,
              file_type="mne.Raw", annotations=ann, role_overrides=roles)
    return rec


def recording_to_raw(rec, picks: Sequence[str] | None):
    import mne

    picks = list(picks or rec.labels)
    fs = max(rec.channels[p].fs for p in picks)
    n = int(round(rec.duration * fs))
    mne_types = {"leg_left": "emg", "leg_right": "emg", "chin": "emg", "eeg": "eeg", "eog": "eog",
                 "ecg": "ecg", "resp": "resp", "spo2": "bio"}
    data, types = [], []
    for p in picks:
        c = rec.channels[p]
        x = c.data
        if c.fs != fs:
            t_src = np.arange(x.size) / c.fs
            x = np.interp(np.arange(n) / fs, t_src, x)
        x = np.resize(x, n) if x.size != n else x
        data.append(x / (1e6 if c.unit_factor and c.role in VOLTAGE_ROLES else 1.0))
        types.append(mne_types.get(c.role, "misc"))
    info = mne.create_info(picks, fs, types)
    raw = mne.io.RawArray(np.asarray(data), info, verbose=False)
    if rec.start is not None:  # EDF clock time without a zone: MNE's own convention is to call it UTC
        start = rec.start if rec.start.tzinfo else rec.start.replace(tzinfo=_dt.timezone.utc)
        raw.set_meas_date(start.astimezone(_dt.timezone.utc))
    if rec.annotations:
        on, du, de = zip(*rec.annotations)
        raw.set_annotations(mne.Annotations(on, du, de, orig_time=raw.info["meas_date"]))
    return raw
