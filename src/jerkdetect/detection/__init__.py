"""Detection: EMG bursts per channel (Numba kernels with NumPy references)."""
from .bursts import ChannelBursts, detect_channel
from .params import DetectionParams

__all__ = ["ChannelBursts", "DetectionParams", "detect_channel"]
