"""Arousal stress family (simulate.arousal_stress): each effect does what it says, and a night
without it is the plain night."""
import numpy as np
import pytest

from jerkdetect.simulate import simulate_night
from jerkdetect.simulate.arousal_stress import AROUSAL_EFFECTS, arousal_stress_config, arousal_stress_night
from jerkdetect.simulate.config import ArousalStressConfig


def test_the_family_draws_from_its_own_generator():
    plain = simulate_night(seed=4, duration_h=0.5, fs_emg=200.0, fs_eeg=100.0)
    off = simulate_night(seed=4, duration_h=0.5, fs_emg=200.0, fs_eeg=100.0, arousal_stress=ArousalStressConfig())
    for k in plain.signals:
        np.testing.assert_array_equal(plain.signals[k], off.signals[k])
    assert plain.truth["arousals"] == off.truth["arousals"]


def test_low_contrast_arousals_are_short_and_modest():
    n = arousal_stress_night("low_contrast", seed=3, duration_h=1.0, fs_eeg=128.0)
    d = n.truth["arousal_details"]
    assert d and all(1.5 <= a["ratio"] <= 4.0 and 3.0 <= a["duration"] <= 9.0 for a in d)
    assert [(a["onset"], a["duration"]) for a in d] == [tuple(x) for x in n.truth["arousals"]]


def test_intrusions_sit_next_to_arousals_and_are_not_arousals():
    n = arousal_stress_night("neighbour_intrusions", seed=2, duration_h=1.0, fs_eeg=128.0)
    intr = [e for e in n.truth["eeg_events"] if e["kind"] == "neighbour_intrusion"]
    ar = np.array(n.truth["arousals"], float)
    assert intr
    for e in intr:
        assert 1.0 <= e["duration"] <= 2.9
        gaps = np.minimum(np.abs(ar[:, 0] - (e["onset"] + e["duration"])), np.abs(e["onset"] - ar.sum(axis=1)))
        assert 1.0 - 1e-3 <= gaps.min() <= 4.0 + 1e-3
        assert not np.any((ar[:, 0] < e["onset"] + e["duration"]) & (ar.sum(axis=1) > e["onset"]))


def test_arousals_after_spindles_and_k_complexes():
    n = arousal_stress_night("after_spindle", seed=5, duration_h=1.5, fs_eeg=128.0)
    pre = [e for e in n.truth["eeg_events"] if e.get("before_arousal")]
    onsets = np.array(n.truth["arousals"], float)[:, 0]
    assert pre and {e["kind"] for e in pre} <= {"spindle", "k_complex"}
    for e in pre:
        lead = onsets - (e["onset"] + e["duration"])
        assert np.any((lead >= -1e-3) & (lead <= 0.5 + 1e-3))


@pytest.mark.parametrize("effect, band", [("alpha_background", "alpha"), ("beta_background", "beta")])
def test_rich_backgrounds_raise_the_band_in_sleep(effect, band):
    n = arousal_stress_night(effect, seed=1, duration_h=0.5, fs_eeg=128.0)
    f = n.truth["eeg_background_factor"][band]
    assert all(2.5 <= v <= 4.0 for v in f.values()) and "0" not in f   # sleep only, not wake


def test_artefacts_and_small_rem_chin_rises_and_presets():
    n = arousal_stress_night("artefacts", seed=1, duration_h=1.0, fs_eeg=128.0)
    kinds = {e["kind"] for e in n.truth["eeg_events"]}
    assert "pop" in kinds
    c = arousal_stress_config("rem_small_chin")
    assert c.arousal_stress.rem_chin_ratio == (1.6, 2.0)
    assert arousal_stress_config("one_channel").full_montage is False
    assert len(AROUSAL_EFFECTS) >= 9
    with pytest.raises(ValueError, match="unknown arousal stress effect"):
        arousal_stress_config("nope")
    with pytest.raises(TypeError, match="unknown simulator or arousal stress option"):
        arousal_stress_config("low_contrast", not_a_field=1)


def test_broad_rise_arousals_raise_sigma_with_alpha_and_beta_in_spindle_rich_n2():
    """The whole 8-30 Hz range rises in every arousal (sigma too, by the arousal's ratio), and N2/N3
    sigma is 2-3x (spindle-rich): what a spindle test by absolute sigma power mistakes for spindles."""
    from jerkdetect.simulate.eeg import _modulations
    n = arousal_stress_night("broad_rise", seed=2, duration_h=1.0, fs_eeg=128.0)
    d = n.truth["arousal_details"]
    assert d and all(a["kind"] == "broad" for a in d)
    f = n.truth["eeg_background_factor"]["sigma"]
    assert set(f) == {"2", "3"} and all(2.0 <= v <= 3.0 for v in f.values())
    mods = {on: m for on, _, m, _ in _modulations(n.truth)}
    for a in d:
        m = mods[a["onset"]]
        assert m["alpha"] == m["sigma"] == m["beta"] == pytest.approx(a["ratio"]) and a["ratio"] >= 2.0


def test_chin_bursts_raise_the_chin_away_from_arousals_some_on_a_short_intrusion():
    """Chin EMG rises with no arousal (>= 10 s from every arousal, in sleep), half of them starting
    with a sub-3-s alpha/beta intrusion: what a detector letting the chin settle a weak shift must
    not score. Drawn last, so the arousals are those of the same night without them."""
    from jerkdetect.pipeline.arousal_source import chin_envelope
    from jerkdetect.detection import DetectionParams
    n = arousal_stress_night("chin_bursts", seed=5, duration_h=1.0, fs_eeg=128.0)
    off = arousal_stress_night("chin_bursts", seed=5, duration_h=1.0, fs_eeg=128.0, chin_bursts_per_hour=0.0)
    assert n.truth["arousal_details"] == off.truth["arousal_details"]
    bursts = [e for e in n.truth["eeg_events"] if e["kind"] == "chin_burst"]
    intr = [e for e in n.truth["eeg_events"] if e["kind"] == "chin_intrusion"]
    assert len(bursts) >= 8 and 0 < len(intr) < len(bursts)
    assert all(e["duration"] < 3.0 and e["band"] in ("alpha", "alpha+beta", "beta") for e in intr)
    assert all(abs(b["onset"] - a) >= 10.0 for b in bursts for a, _ in n.truth["arousals"])
    rec = n.recording()
    env, rate = chin_envelope(rec, {}, DetectionParams())
    for b in bursts:   # the chin's envelope rises over the burst against the 10 s before
        i, j = int(b["onset"] * rate), int((b["onset"] + b["duration"]) * rate)
        assert np.median(env[i + int(0.3 * rate):j]) > 1.5 * np.median(env[i - int(10 * rate):i])


def test_slow_spindle_trains_are_long_sigma_events_in_n2_n3_away_from_arousals():
    """Trains of 2-5 spindles at 11.0-12.3 Hz (AASM's spindles are 11-16 Hz; most of their power
    lies in the 8-12 Hz alpha band), 3 s or longer, in N2/N3, >= 3 s from every arousal: not
    arousals. Drawn last, so the arousals are those of the same night without them."""
    n = arousal_stress_night("slow_spindles", seed=3, duration_h=1.5, fs_eeg=128.0)
    off = arousal_stress_night("slow_spindles", seed=3, duration_h=1.5, fs_eeg=128.0, slow_spindle_trains_per_hour=0.0)
    assert n.truth["arousal_details"] == off.truth["arousal_details"]
    # drawn after every other effect: with chin bursts and neighbour intrusions on, those are unchanged
    busy = dict(chin_bursts_per_hour=20.0, neighbour_intrusions=0.7)
    a = arousal_stress_night("chin_bursts", seed=4, duration_h=1.0, fs_eeg=128.0, slow_spindle_trains_per_hour=30.0,
                             **busy)
    b = arousal_stress_night("chin_bursts", seed=4, duration_h=1.0, fs_eeg=128.0, **busy)
    assert [e for e in a.truth["eeg_events"] if not e.get("slow")] == b.truth["eeg_events"]
    assert a.truth["arousal_details"] == b.truth["arousal_details"]
    assert any(e.get("slow") for e in a.truth["eeg_events"])
    trains = [e for e in n.truth["eeg_events"] if e.get("slow")]
    others = [e for e in n.truth["eeg_events"] if e["kind"] not in ("pop", "sweat")]
    assert len(trains) >= 10 and n.truth["arousal_stress"]["added"]["spindle_train"] == len(trains)
    for e in trains:
        parts = e["parts"]
        assert 2 <= len(parts) <= 5 and e["duration"] >= 3.0 and e["stage"] in (2, 3)
        assert all(11.0 <= p["freq"] <= 12.3 and 0.5 <= p["duration"] <= 2.0 for p in parts)
        assert parts[0]["onset"] == e["onset"]
        assert abs(parts[-1]["onset"] + parts[-1]["duration"] - (e["onset"] + e["duration"])) < 1e-3
        spans = list(n.truth["arousals"]) + [(o["onset"], o["duration"]) for o in others if o is not e]
        for on, d in spans:  # 3 s clear of every arousal, look-alike and other train
            assert on + d + 3.0 <= e["onset"] or on >= e["onset"] + e["duration"] + 3.0
        epochs = n.hypnogram.stages[int(e["onset"] // 30):int((e["onset"] + e["duration"]) // 30) + 1]
        assert set(np.asarray(epochs).tolist()) <= {2, 3}  # N2/N3 from its first sample to its last
    # the trains are in the EEG: the 11-12.3 Hz band's power over a train exceeds the 10 s before it
    rec = n.recording()
    x = rec.channels["EEG C4-M1"].data
    fs = rec.channels["EEG C4-M1"].fs

    def power(a, b):
        seg = x[int(a * fs):int(b * fs)]
        f = np.fft.rfftfreq(seg.size, 1 / fs)
        p = np.abs(np.fft.rfft(seg - seg.mean())) ** 2
        return p[(f >= 10.8) & (f <= 12.5)].sum() / seg.size

    ratios = [power(e["onset"], e["onset"] + e["duration"]) / power(e["onset"] - 10, e["onset"]) for e in trains]
    assert np.median(ratios) > 3.0
