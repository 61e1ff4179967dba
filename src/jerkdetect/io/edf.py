"""EDF / EDF+ (continuous and discontinuous) / BDF / BDF+ reading.

The header is parsed here for the byte layout, the samples are read straight from the data
records through a memory map (only the channels asked for are touched, each at its own rate),
and annotations come from pyedflib (jerkdetect's own TAL parser, tested against pyedflib, when
pyedflib refuses a file, e.g. EDF+D). Every header field is validated (:mod:`.edf_checks`): a
malformed header is refused with one sentence naming the field, the channel and the value; no
other reader is tried, since a reader that trusts a corrupt field (MNE trusts the header size)
gives plausible but wrong samples.
"""
from __future__ import annotations

import datetime as _dt
import mmap
import os
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping, Sequence

import numpy as np

from ..core.log import logger
from ..errors import RecordingError
from .recording import Channel, Recording
from .units import VOLTAGE_ROLES, infer_factor, unit_factor
from .channels import resolve_overrides, role_of
from ..core.limits import MAX_RECORDING_S
from .edf_checks import (MAX_PHYSICAL, MAX_SIGNALS, HeaderError, check_layout,
                         check_ranges, check_record_onsets, float_field, int_field)

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

    @cached_property
    def record_bytes(self) -> int:  # asked for on every read: summed once
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


def _looks_like_scoring(head: bytes) -> bool:
    """XML (NSRR, Profusion) or a text event table where an EDF header should be."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return True
    first = text.split(b"\n", 1)[0].lower()
    return first.startswith((b"onset", b"stage", b"epoch")) and (b"\t" in first or b"," in first or b";" in first)


def parse_header(path: str) -> EdfHeader:
    """Parse the fixed and per-signal EDF/BDF header; raise RecordingError on anything malformed.

    Every numeric field is checked (:mod:`jerkdetect.io.edf_checks`) before it sizes anything.
    """
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            fixed = f.read(256)
            if _looks_like_scoring(fixed):
                raise RecordingError(
                    f"{path} is a scoring file, not a recording: pass it with --annotations (annotations=) "
                    "beside its EDF, or score the leg movements it holds alone with --from-scoring "
                    "(jd.score_annotations).")
            if len(fixed) < 256:
                raise RecordingError(f"{path}: file is {len(fixed)} bytes long, too short for an EDF/BDF header.")
            bdf = fixed[:1] == b"\xff" and fixed[1:8] == b"BIOSEMI"
            if not bdf and fixed[:8].strip() != b"0":
                raise RecordingError(f"{path}: not an EDF or BDF file (version field is {fixed[:8]!r}).")
            ns = int_field(_field(fixed[252:256], "", path), "number of signals", path, 1, MAX_SIGNALS)
            hdr_bytes = int_field(_field(fixed[184:192], "", path), "header bytes", path, 0, 1 << 40)
            if size < 256 * (ns + 1):
                raise RecordingError(f"{path}: header declares {ns} signals but the file ends inside the header.")
            sig = f.read(256 * ns)
    except OSError as e:
        raise RecordingError(f"{path}: cannot be opened ({e.strerror}).") from None
    if hdr_bytes != 256 * (ns + 1):
        raise HeaderError(f"{path}: header says it is {hdr_bytes} bytes but {ns} signals need "
                          f"{256 * (ns + 1)}; the header is corrupt.")
    reserved = _field(fixed[192:236], "reserved", path)
    kind = "BDF" if bdf else "EDF"
    file_type = kind + ("+D" if "+D" in reserved else "+C" if "+C" in reserved else "")

    def col(offset: int, width: int) -> list[str]:
        base = offset * ns
        return [_field(sig[base + i * width: base + (i + 1) * width], "", path) for i in range(ns)]

    labels = col(0, 16)
    transducers = col(16, 80)
    units = col(96, 8)
    ann = {i for i, lab in enumerate(labels) if lab.strip() in ("EDF Annotations", "BDF Annotations")}
    dlo, dhi = -(1 << 31), (1 << 31) - 1

    def numbers(offset, name, conv, lo, hi, dtype):
        # annotation signals carry no samples to scale: their ranges are not used
        vals = []
        for i, t in enumerate(col(offset, 8)):
            if i in ann:
                try:
                    v = conv(t, name, path, lo, hi, labels[i])
                except HeaderError:
                    v = 0
            else:
                v = conv(t, name, path, lo, hi, labels[i])
            vals.append(v)
        return np.array(vals, dtype=dtype)

    pmin = numbers(104, "physical minimum", float_field, -MAX_PHYSICAL, MAX_PHYSICAL, np.float64)
    pmax = numbers(112, "physical maximum", float_field, -MAX_PHYSICAL, MAX_PHYSICAL, np.float64)
    dmin = numbers(120, "digital minimum", int_field, dlo, dhi, np.int64)
    dmax = numbers(128, "digital maximum", int_field, dlo, dhi, np.int64)
    prefilters = col(136, 80)
    spr = np.array([int_field(t, "samples per record", path, 0, 1 << 24, labels[i])
                    for i, t in enumerate(col(216, 8))], dtype=np.int64)
    n_rec = int_field(_field(fixed[236:244], "", path), "number of data records", path, -1, 1 << 40)
    dur = float_field(_field(fixed[244:252], "", path), "data record duration", path, 0.0, MAX_RECORDING_S)
    if n_rec == 0:
        raise RecordingError(f"{path}: the header declares 0 data records, so the file holds no signal to score.")
    start = _parse_start(_field(fixed[168:176], "", path), _field(fixed[176:184], "", path),
                         _field(fixed[88:168], "", path), path)
    h = EdfHeader(path, bdf, file_type, start, hdr_bytes, n_rec, dur, labels, units, transducers,
                  prefilters, pmin, pmax, dmin, dmax, spr, declared_records=n_rec)
    inverted = check_ranges(path, bdf, labels, ann, pmin, pmax, dmin, dmax)
    h.n_records = check_layout(path, size, hdr_bytes, n_rec, h.record_bytes, dur, spr, labels, ann)
    if h.n_records == 0:
        raise RecordingError(f"{path}: the file holds no complete data record, so there is no signal to score.")
    extra = size - hdr_bytes - h.n_records * h.record_bytes
    if 0 < extra:
        warnings.warn(f"{path}: {extra} bytes after the last complete data record (less than one record) "
                      "are ignored.", UserWarning, stacklevel=3)
    if inverted:
        i = inverted[0]
        warnings.warn(f"{path}: {len(inverted)} channels ('{labels[i]}' first) have physical maximum < "
                      f"physical minimum ({pmax[i]:g} < {pmin[i]:g}), a negative amplifier gain that the EDF "
                      "specification allows; their samples are scaled (inverted) accordingly.",
                      UserWarning, stacklevel=3)
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
        if len(self._mm) < h.header_bytes + h.n_records * h.record_bytes:
            raise RecordingError(f"{h.path}: the file now holds {len(self._mm)} bytes, fewer than its header's "
                                 f"{h.n_records} data records need (was it changed while being scored?).")
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


class _SignalReader:
    """Channel i's digital samples: all at once (n_records x spr), in chunks of records, or one
    stretch of samples (1-D, only the records that hold it decoded)."""

    def __init__(self, h: EdfHeader, i: int):
        self.h, self.start, self.n = h, h.signal_span(i)[0], int(h.spr[i])

    def read(self) -> np.ndarray:
        return _decode(self.h, RecordMap(self.h).array, self.start, self.n)

    def chunks(self, records: int):
        # read, not mapped: a mapped pass pays a page fault per page (and its threads contend for
        # the process's page tables) and a release per block
        h = self.h
        records = block_records(h, records)
        buf = np.empty(records * h.record_bytes, np.uint8)
        with open(h.path, "rb", buffering=0) as f:
            f.seek(h.header_bytes)
            for r0 in range(0, h.n_records, records):
                yield _decode(h, _read_records(h, r0, min(r0 + records, h.n_records), buf, f), self.start, self.n)

    def span(self, s0: int, s1: int) -> np.ndarray:
        # read, not mapped: a mapping's page faults would leave neighbouring pages resident
        h, n = self.h, self.n
        r0 = s0 // n
        r1 = max(min(-(-s1 // n), h.n_records), r0)
        block = _read_records(h, r0, r1, np.empty((r1 - r0) * h.record_bytes, np.uint8))
        return np.array(_decode(h, block, self.start, n).reshape(-1)[s0 - r0 * n:s1 - r0 * n])


BLOCK_BYTES = 8 << 20  # the most a streamed read holds at once, whatever the record duration


def block_records(h: EdfHeader, records: int) -> int:
    """Data records per block of a streamed read: at most ``records`` and :data:`BLOCK_BYTES`
    (a file of 30-s records would otherwise read ~100 MB at a time), at least one."""
    return max(1, min(records, h.n_records, BLOCK_BYTES // max(h.record_bytes, 1)))


def _read_records(h: EdfHeader, r0: int, r1: int, buf: np.ndarray, f=None) -> np.ndarray:
    """Data records r0..r1 read into ``buf`` (from ``f``, positioned at record r0, or opened here):
    a (records x bytes) view of it."""
    need = (r1 - r0) * h.record_bytes
    view = memoryview(buf)[:need]
    if f is None:
        with open(h.path, "rb", buffering=0) as g:
            g.seek(h.header_bytes + r0 * h.record_bytes)
            return _read_records(h, r0, r1, buf, g)
    got = 0
    while got < need:
        k = f.readinto(view[got:])
        if not k:
            raise RecordingError(f"{h.path}: the file ended inside data record {r0 + got // h.record_bytes} "
                                 "while it was read (was it changed while being scored?).")
        got += k
    return buf[:need].reshape(r1 - r0, h.record_bytes)


def _readers(channels: Sequence[Channel]) -> list[_SignalReader] | None:
    """The channels' EDF/BDF readers when they all come from one file read by :func:`read_psg`."""
    readers = [getattr(c._chunks, "__self__", None) for c in channels]
    if channels and all(isinstance(r, _SignalReader) and r.h is readers[0].h for r in readers):
        return readers
    return None


def read_together(channels: Sequence[Channel]) -> bool:
    """Whether :func:`chunks_together` can read these channels in one pass (one EDF/BDF file)."""
    return _readers(channels) is not None


def chunks_together(channels: Sequence[Channel], records: int = 600):
    """Yield, block by block of ``records`` data records, a tuple of each channel's digital
    samples (2-D blocks, as :meth:`Channel.digital_chunks` gives them) for channels of one
    EDF/BDF file (:func:`read_together`).

    The file is read in one pass over its records, each record read once (not mapped: a mapping
    pays a page fault per page per channel). The blocks are views of one reused buffer: use each
    before taking the next.
    """
    readers = _readers(channels)
    if readers is None:
        raise ValueError("chunks_together reads channels of one EDF/BDF file only")
    h = readers[0].h
    records = block_records(h, records)
    buf = np.empty(records * h.record_bytes, np.uint8)
    with open(h.path, "rb", buffering=0) as f:
        f.seek(h.header_bytes)
        for r0 in range(0, h.n_records, records):
            block = _read_records(h, r0, min(r0 + records, h.n_records), buf, f)
            yield tuple(_decode(h, block, r.start, r.n) for r in readers)


def spans_together(channels: Sequence[Channel], spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """Each channel's digital samples ``s0:s1`` (its own ``spans`` entry; 1-D float64), for
    channels of one EDF/BDF file (:func:`read_together`): the data records that hold any of the
    stretches are read once, where :meth:`Channel.digital_span` would read them per channel.
    The values are those of :meth:`Channel.digital_span`, converted to float64."""
    readers = _readers(channels)
    if readers is None:
        raise ValueError("spans_together reads channels of one EDF/BDF file only")
    h = readers[0].h
    spans = [(max(int(s0), 0), min(int(s1), c.n_samples)) for c, (s0, s1) in zip(channels, spans)]
    r0 = min(s0 // r.n for r, (s0, _) in zip(readers, spans))
    r1 = max(r0, min(max(-(-s1 // r.n) for r, (_, s1) in zip(readers, spans)), h.n_records))
    block = _read_records(h, r0, r1, np.empty((r1 - r0) * h.record_bytes, np.uint8))
    out = []
    for r, (s0, s1) in zip(readers, spans):
        x = _decode(h, block, r.start, r.n).reshape(-1)
        out.append(np.asarray(x[s0 - r0 * r.n:max(s1, s0) - r0 * r.n], dtype=np.float64))
    return out


_TAL_ONSET = re.compile(r"^[+-]\d+(\.\d*)?$")  # EDF+: '+' or '-', digits, optional decimals


def tal_time(text: str, duration: bool = False) -> float | None:
    """A TAL onset (``+12.5``, ``-0.3``: signed) or duration (``2.5``) as EDF+ writes it, else None.

    Python's ``float`` would also take ``+1e20``, ``nan`` or ``+1_000``, which no EDF+ writer
    produces: they are refused here so they never become times.

    Examples
    --------
    >>> tal_time("+12.5"), tal_time("+1e20"), tal_time("+1_000"), tal_time("12"), tal_time("12", True)
    (12.5, None, None, None, 12.0)
    """
    t = text.strip("\x00 ")
    if duration:
        t = "+" + t
    if not _TAL_ONSET.match(t):
        return None
    return float(t)


def _record_onsets(h: EdfHeader) -> tuple[np.ndarray | None, float]:
    """First-TAL onset of every record (EDF+ time-keeping) and the sub-second start offset.

    Only EDF+D needs every record's onset; for EDF+C the first record gives the start offset and
    the others follow at record-duration steps, which the last record's onset must confirm (a
    file whose header lost its '+D' is read as discontinuous, with a warning). Onsets are checked
    (finite, >= 0, increasing, records not overlapping) before they are used.
    """
    ann = h.annotation_indices
    if not ann or h.n_records == 0:
        return None, 0.0
    start, nbytes = h.signal_span(ann[0])
    rm = RecordMap(h)

    def onset(r: int) -> float:
        row = np.asarray(rm.array[r, start:start + nbytes]).tobytes()
        end = row.find(b"\x14")
        v = tal_time(row[:end].decode("ascii", "replace")) if end > 0 else None
        if v is None:
            raise RecordingError(f"{h.path}: data record {r} has no valid EDF+ time-keeping annotation "
                                 f"(it starts {row[:max(end, 0)][:20]!r}).")
        return v

    first, last = onset(0), onset(h.n_records - 1)
    expected = first + (h.n_records - 1) * h.record_duration
    if h.file_type.endswith("+D") or abs(last - expected) > 1e-6:
        onsets = np.array([onset(r) for r in range(h.n_records)])
    else:
        onsets = first + np.arange(h.n_records) * h.record_duration
    if not h.file_type.endswith("+D") and abs(last - expected) > 1e-6:
        step = np.diff(onsets)
        if not np.isclose(step, h.record_duration, rtol=0, atol=1e-6).any():
            raise HeaderError(f"{h.path}: header field 'data record duration' is {h.record_duration:g} s but the "
                              f"time-keeping annotations start records {np.median(step):g} s apart; the "
                              "header is corrupt.")
        # contiguous records with gaps between some: an EDF+D whose header lost its '+D'
        warnings.warn(f"{h.path}: the header says '{h.file_type}' but the data records' time-keeping "
                      f"annotations show gaps (the last record starts at {last:g} s, not {expected:g} s); "
                      "it is read as discontinuous.", UserWarning, stacklevel=3)
        h.file_type = h.file_type[:3] + "+D"
    check_record_onsets(h.path, onsets, h.record_duration)
    return onsets, float(onsets[0])


def parse_tals(h: EdfHeader, sub: float) -> list[tuple[float, float, str]]:
    """All EDF+ annotations from the TALs of every record (the time-keeping TALs left out).

    Onsets are returned relative to the first sample (the sub-second start ``sub`` removed), as
    pyedflib and MNE report them. Used when pyedflib refuses a file (EDF+D). TALs whose onset or
    duration is not written as the EDF+ specification says are skipped.
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
                    o = tal_time(onset)
                    d = tal_time(dur, duration=True) if dur else 0.0
                    if o is None or d is None:
                        continue
                    out += [(o - sub, d, t) for t in texts]
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
    if only_time_keeping(h):  # no annotation to read (most PSG files: the scoring is elsewhere)
        return []
    # pyedflib reports onsets relative to the first sample (sub-second start removed)
    ann, ok = _pyedflib_annotations(h.path)
    return ann if ok else parse_tals(h, sub)


def only_time_keeping(h: EdfHeader) -> bool:
    """True when the annotation signals hold nothing but each record's time-keeping TAL (the
    onset, two 0x14 bytes, then NUL bytes to the end of the signal), so the file has no annotation.

    A vectorised look at the annotation bytes of every record: pyedflib and :func:`parse_tals`
    both parse every record's TALs in a loop (~35 ms for an 8-h night) to find nothing there.
    Any other content (a second TAL, text in the first) returns False and is parsed as before.
    """
    rm = RecordMap(h)
    for k, i in enumerate(h.annotation_indices):
        start, nbytes = h.signal_span(i)
        cols = np.arange(nbytes)
        for r0 in range(0, h.n_records, 4096):
            r1 = min(r0 + 4096, h.n_records)
            blk = np.array(rm.array[r0:r1, start:start + nbytes])  # a copy: the mapped pages go now
            rm.release(r0, r1)
            if k > 0:  # only the first annotation signal keeps the time
                if blk.any():
                    return False
                continue
            nul = blk == 0
            end = nul.argmax(axis=1)  # the first NUL ends the time-keeping TAL
            rows = np.arange(blk.shape[0])
            ok = nul[rows, end] & (end >= 4)
            if not ok.all():
                return False
            sep = blk == 0x14
            if not (sep[rows, end - 1] & sep[rows, end - 2]).all():
                return False
            head = cols[None, :] < end[:, None]
            if ((sep & head).sum(axis=1) != 2).any() or (blk[~head & ~nul] != 0).any():
                return False
    return True


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
        Explicit channel roles that override the label patterns (``{"leg_left": "tib-l"}``; case
        and separators of the label do not matter).
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
    from ..core.log import set_log_level
    from .checks import bound_events, distinct_labels
    set_log_level(verbose)
    path = os.fspath(path)
    h = parse_header(path)
    onsets, sub = _record_onsets(h)
    start = h.start + _dt.timedelta(seconds=sub) if h.start is not None else None
    rec_onsets = None if onsets is None else onsets - sub
    n_ann = len(h.annotation_indices)
    span = h.n_records * h.record_duration if onsets is None else float(onsets[-1] - sub + h.record_duration)
    ann: list = []
    if annotations and n_ann and n_ann == len(h.labels):  # annotation-only: no span to bound by
        ann = bound_events(_annotations(h, sub), path)
    elif annotations and n_ann:
        ann = bound_events(_annotations(h, sub), path, -h.record_duration, span, " (the recording)")
    labels, renamed = distinct_labels([lab for i, lab in enumerate(h.labels)
                                       if i not in h.annotation_indices], path)
    roles = resolve_overrides(roles, labels, path)  # 'tib-l' names 'Tib-L'
    by_role = dict((v, k) for k, v in roles.items())
    chans: dict[str, Channel] = {}
    k = -1
    for i, _raw_lab in enumerate(h.labels):
        if i in h.annotation_indices:
            continue
        k += 1
        lab = labels[k]
        reader = _SignalReader(h, i)
        fs = h.spr[i] / h.record_duration
        role = by_role.get(lab) or (None if lab in renamed else role_of(lab))
        fac = unit_factor(h.units[i])
        if fac is None:
            fac = infer_factor(lab, h.units[i], h.phys_min[i], h.phys_max[i], path) \
                if role in VOLTAGE_ROLES else 1.0
        chans[lab] = Channel(label=lab, fs=float(fs), unit=h.units[i], unit_factor=fac,
                             phys_min=float(h.phys_min[i]), phys_max=float(h.phys_max[i]),
                             dig_min=int(h.dig_min[i]), dig_max=int(h.dig_max[i]),
                             transducer=h.transducers[i], prefilter=h.prefilters[i],
                             _digital=reader.read, _chunks=reader.chunks, _span=reader.span,
                             n_samples=int(h.spr[i] * h.n_records), auto_role=lab not in renamed)
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
    r = assign_roles(chans.keys(), roles, exclude=[k for k, c in chans.items() if not c.auto_role])
    keep = []
    for w in wanted:
        keep.append(w if w in chans else require_role(r, w, chans.keys(), path))
    return {k: chans[k] for k in chans if k in keep}
