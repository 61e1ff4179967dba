"""Write EDF+C / EDF+D / BDF+ files (used by the simulator and by annotation export)."""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass
class SignalSpec:
    """One signal to write: samples in ``unit`` (converted from µV by the writer when unit is V/mV)."""

    label: str
    data: np.ndarray
    fs: float
    unit: str = "uV"
    phys_min: float | None = None
    phys_max: float | None = None
    transducer: str = ""
    prefilter: str = ""


def from_uv(x, unit: str):
    """µV -> ``unit`` (V, mV; anything else is taken as µV)."""
    return x * {"v": 1e-6, "mv": 1e-3}.get(unit.lower(), 1.0)


def _fmt(x: float, width: int) -> str:
    s = f"{x:.{width}g}"
    if len(s) > width:
        for p in range(width, 0, -1):
            s = f"{x:.{p}g}"
            if len(s) <= width and "e" not in s:
                break
    return s


def _onset_text(t: float) -> str:
    s = f"{t:+.7f}".rstrip("0").rstrip(".")
    return s if s not in ("+", "-") else "+0"


def _tal(onset: float, duration: float, text: str) -> bytes:
    d = f"\x15{duration:.7f}".rstrip("0").rstrip(".") if duration > 0 else ""
    return f"{_onset_text(onset)}{d}\x14{text}\x14\x00".encode("utf-8")


def write_edf(path: str | os.PathLike, signals: Sequence[SignalSpec], start: _dt.datetime | None = None,
              annotations: Sequence[tuple[float, float, str]] = (), record_duration: float = 1.0,
              bdf: bool = False, record_onsets: Sequence[float] | None = None,
              patient: str = "X X X X", recording: str | None = None, n_records: int | None = None) -> None:
    """Write an EDF+ (or BDF+) file, atomically (temporary name, then rename).

    ``record_onsets`` (seconds, one per record) makes an EDF+D file with gaps; signals then hold
    only the recorded samples. Physical ranges default to the symmetric data range.
    """
    start = start or _dt.datetime(2000, 1, 1, 22, 0, 0)
    n_rec = None
    spr = []
    for s in signals:
        k = s.fs * record_duration
        if abs(k - round(k)) > 1e-9:
            raise ValueError(f"{s.label}: {s.fs} Hz does not give a whole number of samples per "
                             f"{record_duration} s record")
        spr.append(int(round(k)))
        nr = math.ceil(len(s.data) / spr[-1])
        n_rec = nr if n_rec is None else max(n_rec, nr)
    n_rec = n_rec or n_records or 0
    if record_onsets is not None:
        onsets = np.asarray(record_onsets, dtype=np.float64)
        n_rec = len(onsets)
    else:
        onsets = np.arange(n_rec) * record_duration
    sb = 3 if bdf else 2
    dmin, dmax = (-(1 << 23), (1 << 23) - 1) if bdf else (-32768, 32767)
    # annotations: time-keeping TAL in every record, user TALs packed in order
    tals = [_tal(o, d, t) for o, d, t in sorted(annotations, key=lambda a: a[0])]
    keep = [_tal(o, 0, "") for o in onsets]
    per = math.ceil(len(tals) / max(n_rec, 1)) if tals else 0
    need = max((len(keep[i]) + sum(len(t) for t in tals[i * per:(i + 1) * per]) for i in range(n_rec)),
               default=16)
    ann_spr = math.ceil((need + 2) / sb)
    labels = [s.label for s in signals] + ["BDF Annotations" if bdf else "EDF Annotations"]
    all_spr = spr + [ann_spr]
    ns = len(labels)
    pmins, pmaxs, units, digital = [], [], [], []
    for s, k in zip(signals, spr):
        x = from_uv(np.asarray(s.data, dtype=np.float64), s.unit)
        lim = float(np.max(np.abs(x))) if x.size else 1.0
        lo = s.phys_min if s.phys_min is not None else -lim * 1.05 - 1e-12
        hi = s.phys_max if s.phys_max is not None else lim * 1.05 + 1e-12
        lo, hi = float(_fmt(lo, 8)), float(_fmt(hi, 8))
        if hi <= lo:
            hi = lo + 1
        d = np.rint((x - lo) / (hi - lo) * (dmax - dmin) + dmin)
        d = np.clip(d, dmin, dmax).astype(np.int32)
        pad = n_rec * k - d.size
        if pad > 0:
            d = np.concatenate([d, np.full(pad, d[-1] if d.size else 0, np.int32)])
        digital.append(d.reshape(n_rec, k))
        pmins.append(lo)
        pmaxs.append(hi)
        units.append(s.unit)
    ftype = ("BDF+" if bdf else "EDF+") + ("D" if record_onsets is not None else "C")
    rec_field = recording or f"Startdate {start.strftime('%d-%b-%Y').upper()} X X jerkdetect"
    hdr = bytearray()
    hdr += (b"\xffBIOSEMI" if bdf else b"0".ljust(8))
    hdr += patient.ljust(80)[:80].encode("ascii")
    hdr += rec_field.ljust(80)[:80].encode("ascii")
    hdr += start.strftime("%d.%m.%y").encode() + start.strftime("%H.%M.%S").encode()
    hdr += str(256 * (ns + 1)).ljust(8).encode()
    hdr += ftype.ljust(44)[:44].encode()  # BDF+: the reserved field starts with "BDF+C"
    hdr += str(n_rec).ljust(8).encode() + _fmt(record_duration, 8).ljust(8).encode() + str(ns).ljust(4).encode()
    sigs = list(signals)

    def field(vals, w):
        return b"".join(str(v).ljust(w)[:w].encode("ascii") for v in vals)
    hdr += field(labels, 16)
    hdr += field([s.transducer for s in sigs] + [""], 80)
    hdr += field(units + [""], 8)
    hdr += field([_fmt(v, 8) for v in pmins] + ["-1"], 8)
    hdr += field([_fmt(v, 8) for v in pmaxs] + ["1"], 8)
    hdr += field([dmin] * (ns - 1) + [dmin], 8)
    hdr += field([dmax] * (ns - 1) + [dmax], 8)
    hdr += field([s.prefilter for s in sigs] + [""], 80)
    hdr += field(all_spr, 8)
    hdr += field([""] * ns, 32)
    # records
    ann_bytes = np.zeros((n_rec, ann_spr * sb), dtype=np.uint8)
    for i in range(n_rec):
        blob = keep[i] + b"".join(tals[i * per:(i + 1) * per])
        ann_bytes[i, :len(blob)] = np.frombuffer(blob, dtype=np.uint8)
    parts = []
    for d in digital:
        if bdf:
            v = d.astype(np.int32) & 0xFFFFFF
            b = np.stack([(v & 0xFF), (v >> 8) & 0xFF, (v >> 16) & 0xFF], axis=-1).astype(np.uint8)
            parts.append(b.reshape(n_rec, -1))
        else:
            parts.append(d.astype("<i2").view(np.uint8).reshape(n_rec, -1))
    parts.append(ann_bytes)
    body = np.concatenate(parts, axis=1) if n_rec else np.zeros((0, 0), np.uint8)
    from ..core.atomic import atomic_open
    with atomic_open(os.fspath(path), "wb") as f:
        f.write(bytes(hdr))
        f.write(np.ascontiguousarray(body).data)
