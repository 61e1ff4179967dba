"""Which scoring belongs to a recording: the file next to it by stem, or what the caller passed."""
from __future__ import annotations

import os

from ..core.hypnogram import Hypnogram, is_yasa_hypnogram
from ..io.recording import Recording
from ..io.scoring_model import Scoring, scoring_from_events
from ..io.scoring import align_to_recording, read_scoring, scoring_from_yasa

SCORING_SUFFIXES = (".xml", "-nsrr.xml", ".tsv", "-Hypnogram.edf", "_hypnogram.edf", ".csv",
                    "-events.tsv", "_scoring.tsv", "-profusion.xml", "_profusion.xml",
                    "_sleepscoring.edf", "_sleepscoring.txt", "_sleepscoring.tsv", "_sleepscoring.csv")


def find_scoring_file(recording_path: str) -> str | None:
    """The scoring file next to a recording, by stem: X.xml, X-nsrr.xml, X-profusion.xml, X.tsv,
    X-Hypnogram.edf, X_sleepscoring.edf (HMC) ...

    Sleep-EDF pairs (``SC4001E0-PSG.edf`` with ``SC4001EC-Hypnogram.edf``) are matched on the
    first six characters of the stem as well.
    """
    folder, name = os.path.split(os.path.abspath(recording_path))
    stem = os.path.splitext(name)[0]
    stems = [stem]
    if stem.endswith("-PSG"):
        stems.append(stem[:-4])
    for s in stems:
        for suf in SCORING_SUFFIXES:
            p = os.path.join(folder, s + suf)
            if os.path.isfile(p):
                return p
    if stem.endswith("-PSG") and len(stem) > 6:
        import glob
        hits = sorted(glob.glob(os.path.join(folder, stem[:6] + "*-Hypnogram.edf")))
        if hits:
            return hits[0]
    return None


def scoring_for_recording(rec: Recording, path: str | None, annotations,
                          force: bool = False) -> tuple[Scoring | None, str]:
    """The scoring of a night and where it came from: ``annotations`` (a path, :class:`Scoring`,
    :class:`Hypnogram` or ``yasa.Hypnogram``), else the file next to ``path`` by stem, else the
    EDF+'s own annotations; ``(None, "none")`` when there is none.

    Each is checked against the recording (:func:`jerkdetect.io.scoring.scoring_mismatch`): one
    that is clearly another recording's is refused unless ``force``.
    """
    if isinstance(annotations, Scoring):
        return align_to_recording(annotations, rec, force), annotations.source or "Scoring object"
    if is_yasa_hypnogram(annotations):
        return scoring_from_yasa(annotations, rec, force), "yasa.Hypnogram object"
    if isinstance(annotations, Hypnogram):
        return align_to_recording(Scoring("hypnogram", "hypnogram", annotations), rec, force), "Hypnogram object"
    if annotations is not None:
        sc = read_scoring(annotations, rec, force=force)
        return sc, os.fspath(annotations)
    if path is not None:
        p = find_scoring_file(path)
        if p is not None:
            return read_scoring(p, rec, force=force), p
    if rec.annotations:
        sc = scoring_from_events(rec.annotations, rec.source, "edf+ embedded", 30.0, start=None)
        if sc.hypnogram is not None:
            sc.hypnogram = sc.hypnogram.fit_to(rec.duration, rec.source)
        return sc, f"{rec.source} (embedded EDF+ annotations)"
    return None, "none"
