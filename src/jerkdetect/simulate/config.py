"""What the simulator varies: channel labels, chin tone by stage, :class:`SimConfig`, the stress
effects of :class:`StressConfig` (see :mod:`.stress_effects`) and the motor patterns of
:class:`MotorConfig` (see :mod:`.motor_effects`)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

LABELS = {"leg_left": "Leg L", "leg_right": "Leg R", "chin": "EMG Chin", "eeg": "EEG C4-M1",
          "eeg2": "EEG O2-M1", "eog": "EOG E1-M2", "eog2": "EOG E2-M1", "ecg": "ECG",
          "resp": "Airflow", "resp2": "Thor", "spo2": "SpO2"}
CHIN_TONE = {0: 6.0, 1: 4.0, 2: 3.0, 3: 2.5, 4: 0.8, -1: 4.0}  # mean rectified µV by stage


@dataclass
class SimConfig:
    """Everything the simulator varies; defaults give a typical PLMD night with a few jerks."""

    duration_h: float = 8.0
    fs_emg: float = 512.0
    fs_eeg: float = 256.0
    fs_ecg: float | None = None
    fs_resp: float = 32.0
    emg_unit: str = "uV"
    full_montage: bool = True          # second EEG/EOG, thorax, SpO2
    plm_series_per_hour: float = 1.0
    isolated_lm_per_hour: float = 5.0
    long_lm_per_night: int = 2
    resp_clusters_per_hour: float = 0.4
    plmw_series: bool = True
    jerk_probability: float = 0.75     # per wake->sleep transition
    arousal_after_plm: float = 0.3
    arousal_after_jerk: float = 0.5
    spontaneous_arousals_per_hour: float = 4.0
    fragmentary_stretches_per_hour: float = 0.5
    rem_twitches_per_min: float = 4.0
    leg_rest_uv: tuple[float, float] = (1.0, 3.0)
    ecg_bleed_uv: tuple[float, float] = (3.0, 15.0)
    mains_uv: tuple[float, float] = (2.0, 10.0)
    mains_hz: float | None = None      # None: 50 or 60 at random
    noisy_stretches_per_leg: int = 1
    noisy_stretch_s: tuple[float, float] = (180.0, 480.0)
    lm_amplitude_uv: tuple[float, float] = (12.0, 50.0)
    jerk_amplitude_uv: tuple[float, float] = (45.0, 150.0)
    start: str = "2024-03-01T22:30:00"
    stress: StressConfig | None = None  # stress family (simulate.stress); None: a plain night
    motor: MotorConfig | None = None    # motor patterns (simulate.motor); None: a plain night
    arousal_stress: ArousalStressConfig | None = None  # arousal stress family (simulate.arousal_stress)
    # EEG (simulate/eeg.py): arousal appearance and the look-alikes a detector must ignore
    eeg_gain: tuple[float, float] = (0.5, 2.0)   # per-night amplitude factor (montage, amplifier, age)
    modest_arousal_fraction: float = 0.7          # arousals at 2-4x the band background (others 4-7x)
    arousal_chin_fraction: float = 0.5            # NREM arousals with a chin EMG rise (REM: all)
    short_intrusions_per_hour: float = 4.0        # alpha/beta bursts < 3 s in sleep
    spindle_trains_per_hour: float = 6.0          # N2/N3
    spindles_per_min: float = 3.0                 # single spindles in N2 (30 % of that in N3)
    kcomplexes_per_min: float = 1.0               # N2
    rem_alpha_per_hour: float = 4.0               # REM alpha bursts without chin EMG
    wake_alpha_per_hour: float = 20.0
    eyes_open_per_hour: float = 10.0
    lm_muscle_artifact_fraction: float = 0.5      # LMs without arousal that put muscle artefact on the EEG


@dataclass(frozen=True)
class StressConfig:
    """The stress effects of one night; every rate 0 / None means the effect is off.

    Rates are per hour of recording unless named otherwise; ranges are drawn uniformly.
    """

    # recording faults
    clip_uv: float | None = None
    clip_muscles: tuple[str, ...] = ("left", "right", "chin")
    leadoffs: int = 0
    leadoff_kinds: tuple[str, ...] = ("flat", "saturated")
    leadoff_s: tuple[float, float] = (60.0, 300.0)
    leadoff_rail_uv: float = 250.0       # rail of a saturated lead-off when clip_uv is None
    noise_periods: int = 0
    noise_rms_uv: tuple[float, float] = (3.0, 6.0)
    noise_period_s: tuple[float, float] = (120.0, 600.0)
    hum_uv: tuple[float, float] | None = None
    hum_hz: float | None = None          # None: 50 or 60 Hz at random
    ecg_channel: bool = True
    # physiology
    myoclonus_per_hour: float = 0.0      # NREM stretches of dense fragmentary myoclonus
    myoclonus_stretch_s: tuple[float, float] = (120.0, 600.0)
    myoclonus_rate_hz: tuple[float, float] = (0.2, 0.9)   # per muscle
    twitch_s: tuple[float, float] = (0.02, 0.15)
    twitch_uv: tuple[float, float] = (5.0, 40.0)
    rem_leg_twitches_per_min: float = 0.0
    alma_per_hour: float = 0.0
    alma_hz: tuple[float, float] = (0.55, 2.7)         # inside the ALMA rule's 0.5-3.0 Hz
    alma_burst_s: tuple[float, float] = (0.15, 0.5)    # inside its 0.1-0.5 s
    alma_bursts: tuple[int, int] = (4, 16)
    near_threshold_per_hour: float = 0.0
    near_threshold_uv: tuple[float, float] = (9.0, 12.0)
    ragged_per_hour: float = 0.0
    ragged_dip_s: tuple[float, float] = (0.1, 0.45)
    staggered_per_hour: float = 0.0
    stagger_s: tuple[float, float] = (0.5, 4.7)
    irregular_per_hour: float = 0.0
    short_imi_s: tuple[float, float] = (2.0, 9.5)
    long_lm_s: tuple[float, float] = (11.0, 20.0)
    train_lms: tuple[int, int] = (6, 14)
    train_imi_s: tuple[float, float] = (15.0, 40.0)
    lm_excess_uv: tuple[float, float] = (12.0, 40.0)
    awakenings_per_hour: float = 0.0
    jerk_probability: float = 0.0        # per wake -> sleep transition
    waking_jerk_fraction: float = 0.5
    jerk_peak_uv: tuple[float, float] = (50.0, 90.0)
    jerk_s: tuple[float, float] = (0.05, 0.3)
    drowsy_lead_s: tuple[float, float] = (30.0, 90.0)

    def active(self) -> list[str]:
        """Names of the fields that switch an effect on."""
        on = [n for n in ("clip_uv", "hum_uv") if getattr(self, n) is not None]
        counts = ("leadoffs", "noise_periods", "jerk_probability")
        on += [f.name for f in dataclasses.fields(self) if getattr(self, f.name) and
               (f.name.endswith(("_per_hour", "_per_min")) or f.name in counts)]
        return on + ([] if self.ecg_channel else ["no_ecg_channel"])


@dataclass(frozen=True)
class ArousalStressConfig:
    """The arousal stress effects of one night (see :mod:`.arousal_stress`); all off by default.

    Attributes
    ----------
    arousal_ratio : (float, float) or None
        Every arousal's band amplitude rise drawn from this range (low contrast: 1.5-4).
    arousal_s : (float, float) or None
        Every arousal's duration drawn from this range (short arousals: 3-9 s).
    neighbour_intrusions : float
        Share of arousals given an alpha/beta intrusion of ``intrusion_s`` ending or starting
        ``intrusion_gap_s`` from them.
    after_graphoelement : float
        Share of N2/N3 arousals that start right after a spindle or a K-complex.
    alpha_background, beta_background : (float, float) or None
        Amplitude factor range of the sleep stages' alpha (alpha-rich N1, alpha-delta sleep) or
        beta and sigma (benzodiazepines).
    pops_per_hour, sweat_per_hour : float
        Electrode pops (a 50-300 µV step decaying over 0.1-0.8 s, one channel) and sweat sway
        (0.1-0.6 Hz, 30-120 µV, 20-120 s, every channel) in sleep.
    rem_chin_ratio : (float, float) or None
        Chin EMG rise of the REM arousals (default 2-4 x).
    broad_arousals : float
        Share of arousals that raise the whole 8-30 Hz range (alpha, sigma and beta together),
        with their neighbour intrusions, instead of their own bands.
    sigma_background : (float, float) or None
        Amplitude factor range of N2/N3 sigma (spindle-rich N2: sigma's background above alpha's).
    chin_bursts_per_hour : float
        Chin EMG rises (RMS x 2-4, 1-6 s: swallowing, a body shift) in sleep away from arousals,
        per hour of recording; half of them with an alpha/beta intrusion of 1.5-2.9 s (not an
        arousal) at their start.
    slow_spindle_trains_per_hour : float
        Trains of 2-5 slow spindles (``slow_spindle_hz``, AASM's spindles are 11-16 Hz), 3 s or
        longer, in N2/N3 away from arousals, per hour of N2/N3: not arousals, though most of
        their power falls in the alpha band.
    """

    arousal_ratio: tuple[float, float] | None = None
    arousal_s: tuple[float, float] | None = None
    neighbour_intrusions: float = 0.0
    intrusion_s: tuple[float, float] = (1.0, 2.9)
    intrusion_gap_s: tuple[float, float] = (1.0, 4.0)
    after_graphoelement: float = 0.0
    alpha_background: tuple[float, float] | None = None
    beta_background: tuple[float, float] | None = None
    pops_per_hour: float = 0.0
    sweat_per_hour: float = 0.0
    rem_chin_ratio: tuple[float, float] | None = None
    broad_arousals: float = 0.0
    sigma_background: tuple[float, float] | None = None
    chin_bursts_per_hour: float = 0.0
    slow_spindle_trains_per_hour: float = 0.0
    slow_spindle_hz: tuple[float, float] = (11.0, 12.3)


@dataclass(frozen=True)
class MotorConfig:
    """The motor patterns of one night (all off by default).

    Attributes
    ----------
    rem : None, "rbd" or "control"
        REM sleep without atonia with tonic and phasic activity, or normal REM atonia.
    fm : None, "dense" or "sparse"
        Fragmentary myoclonus in NREM (dense: EFM).
    alma_per_hour, hft_per_hour : float
        Rhythmic leg trains per hour of recording.
    arms : bool
        Add flexor digitorum superficialis channels (``EMG Arm L``, ``EMG Arm R``).
    renderer : "gauss" or "muap"
        Which renderer draws the events (see the module notes).
    rbd_tonic_epochs : (float, float)
        Range of the night's fraction of tonic REM epochs (RBD).
    rem_arousals_per_hour, rem_hypopneas : float, int
        Scored arousals per hour of REM and hypopneas in REM (their mini-epochs are not scored).
    fm_duration_s : (float, float)
        Range of the potentials' durations (20-80 ms: clear of the 150-ms limit and of the 0.1-s
        minimum of an ALMA burst; widen it to stress the rules).
    """

    rem: str | None = None
    fm: str | None = None
    alma_per_hour: float = 0.0
    hft_per_hour: float = 0.0
    arms: bool = False
    renderer: str = "gauss"
    rbd_tonic_epochs: tuple[float, float] = (0.3, 0.6)
    rem_arousals_per_hour: float = 4.0
    rem_hypopneas: int = 2
    fm_dense_minutes: tuple[float, float] = (60.0, 120.0)
    fm_dense_per_min: tuple[float, float] = (8.0, 20.0)
    fm_sparse_per_min: float = 0.3
    fm_duration_s: tuple[float, float] = (0.02, 0.08)
    twitches_per_min: float = 2.0

    def __post_init__(self) -> None:
        if self.rem not in (None, "rbd", "control"):
            raise ValueError(f"MotorConfig.rem must be None, 'rbd' or 'control', got {self.rem!r}.")
        if self.fm not in (None, "dense", "sparse"):
            raise ValueError(f"MotorConfig.fm must be None, 'dense' or 'sparse', got {self.fm!r}.")
        if self.renderer not in ("gauss", "muap"):
            raise ValueError(f"MotorConfig.renderer must be 'gauss' or 'muap', got {self.renderer!r}.")


def split_overrides(overrides: dict, base: dict, part: dict, part_cls: type, what: str) -> None:
    """Route each keyword of a preset night to the :class:`SimConfig` fields (``base``) or to the
    fields of ``part_cls`` (``part``, e.g. :class:`StressConfig`); a name SimConfig also has goes to
    SimConfig. An unknown name is a ``TypeError`` naming ``what`` ("stress", "motor" ...)."""
    sim_fields = {f.name for f in dataclasses.fields(SimConfig)}
    part_fields = {f.name for f in dataclasses.fields(part_cls)}
    for k, v in overrides.items():
        if k in sim_fields:
            base[k] = v
        elif k in part_fields:
            part[k] = v
        else:
            raise TypeError(f"unknown simulator or {what} option '{k}'")
