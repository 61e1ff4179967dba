"""Bounds on what jerkdetect accepts anywhere (files, arrays, scoring): beyond them an input is refused."""

MAX_RECORDING_S = 14 * 86400.0   # longest span jerkdetect accepts (multi-day ambulatory recordings)
MAX_RATE_HZ = 1e6                # samples per second of one signal
MIN_EPOCH_S = 1.0                # shortest scoring epoch accepted (1-s micro-epochs)
MAX_EPOCH_S = 60.0               # longest scoring epoch accepted (scoring systems use 20 or 30 s)
