"""The light recording object every reader returns: channels in µV with exact sample times."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..errors import ChannelError, InputError
from .channel import Channel
from .channels import ROLES, assign_roles, present, require_role, resolve_overrides


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
        self.role_overrides = resolve_overrides(self.role_overrides, self.channels.keys(), self.source) or None
        self.roles = assign_roles(self.channels.keys(), self.role_overrides,
                                  exclude=[k for k, c in self.channels.items() if not c.auto_role])
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
                           f"{present(self.labels)}.")

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
        lines.append(f"  {len(self.annotations)} annotations embedded in the EDF+ itself (a scoring file beside it "
                     "is read apart: jd.read_scoring, or jerkdetect info)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        roles = ", ".join(f"{r}={labs[0]}" for r, labs in self.roles.items() if labs)
        return (f"<Recording | {self.source}: {self.file_type}, {self.duration / 3600:.2f} h, "
                f"{len(self.channels)} channels" + (f" ({roles})" if roles else "") + ">")

    def _repr_html_(self) -> str:
        from ..core.reprs import recording_html
        return recording_html(self)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_arrays(cls, signals: Mapping[str, np.ndarray], fs: float | Mapping[str, float],
                    units: str | Mapping[str, str] = "uV", start: _dt.datetime | None = None,
                    roles: Mapping[str, str] | None = None,
                    annotations: Sequence[tuple[float, float, str]] = ()) -> "Recording":
        """Build a recording from NumPy arrays, each with its own sampling rate and unit.

        Rates must be finite and positive; voltage channels (legs, chin, EEG, EOG, ECG) need a
        voltage unit (``"uV"``, ``"mV"``, ``"V"``, ``"nV"``: ``raw.get_data()`` gives volts, so
        pass ``units="V"``). NaN, infinite or absurd samples are replaced and their stretches
        marked unscorable (``Channel.bad_intervals``), with a warning.
        """
        from .checks import as_samples, bound_events, check_rate, sanitize_samples
        from .units import VOLTAGE_ROLES, unit_factor
        from .channels import role_of
        source = "<arrays>"
        if not isinstance(signals, Mapping) or not signals:
            raise InputError(f"{source}: signals must be a non-empty dict label -> samples.")
        for name, m in (("fs", fs), ("units", units)):
            if isinstance(m, Mapping):
                missing = [lab for lab in signals if lab not in m]
                if missing:
                    raise InputError(f"{source}: {name} has no entry for channel '{missing[0]}'.")
        chans = {}
        for lab, arr in signals.items():
            lab = str(lab)
            f = check_rate(fs[lab] if isinstance(fs, Mapping) else fs, lab, source)
            u = units[lab] if isinstance(units, Mapping) else units
            fac = unit_factor(str(u))
            role = (dict((v, k) for k, v in (roles or {}).items())).get(lab) or role_of(lab)
            if fac is None and role in VOLTAGE_ROLES:
                raise InputError(f"{source}: channel '{lab}' ({role}) has unit {u!r}, not a voltage unit; "
                                 "use 'uV', 'mV', 'V' or 'nV'.")
            a, bad = sanitize_samples(as_samples(arr, lab, source), f, lab, source)
            chans[lab] = Channel(label=lab, fs=f, unit=str(u), unit_factor=fac or 1.0,
                                 _data=a * (fac or 1.0), n_samples=a.size, bad_intervals=bad)
        ann = bound_events(annotations, source)
        return cls(channels=chans, start=start, role_overrides=roles, annotations=ann)

    @classmethod
    def from_mne(cls, raw, roles: Mapping[str, str] | None = None) -> "Recording":
        """Build a recording from an ``mne.io.Raw`` (MNE stores volts: converted to µV)."""
        from .mne_interop import recording_from_raw
        return recording_from_raw(cls, raw, roles)

    def to_mne(self, picks: Sequence[str] | None = None):
        """Return an ``mne.io.RawArray`` (channels resampled to one rate if they differ)."""
        from .mne_interop import recording_to_raw
        return recording_to_raw(self, picks)
