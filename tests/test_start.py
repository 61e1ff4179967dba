"""Issue 18: a fresh command imports only what it uses (start-up time), and ``jd.X`` still works."""
import json
import os
import subprocess
import sys

import jerkdetect as jd

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
NOT_FOR_SCORING = ("pandas", "mne", "matplotlib", "dask", "tqdm", "pyedflib", "scipy.signal", "multiprocessing",
                   "jerkdetect.batch", "jerkdetect.simulate", "jerkdetect.reporting", "jerkdetect.evaluation")


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC), "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_jerkdetect_imports_nothing_else():
    mods = _modules_after("import jerkdetect")
    assert not {m for m in mods if m.startswith("jerkdetect.")}
    assert "numpy" not in mods and "numba" not in mods


def test_every_public_name_resolves_lazily():
    for name in jd.__all__:
        assert getattr(jd, name) is not None, name
    assert set(jd.__all__) <= set(dir(jd)) and "simulate" in dir(jd)
    assert jd.score.__module__ == "jerkdetect.pipeline.score"


def test_score_command_imports_only_what_scoring_needs(tmp_path):
    """``jerkdetect score`` on the sample night (EDF+ whose records hold no annotation, NSRR XML
    next to it): no pandas, MNE, matplotlib, Dask, tqdm, pyedflib, batch or simulator."""
    code = ("from jerkdetect.cli import main\n"
            f"assert main(['score', {jd.sample_path()!r}, '--out', {str(tmp_path)!r}, '--quiet']) == 0")
    mods = _modules_after(code)
    assert "jerkdetect.pipeline.score" in mods  # it did score
    assert not [m for m in NOT_FOR_SCORING if m in mods]
