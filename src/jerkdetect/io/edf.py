"""EDF / EDF+ (continuous and discontinuous) / BDF / BDF+ reading.

The header is parsed here for the byte layout, the samples are read straight from the data
records through a memory map (only the channels asked for are touched, each at its own rate),
and annotations come from pyedflib (jerkdetect's own TAL parser, tested against pyedflib, when
pyedflib refuses a file, e.g. EDF+D). When the header parser rejects a file that MNE can open,
reading falls back to MNE with a warning.
"""
from __future__ import annotations

import datetime as _dt
import mmap
import os
import re
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .._logging import logger
from ..errors import RecordingError
from .recording import Channel, Recording
from .units import VOLTAGE_ROLES, infer_factor, unit_factor
from .channels import role_of

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}


@dataclass
class EdfHeader:
    path: str
    bdf: bool
    file_type: str  # EDF, EDF+C, EDF+D, BDF, BDF+C, BDF+D
    start: _dt.datetime | None
    header_bytes: int
    n_records: int
    record_duration: float
    labels: list[str]
    units: list[str]
    transducers: list[str]
    prefilters: list[str]
    phys_min: np.ndarray
    phys_max: np.ndarray
    dig_min: np.ndarray
    dig_max: np.ndarray
    spr: np.ndarray  # samples per record, per signal
    declared_records: int = -1

    @property
    def sample_bytes(self) -> int:
        return 3 if self.bdf else 2

    @property
    def record_bytes(self) -> int:
        return int(self.spr.sum()) * self.sample_bytes

    def signal_span(self, i: int) -> tuple[int, int]:
        """(first byte, byte count) of signal i inside each data record."""
        return int(self.spr[:i].sum()) * self.sample_bytes, int(self.spr[i]) * self.sample_bytes

    @property
    def annotation_indices(self) -> list[int]:
        return [i for i, lab in enumerate(self.labels)
                if lab.strip() in ("EDF Annotations", "BDF Annotations")]


def _field(raw: bytes, name: str, path: str) -> str:
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()


def _num(text: str, name: str, path: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RecordingError(f"{path}: header field '{name}' is '{text}', not a number; "
                             "the file is not a valid EDF/BDF.") from None


def _parse_start(date: str, time: str, recording_field: str, path: str) -> _dt.datetime | None:
    try:
        dd, mm, yy = (int(x) for x in date.split("."))
        hh, mi, ss = (int(x) for x in time.replace(":", ".").split("."))
        year = 1900 + yy if yy >= 85 else 2000 + yy
        m = re.search(r"Startdate (\d{2})-([A-Z]{3})-(\d{4})", recording_field)
        if m and m.group(2) in _MONTHS:
            year = int(m.group(3))
        return _dt.datetime(year, mm, dd, hh, mi, ss)
    except (ValueError, TypeError):
        warnings.warn(f"{path}: header start date/time '{date} {time}' is invalid; start time unknown.",
                      UserWarning, stacklevel=4)
        return None


def parse_header(path: str) -> EdfHeader:
    """Parse the fixed and per-signal EDF/BDF header; raise RecordingError on anything malformed."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            fixed = f.read(256)
            if len(fixed) < 256:
                raise RecordingError(f"{path}: file is {len(fixed)} bytes long, too short for an EDF/BDF header.")
            bdf = fixed[:1] == b"\xff" and fixed[1:8] == b"BIOSEMI"
            if not bdf and fixed[:8].strip() != b"0":
                raise RecordingError(f"{path}: not an EDF or BDF file (version field is {fixed[:8]!r}).")
            ns = int(_num(_field(fixed[252:256], "ns", path), "number of signals", path))
            hdr_bytes = int(_num(_field(fixed[184:192], "", path), "header bytes", path))
            sig = f.read(256 * ns)
            if len(sig) < 256 * ns:
                raise RecordingError(f"{path}: header declares {ns} signals but the file ends inside the header.")
    except OSError as e:
        raise RecordingError(f"{path}: cannot be opened ({e.strerror}).") from None
    reserved = _field(fixed[192:236], "reserved", path)
    kind = "BDF" if bdf else "EDF"
    file_type = kind + ("+D" if "+D" in reserved else "+C" if "+C" in reserved else "")

    def col(offset: int, width: int) -> list[str]:
        base = offset * ns
        return [_field(sig[base + i * width: base + (i + 1) * width], "", path) for i in range(ns)]

    labels = col(0, 16)
    transducers = col(16, 80)
    units = col(96, 8)
    pmin = np.array([_num(x, "physical minimum", path) for x in col(104, 8)])
    pmax = np.array([_num(x, "physical maximum", path) for x in col(112, 8)])
    dmin = np.array([_num(x, "digital minimum", path) for x in col(120, 8)], dtype=np.int64)
    dmax = np.array([_num(x, "digital maximum", path) for x in col(128, 8)], dtype=np.int64)
    prefilters = col(136, 80)
    spr = np.array([_num(x, "samples per record", path) for x in col(216, 8)], dtype=np.int64)
    n_rec = int(_num(_field(fixed[236:244], "", path), "number of data records", path))
    dur = _num(_field(fixed[244:252], "", path), "data record duration", path)
    start = _parse_start(_field(fixed[168:176], "", path), _field(fixed[176:184], "", path),
                         _field(fixed[88:168], "", path), path)
    h = EdfHeader(path, bdf, file_type, start, hdr_bytes, n_rec, dur, labels, units, transducers,
                  prefilters, pmin, pmax, dmin, dmax, spr, declared_records=n_rec)
    if hdr_bytes != 256 * (ns + 1):
        raise RecordingError(f"{path}: header says it is {hdr_bytes} bytes but {ns} signals need "
                             f"{256 * (ns + 1)}; the header is corrupt.")
    complete = (size - hdr_bytes) // h.record_bytes if h.record_bytes else 0
    if n_rec == -1:
        h.n_records = complete
    elif n_rec == 0:
        raise RecordingError(f"{path}: the header declares 0 data records, so the file holds no signal to score.")
    elif complete < n_rec:
        raise RecordingError(
            f"{path}: file is truncated: the header declares {n_rec} data records of {dur:g} s "
            f"({n_rec * dur / 3600:.2f} h) but only {complete} complete records "
            f"({complete * dur / 3600:.2f} h) are present.")
    bad = [labels[i] for i in range(ns) if dmax[i] <= dmin[i] and i not in h.annotation_indices]
    if bad:
        raise RecordingError(f"{path}: channel '{bad[0]}' has digital maximum <= digital minimum; the header is corrupt.")
    return h


class RecordMap:
    """The data records memory-mapped as an (n_records, record_bytes) uint8 array.

    ``release(r0, r1)`` drops the mapped pages of records r0..r1 from this process (the kernel's
    page cache keeps them), so a channel streamed chunk by chunk never holds the whole file in
    its resident memory: EDF records interleave all channels, so reading one channel touches
    nearly every page of the file.
    """

    def __init__(self, h: EdfHeader):
        self.offset, self.record_bytes = h.header_bytes, h.record_bytes
        with open(h.path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.array = np.frombuffer(self._mm, dtype=np.uint8, count=h.n_records * h.record_bytes,
                                   offset=h.header_bytes).reshape(h.n_records, h.record_bytes)

    def release(self, r0: int, r1: int) -> None:
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        start = self.offset + r0 * self.record_bytes
        end = self.offset + r1 * self.record_bytes
        a = start // mmap.PAGESIZE * mmap.PAGESIZE
        if end > a:
            self._mm.madvise(mmap.MADV_DONTNEED, a, end - a)


def _decode(h: EdfHeader, block: np.ndarray, start: int, n: int) -> np.ndarray:
    """Channel samples from a (records x bytes) block: an int16 view (EDF) or decoded int32 (BDF)."""
    if not h.bdf:
        return block.view("<i2")[:, start // 2: start // 2 + n]
    b = block[:, start: start + 3 * n].reshape(block.shape[0], n, 3).astype(np.int32)
    v = b[..., 0] | (b[..., 1] << 8) | (b[..., 2] << 16)
    return np.where(v >= 1 << 23, v - (1 << 24), v)


def _digital_reader(h: EdfHeader, i: int):
    """Callables giving channel i's digital samples: all at once (n_records x spr), or in chunks."""
    start = h.signal_span(i)[0]
    n = int(h.spr[i])

    def read() -> np.ndarray:
        return _decode(h, RecordMap(h).array, start, n)

    def chunks(records: int):
        rm = RecordMap(h)
        for r0 in range(0, h.n_records, records):
            r1 = min(r0 + records, h.n_records)
            yield _decode(h, rm.array[r0:r1], start, n)
            rm.release(r0, r1)
    return read, chunks


def _record_onsets(h: EdfHeader) -> tuple[np.ndarray | None, float]:
    """First-TAL onset of every record (EDF+ time-keeping) and the sub-second start offset.

    Only EDF+D needs every record's onset; for EDF+C the first record gives the start offset and
    the others follow at record-duration steps.
    """
    ann = h.annotation_indices
    if not ann or h.n_records == 0:
        return None, 0.0
    start, nbytes = h.signal_span(ann[0])
    n = h.n_records if h.file_type.endswith("+D") else 1
    block = np.asarray(RecordMap(h).array[:n, start:start + nbytes])
    onsets = np.empty(n)
    for r in range(n):
        row = block[r].tobytes()
        end = row.find(b"\x14")
        try:
            onsets[r] = float(row[:end].decode("ascii").strip("\x00"))
        except ValueError:
            raise RecordingError(f"{h.path}: data record {r} has no valid EDF+ time-keeping annotation.") from None
    if n < h.n_records:
        onsets = onsets[0] + np.arange(h.n_records) * h.record_duration
    return onsets, float(onsets[0])


def parse_tals(h: EdfHeader, sub: float) -> list[tuple[float, float, str]]:
    """All EDF+ annotations from the TALs of every record (the time-keeping TALs left out).

    Onsets are returned relative to the first sample (the sub-second start ``sub`` removed), as
    pyedflib and MNE report them. Used when pyedflib refuses a file (EDF+D).
    """
    out = []
    rm = RecordMap(h)
    for i in h.annotation_indices:
        start, nbytes = h.signal_span(i)
        for r0 in range(0, h.n_records, 4096):
            block = rm.array[r0:r0 + 4096, start:start + nbytes]
            for row in block:
                for k, tal in enumerate(row.tobytes().split(b"\x00")):
                    if not tal:
                        continue
                    parts = tal.split(b"\x14")
                    head = parts[0].decode("ascii", "replace")
                    onset, _, dur = head.partition("\x15")
                    texts = [t.decode("utf-8", "replace") for t in parts[1:] if t]
                    if k == 0 and not texts:
                        continue  # the record's time-keeping TAL
                    try:
                        o = float(onset) - sub
                        d = float(dur) if dur else 0.0
                    except ValueError:
                        continue
                    out += [(o, d, t) for t in texts]
    return sorted(out, key=lambda a: a[0])


def _pyedflib_annotations(path: str) -> tuple[list[tuple[float, float, str]], bool]:
    """Annotations via pyedflib: (list, True) or ([], False) when pyedflib refuses the file."""
    import pyedflib
    try:
        r = pyedflib.EdfReader(path)
    except OSError as e:
        msg = str(e).split(": ", 1)[-1]
        warnings.warn(f"{path}: pyedflib refused the file ({msg}); annotations are read by jerkdetect's "
                      "own EDF+ parser instead.", UserWarning, stacklevel=3)
        return [], False
    try:
        on, du, de = r.readAnnotations()
    finally:
        r.close()
    return [(float(o), float(d) if d >= 0 else 0.0, str(s)) for o, d, s in zip(on, du, de)], True


def read_annotations_edf(path: str) -> list[tuple[float, float, str]]:
    """All EDF+/BDF+ annotations as (onset s from the first sample, duration s, text)."""
    h = parse_header(path)
    return _annotations(h, _record_onsets(h)[1])


def _annotations(h: EdfHeader, sub: float) -> list[tuple[float, float, str]]:
    # pyedflib reports onsets relative to the first sample (sub-second start removed)
    ann, ok = _pyedflib_annotations(h.path)
    return ann if ok else parse_tals(h, sub)


def read_psg(path: str | os.PathLike, channels: Sequence[str] | None = None,
             roles: Mapping[str, str] | None = None, annotations: bool = True,
             verbose: bool | str | None = None) -> Recording:
    """Read an EDF, EDF+C, EDF+D, BDF or BDF+ recording.

    Parameters
    ----------
    path : path-like
        The recording.
    channels : list of str, optional
        Labels or roles (``"leg_left"``, ``"chin"``...) to keep; default all signals. Samples are
        read lazily, so only channels whose ``data`` is used are ever read from disk.
    roles : dict role -> label, optional
        Explicit channel roles that override the label patterns.
    annotations : bool
        Read the EDF+ annotations (via pyedflib).

    Returns
    -------
    Recording
        Channels keep their own sampling rates and are in µV.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> rec = jd.read_psg(jd.sample_path())
    >>> rec.channel("leg_left").fs
    200.0
    """
    from .._logging import set_log_level
    set_log_level(verbose)
    path = os.fspath(path)
    try:
        h = parse_header(path)
    except RecordingError as err:
        if "0 data records" in str(err) or "truncated" in str(err) or "not an EDF" in str(err):
            raise
        return _read_with_mne(path, channels, roles, err)
    onsets, sub = _record_onsets(h)
    start = h.start + _dt.timedelta(seconds=sub) if h.start is not None else None
    rec_onsets = None if onsets is None else onsets - sub
    ann: list = []
    if annotations and h.annotation_indices:
        ann = _annotations(h, sub)
    chans: dict[str, Channel] = {}
    for i, lab in enumerate(h.labels):
        if i in h.annotation_indices:
            continue
        read_all, read_chunks = _digital_reader(h, i)
        fs = h.spr[i] / h.record_duration if h.record_duration > 0 else float(h.spr[i])
        role = (dict((v, k) for k, v in (roles or {}).items())).get(lab) or role_of(lab)
        fac = unit_factor(h.units[i])
        if fac is None:
            fac = infer_factor(lab, h.units[i], h.phys_min[i], h.phys_max[i], path) \
                if role in VOLTAGE_ROLES else 1.0
        chans[lab] = Channel(label=lab, fs=float(fs), unit=h.units[i], unit_factor=fac,
                             phys_min=float(h.phys_min[i]), phys_max=float(h.phys_max[i]),
                             dig_min=int(h.dig_min[i]), dig_max=int(h.dig_max[i]),
                             transducer=h.transducers[i], prefilter=h.prefilters[i],
                             _digital=read_all, _chunks=read_chunks,
                             n_samples=int(h.spr[i] * h.n_records))
    if len(set(h.labels)) != len(h.labels):
        logger.warning("%s: duplicate channel labels; later ones shadow earlier ones", path)
    chans = _select(chans, channels, roles, path)
    rec = Recording(channels=chans, start=start, source=path, file_type=h.file_type,
                    record_duration=h.record_duration,
                    record_onsets=rec_onsets if h.file_type.endswith("+D") else None,
                    annotations=ann, role_overrides=roles)
    logger.info("read %s: %s, %d channels, %.1f s", path, h.file_type, len(chans), rec.duration)
    return rec


def _select(chans: dict, wanted: Sequence[str] | None, roles, path: str) -> dict:
    if wanted is None:
        return chans
    from .channels import assign_roles, require_role
    r = assign_roles(chans.keys(), roles)
    keep = []
    for w in wanted:
        keep.append(w if w in chans else require_role(r, w, chans.keys(), path))
    return {k: chans[k] for k in chans if k in keep}


def _read_with_mne(path: str, channels, roles, err: Exception) -> Recording:
    """Fallback for files our header parser rejects but MNE accepts (warns, resamples to one rate)."""
    import mne
    warnings.warn(f"{path}: {err} Falling back to MNE's reader, which resamples every channel to "
                  "the highest rate.", UserWarning, stacklevel=3)
    try:
        raw = mne.io.read_raw_edf(path, preload=False, verbose="error") if not path.lower().endswith(".bdf") \
            else mne.io.read_raw_bdf(path, preload=False, verbose="error")
    except Exception as e:  # noqa: BLE001 - MNE raises many types
        reason = str(err).split(": ", 1)[-1].rstrip(".")
        raise RecordingError(f"{path}: cannot be read: {reason}; MNE's reader fails on it too "
                             f"({str(e) or type(e).__name__}).") from None
    if raw.n_times == 0:
        raise RecordingError(f"{path}: the file holds no data records, so there is no signal to score.")
    rec = Recording.from_mne(raw, roles)
    rec.source, rec.file_type = path, "EDF (via MNE)"
    rec.channels = _select(rec.channels, channels, roles, path)
    return rec
