"""Simulator: realistic overnight PSGs with exact ground truth (deterministic by seed)."""
from .night import LABELS, SimConfig, SimulatedNight, simulate_night, write_nsrr_xml

__all__ = ["LABELS", "SimConfig", "SimulatedNight", "simulate_night", "write_nsrr_xml"]
