"""Interoperability with MNE-Python: Raw in, Raw and Annotations out."""
from __future__ import annotations

import datetime as _dt

from typing import Mapping, Sequence

import numpy as np

from .units import VOLTAGE_ROLES


def recording_from_raw(cls, raw, roles: Mapping[str, str] | None):
    from .channels import role_of
    from .recording import Channel

    data = raw.get_data()  # volts for EEG/EMG/EOG/ECG channels
    types = raw.get_channel_types()
    chans = {}
    voltage_types = {"eeg", "emg", "eog", "ecg", "seeg", "misc"}
    for i, lab in enumerate(raw.ch_names):
        role = (roles or {}).get(lab) or role_of(lab)
        volts = types[i] in voltage_types and (types[i] != "misc" or role in VOLTAGE_ROLES)
        fac = 1e6 if volts else 1.0
        chans[lab] = Channel(label=lab, fs=float(raw.info["sfreq"]), unit="V" if volts else "",
                             unit_factor=fac, _data=data[i] * fac, n_samples=data.shape[1])
    ann = [(float(a["onset"]) - raw.first_time, float(a["duration"]), str(a["description"]))
           for a in raw.annotations]
    start = raw.info.get("meas_date")
    rec = cls(channels=chans, start=start, source=str(raw.filenames[0]) if raw.filenames and raw.filenames[0] else "<mne.Raw>",
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
