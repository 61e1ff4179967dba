"""The tutorial notebook: committed with its outputs (so it shows on a repository page), small, current,
and it runs top to bottom.

Refresh the saved outputs after a change: ``python tests/test_tutorial.py`` (runs the notebook where a
user opens it and writes it back with its outputs).
"""
import json
import os
import re
import sys

import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
MAX_BYTES = 1_500_000  # outputs included: small enough to open quickly on a repository page


def execute():
    """The notebook executed in examples/ (next to ../sample_data), as a user runs it.

    The kernel inherits the environment, so PYTHONPATH points at the source tree when the package
    is not installed. The notebook writes only into a temporary folder.
    """
    import nbclient
    import nbformat
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return nb


def _text(cells) -> str:
    """Every output as text (saved notebooks keep multi-line text as lists of lines)."""
    def text(o):
        t = o.get("text", "")
        return ("".join(t) if isinstance(t, list) else t) + json.dumps(o.get("data", {}))
    return "".join(text(o) for c in cells if c["cell_type"] == "code" for o in c["outputs"])


def _shown(cell) -> bool:
    """Whether a cell shows something: a last line that is an expression, a print or a plot."""
    src = "".join(cell["source"]).strip().splitlines()
    last = src[-1] if src else ""
    return bool(last) and not re.match(r"^(import|from|[\w, \[\]\"\.]+ = |def |for )", last) or "print(" in "".join(
        cell["source"]) or last.endswith(";")


def test_tutorial_is_committed_with_its_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) > 10
    assert NOTEBOOK.stat().st_size < MAX_BYTES
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))  # run once, in order
    missing = ["".join(c["source"])[:40] for c in code if _shown(c) and not c["outputs"]]
    assert not missing, missing
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    text = _text(nb["cells"])
    assert "image/png" in text and "({'lm': 1.0, 'plm': 1.0, 'jerk': 1.0}, 0.0)" in text
    assert "n_arousals" in text and "n_respiratory_events" in text  # the per-stage table as it is now
    assert str(ROOT) not in text  # no path of the machine that ran it


def test_tutorial_runs_top_to_bottom():
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nb = execute()
    text = _text(nb.cells)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "Traceback" not in text
    assert "({'lm': 1.0, 'plm': 1.0, 'jerk': 1.0}, 0.0)" in text  # the documented accuracy check
    assert "cohort_report.html" in text and "image/png" in text
    saved = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert [bool(c["outputs"]) for c in saved["cells"] if c["cell_type"] == "code"] == \
        [bool(c.outputs) for c in nb.cells if c.cell_type == "code"], "saved outputs are stale: run this file"


if __name__ == "__main__":  # refresh the saved outputs
    import nbformat
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    nbformat.write(execute(), NOTEBOOK)
    print(f"wrote {NOTEBOOK} ({NOTEBOOK.stat().st_size / 1e3:.0f} kB)")
