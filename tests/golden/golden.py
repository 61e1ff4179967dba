"""Golden outputs: events, arousal tables and summaries of fixed nights, as written by main before
the restructuring of issue 14 (commit recorded in ``tests/golden/COMMIT``).

``python tests/golden/golden.py`` regenerates them; do that only when a change is *meant* to
change results, and say so in the commit. ``tests/test_golden.py`` compares every case.

Only the public API is used here, so the same script runs before and after a refactor.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys
import tempfile
import warnings

HERE = pathlib.Path(__file__).resolve().parent
# run-dependent entries of the summary (times, version, where the files lay)
VOLATILE = ("timings_s", "jerkdetect_version")
EXT = {"events": "tsv", "arousals": "tsv", "summary": "json", "rows": "jsonl"}


def _stress_night(folder: str) -> str:
    """A 1-h 'mixed' stress night at 256 Hz (every stress effect), written as EDF+ and NSRR XML."""
    from jerkdetect.simulate.stress import stress_night
    night = stress_night("mixed", seed=5, duration_h=1.0, fs_emg=256.0)
    return night.write(folder, "stress")["recording"]


CASES = {
    # name: (night, score keywords)
    "sample_wasm": ("sample", dict(rules="wasm2016")),
    "sample_aasm": ("sample", dict(rules="aasm2012")),
    "sample_detect": ("sample", dict(rules="wasm2016", arousals="detect")),
    "stress_wasm": ("stress", dict(rules="wasm2016", arousals="detect")),
    "stress_aasm": ("stress", dict(rules="aasm2012", arousals="detect")),
}


def normalise_summary(summary: dict) -> dict:
    """The summary without run-dependent entries, with file paths reduced to their names."""
    out = {k: v for k, v in summary.items() if k not in VOLATILE}
    for k in ("recording", "annotation_source", "hypnogram_source"):
        if isinstance(out.get(k), str):
            out[k] = os.path.basename(out[k])
    return json.loads(json.dumps(out))


def run_case(name: str, stress_path: str | None) -> dict[str, str]:
    """Score one case and return its outputs as text: events TSV, arousals TSV, normalised summary."""
    import jerkdetect as jd
    night, kw = CASES[name]
    path = jd.sample_path() if night == "sample" else stress_path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jd.score(path, **kw)
    with tempfile.TemporaryDirectory() as d:
        paths = res.write(d, name)
        out = {"events": pathlib.Path(paths["events"]).read_text()}
        if "arousals" in paths:
            out["arousals"] = pathlib.Path(paths["arousals"]).read_text()
        summary = json.loads(pathlib.Path(paths["summary"]).read_text())
    out["summary"] = json.dumps(normalise_summary(summary), indent=1, sort_keys=True) + "\n"
    # every event at full float precision (the TSV rounds to 4 decimals)
    out["rows"] = "".join(json.dumps(r, sort_keys=True) + "\n" for r in res.event_rows())
    return out


def run_all() -> dict[str, dict[str, str]]:
    with tempfile.TemporaryDirectory() as d:
        stress = _stress_night(d)
        return {name: run_case(name, stress) for name in CASES}


def main() -> None:
    import subprocess
    results = run_all()
    for name, files in results.items():
        for kind, text in files.items():
            (HERE / f"{name}_{kind}.{EXT[kind]}").write_text(text)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout
    (HERE / "COMMIT").write_text(commit)
    print(f"wrote {sum(len(f) for f in results.values())} files to {HERE}")


if __name__ == "__main__":
    sys.exit(main())
