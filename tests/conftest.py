import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
SAMPLE = ROOT / "sample_data"

needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is not present")


@pytest.fixture(scope="session")
def fixtures() -> pathlib.Path:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is not present")
    return FIXTURES


@pytest.fixture(scope="session")
def sample_edf() -> str:
    return str(SAMPLE / "sample_night.edf")


@pytest.fixture(scope="module")
def one_night(tmp_path_factory):
    """A 3-min night (two legs, six LMs at 256 Hz) beside its stages table ``n.tsv``."""
    from jerkdetect.io.edf_write import SignalSpec, write_edf
    from test_edge_inputs import FS, emg, stages_tsv
    d = tmp_path_factory.mktemp("one")
    write_edf(d / "n.edf", [SignalSpec("Leg L", emg(), FS), SignalSpec("Leg R", emg(seed=1), FS)])
    stages_tsv(d / "n.tsv")
    return d / "n.edf"


@pytest.fixture(scope="session")
def sim_cache(tmp_path_factory):
    """Simulated nights written once per session: key -> (paths, night)."""
    from jerkdetect.simulate import simulate_night
    cache = {}
    root = tmp_path_factory.mktemp("nights")

    def get(seed=1, include_leg_movements=False, **kw):
        key = (seed, include_leg_movements, tuple(sorted(kw.items())))
        if key not in cache:
            night = simulate_night(seed=seed, **kw)
            stem = f"n{len(cache)}"
            paths = night.write(str(root / stem), stem, include_leg_movements=include_leg_movements)
            cache[key] = (paths, night)
        return cache[key]
    return get


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """One warm zygote for every mutation test module (``tests/sandbox.py``): its kernels and base
    files are built once per session, each case runs in a child forked from it."""
    from sandbox import Sandbox
    sb = Sandbox(str(tmp_path_factory.mktemp("mutations")), mem_gib=1.5, timeout_s=60)
    yield sb
    sb.close()
