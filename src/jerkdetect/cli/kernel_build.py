"""``jerkdetect compile``: every kernel compiled ahead of time into one extension module.

A fresh ``jerkdetect score`` spends about 0.7 s before any work on Numba alone: importing it
and loading each kernel from its cache. The functions decorated with
:func:`jerkdetect.core.kernel.kernel` can instead be compiled once with Numba's ahead-of-time
compiler (``numba.pycc``) into an extension module that later processes call without importing
Numba (see :mod:`jerkdetect.core.kernel` for how a process picks it up and when it ignores it).

An ahead-of-time function has fixed argument types, so the build exports each kernel for the
types this machine has used: it first scores the shipped sample night (with and without EEG
arousal detection) through Numba's JIT, then takes every signature in Numba's cache index of
each kernel (also those other recordings, e.g. BDF files, made it compile). Arguments of other
types still run, through Numba's JIT; ``jerkdetect compile`` again adds them. The functions
release the GIL, as the JIT ones do (``nogil=True``), so a night's threads still run side by side.

Needs a C compiler (Numba's helper code is compiled into the module). Takes about a minute.

Examples
--------
>>> from jerkdetect.cli.kernel_build import build_kernels
>>> path = build_kernels()  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import glob
import importlib
import json
import os
import tempfile
import time
import warnings
from typing import NamedTuple

from ..core import kernel as K
from ..core.atomic import atomic_write_text
from ..core.log import logger
from ..core.version import __version__
from ..errors import JerkdetectError

KERNEL_MODULES = ("jerkdetect.core.epochs", "jerkdetect.preprocessing.filters", "jerkdetect.preprocessing.ecg",
                  "jerkdetect.detection.kernels", "jerkdetect.detection.eeg_features",
                  "jerkdetect.detection.arousal_kernels", "jerkdetect.rules.motor_kernels",
                  "jerkdetect.alignment.cohort")
MODULE_PREFIX = "_jerkdetect_kernels_"


def build_kernels(out_dir: str | None = None, *, warm_up: bool = True, target_cpu: str = "auto",
                  say=None) -> str:
    """Compile every kernel ahead of time; return the path of the manifest written.

    Parameters
    ----------
    out_dir : str, optional
        Folder to write to; default the first writable of :func:`jerkdetect.core.kernel.aot_dirs`
        (where a process looks).
    warm_up : bool
        Score the sample night first so that the common signatures are in Numba's cache.
    target_cpu : {"auto", "host", "generic"}
        ``"host"`` tunes the code for this machine's CPU, as Numba's JIT does (the filter kernel
        runs ~30 % slower on the generic model); the build records the CPU's features and is used
        only where they match. ``"generic"`` runs on every CPU of the architecture (a cluster's
        nodes sharing one file system). ``"auto"`` (default): ``"host"`` where the CPU's features
        can be read (Linux), else ``"generic"``.
    say : callable, optional
        Called with one line per step (the CLI prints them).
    """
    say = say or logger.info
    t0 = time.perf_counter()
    cpu = K.cpu_fingerprint()
    if target_cpu == "auto":
        target_cpu = "host" if cpu else "generic"
    if target_cpu not in ("host", "generic"):
        raise JerkdetectError(f"target_cpu must be 'auto', 'host' or 'generic', not {target_cpu!r}")
    if target_cpu == "host" and cpu is None:
        raise JerkdetectError("target_cpu='host' needs the CPU's features (/proc/cpuinfo), which this system "
                              "does not show: use 'generic'")
    K.force_jit(True)
    try:
        for m in KERNEL_MODULES:
            importlib.import_module(m)
        if warm_up:
            say("scoring the sample night through Numba's JIT (fills its cache)")
            _warm_up()
        exports = _signatures()
        if not exports:
            raise JerkdetectError("no kernel signature found in Numba's cache: score a night first")
        target = out_dir or _writable(K.aot_dirs())
        os.makedirs(target, exist_ok=True)
        digest = K.tree_digest()
        name = MODULE_PREFIX + digest[:16]
        n = sum(len(v) for v in exports.values())
        say(f"compiling {n} entries of {len(exports)} kernels for the {target_cpu} CPU into {target} (about 1 min)")
        so = _compile(name, exports, target, target_cpu)
        manifest = {"format": K.FORMAT, **K.build_stamp(), "sources": digest, "jerkdetect": __version__,
                    "module": name, "file": os.path.basename(so), "target_cpu": target_cpu,
                    "cpu": cpu if target_cpu == "host" else None,
                    "kernels": {key: [[e.codes, e.symbol] for e in entries]
                                for key, entries in sorted(exports.items())}}
        path = os.path.join(target, K.MANIFEST)
        atomic_write_text(path, json.dumps(manifest, indent=1))
        for old in glob.glob(os.path.join(target, MODULE_PREFIX + "*")):
            if os.path.basename(old) != manifest["file"]:
                with contextlib.suppress(OSError):
                    os.remove(old)
    finally:
        K.force_jit(False)
    K.reset()
    status = K.aot_status()
    if not status.startswith("ahead-of-time kernels"):
        raise JerkdetectError(f"the build in {target} is not usable: {status}")
    say(f"done in {time.perf_counter() - t0:.0f} s: {status}")
    return path


def _warm_up() -> None:
    """Score the sample night (scored and detected arousals) and a 3-h simulated night with
    every channel (EMG at 512 Hz, REM periods): the kernels' usual argument types."""
    import warnings

    from .. import sample_path
    from ..pipeline.score import score
    from ..simulate import simulate_night
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        score(sample_path(), arousals="detect")
        score(sample_path())
        paths = simulate_night(seed=7, duration_h=3.0).write(tmp, "warm_up")
        score(paths["recording"], arousals="detect")
        score(paths["recording"])


class Export(NamedTuple):
    codes: list  # the manifest's argument codes (core.kernel.numba_type_code)
    symbol: str
    signature: object  # Numba's full signature (with the return type)
    py_func: object


def _signatures() -> dict[str, list[Export]]:
    """{kernel key: its exports}, one per signature in the kernel's Numba cache (this machine's)."""
    out: dict[str, list] = {}
    for key, k in sorted(K.registered().items()):
        if not k.aot_capable:
            continue
        d = k.jit
        sigs = set(d.signatures)
        with contextlib.suppress(Exception):  # Numba's cache index: internal, read when it is there
            magic = d.targetctx.codegen().magic_tuple()
            sigs |= {entry[0] for entry in d._cache._cache_file._load_index() if entry[1] == magic}
        entries = []
        for sig in sorted(sigs, key=str):
            codes = [K.numba_type_code(t) for t in sig]
            if None in codes:
                continue
            d.compile(sig)
            full = d.overloads[sig].signature
            entries.append(Export(codes, f"{k.__name__}__{len(entries)}", full, k.py_func))
        if entries:
            out[key] = entries
    return out


def _compile(name: str, exports: dict[str, list[Export]], target: str, target_cpu: str) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pycc's pending deprecation: Numba has no replacement yet
            from numba.pycc import CC
    except ImportError as e:  # numba.pycc needs setuptools (not in a bare venv from Python 3.12 on)
        raise JerkdetectError(f"ahead-of-time compilation needs {e.name or 'numba.pycc'} ({e}); "
                              "scoring still works through Numba's JIT") from e
    with tempfile.TemporaryDirectory(dir=target) as tmp, _release_gil():
        cc = CC(name)
        cc.output_dir = tmp
        cc.target_cpu = "host" if target_cpu == "host" else ""  # "": LLVM's generic model
        for entries in exports.values():
            for e in entries:
                cc.export(e.symbol, e.signature)(e.py_func)
        try:
            cc.compile()
        except Exception as e:  # no C compiler, or a kernel pycc cannot compile
            raise JerkdetectError(f"ahead-of-time compilation failed ({type(e).__name__}: {e}); it needs a C "
                                  "compiler and setuptools; scoring still works through Numba's JIT") from e
        built = glob.glob(os.path.join(tmp, name + "*"))
        if len(built) != 1:
            raise JerkdetectError(f"ahead-of-time compilation left {built} in {tmp}")
        so = os.path.join(target, os.path.basename(built[0]))
        os.replace(built[0], so)
    return so


@contextlib.contextmanager
def _release_gil():
    """pycc's entry points hold the GIL; ours release it, as the kernels' ``nogil=True`` does."""
    import numba.pycc.compiler as pc
    real = pc.Flags

    class Flags(real):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.release_gil = True

    pc.Flags = Flags
    try:
        yield
    finally:
        pc.Flags = real


def _writable(dirs: list[str]) -> str:
    for d in dirs:
        try:
            os.makedirs(d, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=d):
                return d
        except OSError:
            continue
    raise JerkdetectError(f"none of {dirs} is writable: set NUMBA_CACHE_DIR to a writable folder")
