"""Checks shared by the tests of the three blind arousal generators (benchmarks/_blind_eeg*.py)."""
from __future__ import annotations

import os


def assert_same_files(stem: str, other_stem: str, suffixes) -> None:
    """The files of two nights made with one seed are the same, byte for byte."""
    for sfx in suffixes:
        with open(stem + sfx, "rb") as a, open(other_stem + sfx, "rb") as b:
            assert a.read() == b.read(), sfx


def assert_seeded(gen, seed: int, night, folder) -> None:
    """A generator of the second kind (``make_night(seed, hours, family, folder, name)``) makes
    ``night`` (its stem and truth, made with ``seed``, 1 h, ordinary) again from the same seed,
    file for file, and another night from another seed."""
    stem, truth = night
    again = gen.make_night(seed, 1.0, "ordinary", str(folder), "n")
    assert_same_files(stem, stem_in(folder, "n"), (".edf", gen.XML_NOAR, gen.XML_AR))
    assert again["arousals"] == truth["arousals"]
    other = gen.make_night(seed + 1, 0.5, "modest", str(folder), "o")
    assert other["arousals"] != truth["arousals"][: len(other["arousals"])]


def assert_aasm_arousals(truth: dict, sleep, max_duration_s: float, contrast=None) -> None:
    """Every true arousal is what the AASM rule scores: 3 s or longer, inside one sleep stage
    from 10 s before its onset (stable sleep) to its end, 10 s or more after the previous one;
    ``contrast`` = (low, high) bounds its drawn contrast."""
    st = truth["stages"]
    assert len(truth["arousals"]) >= 5
    prev_end = -1e9
    for a in truth["arousals"]:
        on, end = a["onset"], a["onset"] + a["duration"]
        assert 3.0 <= a["duration"] <= max_duration_s, a
        stages = {st[i] for i in range(int((on - 10) // 30), int(end // 30) + 1)}
        assert stages == {a["stage"]} and a["stage"] in sleep, a  # >= 10 s of stable sleep before
        assert on - prev_end >= 10.0, a  # no other arousal in those 10 s
        prev_end = end
        if contrast is not None:
            assert contrast[0] <= a["contrast"] <= contrast[1], a


def stem_in(folder, name: str) -> str:
    return os.path.join(str(folder), name)
