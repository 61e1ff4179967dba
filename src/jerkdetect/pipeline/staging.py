"""Automatic sleep staging for recordings that come without a hypnogram (extra ``jerkdetect[staging]``).

Uses YASA's ``SleepStaging`` (Vallat & Walker, eLife 2021): a LightGBM classifier whose trained
models ship inside the ``yasa`` package, so it runs offline. One EEG channel (central first),
plus an EOG and the chin EMG when the recording has them. The hypnogram it returns says
``source="automatic (YASA SleepStaging ...)"``, and every output of :func:`jerkdetect.score`
carries that source (``hypnogram_source`` in the summary).
"""
from __future__ import annotations

import importlib.util

import numpy as np

from ..errors import ChannelError, JerkdetectError
from ..io.channels import present
from ..core.hypnogram import STAGE_CODES, Hypnogram

AUTOMATIC = "automatic"


def staging_available() -> bool:
    """True when YASA (and so its classifier) is installed."""
    return importlib.util.find_spec("yasa") is not None


def stage_automatically(rec, epoch_length: float = 30.0) -> Hypnogram:
    """Stage ``rec`` in 30-s epochs from its first sample with YASA's ``SleepStaging``.

    Raises
    ------
    JerkdetectError
        When YASA is not installed (``pip install "jerkdetect[staging]"``).
    ChannelError
        When the recording has no EEG channel.
    """
    if not staging_available():
        raise JerkdetectError(f"{rec.source}: automatic staging needs YASA; install it with "
                              "pip install 'jerkdetect[staging]' (or pip install yasa lightgbm).")
    import logging

    import yasa

    from ..detection.eeg_features import pick_eeg_channels
    eeg = pick_eeg_channels(rec, 1)
    if not eeg:
        raise ChannelError(f"{rec.source}: automatic staging needs an EEG channel and there is none; "
                           f"{present(rec.labels)}.")
    eog = rec.roles.get("eog", [])[:1]
    emg = rec.roles.get("chin", [])[:1]
    raw = rec.to_mne(eeg + eog + emg)
    if raw.info["sfreq"] > 100:
        raw.resample(100, verbose="error")
    logging.getLogger("yasa").setLevel(logging.ERROR)
    sls = yasa.SleepStaging(raw, eeg_name=eeg[0], eog_name=eog[0] if eog else None,
                            emg_name=emg[0] if emg else None)
    import warnings
    with warnings.catch_warnings():  # YASA's models were pickled with an older scikit-learn
        warnings.filterwarnings("ignore", message=".*unpickle estimator.*")
        labels = sls.predict()
    if hasattr(labels, "as_int"):  # YASA >= 0.7 returns a yasa.Hypnogram (W0 N1 N2 N3 R4, unscored < 0)
        stages = np.maximum(labels.as_int().to_numpy(), -1).astype(np.int8)
    else:  # older YASA: an array of 'W', 'N1', 'N2', 'N3', 'R'
        stages = np.array([STAGE_CODES.get(str(s), -1) for s in labels], dtype=np.int8)
    used = "+".join(eeg + eog + emg)
    return Hypnogram(stages, epoch_length, 0.0,
                     source=f"{AUTOMATIC} (YASA {yasa.__version__} SleepStaging on {used})",
                     notes=[f"hypnogram staged automatically by YASA SleepStaging ({used}); not scored by a person"])
