"""Issue 18: a fresh command imports only what it uses (start-up time), and ``jd.X`` still works."""
import json
import os
import subprocess
import sys

import jerkdetect as jd

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
NOT_FOR_SCORING = ("pandas", "mne", "matplotlib", "dask", "tqdm", "pyedflib", "scipy.signal", "multiprocessing",
                   "jerkdetect.batch", "jerkdetect.simulate", "jerkdetect.reporting", "jerkdetect.evaluation",
                   "scipy.linalg")  # Numba's BLAS check at its first kernel load, deferred (core/numba_start.py)
START_HOOK = {"jerkdetect.core", "jerkdetect.core.numba_start"}  # sys.meta_path hook, imports nothing


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC), "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_jerkdetect_imports_nothing_else():
    mods = _modules_after("import jerkdetect")
    assert not {m for m in mods if m.startswith("jerkdetect.")} - START_HOOK
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


def test_numba_blas_still_works_after_scoring(tmp_path):
    """The deferred BLAS check changes nothing for a user's own kernels: after a scoring, a
    Numba function using ``np.dot`` compiles (SciPy's BLAS imported then) and computes."""
    code = ("import sys, numpy as np, numba\n"
            "from jerkdetect.cli import main\n"
            f"assert main(['score', {jd.sample_path()!r}, '--out', {str(tmp_path)!r}, '--quiet']) == 0\n"
            "assert 'scipy.linalg' not in sys.modules\n"
            "f = numba.njit(lambda a, b: np.dot(a, b))\n"
            "assert f(np.arange(6.0).reshape(2, 3), np.ones(3)).tolist() == [3.0, 12.0]\n"
            "import numba.np.arraymath as am, numba.np.linalg as la\n"
            "assert am._HAVE_BLAS and am.ensure_blas is la.ensure_blas")
    mods = _modules_after(code)
    assert "scipy.linalg" in mods


def test_kernel_modules_import_no_numba():
    """Kernels go through ``core.kernel`` (never ``numba.njit`` at import), so a process that calls
    an ahead-of-time build, or prints ``--version``, never pays Numba's import (~0.3-0.5 s, ~90 MB)."""
    mods = _modules_after("import jerkdetect.cli, jerkdetect.pipeline, jerkdetect.alignment, jerkdetect.rules, "
                          "jerkdetect.detection, jerkdetect.preprocessing, jerkdetect.batch\n"
                          "from jerkdetect.cli import main\n"
                          "try:\n    main(['--version'])\nexcept SystemExit:\n    pass")
    assert "jerkdetect.detection.kernels" in mods and "jerkdetect.rules.motor_kernels" in mods
    assert "numba" not in mods and "llvmlite" not in mods
