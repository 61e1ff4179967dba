"""Batch inputs: folders, globs or a manifest, paired with scoring files by stem."""
from __future__ import annotations

import csv
import glob
import os
from dataclasses import dataclass, field

from ..errors import JerkdetectError
from ..scoring import find_scoring_file

RECORDING_EXT = (".edf", ".bdf", ".rec")
SCORING_ONLY_EXT = (".xml",)  # scored on their own with --from-scoring when no recording pairs them
ROLE_COLUMNS = ("leg_left", "leg_right", "chin", "ecg")


@dataclass(frozen=True)
class Job:
    """One night to score."""

    recording: str
    annotations: str | None = None
    channels: tuple = field(default_factory=tuple)  # ((role, label), ...)
    stem: str = ""


def _is_recording(p: str) -> bool:
    low = p.lower()
    return low.endswith(RECORDING_EXT) and not low.endswith(("-hypnogram.edf", "_hypnogram.edf",
                                                            "_annotations.edf"))


def read_manifest(path: str) -> list[Job]:
    """CSV/TSV with a ``recording`` (or ``path``) column, optional ``annotations`` and role columns
    (``leg_left``, ``leg_right``, ``chin``, ``ecg``) or a ``channels`` column ``leg_left=X;leg_right=Y``.
    Relative paths are taken from the manifest's folder."""
    base = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8-sig") as f:
        first = f.readline()
        f.seek(0)
        rows = list(csv.DictReader(f, delimiter="\t" if "\t" in first else ","))
    jobs = []
    for i, r in enumerate(rows):
        r = {k.strip().lower(): (v or "").strip() for k, v in r.items() if k}
        rec = r.get("recording") or r.get("path") or r.get("edf")
        if not rec:
            raise JerkdetectError(f"{path}: row {i + 2} has no 'recording' column value.")
        rec = rec if os.path.isabs(rec) else os.path.join(base, rec)
        ann = r.get("annotations") or r.get("scoring") or None
        if ann and not os.path.isabs(ann):
            ann = os.path.join(base, ann)
        ch = {k: r[k] for k in ROLE_COLUMNS if r.get(k)}
        for part in filter(None, (r.get("channels") or "").split(";")):
            k, v = part.split("=", 1)
            ch[k.strip()] = v.strip()
        jobs.append(Job(os.path.abspath(rec), ann, tuple(sorted(ch.items()))))
    return jobs


def _scoring_only_jobs(inputs: list[str], paired: set[str]) -> list[Job]:
    """Scoring files (XML) in folders and globs that no recording is paired with: scored on their own."""
    found = []
    for item in inputs:
        if os.path.isdir(item):
            found += [os.path.join(d, f) for d, _, fs in os.walk(item) for f in fs]
        elif not item.lower().endswith((".csv", ".tsv", ".txt")):
            found += glob.glob(item, recursive=True)
    return [Job(os.path.abspath(p)) for p in found
            if p.lower().endswith(SCORING_ONLY_EXT) and os.path.abspath(p) not in paired]


def collect_jobs(inputs: list[str], channels: dict | None = None, scoring_only: bool = False) -> list[Job]:
    """Expand folders (recursively), globs and manifests into jobs, sorted, with unique output stems.

    With ``scoring_only`` (``--from-scoring``), XML scoring files that no recording pairs with
    are jobs of their own, scored without EMG (:func:`jerkdetect.score_annotations`).
    """
    jobs: list[Job] = []
    for item in inputs:
        if os.path.isdir(item):
            paths = [os.path.join(d, f) for d, _, fs in os.walk(item) for f in fs]
            jobs += [Job(os.path.abspath(p)) for p in paths if _is_recording(p)]
        elif item.lower().endswith((".csv", ".tsv", ".txt")) and os.path.isfile(item):
            jobs += read_manifest(item)
        else:
            hits = sorted(glob.glob(item, recursive=True))
            if not hits and not os.path.exists(item):
                raise JerkdetectError(f"{item}: no such file, folder or matching recordings.")
            jobs += [Job(os.path.abspath(p)) for p in (hits or [item]) if _is_recording(p)]
    if scoring_only:
        paired = {os.path.abspath(j.annotations or find_scoring_file(j.recording) or "") for j in jobs}
        jobs += _scoring_only_jobs(inputs, paired)
    uniq = {}
    for j in jobs:
        uniq.setdefault(j.recording, j)
    jobs = sorted(uniq.values(), key=lambda j: j.recording)
    base_ch = tuple(sorted((channels or {}).items()))
    stems = [os.path.splitext(os.path.basename(j.recording))[0] for j in jobs]
    dup = {s for s in stems if stems.count(s) > 1}
    out = []
    for j, s in zip(jobs, stems):
        if s in dup:
            s = f"{os.path.basename(os.path.dirname(j.recording))}__{s}"
        ann = j.annotations or (None if j.recording.lower().endswith(SCORING_ONLY_EXT)
                                else find_scoring_file(j.recording))
        out.append(Job(j.recording, ann, j.channels or base_ch, s))
    return out
