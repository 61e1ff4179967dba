"""Batch inputs: folders, globs or a manifest, paired with scoring files by stem."""
from __future__ import annotations

import csv
import glob
import hashlib
import os
from dataclasses import dataclass, field

from ..errors import InputError
from ..pipeline.scoring_file import SCORING_SUFFIXES, find_scoring_file

RECORDING_EXT = (".edf", ".bdf", ".rec")
SCORING_ONLY_EXT = (".xml",)  # scored on their own with --from-scoring when no recording pairs them
ROLE_COLUMNS = ("leg_left", "leg_right", "chin", "ecg", "eeg", "arm_left", "arm_right")


@dataclass(frozen=True)
class Job:
    """One night to score."""

    recording: str
    annotations: str | None = None
    channels: tuple = field(default_factory=tuple)  # ((role, label), ...)
    stem: str = ""


def _is_recording(p: str) -> bool:
    """A recording by extension, not a scoring file (``X-Hypnogram.edf``, ``X_sleepscoring.edf``)
    nor one of jerkdetect's own annotation exports (``X_scored.edf``)."""
    low = p.lower()
    not_rec = tuple(s.lower() for s in SCORING_SUFFIXES if s.lower().endswith(RECORDING_EXT)) + \
        ("_annotations.edf", "_scored.edf")
    return low.endswith(RECORDING_EXT) and not low.endswith(not_rec)


def read_manifest(path: str) -> list[Job]:
    """CSV/TSV with a ``recording`` (or ``path``) column, optional ``annotations`` and role columns
    (``leg_left``, ``leg_right``, ``chin``, ``ecg``) or a ``channels`` column ``leg_left=X;leg_right=Y``.
    Relative paths are taken from the manifest's folder."""
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        byte = e.object[e.start:e.start + 1]
        raise InputError(f"{path}: the manifest is not UTF-8 text (byte {e.start} is {byte!r}); "
                         "save it as UTF-8.") from None
    first = text.splitlines()[0] if text.strip() else ""
    delim = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.DictReader(text.splitlines(), delimiter=delim))
    except csv.Error as e:
        raise InputError(f"{path}: the manifest is not a valid CSV/TSV table ({e}).") from None
    if not rows:
        raise InputError(f"{path}: the manifest has no rows (a header line and one row per night are needed).")
    cols = [k.strip().lower() for k in rows[0] if k]
    if not {"recording", "path", "edf"} & set(cols):
        raise InputError(f"{path}: the manifest needs a 'recording' column; it has {', '.join(cols) or 'none'}.")
    jobs = []
    for i, r in enumerate(rows):
        if None in r:
            raise InputError(f"{path}: row {i + 2} has more cells than the header has columns.")
        r = {k.strip().lower(): (v or "").strip() for k, v in r.items() if k}
        rec = r.get("recording") or r.get("path") or r.get("edf")
        if not rec:
            raise InputError(f"{path}: row {i + 2} has no 'recording' column value.")
        rec = rec if os.path.isabs(rec) else os.path.join(base, rec)
        ann = r.get("annotations") or r.get("scoring") or None
        if ann and not os.path.isabs(ann):
            ann = os.path.join(base, ann)
        ch = {k: r[k] for k in ROLE_COLUMNS if r.get(k)}
        for part in filter(None, (r.get("channels") or "").split(";")):
            k, eq, v = part.partition("=")
            if not eq or not k.strip() or not v.strip():
                raise InputError(f"{path}: row {i + 2}: the channels cell needs ROLE=LABEL pairs separated "
                                 f"by ';' (e.g. leg_left=EMG3;leg_right=EMG4), got '{part}'.")
            ch[k.strip()] = v.strip()
        from ..io.channels import check_role
        for role in ch:
            check_role(role, f"{path}: row {i + 2}")
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
                raise InputError(f"{item}: no such file, folder or matching recordings.")
            jobs += [Job(os.path.abspath(p)) for p in (hits or [item]) if _is_recording(p)]
    if scoring_only:
        paired = {os.path.abspath(j.annotations or find_scoring_file(j.recording) or "") for j in jobs}
        jobs += _scoring_only_jobs(inputs, paired)
    uniq = {}
    for j in jobs:
        uniq.setdefault(j.recording, j)
    jobs = sorted(uniq.values(), key=lambda j: j.recording)
    if not jobs:
        raise InputError(f"{', '.join(inputs)}: no recordings ({', '.join(RECORDING_EXT)}) found.")
    base_ch = tuple(sorted((channels or {}).items()))
    stems = output_stems([j.recording for j in jobs])
    out = []
    for j, s in zip(jobs, stems):
        ann = j.annotations or (None if j.recording.lower().endswith(SCORING_ONLY_EXT)
                                else find_scoring_file(j.recording))
        out.append(Job(j.recording, ann, j.channels or base_ch, s))
    return out


def output_stems(recordings: list[str]) -> list[str]:
    """Output stems that can never collide: the file stem, with as many parent folders as needed.

    ``S001/V1/PSG.edf`` and ``S002/V1/PSG.edf`` become ``S001__V1__PSG`` and ``S002__V1__PSG``;
    ``night01.edf`` beside ``night01.rec`` become ``night01_edf`` and ``night01_rec``. Stems are
    compared case-insensitively (macOS and Windows file systems); names that differ only in case
    get a short hash of their path.

    Examples
    --------
    >>> output_stems(["/d/S001/V1/PSG.edf", "/d/S002/V1/PSG.edf", "/d/x/a.edf"])
    ['S001__V1__PSG', 'S002__V1__PSG', 'a']
    """
    paths = [os.path.abspath(p) for p in recordings]
    parts = [p.split(os.sep)[1:] for p in paths]
    base = [os.path.splitext(p[-1])[0] for p in parts]
    same_dir = [(os.path.dirname(p).lower(), b.lower()) for p, b in zip(paths, base)]
    for i in range(len(paths)):
        if same_dir.count(same_dir[i]) > 1:  # same folder and stem, another extension
            base[i] += "_" + os.path.splitext(parts[i][-1])[1].lstrip(".").lower()
    stems = list(base)
    depth = [0] * len(paths)
    for _ in range(max((len(p) for p in parts), default=0)):
        low = [s.lower() for s in stems]
        clash = {s for s in low if low.count(s) > 1}
        if not clash:
            break
        for i, s in enumerate(low):
            if s in clash and depth[i] < len(parts[i]) - 1:
                depth[i] += 1
                stems[i] = "__".join(parts[i][-1 - depth[i]:-1] + [base[i]])
    low = [s.lower() for s in stems]
    for i, s in enumerate(low):
        if low.count(s) > 1:  # differ only in case: a short hash of the path keeps them apart
            stems[i] += "_" + hashlib.sha1(paths[i].encode()).hexdigest()[:6]
    check_unique_stems(stems, paths)
    return stems


def check_unique_stems(stems: list[str], recordings: list[str]) -> None:
    """Refuse two nights that would write the same output files (compared case-insensitively)."""
    seen: dict[str, str] = {}
    for s, r in zip(stems, recordings):
        if s.lower() in seen:
            raise InputError(f"{seen[s.lower()]} and {r} would both write the outputs '{s}_*'; "
                             "give them distinct stems.")
        seen[s.lower()] = r
