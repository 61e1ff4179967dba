"""A few cases of each scoring-file mutation family (issue 20) per CI run, each in its own
sandboxed process (``tests/mutation_families_scoring.py`` has the families and their oracle;
``benchmarks/mutation_sweep.py --kinds vocabulary,duplicates,scale`` runs them all)."""
import pytest

from mutation_families_scoring import cases
from sandbox import OK

ALL = cases()
# every seventh vocabulary and duplicates case, and the smallest scale case: about 35 fast cases
PICK = [c for c in ALL if c["kind"] == "vocabulary"][::7] + [c for c in ALL if c["kind"] == "duplicates"][::3] \
    + [c for c in ALL if c["kind"] == "scale"][:1]



@pytest.mark.parametrize("case", PICK, ids=lambda c: "-".join(str(v)[:12] for v in c.values()))
def test_scoring_file_mutation_families(sandbox, case):
    out = sandbox.run(case)
    assert out["status"] in OK, f"{case} -> {out}"
