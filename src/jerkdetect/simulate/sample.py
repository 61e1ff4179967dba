"""Regenerate ``sample_data/``: ``python -m jerkdetect.simulate.sample [OUT_DIR]``.

One small, realistic night (1 h from lights off: sleep onset with hypnic jerks, a PLM series
in N2, PLMs in wake, respiratory events followed by LMs, arousals, ECG bleed, mains hum and
distractors), EMG at 200 Hz, written as EDF+ with an NSRR XML scoring file and its truth, plus
``sample_night_profusion.xml``: the same scoring with the true leg movements as Profusion
limb-movement events, for annotation-only scoring (``jerkdetect score X.xml --from-scoring``).
"""
from __future__ import annotations

import os
import sys

from .night import simulate_night
from .profusion import write_profusion_xml

SAMPLE = dict(seed=13, duration_h=1.0, fs_emg=200.0, fs_eeg=100.0, fs_resp=10.0, full_montage=False,
              plm_series_per_hour=2.0, isolated_lm_per_hour=6.0, long_lm_per_night=1,
              resp_clusters_per_hour=1.0, jerk_probability=1.0, noisy_stretches_per_leg=1,
              noisy_stretch_s=(100.0, 150.0),
              fragmentary_stretches_per_hour=1.0)


def make_sample(out: str = "sample_data") -> dict:
    night = simulate_night(**SAMPLE)
    paths = night.write(out, "sample_night", scoring="xml")
    paths["profusion"] = write_profusion_xml(os.path.join(out, "sample_night_profusion.xml"),
                                             night.stages, night.truth)
    return paths


if __name__ == "__main__":
    print(make_sample(sys.argv[1] if len(sys.argv) > 1 else "sample_data"))
