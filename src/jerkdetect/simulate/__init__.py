"""Simulator: realistic overnight PSGs with exact ground truth (deterministic by seed)."""
from .night import LABELS, SimConfig, SimulatedNight, simulate_night, write_nsrr_xml
from .stress import EFFECTS as STRESS_EFFECTS, StressConfig, stress_night

__all__ = ["LABELS", "STRESS_EFFECTS", "SimConfig", "SimulatedNight", "StressConfig", "simulate_night", "stress_night",
           "write_nsrr_xml"]
