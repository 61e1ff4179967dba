"""Results stay the same through refactors: events, arousal tables and summaries of the sample
night and a 'mixed' stress night, under both rule sets, equal the golden files written by main
before the restructuring (``tests/golden/COMMIT``; regenerate only for intended changes)."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "golden"))
import golden  # noqa: E402


@pytest.fixture(scope="module")
def outputs():
    return golden.run_all()


@pytest.mark.parametrize("case", sorted(golden.CASES))
def test_outputs_equal_golden(outputs, case):
    got = outputs[case]
    want = {kind: (golden.HERE / f"{case}_{kind}.{ext}") for kind, ext in golden.EXT.items()}
    want = {kind: p.read_text() for kind, p in want.items() if p.exists()}
    assert sorted(got) == sorted(want)
    for kind in want:
        assert got[kind] == want[kind], f"{case}: {kind} differs from the golden file"
