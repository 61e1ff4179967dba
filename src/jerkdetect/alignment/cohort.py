"""Many nights at once: events of a whole cohort aligned to each night's hypnogram in one pass."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.epochs import UNSCORED, to_microseconds
from ..core.kernel import kernel

prange = range  # a parallel loop: Numba's prange once the kernel is compiled (core.kernel)


@dataclass
class CohortHypnograms:
    """All hypnograms of a cohort packed CSR-style: ``stages[ptr[n]:ptr[n+1]]`` is night n."""

    stages: np.ndarray   # int8, all nights concatenated
    ptr: np.ndarray      # int64, n_nights + 1
    offset_us: np.ndarray
    epoch_us: np.ndarray

    @classmethod
    def from_hypnograms(cls, hypnograms: Sequence) -> "CohortHypnograms":
        lens = np.array([len(h.stages) for h in hypnograms], dtype=np.int64)
        ptr = np.zeros(len(hypnograms) + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        stages = (np.concatenate([np.asarray(h.stages, dtype=np.int8) for h in hypnograms])
                  if hypnograms else np.zeros(0, np.int8))
        return cls(stages, ptr, to_microseconds([h.offset for h in hypnograms]),
                   to_microseconds([h.epoch_length for h in hypnograms]))

    @property
    def n_nights(self) -> int:
        return self.ptr.size - 1


@kernel(parallel=True)
def _cohort_kernel(night, t_us, stages, ptr, off, ep, out):
    for i in prange(t_us.shape[0]):
        n = night[i]
        k = (t_us[i] - off[n]) // ep[n]
        lo = ptr[n]
        out[i] = stages[lo + k] if 0 <= k < ptr[n + 1] - lo else -1
    return out


def align_cohort(night_ids, times, cohort: CohortHypnograms) -> np.ndarray:
    """Stage at each event of a cohort (``night_ids`` index into ``cohort``), one compiled pass.

    Examples
    --------
    >>> import numpy as np
    >>> from jerkdetect import Hypnogram
    >>> c = CohortHypnograms.from_hypnograms([Hypnogram([0, 2]), Hypnogram([4, 4, 0])])
    >>> align_cohort([0, 1, 1], [31.0, 0.0, 75.0], c).tolist()
    [2, 4, 0]
    """
    night = np.ascontiguousarray(night_ids, dtype=np.int64)
    t = to_microseconds(times)
    if night.size and (night.min() < 0 or night.max() >= cohort.n_nights):
        raise ValueError(f"night ids must lie in 0..{cohort.n_nights - 1}")
    out = np.empty(t.shape[0], dtype=np.int8)
    return _cohort_kernel(night, t, cohort.stages, cohort.ptr, cohort.offset_us, cohort.epoch_us, out)


def align_cohort_reference(night_ids, times, hypnograms) -> np.ndarray:
    """Per-event loop over per-night hypnograms: the reference for :func:`align_cohort`."""
    out = []
    for n, t in zip(night_ids, times):
        h = hypnograms[n]
        k = (round(t * 1e6) - round(h.offset * 1e6)) // round(h.epoch_length * 1e6)
        out.append(int(h.stages[k]) if 0 <= k < len(h.stages) else UNSCORED)
    return np.array(out, dtype=np.int8)
