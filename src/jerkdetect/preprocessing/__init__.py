"""Preprocessing: EMG band-pass and notch (Numba), ECG artefact removal."""
from .ecg import detect_r_peaks, subtract_ecg
from .filters import butter2, design_emg_filter, detect_mains, notch, sos_filter

__all__ = ["butter2", "design_emg_filter", "detect_mains", "detect_r_peaks", "notch", "sos_filter",
           "subtract_ecg"]
