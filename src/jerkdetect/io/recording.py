"""The light recording object every reader returns: channels in µV with exact sample times."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from ..errors import ChannelError
from .channels import ROLES, assign_roles, require_role


@dataclass
class Channel:
    """One signal at its own sampling rate.

    ``data`` is float64 in µV for voltage channels (``unit_factor`` converts the declared unit),
    and in the declared unit for others (SpO2 %, flow...). The EDF digital samples stay available
    (``digital``, ``gain``, ``offset``) so compiled kernels can scale on the fly without a float copy.
    """

    label: str
    fs: float
    unit: str = "uV"
    unit_factor: float = 1.0
    phys_min: float = float("nan")
    phys_max: float = float("nan")
    dig_min: int | None = None
    dig_max: int | None = None
    transducer: str = ""
    prefilter: str = ""
    role: str | None = None
    _loader: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    _data: np.ndarray | None = field(default=None, repr=False)
    _digital: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    _chunks: Callable | None = field(default=None, repr=False)
    n_samples: int = 0

    @property
    def gain(self) -> float:
        """µV (or unit) per digital step: ``data = digital * gain + offset``."""
        if self.dig_min is None:
            return 1.0
        bit = (self.phys_max - self.phys_min) / (self.dig_max - self.dig_min)
        return bit * self.unit_factor

    @property
    def offset(self) -> float:
        if self.dig_min is None:
            return 0.0
        bit = (self.phys_max - self.phys_min) / (self.dig_max - self.dig_min)
        return (self.phys_min - bit * self.dig_min) * self.unit_factor

    @property
    def digital(self) -> np.ndarray | None:
        """Raw integer samples (records x samples-per-record view where possible), or None."""
        return None if self._digital is None else self._digital()

    def digital_chunks(self, records: int = 600):
        """Yield the digital samples in blocks of ``records`` data records (2-D arrays).

        Pages of the file are released after each block, so resident memory stays at one block.
        """
        if self._chunks is not None:
            yield from self._chunks(records)
        elif self._digital is not None:
            yield self.digital

    @property
    def data(self) -> np.ndarray:
        """Samples as float64 in µV (voltage channels) or the declared unit."""
        if self._data is None:
            if self._loader is not None:
                arr = np.ascontiguousarray(self._loader(), dtype=np.float64)
            else:
                arr = np.empty(self.n_samples, dtype=np.float64)  # one float array, filled by blocks
                k = 0
                for blk in self.digital_chunks():
                    m = blk.size
                    np.multiply(blk, self.gain, out=arr[k:k + m].reshape(blk.shape))
                    k += m
                arr += self.offset
            self._data = arr
        return self._data

    @property
    def duration(self) -> float:
        return self.n_samples / self.fs

    def clip_fraction(self) -> float:
        """Fraction of samples at the digital minimum or maximum (saturated amplifier or ADC)."""
        d = self.digital
        if d is None or self.n_samples == 0:
            return 0.0
        d = d.reshape(-1)
        return float(np.count_nonzero((d <= self.dig_min) | (d >= self.dig_max))) / d.size


@dataclass
class Recording:
    """A PSG recording: channels (lazy), start time, annotations and record layout.

    Times everywhere in jerkdetect are seconds from ``start`` (the first sample), which already
    includes an EDF+ sub-second start offset.

    Examples
    --------
    >>> import numpy as np, jerkdetect as jd
    >>> rec = jd.Recording.from_arrays({"Leg L": np.zeros(512 * 60)}, fs=512)
    >>> rec.roles["leg_left"], rec.duration
    (['Leg L'], 60.0)
    """

    channels: dict[str, Channel]
    start: _dt.datetime | None = None
    source: str = "<arrays>"
    file_type: str = "arrays"
    record_duration: float = 0.0
    record_onsets: np.ndarray | None = None  # seconds from start, one per data record
    annotations: list[tuple[float, float, str]] = field(default_factory=list)
    role_overrides: Mapping[str, str] | None = None
    roles: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.roles = assign_roles(self.channels.keys(), self.role_overrides)
        for role, labs in self.roles.items():
            for lab in labs:
                if self.channels[lab].role is None:
                    self.channels[lab].role = role
        for role, lab in (self.role_overrides or {}).items():
            self.channels[lab].role = role

    # ------------------------------------------------------------------ queries
    @property
    def labels(self) -> list[str]:
        return list(self.channels)

    @property
    def duration(self) -> float:
        """Seconds from the first sample to the end of the last record (gaps included)."""
        if self.record_onsets is not None and len(self.record_onsets):
            return float(self.record_onsets[-1] + self.record_duration)
        return max((c.duration for c in self.channels.values()), default=0.0)

    @property
    def discontinuous(self) -> bool:
        return bool(self.gaps())

    def gaps(self) -> list[tuple[float, float]]:
        """(start, end) in seconds of every stretch an EDF+D file did not record."""
        if self.record_onsets is None or len(self.record_onsets) < 2:
            return []
        ends = self.record_onsets[:-1] + self.record_duration
        idx = np.flatnonzero(self.record_onsets[1:] - ends > 1e-6)
        return [(float(ends[i]), float(self.record_onsets[i + 1])) for i in idx]

    def channel(self, role_or_label: str) -> Channel:
        """Return a channel by label, or the first channel carrying a role."""
        if role_or_label in self.channels:
            return self.channels[role_or_label]
        if role_or_label in ROLES:
            return self.channels[require_role(self.roles, role_or_label, self.labels, self.source)]
        raise ChannelError(f"{self.source}: no channel or role named '{role_or_label}'; "
                           f"channels present: {', '.join(self.labels)}.")

    def has_role(self, role: str) -> bool:
        return bool(self.roles.get(role))

    def sample_times(self, label: str) -> np.ndarray:
        """Seconds from start of each sample of a channel, honouring EDF+D record onsets."""
        ch = self.channels[label]
        return self.index_to_time(label, np.arange(ch.n_samples))

    def index_to_time(self, label: str, idx: np.ndarray | float) -> np.ndarray:
        """Convert sample indices of a channel to seconds from start (exact for EDF+D too)."""
        ch = self.channels[label]
        idx = np.asarray(idx, dtype=np.float64)
        if self.record_onsets is None or not self.discontinuous:
            return idx / ch.fs
        spr = int(round(ch.fs * self.record_duration))
        rec = np.clip(np.floor(idx / spr).astype(np.int64), 0, len(self.record_onsets) - 1)
        return self.record_onsets[rec] + (idx - rec * spr) / ch.fs

    def info(self) -> str:
        """A human-readable summary: file type, start, duration, channels with roles, rates, units."""
        lines = [f"{self.source}: {self.file_type}, start {self.start}, duration {self.duration:.1f} s"
                 + (f", {len(self.gaps())} gaps" if self.discontinuous else "")]
        for c in self.channels.values():
            scale = f" (x{c.unit_factor:g} -> µV)" if c.unit_factor != 1 else ""
            lines.append(f"  {c.label:<22} role={c.role or '-':<9} fs={c.fs:g} Hz unit={c.unit or '?'}{scale}")
        lines.append(f"  annotations: {len(self.annotations)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        roles = ", ".join(f"{r}={labs[0]}" for r, labs in self.roles.items() if labs)
        return (f"<Recording | {self.source}: {self.file_type}, {self.duration / 3600:.2f} h, "
                f"{len(self.channels)} channels" + (f" ({roles})" if roles else "") + ">")

    def _repr_html_(self) -> str:
        from .._repr import recording_html
        return recording_html(self)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_arrays(cls, signals: Mapping[str, np.ndarray], fs: float | Mapping[str, float],
                    units: str | Mapping[str, str] = "uV", start: _dt.datetime | None = None,
                    roles: Mapping[str, str] | None = None,
                    annotations: Sequence[tuple[float, float, str]] = ()) -> "Recording":
        """Build a recording from NumPy arrays, each with its own sampling rate and unit."""
        from .units import unit_factor
        chans = {}
        for lab, arr in signals.items():
            f = fs[lab] if isinstance(fs, Mapping) else fs
            u = units[lab] if isinstance(units, Mapping) else units
            fac = unit_factor(u)
            a = np.asarray(arr, dtype=np.float64).reshape(-1)
            chans[lab] = Channel(label=lab, fs=float(f), unit=u, unit_factor=fac or 1.0,
                                 _data=a * (fac or 1.0), n_samples=a.size)
        return cls(channels=chans, start=start, role_overrides=roles, annotations=list(annotations))

    @classmethod
    def from_mne(cls, raw, roles: Mapping[str, str] | None = None) -> "Recording":
        """Build a recording from an ``mne.io.Raw`` (MNE stores volts: converted to µV)."""
        from .mne_interop import recording_from_raw
        return recording_from_raw(cls, raw, roles)

    def to_mne(self, picks: Sequence[str] | None = None):
        """Return an ``mne.io.RawArray`` (channels resampled to one rate if they differ)."""
        from .mne_interop import recording_to_raw
        return recording_to_raw(self, picks)
