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
