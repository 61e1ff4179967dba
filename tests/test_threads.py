"""Issue 18: a night's EMG channels run on several threads, and the result does not depend on it."""
import multiprocessing

import numpy as np
import pytest

import jerkdetect as jd
from jerkdetect.core.threads import ENV, night_threads
from jerkdetect.detection.bursts import detect_channel, detect_emg_channels
from jerkdetect.errors import InputError


def test_threads_setting(monkeypatch):
    monkeypatch.setenv(ENV, "3")
    assert night_threads(4) == 3
    assert night_threads(2) == 2  # never more threads than jobs
    monkeypatch.setenv(ENV, "1")
    assert night_threads(4) == 1
    for bad in ("two", "0", "-1"):
        monkeypatch.setenv(ENV, bad)
        with pytest.raises(InputError, match=ENV):
            night_threads(4)
    monkeypatch.delenv(ENV)
    assert 1 <= night_threads(4) <= 4


def _threads_in_child(q):
    q.put(night_threads(4))


def test_a_pool_worker_scores_on_one_thread(monkeypatch):
    """A batch worker process already has its own core: a night there runs on one thread."""
    monkeypatch.delenv(ENV, raising=False)
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_threads_in_child, args=(q,))
    p.start()
    got = q.get(timeout=120)
    p.join()
    assert got == 1


def _same(a, b):
    for f in ("onset", "offset", "peak_uv", "morph_ok", "rule_onset", "raw_peak_uv", "sustained_s", "unscorable",
              "envelope", "raw_peaks"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert (a.rest_uv, a.mains, a.unscorable_kind) == (b.rest_uv, b.mains, b.unscorable_kind)


@pytest.mark.parametrize("fs", [200.0, 256.0, 512.0])
def test_bursts_do_not_depend_on_threads(sim_cache, monkeypatch, fs):
    """Legs and chin with ECG removal, on 1 and 2 threads and channel by channel: equal bursts."""
    paths, _ = sim_cache(seed=3, duration_h=0.5, fs_emg=fs, fs_eeg=100.0)
    rec = jd.read_psg(paths["recording"])
    labels = [rec.channel(r).label for r in ("leg_left", "leg_right", "chin")]
    ecg = rec.channel("ecg").label
    runs = {}
    for n in ("1", "2"):
        monkeypatch.setenv(ENV, n)
        bursts, r_times, timings = detect_emg_channels(rec, labels, ecg=ecg)
        assert timings["threads"] == int(n) and list(bursts) == labels
        runs[n] = (bursts, r_times)
    assert runs["1"][1].size > 100  # the R peaks were found and used
    np.testing.assert_array_equal(runs["1"][1], runs["2"][1])
    for lab in labels:
        _same(runs["1"][0][lab], runs["2"][0][lab])
        _same(runs["1"][0][lab], detect_channel(rec, lab, r_times=runs["1"][1]))
