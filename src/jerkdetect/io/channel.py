"""One channel of a recording: lazy samples in µV, its rate, unit and amplifier range."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Channel:
    """One signal at its own sampling rate.

    ``data`` is float64 in µV for voltage channels (``unit_factor`` converts the declared unit),
    and in the declared unit for others (SpO2 %, flow...). The EDF digital samples stay available
    (``digital``, ``gain``, ``offset``) so compiled kernels can scale on the fly without a float copy.
    ``bad_intervals`` (seconds) are stretches whose samples were NaN, infinite or absurd: they
    were replaced before any kernel saw them and are unscorable.
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
    _span: Callable[[int, int], np.ndarray] | None = field(default=None, repr=False)
    n_samples: int = 0
    bad_intervals: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    auto_role: bool = True  # False for a repeated label: its role must be named explicitly

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

        An EDF/BDF channel is read block by block into one reused buffer (at most
        ``io.edf.BLOCK_BYTES`` of records), so memory stays at one block: each block is a view of
        that buffer, valid until the next one is taken.
        """
        if self._chunks is not None:
            yield from self._chunks(records)
        elif self._digital is not None:
            yield self.digital

    def digital_span(self, s0: int, s1: int) -> np.ndarray | None:
        """Raw integer samples ``s0:s1`` (1-D), decoding only the data records that hold them
        (a short stretch of a long BDF costs a short decode); None without digital samples."""
        s0, s1 = max(int(s0), 0), min(int(s1), self.n_samples)
        if self._span is not None:
            return self._span(s0, s1)
        d = self.digital
        if d is None or d.ndim == 1:
            return None if d is None else d[s0:s1]
        spr = d.shape[1]
        r0 = s0 // spr
        return d[r0:-(-s1 // spr)].reshape(-1)[s0 - r0 * spr:s1 - r0 * spr]

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
