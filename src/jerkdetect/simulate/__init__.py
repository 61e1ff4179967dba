"""Simulator: realistic overnight PSGs with exact ground truth (deterministic by seed)."""
from .evaluate import compare_with_truth
from .night import LABELS, SimConfig, SimulatedNight, simulate_night, write_nsrr_xml
from .profusion import write_profusion_xml

__all__ = ["LABELS", "SimConfig", "SimulatedNight", "compare_with_truth", "simulate_night", "write_nsrr_xml",
           "write_profusion_xml"]
