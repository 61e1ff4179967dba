"""The tutorial notebook: committed without outputs, and it runs top to bottom."""
import json

import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"


def test_tutorial_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) > 10
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in code)


def test_tutorial_runs_top_to_bottom():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # run where a user opens it (examples/, next to ../sample_data); the kernel inherits the
    # environment, so PYTHONPATH points at the source tree when the package is not installed.
    # The notebook writes only into a temporary folder.
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    text = "".join(o.get("text", "") + json.dumps(o.get("data", {})) for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "Traceback" not in text
    assert "({'lm': 1.0, 'plm': 1.0, 'jerk': 1.0}, 0.0)" in text  # the documented accuracy check
    assert "cohort_report.html" in text and "image/png" in text
