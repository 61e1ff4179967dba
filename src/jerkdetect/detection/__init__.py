"""Detection: EMG bursts per channel and EEG arousals (Numba kernels with NumPy references)."""
from .arousals import ArousalParams, Arousals, detect_arousals
from .bursts import ChannelBursts, detect_channel
from .params import DetectionParams

__all__ = ["ArousalParams", "Arousals", "ChannelBursts", "DetectionParams", "detect_arousals", "detect_channel"]
