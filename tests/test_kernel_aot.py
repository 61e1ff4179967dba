"""Issue 18: kernels compiled ahead of time (``jerkdetect compile``) give the same results, event for
event, as Numba's JIT; a fresh scoring with the build imports no Numba; anything the build was not
made for (argument types, other sources, versions, CPU) falls back to the JIT."""
import json
import os
import pathlib
import subprocess
import sys

import numba
import numpy as np
import pytest

from jerkdetect.core import kernel as K

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


# --------------------------------------------------------------------------- dispatch, in process

def _values():
    readonly = np.arange(4.0)
    readonly.flags.writeable = False
    return [np.zeros(3), np.zeros((3, 4), np.float32), np.zeros((3, 4))[:, ::2], np.asfortranarray(np.zeros((3, 4))),
            np.zeros((2, 3, 4), np.int16), readonly, np.zeros(5, bool), np.zeros(2, np.complex128),
            np.zeros(0, np.int64), np.zeros((1, 5))[0], np.zeros((5, 1))[:, 0], 1, -7, 1.5, True, np.float32(1.0),
            np.int32(3), np.int64(3), np.bool_(True), np.complex128(1j), np.uint8(3)]


@pytest.mark.parametrize("i", range(len(_values())))
def test_argument_code_is_numbas_type(i):
    """The AOT entry is chosen by the same type Numba's JIT would compile for: layout (C, F, A),
    read-only arrays, dtypes and NumPy scalars included."""
    v = _values()[i]
    assert K.argument_code(v) is not None
    assert K.argument_code(v) == K.entry_code(K.numba_type_code(numba.typeof(v))), repr(v)


@pytest.mark.parametrize("v", [(1, 2), None, "x", np.zeros(3, ">f8"), np.zeros(2, "M8[s]"), [1.0]])
def test_arguments_no_build_holds_take_the_jit(v):
    """Tuples, None, byte-swapped or datetime arrays...: never exported, so never matched."""
    assert K.argument_code(v) is None or K.numba_type_code(numba.typeof(v)) is None


def test_unaligned_arrays_take_the_jit():
    """Numba types an unaligned array as aligned; the build is never called with one."""
    v = np.ndarray((2,), dtype=np.float64, buffer=bytearray(17), offset=1)
    assert K.argument_code(v)[2] == ("C", True, False) and K.numba_type_code(numba.typeof(v))[4] is True


@K.kernel
def _inner(x, k=2.0):
    return x * k


@K.kernel
def _outer(a, k=2.0):
    s = 0.0
    for v in a:
        s += _inner(v, k)
    return s


def test_kernels_call_kernels_and_defaults_are_filled_in():
    a = np.arange(5.0)
    assert _outer(a) == _outer(a, 2.0) == _outer.py_func(a) == 20.0
    assert _outer(a, 3.0) == 30.0
    assert len(_outer.jit.signatures) == 1  # the omitted default gave no second signature
    assert repr(_outer).endswith("_outer>") and _outer.__doc__ is None and _outer.__wrapped__ is _outer.py_func


def _first(x):
    return x[0]


def test_arrays_take_a_strided_or_read_only_entry_and_others_the_jit():
    """A build made for read-only strided arrays ('A', e.g. a view of EDF records read from bytes)
    serves writeable and contiguous ones too, as Numba's JIT would; a dtype it lacks, or a
    read-only array where the entry writes, goes to the JIT."""
    k = K.Kernel(_first, {})
    called = []
    records = np.frombuffer(np.arange(6.0).tobytes())[::2]
    assert K.argument_code(records)[2] == ("A", False, True)
    k._table = {(K.argument_code(records),): lambda x: called.append(x) or -1.0}
    k._call = k._aot_call
    assert k(np.arange(3.0)) == -1.0 and k(np.arange(6.0)[::2]) == -1.0 and k(records) == -1.0
    assert len(called) == 3 and (K.argument_code(np.arange(3.0)),) in k._table  # remembered
    assert k(np.arange(3, dtype=np.float32)) == 0.0 and len(called) == 3  # no entry: the JIT
    writes = K.Kernel(_first, {})
    writes._table = {(K.argument_code(np.zeros(3)),): lambda x: called.append(x) or -1.0}
    writes._call = writes._aot_call
    assert writes(np.frombuffer(np.arange(3.0).tobytes())) == 0.0 and len(called) == 3


def test_kernels_pickle_by_name():
    import pickle

    from jerkdetect.preprocessing.filters import _sos_kernel
    assert pickle.loads(pickle.dumps(_sos_kernel)) is _sos_kernel


def test_stale_builds_are_named():
    m = {"format": K.FORMAT, **K.build_stamp(), "sources": K.tree_digest(), "target_cpu": "host",
         "cpu": K.cpu_fingerprint()}
    assert K._stale(m) is None
    assert "other sources" in K._stale({**m, "sources": "0" * 64})
    assert "numpy" in K._stale({**m, "numpy": "1.0.0"})
    assert "numba" in K._stale({**m, "numba": "0.1"})
    assert "another format" in K._stale({**m, "format": K.FORMAT + 1})
    if K.cpu_fingerprint() is not None:
        assert "another CPU" in K._stale({**m, "cpu": "x"})
        assert K._stale({**m, "cpu": "x", "target_cpu": "generic"}) is None


# --------------------------------------------------------------------------- a real build

def _run(code: str, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": SRC, "PYTHONWARNINGS": "ignore", **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, cwd=str(ROOT))


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """``jerkdetect compile`` into a folder of its own (about a minute)."""
    d = tmp_path_factory.mktemp("aot")
    p = subprocess.run([sys.executable, "-m", "jerkdetect", "compile"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": SRC, "JERKDETECT_AOT_DIR": str(d)})
    assert p.returncode == 0, p.stderr[-3000:]
    assert "ahead-of-time kernels from" in p.stdout, p.stdout
    return d


def test_build_names_every_kernel_the_night_uses(build):
    m = json.loads((build / K.MANIFEST).read_text())
    assert os.path.exists(build / m["file"])
    for key in ("jerkdetect.preprocessing.filters._sos_kernel", "jerkdetect.detection.kernels.burst_features",
                "jerkdetect.detection.eeg_features.band_power_accumulate", "jerkdetect.core.epochs._stage_at_kernel"):
        assert m["kernels"].get(key), key
    assert "jerkdetect.alignment.cohort._cohort_kernel" not in m["kernels"]  # parallel: JIT only


GOLDEN = """
import sys, json
sys.path.insert(0, 'tests/golden')
import golden
from jerkdetect.core.kernel import aot_status
out = golden.run_all()
bad = [f'{c}:{k}' for c, files in out.items() for k, text in files.items()
       if (golden.HERE / f'{c}_{k}.{golden.EXT[k]}').read_text() != text]
print(json.dumps(dict(numba='numba' in sys.modules, status=aot_status(), bad=bad, n=len(out))))
"""


def test_golden_nights_identical_with_the_build_and_without_numba(build):
    """The sample night (3 cases) and the 'mixed' stress night (2 cases) through the build: every
    event, arousal and summary equal to the golden files, and Numba never imported."""
    p = _run(GOLDEN, JERKDETECT_AOT_DIR=str(build))
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["status"].startswith("ahead-of-time kernels from"), r
    assert r["n"] == 5 and r["bad"] == [], r
    assert r["numba"] is False, "a kernel fell back to Numba's JIT on the golden nights"


def test_jit_switch_and_types_the_build_lacks_fall_back(build, tmp_path):
    # the build with the filter kernel's int16 entries only (what EDF records give), so int8
    # samples are a type it lacks, however many types this machine's Numba cache has seen
    m = json.loads((build / K.MANIFEST).read_text())
    key = "jerkdetect.preprocessing.filters._sos_kernel"
    m["kernels"][key] = [e for e in m["kernels"][key] if e[0][0][0] == "int16"]
    assert m["kernels"][key]
    (tmp_path / m["file"]).write_bytes((build / m["file"]).read_bytes())
    (tmp_path / K.MANIFEST).write_text(json.dumps(m))
    code = """
import sys, json, numpy as np
from jerkdetect.core.kernel import aot_status, argument_code
from jerkdetect.preprocessing.filters import _sos_kernel
x = (np.arange(4 * 256) % 97 - 48).reshape(4, 256)
sos = np.array([[0.2, 0.4, 0.2, 1.0, -0.5, 0.3]])
def run(xx):
    out = np.zeros(xx.size, np.float32); cl = np.zeros(8, np.int64); z1 = np.zeros(1); z2 = np.zeros(1)
    _sos_kernel(xx, 0.5, 1.0, sos, out, 0, -40.0, 40.0, 256, cl, z1, z2)
    return out, cl
o16, c16 = run(x.astype(np.int16))
before = 'numba' in sys.modules
of, cf = run(x.astype(np.LACKING))  # samples of a type the build was not made for
print(json.dumps(dict(before=before, after='numba' in sys.modules, same=bool(np.array_equal(o16, of)),
                      clip=c16.tolist() == cf.tolist(), status=aot_status())))
"""
    code = code.replace("LACKING", "int8")
    p = _run(code, JERKDETECT_AOT_DIR=str(tmp_path))
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["before"] is False and r["after"] is True and r["same"] and r["clip"], r
    p = _run(code, JERKDETECT_AOT_DIR=str(tmp_path), JERKDETECT_AOT="0")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["before"] is True and r["same"] and "JERKDETECT_AOT=0" in r["status"], r


def test_a_build_of_other_sources_is_not_used(build, tmp_path):
    m = json.loads((build / K.MANIFEST).read_text())
    other = tmp_path / "other"
    other.mkdir()
    (other / m["file"]).write_bytes((build / m["file"]).read_bytes())
    (other / K.MANIFEST).write_text(json.dumps({**m, "sources": "0" * 64}))
    p = _run("from jerkdetect.cli import main; main(['compile', '--status'])", JERKDETECT_AOT_DIR=str(other))
    assert "built from other sources" in p.stdout and "Numba's JIT" in p.stdout, p.stdout + p.stderr
