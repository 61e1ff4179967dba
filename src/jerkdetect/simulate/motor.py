"""Motor-event nights: REM sleep without atonia (RBD) and normal REM, fragmentary myoclonus,
ALMA and hypnagogic foot tremor, with exact truth kept away from every rule threshold.

A night gets these patterns with ``SimConfig(motor=MotorConfig(...))`` (or :func:`motor_night`
and its presets). Everything is drawn from its own generator (``motor_effects.motor_rng(seed)``),
so a night without ``motor`` is bit-identical to one simulated before this module existed. Three
hooks of :mod:`.motor_effects` run in :func:`~jerkdetect.simulate.night.simulate_night`:
``reserve`` (before the plain night's events: REM periods and rhythmic trains take their slots),
``plan_motor`` (plain events placed: REM arousals and respiratory events, myoclonus kept clear of
them) and ``apply_motor`` (after rendering).

Two renderers draw the same truth: ``"gauss"`` (band-limited Gaussian EMG, the family of the
plain simulator) and ``"muap"`` (:mod:`.motor_render`: trains of motor-unit action potentials of
a different spectrum, asymmetric burst envelopes, polyphasic brief potentials, a 1/f and cardiac
background on the chin). The detector was not designed on either.

How the truth reads the rules (and the margins that keep it unambiguous)
------------------------------------------------------------------------
REM (``truth["motor"]["rem_epochs"]``, one entry per REM epoch):

- tonic epochs carry chin tone (6-10 µV mean rectified, the NREM chin being 2.5-4 µV and REM
  atonia 0.8 µV) over 80-100 % of the epoch; other epochs carry at most 25 % of tone (a 5.5-7.5 s
  stretch, longer than the 5-s phasic maximum) and at most 15 % of phasic bursts: the AASM 50 %
  criterion is never approached;
- phasic bursts last 0.2-1.0 s, 6-50 times the background, each inside one 3-s mini-epoch at
  >= 0.15 s from its edges; an epoch's mini-epochs with a burst in the chin or a limb number
  0-3 or 7-10 (AASM: >= 5 of 10), never 4-6;
- normal REM twitches last 15-40 ms: below the 0.1-s minimum of every rule;
- SINBAR "any" (chin): every mini-epoch of a tonic epoch, and the mini-epochs touched by a chin
  burst or by a partial tone stretch;
- REM arousals (with their chin rise) and REM hypopneas are scored events: mini-epochs that
  overlap them are left out (RBDtector's reading, as the rule does).

Fragmentary myoclonus (``truth["motor"]["fm"]``): potentials of 20-80 ms with a peak-to-peak
amplitude of 90-250 µV on the 10-100 Hz trace (rule: <= 150 ms, >= 50 µV), in NREM, >= 0.3 s
apart on a muscle and 0.2 s across muscles, clear of leg movements, jerks, arousals, rhythmic
trains, unscorable stretches, epoch boundaries where the stage changes and the sleep-onset
windows of the hypnic-jerk rule. Sub-threshold twitches (5-15 µV peak-to-peak) are distractors.
Dense nights carry >= 60 min of 8-20 potentials per minute (EFM: >= 20 min at >= 5 per minute);
sparse nights about 0.3 per minute.

ALMA and HFT (``truth["motor"]["alma"]``, ``["hft"]``): ALMA 6-20 bursts of 0.18-0.4 s alternating
at 0.6-2.2 Hz per leg (rule 0.5-3.0 Hz, 0.1-0.5 s), the other leg half a cycle later; HFT 6-20
bursts of 0.4-0.8 s at 0.5-1.5 Hz (rule 0.3-4.0 Hz, 0.25-1.0 s) in one leg or both in step;
the durations are those of the drive: the MUAP renderer recruits few units at a burst's edges,
so its bursts look 10-30 % shorter, and the margins to 0.1 and 0.25 s allow for that;
both 15-40 µV above rest, each burst within 3 % of a period of its place in the rhythm. They are
not leg movements.
"""
from __future__ import annotations

from .config import MotorConfig, SimConfig, split_overrides
from .night import SimulatedNight, simulate_night

# preset -> MotorConfig fields; the plain night keeps its PLMs, jerks, arousals and apneas but
# none of its own REM twitches or fragmentary stretches (the motor truth replaces them)
PRESETS: dict[str, dict] = {
    "rbd": dict(rem="rbd"),
    "rbd_arms": dict(rem="rbd", arms=True),
    "control": dict(rem="control"),
    "efm": dict(fm="dense"),
    "fm_sparse": dict(fm="sparse"),
    "alma": dict(alma_per_hour=4.0),
    "hft": dict(hft_per_hour=4.0),
    "mixed": dict(rem="rbd", fm="dense", alma_per_hour=2.0, hft_per_hour=2.0, arms=True),
    "mixed_control": dict(rem="control", fm="sparse", alma_per_hour=2.0, hft_per_hour=2.0),
}
PLAIN_OVERRIDES = dict(rem_twitches_per_min=0.0, fragmentary_stretches_per_hour=0.0)


def motor_night(preset: str, seed: int = 0, duration_h: float = 8.0, fs_emg: float = 256.0,
                renderer: str = "gauss", fs_eeg: float | None = None, **overrides) -> SimulatedNight:
    """Simulate a night of a motor preset (``PRESETS``).

    Parameters
    ----------
    preset : str
        "rbd", "rbd_arms", "control", "efm", "fm_sparse", "alma", "hft", "mixed", "mixed_control".
    seed : int
        Same seed and options -> bit-identical night.
    renderer : "gauss" or "muap"
    **overrides
        SimConfig or MotorConfig fields.

    Examples
    --------
    >>> night = motor_night("alma", seed=1, duration_h=0.5, fs_emg=200)
    >>> len(night.truth["motor"]["alma"]) > 0
    True
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown motor preset '{preset}'; known: {', '.join(PRESETS)}")
    base = dict(PLAIN_OVERRIDES, duration_h=duration_h, fs_emg=fs_emg, fs_eeg=fs_eeg or min(fs_emg, 256.0) / 2,
                full_montage=False)
    mot = dict(PRESETS[preset], renderer=renderer)
    split_overrides(overrides, base, mot, MotorConfig, "motor")
    cfg = SimConfig(**base)
    cfg.motor = MotorConfig(**mot)
    return simulate_night(seed=seed, config=cfg)


def score_night_motor(night, rules_name: str = "wasm2016", **score_kw):
    """Score a simulated night in memory with its scoring (stages, arousals, respiratory events)
    as a technician would give it; returns ``(ScoringResult, MotorEvents)``."""
    import warnings

    from ..io.scoring import scoring_from_events
    from ..pipeline.score import score
    rec = night.recording()
    sc = scoring_from_events(night.scoring_events(), rec.source, "simulated", 30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score(rec, sc, rules=rules_name, arousals="scoring", **score_kw)
    return res, res.motor
