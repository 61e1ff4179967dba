"""REM atonia index (RAI) of the chin EMG (Ferri et al.).

Published definition
--------------------
Ferri et al., J Sleep Res 2008;17:89 (Sleep Atonia Index) and Sleep Med 2010;11:947 ("Improved
computation of the atonia index", with noise reduction); cut-offs also in Ferri et al., JCSM
2013;9:253:

- the submentalis EMG (10-100 Hz) is rectified and averaged in 1-s mini-epochs;
- noise reduction: from each mini-epoch the minimum found in a moving window of the 60
  mini-epochs around it is subtracted (Luna's ``RAI`` and SOMAS use 61 centred values, shrinking
  at the ends of the recording; so does jerkdetect);
- RAI = (% of REM mini-epochs with amplitude <= 1 µV) / (100 - % with amplitude in (1, 2] µV);
- RAI < 0.8: clearly reduced atonia; 0.8-0.9: borderline; > 0.9: most normal recordings.

jerkdetect reads the 1-s amplitudes from the burst detection (the 1-s block means of the
rectified EMG after band-pass, notch and ECG removal). Mini-epochs in the channel's unscorable
stretches are left out of the moving minimum and of the index, as SOMAS leaves out artefacts.
SOMAS doubles the rectified signal before averaging (``2*abs(EMG)``); Luna and the published
text do not, and neither does jerkdetect (``rectified_scale`` = 1 by default).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..core.intervals import overlaps_window
from ..core.params import Checked, fraction, non_negative, positive, whole
from .motor_features import EMGFeatures
from .motor_kernels import moving_min

REM = 4


@dataclass(frozen=True)
class AtoniaIndexRule(Checked):
    """Ferri's REM atonia index (Sleep Med 2010). See the module notes.

    Attributes
    ----------
    mini_s : float
        Mini-epoch length (1 s); the chin's block means must have this length.
    window : int
        Mini-epochs on each side of the moving minimum (30: a 61-value window).
    atonia_uv, exclusion_uv : float
        Amplitude classes of the index (1 and 2 µV).
    reduced_below, borderline_below : float
        Cut-offs (0.8: clearly reduced atonia; 0.9: borderline).
    rectified_scale : float
        Factor on the rectified amplitude (1; SOMAS uses 2).
    """

    mini_s: float = 1.0
    window: int = 30
    atonia_uv: float = 1.0
    exclusion_uv: float = 2.0
    reduced_below: float = 0.8
    borderline_below: float = 0.9
    rectified_scale: float = 1.0

    LIMITS = {"mini_s": positive(60.0), "window": whole(1, 100000), "atonia_uv": non_negative(1e4),
              "exclusion_uv": non_negative(1e4), "reduced_below": fraction(), "borderline_below": fraction(),
              "rectified_scale": positive(1e3)}
    ORDER = (("atonia_uv", "<=", "exclusion_uv"), ("reduced_below", "<=", "borderline_below"))

    def to_dict(self) -> dict:
        return asdict(self)

    def corrected(self, chin: EMGFeatures) -> tuple[np.ndarray, np.ndarray]:
        """Noise-corrected 1-s amplitudes (µV) and each mini-epoch's start time (s); NaN where
        the chin is unscorable."""
        if abs(chin.block_s - self.mini_s) > 1e-6:
            raise ValueError(f"{chin.label}: the atonia index needs {self.mini_s:g}-s amplitudes; the burst "
                             f"detection used {chin.block_s:g}-s blocks (DetectionParams.block_s).")
        a = chin.block_mean_uv * self.rectified_scale
        t = np.arange(a.size) * chin.block_s
        bad = overlaps_window(t, t + chin.block_s, chin.unscorable)
        a = np.where(bad, np.nan, a)
        return a - moving_min(a, self.window), t

    def compute(self, chin: EMGFeatures | None, hypnogram) -> "AtoniaIndex":
        """RAI of the REM mini-epochs (those lying wholly inside REM epochs within lights off).

        Examples
        --------
        >>> from jerkdetect.core.hypnogram import Hypnogram
        >>> amp = np.full(120, 0.5); amp[60:90] = 5.0            # half of REM with tone
        >>> chin = EMGFeatures("Chin", "chin", np.zeros(12000, np.float32), 100.0, amp, amp, 1.0)
        >>> r = AtoniaIndexRule().compute(chin, Hypnogram([2, 2, 4, 4]))
        >>> round(r.value, 2), r.category
        (0.5, 'reduced')
        """
        if hypnogram is None:
            return AtoniaIndex(None, None, 0, "no hypnogram")
        if chin is None:
            return AtoniaIndex(None, None, 0, "no chin EMG channel")
        if abs(chin.block_s - self.mini_s) > 1e-6:
            return AtoniaIndex(None, None, 0, f"chin amplitudes in {chin.block_s:g}-s blocks, not {self.mini_s:g} s")
        x, t = self.corrected(chin)
        lo, hi = hypnogram.lights
        rem = (hypnogram.stage_at(t) == REM) & (hypnogram.stage_at(t + self.mini_s - 1e-6) == REM)
        rem &= (t >= lo) & (t + self.mini_s <= hi + 1e-9) & np.isfinite(x)
        v = x[rem]
        if v.size == 0:
            return AtoniaIndex(None, None, 0, "no scorable REM sleep")
        low = float(np.mean(v <= self.atonia_uv))
        mid = float(np.mean((v > self.atonia_uv) & (v <= self.exclusion_uv)))
        value = low / (1.0 - mid) if mid < 1.0 else None
        if value is None:
            return AtoniaIndex(None, None, int(v.size), "every REM mini-epoch lies in the excluded 1-2 µV class")
        cat = "reduced" if value < self.reduced_below else "borderline" if value < self.borderline_below \
            else "normal"
        return AtoniaIndex(value, cat, int(v.size), None, low, mid)


@dataclass
class AtoniaIndex:
    """The REM atonia index: value (None with ``reason``), category, number of mini-epochs used,
    and the fractions of mini-epochs <= 1 µV and in (1, 2] µV."""

    value: float | None
    category: str | None
    n_mini_epochs: int
    reason: str | None = None
    fraction_atonic: float | None = None
    fraction_excluded_class: float | None = None
