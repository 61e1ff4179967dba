"""Property tests of the issue-20 (part B) mutation families, each case in a sandboxed child:
a parameter set to a nasty value is refused or gives the default's result (never another
number), and a disk that fails at any output file leaves nothing of the night and names the
file. The whole families run in ``benchmarks/mutation_sweep.py --kinds params,disk``."""
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

from mutation_families_params import cases  # noqa: E402
from sandbox import hypothesis_settings  # noqa: E402

ALL = cases()
PARAMS = [c for c in ALL if c["kind"] == "params"]
DISK = [c for c in ALL if c["kind"] == "disk"]
SETTINGS = hypothesis_settings()



def test_every_group_and_outcome_is_in_the_families():
    assert {c["group"] for c in PARAMS} == {"detection", "arousal", "rules", "aasm2012", "hypnic", "motor"}
    assert {c["expect"] for c in PARAMS} == {"error", "either", "same"}
    assert len(DISK) == 28


@settings(max_examples=40, **SETTINGS)
@given(case=st.sampled_from(PARAMS))
def test_nasty_parameters(sandbox, case):
    out = sandbox.run(case)
    assert out["status"] in ("result", "error"), f"{case} -> {out}"
    if case["expect"] == "error":
        assert out["status"] == "error", f"{case} -> {out}"


@settings(max_examples=8, **SETTINGS)
@given(case=st.sampled_from(DISK))
def test_disk_failures(sandbox, case):
    out = sandbox.run(case)
    assert out["status"] == "error", f"{case} -> {out}"
