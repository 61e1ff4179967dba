"""Simulator: realistic overnight PSGs with exact ground truth (deterministic by seed)."""
from ..evaluation.truth import compare_with_truth
from .config import LABELS, SimConfig
from .night import SimulatedNight, simulate_night, write_nsrr_xml
from .profusion import write_profusion_xml
from .stress import EFFECTS as STRESS_EFFECTS, StressConfig, stress_night
from .technician import TechnicianErrors, TechnicianScoring, technician_scoring

__all__ = ["LABELS", "STRESS_EFFECTS", "SimConfig", "SimulatedNight", "StressConfig", "TechnicianErrors",
           "TechnicianScoring", "compare_with_truth", "simulate_night", "stress_night", "technician_scoring",
           "write_nsrr_xml", "write_profusion_xml"]
